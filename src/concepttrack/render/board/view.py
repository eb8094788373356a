"""The board in one language: every figure formatted by :mod:`concepttrack.render.formats`,
every name from the theme's localised text, through the note's section seam
(:class:`concepttrack.render.sections.base.Writer`: catalog, formats, prose, names).

Templates (``board.md.j2``, ``board.html.j2``) get a :class:`BoardView` and put the fixed
words through ``_()``; they format nothing themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from concepttrack.render.view_base import Figure, figure

if TYPE_CHECKING:
    from concepttrack.analytics.model import ThemeSnapshot
    from concepttrack.languages import Colours
    from concepttrack.render.board.model import Board, BoardRow, BoardStock
    from concepttrack.render.sections.base import Writer
    from concepttrack.themes import Theme

__all__ = ["HEAT_STEPS", "BoardView", "RowView", "StockView", "build_board_view", "heat"]

#: The heat table's steps per window (a move at least this large is a step darker).
HEAT_STEPS: dict[str, tuple[float, float]] = {
    "one_day": (0.01, 0.03),
    "five_day": (0.025, 0.075),
    "one_month": (0.05, 0.15),
    "since_event": (0.10, 0.30),
    "excess": (0.10, 0.30),
}


def heat(value: float | None, window: str) -> str:
    """The heat-table cell class of a move: ``u1``..``u3``, ``d1``..``d3``, ``z``, ``na``."""
    if value is None:
        return "na"
    mid, strong = HEAT_STEPS[window]
    size = abs(value)
    if round(100 * value, 1) == 0:
        return "z"
    step = 3 if size >= strong else 2 if size >= mid else 1
    return f"{'u' if value > 0 else 'd'}{step}"


@dataclass(frozen=True)
class Cell:
    """A heat-table cell: the figure and its heat class."""

    figure: Figure
    heat: str

    @property
    def text(self) -> str:
        return self.figure.text


@dataclass(frozen=True)
class RowView:
    rank: int
    theme_id: str
    title: str
    one_day: Cell
    five_day: Cell
    one_month: Cell
    since_event: Cell
    excess: Cell
    benchmark: str
    up: int
    down: int
    breadth: str
    leader: str
    laggard: str
    stale: bool
    demo: bool
    #: The theme's note in this language, relative to the board's folder.
    href: str


@dataclass(frozen=True)
class StockView:
    label: str
    themes: str
    move: Figure
    close: str


@dataclass(frozen=True)
class BoardView:
    """What the board's templates show, in one language."""

    lang: str
    html_lang: str
    colours: str
    session_iso: str
    session: str
    demo: bool
    stale: bool
    source: str
    themes: int
    rows: list[RowView]
    gainers: list[StockView]
    losers: list[StockView]
    new_highs: list[StockView]
    new_lows: list[StockView]
    #: The PDF's metadata and the HTML title.
    title: str
    author: str


def build_board_view(
    board: Board,
    themes: Mapping[str, Theme],
    snapshots: Mapping[str, ThemeSnapshot],
    *,
    lang: str = "en",
    default_lang: str = "en",
    colours: Colours | None = None,
) -> BoardView:
    """Format ``board`` in ``lang``; ``themes`` and ``snapshots`` by theme id give the
    names (each theme's own, localised) exactly as the theme's note words them."""
    from concepttrack.archive import NoteName
    from concepttrack.languages import get_language
    from concepttrack.render.context import localized_theme
    from concepttrack.render.messages import source_label
    from concepttrack.render.sections.base import Writer

    language = get_language(lang)
    writers: dict[str, Writer] = {}
    titles: dict[str, str] = {}
    for theme_id, theme in themes.items():
        if theme_id not in snapshots:
            continue
        local, _uses = localized_theme(theme, language.code, default_lang)
        writers[theme_id] = Writer(local, snapshots[theme_id], language.code)
        titles[theme_id] = str(local.title)
    first = next(iter(writers.values()))
    _ = first._
    fmt = first.fmt

    def cell(value: float | None, window: str, stale: bool, *, pp: bool = False) -> Cell:
        text = fmt.pp(value) if pp else fmt.pct(value)
        return Cell(figure(text, value, stale=stale), heat(value, window))

    def row_view(row: BoardRow) -> RowView:
        w = writers[row.theme_id]
        basket_stale = snapshots[row.theme_id].basket.status == "stale"
        parts = [
            _("%(count)d up") % {"count": row.up},
            _("%(count)d down") % {"count": row.down},
        ]
        if row.unchanged:
            parts.append(_("%(count)d unch.") % {"count": row.unchanged})
        note = NoteName(board.session, language.code, "html").filename
        return RowView(
            rank=row.rank,
            theme_id=row.theme_id,
            title=titles[row.theme_id],
            one_day=cell(row.one_day, "one_day", basket_stale),
            five_day=cell(row.five_day, "five_day", basket_stale),
            one_month=cell(row.one_month, "one_month", basket_stale),
            since_event=cell(row.since_event, "since_event", basket_stale),
            excess=cell(row.excess_since_event, "excess", basket_stale, pp=True),
            benchmark=w.bench_short,
            up=row.up,
            down=row.down,
            breadth=" · ".join(parts),
            leader=w.names.with_return(row.leader, "one_day"),
            laggard=w.names.with_return(row.laggard, "one_day"),
            stale=row.stale,
            demo=row.demo,
            href=f"../{row.theme_id}/{note}",
        )

    def stock_view(stock: BoardStock) -> StockView:
        w = writers[stock.themes[0]]
        return StockView(
            label=w.names.label(stock.symbol),
            themes=fmt.join([titles[t] for t in stock.themes]),
            move=figure(fmt.pct(stock.one_day), stock.one_day),
            close=fmt.price(stock.last_close, stock.currency),
        )

    rows = [row_view(row) for row in board.rows]
    sources = fmt.join([source_label(s, language.code) for s in board.sources])
    return BoardView(
        lang=language.code,
        html_lang=language.html_lang,
        colours=colours or language.default_colours,
        session_iso=board.session.isoformat(),
        session=fmt.date_with_weekday(board.session),
        demo=board.demo,
        stale=any(r.stale for r in board.rows),
        source=sources,
        themes=len(rows),
        rows=rows,
        gainers=[stock_view(s) for s in board.gainers],
        losers=[stock_view(s) for s in board.losers],
        new_highs=[stock_view(s) for s in board.new_highs],
        new_lows=[stock_view(s) for s in board.new_lows],
        title=_("Concept board · %(date)s") % {"date": fmt.date(board.session)},
        author="concepttrack",
    )
