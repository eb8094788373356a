"""Fill the view model (:mod:`concepttrack.render.view`) for one language.

``build_context(theme, snapshot, since_last, lang=...)`` is the one place a note's text
is assembled: figures through :class:`~concepttrack.render.formats.Formats` (per
locale, Babel), fixed text through the gettext catalog of the language
(:mod:`concepttrack.render.i18n`), sentences with grammar through the language's prose
module (:mod:`concepttrack.render.prose`), and the themes book's text resolved for the
language by :mod:`concepttrack.localize`. Markdown, HTML and PDF read the same context,
so they show the same text.

A figure from a symbol whose last bar is older than the as-of session is **stale**: its
text carries a dagger (``+3.2%†``) and the table explains it, so a stale number is never
presented as today's. The same holds for the concept basket: when no constituent has a
bar on the as-of session, the basket's figures end at its last session (see
:mod:`concepttrack.analytics.basket`) and every basket figure is marked, the key-figures
notes give the dates, and the paragraph says the basket has no prices for the session.
An excess return exists only over matching windows; when the benchmark has no bar on the
stock's or basket's last session it is shown as ``–`` and the note says why.

The English formatting functions (``fmt_pct`` ...) remain here for callers that format
one English figure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

from concepttrack.analytics.model import (
    DataStatus,
    RiskFigures,
    SinceLastNote,
    StockFigures,
    ThemeSnapshot,
    WindowReturns,
)
from concepttrack.languages import Colours, get_language
from concepttrack.localize import FieldUse, localize_theme
from concepttrack.render.charts import ChartText
from concepttrack.render.formats import MINUS, MISSING, STALE_MARK, Formats, formats_for
from concepttrack.render.i18n import translator
from concepttrack.render.messages import (
    COLOUR_CONVENTIONS,
    DISCLAIMER,
    EXPOSURE,
    KICKER,
    KICKER_ZH,
    LANGUAGE_NAMES,
    METHODOLOGY,
    ORIGINAL_MARKS,
    SECTIONS,
    benchmark_names,
    reader_reason,
    source_label,
)
from concepttrack.render.prose import Prose, prose_for
from concepttrack.render.view import (
    ConstituentRow,
    DataRow,
    Definition,
    Figure,
    KeyFigures,
    KeyRow,
    NoteContext,
    NoteFacts,
    RiskItem,
    RiskRow,
    SinceLastBox,
    StockNote,
    TimelineItem,
    Tone,
    ViewItem,
    figure,
    note_facts,
)
from concepttrack.render.view import tone as tone
from concepttrack.themes import Stock, Theme

__all__ = [
    "MINUS",
    "MISSING",
    "STALE_MARK",
    "Figure",
    "NoteContext",
    "Tone",
    "build_context",
    "fmt_date",
    "fmt_pct",
    "fmt_pct_abs",
    "fmt_pp",
    "fmt_pp_abs",
    "fmt_price",
    "fmt_ratio",
    "fmt_share",
    "localized_theme",
    "tone",
]

_PARAGRAPHS = re.compile(r"\n[ \t]*\n+")
AUTHOR = "concepttrack"


# --- English formatting, kept for callers of the old functions ----------------------

_EN = formats_for("en")
fmt_pct = _EN.pct
fmt_pct_abs = _EN.pct_abs
fmt_share = _EN.share
fmt_pp = _EN.pp
fmt_pp_abs = _EN.pp_abs
fmt_price = _EN.price
fmt_ratio = _EN.ratio
fmt_date = _EN.date


# --- building -----------------------------------------------------------------------


def stock_label(stock: Stock, lang: str = "en") -> str:
    """Short label for legends and sentences: ``ZTE (00763)`` / ``中興通訊（00763）``."""
    return prose_for(lang).stock_label(stock.name, stock.display_code)


def localized_theme(
    theme: Theme, lang: str = "en", default_lang: str = "en"
) -> tuple[Theme, list[FieldUse]]:
    """The theme with every text in ``lang`` (marked where shown in another language)."""
    _ = translator(lang).gettext
    return localize_theme(
        theme,
        lang,
        default_lang,
        mark=lambda source: _(ORIGINAL_MARKS.get(source, ORIGINAL_MARKS["en"])),
    )


class _Names:
    """Symbol -> reader-facing label, from the (localised) theme; falls back to the symbol."""

    def __init__(self, theme: Theme, snapshot: ThemeSnapshot, prose: Prose, fmt: Formats) -> None:
        self.by_symbol = {stock.symbol: stock for stock in theme.stocks}
        self.figures = {stock.symbol: stock for stock in snapshot.stocks}
        self.prose = prose
        self.fmt = fmt

    def label(self, symbol: str | None) -> str:
        if symbol is None:
            return MISSING
        stock = self.by_symbol.get(symbol)
        return self.prose.stock_label(stock.name, stock.display_code) if stock else symbol

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
        return f"{self.label(symbol)} {self.fmt.pct(value)}{STALE_MARK if stale else ''}"

    def is_constituent(self, symbol: str) -> bool:
        return symbol in self.by_symbol


def _marked(text: str, value: float | None, stale: bool) -> str:
    return text + STALE_MARK if stale and value is not None else text


class _Writer:
    """Everything written for one language: catalog, formats, prose and names."""

    def __init__(self, theme: Theme, snapshot: ThemeSnapshot, lang: str) -> None:
        self.lang = get_language(lang)
        self._: Callable[[str], str] = translator(self.lang.code).gettext
        self.fmt = formats_for(self.lang.code)
        self.prose = prose_for(self.lang.code)
        self.names = _Names(theme, snapshot, self.prose, self.fmt)
        self.bench_name, self.bench_short = benchmark_names(
            snapshot.benchmark.symbol, self.lang.code
        )

    def status_text(self, status: DataStatus) -> tuple[str, str]:
        _ = self._
        if status.status == "fresh":
            return _("Fresh"), "fresh"
        if status.status == "stale":
            return _("Stale · last %(date)s") % {
                "date": self.fmt.date(status.last_session)
            }, "stale"
        return _("Missing"), "missing"

    def windows(
        self,
        basket: WindowReturns,
        benchmark: WindowReturns,
        excess: WindowReturns,
        bench_stale: bool,
        basket_stale: bool = False,
    ) -> list[KeyRow]:
        _ = self._
        fmt = self.fmt
        windows = (
            (_("Since event"), "since_event"),
            (_("1 day"), "one_day"),
            (_("5 days"), "five_day"),
            (_("1 month"), "one_month"),
            (_("Year to date"), "ytd"),
        )
        rows = []
        for label, name in windows:
            b, m, x = getattr(basket, name), getattr(benchmark, name), getattr(excess, name)
            rows.append(
                KeyRow(
                    label,
                    figure(fmt.pct(b), b, stale=basket_stale),
                    figure(fmt.pct(m), m, stale=bench_stale),
                    figure(fmt.pp(x), x, stale=bench_stale or basket_stale),
                )
            )
        return rows

    def constituent(self, figures: StockFigures, stock: Stock | None) -> ConstituentRow:
        _ = self._
        fmt = self.fmt
        stale = figures.status.status == "stale"
        r, x = figures.returns, figures.excess
        status, status_class = self.status_text(figures.status)
        if not figures.in_basket:
            status += _(" · not in basket")
        currency = ""
        if figures.last_close is not None:
            currency = fmt.currency_name(figures.currency) if figures.currency else ""
            if figures.close_is_adjusted:
                currency += _(" adj.")
        return ConstituentRow(
            code=stock.display_code if stock else figures.code,
            name=stock.name if stock else figures.name,
            name_zh=(figures.name_zh or "") if not self.lang.is_chinese else "",
            currency=currency,
            last=figure(
                fmt.price(figures.last_close), figures.last_close, stale=stale, signed=False
            ),
            one_day=figure(fmt.pct(r.one_day), r.one_day, stale=stale),
            five_day=figure(fmt.pct(r.five_day), r.five_day, stale=stale),
            one_month=figure(fmt.pct(r.one_month), r.one_month, stale=stale),
            since_event=figure(fmt.pct(r.since_event), r.since_event, stale=stale),
            excess_since_event=figure(fmt.pp(x.since_event), x.since_event, stale=stale),
            volume_ratio=figure(
                fmt.ratio(figures.volume_ratio), figures.volume_ratio, stale=stale, signed=False
            ),
            from_high_52w=figure(
                fmt.pct(figures.from_high_52w), figures.from_high_52w, stale=stale
            ),
            weight=fmt.share(figures.weight) if figures.in_basket else MISSING,
            contribution=figure(fmt.pp(figures.contribution), figures.contribution, stale=stale),
            status=status,
            status_class=status_class,
        )

    def stock_note(self, figures: StockFigures | None, stock: Stock) -> StockNote:
        reason = None
        if figures is not None and figures.status.reason:
            reason = reader_reason(figures.status.reason, self.lang.code)
        exposure = EXPOSURE.get(stock.exposure or "", "")
        return StockNote(
            code=stock.display_code,
            name=stock.name,
            name_zh=(stock.name_zh or "") if not self.lang.is_chinese else "",
            exposure=self._(exposure) if exposure else "",
            rationale=stock.rationale,
            figures=self.prose.stock_figures(figures, reason, self.fmt),
        )

    def risk_row(self, label: str, risk: RiskFigures, *, stale: bool = False) -> RiskRow:
        """One risk-table row; a stale series' figures (as of its last bar) carry a dagger."""
        fmt = self.fmt
        dd = risk.drawdown_since_event
        dates = (
            f"{fmt.date(dd.peak_session)} → {fmt.date(dd.trough_session)}"
            if dd.peak_session and dd.trough_session and dd.max_drawdown
            else MISSING
        )
        return RiskRow(
            label=label,
            volatility=_marked(fmt.share(risk.volatility_1y), risk.volatility_1y, stale),
            max_drawdown=_marked(fmt.pct(dd.max_drawdown), dd.max_drawdown, stale),
            drawdown_dates=dates,
            beta=_marked(fmt.ratio(risk.beta_1y), risk.beta_1y, stale),
            correlation=_marked(fmt.ratio(risk.correlation_1y), risk.correlation_1y, stale),
        )

    def key_notes(self, snapshot: ThemeSnapshot) -> list[str]:
        """Lines under the key figures: which dates the basket, benchmark and excess are as of."""
        _, fmt, bench_short = self._, self.fmt, self.bench_short
        basket, bench = snapshot.basket, snapshot.benchmark
        as_of = fmt.date(snapshot.as_of)
        last = fmt.date(basket.last_session)
        notes: list[str] = []
        if basket.status == "stale":
            notes.append(
                _(
                    "%(mark)s The basket has no prices for %(as_of)s: no constituent has a bar "
                    "that day, so its figures are as of its last session, %(last)s."
                )
                % {"mark": STALE_MARK, "as_of": as_of, "last": last}
            )
        if bench.status.status == "stale" and bench.last_session is not None:
            notes.append(
                _("%(mark)s %(bench)s figures are as of its last bar, %(date)s.")
                % {"mark": STALE_MARK, "bench": bench_short, "date": fmt.date(bench.last_session)}
            )
        if basket.last_session is not None and basket.level is not None:
            if snapshot.narrative.benchmark_behind_basket:
                notes.append(
                    _(
                        "Excess is – because the %(bench)s has no bar on %(last)s, the basket's "
                        "last session: the %(bench)s's return to that session does not exist."
                    )
                    % {"bench": bench_short, "last": last}
                )
            elif (
                basket.status == "stale"
                and bench.last_session is not None
                and bench.last_session > basket.last_session
            ):
                notes.append(
                    _(
                        "Excess compares the basket with the %(bench)s over the same sessions, "
                        "to %(last)s."
                    )
                    % {"bench": bench_short, "last": last}
                )
        if basket.carried:
            carried = fmt.join([self.names.label(s) for s in basket.carried])
            message = (
                _(
                    "The basket level carries the last price of %(names)s, which has no bar on "
                    "%(last)s."
                )
                if len(basket.carried) == 1
                else _(
                    "The basket level carries the last price of %(names)s, which have no bar on "
                    "%(last)s."
                )
            )
            notes.append(message % {"names": carried, "last": last})
        return notes

    def methodology(self) -> list[Definition]:
        """The analytics definitions, in plain words (the exact rules the numbers follow)."""
        _ = self._
        values = {"bench": self.bench_short, "mark": STALE_MARK}
        return [Definition(_(term), _(text) % values) for term, text in METHODOLOGY]


