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
from concepttrack.symbols import HK_INDICES, HKEX, NYSE, is_fx, market_of

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from concepttrack.prices.frame import SymbolHistory
    from concepttrack.prices.records import Fundamentals, FundamentalsAnswer

#: First session demo data exists for.
DEMO_EPOCH = dt.date(2000, 1, 3)
#: Noise drawn per calendar year; more than any exchange's sessions in a year.
_PER_YEAR = 400
#: Daily mean reversion of log price: a shock's half-life is about two years.
_PHI = 0.5 ** (1 / 500)
_TRADING_DAYS = 252.0
_INDEX_LEVELS = {"^HSI": 20_000.0, "^HSCE": 7_000.0, "^HSTECH": 4_500.0, "^HSCC": 4_000.0}
DEMO_DETAIL = "synthetic demo prices seeded by symbol, not market data"
#: Bumped whenever the generator changes what it makes (2: A shares track their H share).
DEMO_GENERATOR = "demo-2"
#: Units of each currency per US dollar, for demo FX levels (CNYHKD=X = 7.8 / 7.2).
_PER_USD = {"USD": 1.0, "HKD": 7.8, "CNY": 7.2, "EUR": 0.92, "JPY": 150.0, "GBP": 0.79}
#: First date of demo fundamentals (quarter ends from here).
DEMO_FUNDAMENTALS_START = dt.date(2015, 1, 1)


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
    if is_fx(upper):
        base, quote = upper[:3], upper[3:6]
        level = _PER_USD.get(quote, 1.0) / _PER_USD.get(base, 1.0)
        pegged = {base, quote} == {"USD", "HKD"}
        return level, 0.005 if pegged else 0.04, 0.0, 0.0, False
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


@cache
def _a_to_h() -> dict[str, str]:
    """A share -> its H share, from the A+H pairs table in use."""
    from concepttrack.pairs import load_table

    return {pair.a_symbol: pair.h_symbol for pair in load_table().pairs}


def _h_share_of(symbol: str) -> str | None:
    """The H share of an A share of the pairs table (None for any other symbol)."""
    upper = symbol.upper()
    if not upper.endswith((".SS", ".SZ")):
        return None
    return _a_to_h().get(upper)


def _tracking_h_share(
    h_symbol: str, a_symbol: str, sessions: pd.DatetimeIndex, own: np.ndarray, end: dt.date
) -> np.ndarray:
    """Demo closes of an A share that trade at a premium to its H share, as dual listings
    do: the H share's demo close (carried over Hong Kong holidays) converted to CNY at the
    demo rate, times (1 + a premium of 0-60 % seeded by the pair) wandering with a damped
    copy of the A share's own path. Without it, two independent demo series put A/H
    premiums in the hundreds of per cent."""
    import numpy as np

    h_close = demo_bars(h_symbol, DEMO_EPOCH, end)["close"]
    on_a_sessions = h_close.reindex(sessions, method="ffill").bfill().to_numpy()
    rng = np.random.default_rng(_seed(f"pair:{h_symbol.upper()}:{a_symbol.upper()}"))
    premium = float(rng.uniform(0.0, 0.6))
    cny_per_hkd = _PER_USD["CNY"] / _PER_USD["HKD"]
    result: np.ndarray = on_a_sessions * cny_per_hkd * (1.0 + premium) * np.exp(0.25 * own)
    return result


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
    h_symbol = _h_share_of(symbol)
    if h_symbol is not None:
        close = _tracking_h_share(h_symbol, symbol, market_sessions, x, end)
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
    if is_fx(symbol):
        decimals = 5
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
        """The generator's version: demo bars cached by an older generator are made
        again (an A share that now tracks its H share, say), never shown as they were."""
        return DEMO_GENERATOR

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
                adjusted_from_actions=True,
                detail=DEMO_DETAIL,
            )
            out[symbol] = SymbolHistory(symbol, demo_bars(symbol, start, end), meta)
        return out

    def fundamentals_revision(self) -> str | None:
        """Demo fundamentals are refreshed by age, like a market source's."""
        return None

    def fetch_fundamentals(
        self, symbols: Sequence[str], as_of: dt.date
    ) -> dict[str, FundamentalsAnswer]:
        """Quarter-end demo fundamentals of each stock up to ``as_of`` (none for indices, FX)."""
        from concepttrack.prices.records import FundamentalsAnswer

        return {
            symbol: FundamentalsAnswer(records=demo_fundamentals(symbol, as_of))
            for symbol in dict.fromkeys(symbols)
        }


def demo_fundamentals(symbol: str, as_of: dt.date) -> list[Fundamentals]:
    """Deterministic, labelled-demo fundamentals of ``symbol``: one record per quarter end
    (dated the last demo session on or before it) from 2015 to ``as_of``.

    Shares outstanding drift slowly from a per-symbol count; market cap is shares times
    the demo close of that session; P/E, P/B and yield are per-symbol levels that wander
    a little each quarter; about one stock in six is loss-making (no P/E).
    """
    import numpy as np

    from concepttrack.prices.records import Fundamentals

    upper = symbol.upper()
    if upper.startswith("^") or is_fx(upper) or as_of < DEMO_FUNDAMENTALS_START:
        return []
    bars = demo_bars(upper, DEMO_FUNDAMENTALS_START, as_of)
    if bars.empty:
        return []
    seed = _seed(f"fundamentals:{upper}")
    rng = np.random.default_rng(seed)
    level, *_ = _levels(upper, np.random.default_rng(_seed(f"symbol:{upper}")))
    target_cap = float(10 ** rng.uniform(9.7, 12.3))
    shares = round(target_cap / level, -3)
    loss_making = bool(rng.random() < 1 / 6)
    pe, pb = float(rng.uniform(6.0, 45.0)), float(rng.uniform(0.6, 7.0))
    dividend = float(rng.uniform(0.0, 0.06)) if rng.random() < 0.7 else 0.0
    currency = market_of(upper).currency
    days = bars.index.to_numpy(dtype="datetime64[D]")
    closes = bars["close"].to_numpy(dtype="float64")
    out = []
    quarter = dt.date(DEMO_FUNDAMENTALS_START.year, 3, 31)
    step = 0
    while quarter <= as_of:
        position = int(np.searchsorted(days, np.datetime64(quarter, "D"), side="right")) - 1
        if position >= 0:
            wander = np.random.default_rng([seed, step]).normal(0.0, 0.05, 4)
            count = round(shares * (1 + 0.002 * step) * (1 + 0.01 * wander[0]), -3)
            session = days[position].astype(dt.date)
            out.append(
                Fundamentals(
                    symbol=upper,
                    date=session,
                    market_cap=float(count * closes[position]),
                    shares_outstanding=float(count),
                    trailing_pe=None if loss_making else round(pe * float(np.exp(wander[1])), 2),
                    price_to_book=round(pb * float(np.exp(wander[2])), 2),
                    dividend_yield=round(dividend * float(np.exp(wander[3])), 4),
                    currency=currency,
                )
            )
        step += 1
        month = quarter.month + 3
        year = quarter.year + (month > 12)
        month = month - 12 if month > 12 else month
        quarter = dt.date(year, month, 30 if month in (6, 9) else 31)
    return out
