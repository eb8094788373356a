"""The CLI shell: exit codes, exact user-facing messages, help text, cheap start-up."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concepttrack import __version__
from concepttrack.cli import app
from tests.conftest import REPO
from tests.test_themes import MINIMAL

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.strip() == f"concepttrack {__version__}"


def test_themes_list_shows_the_book() -> None:
    code, out, _ = invoke("--themes", str(REPO / "themes.yaml"), "themes", "list")
    assert code == 0
    for text in ("sora-compute", "deepseek-hk-tech", "chip-self-sufficiency", "^HSI", "2024-02-16"):
        assert text in out


def test_themes_show_sora() -> None:
    code, out, _ = invoke("--themes", str(REPO / "themes.yaml"), "themes", "show", "sora-compute")
    assert code == 0
    for text in ("09888", "00763", "00941", "00728", "百度集团-SW", "中国电信", "Guotai Junan"):
        assert text in out


def test_themes_check_ok() -> None:
    code, out, _ = invoke("themes", "check", str(REPO / "themes.yaml"))
    assert code == 0
    assert out.strip().endswith("OK — 3 themes, 12 stocks")


def test_themes_file_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setenv("CONCEPTTRACK_THEMES", str(book))
    code, out, _ = invoke("themes", "list")
    assert code == 0
    assert "demo-theme" in out


def test_unknown_theme_exits_2_with_suggestion(tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(MINIMAL, encoding="utf-8")
    code, _, err = invoke("--themes", str(book), "themes", "show", "demo-them")
    assert code == 2
    assert err == f"error: no theme 'demo-them' in {book}\nhint: Did you mean demo-theme?\n"


def test_bad_themes_file_exits_2_naming_the_line(tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(MINIMAL.replace("title: Demo theme", "titel: Demo theme"), encoding="utf-8")
    code, out, err = invoke("themes", "check", str(book))
    assert code == 2
    assert out == ""
    assert err == textwrap.dedent(
        f"""\
        error: 2 problems in {book}:
        {book}:2:5: themes[0].title: required field is missing
        {book}:3:5: themes[0].titel: unknown key 'titel'; did you mean 'title'?
        hint: Fix the lines above, then run `concepttrack themes check`.
        """
    )
    assert "Traceback" not in err


def test_missing_themes_file(tmp_path: Path) -> None:
    code, _, err = invoke("--themes", str(tmp_path / "none.yaml"), "themes", "list")
    assert code == 2
    assert err.startswith(f"error: 1 problem in {tmp_path / 'none.yaml'}:\n")
    assert "file not found" in err
    assert "hint: Pass --themes PATH, set CONCEPTTRACK_THEMES" in err


def test_debug_shows_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--debug", "--themes", str(tmp_path / "x.yaml"), "themes", "list"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_report_needs_a_theme() -> None:
    code, _, err = invoke("--themes", str(REPO / "themes.yaml"), "report")
    assert code == 2
    assert err == (
        "error: no theme given\nhint: Name a theme (see `concepttrack themes list`) or use --all.\n"
    )


def test_report_rejects_unknown_format() -> None:
    code, _, err = invoke(
        "--themes", str(REPO / "themes.yaml"), "report", "sora-compute", "--format", "md,docx"
    )
    assert code == 2
    assert (
        err == "error: unknown format docx\nhint: Choose from md,pdf,html,json, comma-separated.\n"
    )


def test_every_command_has_help() -> None:
    import typer.main

    group = typer.main.get_command(app)
    missing = []

    def walk(command: object, path: str) -> None:
        help_text = getattr(command, "help", None) or getattr(command, "short_help", None)
        if not help_text:
            missing.append(path)
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(group, "concepttrack")
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    import typer.main

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(command, "commands", None)
        if subs:
            for sub in subs:
                assert f"concepttrack {name} {sub}" in readme, f"{name} {sub} not in README"
        else:
            assert f"concepttrack {name}" in readme, f"{name} not in README"


def test_help_does_not_import_heavy_libraries() -> None:
    code = textwrap.dedent(
        """
        import sys
        from typer.testing import CliRunner
        from concepttrack.cli import app
        result = CliRunner().invoke(app, ["--help"])
        assert result.exit_code == 0, result.output
        result = CliRunner().invoke(app, ["--themes", "themes.yaml", "themes", "list"])
        assert result.exit_code == 0, result.output
        heavy = sorted(m for m in ("pandas", "matplotlib", "weasyprint", "yfinance", "numpy")
                       if m in sys.modules)
        print(",".join(heavy))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == ""


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "concepttrack", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"concepttrack {__version__}"
