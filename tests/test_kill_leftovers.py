"""A run killed with SIGKILL mid-note: what it leaves, and how the next run cleans it.

Issue 17 class 11: "a half-finished session stays in the folder after kill -9 until the
next run". A killed process cannot clean up, so this is the best the archive can do:
every file is written atomically (a temporary file, then a rename), the JSON twin is
written last, and ``latest.*`` move only after a whole note. The next run, under the
lock, deletes the temporary files (:func:`archive.remove_leftovers`) and, as the
session has no JSON twin, does not take it for complete: it writes the note again, whole.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from concepttrack import pipeline
from concepttrack.errors import EXIT_OK
from concepttrack.themes import parse_themes
from tests.conftest import REPO
from tests.test_pipeline import BOOK, options

FIRST = dt.date(2024, 2, 29)
SECOND = dt.date(2024, 3, 1)

#: Runs SECOND's note and is killed (SIGKILL) just before its JSON twin is renamed into
#: place: the twin's temporary file is written and synced, the Markdown is done.
KILLED_RUN = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    from pathlib import Path
    from concepttrack import pipeline
    from concepttrack.themes import parse_themes
    from tests.test_pipeline import BOOK, options

    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("alpha/2024-03-01.json"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst, *args, **kwargs)

    os.replace = replace
    book = parse_themes(BOOK, "book.yaml")
    pipeline.run(list(book), options(Path(sys.argv[1]), as_of=dt.date(2024, 3, 1)))
    """
)


def _tmp_files(root: Path) -> list[Path]:
    return sorted(root.rglob(".*.tmp"))


def test_the_next_run_cleans_what_a_killed_run_left_and_latest_stays_whole(
    tmp_path: Path,
) -> None:
    book = parse_themes(BOOK, "book.yaml")
    reports = tmp_path / "reports"
    assert pipeline.run(list(book), options(tmp_path, as_of=FIRST)).exit_code == EXIT_OK
    first_md = (reports / "alpha" / "latest.md").read_bytes()

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()

    # What kill -9 leaves: a session without its twin, the twin's temporary file.
    alpha = reports / "alpha"
    assert (alpha / "2024-03-01.md").is_file()
    assert not (alpha / "2024-03-01.json").exists()
    leftovers = _tmp_files(reports)
    assert [p.name.startswith(".2024-03-01.json.") for p in leftovers] == [True]
    # latest.* still open the last whole note.
    assert os.readlink(alpha / "latest.md") == "2024-02-29.md"
    assert (alpha / "latest.md").read_bytes() == first_md
    assert os.readlink(alpha / "latest.en.md") == "2024-02-29.md"

    again = pipeline.run(list(book), options(tmp_path, as_of=SECOND))

    assert again.exit_code == EXIT_OK
    assert [o.status for o in again.outcomes] == ["ok", "ok"]  # the half session redone
    assert _tmp_files(reports) == []
    assert (alpha / "2024-03-01.json").is_file()
    assert os.readlink(alpha / "latest.md") == "2024-03-01.md"
    assert os.readlink(alpha / "latest.en.md") == "2024-03-01.md"
