"""Southbound holdings (港股通持股): one row per HK stock of the theme (issue 18).

Shown when the run's source offers Southbound data (``akshare`` or a CSV folder with
``southbound.csv``; ``prices/southbound.py``); the figures are defined in
:mod:`concepttrack.analytics.southbound` and worded for the methodology here.
"""

from __future__ import annotations

from concepttrack.analytics.southbound import (
    CHECK_TOLERANCE,
    STALE_AFTER,
    SouthboundFigures,
    SouthboundHolding,
)
from concepttrack.render.formats import MISSING, STALE_MARK
from concepttrack.render.messages import N_, reader_reason, source_label
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.southbound_view import SouthboundRow, SouthboundView
from concepttrack.render.view_base import Definition, figure

#: Vendor ids of live Southbound sources -> how the note names them.
VENDORS = {"eastmoney-akshare": N_("EastMoney data centre via AkShare")}

HOLDING_TERM = N_("Southbound holdings (Stock Connect)")
HOLDING = N_(
    "Shares of a Hong Kong stock held by mainland investors through Stock Connect "
    "(Southbound), at the close of the date shown: the note's session, or the source's last "
    "date before it (marked %(mark)s when more than %(n)s sessions before the note's "
    "session). Share of H shares: those shares as a fraction of the issued H shares, as the "
    "source gives it, or shares held / issued H shares where the source gives only those."
)
HOLDING_NO_STALE = N_(
    "Shares of a Hong Kong stock held by mainland investors through Stock Connect "
    "(Southbound), at the close of the date shown: the note's session, or the source's last "
    "date before it (in this note at most %(n)s sessions before the note's session). Share "
    "of H shares: those shares as a fraction of the issued H shares, as the source gives it, "
    "or shares held / issued H shares where the source gives only those."
)
CHANGE_TERM = N_("Southbound change (5 and 20 sessions)")
CHANGE = N_(
    "The share of H shares on the holding's date minus that on the session 5 (20) sessions "
    "earlier on the exchange calendar (the source's record of that session, or its last "
    "record before it), in percentage points (pp); the same difference in shares held."
)
ELIGIBLE_TERM = N_("Southbound eligibility")
ELIGIBLE = N_(
    "Whether mainland investors may buy the stock through Stock Connect (Southbound): as "
    "southbound.csv gives it for the date shown, else the source's list of eligible stocks "
    "when the data were fetched (today's list, not the list on the note's session)."
)


def _row(inp: NoteInput, holding: SouthboundHolding) -> SouthboundRow:
    _, fmt = inp._, inp.fmt
    stock = inp.by_symbol.get(holding.symbol)
    stale = holding.stale
    eligible = {True: _("Yes"), False: _("No"), None: MISSING}[holding.eligible]
    return SouthboundRow(
        code=stock.display_code if stock else holding.symbol,
        name=stock.name if stock else holding.symbol,
        date=fmt.date(holding.date) + (STALE_MARK if stale and holding.date else ""),
        shares_held=figure(
            fmt.amount(holding.shares_held), holding.shares_held, stale=stale, signed=False
        ),
        pct_of_h_shares=figure(
            fmt.share(holding.pct_of_h_shares), holding.pct_of_h_shares, stale=stale, signed=False
        ),
        change_5_pp=figure(fmt.pp(holding.change_5_pp), holding.change_5_pp, stale=stale),
        change_20_pp=figure(fmt.pp(holding.change_20_pp), holding.change_20_pp, stale=stale),
        change_5_shares=figure(
            fmt.amount_change(holding.change_5_shares), holding.change_5_shares, stale=stale
        ),
        change_20_shares=figure(
            fmt.amount_change(holding.change_20_shares), holding.change_20_shares, stale=stale
        ),
        eligible=eligible,
    )


def _notes(inp: NoteInput, figures: SouthboundFigures) -> list[str]:
    _, fmt, names = inp._, inp.fmt, inp.names
    lang = inp.language.code
    notes = []
    if figures.file:
        notes.append(
            _("Southbound holdings: %(file)s in %(source)s.")
            % {"file": figures.file, "source": source_label(figures.source, lang)}
        )
    else:
        notes.append(
            _("Southbound holdings: %(vendor)s.")
            % {"vendor": _(VENDORS.get(figures.vendor, figures.vendor))}
        )
    holdings = list(figures.stocks.values())
    if any(h.stale and h.date for h in holdings):
        notes.append(
            _(
                "%(mark)s Stale: the source's last holding is more than %(n)s sessions before "
                "%(date)s."
            )
            % {"mark": STALE_MARK, "n": STALE_AFTER, "date": fmt.date(inp.snapshot.as_of)}
        )
    for holding in holdings:
        if holding.missing is not None:
            notes.append(
                _("%(name)s: no Southbound holding (%(reason)s).")
                % {
                    "name": names.label(holding.symbol),
                    "reason": reader_reason(holding.missing, lang),
                }
            )
    checked = [h for h in holdings if h.pct_recomputed is not None and h.date is not None]
    for holding in checked:
        if holding.pct_check_failed:
            notes.append(
                _(
                    "%(name)s: the source's share of H shares (%(pct)s) differs from shares "
                    "held / issued H shares (%(check)s) by more than %(tolerance)s; the table "
                    "shows the source's figure."
                )
                % {
                    "name": names.label(holding.symbol),
                    "pct": fmt.share(holding.pct_of_h_shares),
                    "check": fmt.share(holding.pct_recomputed),
                    "tolerance": fmt.pp_abs(CHECK_TOLERANCE),
                }
            )
    agreed = [h for h in checked if not h.pct_check_failed]
    if agreed:
        notes.append(
            _(
                "Cross-check: the share of H shares of %(names)s agrees with shares held / "
                "issued H shares within %(tolerance)s."
            )
            % {
                "names": fmt.join([names.label(h.symbol) for h in agreed]),
                "tolerance": fmt.pp_abs(CHECK_TOLERANCE),
            }
        )
    return notes


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    figures = inp.snapshot.southbound
    if figures is None or not figures.stocks:
        return {"southbound": None}
    _ = inp._
    rows = [_row(inp, holding) for holding in figures.stocks.values()]
    notes = _notes(inp, figures)
    stale = any(h.stale and h.date for h in figures.stocks.values())
    holding = _(HOLDING) if stale else _(HOLDING_NO_STALE)
    appendix.define(
        "southbound:0",
        Definition(_(HOLDING_TERM), holding % {"mark": STALE_MARK, "n": STALE_AFTER}),
    )
    appendix.define("southbound:1", Definition(_(CHANGE_TERM), _(CHANGE)))
    appendix.define("southbound:2", Definition(_(ELIGIBLE_TERM), _(ELIGIBLE)))
    # The vendor line belongs to the data appendix (named once, with the other sources).
    appendix.note(notes[0])
    return {"southbound": SouthboundView(rows=rows, notes=notes[1:])}
