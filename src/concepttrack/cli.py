"""The command line: parse, call one library function, print. Errors map to exit codes.

Heavy libraries (pandas, matplotlib, weasyprint, yfinance) are imported inside the
commands that need them, so ``concepttrack --help`` and ``themes list`` stay fast.
"""

from __future__ import annotations

import datetime as dt
import errno
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from concepttrack import __version__
from concepttrack.cli_board import board_command
from concepttrack.cli_deliver import DELIVER_CONFIG_HELP, deliver_command
from concepttrack.cli_pairs import pairs_app
from concepttrack.cli_prices import cache_app, prices_app
from concepttrack.cli_support import (
    CACHE_HELP,
    DEBUG_HELP,
    THEMES_HELP,
    AppState,
    CacheOption,
    ConsoleReporter,
    FormatOption,
    OfflineOption,
    OutOption,
    QuietOption,
    SourceOption,
    TemplatesOption,
    WaitOption,
    add_global_options,
    app_state,
    cache_path,
    configure_logging,
    console,
    err_console,
    load_book,
    parse_date,
    select_themes,
)
from concepttrack.errors import EXIT_CODES_HELP, EXIT_INTERNAL, EXIT_RENDER, ConcepttrackError

if TYPE_CHECKING:
    from concepttrack.themes import ThemeBook


def _show_error(error: ConcepttrackError) -> None:
    err_console.print(f"[bold red]error:[/] {escape(error.message)}")
    if error.hint:
        err_console.print(f"[dim]hint:[/] {escape(error.hint)}")


class _Group(TyperGroup):
    """Root group that turns project errors into clean messages and exit codes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # --themes, --cache and --debug also after the command name, and in every --help.
        add_global_options(self)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ConcepttrackError as exc:
            if app_state(ctx).debug:
                traceback.print_exc()
            _show_error(exc)
            raise typer.Exit(exc.exit_code) from exc
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except Exception as exc:
            if app_state(ctx).debug or _is_cli_control(exc):
                raise
            if isinstance(exc, OSError) and exc.errno in _ONLY_FROM_WRITES:
                # A write no caller worded (disk full, read-only): exit 4 naming the file.
                from concepttrack.fsutil import write_error

                _show_error(write_error(exc))
                raise typer.Exit(EXIT_RENDER) from exc
            err_console.print(
                f"[bold red]internal error:[/] {escape(f'{type(exc).__name__}: {exc}')}"
            )
            err_console.print(
                "[dim]hint:[/] run again with --debug for the traceback, and report it "
                "if it persists."
            )
            raise typer.Exit(EXIT_INTERNAL) from exc


#: OSErrors only a write raises (not EACCES: a read can raise it too).
_ONLY_FROM_WRITES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def _is_cli_control(exc: Exception) -> bool:
    """Exceptions the CLI framework uses for its own flow (exit, abort, bad usage)."""
    if isinstance(exc, (typer.Exit, typer.Abort, typer.BadParameter)):
        return True
    # The framework's usage errors all carry an exit code and know how to show themselves.
    return hasattr(exc, "exit_code") and hasattr(exc, "show")


app = typer.Typer(
    cls=_Group,
    help="Dated concept-stock tracking notes (PDF, Markdown, HTML, JSON) for Hong Kong "
    "investment themes.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
themes_app = typer.Typer(help="List, show and check the themes book.", no_args_is_help=True)
app.add_typer(themes_app, name="themes")
app.add_typer(prices_app, name="prices", help="Fetch and inspect prices.")
app.add_typer(cache_app, name="cache", help="Inspect or clear the SQLite price cache.")
app.add_typer(pairs_app, name="pairs", help="The table of A+H pairs used for the A/H premium.")
app.command("deliver", epilog=EXIT_CODES_HELP)(deliver_command)
app.command("board", epilog=EXIT_CODES_HELP)(board_command)


def _version(value: bool) -> None:
    if value:
        console.print(f"concepttrack {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    themes: Annotated[
        Path | None,
        typer.Option("--themes", help=THEMES_HELP, show_default=False),
    ] = None,
    cache: Annotated[
        Path | None, typer.Option("--cache", help=CACHE_HELP, show_default=False)
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help=DEBUG_HELP)] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Dated concept-stock tracking notes for Hong Kong investment themes."""
    ctx.obj = AppState(themes=themes, debug=debug, cache=cache)
    configure_logging(debug)


