"""The reports archive: lock, note lookup, latest links, index, run records, pruning, log."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from concepttrack import archive
from concepttrack.archive import (
    IndexEntry,
    RunLock,
    RunLog,
    dated_notes,
    note_exists,
    previous_note,
    prune,
    remove_leftovers,
    update_latest,
    write_index,
    write_run_record,
)
from concepttrack.errors import EXIT_LOCKED, LockError, UsageError
from tests.archive_fixtures import day, make_snapshot, make_stock, make_theme, note_dict, write_note

T0 = dt.datetime(2025, 1, 2, 10, 0, 0, tzinfo=dt.UTC)
LOCK_HINT = (
    "Let that run finish, or pass --wait SECONDS to queue behind it. "
    "A run that was killed releases the lock by itself."
)


# --- RunLock --------------------------------------------------------------------------


def test_second_run_gives_up_after_waiting_with_the_holders_pid(tmp_path: Path) -> None:
    with RunLock(tmp_path, now=lambda: T0):
        second = RunLock(tmp_path, wait_seconds=0.3, poll_seconds=0.05)
        started = time.monotonic()
        with pytest.raises(LockError) as caught:
            second.acquire()
        waited = time.monotonic() - started
    assert caught.value.message == (
        f"another concepttrack run (pid {os.getpid()}, started 2025-01-02T10:00:00Z) "
        f"holds {tmp_path}; gave up after waiting 0.3 s"
    )
    assert caught.value.hint == LOCK_HINT
    assert caught.value.exit_code == EXIT_LOCKED
    assert waited >= 0.3
    assert not second.held


def test_second_run_without_wait_fails_at_once(tmp_path: Path) -> None:
    with RunLock(tmp_path, now=lambda: T0), pytest.raises(LockError) as caught:
        RunLock(tmp_path).acquire()
    assert caught.value.message == (
        f"another concepttrack run (pid {os.getpid()}, started 2025-01-02T10:00:00Z) "
        f"holds {tmp_path}; not waiting for it"
    )


def test_second_run_waits_and_proceeds_once_the_first_releases(tmp_path: Path) -> None:
    first = RunLock(tmp_path)
    first.acquire()
    timer = threading.Timer(0.3, first.release)
    timer.start()
    started = time.monotonic()
    try:
        with RunLock(tmp_path, wait_seconds=10, poll_seconds=0.02) as second:
            assert second.held
            waited = time.monotonic() - started
    finally:
        timer.join()
    assert 0.25 <= waited < 5
    assert not first.held


def test_lock_file_names_the_holder_and_stays_after_release(tmp_path: Path) -> None:
    lock_file = tmp_path / "reports" / ".concepttrack.lock"
    with RunLock(tmp_path / "reports", now=lambda: T0):
        assert lock_file.read_text() == f"pid {os.getpid()}\nstarted 2025-01-02T10:00:00Z\n"
    assert lock_file.exists()
    assert lock_file.read_text() == ""
    with RunLock(tmp_path / "reports"):  # free again
        pass


def test_lock_taken_by_a_run_that_has_not_written_its_pid_yet(tmp_path: Path) -> None:
    with (tmp_path / ".concepttrack.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(LockError) as caught:
            RunLock(tmp_path).acquire()
    assert caught.value.message == (
        f"another concepttrack run (pid unknown, started unknown) holds {tmp_path}; "
        "not waiting for it"
    )


def test_lock_refuses_a_negative_wait(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="wait_seconds must be 0 or more"):
        RunLock(tmp_path, wait_seconds=-1)


def test_lock_in_an_unwritable_place_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="cannot create the lock file"):
        RunLock(tmp_path / "file" / "reports").acquire()


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from concepttrack.archive import RunLock
RunLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
time.sleep(120)
"""


