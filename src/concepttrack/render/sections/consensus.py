"""Consensus and dates ahead (issue 18): the analysts' target price, implied upside and
mean rating per stock, and the results and ex-dividend dates of the next 30 days.

The figures are :attr:`StockFigures.consensus` and :attr:`StockFigures.dates_ahead`
(``analytics/consensus.py``); this section words them. A stock without a figure shows
"–" and a line under the table says why; a consensus older than the fundamentals'
maximum age carries the stale mark. When no stock has any consensus figure or date, the
section is left out and the data appendix says so.
"""

from __future__ import annotations

from concepttrack.analytics.consensus import HORIZON_DAYS, dates_ahead
from concepttrack.analytics.consensus_model import Consensus, DateAhead
from concepttrack.prices.registry import fundamentals_label
from concepttrack.render.consensus_view import ConsensusRow, ConsensusView
from concepttrack.render.formats import MISSING
from concepttrack.render.messages import N_, reason_text, source_label
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import STALE_MARK, Definition, figure

#: Rating key -> its words (Yahoo's ``recommendationKey`` scale, 1 to 5).
RATINGS = {
    "strong_buy": N_("Strong buy"),
    "buy": N_("Buy"),
    "hold": N_("Hold"),
    "underperform": N_("Underperform"),
    "sell": N_("Sell"),
}
DEFINITION = N_(
    "Consensus target: the mean, lowest and highest target price of the analysts the "
    "source counts, in the price's currency. Implied upside: mean target / last traded "
    "close − 1, only when the target and the price are in the same currency (no FX "
    "conversion). Mean rating: 1 strong buy, 2 buy, 3 hold, 4 underperform, 5 sell. Dates "
    "ahead: the next results and ex-dividend dates 1 to %(days)s days after the session. "
    "%(mark)s marks a consensus dated more than %(age)s days before the session."
)


def _rating(inp: NoteInput, c: Consensus) -> str:
    if c.rating_key is None and c.rating_mean is None:
        return MISSING
    words = inp._(RATINGS[c.rating_key]) if c.rating_key in RATINGS else MISSING
    if c.rating_mean is None:
        return words
    return inp._("%(rating)s (%(mean)s)") % {
        "rating": words,
        "mean": inp.fmt.number(c.rating_mean, 1),
    }


def _row(inp: NoteInput, symbol: str, c: Consensus | None) -> ConsensusRow:
    fmt = inp.fmt
    stock = inp.by_symbol[symbol]
    c = c or Consensus(source="")
    target = fmt.price(c.target_mean, c.currency)
    if c.stale and c.target_mean is not None:
        target += STALE_MARK
    if c.target_low is not None and c.target_high is not None:
        spread = inp._("%(low)s – %(high)s") % {
            "low": fmt.price(c.target_low, c.currency),
            "high": fmt.price(c.target_high, c.currency),
        }
    else:
        spread = MISSING
    if c.next_ex_dividend is None:
        ex_dividend = MISSING
    elif c.ex_dividend_amount is None:
        ex_dividend = fmt.date(c.next_ex_dividend)
    else:
        ex_dividend = inp._("%(date)s · %(amount)s") % {
            "date": fmt.date(c.next_ex_dividend),
            "amount": fmt.price(c.ex_dividend_amount, c.currency),
        }
    return ConsensusRow(
        code=stock.display_code,
        name=stock.name,
        target_mean=target,
        target_range=spread,
        analysts=str(c.analysts) if c.analysts is not None else MISSING,
        implied_upside=figure(fmt.pct(c.implied_upside), c.implied_upside, stale=c.stale),
        rating=_rating(inp, c),
        next_results=fmt.date(c.next_results) if c.next_results else MISSING,
        ex_dividend=ex_dividend,
    )


def date_item(inp: NoteInput, item: DateAhead) -> str:
    """One date ahead in words: ``China Mobile results 7 Aug 2025``."""
    values = {
        "name": inp.names.short(item.symbol),
        "date": inp.fmt.date(item.date),
        "amount": inp.fmt.price(item.amount, item.currency),
    }
    if item.kind == "results":
        return inp._("%(name)s results %(date)s") % values
    if item.amount is None:
        return inp._("%(name)s ex-dividend on %(date)s") % values
    return inp._("%(name)s ex-dividend %(amount)s on %(date)s") % values


def dates_line(inp: NoteInput, within: int = HORIZON_DAYS) -> str:
    """The "Dates ahead" line of the note (every date 1 to ``within`` days ahead)."""
    items = [date_item(inp, item) for item in dates_ahead(inp.snapshot, within)]
    if not items:
        return inp._("Dates ahead: none in the next %(days)s days.") % {"days": within}
    return inp._("Dates ahead: %(items)s.") % {"items": inp._("; ").join(items)}


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    _, fmt = inp._, inp.fmt
    found = {f.symbol: f.consensus for f in inp.snapshot.stocks}
    known = [c for c in found.values() if c is not None]
    if not known:
        return {"consensus": None}
    origin = known[0].source
    where = _(fundamentals_label(origin)) % {"source": source_label(origin, inp.language.code)}
    if not any(_has(c) for c in known):
        appendix.note(_("Consensus and dates ahead: none from %(where)s.") % {"where": where})
        return {"consensus": None}
    rows = [_row(inp, s.symbol, found.get(s.symbol)) for s in inp.theme.stocks]
    notes = []
    dated = sorted({c.date for c in known if c.date is not None and _has(c)})
    if dated:
        notes.append(
            _("Consensus: %(where)s, dated %(date)s.")
            % {"where": where, "date": fmt.date(dated[-1])}
        )
    for stock in inp.theme.stocks:
        c = found.get(stock.symbol)
        if c is None:
            continue
        name = inp.names.label(stock.symbol)
        lang = inp.language.code
        if c.problem is not None:
            notes.append(
                _("Consensus of %(name)s: %(problem)s.")
                % {"name": name, "problem": reason_text(c.problem, lang)}
            )
        if c.upside_reason is not None:
            notes.append(
                _("Implied upside of %(name)s: %(reason)s.")
                % {"name": name, "reason": reason_text(c.upside_reason, lang)}
            )
        if c.stale and _has(c) and c.date is not None:
            notes.append(
                _("%(mark)s Consensus of %(name)s dated %(date)s, more than %(days)s days old.")
                % {"mark": STALE_MARK, "name": name, "date": fmt.date(c.date), "days": _age(inp)}
            )
    appendix.define(
        "valuation:consensus",
        Definition(
            _("Consensus and implied upside"),
            _(DEFINITION) % {"days": HORIZON_DAYS, "mark": STALE_MARK, "age": _age(inp)},
        ),
    )
    appendix.note(_("Consensus and dates ahead: %(where)s.") % {"where": where})
    return {"consensus": ConsensusView(rows=rows, dates_ahead=dates_line(inp), notes=notes)}


def _has(c: Consensus) -> bool:
    return any(
        value is not None
        for value in (
            c.target_mean,
            c.target_high,
            c.target_low,
            c.analysts,
            c.rating_mean,
            c.rating_key,
            c.next_results,
            c.next_ex_dividend,
        )
    )


def _age(inp: NoteInput) -> int:
    """The fundamentals' maximum age the note was made with (days)."""
    return max(
        (f.consensus.max_age_days for f in inp.snapshot.stocks if f.consensus is not None),
        default=7,
    )
