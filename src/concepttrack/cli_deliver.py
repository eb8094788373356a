"""``concepttrack deliver``: send notes that have not been sent; ``deliver check``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from concepttrack.cli_support import ConsoleReporter, console, parse_date
from concepttrack.errors import UsageError

DELIVER_CONFIG_HELP = (
    "Delivery config (TOML) [default: $CONCEPTTRACK_DELIVER_CONFIG, or "
    "~/.config/concepttrack/deliver.toml]."
)


def deliver_command(
    theme_ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="Theme ids to deliver [default: every theme in the reports folder]. "
            "`deliver check` validates the config instead.",
            show_default=False,
        ),
    ] = None,
    session: Annotated[
        str | None,
        typer.Option(help="The session's notes (YYYY-MM-DD) [default: each theme's newest]."),
    ] = None,
    resend: Annotated[
        bool, typer.Option("--resend", help="Send again, even what was sent already.")
    ] = False,
    deliver_demo: Annotated[
        bool, typer.Option("--deliver-demo", help="Send notes made from demo prices too.")
    ] = False,
    deliver_config: Annotated[
        Path | None, typer.Option("--deliver-config", help=DELIVER_CONFIG_HELP)
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Reports folder [default: ./reports or $CONCEPTTRACK_REPORTS]."),
    ] = None,
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for another run's lock.")
    ] = 0.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print only problems (for cron).")] = False,
) -> None:
    """Send the notes that have not been sent yet, each exactly once (exit 6 on failure)."""
    from concepttrack.deliver.config import config_path, load_config

    path = config_path(deliver_config)
    if theme_ids and theme_ids[0] == "check":
        if len(theme_ids) > 1 or session or resend or deliver_demo:
            raise UsageError("`deliver check` takes only --deliver-config")
        _check(path)
        return
    from concepttrack import archive, settings
    from concepttrack.deliver.send import collect, deliver

    config = load_config(path)
    day = parse_date(session, "--session")
    reports = settings.reports_dir(out)
    known = archive.theme_ids(reports)
    wanted = list(dict.fromkeys(theme_ids or known))
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise UsageError(
            f"no notes for {', '.join(unknown)} in {reports}",
            hint="Write them first with `concepttrack report`, or check --out.",
        )
    reporter = ConsoleReporter(quiet=quiet)
    with archive.RunLock(reports, wait_seconds=wait):
        items = [item for theme in wanted for item in collect(reports, theme, day)]
        result = deliver(
            config,
            reports,
            items,
            resend=resend,
            deliver_demo=deliver_demo,
            retry_themes=wanted,
            reporter=reporter,
        )
    if result.failed:
        from concepttrack.cli_support import err_console

        err_console.print(result.summary(), markup=False)
        raise typer.Exit(6)
    if not quiet:
        console.print(result.summary(), markup=False)


def _check(path: Path) -> None:
    from rich.markup import escape
    from rich.table import Table

    from concepttrack.deliver.config import load_config

    config = load_config(path)
    table = Table(title=f"Destinations in {path}", title_justify="left")
    for column in ("name", "url (secrets hidden)", "themes", "languages", "attach"):
        table.add_column(column)
    for destination in config.destinations:
        table.add_row(
            escape(destination.name),
            escape(destination.redacted_url),
            ", ".join(destination.themes or ["every theme"]),
            ", ".join(destination.languages or ["every language"]),
            ", ".join(destination.attach) or "none",
        )
    console.print(table)
    count = len(config.destinations)
    console.print(f"{path}: OK — {count} destination{'s' if count != 1 else ''}")
