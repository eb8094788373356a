"""Event study: did each catalyst move a security more than the market explains?

The market-model event study (MacKinlay 1997, "Event Studies in Economics and
Finance"; Brown and Warner 1985 for daily returns), for every constituent, the basket
and every catalyst of a theme. Plain data in, plain data out: no I/O, no clock, no
calendar lookup.

Definitions (exactly these; the note's methodology appendix says the same):

* **Returns** are simple daily returns of the adjusted close on consecutive bars of each
  series, ``R_t = P_t / P_(t-1) - 1``; the benchmark's the same on its own bars. A
  security's first bar has no return.
* **Catalysts studied**: the theme's ``event`` and every entry of ``catalysts``.
* **Event bar** ``t0`` of a security: its first bar on or after the catalyst's date
  (Hong Kong date), so a catalyst on a holiday or weekend falls on the next bar.
* **Estimation window**: the security's returns on its bars ``t0-260`` to ``t0-11``
  inclusive (by position in its own series; fewer if its history is shorter), paired
  with the benchmark's return on the same date; dates without a benchmark return are
  dropped. With fewer than 120 pairs the security is not studied for that catalyst
  ("not enough history"; "estimation window before the data" when the security's data
  start after the catalyst or the benchmark's returns start after the window ends).
* **Market model**: ordinary least squares ``R = alpha + beta * R_m + e`` on those
  pairs; ``sigma = sqrt(sum(e^2) / (n - 2))``.
* **Abnormal return** on bar ``t``: ``AR_t = R_t - alpha - beta * R_m,t`` (None when
  the benchmark has no return on that date).
* **CAR** over window ``[a, b]`` (bar offsets from ``t0`` in the security's own
  series): the sum of ``AR_t`` for ``t = t0+a .. t0+b``; windows ``[-1, +1]``,
  ``[0, +5]``, ``[0, +20]``. None when the window reaches past the security's last bar
  up to the as-of session (not yet complete, or a stale security), or contains a null AR.
* **t-statistic**: ``CAR / (sigma * sqrt(b - a + 1))``; significant at 5 % when
  ``|t| > 1.96``.
* **The basket** as a security: on every date on which at least one member has a
  return, ``R_basket = sum(w_i * R_i) / sum(w_i)`` over the members with a return that
  date (``w_i`` the theme's weights); its bars are those dates; the same market model
  and windows.
* **Overlap**: another catalyst whose date falls inside the basket's estimation window
  (first to last session of its pairs' bars) is flagged: its reaction is part of what
  the model calls normal.

Every series passed in must already be cut at the as-of session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from concepttrack.analytics.event_model import (
    CAR_WINDOWS,
    CRITICAL_T,
    ESTIMATION_FIRST,
    ESTIMATION_LAST,
    MIN_PAIRS,
    PATH_FIRST,
    PATH_LAST,
    ArPoint,
    CarWindow,
    CatalystStudy,
    EventStudies,
    EventStudy,
    Overlap,
    StudyReason,
)
from concepttrack.analytics.metrics import DayArray, FloatArray, session_days
from concepttrack.reasons import Reason, reason

if TYPE_CHECKING:
    from concepttrack.themes import Theme

BASKET = "basket"


@dataclass(frozen=True)
class CatalystInput:
    """A dated catalyst to study."""

    date: dt.date
    title: str
    is_event: bool = False


def catalysts_of(theme: Theme) -> list[CatalystInput]:
    """The theme's event and every catalyst, in date order (the event first on a tie)."""
    items = [CatalystInput(theme.event.date, theme.event.title, True)] + [
        CatalystInput(c.date, c.title, False) for c in theme.catalysts
    ]
    return sorted(items, key=lambda c: (c.date, not c.is_event))


@dataclass(frozen=True)
class ReturnSeries:
    """A security's bars (session days) and its return on each (NaN where none)."""

    days: DayArray
    returns: FloatArray

    @classmethod
    def from_prices(cls, prices: pd.Series) -> ReturnSeries:
        """``R_t = P_t / P_(t-1) - 1`` on consecutive bars; the first bar has no return."""
        values = np.asarray(prices.to_numpy(dtype="float64", na_value=np.nan))
        returns = np.full(len(values), np.nan)
        if len(values) > 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                returns[1:] = values[1:] / values[:-1] - 1.0
        returns[~np.isfinite(returns)] = np.nan
        return cls(session_days(prices.index), returns)

    def first_return_day(self) -> dt.date | None:
        finite = np.flatnonzero(np.isfinite(self.returns))
        return _date(self.days[finite[0]]) if len(finite) else None


def basket_returns(
    members: Mapping[str, ReturnSeries], weights: Mapping[str, float]
) -> ReturnSeries:
    """``sum(w_i * R_i) / sum(w_i)`` over the members with a return, on every such date."""
    present = [
        (members[symbol], weight)
        for symbol, weight in weights.items()
        if symbol in members and weight > 0
    ]
    finite = [
        (s.days[np.isfinite(s.returns)], s.returns[np.isfinite(s.returns)], w) for s, w in present
    ]
    if not finite:
        return ReturnSeries(np.empty(0, dtype="datetime64[D]"), np.empty(0))
    days = np.unique(np.concatenate([d for d, _, _ in finite]))
    weighted = np.zeros(len(days))
    total = np.zeros(len(days))
    for member_days, returns, weight in finite:
        positions = np.searchsorted(days, member_days)
        weighted[positions] += weight * returns
        total[positions] += weight
    return ReturnSeries(days, weighted / total)


