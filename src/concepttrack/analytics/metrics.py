"""Pure metrics on one price series: the definitions every number of a note rests on.

Every function here takes a series indexed by session date (a sorted, unique,
tz-naive ``DatetimeIndex``) that **ends at the as-of bar** ``t``: the caller keeps
only bars on or before the as-of session, so ``t`` is the series' last bar (for a
stale symbol that is its own last bar, which the snapshot flags). Nothing here
looks at a calendar, a clock or a file.

Notation: ``P`` is the **adjusted** close (returns, volatility, drawdown and beta
use it); the **traded** close is what a note displays and what the 52-week range,
moving averages and turnover use. Results are plain floats; anything that cannot
be computed from the data is ``None``, never guessed and never 0.

Window bases (the bar ``P[t] / P[base] - 1`` measures from):

==============  ===================================================================
``one_day``     the previous bar
``five_day``    the bar five bars back
``one_month``   the last bar on or before ``t`` minus 1 calendar month
``three_month`` ... minus 3 calendar months
``six_month``   ... minus 6 calendar months
``one_year``    ... minus 12 calendar months
``ytd``         the last bar of the previous calendar year
``since_event`` the last bar strictly before the event date (the close before the news)
==============  ===================================================================

Calendar months clip to the month's end: one month back from 31 March is 29
February in a leap year, else 28 February. A base must be a bar strictly before
``t``; when the data holds none (too short, listed later, or an event after
``t``) the window's value is ``None``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from concepttrack.analytics.model import WINDOWS, Drawdown, WindowReturns

#: Trading days per year, for annualising volatility.
ANNUALISATION = 252
#: Daily returns in the 1Y volatility, beta and correlation windows.
RETURNS_1Y = 252
#: Fewer daily returns than this and volatility, beta and correlation are missing.
MIN_RETURNS = 20
#: The 52-week range covers bars in ``(t - 365 days, t]``.
DAYS_52W = 365
#: Volume ratio: today's volume over the mean of this many previous bars.
VOLUME_RATIO_BARS = 5
#: Average turnover is taken over this many bars.
TURNOVER_BARS = 20
#: Calendar-month windows, by ``WindowReturns`` field.
MONTH_WINDOWS: dict[str, int] = {
    "one_month": 1,
    "three_month": 3,
    "six_month": 6,
    "one_year": 12,
}

FloatArray = npt.NDArray[np.float64]
DayArray = npt.NDArray[np.datetime64]


class Range52w(NamedTuple):
    """52-week high and low of the traded close, and today's close relative to each."""

    high: float | None
    low: float | None
    #: ``close[t] / high - 1`` (zero or negative).
    from_high: float | None
    #: ``close[t] / low - 1`` (zero or positive).
    from_low: float | None


# --- dates --------------------------------------------------------------------------


def session_days(index: pd.Index) -> DayArray:
    """The index as a numpy ``datetime64[D]`` array (unit-agnostic, for searching)."""
    return np.asarray(pd.DatetimeIndex(index).values).astype("datetime64[D]")


def _day(value: dt.date) -> np.datetime64:
    return np.datetime64(dt.date(value.year, value.month, value.day), "D")


