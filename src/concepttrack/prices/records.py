"""Fundamentals as plain data: what sources answer, the cache keeps and analytics reads.

Below every other module of the price layer (it imports only the reasons module), so
the sources, the frame, the cache and analytics share these types without a cycle.
:mod:`concepttrack.prices.fundamentals` loads them through the cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from concepttrack.reasons import Reason

__all__ = [
    "CONSENSUS_FIELDS",
    "FIELDS",
    "Fundamentals",
    "FundamentalsAnswer",
    "FundamentalsCheck",
    "FundamentalsSet",
    "FundamentalsSource",
]

#: The numeric figures of a record, in the order of ``fundamentals.csv``.
FIELDS: tuple[str, ...] = (
    "market_cap",
    "shares_outstanding",
    "trailing_pe",
    "price_to_book",
    "dividend_yield",
)

#: The analysts' consensus and the dates ahead of a record (issue 18), in the order of
#: ``fundamentals.csv``'s optional columns. Target prices are in the record's
#: ``currency``; ``rating_mean`` is Yahoo's 1 (strong buy) to 5 (sell) scale.
CONSENSUS_FIELDS: tuple[str, ...] = (
    "target_mean",
    "target_high",
    "target_low",
    "analysts",
    "rating_mean",
    "next_results",
    "next_ex_dividend",
    "ex_dividend_amount",
)


@dataclass(frozen=True)
class Fundamentals:
    """One source's figures for one symbol on one date; None where unknown."""

    symbol: str
    #: The date the figures describe (for Yahoo: the last closed session at fetch time).
    date: dt.date
    market_cap: float | None = None
    shares_outstanding: float | None = None
    trailing_pe: float | None = None
    price_to_book: float | None = None
    #: A fraction (0.045 = 4.5 %), whatever the source's convention.
    dividend_yield: float | None = None
    #: Currency of ``market_cap`` (``HKD``), None when the source does not say.
    currency: str | None = None
    #: Analysts' consensus target price (mean, high, low), in ``currency``.
    target_mean: float | None = None
    target_high: float | None = None
    target_low: float | None = None
    #: How many analysts the consensus counts.
    analysts: int | None = None
    #: Mean rating, 1 (strong buy) to 5 (sell), and its key (``buy``, ``hold`` ...).
    rating_mean: float | None = None
    rating_key: str | None = None
    #: The next results (earnings) date the source announced, exchange-local.
    next_results: dt.date | None = None
    #: The next (or latest announced) ex-dividend date, and the dividend per share in
    #: ``currency`` when the source gives it for that date.
    next_ex_dividend: dt.date | None = None
    ex_dividend_amount: float | None = None

    def has_consensus(self) -> bool:
        """True when the record holds any consensus figure or date."""
        return any(getattr(self, name) is not None for name in CONSENSUS_FIELDS)


@dataclass
class FundamentalsAnswer:
    """A source's answer for one symbol: records, or why there are none."""

    records: list[Fundamentals] = field(default_factory=list)
    #: Why the fetch failed ("rate limited (429)"); None when the source answered.
    problem: str | None = None
    #: True when ``records`` are the symbol's whole history (a file): older cached
    #: records are dropped; otherwise they are kept and records of the same date replaced.
    replace_all: bool = False


@runtime_checkable
class FundamentalsSource(Protocol):
    """A price source that can also give fundamentals."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def fetch_fundamentals(
        self, symbols: Sequence[str], as_of: dt.date
    ) -> dict[str, FundamentalsAnswer]:
        """Records for each symbol (several dates allowed); per-symbol problems, never raises
        for one symbol."""
        ...

    def fundamentals_revision(self) -> str | None:
        """A cheap version token of the whole fundamentals input (a file stamp), or None."""
        ...


@dataclass(frozen=True)
class FundamentalsCheck:
    """When a symbol's fundamentals were last asked for, and what went wrong."""

    symbol: str
    checked_at: dt.datetime
    #: The last successful answer; None when the source never answered.
    succeeded_at: dt.datetime | None
    problem: str | None
    revision: str | None


@dataclass
class FundamentalsSet:
    """Every record of a run's symbols, plus why some are missing or old."""

    source: str
    records: dict[str, list[Fundamentals]] = field(default_factory=dict)
    #: Symbol -> why its figures are missing or not refreshed this run.
    problems: dict[str, Reason] = field(default_factory=dict)
    #: Symbol -> when its figures were last fetched successfully (None: never).
    fetched_at: dict[str, dt.datetime | None] = field(default_factory=dict)
    #: Symbols the source was asked about in this run (its fundamentals requests).
    requests: int = 0
    #: False when the source offers no fundamentals at all (a CSV folder without
    #: ``fundamentals.csv``): the note then leaves the valuation columns out.
    available: bool = True
    #: Why fundamentals are unavailable, for the appendix.
    unavailable_reason: Reason | None = None
    demo: bool = False
    #: Days fetched figures stay good (``--fundamentals-max-age``): a consensus dated
    #: more than this before the note's session is marked stale.
    max_age_days: int = 7

    def on_or_before(self, symbol: str, day: dt.date) -> Fundamentals | None:
        """The latest record of ``symbol`` dated on or before ``day``."""
        found = [r for r in self.records.get(symbol, []) if r.date <= day]
        return max(found, key=lambda r: r.date) if found else None

    def earliest_after(self, symbol: str, day: dt.date) -> Fundamentals | None:
        """The earliest record of ``symbol`` dated after ``day``."""
        found = [r for r in self.records.get(symbol, []) if r.date > day]
        return min(found, key=lambda r: r.date) if found else None
