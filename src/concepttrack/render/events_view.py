"""The "How the concept reacted" section: the event study as display-ready text.

Built from :class:`~concepttrack.analytics.event_model.EventStudies` alone (no
arithmetic beyond choosing words from a sign and the significance flag the analytics
set). The section shows, per catalyst, the basket's CAR over the three windows with a
significance mark, and for the main event each stock's CARs, beta and a plain-words
line; a catalyst or stock that cannot be studied shows ``–`` and its reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from concepttrack.analytics.event_model import (
    CRITICAL_T,
    ESTIMATION_FIRST,
    ESTIMATION_LAST,
    MIN_PAIRS,
    CarWindow,
    CatalystStudy,
    EventStudies,
    EventStudy,
)
from concepttrack.render.formats import MINUS, MISSING, Formats, formats_for
from concepttrack.render.i18n import translator
from concepttrack.render.messages import N_, Reason, reader_reason
from concepttrack.render.prose import Prose, prose_for
from concepttrack.render.view_base import Definition, Tone, tone
from concepttrack.themes import Theme

#: Marks a CAR significant at the 5% level (|t| > 1.96).
SIGNIFICANT_MARK = "*"
#: Marks a catalyst whose estimation window holds another catalyst.
OVERLAP_MARK = "\N{DOUBLE DAGGER}"
#: The chart's file-name stem (the templates show it in this section, not under Charts).
CHART_NAME = "event-reaction"


@dataclass(frozen=True)
class CarCell:
    """One CAR: its text (with ``*`` when significant), its t and its colour class."""

    text: str
    t: str
    tone: Tone
    significant: bool


@dataclass(frozen=True)
class CatalystRow:
    """One catalyst: the basket's CARs over the three windows."""

    date: str
    title: str
    is_event: bool
    overlap: bool
    t0: str
    n: str
    beta: str
    cars: list[CarCell]


@dataclass(frozen=True)
class SecurityRow:
    """The main event's study of one security (the basket first, then each stock)."""

    label: str
    is_basket: bool
    beta: str
    n: str
    cars: list[CarCell]


@dataclass(frozen=True)
class ReactionView:
    """Everything the section shows; empty ``catalysts`` hides it."""

    window_labels: list[str] = field(default_factory=list)
    catalysts: list[CatalystRow] = field(default_factory=list)
    #: Under the catalyst table: overlaps, catalysts not studied, incomplete windows.
    catalyst_notes: list[str] = field(default_factory=list)
    main_title: str = ""
    main_date: str = ""
    main_rows: list[SecurityRow] = field(default_factory=list)
    #: One plain-words line per stock.
    main_lines: list[str] = field(default_factory=list)
    #: The sentence the "what moved" paragraph ends with ("" without a main event).
    what_moved: str = ""
    #: Reasons for the data appendix (stocks not studied, windows left out).
    data_notes: list[str] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    legend: str = ""


def window_label(start: int, end: int) -> str:
    """``[−1, +1]`` with a true minus sign."""

    def signed(value: int) -> str:
        return f"{value:+d}".replace("-", MINUS) if value else "0"

    return f"[{signed(start)}, {signed(end)}]"


def _offset(value: int) -> str:
    """``− 260`` / ``+ 5``: a bar offset as written after ``t0``."""
    return f"{MINUS if value < 0 else '+'} {abs(value)}"


def fmt_t(value: float | None, fmt: Formats | None = None) -> str:
    """A t-statistic's number with two decimals: ``1.45``, ``−0.61`` (see :meth:`Formats.t`)."""
    return (fmt or formats_for("en")).ratio(value, 2)


def longest_complete(study: EventStudy) -> CarWindow | None:
    """The longest window with a CAR and a t (the one the sentences speak of)."""
    complete = [w for w in study.windows if w.car is not None and w.t is not None]
    return max(complete, key=lambda w: (w.end - w.start, w.end), default=None)