def on_days(series: ReturnSeries, days: DayArray) -> FloatArray:
    """``series``' return on each of ``days`` (NaN where it has no bar or no return)."""
    out = np.full(len(days), np.nan)
    if not len(series.days) or not len(days):
        return out
    positions = np.searchsorted(series.days, days)
    inside = positions < len(series.days)
    match = np.zeros(len(days), dtype=bool)
    match[inside] = series.days[positions[inside]] == days[inside]
    out[match] = series.returns[positions[match]]
    return out


def market_model(returns: FloatArray, market: FloatArray) -> tuple[float, float, float] | None:
    """OLS of ``returns`` on ``market``: ``(alpha, beta, sigma)`` with ``sigma`` on n - 2.

    None when there are fewer than 3 pairs, the market returns do not vary, or the
    residuals are all 0 (sigma 0: no t-statistic exists).
    """
    n = len(returns)
    if n < 3 or len(market) != n:
        return None
    x_mean, y_mean = float(market.mean()), float(returns.mean())
    dx = market - x_mean
    sxx = float(dx @ dx)
    if not sxx > 0:
        return None
    beta = float(dx @ (returns - y_mean)) / sxx
    alpha = y_mean - beta * x_mean
    residuals = returns - alpha - beta * market
    sigma = math.sqrt(float(residuals @ residuals) / (n - 2))
    if not (math.isfinite(alpha) and math.isfinite(beta) and math.isfinite(sigma)) or sigma <= 0:
        return None
    return alpha, beta, sigma


def _date(day: np.datetime64) -> dt.date:
    return pd.Timestamp(day).date()


def _not_studied(
    symbol: str, code: StudyReason, why: Reason, known: EventStudy | None = None
) -> EventStudy:
    """A study that could not be made, keeping what is known (``t0``, window, ``n``)."""
    base = known if known is not None else EventStudy(symbol)
    return dataclasses.replace(base, studied=False, reason_code=code, reason=why)


def _before_data(
    security: ReturnSeries, estimation_end: dt.date | None, benchmark_first: dt.date | None
) -> Reason | None:
    """Why the estimation window lies wholly before the data, or None when it does not."""
    own_first = security.first_return_day()
    if estimation_end is None or own_first is None or own_first > estimation_end:
        first = _date(security.days[0])
        return reason("prices_start_late", date=first, bars=-ESTIMATION_LAST)
    if benchmark_first is None:
        return reason("benchmark_no_returns")
    if benchmark_first > estimation_end:
        return reason("benchmark_starts", date=benchmark_first)
    return None


def study_security(
    symbol: str,
    security: ReturnSeries,
    market: FloatArray,
    catalyst_date: dt.date,
    as_of: dt.date,
    benchmark_first: dt.date | None,
) -> EventStudy:
    """The event study of one security for one catalyst.

    ``market`` is the benchmark's return on each of the security's bars (NaN where the
    benchmark has none; see :func:`on_days`); ``benchmark_first`` is the date of the
    benchmark's first return.
    """
    if catalyst_date > as_of:
        return _not_studied(
            symbol,
            "after_as_of",
            reason("catalyst_after_as_of", date=catalyst_date, as_of=as_of),
        )
    days, returns = security.days, security.returns
    if not len(days) or not np.isfinite(returns).any():
        return _not_studied(symbol, "no_data", reason("no_returns"))
    first = _date(days[0])
    if first > catalyst_date:
        return _not_studied(
            symbol,
            "before_data",
            reason("prices_after_catalyst", date=first),
        )
    t0 = int(np.searchsorted(days, np.datetime64(catalyst_date, "D"), side="left"))
    if t0 >= len(days):
        return _not_studied(
            symbol,
            "no_event_bar",
            reason("no_event_bar", date=catalyst_date, last=_date(days[-1])),
        )
    t0_day = _date(days[t0])
    low, high = max(t0 + ESTIMATION_FIRST, 0), t0 + ESTIMATION_LAST
    estimation_start = _date(days[low]) if high >= low else None
    estimation_end = _date(days[high]) if high >= low else None
    r_window = returns[low : high + 1] if high >= low else returns[:0]
    m_window = market[low : high + 1] if high >= low else market[:0]
    keep = np.isfinite(r_window) & np.isfinite(m_window)
    n = int(keep.sum())
    known = EventStudy(
        symbol,
        t0=t0_day,
        estimation_start=estimation_start,
        estimation_end=estimation_end,
        n=n,
    )
    if n < MIN_PAIRS:
        before = _before_data(security, estimation_end, benchmark_first)
        if n == 0 and before is not None:
            return _not_studied(
                symbol,
                "before_data",
                reason("estimation_before_data_to", end=estimation_end, why=before)
                if estimation_end
                else reason("estimation_before_data", why=before),
                known,
            )
        return _not_studied(
            symbol,
            "not_enough_history",
            reason(
                "not_enough_history",
                n=n,
                start=estimation_start,
                end=estimation_end,
                needed=MIN_PAIRS,
            ),
            known,
        )
    fit = market_model(r_window[keep], m_window[keep])
    if fit is None:
        return _not_studied(
            symbol,
            "flat_benchmark",
            reason("flat_benchmark"),
            known,
        )
    alpha, beta, sigma = fit
    with np.errstate(invalid="ignore"):
        abnormal = returns - alpha - beta * market  # NaN where either return is missing

    def ar_at(position: int) -> float | None:
        if 0 <= position < len(days):
            value = float(abnormal[position])
            return value if math.isfinite(value) else None
        return None

    path: list[ArPoint] = []
    running: float | None = 0.0
    for offset in range(PATH_FIRST, PATH_LAST + 1):
        position = t0 + offset
        ar = ar_at(position)
        running = None if running is None or ar is None else running + ar
        session = _date(days[position]) if 0 <= position < len(days) else None
        path.append(ArPoint(offset, session, ar, running))

    last_day = _date(days[-1])
    windows = [
        _car_window(a, b, t0, days, abnormal, market, sigma, last_day) for a, b in CAR_WINDOWS
    ]
    return EventStudy(
        symbol=symbol,
        studied=True,
        t0=t0_day,
        estimation_start=estimation_start,
        estimation_end=estimation_end,
        n=n,
        alpha=alpha,
        beta=beta,
        sigma=sigma,
        ar_path=path,
        windows=windows,
    )


