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
    from concepttrack.analytics.event_model import CarWindow
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


def what_moved(
    facts: NarrativeFacts, names: Names, benchmark_short: str, event: dt.date, fmt: Formats
) -> str:
    """The "what moved" paragraph, from the narrative facts only."""
    sentences: list[str] = []
    stale = facts.basket_stale
    mark = STALE_MARK if stale else ""
    last = fmt.date(facts.basket_last_session)

    def move(value: float, *, present: bool = False) -> str:
        if tone(value) == "up":
            return ("is up " if present else "rose ") + fmt.pct_abs(value) + mark
        if tone(value) == "down":
            return ("is down " if present else "fell ") + fmt.pct_abs(value) + mark
        return ("is flat" if present else "was flat") + mark

    if stale:
        sentences.append(
            "The concept basket has no prices for this session: no constituent has traded "
            f"since {last}, so its figures (marked {STALE_MARK}) are as of that session."
        )

    if facts.basket_return_5d is not None:
        window = f"the five sessions to {last}" if stale else "the last five sessions"
        sentence = f"Over {window} the concept basket {move(facts.basket_return_5d)}"
        if facts.excess_5d is not None:
            sentence += f", {_relation(facts.excess_5d, fmt, mark)} the {benchmark_short}"
            if stale:
                sentence += " over the same sessions"
            elif facts.benchmark_return_5d is not None:
                sentence += f" ({fmt.pct(facts.benchmark_return_5d)})"
        elif facts.benchmark_behind_basket:
            sentence += (
                f"; the {benchmark_short} has no bar on {last}, so there is no excess "
                "return over the same window"
            )
        elif facts.benchmark_return_5d is not None:
            sentence += f", against {fmt.pct(facts.benchmark_return_5d)} for the {benchmark_short}"
        sentences.append(sentence + ".")

    if facts.basket_return_1d is not None and not stale:
        sentence = f"On the day the basket {move(facts.basket_return_1d)}"
        if facts.benchmark_return_1d is not None and not facts.benchmark_stale:
            sentence += f" while the {benchmark_short} {move(facts.benchmark_return_1d)}"
        sentences.append(sentence + ".")

    if facts.with_bar:
        parts = [f"{facts.risers} of {facts.with_bar} constituents with a bar today rose"]
        if facts.fallers:
            parts.append(f"{facts.fallers} fell")
        if facts.unchanged:
            parts.append(f"{facts.unchanged} were unchanged")
        sentence = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        if len(parts) == 1:
            sentence = parts[0]
        leaders = []
        if facts.leader_1d is not None:
            leaders.append(
                f"{names.short(facts.leader_1d)} led ({fmt.pct(facts.leader_1d_return)})"
            )
        if facts.laggard_1d is not None and facts.laggard_1d != facts.leader_1d:
            leaders.append(
                f"{names.short(facts.laggard_1d)} lagged ({fmt.pct(facts.laggard_1d_return)})"
            )
        if leaders:
            sentence += "; " + " and ".join(leaders)
        sentences.append(sentence + ".")

    if facts.basket_since_event is not None:
        sessions = (
            f" ({facts.sessions_since_event} sessions ago)"
            if facts.sessions_since_event is not None
            else ""
        )
        if stale:
            sentence = (
                f"From the event on {fmt.date(event)}{sessions} to {last} the basket "
                f"{move(facts.basket_since_event)}"
            )
            excess = facts.excess_since_event
            if excess is not None:
                sentence += (
                    f", {_relation(excess, fmt, mark)} the {benchmark_short} over the same period"
                )
        else:
            sentence = (
                f"Since the event on {fmt.date(event)}{sessions} the basket "
                f"{move(facts.basket_since_event, present=True)}"
            )
            if facts.benchmark_since_event is not None and not facts.benchmark_behind_basket:
                sentence += (
                    f", against {fmt.pct(facts.benchmark_since_event)} for the {benchmark_short}"
                )
        sentences.append(sentence + ".")

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
            if stale:
                sentence += f" to {last}"
        sentences.append(sentence + ".")
    if facts.benchmark_stale and facts.benchmark_last_session is not None:
        sentence = (
            f"The {benchmark_short} has no bar since {fmt.date(facts.benchmark_last_session)}: "
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
        sentences.append(f"No prices were available for the {benchmark_short}.")
    if not sentences:
        return "No price moves are available for this session."
    return " ".join(sentences)


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
