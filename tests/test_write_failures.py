"""Out of space, out of permission: exit 4 naming the file; no half note; latest untouched.

Tests run as root, where a read-only mode bit denies nothing, so EACCES is simulated by
making the temporary-file creation in the theme's folder fail the way the kernel would;
a real ``chmod`` test runs where the user is not root.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from concepttrack import archive, fsutil, pipeline
from concepttrack.cli import app
from concepttrack.errors import EXIT_OK, EXIT_RENDER, WriteError
from concepttrack.themes import ThemeBook, parse_themes
from tests.test_pipeline import BOOK, options

FIRST = dt.date(2024, 2, 29)
SECOND = dt.date(2024, 3, 1)


@pytest.fixture
def book() -> ThemeBook:
    return parse_themes(BOOK, "book.yaml")


def _disk_full_for(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """fsync of the temporary file for ``name`` (e.g. ``alpha/2024-03-01.json``) fails."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        target = os.readlink(f"/proc/self/fd/{fd}")
        folder, _, file = name.partition("/")
        if Path(target).parent.name == folder and Path(target).name.startswith(f".{file}."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(fsutil.os, "fsync", fsync)


def _no_permission_in(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Creating a file in ``folder`` fails as in a folder without write permission."""
    real_mkstemp: Callable[..., Any] = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        if Path(kwargs["dir"]) == folder:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder / "x"))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(fsutil.tempfile, "mkstemp", mkstemp)


def _session_files(folder: Path, day: dt.date) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(day.isoformat()))


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*.tmp")]


def test_disk_full_exits_4_leaves_no_half_note_and_keeps_latest(
    tmp_path: Path, book: ThemeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "reports"
    assert pipeline.run(list(book), options(tmp_path, as_of=FIRST)).exit_code == EXIT_OK
    _disk_full_for(monkeypatch, f"alpha/{SECOND.isoformat()}.json")

    result = pipeline.run(list(book), options(tmp_path, as_of=SECOND))

    assert result.exit_code == EXIT_RENDER
    alpha, beta = result.outcomes
    assert alpha.status == "render-error"
    assert alpha.message == (
        f"cannot write {reports / 'alpha' / '2024-03-01.json'}: No space left on device"
    )
    # The Markdown and its charts were written before the JSON failed: removed again.
    assert _session_files(reports / "alpha", SECOND) == []
    assert _leftovers(reports) == []
    assert os.readlink(reports / "alpha" / "latest.md") == "2024-02-29.md"
    # The other theme was still tried, and written.
    assert beta.status == "ok"
    assert _session_files(reports / "beta", SECOND) == [
        "2024-03-01-assets",
        "2024-03-01.json",
        "2024-03-01.md",
    ]
    assert os.readlink(reports / "beta" / "latest.md") == "2024-03-01.md"
    (record,) = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (reports / "runs").glob("*.json")
        if json.loads(p.read_text(encoding="utf-8"))["exit_code"] == EXIT_RENDER
    ]
    assert record["themes"][0]["message"] == alpha.message


def test_a_rerun_after_space_is_freed_writes_the_note(
    tmp_path: Path, book: ThemeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        _disk_full_for(patch, f"alpha/{SECOND.isoformat()}.md")
        assert pipeline.run(list(book), options(tmp_path, as_of=SECOND)).exit_code == EXIT_RENDER
    again = pipeline.run(list(book), options(tmp_path, as_of=SECOND))
    assert again.exit_code == EXIT_OK
    assert [o.status for o in again.outcomes] == ["ok", "skipped"]


def test_no_permission_in_the_theme_folder_exits_4_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book_file = tmp_path / "book.yaml"
    book_file.write_text(BOOK, encoding="utf-8")
    reports = tmp_path / "reports"
    (reports / "alpha").mkdir(parents=True)
    _no_permission_in(monkeypatch, reports / "alpha")

    result = CliRunner().invoke(
        app,
        [
            "report",
            "--all",
            "--themes",
            str(book_file),
            "--source",
            "demo",
            "--format",
            "md",
            "--out",
            str(reports),
            "--cache",
            str(tmp_path / "c.sqlite"),
            "--as-of",
            SECOND.isoformat(),
            "--quiet",
        ],
    )

    assert result.exit_code == EXIT_RENDER
    assert result.stdout == ""
    assert result.stderr == (
        "alpha render-error 2024-03-01\n"
        f"  cannot write {reports / 'alpha' / '2024-03-01.md'}: Permission denied\n"
    )
    assert _session_files(reports / "alpha", SECOND) == []
    assert (reports / "beta" / "2024-03-01.md").is_file()


def test_a_read_only_reports_folder_is_exit_4_naming_the_lock(
    tmp_path: Path, book: ThemeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).parent == reports and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(archive.os, "open", read_only)
    with pytest.raises(WriteError) as caught:
        pipeline.run(list(book), options(tmp_path))
    assert caught.value.exit_code == EXIT_RENDER
    assert caught.value.message == (
        f"cannot write {reports / archive.LOCK_NAME}: Read-only file system"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_really_read_only_theme_folder(tmp_path: Path, book: ThemeBook) -> None:
    reports = tmp_path / "reports"
    (reports / "alpha").mkdir(parents=True)
    (reports / "alpha").chmod(0o555)
    try:
        result = pipeline.run(list(book), options(tmp_path))
    finally:
        (reports / "alpha").chmod(0o755)
    assert result.exit_code == EXIT_RENDER
    assert "Permission denied" in (result.outcomes[0].message or "")
    assert result.outcomes[1].status == "ok"


def test_an_unwritable_index_is_said_and_exits_4_after_the_notes(
    tmp_path: Path, book: ThemeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "reports/index.md"))

    monkeypatch.setattr(archive, "write_index", fail)
    result = pipeline.run(list(book), options(tmp_path))
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    assert result.write_errors == [
        f"cannot write {tmp_path / 'reports/index.md'}: No space left on device"
    ]
    assert result.exit_code == EXIT_RENDER


def test_atomic_write_names_the_target_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "note.pdf"
    target.write_bytes(b"the previous good note")
    _disk_full_for(monkeypatch, f"{tmp_path.name}/note.pdf")
    with pytest.raises(OSError, match="No space left on device") as caught:
        fsutil.atomic_write_bytes(target, b"new")
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(target)
    assert target.read_bytes() == b"the previous good note"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.pdf"]


def test_prune_removes_old_run_records_but_keeps_the_newest(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    names = [
        "2024-12-01T103000Z.json",
        "2024-12-30T103000Z.json",
        "2024-12-30T103000Z-2.json",
        "2025-01-08T103000Z.json",
        "2025-01-09T103000Z.json",
        "notes.json",
    ]
    for name in names:
        (runs / name).write_text("{}")

    removed = archive.prune(tmp_path, keep_days=3, today=dt.date(2025, 1, 10))

    assert removed == [
        runs / "2024-12-01T103000Z.json",
        runs / "2024-12-30T103000Z-2.json",
        runs / "2024-12-30T103000Z.json",
    ]
    assert sorted(p.name for p in runs.iterdir()) == [
        "2025-01-08T103000Z.json",
        "2025-01-09T103000Z.json",
        "notes.json",
    ]
    # Even when every record is old, the newest stays.
    assert archive.prune(tmp_path, keep_days=0, today=dt.date(2026, 1, 1)) == [
        runs / "2025-01-08T103000Z.json"
    ]


def test_a_log_file_on_a_full_disk_does_not_stop_the_notes(
    tmp_path: Path, book: ThemeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_file = tmp_path / "cron.log"
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}") == str(log_file):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(archive.os, "write", write)
    result = pipeline.run(list(book), options(tmp_path, log_file=log_file))

    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    assert result.write_errors == [f"cannot write {log_file}: No space left on device"]
    assert result.exit_code == EXIT_RENDER
    (record,) = (tmp_path / "reports" / "runs").glob("*.json")
    saved = json.loads(record.read_text(encoding="utf-8"))
    assert saved["exit_code"] == EXIT_RENDER
    assert saved["write_errors"] == result.write_errors


def test_the_lock_on_a_full_disk_is_exit_4_naming_the_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock file opens (it exists), then writing the holder's stamp finds no space:
    exit 4 naming the lock, not ``internal error: OSError [Errno 28]`` with exit 1."""
    book_file = tmp_path / "book.yaml"
    book_file.write_text(BOOK, encoding="utf-8")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / archive.LOCK_NAME).write_text("", encoding="utf-8")

    def pwrite(fd: int, data: bytes, offset: int) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(archive.os, "pwrite", pwrite)
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--all",
            "--themes",
            str(book_file),
            "--source",
            "demo",
            "--format",
            "md",
            "--out",
            str(reports),
            "--cache",
            str(tmp_path / "c.sqlite"),
            "--as-of",
            SECOND.isoformat(),
            "--quiet",
        ],
    )

    assert result.exit_code == EXIT_RENDER, result.stderr
    lock = reports / archive.LOCK_NAME
    assert f"cannot write {lock}: No space left on device" in result.stderr
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert not (reports / "alpha").exists()
    # The lock was given back: the next run (with space) takes it.
    monkeypatch.undo()
    with archive.RunLock(reports):
        pass


