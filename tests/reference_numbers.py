"""An independent, plain-Python reference for every figure a note publishes.

Written from the definitions in issue 4 (and issue 10's event study) alone (no pandas,
no numpy, nothing from ``concepttrack.analytics``), so that ``test_numbers_end_to_end``
can recompute a note's JSON from the CSV rows it was made from. Lists, loops, ``math``
and ``statistics`` only.

Conventions (issue 4): ``P`` is the adjusted close (returns, volatility, drawdown, beta);
the traded close is used for prices, the 52-week range, moving averages and turnover.
A symbol's bars are its own sessions. A stale symbol's figures are as of its last bar.

Staleness rules (the brief that followed issue 4, "a note never presents a stale number
as today's"):

* the basket's last session ``L`` is the latest calendar session <= as-of on which at
  least one member has a row; the level, its windows, risk and chart end at ``L``; the
  basket is "stale" when ``L`` is before the as-of session;
* an excess return needs the benchmark's return to the same last session: the
  benchmark must have a row on the stock's (basket's) last session, else it is None;
* the since-event leader and laggard rank every constituent with a since-event return.

Where the issue leaves a detail open, the choice is stated next to the code.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WINDOWS = (
    "one_day",
    "five_day",
    "one_month",
    "three_month",
    "six_month",
    "one_year",
    "ytd",
    "since_event",
)
#: Calendar days of history the pipeline fetches (pipeline.EVENT_LEAD_IN_DAYS, HISTORY_DAYS).
LEAD_IN_DAYS = 45
HISTORY_DAYS = 400
MIN_RETURNS = 20
YEAR_RETURNS = 252
#: Event study (issue 10): history before a catalyst, estimation window, pairs, windows.
EVENT_STUDY_DAYS = 400
ESTIMATION = (-260, -11)
MIN_PAIRS = 120
PATH = (-5, 20)
CAR_WINDOWS = ((-1, 1), (0, 5), (0, 20))
CRITICAL_T = 1.96


@dataclass
class Bars:
    """One symbol's rows, oldest first: session, traded close, adjusted close, volume."""

    dates: list[dt.date]
    close: list[float]
    adj: list[float]
    volume: list[float]

    def between(self, start: dt.date, end: dt.date) -> Bars:
        keep = [i for i, d in enumerate(self.dates) if start <= d <= end]
        return Bars(
            [self.dates[i] for i in keep],
            [self.close[i] for i in keep],
            [self.adj[i] for i in keep],
            [self.volume[i] for i in keep],
        )


def read_csv(path: Path) -> Bars:
    """The classic Yahoo layout ``Date,Open,High,Low,Close,Adj Close,Volume``."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows.sort(key=lambda row: row["Date"])
    return Bars(
        [dt.date.fromisoformat(row["Date"]) for row in rows],
        [float(row["Close"]) for row in rows],
        [float(row["Adj Close"]) for row in rows],
        [float(row["Volume"]) for row in rows],
    )


def history_start(event: dt.date, as_of: dt.date, catalysts: Sequence[dt.date] = ()) -> dt.date:
    """The first date of history the pipeline gives the analytics (see pipeline.py): also
    about 13 months (400 days) before every catalyst up to ``as_of``, for the event study."""
    studied = [d for d in (event, *catalysts) if d <= as_of]
    return min(
        event - dt.timedelta(days=LEAD_IN_DAYS),
        dt.date(as_of.year - 1, 12, 1),
        as_of - dt.timedelta(days=HISTORY_DAYS),
        *(d - dt.timedelta(days=EVENT_STUDY_DAYS) for d in studied),
    )


def minus_months(day: dt.date, months: int) -> dt.date:
    """Calendar months back, clamping the day to the month's end (31 Mar - 1M = 28 Feb)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def last_on_or_before(dates: list[dt.date], day: dt.date) -> int | None:
    found = None
    for i, d in enumerate(dates):
        if d <= day:
            found = i
    return found


def last_before(dates: list[dt.date], day: dt.date) -> int | None:
    found = None
    for i, d in enumerate(dates):
        if d < day:
            found = i
    return found


def base_indices(dates: list[dt.date], t: int, event: dt.date) -> dict[str, int | None]:
    """Index of each window's base bar, or None when the data has no base.

    A base on ``t`` itself is no base: a symbol whose last bar is before the event (it has
    not traded since the news) has no since-event return or drawdown, rather than 0.
    """
    today = dates[t]
    upto = dates[: t + 1]
    found = {
        "one_day": t - 1 if t >= 1 else None,
        "five_day": t - 5 if t >= 5 else None,
        "one_month": last_on_or_before(upto, minus_months(today, 1)),
        "three_month": last_on_or_before(upto, minus_months(today, 3)),
        "six_month": last_on_or_before(upto, minus_months(today, 6)),
        "one_year": last_on_or_before(upto, minus_months(today, 12)),
        "ytd": last_on_or_before(upto, dt.date(today.year - 1, 12, 31)),
        "since_event": last_before(upto, event),
    }
    return {w: (None if b == t else b) for w, b in found.items()}


