"""The event study (issue 10): hand-computed figures, a statsmodels cross-check, edge cases."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from concepttrack import pipeline
from concepttrack.analytics.event_model import EventStudy
from concepttrack.analytics.events import (
    BASKET,
    CatalystInput,
    ReturnSeries,
    basket_returns,
    market_model,
    on_days,
    study_events,
)
from concepttrack.analytics.snapshot import build_snapshot
from concepttrack.themes import Theme
from tests.analytics_fixtures import index_of, price_frame, random_bars, sessions, theme

REL, ABS = 1e-9, 1e-12


def prices_from(days: Sequence[pd.Timestamp], returns: Sequence[float | None]) -> pd.Series:
    """Prices with these bar returns (the first entry, no return, is ignored): P0 = 100."""
    values = [100.0]
    for r in returns[1:]:
        assert r is not None
        values.append(values[-1] * (1.0 + r))
    return pd.Series(values, index=index_of(days), dtype="float64")


# --- the market model on four points, by hand ---------------------------------------------


def test_market_model_by_hand() -> None:
    # x = 0..3, y = 1, 3, 2, 5: x mean 1.5, y mean 2.75, Sxx = 5, Sxy = 5.5.
    # beta = 1.1, alpha = 2.75 - 1.1 * 1.5 = 1.1; residuals -0.1, 0.8, -1.3, 0.6;
    # SSE = 2.7, sigma = sqrt(2.7 / (4 - 2)).
    fit = market_model(np.array([1.0, 3.0, 2.0, 5.0]), np.array([0.0, 1.0, 2.0, 3.0]))
    assert fit is not None
    alpha, beta, sigma = fit
    assert alpha == pytest.approx(1.1, rel=REL)
    assert beta == pytest.approx(1.1, rel=REL)
    assert sigma == pytest.approx(math.sqrt(1.35), rel=REL)


def test_market_model_without_an_estimate() -> None:
    assert market_model(np.array([0.01, 0.02]), np.array([0.0, 0.01])) is None  # n < 3
    assert market_model(np.array([0.01, 0.02, 0.0]), np.array([0.01, 0.01, 0.01])) is None
    # A perfect fit has sigma 0: no t-statistic can exist.
    assert market_model(np.array([0.02, 0.04, 0.06]), np.array([0.01, 0.02, 0.03])) is None


# --- a full study whose every figure is known ---------------------------------------------

ALPHA, BETA = 0.0005, 1.2
#: Period-5 market returns and residuals; the residuals sum to 0 and are orthogonal to
#: the market returns, so OLS recovers ALPHA and BETA exactly and SSE = 4e-6 per period.
MARKET = (0.01, -0.01, 0.02, -0.02, 0.0)
NOISE = (0.001, 0.001, -0.001, -0.001, 0.0)
T0 = 261  # estimation bars t0-260 .. t0-11 = 1 .. 250: 250 returns, 50 whole periods
BARS = 300
INJECTED = {0: 0.03, 1: -0.01, 3: 0.02}  # abnormal returns at t0 + offset


def known_case(
    days: pd.DatetimeIndex | None = None,
) -> tuple[pd.DatetimeIndex, list[float | None], list[float | None]]:
    """Bars, the market's and the stock's returns of the hand-computed study."""
    days = days if days is not None else pd.bdate_range("2023-01-02", periods=BARS)
    market: list[float | None] = [None]
    stock: list[float | None] = [None]
    for i in range(1, len(days)):
        m = MARKET[(i - 1) % 5]
        e = NOISE[(i - 1) % 5] if i <= T0 - 11 else 0.0
        market.append(m)
        stock.append(ALPHA + BETA * m + e + INJECTED.get(i - T0, 0.0))
    return days, market, stock


SIGMA = math.sqrt(50 * 4e-6 / (250 - 2))


def test_every_figure_by_hand() -> None:
    days, market, stock = known_case()
    catalyst = days[T0].date()
    result = study_events(
        [CatalystInput(catalyst, "The news", True)],
        {"A.HK": prices_from(days, stock)},
        {"A.HK": 1.0},
        prices_from(days, market),
        "^HSI",
        days[-1].date(),
    )
    study = result.catalysts[0].stock("A.HK")
    assert study.studied
    assert study.t0 == catalyst
    assert study.estimation_start == days[1].date()
    assert study.estimation_end == days[250].date()
    assert study.n == 250
    assert study.alpha == pytest.approx(ALPHA, rel=1e-9)
    assert study.beta == pytest.approx(BETA, rel=1e-9)
    assert study.sigma == pytest.approx(SIGMA, rel=1e-9)

    # AR: the injected returns, 0 elsewhere; the cumulative path from t0-5.
    assert [p.offset for p in study.ar_path] == list(range(-5, 21))
    running = 0.0
    for point in study.ar_path:
        want = INJECTED.get(point.offset, 0.0)
        running += want
        assert point.session == days[T0 + point.offset].date()
        assert point.ar == pytest.approx(want, abs=1e-12)
        assert point.cumulative == pytest.approx(running, abs=1e-12)

    # CAR and t: [-1, +1] = 0.03 - 0.01; [0, +5] and [0, +20] = 0.03 - 0.01 + 0.02.
    expected = {(-1, 1): 0.02, (0, 5): 0.04, (0, 20): 0.04}
    for window in study.windows:
        car = expected[(window.start, window.end)]
        length = window.end - window.start + 1
        assert window.car == pytest.approx(car, abs=1e-12)
        assert window.t == pytest.approx(car / (SIGMA * math.sqrt(length)), rel=1e-9)
        assert window.significant is True
        assert window.first_session == days[T0 + window.start].date()
        assert window.last_session == days[T0 + window.end].date()
        assert window.reason_code is None

    # The basket of one member is that member.
    basket = result.catalysts[0].basket
    assert basket.symbol == BASKET
    assert basket.beta == pytest.approx(BETA, rel=1e-9)
    assert basket.windows[1].car == pytest.approx(0.04, abs=1e-12)


def test_significance_threshold_is_strict() -> None:
    # Scale the injected reaction so that t is just below and just above 1.96.
    for factor, significant in ((0.99, False), (1.01, True)):
        days, market, stock = known_case()
        target = factor * 1.96 * SIGMA * math.sqrt(3)  # CAR [-1, +1] at t = 1.96 * factor
        stock = list(stock)
        for offset, value in INJECTED.items():
            stock[T0 + offset] = (stock[T0 + offset] or 0.0) - value
        stock[T0] = (stock[T0] or 0.0) + target
        result = study_events(
            [CatalystInput(days[T0].date(), "News", True)],
            {"A.HK": prices_from(days, stock)},
            {"A.HK": 1.0},
            prices_from(days, market),
            "^HSI",
            days[-1].date(),
        )
        window = result.catalysts[0].stock("A.HK").windows[0]
        assert window.t == pytest.approx(1.96 * factor, rel=1e-6)
        assert window.significant is significant


# --- an independent cross-check with statsmodels ------------------------------------------


def test_matches_statsmodels_ols_for_stocks_and_the_basket() -> None:
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2022-01-03", periods=420)
    market_r = rng.normal(0.0002, 0.012, len(days))
    bench = pd.Series(100 * np.cumprod(1 + market_r), index=index_of(days))
    bench = bench.drop(bench.index[[50, 300]])  # benchmark gaps: estimation and event window
    stocks: dict[str, pd.Series] = {}
    for k, (beta, vol) in enumerate(((1.4, 0.02), (0.6, 0.015), (1.0, 0.03))):
        r = 0.0003 + beta * market_r + rng.normal(0, vol, len(days))
        prices = pd.Series(50 * np.cumprod(1 + r), index=index_of(days))
        if k == 2:
            prices = prices.drop(prices.index[[100, 101, 330]])  # suspensions
        stocks[f"{k}.HK"] = prices
    weights = {"0.HK": 0.5, "1.HK": 0.3, "2.HK": 0.2}
    catalyst = days[297].date()  # a Friday: t0 is that bar
    as_of = days[-1].date()
    result = study_events(
        [CatalystInput(catalyst, "News", True)], stocks, weights, bench, "^HSI", as_of
    )
    rm = bench.pct_change().dropna()

    def check(study_symbol: str, returns: pd.Series, bars_index: pd.Index) -> None:
        study = (
            result.catalysts[0].basket
            if study_symbol == BASKET
            else result.catalysts[0].stock(study_symbol)
        )
        t0 = int(bars_index.searchsorted(pd.Timestamp(catalyst)))
        window = bars_index[max(t0 - 260, 0) : t0 - 10]
        pairs = pd.concat([returns.reindex(window), rm.reindex(window)], axis=1).dropna()
        fit = sm.OLS(pairs.iloc[:, 0].to_numpy(), sm.add_constant(pairs.iloc[:, 1].to_numpy()))
        model = fit.fit()
        alpha, beta = (float(v) for v in model.params)
        sigma = math.sqrt(float(model.scale))
        assert study.n == len(pairs)
        assert study.alpha == pytest.approx(alpha, rel=1e-8, abs=1e-12)
        assert study.beta == pytest.approx(beta, rel=1e-8)
        assert study.sigma == pytest.approx(sigma, rel=1e-8)
        for car_window in study.windows:
            span = bars_index[t0 + car_window.start : t0 + car_window.end + 1]
            ar = returns.reindex(span) - model.predict(
                sm.add_constant(rm.reindex(span).to_numpy(), has_constant="add")
            )
            if ar.isna().any():
                assert car_window.car is None
                assert car_window.reason_code == "missing_ar"
                continue
            car = float(ar.sum())
            t = car / (sigma * math.sqrt(len(span)))
            assert car_window.car == pytest.approx(car, rel=1e-8, abs=1e-12)
            assert car_window.t == pytest.approx(t, rel=1e-8, abs=1e-10)
            assert car_window.significant is (abs(t) > 1.96)

    for symbol, prices in stocks.items():
        check(symbol, prices.pct_change(), prices.index)
    # The basket: the weighted mean over the members with a return, weights renormalised.
    frame = pd.DataFrame({s: p.pct_change() for s, p in stocks.items()})
    w = pd.Series(weights)
    has = frame.notna()
    basket = (frame.fillna(0.0) * w).sum(axis=1) / (has * w).sum(axis=1)
    basket = basket[has.any(axis=1)]
    check(BASKET, basket, basket.index)
    # Both benchmark gaps matter: one drops an estimation pair, one nulls a window.
    assert result.catalysts[0].stock("0.HK").n == 249
    assert result.catalysts[0].stock("0.HK").windows[2].reason_code == "missing_ar"


# --- the basket's renormalised weights ----------------------------------------------------


def test_basket_weights_renormalise_over_members_with_a_return() -> None:
    days = index_of(["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"])
    a = ReturnSeries.from_prices(pd.Series([10.0, 11.0, 11.0, 12.1, 12.1], index=days))
    # B has no bar on 5 Mar (suspended) and lists on 4 Mar (its first bar: no return).
    b_days = index_of(["2024-03-04", "2024-03-06", "2024-03-07"])
    b = ReturnSeries.from_prices(pd.Series([20.0, 22.0, 19.8], index=b_days))
    basket = basket_returns({"A": a, "B": b}, {"A": 3.0, "B": 1.0})
    got = dict(zip([str(d) for d in basket.days], basket.returns.tolist(), strict=True))
    assert list(got) == ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"]
    assert got["2024-03-04"] == pytest.approx(0.10)  # A alone: B's first bar has no return
    assert got["2024-03-05"] == pytest.approx(0.0)  # A alone: B has no bar
    assert got["2024-03-06"] == pytest.approx((3 * 0.10 + 1 * 0.10) / 4)
    assert got["2024-03-07"] == pytest.approx((3 * 0.0 + 1 * -0.10) / 4)
    # Normalised weights give the same basket.
    same = basket_returns({"A": a, "B": b}, {"A": 0.75, "B": 0.25})
    assert same.returns.tolist() == pytest.approx(basket.returns.tolist(), rel=1e-15)
    # A member with no data at all is simply absent.
    empty = ReturnSeries.from_prices(pd.Series([], index=index_of([]), dtype="float64"))
    alone = basket_returns({"A": a, "C": empty}, {"A": 0.5, "C": 0.5})
    assert alone.returns.tolist() == pytest.approx([0.10, 0.0, 0.10, 0.0])


def test_on_days_aligns_by_date_only() -> None:
    bench = ReturnSeries.from_prices(
        pd.Series([100.0, 101.0, 99.99], index=index_of(["2024-01-02", "2024-01-03", "2024-01-05"]))
    )
    days = ReturnSeries.from_prices(
        pd.Series(
            [1.0, 1.0, 1.0, 1.0],
            index=index_of(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]),
        )
    ).days
    aligned = on_days(bench, days)
    assert math.isnan(aligned[0])  # the benchmark's first bar has no return
    assert aligned[1] == pytest.approx(0.01)
    assert math.isnan(aligned[2])  # no benchmark bar that day
    assert aligned[3] == pytest.approx(-0.01)


# --- edge cases ---------------------------------------------------------------------------


def _study_one(
    stock: pd.Series,
    bench: pd.Series,
    catalyst: dt.date,
    as_of: dt.date,
) -> tuple[EventStudy, EventStudy]:
    result = study_events(
        [CatalystInput(catalyst, "News", True)],
        {"A.HK": stock},
        {"A.HK": 1.0},
        bench,
        "^HSI",
        as_of,
    )
    return result.catalysts[0].stock("A.HK"), result.catalysts[0].basket


def test_short_history_is_not_enough() -> None:
    days, market, stock = known_case()
    short = prices_from(days, stock).iloc[T0 - 100 :]  # 100 bars before t0
    study, basket = _study_one(short, prices_from(days, market), days[T0].date(), days[-1].date())
    assert not study.studied
    assert study.reason_code == "not_enough_history"
    assert study.n == 89  # bars t0-100 .. t0-11, first without return
    assert "89 return pairs" in str(study.reason)
    assert study.alpha is None
    assert study.windows == []
    assert basket.reason_code == "not_enough_history"


def test_a_benchmark_gap_inside_the_event_window() -> None:
    days, market, stock = known_case()
    bench = prices_from(days, market).drop(days[T0 + 2])
    study, _ = _study_one(prices_from(days, stock), bench, days[T0].date(), days[-1].date())
    assert study.studied
    path = {p.offset: p for p in study.ar_path}
    assert path[2].ar is None
    assert path[1].cumulative is not None
    assert all(path[k].cumulative is None for k in range(2, 21))
    first, second, third = study.windows
    assert first.car == pytest.approx(0.02, abs=1e-12)
    assert second.car is None
    assert second.t is None
    assert second.significant is None
    assert second.reason_code == "missing_ar"
    assert days[T0 + 2].date().isoformat() in str(second.reason)
    assert third.reason_code == "missing_ar"


def test_a_benchmark_gap_inside_the_estimation_window_drops_one_pair() -> None:
    days, market, stock = known_case()
    bench = prices_from(days, market).drop(days[100])
    study, _ = _study_one(prices_from(days, stock), bench, days[T0].date(), days[-1].date())
    # Day 100's return is dropped; the benchmark's day-101 return spans two bars.
    assert study.n == 250 - 1
    assert study.studied


def test_a_window_not_yet_complete() -> None:
    days, market, stock = known_case()
    as_of = days[T0 + 3].date()
    cut = days[: T0 + 4]
    study, basket = _study_one(
        prices_from(cut, stock[: T0 + 4]),
        prices_from(cut, market[: T0 + 4]),
        days[T0].date(),
        as_of,
    )
    first, second, third = study.windows
    assert first.car == pytest.approx(0.02, abs=1e-12)
    assert second.car is None
    assert second.reason_code == "window_incomplete"
    assert "4 of 6 bars" in str(second.reason)
    assert second.last_session is None
    assert third.reason_code == "window_incomplete"
    assert "4 of 21 bars" in str(third.reason)
    path = study.ar_path
    assert [p.session is None for p in path].count(True) == 20 - 3
    assert basket.windows[1].reason_code == "window_incomplete"


def test_a_catalyst_on_a_holiday_or_weekend_falls_on_the_next_bar() -> None:
    all_days = pd.bdate_range("2023-01-02", periods=BARS + 1)
    holiday = all_days[T0]
    days = all_days.drop(holiday)
    _, market, stock = known_case(days)
    bench, prices = prices_from(days, market), prices_from(days, stock)
    study, _ = _study_one(prices, bench, holiday.date(), days[-1].date())
    assert study.t0 == days[T0].date()
    assert study.t0 > holiday.date()
    assert study.windows[0].car == pytest.approx(0.02, abs=1e-12)
    saturday = days[T0].date() - dt.timedelta(days=days[T0].weekday() + 2)
    weekend, _ = _study_one(prices, bench, saturday, days[-1].date())
    assert weekend.t0 == days[int(days.searchsorted(pd.Timestamp(saturday)))].date()


def test_a_stale_stock_and_a_catalyst_after_its_last_bar() -> None:
    days, market, stock = known_case()
    other = [None if r is None else 0.5 * r for r in market]
    stale = prices_from(days, stock).iloc[: T0 + 9]  # last bar t0+8
    result = study_events(
        [
            CatalystInput(days[T0].date(), "News", True),
            CatalystInput(days[T0 + 12].date(), "Later"),
        ],
        {"A.HK": stale, "B.HK": prices_from(days, other)},
        {"A.HK": 0.5, "B.HK": 0.5},
        prices_from(days, market),
        "^HSI",
        days[-1].date(),
    )
    news, later = result.catalysts
    a = news.stock("A.HK")
    assert a.windows[0].car is not None
    assert a.windows[1].car is not None  # [0, +5] ends before its last bar
    assert a.windows[2].reason_code == "window_incomplete"
    assert days[T0 + 8].date().isoformat() in str(a.windows[2].reason or "")
    # The basket goes on with B alone: every window complete.
    assert all(w.car is not None for w in news.basket.windows)
    # A has no bar on or after the later catalyst.
    assert later.stock("A.HK").reason_code == "no_event_bar"
    assert later.stock("B.HK").studied


def test_catalysts_after_the_as_of_and_before_the_data() -> None:
    days, market, stock = known_case()
    bench = prices_from(days, market)
    listed_late = prices_from(days, stock).iloc[T0 + 1 :]
    result = study_events(
        [
            CatalystInput(days[T0].date(), "News", True),
            CatalystInput(days[-1].date() + dt.timedelta(days=3), "Future"),
        ],
        {"A.HK": prices_from(days, stock), "B.HK": listed_late},
        {"A.HK": 0.5, "B.HK": 0.5},
        bench,
        "^HSI",
        days[-1].date(),
    )
    news, future = result.catalysts
    assert news.stock("B.HK").reason_code == "before_data"
    assert "after the catalyst" in str(news.stock("B.HK").reason or "")
    assert news.stock("A.HK").studied
    assert future.basket.reason_code == "after_as_of"
    assert {s.reason_code for s in future.stocks} == {"after_as_of"}
    # A benchmark whose returns start after the estimation window ends.
    late_bench = bench.iloc[T0 - 5 :]
    study, _ = _study_one(prices_from(days, stock), late_bench, days[T0].date(), days[-1].date())
    assert study.reason_code == "before_data"
    assert "benchmark's returns start on" in str(study.reason)


def test_a_flat_benchmark_has_no_estimate() -> None:
    days, _, stock = known_case()
    flat = pd.Series(100.0, index=index_of(days))
    study, _ = _study_one(prices_from(days, stock), flat, days[T0].date(), days[-1].date())
    assert study.reason_code == "flat_benchmark"
    assert study.n == 250


def test_overlapping_catalysts_are_flagged() -> None:
    days, market, stock = known_case()
    early = days[150].date()  # inside the news's estimation window (bars 1 .. 250)
    result = study_events(
        [CatalystInput(days[T0].date(), "News", True), CatalystInput(early, "Earlier")],
        {"A.HK": prices_from(days, stock)},
        {"A.HK": 1.0},
        prices_from(days, market),
        "^HSI",
        days[-1].date(),
    )
    earlier, news = result.catalysts  # date order
    assert earlier.title == "Earlier"
    assert [(o.date, o.title) for o in news.overlaps] == [(early, "Earlier")]
    assert earlier.overlaps == []  # "News" is after its window
    assert result.main is news


# --- in the snapshot --------------------------------------------------------------------


def _snapshot_theme(event: dt.date, catalysts: list[dict[str, object]]) -> Theme:
    base = theme(["0700", "9988"], event)
    data = base.model_dump()
    data["catalysts"] = catalysts
    return Theme.model_validate(data)


def test_snapshot_carries_the_study_and_its_json() -> None:
    cal = sessions("2022-01-03", "2024-06-28", holidays=["2024-02-12", "2024-02-13"])
    th = _snapshot_theme(
        dt.date(2024, 2, 16),
        [
            {"date": dt.date(2023, 6, 1), "title": "Earlier"},
            {"date": dt.date(2025, 1, 2), "title": "Later"},
        ],
    )
    frame = price_frame(
        {
            "0700.HK": random_bars(cal, 1),
            "9988.HK": random_bars(cal, 2),
            "^HSI": random_bars(cal, 3),
        }
    )
    snap = build_snapshot(th, frame, dt.date(2024, 6, 28), cal)
    titles = [c.title for c in snap.events.catalysts]
    assert titles == ["Earlier", "The news", "Later"]
    assert snap.events.main is not None
    assert snap.events.main.title == "The news"
    assert snap.events.main.basket.studied
    assert snap.events.catalysts[2].basket.reason_code == "after_as_of"
    plain = snap.to_dict()
    text = json.dumps(plain, allow_nan=False)
    events = json.loads(text)["events"]
    main = events["catalysts"][1]
    assert set(main["basket"]) >= {"t0", "n", "alpha", "beta", "sigma", "ar_path", "windows"}
    assert len(main["basket"]["ar_path"]) == 26
    assert (
        main["basket"]["windows"][0]["car"] == snap.events.main.basket.windows[0].car
    )  # unrounded
    assert set(main["basket"]["windows"][0]) >= {"start", "end", "car", "t", "significant"}
    assert events["car_windows"] == [[-1, 1], [0, 5], [0, 20]]

    # Bars after the as-of session change nothing.
    longer = sessions("2022-01-03", "2024-09-30", holidays=["2024-02-12", "2024-02-13"])
    frame2 = price_frame(
        {
            "0700.HK": random_bars(longer, 1),
            "9988.HK": random_bars(longer, 2),
            "^HSI": random_bars(longer, 3),
        }
    )
    again = build_snapshot(th, frame2, dt.date(2024, 6, 28), longer)
    assert again.events == snap.events


def test_study_adds_history_for_the_earliest_catalyst() -> None:
    th = _snapshot_theme(
        dt.date(2024, 2, 16),
        [
            {"date": dt.date(2022, 11, 30), "title": "ChatGPT"},
            {"date": dt.date(2030, 1, 1), "title": "Future"},
        ],
    )
    start = pipeline.history_start(th, dt.date(2024, 6, 28))
    assert start == dt.date(2022, 11, 30) - dt.timedelta(days=pipeline.EVENT_STUDY_DAYS)
    # 400 calendar days hold the 260 Hong Kong bars of an estimation window.
    assert pipeline.EVENT_STUDY_DAYS * 247 / 365 > 260
    # A catalyst after the as-of asks for nothing; a very old one stops at 1990.
    only_event = _snapshot_theme(dt.date(2024, 2, 16), [])
    assert pipeline.history_start(only_event, dt.date(2024, 6, 28)) > dt.date(2023, 1, 1)
    ancient = _snapshot_theme(
        dt.date(2024, 2, 16), [{"date": dt.date(1987, 10, 19), "title": "Crash"}]
    )
    assert pipeline.history_start(ancient, dt.date(2024, 6, 28)) == dt.date(1990, 1, 1)


def test_a_stale_stock_in_the_snapshot() -> None:
    cal = sessions("2022-01-03", "2024-04-30")
    stale_bars = random_bars(cal, 5).loc[:"2024-02-26"]
    frame = price_frame(
        {"0700.HK": random_bars(cal, 1), "9988.HK": stale_bars, "^HSI": random_bars(cal, 3)}
    )
    snap = build_snapshot(
        _snapshot_theme(dt.date(2024, 2, 16), []), frame, dt.date(2024, 4, 30), cal
    )
    main = snap.events.main
    assert main is not None
    stale = main.stock("9988.HK")
    assert stale.studied
    assert stale.windows[2].reason_code == "window_incomplete"
    assert "2024-02-26" in str(stale.windows[2].reason or "")
    assert main.stock("0700.HK").windows[2].car is not None
    assert main.basket.windows[2].car is not None
