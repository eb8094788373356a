"""Independent cross-check: volatility, max drawdown and beta agree with quantstats to 1e-9.

quantstats (a test-only dependency) is called with conventions matched to ours, read
from its source (``quantstats/stats.py`` and ``utils.py``, 0.0.86):

* ``volatility(returns, periods=252, annualize=True, prepare_returns=False)`` is
  ``returns.std() * sqrt(252)``: pandas' std is ddof=1 like ours. We hand it the same
  last 252 daily returns; ``prepare_returns=False`` stops it guessing whether the
  input is prices (its guess is "min >= 0 and max > 1").
* ``max_drawdown(prices)`` treats a series as *prices* only when its min is >= 0
  and its max >= 1, else as returns; it prepends a phantom baseline equal to the
  first price, which changes nothing for prices. So we pass the same event-window
  adjusted closes, first scaled by a power of two so the max is >= 1 (exact in
  floating point, and drawdown is scale-free): this converts penny-stock prices to
  the form it reads as prices.
* ``greeks(returns, benchmark, prepare_returns=False)['beta']`` is
  ``np.cov(r, b)[0, 1] / np.cov(r, b)[1, 1]`` (ddof=1) on paired observations, but
  when the benchmark's dates differ from the stock's it first rebuilds benchmark
  prices and re-samples them onto the stock's dates (compounding across gaps), and
  it turns a NaN beta into 0. Ours pairs each side's own daily returns on the dates
  both have. So we give it both series already restricted to those common dates,
  where the two conventions coincide. ``r_squared`` (scipy ``linregress``) is the
  square of our correlation on the same pairs.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import quantstats.stats as qs

from concepttrack.analytics import metrics
from concepttrack.analytics.basket import build_basket
from tests.analytics_fixtures import random_walk

TOL = 1e-9
SEEDS = list(range(8))


def _market(seed: int, n: int = 400) -> tuple[pd.Series, pd.Series]:
    """A stock (with suspensions and penny-stock prices for odd seeds) and a benchmark."""
    index = pd.bdate_range("2022-06-01", periods=n, name="session")
    rng = np.random.default_rng(seed)
    bench = pd.Series(random_walk(index, seed + 100, start=18_000.0, vol=0.012), index=index)
    common = np.log(bench.to_numpy())
    own = np.log(random_walk(index, seed + 200, start=1.0, vol=0.02))
    start = 0.35 if seed % 2 else 40.0
    stock = pd.Series(start * np.exp(1.3 * (common - common[0]) + own), index=index)
    suspended = rng.random(n) < 0.05
    return stock[~suspended], bench


def _pairs(stock: pd.Series, bench: pd.Series) -> tuple[pd.Series, pd.Series]:
    r_s = metrics.daily_returns(stock).iloc[-metrics.RETURNS_1Y :]
    r_b = metrics.daily_returns(bench)
    common = r_s.index.intersection(r_b.index)
    return r_s.loc[common], r_b.loc[common]


@pytest.mark.parametrize("seed", SEEDS)
def test_volatility_matches_quantstats(seed: int) -> None:
    stock, _ = _market(seed)
    returns = metrics.daily_returns(stock)
    ours = metrics.volatility_1y(returns)
    theirs = qs.volatility(
        returns.iloc[-metrics.RETURNS_1Y :], periods=252, annualize=True, prepare_returns=False
    )
    assert ours is not None
    assert ours == pytest.approx(float(theirs), rel=TOL, abs=TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_max_drawdown_matches_quantstats(seed: int) -> None:
    stock, _ = _market(seed)
    event = stock.index[60].date()
    ours = metrics.drawdown_since_event(stock, event)
    window = stock.iloc[int(np.searchsorted(stock.index, pd.Timestamp(event))) - 1 :]
    scale = math.ldexp(1.0, max(0, -math.frexp(float(window.max()))[1] + 1))
    theirs = qs.max_drawdown(window * scale)
    assert ours.max_drawdown is not None
    assert ours.max_drawdown == pytest.approx(float(theirs), rel=TOL, abs=TOL)
    # The trough date agrees with the minimum of quantstats' drawdown series.
    dd_series = qs.to_drawdown_series(window * scale)
    assert ours.trough_session == pd.Timestamp(dd_series.idxmin()).date()


@pytest.mark.parametrize("seed", SEEDS)
def test_beta_matches_quantstats(seed: int) -> None:
    stock, bench = _market(seed)
    beta, correlation = metrics.beta_and_correlation_1y(
        metrics.daily_returns(stock), metrics.daily_returns(bench)
    )
    r_s, r_b = _pairs(stock, bench)
    greeks = qs.greeks(r_s, r_b, prepare_returns=False)
    assert beta is not None
    assert correlation is not None
    assert beta == pytest.approx(float(greeks["beta"]), rel=TOL, abs=TOL)
    r_squared = qs.r_squared(r_s, r_b, prepare_returns=False)
    assert correlation**2 == pytest.approx(float(r_squared), rel=TOL, abs=TOL)


def test_basket_figures_match_quantstats_on_the_basket_level() -> None:
    stocks = {f"S{i}": _market(i)[0] for i in range(4)}
    _, bench = _market(0)
    sessions = bench.index
    event = dt.date(2023, 3, 15)
    basket = build_basket(stocks, dict.fromkeys(stocks, 0.25), sessions, event)
    level = basket.level
    returns = metrics.daily_returns(level)
    assert metrics.volatility_1y(returns) == pytest.approx(
        float(qs.volatility(returns.iloc[-252:], periods=252, prepare_returns=False)), rel=TOL
    )
    ours_dd = metrics.drawdown_since_event(level, event).max_drawdown
    assert ours_dd == pytest.approx(float(qs.max_drawdown(level.loc["2023-03-14":])), rel=TOL)
    beta, _ = metrics.beta_and_correlation_1y(returns, metrics.daily_returns(bench))
    r_s, r_b = _pairs(level, bench)
    assert beta == pytest.approx(float(qs.greeks(r_s, r_b, prepare_returns=False)["beta"]), rel=TOL)