def window_returns(
    dates: list[dt.date], prices: list[float], t: int | None, event: dt.date
) -> dict[str, float | None]:
    """``P[t] / P[base] - 1`` per window."""
    if t is None:
        return dict.fromkeys(WINDOWS)
    bases = base_indices(dates, t, event)
    return {w: (None if b is None else prices[t] / prices[b] - 1) for w, b in bases.items()}


def excess(
    mine: dict[str, float | None], bench: dict[str, float | None]
) -> dict[str, float | None]:
    """The window return minus the benchmark's (a difference of fractions)."""
    out: dict[str, float | None] = {}
    for w in WINDOWS:
        a, b = mine[w], bench[w]
        out[w] = None if a is None or b is None else a - b
    return out


def daily_returns(dates: list[dt.date], prices: list[float], t: int) -> list[tuple[dt.date, float]]:
    """``r = P[i] / P[i-1] - 1`` on the symbol's own bars, up to and including ``t``."""
    return [(dates[i], prices[i] / prices[i - 1] - 1) for i in range(1, t + 1)]


def volatility(returns: list[tuple[dt.date, float]]) -> float | None:
    last = [r for _, r in returns[-YEAR_RETURNS:]]
    if len(last) < MIN_RETURNS:
        return None
    return statistics.stdev(last) * math.sqrt(252)


def beta_correlation(
    mine: list[tuple[dt.date, float]], bench: list[tuple[dt.date, float]]
) -> tuple[float | None, float | None]:
    """Over the last 252 of ``mine``, on the dates the benchmark also has a return.

    Open point: the issue gives no minimum count; the volatility's 20 is used.
    """
    by_date = dict(bench)
    pairs = [(r, by_date[d]) for d, r in mine[-YEAR_RETURNS:] if d in by_date]
    if len(pairs) < MIN_RETURNS:
        return None, None
    xs = [a for a, _ in pairs]
    ys = [b for _, b in pairs]
    beta = statistics.covariance(xs, ys) / statistics.variance(ys)
    corr = statistics.covariance(xs, ys) / (statistics.stdev(xs) * statistics.stdev(ys))
    return beta, corr


def pair_correlation(
    a: list[tuple[dt.date, float]], b: list[tuple[dt.date, float]]
) -> float | None:
    """Correlation of two symbols' last 252 daily returns on their common dates."""
    other = dict(b[-YEAR_RETURNS:])
    pairs = [(r, other[d]) for d, r in a[-YEAR_RETURNS:] if d in other]
    if len(pairs) < MIN_RETURNS:
        return None
    xs = [x for x, _ in pairs]
    ys = [y for _, y in pairs]
    return statistics.covariance(xs, ys) / (statistics.stdev(xs) * statistics.stdev(ys))


def drawdown(
    dates: list[dt.date], prices: list[float], base: int | None, t: int | None
) -> dict[str, Any]:
    """min of ``P / running max(P) - 1`` from the event base bar to ``t``, with dates.

    The peak is the bar that set the running maximum in force at the trough; the trough
    is the first bar with the minimum.
    """
    if base is None or t is None:
        return {"max_drawdown": None, "peak_session": None, "trough_session": None}
    peak_i = base
    worst, worst_peak, worst_trough = 0.0, base, base
    for i in range(base, t + 1):
        if prices[i] > prices[peak_i]:
            peak_i = i
        value = prices[i] / prices[peak_i] - 1
        if value < worst:
            worst, worst_peak, worst_trough = value, peak_i, i
    return {
        "max_drawdown": worst,
        "peak_session": dates[worst_peak].isoformat(),
        "trough_session": dates[worst_trough].isoformat(),
    }


def risk(
    dates: list[dt.date],
    prices: list[float],
    t: int | None,
    event: dt.date,
    bench_returns: list[tuple[dt.date, float]],
) -> dict[str, Any]:
    if t is None:
        return {
            "volatility_1y": None,
            "drawdown_since_event": drawdown(dates, prices, None, None),
            "beta_1y": None,
            "correlation_1y": None,
        }
    returns = daily_returns(dates, prices, t)
    beta, corr = beta_correlation(returns, bench_returns)
    return {
        "volatility_1y": volatility(returns),
        "drawdown_since_event": drawdown(
            dates, prices, base_indices(dates, t, event)["since_event"], t
        ),
        "beta_1y": beta,
        "correlation_1y": corr,
    }


