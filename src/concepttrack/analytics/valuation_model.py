"""The valuation, weighting and currency figures of a snapshot, as plain data.

Computed by :mod:`concepttrack.analytics.valuation` (see its docstring for every
definition) and carried by :attr:`~concepttrack.analytics.model.ThemeSnapshot.valuation`.
Kept apart from the computation so that the snapshot model does not import it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from concepttrack.analytics.weights import CapInput
from concepttrack.reasons import Reason

__all__ = [
    "BasketValuation",
    "FxFigures",
    "StockValuation",
    "ValuationFigures",
    "WeightingFigures",
]


@dataclass(frozen=True)
class StockValuation:
    """One constituent's fundamentals as of the note, and its theme-currency figures."""

    symbol: str
    #: Currency of the stock's prices (local currency).
    currency: str
    #: The date the figures describe; None without a record on or before the as-of.
    date: dt.date | None = None
    market_cap: float | None = None
    #: Currency of ``market_cap`` as the source gave it (else the price currency).
    market_cap_currency: str | None = None
    #: ``market_cap`` in the theme currency (FX close on or before ``date``).
    market_cap_theme: float | None = None
    shares_outstanding: float | None = None
    trailing_pe: float | None = None
    price_to_book: float | None = None
    #: A fraction (0.045 = 4.5 %).
    dividend_yield: float | None = None
    #: The day (UTC) the figures were last fetched from the source (None: never).
    fetched_on: dt.date | None = None
    #: Why figures are missing or were not refreshed; None when all is well.
    problem: Reason | None = None
    #: The FX pair converting the stock to the theme currency (None: same currency).
    fx_symbol: str | None = None
    #: The since-event return in the theme currency (None in the same currency).
    since_event_theme: float | None = None
    #: The basket's weight of the stock on its last session (after drift), theme currency.
    current_weight: float | None = None


@dataclass(frozen=True)
class BasketValuation:
    """The basket's aggregates (see the module docstring), with their coverage."""

    market_cap: float | None = None
    trailing_pe: float | None = None
    price_to_book: float | None = None
    dividend_yield: float | None = None
    #: Share of the basket's current weight that has each figure (0..1).
    coverage: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FxFigures:
    """One FX pair the basket uses: its closes at the base and at the basket's end."""

    symbol: str
    base_rate: float | None = None
    base_session: dt.date | None = None
    last_rate: float | None = None
    last_session: dt.date | None = None
    #: fresh (a close on the basket's last session ``L``), carried (the latest close is
    #: from the FX session before ``L``: the FX day of ``L`` had not closed when Hong
    #: Kong did), stale (older than that), missing (no close on or before ``L``).
    status: str = "missing"
    #: Why the pair is stale or missing, or why the price layer could not get it.
    reason: Reason | None = None


@dataclass(frozen=True)
class WeightingFigures:
    """The scheme in force, the weights it fixed at the base, and the equal-weight basket."""

    scheme: str
    cap: float | None = None
    #: Weights fixed at the base session, before members without a price are dropped.
    target_weights: dict[str, float] = field(default_factory=dict)
    #: Cap weights: shares, their date and rule, base close, FX and market cap per stock.
    inputs: dict[str, CapInput] = field(default_factory=dict)
    left_out: dict[str, Reason] = field(default_factory=dict)
    fallback: Reason | None = None
    passes: int = 0
    #: The equal-weight basket over the same stocks: its since-event return (theme currency).
    equal_since_event: float | None = None


@dataclass(frozen=True)
class ValuationFigures:
    """Everything issue-11 adds to a snapshot: currency, weighting, fundamentals."""

    currency: str
    weighting: WeightingFigures
    stocks: list[StockValuation] = field(default_factory=list)
    basket: BasketValuation = field(default_factory=BasketValuation)
    fx: list[FxFigures] = field(default_factory=list)
    #: False when the source gave no fundamentals at all (the columns are left out).
    fundamentals_available: bool = False
    fundamentals_source: str | None = None
    #: Why fundamentals are unavailable (no fundamentals.csv), else None.
    fundamentals_note: Reason | None = None
