"""Every metric definition against numbers worked out by hand on small series."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from concepttrack.analytics import metrics
from concepttrack.analytics.model import Drawdown, WindowReturns
from tests.analytics_fixtures import day, series

# A year-end, a month without a bar on 28 Feb (as if a holiday) and a run into 31 March.
WINDOW_DATES = [
    "2024-12-30",
    "2024-12-31",
    "2025-01-02",
    "2025-02-26",
    "2025-02-27",
    "2025-03-24",
    "2025-03-25",
    "2025-03-26",
    "2025-03-27",
    "2025-03-28",
    "2025-03-31",
]
WINDOW_PRICES = [90.0, 100.0, 95.0, 104.0, 105.0, 110.0, 111.0, 112.0, 113.0, 114.0, 120.0]


def window_series() -> pd.Series:
    return series(WINDOW_DATES, WINDOW_PRICES)


# --- calendar arithmetic ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2024-03-31", 1, "2024-02-29"),  # leap year: clipped to 29 Feb
        ("2025-03-31", 1, "2025-02-28"),
        ("2024-05-31", 3, "2024-02-29"),
        ("2024-08-31", 6, "2024-02-29"),
        ("2024-02-29", 12, "2023-02-28"),
        ("2024-01-15", 1, "2023-12-15"),
        ("2025-03-15", 12, "2024-03-15"),
    ],
)
def test_months_back_clips_to_month_end(start: str, months: int, expected: str) -> None:
    assert metrics.months_back(day(start), months) == day(expected)


# --- window returns -----------------------------------------------------------------


def test_window_bases_by_hand() -> None:
    bases = metrics.window_bases(window_series(), day("2025-02-27"))
    assert bases == {
        "one_day": day("2025-03-28"),
        "five_day": day("2025-03-24"),
        # 31 Mar - 1M = 28 Feb, which has no bar: the last bar on or before it.
        "one_month": day("2025-02-27"),
        "three_month": day("2024-12-31"),
        "six_month": None,
        "one_year": None,
        "ytd": day("2024-12-31"),
        # Strictly before the event date: the close before the news.
        "since_event": day("2025-02-26"),
    }


def test_window_returns_by_hand() -> None:
    returns = metrics.window_returns(window_series(), day("2025-02-27"))
    assert returns == WindowReturns(
        one_day=pytest.approx(120 / 114 - 1),
        five_day=pytest.approx(120 / 110 - 1),
        one_month=pytest.approx(120 / 105 - 1),
        three_month=pytest.approx(0.2),
        six_month=None,
        one_year=None,
        ytd=pytest.approx(0.2),
        since_event=pytest.approx(120 / 104 - 1),
    )


def test_one_month_back_from_31_march_in_a_leap_year_uses_29_february() -> None:
    prices = series(["2024-02-28", "2024-02-29", "2024-03-01", "2024-03-31"], [1, 2, 4, 8])
    assert metrics.window_bases(prices, day("2024-03-01"))["one_month"] == day("2024-02-29")
    assert metrics.window_returns(prices, day("2024-03-01")).one_month == pytest.approx(3.0)


def test_since_event_on_a_weekend_uses_the_friday_close() -> None:
    # 1 March 2025 is a Saturday: the close before the news is Thursday 27 Feb (28th no bar).
    returns = metrics.window_returns(window_series(), day("2025-03-01"))
    assert returns.since_event == pytest.approx(120 / 105 - 1)


def test_since_event_on_a_session_uses_the_previous_close() -> None:
    returns = metrics.window_returns(window_series(), day("2025-03-25"))
    assert returns.since_event == pytest.approx(120 / 110 - 1)


def test_event_before_the_first_bar_is_missing() -> None:
    assert metrics.window_returns(window_series(), day("2024-06-01")).since_event is None
    # Also on the first bar itself: there is no close before the news.
    assert metrics.window_returns(window_series(), day("2024-12-30")).since_event is None


def test_event_after_t_is_missing() -> None:
    assert metrics.window_returns(window_series(), day("2025-04-02")).since_event is None


def test_ytd_base_is_the_last_bar_of_the_previous_year() -> None:
    prices = series(["2023-12-28", "2023-12-29", "2024-01-02", "2024-01-03"], [50, 40, 41, 44])
    assert metrics.window_returns(prices, day("2024-01-02")).ytd == pytest.approx(0.1)


def test_ytd_without_a_bar_last_year_is_missing() -> None:
    prices = series(["2024-01-02", "2024-01-03"], [41, 44])
    assert metrics.window_returns(prices, day("2024-01-02")).ytd is None


def test_short_series_windows_are_missing_not_zero() -> None:
    one = series(["2025-03-31"], [10])
    assert metrics.window_returns(one, day("2025-01-01")) == WindowReturns()
    five = series(["2025-03-25", "2025-03-26", "2025-03-27", "2025-03-28", "2025-03-31"], [1] * 5)
    returns = metrics.window_returns(five, day("2025-01-01"))
    assert returns.one_day == 0.0
    assert returns.five_day is None
    assert metrics.window_returns(series([], []), day("2025-01-01")) == WindowReturns()


def test_excess_is_a_fraction_difference_and_missing_stays_missing() -> None:
    mine = WindowReturns(one_day=0.03, five_day=0.05, ytd=None)
    bench = WindowReturns(one_day=0.01, five_day=None, ytd=0.02)
    excess = metrics.excess_returns(mine, bench)
    assert excess.one_day == pytest.approx(0.02)
    assert excess.five_day is None
    assert excess.ytd is None


# --- daily returns and volatility ---------------------------------------------------


def test_daily_returns_on_own_bars() -> None:
    prices = series(["2024-01-02", "2024-01-05", "2024-01-08"], [100, 110, 99])
    returns = metrics.daily_returns(prices)
    assert list(returns.index.date) == [day("2024-01-05"), day("2024-01-08")]
    assert returns.tolist() == pytest.approx([0.1, -0.1])
    assert metrics.daily_returns(series(["2024-01-02"], [1])).empty


def prices_from_returns(returns: list[float], start: str = "2023-01-02") -> pd.Series:
    levels = 100.0 * np.cumprod([1.0, *(1.0 + r for r in returns)])
    return pd.Series(levels, index=pd.bdate_range(start, periods=len(levels), name="session"))


def test_volatility_needs_20_returns() -> None:
    alternating = [0.01, -0.01] * 10
    nineteen = metrics.daily_returns(prices_from_returns(alternating[:19]))
    assert metrics.volatility_1y(nineteen) is None
    twenty = metrics.daily_returns(prices_from_returns(alternating))
    # Mean 0, so the sample variance is 20 * 0.01^2 / 19.
    assert metrics.volatility_1y(twenty) == pytest.approx(
        0.01 * math.sqrt(20 / 19) * math.sqrt(252), rel=1e-9
    )


def test_volatility_uses_only_the_last_252_returns() -> None:
    wild = [0.5, -0.3] * 24
    calm = [0.01, -0.01] * 126
    returns = metrics.daily_returns(prices_from_returns(wild + calm))
    assert len(returns) == 300
    assert metrics.volatility_1y(returns) == pytest.approx(
        0.01 * math.sqrt(252 / 251) * math.sqrt(252), rel=1e-9
    )


# --- drawdown -----------------------------------------------------------------------

DD_DATES = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]


def test_max_drawdown_with_peak_and_trough() -> None:
    prices = series(DD_DATES, [100, 120, 90, 110, 130, 104])
    assert metrics.max_drawdown(prices) == Drawdown(
        max_drawdown=pytest.approx(-0.25),
        peak_session=day("2024-01-02"),
        trough_session=day("2024-01-03"),
    )


def test_max_drawdown_peak_is_the_last_bar_at_the_high() -> None:
    prices = series(DD_DATES[:4], [100, 120, 120, 60])
    assert metrics.max_drawdown(prices) == Drawdown(-0.5, day("2024-01-03"), day("2024-01-04"))


def test_no_drawdown_is_zero_without_dates_and_no_data_is_missing() -> None:
    assert metrics.max_drawdown(series(DD_DATES[:3], [1, 2, 3])) == Drawdown(0.0, None, None)
    assert metrics.max_drawdown(series([], [])) == Drawdown()


def test_drawdown_since_event_starts_at_the_event_base() -> None:
    # The fall from 200 happened before the news and does not count.
    prices = series(DD_DATES[:4], [200, 100, 120, 90])
    assert metrics.drawdown_since_event(prices, day("2024-01-03")) == Drawdown(
        pytest.approx(-0.25), day("2024-01-03"), day("2024-01-04")
    )
    assert metrics.drawdown_since_event(prices, day("2023-06-01")) == Drawdown()


# --- beta and correlation -----------------------------------------------------------


def beta_case(n: int = 20) -> tuple[pd.Series, pd.Series]:
    index = pd.bdate_range("2024-01-02", periods=n, name="session")
    bench = np.array([0.01, -0.01] * (n // 2))
    noise = np.array([0.01, 0.01, -0.01, -0.01] * (n // 4))  # orthogonal to bench, mean 0
    return pd.Series(2 * bench + noise, index=index), pd.Series(bench, index=index)


def test_beta_and_correlation_by_hand() -> None:
    stock, bench = beta_case()
    beta, correlation = metrics.beta_and_correlation_1y(stock, bench)
    # cov(s, b) = 2 var(b); var(s) = 4 var(b) + var(noise) = 5 var(b).
    assert beta == pytest.approx(2.0, rel=1e-12)
    assert correlation == pytest.approx(2 / math.sqrt(5), rel=1e-12)


def test_beta_uses_only_common_dates() -> None:
    stock, bench = beta_case()
    extra = pd.Series([0.3, -0.4], index=pd.DatetimeIndex(["2023-06-01", "2023-06-02"]))
    noisy_bench = pd.concat([extra, bench])
    beta, correlation = metrics.beta_and_correlation_1y(stock, noisy_bench)
    assert beta == pytest.approx(2.0, rel=1e-12)
    assert correlation == pytest.approx(2 / math.sqrt(5), rel=1e-12)


def test_beta_uses_the_last_252_stock_returns() -> None:
    stock, bench = beta_case(260)
    stock.iloc[:8] = [0.9, -0.5, 0.7, -0.6, 0.2, 0.4, -0.3, 0.1]
    beta, _ = metrics.beta_and_correlation_1y(stock, bench)
    assert beta == pytest.approx(2.0, rel=1e-12)


def test_beta_needs_20_common_returns_and_a_moving_benchmark() -> None:
    stock, bench = beta_case()
    assert metrics.beta_and_correlation_1y(stock.iloc[1:], bench) == (None, None)
    flat = pd.Series(0.0, index=bench.index)
    assert metrics.beta_and_correlation_1y(stock, flat) == (None, None)
    beta, correlation = metrics.beta_and_correlation_1y(flat, bench)
    assert beta == 0.0
    assert correlation is None


# --- price and volume ---------------------------------------------------------------


def test_range_52w_window_is_half_open() -> None:
    # t = 2025-03-31; t - 365 days = 2024-03-31, which is outside the window.
    close = series(["2024-03-31", "2024-04-01", "2024-10-02", "2025-03-31"], [500, 80, 150, 120])
    assert metrics.range_52w(close) == metrics.Range52w(
        high=150.0, low=80.0, from_high=pytest.approx(-0.2), from_low=pytest.approx(0.5)
    )


def test_volume_ratio_is_today_over_the_previous_five() -> None:
    dates = pd.bdate_range("2024-01-01", periods=7, name="session")
    volume = pd.Series([10_000.0, 100, 200, 300, 400, 500, 900], index=dates)
    assert metrics.volume_ratio(volume) == pytest.approx(3.0)
    assert metrics.volume_ratio(volume.iloc[2:]) is None  # only 4 previous bars
    zero = pd.Series([0.0] * 6, index=dates[:6])
    assert metrics.volume_ratio(zero) is None


def test_average_turnover_over_the_last_20_bars() -> None:
    dates = pd.bdate_range("2024-01-01", periods=21, name="session")
    close = pd.Series(np.r_[1000.0, np.full(20, 10.0)], index=dates)
    volume = pd.Series(np.r_[1e9, np.arange(1.0, 21.0)], index=dates)
    assert metrics.average_turnover_20d(close, volume) == pytest.approx(10.0 * 10.5)
    assert metrics.average_turnover_20d(close.iloc[2:], volume.iloc[2:]) is None


def test_moving_averages_and_flags() -> None:
    dates = pd.bdate_range("2024-01-01", periods=50, name="session")
    close = pd.Series(np.arange(1.0, 51.0), index=dates)
    ma_20 = metrics.moving_average(close, 20)
    ma_50 = metrics.moving_average(close, 50)
    assert ma_20 == pytest.approx(40.5)
    assert ma_50 == pytest.approx(25.5)
    assert metrics.moving_average(close.iloc[:19], 20) is None
    assert metrics.is_above(50.0, ma_20) is True
    assert metrics.is_above(40.5, 40.5) is False
    assert metrics.is_above(None, ma_20) is None


def test_nan_never_leaks_out() -> None:
    assert metrics.finite_or_none(float("nan")) is None
    assert metrics.finite_or_none(float("inf")) is None
    assert metrics.finite_or_none(1.5) == 1.5


def test_dates_are_unit_agnostic() -> None:
    # pandas 3 parses strings to microsecond resolution; other sources give nanoseconds.
    micro = window_series()
    nano = pd.Series(micro.to_numpy(), index=micro.index.as_unit("ns"))
    assert metrics.window_returns(nano, dt.date(2025, 2, 27)) == metrics.window_returns(
        micro, dt.date(2025, 2, 27)
    )
