"""``build_snapshot``: every number one note shows, for one theme at one as-of session.

Inputs are plain data (a :class:`~concepttrack.themes.Theme`, a
:class:`~concepttrack.prices.frame.PriceFrame` and the theme's exchange sessions);
there is no I/O, no clock and no calendar lookup here.

Rules the snapshot follows (the metric definitions are in :mod:`.metrics` and
:mod:`.basket`):

* **As-of session.** ``as_of`` is snapped to the last session in ``sessions`` on or
  before it, so a weekend or holiday gives the previous session's snapshot. Only
  bars on or before that session ``t`` are used: data after ``t`` changes nothing.
* **Data status** per symbol: *fresh* when its last bar on or before ``t`` is ``t``
  (or, for a symbol of another market given in ``own_sessions``, that market's last
  session on or before ``t``: an A-share in a Hong Kong theme is not stale on a day
  the mainland was closed); *stale* when older (reason: the price layer's
  ``problem``, else "no bar since <last bar> (suspended or late data)"); *missing*
  with no bar on or before ``t`` (reason: ``problem``, else "no data").
* A **stale** symbol's figures are computed as of its own last bar (its windows,
  52-week range and averages end there) and it is marked stale; breadth and
  the 1D leadership use only constituents with a bar on ``t``, so a stale 1D move
  is never presented as today's.
* A stale constituent whose last bar is the event base (it has not traded since the
  news) has no since-event return of its own (None), yet stays in the basket at its
  carried price and contributes exactly 0.
* An event date after ``t`` (the news has not happened yet) leaves every
  since-event figure None and the basket without a base (all constituents named).
* **Basket last session.** The basket's figures end at its last session ``L``: the
  latest calendar session <= ``t`` on which at least one member has a real bar (see
  :mod:`.basket`). Its window returns, risk figures, level and chart series are as of
  ``L``, exactly as a stale stock's are as of its own last bar. ``L < t`` makes the
  basket *stale* (``BasketFigures.status``), and the narrative says so instead of
  describing a move "today". With ``L == t``, members without a bar on ``t`` keep
  their carried price in the level and are named (``BasketFigures.carried``).
* **Excess** returns are the stock's (or basket's) window return minus the
  benchmark's, same window, as a fraction difference (pp / 100). Same window means
  the benchmark's returns are measured on its bars up to the stock's (or basket's)
  last session ``s``: when ``s`` is before the benchmark's last bar the benchmark is
  cut at ``s``; when the benchmark has no bar on ``s`` (its last bar is older, or it
  skipped that session) the benchmark's return to ``s`` does not exist and every
  excess return is None, never a benchmark window ending on another day.
* **Leadership.** The 1D leader and laggard and breadth count only constituents with
  a bar on ``t``; the since-event leader and laggard rank every constituent with a
  since-event return, stale ones included (as of their last bar, flagged stale).
* ``StockFigures.weight`` is the constituent's effective weight in the basket
  (book weights renormalised over the members); 0 for a constituent left out.
* The benchmark's own beta and correlation are not computed (they are 1 by
  definition) and stay None.
* **Charts** are rebased to 100 at the event base: the basket on every calendar
  session up to its last session, the benchmark and each stock on their own bars
  (adjusted closes, no carrying past a stale symbol's last bar), from 20 sessions
  before the event base session (the pre-news level) to ``t``.
* The **event study** of every catalyst (``ThemeSnapshot.events``) uses each stock's
  and the benchmark's adjusted closes up to ``t`` and the theme's weights; its
  definitions are in :mod:`.events`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from concepttrack.analytics import ah_premium, consensus, metrics, valuation
from concepttrack.analytics.basket import (
    Basket,
    ConstituentDay,
    breadth,
    build_basket,
    contributions,
    correlation_matrix,
    event_base_session,
    herfindahl,
)
from concepttrack.analytics.events import catalysts_of, study_events
from concepttrack.analytics.model import (
    BasketFigures,
    BenchmarkFigures,
    Breadth,
    ChartSeries,
    DataStatus,
    NarrativeFacts,
    RiskFigures,
    Series,
    StockFigures,
    ThemeSnapshot,
    WindowReturns,
)
from concepttrack.analytics.southbound import build_southbound
from concepttrack.errors import DataError
from concepttrack.prices.frame import PriceFrame, SymbolHistory
from concepttrack.reasons import reason
from concepttrack.symbols import fx_symbol
from concepttrack.themes import Theme

#: Sessions of lead-in shown on charts before the event base session.
CHART_LEAD_IN_SESSIONS = 20
MA_SHORT = 20
MA_LONG = 50


@dataclass(frozen=True)
class _Bars:
    """One symbol's usable bars up to ``t``, split into the series the metrics take."""

    symbol: str
    history: SymbolHistory
    adj: pd.Series
    close: pd.Series
    volume: pd.Series
    last_session: dt.date | None

    @property
    def returns(self) -> pd.Series:
        return metrics.daily_returns(self.adj)


