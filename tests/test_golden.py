"""The Sora note's Markdown on a fixed CSV dataset matches the reviewed golden file."""

from __future__ import annotations

import difflib

from tests.golden import GOLDEN, render_markdown


def test_markdown_matches_golden_file() -> None:
    assert GOLDEN.exists(), "no golden file yet: run ./tasks golden and review it"
    expected = GOLDEN.read_text(encoding="utf-8")
    actual = render_markdown()
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            "golden",
            "rendered",
        )
    )
    assert actual == expected, "Markdown note changed; if intended run ./tasks golden\n" + diff
