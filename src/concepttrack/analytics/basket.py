"""The concept basket, contributions, breadth, leadership and the correlation matrix.

**Basket.** The basket is bought at the *event base session* (the last session of
the theme's calendar strictly before the event date: the close before the news)
and held. With weights ``w_i`` (equal unless the theme gives them, normalised to
sum to 1 over the constituents in the basket) it holds ``n_i = w_i * 100 / P_i[base]``
shares of each, and its level on every calendar session ``d`` is
``I[d] = sum_i n_i * P_i[d]``, so ``I[base] = 100``. ``P`` is the adjusted close; a
constituent with no bar on a session (suspension) carries its last price. A
constituent with no price at the base session (no data, or listed after it) is
left out and named, and the others' weights are renormalised. Sessions before any
member's first bar have no level. Basket window returns, volatility, drawdown and
beta use ``I`` exactly as a stock's use ``P``.

**Basket last session.** The basket's last session ``L`` is the latest calendar
session on or before ``t`` on which at least one member has a real bar (not a
carried price). The level ``I`` ends at ``L``: the basket's window returns, risk
figures and chart series are as of ``L``, exactly as a stale stock's figures are as
of its own last bar. When ``L < t`` the basket is *stale* (no member traded on
``t``); with ``L == t`` it is *fresh*, and members without a bar on ``t`` (a subset)
are carried at their last price as above, and named (``Basket.carried``).

**Currency.** The basket is measured in the theme's currency. A member priced in
another currency is valued, on every calendar session ``d``, at its latest adjusted
close on or before ``d`` times the latest FX close on or before ``d`` (``fx``: the
price of one unit of its currency in the theme's), so FX moves a holding even on a
day its own market is shut. ``P_i`` above is then that converted value; a member
in the theme's currency is unchanged. A member with no FX close at the base is left
out and named.

**Contribution** of a member since the event is ``w_i * R_i`` with
``R_i = P_i[t] / P_i[base] - 1``; contributions sum to the basket's since-event
return ``I[t] / I[base] - 1``.

**Breadth** (up / down / unchanged, share above the averages) and the **1D leader and
laggard** count only constituents with a bar on the as-of session, so a stale number
is never presented as today's move. The **since-event leader and laggard** rank every
constituent that has a since-event return, stale ones included: a stale stock's
since-event return is a valid figure as of its last bar (the note flags it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from concepttrack.analytics.metrics import (
    MIN_RETURNS,
    RETURNS_1Y,
    FloatArray,
    last_position_before,
    session_days,
)
from concepttrack.analytics.model import Breadth, Correlation
from concepttrack.reasons import Reason, reason


@dataclass(frozen=True)
class Basket:
    """A buy-and-hold basket: its level ``I`` and how it was built."""

    #: The last calendar session strictly before the event date; None when there is none.
    base_session: dt.date | None
    #: ``I[d]`` on each calendar session up to the basket's last session on which every
    #: member has a price (carried over sessions without a bar).
    level: pd.Series
    #: Members in theme order, with their effective weights (summing to 1).
    weights: dict[str, float] = field(default_factory=dict)
    #: ``n_i = w_i * 100 / P_i[base]``.
    shares: dict[str, float] = field(default_factory=dict)
    #: ``P_i[base]`` (adjusted close at or carried to the base session).
    base_prices: dict[str, float] = field(default_factory=dict)
    #: ``P_i[L]`` (adjusted close at or carried to the basket's last session ``L``).
    last_prices: dict[str, float] = field(default_factory=dict)
    #: Constituents left out, with why.
    excluded: dict[str, Reason] = field(default_factory=dict)
    #: ``L``: the latest calendar session <= ``t`` on which a member has a real bar;
    #: None without members. The level ends here; ``L < t`` means the basket is stale.
    last_session: dt.date | None = None
    #: Members with no bar on ``L`` (their price at ``L`` is carried), in theme order.
    carried: list[str] = field(default_factory=list)

    @property
    def members(self) -> list[str]:
        """Symbols in the basket, in theme order."""
        return list(self.weights)


def event_base_session(sessions: pd.DatetimeIndex, event_date: dt.date) -> dt.date | None:
    """The last session strictly before ``event_date`` (the close before the news), or None."""
    days = session_days(sessions)
    position = last_position_before(days, event_date)
    return None if position is None else pd.Timestamp(days[position]).date()


def carry_to_sessions(prices: pd.Series, sessions: pd.DatetimeIndex) -> FloatArray:
    """The last price on or before each session (carried over suspensions); NaN before any."""
    values = np.asarray(prices.to_numpy(dtype="float64", na_value=np.nan))
    positions = np.searchsorted(session_days(prices.index), session_days(sessions), side="right")
    carried = np.full(len(positions), np.nan)
    has_price = positions > 0
    carried[has_price] = values[positions[has_price] - 1]
    return carried


def build_basket(
    adj_closes: Mapping[str, pd.Series],
    weights: Mapping[str, float],
    sessions: pd.DatetimeIndex,
    event_date: dt.date,
    fx: Mapping[str, pd.Series] | None = None,
) -> Basket:
    """The basket level ``I[d]`` on ``sessions`` (already cut at ``t``), bought at the event base.

    With no session before the event date, or an event after ``t`` (the news has not
    happened yet), there is no base: the level is empty and every constituent is named.
    The level ends at the basket's last session ``L`` (the latest session on which a
    member has a real bar); members without a bar on ``L`` are ``carried``.
    ``weights`` gives every constituent in theme order (normalised book weights);
    ``adj_closes`` gives each one's adjusted closes on its own bars up to ``t``
    (a constituent absent from it has no data). ``fx`` gives, for a member in another
    currency, the FX closes converting it to the theme currency (see the module
    docstring); members absent from it are in the theme currency.
    """
    empty_level = pd.Series([], index=pd.DatetimeIndex([], name="session"), dtype="float64")
    base_session = event_base_session(sessions, event_date)
    last_session = pd.Timestamp(sessions[-1]).date() if len(sessions) else None
    if base_session is None or last_session is None or event_date > last_session:
        why = (
            reason("no_session_before_event", date=event_date)
            if base_session is None or last_session is None
            else reason("event_after_as_of", date=event_date, as_of=last_session)
        )
        return Basket(None, empty_level, excluded=dict.fromkeys(weights, why))
    base_position = int(
        np.searchsorted(session_days(sessions), np.datetime64(base_session, "D"), side="left")
    )

    carried: dict[str, FloatArray] = {}
    excluded: dict[str, Reason] = {}
    for symbol in weights:
        prices = adj_closes.get(symbol)
        if prices is None or prices.empty:
            excluded[symbol] = reason("no_price_data")
            continue
        column = carry_to_sessions(prices, sessions)
        rates = (fx or {}).get(symbol)
        if rates is not None:
            column = column * carry_to_sessions(rates, sessions)
        base_price = column[base_position]
        if (
            rates is not None
            and not np.isfinite(base_price)
            and np.isfinite(carry_to_sessions(prices, sessions)[base_position])
        ):
            excluded[symbol] = reason("no_fx_at_base", date=base_session)
            continue
        if not (np.isfinite(base_price) and base_price > 0):
            first = pd.Timestamp(prices.index[0]).date()
            excluded[symbol] = reason("no_price_at_base", base=base_session, first=first)
            continue
        carried[symbol] = column

    total = sum(weights[symbol] for symbol in carried)
    if not carried or total <= 0:
        if carried:
            for symbol in carried:
                excluded[symbol] = reason("zero_weight")
        return Basket(base_session, empty_level, excluded=excluded)

    members = list(carried)
    effective = {symbol: weights[symbol] / total for symbol in members}
    matrix = np.column_stack([carried[symbol] for symbol in members])
    base_prices = matrix[base_position]
    share_counts = np.array([effective[s] for s in members]) * 100.0 / base_prices
    level_values = matrix @ share_counts

    # The basket's last session: the latest calendar session with a real member bar.
    calendar_days = session_days(sessions)
    traded = np.column_stack(
        [np.isin(calendar_days, session_days(adj_closes[symbol].index)) for symbol in members]
    )
    on_session = np.flatnonzero(traded.any(axis=1))
    last_position = int(on_session[-1]) if len(on_session) else len(calendar_days) - 1
    through = np.arange(len(level_values)) <= last_position
    defined = np.isfinite(level_values) & through
    level = pd.Series(
        level_values[defined],
        index=pd.DatetimeIndex(sessions[defined], name="session"),
        dtype="float64",
    )
    return Basket(
        base_session=base_session,
        level=level,
        weights=effective,
        shares={s: float(n) for s, n in zip(members, share_counts, strict=True)},
        base_prices={s: float(p) for s, p in zip(members, base_prices, strict=True)},
        last_prices={s: float(p) for s, p in zip(members, matrix[last_position], strict=True)},
        excluded=excluded,
        last_session=pd.Timestamp(calendar_days[last_position]).date(),
        carried=[s for i, s in enumerate(members) if not traded[last_position, i]],
    )


def contributions(basket: Basket) -> dict[str, float]:
    """``w_i * (P_i[t] / P_i[base] - 1)`` per member; they sum to the basket since-event return."""
    return {
        symbol: weight * (basket.last_prices[symbol] / basket.base_prices[symbol] - 1.0)
        for symbol, weight in basket.weights.items()
    }


def herfindahl(weights: Mapping[str, float]) -> float | None:
    """Sum of squared weights (1/n when equal); None for no weights."""
    if not weights:
        return None
    return float(sum(w * w for w in weights.values()))


# --- breadth and leadership ----------------------------------------------------------


@dataclass(frozen=True)
class ConstituentDay:
    """What breadth needs to know about one constituent on the as-of session."""

    symbol: str
    #: True when the constituent has a bar on the as-of session itself.
    has_bar: bool
    one_day: float | None = None
    since_event: float | None = None
    above_ma_20: bool | None = None
    above_ma_50: bool | None = None


def leader_and_laggard(values: Mapping[str, float | None]) -> tuple[str | None, str | None]:
    """Highest and lowest value (ties: first in order); both None without two distinct values."""
    known = [(symbol, value) for symbol, value in values.items() if value is not None]
    if len(known) < 2:
        return None, None
    leader = max(known, key=lambda item: item[1])
    laggard = min(known, key=lambda item: item[1])
    if leader[1] == laggard[1]:
        return None, None
    return leader[0], laggard[0]


def _share(flags: list[bool | None]) -> float | None:
    known = [flag for flag in flags if flag is not None]
    return sum(known) / len(known) if known else None


def breadth(constituents: Sequence[ConstituentDay]) -> Breadth:
    """Up/down/unchanged on the as-of session, share above MA20/MA50, leaders and laggards.

    Only constituents with a bar on the as-of session count (the others are ``no_bar``);
    one with a bar but no 1D return (its first bar) is ``no_return``. Shares above the
    averages are over those with a bar and the average; the 1D leader and laggard are
    among those with a bar. The since-event leader and laggard rank every constituent
    with a since-event return, stale ones included (their figure is as of their last
    bar and is flagged by the note). See :func:`leader_and_laggard`.
    """
    today = [c for c in constituents if c.has_bar]
    up = sum(1 for c in today if c.one_day is not None and c.one_day > 0)
    down = sum(1 for c in today if c.one_day is not None and c.one_day < 0)
    unchanged = sum(1 for c in today if c.one_day is not None and c.one_day == 0)
    leader_1d, laggard_1d = leader_and_laggard({c.symbol: c.one_day for c in today})
    leader_event, laggard_event = leader_and_laggard(
        {c.symbol: c.since_event for c in constituents}
    )
    return Breadth(
        up=up,
        down=down,
        unchanged=unchanged,
        no_bar=len(constituents) - len(today),
        no_return=sum(1 for c in today if c.one_day is None),
        share_above_ma_20=_share([c.above_ma_20 for c in today]),
        share_above_ma_50=_share([c.above_ma_50 for c in today]),
        above_ma_20=sum(1 for c in today if c.above_ma_20),
        with_ma_20=sum(1 for c in today if c.above_ma_20 is not None),
        above_ma_50=sum(1 for c in today if c.above_ma_50),
        with_ma_50=sum(1 for c in today if c.above_ma_50 is not None),
        leader_1d=leader_1d,
        laggard_1d=laggard_1d,
        leader_since_event=leader_event,
        laggard_since_event=laggard_event,
    )


def correlation_matrix(returns: Mapping[str, pd.Series], symbols: Sequence[str]) -> Correlation:
    """Pairwise Pearson correlation of each symbol's last 252 daily returns, on common dates.

    Each pair uses the dates both have (at least 20, else None); rows and columns are in
    ``symbols`` order, and a symbol without returns has a row of None.
    """
    columns = {
        symbol: returns[symbol].iloc[-RETURNS_1Y:]
        for symbol in symbols
        if symbol in returns and not returns[symbol].empty
    }
    order = list(symbols)
    if columns:
        frame = pd.DataFrame(columns).corr(method="pearson", min_periods=MIN_RETURNS)
        values = frame.reindex(index=order, columns=order).to_numpy(dtype="float64")
    else:
        values = np.full((len(order), len(order)), np.nan)
    matrix: list[list[float | None]] = [
        [max(-1.0, min(1.0, float(v))) if np.isfinite(v) else None for v in row] for row in values
    ]
    return Correlation(symbols=order, matrix=matrix)