def _normalised_sessions(sessions: pd.DatetimeIndex) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(sessions)
    if index.tz is not None:
        index = index.tz_localize(None)
    return pd.DatetimeIndex(index.normalize().unique().sort_values(), name="session")


def resolve_as_of(sessions: pd.DatetimeIndex, as_of: dt.date) -> dt.date:
    """The last session in ``sessions`` on or before ``as_of``; DataError when there is none."""
    days = metrics.session_days(_normalised_sessions(sessions))
    position = metrics.last_position_on_or_before(days, as_of)
    if position is None:
        raise DataError(
            f"no trading session on or before {as_of.isoformat()} in the calendar",
            hint="Choose an as-of date on or after the first session of the price history.",
        )
    return pd.Timestamp(days[position]).date()


def _bars_through(history: SymbolHistory, t: dt.date) -> _Bars:
    bars = history.bars
    if len(bars):
        days = metrics.session_days(bars.index)
        bars = bars.iloc[: int(np.searchsorted(days, np.datetime64(t, "D"), side="right"))]
    adj = bars["adj_close"]
    adj = adj[adj.notna()]
    traded = bars[bars["close"].notna()]
    last = pd.Timestamp(bars.index[-1]).date() if len(bars) else None
    return _Bars(
        symbol=history.symbol,
        history=history,
        adj=adj,
        close=traded["close"],
        volume=traded["volume"],
        last_session=last,
    )


def _expected_last(own: pd.DatetimeIndex | None, t: dt.date) -> dt.date:
    """The last session on or before ``t`` of a symbol's own market (``t`` if unknown)."""
    if own is None or not len(own):
        return t
    days = metrics.session_days(_normalised_sessions(own))
    position = metrics.last_position_on_or_before(days, t)
    return t if position is None else pd.Timestamp(days[position]).date()


def _served(status: DataStatus, history: SymbolHistory) -> DataStatus:
    """``status`` with the source that served the symbol and its vendor (English)."""
    from concepttrack.prices.registry import file_of, vendor_text

    meta = history.meta
    if meta is None:
        return status
    file = file_of(meta.detail)
    return dataclasses.replace(
        status, served_by=meta.source, vendor=vendor_text(meta.source, file), source_file=file
    )


def _status(
    bars: _Bars,
    t: dt.date,
    own: pd.DatetimeIndex | None = None,
    inferred_after: dt.date | None = None,
) -> DataStatus:
    problem = bars.history.reason
    if bars.last_session is None:
        why = problem or reason("no_data")
        return DataStatus(bars.symbol, "missing", None, why, inferred_after)
    expected = _expected_last(own, t)
    if bars.last_session >= expected:
        closed = None if bars.last_session == t else reason("market_closed", date=t)
        return DataStatus(bars.symbol, "fresh", bars.last_session, closed, inferred_after)
    why = problem or reason("no_bar_since", date=bars.last_session)
    return DataStatus(bars.symbol, "stale", bars.last_session, why, inferred_after)


