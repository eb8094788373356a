"""What changed "since the last note": a theme's previous archived note against now.

:func:`since_last_note` compares the previous note's JSON (as read back from the
archive, see :func:`concepttrack.archive.previous_note`) with the new ThemeSnapshot
and the current Theme. It is pure: no I/O, no clock.

The previous note may come from an older version of the program or be damaged in
places: every field of it is read defensively, and a field that is missing or of the
wrong type makes the change it feeds *unknown* (None or left out), never an error and
never a guessed value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from concepttrack.analytics.model import SinceLastNote, StockFigures, ThemeSnapshot
from concepttrack.errors import UsageError
from concepttrack.symbols import to_yahoo
from concepttrack.themes import Theme

#: A volume ratio above this is reported as a spike.
VOLUME_SPIKE_RATIO = 2.0

_STALE = ("stale", "missing")


def since_last_note(
    previous: Mapping[str, Any], snapshot: ThemeSnapshot, theme: Theme
) -> SinceLastNote:
    """What changed since ``previous`` (a note's JSON: ``theme``, ``snapshot`` keys).

    Definitions (``prev`` is the previous note, ``now`` this snapshot):

    * ``basket_change`` = ``now.basket.level / prev.basket.level - 1``. Both levels are
      100 at the event base session, so their ratio is the basket's move between the two
      as-of closes, *provided it is the same basket*: it is None when the base session
      differs (the theme's event was edited), when the set of stocks in the basket
      differs, or when the theme's weights changed.
    * ``benchmark_change`` = ``now.benchmark.last_close / prev.benchmark.last_close - 1``,
      None when the benchmark symbol changed.
    * ``new_leader`` / ``new_laggard``: the since-event leader (laggard) of the breadth
      figures, set only when it differs from the previous note's; ``previous_leader`` /
      ``previous_laggard`` are the previous note's, whenever known, for the sentence
      ("X took over from Y"). Unknown on either side means no change is reported.
    * ``new_52w_highs``: every stock that **closed at a new 52-week high on at least one
      session after the previous note** (``prev.as_of < s <= now``): its close on ``s``
      was at or above every close of the 365 calendar days to ``s`` (the 52-week
      range's window; :attr:`StockFigures.last_new_high_52w` is the latest such
      session). The current close may be below the high since. ``new_52w_lows``
      likewise with new 52-week lows. A session the analytics could not judge (less
      than a year of closes loaded before it) counts through the previous note's high:
      see :func:`_new_extreme`. (Before issue 16 the current close was compared
      with the previous note's high, which listed stocks that had fallen from a high
      set since, and missed stocks that set a high and fell back.)
    * ``volume_spikes``: fresh stocks (a bar on the as-of session) with
      ``volume_ratio > 2``, with the ratio, in theme order.
    * ``became_stale``: constituents and the benchmark that were ``fresh`` in the previous
      note and are ``stale`` or ``missing`` now; ``recovered`` the reverse.
    * ``stocks_added`` / ``stocks_removed``: Yahoo symbols of the current theme not in the
      previous note's theme, and the reverse.
    * ``new_views``: views of the current theme (``"source, date"``) whose source and
      date pair was not in the previous note's theme.

    Raises ValueError only when ``previous`` has no ``snapshot.as_of`` date, which
    :func:`concepttrack.archive.previous_note` never returns.
    """
    prev_snapshot = _mapping(previous.get("snapshot"))
    prev_theme = previous.get("theme")
    prev_as_of = _date(prev_snapshot.get("as_of"))
    if prev_as_of is None:
        raise ValueError("the previous note has no snapshot.as_of date")
    prev_stocks = _stocks_by_symbol(prev_snapshot.get("stocks"))
    prev_breadth = _mapping(prev_snapshot.get("breadth"))
    prev_theme_stocks = _theme_stocks(prev_theme)

    prev_leader = _text(prev_breadth.get("leader_since_event"))
    prev_laggard = _text(prev_breadth.get("laggard_since_event"))
    leader = snapshot.breadth.leader_since_event
    laggard = snapshot.breadth.laggard_since_event

    added: list[str] = []
    removed: list[str] = []
    if prev_theme_stocks is not None:
        current = theme.symbols
        added = [symbol for symbol in current if symbol not in prev_theme_stocks]
        removed = [symbol for symbol in prev_theme_stocks if symbol not in current]

    return SinceLastNote(
        previous_as_of=prev_as_of,
        basket_change=_basket_change(prev_snapshot, snapshot, prev_theme_stocks, theme),
        benchmark_change=_benchmark_change(prev_snapshot, snapshot),
        previous_leader=prev_leader,
        new_leader=leader if _changed(prev_leader, leader) else None,
        previous_laggard=prev_laggard,
        new_laggard=laggard if _changed(prev_laggard, laggard) else None,
        new_52w_highs=[
            s.symbol
            for s in snapshot.stocks
            if _new_extreme(s, prev_stocks.get(s.symbol), prev_as_of, high=True)
        ],
        new_52w_lows=[
            s.symbol
            for s in snapshot.stocks
            if _new_extreme(s, prev_stocks.get(s.symbol), prev_as_of, high=False)
        ],
        volume_spikes={
            s.symbol: s.volume_ratio
            for s in snapshot.stocks
            if s.status.status == "fresh"
            and s.volume_ratio is not None
            and math.isfinite(s.volume_ratio)
            and s.volume_ratio > VOLUME_SPIKE_RATIO
        },
        became_stale=_status_moves(prev_snapshot, snapshot, recovered=False),
        recovered=_status_moves(prev_snapshot, snapshot, recovered=True),
        stocks_added=added,
        stocks_removed=removed,
        new_views=_new_views(prev_theme, theme),
    )


# --- reading the previous note defensively ---------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _stocks_by_symbol(value: Any) -> dict[str, Mapping[str, Any]]:
    """The previous snapshot's stock figures by symbol (entries without a symbol dropped)."""
    if not isinstance(value, list):
        return {}
    return {
        item["symbol"]: item
        for item in value
        if isinstance(item, Mapping) and isinstance(item.get("symbol"), str)
    }


def _symbol(code: str) -> str:
    try:
        return to_yahoo(code)
    except UsageError:
        return code


def _theme_stocks(prev_theme: Any) -> dict[str, float | None] | None:
    """Previous theme's stocks as {symbol: weight given in the book}, None when unknown."""
    stocks = _mapping(prev_theme).get("stocks")
    if not isinstance(stocks, list):
        return None
    found: dict[str, float | None] = {}
    for item in stocks:
        code = _mapping(item).get("code")
        if not isinstance(code, str):
            return None  # a damaged list: better unknown than wrong
        found[_symbol(code)] = _number(_mapping(item).get("weight"))
    return found


def _changed(before: str | None, now: str | None) -> bool:
    return before is not None and now is not None and before != now


# --- the changes ----------------------------------------------------------------------


def _basket_change(
    prev_snapshot: Mapping[str, Any],
    snapshot: ThemeSnapshot,
    prev_theme_stocks: dict[str, float | None] | None,
    theme: Theme,
) -> float | None:
    prev_basket = _mapping(prev_snapshot.get("basket"))
    prev_level = _number(prev_basket.get("level"))
    level = snapshot.basket.level
    base = snapshot.basket.base_session
    if prev_level is None or prev_level <= 0 or level is None or not math.isfinite(level):
        return None
    if base is None or _date(prev_basket.get("base_session")) != base:
        return None
    # The same basket: same book weights and the same stocks actually in it.
    book_weights = {stock.symbol: stock.weight for stock in theme.stocks}
    if prev_theme_stocks is None or prev_theme_stocks != book_weights:
        return None
    prev_members = _members(prev_snapshot.get("stocks"))
    members = {s.symbol for s in snapshot.stocks if s.in_basket}
    if prev_members is None or prev_members != members:
        return None
    return level / prev_level - 1.0


def _members(stocks: Any) -> set[str] | None:
    """Symbols in the previous basket; None when any entry lacks what is needed."""
    if not isinstance(stocks, list):
        return None
    members: set[str] = set()
    for item in stocks:
        symbol = _mapping(item).get("symbol")
        in_basket = _mapping(item).get("in_basket")
        if not isinstance(symbol, str) or not isinstance(in_basket, bool):
            return None
        if in_basket:
            members.add(symbol)
    return members


def _benchmark_change(prev_snapshot: Mapping[str, Any], snapshot: ThemeSnapshot) -> float | None:
    prev_benchmark = _mapping(prev_snapshot.get("benchmark"))
    if prev_benchmark.get("symbol") != snapshot.benchmark.symbol:
        return None
    prev_close = _number(prev_benchmark.get("last_close"))
    close = snapshot.benchmark.last_close
    if prev_close is None or prev_close <= 0 or close is None or not math.isfinite(close):
        return None
    return close / prev_close - 1.0


def latest_new_extreme(stock: StockFigures, *, high: bool) -> dt.date | None:
    """The latest session the stock's close was a new 52-week high (``high``) or low.

    The one rule of a new 52-week extreme, shared by "since the last note" and the
    note's lead: the close at or above (at or below) every close of the 365 calendar
    days to that session, judged only with a full year of closes before it.
    """
    return stock.last_new_high_52w if high else stock.last_new_low_52w


def _after(session: dt.date | None, prev_as_of: dt.date) -> bool:
    """True when a new 52-week extreme was set on a session after the previous note."""
    return session is not None and session > prev_as_of


def _new_extreme(
    stock: StockFigures,
    prev: Mapping[str, Any] | None,
    prev_as_of: dt.date,
    *,
    high: bool,
) -> bool:
    """True when the stock closed at a new 52-week high (low) on a session after ``prev``.

    The analytics judge only sessions with a year of closes loaded before them
    (``last_new_high_52w``). A session they could not judge still counts when the current
    52-week high was set after the previous note and is at or above the previous note's
    52-week high, with the two windows together covering the year before it (the notes
    at most 365 days apart). Both highs must be of traded closes: adjusted-only series
    may be re-based between the notes.
    """
    if _after(latest_new_extreme(stock, high=high), prev_as_of):
        return True
    session = stock.high_52w_session if high else stock.low_52w_session
    value = stock.high_52w if high else stock.low_52w
    if prev is None or session is None or value is None or stock.last_session is None:
        return False
    before = _number(prev.get("high_52w" if high else "low_52w"))
    if (
        before is None
        or stock.close_is_adjusted
        or prev.get("close_is_adjusted") is True
        or session <= prev_as_of
        or (stock.last_session - prev_as_of).days > 365
    ):
        return False
    return value >= before if high else value <= before


def _status_moves(
    prev_snapshot: Mapping[str, Any], snapshot: ThemeSnapshot, *, recovered: bool
) -> list[str]:
    """Symbols (constituents, then the benchmark) whose data went stale, or came back."""
    before: dict[str, str] = {}
    for item in [
        *_stocks_by_symbol(prev_snapshot.get("stocks")).values(),
        _mapping(prev_snapshot.get("benchmark")),
    ]:
        symbol = item.get("symbol")
        status = _mapping(item.get("status")).get("status")
        if isinstance(symbol, str) and isinstance(status, str):
            before[symbol] = status
    moved: list[str] = []
    for status in snapshot.statuses:
        was = before.get(status.symbol)
        if was is None:
            continue
        if recovered and was in _STALE and status.status == "fresh":
            moved.append(status.symbol)
        if not recovered and was == "fresh" and status.status in _STALE:
            moved.append(status.symbol)
    return moved


def _new_views(prev_theme: Any, theme: Theme) -> list[str]:
    views = _mapping(prev_theme).get("views")
    if not isinstance(views, list):
        return []  # unknown: claiming every view is new would be wrong
    # Compare as the JSON twin stores them: a per-language source is a mapping there.
    seen = {
        (_key(_mapping(view).get("source")), _mapping(view).get("date"))
        for view in views
        if isinstance(view, Mapping)
    }
    return [
        f"{view.source}, {view.date}"
        for view in theme.views
        if (_key(view.model_dump(mode="json")["source"]), view.date) not in seen
    ]


def _key(value: Any) -> str:
    """A hashable form of a stored value (a string, or a per-language mapping)."""
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False)
