"""ThemeSnapshot + Theme -> the typed context every note template reads.

All number formatting lives here, so Markdown, HTML and PDF show the same text:

* returns: sign and one decimal, ``+3.2%`` / ``−1.5%`` (a true minus sign, U+2212);
* excess returns and contributions: percentage points, ``+1.1 pp``;
* prices: two decimals with the currency, ``HKD 87.60`` (index levels without one);
* a missing value (``None``): an en dash, ``–`` — never 0, never guessed.

A figure from a symbol whose last bar is older than the as-of session is **stale**: its
text carries a dagger (``+3.2%†``) and the table explains it, so a stale number is never
presented as today's. The same holds for the concept basket: when no constituent has a
bar on the as-of session, the basket's figures end at its last session (see
:mod:`concepttrack.analytics.basket`) and every basket figure is marked, the key-figures
notes give the dates, and the paragraph says the basket has no prices for the session.
An excess return exists only over matching windows; when the benchmark has no bar on the
stock's or basket's last session it is shown as ``–`` and the note says why. The "what
moved" paragraph is written from :class:`~concepttrack.analytics.model.NarrativeFacts`
alone, with no arithmetic beyond choosing a verb from a sign.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from concepttrack.analytics.model import (
    DataStatus,
    NarrativeFacts,
    RiskFigures,
    SinceLastNote,
    StockFigures,
    ThemeSnapshot,
    WindowReturns,
)
from concepttrack.themes import Stock, Theme

_PARAGRAPHS = re.compile(r"\n[ \t]*\n+")
MISSING = "\N{EN DASH}"
MINUS = "\N{MINUS SIGN}"
STALE_MARK = "\N{DAGGER}"
AUTHOR = "concepttrack"
KICKER = "Concept tracking"
KICKER_ZH = "概念股追踪"

Tone = Literal["up", "down", "flat", "na"]

#: Display names of benchmarks a Hong Kong reader knows; others show their symbol.
BENCHMARK_NAMES: dict[str, tuple[str, str]] = {
    "^HSI": ("Hang Seng Index", "HSI"),
    "^HSCE": ("Hang Seng China Enterprises Index", "HSCEI"),
    "^HSTECH": ("Hang Seng TECH Index", "HSTECH"),
    "000300.SS": ("CSI 300", "CSI 300"),
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EXPOSURE = {
    "core": "Core",
    "supplier": "Supplier",
    "infrastructure": "Infrastructure",
    "platform": "Platform",
    "indirect": "Indirect",
}

# --- number formatting --------------------------------------------------------------


def _signed(value: float, decimals: int) -> str:
    text = f"{value:+.{decimals}f}"
    if float(text) == 0:  # "-0.0" and "+0.0" both read as no change
        return f"{0:.{decimals}f}"
    return text.replace("-", MINUS)


def fmt_pct(value: float | None) -> str:
    """A fraction as a signed percentage with one decimal: 0.032 -> ``+3.2%``."""
    return MISSING if value is None else _signed(100 * value, 1) + "%"


def fmt_pct_abs(value: float | None) -> str:
    """A fraction's size as a percentage without sign: -0.032 -> ``3.2%``."""
    return MISSING if value is None else f"{abs(100 * value):.1f}%"


def fmt_share(value: float | None) -> str:
    """A share such as a weight, unsigned with one decimal: 0.25 -> ``25.0%``."""
    return MISSING if value is None else f"{100 * value:.1f}%"


def fmt_pp(value: float | None) -> str:
    """A difference of fractions in percentage points: 0.011 -> ``+1.1 pp``."""
    return MISSING if value is None else _signed(100 * value, 1) + " pp"


def fmt_pp_abs(value: float | None) -> str:
    """A difference's size in percentage points without sign: -0.011 -> ``1.1 pp``."""
    return MISSING if value is None else f"{abs(100 * value):.1f} pp"


def fmt_price(value: float | None, currency: str | None = None) -> str:
    """A price with two decimals and its currency: ``HKD 87.60``; thousands separated."""
    if value is None:
        return MISSING
    number = f"{value:,.2f}"
    return f"{currency} {number}" if currency else number


def fmt_ratio(value: float | None, decimals: int = 2) -> str:
    """A plain ratio such as beta or volume ratio: ``1.35``."""
    if value is None:
        return MISSING
    return f"{value:.{decimals}f}".replace("-", MINUS)


def fmt_date(value: dt.date | None) -> str:
    """``28 Mar 2024``; missing -> ``–``."""
    if value is None:
        return MISSING
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def tone(value: float | None) -> Tone:
    """Colour class of a signed figure: up, down, flat or na (missing)."""
    if value is None:
        return "na"
    if round(100 * value, 1) > 0:
        return "up"
    if round(100 * value, 1) < 0:
        return "down"
    return "flat"


# --- context types ------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One displayed number: its text (with a dagger when stale) and its colour class."""

    text: str
    tone: Tone = "flat"
    stale: bool = False


def _fig(text: str, value: float | None, *, stale: bool = False, signed: bool = True) -> Figure:
    if value is not None and stale:
        text += STALE_MARK
    return Figure(text, tone(value) if signed else ("na" if value is None else "flat"), stale)


@dataclass(frozen=True)
class KeyRow:
    """One window of the key-figures table: basket, benchmark and the gap between them."""

    label: str
    basket: Figure
    benchmark: Figure
    excess: Figure


