"""The ``board`` command: the daily concept board alone, from the cache or the source."""

from __future__ import annotations

from typing import Annotated

import typer

from concepttrack.cli_support import (
    CacheOption,
    ConsoleReporter,
    FormatOption,
    OfflineOption,
    OutOption,
    QuietOption,
    SourceOption,
    TemplatesOption,
    WaitOption,
    cache_path,
    load_book,
    parse_date,
)


def board_command(
    ctx: typer.Context,
    theme_ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="Themes on the board [default: every theme in the book].", show_default=False
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="The board of the last HKEX session on or before this date (YYYY-MM-DD) "
            "[default: the latest session whose close has passed]."
        ),
    ] = None,
    formats: FormatOption = "md,pdf",
    out: OutOption = None,
    source: SourceOption = None,
    cache: CacheOption = None,
    offline: OfflineOption = False,
    templates: TemplatesOption = None,
    wait: WaitOption = 0.0,
    quiet: QuietOption = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Board languages, comma-separated: en,zh-hk,zh-cn "
            "[default: $CONCEPTTRACK_LANG, else the book's languages:].",
        ),
    ] = None,
    colours: Annotated[
        str | None,
        typer.Option(
            "--colours",
            help="red-up | green-up [default: red-up for zh-cn, green-up for en and zh-hk].",
        ),
    ] = None,
) -> None:
    """Write the daily concept board: every theme ranked by its basket's 1-day move
    (reports/board/<session>[.<lang>].*; `report --all` writes it too)."""
    from concepttrack import pipeline, settings
    from concepttrack.languages import languages_from_env, parse_colours, parse_languages

    languages = parse_languages(lang) if lang is not None else languages_from_env()
    parse_colours(colours)
    book = load_book(ctx)
    themes = book.select(theme_ids) if theme_ids else list(book)
    options = pipeline.RunOptions(
        formats=pipeline.parse_formats(formats),
        out_dir=settings.reports_dir(out),
        source=settings.source_spec(source, book.source),
        cache_path=cache_path(ctx, cache),
        as_of=parse_date(as_of, "--as-of"),
        offline=offline,
        templates_dir=templates,
        wait_seconds=wait,
        languages=languages,
        book_languages=tuple(book.languages),
        colours=colours.strip().lower() if colours else None,
        board=True,
    )
    result = pipeline.run_board(themes, options, reporter=ConsoleReporter(quiet=quiet))
    raise typer.Exit(result.exit_code)
