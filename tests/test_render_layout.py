"""The methodology's two printed columns keep reading order and balance their length."""

from __future__ import annotations

from concepttrack.render.context import build_context
from tests.render_fixtures import sora_snapshot, sora_theme


def test_methodology_columns_split_in_order_and_balanced() -> None:
    note = build_context(sora_theme(), sora_snapshot())
    left, right = note.methodology_columns
    assert left
    assert right
    assert [*left, *right] == note.methodology
    size = sum(len(d.text) + 45 for d in note.methodology)
    left_size = sum(len(d.text) + 45 for d in left)
    biggest = max(len(d.text) + 45 for d in note.methodology)
    # No other split point is closer to half than the one chosen.
    assert abs(size - 2 * left_size) <= biggest