@dataclass(frozen=True)
class KeyFigures:
    """The headline block: windows, basket level, breadth, leader and laggard."""

    rows: list[KeyRow]
    basket_level: str
    benchmark_level: str
    breadth: str
    above_ma: str
    leader_1d: str
    laggard_1d: str
    leader_since_event: str
    laggard_since_event: str
    #: Lines under the key figures: stale basket or benchmark dates, same-window excess,
    #: carried constituents.
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class SinceLastBox:
    """What changed since the previous note, as short lines."""

    previous_as_of: str
    lines: list[str]


@dataclass(frozen=True)
class TimelineItem:
    """A dated catalyst; ``is_event`` marks the anchoring event."""

    date: str
    title: str
    detail: str
    source: str
    is_event: bool


@dataclass(frozen=True)
class ViewItem:
    """A broker view, attributed and dated."""

    source: str
    date: str
    rating: str
    target_price: str
    summary: str


@dataclass(frozen=True)
class ConstituentRow:
    """One row of the constituents table, every cell preformatted."""

    code: str
    name: str
    name_zh: str
    currency: str
    last: Figure
    one_day: Figure
    five_day: Figure
    one_month: Figure
    since_event: Figure
    excess_since_event: Figure
    volume_ratio: Figure
    from_high_52w: Figure
    weight: str
    contribution: Figure
    status: str
    status_class: str


@dataclass(frozen=True)
class StockNote:
    """Per-stock notes: identity, exposure, the book's rationale and a figures line."""

    code: str
    name: str
    name_zh: str
    exposure: str
    rationale: str
    figures: str


@dataclass(frozen=True)
class RiskItem:
    """A written risk from the themes book."""

    title: str
    detail: str


@dataclass(frozen=True)
class RiskRow:
    """Measured risk of the basket, the benchmark or one stock."""

    label: str
    volatility: str
    max_drawdown: str
    drawdown_dates: str
    beta: str
    correlation: str


@dataclass(frozen=True)
class Definition:
    """A methodology term and its exact definition in plain words."""

    term: str
    text: str


@dataclass(frozen=True)
class DataRow:
    """Per-symbol data status for the appendix."""

    code: str
    name: str
    symbol: str
    last_bar: str
    status: str
    note: str


@dataclass(frozen=True)
class NoteContext:
    """Everything a note template shows; every value is display-ready text."""

    theme_id: str
    title: str
    title_zh: str
    kicker: str
    kicker_zh: str
    as_of: str
    as_of_iso: str
    event_date: str
    event_title: str
    base_session: str
    source: str
    freshness: str
    demo: bool
    benchmark_name: str
    benchmark_short: str
    since_last: SinceLastBox | None
    key_figures: KeyFigures
    what_moved: str
    thesis: list[str]
    timeline: list[TimelineItem]
    views: list[ViewItem]
    constituents: list[ConstituentRow]
    table_notes: list[str]
    stock_notes: list[StockNote]
    risks: list[RiskItem]
    risk_rows: list[RiskRow]
    concentration: str
    methodology: list[Definition]
    data_rows: list[DataRow]
    data_notes: list[str]
    colour_convention: str
    disclaimer: str
    pdf_title: str
    pdf_subject: str
    pdf_keywords: str
    author: str
    tags: list[str]

    @property
    def methodology_columns(self) -> tuple[list[Definition], list[Definition]]:
        """The definitions in two columns of about equal length, in reading order.

        The printed note sets them side by side in two flex columns: WeasyPrint lays out
        CSS multi-column text several times to balance it, which cost about 0.35 s of
        the note's 1.5 s layout.
        """
        # A term heading takes about a line of the 45-character column.
        sizes = [len(item.text) + 45 for item in self.methodology]
        total = sum(sizes)
        best, best_gap, run = 0, float(total), 0
        for index in range(len(sizes) + 1):
            gap = abs(total - 2 * run)
            if gap < best_gap:
                best, best_gap = index, gap
            if index < len(sizes):
                run += sizes[index]
        return self.methodology[:best], self.methodology[best:]


# --- building -----------------------------------------------------------------------


def benchmark_names(symbol: str) -> tuple[str, str]:
    """(long name, short name) of a benchmark: ``("Hang Seng Index", "HSI")``."""
    return BENCHMARK_NAMES.get(symbol, (symbol, symbol))


def source_label(source: str) -> str:
    """A reader-facing name of the price source (``yahoo`` -> ``Yahoo Finance``)."""
    kind, _, detail = source.partition(":")
    if kind == "yahoo":
        return "Yahoo Finance daily bars"
    if kind == "demo":
        return "DEMO prices (synthetic, not market data)"
    if kind == "csv":
        folder = detail.rstrip("/").rsplit("/", 1)[-1] or detail
        return f"CSV price files ({folder})" if folder else "CSV price files"
    return source


_CSV_FOLDER = re.compile(r"CSV folder (\S+?)(?=[\s;,)]|$)")
_ABS_PATH = re.compile(r"(?<![\w.:/\\])(?:[A-Za-z]:)?(?:[/\\][^\s/\\;,()]+)+[/\\]?")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def reader_reason(reason: str) -> str:
    """A data-status reason as a client may read it: no local paths, note-style dates.

    ``no data from CSV folder /srv/data/hk-prices after 2025-07-18`` becomes
    ``no data from CSV price files (hk-prices) after 18 Jul 2025``.
    """

    def _date(match: re.Match[str]) -> str:
        try:
            return fmt_date(dt.date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    text = _CSV_FOLDER.sub(lambda m: source_label(f"csv:{m[1]}"), reason)
    text = _ABS_PATH.sub(lambda m: m[0].rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1], text)
    return _ISO_DATE.sub(_date, text)


