"""ThemeSnapshot and its parts: every number a note shows, as plain data.

Conventions, relied on by every renderer and by the JSON output:

* Returns are **fractions** (0.032 = +3.2 %). Excess returns are differences of
  fractions (0.011 = 1.1 percentage points). Missing values are ``None``, never
  guessed and never 0.
* Dates are ``datetime.date`` session dates; ``to_dict`` writes ISO strings.
* Keys are snake_case; ``SCHEMA_VERSION`` changes when a key is renamed or removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from concepttrack.reasons import Reason

if TYPE_CHECKING:
    from concepttrack.analytics.ah_model import AhPremium
    from concepttrack.analytics.consensus_model import Consensus, DateAhead
    from concepttrack.analytics.southbound import SouthboundFigures
    from concepttrack.analytics.valuation_model import ValuationFigures
    from concepttrack.prices.compare import CrossCheck

from concepttrack.analytics.event_model import EventStudies

SCHEMA_VERSION = 1

Status = Literal["fresh", "stale", "missing"]


@dataclass(frozen=True)
class WindowReturns:
    """``P[t] / P[base] - 1`` per window; see the analytics docstrings for each base."""

    one_day: float | None = None
    five_day: float | None = None
    one_month: float | None = None
    three_month: float | None = None
    six_month: float | None = None
    one_year: float | None = None
    ytd: float | None = None
    since_event: float | None = None


WINDOWS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(WindowReturns))


@dataclass(frozen=True)
class DataStatus:
    """Freshness of one symbol relative to the as-of session."""

    symbol: str
    status: Status
    last_session: dt.date | None
    #: Why it is stale or missing (from the price layer), None when fresh.
    reason: Reason | None = None
    #: Set when the sessions of the symbol's market after this date (exchange-calendars'
    #: horizon) were inferred from the bars the source returned, not known in advance.
    calendar_inferred_after: dt.date | None = None
    #: The source id that served the symbol's prices (a chain's member: ``yahoo``,
    #: ``csv:DIR``); None when nothing did.
    served_by: str | None = None
    #: Who the prices came from, in English ("Yahoo Finance", "CSV file 0941.HK.csv").
    vendor: str | None = None
    #: The file the prices were read from (a CSV source), its name only.
    source_file: str | None = None


@dataclass(frozen=True)
class Drawdown:
    """Max drawdown since the event: min of ``P / running max(P) - 1``, with dates."""

    max_drawdown: float | None = None
    peak_session: dt.date | None = None
    trough_session: dt.date | None = None


@dataclass(frozen=True)
class RiskFigures:
    """Volatility, drawdown and beta/correlation against the benchmark."""

    volatility_1y: float | None = None
    drawdown_since_event: Drawdown = field(default_factory=Drawdown)
    beta_1y: float | None = None
    correlation_1y: float | None = None


@dataclass(frozen=True)
class StockFigures:
    """Every figure for one constituent."""

    symbol: str
    code: str
    name: str
    name_zh: str | None
    currency: str | None
    status: DataStatus
    last_close: float | None = None
    last_session: dt.date | None = None
    returns: WindowReturns = field(default_factory=WindowReturns)
    excess: WindowReturns = field(default_factory=WindowReturns)
    volume: float | None = None
    volume_ratio: float | None = None
    avg_turnover_20d: float | None = None
    high_52w: float | None = None
    low_52w: float | None = None
    from_high_52w: float | None = None
    from_low_52w: float | None = None
    ma_20: float | None = None
    ma_50: float | None = None
    above_ma_20: bool | None = None
    above_ma_50: bool | None = None
    risk: RiskFigures = field(default_factory=RiskFigures)
    weight: float = 0.0
    contribution: float | None = None
    in_basket: bool = True
    #: Why the stock is left out of the basket (no price at the event base), else None.
    excluded_reason: Reason | None = None
    #: True when the source had a single close, served as both close and adj_close.
    adj_close_is_close: bool = False
    #: True when the source's only close is dividend-adjusted (a yf.download export):
    #: ``last_close``, the 52-week range and the moving averages are adjusted prices.
    close_is_adjusted: bool = False
    #: The constituent's weight in the basket now (at the basket's last session ``L``):
    #: ``n_i * P_i[L] / I[L]`` = base weight x price relative / basket relative. None
    #: outside the basket or without a basket level. ``weight`` is the base weight.
    weight_now: float | None = None
    #: The latest session (up to the stock's last bar) on which the close was a new
    #: 52-week high: at or above every close of the 365 calendar days to that session.
    #: Only sessions with a full 52 weeks of closes before them in the data are judged.
    last_new_high_52w: dt.date | None = None
    #: Likewise for a new 52-week low (at or below every close of those 365 days).
    last_new_low_52w: dt.date | None = None
    #: The (latest) sessions of ``high_52w`` and ``low_52w`` in the 52-week window.
    high_52w_session: dt.date | None = None
    low_52w_session: dt.date | None = None
    #: The analysts' consensus (``analytics/consensus.py``); None when the source has
    #: no fundamentals at all.
    consensus: Consensus | None = None
    #: Results and ex-dividend dates within 30 days after the session, by date.
    dates_ahead: list[DateAhead] = field(default_factory=list)

    #: The A/H premium of a stock with an A share (``analytics/ah_premium.py``), else None.
    ah_premium: AhPremium | None = None


@dataclass(frozen=True)
class BenchmarkFigures:
    """The theme's benchmark (default ``^HSI``)."""

    symbol: str
    status: DataStatus
    last_close: float | None = None
    last_session: dt.date | None = None
    returns: WindowReturns = field(default_factory=WindowReturns)
    risk: RiskFigures = field(default_factory=RiskFigures)


