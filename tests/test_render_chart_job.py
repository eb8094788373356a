"""Charts drawn in a forked process are the same bytes, and their failures still surface."""

from __future__ import annotations

import pytest

from concepttrack.errors import RenderError
from concepttrack.render import charts as charts_module
from concepttrack.render.charts import ChartJob, render_charts
from tests.render_fixtures import sora_snapshot, sora_theme

LABELS = {"9888.HK": "Baidu 09888", "0763.HK": "ZTE 00763"}


def test_forked_charts_equal_in_process_charts() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    here = render_charts(theme, snapshot, labels=LABELS, benchmark_name="Hang Seng Index")
    job = ChartJob(theme, snapshot, labels=LABELS, benchmark_name="Hang Seng Index", in_child=True)
    there = job.result()
    assert [c.name for c in there] == [
        "basket-vs-benchmark",
        "constituents",
        "since-event-returns",
        "event-reaction",
    ]
    assert [c.png for c in there] == [c.png for c in here]
    assert job.result() is there


def test_a_failure_in_the_chart_process_is_a_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RenderError("could not draw the charts for sora-compute: boom")

    monkeypatch.setattr(charts_module, "render_charts", broken)
    job = ChartJob(
        sora_theme(), sora_snapshot(), labels=LABELS, benchmark_name="HSI", in_child=True
    )
    with pytest.raises(RenderError, match="could not draw the charts for sora-compute: boom"):
        job.result()