def stock_label(stock: Stock) -> str:
    """Short label for legends and sentences: ``ZTE (00763)``."""
    return f"{stock.name} ({stock.display_code})"


def _inferred_calendars(snapshot: ThemeSnapshot) -> dict[str, dt.date]:
    """Exchange -> horizon, for the markets whose recent sessions were inferred."""
    from concepttrack.symbols import market_of

    found: dict[str, dt.date] = {}
    for status in snapshot.statuses:
        if status.calendar_inferred_after is not None:
            found[market_of(status.symbol).exchange] = status.calendar_inferred_after
    return dict(sorted(found.items()))


def _calendar_notes(status: DataStatus) -> list[str]:
    """The data-status note of a symbol whose market's recent sessions were inferred."""
    if status.calendar_inferred_after is None:
        return []
    return [f"calendar inferred from data after {fmt_date(status.calendar_inferred_after)}"]


def _status_text(status: DataStatus) -> tuple[str, str]:
    if status.status == "fresh":
        return "Fresh", "fresh"
    if status.status == "stale":
        return f"Stale · last {fmt_date(status.last_session)}", "stale"
    return "Missing", "missing"


def _windows(
    basket: WindowReturns,
    benchmark: WindowReturns,
    excess: WindowReturns,
    bench_stale: bool,
    basket_stale: bool = False,
) -> list[KeyRow]:
    windows = (
        ("Since event", "since_event"),
        ("1 day", "one_day"),
        ("5 days", "five_day"),
        ("1 month", "one_month"),
        ("Year to date", "ytd"),
    )
    rows = []
    for label, name in windows:
        b, m, x = getattr(basket, name), getattr(benchmark, name), getattr(excess, name)
        rows.append(
            KeyRow(
                label,
                _fig(fmt_pct(b), b, stale=basket_stale),
                _fig(fmt_pct(m), m, stale=bench_stale),
                _fig(fmt_pp(x), x, stale=bench_stale or basket_stale),
            )
        )
    return rows


class _Names:
    """Symbol -> reader-facing label, from the theme (falls back to the symbol)."""

    def __init__(self, theme: Theme, snapshot: ThemeSnapshot) -> None:
        self.by_symbol = {stock.symbol: stock for stock in theme.stocks}
        self.figures = {stock.symbol: stock for stock in snapshot.stocks}

    def label(self, symbol: str | None) -> str:
        if symbol is None:
            return MISSING
        stock = self.by_symbol.get(symbol)
        return stock_label(stock) if stock else symbol

    def short(self, symbol: str | None) -> str:
        if symbol is None:
            return MISSING
        stock = self.by_symbol.get(symbol)
        return stock.name if stock else symbol

    def with_return(self, symbol: str | None, window: str) -> str:
        """``ZTE (00763) +3.2%``, with a dagger when the stock is stale."""
        if symbol is None:
            return MISSING
        figures = self.figures.get(symbol)
        value = getattr(figures.returns, window) if figures else None
        stale = figures is not None and figures.status.status == "stale" and value is not None
        return f"{self.label(symbol)} {fmt_pct(value)}{STALE_MARK if stale else ''}"

    def is_constituent(self, symbol: str) -> bool:
        return symbol in self.by_symbol


def _relation(excess: float, mark: str = "") -> str:
    """``1.1 pp ahead of`` / ``behind`` / ``in line with`` from the sign of an excess."""
    gap = tone(excess)
    relation = {"up": "ahead of", "down": "behind", "flat": "in line with"}.get(gap, "against")
    if gap in ("up", "down"):
        return f"{fmt_pp_abs(excess)}{mark} {relation}"
    return relation


