"""Small in-memory price sources and frames for cache and CLI tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from concepttrack import calendar
from concepttrack.prices.frame import COLUMNS, SymbolHistory, SymbolMeta, empty_bars


def hk_sessions(start: dt.date, end: dt.date) -> list[dt.date]:
    """HKEX sessions in ``[start, end]``."""
    return [ts.date() for ts in calendar.sessions("XHKG", start, end)]


def make_bars(
    days: Sequence[dt.date],
    *,
    start_price: float = 50.0,
    dividends: dict[dt.date, float] | None = None,
) -> pd.DataFrame:
    """Contract bars: close rising by 0.5 a session, adj_close adjusted Yahoo-style."""
    closes = [start_price + 0.5 * i for i in range(len(days))]
    cash = [(dividends or {}).get(day, 0.0) for day in days]
    factor = [1.0] * len(days)
    for i in range(len(days) - 1, 0, -1):
        factor[i - 1] = factor[i] * (1 - cash[i] / closes[i - 1] if cash[i] else 1.0)
    frame = pd.DataFrame(
        {
            "open": [c - 0.2 for c in closes],
            "high": [c + 0.4 for c in closes],
            "low": [c - 0.6 for c in closes],
            "close": closes,
            "adj_close": [c * f for c, f in zip(closes, factor, strict=True)],
            "volume": [1_000_000.0 + i for i in range(len(days))],
            "dividends": cash,
            "splits": [0.0] * len(days),
        },
        index=pd.DatetimeIndex(
            [pd.Timestamp(d) for d in days], dtype="datetime64[ns]", name="session"
        ),
    )
    return frame[list(COLUMNS)].astype("float64")


@dataclass
class RecordingSource:
    """A PriceSource serving fixed frames and recording every fetch call."""

    name: str
    frames: dict[str, pd.DataFrame]
    failures: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[tuple[str, ...], dt.date, dt.date]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name

    def revision(self, symbol: str) -> str | None:
        return None

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        self.calls.append((tuple(symbols), start, end))
        out = {}
        for symbol in symbols:
            meta = SymbolMeta(symbol, self.name, "HKD", "Asia/Hong_Kong")
            if symbol in self.failures:
                out[symbol] = SymbolHistory(
                    symbol, empty_bars(), meta, self.failures[symbol], failed=True
                )
                continue
            frame = self.frames.get(symbol, empty_bars())
            out[symbol] = SymbolHistory(
                symbol, frame.loc[pd.Timestamp(start) : pd.Timestamp(end)].copy(), meta
            )
        return out