def _risk(
    prices: pd.Series,
    returns: pd.Series,
    benchmark_returns: pd.Series | None,
    event_date: dt.date,
) -> RiskFigures:
    beta, correlation = (
        (None, None)
        if benchmark_returns is None
        else metrics.beta_and_correlation_1y(returns, benchmark_returns)
    )
    return RiskFigures(
        volatility_1y=metrics.volatility_1y(returns),
        drawdown_since_event=metrics.drawdown_since_event(prices, event_date),
        beta_1y=beta,
        correlation_1y=correlation,
    )


def _last(series: pd.Series) -> float | None:
    return metrics.finite_or_none(float(series.iloc[-1])) if len(series) else None


def _last_day(series: pd.Series) -> dt.date | None:
    """The date of the series' last entry (the session its window returns end at)."""
    return pd.Timestamp(series.index[-1]).date() if len(series) else None


def _rebased(prices: pd.Series, event_date: dt.date, start: dt.date) -> Series:
    """``100 * P / P[since-event base]`` on the series' own bars from ``start``."""
    base = metrics.window_base_positions(prices.index, event_date)["since_event"]
    if base is None:
        return Series()
    values = np.asarray(prices.to_numpy(dtype="float64", na_value=np.nan))
    days = metrics.session_days(prices.index)
    first = int(np.searchsorted(days, np.datetime64(start, "D"), side="left"))
    shown = 100.0 * values[first:] / values[base]
    return Series(
        sessions=[pd.Timestamp(d).date() for d in days[first:]],
        values=[float(v) for v in shown],
    )


def _benchmark_window(
    benchmark_adj: pd.Series,
    benchmark_returns: WindowReturns,
    last: dt.date | None,
    event_date: dt.date,
) -> WindowReturns | None:
    """The benchmark's returns over windows ending at ``last``, for an excess return.

    ``last`` is the stock's (or basket's) last session. A stale stock's windows end at
    its last bar, so its excess must compare with the benchmark measured to that same
    bar, not to the as-of session: the benchmark is cut at ``last``. When the benchmark
    has no bar on ``last`` (its data ends earlier, or it skipped that session) its
    return to ``last`` does not exist: None, and the excess is missing.
    """
    if last is None or not len(benchmark_adj):
        return None
    days = metrics.session_days(benchmark_adj.index)
    position = metrics.last_position_on_or_before(days, last)
    if position is None or pd.Timestamp(days[position]).date() != last:
        return None
    if position == len(days) - 1:
        return benchmark_returns
    return metrics.window_returns(benchmark_adj.iloc[: position + 1], event_date)


def _excess(returns: WindowReturns, benchmark: WindowReturns | None) -> WindowReturns:
    """Excess over the same window; all None when the benchmark has no such window."""
    return WindowReturns() if benchmark is None else metrics.excess_returns(returns, benchmark)


def _stock_figures(
    theme: Theme,
    index: int,
    bars: _Bars,
    status: DataStatus,
    benchmark_returns_: WindowReturns | None,
    benchmark_daily: pd.Series | None,
    basket: Basket,
    basket_contributions: dict[str, float],
) -> tuple[StockFigures, pd.Series]:
    stock = theme.stocks[index]
    event_date = theme.event_date
    returns = metrics.window_returns(bars.adj, event_date)
    daily = bars.returns
    last_close = _last(bars.close)
    range_52w = metrics.range_52w(bars.close)
    ma_20 = metrics.moving_average(bars.close, MA_SHORT)
    ma_50 = metrics.moving_average(bars.close, MA_LONG)
    meta = bars.history.meta
    figures = StockFigures(
        symbol=stock.symbol,
        code=stock.display_code,
        name=stock.name,
        name_zh=stock.name_zh,
        currency=meta.currency if meta is not None else None,
        status=status,
        last_close=last_close,
        last_session=bars.last_session,
        returns=returns,
        excess=_excess(returns, benchmark_returns_),
        volume=_last(bars.volume),
        volume_ratio=metrics.volume_ratio(bars.volume),
        avg_turnover_20d=metrics.average_turnover_20d(bars.close, bars.volume),
        high_52w=range_52w.high,
        low_52w=range_52w.low,
        from_high_52w=range_52w.from_high,
        from_low_52w=range_52w.from_low,
        ma_20=ma_20,
        ma_50=ma_50,
        above_ma_20=metrics.is_above(last_close, ma_20),
        above_ma_50=metrics.is_above(last_close, ma_50),
        risk=_risk(bars.adj, daily, benchmark_daily, event_date),
        weight=basket.weights.get(stock.symbol, 0.0),
        contribution=basket_contributions.get(stock.symbol),
        in_basket=stock.symbol in basket.weights,
        excluded_reason=basket.excluded.get(stock.symbol),
        adj_close_is_close=bool(meta is not None and meta.adj_close_is_close),
        close_is_adjusted=bool(meta is not None and meta.close_is_adjusted),
        weight_now=_weight_now(basket, stock.symbol),
        last_new_high_52w=_last_new_extreme(bars.close, high=True),
        last_new_low_52w=_last_new_extreme(bars.close, high=False),
        high_52w_session=_extreme_session(bars.close, range_52w.high),
        low_52w_session=_extreme_session(bars.close, range_52w.low),
    )
    return figures, daily


