"""A cache that heals itself: damaged, truncated or foreign files are set aside, once."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concepttrack.cli import app
from concepttrack.prices import load_prices
from concepttrack.prices.store import (
    SCHEMA_VERSION,
    PriceStore,
    UnreadableCacheError,
    file_identity,
    heal,
    open_store,
)
from tests.conftest import REPO
from tests.price_fixtures import RecordingSource, hk_sessions, make_bars

JAN = hk_sessions(dt.date(2024, 1, 2), dt.date(2024, 1, 31))
LATER = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
ASIDE = "c.sqlite.unreadable-"


def _source() -> RecordingSource:
    return RecordingSource("demo", {"0700.HK": make_bars(JAN)})


def _load(path: Path) -> int:
    frame = load_prices(
        ["0700.HK"], start=JAN[0], end=JAN[-1], source=_source(), store_path=path, now=LATER
    )
    return len(frame.get("0700.HK").bars)


def _good_cache(path: Path) -> None:
    assert _load(path) == len(JAN)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _damage(path: Path, how: str) -> None:
    if how == "garbage":
        path.write_bytes(b"this is not sqlite" * 300)
    elif how == "truncated":
        _good_cache(path)
        os.truncate(path, path.stat().st_size // 2)
    elif how == "empty-header":
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 20)
    elif how == "foreign":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        db.close()
    elif how == "foreign-same-version":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE bars (x)")
            db.execute("CREATE TABLE series (y)")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        db.close()
    else:  # pragma: no cover - a typo in a parameter
        raise AssertionError(how)


DAMAGES = ["garbage", "truncated", "empty-header", "foreign", "foreign-same-version"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_cache_is_set_aside_and_the_load_goes_on(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.sqlite"
    _damage(path, how)
    before = path.read_bytes()

    with caplog.at_level(logging.WARNING, logger="concepttrack"):
        assert _load(path) == len(JAN)

    (aside,) = tmp_path.glob(f"{ASIDE}*")
    assert aside.read_bytes() == before
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"price cache {path} could not be read (")
    assert warnings[0].endswith(f"); moved it to {aside} and started a fresh cache")
    with PriceStore(path) as store:
        assert store.summaries()[0].symbols == 1


def test_foreign_database_is_named_and_never_written_into(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _damage(path, "foreign")
    with pytest.raises(UnreadableCacheError) as caught:
        PriceStore(path)
    assert caught.value.message == (
        f"price cache {path} is not a concepttrack cache (tables moz_places)"
    )
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
    db.close()
    assert tables == ["moz_places"]


def test_a_healthy_cache_is_left_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.sqlite"
    _good_cache(path)
    with caplog.at_level(logging.DEBUG, logger="concepttrack"):
        assert _load(path) == len(JAN)
        open_store(path).close()
    assert list(tmp_path.glob(f"{ASIDE}*")) == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_second_heal_of_the_same_damage_moves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _damage(path, "garbage")
    seen = file_identity(path)
    error = UnreadableCacheError("x", reason="file is not a database")

    first = heal(path, error, seen)
    PriceStore(path).close()  # the first run starts its fresh cache
    second = heal(path, error, seen)  # the second run met the same damaged file

    assert first is not None
    assert second is None
    assert list(tmp_path.glob(f"{ASIDE}*")) == [first]
    with PriceStore(path) as store:
        assert store.summaries() == []


_RACER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from concepttrack.prices import load_prices
    from concepttrack.prices.store import PriceStore, UnreadableCacheError, file_identity, heal
    import concepttrack.prices.store as store_module

    path, me, other = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    seen = file_identity(path)
    try:
        PriceStore(path).close()
        raise SystemExit("the cache was readable")
    except UnreadableCacheError as exc:
        error = exc
    # Both runs have met the damaged file before either repairs it.
    me.touch()
    deadline = time.monotonic() + 60
    while not other.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    moved = heal(path, error, seen)
    frame = load_prices(
        ["0700.HK"], start=dt.date(2024, 1, 2), end=dt.date(2024, 1, 31), source="demo",
        store_path=path, now=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
    )
    print("moved" if moved else "left", len(frame.get("0700.HK").bars))
    """
)


@pytest.mark.slow
def test_two_processes_meeting_a_damaged_cache_move_it_once(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _damage(path, "garbage")
    before = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    ready = [tmp_path / "ready-a", tmp_path / "ready-b"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(path), str(mine), str(theirs)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mine, theirs in (ready, ready[::-1])
    ]
    results = [proc.communicate(timeout=120) for proc in procs]

    assert [proc.returncode for proc in procs] == [0, 0], results
    words = sorted(out.split()[0] for out, _ in results)
    assert words == ["left", "moved"]
    assert len({out.split()[1] for out, _ in results}) == 1
    (aside,) = tmp_path.glob(f"{ASIDE}*")
    assert aside.read_bytes() == before
    with PriceStore(path) as store:
        assert store.summaries()[0].symbols == 1


@pytest.mark.slow
def test_report_on_a_damaged_cache_writes_the_note_with_one_warning(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    _damage(cache, "garbage")
    result = CliRunner().invoke(
        app,
        [
            "--themes",
            str(REPO / "themes.yaml"),
            "report",
            "sora-compute",
            "--source",
            "demo",
            "--format",
            "json",
            "--out",
            str(tmp_path / "reports"),
            "--cache",
            str(cache),
            "--as-of",
            "2025-03-03",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    (aside,) = tmp_path.glob(f"{ASIDE}*")
    assert result.stderr == (
        f"warning: price cache {cache} could not be read (file is not a database); "
        f"moved it to {aside} and started a fresh cache\n"
    )
    assert (tmp_path / "reports" / "sora-compute" / "2025-03-03.json").is_file()
