"""The SQLite cache and the read-through logic of load_prices."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from concepttrack.errors import CacheError
from concepttrack.prices import load_prices
from concepttrack.prices.frame import SymbolHistory, SymbolMeta
from concepttrack.prices.store import PriceStore, UnreadableCacheError, set_aside
from tests.price_fixtures import RecordingSource, hk_sessions, make_bars

JAN = hk_sessions(dt.date(2024, 1, 2), dt.date(2024, 1, 31))
TO_FEB_9 = hk_sessions(dt.date(2024, 1, 2), dt.date(2024, 2, 9))
LATER = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


def _load(
    source: RecordingSource,
    store: Path,
    symbols: list[str],
    end: dt.date,
    *,
    start: dt.date = dt.date(2024, 1, 2),
    refresh: bool = False,
    now: dt.datetime = LATER,
) -> dict[str, SymbolHistory]:
    frame = load_prices(
        symbols, start=start, end=end, source=source, store_path=store, refresh=refresh, now=now
    )
    return frame.histories


def test_store_round_trip_keeps_the_contract(tmp_path: Path) -> None:
    bars = make_bars(JAN[:5])
    bars.loc[bars.index[2], "open"] = np.nan
    meta = SymbolMeta("0700.HK", "demo", "HKD", "Asia/Hong_Kong", demo=True, detail="x")
    with PriceStore(tmp_path / "c.sqlite") as store:
        store.save(
            "demo",
            SymbolHistory("0700.HK", bars, meta),
            requested_from=JAN[0],
            checked_through=JAN[4],
            replace=True,
        )
        read = store.read("demo", ["0700.HK", "9999.HK"], JAN[0], JAN[-1])
        coverage = store.coverage("demo", ["0700.HK"])["0700.HK"]

    pd.testing.assert_frame_equal(read["0700.HK"], bars, check_freq=False)
    assert read["9999.HK"].empty
    assert coverage.meta == meta
    assert (coverage.first_session, coverage.last_session, coverage.rows) == (JAN[0], JAN[4], 5)


def test_incremental_fetch_asks_only_for_the_tail(tmp_path: Path) -> None:
    source = RecordingSource("alpha", {"0700.HK": make_bars(TO_FEB_9)})
    store = tmp_path / "c.sqlite"
    _load(source, store, ["0700.HK"], JAN[-1])

    histories = _load(source, store, ["0700.HK"], dt.date(2024, 2, 9))

    assert source.calls == [
        (("0700.HK",), dt.date(2024, 1, 2), dt.date(2024, 1, 31)),
        # Five sessions of overlap before the last cached one (2024-01-31).
        (("0700.HK",), dt.date(2024, 1, 25), dt.date(2024, 2, 9)),
    ]
    pd.testing.assert_frame_equal(histories["0700.HK"].bars, make_bars(TO_FEB_9), check_freq=False)


def test_a_warm_cache_asks_nothing(tmp_path: Path) -> None:
    source = RecordingSource("alpha", {"0700.HK": make_bars(JAN), "^HSI": make_bars(JAN)})
    store = tmp_path / "c.sqlite"
    _load(source, store, ["0700.HK", "^HSI"], JAN[-1])
    _load(source, store, ["0700.HK", "^HSI"], JAN[-1], start=dt.date(2024, 1, 10))

    assert len(source.calls) == 1
    assert source.calls[0][0] == ("0700.HK", "^HSI")  # one batched call for both


def test_revised_adjusted_prices_trigger_a_full_refetch(tmp_path: Path) -> None:
    store = tmp_path / "c.sqlite"
    _load(RecordingSource("alpha", {"0700.HK": make_bars(JAN)}), store, ["0700.HK"], JAN[-1])
    # A dividend goes ex on 2024-02-05: every earlier adj_close moves, overlap included.
    revised = make_bars(TO_FEB_9, dividends={dt.date(2024, 2, 5): 1.0})
    source = RecordingSource("alpha", {"0700.HK": revised})

    histories = _load(source, store, ["0700.HK"], dt.date(2024, 2, 9))

    assert [call[1:] for call in source.calls] == [
        (dt.date(2024, 1, 25), dt.date(2024, 2, 9)),
        (dt.date(2024, 1, 2), dt.date(2024, 2, 9)),
    ]
    pd.testing.assert_frame_equal(histories["0700.HK"].bars, revised, check_freq=False)


def test_refresh_fetches_again(tmp_path: Path) -> None:
    source = RecordingSource("alpha", {"0700.HK": make_bars(JAN)})
    store = tmp_path / "c.sqlite"
    _load(source, store, ["0700.HK"], JAN[-1])
    _load(source, store, ["0700.HK"], JAN[-1], refresh=True)

    assert len(source.calls) == 2


def test_sources_never_mix(tmp_path: Path) -> None:
    store = tmp_path / "c.sqlite"
    alpha = RecordingSource("alpha", {"0700.HK": make_bars(JAN, start_price=10.0)})
    beta = RecordingSource("beta", {"0700.HK": make_bars(JAN, start_price=90.0)})
    _load(alpha, store, ["0700.HK"], JAN[-1])

    from_beta = _load(beta, store, ["0700.HK"], JAN[-1])
    from_alpha = _load(alpha, store, ["0700.HK"], JAN[-1])

    assert len(beta.calls) == 1  # alpha's cached rows did not satisfy beta
    assert from_beta["0700.HK"].bars["close"].iloc[0] == 90.0
    assert from_alpha["0700.HK"].bars["close"].iloc[0] == 10.0
    assert len(alpha.calls) == 1
    with PriceStore(store) as cache:
        assert [s.source for s in cache.summaries()] == ["alpha", "beta"]
        assert cache.clear("beta") == 1
        assert [s.source for s in cache.summaries()] == ["alpha"]


def test_a_bar_of_a_session_still_trading_is_not_cached(tmp_path: Path) -> None:
    source = RecordingSource("alpha", {"0700.HK": make_bars(JAN)})
    # 2024-01-31 14:00 Hong Kong time: that session has not closed yet.
    during = dt.datetime(2024, 1, 31, 6, 0, tzinfo=dt.UTC)

    histories = _load(source, tmp_path / "c.sqlite", ["0700.HK"], JAN[-1], now=during)

    assert histories["0700.HK"].last_session == dt.date(2024, 1, 30)


def test_failure_keeps_cached_rows_and_reason(tmp_path: Path) -> None:
    store = tmp_path / "c.sqlite"
    _load(RecordingSource("alpha", {"0700.HK": make_bars(JAN)}), store, ["0700.HK"], JAN[-1])
    failing = RecordingSource("alpha", {}, failures={"0700.HK": "fetch failed: boom"})

    histories = _load(failing, store, ["0700.HK"], dt.date(2024, 2, 9))

    assert histories["0700.HK"].last_session == JAN[-1]
    assert histories["0700.HK"].problem == "fetch failed: boom"
    assert histories["0700.HK"].failed


def test_suspended_symbol_is_stale_with_a_reason(tmp_path: Path) -> None:
    source = RecordingSource("alpha", {"0700.HK": make_bars(JAN[:-3])})

    histories = _load(source, tmp_path / "c.sqlite", ["0700.HK"], JAN[-1])

    assert histories["0700.HK"].problem == "no data from alpha after 2024-01-26"
    assert not histories["0700.HK"].failed


def test_two_connections_writing_at_once(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(offset: int) -> None:
        try:
            with PriceStore(path) as store:
                barrier.wait(timeout=60)
                for i in range(30):
                    symbol = f"{offset + i:04d}.HK"
                    meta = SymbolMeta(symbol, "alpha", "HKD", "Asia/Hong_Kong")
                    store.save(
                        "alpha",
                        SymbolHistory(symbol, make_bars(JAN), meta),
                        requested_from=JAN[0],
                        checked_through=JAN[-1],
                        replace=True,
                    )
                    store.read("alpha", [symbol], JAN[0], JAN[-1])
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)
            barrier.abort()  # the other writer must not wait for this one forever

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    assert errors == []
    with PriceStore(path) as store:
        assert store.summaries()[0].symbols == 44  # 1..44, overlapping 15..30
        assert store.summaries()[0].rows == 44 * len(JAN)


_WRITER = """
import datetime as dt
from pathlib import Path
from concepttrack.prices import load_prices
load_prices([f"{{n:04d}}.HK" for n in range({first}, {first} + 20)],
            start=dt.date(2024, 1, 2), end=dt.date(2024, 3, 28), source="demo",
            store_path=Path({path!r}), now=dt.datetime(2024, 4, 2, tzinfo=dt.UTC))