def months_back(day: dt.date, months: int) -> dt.date:
    """``day`` minus whole calendar months, clipped to the month's end (31 Mar - 1M = 28/29 Feb)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def last_position_on_or_before(days: DayArray, day: dt.date) -> int | None:
    """Position of the last entry on or before ``day`` in sorted ``days``, or None."""
    position = int(np.searchsorted(days, _day(day), side="right")) - 1
    return position if position >= 0 else None


def last_position_before(days: DayArray, day: dt.date) -> int | None:
    """Position of the last entry strictly before ``day`` in sorted ``days``, or None."""
    position = int(np.searchsorted(days, _day(day), side="left")) - 1
    return position if position >= 0 else None


def window_base_positions(index: pd.Index, event_date: dt.date) -> dict[str, int | None]:
    """Position of each window's base bar for a series ending at ``t = index[-1]``.

    1D: the previous bar; 5D: five bars back; 1M/3M/6M/1Y: the last bar on or before
    ``t`` minus 1/3/6/12 calendar months; YTD: the last bar of the previous calendar
    year; since event: the last bar strictly before ``event_date``. A base that is
    not strictly before ``t`` (or does not exist) is None.
    """
    days = session_days(index)
    n = len(days)
    bases: dict[str, int | None] = dict.fromkeys(WINDOWS)
    if n == 0:
        return bases
    t = pd.Timestamp(days[-1]).date()
    bases["one_day"] = n - 2 if n >= 2 else None
    bases["five_day"] = n - 6 if n >= 6 else None
    for window, months in MONTH_WINDOWS.items():
        bases[window] = last_position_on_or_before(days, months_back(t, months))
    bases["ytd"] = last_position_before(days, dt.date(t.year, 1, 1))
    bases["since_event"] = last_position_before(days, event_date)
    return {
        window: (position if position is not None and position < n - 1 else None)
        for window, position in bases.items()
    }


def window_bases(prices: pd.Series, event_date: dt.date) -> dict[str, dt.date | None]:
    """The base session of each window (see :func:`window_base_positions`), as dates."""
    positions = window_base_positions(prices.index, event_date)
    index = pd.DatetimeIndex(prices.index)
    return {
        window: (None if position is None else index[position].date())
        for window, position in positions.items()
    }


# --- returns ------------------------------------------------------------------------


def finite_or_none(value: float) -> float | None:
    """``value`` as a float, or None when it is NaN or infinite."""
    number = float(value)
    return number if math.isfinite(number) else None


def _ratio_return(last: float, base: float) -> float | None:
    if not (math.isfinite(base) and base > 0):
        return None
    return finite_or_none(last / base - 1.0)


def window_returns(prices: pd.Series, event_date: dt.date) -> WindowReturns:
    """``P[t] / P[base] - 1`` for every window, on adjusted closes ending at ``t``."""
    values = np.asarray(prices.to_numpy(dtype="float64", na_value=np.nan))
    if len(values) == 0:
        return WindowReturns()
    last = float(values[-1])
    positions = window_base_positions(prices.index, event_date)
    return WindowReturns(
        **{
            window: (None if position is None else _ratio_return(last, float(values[position])))
            for window, position in positions.items()
        }
    )


def excess_returns(returns: WindowReturns, benchmark: WindowReturns) -> WindowReturns:
    """Window return minus the benchmark's, same window (a fraction difference, pp / 100)."""
    fields: dict[str, float | None] = {}
    for window in WINDOWS:
        mine = getattr(returns, window)
        theirs = getattr(benchmark, window)
        fields[window] = None if mine is None or theirs is None else mine - theirs
    return WindowReturns(**fields)


def daily_returns(prices: pd.Series) -> pd.Series:
    """``r[i] = P[i] / P[i-1] - 1`` on the series' own bars (one fewer than the bars)."""
    values = np.asarray(prices.to_numpy(dtype="float64", na_value=np.nan))
    returns = values[1:] / values[:-1] - 1.0 if len(values) > 1 else np.empty(0)
    return pd.Series(returns, index=prices.index[1:], dtype="float64", name=prices.name)


# --- risk ---------------------------------------------------------------------------


def volatility_1y(returns: pd.Series) -> float | None:
    """Sample std (ddof=1) of the last 252 daily returns times sqrt(252); None under 20."""
    values = np.asarray(returns.to_numpy(dtype="float64", na_value=np.nan))[-RETURNS_1Y:]
    values = values[np.isfinite(values)]
    if len(values) < MIN_RETURNS:
        return None
    return finite_or_none(float(np.std(values, ddof=1)) * math.sqrt(ANNUALISATION))


def max_drawdown(prices: pd.Series) -> Drawdown:
    """Min of ``P / running max(P) - 1`` over the series, with the peak and trough dates.

    The trough is the first bar reaching the minimum; the peak is the last bar before
    it at the running maximum. A series that never falls below its running maximum
    has a drawdown of 0.0 and no peak or trough dates; an empty series is all None.
    """
    values = np.asarray(prices.to_numpy(dtype="float64", na_value=np.nan))
    if len(values) == 0 or not np.isfinite(values).all():
        return Drawdown()
    running_max = np.maximum.accumulate(values)
    drawdown = values / running_max - 1.0
    trough = int(np.argmin(drawdown))
    worst = float(drawdown[trough])
    if worst >= 0.0:
        return Drawdown(max_drawdown=0.0)
    peak = int(np.flatnonzero(values[: trough + 1] == running_max[trough])[-1])
    index = pd.DatetimeIndex(prices.index)
    return Drawdown(
        max_drawdown=worst,
        peak_session=index[peak].date(),
        trough_session=index[trough].date(),
    )


