"""How a run tells its user what it is doing: a protocol, so nothing below the CLI imports
the pipeline to speak (created by the archive branch with only what delivery uses; the
``seams`` branch owns the full version)."""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    """Where progress, warnings and errors go (the CLI's console, or nowhere)."""

    def info(self, message: str) -> None:
        """Progress a user may want to see."""

    def warn(self, message: str) -> None:
        """Something the user should know about but that did not stop the run."""

    def error(self, message: str, hint: str | None = None) -> None:
        """Something that stopped part of the run; said once, even with --quiet."""


class SilentReporter:
    """A reporter that says nothing (the default of library calls)."""

    def info(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def error(self, message: str, hint: str | None = None) -> None:
        pass