def _field_notes(uses: list[FieldUse], writer: _Writer) -> list[str]:
    """Appendix lines: which themes-book fields were converted or shown untranslated."""
    _ = writer._
    notes: list[str] = []
    for how in ("converted", "original"):
        by_source: dict[str, list[str]] = {}
        for use in uses:
            if use.how != how:
                continue
            section = SECTIONS.get(str(use.path[0]), str(use.path[0]))
            names = by_source.setdefault(use.source or "en", [])
            if _(section) not in names:
                names.append(_(section))
        for source, sections in by_source.items():
            values = {
                "source": _(LANGUAGE_NAMES.get(source, source)),
                "fields": writer.fmt.join(sections),
            }
            if how == "converted":
                notes.append(_("Converted with OpenCC from %(source)s: %(fields)s.") % values)
            else:
                notes.append(
                    _(
                        "Shown in %(source)s, with no text of this language in the themes book: "
                        "%(fields)s."
                    )
                    % values
                )
    return notes


def _local_views(labels: list[str], raw: Theme, local: Theme, fmt: Formats) -> list[str]:
    """ "Source, date" labels of new views (as analytics writes them) in the note's language."""
    by_label = {f"{view.source}, {view.date}": index for index, view in enumerate(raw.views)}
    out = []
    for label in labels:
        index = by_label.get(label)
        if index is None:
            out.append(label)
            continue
        view = local.views[index]
        out.append(f"{view.source}（{fmt.partial_date(view.date)}）")
    return out