# --- themes ----------------------------------------------------------------------------


@themes_app.command("list")
def themes_list(ctx: typer.Context) -> None:
    """Table of themes: id, title, stocks, benchmark, event date."""
    book = load_book(ctx)
    table = Table(title=f"Themes in {book.path}", title_justify="left")
    for column in ("id", "title", "stocks", "benchmark", "event"):
        table.add_column(column, justify="right" if column == "stocks" else "left")
    for theme in book:
        table.add_row(
            theme.id,
            escape(theme.title),
            str(len(theme.stocks)),
            theme.benchmark,
            theme.event_date.isoformat(),
        )
    console.print(table)


@themes_app.command("show")
def themes_show(
    ctx: typer.Context, theme_id: Annotated[str, typer.Argument(help="Theme id.")]
) -> None:
    """Everything the book says about one theme."""
    theme = load_book(ctx).get(theme_id)
    out = console
    title = theme.title + (f"  {theme.title_zh}" if theme.title_zh else "")
    out.print(f"[bold]{escape(title)}[/]  [dim]({theme.id})[/]")
    out.print(
        f"Event {theme.event_date.isoformat()}: {escape(theme.event.title)}  ·  "
        f"benchmark {theme.benchmark}  ·  tags {', '.join(theme.tags) or '–'}"
    )
    scheme = theme.weighting_scheme + (
        f" {theme.weight_cap:.0%}" if theme.weighting == "capped" else ""
    )
    fx = f" (FX {', '.join(theme.fx_symbols)})" if theme.fx_symbols else ""
    out.print(f"Weighting {scheme}  ·  currency {theme.currency}{fx}")
    out.print()
    out.print(escape(theme.thesis))
    if theme.catalysts:
        out.print("\n[bold]Catalysts[/]")
        for catalyst in sorted([theme.event, *theme.catalysts], key=lambda c: c.date):
            out.print(f"  {catalyst.date.isoformat()}  {escape(catalyst.title)}")
    if theme.views:
        out.print("\n[bold]Views[/]")
        for view in theme.views:
            out.print(f"  {escape(view.source)} ({view.date_label}): {escape(view.summary)}")
    if theme.risks:
        out.print("\n[bold]Risks[/]")
        for risk in theme.risks:
            out.print(
                f"  • {escape(risk.title)}" + (f": {escape(risk.detail)}" if risk.detail else "")
            )
    table = Table(title="Stocks", title_justify="left")
    for column in ("code", "symbol", "name", "中文", "weight", "exposure"):
        table.add_column(column)
    weights = theme.weights()
    for stock in theme.stocks:
        table.add_row(
            stock.display_code,
            stock.symbol,
            escape(stock.name),
            escape(stock.name_zh or "–"),
            (
                "by cap"
                if theme.weighting_scheme in ("cap", "capped")
                else f"{weights[stock.symbol]:.1%}"
            ),
            stock.exposure or "–",
        )
    out.print()
    out.print(table)
    for stock in theme.stocks:
        out.print(f"[bold]{stock.display_code} {escape(stock.name)}[/]: {escape(stock.rationale)}")


