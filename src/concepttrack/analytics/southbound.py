"""Southbound (港股通) holdings per HK stock as of a note's session (issue 18). No I/O.

Definitions (the note's methodology says the same, ``render/sections/southbound.py``):

* **Holding**: the source's record on the note's session, else its last record before
  it. It is **stale** (marked) when more than :data:`STALE_AFTER` sessions of the
  exchange calendar lie after the record's date up to the note's session.
* **% of H shares**: Southbound's shares as a fraction of the issued H shares, as the
  source gives it; where the source gives neither the percentage nor the issued H shares
  alongside the shares it is unknown. Where it gives both, the percentage is checked
  against ``shares_held / issued_h_shares`` (a difference above :data:`CHECK_TOLERANCE`
  is flagged, never corrected); where it gives only shares and issued H shares, the
  percentage is that quotient.
* **Change over n sessions** (n = 5, 20): the holding's percentage minus the percentage
  on the session n sessions of the exchange calendar before the holding's date (the
  source's record of that session, else its last record before it; the date used is
  published), in percentage points, and the same difference in shares. Unknown (None)
  when the history does not reach back that far.
* **Eligible**: the record's own flag (``southbound.csv``), else the source's list of
  eligible stocks at fetch time (AkShare: today's list), else unknown.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from concepttrack.prices.southbound_records import SouthboundRecord, SouthboundSet
from concepttrack.reasons import Reason, reason
from concepttrack.symbols import is_hk

__all__ = [
    "CHECK_TOLERANCE",
    "STALE_AFTER",
    "WINDOWS",
    "SouthboundFigures",
    "SouthboundHolding",
    "build_southbound",
    "holding_figures",
]

#: A holding older than this many sessions of the calendar is marked stale.
STALE_AFTER = 5
#: The change windows, in sessions.
WINDOWS = (5, 20)
#: Largest difference between the source's percentage and shares / issued H shares
#: before the figure is flagged (a fraction: 0.001 = 0.1 pp).
CHECK_TOLERANCE = 0.001


@dataclass(frozen=True)
class SouthboundHolding:
    """One stock's Southbound figures; a None figure is unknown (``missing`` says why
    when there is no holding at all)."""

    symbol: str
    #: The date of the holding shown (None: no holding on or before the session).
    date: dt.date | None = None
    #: Sessions of the calendar after ``date`` up to the note's session (0: that session).
    lag_sessions: int | None = None
    stale: bool = False
    shares_held: float | None = None
    #: A fraction of the issued H shares (0.72 = 72 %).
    pct_of_h_shares: float | None = None
    issued_h_shares: float | None = None
    eligible: bool | None = None
    #: Percentage change in percentage points as a fraction (0.005 = +0.5 pp).
    change_5_pp: float | None = None
    change_20_pp: float | None = None
    change_5_shares: float | None = None
    change_20_shares: float | None = None
    #: The dates the changes are measured from.
    base_date_5: dt.date | None = None
    base_date_20: dt.date | None = None
    #: ``shares_held / issued_h_shares`` when both are given (the cross-check).
    pct_recomputed: float | None = None
    #: True when the source's percentage and ``pct_recomputed`` differ by more than
    #: :data:`CHECK_TOLERANCE`.
    pct_check_failed: bool = False
    missing: Reason | None = None


@dataclass(frozen=True)
class SouthboundFigures:
    """The Southbound table of a note: the source and each HK stock's holding."""

    #: The source id (``akshare``, ``csv:/srv/hk-prices``).
    source: str
    #: The vendor: an id the note names (``eastmoney-akshare``) or the file's name.
    vendor: str
    #: The file the figures come from (``southbound.csv``); None for a live source.
    file: str | None = None
    #: Per HK stock of the theme, keyed by symbol, in the theme's order.
    stocks: dict[str, SouthboundHolding] = field(default_factory=dict)