def what_moved(facts: NarrativeFacts, names: _Names, benchmark_short: str, event: dt.date) -> str:
    """The "what moved" paragraph, from the narrative facts only.

    A stale basket (no constituent has a bar on the as-of session) is never described
    as moving "today": the paragraph says it has no prices for this session and gives
    its figures as of its last session, marked with a dagger. A stale benchmark is not
    compared with today's basket; an excess return that does not exist (the benchmark
    has no bar on the basket's last session) is said to be missing, not replaced by a
    comparison of different windows.
    """
    sentences: list[str] = []
    stale = facts.basket_stale
    mark = STALE_MARK if stale else ""
    last = fmt_date(facts.basket_last_session)

    def move(value: float, *, present: bool = False) -> str:
        if tone(value) == "up":
            return ("is up " if present else "rose ") + fmt_pct_abs(value) + mark
        if tone(value) == "down":
            return ("is down " if present else "fell ") + fmt_pct_abs(value) + mark
        return ("is flat" if present else "was flat") + mark

    if stale:
        sentences.append(
            "The concept basket has no prices for this session: no constituent has traded "
            f"since {last}, so its figures (marked {STALE_MARK}) are as of that session."
        )

    if facts.basket_return_5d is not None:
        window = f"the five sessions to {last}" if stale else "the last five sessions"
        sentence = f"Over {window} the concept basket {move(facts.basket_return_5d)}"
        if facts.excess_5d is not None:
            sentence += f", {_relation(facts.excess_5d, mark)} the {benchmark_short}"
            if stale:
                sentence += " over the same sessions"
            elif facts.benchmark_return_5d is not None:
                sentence += f" ({fmt_pct(facts.benchmark_return_5d)})"
        elif facts.benchmark_behind_basket:
            sentence += (
                f"; the {benchmark_short} has no bar on {last}, so there is no excess "
                "return over the same window"
            )
        elif facts.benchmark_return_5d is not None:
            sentence += f", against {fmt_pct(facts.benchmark_return_5d)} for the {benchmark_short}"
        sentences.append(sentence + ".")

    if facts.basket_return_1d is not None and not stale:
        sentence = f"On the day the basket {move(facts.basket_return_1d)}"
        if facts.benchmark_return_1d is not None and not facts.benchmark_stale:
            sentence += f" while the {benchmark_short} {move(facts.benchmark_return_1d)}"
        sentences.append(sentence + ".")

    if facts.with_bar:
        parts = [f"{facts.risers} of {facts.with_bar} constituents with a bar today rose"]
        if facts.fallers:
            parts.append(f"{facts.fallers} fell")
        if facts.unchanged:
            parts.append(f"{facts.unchanged} were unchanged")
        sentence = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        if len(parts) == 1:
            sentence = parts[0]
        leaders = []
        if facts.leader_1d is not None:
            leaders.append(
                f"{names.short(facts.leader_1d)} led ({fmt_pct(facts.leader_1d_return)})"
            )
        if facts.laggard_1d is not None and facts.laggard_1d != facts.leader_1d:
            leaders.append(
                f"{names.short(facts.laggard_1d)} lagged ({fmt_pct(facts.laggard_1d_return)})"
            )
        if leaders:
            sentence += "; " + " and ".join(leaders)
        sentences.append(sentence + ".")

    if facts.basket_since_event is not None:
        sessions = (
            f" ({facts.sessions_since_event} sessions ago)"
            if facts.sessions_since_event is not None
            else ""
        )
        if stale:
            sentence = (
                f"From the event on {fmt_date(event)}{sessions} to {last} the basket "
                f"{move(facts.basket_since_event)}"
            )
            excess = facts.excess_since_event
            if excess is not None:
                sentence += (
                    f", {_relation(excess, mark)} the {benchmark_short} over the same period"
                )
        else:
            sentence = (
                f"Since the event on {fmt_date(event)}{sessions} the basket "
                f"{move(facts.basket_since_event, present=True)}"
            )
            if facts.benchmark_since_event is not None and not facts.benchmark_behind_basket:
                sentence += (
                    f", against {fmt_pct(facts.benchmark_since_event)} for the {benchmark_short}"
                )
        sentences.append(sentence + ".")

    stale_stocks = [s for s in facts.stale_symbols if names.is_constituent(s)]
    if stale_stocks:
        who = ", ".join(names.label(s) for s in stale_stocks)
        verb = "has" if len(stale_stocks) == 1 else "have"
        sentence = (
            f"{who} {verb} no bar for this session: figures marked {STALE_MARK} are from "
            "the last available bar, not today's"
        )
        if facts.basket_carried:
            carried = ", ".join(names.short(s) for s in facts.basket_carried)
            sentence += f"; the basket carries the last price of {carried}"
            if stale:
                sentence += f" to {last}"
        sentences.append(sentence + ".")
    if facts.benchmark_stale and facts.benchmark_last_session is not None:
        sentence = (
            f"The {benchmark_short} has no bar since {fmt_date(facts.benchmark_last_session)}: "
            f"its figures (marked {STALE_MARK}) are from that session"
        )
        if facts.benchmark_behind_basket:
            sentence += ", and excess returns to later sessions are not shown"
        sentences.append(sentence + ".")
    missing = [s for s in facts.missing_symbols if names.is_constituent(s)]
    if missing:
        who = ", ".join(names.label(s) for s in missing)
        sentences.append(f"No prices were available for {who}.")
    if len(missing) < len(facts.missing_symbols):
        sentences.append(f"No prices were available for the {benchmark_short}.")
    if not sentences:
        return "No price moves are available for this session."
    return " ".join(sentences)


def _since_last(since: SinceLastNote | None, names: _Names, bench: str) -> SinceLastBox | None:
    """The box's lines; None when there is no previous note or nothing to say.

    The basket's move since the previous note is worth a line even when
    ``since.is_empty`` (no leader change, spike or new view).
    """
    if since is None:
        return None
    lines: list[str] = []
    if since.basket_change is not None:
        line = f"Basket {fmt_pct(since.basket_change)}"
        if since.benchmark_change is not None:
            line += f" vs {bench} {fmt_pct(since.benchmark_change)}"
        lines.append(line + f" since the note of {fmt_date(since.previous_as_of)}.")
    if since.new_leader:
        was = f" (was {names.short(since.previous_leader)})" if since.previous_leader else ""
        lines.append(f"New leader since the event: {names.label(since.new_leader)}{was}.")
    if since.new_laggard:
        was = f" (was {names.short(since.previous_laggard)})" if since.previous_laggard else ""
        lines.append(f"New laggard since the event: {names.label(since.new_laggard)}{was}.")
    if since.new_52w_highs:
        lines.append("New 52-week high: " + ", ".join(map(names.label, since.new_52w_highs)) + ".")
    if since.new_52w_lows:
        lines.append("New 52-week low: " + ", ".join(map(names.label, since.new_52w_lows)) + ".")
    for symbol, ratio in since.volume_spikes.items():
        lines.append(
            f"Volume spike: {names.label(symbol)} at {fmt_ratio(ratio, 1)}× its 5-day average."
        )
    if since.became_stale:
        lines.append("Now stale: " + ", ".join(map(names.label, since.became_stale)) + ".")
    if since.recovered:
        lines.append("Fresh again: " + ", ".join(map(names.label, since.recovered)) + ".")
    if since.stocks_added:
        lines.append("Added to the theme: " + ", ".join(map(names.label, since.stocks_added)) + ".")
    if since.stocks_removed:
        lines.append(
            "Removed from the theme: " + ", ".join(map(names.label, since.stocks_removed)) + "."
        )
    if since.new_views:
        lines.append("New broker views: " + "; ".join(since.new_views) + ".")
    if not lines:
        return None
    return SinceLastBox(fmt_date(since.previous_as_of), lines)


