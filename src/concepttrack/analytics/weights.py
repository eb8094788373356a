"""Basket weighting schemes, fixed at the event base session: equal, custom, cap, capped.

Weights are chosen once, at the base session ``b`` (the close before the news), and
the basket is then bought and held (:mod:`.basket`), whatever the scheme:

* **equal**: ``w_i = 1 / n``.
* **custom**: the stocks' ``weight`` from the themes book, normalised to sum to 1.
* **cap**: ``w_i = C_i / sum_j C_j`` with the market cap at the base session
  ``C_i = S_i * P_i[b] * X_i[b]``: ``S_i`` the shares outstanding from the stock's
  latest fundamentals record dated on or before ``b``, or else (no record that old)
  its earliest record after ``b`` (which one was used is recorded per stock);
  ``P_i[b]`` the traded close on or carried to ``b``; ``X_i[b]`` the FX close
  converting the stock's currency to the theme's (1 for the same currency). A stock
  without shares outstanding is left out of the basket and named; when no stock has
  them the basket falls back to equal weights, and says so.
* **capped**: cap weights, then no weight above the cap ``c``: every weight above
  ``c`` is set to ``c`` and the excess is shared among the others in proportion to
  their weights; repeated until none is above ``c`` (a stock pushed over the cap by
  the shared excess is capped in the next pass). Needs ``c * n >= 1``.

Plain data in, plain data out; no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from concepttrack.reasons import Reason, reason

if TYPE_CHECKING:
    from concepttrack.prices.records import FundamentalsSet

#: Slack when comparing a weight with the cap (floating-point sums).
CAP_TOLERANCE = 1e-12


@dataclass(frozen=True)
class CapInput:
    """How one stock's market cap at the base session was made."""

    symbol: str
    shares_outstanding: float
    #: The date of the fundamentals record the share count came from.
    shares_date: dt.date
    #: "on or before base" or "after base" (no record dated on or before the base).
    shares_rule: str
    base_close: float
    fx_rate: float
    #: ``S * P[b] * X[b]``, in the theme currency.
    market_cap: float


@dataclass(frozen=True)
class WeightPlan:
    """The weights fixed at the base and how they were reached."""

    scheme: str
    #: Weights per symbol in theme order (summing to 1); a left-out symbol is absent.
    weights: dict[str, float]
    cap: float | None = None
    inputs: dict[str, CapInput] = field(default_factory=dict)
    #: Symbols left out by the scheme (no shares outstanding), with why.
    left_out: dict[str, Reason] = field(default_factory=dict)
    #: Why the scheme could not be applied (then the weights are equal), else None.
    fallback: Reason | None = None
    #: Passes of the capping iteration (0 unless capped).
    passes: int = 0


def equal_weights(symbols: Sequence[str]) -> dict[str, float]:
    """``1 / n`` each."""
    return {symbol: 1.0 / len(symbols) for symbol in symbols} if symbols else {}


def normalised(raw: Mapping[str, float]) -> dict[str, float]:
    """``raw`` scaled to sum to 1 (empty when the total is not positive)."""
    total = math.fsum(raw.values())
    if not total > 0:
        return {}
    return {symbol: value / total for symbol, value in raw.items()}


def capped_weights(weights: Mapping[str, float], cap: float) -> tuple[dict[str, float], int]:
    """Weights with none above ``cap``, the excess shared pro rata, iterated.

    Returns the weights (same order) and the number of passes that capped something.
    Raises ValueError when ``cap * n < 1`` (no such weights exist).
    """
    if cap * len(weights) < 1 - CAP_TOLERANCE:
        raise ValueError(f"a cap of {cap:g} cannot hold {len(weights)} weights summing to 1")
    current = normalised(weights)
    capped: set[str] = set()
    passes = 0
    while True:
        over = [s for s, w in current.items() if s not in capped and w > cap + CAP_TOLERANCE]
        if not over:
            break
        passes += 1
        capped.update(over)
        free = [s for s in current if s not in capped]
        room = 1.0 - cap * len(capped)
        free_total = math.fsum(current[s] for s in free)
        updated = {}
        for symbol, weight in current.items():
            if symbol in capped:
                updated[symbol] = cap
            elif free_total > 0:
                updated[symbol] = weight * room / free_total
            else:
                updated[symbol] = 0.0
        current = updated
    return current, passes