def test_a_full_disk_under_the_site_is_exit_4_after_the_notes(
    tmp_path: Path, book: ThemeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive site was a warning and exit 0 on a full disk; now it is exit 4
    naming the page, like the index, and the notes are written."""
    _disk_full_for(monkeypatch, "alpha/index.html")
    result = pipeline.run(list(book), options(tmp_path))
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    page = tmp_path / "reports" / "alpha" / "index.html"
    assert result.write_errors == [f"cannot write {page}: No space left on device"]
    assert result.exit_code == EXIT_RENDER


def test_a_write_no_caller_worded_is_exit_4_naming_the_file_not_internal(
    tmp_path: Path, book: ThemeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``prune`` rewrites the site after removing notes: a full disk there is exit 4."""
    reports = tmp_path / "reports"
    assert pipeline.run(list(book), options(tmp_path, as_of=FIRST)).exit_code == EXIT_OK
    assert pipeline.run(list(book), options(tmp_path, as_of=SECOND)).exit_code == EXIT_OK
    _disk_full_for(monkeypatch, "reports/index.html")
    result = CliRunner().invoke(app, ["prune", "--keep-days", "1", "--out", str(reports)])
    assert result.exit_code == EXIT_RENDER, result.output
    assert f"cannot write {reports / 'index.html'}: No space left on device" in result.stderr
    assert "internal error" not in result.stderr
