"""A realistic Sora-compute theme and a hand-built ThemeSnapshot for the renderer tests.

The prices are synthetic but shaped like the real ones around the Sora launch
(16 Feb 2024, HKEX closed 12-13 Feb for Lunar New Year): Baidu near HKD 90, ZTE near
HKD 17, China Mobile near HKD 66, China Telecom near HKD 4.2, the HSI near 16,500.
Every figure is derived from the series here with the definitions of the analytics
issue, so the key figures, the table and the charts agree with each other.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random

from concepttrack.analytics.event_model import EventStudies
from concepttrack.analytics.model import (
    BasketFigures,
    BenchmarkFigures,
    Breadth,
    ChartSeries,
    Correlation,
    DataStatus,
    Drawdown,
    NarrativeFacts,
    RiskFigures,
    Series,
    SinceLastNote,
    StockFigures,
    ThemeSnapshot,
    WindowReturns,
)
from concepttrack.reasons import reason
from concepttrack.themes import Theme, parse_themes

SORA_YAML = """\
version: 1
themes:
  - id: sora-compute
    title: "Sora: text-to-video lifts AI computing power"
    title_zh: "Sora文生视频 带动算力需求"
    thesis: |
      OpenAI's Sora turns text into minute-long, high-definition video. Video models use
      far more computing power than text, audio or images, in training and above all in
      inference, so the demand falls on data centres, servers, switches and the
      carriers' computing networks.

      Brokers agree on the direction: multimodal models still follow the scaling law, and
      computing power becomes the bottleneck of the multimodal era.
    event:
      date: 2024-02-16
      title: OpenAI unveils Sora
      detail: >-
        First text-to-video model: one-minute HD clips with several characters, specific
        motion and detailed backgrounds.
      source: OpenAI
    catalysts:
      - date: 2024-02-26
        title: China Mobile computing-power packages
        detail: Carrier launches "capability + computing power" bundles.
      - date: 2024-03-18
        title: Nvidia GTC keynote
        detail: Blackwell platform announced.
    views:
      - source: Guotai Junan
        date: 2024-02-18
        summary: >-
          Sora drives a leap in multimodal AI; demand for computing infrastructure in
          multimodal training and inference will rise further.
      - source: Guosheng Securities
        date: 2024-02-19
        summary: >-
          Sora still follows the scaling law; computing power is one of the most critical
          bottlenecks of the multimodal era.
        rating: Overweight sector
      - source: Huatai Securities
        date: 2024-02
        summary: >-
          Video applications consume far more computing power than text, audio and
          images; watch inference-side demand and whether commercialisation closes the
          loop between income and investment.
    risks:
      - title: Commercialisation is unproven
        detail: Sora's access and pricing are undisclosed; revenue may lag spending.
      - title: Export controls on advanced chips
        detail: Tighter US rules could cap domestic clusters' capacity.
      - title: Carriers' capex discipline
        detail: The carriers guide total capex lower even as computing spend rises.
    stocks:
      - code: "09888"
        name: Baidu Group-SW
        name_zh: 百度集团-SW
        exposure: platform
        rationale: >-
          Baidu Cloud Computing (Yangquan) Center, its first large self-built data centre,
          has run 1,533 days and serves Search, Intelligent Cloud and autonomous driving.
      - code: "00763"
        name: ZTE
        name_zh: 中兴通讯
        exposure: supplier
        rationale: >-
          Intelligent cloud-card DPU offloads virtualisation, network and storage; servers
          support liquid cooling, GPUs and 400G; data-centre switches evolve to 800G.
      - code: "00941"
        name: China Mobile
        name_zh: 中国移动
        exposure: infrastructure
        rationale: >-
          New "capability + computing power" packages and a "3+2+1" computing terminal
          system: cloud phones, cloud PCs, computing hosts and one cloud OS.
      - code: "00728"
        name: China Telecom
        name_zh: 中国电信
        exposure: infrastructure
        rationale: >-
          Over 700 data centres, 3,000+ edge computing centres and 513,000 IDC racks at
          more than 70% utilisation; 6.2 EFLOPS of computing power by end-2023.
    benchmark: "^HSI"
    tags: [ai, compute, sora]
