"""The "How the concept reacted" section: the event study as display-ready text.

Built from :class:`~concepttrack.analytics.event_model.EventStudies` alone (no
arithmetic beyond choosing words from a sign and the significance flag the analytics
set). The section shows, per catalyst, the basket's CAR over the three windows with a
significance mark, and for the main event each stock's CARs, beta and a plain-words
line; a catalyst or stock that cannot be studied shows ``–`` and its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from concepttrack.analytics.event_model import (
    CRITICAL_T,
    ESTIMATION_FIRST,
    ESTIMATION_LAST,
    MIN_PAIRS,
    CarWindow,
    CatalystStudy,
    EventStudies,
    EventStudy,
)
from concepttrack.render.context import (
    MINUS,
    MISSING,
    Tone,
    fmt_date,
    fmt_pct,
    fmt_ratio,
    stock_label,
    tone,
)
from concepttrack.render.messages import reader_reason
from concepttrack.render.view import Definition
from concepttrack.themes import Theme

#: Marks a CAR significant at 5 % (|t| > 1.96).
SIGNIFICANT_MARK = "*"
#: Marks a catalyst whose estimation window holds another catalyst.
OVERLAP_MARK = "\N{DOUBLE DAGGER}"
#: The chart's file-name stem (the templates show it in this section, not under Charts).
CHART_NAME = "event-reaction"


@dataclass(frozen=True)
class CarCell:
    """One CAR: its text (with ``*`` when significant), its t and its colour class."""

    text: str
    t: str
    tone: Tone
    significant: bool


@dataclass(frozen=True)
class CatalystRow:
    """One catalyst: the basket's CARs over the three windows."""

    date: str
    title: str
    is_event: bool
    overlap: bool
    t0: str
    n: str
    beta: str
    cars: list[CarCell]


@dataclass(frozen=True)
class SecurityRow:
    """The main event's study of one security (the basket first, then each stock)."""

    label: str
    is_basket: bool
    beta: str
    n: str
    cars: list[CarCell]


@dataclass(frozen=True)
class ReactionView:
    """Everything the section shows; empty ``catalysts`` hides it."""

    window_labels: list[str] = field(default_factory=list)
    catalysts: list[CatalystRow] = field(default_factory=list)
    #: Under the catalyst table: overlaps, catalysts not studied, incomplete windows.
    catalyst_notes: list[str] = field(default_factory=list)
    main_title: str = ""
    main_date: str = ""
    main_rows: list[SecurityRow] = field(default_factory=list)
    #: One plain-words line per stock.
    main_lines: list[str] = field(default_factory=list)
    #: The sentence the "what moved" paragraph ends with ("" without a main event).
    what_moved: str = ""
    #: Reasons for the data appendix (stocks not studied, windows left out).
    data_notes: list[str] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    legend: str = ""


def window_label(start: int, end: int) -> str:
    """``[−1, +1]`` with a true minus sign."""

    def signed(value: int) -> str:
        return f"{value:+d}".replace("-", MINUS) if value else "0"

    return f"[{signed(start)}, {signed(end)}]"


def _offset(value: int) -> str:
    """``− 260`` / ``+ 5``: a bar offset as written after ``t0``."""
    return f"{MINUS if value < 0 else '+'} {abs(value)}"


def fmt_t(value: float | None) -> str:
    """A t-statistic with two decimals: ``1.45``, ``−0.61``."""
    return fmt_ratio(value, 2)


def _cell(window: CarWindow | None) -> CarCell:
    if window is None or window.car is None:
        return CarCell(MISSING, "", "na", False)
    mark = SIGNIFICANT_MARK if window.significant else ""
    return CarCell(fmt_pct(window.car) + mark, f"t {fmt_t(window.t)}", tone(window.car), bool(mark))


def _cells(study: EventStudy, count: int) -> list[CarCell]:
    windows: list[CarWindow | None] = list(study.windows) if study.studied else []
    windows += [None] * (count - len(windows))
    return [_cell(w) for w in windows[:count]]


