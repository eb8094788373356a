"""The daily concept board as plain data: every theme of the book at one session.

Every figure is *read* from the themes' :class:`~concepttrack.analytics.model.ThemeSnapshot`
objects, the very ones their notes are written from: nothing here computes a return, a
breadth count or a 52-week extreme. The board only selects, ranks and gathers them:

* **rows**: one per theme, ranked by the basket's 1-day return (``basket.returns.one_day``),
  highest first; themes without one come last, by id. Each carries the basket's 5-day,
  1-month and since-event returns, the since-event excess over the theme's benchmark
  (``basket.excess.since_event``), the breadth (``breadth.up``/``down``/``unchanged``), the
  1-day leader and laggard (``breadth.leader_1d``/``laggard_1d`` with their own 1-day
  return), and the stale and demo marks;
* **movers**: the day's largest stock moves across every theme (1-day returns of the
  stocks with a bar on the session), :data:`MOVERS` up and down, each with its themes;
* **highs / lows**: the stocks whose close on the session was a new 52-week high or low
  (``last_new_high_52w`` / ``last_new_low_52w`` equal to the session, as the note's
  "since the last note" reads them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from concepttrack.analytics.model import _plain

if TYPE_CHECKING:
    from concepttrack.analytics.model import StockFigures, ThemeSnapshot

__all__ = ["MOVERS", "Board", "BoardRow", "BoardStock", "build_board"]

#: How many of the day's biggest movers the board lists each way.
MOVERS = 5


@dataclass(frozen=True)
class BoardStock:
    """One stock on the board (a mover, a new high or low), with the themes it is in."""

    symbol: str
    themes: list[str]
    one_day: float | None
    last_close: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class BoardRow:
    """One theme's line: its basket's figures as its note shows them."""

    theme_id: str
    rank: int
    one_day: float | None
    five_day: float | None
    one_month: float | None
    since_event: float | None
    excess_since_event: float | None
    benchmark: str
    benchmark_since_event: float | None
    event_date: dt.date
    up: int
    down: int
    unchanged: int
    constituents: int
    leader: str | None
    leader_one_day: float | None
    laggard: str | None
    laggard_one_day: float | None
    #: The basket's figures are as of an earlier session, or a constituent is stale or
    #: missing: the note marks those figures.
    stale: bool
    #: Made from demo prices.
    demo: bool
    basket_last_session: dt.date | None = None
    stale_symbols: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Board:
    """The concept board of one session."""

    session: dt.date
    rows: list[BoardRow]
    gainers: list[BoardStock]
    losers: list[BoardStock]
    new_highs: list[BoardStock]
    new_lows: list[BoardStock]
    #: Sources the snapshots were made from (one unless themes differ).
    sources: list[str]
    demo: bool

    def row(self, theme_id: str) -> BoardRow:
        for row in self.rows:
            if row.theme_id == theme_id:
                return row
        raise KeyError(theme_id)

    def to_dict(self) -> dict[str, Any]:
        plain: dict[str, Any] = _plain(self)
        return plain


def _rank_key(snapshot: ThemeSnapshot) -> tuple[int, float, str]:
    move = snapshot.basket.returns.one_day
    return (move is None, -(move or 0.0), snapshot.theme_id)


def _row(rank: int, snapshot: ThemeSnapshot) -> BoardRow:
    basket, breadth = snapshot.basket, snapshot.breadth
    figures = {stock.symbol: stock for stock in snapshot.stocks}

    def one_day(symbol: str | None) -> float | None:
        stock = figures.get(symbol) if symbol is not None else None
        return stock.returns.one_day if stock is not None else None

    troubled = [s.symbol for s in snapshot.stocks if s.status.status != "fresh"]
    return BoardRow(
        theme_id=snapshot.theme_id,
        rank=rank,
        one_day=basket.returns.one_day,
        five_day=basket.returns.five_day,
        one_month=basket.returns.one_month,
        since_event=basket.returns.since_event,
        excess_since_event=basket.excess.since_event,
        benchmark=snapshot.benchmark.symbol,
        benchmark_since_event=snapshot.benchmark.returns.since_event,
        event_date=snapshot.event_date,
        up=breadth.up,
        down=breadth.down,
        unchanged=breadth.unchanged,
        constituents=len(snapshot.stocks),
        leader=breadth.leader_1d,
        leader_one_day=one_day(breadth.leader_1d),
        laggard=breadth.laggard_1d,
        laggard_one_day=one_day(breadth.laggard_1d),
        stale=basket.status != "fresh" or bool(troubled),
        demo=snapshot.demo,
        basket_last_session=basket.last_session,
        stale_symbols=troubled,
    )


def _gather(
    snapshots: Sequence[ThemeSnapshot], keep: Any
) -> dict[str, tuple[StockFigures, list[str]]]:
    found: dict[str, tuple[StockFigures, list[str]]] = {}
    for snapshot in snapshots:
        for stock in snapshot.stocks:
            if not keep(snapshot, stock):
                continue
            if stock.symbol in found:
                found[stock.symbol][1].append(snapshot.theme_id)
            else:
                found[stock.symbol] = (stock, [snapshot.theme_id])
    return found


def _stock(figures: StockFigures, themes: list[str]) -> BoardStock:
    return BoardStock(
        figures.symbol,
        themes,
        figures.returns.one_day,
        figures.last_close,
        figures.currency,
    )


def build_board(snapshots: Sequence[ThemeSnapshot], session: dt.date | None = None) -> Board:
    """The board of ``snapshots`` (one per theme) at ``session`` (default: their latest
    as-of session)."""
    if not snapshots:
        raise ValueError("a board needs at least one theme snapshot")
    day = session or max(s.as_of for s in snapshots)
    ranked = sorted(snapshots, key=_rank_key)
    rows = [_row(i + 1, snapshot) for i, snapshot in enumerate(ranked)]

    def traded(snapshot: ThemeSnapshot, stock: StockFigures) -> bool:
        return stock.last_session == snapshot.as_of and stock.returns.one_day is not None

    moved = _gather(ranked, traded)
    ups = sorted(
        (v for v in moved.values() if (v[0].returns.one_day or 0.0) > 0),
        key=lambda v: (-(v[0].returns.one_day or 0.0), v[0].symbol),
    )
    downs = sorted(
        (v for v in moved.values() if (v[0].returns.one_day or 0.0) < 0),
        key=lambda v: (v[0].returns.one_day or 0.0, v[0].symbol),
    )

    def new_high(snapshot: ThemeSnapshot, stock: StockFigures) -> bool:
        return stock.last_new_high_52w is not None and stock.last_new_high_52w == snapshot.as_of

    def new_low(snapshot: ThemeSnapshot, stock: StockFigures) -> bool:
        return stock.last_new_low_52w is not None and stock.last_new_low_52w == snapshot.as_of

    highs = sorted(_gather(ranked, new_high).values(), key=lambda v: v[0].symbol)
    lows = sorted(_gather(ranked, new_low).values(), key=lambda v: v[0].symbol)
    return Board(
        session=day,
        rows=rows,
        gainers=[_stock(*v) for v in ups[:MOVERS]],
        losers=[_stock(*v) for v in downs[:MOVERS]],
        new_highs=[_stock(*v) for v in highs],
        new_lows=[_stock(*v) for v in lows],
        sources=sorted({s.source for s in snapshots}),
        demo=any(s.demo for s in snapshots),
    )