"""

AS_OF = dt.date(2024, 3, 28)
EVENT = dt.date(2024, 2, 16)
#: HKEX holidays in the window (Lunar New Year, Good Friday is 29 Mar, after as-of).
_HOLIDAYS = {dt.date(2024, 1, 1), dt.date(2024, 2, 12), dt.date(2024, 2, 13)}
_START = dt.date(2023, 3, 20)

#: symbol -> (price at the event base, price at as-of, idiosyncratic daily vol,
#: last-year-end price, beta to the HSI's daily moves)
_SHAPES: dict[str, tuple[float, float, float, float, float]] = {
    "9888.HK": (88.10, 99.45, 0.017, 92.80, 1.45),
    "0763.HK": (16.02, 17.38, 0.021, 14.86, 1.10),
    "0941.HK": (65.80, 67.55, 0.008, 63.85, 0.55),
    "0728.HK": (4.12, 4.41, 0.011, 4.06, 0.65),
    "^HSI": (15944.63, 16541.42, 0.0, 17047.39, 1.0),
}
_MARKET_VOL = 0.013
_VOLUMES = {"9888.HK": 7.1e6, "0763.HK": 21.4e6, "0941.HK": 15.2e6, "0728.HK": 88.0e6}


def sora_theme(yaml_text: str = SORA_YAML) -> Theme:
    """The Sora theme parsed from YAML, exactly as the CLI would load it."""
    return parse_themes(yaml_text).themes[0]


def sessions(start: dt.date = _START, end: dt.date = AS_OF) -> list[dt.date]:
    """Weekdays that are not the listed HKEX holidays."""
    day, out = start, []
    while day <= end:
        if day.weekday() < 5 and day not in _HOLIDAYS:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _path(symbol: str, days: list[dt.date], base_index: int) -> list[float]:
    """A seeded random walk pinned to the base price, the as-of price and the year-end."""
    base, last, vol, year_end, beta = _SHAPES[symbol]
    market = random.Random("^HSI")
    own = random.Random(symbol)
    steps = [beta * market.gauss(0.0, _MARKET_VOL) + own.gauss(0.0, vol) for _ in days]
    logs = [0.0]
    for step in steps[1:]:
        logs.append(logs[-1] + step)
    # Pin three anchors with piecewise-linear corrections in log space.
    year_end_index = max(i for i, d in enumerate(days) if d.year == 2023)
    anchors = [
        (0, logs[0] + math.log(year_end * 0.93)),
        (year_end_index, math.log(year_end)),
        (base_index, math.log(base)),
        (len(days) - 1, math.log(last)),
    ]
    out = []
    for i, value in enumerate(logs):
        for (i0, target0), (i1, target1) in itertools.pairwise(anchors):
            if i0 <= i <= i1:
                frac = (i - i0) / ((i1 - i0) or 1)
                drift0 = target0 - logs[i0]
                drift1 = target1 - logs[i1]
                out.append(math.exp(value + drift0 + frac * (drift1 - drift0)))
                break
    return out


def _window(prices: list[float], days: list[dt.date], base: int | None) -> float | None:
    if base is None or base < 0:
        return None
    return prices[-1] / prices[base] - 1


def _index_on_or_before(days: list[dt.date], target: dt.date) -> int | None:
    found = [i for i, d in enumerate(days) if d <= target]
    return found[-1] if found else None


def _returns(prices: list[float], days: list[dt.date], base_index: int) -> WindowReturns:
    last = len(days) - 1
    return WindowReturns(
        one_day=_window(prices, days, last - 1),
        five_day=_window(prices, days, last - 5),
        one_month=_window(prices, days, _index_on_or_before(days, dt.date(2024, 2, 28))),
        three_month=_window(prices, days, _index_on_or_before(days, dt.date(2023, 12, 28))),
        six_month=_window(prices, days, _index_on_or_before(days, dt.date(2023, 9, 28))),
        one_year=None,
        ytd=_window(prices, days, _index_on_or_before(days, dt.date(2023, 12, 31))),
        since_event=_window(prices, days, base_index),
    )


def _minus(a: WindowReturns, b: WindowReturns) -> WindowReturns:
    def diff(x: float | None, y: float | None) -> float | None:
        return None if x is None or y is None else x - y

    return WindowReturns(
        **{
            name: diff(getattr(a, name), getattr(b, name))
            for name in (
                "one_day",
                "five_day",
                "one_month",
                "three_month",
                "six_month",
                "one_year",
                "ytd",
                "since_event",
            )
        }
    )


def _daily(prices: list[float]) -> list[float]:
    return [b / a - 1 for a, b in itertools.pairwise(prices)]


def _stdev(xs: list[float]) -> float:
    mean = sum(xs) / len(xs)
    return math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def _cov(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


def _risk(prices: list[float], bench: list[float], days: list[dt.date], base: int) -> RiskFigures:
    r, rb = _daily(prices)[-252:], _daily(bench)[-252:]
    window = prices[base:]
    peak, worst, peak_at, trough_at, best_peak_at = window[0], 0.0, base, base, base
    for offset, price in enumerate(window):
        if price > peak:
            peak, best_peak_at = price, base + offset
        drawdown = price / peak - 1
        if drawdown < worst:
            worst, peak_at, trough_at = drawdown, best_peak_at, base + offset
    return RiskFigures(
        volatility_1y=_stdev(r) * math.sqrt(252),
        drawdown_since_event=Drawdown(worst, days[peak_at], days[trough_at]),
        beta_1y=_cov(r, rb) / _stdev(rb) ** 2,
        correlation_1y=_cov(r, rb) / (_stdev(r) * _stdev(rb)),
    )


def _events(
    theme: Theme, paths: dict[str, list[float]], days: list[dt.date], stale: str | None
) -> EventStudies:
    """The event study of the fixture's prices (issue 10), from the analytics themselves:
    its numbers are checked against independent references in test_analytics_events and
    test_numbers_end_to_end; here it only feeds the renderer."""
    import pandas as pd

    from concepttrack.analytics.events import catalysts_of, study_events

    def frame(symbol: str) -> pd.Series:
        cut = len(days) - (1 if symbol == stale else 0)
        return pd.Series(paths[symbol][:cut], index=pd.DatetimeIndex(days[:cut]))

    return study_events(
        catalysts_of(theme),
        {symbol: frame(symbol) for symbol in theme.symbols},
        theme.weights(),
        frame("^HSI"),
        "^HSI",
        AS_OF,
    )


def sora_snapshot(
    *,
    demo: bool = False,
    stale_symbol: str | None = None,
    source: str = "yahoo",
    events: bool = True,
) -> ThemeSnapshot:
    """The Sora theme's snapshot at 28 Mar 2024; ``stale_symbol`` has no bar that day.

    ``events=False`` leaves the event study out (the note then has no "How the concept
    reacted" section)."""
    theme = sora_theme()
    days = sessions()
    base_index = max(i for i, d in enumerate(days) if d < EVENT)
    paths = {symbol: _path(symbol, days, base_index) for symbol in _SHAPES}
    bench = paths["^HSI"]
    bench_returns = _returns(bench, days, base_index)
    weights = theme.weights()

    stocks: list[StockFigures] = []
    for stock in theme.stocks:
        symbol = stock.symbol
        own_days, prices = days, paths[symbol]
        status = DataStatus(symbol, "fresh", AS_OF)
        if symbol == stale_symbol:
            own_days, prices = days[:-1], prices[:-1]
            status = DataStatus(
                symbol, "stale", own_days[-1], reason=reason("no_bar_since", date=own_days[-1])
            )
        returns = _returns(prices, own_days, base_index)
        year = [p for d, p in zip(own_days, prices, strict=True) if d > AS_OF - dt.timedelta(365)]
        volumes = [_VOLUMES[symbol] * (0.8 + 0.05 * (i % 7)) for i in range(6)]
        volumes[-1] *= 2.3 if symbol == "0763.HK" else 1.1
        stocks.append(
            StockFigures(
                symbol=symbol,
                code=stock.display_code,
                name=stock.name,
                name_zh=stock.name_zh,
                currency="HKD",
                status=status,
                last_close=prices[-1],
                last_session=own_days[-1],
                returns=returns,
                excess=_minus(returns, bench_returns),
                volume=volumes[-1],
                volume_ratio=volumes[-1] / (sum(volumes[:-1]) / 5),
                avg_turnover_20d=sum(p * _VOLUMES[symbol] for p in prices[-20:]) / 20,
                high_52w=max(year),
                low_52w=min(year),
                from_high_52w=prices[-1] / max(year) - 1,
                from_low_52w=prices[-1] / min(year) - 1,
                ma_20=sum(prices[-20:]) / 20,
                ma_50=sum(prices[-50:]) / 50,
                above_ma_20=prices[-1] > sum(prices[-20:]) / 20,
                above_ma_50=prices[-1] > sum(prices[-50:]) / 50,
                risk=_risk(prices, bench[: len(prices)], own_days, base_index),
                weight=weights[symbol],
                contribution=(
                    weights[symbol] * returns.since_event
                    if returns.since_event is not None
                    else None
                ),
            )
        )

    shares = {s: weights[s] * 100 / paths[s][base_index] for s in theme.symbols}
    level = [sum(n * paths[s][i] for s, n in shares.items()) for i in range(len(days))]
    if stale_symbol:  # carry the stale constituent's last price
        n = shares[stale_symbol]
        level[-1] += n * (paths[stale_symbol][-2] - paths[stale_symbol][-1])
    basket_returns = _returns(level, days, base_index)

    def rebased(prices: list[float]) -> list[float]:
        return [100 * p / prices[base_index] for p in prices]

    chart_from = max(0, base_index - 20)
    fresh = [s for s in stocks if s.status.status == "fresh"]
    one_day = {s.symbol: s.returns.one_day for s in fresh if s.returns.one_day is not None}
    since = {s.symbol: s.returns.since_event for s in stocks if s.returns.since_event is not None}
    leader_1d, laggard_1d = (
        max(one_day, key=one_day.__getitem__),
        min(one_day, key=one_day.__getitem__),
    )
    up = sum(1 for v in one_day.values() if v > 0)
    down = sum(1 for v in one_day.values() if v < 0)
    corr_symbols = theme.symbols
    daily = {s: _daily(paths[s])[-252:] for s in corr_symbols}
    matrix: list[list[float | None]] = [
        [_cov(daily[a], daily[b]) / (_stdev(daily[a]) * _stdev(daily[b])) for b in corr_symbols]
        for a in corr_symbols
    ]

    return ThemeSnapshot(
        theme_id=theme.id,
        as_of=AS_OF,
        event_date=EVENT,
        source="demo" if demo else source,
        demo=demo,
        basket=BasketFigures(
            base_session=days[base_index],
            level=level[-1],
            returns=basket_returns,
            excess=_minus(basket_returns, bench_returns),
            risk=_risk(level, bench, days, base_index),
            max_weight=max(weights.values()),
            herfindahl=sum(w * w for w in weights.values()),
            last_session=AS_OF,
            status="fresh",
            carried=[stale_symbol] if stale_symbol else [],
        ),
        benchmark=BenchmarkFigures(
            symbol="^HSI",
            status=DataStatus("^HSI", "fresh", AS_OF),
            last_close=bench[-1],
            last_session=AS_OF,
            returns=bench_returns,
            risk=_risk(bench, bench, days, base_index),
        ),
        stocks=stocks,
        breadth=Breadth(
            up=up,
            down=down,
            unchanged=len(one_day) - up - down,
            no_bar=len(stocks) - len(fresh),
            share_above_ma_20=sum(1 for s in stocks if s.above_ma_20) / len(stocks),
            share_above_ma_50=sum(1 for s in stocks if s.above_ma_50) / len(stocks),
            above_ma_20=sum(1 for s in stocks if s.above_ma_20),
            with_ma_20=len(stocks),
            above_ma_50=sum(1 for s in stocks if s.above_ma_50),
            with_ma_50=len(stocks),
            leader_1d=leader_1d,
            laggard_1d=laggard_1d,
            leader_since_event=max(since, key=since.__getitem__),
            laggard_since_event=min(since, key=since.__getitem__),
        ),
        correlation=Correlation(symbols=corr_symbols, matrix=matrix),
        narrative=NarrativeFacts(
            basket_return_5d=basket_returns.five_day,
            benchmark_return_5d=bench_returns.five_day,
            excess_5d=_minus(basket_returns, bench_returns).five_day,
            basket_return_1d=basket_returns.one_day,
            benchmark_return_1d=bench_returns.one_day,
            basket_since_event=basket_returns.since_event,
            benchmark_since_event=bench_returns.since_event,
            sessions_since_event=len(days) - 1 - base_index,
            leader_1d=leader_1d,
            leader_1d_return=one_day[leader_1d],
            laggard_1d=laggard_1d,
            laggard_1d_return=one_day[laggard_1d],
            risers=up,
            fallers=down,
            unchanged=len(one_day) - up - down,
            with_bar=len(one_day),
            stale_symbols=[stale_symbol] if stale_symbol else [],
            basket_last_session=AS_OF,
            excess_since_event=_minus(basket_returns, bench_returns).since_event,
            basket_carried=[stale_symbol] if stale_symbol else [],
            benchmark_last_session=AS_OF,
        ),
        series=ChartSeries(
            basket=Series(days[chart_from:], rebased(level)[chart_from:]),
            benchmark=Series(days[chart_from:], rebased(bench)[chart_from:]),
            stocks={
                s.symbol: Series(
                    days[chart_from : len(days) - (1 if s.symbol == stale_symbol else 0)],
                    rebased(paths[s.symbol])[
                        chart_from : len(days) - (1 if s.symbol == stale_symbol else 0)
                    ],
                )
                for s in theme.stocks
            },
        ),
        events=_events(theme, paths, days, stale_symbol) if events else EventStudies(),
    )


def sora_since_last() -> SinceLastNote:
    """Changes since a note of 21 Mar 2024."""
    return SinceLastNote(
        previous_as_of=dt.date(2024, 3, 21),
        basket_change=0.0412,
        benchmark_change=-0.0087,
        previous_leader="0941.HK",
        new_leader="9888.HK",
        new_52w_highs=["0763.HK"],
        volume_spikes={"0763.HK": 2.31},
        new_views=["Huatai Securities, 2024-02"],
    )