def _inferred_calendars(snapshot: ThemeSnapshot) -> dict[str, dt.date]:
    """Exchange -> horizon, for the markets whose recent sessions were inferred."""
    from concepttrack.symbols import market_of

    found: dict[str, dt.date] = {}
    for status in snapshot.statuses:
        if status.calendar_inferred_after is not None:
            found[market_of(status.symbol).exchange] = status.calendar_inferred_after
    return dict(sorted(found.items()))


def _calendar_notes(status: DataStatus, w: _Writer) -> list[str]:
    """The data-status note of a symbol whose market's recent sessions were inferred."""
    if status.calendar_inferred_after is None:
        return []
    return [
        w._("calendar inferred from data after %(date)s")
        % {"date": w.fmt.date(status.calendar_inferred_after)}
    ]


def _calendar_data_note(snapshot: ThemeSnapshot, w: _Writer) -> list[str]:
    """The appendix line naming each exchange whose sessions came from the bars."""
    inferred = _inferred_calendars(snapshot)
    if not inferred:
        return []
    items = [
        w._(
            "%(exchange)s sessions after %(date)s are the weekdays on which a stock of that "
            "market has a bar (a weekday without any is a holiday)"
        )
        % {"exchange": exchange, "date": w.fmt.date(day)}
        for exchange, day in inferred.items()
    ]
    separator = "；" if w.fmt.chinese else "; "
    return [
        w._("Calendar past what exchange-calendars knows: %(list)s.")
        % {"list": separator.join(items)}
    ]