"""


@pytest.mark.slow
def test_two_processes_filling_one_cache(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER.format(first=first, path=path)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for first in (1, 11)
    ]
    outcomes = [(proc.communicate(timeout=120)[1], proc.returncode) for proc in procs]

    assert outcomes == [("", 0), ("", 0)]
    with PriceStore(Path(path)) as store:
        assert store.summaries()[0].symbols == 30


def test_schema_from_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    PriceStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")

    with pytest.raises(UnreadableCacheError) as caught:
        PriceStore(path)

    assert caught.value.message == (
        f"price cache {path} has schema version 99; this concepttrack reads version 4"
    )
    assert caught.value.hint == (
        "Use the concepttrack that wrote it, or run `concepttrack cache clear` "
        "to set the file aside and start an empty cache."
    )
    assert caught.value.reason == "schema version 99"


def test_a_file_that_is_not_a_database_is_a_cache_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)

    with pytest.raises(UnreadableCacheError) as caught:
        PriceStore(path)

    assert caught.value.message == (f"price cache {path}: opening failed: file is not a database")
    assert caught.value.hint == (
        "Run `concepttrack cache clear` to set the file aside and start an empty cache, "
        "or point --cache / CONCEPTTRACK_CACHE at another file."
    )
    assert caught.value.reason == "file is not a database"
    assert caught.value.__cause__ is not None


def test_set_aside_moves_the_file_and_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"junk" * 100)
    Path(f"{path}-wal").write_bytes(b"old log")

    aside = set_aside(path, now=dt.datetime(2026, 12, 2, 10, 30, 5, tzinfo=dt.UTC))

    assert aside == tmp_path / "c.sqlite.unreadable-20261202T103005Z"
    assert aside.read_bytes() == b"junk" * 100
    assert Path(f"{aside}-wal").read_bytes() == b"old log"
    assert not path.exists()
    assert not Path(f"{path}-wal").exists()
    with PriceStore(path) as store:
        assert store.summaries() == []


def test_a_locked_cache_says_to_wait_not_to_clear(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    PriceStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with PriceStore(path, timeout=0.1) as store, pytest.raises(CacheError) as caught:
            store.note_problem("demo", "0700.HK", "x")
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert not isinstance(caught.value, UnreadableCacheError)
    assert caught.value.message == f"price cache {path}: writing failed: database is locked"
    assert caught.value.hint == (
        "Another concepttrack process is using the cache; try again when it has finished."
    )


#: The tables as schema version 1 created them (before series.close_is_adjusted).
_SCHEMA_1 = """
CREATE TABLE bars (
    source TEXT NOT NULL, symbol TEXT NOT NULL, session INTEGER NOT NULL,
    open REAL, high REAL, low REAL, close REAL NOT NULL, adj_close REAL, volume REAL,
    dividends REAL NOT NULL DEFAULT 0, splits REAL NOT NULL DEFAULT 0,
    fetched_at INTEGER NOT NULL, PRIMARY KEY (source, symbol, session)
) WITHOUT ROWID;
CREATE TABLE series (
    source TEXT NOT NULL, symbol TEXT NOT NULL, currency TEXT, timezone TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0, adj_close_is_close INTEGER NOT NULL DEFAULT 0,
    detail TEXT, requested_from INTEGER NOT NULL, checked_through INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL, revision TEXT, problem TEXT,
    PRIMARY KEY (source, symbol)
) WITHOUT ROWID;
PRAGMA user_version=1;
"""


def _old_cache(path: Path, source: str, symbol: str, revision: str | None) -> None:
    """A version-1 cache holding two bars of ``symbol`` flagged as a single close."""
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA_1)
        for session, close in ((19724, 5.5), (19725, 5.65)):  # 2024-01-02, 2024-01-03
            db.execute(
                "INSERT INTO bars VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
                (source, symbol, session, close, close, close, close, close, 1000.0),
            )
        db.execute(
            "INSERT INTO series VALUES (?, ?, 'HKD', 'Asia/Hong_Kong', 0, 1, 'old', "
            "19723, 19725, 0, ?, NULL)",
            (source, symbol, revision),
        )
    db.close()


def test_a_version_1_cache_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _old_cache(path, "yahoo", "0700.HK", "kept")

    with PriceStore(path) as store:
        coverage = store.coverage("yahoo", ["0700.HK"])["0700.HK"]
        bars = store.read("yahoo", ["0700.HK"], dt.date(2024, 1, 1), dt.date(2024, 1, 31))
        meta = SymbolMeta("0700.HK", "yahoo", "HKD", "Asia/Hong_Kong", close_is_adjusted=True)
        store.save(
            "yahoo",
            SymbolHistory("0700.HK", bars["0700.HK"], meta),
            requested_from=JAN[0],
            checked_through=JAN[1],
            replace=False,
        )
        saved = store.coverage("yahoo", ["0700.HK"])["0700.HK"]

    assert coverage.rows == 2
    assert coverage.revision == "kept"  # only CSV series are made to be read again
    assert coverage.meta.adj_close_is_close
    assert not coverage.meta.close_is_adjusted
    assert bars["0700.HK"]["close"].tolist() == [5.5, 5.65]
    assert saved.meta.close_is_adjusted
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4
    db.close()
    PriceStore(path).close()  # a second open finds nothing left to migrate


def test_a_migrated_cache_reads_csv_files_again_for_the_new_flag(tmp_path: Path) -> None:
    from concepttrack.prices.csvdir import CsvDirSource

    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "0728.HK.csv").write_text(
        "Price,Close,Volume\nTicker,0728.HK,0728.HK\nDate,,\n"
        "2024-01-02,5.5,1000\n2024-01-03,5.65,1000\n",
        encoding="utf-8",
    )
    source = CsvDirSource(folder)
    path = tmp_path / "c.sqlite"
    # Version 1 cached this unchanged file (same revision) as a single-close series.
    _old_cache(path, source.name, "0728.HK", source.revision("0728.HK"))

    frame = load_prices(
        ["0728.HK"],
        start=dt.date(2024, 1, 2),
        end=dt.date(2024, 1, 3),
        source=source,
        store_path=path,
        now=LATER,
    )

    meta = frame.get("0728.HK").meta
    assert meta is not None
    assert meta.close_is_adjusted
    assert not meta.adj_close_is_close
    assert meta.detail is not None
    assert meta.detail.startswith("0728.HK.csv (yf.download")
    assert frame.fetch_rounds == 1