def new_extreme(dates: list[dt.date], close: list[float], *, high: bool) -> str | None:
    """The last session whose close is the high (low) of the 365 days to it, judged only
    a year (less a week) after the first bar; ties count."""
    found = None
    for i, day in enumerate(dates):
        if day < dates[0] + dt.timedelta(days=365 - 7):
            continue
        window = [close[j] for j in range(i + 1) if day - dt.timedelta(days=365) < dates[j]]
        if close[i] == (max(window) if high else min(window)):
            found = day.isoformat()
    return found


def backcast(
    days: list[dt.date],
    t: int,
    event: dt.date,
    base: dt.date,
    windows: dict[str, float | None],
    figures: dict[str, Any],
) -> list[str]:
    """The basket figures whose window starts before the base session (back-cast)."""
    found = [
        w
        for w, b in base_indices(days, t, event).items()
        if b is not None and windows[w] is not None and days[b] < base
    ]
    if days[max(0, t - 252)] < base:
        found += [
            name
            for name in ("volatility_1y", "beta_1y", "correlation_1y")
            if figures[name] is not None
        ]
    return found


def mean_of_last(values: list[float], t: int, count: int) -> float | None:
    if t + 1 < count:
        return None
    return math.fsum(values[t + 1 - count : t + 1]) / count


@dataclass
class Constituent:
    symbol: str
    code: str
    name: str
    name_zh: str | None
    weight: float | None


def iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


# --- the event study (issue 10) ----------------------------------------------------------


def _bar_returns(dates: list[dt.date], prices: list[float]) -> list[float | None]:
    """``R`` on each bar: ``P[i] / P[i-1] - 1``; the first bar has none."""
    if not prices:
        return []
    return [None] + [prices[i] / prices[i - 1] - 1 for i in range(1, len(prices))]