@dataclass(frozen=True)
class BasketFigures:
    """The buy-and-hold concept basket, level 100 at the event base session.

    The basket's figures end at its **last session** ``last_session``: the latest
    calendar session on or before the as-of session ``t`` on which at least one member
    has a real bar. ``status`` reuses the symbols' :data:`Status` words: *fresh* when
    ``last_session == t``, *stale* when older (no member traded on ``t``: every figure
    is as of ``last_session`` and the note marks it), *missing* without a level.
    """

    base_session: dt.date | None
    level: float | None = None
    returns: WindowReturns = field(default_factory=WindowReturns)
    excess: WindowReturns = field(default_factory=WindowReturns)
    risk: RiskFigures = field(default_factory=RiskFigures)
    #: Symbols left out of the basket, with why.
    excluded: dict[str, Reason] = field(default_factory=dict)
    #: Largest weight and Herfindahl index of the weights (1/n when equal).
    max_weight: float | None = None
    herfindahl: float | None = None
    #: The basket's last session (see above); None without a level.
    last_session: dt.date | None = None
    #: fresh / stale / missing, relative to the as-of session (see above).
    status: Status = "missing"
    #: Members with no bar on the basket's last session, carried at their last price.
    carried: list[str] = field(default_factory=list)
    #: Figures whose window starts before the base session, where the level is back-cast
    #: (the base holdings valued on earlier sessions): window names (``ytd``, ...) and
    #: ``volatility_1y``, ``beta_1y``, ``correlation_1y``, in that order.
    backcast: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Breadth:
    """Who moved on the as-of session, and who leads."""

    up: int = 0
    down: int = 0
    unchanged: int = 0
    #: Constituents with no bar on the as-of session (stale or missing).
    no_bar: int = 0
    #: Constituents with a bar on the as-of session but no 1D return (their first bar).
    no_return: int = 0
    share_above_ma_20: float | None = None
    share_above_ma_50: float | None = None
    #: The counts behind the shares: constituents with a bar and the 20-/50-bar average,
    #: and how many of them close above it (a note says "3 of 4", not "75.0%").
    above_ma_20: int = 0
    with_ma_20: int = 0
    above_ma_50: int = 0
    with_ma_50: int = 0
    leader_1d: str | None = None
    laggard_1d: str | None = None
    leader_since_event: str | None = None
    laggard_since_event: str | None = None


