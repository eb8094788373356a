"""OpenCC conversions are remembered on disk, so a daily note does not load OpenCC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from concepttrack import localize
from tests.conftest import REPO


@pytest.fixture
def fresh_memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    localize._memo.cache_clear()
    yield tmp_path / "concepttrack" / "opencc"
    localize._memo.cache_clear()


def test_a_conversion_is_remembered_and_reused_without_opencc(
    fresh_memo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert localize.convert("百度集团-SW", "s2hk") == "百度集團-SW"
    (memo_file,) = fresh_memo.glob("*.json")
    assert "百度集團-SW" in json.loads(memo_file.read_text("utf-8")).values()
    localize._memo.cache_clear()

    def no_opencc(config: str) -> object:
        raise AssertionError("OpenCC was loaded for a remembered conversion")

    monkeypatch.setattr(localize, "_converter", no_opencc)
    assert localize.convert("百度集团-SW", "s2hk") == "百度集團-SW"
    # The phrase table still applies (it is part of what was remembered).
    monkeypatch.undo()


def test_an_unwritable_memo_only_costs_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    localize._memo.cache_clear()
    try:
        assert localize.convert("服务器", "s2hk") == "伺服器"
    finally:
        localize._memo.cache_clear()


def test_a_second_english_note_does_not_load_opencc(tmp_path: Path) -> None:
    # The English edition shows its Chinese names in Hong Kong characters (s2hk): the
    # first run converts them, the next one reads them from the memo.
    script = (
        "import sys\n"
        "from concepttrack.cli import main\n"
        "sys.argv = ['concepttrack', 'report', 'sora-compute', '--source', 'demo', '--format',"
        " 'md', '--as-of', '2024-03-01', '--out', sys.argv[1], '--force', '--quiet']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print('opencc' in sys.modules)\n"
    )
    env_out = tmp_path / "reports"

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, str(env_out)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            # Its own user cache: other tests of the session converted these names too.
            env={
                **os.environ,
                "CONCEPTTRACK_CACHE": str(tmp_path / "c.db"),
                "XDG_CACHE_HOME": str(tmp_path / "xdg"),
            },
        )
        return done.stdout.strip().splitlines()[-1]

    assert run() == "True"
    assert run() == "False"
