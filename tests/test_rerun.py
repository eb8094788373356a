"""A re-run with nothing to do (issue 17): it writes nothing and loads no heavy library,
and it is exactly as safe as reading every note: a note that is not complete (a changed
theme, a missing language or format, a twin that is not what it was, --force) is
rendered again. Every run is the real command in a fresh process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from concepttrack import pipeline
from tests.conftest import REPO

AS_OF = "2024-03-01"
SESSION = "2024-03-01"
BOOK = """\
themes:
  - id: alpha
    title: Alpha theme
    thesis: A thesis.
    event: {date: 2024-02-16, title: The news}
    stocks:
      - {code: "09888", name: Baidu, rationale: Cloud.}
      - {code: "00763", name: ZTE, rationale: Servers.}
  - id: beta
    title: Beta theme
    thesis: Another thesis.
    event: {date: 2024-01-10, title: Other news}
    stocks:
      - {code: "00941", name: China Mobile, rationale: Network.}
"""
#: Libraries a re-run with nothing to do must not import.
HEAVY = ("pandas", "numpy", "matplotlib", "weasyprint", "yfinance", "exchange_calendars")
#: Runs the CLI, then says on stderr which heavy libraries the process imported.
WRAPPER = f"""
import atexit, sys
heavy = {HEAVY!r}
atexit.register(lambda: print("HEAVY=" + ",".join(m for m in heavy if m in sys.modules),
                              file=sys.stderr))