@themes_app.command("check")
def themes_check(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="Themes file to check [default: the --themes file].")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="List every field with no text of its own in these languages "
            "(en,zh-hk,zh-cn), with file:line.",
        ),
    ] = None,
    stale: Annotated[
        bool,
        typer.Option(
            "--stale",
            help="List every dated fact (as_of:, a view's date) a note would mark as old, "
            "with file:line, so you know what to refresh.",
        ),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(help="With --stale: old as of this date (YYYY-MM-DD) [default: today]."),
    ] = None,
) -> None:
    """Validate a themes file; lists every problem with file:line:column (exit 2).

    Warns (on stderr, exit 0) about fields a note language would show in another
    language; with --lang, lists every untranslated field of those languages; with
    --stale, lists the facts older than the book's stale_after_months (12 by default).
    """
    from concepttrack import settings
    from concepttrack.languages import parse_languages
    from concepttrack.localize import untranslated
    from concepttrack.themes import load_themes

    target = path or settings.themes_path(app_state(ctx).themes)
    book = load_themes(target)
    stocks = sum(len(theme.stocks) for theme in book)
    console.print(f"{target}: OK — {len(book)} themes, {stocks} stocks")
    asked = parse_languages(lang) if lang else None
    codes = asked or tuple(dict.fromkeys(c for t in book for c in book.theme_languages(t)))
    for code in codes:
        for theme_id, line, use in untranslated(book, code):
            if asked is None and (
                use.how != "original" or code not in book.theme_languages(book.get(theme_id))
            ):
                continue  # converted with OpenCC, or not a language of this theme's notes
            where = f"{target}:{line}" if line else str(target)
            what = (
                f"converted from {use.source} with OpenCC"
                if use.how == "converted"
                else f"no {code} text; the note shows the {use.source} original"
            )
            line_text = f"{where}: {use.key} ({theme_id}): {what}"
            if asked is None:
                err_console.print(f"warning: {line_text}", markup=False)
            else:
                console.print(f"{code}: {line_text}", markup=False)
    if stale:
        _print_stale(book, target, parse_date(as_of, "--as-of") or dt.date.today())


def _print_stale(book: ThemeBook, target: Path, day: dt.date) -> None:
    """``file:line: key (theme): what, as of DATE, more than N months before DAY`` lines."""
    from concepttrack.analytics.news import dated_facts, is_old
    from concepttrack.themes import format_key_path

    lines: list[tuple[int, str]] = []
    for index, theme in enumerate(book):
        for fact in dated_facts(theme):
            if not is_old(fact.as_of, day, theme.stale_months):
                continue
            path = ("themes", index, *fact.path)
            line = book.line_of(path)
            where = f"{target}:{line}" if line else str(target)
            lines.append(
                (
                    line or 0,
                    f"{where}: {format_key_path(path)} ({theme.id}): {fact.what} as of "
                    f"{fact.as_of}, more than {theme.stale_months} months before "
                    f"{day.isoformat()}",
                )
            )
    for _line, text in sorted(lines, key=lambda item: item[0]):
        console.print(text, markup=False)
    found = len(lines)
    undated = sum(1 for theme in book for stock in theme.stocks if stock.as_of is None)
    undated += sum(1 for theme in book for risk in theme.risks if risk.as_of is None)
    console.print(
        f"{found} old fact{'s' if found != 1 else ''} as of {day.isoformat()}"
        + (f"; {undated} stock rationales and risks carry no as_of date" if undated else ""),
        markup=False,
    )


def _check_tolerance(option: str | None, book: float | None) -> float:
    """--check-tolerance, else the book's check_tolerance:, else 0.5 %."""
    from concepttrack.prices.compare import DEFAULT_TOLERANCE, parse_tolerance

    if option is not None:
        return parse_tolerance(option)
    return book if book is not None else DEFAULT_TOLERANCE


