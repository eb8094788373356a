"""Valuation, weighting scheme and currency figures of a snapshot.

**Per stock** the note shows the latest fundamentals record dated on or before the
as-of session ``t`` (market cap in the stock's currency, trailing P/E, price-to-book,
dividend yield as a fraction) with that record's date; older cached figures are
shown with their date when a refresh failed, and ``problem`` says why.

**Basket aggregates**, by the index providers' convention, use the basket's weights
on its last session ``L`` in the theme currency, ``v_i = n_i * P_i[L] / I[L]`` (the
buy-and-hold weights after their drift since the base), renormalised over the
members that have the figure (``coverage`` is the weight share that has it):

* market cap: ``sum_i C_i * X_i`` over members with a cap, in the theme currency
  (``X_i`` the FX close on or before the record's date; 1 in the same currency);
* P/E and P/B: the weighted harmonic mean ``1 / sum_i (v_i / R_i)`` over members
  with a positive ratio (a loss-maker has no trailing P/E and is left out);
* dividend yield: the weighted mean ``sum_i v_i * y_i``.

**Currency.** Every symbol's currency is its source's (HKEX HKD, ``.SS``/``.SZ``
CNY, US tickers USD). A stock in another currency than the theme's gets its
since-event return in the theme currency too: ``V[s] / V[b] - 1`` with
``V = P * X``, ``X`` the latest FX close on or before each bar.

**FX gaps.** A pair with no close on or before the basket's last session ``L`` is
*missing*: its stocks have no value in the theme currency, are left out of the basket
(named, the reason saying the FX series is missing) and the theme's outcome is
incomplete. A pair whose last close is older than the FX session (weekday) before ``L``
is *stale*, like a stale stock; one from that session is *carried* (the FX day of ``L``
ends in New York, after Hong Kong's close), and is used as it is. :func:`fx_gaps`
gives the run both lists.

**Weighting.** Under any scheme but equal the snapshot carries these figures even
without fundamentals or FX, so that the equal-weight basket's since-event return is
shown beside the basket's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from concepttrack.analytics import metrics
from concepttrack.analytics.basket import Basket, build_basket, carry_to_sessions
from concepttrack.analytics.valuation_model import (
    BasketValuation,
    FxFigures,
    StockValuation,
    ValuationFigures,
    WeightingFigures,
)
from concepttrack.analytics.weights import WeightPlan, equal_weights, plan_weights
from concepttrack.reasons import Reason, reason
from concepttrack.symbols import currency_of, fx_symbol

if TYPE_CHECKING:
    from concepttrack.analytics.model import ThemeSnapshot
    from concepttrack.prices.frame import PriceFrame
    from concepttrack.prices.records import FundamentalsSet
    from concepttrack.themes import Theme


# --- preparation, before the basket --------------------------------------------------


@dataclass(frozen=True)
class Preparation:
    """What the basket needs from this module: FX series, weights and the plan."""

    fx: dict[str, pd.Series]
    plan: WeightPlan
    #: The symbols' currencies (stocks and benchmark).
    currencies: dict[str, str]
    fx_pairs: dict[str, str]


def symbol_currency(prices: PriceFrame, symbol: str) -> str:
    """The currency the source reports for ``symbol``, else the market's."""
    meta = prices.get(symbol).meta
    return meta.currency if meta is not None and meta.currency else currency_of(symbol)


def _through(series: pd.Series, t: dt.date) -> pd.Series:
    if not len(series):
        return series
    days = metrics.session_days(series.index)
    return series.iloc[: int(np.searchsorted(days, np.datetime64(t, "D"), side="right"))]


def fx_closes(prices: PriceFrame, pair: str, t: dt.date) -> pd.Series:
    """The FX pair's closes on its own bars up to ``t`` (empty when none)."""
    closes: pd.Series = prices.get(pair).bars["close"].astype("float64")
    closes = closes[closes.notna() & (closes > 0.0)]
    return _through(closes, t)


