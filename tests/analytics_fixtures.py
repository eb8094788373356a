"""Small builders for analytics tests: price series, bar frames, PriceFrames, Themes, sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from concepttrack.prices.frame import COLUMNS, PriceFrame, SymbolHistory, SymbolMeta
from concepttrack.themes import Theme

D = dt.date


def day(text: str) -> dt.date:
    """``'2024-03-31'`` -> ``date(2024, 3, 31)``."""
    return dt.date.fromisoformat(text)


def index_of(dates: Iterable[dt.date | str]) -> pd.DatetimeIndex:
    """A contract session index (tz-naive midnight, named ``session``)."""
    return pd.DatetimeIndex([pd.Timestamp(d) for d in dates], name="session")


def series(dates: Iterable[dt.date | str], values: Sequence[float]) -> pd.Series:
    """A float series on a session index."""
    return pd.Series(list(values), index=index_of(dates), dtype="float64")


def sessions(start: str, end: str, holidays: Iterable[str] = ()) -> pd.DatetimeIndex:
    """Weekdays from ``start`` to ``end`` minus ``holidays``: a stand-in exchange calendar."""
    days = pd.bdate_range(start, end)
    drop = pd.DatetimeIndex([pd.Timestamp(h) for h in holidays])
    return pd.DatetimeIndex(days.difference(drop), name="session")


def bars(
    dates: Iterable[dt.date | str] | pd.DatetimeIndex,
    close: Sequence[float],
    *,
    adj_close: Sequence[float] | None = None,
    volume: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Bars in the price-frame contract; adj_close defaults to close, volume to 1000."""
    index = dates if isinstance(dates, pd.DatetimeIndex) else index_of(dates)
    index = pd.DatetimeIndex(index, name="session")
    n = len(index)
    closes = np.asarray(close, dtype="float64")
    data = {
        "open": closes,
        "high": closes,
        "low": closes,
        "close": closes,
        "adj_close": np.asarray(adj_close if adj_close is not None else closes, dtype="float64"),
        "volume": np.asarray(volume if volume is not None else [1000.0] * n, dtype="float64"),
        "dividends": np.zeros(n),
        "splits": np.zeros(n),
    }
    return pd.DataFrame({c: data[c] for c in COLUMNS}, index=index)


def history(
    symbol: str,
    frame: pd.DataFrame,
    *,
    problem: str | None = None,
    currency: str | None = "HKD",
    adj_close_is_close: bool = False,
) -> SymbolHistory:
    """A SymbolHistory from test bars."""
    meta = SymbolMeta(
        symbol=symbol,
        source="test",
        currency=currency,
        timezone="Asia/Hong_Kong",
        adj_close_is_close=adj_close_is_close,
    )
    return SymbolHistory(symbol, frame, meta, problem)


def price_frame(histories: Mapping[str, pd.DataFrame | SymbolHistory]) -> PriceFrame:
    """A PriceFrame with source ``test`` from bars (or ready histories) by symbol."""
    built = {
        symbol: value if isinstance(value, SymbolHistory) else history(symbol, value)
        for symbol, value in histories.items()
    }
    return PriceFrame("test", built)


def theme(
    codes: Sequence[str],
    event_date: dt.date,
    *,
    weights: Sequence[float | None] | None = None,
    benchmark: str = "^HSI",
    theme_id: str = "test-theme",
) -> Theme:
    """A minimal valid Theme with these stock codes, event date and optional weights."""
    stocks = []
    for i, code in enumerate(codes):
        stock: dict[str, object] = {
            "code": code,
            "name": f"Stock {code}",
            "name_zh": f"股票{code}",
            "rationale": "Linked to the theme.",
        }
        if weights is not None and weights[i] is not None:
            stock["weight"] = weights[i]
        stocks.append(stock)
    return Theme.model_validate(
        {
            "id": theme_id,
            "title": "Test theme",
            "thesis": "Something will happen.",
            "event": {"date": event_date, "title": "The news"},
            "stocks": stocks,
            "benchmark": benchmark,
        }
    )


def random_walk(
    index: pd.DatetimeIndex, seed: int, *, start: float = 50.0, vol: float = 0.02
) -> np.ndarray:
    """A deterministic geometric random walk of len(index) positive prices."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0003, vol, len(index))
    return np.asarray(start * np.exp(np.cumsum(steps)), dtype="float64")


def random_bars(index: pd.DatetimeIndex, seed: int, *, start: float = 50.0) -> pd.DataFrame:
    """Random-walk bars on ``index`` with adj_close a little below close and random volume."""
    close = random_walk(index, seed, start=start)
    rng = np.random.default_rng(seed + 10_000)
    adj = close * 0.97
    volume = rng.integers(100_000, 5_000_000, len(index)).astype("float64")
    return bars(index, close.tolist(), adj_close=adj.tolist(), volume=volume.tolist())