def build_context(
    theme: Theme,
    snapshot: ThemeSnapshot,
    since_last: SinceLastNote | None = None,
    *,
    lang: str = "en",
    default_lang: str = "en",
    colours: Colours | None = None,
    facts: NoteFacts | None = None,
) -> NoteContext:
    """Format every figure of ``snapshot`` for ``theme`` in ``lang`` into a NoteContext.

    ``theme`` is the themes book's (any language); ``default_lang`` is the language of
    its plain text. ``facts`` (from :func:`~concepttrack.render.view.note_facts`) may be
    passed when several languages are written from one snapshot.
    """
    raw_theme = theme
    theme, uses = localized_theme(theme, lang, default_lang)
    facts = facts or note_facts(theme, snapshot)
    w = _Writer(theme, snapshot, lang)
    _, fmt, names = w._, w.fmt, w.names
    language = w.lang
    colours = colours or language.default_colours
    bench_name, bench_short = w.bench_name, w.bench_short
    bench_stale = facts.bench_stale
    basket = snapshot.basket
    breadth = snapshot.breadth

    freshness = _("Prices to the close of %(date)s") % {"date": fmt.date(snapshot.as_of)}
    if facts.stale_count or facts.missing_count:
        parts = []
        if facts.stale_count:
            parts.append(
                _("%(count)d stale (marked %(mark)s)")
                % {"count": facts.stale_count, "mark": STALE_MARK}
            )
        if facts.missing_count:
            parts.append(
                _("%(count)d missing (shown %(mark)s)")
                % {"count": facts.missing_count, "mark": MISSING}
            )
        freshness += _(" · %(parts)s; see data appendix") % {"parts": fmt.join(parts)}
    else:
        freshness += _(" · all symbols fresh")

    breadth_parts = [
        _("%(count)d up") % {"count": breadth.up},
        _("%(count)d down") % {"count": breadth.down},
        _("%(count)d unch.") % {"count": breadth.unchanged},
    ]
    if breadth.no_bar:
        breadth_parts.append(_("%(count)d no bar") % {"count": breadth.no_bar})
    if breadth.no_return:
        breadth_parts.append(_("%(count)d no 1D return") % {"count": breadth.no_return})
    basket_stale = facts.basket_stale
    key = KeyFigures(
        rows=w.windows(
            basket.returns, snapshot.benchmark.returns, basket.excess, bench_stale, basket_stale
        ),
        basket_level=fmt.ratio(basket.level, 1)
        + (STALE_MARK if basket_stale and basket.level is not None else ""),
        benchmark_level=fmt.price(snapshot.benchmark.last_close)
        + (STALE_MARK if bench_stale and snapshot.benchmark.last_close is not None else ""),
        breadth=" · ".join(breadth_parts),
        above_ma=_("%(ma20)s above 20-day MA · %(ma50)s above 50-day MA")
        % {
            "ma20": fmt.share(breadth.share_above_ma_20),
            "ma50": fmt.share(breadth.share_above_ma_50),
        },
        leader_1d=names.with_return(breadth.leader_1d, "one_day"),
        laggard_1d=names.with_return(breadth.laggard_1d, "one_day"),
        leader_since_event=names.with_return(breadth.leader_since_event, "since_event"),
        laggard_since_event=names.with_return(breadth.laggard_since_event, "since_event"),
        notes=w.key_notes(snapshot),
    )

    timeline = []
    for index, is_event in facts.timeline_order:
        c = theme.event if index < 0 else theme.catalysts[index]
        timeline.append(TimelineItem(fmt.date(c.date), c.title, c.detail, c.source or "", is_event))
    views = [
        ViewItem(
            source=v.source,
            date=fmt.partial_date(v.date),
            rating=v.rating or "",
            target_price=fmt.price(v.target_price) if v.target_price is not None else "",
            summary=v.summary,
        )
        for v in theme.views
    ]

    by_symbol = {stock.symbol: stock for stock in theme.stocks}
    rows = [w.constituent(f, by_symbol.get(f.symbol)) for f in snapshot.stocks]
    table_notes = []
    if any(r.status_class == "stale" for r in rows):
        table_notes.append(
            _(
                "%(mark)s Stale: no bar on %(date)s; the figure is from the symbol's last bar "
                "(date in the status column), not today's."
            )
            % {"mark": STALE_MARK, "date": fmt.date(snapshot.as_of)}
        )
    if facts.no_excess:
        table_notes.append(
            _(
                "Excess vs %(bench)s is – for %(names)s: the %(bench)s has no bar on the stock's "
                "last session (its last bar is %(date)s), so the %(bench)s's return to that "
                "session does not exist."
            )
            % {
                "bench": bench_short,
                "names": fmt.join([names.label(s) for s in facts.no_excess]),
                "date": fmt.date(snapshot.benchmark.last_session),
            }
        )
    for symbol, reason in basket.excluded.items():
        table_notes.append(
            _("%(name)s is not in the basket: %(reason)s.")
            % {"name": names.label(symbol), "reason": reader_reason(reason, language.code)}
        )

    # Issue 11: valuation, weighting scheme and currency (render/valuation_view.py).
    from concepttrack.render.valuation_view import build_valuation_view

    valuation_view = build_valuation_view(theme, snapshot, lang=language.code)
    if valuation_view is not None:
        table_notes.extend(valuation_view.table_notes)

    stock_figures = {f.symbol: f for f in snapshot.stocks}
    stock_notes = [w.stock_note(stock_figures.get(s.symbol), s) for s in theme.stocks]

    risk_rows = [
        w.risk_row(_("Concept basket"), basket.risk, stale=basket_stale),
        w.risk_row(bench_name, snapshot.benchmark.risk, stale=bench_stale),
        *(
            w.risk_row(
                names.label(f.symbol) if f.symbol in by_symbol else f.name,
                f.risk,
                stale=f.status.status == "stale",
            )
            for f in snapshot.stocks
        ),
    ]
    concentration = ""
    if theme.has_custom_weights:
        effective = f"{1 / basket.herfindahl:.1f}" if basket.herfindahl else MISSING
        concentration = _(
            "Custom weights: largest weight %(largest)s; Herfindahl index %(hhi)s (about "
            "%(names)s equal-weight names)."
        ) % {
            "largest": fmt.share(basket.max_weight),
            "hhi": fmt.ratio(basket.herfindahl, 3),
            "names": effective,
        }

    data_rows = []
    for f in snapshot.stocks:
        status, _class = w.status_text(f.status)
        notes = []
        if f.status.reason:
            notes.append(reader_reason(f.status.reason, language.code))
        if f.adj_close_is_close:
            notes.append(_("single close used as adjusted close"))
        if f.close_is_adjusted:
            notes.append(_("adjusted prices only: price shown is the adjusted close"))
        if not f.in_basket and f.excluded_reason:
            notes.append(
                _("not in basket: %(reason)s")
                % {"reason": reader_reason(f.excluded_reason, language.code)}
            )
        notes.extend(_calendar_notes(f.status, w))
        stock = by_symbol.get(f.symbol)
        data_rows.append(
            DataRow(
                code=f.code,
                name=stock.name if stock else f.name,
                symbol=f.symbol,
                last_bar=fmt.date(f.status.last_session),
                status=status,
                note=_("; ").join(notes) if notes else "",
            )
        )
    b = snapshot.benchmark
    bench_status, _class = w.status_text(b.status)
    data_rows.append(
        DataRow(
            code=bench_short,
            name=bench_name,
            symbol=b.symbol,
            last_bar=fmt.date(b.status.last_session),
            status=bench_status,
            note="; ".join(
                [
                    *([reader_reason(b.status.reason, language.code)] if b.status.reason else []),
                    *_calendar_notes(b.status, w),
                ]
            ),
        )
    )
    single_close = [names.label(s) for s in facts.single_close]
    adjusted_only = [names.label(s) for s in facts.adjusted_only]
    data_notes = [
        _("Price source: %(source)s.") % {"source": source_label(snapshot.source, language.code)},
        _(
            "Adjustment: returns, volatility, drawdown and beta use dividend- and split-adjusted "
            "closes; prices, 52-week range, moving averages and turnover use traded closes."
        ),
        _(
            "Calendar: Hong Kong Exchanges trading sessions (XHKG); the as-of session is the last "
            "session on or before the requested date. Each symbol is measured on its own bars."
        ),
    ]
    data_notes.extend(_calendar_data_note(snapshot, w))
    if single_close:
        data_notes.append(
            _(
                "Single close used as adjusted close (returns over ex-dividend dates include the "
                "dividend drop): %(names)s."
            )
            % {"names": fmt.join(single_close)}
        )
    if adjusted_only:
        data_notes.append(
            _(
                "Adjusted prices only (the price file holds dividend-adjusted closes, not traded "
                "prices): the last price, 52-week range and moving averages shown for %(names)s "
                'are adjusted closes, marked "adj."; returns are unaffected.'
            )
            % {"names": fmt.join(adjusted_only)}
        )
    if not single_close and not adjusted_only:
        data_notes.append(_("Every series had a separate adjusted close."))
    if valuation_view is not None:
        data_notes.extend(valuation_view.data_notes)
    if snapshot.demo:
        data_notes.insert(
            0,
            _(
                "DEMO DATA: these prices are synthetic, generated for demonstration; "
                "no figure in this note describes a real market."
            ),
        )
    data_notes.extend(_field_notes(uses, w))

    # --- event study hook: the section's view lives in render/events_view.py ---
    from concepttrack.render.events_view import reaction_view

    reaction = reaction_view(theme, snapshot.events, bench_short, lang=language.code)
    data_notes.extend(reaction.data_notes)

    title_zh = theme.title_zh or ""
    kicker = _(KICKER)
    keywords = fmt.join(
        [
            *theme.tags,
            *(s.display_code for s in theme.stocks),
            _("Hong Kong"),
            _("concept stocks"),
        ]
    )
    as_of = fmt.date(snapshot.as_of)
    basket_since = _marked(
        fmt.pct(basket.returns.since_event), basket.returns.since_event, basket_stale
    )
    bench_since = _marked(
        fmt.pct(snapshot.benchmark.returns.since_event),
        snapshot.benchmark.returns.since_event,
        bench_stale,
    )
    since_box = None
    if since_last is not None:
        if language.is_chinese and since_last.new_views:
            since_last = dataclasses.replace(
                since_last, new_views=_local_views(since_last.new_views, raw_theme, theme, fmt)
            )
        lines = w.prose.since_last(since_last, names, bench_short, fmt)
        if lines:
            since_box = SinceLastBox(fmt.date(since_last.previous_as_of), lines)
    return NoteContext(
        theme_id=theme.id,
        title=theme.title,
        title_zh=title_zh,
        kicker=kicker,
        kicker_zh=KICKER_ZH if not language.is_chinese else "",
        as_of=as_of,
        as_of_iso=snapshot.as_of.isoformat(),
        event_date=fmt.date(snapshot.event_date),
        event_title=theme.event.title,
        base_session=fmt.date(basket.base_session),
        source=source_label(snapshot.source, language.code),
        freshness=freshness,
        demo=snapshot.demo,
        benchmark_name=bench_name,
        benchmark_short=bench_short,
        since_last=since_box,
        key_figures=key,
        what_moved=("" if fmt.chinese else " ").join(
            part
            for part in (
                w.prose.what_moved(
                    snapshot.narrative, names, bench_short, snapshot.event_date, fmt
                ),
                reaction.what_moved,
            )
            if part
        ),
        thesis=[p.strip() for p in _PARAGRAPHS.split(theme.thesis) if p.strip()],
        timeline=timeline,
        views=views,
        constituents=rows,
        table_notes=table_notes,
        stock_notes=stock_notes,
        risks=[RiskItem(r.title, r.detail) for r in theme.risks],
        risk_rows=risk_rows,
        concentration=concentration,
        methodology=_with_definitions(
            [*w.methodology(), *reaction.definitions],
            valuation_view.definitions if valuation_view is not None else [],
        ),
        data_rows=data_rows,
        data_notes=data_notes,
        colour_convention=_(COLOUR_CONVENTIONS[colours]),
        disclaimer=_(DISCLAIMER),
        pdf_title=_("%(title)s — %(kicker)s, %(date)s")
        % {"title": theme.title, "kicker": kicker, "date": as_of},
        pdf_subject=(
            _("%(kicker)s: %(title)s") % {"kicker": kicker, "title": theme.title}
            + (f" / {title_zh}" if title_zh else "")
            + _(". Basket since %(date)s %(basket)s vs %(bench)s %(bench_return)s.")
            % {
                "date": fmt.date(snapshot.event_date),
                "basket": basket_since,
                "bench": bench_short,
                "bench_return": bench_since,
            }
        ),
        pdf_keywords=keywords,
        author=AUTHOR,
        tags=list(theme.tags),
        lang=language.code,
        html_lang=language.html_lang,
        show_name_zh=not language.is_chinese,
        colours=colours,
        as_of_long=fmt.date_with_weekday(snapshot.as_of),
        currency_after=fmt.chinese,
        gap="" if fmt.chinese else " ",
        term_gap="：" if fmt.chinese else " ",
        reaction=reaction if reaction.catalysts else None,
        valuation=valuation_view,
    )


