"""Constituents: one row per stock (price, returns, excess, range, weights, contribution)."""

from __future__ import annotations

from concepttrack.analytics.model import StockFigures
from concepttrack.render.formats import MISSING, STALE_MARK
from concepttrack.render.messages import N_, reader_reason
from concepttrack.render.sections import rules
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import AhRow, AhTable, ConstituentRow, Definition, figure
from concepttrack.themes import Stock


def constituent(inp: NoteInput, figures: StockFigures, stock: Stock | None) -> ConstituentRow:
    _, fmt = inp._, inp.fmt
    stale = figures.status.status == "stale"
    r, x = figures.returns, figures.excess
    status, status_class = inp.w.status_text(figures.status)
    if not figures.in_basket:
        status += _(" · not in basket")
    # The price carries its currency (formats.py): HK$83.45 / 83.45港元; "adj." only
    # where the source gives no traded close (the price shown is then adjusted).
    last = fmt.price(figures.last_close, figures.currency)
    if figures.last_close is not None and figures.close_is_adjusted:
        last += _(" adj.")
    return ConstituentRow(
        code=stock.display_code if stock else figures.code,
        name=stock.name if stock else figures.name,
        name_zh=((stock.name_zh if stock else figures.name_zh) or "")
        if not inp.language.is_chinese
        else "",
        currency="",
        last=figure(last, figures.last_close, stale=stale, signed=False),
        one_day=figure(fmt.pct(r.one_day), r.one_day, stale=stale),
        five_day=figure(fmt.pct(r.five_day), r.five_day, stale=stale),
        one_month=figure(fmt.pct(r.one_month), r.one_month, stale=stale),
        since_event=figure(fmt.pct(r.since_event), r.since_event, stale=stale),
        excess_since_event=figure(fmt.pp(x.since_event), x.since_event, stale=stale),
        volume_ratio=figure(
            fmt.ratio(figures.volume_ratio), figures.volume_ratio, stale=stale, signed=False
        ),
        from_high_52w=figure(fmt.pct(figures.from_high_52w), figures.from_high_52w, stale=stale),
        weight=fmt.share(figures.weight) if figures.in_basket else MISSING,
        contribution=figure(fmt.pp(figures.contribution), figures.contribution, stale=stale),
        status=status,
        status_class=status_class,
        weight_now=fmt.share(figures.weight_now)
        if figures.in_basket and figures.weight_now is not None
        else MISSING,
    )


def table_notes(inp: NoteInput, rows: list[ConstituentRow]) -> list[str]:
    _, fmt, names, snapshot = inp._, inp.fmt, inp.names, inp.snapshot
    notes = []
    if any(r.status_class == "stale" for r in rows):
        notes.append(
            _(
                "%(mark)s Stale: no bar on %(date)s; the figure is from the symbol's last bar "
                "(date in the status column), not today's."
            )
            % {"mark": STALE_MARK, "date": fmt.date(snapshot.as_of)}
        )
    if inp.facts.no_excess:
        notes.append(
            _(
                "Excess vs %(bench)s is – for %(names)s: the %(bench)s has no bar on the stock's "
                "last session (its last bar is %(date)s), so the %(bench)s's return to that "
                "session does not exist."
            )
            % {
                "bench": inp.bench_short,
                "names": fmt.join([names.label(s) for s in inp.facts.no_excess]),
                "date": fmt.date(snapshot.benchmark.last_session),
            }
        )
    for symbol, reason in snapshot.basket.excluded.items():
        notes.append(
            _("%(name)s is not in the basket: %(reason)s.")
            % {"name": names.label(symbol), "reason": reader_reason(reason, inp.language.code)}
        )
    if any(r.weight_now != MISSING for r in rows):
        notes.append(
            _(
                "Weight at base: the weight bought at the close of %(base)s; weight now: its "
                "share of the basket at %(last)s (base weight × the stock's price relative / "
                "the basket's)."
            )
            % {
                "base": fmt.date(snapshot.basket.base_session),
                "last": fmt.date(snapshot.basket.last_session),
            }
        )
    return notes


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    rows = [constituent(inp, f, inp.by_symbol.get(f.symbol)) for f in inp.snapshot.stocks]
    notes = table_notes(inp, rows)
    valuation = inp.valuation
    rules.define(inp, appendix, "prices", "window_return", "excess")
    if any(f.contribution is not None for f in inp.snapshot.stocks):
        rules.define(inp, appendix, "contribution")
    rules.define(inp, appendix, "range_52w", "volume_turnover", "data_status")
    if valuation is not None:
        notes.extend(valuation.table_notes)
        for index, definition in enumerate(valuation.definitions):
            appendix.define(f"valuation:{index}", definition)
        appendix.note(*valuation.data_notes)
    return {
        "constituents": rows,
        "table_notes": notes,
        "valuation": valuation,
        "ah_premium": ah_table(inp, appendix),
    }