def _constituent(figures: StockFigures, stock: Stock | None) -> ConstituentRow:
    stale = figures.status.status == "stale"
    r, x = figures.returns, figures.excess
    status, status_class = _status_text(figures.status)
    if not figures.in_basket:
        status += " · not in basket"
    return ConstituentRow(
        code=stock.display_code if stock else figures.code,
        name=figures.name,
        name_zh=figures.name_zh or "",
        currency=(
            (figures.currency or "") + (" adj." if figures.close_is_adjusted else "")
            if figures.last_close is not None
            else ""
        ),
        last=_fig(fmt_price(figures.last_close), figures.last_close, stale=stale, signed=False),
        one_day=_fig(fmt_pct(r.one_day), r.one_day, stale=stale),
        five_day=_fig(fmt_pct(r.five_day), r.five_day, stale=stale),
        one_month=_fig(fmt_pct(r.one_month), r.one_month, stale=stale),
        since_event=_fig(fmt_pct(r.since_event), r.since_event, stale=stale),
        excess_since_event=_fig(fmt_pp(x.since_event), x.since_event, stale=stale),
        volume_ratio=_fig(
            fmt_ratio(figures.volume_ratio), figures.volume_ratio, stale=stale, signed=False
        ),
        from_high_52w=_fig(fmt_pct(figures.from_high_52w), figures.from_high_52w, stale=stale),
        weight=fmt_share(figures.weight) if figures.in_basket else MISSING,
        contribution=_fig(fmt_pp(figures.contribution), figures.contribution, stale=stale),
        status=status,
        status_class=status_class,
    )


def _stock_note(figures: StockFigures | None, stock: Stock) -> StockNote:
    if figures is None:
        line = "No figures: the symbol is not in this snapshot."
    elif figures.status.status == "missing" or figures.last_close is None:
        reason = f" ({reader_reason(figures.status.reason)})" if figures.status.reason else ""
        line = f"No prices for this stock{reason}; it is not in today's figures."
    else:
        stale = figures.status.status == "stale"
        since, excess = figures.returns.since_event, figures.excess.since_event
        line = (
            f"Last {fmt_price(figures.last_close, figures.currency)}{STALE_MARK if stale else ''} "
            f"({fmt_date(figures.last_session)}"
            f"{', adjusted close' if figures.close_is_adjusted else ''}); "
            f"since event {_marked(fmt_pct(since), since, stale)}, "
            f"{_marked(fmt_pp(excess), excess, stale)} vs benchmark; 52-week range "
            f"{fmt_price(figures.low_52w)}–{fmt_price(figures.high_52w)}; "
            f"1Y volatility {fmt_share(figures.risk.volatility_1y)}, beta "
            f"{fmt_ratio(figures.risk.beta_1y)}."
        )
    return StockNote(
        code=stock.display_code,
        name=stock.name,
        name_zh=stock.name_zh or "",
        exposure=_EXPOSURE.get(stock.exposure or "", ""),
        rationale=stock.rationale,
        figures=line,
    )


def _marked(text: str, value: float | None, stale: bool) -> str:
    return text + STALE_MARK if stale and value is not None else text


def _risk_row(label: str, risk: RiskFigures, *, stale: bool = False) -> RiskRow:
    """One risk-table row; a stale series' figures (as of its last bar) carry a dagger."""
    dd = risk.drawdown_since_event
    dates = (
        f"{fmt_date(dd.peak_session)} → {fmt_date(dd.trough_session)}"
        if dd.peak_session and dd.trough_session and dd.max_drawdown
        else MISSING
    )
    return RiskRow(
        label=label,
        volatility=_marked(fmt_share(risk.volatility_1y), risk.volatility_1y, stale),
        max_drawdown=_marked(fmt_pct(dd.max_drawdown), dd.max_drawdown, stale),
        drawdown_dates=dates,
        beta=_marked(fmt_ratio(risk.beta_1y), risk.beta_1y, stale),
        correlation=_marked(fmt_ratio(risk.correlation_1y), risk.correlation_1y, stale),
    )


