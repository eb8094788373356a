"""The price-frame contract every source, the cache and analytics agree on.

A symbol's history is a pandas DataFrame indexed by **session date** (exchange-local,
tz-naive midnight ``DatetimeIndex`` named ``session``, sorted, unique) with exactly
the float64 columns of :data:`COLUMNS`:

``open high low close``  prices as traded (the price a note displays); Yahoo's and
                         its exports' are split-adjusted (``SymbolMeta.split_adjusted``)
``adj_close``            dividend- and split-adjusted close (what returns use):
                         derived from close, dividends and splits by
                         :func:`concepttrack.prices.adjust.adjusted_close` for a series
                         marked ``SymbolMeta.adjusted_from_actions``, else the source's own
``volume``               shares traded
``dividends``            cash dividend going ex on that session, 0.0 when none or unknown
``splits``               split ratio on that session (2.0 = 2-for-1), 0.0 when none

The cache stores a derived series' traded closes and actions only and derives
``adj_close`` on every read (:mod:`concepttrack.prices.adjust`), so a source may leave
that column NaN or fill it with its own figure: for a derived series it is not kept.

Rows with no close are dropped at the source boundary; a session a symbol did not
trade (holiday, suspension) simply has no row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from concepttrack.reasons import Reason, reason, said

if TYPE_CHECKING:
    from concepttrack.prices.records import FundamentalsSet

COLUMNS: tuple[str, ...] = (
    "open",
    "high",
    "low",
    "close",
    "adj_close",
    "volume",
    "dividends",
    "splits",
)


def empty_bars() -> pd.DataFrame:
    """A frame with the contract's columns and no rows."""
    index = pd.DatetimeIndex([], name="session")
    return pd.DataFrame({c: pd.Series([], dtype="float64") for c in COLUMNS}, index=index)


def conform_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce a source's frame to the contract: columns, float64, sorted unique sessions.

    Missing action columns become 0.0, other missing columns NaN; rows without a
    close are dropped; on a duplicated session the last row wins.
    """
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    sessions = pd.DatetimeIndex(index.normalize(), dtype="datetime64[ns]", name="session")
    out = pd.DataFrame(index=sessions)
    for column in COLUMNS:
        if column in frame.columns:
            out[column] = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64")
        else:
            out[column] = 0.0 if column in ("dividends", "splits") else float("nan")
    out[["dividends", "splits"]] = out[["dividends", "splits"]].fillna(0.0)
    out = out[out["close"].notna()]
    out = out[~out.index.duplicated(keep="last")].sort_index()
    return out


@dataclass(frozen=True)
class SymbolMeta:
    """What is known about where a symbol's prices came from."""

    symbol: str
    source: str
    currency: str | None
    timezone: str
    demo: bool = False
    #: True when the source had one close only, served as both close and adj_close.
    adj_close_is_close: bool = False
    #: True when the source's only close is already dividend-adjusted (a
    #: ``yf.download(auto_adjust=True)`` export): the traded close is unknown, so the
    #: price a note shows is the adjusted close and must be labelled as such.
    close_is_adjusted: bool = False
    #: True when adj_close is derived from close, dividends and splits
    #: (:mod:`concepttrack.prices.adjust`): the cache keeps the traded closes and the
    #: actions only. False: the source's adjusted close is kept as given (a CSV file
    #: with ``Adj Close`` but no action columns), or there is one close only.
    adjusted_from_actions: bool = False
    #: True when the closes already reflect later splits (Yahoo's ``Close`` and its
    #: exports); False when they are the prices as printed that day (AkShare's
    #: unadjusted history), so the derivation applies the splits too.
    split_adjusted: bool = True
    #: Free text for the methodology appendix, e.g. the CSV file a series was read from.
    detail: str | None = None


@dataclass
class SymbolHistory:
    """One symbol's bars plus the price layer's word on any problem getting them."""

    symbol: str
    bars: pd.DataFrame
    meta: SymbolMeta | None
    #: Why data is missing or may be incomplete ("fetch failed: rate limited",
    #: "no data from source", "not found"); None when the source answered normally.
    problem: str | None = None
    #: True when the source could not answer for this symbol (network, rate limit,
    #: unknown symbol); ``problem`` says why and ``bars`` may still hold cached rows.
    failed: bool = False
    #: ``problem`` as data (``concepttrack.reasons``), when the price layer knows it;
    #: ``problem`` stays the console's words.
    cause: Reason | None = None

    @property
    def reason(self) -> Reason | None:
        """Why, for the note: :attr:`cause`, else the source's own words quoted."""
        if self.cause is not None:
            return self.cause
        return said(self.problem) if self.problem else None

    @property
    def last_session(self) -> dt.date | None:
        if self.bars.empty:
            return None
        return pd.Timestamp(self.bars.index[-1]).date()


@dataclass
class PriceFrame:
    """Histories for a set of symbols from one source, as one run sees them."""

    source: str
    histories: dict[str, SymbolHistory] = field(default_factory=dict)
    #: How many batched requests to the source this load made (0 on a warm cache).
    fetch_rounds: int = 0
    #: Fundamentals of the stocks (None when not loaded; see ``prices/fundamentals.py``).
    fundamentals: FundamentalsSet | None = None
    #: True when the source is synthetic (its registry entry's ``demo`` flag).
    synthetic: bool = False

    def get(self, symbol: str) -> SymbolHistory:
        """The symbol's history; a symbol never asked for is an empty, 'not requested' one."""
        found = self.histories.get(symbol)
        if found is None:
            why = reason("not_requested")
            return SymbolHistory(symbol, empty_bars(), None, str(why), cause=why)
        return found

    @property
    def demo(self) -> bool:
        """True when any series is synthetic demo data."""
        return self.synthetic or any(
            h.meta is not None and h.meta.demo for h in self.histories.values()
        )