def prepare(
    theme: Theme,
    prices: PriceFrame,
    t: dt.date,
    calendar: pd.DatetimeIndex,
    closes: Mapping[str, pd.Series],
    base_session: dt.date | None,
) -> Preparation:
    """FX series per foreign stock and the weights of the theme's scheme."""
    symbols = [stock.symbol for stock in theme.stocks]
    currencies = {s: symbol_currency(prices, s) for s in [*symbols, theme.benchmark]}
    pairs = {s: fx_symbol(c, theme.currency) for s, c in currencies.items() if c != theme.currency}
    fx = {s: fx_closes(prices, pair, t) for s, pair in pairs.items()}
    base_closes: dict[str, float] = {}
    fx_at_base: dict[str, float] = {}
    if base_session is not None and len(calendar):
        position = metrics.last_position_on_or_before(metrics.session_days(calendar), base_session)
        one = calendar[position : position + 1] if position is not None else calendar[:0]
        for symbol in symbols:
            series = closes.get(symbol)
            if series is not None and len(series) and len(one):
                base_closes[symbol] = float(carry_to_sessions(series, one)[0])
            if symbol in fx and len(one):
                rate = fx[symbol]
                fx_at_base[symbol] = (
                    float(carry_to_sessions(rate, one)[0]) if len(rate) else math.nan
                )
    plan = plan_weights(
        theme.weighting_scheme,
        symbols,
        book_weights=theme.weights(),
        cap=theme.weight_cap if theme.weighting_scheme == "capped" else None,
        fundamentals=prices.fundamentals,
        base_session=base_session,
        base_closes=base_closes,
        fx_at_base=fx_at_base,
    )
    return Preparation(fx=fx, plan=plan, currencies=currencies, fx_pairs=pairs)


def to_theme_currency(series: pd.Series, rates: pd.Series | None) -> pd.Series:
    """``series`` (on its own bars) times the latest FX close on or before each bar;
    bars before the first FX close are dropped. Unchanged when ``rates`` is None."""
    if rates is None:
        return series
    values = series.to_numpy(dtype="float64", na_value=np.nan) * carry_to_sessions(
        rates, pd.DatetimeIndex(series.index)
    )
    converted = pd.Series(values, index=series.index, dtype="float64")
    return converted[np.isfinite(values)]


def wanted(theme: Theme, prices: PriceFrame, prep: Preparation) -> bool:
    """True when the snapshot should carry valuation figures (else the note is as before)."""
    fundamentals = prices.fundamentals
    return bool(
        (fundamentals is not None and fundamentals.available)
        or theme.weighting_scheme in ("cap", "capped")
        or prep.fx_pairs
        # Any scheme but equal shows the equal-weight basket's since-event return beside it.
        or theme.weighting_scheme != "equal"
    )


# --- after the basket ---------------------------------------------------------------


def _fundamentals_at(
    fundamentals: FundamentalsSet | None, symbol: str, t: dt.date
) -> tuple[StockValuationParts, Reason | None]:
    if fundamentals is None or not fundamentals.available:
        return StockValuationParts(), None
    record = fundamentals.on_or_before(symbol, t)
    problem = fundamentals.problems.get(symbol)
    if record is None:
        later = fundamentals.earliest_after(symbol, t)
        if later is not None and problem is None:
            problem = reason("figures_after_session", date=later.date)
        return StockValuationParts(), problem
    return (
        StockValuationParts(
            date=record.date,
            market_cap=record.market_cap,
            market_cap_currency=record.currency,
            shares_outstanding=record.shares_outstanding,
            trailing_pe=record.trailing_pe,
            price_to_book=record.price_to_book,
            dividend_yield=record.dividend_yield,
        ),
        problem,
    )


@dataclass(frozen=True)
class StockValuationParts:
    date: dt.date | None = None
    market_cap: float | None = None
    market_cap_currency: str | None = None
    shares_outstanding: float | None = None
    trailing_pe: float | None = None
    price_to_book: float | None = None
    dividend_yield: float | None = None


def _rate_on_or_before(
    prices: PriceFrame, pair: str, day: dt.date
) -> tuple[float | None, dt.date | None]:
    series = fx_closes(prices, pair, day)
    if not len(series):
        return None, None
    return float(series.iloc[-1]), pd.Timestamp(series.index[-1]).date()


def current_weights(basket: Basket) -> dict[str, float]:
    """``n_i * P_i[L] / I[L]``: the buy-and-hold weights on the basket's last session."""
    values = {s: basket.shares[s] * basket.last_prices[s] for s in basket.weights}
    total = math.fsum(v for v in values.values() if math.isfinite(v))
    if not total > 0:
        return {}
    return {s: v / total for s, v in values.items() if math.isfinite(v)}


