"""What every command module shares: global options, consoles, the themes book.

Command modules (``cli.py`` and the sub-apps it registers) read the global
``--themes`` and ``--debug`` through :func:`app_state`; library code never imports this.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from rich.console import Console

from concepttrack import settings
from concepttrack.prices.registry import SOURCES
from concepttrack.render.writers import format_names
from concepttrack.reporting import Reporter, RunSummary, plain_line

if TYPE_CHECKING:
    from concepttrack.themes import Theme, ThemeBook

# Piped or captured output (cron mail, `| grep`) gets wide tables instead of cells cut
# at 80 columns; a terminal keeps its own width.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class AppState:
    """The global options, given before or after the command name."""

    themes: Path | None = None
    debug: bool = False
    cache: Path | None = None


def app_state(ctx: typer.Context) -> AppState:
    """The global options, found on the root context."""
    root = ctx.find_root()
    if isinstance(root.obj, AppState):
        return root.obj
    return AppState()


def cache_path(ctx: typer.Context, cli_value: Path | None) -> Path:
    """The price cache: the command's ``--cache``, the global one, env, or the default."""
    return settings.cache_path(cli_value or app_state(ctx).cache)


# --- global options after the command name ---------------------------------------------

THEMES_HELP = "Themes file [default: ./themes.yaml, or $CONCEPTTRACK_THEMES]."
CACHE_HELP = "SQLite price cache [default: $CONCEPTTRACK_CACHE or the user cache folder]."
#: ``--source`` choices as help text, from the source registry.
SOURCE_CHOICES = " | ".join(entry.usage() for entry in SOURCES)

# The options `report` and `board` share, declared once.
FormatOption = Annotated[
    str, typer.Option("--format", help=f"Comma-separated: {','.join(format_names())}.")
]
OutOption = Annotated[
    Path | None,
    typer.Option(help="Reports folder [default: ./reports or $CONCEPTTRACK_REPORTS]."),
]
CacheOption = Annotated[Path | None, typer.Option(help=CACHE_HELP, show_default=False)]
OfflineOption = Annotated[bool, typer.Option("--offline", help="Use cached prices only.")]
TemplatesOption = Annotated[
    Path | None, typer.Option(help="Folder of templates overriding the built-in ones.")
]
WaitOption = Annotated[float, typer.Option(min=0, help="Seconds to wait for another run's lock.")]
QuietOption = Annotated[bool, typer.Option("--quiet", help="Print only problems (for cron).")]
SourceOption = Annotated[
    str | None,
    typer.Option(
        help=f"{SOURCE_CHOICES}, or several in order separated by commas "
        "(yahoo,csv:DIR: per symbol the first that answers) [default: "
        "$CONCEPTTRACK_SOURCE, else the themes book's source:, else yahoo]."
    ),
]
DEBUG_HELP = "Show tracebacks for errors, and other libraries' log messages."


