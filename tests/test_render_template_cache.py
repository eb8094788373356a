"""Compiled note templates are kept in the user cache folder, keyed by their source."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from concepttrack.render import make_environment


def test_a_fresh_environment_reuses_compiled_templates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    make_environment().get_template("note.html.j2")
    make_environment(markdown=True).get_template("note.md.j2")
    assert len(list((tmp_path / "concepttrack" / "templates").iterdir())) == 2

    def no_compiling(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("compiled again instead of loaded from the cache")

    monkeypatch.setattr(jinja2.Environment, "compile", no_compiling)
    assert make_environment().get_template("note.html.j2") is not None
    assert make_environment(markdown=True).get_template("note.md.j2") is not None


def test_an_edited_template_is_compiled_anew(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "note.md.j2").write_text("one {{ 1 + 1 }}\n", encoding="utf-8")
    assert make_environment(folder, markdown=True).get_template("note.md.j2").render() == "one 2\n"
    (folder / "note.md.j2").write_text("two {{ 2 + 2 }}\n", encoding="utf-8")
    assert make_environment(folder, markdown=True).get_template("note.md.j2").render() == "two 4\n"


def test_an_unusable_cache_folder_only_costs_compiling(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert make_environment().get_template("note.html.j2") is not None