# --- reports ---------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def report(
    ctx: typer.Context,
    theme_ids: Annotated[list[str] | None, typer.Argument(help="Theme ids to report on.")] = None,
    all_themes: Annotated[bool, typer.Option("--all", help="Every theme in the book.")] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Report as of the last HKEX session on or before this date (YYYY-MM-DD) "
            "[default: the latest session whose close has passed]."
        ),
    ] = None,
    formats: FormatOption = "md,pdf",
    out: OutOption = None,
    source: SourceOption = None,
    cache: CacheOption = None,
    offline: OfflineOption = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Re-fetch prices even if cached.")
    ] = False,
    templates: TemplatesOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-render notes that already exist for the session.")
    ] = False,
    jobs: Annotated[int, typer.Option(min=1, max=32, help="Render in N processes.")] = 1,
    wait: WaitOption = 0.0,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat stale data as an error (exit 3).")
    ] = False,
    quiet: QuietOption = False,
    log_file: Annotated[
        Path | None, typer.Option(help="Append timestamped log lines to this file.")
    ] = None,
    fundamentals_max_age: Annotated[
        int,
        typer.Option(
            min=0, help="Days cached fundamentals stay good before the source is asked again."
        ),
    ] = 7,
    fallback_demo: Annotated[
        bool,
        typer.Option(
            "--fallback-demo",
            help="If the price source cannot be reached at all, use labelled demo prices "
            "(for first-run demos; cron should not use this).",
        ),
    ] = False,
    deliver: Annotated[
        bool,
        typer.Option(
            "--deliver", help="After the notes are written, send them (exit 6 if a send fails)."
        ),
    ] = False,
    deliver_config: Annotated[
        Path | None, typer.Option("--deliver-config", help=DELIVER_CONFIG_HELP)
    ] = None,
    deliver_demo: Annotated[
        bool, typer.Option("--deliver-demo", help="With --deliver, send demo-price notes too.")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Note languages, comma-separated: en,zh-hk,zh-cn; the first gets the plain "
            "file name [default: $CONCEPTTRACK_LANG, else the theme's or book's languages:].",
        ),
    ] = None,
    colours: Annotated[
        str | None,
        typer.Option(
            "--colours",
            help="red-up | green-up [default: red-up for zh-cn, green-up for en and zh-hk].",
        ),
    ] = None,
    check_against: Annotated[
        str | None,
        typer.Option(
            "--check-against",
            help="Cross-check every note's closes with this second source; differences are "
            "named in the data appendix and the summary, the note keeps --source's prices "
            "[default: the book's check_against:].",
            show_default=False,
        ),
    ] = None,
    check_tolerance: Annotated[
        str | None,
        typer.Option(
            "--check-tolerance",
            help="With --check-against, a close differs when further apart than this "
            "percentage [default: the book's check_tolerance:, else 0.5%].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write dated concept-stock notes for themes (or --all) into the reports folder."""
    from concepttrack import pipeline, settings
    from concepttrack.languages import languages_from_env, parse_colours, parse_languages

    languages = parse_languages(lang) if lang is not None else languages_from_env()
    parse_colours(colours)
    book = load_book(ctx)
    selected = select_themes(ctx, theme_ids, all_themes, book)
    options = pipeline.RunOptions(
        formats=pipeline.parse_formats(formats),
        out_dir=settings.reports_dir(out),
        source=settings.source_spec(source, book.source),
        cache_path=cache_path(ctx, cache),
        as_of=parse_date(as_of, "--as-of"),
        offline=offline,
        refresh=refresh,
        templates_dir=templates,
        force=force,
        jobs=jobs,
        wait_seconds=wait,
        strict=strict,
        log_file=log_file,
        fallback_demo=fallback_demo,
        fundamentals_max_age=fundamentals_max_age,
        deliver_config=_deliver_config(deliver, deliver_config),
        deliver_demo=deliver_demo,
        languages=languages,
        book_languages=tuple(book.languages),
        colours=colours.strip().lower() if colours else None,
        check_against=check_against or book.check_against,
        check_tolerance=_check_tolerance(check_tolerance, book.check_tolerance),
        board=all_themes,
    )
    result = pipeline.run(selected, options, reporter=ConsoleReporter(quiet=quiet))
    if result.delivery is not None and (result.delivery.failed or not quiet):
        # The run summary's last line: what --deliver did.
        (err_console if result.delivery.failed else console).print(
            result.delivery.summary(), markup=False
        )
    raise typer.Exit(result.exit_code)


def _deliver_config(deliver: bool, path: Path | None) -> Path | None:
    from concepttrack.deliver.config import config_path

    return config_path(path) if deliver else None


@app.command()
def prune(
    keep_days: Annotated[int, typer.Option(min=0, help="Keep notes from the last N days.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Reports folder [default: ./reports or $CONCEPTTRACK_REPORTS]."),
    ] = None,
) -> None:
    """Remove dated notes and run records older than N days (never `latest`, never a
    theme's newest note, never the newest run record)."""
    from concepttrack import archive, settings

    reports = settings.reports_dir(out)
    with archive.RunLock(reports):
        removed = archive.prune(reports, keep_days, dt.date.today())
        if removed:
            from concepttrack import site

            site.write_site(reports)  # no page may link to a removed note
    for path in removed:
        console.print(f"removed {path}")
    console.print(f"{len(removed)} file(s) removed")


def main() -> None:
    """Console-script entry point."""
    import logging

    # Python warnings from libraries become log records (relayed like any other
    # third-party record), not lines on stderr.
    logging.captureWarnings(True)
    app(prog_name="concepttrack")