def _weight_now(basket: Basket, symbol: str) -> float | None:
    """``n_i * P_i[L] / I[L]``: the member's share of the basket at its last session."""
    if symbol not in basket.shares or basket.level.empty:
        return None
    level = float(basket.level.iloc[-1])
    if not (np.isfinite(level) and level > 0):
        return None
    return metrics.finite_or_none(basket.shares[symbol] * basket.last_prices[symbol] / level)


#: A session is judged for a new 52-week high or low only when the data reach back to
#: 365 days before it, give or take this many days (a holiday at the history's start).
FULL_YEAR_SLACK_DAYS = 7


def _extreme_session(close: pd.Series, value: float | None) -> dt.date | None:
    """The latest session of the 52-week window whose close is ``value`` (its high or low)."""
    if value is None or close.empty:
        return None
    days = metrics.session_days(close.index)
    start = int(
        np.searchsorted(days, days[-1] - np.timedelta64(metrics.DAYS_52W, "D"), side="right")
    )
    values = close.to_numpy(dtype="float64", na_value=np.nan)
    hits = np.flatnonzero(values[start:] == value)
    return pd.Timestamp(days[start + int(hits[-1])]).date() if len(hits) else None


def _last_new_extreme(close: pd.Series, *, high: bool) -> dt.date | None:
    """The latest session whose close is the high (low) of the 365 days to it, or None.

    The window is the one of the 52-week range, ``(s - 365 days, s]``; a tie with an
    earlier close counts. Sessions less than a year after the first close are not judged.
    """
    values = close[np.isfinite(close.to_numpy(dtype="float64", na_value=np.nan))]
    if values.empty:
        return None
    index = pd.DatetimeIndex(metrics.session_days(values.index))
    series = pd.Series(values.to_numpy(dtype="float64"), index=index)
    window = f"{metrics.DAYS_52W}D"
    extreme = series.rolling(window).max() if high else series.rolling(window).min()
    first = index[0]
    judged = index >= first + pd.Timedelta(days=metrics.DAYS_52W - FULL_YEAR_SLACK_DAYS)
    hits = index[judged & (series.to_numpy() == extreme.to_numpy())]
    return pd.Timestamp(hits[-1]).date() if len(hits) else None


