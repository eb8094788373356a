"""Deterministic synthetic daily bars, so the whole program runs with no network.

Every series is labelled demo (``SymbolMeta.demo``, source ``demo``) and the note
shows a watermark. The numbers are shaped like the real thing without pretending
to be it:

* sessions come from the symbol's real exchange calendar (HKEX holidays included);
  past the calendar's horizon (the last date exchange-calendars knows) every weekday
  is a demo session: synthetic data knows no future holidays;
* levels depend on the kind of symbol (HK stocks a few to ~150 HKD, ``^HSI`` around
  20,000), daily moves follow a one-factor model (an exchange-wide market factor
  with a per-symbol beta plus noise) at 18-22 % a year for indices and 25-55 %
  for stocks, mean-reverting slowly so levels stay plausible over decades;
* most stocks pay one dividend a year, so ``adj_close`` differs from ``close``
  before ex-dates just as Yahoo's does.

Randomness is seeded by symbol (and exchange, for the market factor) **and by
calendar year**, so a session's bar never depends on the window asked for: a
tail fetch agrees with the cached bars on the overlap, as a real source would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from concepttrack import calendar
from concepttrack.errors import UsageError
from concepttrack.symbols import HK_INDICES, HKEX, NYSE, market_of

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from concepttrack.prices.frame import SymbolHistory

#: First session demo data exists for.
DEMO_EPOCH = dt.date(2000, 1, 3)
#: Noise drawn per calendar year; more than any exchange's sessions in a year.
_PER_YEAR = 400
#: Daily mean reversion of log price: a shock's half-life is about two years.
_PHI = 0.5 ** (1 / 500)
_TRADING_DAYS = 252.0
_INDEX_LEVELS = {"^HSI": 20_000.0, "^HSCE": 7_000.0, "^HSTECH": 4_500.0, "^HSCC": 4_000.0}
DEMO_DETAIL = "synthetic demo prices seeded by symbol, not market data"


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _yearly_noise(seed: int, streams: int, years: np.ndarray) -> np.ndarray:
    """Standard normals, ``streams`` rows by session, drawn in per-year blocks."""
    import numpy as np

    out = np.empty((streams, len(years)))
    start = 0
    for year, count in zip(*np.unique(years, return_counts=True), strict=True):
        rng = np.random.default_rng([seed, int(year)])
        out[:, start : start + count] = rng.standard_normal((streams, _PER_YEAR))[:, :count]
        start += count
    return out


@cache
def _market_factor(exchange: str, last: dt.date) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The exchange-wide daily shock (in daily-vol units) for sessions up to ``last``."""
    import pandas as pd

    edge = calendar.horizon(exchange)
    sessions = calendar.sessions(exchange, DEMO_EPOCH, min(last, edge))
    if last > edge:
        weekdays = pd.bdate_range(edge + dt.timedelta(days=1), last, name="session")
        sessions = pd.DatetimeIndex(sessions.append(weekdays), name="session")
    noise = _yearly_noise(_seed(f"market:{exchange}"), 2, sessions.year.to_numpy())
    # A slowly varying volatility regime gives calm and stormy stretches.
    import numpy as np

    regime = np.exp(0.35 * np.tanh(np.cumsum(noise[1]) / 40.0))
    return sessions, noise[0] * regime


def _levels(symbol: str, rng: np.random.Generator) -> tuple[float, float, float, float, bool]:
    """(price level, annual volatility, beta, base volume, pays dividends) for a symbol."""
    import numpy as np

    upper = symbol.upper()
    market = market_of(upper)
    if upper.startswith("^") or upper in HK_INDICES:
        level = _INDEX_LEVELS.get(upper, float(rng.uniform(3_000, 12_000)))
        return level, float(rng.uniform(0.18, 0.22)), 1.0, float(rng.uniform(1.5e9, 3e9)), False
    if market is HKEX:
        level = float(np.exp(rng.uniform(np.log(3.0), np.log(150.0))))
    elif market is NYSE:
        level = float(np.exp(rng.uniform(np.log(20.0), np.log(400.0))))
    else:
        level = float(np.exp(rng.uniform(np.log(5.0), np.log(100.0))))
    volume = float(10 ** rng.uniform(6.0, 7.7))
    return (
        level,
        float(rng.uniform(0.25, 0.55)),
        float(rng.uniform(0.6, 1.4)),
        volume,
        bool(rng.random() < 0.7),
    )


