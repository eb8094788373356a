"""The Sora note's Markdown on a fixed CSV dataset matches the reviewed golden files.

One golden file per language (English, Traditional and Simplified Chinese); all three
come from one pipeline run.
"""

from __future__ import annotations

import difflib
import functools

import pytest

from tests.golden import GOLDENS, render_all_markdown


@functools.cache
def _rendered() -> dict[str, str]:
    return render_all_markdown()


@pytest.mark.parametrize("lang", list(GOLDENS))
def test_markdown_matches_golden_file(lang: str) -> None:
    golden = GOLDENS[lang]
    assert golden.exists(), "no golden file yet: run ./tasks golden and review it"
    expected = golden.read_text(encoding="utf-8")
    actual = _rendered()[lang]
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            "golden",
            "rendered",
        )
    )
    assert actual == expected, "Markdown note changed; if intended run ./tasks golden\n" + diff
