"""The demo source: deterministic, on the real calendar, plausible, always labelled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from concepttrack import calendar
from concepttrack.errors import UsageError
from concepttrack.prices.demo import DEMO_DETAIL, DemoSource, demo_bars
from concepttrack.prices.frame import COLUMNS

START, END = dt.date(2021, 1, 4), dt.date(2025, 12, 31)


def test_same_symbol_same_bars_whatever_the_window() -> None:
    whole = demo_bars("9888.HK", START, END)
    part = demo_bars("9888.HK", dt.date(2024, 2, 1), dt.date(2024, 3, 1))

    pd.testing.assert_frame_equal(
        part[["open", "close", "volume"]], whole.loc[part.index, ["open", "close", "volume"]]
    )
    assert not demo_bars("0700.HK", START, END)["close"].equals(whole["close"])


def test_bars_follow_the_exchange_calendar() -> None:
    bars = demo_bars("9888.HK", dt.date(2024, 2, 1), dt.date(2024, 2, 29))

    assert list(bars.index) == list(
        calendar.sessions("XHKG", dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    )
    assert pd.Timestamp("2024-02-12") not in bars.index  # Lunar New Year
    us = demo_bars("NVDA", dt.date(2024, 7, 1), dt.date(2024, 7, 8))
    assert pd.Timestamp("2024-07-04") not in us.index


def test_contract_and_plausible_numbers() -> None:
    bars = demo_bars("0941.HK", START, END)

    assert list(bars.columns) == list(COLUMNS)
    assert all(dtype == "float64" for dtype in bars.dtypes)
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert bars["close"].between(0.5, 1_000).all()
    assert (bars["volume"] > 0).all()
    annual_vol = np.log(bars["close"]).diff().std() * np.sqrt(252)
    assert 0.15 < annual_vol < 0.8


def test_index_level_and_volatility() -> None:
    bars = demo_bars("^HSI", START, END)

    assert bars["close"].between(8_000, 40_000).all()
    assert bars["close"].median() == pytest.approx(20_000, rel=0.3)
    annual_vol = np.log(bars["close"]).diff().std() * np.sqrt(252)
    assert 0.1 < annual_vol < 0.35
    assert (bars["dividends"] == 0).all()


def test_dividends_make_adjusted_close_lower_before_ex_dates() -> None:
    payers = [
        s
        for s in ("0941.HK", "0700.HK", "0005.HK", "0388.HK", "9888.HK")
        if (demo_bars(s, START, END)["dividends"] > 0).any()
    ]
    assert payers, "most demo stocks pay dividends"
    bars = demo_bars(payers[0], START, END)
    first_ex = bars.index[bars["dividends"] > 0][0]

    before = bars.loc[: first_ex - pd.Timedelta(days=1)]
    assert (before["adj_close"] < before["close"]).all()
    assert bars["adj_close"].iloc[-1] == bars["close"].iloc[-1]


def test_everything_is_labelled_demo() -> None:
    history = DemoSource().fetch(["9888.HK"], START, END)["9888.HK"]

    assert history.meta is not None
    assert history.meta.demo
    assert history.meta.source == "demo"
    assert history.meta.detail == DEMO_DETAIL
    assert history.meta.currency == "HKD"


def test_demo_starts_in_2000() -> None:
    with pytest.raises(UsageError) as caught:
        demo_bars("9888.HK", dt.date(1999, 1, 1), dt.date(2001, 1, 1))
    assert caught.value.message == "demo prices start on 2000-01-03; asked from 1999-01-01"


def test_a_demo_a_share_trades_at_a_plausible_premium_to_its_h_share() -> None:
    """A+H pairs of the shipped table: the A share's demo close, in HKD at the demo rate,
    stays within −20 % .. +90 % of the H share's (two independent series gave +450 %)."""
    from concepttrack.pairs import load_table
    from concepttrack.prices.demo import _PER_USD

    start, end = dt.date(2024, 1, 2), dt.date(2025, 6, 30)
    for pair in load_table().pairs[:6]:
        a = demo_bars(pair.a_symbol, start, end)["close"]
        h = demo_bars(pair.h_symbol, start, end)["close"]
        both = a.index.intersection(h.index)
        hkd_per_cny = _PER_USD["HKD"] / _PER_USD["CNY"]
        premium = a[both] * hkd_per_cny / h[both] - 1
        assert len(both) > 250
        assert premium.min() > -0.2, pair
        assert premium.max() < 0.9, pair
    # Still the symbol's own series: the same window twice gives the same bars.
    first = demo_bars("600941.SS", start, end)
    again = demo_bars("600941.SS", dt.date(2025, 1, 2), end)
    assert first.loc[again.index].equals(again)


def test_demo_bars_cached_by_an_older_generator_are_made_again(tmp_path: Path) -> None:
    """A cache filled before the generator changed (revision None) is refreshed, so an
    old demo series is never shown as today's demo."""
    import sqlite3

    from concepttrack.prices import load_prices
    from concepttrack.prices.demo import DEMO_GENERATOR
    from concepttrack.prices.store import PriceStore

    store = tmp_path / "cache.db"
    day = dt.date(2025, 6, 30)
    first = load_prices(
        ["600941.SS"], start=dt.date(2025, 6, 2), end=day, source="demo", store_path=store
    )
    assert first.fetch_rounds == 1
    with PriceStore(store) as cache:
        assert cache.coverage("demo", ["600941.SS"])["600941.SS"].revision == DEMO_GENERATOR
    with sqlite3.connect(store) as db:  # as a cache written by an older generator
        db.execute("UPDATE series SET revision = NULL")
    again = load_prices(
        ["600941.SS"], start=dt.date(2025, 6, 2), end=day, source="demo", store_path=store
    )
    assert again.fetch_rounds == 1
    warm = load_prices(
        ["600941.SS"], start=dt.date(2025, 6, 2), end=day, source="demo", store_path=store
    )
    assert warm.fetch_rounds == 0