def _span(window: CarWindow) -> str:
    """``from the event session to 20 sessions after`` for ``[0, +20]``."""
    after = f"{window.end} session{'s' if window.end != 1 else ''} after"
    if window.start == 0:
        return f"from the event session to {after}"
    before = -window.start
    return f"from {before} session{'s' if before != 1 else ''} before the event to {after}"


def _longest_complete(study: EventStudy) -> CarWindow | None:
    complete = [w for w in study.windows if w.car is not None and w.t is not None]
    return max(complete, key=lambda w: (w.end - w.start, w.end), default=None)


def _verdict(window: CarWindow) -> str:
    return "significant" if window.significant else "not significant"


def _stock_line(name: str, study: EventStudy) -> str:
    if not study.studied:
        return f"{name}: not studied ({reader_reason(study.reason or 'no data')})."
    window = _longest_complete(study)
    if window is None:
        reasons = "; ".join(reader_reason(w.reason) for w in study.windows if w.reason)
        return f"{name}: no complete window yet ({reasons})."
    return (
        f"{name}'s abnormal return of {fmt_pct(window.car)} {_span(window)} is "
        f"{_verdict(window)} (t = {fmt_t(window.t)})."
    )


def _what_moved(main: CatalystStudy | None) -> str:
    if main is None:
        return ""
    basket = main.basket
    if not basket.studied:
        return (
            "The basket's reaction to the event cannot be tested against the market model: "
            f"{reader_reason(basket.reason or 'no data')}."
        )
    window = _longest_complete(basket)
    if window is None:
        return (
            "The basket's reaction to the event cannot be tested yet: no event window is complete."
        )
    return (
        f"Beyond what the market explains, the basket's reaction to the event was "
        f"{_verdict(window)} at 5 %: an abnormal return of {fmt_pct(window.car)} "
        f"{_span(window)} (t = {fmt_t(window.t)})."
    )


def _window_notes(who: str, study: EventStudy) -> list[str]:
    return [
        f"{who}, CAR {window_label(w.start, w.end)}: {reader_reason(w.reason)}."
        for w in study.windows
        if w.reason
    ]


def definitions(benchmark_short: str) -> list[Definition]:
    """The event study's definitions in plain words (see :mod:`concepttrack.analytics.events`)."""
    return [
        Definition(
            "Event study (market model)",
            "For each catalyst (the event and every other catalyst) and each security, the "
            "event bar t0 is its first bar on or after the catalyst's Hong Kong date. Daily "
            "returns are close-to-close on consecutive bars of the adjusted close. On bars "
            f"t0 {_offset(ESTIMATION_FIRST)} to t0 {_offset(ESTIMATION_LAST)} of the security's "
            "own series "
            f"(fewer if its history is shorter), paired with the {benchmark_short}'s return "
            "on the same date (dates without one dropped), ordinary least squares fits "
            "R = α + β × R_market + e, with σ = √(Σe² / (n − 2)). Fewer than "
            f"{MIN_PAIRS} pairs: not studied (–, the reason in the data notes).",
        ),
        Definition(
            "Abnormal return, CAR and t",
            "AR on a bar = R − α − β × R_market (none without a benchmark return that date). "
            "CAR over [a, b] = the sum of AR on bars t0 + a to t0 + b, for [−1, +1], [0, +5] "
            "and [0, +20]; shown as – while the window is not complete at the as-of session "
            f"or when it holds a missing AR. t = CAR / (σ × √(b − a + 1)); * marks "
            f"|t| > {CRITICAL_T} (significant at 5 %).",
        ),
        Definition(
            "Basket in the event study",
            "On every date on which at least one constituent has a return, the basket's return "
            "is the weighted mean of the constituents' returns that date, weights renormalised "
            "over those with a return; the same model and windows apply. "
            f"{OVERLAP_MARK} marks a catalyst whose estimation window contains another "
            "catalyst's date, so the model's normal returns include that reaction.",
        ),
    ]


