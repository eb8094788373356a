"""Options where people type them: --themes, --cache and --debug before or after the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from concepttrack.cli import app
from tests.conftest import REPO
from tests.test_themes import MINIMAL

runner = CliRunner()
GLOBAL = ("--themes", "--cache", "--debug")


def _leaf_commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if hasattr(command, "commands"):
        found = []
        for name, sub in sorted(command.commands.items()):
            found.extend(_leaf_commands(sub, (*path, name)))
        return found
    return [path]


LEAVES = _leaf_commands(typer.main.get_command(app))


def test_every_command_is_covered() -> None:
    assert {" ".join(leaf) for leaf in LEAVES} >= {
        "report",
        "prune",
        "themes list",
        "themes show",
        "themes check",
        "prices fetch",
        "prices show",
        "cache info",
        "cache clear",
    }


@pytest.mark.parametrize("command", LEAVES, ids=" ".join)
def test_help_of_every_command_shows_the_global_options(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    for option in GLOBAL:
        assert option in result.stdout, (command, option)


def _book(tmp_path: Path) -> Path:
    book = tmp_path / "my.yaml"
    book.write_text(MINIMAL, encoding="utf-8")
    return book


def test_themes_after_the_command_name(tmp_path: Path) -> None:
    book = _book(tmp_path)
    result = runner.invoke(app, ["themes", "list", "--themes", str(book)])
    assert result.exit_code == 0, result.stderr
    assert "demo-theme" in result.stdout
    assert "sora-compute" not in result.stdout


def test_after_wins_over_before(tmp_path: Path) -> None:
    book = _book(tmp_path)
    result = runner.invoke(
        app, ["--themes", str(REPO / "themes.yaml"), "themes", "list", "--themes", str(book)]
    )
    assert result.exit_code == 0, result.stderr
    assert "demo-theme" in result.stdout


def test_themes_before_the_command_name_still_works(tmp_path: Path) -> None:
    book = _book(tmp_path)
    result = runner.invoke(app, ["--themes", str(book), "themes", "show", "demo-theme"])
    assert result.exit_code == 0, result.stderr
    assert "Demo theme" in result.stdout


def test_debug_after_the_command_name_shows_the_traceback(tmp_path: Path) -> None:
    book = _book(tmp_path)
    plain = runner.invoke(app, ["themes", "show", "nope", "--themes", str(book)])
    debug = runner.invoke(app, ["themes", "show", "nope", "--themes", str(book), "--debug"])
    assert plain.exit_code == debug.exit_code == 2
    assert "Traceback" not in plain.stderr
    assert "Traceback (most recent call last)" in debug.stderr
    assert f"error: no theme 'nope' in {book}" in debug.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_cache_before_or_after_the_command_name(tmp_path: Path, where: str) -> None:
    cache = tmp_path / "elsewhere.sqlite"
    args = ["report", "sora-compute", "--source", "demo", "--format", "json"]
    args += ["--out", str(tmp_path / "reports"), "--as-of", "2025-03-03", "--quiet"]
    args += ["--themes", str(REPO / "themes.yaml")]
    args = ["--cache", str(cache), *args] if where == "before" else [*args, "--cache", str(cache)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert cache.is_file()
    note = tmp_path / "reports" / "sora-compute" / "2025-03-03.json"
    assert json.loads(note.read_text(encoding="utf-8"))["snapshot"]["source"] == "demo"
    info = runner.invoke(
        app,
        ["cache", "info", "--cache", str(cache)]
        if where == "after"
        else ["--cache", str(cache), "cache", "info"],
    )
    assert info.exit_code == 0, info.stderr
    assert f"cache: {cache}" in info.stdout
    assert "demo" in info.stdout


def test_prices_show_takes_the_global_cache(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    result = runner.invoke(
        app,
        [
            "--cache",
            str(cache),
            "prices",
            "show",
            "09888",
            "--source",
            "demo",
            "--as-of",
            "2025-03-03",
            "--last",
            "3",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert cache.is_file()
    assert "2025-03-03" in result.stdout