def _with_definitions(base: list[Definition], extra: list[Definition]) -> list[Definition]:
    """``extra`` after the contribution entry, beside the basket's other definitions."""
    terms = [item.term for item in base]
    at = next((i + 1 for i, term in enumerate(terms) if term in _CONTRIBUTION_TERMS), len(base))
    return [*base[:at], *extra, *base[at:]]


#: The contribution entry's term in each language (valuation definitions follow it).
_CONTRIBUTION_TERMS = frozenset({"Contribution", "貢獻", "贡献"})


def chart_text(lang: str = "en", colours: Colours | None = None) -> ChartText:
    """The charts' words and colours for a language (English green-up is the default)."""
    from concepttrack.render.typography import up_down

    language = get_language(lang)
    colours = colours or language.default_colours
    _ = translator(language.code).gettext
    up, down = up_down(colours)
    return ChartText(
        basket_legend=_("Concept basket"),
        rebased_axis=_("Rebased (event base = 100)"),
        basket_title=_("Concept basket vs %(bench)s"),
        basket_caption=_(
            "Buy-and-hold basket and benchmark, rebased to 100 at the close before the "
            "event; dashed line: event, dotted lines: other catalysts."
        ),
        basket_alt=_("Line chart of the concept basket against %(bench)s, rebased to 100"),
        constituents_title=_("Constituents since the event"),
        constituents_caption=_(
            "Each constituent's adjusted close, rebased to 100 at the close before the event."
        ),
        constituents_alt=_("Line chart of each constituent rebased to 100 at the event base"),
        returns_title=_("Return since the event, by constituent"),
        returns_caption=(
            _("Adjusted-close return from the close before the event; red up, green down.")
            if colours == "red-up"
            else _("Adjusted-close return from the close before the event; green up, red down.")
        ),
        returns_alt=_("Bar chart of each constituent's return since the event"),
        reaction_title=_("Abnormal returns around the event: %(title)s"),
        reaction_caption=_(
            "Sum of daily abnormal returns (market model against the %(bench)s) from five "
            "sessions before each security's event bar; dashed line: the event bar. A line "
            "stops where a window is not complete yet."
        ),
        reaction_alt=_(
            "Line chart of the cumulative abnormal return of the basket and each stock around "
            "the main event"
        ),
        reaction_x_axis=_("Sessions from the event bar (t0)"),
        reaction_y_axis=_("Cumulative abnormal return"),
        up=up,
        down=down,
        cjk_families=language.sans if language.is_chinese else (),
        label_width=16 if language.is_chinese else 32,
        # Chinese axes: 2025年, 7月, 7月15日 (no English month abbreviations).
        date_formats=("%Y年", "%-m月", "%-d日", "%H:%M", "%H:%M", "%S.%f")
        if language.is_chinese
        else (),
        zero_date_formats=("", "%Y年", "%-m月", "%-m月%-d日", "%H:%M", "%H:%M")
        if language.is_chinese
        else (),
    )
