"""Data: the per-symbol status table and the data notes (source, adjustment, calendar,
and the notes the other sections contributed), each line once."""

from __future__ import annotations

import datetime as dt

from concepttrack.analytics.model import DataStatus, ThemeSnapshot
from concepttrack.localize import FieldUse
from concepttrack.prices.registry import vendor_for
from concepttrack.render.messages import LANGUAGE_NAMES, N_, SECTIONS, reader_reason, source_label
from concepttrack.render.sections.base import Appendix, Fields, NoteInput, Writer
from concepttrack.render.view import DataRow

#: Exchange-calendars code -> how the calendar line names the exchange.
EXCHANGES = {
    "XHKG": N_("Hong Kong Exchanges (XHKG)"),
    "XSHG": N_("the Shanghai and Shenzhen stock exchanges (XSHG)"),
    "XNYS": N_("the New York Stock Exchange (XNYS)"),
}
ADJUSTMENT = N_(
    "Adjustment: returns, volatility, drawdown and beta use dividend- and split-adjusted "
    "closes; prices, 52-week range, moving averages and turnover use traded closes."
)
ADJUSTMENT_ADJUSTED = N_(
    "Adjustment: returns, volatility, drawdown and beta use dividend- and split-adjusted "
    "closes; prices, 52-week range, moving averages and turnover use traded closes, except "
    "for the series with adjusted prices only (below)."
)
ADJUSTMENT_METHOD = N_(
    "Adjusted closes are derived from traded closes, cash dividends and splits, one method "
    "for every source: each close before an ex-dividend date is multiplied by 1 − dividend ÷ "
    "the previous close, and by 1 ÷ the split ratio before a split the closes do not already "
    "include (a price file giving its own adjusted close and no dividends keeps it)."
)
CALENDAR_HK = N_(
    "Calendar: Hong Kong Exchanges trading sessions (XHKG); the as-of session is the last "
    "session on or before the requested date. Each symbol is measured on its own bars."
)
CALENDAR = N_(
    "Calendar: trading sessions of %(exchanges)s; the as-of session is the last session on "
    "or before the requested date. Each symbol is measured on its own bars."
)


def exchanges(snapshot: ThemeSnapshot) -> list[str]:
    """The exchange-calendars codes of the theme's stocks and benchmark, HKEX first."""
    from concepttrack.symbols import is_fx, market_of

    found: list[str] = []
    for status in snapshot.statuses:
        if is_fx(status.symbol):
            continue
        code = market_of(status.symbol).exchange
        if code not in found:
            found.append(code)
    return sorted(found, key=lambda code: (code != "XHKG", code))


def inferred_calendars(snapshot: ThemeSnapshot) -> dict[str, dt.date]:
    """Exchange -> horizon, for the markets whose recent sessions were inferred."""
    from concepttrack.symbols import market_of

    found: dict[str, dt.date] = {}
    for status in snapshot.statuses:
        if status.calendar_inferred_after is not None:
            found[market_of(status.symbol).exchange] = status.calendar_inferred_after
    return dict(sorted(found.items()))


def calendar_notes(status: DataStatus, w: Writer) -> list[str]:
    """The data-status note of a symbol whose market's recent sessions were inferred."""
    if status.calendar_inferred_after is None:
        return []
    return [
        w._("calendar inferred from data after %(date)s")
        % {"date": w.fmt.date(status.calendar_inferred_after)}
    ]


def calendar_data_note(snapshot: ThemeSnapshot, w: Writer) -> list[str]:
    """The appendix line naming each exchange whose sessions came from the bars."""
    inferred = inferred_calendars(snapshot)
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


def vendor(status: DataStatus, w: Writer) -> str | None:
    """Who served a symbol's prices, in the note's language ("CSV file 0941.HK.csv")."""
    if status.served_by is None:
        return None
    message, values = vendor_for(status.served_by, status.source_file)
    return w._(message) % values


def fallback_notes(status: DataStatus, source: str, w: Writer) -> list[str]:
    """A symbol a later source of the chain ``source`` served: named in its row."""
    first = source.split(",", 1)[0].strip()
    if "," not in source or status.served_by in (None, first):
        return []
    return [
        w._("served by %(vendor)s, a later source of the chain") % {"vendor": vendor(status, w)}
    ]