class _EventWriter:
    """The section's text in one language: catalog, formats and prose."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._: Callable[[str], str] = translator(lang).gettext
        self.fmt = formats_for(lang)
        self.prose: Prose = prose_for(lang)

    def reason(self, reason: Reason | None) -> str:
        return reader_reason(reason or Reason("no_data"), self.lang)

    def cell(self, window: CarWindow | None) -> CarCell:
        if window is None or window.car is None:
            return CarCell(MISSING, "", "na", False)
        mark = SIGNIFICANT_MARK if window.significant else ""
        return CarCell(
            self.fmt.pct(window.car) + mark,
            self.fmt.t(window.t),
            tone(window.car),
            bool(mark),
        )

    def cells(self, study: EventStudy, count: int) -> list[CarCell]:
        windows: list[CarWindow | None] = list(study.windows) if study.studied else []
        windows += [None] * (count - len(windows))
        return [self.cell(w) for w in windows[:count]]

    def titled(self, title: str, date: dt.date) -> str:
        """``ChatGPT launch (30 Nov 2022)`` / ``ChatGPT推出（2022年11月30日）``."""
        return self._("%(title)s (%(date)s)") % {"title": title, "date": self.fmt.date(date)}

    def stock_line(self, name: str, study: EventStudy) -> str:
        _ = self._
        if not study.studied:
            return _("%(name)s: not studied (%(reason)s).") % {
                "name": name,
                "reason": self.reason(study.reason),
            }
        window = longest_complete(study)
        if window is None:
            reasons = _("; ").join(self.reason(w.reason) for w in study.windows if w.reason)
            return _("%(name)s: no complete window yet (%(reasons)s).") % {
                "name": name,
                "reasons": reasons,
            }
        return self.prose.event_stock_line(name, window, self.fmt)

    def what_moved(self, main: CatalystStudy | None) -> str:
        _ = self._
        if main is None:
            return ""
        basket = main.basket
        if not basket.studied:
            return _(
                "The basket's reaction to the event cannot be tested against the market "
                "model: %(reason)s."
            ) % {"reason": self.reason(basket.reason)}
        window = longest_complete(basket)
        if window is None:
            return _(
                "The basket's reaction to the event cannot be tested yet: no event window is "
                "complete."
            )
        return self.prose.event_what_moved(window, self.fmt)

    def window_notes(self, who: str, study: EventStudy) -> list[str]:
        return [
            self._("%(who)s, CAR %(window)s: %(reason)s.")
            % {"who": who, "window": window_label(w.start, w.end), "reason": self.reason(w.reason)}
            for w in study.windows
            if w.reason
        ]

    def definitions(self, benchmark_short: str) -> list[Definition]:
        """The event study's definitions (see :mod:`concepttrack.analytics.events`)."""
        _ = self._
        # English writes the offsets after t0 (``t0 − 260``); Chinese counts bars before
        # the event bar (事件交易日前第260至第11個交易日).
        offset = (lambda value: str(abs(value))) if self.fmt.chinese else _offset
        values = {
            "first": offset(ESTIMATION_FIRST),
            "last": offset(ESTIMATION_LAST),
            "bench": benchmark_short,
            "pairs": str(MIN_PAIRS),
            "critical": self.fmt.ratio(CRITICAL_T, 2),
            "level": self.fmt.significance(),
            "mark": OVERLAP_MARK,
        }
        return [
            Definition(_(term), _(text) % values)
            for term, text in (
                (N_("Event study (market model)"), _MARKET_MODEL),
                (N_("Abnormal return, CAR and t"), _CAR),
                (N_("Basket in the event study"), _BASKET),
            )
        ]


_MARKET_MODEL = N_(
    "For each catalyst (the event and every other catalyst) and each security, the event bar "
    "t0 is its first bar on or after the catalyst's Hong Kong date. Daily returns are "
    "close-to-close on consecutive bars of the adjusted close. On bars t0 %(first)s to t0 "
    "%(last)s of the security's own series (fewer if its history is shorter), paired with "
    "the %(bench)s's return on the same date (dates without one dropped), ordinary least "
    "squares fits R = α + β × R_market + e, with σ = √(Σe² / (n − 2)). Fewer than "
    "%(pairs)s pairs: not studied (–, the reason in the data notes)."
)
_CAR = N_(
    "AR on a bar = R − α − β × R_market (none without a benchmark return that date). CAR "
    "over [a, b] = the sum of AR on bars t0 + a to t0 + b, for [−1, +1], [0, +5] and "
    "[0, +20]; shown as – while the window is not complete at the as-of session or when it "
    "holds a missing AR. t = CAR / (σ × √(b − a + 1)); * marks |t| > %(critical)s "
    "(significant at %(level)s)."
)
_BASKET = N_(
    "On every date on which at least one constituent has a return, the basket's return is "
    "the weighted mean of the constituents' returns that date, weights renormalised over "
    "those with a return; the same model and windows apply. %(mark)s marks a catalyst whose "
    "estimation window contains another catalyst's date, so the model's normal returns "
    "include that reaction."
)


def definitions(benchmark_short: str, lang: str = "en") -> list[Definition]:
    """The event study's definitions in plain words (see :mod:`concepttrack.analytics.events`)."""
    return _EventWriter(lang).definitions(benchmark_short)


def _local_titles(theme: Theme, events: EventStudies) -> dict[tuple[dt.date, str], str]:
    """(date, analytics title) -> the catalyst's title in the note's language.

    The analytics study the themes book's catalysts in date order (the event first on a
    shared date); ``theme`` is the same book resolved for the note's language.
    """
    local = [(theme.event.date, theme.event.title, True)] + [
        (c.date, c.title, False) for c in theme.catalysts
    ]
    ordered = sorted(local, key=lambda item: (item[0], not item[2]))
    if [(d, e) for d, _t, e in ordered] != [(c.date, c.is_event) for c in events.catalysts]:
        return {}
    return {(c.date, c.title): t for c, (_d, t, _e) in zip(events.catalysts, ordered, strict=True)}


