"""Adjusted closes derived from traded closes and actions (prices/adjust.py), and the
cache that stores the traded closes and actions only (schema 4)."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from concepttrack.prices import load_prices
from concepttrack.prices.adjust import (
    YAHOO_TOLERANCE,
    adjusted_close,
    adjustment_factors,
    with_adjusted_close,
)
from concepttrack.prices.csvdir import CsvDirSource
from concepttrack.prices.frame import COLUMNS, SymbolHistory, SymbolMeta
from concepttrack.prices.store import PriceStore
from tests.price_fixtures import RecordingSource, hk_sessions, make_bars
from tests.yahoo_fake import Bar, FakeYahoo, fresh_fake_yahoo, yahoo_source

DAYS = [dt.date(2024, 3, d) for d in (4, 5, 6, 7, 8, 11)]


def _bars(
    closes: Sequence[float],
    dividends: dict[int, float] | None = None,
    splits: dict[int, float] | None = None,
) -> pd.DataFrame:
    count = len(closes)
    frame = pd.DataFrame(
        {
            "open": list(closes),
            "high": list(closes),
            "low": list(closes),
            "close": list(closes),
            "adj_close": [math.nan] * count,
            "volume": [1000.0] * count,
            "dividends": [(dividends or {}).get(i, 0.0) for i in range(count)],
            "splits": [(splits or {}).get(i, 0.0) for i in range(count)],
        },
        index=pd.DatetimeIndex([pd.Timestamp(d) for d in DAYS[:count]], name="session"),
    )
    return frame[list(COLUMNS)].astype("float64")


# --- the method, by hand ------------------------------------------------------------------


def test_two_dividends_and_a_split_by_hand() -> None:
    # Prices as printed that day (AkShare's unadjusted history): a 2-for-1 split goes
    # ex on row 3, dividends of 0.50 on row 2 and 0.30 on row 5.
    bars = _bars([20.0, 22.0, 21.0, 10.6, 12.5, 13.0], {2: 0.5, 5: 0.3}, {3: 2.0})

    adj = adjusted_close(bars, split_adjusted=False)

    d5 = 1 - 0.3 / 12.5  # row 5's dividend, on row 4's close
    d2 = 1 - 0.5 / 22.0  # row 2's dividend, on row 1's close
    half = 1 / 2.0  # the split on row 3
    expected = [
        20.0 * d2 * half * d5,
        22.0 * d2 * half * d5,
        21.0 * half * d5,
        10.6 * d5,
        12.5 * d5,
        13.0,
    ]
    assert adj.tolist() == pytest.approx(expected, rel=1e-15)
    assert adj.name == "adj_close"


def test_split_adjusted_closes_do_not_get_the_split_again() -> None:
    # Yahoo's Close: the same history with the split already in the earlier closes.
    bars = _bars([10.0, 11.0, 10.5, 10.6, 12.5, 13.0], {2: 0.25, 5: 0.3}, {3: 2.0})

    adj = adjusted_close(bars, split_adjusted=True)

    d5, d2 = 1 - 0.3 / 12.5, 1 - 0.25 / 11.0
    expected = [10.0 * d2 * d5, 11.0 * d2 * d5, 10.5 * d5, 10.6 * d5, 12.5 * d5, 13.0]
    assert adj.tolist() == pytest.approx(expected, rel=1e-15)


def test_a_dividend_on_the_split_day_is_measured_on_the_new_share_basis() -> None:
    bars = _bars([20.0, 10.2, 10.4], {1: 0.5}, {1: 2.0})

    adj = adjusted_close(bars, split_adjusted=False)

    # The close before, on the new basis, is 20 / 2 = 10.
    assert adj.tolist() == pytest.approx([20.0 * 0.5 * (1 - 0.5 / 10.0), 10.2, 10.4], rel=1e-15)


def test_actions_on_the_first_row_and_impossible_dividends_change_nothing() -> None:
    bars = _bars([5.0, 5.5, 5.2], {0: 1.0, 2: 5.5}, {0: 2.0})

    factors = adjustment_factors(bars, split_adjusted=False)

    # Row 0 has nothing before it; a 5.5 dividend on a 5.5 close is no cash dividend.
    assert factors.tolist() == [1.0, 1.0, 1.0]
    assert adjusted_close(bars.iloc[:0]).empty


def test_only_ratios_matter_so_a_window_gives_the_same_returns() -> None:
    bars = _bars([20.0, 22.0, 21.0, 10.6, 12.5, 13.0], {2: 0.5, 5: 0.3}, {3: 2.0})

    whole = adjusted_close(bars, split_adjusted=False)
    window = adjusted_close(bars.iloc[:4], split_adjusted=False)

    np.testing.assert_allclose(
        window.pct_change().to_numpy()[1:], whole.iloc[:4].pct_change().to_numpy()[1:], rtol=1e-12
    )


def test_with_adjusted_close_leaves_kept_and_single_close_series_alone() -> None:
    bars = _bars([10.0, 11.0], {1: 0.5})
    bars["adj_close"] = [9.0, 11.0]
    kept = SymbolMeta("0700.HK", "csv:x", "HKD", "Asia/Hong_Kong")
    adjusted_only = replace(kept, close_is_adjusted=True)

    assert with_adjusted_close(bars, kept) is bars
    assert with_adjusted_close(bars, adjusted_only) is bars
    derived = with_adjusted_close(bars, replace(kept, adjusted_from_actions=True))
    assert derived["adj_close"].tolist() == pytest.approx([10.0 * (1 - 0.5 / 10.0), 11.0])


# --- against Yahoo's own Adj Close ------------------------------------------------------

#: (month, day, close, Yahoo's adjclose) of 0005.HK-like bars in 2024, as Yahoo's chart
#: API sends them: float32 values printed as doubles. Dividends of 4.7739 (ex 2024-02-29)
#: and 0.31 (ex 2024-03-11); a 2-for-1 split on 2024-03-04 that Yahoo's closes already
#: include (so neither Yahoo's adjclose nor ours applies it again). Built in Yahoo's
#: format, not captured: this machine cannot reach Yahoo.
YAHOO_ROWS = [
    (2, 22, 61.45000076293945, 56.27814483642578),
    (2, 23, 60.86000061035156, 55.73780059814453),
    (2, 26, 59.88999938964844, 54.84943771362305),
    (2, 27, 59.709999084472656, 54.68458938598633),
    (2, 28, 60.0099983215332, 54.9593391418457),
    (2, 29, 60.83000183105469, 60.525211334228516),
    (3, 1, 60.90999984741211, 60.60480880737305),
    (3, 4, 60.5099983215332, 60.20681381225586),
    (3, 5, 59.939998626708984, 59.639671325683594),
    (3, 6, 60.47999954223633, 60.176963806152344),
    (3, 7, 61.66999816894531, 61.36100387573242),
    (3, 8, 61.869998931884766, 61.560001373291016),
    (3, 11, 60.95000076293945, 60.95000076293945),
    (3, 12, 60.25, 60.25),
    (3, 13, 61.40999984741211, 61.40999984741211),
]
YAHOO_DIVIDENDS = {dt.date(2024, 2, 29): 4.7739, dt.date(2024, 3, 11): 0.31}
YAHOO_SPLITS = {dt.date(2024, 3, 4): (2, 1)}


@pytest.fixture
def fake_yahoo() -> Iterator[FakeYahoo]:
    with fresh_fake_yahoo() as fake:
        yield fake


def _yahoo_bars() -> list[Bar]:
    return [
        Bar(dt.date(2024, m, d), close, close, close, close, adj, 1_000_000)
        for m, d, close, adj in YAHOO_ROWS
    ]


def test_derived_adjusted_close_matches_yahoos_own(
    fake_yahoo: FakeYahoo, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    yf_dir = tmp_path_factory.getbasetemp() / "yfinance-cache"
    fake_yahoo.add("0005.HK", _yahoo_bars(), YAHOO_DIVIDENDS, YAHOO_SPLITS)
    source = yahoo_source(fake_yahoo, yf_dir)
    start, end = dt.date(2024, 2, 22), dt.date(2024, 3, 13)
    # yfinance's own reading of the response: Yahoo's Adj Close.
    yahoo = source.fetch(["0005.HK"], start, end)["0005.HK"].bars

    frame = load_prices(
        ["0005.HK"],
        start=start,
        end=end,
        source=source,
        store_path=tmp_path / "c.sqlite",
        now=dt.datetime(2024, 3, 14, tzinfo=dt.UTC),
    )

    ours = frame.get("0005.HK").bars
    assert ours["dividends"].sum() == pytest.approx(4.7739 + 0.31)
    assert ours["splits"].max() == 2.0
    np.testing.assert_allclose(
        ours["adj_close"].to_numpy(), yahoo["adj_close"].to_numpy(), rtol=YAHOO_TOLERANCE, atol=0
    )
    # The closes shown are the traded ones, as Yahoo sent them.
    assert ours["close"].tolist() == [close for _, _, close, _ in YAHOO_ROWS]
    # What the cache holds: traded closes and actions, no adjusted close.
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        stored = db.execute("SELECT COUNT(adj_close), COUNT(close) FROM bars").fetchone()
    db.close()
    assert stored == (0, len(YAHOO_ROWS))


# --- the cache ----------------------------------------------------------------------------

JAN = hk_sessions(dt.date(2024, 1, 2), dt.date(2024, 1, 31))
TO_FEB_9 = hk_sessions(dt.date(2024, 1, 2), dt.date(2024, 2, 9))
LATER = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


class DerivingSource(RecordingSource):
    """A source of traded closes and actions (like AkShare's unadjusted history)."""

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        out = super().fetch(symbols, start, end)
        for history in out.values():
            assert history.meta is not None
            history.meta = replace(history.meta, adjusted_from_actions=True)
            # The source's own adjusted close is not kept: poison it to prove it.
            history.bars["adj_close"] = -1.0
        return out


def _load(source: RecordingSource, store: Path, end: dt.date) -> SymbolHistory:
    frame = load_prices(
        ["0700.HK"], start=dt.date(2024, 1, 2), end=end, source=source, store_path=store, now=LATER
    )
    return frame.get("0700.HK")


def test_a_new_dividend_after_the_overlap_needs_no_refetch(tmp_path: Path) -> None:
    store = tmp_path / "c.sqlite"
    _load(DerivingSource("alpha", {"0700.HK": make_bars(JAN)}), store, JAN[-1])
    # A dividend goes ex on 2024-02-05: the stored closes and actions stay true.
    revised = make_bars(TO_FEB_9, dividends={dt.date(2024, 2, 5): 1.0})
    source = DerivingSource("alpha", {"0700.HK": revised})

    history = _load(source, store, dt.date(2024, 2, 9))

    assert [call[1:] for call in source.calls] == [(dt.date(2024, 1, 25), dt.date(2024, 2, 9))]
    np.testing.assert_allclose(history.bars["adj_close"], revised["adj_close"], rtol=1e-12)
    pd.testing.assert_frame_equal(
        history.bars.drop(columns="adj_close"), revised.drop(columns="adj_close"), check_freq=False
    )
    assert history.meta is not None
    assert history.meta.adjusted_from_actions


@pytest.mark.parametrize("column", ["close", "dividends", "splits"])
def test_a_changed_close_or_action_in_the_overlap_refetches_all(
    tmp_path: Path, column: str
) -> None:
    store = tmp_path / "c.sqlite"
    _load(DerivingSource("alpha", {"0700.HK": make_bars(JAN)}), store, JAN[-1])
    revised = make_bars(TO_FEB_9)
    day = pd.Timestamp(dt.date(2024, 1, 29))
    revised.loc[day, column] = {"close": 60.0, "dividends": 0.4, "splits": 2.0}[column]
    source = DerivingSource("alpha", {"0700.HK": revised})

    _load(source, store, dt.date(2024, 2, 9))

    assert [call[1:] for call in source.calls] == [
        (dt.date(2024, 1, 25), dt.date(2024, 2, 9)),
        (dt.date(2024, 1, 2), dt.date(2024, 2, 9)),
    ]


def _version_3_cache(path: Path) -> pd.DataFrame:
    """A version-3 cache: a Yahoo series with Yahoo's adj_close stored, and a CSV one."""
    bars = make_bars(JAN, dividends={dt.date(2024, 1, 15): 1.2})
    yahoo = SymbolMeta("0700.HK", "yahoo", "HKD", "Asia/Hong_Kong")
    kept = SymbolMeta("0941.HK", "csv:/x", "HKD", "Asia/Hong_Kong", detail="0941.HK.csv")
    with PriceStore(path) as store:
        for source, meta in (("yahoo", yahoo), ("csv:/x", kept)):
            store.save(
                source,
                SymbolHistory(meta.symbol, bars, meta),
                requested_from=JAN[0],
                checked_through=JAN[-1],
                replace=True,
                revision="stamp",
            )
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE series DROP COLUMN adjusted_from_actions")
        db.execute("ALTER TABLE series DROP COLUMN split_adjusted")
        db.execute("PRAGMA user_version=3")
    db.close()
    return bars


def test_a_version_3_cache_is_migrated_to_traded_closes_and_actions(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    bars = _version_3_cache(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(adj_close) FROM bars").fetchone()[0] == 2 * len(JAN)
    db.close()

    with PriceStore(path) as store:
        yahoo = store.coverage("yahoo", ["0700.HK"])["0700.HK"]
        csv = store.coverage("csv:/x", ["0941.HK"])["0941.HK"]
        read = store.read("yahoo", ["0700.HK"], JAN[0], JAN[-1])["0700.HK"]
        kept = store.read("csv:/x", ["0941.HK"], JAN[0], JAN[-1])["0941.HK"]

    assert yahoo.meta.adjusted_from_actions
    assert yahoo.meta.split_adjusted
    assert yahoo.revision == "stamp"
    # Derived from the stored closes and dividend, it is Yahoo-style adj_close again.
    np.testing.assert_allclose(read["adj_close"], bars["adj_close"], rtol=1e-12)
    # A CSV series keeps what it had until its file is read again (revision forgotten).
    assert not csv.meta.adjusted_from_actions
    assert csv.revision is None
    pd.testing.assert_frame_equal(kept, bars, check_freq=False)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4
        only_csv = db.execute("SELECT DISTINCT source FROM bars WHERE adj_close IS NOT NULL")
        assert only_csv.fetchall() == [("csv:/x",)]
    db.close()
    PriceStore(path).close()  # a second open finds nothing left to migrate


# --- CSV layouts --------------------------------------------------------------------------


def _csv_frame(tmp_path: Path, text: str) -> SymbolHistory:
    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "0700.HK.csv").write_text(text, encoding="utf-8")
    frame = load_prices(
        ["0700.HK"],
        start=dt.date(2024, 3, 4),
        end=dt.date(2024, 3, 6),
        source=CsvDirSource(folder),
        store_path=tmp_path / "c.sqlite",
        now=dt.datetime(2024, 3, 8, tzinfo=dt.UTC),
    )
    return frame.get("0700.HK")


def test_a_csv_with_dividends_and_adj_close_derives_from_the_dividends(tmp_path: Path) -> None:
    history = _csv_frame(
        tmp_path,
        "Date,Open,High,Low,Close,Adj Close,Volume,Dividends,Stock Splits\n"
        "2024-03-04,10,10,10,10,9.1,100,0,0\n"
        "2024-03-05,11,11,11,11,10.5,100,0.5,0\n"
        "2024-03-06,12,12,12,12,12,100,0,0\n",
    )

    assert history.meta is not None
    assert history.meta.adjusted_from_actions
    assert history.bars["close"].tolist() == [10.0, 11.0, 12.0]
    # 1 - 0.5 / 10 on the first close; the file's 9.1 is not kept.
    assert history.bars["adj_close"].tolist() == pytest.approx([9.5, 11.0, 12.0])


def test_a_csv_with_adj_close_and_no_actions_keeps_its_adj_close(tmp_path: Path) -> None:
    history = _csv_frame(
        tmp_path,
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-03-04,10,10,10,10,9.1,100\n"
        "2024-03-05,11,11,11,11,11,100\n"
        "2024-03-06,12,12,12,12,12,100\n",
    )

    assert history.meta is not None
    assert not history.meta.adjusted_from_actions
    assert not history.meta.close_is_adjusted
    assert history.bars["adj_close"].tolist() == [9.1, 11.0, 12.0]


def test_an_adjusted_only_csv_is_unchanged_and_labelled(tmp_path: Path) -> None:
    history = _csv_frame(
        tmp_path,
        "Price,Close,Volume\nTicker,0700.HK,0700.HK\nDate,,\n"
        "2024-03-04,9.5,100\n2024-03-05,11,100\n2024-03-06,12,100\n",
    )

    assert history.meta is not None
    assert history.meta.close_is_adjusted
    assert not history.meta.adjusted_from_actions
    assert history.bars["close"].tolist() == history.bars["adj_close"].tolist() == [9.5, 11, 12]


def test_a_history_export_gives_traded_closes_and_its_own_adjustment_back(
    tmp_path: Path,
) -> None:
    # Ticker.history() prices: dividend-adjusted (9.5 is the traded 10 times 0.95).
    history = _csv_frame(
        tmp_path,
        "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits\n"
        "2024-03-04 00:00:00+08:00,9.5,9.5,9.5,9.5,100,0.0,0.0\n"
        "2024-03-05 00:00:00+08:00,11,11,11,11,100,0.5,0.0\n"
        "2024-03-06 00:00:00+08:00,12,12,12,12,100,0.0,0.0\n",
    )

    assert history.meta is not None
    assert history.meta.adjusted_from_actions
    assert history.bars["close"].tolist() == pytest.approx([10.0, 11.0, 12.0])
    assert history.bars["adj_close"].tolist() == pytest.approx([9.5, 11.0, 12.0], rel=1e-12)


def test_a_yf_download_export_with_actions_is_unadjusted_not_labelled(tmp_path: Path) -> None:
    # yf.download(auto_adjust=True, actions=True): adjusted prices plus the dividends.
    history = _csv_frame(
        tmp_path,
        "Price,Close,Dividends,Stock Splits,Volume\n"
        "Ticker,0700.HK,0700.HK,0700.HK,0700.HK\nDate,,,,\n"
        "2024-03-04,9.5,0,0,100\n2024-03-05,11,0.5,0,100\n2024-03-06,12,0,0,100\n",
    )

    assert history.meta is not None
    assert not history.meta.close_is_adjusted
    assert history.meta.adjusted_from_actions
    assert history.bars["close"].tolist() == pytest.approx([10.0, 11.0, 12.0])
    assert history.bars["adj_close"].tolist() == pytest.approx([9.5, 11.0, 12.0], rel=1e-12)


# --- the data appendix --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "start"),
    [("en", "Adjusted closes are derived from traded closes"), ("zh-hk", "經調整收市價由實際成交")],
)
def test_the_data_notes_state_the_one_adjustment_method(lang: str, start: str) -> None:
    from concepttrack.render.context import build_context
    from tests.render_fixtures import sora_snapshot, sora_theme

    note = build_context(sora_theme(), sora_snapshot(), lang=lang)

    method = [line for line in note.data_notes if line.startswith(start)]
    assert len(method) == 1
    assert "÷" in method[0]