def _car_window(
    start: int,
    end: int,
    t0: int,
    days: DayArray,
    abnormal: FloatArray,
    market: FloatArray,
    sigma: float,
    last_day: dt.date,
) -> CarWindow:
    first, last = t0 + start, t0 + end
    first_session = _date(days[first]) if 0 <= first < len(days) else None
    last_session = _date(days[last]) if 0 <= last < len(days) else None
    length = end - start + 1
    if first < 0 or last >= len(days):
        have = max(0, min(last, len(days) - 1) - max(first, 0) + 1)
        return CarWindow(
            start,
            end,
            first_session,
            last_session,
            reason_code="window_incomplete",
            reason=reason("window_incomplete", have=have, length=length, date=last_day),
        )
    values = abnormal[first : last + 1]
    if not np.isfinite(values).all():
        gap = first + int(np.flatnonzero(~np.isfinite(values))[0])
        what = "no_benchmark_return_on" if not math.isfinite(float(market[gap])) else "no_return_on"
        return CarWindow(
            start,
            end,
            first_session,
            last_session,
            reason_code="missing_ar",
            reason=reason(what, date=_date(days[gap])),
        )
    car = float(values.sum())
    t = car / (sigma * math.sqrt(length))
    return CarWindow(
        start,
        end,
        first_session,
        last_session,
        car=car,
        t=t,
        significant=abs(t) > CRITICAL_T,
    )


def study_events(
    catalysts: Sequence[CatalystInput],
    prices: Mapping[str, pd.Series],
    weights: Mapping[str, float],
    benchmark: pd.Series,
    benchmark_symbol: str,
    as_of: dt.date,
) -> EventStudies:
    """The event study of every catalyst for every stock (``weights`` order) and the basket.

    ``prices`` holds each stock's adjusted closes on its own bars up to the as-of session
    (a stock absent from it has no data); ``weights`` gives every constituent (the
    theme's normalised weights); ``benchmark`` holds the benchmark's adjusted closes.
    """
    bench = ReturnSeries.from_prices(benchmark)
    bench_first = bench.first_return_day()
    empty = pd.Series([], index=pd.DatetimeIndex([]), dtype="float64")
    securities = {symbol: ReturnSeries.from_prices(prices.get(symbol, empty)) for symbol in weights}
    basket = basket_returns(securities, weights)
    market = {symbol: on_days(bench, s.days) for symbol, s in securities.items()}
    basket_market = on_days(bench, basket.days)

    ordered = sorted(catalysts, key=lambda c: (c.date, not c.is_event))
    studies: list[CatalystStudy] = []
    for catalyst in ordered:
        basket_study = study_security(
            BASKET, basket, basket_market, catalyst.date, as_of, bench_first
        )
        stocks = [
            study_security(
                symbol, securities[symbol], market[symbol], catalyst.date, as_of, bench_first
            )
            for symbol in weights
        ]
        overlaps: list[Overlap] = []
        start, end = basket_study.estimation_start, basket_study.estimation_end
        if basket_study.studied and start is not None and end is not None:
            overlaps = [
                Overlap(other.date, other.title)
                for other in ordered
                if other is not catalyst and start <= other.date <= end
            ]
        studies.append(
            CatalystStudy(
                date=catalyst.date,
                title=catalyst.title,
                is_event=catalyst.is_event,
                basket=basket_study,
                stocks=stocks,
                overlaps=overlaps,
            )
        )
    return EventStudies(benchmark=benchmark_symbol, catalysts=studies)