def aggregates(
    weights: Mapping[str, float],
    caps_theme: Mapping[str, float | None],
    pe: Mapping[str, float | None],
    pb: Mapping[str, float | None],
    dividend: Mapping[str, float | None],
) -> BasketValuation:
    """Sum of caps, weighted harmonic means of P/E and P/B, weighted mean yield."""

    def harmonic(ratios: Mapping[str, float | None]) -> tuple[float | None, float]:
        have = {s: w for s, w in weights.items() if (ratios.get(s) or 0) > 0}
        covered = math.fsum(have.values())
        if not covered > 0:
            return None, 0.0
        inverse = math.fsum((w / covered) / float(ratios[s] or 0) for s, w in have.items())
        return (1.0 / inverse if inverse > 0 else None), covered

    def mean(values: Mapping[str, float | None]) -> tuple[float | None, float]:
        have = {s: w for s, w in weights.items() if values.get(s) is not None}
        covered = math.fsum(have.values())
        if not covered > 0:
            return None, 0.0
        return math.fsum(w / covered * float(values[s] or 0.0) for s, w in have.items()), covered

    with_cap = [caps_theme[s] for s in weights if caps_theme.get(s) is not None]
    cap_total = math.fsum(float(c or 0.0) for c in with_cap) if with_cap else None
    cap_cover = math.fsum(w for s, w in weights.items() if caps_theme.get(s) is not None)
    pe_value, pe_cover = harmonic(pe)
    pb_value, pb_cover = harmonic(pb)
    dy_value, dy_cover = mean(dividend)
    return BasketValuation(
        market_cap=cap_total,
        trailing_pe=pe_value,
        price_to_book=pb_value,
        dividend_yield=dy_value,
        coverage={
            "market_cap": cap_cover,
            "trailing_pe": pe_cover,
            "price_to_book": pb_cover,
            "dividend_yield": dy_cover,
        },
    )


def equal_basket_since_event(
    symbols: Sequence[str],
    adj_closes: Mapping[str, pd.Series],
    calendar: pd.DatetimeIndex,
    event_date: dt.date,
    fx: Mapping[str, pd.Series],
) -> float | None:
    """The since-event return of the equal-weight basket over the same stocks."""
    basket = build_basket(adj_closes, equal_weights(symbols), calendar, event_date, fx=fx)
    if basket.level.empty:
        return None
    return metrics.window_returns(basket.level, event_date).since_event


def build_valuation(
    theme: Theme,
    prices: PriceFrame,
    t: dt.date,
    prep: Preparation,
    basket: Basket,
    adj_closes: Mapping[str, pd.Series],
    calendar: pd.DatetimeIndex,
    theme_since_event: Mapping[str, float | None],
) -> ValuationFigures:
    """The valuation part of a snapshot, once the basket is built."""
    fundamentals = prices.fundamentals
    now_weights = current_weights(basket)
    stocks: list[StockValuation] = []
    caps_theme: dict[str, float | None] = {}
    for stock in theme.stocks:
        symbol = stock.symbol
        parts, problem = _fundamentals_at(fundamentals, symbol, t)
        currency = prep.currencies[symbol]
        cap_currency = parts.market_cap_currency or currency
        cap_theme: float | None = None
        if parts.market_cap is not None and parts.date is not None:
            if cap_currency == theme.currency:
                cap_theme = parts.market_cap
            else:
                rate, _ = _rate_on_or_before(
                    prices, fx_symbol(cap_currency, theme.currency), parts.date
                )
                cap_theme = parts.market_cap * rate if rate is not None else None
        caps_theme[symbol] = cap_theme
        pair = prep.fx_pairs.get(symbol)
        stamp = fundamentals.fetched_at.get(symbol) if fundamentals is not None else None
        fetched = stamp.date() if stamp is not None else None
        stocks.append(
            StockValuation(
                symbol=symbol,
                currency=currency,
                date=parts.date,
                market_cap=parts.market_cap,
                market_cap_currency=cap_currency if parts.market_cap is not None else None,
                market_cap_theme=cap_theme,
                shares_outstanding=parts.shares_outstanding,
                trailing_pe=parts.trailing_pe,
                price_to_book=parts.price_to_book,
                dividend_yield=parts.dividend_yield,
                fetched_on=fetched,
                problem=problem,
                fx_symbol=pair,
                since_event_theme=theme_since_event.get(symbol) if pair else None,
                current_weight=now_weights.get(symbol),
            )
        )
    by_symbol = {s.symbol: s for s in stocks}
    basket_valuation = aggregates(
        now_weights,
        caps_theme,
        {s: by_symbol[s].trailing_pe for s in now_weights},
        {s: by_symbol[s].price_to_book for s in now_weights},
        {s: by_symbol[s].dividend_yield for s in now_weights},
    )
    plan = prep.plan
    scheme = plan.scheme
    equal_return = None
    if scheme != "equal":
        equal_return = equal_basket_since_event(
            theme.symbols,
            adj_closes,
            calendar,
            theme.event_date,
            {s: r for s, r in prep.fx.items() if s in theme.symbols},
        )
    fx_rows = []
    for pair in dict.fromkeys(prep.fx_pairs.values()):
        base_rate, base_day = (
            _rate_on_or_before(prices, pair, basket.base_session)
            if basket.base_session is not None
            else (None, None)
        )
        end = basket.last_session or t
        last_rate, last_day = _rate_on_or_before(prices, pair, end)
        status, why = fx_status(prices, pair, last_day, end)
        fx_rows.append(
            FxFigures(
                symbol=pair,
                base_rate=base_rate,
                base_session=base_day,
                last_rate=last_rate,
                last_session=last_day,
                status=status,
                reason=why,
            )
        )
    return ValuationFigures(
        currency=theme.currency,
        weighting=WeightingFigures(
            scheme=scheme,
            cap=plan.cap,
            target_weights=dict(plan.weights),
            inputs=dict(plan.inputs),
            left_out=dict(plan.left_out),
            fallback=plan.fallback,
            passes=plan.passes,
            equal_since_event=equal_return,
        ),
        stocks=stocks,
        basket=basket_valuation,
        fx=fx_rows,
        fundamentals_available=bool(fundamentals is not None and fundamentals.available),
        fundamentals_source=fundamentals.source if fundamentals is not None else None,
        fundamentals_note=fundamentals.unavailable_reason if fundamentals is not None else None,
    )


