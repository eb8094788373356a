"""The analysts' consensus and the dates ahead of a stock, as plain data (issue 18).

Computed by :mod:`concepttrack.analytics.consensus` (see its docstring for each
definition) and carried per stock by
:attr:`~concepttrack.analytics.model.StockFigures.consensus` and
:attr:`~concepttrack.analytics.model.StockFigures.dates_ahead`. Kept apart from the
computation so that the snapshot model does not import it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from concepttrack.reasons import Reason

__all__ = ["Consensus", "DateAhead", "DateKind"]

DateKind = Literal["results", "ex_dividend"]


@dataclass(frozen=True)
class Consensus:
    """One stock's consensus as of the note, from the fundamentals record it uses."""

    #: The source id the figures came from (``yahoo``, ``csv:/srv/hk-prices``).
    source: str
    #: The date the figures describe (the fundamentals record's date); None without one.
    date: dt.date | None = None
    #: Currency of the target prices and the dividend amount (the record's currency).
    currency: str | None = None
    target_mean: float | None = None
    target_high: float | None = None
    target_low: float | None = None
    analysts: int | None = None
    #: ``target_mean / last_close - 1`` (a fraction), same currency only; else None.
    implied_upside: float | None = None
    #: Why ``implied_upside`` is None although a target exists (another currency ...).
    upside_reason: Reason | None = None
    #: Mean rating, 1 (strong buy) to 5 (sell), and its key (``strong_buy``, ``buy``,
    #: ``hold``, ``underperform``, ``sell``): the source's, else read from the mean.
    rating_mean: float | None = None
    rating_key: str | None = None
    next_results: dt.date | None = None
    next_ex_dividend: dt.date | None = None
    ex_dividend_amount: float | None = None
    #: True when the figures describe a date more than the fundamentals' maximum age
    #: (``--fundamentals-max-age`` days) before the note's session.
    stale: bool = False
    #: The fundamentals' maximum age the note was made with (days).
    max_age_days: int = 7
    #: Why there is no consensus (no record, none from the source) or why the figures
    #: were not refreshed; None when all is well.
    problem: Reason | None = None


@dataclass(frozen=True)
class DateAhead:
    """A results or ex-dividend date after the note's session, within the horizon."""

    symbol: str
    kind: DateKind
    date: dt.date
    #: Calendar days after the note's session (1 = the next day).
    days: int
    #: The dividend per share (ex-dividend dates only; None when not announced).
    amount: float | None = None
    currency: str | None = None