@dataclass(frozen=True)
class Correlation:
    """Pairwise correlation of 1Y daily returns on common dates."""

    symbols: list[str] = field(default_factory=list)
    matrix: list[list[float | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Series:
    """A dated series for charts (sessions and values of equal length)."""

    sessions: list[dt.date] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class ChartSeries:
    """Everything the charts draw, rebased to 100 at the event base session."""

    basket: Series = field(default_factory=Series)
    benchmark: Series = field(default_factory=Series)
    stocks: dict[str, Series] = field(default_factory=dict)


@dataclass(frozen=True)
class NarrativeFacts:
    """The facts the "what moved" paragraph needs, so renderers do no arithmetic."""

    basket_return_5d: float | None = None
    benchmark_return_5d: float | None = None
    excess_5d: float | None = None
    basket_return_1d: float | None = None
    benchmark_return_1d: float | None = None
    basket_since_event: float | None = None
    benchmark_since_event: float | None = None
    #: Sessions after the event base session up to ``t`` (the base is the session
    #: before the event, so this counts the event session itself).
    sessions_since_event: int | None = None
    #: Sessions after the event session (the first session on or after the event date)
    #: up to ``t``: how many sessions ago the event was. None when the event is after ``t``.
    sessions_after_event: int | None = None
    leader_1d: str | None = None
    leader_1d_return: float | None = None
    laggard_1d: str | None = None
    laggard_1d_return: float | None = None
    risers: int = 0
    fallers: int = 0
    unchanged: int = 0
    with_bar: int = 0
    stale_symbols: list[str] = field(default_factory=list)
    missing_symbols: list[str] = field(default_factory=list)
    #: The session the basket's figures are as of, and whether it is before ``t``
    #: (then no basket figure is today's: the paragraph must not say "today").
    basket_last_session: dt.date | None = None
    basket_stale: bool = False
    #: The basket's since-event excess over the benchmark, same window (None when the
    #: benchmark has no bar on the basket's last session).
    excess_since_event: float | None = None
    #: Basket members carried at their last price on the basket's last session.
    basket_carried: list[str] = field(default_factory=list)
    #: The benchmark's last bar, and whether it is before ``t``.
    benchmark_last_session: dt.date | None = None
    benchmark_stale: bool = False
    #: True when the benchmark has no bar on the basket's last session, so the basket's
    #: excess returns are missing (None): no same-window benchmark return exists.
    benchmark_behind_basket: bool = False


@dataclass(frozen=True)
class ThemeSnapshot:
    """Every number one note shows, for one theme at one as-of session. No I/O."""

    theme_id: str
    as_of: dt.date
    event_date: dt.date
    source: str
    demo: bool
    basket: BasketFigures
    benchmark: BenchmarkFigures
    stocks: list[StockFigures]
    breadth: Breadth
    correlation: Correlation
    narrative: NarrativeFacts
    series: ChartSeries = field(default_factory=ChartSeries)
    #: The event study of every catalyst (see :mod:`concepttrack.analytics.events`).
    events: EventStudies = field(default_factory=EventStudies)
    schema_version: int = SCHEMA_VERSION
    #: Fundamentals, weighting scheme and currency figures (``analytics/valuation.py``);
    #: None for a theme with nothing to add (equal or book weights, one currency, a
    #: source without fundamentals), whose JSON then has no ``valuation`` key.
    valuation: ValuationFigures | None = None
    #: ``--check-against``: each symbol's closes compared with a second source
    #: (``prices/compare.py``); None without one, and the JSON has no ``cross_check`` key.
    cross_check: CrossCheck | None = None

    #: Southbound (港股通) holdings of the HK stocks (``analytics/southbound.py``); None
    #: when the run's source offers none, whose JSON then has no ``southbound`` key.
    southbound: SouthboundFigures | None = None

    @property
    def statuses(self) -> list[DataStatus]:
        """Status of every constituent, then the benchmark."""
        return [s.status for s in self.stocks] + [self.benchmark.status]

    def stock(self, symbol: str) -> StockFigures:
        for figures in self.stocks:
            if figures.symbol == symbol:
                return figures
        raise KeyError(symbol)

    def to_dict(self, word: Callable[[Reason], str] = str) -> dict[str, Any]:
        """Plain JSON-able data (ISO dates, NaN/inf as None), unrounded.

        A reason field is written twice: as text, ``word(reason)`` (the note passes its
        English wording), and as ``<field>_coded``, its code and parameters.
        """
        plain: dict[str, Any] = _plain(self, word)
        if plain.get("valuation") is None:
            plain.pop("valuation", None)
        if self.cross_check is None:
            plain.pop("cross_check", None)
        else:
            plain["cross_check"] = self.cross_check.to_dict()

        if plain.get("southbound") is None:
            plain.pop("southbound", None)
        return plain


def _plain(value: Any, word: Callable[[Reason], str] = str) -> Any:
    if isinstance(value, Reason):
        return word(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            out[f.name] = _plain(item, word)
            if "Reason" in _REASON_WORDS.findall(str(f.type)):
                out[f"{f.name}_coded"] = _coded(item)
        return out
    if isinstance(value, dict):
        return {str(k): _plain(v, word) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, word) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_REASON_WORDS = re.compile(r"\w+")


def _coded(value: Any) -> Any:
    """A reason field's code and parameters (a dict of reasons: per key)."""
    if isinstance(value, Reason):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _coded(v) for k, v in value.items()}
    return None


@dataclass(frozen=True)
class SinceLastNote:
    """What changed between the previous archived note of a theme and this one."""

    previous_as_of: dt.date
    #: Basket and benchmark return from the previous note's as-of close to this one's.
    basket_change: float | None = None
    benchmark_change: float | None = None
    previous_leader: str | None = None
    new_leader: str | None = None
    previous_laggard: str | None = None
    new_laggard: str | None = None
    #: Symbols whose close reached a new 52-week high / low since the previous note.
    new_52w_highs: list[str] = field(default_factory=list)
    new_52w_lows: list[str] = field(default_factory=list)
    #: Symbols with a volume ratio above 2 on the as-of session, with the ratio.
    volume_spikes: dict[str, float] = field(default_factory=dict)
    became_stale: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    stocks_added: list[str] = field(default_factory=list)
    stocks_removed: list[str] = field(default_factory=list)
    #: Views (``source, date``) present now but not in the previous note.
    new_views: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.new_leader,
                self.new_laggard,
                self.new_52w_highs,
                self.new_52w_lows,
                self.volume_spikes,
                self.became_stale,
                self.recovered,
                self.stocks_added,
                self.stocks_removed,
                self.new_views,
            )
        )

    def to_dict(self) -> dict[str, Any]:
        plain: dict[str, Any] = _plain(self)
        return plain
