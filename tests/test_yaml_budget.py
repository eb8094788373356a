"""YAML with a budget: alias bombs, deep nesting and huge values are refused fast, by line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concepttrack import yaml_budget
from concepttrack.cli import app
from concepttrack.errors import ThemesFileError
from concepttrack.themes import load_themes, parse_themes
from tests.conftest import REPO
from tests.test_themes import MINIMAL

runner = CliRunner()


def _bomb(levels: int = 7) -> str:
    """The alias bomb from issue 9: ten x's, then ``levels - 1`` levels of ten aliases."""
    names = "abcdefghij"
    lines = [f"{names[0]}: &{names[0]} [{','.join(['x'] * 10)}]"]
    for level in range(1, levels):
        name, below = names[level], names[level - 1]
        lines.append(f"{name}: &{name} [{','.join([f'*{below}'] * 10)}]")
    return "\n".join(lines) + "\n"


def _problem(text: str) -> str:
    with pytest.raises(ThemesFileError) as caught:
        parse_themes(text, "book.yaml")
    assert len(caught.value.problems) == 1
    return caught.value.problems[0].format()


@pytest.mark.parametrize("levels", [7, 9])
def test_alias_bomb_is_refused_in_well_under_a_second(tmp_path: Path, levels: int) -> None:
    book = tmp_path / "bomb.yaml"
    book.write_text(_bomb(levels), encoding="utf-8")
    began = time.perf_counter()
    result = runner.invoke(app, ["themes", "check", str(book)])
    elapsed = time.perf_counter() - began
    assert result.exit_code == 2
    assert elapsed < 1.0
    assert result.stdout == ""
    assert result.stderr.splitlines()[1] == (
        f"{book}:1:4: aliases are not supported in a themes book (anchor &a); "
        "write the value out in full"
    )


def test_an_alias_is_refused_where_it_is_written() -> None:
    text = MINIMAL + "extra: *x\n"
    assert _problem(text) == (
        f"book.yaml:{len(MINIMAL.splitlines()) + 1}:8: aliases are not supported in a themes "
        "book (alias *x); write the value out in full"
    )


def test_a_merge_key_is_refused_even_without_an_alias() -> None:
    text = "version: 1\nthemes:\n  - <<: {id: a}\n    title: T\n"
    assert _problem(text) == (
        "book.yaml:3:5: aliases are not supported in a themes book (merge key <<); "
        "write the keys out in full"
    )


def test_a_value_spelled_like_a_merge_key_is_just_text() -> None:
    text = MINIMAL.replace("title: Demo theme", "title: '<<'")
    book = parse_themes(text, "book.yaml")
    assert next(iter(book)).title == "<<"


def test_nesting_is_bounded() -> None:
    depth = yaml_budget.MAX_DEPTH + 1
    text = "themes: " + "[" * depth + "]" * depth + "\n"
    assert _problem(text).startswith(
        f"book.yaml:1:{9 + yaml_budget.MAX_DEPTH - 1}: nesting deeper than 32 levels"
    )


def test_a_huge_value_is_refused_with_its_line() -> None:
    text = "version: 1\nthemes: []\nnote: " + "x" * (yaml_budget.MAX_SCALAR_CHARS + 1) + "\n"
    assert _problem(text) == (
        "book.yaml:3:7: a value of 65,537 characters; a themes book allows at most 65,536"
    )


def test_the_node_budget_is_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_budget, "MAX_NODES", 10)
    text = "themes: [" + ",".join(["x"] * 20) + "]\n"
    assert _problem(text) == (
        "book.yaml:1:24: more than 10 values; a themes book allows at most that many"
    )


def test_the_real_book_is_well_within_the_budget() -> None:
    text = (REPO / "themes.yaml").read_text(encoding="utf-8")
    loader = yaml_budget.BudgetLoader(text)
    try:
        assert loader.get_single_node() is not None
        assert loader._nodes < yaml_budget.MAX_NODES // 100
    finally:
        loader.dispose()
    assert len(load_themes(REPO / "themes.yaml")) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [" + ",".join(["x"] * 500_000) + "]\n", "more than 100,000 values"),
        ("a: " + "[" * 1_000_000 + "\n", "nesting deeper than 32 levels"),
    ],
    ids=["500k-values", "1M-levels"],
)
def test_a_megabyte_of_hostile_yaml_is_refused_fast(text: str, message: str) -> None:
    assert len(text.encode()) < 1_048_576
    began = time.perf_counter()
    problem = _problem(text)
    assert time.perf_counter() - began < 2.0
    assert message in problem


def test_without_libyaml_the_budget_still_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    monkeypatch.setattr(yaml_budget, "MAX_NODES", 10)
    text = "themes: [" + ",".join(["x"] * 20) + "]\n"
    assert _problem(text) == (
        "book.yaml:1:24: more than 10 values; a themes book allows at most that many"
    )
    assert _problem(_bomb()).startswith("book.yaml:1:4: aliases are not supported")
