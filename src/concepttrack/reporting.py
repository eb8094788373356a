"""How a run tells a person what it is doing, without knowing who is listening.

The pipeline and delivery talk to a :class:`Reporter`; the command line passes its
console reporter (``cli_support.ConsoleReporter``), tests and library callers pass
nothing and get a :class:`NullReporter`. This module imports nothing of the project, so
library code can report without importing the pipeline or the CLI.

:class:`RunSummary` and :class:`OutcomeSummary` say what a reporter may read of a run's
result (``pipeline.RunResult`` and ``pipeline.ThemeOutcome`` have these fields).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

__all__ = [
    "NullReporter",
    "OutcomeSummary",
    "Reporter",
    "RunSummary",
    "SilentReporter",
    "plain_line",
]


class OutcomeSummary(Protocol):
    """What a reporter reads of one theme's outcome."""

    @property
    def theme_id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def as_of(self) -> dt.date | None: ...

    @property
    def files(self) -> Sequence[Path]: ...

    @property
    def stale(self) -> Sequence[str]: ...

    @property
    def missing(self) -> Sequence[str]: ...

    @property
    def message(self) -> str | None: ...


class RunSummary(Protocol):
    """What a reporter reads of a run's result."""

    @property
    def outcomes(self) -> Sequence[OutcomeSummary]: ...

    def calendar_lines(self) -> list[str]: ...

    def cross_check_lines(self, *, differing_only: bool = False) -> list[str]: ...


class Reporter:
    """Where a run tells the user what it is doing; this base says nothing.

    Subclass it and override what you want to show (the CLI's console reporter does).
    """

    def info(self, message: str) -> None:
        """Progress a user may want to see."""

    def warn(self, message: str) -> None:
        """Something the user should know about but that did not stop the run."""

    def error(self, message: str, hint: str | None = None) -> None:
        """Something that stopped part of the run; said once, even with --quiet."""

    def summary(self, result: RunSummary) -> None:
        """The end-of-run summary."""


class NullReporter(Reporter):
    """Says nothing: the default of every library call that takes a reporter."""


#: The name the archive branch's delivery code uses for :class:`NullReporter`.
SilentReporter = NullReporter


def plain_line(outcome: OutcomeSummary) -> str:
    """``theme status as-of [stale=..] [missing=..]``, then one indented line per file."""
    as_of = outcome.as_of.isoformat() if outcome.as_of else "-"
    parts = [outcome.theme_id, outcome.label, as_of]
    if outcome.stale:
        parts.append("stale=" + ",".join(outcome.stale))
    if outcome.missing:
        parts.append("missing=" + ",".join(outcome.missing))
    lines = [" ".join(parts)]
    lines.extend(f"  {path}" for path in outcome.files)
    return "\n".join(lines)