def methodology(benchmark_short: str) -> list[Definition]:
    """The analytics definitions, in plain words (the exact rules the numbers follow)."""
    return [
        Definition(
            "Prices",
            "Returns use adjusted closes (dividends and splits); the price shown is the "
            "traded close. Each symbol's returns use its own trading sessions.",
        ),
        Definition(
            "Window return",
            "Close today divided by the close on the base session, minus 1. Base: 1D the "
            "previous bar; 5D five bars back; 1M, 3M, 6M, 1Y the last bar on or before the "
            "as-of date minus 1, 3, 6 or 12 calendar months; YTD the last bar of the previous "
            "calendar year; since event the last bar strictly before the event date (the "
            "close before the news). No base in the data: shown as –, never guessed.",
        ),
        Definition(
            "Excess return",
            f"The stock's or basket's window return minus the {benchmark_short}'s over the "
            "same window, in percentage points (pp). The window ends on the stock's (or "
            f"basket's) last session; for a stale stock the {benchmark_short} is measured to "
            f"that same session. When the {benchmark_short} has no bar on that session (its "
            "data ends earlier), its return to it does not exist and the excess is shown as "
            "–, never taken over a window ending on another day.",
        ),
        Definition(
            "Concept basket",
            "Equal weights unless the themes book gives weights (normalised to sum to 1). "
            "Bought at the event base session and held: shares = weight × 100 / base price, "
            "level = sum of shares × price, so the level is 100 at the base. A constituent "
            "with no bar on a session carries its last price; one with no price at the base "
            "is left out and named.",
        ),
        Definition(
            "Basket last session",
            "The latest session on or before the as-of session on which at least one "
            "constituent has a real (not carried) bar. The basket's returns, level, risk "
            "figures and chart end there, as a stale stock's end at its last bar. When it is "
            f"before the as-of session the basket is stale: its figures are marked {STALE_MARK} "
            "and are not today's. Otherwise constituents without a bar that day are carried "
            "at their last price and named.",
        ),
        Definition(
            "Contribution",
            "Weight × the stock's since-event return; contributions add up to the basket's "
            "since-event return.",
        ),
        Definition(
            "Volatility 1Y",
            "Sample standard deviation of the last 252 daily returns, times √252; not shown "
            "with fewer than 20 returns.",
        ),
        Definition(
            "Max drawdown since event",
            "The lowest value of price / running peak − 1 since the event base, with the "
            "peak and trough sessions.",
        ),
        Definition(
            "Beta and correlation 1Y",
            f"Against the {benchmark_short}, on the dates both have, over the last 252 of "
            "the stock's daily returns: beta = cov(stock, benchmark) / var(benchmark), both "
            "sample (n − 1) estimates.",
        ),
        Definition(
            "52-week high / low",
            "Highest / lowest traded close over the 365 calendar days to the as-of session; "
            "the table shows today's distance below the high.",
        ),
        Definition(
            "Volume ratio (量比)",
            "Today's volume divided by the average volume of the previous 5 bars.",
        ),
        Definition(
            "Breadth",
            "Risers, fallers and unchanged on the as-of session among constituents with a bar "
            "that day; share of constituents above their 20- and 50-bar moving averages of "
            "the traded close. The leader and laggard today are among constituents with a bar "
            "that day; the leader and laggard since the event rank every constituent with a "
            f"since-event return, stale ones included (marked {STALE_MARK}, as of their last "
            "bar).",
        ),
        Definition(
            "Data status",
            "Fresh: a bar on the as-of session (or, for a stock of another market, on "
            "that market's last session before it when it was closed). Stale: the last bar "
            "is older (figures marked "
            f"{STALE_MARK} are from that bar; for the basket, from its last session). "
            "Missing: no usable prices.",
        ),
    ]


COLOUR_CONVENTION = (
    "Colours: green = up, red = down, the Hong Kong and international convention "
    "(mainland-China screens use the reverse: red = up)."
)

DISCLAIMER = (
    "This note is generated automatically from public price data and a themes book for "
    "information only. It is not investment advice, an offer or a solicitation to buy or "
    "sell any security, and it does not take into account any reader's objectives, "
    "financial situation or needs. Past performance is not a reliable indicator of future "
    "results. Prices may be delayed, adjusted or incomplete; check the data appendix. "
    "Broker views are summarised and attributed to their authors; they are not the "
    "views of the publisher of this note."
)


def _key_notes(snapshot: ThemeSnapshot, names: _Names, bench_short: str) -> list[str]:
    """Lines under the key figures: which dates the basket, benchmark and excess are as of."""
    basket, bench = snapshot.basket, snapshot.benchmark
    as_of = fmt_date(snapshot.as_of)
    last = fmt_date(basket.last_session)
    notes: list[str] = []
    if basket.status == "stale":
        notes.append(
            f"{STALE_MARK} The basket has no prices for {as_of}: no constituent has a bar that "
            f"day, so its figures are as of its last session, {last}."
        )
    if bench.status.status == "stale" and bench.last_session is not None:
        notes.append(
            f"{STALE_MARK} {bench_short} figures are as of its last bar, "
            f"{fmt_date(bench.last_session)}."
        )
    if basket.last_session is not None and basket.level is not None:
        if snapshot.narrative.benchmark_behind_basket:
            notes.append(
                f"Excess is – because the {bench_short} has no bar on {last}, the basket's last "
                f"session: the {bench_short}'s return to that session does not exist."
            )
        elif (
            basket.status == "stale"
            and bench.last_session is not None
            and bench.last_session > basket.last_session
        ):
            notes.append(
                f"Excess compares the basket with the {bench_short} over the same sessions, "
                f"to {last}."
            )
    if basket.carried:
        carried = ", ".join(names.label(s) for s in basket.carried)
        verb = "has" if len(basket.carried) == 1 else "have"
        notes.append(
            f"The basket level carries the last price of {carried}, which {verb} no bar on {last}."
        )
    return notes