# --- issue 18: the A/H premium (analytics/ah_premium.py) ---------------------------------

AH_TERM = N_("A/H premium")
AH_RULE = N_(
    "The A share's traded close converted to %(currency)s at the %(pair)s close, divided by "
    "the H share's traded close, minus 1: (A × %(pair)s ÷ H − 1) × 100, in per cent, on the H "
    "share's last session, with the A close and the FX close on or before it (an FX close "
    "from the FX session before is used as it is: the FX day ends in New York, after Hong "
    "Kong's close). Positive: the A share costs more than the H share. Change since the "
    "event: the premium now minus the premium at the event base session (the close before "
    "the news), in percentage points (pp). Closes as traded, not adjusted."
)


def ah_table(inp: NoteInput, appendix: Appendix) -> AhTable | None:
    """The A/H premium rows of the stocks with an A share; None when no stock has one."""
    _, fmt, names = inp._, inp.fmt, inp.names
    figures = [f.ah_premium for f in inp.snapshot.stocks if f.ah_premium is not None]
    if not figures:
        return None
    if all(ah.premium is None for ah in figures):
        # Not one premium to show: one line, not a table of dashes; the data appendix
        # says why for each A share.
        for ah in figures:
            if ah.reason is not None:
                appendix.note(
                    _("A/H premium of %(name)s is –: %(reason)s.")
                    % {
                        "name": names.label(ah.h_symbol),
                        "reason": reader_reason(ah.reason, inp.language.code),
                    }
                )
        codes = fmt.join([ah.a_symbol for ah in figures])
        line = _(
            "No A/H premium: no usable price for the A shares %(codes)s (see the data appendix)."
        )
        return AhTable(
            rows=[],
            currency=fmt.currency_name(figures[0].currency),
            notes=[line % {"codes": codes}],
        )
    rows: list[AhRow] = []
    notes: list[str] = []
    lang = inp.language.code
    adjusted = {f.symbol for f in inp.snapshot.stocks if f.close_is_adjusted}
    for ah in figures:
        name = names.label(ah.h_symbol)
        h_price = fmt.price(ah.h_close, ah.currency)
        if ah.h_close is not None and ah.h_symbol in adjusted:
            h_price += _(" adj.")  # the source has no traded close (see the table above)
        fx_stale = ah.fx_status == "stale"
        stale = ah.a_stale or fx_stale
        rows.append(
            AhRow(
                name=name,
                a_code=ah.a_symbol,
                h_price=h_price,
                a_price=fmt.price(ah.a_close_h, ah.currency),
                premium=figure(fmt.pct(ah.premium), ah.premium, stale=stale),
                change_since_event=figure(
                    fmt.pp(ah.change_since_event), ah.change_since_event, stale=stale
                ),
            )
        )
        if ah.premium is None and ah.reason is not None:
            notes.append(
                _("A/H premium of %(name)s is –: %(reason)s.")
                % {"name": name, "reason": reader_reason(ah.reason, lang)}
            )
            continue
        if ah.change_since_event is None and ah.base_reason is not None:
            notes.append(
                _("A/H premium of %(name)s at the event base session %(base)s is –: %(reason)s.")
                % {
                    "name": name,
                    "base": fmt.date(ah.base_session),
                    "reason": reader_reason(ah.base_reason, lang),
                }
            )
        if ah.a_stale:
            notes.append(
                _(
                    "%(mark)s A/H premium of %(name)s: the A share's last close is from "
                    "%(date)s (no A-share bar on %(session)s)."
                )
                % {
                    "mark": STALE_MARK,
                    "name": name,
                    "date": fmt.date(ah.a_session),
                    "session": fmt.date(ah.session),
                }
            )
        if fx_stale:
            notes.append(
                _("%(mark)s A/H premium of %(name)s: the last %(pair)s close is from %(date)s.")
                % {
                    "mark": STALE_MARK,
                    "name": name,
                    "pair": ah.fx_symbol,
                    "date": fmt.date(ah.fx_session),
                }
            )
        elif ah.fx_status == "carried":
            appendix.note(
                _(
                    "A/H premium: the %(pair)s close of %(date)s (the FX session before "
                    "%(session)s) converts the A shares' closes."
                )
                % {
                    "pair": ah.fx_symbol,
                    "date": fmt.date(ah.fx_session),
                    "session": fmt.date(ah.session),
                }
            )
    pair = next((ah.fx_symbol for ah in figures if ah.fx_symbol), "CNYHKD=X")
    if any(ah.premium is not None for ah in figures):  # a rule no figure used is not printed
        appendix.define(
            "valuation:ah_premium",
            Definition(
                _(AH_TERM),
                _(AH_RULE) % {"currency": fmt.currency_name(figures[0].currency), "pair": pair},
            ),
        )
    return AhTable(rows, fmt.currency_name(figures[0].currency), notes)
