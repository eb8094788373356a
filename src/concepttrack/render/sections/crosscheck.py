"""Cross-check (``--check-against``): data notes saying where a second source's closes
differ from this note's, on how many sessions, the largest difference and the basis.

The note keeps the primary source's prices; nothing here chooses one. Contributes data
notes only (no fields): the rule, then one line per stock that differs, per stock the
second source had no prices for, and the stocks compared on the adjusted basis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concepttrack.render.messages import N_, source_label
from concepttrack.render.sections.base import Appendix, Fields, NoteInput

if TYPE_CHECKING:
    from concepttrack.prices.compare import CrossCheck, SymbolCheck

RULE = N_(
    "Cross-check: every close from %(start)s to %(end)s was compared with %(source)s; a "
    "session differs when the two closes are more than %(tolerance)s apart. Sessions only "
    "one source has are counted, not compared. This note keeps the prices of %(primary)s."
)
AGREE = N_("Cross-check: every stock checked agrees with %(source)s within %(tolerance)s.")
DIFFERS_TRADED = N_(
    "Cross-check: %(stock)s differs from %(source)s on %(count)s of %(sessions)s sessions "
    "(traded closes); largest on %(date)s: %(primary_price)s here, %(other_price)s from "
    "%(source)s (%(change)s)."
)
DIFFERS_ADJUSTED = N_(
    "Cross-check: %(stock)s differs from %(source)s on %(count)s of %(sessions)s sessions "
    "(adjusted closes); largest on %(date)s: %(primary_price)s here, %(other_price)s from "
    "%(source)s, rescaled (%(change)s)."
)
ADJUSTED_BASIS = N_(
    "Cross-check basis: %(stocks)s compared as dividend-adjusted closes, because one of the "
    "sources has adjusted closes only; the second source's adjusted closes are rescaled to "
    "this note's (each source anchors them at the end of its own history)."
)
SPLITS = N_("Cross-check: %(stock)s compared across the split of %(date)s on one basis.")
GAPS = N_(
    "Cross-check: %(stock)s has %(count)s sessions that only one of the two sources has "
    "(counted, not compared)."
)
UNCHECKED = N_("Cross-check: %(source)s had no prices for %(stocks)s; not checked.")


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    result = inp.snapshot.cross_check
    if result is not None:
        appendix.note(*lines(inp, result))
    return {}


def lines(inp: NoteInput, result: CrossCheck) -> list[str]:
    """The data notes of one cross-check, in the note's language."""
    _, fmt, lang = inp._, inp.fmt, inp.language.code
    source = source_label(result.against, lang)
    tolerance = fmt.pct_abs(result.tolerance)
    out = [
        _(RULE)
        % {
            "start": fmt.date(result.start),
            "end": fmt.date(result.end),
            "source": source,
            "tolerance": tolerance,
            "primary": source_label(result.primary, lang),
        }
    ]
    checked = [c for c in result.symbols if not c.missing_other]
    if checked and not result.differing:
        out.append(_(AGREE) % {"source": source, "tolerance": tolerance})
    for check in result.differing:
        out.append(_difference(inp, check, source))
    adjusted = [inp.names.label(c.symbol) for c in checked if c.basis == "adjusted"]
    if adjusted:
        out.append(_(ADJUSTED_BASIS) % {"stocks": fmt.join(adjusted)})
    for check in checked:
        label = inp.names.label(check.symbol)
        for day in check.splits_aligned:
            out.append(_(SPLITS) % {"stock": label, "date": fmt.date(day)})
        gaps = check.only_primary + check.only_other
        if gaps:
            out.append(_(GAPS) % {"stock": label, "count": fmt.number(gaps, 0)})
    if result.unchecked:
        stocks = fmt.join([inp.names.label(c.symbol) for c in result.unchecked])
        out.append(_(UNCHECKED) % {"source": source, "stocks": stocks})
    return out


def _difference(inp: NoteInput, check: SymbolCheck, source: str) -> str:
    largest = check.largest
    assert largest is not None  # a check over the tolerance has a largest difference
    currency = _currency(inp, check.symbol)
    message = DIFFERS_ADJUSTED if check.basis == "adjusted" else DIFFERS_TRADED
    return inp._(message) % {
        "stock": inp.names.label(check.symbol),
        "source": source,
        "count": inp.fmt.number(check.over, 0),
        "sessions": inp.fmt.number(check.sessions, 0),
        "date": inp.fmt.date(largest.session),
        "primary_price": inp.fmt.price(largest.primary, currency),
        "other_price": inp.fmt.price(largest.other, currency),
        "change": inp.fmt.pct(largest.change, 2),
    }


def _currency(inp: NoteInput, symbol: str) -> str | None:
    figures = inp.stock_figures.get(symbol)
    return figures.currency if figures is not None else None
