"""The event study's results as plain data (see :mod:`concepttrack.analytics.events`).

Same conventions as :mod:`concepttrack.analytics.model`: returns are fractions, missing
values are ``None`` (never 0, never guessed), dates are session dates. Every number is
kept unrounded; ``ThemeSnapshot.to_dict`` writes them to the note's JSON as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from concepttrack.reasons import Reason

#: Estimation window: bars ``t0-260`` .. ``t0-11`` (inclusive) of the security's series.
ESTIMATION_FIRST = -260
ESTIMATION_LAST = -11
#: Fewer (security, benchmark) return pairs than this and the security is not studied.
MIN_PAIRS = 120
#: The AR path kept for charts and the JSON: offsets -5 .. +20.
PATH_FIRST = -5
PATH_LAST = 20
#: CAR windows ``[a, b]`` in bar offsets from ``t0``.
CAR_WINDOWS: tuple[tuple[int, int], ...] = ((-1, 1), (0, 5), (0, 20))
#: ``|t|`` above this is significant at 5 % (two-sided, normal approximation).
CRITICAL_T = 1.96

#: Why a security or a catalyst could not be studied.
#:
#: * ``after_as_of``: the catalyst's date is after the as-of session;
#: * ``no_data``: the security has no returns at all;
#: * ``before_data``: the estimation window lies before the data (the security's data
#:   start after the catalyst, or the benchmark's returns start after the window ends);
#: * ``no_event_bar``: the security has no bar on or after the catalyst's date (up to
#:   its last bar: suspended or stale since before the catalyst);
#: * ``not_enough_history``: fewer than 120 (security, benchmark) return pairs in the
#:   estimation window;
#: * ``flat_benchmark``: the benchmark's returns do not vary in the estimation window, so
#:   beta has no estimate (or the residuals are all 0, so ``sigma`` is 0).
StudyReason = Literal[
    "after_as_of",
    "no_data",
    "before_data",
    "no_event_bar",
    "not_enough_history",
    "flat_benchmark",
]

#: Why one window's CAR is null although the security was studied.
#:
#: * ``window_incomplete``: bar ``t0+b`` is not in the data yet (after the as-of
#:   session, or after a stale security's last bar);
#: * ``missing_ar``: an abnormal return in the window is null (no benchmark return
#:   on that date).
WindowReason = Literal["window_incomplete", "missing_ar"]


@dataclass(frozen=True)
class ArPoint:
    """The abnormal return on bar ``t0 + offset`` and the cumulative AR from ``t0-5``."""

    offset: int
    #: The bar's session; None when the bar is not in the data (before the first bar or
    #: after the last one).
    session: dt.date | None = None
    #: ``AR = R - alpha - beta * R_m``; None without a bar or a benchmark return.
    ar: float | None = None
    #: Sum of AR from offset -5 to this offset; None from the first null AR on.
    cumulative: float | None = None


@dataclass(frozen=True)
class CarWindow:
    """The cumulative abnormal return over bars ``t0+start`` .. ``t0+end`` and its t."""

    start: int
    end: int
    #: Sessions of the first and last bars of the window, when they are in the data.
    first_session: dt.date | None = None
    last_session: dt.date | None = None
    #: Sum of AR over the window; None when not studied, incomplete or a null AR.
    car: float | None = None
    #: ``car / (sigma * sqrt(end - start + 1))``.
    t: float | None = None
    #: ``abs(t) > 1.96`` (5 % two-sided); None with no t.
    significant: bool | None = None
    #: Why ``car`` is None although the security was studied, else None.
    reason_code: WindowReason | None = None
    reason: Reason | None = None


@dataclass(frozen=True)
class EventStudy:
    """The market-model event study of one security (a stock or the basket) and catalyst."""

    #: The stock's symbol, or ``"basket"``.
    symbol: str
    #: True when the market model was estimated (``alpha``, ``beta``, ``sigma`` set).
    studied: bool = False
    reason_code: StudyReason | None = None
    #: Why not studied (a reason code and its parameters), else None.
    reason: Reason | None = None
    #: The event bar: the security's first bar on or after the catalyst's date.
    t0: dt.date | None = None
    #: First and last sessions of the estimation window (bars ``t0-260`` .. ``t0-11``).
    estimation_start: dt.date | None = None
    estimation_end: dt.date | None = None
    #: (security, benchmark) return pairs the model was fitted on.
    n: int = 0
    alpha: float | None = None
    beta: float | None = None
    #: Residual standard deviation, ``sqrt(sum(e^2) / (n - 2))``.
    sigma: float | None = None
    #: Offsets -5 .. +20 (26 points; empty when there is no event bar).
    ar_path: list[ArPoint] = field(default_factory=list)
    #: The CAR windows ``[-1, +1]``, ``[0, +5]``, ``[0, +20]``, in that order.
    windows: list[CarWindow] = field(default_factory=list)


@dataclass(frozen=True)
class Overlap:
    """Another catalyst whose date falls inside this catalyst's estimation window."""

    date: dt.date
    title: str


@dataclass(frozen=True)
class CatalystStudy:
    """One catalyst (the theme's event or one of its catalysts), studied for every security."""

    date: dt.date
    title: str
    #: True for the theme's main event.
    is_event: bool
    #: The basket as a security (renormalised weights on each date).
    basket: EventStudy
    #: One per constituent, in book order.
    stocks: list[EventStudy] = field(default_factory=list)
    #: Catalysts dated inside the basket's estimation window (their reaction is then part
    #: of what the market model calls normal).
    overlaps: list[Overlap] = field(default_factory=list)

    def stock(self, symbol: str) -> EventStudy:
        for study in self.stocks:
            if study.symbol == symbol:
                return study
        raise KeyError(symbol)


@dataclass(frozen=True)
class EventStudies:
    """The event study of every catalyst, in date order (the main event included)."""

    benchmark: str = ""
    #: The definitions' constants, so a reader of the JSON needs nothing else.
    estimation_offsets: tuple[int, int] = (ESTIMATION_FIRST, ESTIMATION_LAST)
    min_pairs: int = MIN_PAIRS
    path_offsets: tuple[int, int] = (PATH_FIRST, PATH_LAST)
    car_windows: list[tuple[int, int]] = field(default_factory=lambda: list(CAR_WINDOWS))
    critical_t: float = CRITICAL_T
    catalysts: list[CatalystStudy] = field(default_factory=list)

    @property
    def main(self) -> CatalystStudy | None:
        """The study of the theme's main event (None without catalysts)."""
        return next((c for c in self.catalysts if c.is_event), None)
