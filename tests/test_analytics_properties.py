"""Properties every definition must keep, on random markets (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concepttrack.analytics import metrics
from concepttrack.analytics.model import WINDOWS, WindowReturns
from concepttrack.analytics.snapshot import build_snapshot
from concepttrack.prices.frame import PriceFrame
from concepttrack.themes import Theme
from tests.analytics_fixtures import bars, price_frame, theme

CODES = ["0700", "9888", "2800", "0005", "1810"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Market:
    theme: Theme
    frame: PriceFrame
    calendar: pd.DatetimeIndex


def _prices(rng: np.random.Generator, n: int) -> np.ndarray:
    start = float(rng.uniform(0.5, 500.0))
    steps = rng.normal(0.0, 0.03, n)
    steps[rng.random(n) < 0.1] = 0.0  # unchanged days happen
    return np.round(start * np.exp(np.cumsum(steps)), 3) + 0.001


@st.composite
def markets(draw: st.DrawFn, *, gaps: bool = True, max_stocks: int = 4) -> Market:
    """A weekday calendar with holidays, 1-4 stocks with listings, suspensions and delays."""
    n_days = draw(st.integers(15, 90))
    weekdays = pd.bdate_range("2023-12-18", periods=n_days, name="session")
    holidays = draw(st.sets(st.integers(1, n_days - 2), max_size=n_days // 8))
    calendar = weekdays.delete(sorted(holidays))
    n = len(calendar)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_stocks = draw(st.integers(1, max_stocks))
    histories = {}
    symbols = []
    for i in range(n_stocks):
        code = CODES[i]
        symbols.append(code)
        close = _prices(rng, n)
        adj = close * float(rng.uniform(0.8, 1.0))
        keep = np.ones(n, dtype=bool)
        if gaps:
            keep[: draw(st.integers(0, n // 2))] = False  # listed later
            keep[rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.3]))] = False  # suspensions
            end = draw(st.integers(0, 3))  # late data: the last few sessions missing
            if end:
                keep[n - end :] = False
        histories[f"{code}.HK"] = bars(
            calendar[keep], close[keep].tolist(), adj_close=adj[keep].tolist()
        )
    bench = _prices(rng, n)
    histories["^HSI"] = bars(calendar, bench.tolist())
    event_at = draw(st.integers(0, n - 1))
    event = calendar[event_at].date() + dt.timedelta(days=draw(st.integers(0, 3)))
    weights = draw(
        st.one_of(
            st.none(),
            st.lists(st.floats(0.1, 10.0), min_size=n_stocks, max_size=n_stocks),
        )
    )
    return Market(
        theme=theme(symbols, event, weights=weights),
        frame=price_frame(histories),
        calendar=calendar,
    )


def assert_windows_close(a: WindowReturns, b: WindowReturns, rel: float = 1e-9) -> None:
    for window in WINDOWS:
        x, y = getattr(a, window), getattr(b, window)
        assert (x is None) == (y is None), window
        if x is not None and y is not None:
            assert x == pytest.approx(y, rel=rel, abs=1e-12), window


# --- a one-stock basket is that stock -------------------------------------------------


@given(markets(gaps=False, max_stocks=1))
@SETTINGS
def test_one_stock_basket_equals_the_stock(market: Market) -> None:
    as_of = market.calendar[-1].date()
    snap = build_snapshot(market.theme, market.frame, as_of, market.calendar)
    stock = snap.stocks[0]
    if snap.basket.base_session is None:
        assert stock.returns.since_event is None
        return
    assert_windows_close(snap.basket.returns, stock.returns)
    assert_windows_close(snap.basket.excess, stock.excess)
    basket_risk, stock_risk = snap.basket.risk, stock.risk
    for name in ("volatility_1y", "beta_1y", "correlation_1y"):
        x, y = getattr(basket_risk, name), getattr(stock_risk, name)
        assert (x is None) == (y is None)
        if x is not None:
            assert x == pytest.approx(y, rel=1e-9, abs=1e-12)
    basket_dd = basket_risk.drawdown_since_event.max_drawdown
    stock_dd = stock_risk.drawdown_since_event.max_drawdown
    assert basket_dd is not None
    assert stock_dd is not None
    assert basket_dd == pytest.approx(stock_dd, rel=1e-9, abs=1e-12)
    assert stock.contribution == pytest.approx(stock.returns.since_event, rel=1e-12, abs=1e-15)


# --- scaling a price series leaves every return unchanged ------------------------------


@st.composite
def price_series(draw: st.DrawFn) -> pd.Series:
    n = draw(st.integers(1, 320))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    index = pd.bdate_range("2023-01-02", periods=n, name="session")
    return pd.Series(_prices(rng, n), index=index)


def scale_free_figures(prices: pd.Series, bench: pd.Series, event: dt.date) -> list[object]:
    returns = metrics.daily_returns(prices)
    beta, correlation = metrics.beta_and_correlation_1y(returns, metrics.daily_returns(bench))
    drawdown = metrics.drawdown_since_event(prices, event)
    return [
        *(getattr(metrics.window_returns(prices, event), w) for w in WINDOWS),
        metrics.volatility_1y(returns),
        beta,
        correlation,
        drawdown.max_drawdown,
        metrics.range_52w(prices).from_high,
        metrics.range_52w(prices).from_low,
        *returns.tolist(),
    ]


@given(price_series(), st.floats(1e-3, 1e3), st.integers(0, 400))
@SETTINGS
def test_scaling_prices_changes_no_return(prices: pd.Series, scale: float, event_at: int) -> None:
    event = (prices.index[0] + pd.Timedelta(days=event_at)).date()
    bench = prices.iloc[::-1].set_axis(prices.index) * 0.5 + prices * 0.1
    plain = scale_free_figures(prices, bench, event)
    scaled = scale_free_figures(prices * scale, bench, event)
    assert len(plain) == len(scaled)
    for x, y in zip(plain, scaled, strict=True):
        assert (x is None) == (y is None)
        if x is not None:
            assert x == pytest.approx(y, rel=1e-9, abs=1e-12)


@given(price_series(), st.integers(-20, 20), st.integers(0, 400))
@SETTINGS
def test_power_of_two_scaling_is_exact(prices: pd.Series, power: int, event_at: int) -> None:
    event = (prices.index[0] + pd.Timedelta(days=event_at)).date()
    scaled = prices * math.ldexp(1.0, power)
    assert metrics.window_returns(scaled, event) == metrics.window_returns(prices, event)
    assert metrics.drawdown_since_event(scaled, event) == metrics.drawdown_since_event(
        prices, event
    )


# --- contributions sum to the basket return -------------------------------------------


@given(markets())
@SETTINGS
def test_contributions_sum_to_the_basket_since_event_return(market: Market) -> None:
    as_of = market.calendar[-1].date()
    snap = build_snapshot(market.theme, market.frame, as_of, market.calendar)
    members = [s for s in snap.stocks if s.in_basket]
    if snap.basket.level is None:
        assert all(s.contribution is None for s in snap.stocks)
        return
    if snap.basket.returns.since_event is None:
        # No member has traded since the event base: the basket's figures end at or
        # before its base, so there is no since-event return and nothing to contribute.
        assert snap.basket.status == "stale"
        assert snap.basket.last_session is not None
        assert snap.basket.base_session is not None
        assert snap.basket.last_session <= snap.basket.base_session
        assert all(s.contribution is None for s in snap.stocks)
        return
    total = sum(s.contribution for s in members if s.contribution is not None)
    assert snap.basket.returns.since_event == pytest.approx(total, rel=1e-12, abs=1e-12)
    assert sum(s.weight for s in members) == pytest.approx(1.0)
    for s in members:
        if s.returns.since_event is None:
            # Stale with no bar after the event base: carried flat in the basket.
            assert s.status.status == "stale"
            assert s.contribution == 0.0
        else:
            assert s.contribution == pytest.approx(s.weight * s.returns.since_event, abs=1e-12)
    for s in snap.stocks:
        assert s.in_basket == (s.symbol not in snap.basket.excluded)


# --- no look-ahead ----------------------------------------------------------------------


@given(markets(), st.data())
@SETTINGS
def test_truncating_after_as_of_changes_nothing(market: Market, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(market.calendar) - 1))
    as_of = market.calendar[cut]
    full = build_snapshot(market.theme, market.frame, as_of.date(), market.calendar)
    cut_frame = PriceFrame(market.frame.source, {})
    for symbol, history in market.frame.histories.items():
        cut_frame.histories[symbol] = dataclasses.replace(
            history, bars=history.bars[history.bars.index <= as_of]
        )
    cut_calendar = market.calendar[market.calendar <= as_of]
    truncated = build_snapshot(market.theme, cut_frame, as_of.date(), cut_calendar)
    assert truncated.to_dict() == full.to_dict()


# --- an as-of between sessions is the previous session ----------------------------------


@given(markets(), st.data())
@SETTINGS
def test_as_of_between_sessions_equals_the_previous_session(
    market: Market, data: st.DataObject
) -> None:
    calendar = market.calendar
    days = pd.date_range(calendar[0], calendar[-1] + pd.Timedelta(days=3))
    between = days.difference(calendar)
    as_of = data.draw(st.sampled_from(list(between)))
    previous = calendar[calendar < as_of][-1]
    on_gap = build_snapshot(market.theme, market.frame, as_of.date(), calendar)
    on_session = build_snapshot(market.theme, market.frame, previous.date(), calendar)
    assert on_gap.as_of == previous.date()
    assert on_gap.to_dict() == on_session.to_dict()
