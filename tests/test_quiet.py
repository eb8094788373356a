"""Silence on success: a clean ``--quiet`` run prints nothing; library chatter goes to the log.

The subprocess test runs the real CLI with a matplotlib font cache that predates the CJK
font (the fresh-machine case that made matplotlib print ``findfont: Failed to find font
weight normal for Noto Sans CJK SC`` on every chart).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from concepttrack import archive, cli_support
from concepttrack.render import charts, fonts
from tests.conftest import REPO

NOTO_SC = "Noto Sans CJK SC"


def _has_noto_sc() -> bool:
    return NOTO_SC in fonts.fontconfig_cjk_files()


needs_noto = pytest.mark.skipif(not _has_noto_sc(), reason="fonts-noto-cjk is not installed")


@pytest.fixture
def _logging_restored() -> Iterator[None]:
    """configure_logging changes process-wide loggers: put them back afterwards."""
    ours = logging.getLogger("concepttrack")
    root = logging.getLogger()
    saved = (list(ours.handlers), ours.level, list(root.handlers))
    yield
    ours.handlers[:], root.handlers[:] = saved[0], saved[2]
    ours.setLevel(saved[1])


def _font_cache_without_cjk(folder: Path) -> None:
    """A matplotlib font cache as built before fonts-noto-cjk was installed."""
    from matplotlib import font_manager

    folder.mkdir()
    full = folder / "full.json"
    font_manager.json_dump(font_manager.fontManager, full)
    data = json.loads(full.read_text(encoding="utf-8"))
    data["ttflist"] = [e for e in data["ttflist"] if "CJK" not in e["name"]]
    name = f"fontlist-v{font_manager.FontManager.__version__}.json"
    (folder / name).write_text(json.dumps(data), encoding="utf-8")
    full.unlink()


@pytest.mark.slow
@needs_noto
def test_quiet_run_prints_nothing_at_all(tmp_path: Path) -> None:
    mpl = tmp_path / "mpl"
    _font_cache_without_cjk(mpl)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "MPLCONFIGDIR": str(mpl)}
    command = [
        sys.executable,
        "-m",
        "concepttrack",
        "--themes",
        str(REPO / "themes.yaml"),
        "report",
        "--all",
        "--source",
        "demo",
        "--out",
        str(tmp_path / "reports"),
        "--cache",
        str(tmp_path / "c.sqlite"),
        "--as-of",
        "2025-03-03",
        "--quiet",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0
    assert done.stdout == ""
    assert done.stderr == ""
    pdfs = list((tmp_path / "reports").glob("*/2025-03-03.pdf"))
    assert len([p for p in pdfs if p.parent.name != "board"]) == 3
    assert (tmp_path / "reports" / "board" / "2025-03-03.pdf") in pdfs  # report --all's board


@needs_noto
def test_charts_register_regular_and_bold_cjk_faces_by_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    manager = font_manager.fontManager
    without_cjk = [e for e in manager.ttflist if "CJK" not in e.name]
    monkeypatch.setattr(manager, "ttflist", without_cjk)
    manager._findfont_cached.cache_clear()
    try:
        family = charts._font_family()
        assert family == [NOTO_SC, "DejaVu Sans"]
        assert charts._weights_known(NOTO_SC) >= {400, 700}
        regular = manager.findfont(FontProperties(family=NOTO_SC, weight="normal"))
        bold = manager.findfont(FontProperties(family=NOTO_SC, weight="bold"))
        assert Path(regular).name == "NotoSansCJK-Regular.ttc"
        assert Path(bold).name == "NotoSansCJK-Bold.ttc"
    finally:
        monkeypatch.undo()
        manager._findfont_cached.cache_clear()


def test_fontconfig_files_keep_every_weight(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = (
        "/f/NotoSansCJK-Bold.ttc: Noto Sans CJK JP,Noto Sans CJK SC\n"
        "/f/NotoSansCJK-Regular.ttc: Noto Sans CJK SC,Noto Sans CJK JP\n"
    )

    def fake_run(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 0, stdout=listing, stderr="")

    fonts.fontconfig_cjk_files.cache_clear()
    monkeypatch.setattr(fonts.shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(fonts.subprocess, "run", fake_run)
    try:
        files = fonts.fontconfig_cjk_files()
    finally:
        fonts.fontconfig_cjk_files.cache_clear()
    assert files[NOTO_SC] == ("/f/NotoSansCJK-Bold.ttc", "/f/NotoSansCJK-Regular.ttc")


@pytest.mark.usefixtures("_logging_restored")
def test_third_party_warnings_stay_off_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli_support.configure_logging(debug=False)
    run_log = archive.RunLog(tmp_path / "run.log")
    handler = run_log.handler()
    ours = logging.getLogger("concepttrack")
    ours.addHandler(handler)
    try:
        logging.getLogger("matplotlib.font_manager").warning("findfont: Failed to find font")
        logging.getLogger("fontTools.subset").warning("glyph dropped")
        logging.getLogger("concepttrack.render").warning("a warning of ours")
    finally:
        ours.removeHandler(handler)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "warning: a warning of ours\n"
    logged = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "WARNING findfont: Failed to find font" in logged
    assert "WARNING glyph dropped" in logged
    assert "WARNING a warning of ours" in logged


@pytest.mark.usefixtures("_logging_restored")
def test_third_party_warnings_show_with_debug(capsys: pytest.CaptureFixture[str]) -> None:
    cli_support.configure_logging(debug=True)
    logging.getLogger("weasyprint").warning("Ignored `foo: bar` at 1:2")
    assert capsys.readouterr().err == "warning: weasyprint: Ignored `foo: bar` at 1:2\n"