def _pct(record: SouthboundRecord) -> float | None:
    if record.pct_of_h_shares is not None:
        return record.pct_of_h_shares
    if record.shares_held is not None and record.issued_h_shares:
        return record.shares_held / record.issued_h_shares
    return None


def _position(days: Sequence[dt.date], day: dt.date) -> int:
    """Index of the last session on or before ``day`` (-1 when none)."""
    return bisect.bisect_right(days, day) - 1


def holding_figures(
    symbol: str,
    records: Sequence[SouthboundRecord],
    sessions: Sequence[dt.date],
    as_of: dt.date,
    *,
    eligible: bool | None = None,
    problem: Reason | None = None,
) -> SouthboundHolding:
    """One stock's figures from its records (any order) and the calendar's sessions."""
    days = sorted(d for d in sessions if d <= as_of)
    usable = sorted((r for r in records if r.date <= as_of), key=lambda r: r.date)
    if not usable:
        return SouthboundHolding(
            symbol=symbol,
            eligible=eligible,
            missing=problem or reason("southbound_none_by", date=as_of),
        )
    now = usable[-1]
    dates = [r.date for r in usable]
    at = _position(days, now.date)
    lag = len(days) - 1 - at if at >= 0 else None
    pct = _pct(now)
    changes: dict[str, float | dt.date | None] = {}
    for n in WINDOWS:
        pp = shares = base_day = None
        if at - n >= 0:
            base_session = days[at - n]
            index = bisect.bisect_right(dates, base_session) - 1
            if index >= 0:
                base = usable[index]
                base_day = base.date
                base_pct = _pct(base)
                if pct is not None and base_pct is not None:
                    pp = pct - base_pct
                if now.shares_held is not None and base.shares_held is not None:
                    shares = now.shares_held - base.shares_held
        changes[f"change_{n}_pp"] = pp
        changes[f"change_{n}_shares"] = shares
        changes[f"base_date_{n}"] = base_day
    recomputed = (
        now.shares_held / now.issued_h_shares
        if now.shares_held is not None and now.issued_h_shares
        else None
    )
    failed = (
        recomputed is not None
        and now.pct_of_h_shares is not None
        and abs(now.pct_of_h_shares - recomputed) > CHECK_TOLERANCE
    )
    return SouthboundHolding(
        symbol=symbol,
        date=now.date,
        lag_sessions=lag,
        stale=lag is not None and lag > STALE_AFTER,
        shares_held=now.shares_held,
        pct_of_h_shares=pct,
        issued_h_shares=now.issued_h_shares,
        eligible=now.eligible if now.eligible is not None else eligible,
        change_5_pp=_float(changes["change_5_pp"]),
        change_20_pp=_float(changes["change_20_pp"]),
        change_5_shares=_float(changes["change_5_shares"]),
        change_20_shares=_float(changes["change_20_shares"]),
        base_date_5=_date(changes["base_date_5"]),
        base_date_20=_date(changes["base_date_20"]),
        pct_recomputed=recomputed,
        pct_check_failed=failed,
    )


def _float(value: float | dt.date | None) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _date(value: float | dt.date | None) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def build_southbound(
    symbols: Sequence[str],
    found: SouthboundSet | None,
    sessions: Sequence[dt.date],
    as_of: dt.date,
) -> SouthboundFigures | None:
    """The figures of the HK stocks among ``symbols``; None when the run has no
    Southbound source or the theme has no HK stock."""
    if found is None:
        return None
    stocks = {
        symbol: holding_figures(
            symbol,
            found.records.get(symbol, []),
            sessions,
            as_of,
            eligible=found.eligible.get(symbol),
            problem=found.problems.get(symbol),
        )
        for symbol in dict.fromkeys(symbols)
        if is_hk(symbol)
    }
    if not stocks:
        return None
    return SouthboundFigures(
        source=found.source, vendor=found.vendor, file=found.file, stocks=stocks
    )
