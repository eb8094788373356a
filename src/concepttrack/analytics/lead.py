"""The note's lead: the session's biggest facts, in order of weight, as plain data.

:func:`build_lead` picks, from the snapshot, the themes book and the previous note,
the facts the first paragraph of the note is built from; the prose modules word them
(``render/prose/*.py``, ``lead``) and the JSON twin lists them (``lead``). Pure: no
I/O, no clock. In order of weight:

1. **New 52-week highs and lows on the session**: a constituent whose latest new
   52-week high (low) is the as-of session, by the rule of the "since the last note"
   box (:func:`concepttrack.analytics.changes.latest_new_extreme`: the close at or
   above (below) every close of the 365 calendar days to that session);
2. **the largest move of the day**: the fresh constituent with the largest absolute
   1-day return (first in book order on a tie), and its size against its **usual
   daily move** ``volatility_1y / sqrt(252)`` (the standard deviation of its last 252
   daily returns): ``multiple = |return_1d| / usual``;
3. **the basket against the benchmark**, on the day and over five sessions, and
4. **breadth** (both from :class:`~concepttrack.analytics.model.NarrativeFacts`);
5. **updates since the last note**: the news log's entries dated after the previous
   note and on or before the session (:func:`concepttrack.analytics.news.known_updates`);
6. **dates ahead within a week**: results or ex-dividend dates of constituents in the
   seven calendar days after the session, from a list the caller passes
   (:class:`DateAhead`; unknown kinds and other symbols are left out).

A **quiet** session: no new 52-week extreme, every constituent with a 1-day return
moved less than its usual daily move (a constituent without a usual daily move cannot
be judged, so the session is not called quiet), no update since the last note and no
date ahead. The paragraph then says so briefly.

:func:`reaction_in_appendix`: once the main event's longest event-study window is
complete and the event is older than ``theme.reaction_appendix_sessions`` sessions
(60 by default), "How the concept reacted" moves to an appendix and the lead no longer
quotes the event study.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from concepttrack.analytics.changes import latest_new_extreme
from concepttrack.analytics.consensus_model import DateAhead
from concepttrack.analytics.model import SinceLastNote, StockFigures, ThemeSnapshot
from concepttrack.analytics.news import KnownUpdate, known_updates
from concepttrack.themes import Theme

__all__ = [
    "AHEAD_DAYS",
    "QUIET_MULTIPLE",
    "DateAhead",
    "Extreme",
    "Lead",
    "Move",
    "build_lead",
    "event_age",
    "reaction_in_appendix",
    "usual_daily_move",
]

#: Trading sessions a year (``analytics.metrics.ANNUALISATION``, not imported: it loads
#: pandas, which the renderer does not need).
ANNUALISATION = 252
#: A date is "ahead" when it falls in this many calendar days after the session.
AHEAD_DAYS = 7
#: A move smaller than this many usual daily moves is ordinary (a quiet session).
QUIET_MULTIPLE = 1.0

DateKind = Literal["results", "ex_dividend"]
DATE_KINDS: tuple[str, ...] = ("results", "ex_dividend")


@dataclass(frozen=True)
class Extreme:
    """A constituent that closed at a new 52-week high (``high``) or low on the session."""

    symbol: str
    high: bool
    close: float | None
    currency: str | None
    #: The stock's 1-day return (a new high is never a fall, nor a new low a rise).
    return_1d: float | None = None


@dataclass(frozen=True)
class Move:
    """The day's largest move: a constituent's 1-day return and its usual daily move."""

    symbol: str
    return_1d: float
    #: ``volatility_1y / sqrt(252)``; None without a 1-year volatility.
    usual: float | None
    #: ``|return_1d| / usual``; None without ``usual``.
    multiple: float | None


@dataclass(frozen=True)
class Lead:
    """The facts the lead is built from (language-free), in order of weight."""

    extremes: list[Extreme] = field(default_factory=list)
    largest: Move | None = None
    quiet: bool = False
    #: News-log entries dated after the previous note, newest first.
    updates: list[KnownUpdate] = field(default_factory=list)
    #: Dates within :data:`AHEAD_DAYS` after the session, soonest first.
    ahead: list[DateAhead] = field(default_factory=list)
    #: True when "How the concept reacted" is in the appendix (not quoted by the lead).
    reaction_in_appendix: bool = False

    def to_dict(self, theme: Theme, snapshot: ThemeSnapshot) -> dict[str, Any]:
        """The JSON twin's ``lead`` block (docs/json-schema.md)."""
        return {
            "facts": self.to_list(snapshot),
            "quiet": self.quiet,
            "reaction_in_appendix": self.reaction_in_appendix,
            "reaction_to_appendix_after": theme.reaction_appendix_sessions,
            "ahead_days": AHEAD_DAYS,
            "quiet_multiple": QUIET_MULTIPLE,
        }

    def to_list(self, snapshot: ThemeSnapshot) -> list[dict[str, Any]]:
        """The facts used, in order, as the JSON twin's ``lead`` list (no words)."""
        facts: list[dict[str, Any]] = []

        def add(kind: str, symbol: str | None, **values: Any) -> None:
            facts.append({"kind": kind, "symbol": symbol, "values": values})

        if self.quiet:
            add("quiet", None, multiple=QUIET_MULTIPLE)
        for extreme in self.extremes:
            add(
                "new_high_52w" if extreme.high else "new_low_52w",
                extreme.symbol,
                close=_finite(extreme.close),
                return_1d=_finite(extreme.return_1d),
                session=snapshot.as_of.isoformat(),
            )
        if self.largest is not None:
            add(
                "largest_move",
                self.largest.symbol,
                return_1d=self.largest.return_1d,
                usual_move=self.largest.usual,
                multiple=self.largest.multiple,
            )
        n = snapshot.narrative
        if n.basket_return_1d is not None and not n.basket_stale:
            add(
                "basket_day",
                None,
                basket=n.basket_return_1d,
                benchmark=None if n.benchmark_stale else n.benchmark_return_1d,
                excess=snapshot.basket.excess.one_day,
            )
        if n.basket_return_5d is not None:
            add(
                "basket_5d",
                None,
                basket=n.basket_return_5d,
                benchmark=n.benchmark_return_5d,
                excess=n.excess_5d,
                session=n.basket_last_session.isoformat() if n.basket_last_session else None,
            )
        if n.with_bar and not self.quiet:
            add(
                "breadth",
                None,
                up=n.risers,
                down=n.fallers,
                unchanged=n.unchanged,
                with_bar=n.with_bar,
            )
        for item in self.updates:
            add("update", None, index=item.index, date=item.update.date.isoformat())
        for date in self.ahead:
            add(
                "date_ahead",
                date.symbol,
                date=date.date.isoformat(),
                date_kind=date.kind,
                days=(date.date - snapshot.as_of).days,
            )
        if n.basket_since_event is not None:
            add(
                "since_event",
                None,
                basket=n.basket_since_event,
                benchmark=n.benchmark_since_event,
                sessions_after_event=n.sessions_after_event,
            )
        if not self.reaction_in_appendix and snapshot.events.main is not None:
            add("event_study", None, in_appendix=False)
        return facts


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def usual_daily_move(figures: StockFigures) -> float | None:
    """``volatility_1y / sqrt(252)``: the standard deviation of the last 252 daily returns."""
    vol = figures.risk.volatility_1y
    if vol is None or not math.isfinite(vol) or vol <= 0:
        return None
    return vol / math.sqrt(ANNUALISATION)


