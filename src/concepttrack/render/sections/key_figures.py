"""Key figures: the basket against the benchmark by window, level, breadth, leaders."""

from __future__ import annotations

import dataclasses

from concepttrack.analytics.model import WindowReturns
from concepttrack.render.formats import STALE_MARK
from concepttrack.render.messages import N_
from concepttrack.render.sections import rules
from concepttrack.render.sections.base import BACKCAST_MARK, Appendix, Fields, NoteInput
from concepttrack.render.view import Figure, KeyFigures, KeyRow, figure

#: WindowReturns fields of the table's rows, in order.
WINDOWS = ("since_event", "one_day", "five_day", "one_month", "ytd")
#: How the back-cast line names a figure.
BACKCAST_NAMES = {
    "one_day": N_("1-day return"),
    "five_day": N_("5-day return"),
    "one_month": N_("1-month return"),
    "ytd": N_("year-to-date return"),
    "volatility_1y": N_("1-year volatility"),
    "beta_1y": N_("1-year beta"),
    "correlation_1y": N_("1-year correlation"),
}


def windows(
    inp: NoteInput,
    basket: WindowReturns,
    benchmark: WindowReturns,
    excess: WindowReturns,
) -> list[KeyRow]:
    """One row per window; a basket figure reaching before the base is marked back-cast."""
    _, fmt = inp._, inp.fmt
    bench_stale, basket_stale = inp.facts.bench_stale, inp.facts.basket_stale
    rows = []
    labels = (_("Since event"), _("1 day"), _("5 days"), _("1 month"), _("Year to date"))
    for label, name in zip(labels, WINDOWS, strict=True):
        b, m, x = getattr(basket, name), getattr(benchmark, name), getattr(excess, name)
        back = BACKCAST_MARK if inp.backcast(name) and b is not None else ""
        basket_cell = figure(fmt.pct(b), b, stale=basket_stale)
        excess_cell = figure(fmt.pp(x), x, stale=bench_stale or basket_stale)
        rows.append(
            KeyRow(
                label,
                _with_mark(basket_cell, back),
                figure(fmt.pct(m), m, stale=bench_stale),
                _with_mark(excess_cell, back if x is not None else ""),
            )
        )
    return rows


def _with_mark(cell: Figure, mark: str) -> Figure:
    return dataclasses.replace(cell, text=cell.text + mark) if mark else cell


def backcast_note(inp: NoteInput, names: list[str]) -> str:
    """The line saying which basket figures are back-cast, or "" when none of ``names``.

    The first such line of the note (under the key figures) says what back-cast means;
    a later one (under the risk table) only names its figures, so no clause is printed
    twice.
    """
    _ = inp._
    shown = [n for n in names if inp.backcast(n)]
    if not shown:
        return ""
    explained_above = names != list(WINDOWS) and any(inp.backcast(n) for n in WINDOWS)
    if explained_above:
        return _("%(mark)s Also back-cast: %(figures)s.") % {
            "mark": BACKCAST_MARK,
            "figures": inp.fmt.join([_(BACKCAST_NAMES[n]) for n in shown]),
        }
    return _(
        "%(mark)s Back-cast: the basket was formed at the close of %(base)s; for %(figures)s "
        "the window starts earlier, and the base holdings are valued at earlier prices."
    ) % {
        "mark": BACKCAST_MARK,
        "base": inp.fmt.date(inp.snapshot.basket.base_session),
        "figures": inp.fmt.join([_(BACKCAST_NAMES[n]) for n in shown]),
    }


def key_notes(inp: NoteInput) -> list[str]:
    """Lines under the key figures: which dates the basket, benchmark and excess are as of."""
    _, fmt, bench_short, snapshot = inp._, inp.fmt, inp.bench_short, inp.snapshot
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
        carried = fmt.join([inp.names.label(s) for s in basket.carried])
        message = (
            _("The basket level carries the last price of %(names)s, which has no bar on %(last)s.")
            if len(basket.carried) == 1
            else _(
                "The basket level carries the last price of %(names)s, which have no bar on "
                "%(last)s."
            )
        )
        notes.append(message % {"names": carried, "last": last})
    line = backcast_note(inp, list(WINDOWS))
    if line:
        notes.append(line)
    return notes


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    _, fmt, names, snapshot = inp._, inp.fmt, inp.names, inp.snapshot
    basket, breadth = snapshot.basket, snapshot.breadth
    basket_stale, bench_stale = inp.facts.basket_stale, inp.facts.bench_stale
    breadth_parts = [
        _("%(count)d up") % {"count": breadth.up},
        _("%(count)d down") % {"count": breadth.down},
        _("%(count)d unch.") % {"count": breadth.unchanged},
    ]
    if breadth.no_bar:
        breadth_parts.append(_("%(count)d no bar") % {"count": breadth.no_bar})
    if breadth.no_return:
        breadth_parts.append(_("%(count)d no 1D return") % {"count": breadth.no_return})
    key = KeyFigures(
        rows=windows(inp, basket.returns, snapshot.benchmark.returns, basket.excess),
        basket_level=fmt.ratio(basket.level, 1)
        + (STALE_MARK if basket_stale and basket.level is not None else ""),
        benchmark_level=fmt.price(snapshot.benchmark.last_close)
        + (STALE_MARK if bench_stale and snapshot.benchmark.last_close is not None else ""),
        breadth=" · ".join(breadth_parts),
        above_ma=_("%(ma20)s above the 20-day MA · %(ma50)s above the 50-day MA")
        % {
            "ma20": fmt.count(breadth.above_ma_20, breadth.with_ma_20),
            "ma50": fmt.count(breadth.above_ma_50, breadth.with_ma_50),
        },
        leader_1d=names.with_return(breadth.leader_1d, "one_day"),
        laggard_1d=names.with_return(breadth.laggard_1d, "one_day"),
        leader_since_event=names.with_return(breadth.leader_since_event, "since_event"),
        laggard_since_event=names.with_return(breadth.laggard_since_event, "since_event"),
        notes=key_notes(inp),
    )
    keys = ["window_return", "excess", "basket"]
    if basket.status == "stale" or basket.carried:
        keys.append("basket_last_session")
    rules.define(inp, appendix, *keys, "breadth", "data_status")
    return {"key_figures": key}