def build_snapshot(
    theme: Theme,
    prices: PriceFrame,
    as_of: dt.date,
    sessions: pd.DatetimeIndex,
    *,
    own_sessions: Mapping[str, pd.DatetimeIndex] | None = None,
    calendar_inferred_after: Mapping[str, dt.date] | None = None,
) -> ThemeSnapshot:
    """Every figure of ``theme`` as of the last session in ``sessions`` on or before ``as_of``.

    ``own_sessions`` gives the sessions of a symbol's own market where it differs from
    the theme's (for its data status); ``calendar_inferred_after`` marks the symbols
    whose market's sessions after a date were inferred from the bars.
    """
    own = own_sessions or {}
    inferred = calendar_inferred_after or {}
    all_sessions = _normalised_sessions(sessions)
    t = resolve_as_of(all_sessions, as_of)
    t_day = np.datetime64(t, "D")
    calendar = all_sessions[
        : int(np.searchsorted(metrics.session_days(all_sessions), t_day, side="right"))
    ]
    event_date = theme.event_date

    # Benchmark first: every stock's excess and beta refer to it.
    bench_bars = _bars_through(prices.get(theme.benchmark), t)
    bench_fx = _benchmark_fx(theme, prices, t)
    if bench_fx is not None:
        # A benchmark in another currency is measured in the theme currency (issue 11).
        bench_bars = dataclasses.replace(
            bench_bars, adj=valuation.to_theme_currency(bench_bars.adj, bench_fx)
        )
    bench_status = _served(
        _status(bench_bars, t, own.get(theme.benchmark), inferred.get(theme.benchmark)),
        bench_bars.history,
    )
    bench_returns = metrics.window_returns(bench_bars.adj, event_date)
    bench_daily = bench_bars.returns
    benchmark = BenchmarkFigures(
        symbol=theme.benchmark,
        status=bench_status,
        last_close=_last(bench_bars.close),
        last_session=bench_bars.last_session,
        returns=bench_returns,
        risk=_risk(bench_bars.adj, bench_daily, None, event_date),
    )
    bench_for_beta = bench_daily if len(bench_daily) else None

    stock_bars = [_bars_through(prices.get(stock.symbol), t) for stock in theme.stocks]
    statuses = [
        _served(_status(bars, t, own.get(bars.symbol), inferred.get(bars.symbol)), bars.history)
        for bars in stock_bars
    ]
    # --- issue 11: weighting scheme and theme currency (analytics/valuation.py) ---
    prep = valuation.prepare(
        theme,
        prices,
        t,
        calendar,
        {bars.symbol: bars.close for bars in stock_bars},
        event_base_session(calendar, event_date),
    )
    stock_fx = {s: rates for s, rates in prep.fx.items() if s in theme.symbols}
    # --- end issue 11 ---
    basket = build_basket(
        {bars.symbol: bars.adj for bars in stock_bars if len(bars.adj)},
        prep.plan.weights,
        calendar,
        event_date,
        fx=stock_fx or None,
    )
    for symbol, why in prep.plan.left_out.items():
        basket.excluded.setdefault(symbol, why)
    for symbol, fx_rates in stock_fx.items():
        # No FX close at all: the stock is left out, and its row says the series is missing.
        if not len(fx_rates) and symbol in basket.excluded and len(prices.get(symbol).bars):
            basket.excluded[symbol] = valuation.fx_exclusion(
                prices, prep.fx_pairs[symbol], theme.currency
            )
    basket_bench = _benchmark_window(bench_bars.adj, bench_returns, basket.last_session, event_date)
    basket_figures = _basket_figures(basket, basket_bench, bench_for_beta, event_date, t)
    # No since-event return for the basket (it has not traded since the base): no
    # contributions either, so that they still add up to the basket's figure.
    basket_contributions = (
        contributions(basket) if basket_figures.returns.since_event is not None else {}
    )

    stocks: list[StockFigures] = []
    daily_by_symbol: dict[str, pd.Series] = {}
    theme_since_event: dict[str, float | None] = {}
    for index, (bars, status) in enumerate(zip(stock_bars, statuses, strict=True)):
        figures, daily = _stock_figures(
            theme,
            index,
            bars,
            status,
            _benchmark_window(bench_bars.adj, bench_returns, _last_day(bars.adj), event_date),
            bench_for_beta,
            basket,
            basket_contributions,
        )
        rates = stock_fx.get(figures.symbol)
        if rates is not None:
            # Another currency: the excess is theme-currency return minus the benchmark's.
            converted = valuation.to_theme_currency(bars.adj, rates)
            theme_returns = metrics.window_returns(converted, event_date)
            theme_since_event[figures.symbol] = theme_returns.since_event
            figures = dataclasses.replace(
                figures,
                excess=_excess(
                    theme_returns,
                    _benchmark_window(
                        bench_bars.adj, bench_returns, _last_day(converted), event_date
                    ),
                ),
            )
        stocks.append(figures)
        daily_by_symbol[figures.symbol] = daily

    today = breadth(
        [
            ConstituentDay(
                symbol=figures.symbol,
                has_bar=figures.last_session == t,
                one_day=figures.returns.one_day,
                since_event=figures.returns.since_event,
                above_ma_20=figures.above_ma_20,
                above_ma_50=figures.above_ma_50,
            )
            for figures in stocks
        ]
    )
    # --- issue 18: the A/H premium of every stock with an A share (analytics/ah_premium.py) ---
    premiums = ah_premium.for_theme(theme, prices, t, event_base_session(calendar, event_date))
    stocks = [dataclasses.replace(s, ah_premium=premiums.get(s.symbol)) for s in stocks]
    correlation = correlation_matrix(daily_by_symbol, theme.symbols)
    narrative = _narrative(
        basket,
        basket_figures,
        benchmark,
        stocks,
        today,
        calendar,
        basket_bench,
    )
    series = _chart_series(basket, bench_bars, stock_bars, calendar, event_date)
    events = study_events(
        catalysts_of(theme),
        {bars.symbol: bars.adj for bars in stock_bars},
        theme.weights(),
        bench_bars.adj,
        theme.benchmark,
        t,
    )

    stocks = consensus.attach(stocks, prices.fundamentals, t)  # issue 18
    return ThemeSnapshot(
        theme_id=theme.id,
        as_of=t,
        event_date=event_date,
        source=prices.source,
        demo=prices.demo,
        basket=basket_figures,
        benchmark=benchmark,
        stocks=stocks,
        breadth=today,
        correlation=correlation,
        narrative=narrative,
        series=series,
        events=events,
        valuation=(
            valuation.build_valuation(
                theme,
                prices,
                t,
                prep,
                basket,
                {bars.symbol: bars.adj for bars in stock_bars if len(bars.adj)},
                calendar,
                theme_since_event,
            )
            if valuation.wanted(theme, prices, prep)
            else None
        ),
        southbound=(
            build_southbound(theme.symbols, prices.southbound, [d.date() for d in calendar], t)
            if prices.southbound is not None
            else None
        ),
    )