def _moves(snapshot: ThemeSnapshot) -> list[Move]:
    """Every fresh constituent with a 1-day return, with its usual daily move."""
    out = []
    for figures in snapshot.stocks:
        one_day = figures.returns.one_day
        if figures.status.status != "fresh" or one_day is None or not math.isfinite(one_day):
            continue
        usual = usual_daily_move(figures)
        out.append(Move(figures.symbol, one_day, usual, abs(one_day) / usual if usual else None))
    return out


def _ahead(dates: Iterable[DateAhead], snapshot: ThemeSnapshot) -> list[DateAhead]:
    own = {s.symbol for s in snapshot.stocks}
    last = snapshot.as_of + dt.timedelta(days=AHEAD_DAYS)
    chosen = [
        d
        for d in dates
        if d.kind in DATE_KINDS and d.symbol in own and snapshot.as_of < d.date <= last
    ]
    return sorted(chosen, key=lambda d: d.date)  # stable: the caller's order on a day


def build_lead(
    theme: Theme,
    snapshot: ThemeSnapshot,
    since_last: SinceLastNote | None = None,
    dates_ahead: Sequence[DateAhead] | None = None,
) -> Lead:
    """The lead's facts for ``snapshot`` (see the module's notes for each rule).

    ``dates_ahead``: by default the constituents' own (``StockFigures.dates_ahead``,
    from the consensus figures, ``analytics/consensus.py``).
    """
    if dates_ahead is None:
        dates_ahead = [d for s in snapshot.stocks for d in s.dates_ahead]
    extremes = [
        Extreme(s.symbol, high, s.last_close, s.currency, s.returns.one_day)
        for high in (True, False)
        for s in snapshot.stocks
        if latest_new_extreme(s, high=high) == snapshot.as_of
    ]
    moves = _moves(snapshot)
    largest = max(moves, key=lambda m: abs(m.return_1d), default=None)
    previous = since_last.previous_as_of if since_last is not None else None
    updates = [u for u in known_updates(theme, snapshot.as_of, previous) if u.new]
    ahead = _ahead(dates_ahead, snapshot)
    quiet = (
        bool(moves)
        and not snapshot.narrative.basket_stale
        and not extremes
        and not updates
        and not ahead
        and all(m.multiple is not None and m.multiple < QUIET_MULTIPLE for m in moves)
    )
    return Lead(
        extremes=extremes,
        largest=largest,
        quiet=quiet,
        updates=updates,
        ahead=ahead,
        reaction_in_appendix=reaction_in_appendix(theme, snapshot),
    )


def event_age(snapshot: ThemeSnapshot) -> int | None:
    """Sessions after the event session to the as-of session ("N sessions ago").

    A snapshot without ``sessions_after_event`` (an older JSON twin) gives it as
    ``sessions_since_event - 1``: the event session directly follows the base session.
    """
    narrative = snapshot.narrative
    after = narrative.sessions_after_event
    if after is None and narrative.sessions_since_event:
        after = narrative.sessions_since_event - 1
    return after


def reaction_in_appendix(theme: Theme, snapshot: ThemeSnapshot) -> bool:
    """True once the main event's longest window is complete and the event is older than
    the theme's ``reaction_to_appendix_after`` sessions (sessions after the event session,
    the note's "N sessions ago")."""
    main = snapshot.events.main
    after = event_age(snapshot)
    if main is None or after is None:
        return False
    if after <= theme.reaction_appendix_sessions:
        return False
    windows = snapshot.events.car_windows
    if not windows:
        return True
    start, end = max(windows, key=lambda w: (w[1] - w[0], w[1]))
    basket = main.basket
    if basket.studied:
        window = next((w for w in basket.windows if (w.start, w.end) == (start, end)), None)
        return window is not None and window.reason_code != "window_incomplete"
    return after >= end