def cap_inputs(
    symbols: Sequence[str],
    fundamentals: FundamentalsSet | None,
    base_session: dt.date,
    base_closes: Mapping[str, float],
    fx_at_base: Mapping[str, float],
) -> tuple[dict[str, CapInput], dict[str, Reason]]:
    """Each stock's market cap at the base (see the module docstring), and who has none."""
    inputs: dict[str, CapInput] = {}
    missing: dict[str, Reason] = {}
    for symbol in symbols:
        close = base_closes.get(symbol)
        if close is None or not math.isfinite(close) or close <= 0:
            continue  # no price at the base: the basket leaves it out with its own reason
        rate = fx_at_base.get(symbol, 1.0)
        if not (math.isfinite(rate) and rate > 0):
            missing[symbol] = reason("no_fx_for_cap")
            continue
        record, rule = None, ""
        if fundamentals is not None:
            before = [
                r
                for r in fundamentals.records.get(symbol, [])
                if r.date <= base_session and r.shares_outstanding
            ]
            after = [
                r
                for r in fundamentals.records.get(symbol, [])
                if r.date > base_session and r.shares_outstanding
            ]
            if before:
                record, rule = max(before, key=lambda r: r.date), "on or before base"
            elif after:
                record, rule = min(after, key=lambda r: r.date), "after base"
        if record is None or record.shares_outstanding is None:
            missing[symbol] = reason("no_shares_for_cap")
            continue
        shares = record.shares_outstanding
        inputs[symbol] = CapInput(
            symbol=symbol,
            shares_outstanding=shares,
            shares_date=record.date,
            shares_rule=rule,
            base_close=close,
            fx_rate=rate,
            market_cap=shares * close * rate,
        )
    return inputs, missing


def plan_weights(
    scheme: str,
    symbols: Sequence[str],
    *,
    book_weights: Mapping[str, float],
    cap: float | None = None,
    fundamentals: FundamentalsSet | None = None,
    base_session: dt.date | None = None,
    base_closes: Mapping[str, float] | None = None,
    fx_at_base: Mapping[str, float] | None = None,
) -> WeightPlan:
    """The weights of ``scheme`` for ``symbols`` (theme order).

    ``book_weights`` are the theme's normalised weights (equal or custom), used as
    they are for ``equal`` and ``custom``. ``cap`` and ``capped`` need the base
    session, each stock's close there and the fundamentals.
    """
    if scheme not in ("cap", "capped"):
        return WeightPlan(scheme, {s: book_weights[s] for s in symbols})
    if base_session is None:
        return WeightPlan(
            scheme,
            dict(book_weights),
            cap=cap if scheme == "capped" else None,
            fallback=reason("no_base_equal"),
        )
    inputs, missing = cap_inputs(
        symbols, fundamentals, base_session, base_closes or {}, fx_at_base or {}
    )
    if not inputs:
        return WeightPlan(
            scheme,
            equal_weights(symbols),
            cap=cap if scheme == "capped" else None,
            fallback=reason("no_shares_equal"),
        )
    # Stocks without a base close stay in with weight 0: the basket names them.
    raw = {s: inputs[s].market_cap if s in inputs else 0.0 for s in symbols if s not in missing}
    weights = normalised(raw)
    passes = 0
    if scheme == "capped":
        limit = cap if cap is not None else 0.25
        priced = {s: w for s, w in weights.items() if s in inputs}
        if limit * len(priced) < 1 - CAP_TOLERANCE:
            return WeightPlan(
                scheme,
                equal_weights(symbols),
                cap=limit,
                inputs=inputs,
                fallback=reason("too_few_caps_equal", n=len(priced), cap=limit),
            )
        capped, passes = capped_weights(priced, limit)
        weights = {s: capped.get(s, 0.0) for s in weights}
        cap = limit
    return WeightPlan(
        scheme,
        weights,
        cap=cap if scheme == "capped" else None,
        inputs=inputs,
        left_out=missing,
        passes=passes,
    )