def reaction_view(theme: Theme, events: EventStudies, benchmark_short: str) -> ReactionView:
    """The section's view of ``events``; empty (hidden) when nothing was studied."""
    if not events.catalysts:
        return ReactionView()
    count = len(events.car_windows)
    labels = [window_label(a, b) for a, b in events.car_windows]
    rows: list[CatalystRow] = []
    notes: list[str] = []
    for catalyst in events.catalysts:
        basket = catalyst.basket
        rows.append(
            CatalystRow(
                date=fmt_date(catalyst.date),
                title=catalyst.title,
                is_event=catalyst.is_event,
                overlap=bool(catalyst.overlaps),
                t0=fmt_date(basket.t0) if basket.studied else MISSING,
                n=str(basket.n) if basket.studied else MISSING,
                beta=fmt_ratio(basket.beta),
                cars=_cells(basket, count),
            )
        )
        if catalyst.overlaps:
            others = "; ".join(f"{o.title} ({fmt_date(o.date)})" for o in catalyst.overlaps)
            notes.append(
                f"{OVERLAP_MARK} {catalyst.title}: the estimation window contains {others}."
            )
        if not basket.studied:
            notes.append(
                f"Not studied: {catalyst.title} ({fmt_date(catalyst.date)}): "
                f"{reader_reason(basket.reason or 'no data')}."
            )
        else:
            notes.extend(_window_notes(catalyst.title, basket))

    main = events.main
    main_rows: list[SecurityRow] = []
    main_lines: list[str] = []
    data_notes: list[str] = []
    if main is not None:
        by_symbol = {stock.symbol: stock for stock in theme.stocks}
        main_rows.append(
            SecurityRow(
                "Concept basket",
                True,
                fmt_ratio(main.basket.beta),
                str(main.basket.n) if main.basket.studied else MISSING,
                _cells(main.basket, count),
            )
        )
        for study in main.stocks:
            stock = by_symbol.get(study.symbol)
            label = stock_label(stock) if stock else study.symbol
            name = stock.name if stock else study.symbol
            main_rows.append(
                SecurityRow(
                    label,
                    False,
                    fmt_ratio(study.beta),
                    str(study.n) if study.studied else MISSING,
                    _cells(study, count),
                )
            )
            main_lines.append(_stock_line(name, study))
        for catalyst in events.catalysts:
            if not catalyst.basket.studied:
                data_notes.append(
                    f"Event study, {catalyst.title} ({fmt_date(catalyst.date)}): not studied "
                    f"({reader_reason(catalyst.basket.reason or 'no data')})."
                )
            for study in catalyst.stocks:
                stock = by_symbol.get(study.symbol)
                label = stock_label(stock) if stock else study.symbol
                if not study.studied and catalyst.basket.studied:
                    data_notes.append(
                        f"Event study, {catalyst.title}: {label} not studied "
                        f"({reader_reason(study.reason or 'no data')})."
                    )
                elif study.studied and catalyst.is_event:
                    # Reasons the basket's row already gives (the window is not complete
                    # for anyone yet) are not repeated per stock.
                    basket_reasons = {w.reason for w in catalyst.basket.windows}
                    data_notes.extend(
                        f"Event study, {catalyst.title}: {label}, CAR "
                        f"{window_label(w.start, w.end)}: {reader_reason(w.reason)}."
                        for w in study.windows
                        if w.reason and w.reason not in basket_reasons
                    )

    legend = (
        f"Cumulative abnormal returns (CAR) against the {benchmark_short} market model, over "
        f"bar windows from the event bar t0, each with its t-statistic; {SIGNIFICANT_MARK} "
        f"significant at 5 % (|t| > {CRITICAL_T})."
    )
    return ReactionView(
        window_labels=labels,
        catalysts=rows,
        catalyst_notes=notes,
        main_title=main.title if main is not None else "",
        main_date=fmt_date(main.date) if main is not None else "",
        main_rows=main_rows,
        main_lines=main_lines,
        what_moved=_what_moved(main),
        data_notes=data_notes,
        definitions=definitions(benchmark_short),
        legend=legend,
    )