def build_context(
    theme: Theme, snapshot: ThemeSnapshot, since_last: SinceLastNote | None = None
) -> NoteContext:
    """Format every figure of ``snapshot`` for ``theme`` into a :class:`NoteContext`."""
    names = _Names(theme, snapshot)
    bench_name, bench_short = benchmark_names(snapshot.benchmark.symbol)
    bench_stale = snapshot.benchmark.status.status != "fresh"
    basket = snapshot.basket
    breadth = snapshot.breadth

    stale_count = sum(1 for s in snapshot.statuses if s.status == "stale")
    missing_count = sum(1 for s in snapshot.statuses if s.status == "missing")
    freshness = f"Prices to the close of {fmt_date(snapshot.as_of)}"
    if stale_count or missing_count:
        parts = []
        if stale_count:
            parts.append(f"{stale_count} stale (marked {STALE_MARK})")
        if missing_count:
            parts.append(f"{missing_count} missing (shown {MISSING})")
        freshness += f" · {', '.join(parts)}; see data appendix"
    else:
        freshness += " · all symbols fresh"

    breadth_parts = [f"{breadth.up} up", f"{breadth.down} down", f"{breadth.unchanged} unch."]
    if breadth.no_bar:
        breadth_parts.append(f"{breadth.no_bar} no bar")
    if breadth.no_return:
        breadth_parts.append(f"{breadth.no_return} no 1D return")
    basket_stale = basket.status == "stale"
    key = KeyFigures(
        rows=_windows(
            basket.returns, snapshot.benchmark.returns, basket.excess, bench_stale, basket_stale
        ),
        basket_level=fmt_ratio(basket.level, 1)
        + (STALE_MARK if basket_stale and basket.level is not None else ""),
        benchmark_level=fmt_price(snapshot.benchmark.last_close)
        + (STALE_MARK if bench_stale and snapshot.benchmark.last_close is not None else ""),
        breadth=" · ".join(breadth_parts),
        above_ma=(
            f"{fmt_share(breadth.share_above_ma_20)} above 20-day MA · "
            f"{fmt_share(breadth.share_above_ma_50)} above 50-day MA"
        ),
        leader_1d=names.with_return(breadth.leader_1d, "one_day"),
        laggard_1d=names.with_return(breadth.laggard_1d, "one_day"),
        leader_since_event=names.with_return(breadth.leader_since_event, "since_event"),
        laggard_since_event=names.with_return(breadth.laggard_since_event, "since_event"),
        notes=_key_notes(snapshot, names, bench_short),
    )

    catalysts = sorted(
        [(theme.event, True), *((c, False) for c in theme.catalysts)],
        key=lambda pair: (pair[0].date, not pair[1]),
    )
    timeline = [
        TimelineItem(fmt_date(c.date), c.title, c.detail, c.source or "", is_event)
        for c, is_event in catalysts
    ]
    views = [
        ViewItem(
            source=v.source,
            date=v.date_label,
            rating=v.rating or "",
            target_price=fmt_price(v.target_price) if v.target_price is not None else "",
            summary=v.summary,
        )
        for v in theme.views
    ]

    by_symbol = {stock.symbol: stock for stock in theme.stocks}
    rows = [_constituent(f, by_symbol.get(f.symbol)) for f in snapshot.stocks]
    table_notes = []
    if any(r.status_class == "stale" for r in rows):
        table_notes.append(
            f"{STALE_MARK} Stale: no bar on {fmt_date(snapshot.as_of)}; the figure is from the "
            "symbol's last bar (date in the status column), not today's."
        )
    no_excess = [
        f
        for f in snapshot.stocks
        if f.returns.since_event is not None
        and f.excess.since_event is None
        and snapshot.benchmark.returns.since_event is not None
    ]
    if no_excess:
        table_notes.append(
            f"Excess vs {bench_short} is – for "
            + ", ".join(names.label(f.symbol) for f in no_excess)
            + f": the {bench_short} has no bar on the stock's last session (its last bar is "
            f"{fmt_date(snapshot.benchmark.last_session)}), so the {bench_short}'s return to "
            "that session does not exist."
        )
    for symbol, reason in basket.excluded.items():
        table_notes.append(f"{names.label(symbol)} is not in the basket: {reader_reason(reason)}.")

    stock_figures = {f.symbol: f for f in snapshot.stocks}
    stock_notes = [_stock_note(stock_figures.get(s.symbol), s) for s in theme.stocks]

    risk_rows = [
        _risk_row("Concept basket", basket.risk, stale=basket_stale),
        _risk_row(bench_name, snapshot.benchmark.risk, stale=bench_stale),
        *(
            _risk_row(
                stock_label(by_symbol[f.symbol]) if f.symbol in by_symbol else f.name,
                f.risk,
                stale=f.status.status == "stale",
            )
            for f in snapshot.stocks
        ),
    ]
    concentration = ""
    if theme.has_custom_weights:
        effective = f"{1 / basket.herfindahl:.1f}" if basket.herfindahl else MISSING
        concentration = (
            f"Custom weights: largest weight {fmt_share(basket.max_weight)}; Herfindahl index "
            f"{fmt_ratio(basket.herfindahl, 3)} (about {effective} equal-weight names)."
        )

    data_rows = []
    for f in snapshot.stocks:
        status, _ = _status_text(f.status)
        notes = []
        if f.status.reason:
            notes.append(reader_reason(f.status.reason))
        if f.adj_close_is_close:
            notes.append("single close used as adjusted close")
        if f.close_is_adjusted:
            notes.append("adjusted prices only: price shown is the adjusted close")
        if not f.in_basket and f.excluded_reason:
            notes.append(f"not in basket: {reader_reason(f.excluded_reason)}")
        notes.extend(_calendar_notes(f.status))
        data_rows.append(
            DataRow(
                code=f.code,
                name=f.name,
                symbol=f.symbol,
                last_bar=fmt_date(f.status.last_session),
                status=status,
                note="; ".join(notes),
            )
        )
    b = snapshot.benchmark
    bench_status, _ = _status_text(b.status)
    data_rows.append(
        DataRow(
            code=bench_short,
            name=bench_name,
            symbol=b.symbol,
            last_bar=fmt_date(b.status.last_session),
            status=bench_status,
            note="; ".join(
                [
                    *([reader_reason(b.status.reason)] if b.status.reason else []),
                    *_calendar_notes(b.status),
                ]
            ),
        )
    )
    single_close = [names.label(f.symbol) for f in snapshot.stocks if f.adj_close_is_close]
    adjusted_only = [names.label(f.symbol) for f in snapshot.stocks if f.close_is_adjusted]
    data_notes = [
        f"Price source: {source_label(snapshot.source)}.",
        "Adjustment: returns, volatility, drawdown and beta use dividend- and split-adjusted "
        "closes; prices, 52-week range, moving averages and turnover use traded closes.",
        "Calendar: Hong Kong Exchanges trading sessions (XHKG); the as-of session is the last "
        "session on or before the requested date. Each symbol is measured on its own bars.",
    ]
    inferred = _inferred_calendars(snapshot)
    if inferred:
        data_notes.append(
            "Calendar past what exchange-calendars knows: "
            + "; ".join(
                f"{exchange} sessions after {fmt_date(day)} are the weekdays on which a "
                "stock of that market has a bar (a weekday without any is a holiday)"
                for exchange, day in inferred.items()
            )
            + "."
        )
    if single_close:
        data_notes.append(
            "Single close used as adjusted close (returns over ex-dividend dates include the "
            "dividend drop): " + ", ".join(single_close) + "."
        )
    if adjusted_only:
        data_notes.append(
            "Adjusted prices only (the price file holds dividend-adjusted closes, not traded "
            "prices): the last price, 52-week range and moving averages shown for "
            + ", ".join(adjusted_only)
            + ' are adjusted closes, marked "adj."; returns are unaffected.'
        )
    if not single_close and not adjusted_only:
        data_notes.append("Every series had a separate adjusted close.")
    if snapshot.demo:
        data_notes.insert(
            0,
            "DEMO DATA: these prices are synthetic, generated for demonstration; "
            "no figure in this note describes a real market.",
        )

    title_zh = theme.title_zh or ""
    keywords = ", ".join(
        [*theme.tags, *(s.display_code for s in theme.stocks), "Hong Kong", "concept stocks"]
    )
    return NoteContext(
        theme_id=theme.id,
        title=theme.title,
        title_zh=title_zh,
        kicker=KICKER,
        kicker_zh=KICKER_ZH,
        as_of=fmt_date(snapshot.as_of),
        as_of_iso=snapshot.as_of.isoformat(),
        event_date=fmt_date(snapshot.event_date),
        event_title=theme.event.title,
        base_session=fmt_date(basket.base_session),
        source=source_label(snapshot.source),
        freshness=freshness,
        demo=snapshot.demo,
        benchmark_name=bench_name,
        benchmark_short=bench_short,
        since_last=_since_last(since_last, names, bench_short),
        key_figures=key,
        what_moved=what_moved(snapshot.narrative, names, bench_short, snapshot.event_date),
        thesis=[p.strip() for p in _PARAGRAPHS.split(theme.thesis) if p.strip()],
        timeline=timeline,
        views=views,
        constituents=rows,
        table_notes=table_notes,
        stock_notes=stock_notes,
        risks=[RiskItem(r.title, r.detail) for r in theme.risks],
        risk_rows=risk_rows,
        concentration=concentration,
        methodology=methodology(bench_short),
        data_rows=data_rows,
        data_notes=data_notes,
        colour_convention=COLOUR_CONVENTION,
        disclaimer=DISCLAIMER,
        pdf_title=f"{theme.title} — {KICKER}, {fmt_date(snapshot.as_of)}",
        pdf_subject=(
            f"{KICKER}: {theme.title}"
            + (f" / {title_zh}" if title_zh else "")
            + f". Basket since {fmt_date(snapshot.event_date)} "
            + _marked(fmt_pct(basket.returns.since_event), basket.returns.since_event, basket_stale)
            + f" vs {bench_short} "
            + _marked(
                fmt_pct(snapshot.benchmark.returns.since_event),
                snapshot.benchmark.returns.since_event,
                bench_stale,
            )
            + "."
        ),
        pdf_keywords=keywords,
        author=AUTHOR,
        tags=list(theme.tags),
    )
