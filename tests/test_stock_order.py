"""Swapping stocks in the book never changes a figure (issue 17 #12).

The basket's sessions are the benchmark's exchange (or the theme's ``calendar:``), not its
first stock's: an A+H theme listed A-share first was based on the last Shanghai session
before the event. Every example theme is written twice, once as shipped and once with its
stocks reversed, and every figure of the JSON twins is compared.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from concepttrack.cli import app
from concepttrack.themes import parse_themes
from tests.conftest import REPO

BOOKS = [REPO / "themes.yaml", REPO / "examples" / "valuation-themes.yaml"]


def _canonical(value: Any) -> Any:
    """Lists of per-symbol records sorted by symbol; everything else as it is."""
    if isinstance(value, dict) and isinstance(value.get("matrix"), list) and "symbols" in value:
        # A correlation matrix is indexed by the symbols' order: reorder rows and columns.
        order = sorted(range(len(value["symbols"])), key=lambda i: value["symbols"][i])
        matrix = value["matrix"]
        return {
            **value,
            "symbols": [value["symbols"][i] for i in order],
            "matrix": [[matrix[i][j] for j in order] for i in order],
        }
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        for key in ("symbol", "code"):
            if items and all(isinstance(item, dict) and key in item for item in items):
                return sorted(items, key=lambda item: (str(item[key]), json.dumps(item)))
        return items
    return value


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Paths where two canonical JSON values differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += _differences(a.get(key), b.get(key), f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _differences(x, y, f"{path}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        # Sums taken in another order differ in the last bits, never in a shown digit.
        return (
            [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) else [f"{path}: {a!r} != {b!r}"]
        )
    return [] if a == b else [f"{path}: {a!r} != {b!r}"[:300]]


def _write(book: Path, out: Path, as_of: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app,
        [
            "--themes", str(book), "--cache", str(out / "c.sqlite"),
            "report", "--all", "--source", "demo", "--format", "json",
            "--as-of", as_of, "--out", str(out / "reports"), "--quiet",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    notes = {}
    for path in sorted((out / "reports").glob(f"*/{as_of}.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("generated_at", None)
        notes[path.parent.name] = _canonical(data)
    return notes


@pytest.mark.parametrize("book", BOOKS, ids=[path.name for path in BOOKS])
def test_reversing_the_stocks_changes_no_figure(book: Path, tmp_path: Path) -> None:
    raw = yaml.safe_load(book.read_text(encoding="utf-8"))
    for theme in raw["themes"]:
        theme["stocks"] = list(reversed(theme["stocks"]))
    shuffled = tmp_path / "reversed.yaml"
    shuffled.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    themes = parse_themes(book.read_text(encoding="utf-8"), str(book)).themes
    assert any(len(set(t.symbols)) > 1 for t in themes)
    as_of = "2025-06-30"
    original = _write(book, tmp_path / "a", as_of)
    reordered = _write(shuffled, tmp_path / "b", as_of)
    assert original.keys() == reordered.keys()
    assert original
    for theme_id in original:
        differences = _differences(original[theme_id], reordered[theme_id])
        assert differences == [], f"{theme_id}: {len(differences)} figures differ:\n" + "\n".join(
            differences[:40]
        )
