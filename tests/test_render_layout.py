"""Layout: the methodology's two printed columns keep reading order and balance their
length; the charts' line-end labels never print on each other."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from concepttrack.analytics.model import ChartSeries, Series
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


# --- chart end labels ------------------------------------------------------------------------


def _near_equal_ends() -> Any:
    """The Sora snapshot with the basket ending at 111.1 and the benchmark at 110.6."""
    snapshot = sora_snapshot()
    basket, bench = snapshot.series.basket, snapshot.series.benchmark
    series = ChartSeries(
        basket=Series(basket.sessions, [*basket.values[:-1], 111.1]),
        benchmark=Series(bench.sessions, [*bench.values[:-1], 110.6]),
        stocks=snapshot.series.stocks,
    )
    return replace(snapshot, series=series)


def test_end_labels_of_near_equal_ends_never_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    from concepttrack.render import charts

    boxes: list[list[Any]] = []
    leaders: list[bool] = []
    original = charts._png

    def record(fig: Any) -> bytes:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ends = [t for t in fig.axes[0].texts if t.get_text() in ("111.1", "110.6")]
        boxes.append([t.get_window_extent(renderer) for t in ends])
        leaders.extend(t.arrow_patch is not None and t.arrow_patch.get_visible() for t in ends)
        return original(fig)

    monkeypatch.setattr(charts, "_png", record)
    snapshot = _near_equal_ends()
    charts.render_charts(sora_theme(), snapshot, labels={}, benchmark_name="HSI")
    first, second = boxes[0]
    assert not first.overlaps(second), (first, second)
    assert any(leaders)  # a label moved off its line's end points back to it


def test_spread_pushes_labels_apart_by_the_gap_inside_the_range() -> None:
    from concepttrack.render.charts import _spread

    placed = _spread([111.1, 110.6, 100.0], 1.0, 90.0, 120.0)
    assert placed[2] == 100.0  # far from the others: not moved
    assert abs(placed[0] - placed[1]) >= 1.0 - 1e-9
    assert placed[0] > placed[1]  # order kept
    top = _spread([119.9, 119.8, 119.7], 1.0, 90.0, 120.0)
    assert max(top) <= 120.0
    assert sorted(top, reverse=True) == top
    assert min(b - a for a, b in zip(sorted(top), sorted(top)[1:], strict=False)) >= 1.0 - 1e-9
