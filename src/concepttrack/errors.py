"""The one exception tree of concepttrack, and the exit codes a shell or cron sees.

::

    ConcepttrackError                 exit 1  (anything we did not foresee)
    ├── UsageError                    exit 2  bad command-line input, unknown theme id
    │   └── ThemesFileError           exit 2  themes.yaml is unreadable or invalid
    ├── DataError                     exit 3  prices could not be had
    │   ├── SourceError               exit 3  a price source failed (network, rate limit)
    │   ├── PriceFileError            exit 3  a CSV price file is malformed
    │   └── CacheError                exit 3  the SQLite cache is unusable
    ├── RenderError                   exit 4  a note could not be written
    │   └── WriteError                exit 4  disk full, no permission, read-only folder
    ├── LockError                     exit 5  another run holds the reports folder
    └── DeliveryError                 exit 6  a note was written but could not be delivered

``DeliveryConfigError`` (the delivery config file is invalid) is a ``UsageError``, exit 2.

Third-party exceptions are translated into these where they enter the program
(``prices/yahoo.py``, ``prices/store.py``, ``render/pdf.py``), with the original
chained as ``__cause__``. Every error carries a ``hint``: what the user can do next.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_RENDER = 4
EXIT_LOCKED = 5
EXIT_DELIVERY = 6

EXIT_CODES_HELP = (
    "Exit codes: 0 all notes written with fresh data; 1 unexpected error; "
    "2 usage or themes-file error; 3 data unavailable (or stale with --strict); "
    "4 a note could not be rendered or written (disk full, no permission); "
    "5 another run holds the lock; 6 notes written but at least one delivery failed."
)


class ConcepttrackError(Exception):
    """Base of every error concepttrack raises on purpose."""

    exit_code: int = EXIT_INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(ConcepttrackError):
    """The command line asked for something that cannot be done as asked."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a themes file, located precisely."""

    path: str
    line: int | None
    column: int | None
    key_path: str
    message: str

    def format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f" {self.key_path}:" if self.key_path else ""
        return f"{where}:{key} {self.message}"


class ThemesFileError(UsageError):
    """The themes file is missing, unreadable or invalid; lists every problem found."""

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        self.problems = problems
        count = len(problems)
        head = (
            f"{count} problem{'s' if count != 1 else ''} in {problems[0].path}" if problems else ""
        )
        body = "\n".join(p.format() for p in problems)
        super().__init__(
            f"{head}:\n{body}" if problems else "invalid themes file",
            hint=hint or "Fix the lines above, then run `concepttrack themes check`.",
        )


class DataError(ConcepttrackError):
    """Prices needed for a note could not be had."""

    exit_code = EXIT_DATA


class SourceError(DataError):
    """A price source failed: network down, rate limited, or an unusable answer."""


class PriceFileError(DataError):
    """A CSV price file could not be read; names the file and the line."""


class CacheError(DataError):
    """The SQLite price cache could not be opened, read or written."""


class RenderError(ConcepttrackError):
    """A note could not be rendered or written."""

    exit_code = EXIT_RENDER


class WriteError(RenderError):
    """A note or archive file could not be written: disk full, permission, read-only folder."""


class LockError(ConcepttrackError):
    """Another concepttrack run holds the reports folder."""

    exit_code = EXIT_LOCKED


class DeliveryError(ConcepttrackError):
    """A note was written but could not be sent to one of its destinations."""

    exit_code = EXIT_DELIVERY


class DeliveryConfigError(UsageError):
    """The delivery config (TOML) is missing, unreadable or invalid; lists every problem."""

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        self.problems = problems
        count = len(problems)
        head = (
            f"{count} problem{'s' if count != 1 else ''} in {problems[0].path}" if problems else ""
        )
        body = "\n".join(p.format() for p in problems)
        super().__init__(
            f"{head}:\n{body}" if problems else "invalid delivery config",
            hint=hint or "Fix the lines above, then run `concepttrack deliver check`.",
        )