def drawdown_since_event(prices: pd.Series, event_date: dt.date) -> Drawdown:
    """Max drawdown over the event window: from the since-event base bar to ``t``."""
    base = window_base_positions(prices.index, event_date)["since_event"]
    if base is None:
        return Drawdown()
    return max_drawdown(prices.iloc[base:])


def beta_and_correlation_1y(
    returns: pd.Series, benchmark_returns: pd.Series
) -> tuple[float | None, float | None]:
    """Beta ``cov(r_s, r_b) / var(r_b)`` and correlation (ddof=1) over the last 252 returns.

    The last 252 of the stock's daily returns are paired with the benchmark's daily
    returns on the dates both have; fewer than 20 pairs, or a flat series, gives None.
    """
    stock = returns.iloc[-RETURNS_1Y:]
    _, mine, theirs = np.intersect1d(
        session_days(stock.index),
        session_days(benchmark_returns.index),
        assume_unique=True,
        return_indices=True,
    )
    r_s = np.asarray(stock.to_numpy(dtype="float64", na_value=np.nan))[mine]
    r_b = np.asarray(benchmark_returns.to_numpy(dtype="float64", na_value=np.nan))[theirs]
    keep = np.isfinite(r_s) & np.isfinite(r_b)
    r_s, r_b = r_s[keep], r_b[keep]
    if len(r_s) < MIN_RETURNS:
        return None, None
    cov = np.cov(r_s, r_b, ddof=1)
    var_s, var_b, cov_sb = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
    beta = finite_or_none(cov_sb / var_b) if var_b > 0 else None
    if var_s > 0 and var_b > 0:
        correlation = finite_or_none(max(-1.0, min(1.0, cov_sb / math.sqrt(var_s * var_b))))
    else:
        correlation = None
    return beta, correlation


# --- price and volume ---------------------------------------------------------------


def range_52w(close: pd.Series) -> Range52w:
    """Max / min traded close over bars in ``(t - 365 days, t]``, and ``close[t]`` vs each."""
    values = np.asarray(close.to_numpy(dtype="float64", na_value=np.nan))
    if len(values) == 0:
        return Range52w(None, None, None, None)
    days = session_days(close.index)
    start = int(np.searchsorted(days, days[-1] - np.timedelta64(DAYS_52W, "D"), side="right"))
    window = values[start:]
    window = window[np.isfinite(window)]
    if len(window) == 0:
        return Range52w(None, None, None, None)
    high, low, last = float(window.max()), float(window.min()), float(values[-1])
    return Range52w(high, low, _ratio_return(last, high), _ratio_return(last, low))


def volume_ratio(volume: pd.Series) -> float | None:
    """Today's volume over the mean volume of the previous 5 bars (量比, daily form)."""
    values = np.asarray(volume.to_numpy(dtype="float64", na_value=np.nan))
    if len(values) < VOLUME_RATIO_BARS + 1:
        return None
    previous = float(values[-VOLUME_RATIO_BARS - 1 : -1].mean())
    if not (math.isfinite(previous) and previous > 0):
        return None
    return finite_or_none(float(values[-1]) / previous)


def average_turnover_20d(close: pd.Series, volume: pd.Series) -> float | None:
    """Mean of traded close x volume over the last 20 bars (stock's currency); None under 20."""
    prices = np.asarray(close.to_numpy(dtype="float64", na_value=np.nan))
    shares = np.asarray(volume.to_numpy(dtype="float64", na_value=np.nan))
    if len(prices) < TURNOVER_BARS or len(shares) != len(prices):
        return None
    return finite_or_none(float((prices[-TURNOVER_BARS:] * shares[-TURNOVER_BARS:]).mean()))


def moving_average(close: pd.Series, bars: int) -> float | None:
    """Mean traded close of the last ``bars`` bars (including ``t``); None with fewer bars."""
    values = np.asarray(close.to_numpy(dtype="float64", na_value=np.nan))
    if bars <= 0 or len(values) < bars:
        return None
    return finite_or_none(float(values[-bars:].mean()))


def is_above(value: float | None, average: float | None) -> bool | None:
    """True when ``value`` is strictly above ``average``; None when either is missing."""
    if value is None or average is None:
        return None
    return value > average
