"""English prose: the "what moved" paragraph, "since the last note", the stock lines.

Written from :class:`~concepttrack.analytics.model.NarrativeFacts` alone, with no
arithmetic beyond choosing a verb from a sign. A stale basket (no constituent has a
bar on the as-of session) is never described as moving "today": the paragraph says it
has no prices for this session and gives its figures as of its last session, marked
with a dagger. A stale benchmark is not compared with today's basket; an excess return
that does not exist (the benchmark has no bar on the basket's last session) is said to
be missing, not replaced by a comparison of different windows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from concepttrack.render.formats import STALE_MARK, tone

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from concepttrack.analytics.event_model import CarWindow
    from concepttrack.analytics.lead import Lead
    from concepttrack.analytics.model import NarrativeFacts, SinceLastNote, StockFigures
    from concepttrack.render.formats import Formats
    from concepttrack.render.prose import Names


def stock_label(name: str, code: str) -> str:
    """Short label for legends and sentences: ``ZTE (00763)``."""
    return f"{name} ({code})"


def _relation(excess: float, fmt: Formats, mark: str = "") -> str:
    """``1.1 pp ahead of`` / ``behind`` / ``in line with`` from the sign of an excess."""
    gap = tone(excess)
    relation = {"up": "ahead of", "down": "behind", "flat": "in line with"}.get(gap, "against")
    if gap in ("up", "down"):
        return f"{fmt.pp_abs(excess)}{mark} {relation}"
    return relation


class _Moved:
    """The "what moved" sentences of one note, each a method (shared by the lead)."""

    def __init__(
        self, facts: NarrativeFacts, names: Names, bench: str, event: dt.date, fmt: Formats
    ) -> None:
        self.facts, self.names, self.bench, self.event, self.fmt = facts, names, bench, event, fmt
        self.stale = facts.basket_stale
        self.mark = STALE_MARK if self.stale else ""
        self.last = fmt.date(facts.basket_last_session)

    def move(self, value: float, *, present: bool = False) -> str:
        fmt, mark = self.fmt, self.mark
        if tone(value) == "up":
            return ("is up " if present else "rose ") + fmt.pct_abs(value) + mark
        if tone(value) == "down":
            return ("is down " if present else "fell ") + fmt.pct_abs(value) + mark
        return ("is flat" if present else "was flat") + mark

    def stale_basket(self) -> list[str]:
        if not self.stale:
            return []
        return [
            "The concept basket has no prices for this session: no constituent has traded "
            f"since {self.last}, so its figures (marked {STALE_MARK}) are as of that session."
        ]

    def five_day(self, subject: str = "the concept basket") -> list[str]:
        facts, fmt, bench, mark, stale = self.facts, self.fmt, self.bench, self.mark, self.stale
        if facts.basket_return_5d is None:
            return []
        window = f"the five sessions to {self.last}" if stale else "the last five sessions"
        sentence = f"Over {window} {subject} {self.move(facts.basket_return_5d)}"
        if facts.excess_5d is not None:
            sentence += f", {_relation(facts.excess_5d, fmt, mark)} the {bench}"
            if stale:
                sentence += " over the same sessions"
            elif facts.benchmark_return_5d is not None:
                sentence += f" ({fmt.pct(facts.benchmark_return_5d)})"
        elif facts.benchmark_behind_basket:
            sentence += (
                f"; the {bench} has no bar on {self.last}, so there is no excess "
                "return over the same window"
            )
        elif facts.benchmark_return_5d is not None:
            sentence += f", against {fmt.pct(facts.benchmark_return_5d)} for the {bench}"
        return [sentence + "."]

    def one_day(self, subject: str = "the basket") -> list[str]:
        facts = self.facts
        if facts.basket_return_1d is None or self.stale:
            return []
        sentence = f"On the day {subject} {self.move(facts.basket_return_1d)}"
        if facts.benchmark_return_1d is not None and not facts.benchmark_stale:
            sentence += f" while the {self.bench} {self.move(facts.benchmark_return_1d)}"
        return [sentence + "."]

    def breadth(self, named: Collection[str] = ()) -> list[str]:
        """Risers and fallers, with the leader and laggard (but ``named``, said already)."""
        facts, names, fmt = self.facts, self.names, self.fmt
        if not facts.with_bar:
            return []
        parts = [f"{facts.risers} of {facts.with_bar} constituents with a bar today rose"]
        if facts.fallers:
            parts.append(f"{facts.fallers} fell")
        if facts.unchanged:
            parts.append(f"{facts.unchanged} were unchanged")
        sentence = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        if len(parts) == 1:
            sentence = parts[0]
        leaders = []
        if facts.leader_1d is not None and facts.leader_1d not in named:
            leaders.append(
                f"{names.short(facts.leader_1d)} led ({fmt.pct(facts.leader_1d_return)})"
            )
        if (
            facts.laggard_1d is not None
            and facts.laggard_1d != facts.leader_1d
            and facts.laggard_1d not in named
        ):
            leaders.append(
                f"{names.short(facts.laggard_1d)} lagged ({fmt.pct(facts.laggard_1d_return)})"
            )
        if leaders:
            sentence += "; " + " and ".join(leaders)
        return [sentence + "."]

    def since_event(self) -> list[str]:
        facts, fmt, bench, mark = self.facts, self.fmt, self.bench, self.mark
        if facts.basket_since_event is None:
            return []
        sessions = (
            f" ({facts.sessions_since_event} sessions ago)"
            if facts.sessions_since_event is not None
            else ""
        )
        if self.stale:
            sentence = (
                f"From the event on {fmt.date(self.event)}{sessions} to {self.last} the basket "
                f"{self.move(facts.basket_since_event)}"
            )
            excess = facts.excess_since_event
            if excess is not None:
                sentence += f", {_relation(excess, fmt, mark)} the {bench} over the same period"
        else:
            sentence = (
                f"Since the event on {fmt.date(self.event)}{sessions} the basket "
                f"{self.move(facts.basket_since_event, present=True)}"
            )
            if facts.benchmark_since_event is not None and not facts.benchmark_behind_basket:
                sentence += f", against {fmt.pct(facts.benchmark_since_event)} for the {bench}"
        return [sentence + "."]

    def caveats(self) -> list[str]:
        facts, names, fmt, bench = self.facts, self.names, self.fmt, self.bench
        sentences: list[str] = []
        stale_stocks = [s for s in facts.stale_symbols if names.is_constituent(s)]
        if stale_stocks:
            who = ", ".join(names.label(s) for s in stale_stocks)
            verb = "has" if len(stale_stocks) == 1 else "have"
            sentence = (
                f"{who} {verb} no bar for this session: figures marked {STALE_MARK} are from "
                "the last available bar, not today's"
            )
            if facts.basket_carried:
                carried = ", ".join(names.short(s) for s in facts.basket_carried)
                sentence += f"; the basket carries the last price of {carried}"
                if self.stale:
                    sentence += f" to {self.last}"
            sentences.append(sentence + ".")
        if facts.benchmark_stale and facts.benchmark_last_session is not None:
            sentence = (
                f"The {bench} has no bar since {fmt.date(facts.benchmark_last_session)}: "
                f"its figures (marked {STALE_MARK}) are from that session"
            )
            if facts.benchmark_behind_basket:
                sentence += ", and excess returns to later sessions are not shown"
            sentences.append(sentence + ".")
        missing = [s for s in facts.missing_symbols if names.is_constituent(s)]
        if missing:
            who = ", ".join(names.label(s) for s in missing)
            sentences.append(f"No prices were available for {who}.")
        if len(missing) < len(facts.missing_symbols):
            sentences.append(f"No prices were available for the {bench}.")
        return sentences


NOTHING = "No price moves are available for this session."


def what_moved(
    facts: NarrativeFacts, names: Names, benchmark_short: str, event: dt.date, fmt: Formats
) -> str:
    """The "what moved" paragraph, from the narrative facts only."""
    m = _Moved(facts, names, benchmark_short, event, fmt)
    sentences = [
        *m.stale_basket(),
        *m.five_day(),
        *m.one_day(),
        *m.breadth(),
        *m.since_event(),
        *m.caveats(),
    ]
    return " ".join(sentences) if sentences else NOTHING


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _times(multiple: float | None, fmt: Formats) -> str:
    return "" if multiple is None else f", {fmt.ratio(multiple, 1)} times its usual daily move"


def _extremes(lead: Lead, names: Names, fmt: Formats) -> list[str]:
    """``A (code) rose 2.7% to a new 52-week high; B (code) fell 1.0% to a new 52-week low.``"""
    clauses = []
    for high in (True, False):
        found = [e for e in lead.extremes if e.high == high]
        if not found:
            continue
        moved = []
        for extreme in found:
            move = ""
            if extreme.return_1d is not None and tone(extreme.return_1d) != "flat":
                verb = "rose" if extreme.return_1d > 0 else "fell"
                move = f" {verb} {fmt.pct_abs(extreme.return_1d)}"
            moved.append(f"{names.label(extreme.symbol)}{move}")
        kind = "high" if high else "low"
        which = f"a new 52-week {kind}" if len(found) == 1 else f"new 52-week {kind}s"
        clauses.append(f"{_and(moved)} to {which}")
    return ["; ".join(clauses) + "."] if clauses else []


def _largest(lead: Lead, names: Names, fmt: Formats) -> list[str]:
    move = lead.largest
    if move is None:
        return []
    if any(e.symbol == move.symbol for e in lead.extremes):
        # Its move is given already: only its rank and size against its usual move.
        return [
            f"{names.short(move.symbol)}'s move was the day's largest{_times(move.multiple, fmt)}."
        ]
    direction = {"up": "up", "down": "down"}.get(tone(move.return_1d), "flat at")
    return [
        f"The day's largest move: {names.label(move.symbol)}, {direction} "
        f"{fmt.pct_abs(move.return_1d)}{_times(move.multiple, fmt)}."
    ]


def _quiet(lead: Lead, names: Names, fmt: Formats) -> list[str]:
    move = lead.largest
    largest = (
        f" (the largest move: {names.short(move.symbol)}, {fmt.pct(move.return_1d)})"
        if move is not None
        else ""
    )
    return [
        "A quiet session for the concept: no constituent moved as much as its usual daily "
        f"move{largest}."
    ]


def _news(lead: Lead, names: Names, fmt: Formats, titles: Sequence[str]) -> list[str]:
    sentences = []
    if lead.updates and titles:
        first = lead.updates[0]
        sentence = f"New since the last note: {titles[0]} ({fmt.date(first.update.date)})"
        more = len(lead.updates) - 1
        if more:
            sentence += f", and {more} more update{'s' if more > 1 else ''} below"
        sentences.append(sentence + ".")
    if lead.ahead:
        items = []
        for date in lead.ahead:
            when = f"{fmt.weekday(date.date)} {fmt.date(date.date)}"
            verb = "reports results" if date.kind == "results" else "goes ex-dividend"
            items.append(f"{names.label(date.symbol)} {verb} on {when}")
        sentences.append("In the week ahead, " + "; ".join(items) + ".")
    return sentences


def _named(lead: Lead) -> set[str]:
    """Stocks whose move the lead has given already (breadth does not repeat them)."""
    named = {e.symbol for e in lead.extremes if e.return_1d is not None}
    if lead.largest is not None:
        named.add(lead.largest.symbol)
    return named


def lead(
    facts: NarrativeFacts,
    lead: Lead,
    names: Names,
    benchmark_short: str,
    event: dt.date,
    fmt: Formats,
    titles: Sequence[str] = (),
) -> str:
    """The lead: the session's biggest facts in order of weight (see analytics/lead.py).

    ``titles`` are the titles of ``lead.updates`` in the note's language.
    """
    m = _Moved(facts, names, benchmark_short, event, fmt)
    if facts.basket_stale:
        # No figure is today's: the basket's last session, then the news and dates.
        sentences = [*m.stale_basket(), *m.five_day(), *m.since_event()]
        sentences += _news(lead, names, fmt, titles) + m.caveats()
        return " ".join(sentences) if sentences else NOTHING
    if lead.quiet:
        sentences = _quiet(lead, names, fmt)
        sentences += m.one_day("the concept basket") + m.five_day("it")
    else:
        sentences = _extremes(lead, names, fmt) + _largest(lead, names, fmt)
        sentences += m.one_day("the concept basket") + m.five_day("it")
        sentences += m.breadth(_named(lead))
    sentences += _news(lead, names, fmt, titles)
    sentences += m.since_event() + m.caveats()
    return " ".join(sentences) if sentences else NOTHING


def since_last(since: SinceLastNote, names: Names, bench: str, fmt: Formats) -> list[str]:
    """The lines of the "since the last note" box (may be empty)."""
    lines: list[str] = []
    if since.basket_change is not None:
        line = f"Basket {fmt.pct(since.basket_change)}"
        if since.benchmark_change is not None:
            line += f" vs {bench} {fmt.pct(since.benchmark_change)}"
        lines.append(line + f" since the note of {fmt.date(since.previous_as_of)}.")
    if since.new_leader:
        was = f" (was {names.short(since.previous_leader)})" if since.previous_leader else ""
        lines.append(f"New leader since the event: {names.label(since.new_leader)}{was}.")
    if since.new_laggard:
        was = f" (was {names.short(since.previous_laggard)})" if since.previous_laggard else ""
        lines.append(f"New laggard since the event: {names.label(since.new_laggard)}{was}.")
    if since.new_52w_highs:
        lines.append("New 52-week high: " + ", ".join(map(names.label, since.new_52w_highs)) + ".")
    if since.new_52w_lows:
        lines.append("New 52-week low: " + ", ".join(map(names.label, since.new_52w_lows)) + ".")
    for symbol, ratio in since.volume_spikes.items():
        lines.append(
            f"Volume spike: {names.label(symbol)} at {fmt.ratio(ratio, 1)}× its 5-day average."
        )
    if since.became_stale:
        lines.append("Now stale: " + ", ".join(map(names.label, since.became_stale)) + ".")
    if since.recovered:
        lines.append("Fresh again: " + ", ".join(map(names.label, since.recovered)) + ".")
    if since.stocks_added:
        lines.append("Added to the theme: " + ", ".join(map(names.label, since.stocks_added)) + ".")
    if since.stocks_removed:
        lines.append(
            "Removed from the theme: " + ", ".join(map(names.label, since.stocks_removed)) + "."
        )
    if since.new_views:
        lines.append("New broker views: " + "; ".join(since.new_views) + ".")
    return lines


def _marked(text: str, value: float | None, stale: bool) -> str:
    return text + STALE_MARK if stale and value is not None else text


def stock_figures(figures: StockFigures | None, reason: str | None, fmt: Formats) -> str:
    """The plain-words line under a stock: last price, since-event move, range, risk."""
    if figures is None:
        return "No figures: the symbol is not in this snapshot."
    if figures.status.status == "missing" or figures.last_close is None:
        because = f" ({reason})" if reason else ""
        return f"No prices for this stock{because}; it is not in today's figures."
    stale = figures.status.status == "stale"
    since, excess = figures.returns.since_event, figures.excess.since_event
    return (
        f"Last {fmt.price(figures.last_close, figures.currency)}{STALE_MARK if stale else ''} "
        f"({fmt.date(figures.last_session)}"
        f"{', adjusted close' if figures.close_is_adjusted else ''}); "
        f"since event {_marked(fmt.pct(since), since, stale)}, "
        f"{_marked(fmt.pp(excess), excess, stale)} vs benchmark; 52-week range "
        f"{fmt.price(figures.low_52w)}–{fmt.price(figures.high_52w)}; "
        f"1Y volatility {fmt.share(figures.risk.volatility_1y)}, 1Y beta "
        f"{fmt.ratio(figures.risk.beta_1y)}"
        + (
            "; est. 20-day average turnover "
            f"{fmt.amount(figures.avg_turnover_20d, figures.currency)}"
            + (" (on adjusted closes)" if figures.close_is_adjusted else "")
            if figures.avg_turnover_20d is not None
            else ""
        )
        + "."
    )


def _sessions(count: int) -> str:
    return f"{count} session{'s' if count != 1 else ''}"


def _span(window: CarWindow) -> str:
    """``from the event session to 20 sessions after`` for ``[0, +20]``."""
    after = f"{_sessions(window.end)} after"
    if window.start == 0:
        return f"from the event session to {after}"
    return f"from {_sessions(-window.start)} before the event to {after}"


def _verdict(window: CarWindow) -> str:
    return "significant" if window.significant else "not significant"


def event_stock_line(name: str, window: CarWindow, fmt: Formats) -> str:
    """One stock's reaction to the event in plain words, from its longest complete CAR."""
    return (
        f"{name}'s abnormal return of {fmt.pct(window.car)} {_span(window)} is "
        f"{_verdict(window)} ({fmt.t(window.t)})."
    )


def event_what_moved(window: CarWindow, fmt: Formats) -> str:
    """The sentence "what moved" ends with: the basket's reaction and its significance."""
    return (
        f"Beyond what the market explains, the basket's reaction to the event was "
        f"{_verdict(window)} at {fmt.significance()}: an abnormal return of "
        f"{fmt.pct(window.car)} {_span(window)} ({fmt.t(window.t)})."
    )
