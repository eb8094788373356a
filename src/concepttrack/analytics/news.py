"""The theme's news log and the age of its dated facts, as of a note's session.

Pure functions of the themes book and a date, shared by the note ("What changed", the
"as of" marks, the lead), the board and ``themes check --stale``:

* an update is *known* to a note when its date is on or before the note's session (a
  note of 2024-06-28 never quotes news of 2024-07), and *new* when it is dated after the
  session of the theme's previous note;
* a fact (a stock's rationale, a view, a risk) is *old* when the first day its ``as_of``
  names lies more than the theme's ``stale_after_months`` months before the session
  (``2024-02`` is old from 1 Feb 2025 on with the default 12 months). A view without
  ``as_of`` speaks for its own ``date``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from concepttrack.themes import Theme, Update, partial_date_start

__all__ = [
    "DatedFact",
    "KnownUpdate",
    "add_months",
    "dated_facts",
    "is_old",
    "known_updates",
]


@dataclass(frozen=True)
class KnownUpdate:
    """One update a note shows: its place in the book, the entry, and whether it is new."""

    index: int
    update: Update
    #: Dated after the theme's previous note (False when there is no previous note).
    new: bool


def known_updates(
    theme: Theme, session: dt.date, previous: dt.date | None = None
) -> list[KnownUpdate]:
    """The updates dated on or before ``session``, newest first (book order on a tie)."""
    known = [
        KnownUpdate(index, update, previous is not None and update.date > previous)
        for index, update in enumerate(theme.updates)
        if update.date <= session
    ]
    return sorted(known, key=lambda item: (-item.update.date.toordinal(), item.index))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months later (the 31st clamps to the month's end)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_old(as_of: str, session: dt.date, months: int) -> bool:
    """True when the fact dated ``as_of`` (``2024-02`` or ``2024-02-19``) is more than
    ``months`` months older than ``session``."""
    return add_months(partial_date_start(as_of), months) < session


@dataclass(frozen=True)
class DatedFact:
    """A fact of the book that carries a date: where it is and what date it speaks for."""

    #: Key path in the theme (``("stocks", 0, "as_of")``), for file:line messages.
    path: tuple[str | int, ...]
    #: What the fact is, for a person (``stock 0763.HK``, ``view Huatai Securities``).
    what: str
    as_of: str


def dated_facts(theme: Theme) -> list[DatedFact]:
    """Every dated fact of the theme, in book order: stocks, views, risks."""
    facts: list[DatedFact] = []
    for index, stock in enumerate(theme.stocks):
        if stock.as_of:
            facts.append(
                DatedFact(("stocks", index, "as_of"), f"stock {stock.symbol}", stock.as_of)
            )
    for index, view in enumerate(theme.views):
        key = "as_of" if view.as_of else "date"
        facts.append(DatedFact(("views", index, key), f"view {view.source}", view.fact_date))
    for index, risk in enumerate(theme.risks):
        if risk.as_of:
            facts.append(DatedFact(("risks", index, "as_of"), f"risk {risk.title}", risk.as_of))
    return facts
