"""A chart process started before the prices are loaded, so matplotlib's import overlaps.

A single note spends about 0.3 s importing matplotlib and 0.3 s drawing its charts;
the drawing has to wait for the snapshot, the import does not. :class:`ChartWorker`
forks at the start of a run (before pandas is imported), imports matplotlib while the
run loads prices and builds the snapshot, then draws each note's charts on request
and sends the PNG bytes back (the same bytes as drawing in-process). The run imports
WeasyPrint meanwhile. When the process cannot be started or dies, the charts are
drawn in-process instead: a note is never lost to this.

Only runs that render notes one at a time use it (``--jobs 1`` or a single note);
``--jobs`` workers keep both cores busy anyway.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, TYPE_CHECKING, Any

from concepttrack.errors import RenderError

if TYPE_CHECKING:
    from concepttrack.analytics.model import ThemeSnapshot
    from concepttrack.render.chart_base import Chart, ChartText, Palette
    from concepttrack.themes import Theme

LOG = logging.getLogger("concepttrack.render")
_ACTIVE: ChartWorker | None = None


def _serve(requests_fd: int, answers_fd: int) -> None:  # pragma: no cover - in the child
    """The child: import matplotlib, then draw what is asked until the pipe closes."""
    code = 0
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot

        from concepttrack.render.charts import render_charts

        with os.fdopen(requests_fd, "rb") as requests, os.fdopen(answers_fd, "wb") as answers:
            while True:
                try:
                    number, theme, snapshot, kwargs = pickle.load(requests)
                except EOFError:
                    break
                answer: object
                try:
                    answer = render_charts(theme, snapshot, **kwargs)
                except RenderError as exc:
                    answer = exc
                except BaseException as exc:
                    answer = RenderError(f"could not draw the charts: {exc}")
                pickle.dump((number, answer), answers)
                answers.flush()
    except BaseException:
        code = 1
    os._exit(code)


class ChartWorker:
    """A forked chart process; :meth:`submit` a note's charts, then take the :meth:`result`."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self._requests: IO[bytes] | None = None
        self._answers: IO[bytes] | None = None
        self._pending: tuple[Theme, ThemeSnapshot, dict[str, Any]] | None = None
        #: Requests are numbered, so an answer never asked for again (a note that
        #: failed between asking and taking its charts) is never taken for another's.
        self._number = 0
        if not hasattr(os, "fork"):  # pragma: no cover - Windows
            return
        from concepttrack.children import die_with_parent

        parent = os.getpid()
        requests_read, requests_write = os.pipe()
        answers_read, answers_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(requests_write)
            os.close(answers_read)
            die_with_parent(parent)
            _serve(requests_read, answers_write)
        os.close(requests_read)
        os.close(answers_write)
        self.pid = pid
        self._requests = os.fdopen(requests_write, "wb")
        self._answers = os.fdopen(answers_read, "rb")

    @property
    def alive(self) -> bool:
        return self.pid is not None

    def submit(
        self,
        theme: Theme,
        snapshot: ThemeSnapshot,
        *,
        labels: dict[str, str],
        benchmark_name: str,
        text: ChartText | None = None,
        palette: Palette | None = None,
    ) -> None:
        """Ask for one note's charts (drawn in-process later if the worker is gone).

        ``palette`` is the note's colour per security (by default the theme's)."""
        kwargs: dict[str, Any] = {
            "labels": labels,
            "benchmark_name": benchmark_name,
            "text": text,
            "palette": palette,
        }
        self._pending = (theme, snapshot, kwargs)
        self._number += 1
        if self._requests is None:
            return
        try:
            pickle.dump((self._number, theme, snapshot, kwargs), self._requests)
            self._requests.flush()
        except (OSError, pickle.PicklingError) as exc:
            LOG.debug("chart process unavailable (%s); drawing in-process", exc)
            self.close()

    def result(self) -> list[Chart]:
        """The submitted note's charts; raises RenderError as drawing in-process would."""
        if self._pending is None:
            raise RenderError("no charts were asked for")
        theme, snapshot, kwargs = self._pending
        self._pending = None
        if self._answers is not None:
            try:
                number, answer = pickle.load(self._answers)
                while number != self._number:  # an earlier note's, never taken
                    number, answer = pickle.load(self._answers)
            except (OSError, EOFError, pickle.UnpicklingError, ValueError) as exc:
                LOG.debug("chart process ended (%s); drawing in-process", exc)
                self.close()
            else:
                if isinstance(answer, RenderError):
                    raise answer
                charts: list[Chart] = answer
                return charts
        from concepttrack.render.charts import render_charts

        return render_charts(theme, snapshot, **kwargs)

    def close(self) -> None:
        """Let the process finish and reap it."""
        for pipe in (self._requests, self._answers):
            if pipe is not None:
                with suppress(OSError):  # a pipe already broken
                    pipe.close()
        self._requests = self._answers = None
        if self.pid is not None:
            with suppress(ChildProcessError):  # reaped elsewhere
                os.waitpid(self.pid, 0)
            self.pid = None


def active() -> ChartWorker | None:
    """The chart process of the current run, if one was started."""
    return _ACTIVE


@contextmanager
def started(wanted: bool) -> Iterator[ChartWorker | None]:
    """Start a chart process for the duration of a run when ``wanted``; always reaped."""
    global _ACTIVE
    if not wanted or _ACTIVE is not None:
        yield None
        return
    worker = ChartWorker()
    _ACTIVE = worker if worker.alive else None
    try:
        yield _ACTIVE
    finally:
        _ACTIVE = None
        worker.close()