def _ols(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Textbook OLS of ys on xs: (alpha, beta, sigma) with sigma on n - 2."""
    n = len(xs)
    x_mean, y_mean = math.fsum(xs) / n, math.fsum(ys) / n
    sxy = math.fsum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - x_mean) ** 2 for x in xs)
    beta = sxy / sxx
    alpha = y_mean - beta * x_mean
    sse = math.fsum((y - alpha - beta * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return alpha, beta, math.sqrt(sse / (n - 2))


def event_study(
    symbol: str,
    dates: list[dt.date],
    returns: list[float | None],
    bench: dict[dt.date, float],
    catalyst: dt.date,
    as_of: dt.date,
) -> dict[str, Any]:
    """One security's study in the JSON layout (``reason`` texts are not checked)."""
    out: dict[str, Any] = {
        "symbol": symbol,
        "studied": False,
        "reason_code": None,
        "t0": None,
        "estimation_start": None,
        "estimation_end": None,
        "n": 0,
        "alpha": None,
        "beta": None,
        "sigma": None,
        "ar_path": [],
        "windows": [],
    }
    if catalyst > as_of:
        return out | {"reason_code": "after_as_of"}
    if not any(r is not None for r in returns):
        return out | {"reason_code": "no_data"}
    if dates[0] > catalyst:
        return out | {"reason_code": "before_data"}
    after = [i for i, d in enumerate(dates) if d >= catalyst]
    if not after:
        return out | {"reason_code": "no_event_bar"}
    t0 = after[0]
    low, high = max(t0 + ESTIMATION[0], 0), t0 + ESTIMATION[1]
    positions = list(range(low, high + 1))
    out["t0"] = dates[t0].isoformat()
    if positions:
        out["estimation_start"] = dates[low].isoformat()
        out["estimation_end"] = dates[high].isoformat()
    pairs = [
        (bench[dates[i]], r)
        for i in positions
        if (r := returns[i]) is not None and dates[i] in bench
    ]
    out["n"] = len(pairs)
    if len(pairs) < MIN_PAIRS:
        # "Before the data" when no pair exists because the window ends before either
        # series' first return; otherwise "not enough history".
        first_own = next((dates[i] for i, r in enumerate(returns) if r is not None), None)
        end = dates[high] if positions else None
        before = not pairs and (
            end is None or first_own is None or first_own > end or min(bench) > end
        )
        return out | {"reason_code": "before_data" if before else "not_enough_history"}
    alpha, beta, sigma = _ols([x for x, _ in pairs], [y for _, y in pairs])

    def ar(i: int) -> float | None:
        if not 0 <= i < len(dates):
            return None
        r, m = returns[i], bench.get(dates[i])
        return None if r is None or m is None else r - alpha - beta * m

    path, running = [], 0.0
    broken = False
    for offset in range(PATH[0], PATH[1] + 1):
        i = t0 + offset
        value = ar(i)
        broken = broken or value is None
        running = running + value if value is not None else running
        path.append(
            {
                "offset": offset,
                "session": dates[i].isoformat() if 0 <= i < len(dates) else None,
                "ar": value,
                "cumulative": None if broken else running,
            }
        )
    windows = []
    for a, b in CAR_WINDOWS:
        first, last = t0 + a, t0 + b
        window: dict[str, Any] = {
            "start": a,
            "end": b,
            "first_session": dates[first].isoformat() if 0 <= first < len(dates) else None,
            "last_session": dates[last].isoformat() if 0 <= last < len(dates) else None,
            "car": None,
            "t": None,
            "significant": None,
            "reason_code": None,
        }
        if last >= len(dates):
            window["reason_code"] = "window_incomplete"
        else:
            values = [ar(i) for i in range(first, last + 1)]
            if any(v is None for v in values):
                window["reason_code"] = "missing_ar"
            else:
                car = math.fsum(v for v in values if v is not None)
                t = car / (sigma * math.sqrt(b - a + 1))
                window |= {"car": car, "t": t, "significant": abs(t) > CRITICAL_T}
        windows.append(window)
    return out | {
        "studied": True,
        "alpha": alpha,
        "beta": beta,
        "sigma": sigma,
        "ar_path": path,
        "windows": windows,
    }


def event_studies(
    stocks: list[Constituent],
    seen: dict[str, Bars],
    benchmark: str,
    catalysts: list[tuple[dt.date, str, bool]],
    as_of: dt.date,
) -> dict[str, Any]:
    """Every catalyst's study for the basket and each stock, in the JSON layout."""
    bb = seen[benchmark]
    bench = {
        d: r for d, r in zip(bb.dates, _bar_returns(bb.dates, bb.adj), strict=True) if r is not None
    }
    custom = any(s.weight is not None for s in stocks)
    weights = {s.symbol: ((s.weight or 0.0) if custom else 1.0) for s in stocks}
    own = {
        s.symbol: (seen[s.symbol].dates, _bar_returns(seen[s.symbol].dates, seen[s.symbol].adj))
        for s in stocks
    }
    # The basket: on every date a member has a return, the weighted mean over those members.
    by_date: dict[dt.date, list[tuple[float, float]]] = {}
    for symbol, (dates, returns) in own.items():
        for d, r in zip(dates, returns, strict=True):
            if r is not None and weights[symbol] > 0:
                by_date.setdefault(d, []).append((weights[symbol], r))
    basket_dates = sorted(by_date)
    basket_returns: list[float | None] = [
        math.fsum(w * r for w, r in by_date[d]) / math.fsum(w for w, _ in by_date[d])
        for d in basket_dates
    ]
    ordered = sorted(catalysts, key=lambda c: (c[0], not c[2]))
    out = []
    for date, title, is_event in ordered:
        basket = event_study("basket", basket_dates, basket_returns, bench, date, as_of)
        overlaps = []
        if basket["studied"]:
            start = dt.date.fromisoformat(basket["estimation_start"])
            end = dt.date.fromisoformat(basket["estimation_end"])
            overlaps = [
                {"date": d.isoformat(), "title": t}
                for d, t, e in ordered
                if (d, t, e) != (date, title, is_event) and start <= d <= end
            ]
        out.append(
            {
                "date": date.isoformat(),
                "title": title,
                "is_event": is_event,
                "basket": basket,
                "stocks": [
                    event_study(s.symbol, *own[s.symbol], bench, date, as_of) for s in stocks
                ],
                "overlaps": overlaps,
            }
        )
    return {
        "benchmark": benchmark,
        "estimation_offsets": list(ESTIMATION),
        "min_pairs": MIN_PAIRS,
        "path_offsets": list(PATH),
        "car_windows": [list(w) for w in CAR_WINDOWS],
        "critical_t": CRITICAL_T,
        "catalysts": out,
    }


def expected_snapshot(
    *,
    theme_id: str,
    stocks: list[Constituent],
    benchmark: str,
    bars: dict[str, Bars],
    sessions: list[dt.date],
    event: dt.date,
    as_of: dt.date,
    source: str,
    event_title: str = "The news",
    catalysts: Sequence[tuple[dt.date, str]] = (),
) -> dict[str, Any]:
    """Every figure of the snapshot, in the JSON layout (``docs/json-schema.md``).

    ``bars`` are the CSV rows as written; ``sessions`` are the XHKG sessions (the theme's
    calendar) from the pipeline's history start to ``as_of``.
    """
    start = history_start(event, as_of, [d for d, _ in catalysts])
    seen = {s: b.between(start, as_of) for s, b in bars.items()}
    calendar_days = [d for d in sessions if start <= d <= as_of]

    # --- benchmark --------------------------------------------------------------
    bb = seen[benchmark]
    bt = len(bb.dates) - 1 if bb.dates else None
    bench_returns_all = daily_returns(bb.dates, bb.adj, bt) if bt is not None else []

    def bench_windows_at(day: dt.date) -> dict[str, float | None] | None:
        """The benchmark's windows ending on ``day``; None without a benchmark row that day."""
        if day not in bb.dates:
            return None
        return window_returns(bb.dates, bb.adj, bb.dates.index(day), event)

    def excess_to(mine: dict[str, float | None], day: dt.date) -> dict[str, float | None]:
        bench = bench_windows_at(day)
        return dict.fromkeys(WINDOWS) if bench is None else excess(mine, bench)

    bench_windows = window_returns(bb.dates, bb.adj, bt, event)
    bench_risk = risk(bb.dates, bb.adj, bt, event, bench_returns_all)
    # Beta and correlation are against the benchmark: not shown for the benchmark itself.
    bench_risk["beta_1y"] = bench_risk["correlation_1y"] = None

    def served(symbol: str) -> dict[str, Any]:
        # Who served it (issue 18): the CSV folder, from the file named after the symbol.
        if symbol not in bars:
            return {"served_by": None, "vendor": None, "source_file": None}
        name = f"{symbol.lstrip('^')}.csv"
        return {"served_by": source, "vendor": f"CSV file {name}", "source_file": name}

    def status(symbol: str) -> dict[str, Any]:
        dates = seen[symbol].dates
        # Every session here is known to exchange-calendars: none was inferred.
        if not dates:
            return {
                "symbol": symbol,
                "status": "missing",
                "last_session": None,
                "calendar_inferred_after": None,
                **served(symbol),
            }
        state = "fresh" if dates[-1] == as_of else "stale"
        return {
            "symbol": symbol,
            "status": state,
            "last_session": dates[-1].isoformat(),
            "calendar_inferred_after": None,
            **served(symbol),
        }

    # --- basket membership and weights --------------------------------------------
    base_session = max(d for d in calendar_days if d < event)
    base_price: dict[str, float] = {}
    for stock in stocks:
        sb = seen[stock.symbol]
        i = last_on_or_before(sb.dates, base_session)
        if i is not None:
            base_price[stock.symbol] = sb.adj[i]
    members = [s for s in stocks if s.symbol in base_price]
    custom = any(s.weight is not None for s in stocks)
    raw = {s.symbol: ((s.weight or 0.0) if custom else 1.0) for s in members}
    total = math.fsum(raw.values())
    weights = {symbol: w / total for symbol, w in raw.items()}

    # The basket's last session: the latest calendar day on which some member has a row.
    basket_last = max(d for d in calendar_days if any(d in seen[s.symbol].dates for s in members))
    basket_days = [d for d in calendar_days if d <= basket_last]
    carried_members = [s.symbol for s in members if basket_last not in seen[s.symbol].dates]

    # Carry each member's last adjusted close over sessions without a bar.
    level: list[float] = []
    for day in basket_days:
        value = 0.0
        for stock in members:
            sb = seen[stock.symbol]
            i = last_on_or_before(sb.dates, day)
            if i is None:
                raise AssertionError(f"test data: {stock.symbol} has no price by {day}")
            value += weights[stock.symbol] * 100 / base_price[stock.symbol] * sb.adj[i]
        level.append(value)
    kt = len(basket_days) - 1
    basket_windows = window_returns(basket_days, level, kt, event)
    basket_risk = risk(basket_days, level, kt, event, bench_returns_all)

    # --- stocks ---------------------------------------------------------------------
    stock_out: list[dict[str, Any]] = []
    own_returns: dict[str, list[tuple[dt.date, float]]] = {}
    for stock in stocks:
        sb = seen[stock.symbol]
        t = len(sb.dates) - 1 if sb.dates else None
        st = status(stock.symbol)
        if t is None:
            returns = dict.fromkeys(WINDOWS)
            exc = dict.fromkeys(WINDOWS)
        else:
            returns = window_returns(sb.dates, sb.adj, t, event)
            # "Same window": the benchmark measured to the stock's own last bar; None
            # when the benchmark has no row on that day.
            exc = excess_to(returns, sb.dates[t])
            own_returns[stock.symbol] = daily_returns(sb.dates, sb.adj, t)
        figures: dict[str, Any] = {
            "symbol": stock.symbol,
            "code": stock.code,
            "name": stock.name,
            "name_zh": stock.name_zh,
            "currency": "HKD",
            "status": st,
            "last_close": None if t is None else sb.close[t],
            "last_session": None if t is None else sb.dates[t].isoformat(),
            "returns": returns,
            "excess": exc,
            "risk": risk(sb.dates, sb.adj, t, event, bench_returns_all),
            "weight": weights.get(stock.symbol, 0.0),
            "in_basket": stock.symbol in weights,
            "adj_close_is_close": False,
            "close_is_adjusted": False,
            # Issue 18: a folder without fundamentals.csv has no consensus at all.
            "consensus": None,
            "dates_ahead": [],
        }
        keys = (
            "volume",
            "volume_ratio",
            "avg_turnover_20d",
            "high_52w",
            "low_52w",
            "from_high_52w",
            "from_low_52w",
            "ma_20",
            "ma_50",
            "above_ma_20",
            "above_ma_50",
        )
        figures.update(dict.fromkeys(keys))
        if t is not None:
            close, volume = sb.close, sb.volume
            figures["volume"] = volume[t]
            if t >= 5:
                figures["volume_ratio"] = volume[t] / (math.fsum(volume[t - 5 : t]) / 5)
            turnover = [c * v for c, v in zip(close, volume, strict=True)]
            figures["avg_turnover_20d"] = mean_of_last(turnover, t, 20)
            year_ago = sb.dates[t] - dt.timedelta(days=365)
            window = [close[i] for i in range(t + 1) if year_ago < sb.dates[i]]
            figures["high_52w"] = max(window)
            figures["low_52w"] = min(window)
            figures["from_high_52w"] = close[t] / max(window) - 1
            figures["from_low_52w"] = close[t] / min(window) - 1
            for n in (20, 50):
                ma = mean_of_last(close, t, n)
                figures[f"ma_{n}"] = ma
                figures[f"above_ma_{n}"] = None if ma is None else close[t] > ma
        # Contribution: weight x (price at the basket's last session / base price - 1),
        # prices carried; None outside the basket or when the basket has no since-event
        # return (then nothing has traded since its base).
        w = weights.get(stock.symbol)
        if w is None or basket_windows["since_event"] is None:
            figures["contribution"] = None
        else:
            i = last_on_or_before(sb.dates, basket_last)
            assert i is not None
            figures["contribution"] = w * (sb.adj[i] / base_price[stock.symbol] - 1)
        # Weight now: base weight x price relative / basket relative, at the basket's last
        # session (prices carried); None outside the basket.
        if w is None:
            figures["weight_now"] = None
        else:
            i = last_on_or_before(sb.dates, basket_last)
            assert i is not None
            figures["weight_now"] = w * (sb.adj[i] / base_price[stock.symbol]) / (level[kt] / 100.0)
        figures["last_new_high_52w"] = new_extreme(sb.dates, sb.close, high=True)
        figures["last_new_low_52w"] = new_extreme(sb.dates, sb.close, high=False)
        figures["high_52w_session"] = figures["low_52w_session"] = None
        if t is not None:
            year_ago = sb.dates[t] - dt.timedelta(days=365)
            inside = [i for i in range(t + 1) if year_ago < sb.dates[i]]
            for key, value in (
                ("high_52w_session", figures["high_52w"]),
                ("low_52w_session", figures["low_52w"]),
            ):
                figures[key] = max(sb.dates[i] for i in inside if sb.close[i] == value).isoformat()
        figures["ah_premium"] = ah_premium(stock.symbol, seen, as_of, base_session)
        stock_out.append(figures)

    # --- breadth ----------------------------------------------------------------------
    fresh = [f for f in stock_out if f["status"]["status"] == "fresh"]
    with_1d = [f for f in fresh if f["returns"]["one_day"] is not None]
    up = sum(1 for f in with_1d if f["returns"]["one_day"] > 0)
    down = sum(1 for f in with_1d if f["returns"]["one_day"] < 0)
    unchanged = sum(1 for f in with_1d if f["returns"]["one_day"] == 0)

    def share(flag: str) -> float | None:
        # Open point in the issue: taken among the constituents with a bar on the as-of
        # session (a stale stock's average is not today's) that have the average.
        flags = [f[flag] for f in fresh if f[flag] is not None]
        return None if not flags else sum(flags) / len(flags)

    def pick(pool: list[dict[str, Any]], window: str, best: bool) -> dict[str, Any] | None:
        pool = [f for f in pool if f["returns"][window] is not None]
        if not pool:
            return None
        chooser = max if best else min
        return chooser(pool, key=lambda f: f["returns"][window])

    leader_1d, laggard_1d = pick(with_1d, "one_day", True), pick(with_1d, "one_day", False)
    leader_ev = pick(stock_out, "since_event", True)
    laggard_ev = pick(stock_out, "since_event", False)
    breadth = {
        "up": up,
        "down": down,
        "unchanged": unchanged,
        "no_bar": len(stock_out) - len(fresh),
        "no_return": len(fresh) - len(with_1d),
        "share_above_ma_20": share("above_ma_20"),
        "share_above_ma_50": share("above_ma_50"),
        "above_ma_20": sum(1 for f in fresh if f["above_ma_20"]),
        "with_ma_20": sum(1 for f in fresh if f["above_ma_20"] is not None),
        "above_ma_50": sum(1 for f in fresh if f["above_ma_50"]),
        "with_ma_50": sum(1 for f in fresh if f["above_ma_50"] is not None),
        "leader_1d": leader_1d and leader_1d["symbol"],
        "laggard_1d": laggard_1d and laggard_1d["symbol"],
        "leader_since_event": leader_ev and leader_ev["symbol"],
        "laggard_since_event": laggard_ev and laggard_ev["symbol"],
    }

    # --- correlation matrix -------------------------------------------------------------
    # Every constituent, in book order; None for a pair without 20 common returns (the
    # diagonal too: a stock with fewer than 20 returns has no correlation to show).
    symbols = [s.symbol for s in stocks]
    matrix = [
        [
            None
            if a not in own_returns or b not in own_returns
            else pair_correlation(own_returns[a], own_returns[b])
            for b in symbols
        ]
        for a in symbols
    ]

    basket_excess = excess_to(basket_windows, basket_last)
    bench_last = bb.dates[bt] if bt is not None else None
    narrative = {
        "basket_return_5d": basket_windows["five_day"],
        "benchmark_return_5d": bench_windows["five_day"],
        "excess_5d": basket_excess["five_day"],
        "basket_return_1d": basket_windows["one_day"],
        "benchmark_return_1d": bench_windows["one_day"],
        "basket_since_event": basket_windows["since_event"],
        "benchmark_since_event": bench_windows["since_event"],
        "sessions_since_event": sum(1 for d in calendar_days if base_session < d <= as_of),
        "sessions_after_event": sum(
            1 for d in calendar_days if min(x for x in calendar_days if x >= event) < d <= as_of
        ),
        "leader_1d": breadth["leader_1d"],
        "leader_1d_return": leader_1d and leader_1d["returns"]["one_day"],
        "laggard_1d": breadth["laggard_1d"],
        "laggard_1d_return": laggard_1d and laggard_1d["returns"]["one_day"],
        "risers": up,
        "fallers": down,
        "unchanged": unchanged,
        "with_bar": len(fresh),
        "stale_symbols": [f["symbol"] for f in stock_out if f["status"]["status"] == "stale"]
        + ([benchmark] if status(benchmark)["status"] == "stale" else []),
        "missing_symbols": [f["symbol"] for f in stock_out if f["status"]["status"] == "missing"]
        + ([benchmark] if status(benchmark)["status"] == "missing" else []),
        "basket_last_session": basket_last.isoformat(),
        "basket_stale": basket_last < as_of,
        "excess_since_event": basket_excess["since_event"],
        "basket_carried": carried_members,
        "benchmark_last_session": iso(bench_last),
        "benchmark_stale": bench_last != as_of,
        "benchmark_behind_basket": basket_last not in bb.dates,
    }

    weight_values = list(weights.values())
    expected: dict[str, Any] = {
        "theme_id": theme_id,
        "as_of": as_of.isoformat(),
        "event_date": event.isoformat(),
        "source": source,
        "demo": False,
        "basket": {
            "base_session": base_session.isoformat(),
            "level": level[kt],
            "returns": basket_windows,
            "excess": basket_excess,
            "risk": basket_risk,
            "excluded": sorted(s.symbol for s in stocks if s.symbol not in weights),
            "max_weight": max(weight_values),
            "herfindahl": math.fsum(w * w for w in weight_values),
            "last_session": basket_last.isoformat(),
            "status": "fresh" if basket_last == as_of else "stale",
            "carried": carried_members,
            "backcast": backcast(basket_days, kt, event, base_session, basket_windows, basket_risk),
        },
        "benchmark": {
            "symbol": benchmark,
            "status": status(benchmark),
            "last_close": None if bt is None else bb.close[bt],
            "last_session": None if bt is None else bb.dates[bt].isoformat(),
            "returns": bench_windows,
            "risk": bench_risk,
        },
        "stocks": stock_out,
        "breadth": breadth,
        "correlation": {"symbols": symbols, "matrix": matrix},
        "narrative": narrative,
        "series": {
            "basket": dict(zip(basket_days, level, strict=True)),
            "benchmark": _rebased(bb, event),
            "stocks": {s.symbol: _rebased(seen[s.symbol], event) for s in members},
        },
        "events": event_studies(
            stocks,
            seen,
            benchmark,
            [(event, event_title, True), *((d, t, False) for d, t in catalysts)],
            as_of,
        ),
        "schema_version": 1,
    }
    if custom:
        expected["valuation"] = _custom_valuation(
            stocks, members, seen, base_price, weights, basket_days, level, event, source
        )
    return expected


def _custom_valuation(
    stocks: list[Constituent],
    members: list[Constituent],
    seen: dict[str, Bars],
    base_price: dict[str, float],
    weights: dict[str, float],
    basket_days: list[dt.date],
    level: list[float],
    event: dt.date,
    source: str,
) -> dict[str, Any]:
    """The ``valuation`` block of a custom-weight, one-currency theme without fundamentals:
    the scheme, its book weights, the holdings' weights on the basket's last session and
    the equal-weight basket's since-event return (``analytics/valuation.py``)."""
    book_total = math.fsum(s.weight or 0.0 for s in stocks)
    last = basket_days[-1]

    def held(symbol: str, day: dt.date, weight: float) -> float:
        sb = seen[symbol]
        i = last_on_or_before(sb.dates, day)
        assert i is not None
        return weight * 100 / base_price[symbol] * sb.adj[i]

    # The equal-weight basket: the same members, 1 / n each, bought at the same base.
    equal = {s.symbol: 1 / len(members) for s in members}
    equal_level = [math.fsum(held(s, day, w) for s, w in equal.items()) for day in basket_days]
    equal_since = window_returns(basket_days, equal_level, len(basket_days) - 1, event)
    empty = dict.fromkeys(
        (
            "date",
            "market_cap",
            "market_cap_currency",
            "market_cap_theme",
            "shares_outstanding",
            "trailing_pe",
            "price_to_book",
            "dividend_yield",
            "fetched_on",
            "problem",
            "fx_symbol",
            "since_event_theme",
        )
    )
    current = {s: held(s, last, w) / level[-1] for s, w in weights.items()}
    return {
        "currency": "HKD",
        "weighting": {
            "scheme": "custom",
            "cap": None,
            "target_weights": {s.symbol: (s.weight or 0.0) / book_total for s in stocks},
            "inputs": {},
            "left_out": {},
            "fallback": None,
            "passes": 0,
            "equal_since_event": equal_since["since_event"],
        },
        "stocks": [
            {
                "symbol": s.symbol,
                "currency": "HKD",
                **empty,
                "current_weight": current.get(s.symbol),
            }
            for s in stocks
        ],
        "basket": {
            **dict.fromkeys(("market_cap", "trailing_pe", "price_to_book", "dividend_yield")),
            "coverage": dict.fromkeys(
                ("market_cap", "trailing_pe", "price_to_book", "dividend_yield"), 0.0
            ),
        },
        "fx": [],
        "fundamentals_available": False,
        "fundamentals_source": source,
        "fundamentals_note": "no fundamentals.csv in the price folder",
    }


def _rebased(bars: Bars, event: dt.date) -> dict[dt.date, float]:
    """Adjusted close rebased to 100 at the symbol's event base bar."""
    base = last_before(bars.dates, event)
    if base is None:
        return {}
    return {d: 100 * p / bars.adj[base] for d, p in zip(bars.dates, bars.adj, strict=True)}


# --- the A/H premium (issue 18) ------------------------------------------------------------

#: The A+H pairs shipped with the package, read here with the csv module.
PAIRS_FILE = Path(__file__).resolve().parent.parent / "src/concepttrack/data/ah_pairs.csv"


def ah_premium(
    symbol: str, seen: dict[str, Bars], as_of: dt.date, base: dt.date
) -> dict[str, Any] | None:
    """``ah_premium`` of a stock: A close x CNYHKD close / H close - 1 on the H share's last
    session, each close the latest on or before it; the same at the base session."""
    with PAIRS_FILE.open(encoding="utf-8", newline="") as handle:
        pairs = {row["h_code"]: row["a_code"] for row in csv.DictReader(handle)}
    a_symbol = pairs.get(symbol)
    if a_symbol is None:
        return None
    empty = Bars([], [], [], [])
    h, a, fx = seen.get(symbol, empty), seen.get(a_symbol, empty), seen.get("CNYHKD=X", empty)

    def at(bars: Bars, day: dt.date) -> tuple[float | None, dt.date | None]:
        i = last_on_or_before(bars.dates, day) if bars.dates else None
        return (None, None) if i is None else (bars.close[i], bars.dates[i])

    def premium(day: dt.date) -> float | None:
        (hc, _), (ac, _), (rate, _) = at(h, day), at(a, day), at(fx, day)
        return None if hc is None or ac is None or rate is None else ac * rate / hc - 1

    h_close, session = at(h, as_of)
    assert session is not None
    a_close, a_day = at(a, session)
    rate, fx_day = at(fx, session)
    friday_or_before = session - dt.timedelta(days=3 if session.weekday() == 0 else 1)
    fx_status = (
        "missing"
        if fx_day is None
        else "fresh"
        if fx_day >= session
        else "carried"
        if fx_day >= friday_or_before
        else "stale"
    )
    now, then = premium(session), premium(base)
    return {
        "h_symbol": symbol,
        "a_symbol": a_symbol,
        "fx_symbol": "CNYHKD=X",
        "currency": "HKD",
        "a_currency": "CNY",
        "session": session.isoformat(),
        "h_close": h_close,
        "a_close": a_close,
        "a_session": a_day and a_day.isoformat(),
        "a_stale": a_day is not None and a_day < session,
        "fx_rate": rate,
        "fx_session": fx_day and fx_day.isoformat(),
        "fx_status": fx_status,
        "a_close_h": None if a_close is None or rate is None else a_close * rate,
        "premium": now,
        "base_session": base.isoformat(),
        "base_premium": then,
        "change_since_event": None if now is None or then is None else now - then,
    }
