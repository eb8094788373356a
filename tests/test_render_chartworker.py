"""The chart process a run starts early: same bytes, failures surface, death is survived."""

from __future__ import annotations

import os
import signal

import pytest

from concepttrack.errors import RenderError
from concepttrack.render import charts as charts_module
from concepttrack.render import chartworker
from concepttrack.render.charts import render_charts
from tests.render_fixtures import sora_snapshot, sora_theme

LABELS = {"9888.HK": "Baidu 09888", "0763.HK": "ZTE 00763"}
NAMES = ["basket-vs-benchmark", "constituents", "since-event-returns", "event-reaction"]


def test_worker_charts_equal_in_process_charts_note_after_note() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    here = render_charts(theme, snapshot, labels=LABELS, benchmark_name="Hang Seng Index")
    with chartworker.started(True) as worker:
        assert worker is not None
        assert chartworker.active() is worker
        for _ in range(2):  # one process serves every note of a run
            worker.submit(theme, snapshot, labels=LABELS, benchmark_name="Hang Seng Index")
            there = worker.result()
            assert [c.name for c in there] == NAMES
            assert [c.png for c in there] == [c.png for c in here]
        pid = worker.pid
    assert chartworker.active() is None
    assert worker.pid is None
    assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left


def test_not_wanted_starts_nothing() -> None:
    with chartworker.started(False) as worker:
        assert worker is None
        assert chartworker.active() is None


def test_a_failure_in_the_worker_is_a_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RenderError("could not draw the charts for sora-compute: boom")

    # Patched before the fork, so the worker process draws with it.
    monkeypatch.setattr(charts_module, "render_charts", broken)
    with chartworker.started(True) as worker:
        assert worker is not None
        worker.submit(sora_theme(), sora_snapshot(), labels=LABELS, benchmark_name="HSI")
        with pytest.raises(RenderError, match="boom"):
            worker.result()


def test_a_dead_worker_means_charts_drawn_in_process() -> None:
    with chartworker.started(True) as worker:
        assert worker is not None
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        worker.submit(sora_theme(), sora_snapshot(), labels=LABELS, benchmark_name="HSI")
        drawn = worker.result()
        assert [c.name for c in drawn] == NAMES
        assert not worker.alive


def test_charts_never_taken_are_not_given_to_the_next_note() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    with chartworker.started(True) as worker:
        assert worker is not None
        # A note asks, then fails before taking its charts...
        worker.submit(theme, snapshot, labels={}, benchmark_name="Not this one")
        # ...and the next note gets its own.
        worker.submit(theme, snapshot, labels=LABELS, benchmark_name="Hang Seng Index")
        here = render_charts(theme, snapshot, labels=LABELS, benchmark_name="Hang Seng Index")
        assert [c.png for c in worker.result()] == [c.png for c in here]