def vendor_note(inp: NoteInput) -> list[str]:
    """The appendix line naming the vendor of every price series (stocks, benchmark)."""
    _, w = inp._, inp.w
    groups: dict[str, list[str]] = {}
    series = [(f.status, inp.names.short(f.symbol)) for f in inp.snapshot.stocks]
    series.append((inp.snapshot.benchmark.status, inp.bench_name))
    for status, name in series:
        who = vendor(status, w)
        if who is not None:
            groups.setdefault(who, []).append(name)
    if not groups:
        return []
    items = [
        _("%(vendor)s (%(names)s)") % {"vendor": who, "names": inp.fmt.join(names)}
        for who, names in groups.items()
    ]
    separator = "；" if inp.fmt.chinese else "; "
    return [_("Prices by vendor: %(list)s.") % {"list": separator.join(items)}]


def field_notes(uses: list[FieldUse], w: Writer) -> list[str]:
    """Appendix lines: which themes-book fields were converted or shown untranslated."""
    _ = w._
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
                "fields": w.fmt.join(sections),
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


def data_rows(inp: NoteInput) -> list[DataRow]:
    _, fmt, w, code = inp._, inp.fmt, inp.w, inp.language.code
    rows = []
    for f in inp.snapshot.stocks:
        status, _class = w.status_text(f.status)
        notes = []
        if f.status.reason:
            notes.append(reader_reason(f.status.reason, code))
        if f.adj_close_is_close:
            notes.append(_("single close used as adjusted close"))
        if f.close_is_adjusted:
            notes.append(_("adjusted prices only: price shown is the adjusted close"))
        if not f.in_basket and f.excluded_reason:
            notes.append(
                _("not in basket: %(reason)s") % {"reason": reader_reason(f.excluded_reason, code)}
            )
        notes.extend(calendar_notes(f.status, w))
        notes.extend(fallback_notes(f.status, inp.snapshot.source, w))
        stock = inp.by_symbol.get(f.symbol)
        rows.append(
            DataRow(
                code=f.code,
                name=stock.name if stock else f.name,
                symbol=f.symbol,
                last_bar=fmt.date(f.status.last_session),
                status=status,
                note=_("; ").join(notes) if notes else "",
            )
        )
    b = inp.snapshot.benchmark
    bench_status, _class = w.status_text(b.status)
    rows.append(
        DataRow(
            code=inp.bench_short,
            name=inp.bench_name,
            symbol=b.symbol,
            last_bar=fmt.date(b.status.last_session),
            status=bench_status,
            note="; ".join(
                [
                    *([reader_reason(b.status.reason, code)] if b.status.reason else []),
                    *calendar_notes(b.status, w),
                    *fallback_notes(b.status, inp.snapshot.source, w),
                ]
            ),
        )
    )
    return rows


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    _, fmt, snapshot, facts = inp._, inp.fmt, inp.snapshot, inp.facts
    single_close = [inp.names.label(s) for s in facts.single_close]
    adjusted_only = inp.adjusted_only
    codes = exchanges(snapshot)
    calendar = (
        _(CALENDAR_HK)
        if codes in ([], ["XHKG"])
        else _(CALENDAR) % {"exchanges": fmt.join([_(EXCHANGES.get(c, c)) for c in codes])}
    )
    notes = []
    if snapshot.demo:
        notes.append(
            _(
                "DEMO DATA: these prices are synthetic, generated for demonstration; "
                "no figure in this note describes a real market."
            )
        )
    notes += [
        _("Price source: %(source)s.")
        % {"source": source_label(snapshot.source, inp.language.code)},
        *vendor_note(inp),
        _(ADJUSTMENT_ADJUSTED if adjusted_only else ADJUSTMENT),
        _(ADJUSTMENT_METHOD),
        calendar,
        *calendar_data_note(snapshot, inp.w),
    ]
    if single_close:
        notes.append(
            _(
                "Single close used as adjusted close (returns over ex-dividend dates include the "
                "dividend drop): %(names)s."
            )
            % {"names": fmt.join(single_close)}
        )
    if adjusted_only:
        notes.append(
            _(
                "Adjusted prices only (the price file holds dividend-adjusted closes, not traded "
                "prices): the last price, 52-week range and moving averages shown for %(names)s "
                'are adjusted closes, marked "adj."; returns are unaffected.'
            )
            % {"names": fmt.join(adjusted_only)}
        )
    if not single_close and not adjusted_only:
        notes.append(_("Every series had a separate adjusted close."))
    collected = Appendix(data_notes=[])
    collected.note(*notes, *appendix.data_notes, *field_notes(inp.uses, inp.w))
    return {"data_rows": data_rows(inp), "data_notes": collected.data_notes}