@pytest.mark.slow
def test_a_lock_left_by_a_sigkilled_run_does_not_block(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(LockError, match=rf"^another concepttrack run \(pid {holder.pid}, "):
            RunLock(tmp_path).acquire()
        holder.send_signal(signal.SIGKILL)
        assert holder.wait(timeout=30) == -signal.SIGKILL
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # The dead holder's pid is still written in the file, but the kernel dropped its lock.
    assert f"pid {holder.pid}\n" in (tmp_path / ".concepttrack.lock").read_text()
    with RunLock(tmp_path) as lock:
        assert lock.held


def test_importing_the_archive_stays_light() -> None:
    """It runs on the cron path before any heavy work (and before the lock is taken)."""
    code = (
        "import sys, concepttrack.archive; "
        "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'weasyprint', 'yfinance') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout == "[]\n"


# --- finding notes --------------------------------------------------------------------


def test_dated_notes_lists_only_dated_note_files_in_order(tmp_path: Path) -> None:
    write_note(tmp_path, day("2025-01-03"), formats=("md", "json"), assets=True)
    write_note(tmp_path, day("2025-01-02"), formats=("pdf",))
    folder = tmp_path / "sora-compute"
    os.symlink("2025-01-03.md", folder / "latest.md")
    for junk in ("2025-13-01.md", "notes.md", "2025-01-04.txt", ".2025-01-05.pdf.x1.tmp"):
        (folder / junk).write_text("x")
    assert dated_notes(tmp_path, "sora-compute") == [
        (day("2025-01-02"), folder / "2025-01-02.pdf"),
        (day("2025-01-03"), folder / "2025-01-03.json"),
        (day("2025-01-03"), folder / "2025-01-03.md"),
    ]
    assert dated_notes(tmp_path, "no-such-theme") == []


def test_theme_ids_cannot_escape_the_reports_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a theme id"):
        dated_notes(tmp_path, "../etc")


def test_previous_note_is_the_newest_strictly_before(tmp_path: Path) -> None:
    for date in ("2025-01-02", "2025-01-03", "2025-01-06"):
        write_note(tmp_path, day(date))
    note = previous_note(tmp_path, "sora-compute", day("2025-01-06"))
    assert note is not None
    assert note["snapshot"]["as_of"] == "2025-01-03"
    assert previous_note(tmp_path, "sora-compute", day("2025-01-02")) is None
    assert previous_note(tmp_path, "other-theme", day("2025-01-06")) is None


def test_previous_note_skips_corrupt_json_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_note(tmp_path, day("2025-01-02"))
    folder = tmp_path / "sora-compute"
    (folder / "2025-01-03.json").write_text('{"schema_version": 1, "kind": "concept')
    (folder / "2025-01-06.json").write_bytes(b"\xff\xfe not utf-8")
    (folder / "2025-01-07.json").write_text('["not", "a", "note"]')
    (folder / "2025-01-08.json").write_text('{"kind": "something.else", "snapshot": {}}')
    (folder / "2025-01-09.json").write_text('{"kind": "concepttrack.note", "snapshot": {}}')
    with caplog.at_level(logging.WARNING, logger="concepttrack.archive"):
        note = previous_note(tmp_path, "sora-compute", day("2025-01-10"))
    assert note is not None
    assert note["snapshot"]["as_of"] == "2025-01-02"
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        f"skipping {folder / '2025-01-09.json'}",
        f"skipping {folder / '2025-01-08.json'}",
        f"skipping {folder / '2025-01-07.json'}",
        f"skipping unreadable note {folder / '2025-01-06.json'}",
        f"skipping unreadable note {folder / '2025-01-03.json'}",
    ]


def test_note_exists_needs_every_format_non_empty(tmp_path: Path) -> None:
    write_note(tmp_path, day("2025-01-02"), formats=("md", "pdf"))
    exists = archive.note_exists
    assert exists(tmp_path, "sora-compute", day("2025-01-02"), ["md", "pdf"])
    assert exists(tmp_path, "sora-compute", day("2025-01-02"), ["md"])
    assert not exists(tmp_path, "sora-compute", day("2025-01-02"), ["md", "pdf", "json"])
    assert not note_exists(tmp_path, "sora-compute", day("2025-01-03"), ["md"])
    assert not note_exists(tmp_path, "sora-compute", day("2025-01-02"), [])
    (tmp_path / "sora-compute" / "2025-01-02.pdf").write_bytes(b"")
    assert not note_exists(tmp_path, "sora-compute", day("2025-01-02"), ["md", "pdf"])


def test_note_path_names_files_by_session(tmp_path: Path) -> None:
    assert archive.note_path(tmp_path, "a-b", day("2025-01-02"), ".PDF") == (
        tmp_path / "a-b" / "2025-01-02.pdf"
    )
    assert archive.assets_dir(tmp_path, "a-b", day("2025-01-02")) == (
        tmp_path / "a-b" / "2025-01-02-assets"
    )
    with pytest.raises(ValueError, match="unknown note format 'docx'"):
        archive.note_path(tmp_path, "a-b", day("2025-01-02"), "docx")


# --- latest links ---------------------------------------------------------------------


def test_latest_points_at_the_newest_note_with_relative_links(tmp_path: Path) -> None:
    folder = tmp_path / "sora-compute"
    write_note(tmp_path, day("2025-01-02"), formats=("md", "pdf"))
    assert update_latest(tmp_path, "sora-compute", day("2025-01-02")) == [
        folder / "latest.pdf",
        folder / "latest.md",
    ]
    write_note(tmp_path, day("2025-01-03"), formats=("md", "pdf"))
    update_latest(tmp_path, "sora-compute", day("2025-01-03"))
    assert os.readlink(folder / "latest.md") == "2025-01-03.md"
    assert os.readlink(folder / "latest.pdf") == "2025-01-03.pdf"
    assert (folder / "latest.md").read_text() == "md note of 2025-01-03\n"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_latest_never_moves_backwards(tmp_path: Path) -> None:
    folder = tmp_path / "sora-compute"
    write_note(tmp_path, day("2025-01-03"), formats=("md", "pdf"))
    update_latest(tmp_path, "sora-compute", day("2025-01-03"))
    write_note(tmp_path, day("2025-01-01"), formats=("md", "pdf"))  # a backfill
    assert update_latest(tmp_path, "sora-compute", day("2025-01-01")) == []
    assert os.readlink(folder / "latest.md") == "2025-01-03.md"
    assert os.readlink(folder / "latest.pdf") == "2025-01-03.pdf"


def test_latest_only_for_formats_that_exist_and_replaces_a_plain_file(tmp_path: Path) -> None:
    folder = tmp_path / "sora-compute"
    write_note(tmp_path, day("2025-01-02"), formats=("md", "json"))
    (folder / "latest.pdf").write_text("left over")
    (folder / "latest.md").write_text("a copy, not a link")
    assert update_latest(tmp_path, "sora-compute", day("2025-01-02")) == [folder / "latest.md"]
    assert os.readlink(folder / "latest.md") == "2025-01-02.md"
    assert (folder / "latest.pdf").read_text() == "left over"  # no PDF note: not touched


def test_latest_is_swapped_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new link is made under a temporary name and renamed over the old one."""
    folder = tmp_path / "sora-compute"
    write_note(tmp_path, day("2025-01-02"), formats=("md",))
    update_latest(tmp_path, "sora-compute", day("2025-01-02"))
    write_note(tmp_path, day("2025-01-03"), formats=("md",))
    seen: list[tuple[str, str]] = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        seen.append((os.readlink(src), os.readlink(dst)))  # both links exist at this point
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk gone"):
        update_latest(tmp_path, "sora-compute", day("2025-01-03"))
    assert seen == [("2025-01-03.md", "2025-01-02.md")]
    assert os.readlink(folder / "latest.md") == "2025-01-02.md"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2025-01-02.md",
        "2025-01-03.md",
        "latest.md",
    ]


# --- index ----------------------------------------------------------------------------


def test_index_lists_this_runs_themes_and_the_others_from_their_json(tmp_path: Path) -> None:
    sora = make_theme()
    chips = make_theme(("00981",), theme_id="ai-chips", title="AI chips | <b>HK</b>")
    write_note(tmp_path, day("2025-01-02"), theme=chips, formats=("md", "json"))
    write_note(tmp_path, day("2025-01-03"), theme=sora)
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "2025-01-03T101500Z.json").write_text("{}")
    entry = IndexEntry(
        theme_id="sora-compute",
        title="Sora compute",
        title_zh="視頻生成算力",
        as_of=day("2025-01-03"),
        basket_since_event=0.1234,
        basket_1d=-0.004,
        benchmark="^HSI",
        benchmark_since_event=0.021,
        status="stale",
    )
    path = write_index(tmp_path, [entry])
    assert path == tmp_path / "index.md"
    assert path.read_text(encoding="utf-8").splitlines()[4:] == [
        "| Theme | Title | Latest note | Basket since event | Basket 1D "
        "| Benchmark since event | Data |",
        "|---|---|---|--:|--:|--:|---|",
        r"| `ai-chips` | AI chips \| \<b\>HK\</b\> · 視頻生成算力 "
        "| 2025-01-02 ([md](ai-chips/2025-01-02.md)) | +12.3% | -0.4% | +2.1% (^HSI) "
        "| fresh (demo) |",
        "| `sora-compute` | Sora compute · 視頻生成算力 "
        "| 2025-01-03 ([md](sora-compute/2025-01-03.md), [pdf](sora-compute/2025-01-03.pdf)) "
        "| +12.3% | -0.4% | +2.1% (^HSI) | stale |",
    ]
    first = path.read_bytes()
    write_index(tmp_path, [entry])
    assert path.read_bytes() == first  # idempotent


def test_index_shows_a_theme_without_a_note_and_missing_figures(tmp_path: Path) -> None:
    entry = IndexEntry(theme_id="new-theme", title="New", status="failed: no prices")
    text = write_index(tmp_path, [entry]).read_text(encoding="utf-8")
    assert text.splitlines()[-1] == (
        "| `new-theme` | New | no note yet | n/a | n/a | n/a | failed: no prices |"
    )


def test_index_accepts_bare_theme_ids_of_this_run(tmp_path: Path) -> None:
    write_note(tmp_path, day("2025-01-03"), formats=("json",))
    text = write_index(tmp_path, ["sora-compute", "fresh-theme"]).read_text(encoding="utf-8")
    assert text.splitlines()[-2:] == [
        "| `fresh-theme` | fresh-theme | no note yet | n/a | n/a | n/a | no note yet |",
        "| `sora-compute` | Sora compute · 視頻生成算力 | 2025-01-03 | +12.3% | -0.4% "
        "| +2.1% (^HSI) | fresh (demo) |",
    ]
    with pytest.raises(ValueError, match="is not a theme id"):
        write_index(tmp_path, ["../x"])


def test_index_entry_from_note_takes_the_worst_status() -> None:
    theme = make_theme()
    as_of = day("2025-01-03")
    stocks = [
        make_stock("0700.HK", session=as_of),
        make_stock("9988.HK", session=day("2025-01-02"), status="stale"),
        make_stock("3690.HK", session=as_of),
    ]
    entry = IndexEntry.from_note(note_dict(theme, make_snapshot(as_of, stocks)))
    assert entry == IndexEntry(
        theme_id="sora-compute",
        title="Sora compute",
        title_zh="視頻生成算力",
        as_of=as_of,
        basket_since_event=0.1234,
        basket_1d=-0.004,
        benchmark="^HSI",
        benchmark_since_event=0.021,
        status="stale (demo)",  # the fixture's snapshot is demo data, which the index says
    )
    assert IndexEntry.from_note({"snapshot": {"theme_id": "x"}}).status == "unknown"
    with pytest.raises(ValueError, match="names no theme id"):
        IndexEntry.from_note({})


# --- run records ----------------------------------------------------------------------


def test_run_record_is_named_by_utc_start_and_never_overwritten(tmp_path: Path) -> None:
    hk = dt.timezone(dt.timedelta(hours=8))
    started = dt.datetime(2025, 1, 2, 18, 15, 0, tzinfo=hk)
    record = {"as_of": day("2025-01-02"), "files": [tmp_path / "a.pdf"], "started": started}
    first = write_run_record(tmp_path, record, started)
    second = write_run_record(tmp_path, record, started)
    assert first == tmp_path / "runs" / "2025-01-02T101500Z.json"
    assert second == tmp_path / "runs" / "2025-01-02T101500Z-2.json"
    assert json.loads(first.read_text()) == {
        "as_of": "2025-01-02",
        "files": [str(tmp_path / "a.pdf")],
        "started": "2025-01-02T10:15:00Z",
    }
    with pytest.raises(ValueError, match="has no timezone"):
        write_run_record(tmp_path, {}, dt.datetime(2025, 1, 2))


# --- prune ----------------------------------------------------------------------------


def test_prune_removes_old_notes_but_keeps_latest_newest_and_strangers(tmp_path: Path) -> None:
    sora = tmp_path / "sora-compute"
    for n in range(1, 11):
        write_note(tmp_path, dt.date(2025, 1, n), assets=True)
    update_latest(tmp_path, "sora-compute", day("2025-01-10"))
    os.replace(sora / "latest.pdf", sora / "kept.pdf")
    os.symlink("2025-01-02.pdf", sora / "latest.pdf")  # a hand-pinned latest is respected
    lonely = make_theme(("00981",), theme_id="lonely")
    write_note(tmp_path, day("2024-06-03"), theme=lonely)  # only note: the newest
    strangers = [
        tmp_path / "index.md",
        tmp_path / "runs" / "2024-01-01T000000Z.json",
        tmp_path / "notes.txt",
        sora / "2024-01-01.txt",
        sora / "readme.md",
    ]
    for path in strangers:
        path.parent.mkdir(exist_ok=True)
        path.write_text("keep me")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    write_note(outside, day("2024-01-01"), theme=make_theme(theme_id="linked"))
    write_note(outside, day("2024-01-02"), theme=make_theme(theme_id="linked"))
    os.symlink(outside / "linked", tmp_path / "linked")

    removed = prune(tmp_path, keep_days=3, today=day("2025-01-10"))

    gone = [d for d in range(1, 7) if d != 2]
    assert removed == sorted(
        sora / f"2025-01-{d:02d}{suffix}"
        for d in gone
        for suffix in (".md", ".pdf", ".json", "-assets")
    )
    left = {p.name for p in sora.iterdir()}
    for d in [2, 7, 8, 9, 10]:
        assert {f"2025-01-{d:02d}.md", f"2025-01-{d:02d}-assets"} <= left
    assert all(path.read_text() == "keep me" for path in strangers)
    assert (tmp_path / "lonely" / "2024-06-03.json").exists()
    assert len(dated_notes(outside, "linked")) == 6
    assert prune(tmp_path, keep_days=3, today=day("2025-01-10")) == []


def test_prune_refuses_negative_days(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep_days must be 0 or more"):
        prune(tmp_path, keep_days=-1, today=day("2025-01-10"))


def test_remove_leftovers_deletes_only_temporary_files(tmp_path: Path) -> None:
    write_note(tmp_path, day("2025-01-02"), assets=True)
    folder = tmp_path / "sora-compute"
    debris = [
        tmp_path / ".index.md.k2j3.tmp",
        folder / ".2025-01-03.pdf.abc123.tmp",
        folder / "2025-01-02-assets" / ".basket.png.x.tmp",
        tmp_path / "runs" / ".2025-01-02T101500Z.json.q.tmp",
    ]
    for path in debris:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half")
    (folder / "keep.tmp").write_text("not ours")
    assert remove_leftovers(tmp_path) == sorted(debris)
    assert (folder / "keep.tmp").exists()
    assert (folder / "2025-01-02.pdf").exists()


# --- run log --------------------------------------------------------------------------


def test_run_log_appends_timestamped_lines(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "daily" / "concepttrack.log"
    log = RunLog(path, now=lambda: T0)
    log.info("run started: 3 themes")
    log.warning("sora-compute: 2 stale symbols\n0700.HK last bar 2025-01-01")
    RunLog(path, now=lambda: T0 + dt.timedelta(seconds=5)).error("ai-chips: no prices")
    assert path.read_text().splitlines() == [
        "2025-01-02T10:00:00Z INFO run started: 3 themes",
        "2025-01-02T10:00:00Z WARNING sora-compute: 2 stale symbols",
        "2025-01-02T10:00:00Z WARNING 0700.HK last bar 2025-01-01",
        "2025-01-02T10:00:05Z ERROR ai-chips: no prices",
    ]


def test_run_log_handler_copies_library_warnings(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    handler = RunLog(path, now=lambda: T0).handler()
    library = logging.getLogger("concepttrack.archive")
    library.addHandler(handler)
    try:
        library.warning("skipping unreadable note %s", "x.json")
        library.info("not copied")
    finally:
        library.removeHandler(handler)
    assert path.read_text() == "2025-01-02T10:00:00Z WARNING skipping unreadable note x.json\n"


def test_run_log_without_a_path_does_nothing(tmp_path: Path) -> None:
    RunLog(None).error("nowhere")
    assert list(tmp_path.iterdir()) == []


def test_run_log_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError) as caught:
        RunLog(tmp_path / "file" / "run.log")
    assert caught.value.message == (
        f"cannot write the log file {tmp_path / 'file' / 'run.log'}: File exists"
    )
    assert caught.value.hint == "Pass --log-file a path in a folder you can write to."


def test_run_records_of_one_second_sort_in_the_order_the_runs_started() -> None:
    from concepttrack.archive import run_record_order

    names = ["2026-12-03T101500Z-1.json", "2026-12-03T101500Z.json", "2026-12-03T101459Z.json"]
    assert sorted(names, key=run_record_order) == [
        "2026-12-03T101459Z.json",
        "2026-12-03T101500Z.json",
        "2026-12-03T101500Z-1.json",
    ]