# --- FX series missing or stale (the run's outcome) ----------------------------------


def fx_session_before(day: dt.date) -> dt.date:
    """The FX session (a weekday) before ``day``: the latest one sure to have closed when
    a Hong Kong session ``day`` has (the FX day ends in New York, after Hong Kong's)."""
    before = day - dt.timedelta(days=1)
    while before.weekday() >= 5:
        before -= dt.timedelta(days=1)
    return before


def fx_status(
    prices: PriceFrame, pair: str, last_day: dt.date | None, end: dt.date
) -> tuple[str, Reason | None]:
    """``(status, reason)`` of an FX pair whose latest close on or before the basket's last
    session ``end`` is dated ``last_day`` (see :class:`FxFigures`)."""
    history = prices.get(pair)
    problem = history.reason
    if last_day is None:
        return "missing", reason("fx_missing", why=problem or reason("no_data"))
    if last_day >= end:
        return "fresh", problem if history.failed else None
    if last_day >= fx_session_before(end):
        return "carried", problem if history.failed else None
    # As for a stale stock: the price layer's problem, else how old the last close is.
    return "stale", problem or reason("no_fx_since", date=last_day)


def fx_exclusion(prices: PriceFrame, pair: str, currency: str) -> Reason:
    """Why a stock is left out of the basket when its FX series ``pair`` has no close."""
    problem = prices.get(pair).reason or reason("no_data")
    return reason("fx_missing_value", pair=pair, why=problem, currency=currency)


@dataclass(frozen=True)
class FxGaps:
    """FX pairs a note lacks (its theme's outcome is incomplete) or has stale."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    #: One line per pair for the run summary: what is wrong and what it cost.
    lines: dict[str, str] = field(default_factory=dict)


def fx_gaps(snapshot: ThemeSnapshot) -> FxGaps:
    """The FX pairs of ``snapshot`` that are missing or stale, with the summary's why."""
    figures = snapshot.valuation
    if figures is None:
        return FxGaps()
    gaps = FxGaps()
    in_basket = {s.symbol: s.in_basket for s in snapshot.stocks}
    for fx in figures.fx:
        if fx.status not in ("missing", "stale"):
            continue
        users = [s.symbol for s in figures.stocks if s.fx_symbol == fx.symbol]
        if fx.status == "missing":
            gaps.missing.append(fx.symbol)
            left_out = [s for s in users if not in_basket.get(s, False)]
            cost = (
                f"{', '.join(left_out)} left out of the basket"
                if left_out
                else f"no {figures.currency} figures for {', '.join(users) or 'the benchmark'}"
            )
            gaps.lines[fx.symbol] = f"{fx.symbol} ({fx.reason}): {cost}"
        else:
            gaps.stale.append(fx.symbol)
            gaps.lines[fx.symbol] = f"{fx.symbol} ({fx.reason})"
    return gaps