def reaction_view(
    theme: Theme, events: EventStudies, benchmark_short: str, *, lang: str = "en"
) -> ReactionView:
    """The section's view of ``events`` in ``lang``; empty (hidden) when nothing was studied.

    ``theme`` is the themes book resolved for ``lang`` (its titles and names are shown).
    """
    if not events.catalysts:
        return ReactionView()
    w = _EventWriter(lang)
    _, fmt = w._, w.fmt
    titles = _local_titles(theme, events)

    def title(date: dt.date, raw: str) -> str:
        return titles.get((date, raw), raw)

    count = len(events.car_windows)
    labels = [window_label(a, b) for a, b in events.car_windows]
    rows: list[CatalystRow] = []
    notes: list[str] = []
    for catalyst in events.catalysts:
        basket = catalyst.basket
        name = title(catalyst.date, catalyst.title)
        rows.append(
            CatalystRow(
                date=fmt.date(catalyst.date),
                title=name,
                is_event=catalyst.is_event,
                overlap=bool(catalyst.overlaps),
                t0=fmt.date(basket.t0) if basket.studied else MISSING,
                n=fmt.number(basket.n, 0) if basket.studied else MISSING,
                beta=fmt.ratio(basket.beta),
                cars=w.cells(basket, count),
            )
        )
        if catalyst.overlaps:
            others = _("; ").join(
                w.titled(title(o.date, o.title), o.date) for o in catalyst.overlaps
            )
            notes.append(
                _("%(mark)s %(title)s: the estimation window contains %(others)s.")
                % {"mark": OVERLAP_MARK, "title": name, "others": others}
            )
        if not basket.studied:
            notes.append(
                _("Not studied: %(title)s (%(date)s): %(reason)s.")
                % {
                    "title": name,
                    "date": fmt.date(catalyst.date),
                    "reason": w.reason(basket.reason),
                }
            )
        else:
            notes.extend(w.window_notes(name, basket))

    main = events.main
    main_rows: list[SecurityRow] = []
    main_lines: list[str] = []
    data_notes: list[str] = []
    if main is not None:
        by_symbol = {stock.symbol: stock for stock in theme.stocks}
        main_rows.append(
            SecurityRow(
                _("Concept basket"),
                True,
                fmt.ratio(main.basket.beta),
                fmt.number(main.basket.n, 0) if main.basket.studied else MISSING,
                w.cells(main.basket, count),
            )
        )
        for study in main.stocks:
            stock = by_symbol.get(study.symbol)
            label = w.prose.stock_label(stock.name, stock.display_code) if stock else study.symbol
            main_rows.append(
                SecurityRow(
                    label,
                    False,
                    fmt.ratio(study.beta),
                    fmt.number(study.n, 0) if study.studied else MISSING,
                    w.cells(study, count),
                )
            )
            main_lines.append(w.stock_line(stock.name if stock else study.symbol, study))
        for catalyst in events.catalysts:
            name = title(catalyst.date, catalyst.title)
            # A catalyst not studied is said once, under the catalyst table (issue 16).
            for study in catalyst.stocks:
                stock = by_symbol.get(study.symbol)
                label = (
                    w.prose.stock_label(stock.name, stock.display_code) if stock else study.symbol
                )
                if not study.studied and catalyst.basket.studied:
                    data_notes.append(
                        _("Event study, %(title)s: %(label)s not studied (%(reason)s).")
                        % {"title": name, "label": label, "reason": w.reason(study.reason)}
                    )
                elif study.studied and catalyst.is_event:
                    # Reasons the basket's row already gives (the window is not complete
                    # for anyone yet) are not repeated per stock.
                    basket_reasons = {x.reason for x in catalyst.basket.windows}
                    data_notes.extend(
                        _("Event study, %(title)s: %(label)s, CAR %(window)s: %(reason)s.")
                        % {
                            "title": name,
                            "label": label,
                            "window": window_label(x.start, x.end),
                            "reason": w.reason(x.reason),
                        }
                        for x in study.windows
                        if x.reason and x.reason not in basket_reasons
                    )

    significant = any(
        cell.significant for row in [*rows, *main_rows] for cell in getattr(row, "cars", [])
    )
    # The mark's meaning only when a CAR carries it.
    legend = (
        _(
            "Cumulative abnormal returns (CAR) against the %(bench)s market model, over bar "
            "windows from the event bar t0, each with its t-statistic; %(mark)s significant "
            "at %(level)s (|t| > %(critical)s)."
        )
        if significant
        else _(
            "Cumulative abnormal returns (CAR) against the %(bench)s market model, over bar "
            "windows from the event bar t0, each with its t-statistic."
        )
    ) % {
        "bench": benchmark_short,
        "mark": SIGNIFICANT_MARK,
        "critical": fmt.ratio(CRITICAL_T, 2),
        "level": fmt.significance(),
    }
    return ReactionView(
        window_labels=labels,
        catalysts=rows,
        catalyst_notes=notes,
        main_title=title(main.date, main.title) if main is not None else "",
        main_date=fmt.date(main.date) if main is not None else "",
        main_rows=main_rows,
        main_lines=main_lines,
        what_moved=w.what_moved(main),
        data_notes=data_notes,
        definitions=w.definitions(benchmark_short),
        legend=legend,
    )