def _remember_global(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """Store a global option given after the command name on the root's AppState."""
    if value is None or value is False or param.name is None:
        return value
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    setattr(root.obj, param.name, value)
    if param.name == "debug":
        configure_logging(True)
    return value


def _global_params() -> list[Any]:
    """Fresh ``--themes``, ``--cache`` and ``--debug`` parameters, built by typer itself."""
    holder = typer.Typer(add_completion=False)

    @holder.command()
    def _holder(
        themes: Annotated[
            Path | None,
            typer.Option(
                "--themes",
                help=THEMES_HELP,
                show_default=False,
                expose_value=False,
                callback=_remember_global,
            ),
        ] = None,
        cache: Annotated[
            Path | None,
            typer.Option(
                "--cache",
                help=CACHE_HELP,
                show_default=False,
                expose_value=False,
                callback=_remember_global,
            ),
        ] = None,
        debug: Annotated[
            bool,
            typer.Option("--debug", help=DEBUG_HELP, expose_value=False, callback=_remember_global),
        ] = False,
    ) -> None:
        """Never called: only its parameters are used."""

    return list(typer.main.get_command(holder).params)


def add_global_options(command: Any) -> None:
    """Give every command (sub-commands of groups too) ``--themes``, ``--cache``, ``--debug``.

    The root command takes them before the command name; these copies take them after
    it (``concepttrack report sora-compute --themes my.yaml``) and store them on the
    root's :class:`AppState`, where every command reads them. A command that has its
    own option of the same name (``report --cache``) keeps its own.
    """
    if hasattr(command, "commands"):  # a group
        for sub in command.commands.values():
            add_global_options(sub)
        return
    taken = {opt for param in command.params for opt in param.opts}
    for param in _global_params():
        if not taken & set(param.opts):
            command.params.append(param)


def load_book(ctx: typer.Context) -> ThemeBook:
    """Load the themes file the user selected (``--themes``, env, or ./themes.yaml)."""
    from concepttrack.themes import load_themes

    return load_themes(settings.themes_path(app_state(ctx).themes))


def select_themes(
    ctx: typer.Context,
    theme_ids: list[str] | None,
    all_themes: bool,
    book: ThemeBook | None = None,
) -> list[Theme]:
    """The themes a command was given by id, or every theme with ``--all`` (from
    ``book`` when the command has loaded it already)."""
    from concepttrack.errors import UsageError

    if all_themes and theme_ids:
        raise UsageError("give theme ids or --all, not both")
    if not all_themes and not theme_ids:
        raise UsageError(
            "no theme given", hint="Name a theme (see `concepttrack themes list`) or use --all."
        )
    book = book if book is not None else load_book(ctx)
    return list(book) if all_themes else book.select(theme_ids or [])


def parse_date(value: str | None, option: str) -> dt.date | None:
    """An ISO date given to ``option``; anything else is a usage error naming the option."""
    from concepttrack.errors import UsageError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date like 2024-02-16") from None


def is_terminal() -> bool:
    """True when stdout is an interactive terminal (progress bars, tables)."""
    return sys.stdout.isatty()


#: Logger that third-party records are relayed through (see :class:`ThirdPartyRelay`).
EXTERNAL_LOGGER = "concepttrack.external"


class ConsoleLogHandler(logging.Handler):
    """Shows the library's warnings (missing CJK font, skipped files) on stderr.

    Records relayed from third-party libraries (matplotlib, fontTools, weasyprint,
    yfinance, ``warnings``) reach the terminal only with ``--debug``; without it they go
    to the ``--log-file`` alone, so a clean ``--quiet`` run prints nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self.show_external = False

    def emit(self, record: logging.LogRecord) -> None:
        external = not record.name.startswith("concepttrack")
        if external and not self.show_external:
            return
        level = record.levelname.lower()
        where = f"{record.name}: " if external else ""
        err_console.print(f"{level}: {where}{record.getMessage()}", markup=False, highlight=False)


class ThirdPartyRelay(logging.Handler):
    """On the root logger: passes other libraries' records into concepttrack's logging.

    With a handler on the root logger, Python's last-resort handler (which prints any
    unhandled warning to stderr) is never used; the records travel on through
    ``concepttrack.external`` to the console handler and the run's log file.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("concepttrack") or getattr(record, "ct_relayed", False):
            return  # ours propagate to the root too; they were handled already
        record.ct_relayed = True  # the relayed record propagates back up to the root
        logging.getLogger(EXTERNAL_LOGGER).handle(record)


def configure_logging(debug: bool) -> None:
    """Route log records once: concepttrack's warnings to stderr (everything with --debug);
    third-party records into concepttrack's logging, on the terminal only with --debug."""
    logger = logging.getLogger("concepttrack")
    handler = next((h for h in logger.handlers if isinstance(h, ConsoleLogHandler)), None)
    if handler is None:
        handler = ConsoleLogHandler()
        logger.addHandler(handler)
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handler.show_external = debug
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    root = logging.getLogger()
    if not any(isinstance(h, ThirdPartyRelay) for h in root.handlers):
        root.addHandler(ThirdPartyRelay(logging.WARNING))


class ConsoleReporter(Reporter):
    """A rich table on a terminal, plain lines otherwise; ``quiet`` prints only problems."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet

    def info(self, message: str) -> None:
        if not self.quiet:
            console.print(message, markup=False)

    def warn(self, message: str) -> None:
        err_console.print(f"warning: {message}", markup=False)

    def error(self, message: str, hint: str | None = None) -> None:
        err_console.print(f"error: {message}", markup=False)
        if hint:
            err_console.print(f"hint: {hint}", markup=False)

    def summary(self, result: RunSummary) -> None:
        from rich.markup import escape
        from rich.table import Table

        problems = [o for o in result.outcomes if o.status not in ("ok", "skipped")]
        if self.quiet:
            # A cross-check that found a difference is a problem worth a cron mail.
            for line in result.cross_check_lines(differing_only=True):
                err_console.print(line, markup=False)
            for outcome in problems:
                err_console.print(plain_line(outcome), markup=False)
                if outcome.message:
                    err_console.print(f"  {outcome.message}", markup=False)
            return
        if is_terminal():
            table = Table(title="concepttrack run", title_justify="left")
            for column in ("theme", "status", "as of", "stale / missing", "files"):
                table.add_column(column)
            for outcome in result.outcomes:
                colour = {"ok": "green", "skipped": "dim", "stale": "yellow"}.get(
                    outcome.status, "red"
                )
                table.add_row(
                    outcome.theme_id,
                    f"[{colour}]{escape(outcome.label)}[/]",
                    outcome.as_of.isoformat() if outcome.as_of else "–",
                    ", ".join([*outcome.stale, *outcome.missing]) or "–",
                    "\n".join(str(p) for p in outcome.files) or (outcome.message or "–"),
                )
            console.print(table)
        else:
            for outcome in result.outcomes:
                console.print(plain_line(outcome), markup=False)
        # Not a problem (the notes are right), so not under --quiet.
        for line in result.calendar_lines():
            console.print(line, markup=False)
        for line in result.cross_check_lines():
            console.print(line, markup=False)
        for outcome in problems:
            if outcome.message:
                err_console.print(f"{outcome.theme_id}: {outcome.message}", markup=False)
