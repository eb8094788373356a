"""Southbound (港股通) holdings as plain data: what sources answer, the cache keeps and
analytics reads (issue 18).

Below the rest of the price layer (it imports only the reasons module), like
:mod:`concepttrack.prices.records`, so analytics reads these types without importing a
loader. :mod:`concepttrack.prices.southbound` fetches them through the cache.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from concepttrack.reasons import Reason

__all__ = ["SouthboundAnswer", "SouthboundCheck", "SouthboundRecord", "SouthboundSet"]


@dataclass(frozen=True)
class SouthboundRecord:
    """Stock Connect (Southbound) holding of one HK stock at the close of one date."""

    symbol: str
    date: dt.date
    #: Shares held through Stock Connect (Southbound), None when the source does not say.
    shares_held: float | None = None
    #: Those shares as a fraction of the issued H shares (0.72 = 72 %); None when unknown.
    pct_of_h_shares: float | None = None
    #: Issued H shares (the denominator), when the source gives it.
    issued_h_shares: float | None = None
    #: Eligible for Southbound trading on that date; None when the row does not say.
    eligible: bool | None = None


@dataclass
class SouthboundAnswer:
    """A source's answer for one symbol: its holding history, or why there is none."""

    records: list[SouthboundRecord] = field(default_factory=list)
    #: Eligibility the source states for today (AkShare's constituents list); None when
    #: it does not say.
    eligible: bool | None = None
    #: Why the fetch failed; None when the source answered (perhaps with no records).
    problem: str | None = None


@dataclass
class SouthboundSet:
    """Southbound holdings of a run's HK stocks from one source, as the note reads them."""

    #: The source id the figures come from (``akshare``, ``csv:/srv/hk-prices``).
    source: str
    #: The vendor: an id the note names (``eastmoney-akshare``) or the file's name.
    vendor: str = ""
    #: The file the figures are read from (``southbound.csv``); None for a live source.
    file: str | None = None
    records: dict[str, list[SouthboundRecord]] = field(default_factory=dict)
    #: Eligibility per symbol stated by the source at fetch time (not per record).
    eligible: dict[str, bool] = field(default_factory=dict)
    #: Why a symbol has no figures (a fetch problem, no row).
    problems: dict[str, Reason] = field(default_factory=dict)


@dataclass(frozen=True)
class SouthboundCheck:
    """The cache's note of the last time a source was asked about one symbol."""

    symbol: str
    checked_at: dt.datetime
    #: The last answer without a problem; None when every ask failed.
    succeeded_at: dt.datetime | None
    problem: str | None
    revision: str | None
    eligible: bool | None
