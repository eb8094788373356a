"""``concepttrack prices ...`` and ``concepttrack cache ...``: fetch, show, inspect, clear.

Each command parses its options, calls one library function
(:func:`concepttrack.prices.load_prices` or :class:`~concepttrack.prices.store.PriceStore`)
and formats the answer. Errors are the project's exceptions; the root command
turns them into a message, a hint and an exit code.

Tables are rich tables on a terminal. Anywhere else (a pipe, a file, cron) they are
plain tab-separated lines, a title line then a header line, with every value in full
and numbers without thousands separators, so nothing is cut at 80 columns.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from concepttrack import settings
from concepttrack.cli_support import (
    CACHE_HELP,
    SOURCE_CHOICES,
    cache_path,
    console,
    is_terminal,
    load_book,
    parse_date,
    select_themes,
)
from concepttrack.errors import SourceError

if TYPE_CHECKING:
    from concepttrack.prices.frame import PriceFrame

prices_app = typer.Typer(help="Fetch and inspect prices.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect or clear the SQLite price cache.", no_args_is_help=True)

SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help=f"{SOURCE_CHOICES}, or several in order separated by commas (yahoo,csv:DIR) "
        "[default: $CONCEPTTRACK_SOURCE, else the themes book's source:, else yahoo].",
        show_default=False,
    ),
]
CacheOption = Annotated[
    Path | None,
    typer.Option("--cache", help=CACHE_HELP, show_default=False),
]
ShowSourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help=f"{SOURCE_CHOICES} [default: $CONCEPTTRACK_SOURCE if set, else the source "
        "that last cached SYMBOL, else yahoo].",
        show_default=False,
    ),
]
OfflineOption = Annotated[bool, typer.Option("--offline", help="Use cached prices only.")]
RefreshOption = Annotated[bool, typer.Option("--refresh", help="Re-fetch even if cached.")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Up to the last session on or before this date (YYYY-MM-DD) "
        "[default: the latest session whose close has passed].",
        show_default=False,
    ),
]


@contextmanager
def _progress(symbols: Sequence[str]) -> Iterator[Callable[[str], None]]:
    """A progress callback: a rich bar on a terminal, plain lines otherwise."""
    if not is_terminal():
        yield lambda message: console.print(escape(message), soft_wrap=True)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    pending = set(symbols)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("prices", total=len(pending))

        def report(message: str) -> None:
            symbol = message.split(":", 1)[0]
            if symbol in pending:
                pending.discard(symbol)
                bar.advance(task)
            bar.update(task, description=escape(message[:60]))

        yield report


def _emit(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Collection[str] = (),
    min_widths: dict[str, int] | None = None,
    no_wrap: bool = False,
    **table_options: Any,
) -> None:
    """A rich table on a terminal; plain tab-separated lines, nothing cut, elsewhere."""
    if not is_terminal():
        typer.echo(title)
        typer.echo("\t".join(columns))
        for row in rows:
            typer.echo("\t".join(row))
        return
    table = Table(title=escape(title), title_justify="left", **table_options)
    for column in columns:
        table.add_column(
            column,
            justify="right" if column in right else "left",
            no_wrap=no_wrap,
            min_width=(min_widths or {}).get(column),
        )
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "–"


def _count(value: float, *, grouped: bool) -> str:
    return f"{value:,.0f}" if grouped else f"{value:.0f}"


def _print_summary(frame: PriceFrame) -> None:
    rows = []
    for symbol, history in frame.histories.items():
        bars = history.bars
        first = bars.index[0].date() if not bars.empty else None
        last = bars.index[-1].date() if not bars.empty else None
        status = history.problem or "ok"
        if history.meta is not None and history.meta.demo:
            status += " (DEMO)"
        rows.append([symbol, str(len(bars)), _day(first), _day(last), status])
    _emit(
        f"Prices from {frame.source}",
        ("symbol", "sessions", "first", "last", "status"),
        rows,
        right={"sessions"},
    )


@prices_app.command("fetch")
def fetch(
    ctx: typer.Context,
    theme_ids: Annotated[
        list[str] | None, typer.Argument(help="Theme ids whose stocks to fetch.")
    ] = None,
    all_themes: Annotated[bool, typer.Option("--all", help="Every theme in the book.")] = False,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    cache: CacheOption = None,
    refresh: RefreshOption = False,
) -> None:
    """Fetch (into the cache) the prices that notes for these themes need."""
    from concepttrack import pipeline
    from concepttrack.prices import load_prices
    from concepttrack.themes import all_symbols

    book = load_book(ctx)
    themes = select_themes(ctx, theme_ids, all_themes, book)
    requested = parse_date(as_of, "--as-of")
    as_of_by_theme = {
        t.id: pipeline.resolve_as_of(pipeline.theme_exchange(t), requested, None) for t in themes
    }
    start = min(pipeline.history_start(t, as_of_by_theme[t.id]) for t in themes)
    end = max(as_of_by_theme.values())
    symbols = all_symbols(themes)
    with _progress(symbols) as progress:
        frame = load_prices(
            symbols,
            start=start,
            end=end,
            source=settings.source_spec(source, book.source),
            store_path=cache_path(ctx, cache),
            refresh=refresh,
            progress=progress,
        )
    _print_summary(frame)
    # The A shares (and their FX pair) of the A/H premium are extras: a note without them
    # shows the premium as "–" with the reason, so they never fail the fetch.
    core = {s for t in themes for s in [*t.symbols, t.benchmark, *t.fx_symbols]}
    failed = {s: h.problem for s, h in frame.histories.items() if h.failed and s in core}
    if failed:
        listed = ", ".join(f"{s} ({p})" for s, p in failed.items())
        raise SourceError(
            f"could not fetch {len(failed)} of {len(symbols)} symbols: {listed}",
            hint="The others are cached. Check the codes, or try again later.",
        )


def _price(value: float, *, grouped: bool = True) -> str:
    """HKEX quotes below HK$10 carry three decimals; larger prices two."""
    if value != value:  # NaN
        return "–"
    comma = "," if grouped else ""
    return f"{value:{comma}.3f}" if abs(value) < 10 else f"{value:{comma}.2f}"


def _explicit_source(cli_value: str | None) -> tuple[str, str] | None:
    """The source named by ``--source`` or the environment, and where it was named."""
    if cli_value:
        return cli_value, "--source"
    env = os.environ.get(settings.ENV_SOURCE)
    if env:
        return env, f"${settings.ENV_SOURCE}"
    return None


@prices_app.command("show")
def show(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Argument(help="Stock code or Yahoo symbol (09888, 9888.HK).")],
    last: Annotated[int, typer.Option("--last", min=1, max=5000, help="Sessions to show.")] = 10,
    as_of: AsOfOption = None,
    source: ShowSourceOption = None,
    cache: CacheOption = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
) -> None:
    """The last N daily bars of one symbol (from the cache, fetching what is missing).

    Without --source (and $CONCEPTTRACK_SOURCE) it shows the source that last cached
    the symbol, e.g. what `prices fetch --source demo` stored; the first line says which.
    """
    import pandas as pd
    from rich import box

    from concepttrack import calendar
    from concepttrack.prices import get_source, load_prices
    from concepttrack.prices.registry import is_demo
    from concepttrack.prices.store import open_store
    from concepttrack.symbols import hkex_code, to_yahoo

    yahoo_symbol = to_yahoo(symbol)
    store_path = cache_path(ctx, cache)
    explicit = _explicit_source(source)
    spec, why = explicit if explicit is not None else (None, "")
    if spec is None and store_path.exists():
        # No source named: show what an earlier `prices fetch` cached, whichever source.
        with open_store(store_path) as store:
            cached = store.sources_of(yahoo_symbol)
        if cached:
            spec = cached[0].source
            why = f"the source that last cached {yahoo_symbol}; pass --source to choose"
    if spec is None:
        spec, why = settings.source_spec(None), "default"
    exchange = calendar.exchange_for(yahoo_symbol)
    requested = parse_date(as_of, "--as-of")
    end = (
        calendar.on_or_before(exchange, requested)
        if requested is not None
        else calendar.latest_closed(None, exchange)
    )
    price_source = get_source(spec, cache_dir=store_path.parent / "yfinance")
    headline = f"source: {price_source.label} ({why})"
    if is_demo(price_source.name):
        headline += " — DEMO DATA, not market prices"
    console.print(escape(headline), style="bold" if is_terminal() else None)

    def read(until: dt.date, *, cache_only: bool) -> PriceFrame:
        # Calendar days that surely hold ``last`` sessions, holidays included.
        start = until - dt.timedelta(days=last * 7 // 5 + 21)
        return load_prices(
            [yahoo_symbol],
            start=start,
            end=until,
            source=price_source,
            store_path=store_path,
            offline=cache_only,
            refresh=refresh and not cache_only,
        )

    try:
        frame: PriceFrame | None = read(end, cache_only=offline)
    except SourceError:
        if not offline:
            raise
        frame = None
    if frame is None or len(frame.get(yahoo_symbol).bars) < last:
        # The source's data may end before the window (an old CSV export, a delisted
        # stock): show its latest bars instead of an empty table.
        with open_store(store_path) as store:
            coverage = store.coverage(price_source.name, [yahoo_symbol]).get(yahoo_symbol)
        if coverage is not None and coverage.last_session and coverage.last_session < end:
            console.print(
                f"note: {price_source.label} has no bars after {coverage.last_session}; "
                "showing the latest it has"
            )
            frame = read(coverage.last_session, cache_only=True)
    if frame is None:
        frame = read(end, cache_only=True)  # raises the offline error with its hint
    history = frame.get(yahoo_symbol)
    meta = history.meta
    bars = history.bars.tail(last)
    grouped = is_terminal()
    title = f"{yahoo_symbol} ({hkex_code(yahoo_symbol)})  source {frame.source}"
    if meta is not None:
        title += f"  {meta.currency or ''}"
        if meta.demo:
            title += "  DEMO DATA — not market prices"
    with_dividends = bool((bars["dividends"] > 0).any())
    adjusted_only = meta is not None and meta.close_is_adjusted
    close = "close (adjusted)" if adjusted_only else "close"
    columns = ["session", "open", "high", "low", close, "adj close", "volume"]
    columns += ["dividend"] if with_dividends else []
    rows = []
    for session, row in bars.iterrows():
        cells = [pd.Timestamp(session).date().isoformat()]  # type: ignore[arg-type]
        cells += [
            _price(row[c], grouped=grouped) for c in ("open", "high", "low", "close", "adj_close")
        ]
        cells.append(_count(row["volume"], grouped=grouped))
        if with_dividends:
            cells.append(f"{row['dividends']:g}" if row["dividends"] else "")
        rows.append(cells)
    _emit(
        title,
        columns,
        rows,
        right=set(columns) - {"session"},
        min_widths={"session": 10, "volume": 11},
        no_wrap=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    if adjusted_only:
        console.print(
            "note: this source has dividend-adjusted prices only; close shows the adjusted "
            "close, not the traded price"
        )
    if meta is not None and meta.adj_close_is_close:
        console.print("note: this source has one close; it serves as close and adjusted close")
    if meta is not None and meta.detail:
        console.print(f"from: {escape(meta.detail)}")
    if history.problem:
        console.print(f"problem: {escape(history.problem)}")


@prices_app.command("compare")
def compare(
    ctx: typer.Context,
    symbols: Annotated[
        list[str] | None,
        typer.Argument(
            help="Stock codes or Yahoo symbols [default: every symbol of the themes book]."
        ),
    ] = None,
    source: SourceOption = None,
    against: Annotated[
        str,
        typer.Option("--against", help=f"The source to check against ({SOURCE_CHOICES})."),
    ] = "",
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="First date compared (YYYY-MM-DD) [default: one year before --to]."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Last date compared (YYYY-MM-DD) [default: the latest closed HKEX session].",
        ),
    ] = None,
    tolerance: Annotated[
        str,
        typer.Option(
            "--tolerance", help="A close differs when further apart than this percentage."
        ),
    ] = "0.5%",
    cache: CacheOption = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
) -> None:
    """Compare two sources' closes, symbol by symbol, without writing a note.

    Traded closes are compared as they are; when either source has adjusted closes only,
    both are compared as adjusted closes, the second rescaled to the first (each source
    anchors them at the end of its own history); splits are aligned. A session only one
    source has is counted, not flagged. Exit 0 when every symbol compared agrees within
    the tolerance (a symbol one source lacks is listed, not compared), 3 when a
    difference is found or no symbol could be compared, 2 on a usage error.
    """
    from concepttrack import calendar
    from concepttrack.errors import EXIT_DATA, UsageError
    from concepttrack.prices import get_source, load_prices
    from concepttrack.prices.compare import compare_frames, describe, parse_tolerance
    from concepttrack.symbols import to_yahoo
    from concepttrack.themes import all_symbols

    if not against:
        raise UsageError("prices compare needs --against SOURCE", hint=f"{SOURCE_CHOICES}.")
    limit = parse_tolerance(tolerance)
    store_path = cache_path(ctx, cache)
    last = parse_date(end, "--to") or calendar.latest_closed(None, "XHKG")
    first = parse_date(start, "--from") or last - dt.timedelta(days=365)
    if first > last:
        raise UsageError(f"--from {first} is after --to {last}")
    if symbols:
        wanted = [to_yahoo(s) for s in symbols]
    else:
        wanted = [s for s in all_symbols(select_themes(ctx, None, True)) if not s.endswith("=X")]
    primary = get_source(settings.source_spec(source), cache_dir=store_path.parent / "yfinance")
    other = get_source(against, cache_dir=store_path.parent / "yfinance")
    if primary.name == other.name:
        raise UsageError(f"--source and --against are the same source ({primary.name})")
    frames = []
    for chosen in (primary, other):
        with _progress(wanted) as progress:
            frames.append(
                load_prices(
                    wanted,
                    start=first,
                    end=last,
                    source=chosen,
                    store_path=store_path,
                    offline=offline,
                    refresh=refresh,
                    progress=progress,
                )
            )
    result = compare_frames(
        frames[0].histories,
        frames[1].histories,
        primary_name=primary.name,
        other_name=other.name,
        start=first,
        end=last,
        tolerance=limit,
        symbols=wanted,
    )
    grouped = is_terminal()
    rows = []
    for check in result.symbols:
        largest = check.largest
        basis: str = check.basis or "–"
        if check.splits_aligned:
            basis += ", splits aligned " + ", ".join(d.isoformat() for d in check.splits_aligned)
        if check.scale is not None:
            basis += f", x{check.scale:.4f}"
        gaps = f"{check.only_primary} / {check.only_other}"
        worst = "–"
        if largest is not None:
            worst = (
                f"{largest.session.isoformat()} {_price(largest.primary, grouped=grouped)} vs "
                f"{_price(largest.other, grouped=grouped)} {largest.change * 100:+.2f}%"
            )
        over = "no data" if check.missing_other else str(check.over)
        rows.append([check.symbol, str(check.sessions), basis, gaps, over, worst])
    _emit(
        f"{primary.name} against {other.name}, {first.isoformat()} to {last.isoformat()}, "
        f"tolerance {limit * 100:g}%",
        ("symbol", "sessions", "basis", "only in one", "over", "largest difference"),
        rows,
        right={"sessions", "only in one", "over"},
    )
    for check in result.differing:
        console.print(escape(describe(check, primary.name, other.name)), soft_wrap=True)
    console.print(escape(result.summary()), soft_wrap=True)
    if result.differing or not result.compared:
        raise typer.Exit(EXIT_DATA)


@cache_app.command("info")
def cache_info(
    ctx: typer.Context,
    cache: CacheOption = None,
    symbols: Annotated[
        bool, typer.Option("--symbols", help="List every cached symbol too.")
    ] = False,
) -> None:
    """Where the cache is, its size, and what it holds per source."""
    from concepttrack.prices.store import PriceStore

    path = cache_path(ctx, cache)
    if not path.exists():
        console.print(f"cache: {path} (empty: nothing fetched yet)")
        return
    with PriceStore(path) as store:
        summaries = store.summaries()
        coverages = store.coverages() if symbols else []
        size = store.size_bytes()
    console.print(escape(f"cache: {path}  ({size / 1_048_576:.1f} MB)"))
    if not summaries:
        console.print("empty: nothing fetched yet")
        return
    grouped = is_terminal()
    _emit(
        "Per source",
        ("source", "symbols", "rows", "first", "last", "last fetched (UTC)"),
        [
            [
                s.source,
                str(s.symbols),
                _count(s.rows, grouped=grouped),
                _day(s.first_session),
                _day(s.last_session),
                s.last_fetched.strftime("%Y-%m-%d %H:%M") if s.last_fetched else "–",
            ]
            for s in summaries
        ],
        right={"symbols", "rows"},
    )
    if coverages:
        _emit(
            "Per symbol",
            ("source", "symbol", "rows", "first", "last", "problem"),
            [
                [
                    c.source,
                    c.symbol,
                    _count(c.rows, grouped=grouped),
                    _day(c.first_session),
                    _day(c.last_session),
                    c.problem or "",
                ]
                for c in coverages
            ],
            right={"rows"},
        )


@cache_app.command("clear")
def cache_clear(
    ctx: typer.Context,
    cache: CacheOption = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help=f"Clear only this source ({SOURCE_CHOICES})."),
    ] = None,
) -> None:
    """Delete cached prices (all, or one source's); the next run fetches again.

    Without --source, a cache file that cannot be read (damaged, not a database, or
    written by a newer concepttrack) is moved aside to FILE.unreadable-<UTC time> and an
    empty cache is started in its place (`report` and `prices` do that by themselves).
    """
    from concepttrack.prices import get_source
    from concepttrack.prices.store import PriceStore, UnreadableCacheError, set_aside

    path = cache_path(ctx, cache)
    if not path.exists():
        console.print(escape(f"cache: {path} is already empty"))
        return
    name = get_source(source).name if source is not None else None
    try:
        with PriceStore(path) as store:
            removed = store.clear(name)
    except UnreadableCacheError as exc:
        if name is not None:
            raise UnreadableCacheError(
                exc.message,
                reason=exc.reason,
                hint="Run `concepttrack cache clear` without --source to set the file aside "
                "and start an empty cache.",
            ) from exc
        aside = set_aside(path)
        PriceStore(path).close()
        console.print(escape(f"cache: {path} could not be read ({exc.reason})"))
        console.print(
            escape(
                f"moved it to {aside} and started an empty cache; "
                "delete that file once you no longer need it"
            )
        )
        return
    what = f"{name} " if name else ""
    console.print(escape(f"cleared {removed} cached {what}series from {path}"))