def _benchmark_fx(theme: Theme, prices: PriceFrame, t: dt.date) -> pd.Series | None:
    """FX closes converting the benchmark to the theme currency; None in the same currency."""
    currency = valuation.symbol_currency(prices, theme.benchmark)
    if currency == theme.currency:
        return None
    return valuation.fx_closes(prices, fx_symbol(currency, theme.currency), t)


def _basket_figures(
    basket: Basket,
    bench_window: WindowReturns | None,
    bench_daily: pd.Series | None,
    event_date: dt.date,
    t: dt.date,
) -> BasketFigures:
    """The basket's figures as of its last session (``bench_window``: same window or None)."""
    level = basket.level
    if level.empty:
        return BasketFigures(base_session=basket.base_session, excluded=dict(basket.excluded))
    returns = metrics.window_returns(level, event_date)
    last = pd.Timestamp(level.index[-1]).date()
    risk = _risk(level, metrics.daily_returns(level), bench_daily, event_date)
    return BasketFigures(
        base_session=basket.base_session,
        level=_last(level),
        returns=returns,
        excess=_excess(returns, bench_window),
        risk=risk,
        excluded=dict(basket.excluded),
        max_weight=max(basket.weights.values()),
        herfindahl=herfindahl(basket.weights),
        last_session=last,
        status="fresh" if last == t else "stale",
        carried=list(basket.carried),
        backcast=_backcast(level, basket.base_session, returns, risk, event_date),
    )


