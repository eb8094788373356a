"""The methodology's rules, each worded for what the note did.

A section that uses a rule calls :func:`define` with the rule's key; the methodology
section prints the contributed rules in :data:`ORDER` (the reading order of the
definitions), each once. A rule's wording depends on the note where the general rule
would be untrue: "the price shown is the traded close" only when every shown price is
one, the stale mark's legend only when something is marked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concepttrack.analytics.news import is_old
from concepttrack.render.formats import STALE_MARK
from concepttrack.render.messages import METHODOLOGY, N_
from concepttrack.render.sections.base import Appendix, NoteInput
from concepttrack.render.view import Definition, FactDate

if TYPE_CHECKING:
    from concepttrack.analytics.lead import Lead

#: The keys of :data:`concepttrack.render.messages.METHODOLOGY`, in its order.
RULE_KEYS: tuple[str, ...] = (
    "prices",
    "window_return",
    "excess",
    "basket",
    "basket_last_session",
    "contribution",
    "volatility",
    "drawdown",
    "beta",
    "range_52w",
    "volume_turnover",
    "breadth",
    "data_status",
)
_DEFAULT: dict[str, tuple[str, str]] = dict(zip(RULE_KEYS, METHODOLOGY, strict=True))

#: Valuation definitions ("valuation:<n>") follow the contribution entry; the event
#: study's ("event:<n>") come last.
_AT = RULE_KEYS.index("contribution") + 1
ORDER: tuple[str, ...] = (
    *RULE_KEYS[:_AT],
    "valuation",
    *RULE_KEYS[_AT:],
    "event",
    "news",
    "facts",
    "southbound",  # issue 18: render/sections/southbound.py
    "lead",
)

PRICES_ADJUSTED = N_(
    "Returns use adjusted closes (dividends and splits). The price shown is the traded "
    'close, except for %(names)s, marked "adj.": their source gives only dividend-adjusted '
    "closes, so the price shown is the adjusted close. Each symbol's returns use its own "
    "trading sessions."
)
RANGE_ADJUSTED = N_(
    "Highest / lowest close over the 365 calendar days to the as-of session: the traded "
    'close, or the adjusted close for prices marked "adj."; the table shows today\'s '
    "distance below the high."
)
TURNOVER_TERM = N_("Volume ratio (量比) and estimated turnover")
TURNOVER = N_(
    "Today's volume divided by the average volume of the previous 5 bars. Estimated "
    "turnover: mean traded close × volume of the last 20 bars, an estimate, not the "
    "turnover the exchange reports."
)
TURNOVER_ADJUSTED = N_(
    "Today's volume divided by the average volume of the previous 5 bars. Estimated "
    "turnover: mean close × volume of the last 20 bars, on adjusted closes for %(names)s, "
    "an estimate, not the turnover the exchange reports."
)
BREADTH_NO_STALE = N_(
    "Risers, fallers and unchanged on the as-of session among constituents with a bar that "
    "day; the number of those above their 20- and 50-bar moving averages of the close "
    "(the price shown in the table). The leader and laggard today are among constituents "
    "with a bar that day; the leader and laggard since the event rank every constituent "
    "with a since-event return."
)
DATA_STATUS_NO_STALE = N_(
    "Fresh: a bar on the as-of session (or, for a stock of another market, on that "
    "market's last session before it when it was closed); every symbol of this note is "
    "fresh. Missing: no usable prices."
)
EXCESS_NO_STALE = N_(
    "The stock's or basket's window return minus the %(bench)s's over the same window, in "
    "percentage points (pp). The window ends on the stock's (or basket's) last session and "
    "the %(bench)s is measured to that same session; when the %(bench)s has no bar that "
    "day, the excess is shown as –, never taken over a window ending on another day."
)


def _stale_marked(inp: NoteInput) -> bool:
    """True when some figure of the note carries the stale mark."""
    return bool(inp.facts.stale_count) or inp.facts.basket_stale


def rule(inp: NoteInput, key: str) -> Definition:
    """The rule ``key`` worded for this note, in its language."""
    _ = inp._
    term, text = _DEFAULT[key]
    adjusted = inp.adjusted_only
    if key == "prices" and adjusted:
        text = PRICES_ADJUSTED
    elif key == "range_52w" and adjusted:
        text = RANGE_ADJUSTED
    elif key == "volume_turnover":
        term, text = TURNOVER_TERM, (TURNOVER_ADJUSTED if adjusted else TURNOVER)
    elif key == "breadth" and not _stale_marked(inp):
        text = BREADTH_NO_STALE
    elif key == "data_status" and not _stale_marked(inp):
        text = DATA_STATUS_NO_STALE
    elif key == "excess" and not _stale_marked(inp):
        text = EXCESS_NO_STALE
    values = {"bench": inp.bench_short, "mark": STALE_MARK, "names": inp.fmt.join(adjusted)}
    return Definition(_(term), _(text) % values)


def define(inp: NoteInput, appendix: Appendix, *keys: str) -> None:
    """Contribute the rules ``keys`` (each worded for this note) to the methodology."""
    for key in keys:
        if key not in appendix.definitions:
            appendix.define(key, rule(inp, key))


def ordered(appendix: Appendix) -> list[Definition]:
    """The contributed definitions in reading order (see :data:`ORDER`)."""

    def rank(key: str) -> int:
        return ORDER.index(key.split(":", 1)[0])

    keys = sorted(appendix.definitions, key=rank)  # stable: contribution order within a kind
    return [appendix.definitions[key] for key in keys]


# --- dated facts: "as of Feb 2024", marked when old ------------------------------

AS_OF = N_("as of %(date)s")
AS_OF_OLD = N_("as of %(date)s, more than %(months)s months before this note")
#: For a fact whose date the note prints already (a view's date).
OLD = N_("more than %(months)s months before this note")
FACTS_TERM = N_("Dated facts")
FACTS_RULE = N_(
    "A company's rationale, a broker view or a risk carries the date its facts were true "
    '("as of"); a fact more than %(months)s months older than the note\'s session is marked '
    "as old: check it before relying on it."
)


#: Said once under a section whose every item carries the same date.
STOCK_FACTS_ALL = N_("Company facts %(when)s.")
RISKS_ALL = N_("Risks assessed %(when)s.")
VIEWS_ALL_OLD = N_("The views below are all more than %(months)s months older than this note.")


def shared_fact_date(dates: list[FactDate | None]) -> FactDate | None:
    """The date every item of a section carries (two items or more), else None: said
    once under the heading rather than after each item."""
    if len(dates) < 2 or any(d is None for d in dates):
        return None
    first = dates[0]
    return first if all(d == first for d in dates) else None


def section_fact_date(
    inp: NoteInput, dates: list[FactDate | None], sentence: str
) -> FactDate | None:
    """The line under a section heading (``sentence``, a msgid with ``%(when)s``) when
    :func:`shared_fact_date` finds one."""
    common = shared_fact_date(dates)
    if common is None:
        return None
    return FactDate(text=inp._(sentence) % {"when": common.text}, old=common.old)


def fact_date(
    inp: NoteInput, appendix: Appendix, as_of: str | None, *, shown: bool = False
) -> FactDate | None:
    """The fact's date worded for this note, or None when the book gives none.

    ``shown``: the note prints this date next to the fact already (a view's own date),
    so only an old fact gets words ("more than 12 months before this note").
    """
    if not as_of:
        return None
    months = inp.raw_theme.stale_months
    old = is_old(as_of, inp.snapshot.as_of, months)
    values = {"date": inp.fmt.partial_date(as_of), "months": inp.fmt.number(months, 0)}
    if "facts" not in appendix.definitions:
        appendix.define(
            "facts", Definition(inp._(FACTS_TERM), inp._(FACTS_RULE) % {"months": values["months"]})
        )
    if shown:
        return FactDate(text=inp._(OLD) % values, old=True) if old else None
    return FactDate(text=inp._(AS_OF_OLD if old else AS_OF) % values, old=old)


# --- the lead (analytics/lead.py) ---------------------------------------------------

LEAD_TERM = N_("What moved")
LEAD_RULE = N_(
    "The first paragraph gives the session's facts in order of weight: constituents at a "
    "new 52-week high or low, the day's largest move against the stock's usual daily move, "
    "the basket against the %(bench)s on the day and over five sessions, breadth, news "
    "since the last note, and results or ex-dividend dates in the next %(days)s days. A "
    "quiet session is said in one sentence: no new 52-week high or low, no news since the "
    "last note, no such date ahead, and every constituent moved less than its usual daily "
    "move."
)
USUAL_MOVE_TERM = N_("Usual daily move")
USUAL_MOVE_RULE = N_(
    "A stock's 1-year volatility divided by √252, that is the standard deviation of its "
    "last 252 daily returns; “N times its usual daily move” is the day's return, in "
    "absolute value, divided by it."
)
EXTREME_TERM = N_("New 52-week high (low) on the session")
EXTREME_RULE = N_(
    "The close on the as-of session was at or above (at or below) every close of the 365 "
    "days to that session, the rule of the “since the last note” box; a session is judged "
    "only with a full year of closes before it."
)


def define_lead(inp: NoteInput, appendix: Appendix, lead: Lead, days: int) -> None:
    """The lead's rules: its order of facts, and the rules of the facts it quoted."""
    _, fmt = inp._, inp.fmt
    values = {"bench": inp.bench_short, "days": fmt.number(days, 0)}
    appendix.define("lead:0", Definition(_(LEAD_TERM), _(LEAD_RULE) % values))
    if lead.extremes:
        appendix.define("lead:1", Definition(_(EXTREME_TERM), _(EXTREME_RULE)))
    quoted = lead.largest is not None and lead.largest.multiple is not None
    if quoted or lead.quiet:
        appendix.define("lead:2", Definition(_(USUAL_MOVE_TERM), _(USUAL_MOVE_RULE)))