def demo_bars(symbol: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Synthetic bars for ``symbol`` on its exchange's sessions in ``[start, end]``."""
    import numpy as np
    import pandas as pd

    from concepttrack.prices.frame import COLUMNS, empty_bars

    if end < DEMO_EPOCH:
        return empty_bars()
    if start < DEMO_EPOCH:
        raise UsageError(
            f"demo prices start on {DEMO_EPOCH.isoformat()}; asked from {start.isoformat()}",
            hint=f"Use a start date on or after {DEMO_EPOCH.isoformat()} with --source demo.",
        )
    exchange = calendar.exchange_for(symbol)
    market_sessions, market = _market_factor(exchange, end)
    count = len(market_sessions)
    if count == 0:
        return empty_bars()
    seed = _seed(f"symbol:{symbol.upper()}")
    level, annual_vol, beta, base_volume, pays = _levels(symbol, np.random.default_rng(seed))
    noise = _yearly_noise(seed, 5, market_sessions.year.to_numpy())

    daily = annual_vol / np.sqrt(_TRADING_DAYS)
    market_daily = 0.20 / np.sqrt(_TRADING_DAYS)
    idio = np.sqrt(max(daily**2 - (beta * market_daily) ** 2, (0.3 * daily) ** 2))
    if symbol.startswith("^"):
        idio = 0.1 * market_daily
    shocks = beta * market_daily * market + idio * noise[0]
    # x[t] = phi * x[t-1] + shock[t], solved in closed form to stay vectorised.
    steps = np.arange(count)
    x = _PHI**steps * np.cumsum(shocks * _PHI ** (-steps))
    close = level * np.exp(x)
    previous = np.concatenate([[close[0]], close[:-1]])
    open_ = previous * np.exp(0.3 * daily * noise[1])
    high = np.maximum(open_, close) * np.exp(np.abs(0.5 * daily * noise[2]))
    low = np.minimum(open_, close) * np.exp(-np.abs(0.5 * daily * noise[3]))
    activity = np.abs(shocks) / daily
    volume = np.round(base_volume * np.exp(0.35 * noise[4] + 0.25 * activity))

    dividends = np.zeros(count)
    if pays:
        rng = np.random.default_rng(seed + 1)
        month, day, yield_ = (
            int(rng.integers(3, 11)),
            int(rng.integers(1, 28)),
            rng.uniform(0.01, 0.05),
        )
        dates = market_sessions.to_numpy()
        for year in range(DEMO_EPOCH.year, end.year + 1):
            position = int(np.searchsorted(dates, np.datetime64(dt.date(year, month, day)), "left"))
            if 0 < position < count:
                dividends[position] = round(float(yield_ * close[position - 1]), 3)

    decimals = 2 if level >= 10 else 3
    close, open_, high, low = (np.round(a, decimals) for a in (close, open_, high, low))
    # Yahoo's adjustment, relative to the window's end: before each ex-date multiply
    # by (1 - dividend / previous close).
    factor = np.ones(count)
    for ex_position in np.nonzero(dividends)[0].tolist():
        factor[:ex_position] *= 1.0 - dividends[ex_position] / close[ex_position - 1]
    frame = pd.DataFrame(
        {
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "adj_close": close * factor,
            "volume": volume,
            "dividends": dividends,
            "splits": np.zeros(count),
        },
        index=market_sessions,
    )
    window = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    return window[list(COLUMNS)].astype("float64")


class DemoSource:
    """Synthetic prices for any symbol; always labelled demo."""

    name = "demo"
    label = "demo"

    def revision(self, symbol: str) -> str | None:
        """Demo data never changes, so there is nothing to compare."""
        return None

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        """Demo bars for each symbol in ``[start, end]``."""
        from concepttrack.prices.frame import SymbolHistory, SymbolMeta

        out = {}
        for symbol in dict.fromkeys(symbols):
            market = market_of(symbol)
            meta = SymbolMeta(
                symbol=symbol,
                source=self.name,
                currency=market.currency,
                timezone=market.timezone,
                demo=True,
                detail=DEMO_DETAIL,
            )
            out[symbol] = SymbolHistory(symbol, demo_bars(symbol, start, end), meta)
        return out