def _backcast(
    level: pd.Series,
    base_session: dt.date | None,
    returns: WindowReturns,
    risk: RiskFigures,
    event_date: dt.date,
) -> list[str]:
    """The basket figures whose window starts before its base session (back-cast level)."""
    if base_session is None or level.empty:
        return []
    days = metrics.session_days(level.index)
    base = np.datetime64(base_session, "D")
    found = [
        window
        for window, position in metrics.window_base_positions(level.index, event_date).items()
        if position is not None and getattr(returns, window) is not None and days[position] < base
    ]
    # The 1Y risk figures use the last 252 daily returns: from price position n - 253.
    first = days[max(0, len(days) - 1 - metrics.RETURNS_1Y)]
    if first < base:
        found += [
            name
            for name, value in (
                ("volatility_1y", risk.volatility_1y),
                ("beta_1y", risk.beta_1y),
                ("correlation_1y", risk.correlation_1y),
            )
            if value is not None
        ]
    return found


def _narrative(
    basket: Basket,
    basket_figures: BasketFigures,
    benchmark: BenchmarkFigures,
    stocks: list[StockFigures],
    today: Breadth,
    calendar: pd.DatetimeIndex,
    bench_window: WindowReturns | None,
) -> NarrativeFacts:
    one_day = {figures.symbol: figures.returns.one_day for figures in stocks}
    sessions_since: int | None = None
    sessions_after: int | None = None
    if basket.base_session is not None:
        days = metrics.session_days(calendar)
        base_day = np.datetime64(basket.base_session, "D")
        sessions_since = int(len(days) - np.searchsorted(days, base_day, side="right"))
        # The event session is the first session on or after the event date (the one
        # after the base); the event was this many sessions before the as-of session.
        sessions_after = sessions_since - 1 if sessions_since >= 1 else None
    flagged = [*(figures.status for figures in stocks), benchmark.status]
    return NarrativeFacts(
        basket_return_5d=basket_figures.returns.five_day,
        benchmark_return_5d=benchmark.returns.five_day,
        excess_5d=basket_figures.excess.five_day,
        basket_return_1d=basket_figures.returns.one_day,
        benchmark_return_1d=benchmark.returns.one_day,
        basket_since_event=basket_figures.returns.since_event,
        benchmark_since_event=benchmark.returns.since_event,
        sessions_since_event=sessions_since,
        sessions_after_event=sessions_after,
        leader_1d=today.leader_1d,
        leader_1d_return=None if today.leader_1d is None else one_day[today.leader_1d],
        laggard_1d=today.laggard_1d,
        laggard_1d_return=None if today.laggard_1d is None else one_day[today.laggard_1d],
        risers=today.up,
        fallers=today.down,
        unchanged=today.unchanged,
        with_bar=len(stocks) - today.no_bar,
        stale_symbols=[s.symbol for s in flagged if s.status == "stale"],
        missing_symbols=[s.symbol for s in flagged if s.status == "missing"],
        basket_last_session=basket_figures.last_session,
        basket_stale=basket_figures.status == "stale",
        excess_since_event=basket_figures.excess.since_event,
        basket_carried=list(basket_figures.carried),
        benchmark_last_session=benchmark.last_session,
        benchmark_stale=benchmark.status.status != "fresh",
        benchmark_behind_basket=(basket_figures.last_session is not None and bench_window is None),
    )


def _chart_series(
    basket: Basket,
    bench_bars: _Bars,
    stock_bars: list[_Bars],
    calendar: pd.DatetimeIndex,
    event_date: dt.date,
) -> ChartSeries:
    if basket.base_session is None:
        return ChartSeries(stocks={bars.symbol: Series() for bars in stock_bars})
    days = metrics.session_days(calendar)
    base_position = int(np.searchsorted(days, np.datetime64(basket.base_session, "D")))
    start = pd.Timestamp(days[max(0, base_position - CHART_LEAD_IN_SESSIONS)]).date()
    level = basket.level
    shown = level.iloc[
        int(np.searchsorted(metrics.session_days(level.index), np.datetime64(start, "D"))) :
    ]
    return ChartSeries(
        basket=Series(
            sessions=[d.date() for d in pd.DatetimeIndex(shown.index)],
            values=[float(v) for v in shown.to_numpy(dtype="float64")],
        ),
        benchmark=_rebased(bench_bars.adj, event_date, start),
        stocks={bars.symbol: _rebased(bars.adj, event_date, start) for bars in stock_bars},
    )