from concepttrack.cli import main
sys.argv = ["concepttrack", *sys.argv[1:]]
main()
"""


def run_cli(root: Path, *extra: str, book: str = "book.yaml") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "CONCEPTTRACK_CACHE": str(root / "cache" / "prices.sqlite"),
        "XDG_CACHE_HOME": str(root / "cache"),
    }
    env.pop("CONCEPTTRACK_LANG", None)
    command = [
        sys.executable,
        "-c",
        WRAPPER,
        "--themes",
        str(root / book),
        "report",
        "--all",
        "--source",
        "demo",
        "--format",
        "md,json",
        "--out",
        str(root / "reports"),
        "--as-of",
        AS_OF,
        *extra,
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def heavy_imports(done: subprocess.CompletedProcess[str]) -> list[str]:
    line = next(line for line in done.stderr.splitlines() if line.startswith("HEAVY="))
    return [name for name in line.removeprefix("HEAVY=").split(",") if name]


def files(reports: Path) -> dict[str, tuple[int, int, int, int]]:
    """Everything in the reports folder but run records and the lock: identity of each."""
    found = {}
    for path in sorted(reports.rglob("*")):
        relative = path.relative_to(reports)
        if relative.parts[0] == "runs" or path.name == ".concepttrack.lock":
            continue
        info = path.lstat()
        found[str(relative)] = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return found


def statuses(reports: Path) -> dict[str, str]:
    """The newest run record's status of each theme."""
    newest = sorted((reports / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)[-1]
    record = json.loads(newest.read_text(encoding="utf-8"))
    return {theme["theme_id"]: theme["status"] for theme in record["themes"]}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose notes are all written: book, caches, reports."""
    root = tmp_path_factory.mktemp("rerun")
    (root / "book.yaml").write_text(BOOK, encoding="utf-8")
    done = run_cli(root)
    assert done.returncode == 0, done.stderr
    assert statuses(root / "reports") == {"alpha": "ok", "beta": "ok"}
    return root


@pytest.fixture
def archive(written: Path, tmp_path: Path) -> Path:
    """A copy of ``written`` on which a re-run has settled (its memo knows the copy)."""
    root = tmp_path / "copy"
    shutil.copytree(written, root, symlinks=True)
    done = run_cli(root)
    assert done.returncode == 0, done.stderr
    assert statuses(root / "reports") == {"alpha": "skipped", "beta": "skipped"}
    return root


def test_a_complete_rerun_writes_nothing_and_imports_no_heavy_library(written: Path) -> None:
    reports = written / "reports"
    for _ in range(2):  # the first re-run after the writing run too
        before = files(reports)
        records = len(list((reports / "runs").glob("*.json")))
        done = run_cli(written)
        assert done.returncode == 0, done.stderr
        assert "alpha: note for 2024-03-01 already written, skipped" in done.stdout
        assert heavy_imports(done) == []
        assert files(reports) == before
        assert len(list((reports / "runs").glob("*.json"))) == records + 1
        assert statuses(reports) == {"alpha": "skipped", "beta": "skipped"}


def test_a_changed_theme_is_rendered_again(archive: Path) -> None:
    reports = archive / "reports"
    before = files(reports)
    book = BOOK.replace("thesis: A thesis.", "thesis: A new thesis.")
    (archive / "book.yaml").write_text(book, encoding="utf-8")
    done = run_cli(archive)
    assert done.returncode == 0, done.stderr
    assert statuses(reports) == {"alpha": "ok", "beta": "skipped"}
    assert "A new thesis." in (reports / "alpha" / f"{SESSION}.md").read_text("utf-8")
    assert files(reports)["beta/2024-03-01.md"] == before["beta/2024-03-01.md"]
    assert files(reports)["index.md"] != before["index.md"]
    # And the re-run after that has nothing to do again.
    settled = files(reports)
    again = run_cli(archive)
    assert statuses(reports) == {"alpha": "skipped", "beta": "skipped"}
    assert heavy_imports(again) == []
    assert files(reports) == settled


def test_a_missing_language_or_format_is_rendered(archive: Path) -> None:
    reports = archive / "reports"
    done = run_cli(archive, "--lang", "en,zh-hk")
    assert done.returncode == 0, done.stderr
    assert statuses(reports) == {"alpha": "ok", "beta": "ok"}
    assert (reports / "alpha" / f"{SESSION}.zh-hk.md").is_file()
    (reports / "beta" / f"{SESSION}.zh-hk.md").unlink()
    done = run_cli(archive, "--lang", "en,zh-hk")
    assert statuses(reports) == {"alpha": "skipped", "beta": "ok"}
    assert (reports / "beta" / f"{SESSION}.zh-hk.md").is_file()


def test_a_twin_edited_in_place_is_read_again(archive: Path) -> None:
    """Same inode, same size, modification time put back: the memo is not trusted."""
    reports = archive / "reports"
    twin = reports / "beta" / f"{SESSION}.json"
    text = twin.read_text(encoding="utf-8")
    info = twin.stat()
    # The benchmark's data status: fresh -> stale (same length).
    at = text.index('"status": "fresh"', text.index('"benchmark": {'))
    edited = text[:at] + '"status": "stale"' + text[at + len('"status": "fresh"') :]
    assert json.loads(edited)["snapshot"]["benchmark"]["status"]["status"] == "stale"
    with twin.open("r+", encoding="utf-8") as handle:  # in place, not a new file
        handle.write(edited)
    os.utime(twin, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert twin.stat().st_size == info.st_size
    assert twin.stat().st_ino == info.st_ino
    done = run_cli(archive)
    assert done.returncode == 0, done.stderr
    assert statuses(reports) == {"alpha": "skipped", "beta": "ok"}


def test_force_renders_every_note(archive: Path) -> None:
    done = run_cli(archive, "--force")
    assert done.returncode == 0, done.stderr
    assert statuses(archive / "reports") == {"alpha": "ok", "beta": "ok"}


def test_a_removed_index_is_written_by_a_rerun_with_nothing_to_do(archive: Path) -> None:
    reports = archive / "reports"
    index = (reports / "index.md").read_text(encoding="utf-8")
    (reports / "index.md").unlink()
    (reports / "alpha" / "index.html").unlink()
    done = run_cli(archive)
    assert done.returncode == 0, done.stderr
    assert statuses(reports) == {"alpha": "skipped", "beta": "skipped"}
    assert (reports / "index.md").read_text(encoding="utf-8") == index
    assert (reports / "alpha" / "index.html").is_file()
    assert heavy_imports(done) == []


def test_an_unreadable_memo_is_only_a_slower_rerun(archive: Path) -> None:
    reports = archive / "reports"
    (reports / pipeline.RERUN_MEMO).write_text("{not json", encoding="utf-8")
    done = run_cli(archive)
    assert done.returncode == 0, done.stderr
    assert statuses(reports) == {"alpha": "skipped", "beta": "skipped"}
    assert json.loads((reports / pipeline.RERUN_MEMO).read_text("utf-8"))["notes"]
