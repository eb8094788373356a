"""build_snapshot wires every definition together: statuses, basket, breadth, charts, JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from concepttrack.analytics import metrics
from concepttrack.analytics.model import DataStatus, Series, ThemeSnapshot, WindowReturns
from concepttrack.analytics.snapshot import CHART_LEAD_IN_SESSIONS, build_snapshot, resolve_as_of
from concepttrack.errors import DataError
from concepttrack.prices.frame import PriceFrame, empty_bars
from concepttrack.reasons import reason, said
from tests.analytics_fixtures import bars, day, history, price_frame, random_bars, sessions, theme

# HK-like calendar: weekdays minus Lunar New Year (12-13 Feb) and Good Friday (29 Mar).
CAL = sessions("2023-06-01", "2024-04-30", holidays=["2024-02-12", "2024-02-13", "2024-03-29"])
EVENT = day("2024-02-12")  # news on a holiday Monday: base session is Friday 9 Feb
BASE = day("2024-02-09")
AS_OF = day("2024-03-28")
# The CAL sessions up to AS_OF; bars after it exist and must be ignored.
THEME = theme(["0700", "9888", "2800", "0005"], EVENT)
A, B, C, D = THEME.symbols


def scenario() -> PriceFrame:
    """A fresh, B suspended after 19 Mar, C listed after the event, D not found; data to 30 Apr."""
    b_bars = random_bars(CAL, seed=2, start=80.0)
    c_bars = random_bars(CAL, seed=3, start=20.0)
    return price_frame(
        {
            A: random_bars(CAL, seed=1, start=300.0),
            B: b_bars[(b_bars.index <= "2024-03-19") | (b_bars.index > "2024-04-10")],
            C: c_bars[c_bars.index >= "2024-02-20"],
            D: history(D, empty_bars(), problem="not found"),
            "^HSI": random_bars(CAL, seed=9, start=16000.0),
        }
    )


@pytest.fixture(scope="module")
def snap() -> ThemeSnapshot:
    return build_snapshot(THEME, scenario(), AS_OF, CAL)


def adj_through(frame: PriceFrame, symbol: str, last: str) -> pd.Series:
    adj = frame.get(symbol).bars["adj_close"]
    return adj[adj.index <= last]


def test_header(snap: ThemeSnapshot) -> None:
    assert snap.theme_id == "test-theme"
    assert snap.as_of == AS_OF
    assert snap.event_date == EVENT
    assert snap.source == "test"
    assert snap.demo is False


def test_data_status_fresh_stale_missing(snap: ThemeSnapshot) -> None:
    served = {"served_by": "test", "vendor": "test"}  # the test source serves them all
    assert snap.statuses == [
        DataStatus(A, "fresh", AS_OF, **served),
        DataStatus(
            B, "stale", day("2024-03-19"), reason("no_bar_since", date=day("2024-03-19")), **served
        ),
        DataStatus(C, "fresh", AS_OF, **served),
        DataStatus(D, "missing", None, said("not found"), **served),
        DataStatus("^HSI", "fresh", AS_OF, **served),
    ]


def test_stale_reason_comes_from_the_price_layer_when_given() -> None:
    frame = scenario()
    frame.histories[B].problem = "fetch failed: rate limited"
    snap = build_snapshot(THEME, frame, AS_OF, CAL)
    assert snap.stock(B).status.reason == said("fetch failed: rate limited")
    frame.histories.pop(A)
    snap = build_snapshot(THEME, frame, AS_OF, CAL)
    assert snap.stock(A).status == DataStatus(A, "missing", None, reason("not_requested"))


def test_missing_without_a_problem_says_no_data() -> None:
    frame = scenario()
    frame.histories[D] = history(D, empty_bars())
    assert build_snapshot(THEME, frame, AS_OF, CAL).stock(D).status.reason == reason("no_data")


def test_stock_figures_match_the_definitions(snap: ThemeSnapshot) -> None:
    frame = scenario()
    raw = frame.get(A).bars
    raw = raw[raw.index <= "2024-03-28"]
    figures = snap.stock(A)
    assert figures.code == "00700"
    assert figures.name == "Stock 0700"
    assert figures.name_zh == "股票0700"
    assert figures.currency == "HKD"
    # Displayed price is the traded close; returns use the adjusted close.
    assert figures.last_close == raw["close"].iloc[-1]
    assert figures.returns == metrics.window_returns(raw["adj_close"], EVENT)
    assert figures.returns.since_event == pytest.approx(
        raw["adj_close"].iloc[-1] / raw["adj_close"].loc["2024-02-09"] - 1
    )
    assert figures.volume == raw["volume"].iloc[-1]
    assert figures.ma_20 == pytest.approx(raw["close"].iloc[-20:].mean())
    assert figures.high_52w == raw["close"][raw.index > "2023-03-29"].max()
    assert figures.avg_turnover_20d == pytest.approx(
        (raw["close"] * raw["volume"]).iloc[-20:].mean()
    )
    bench = snap.benchmark.returns
    assert figures.excess.one_day == pytest.approx(figures.returns.one_day - bench.one_day)
    assert figures.excess.since_event == pytest.approx(
        figures.returns.since_event - bench.since_event
    )
    assert figures.risk.volatility_1y is not None
    assert figures.risk.beta_1y is not None
    assert figures.in_basket
    assert figures.weight == pytest.approx(0.5)


def test_stale_stock_is_computed_as_of_its_last_bar(snap: ThemeSnapshot) -> None:
    figures = snap.stock(B)
    adj = adj_through(scenario(), B, "2024-03-19")
    assert figures.last_session == day("2024-03-19")
    assert figures.returns.one_day == pytest.approx(adj.iloc[-1] / adj.iloc[-2] - 1)
    assert figures.in_basket


def test_basket_by_the_definition(snap: ThemeSnapshot) -> None:
    frame = scenario()
    a = adj_through(frame, A, "2024-03-28")
    b = adj_through(frame, B, "2024-03-28")
    basket = snap.basket
    assert basket.base_session == BASE
    # C listed after the event and D has no data: both left out and named.
    assert basket.excluded == {
        C: reason("no_price_at_base", base=BASE, first=day("2024-02-20")),
        D: reason("no_price_data"),
    }
    r_a = a.iloc[-1] / a.loc["2024-02-09"] - 1
    r_b = b.iloc[-1] / b.loc["2024-02-09"] - 1  # B carries its 19 Mar price
    assert basket.level == pytest.approx(100 * (1 + 0.5 * r_a + 0.5 * r_b))
    assert basket.returns.since_event == pytest.approx(0.5 * r_a + 0.5 * r_b)
    assert basket.excess.since_event == pytest.approx(
        basket.returns.since_event - snap.benchmark.returns.since_event
    )
    assert basket.max_weight == pytest.approx(0.5)
    assert basket.herfindahl == pytest.approx(0.5)
    contributions = [s.contribution for s in snap.stocks]
    assert contributions[2:] == [None, None]
    assert sum(c for c in contributions if c is not None) == pytest.approx(
        basket.returns.since_event, abs=1e-14
    )
    assert snap.stock(C).in_basket is False
    assert snap.stock(C).weight == 0.0
    assert snap.stock(C).excluded_reason == basket.excluded[C]


def test_breadth_uses_only_symbols_with_a_bar_today(snap: ThemeSnapshot) -> None:
    breadth = snap.breadth
    assert breadth.no_bar == 2  # B stale, D missing
    assert breadth.up + breadth.down + breadth.unchanged == 2
    fresh = {A: snap.stock(A).returns.one_day, C: snap.stock(C).returns.one_day}
    assert breadth.leader_1d == max(fresh, key=lambda s: fresh[s] or 0.0)
    assert breadth.laggard_1d == min(fresh, key=lambda s: fresh[s] or 0.0)
    assert B not in (breadth.leader_1d, breadth.laggard_1d)


def test_narrative_facts(snap: ThemeSnapshot) -> None:
    facts = snap.narrative
    assert facts.basket_return_5d == snap.basket.returns.five_day
    assert facts.benchmark_return_5d == snap.benchmark.returns.five_day
    assert facts.excess_5d == pytest.approx(facts.basket_return_5d - facts.benchmark_return_5d)
    assert facts.basket_return_1d == snap.basket.returns.one_day
    assert facts.benchmark_return_1d == snap.benchmark.returns.one_day
    assert facts.basket_since_event == snap.basket.returns.since_event
    assert facts.benchmark_since_event == snap.benchmark.returns.since_event
    # Sessions after Fri 9 Feb up to Thu 28 Mar: 14-16 Feb (3), 19 Feb-28 Mar (29).
    assert facts.sessions_since_event == 32
    assert facts.leader_1d == snap.breadth.leader_1d
    assert facts.leader_1d_return == snap.stock(facts.leader_1d or "").returns.one_day
    assert facts.laggard_1d_return == snap.stock(facts.laggard_1d or "").returns.one_day
    assert (facts.risers, facts.fallers, facts.unchanged) == (
        snap.breadth.up,
        snap.breadth.down,
        snap.breadth.unchanged,
    )
    assert facts.with_bar == 2
    assert facts.stale_symbols == [B]
    assert facts.missing_symbols == [D]


def test_chart_series_rebased_at_the_event_base_with_a_lead_in(snap: ThemeSnapshot) -> None:
    charts = snap.series
    cal = [d.date() for d in CAL if d.date() <= AS_OF]
    start = cal[cal.index(BASE) - CHART_LEAD_IN_SESSIONS]
    assert charts.basket.sessions == cal[cal.index(start) :]
    assert charts.basket.values[charts.basket.sessions.index(BASE)] == pytest.approx(100.0)
    assert charts.basket.values[-1] == pytest.approx(snap.basket.level)
    assert charts.benchmark.sessions[0] == start
    assert charts.benchmark.values[charts.benchmark.sessions.index(BASE)] == pytest.approx(100.0)
    assert list(charts.stocks) == THEME.symbols
    # A stale stock's line stops at its last bar; no base means no line.
    assert charts.stocks[B].sessions[-1] == day("2024-03-19")
    assert charts.stocks[C] == Series()
    assert charts.stocks[D] == Series()
    assert charts.stocks[A].values[-1] == pytest.approx(
        100 * (1 + snap.stock(A).returns.since_event)
    )


def test_correlation_in_theme_order(snap: ThemeSnapshot) -> None:
    corr = snap.correlation
    assert corr.symbols == THEME.symbols
    assert corr.matrix[0][0] == pytest.approx(1.0)
    assert corr.matrix[0][1] == corr.matrix[1][0]
    assert corr.matrix[3] == [None] * 4


def test_to_dict_is_plain_json(snap: ThemeSnapshot) -> None:
    data = snap.to_dict()
    text = json.dumps(data, allow_nan=False, ensure_ascii=False)
    again = json.loads(text)
    assert again["as_of"] == "2024-03-28"
    assert again["basket"]["base_session"] == "2024-02-09"
    assert again["stocks"][3]["returns"]["since_event"] is None
    assert again["breadth"]["no_bar"] == 2


# --- as-of handling -------------------------------------------------------------------


def test_as_of_snaps_to_the_previous_session() -> None:
    assert resolve_as_of(CAL, day("2024-03-29")) == AS_OF  # Good Friday
    assert resolve_as_of(CAL, day("2024-03-31")) == AS_OF  # Easter Sunday
    assert resolve_as_of(CAL, AS_OF) == AS_OF
    with pytest.raises(DataError, match=r"^no trading session on or before 2023-01-01 in the"):
        resolve_as_of(CAL, day("2023-01-01"))
    with pytest.raises(DataError):
        build_snapshot(THEME, scenario(), AS_OF, CAL[:0])


def test_holiday_as_of_equals_the_previous_session(snap: ThemeSnapshot) -> None:
    frame = scenario()
    assert build_snapshot(THEME, frame, day("2024-03-30"), CAL).to_dict() == snap.to_dict()


def test_bars_after_as_of_change_nothing(snap: ThemeSnapshot) -> None:
    frame = scenario()
    for h in frame.histories.values():
        h.bars = h.bars[h.bars.index <= "2024-03-28"]
    cut_calendar = CAL[CAL <= "2024-03-28"]
    assert build_snapshot(THEME, frame, AS_OF, cut_calendar).to_dict() == snap.to_dict()


def test_timezone_aware_sessions_are_accepted(snap: ThemeSnapshot) -> None:
    aware = CAL.tz_localize("UTC")
    assert build_snapshot(THEME, scenario(), AS_OF, aware).to_dict() == snap.to_dict()


# --- edge cases -----------------------------------------------------------------------


def test_event_before_the_first_bar() -> None:
    cal = sessions("2024-01-02", "2024-03-28")
    early = theme(["0700"], day("2023-06-01"))
    frame = price_frame({"0700.HK": random_bars(cal, 1), "^HSI": random_bars(cal, 2)})
    snap = build_snapshot(early, frame, AS_OF, cal)
    figures = snap.stock("0700.HK")
    assert figures.returns.since_event is None
    assert figures.risk.drawdown_since_event.max_drawdown is None
    assert figures.returns.one_day is not None
    assert snap.basket.base_session is None
    assert snap.basket.level is None
    assert snap.basket.excluded == {
        "0700.HK": reason("no_session_before_event", date=day("2023-06-01"))
    }
    assert snap.narrative.sessions_since_event is None
    assert snap.series.basket == Series()
    json.dumps(snap.to_dict(), allow_nan=False)


def test_fewer_than_20_returns_has_no_volatility_or_beta() -> None:
    cal = sessions("2024-03-01", "2024-03-28")  # 20 sessions -> 19 returns
    short = theme(["0700"], day("2024-03-11"))
    frame = price_frame({"0700.HK": random_bars(cal, 1), "^HSI": random_bars(cal, 2)})
    snap = build_snapshot(short, frame, AS_OF, cal)
    risk = snap.stock("0700.HK").risk
    assert (risk.volatility_1y, risk.beta_1y, risk.correlation_1y) == (None, None, None)
    assert snap.basket.risk.volatility_1y is None
    assert snap.stock("0700.HK").ma_20 is not None  # 20 bars is enough for MA20
    assert snap.stock("0700.HK").ma_50 is None
    assert snap.breadth.share_above_ma_50 is None


def test_missing_benchmark_leaves_excess_and_beta_missing() -> None:
    cal = sessions("2023-06-01", "2024-03-28")
    one = theme(["0700"], EVENT)
    frame = price_frame({"0700.HK": random_bars(cal, 1)})
    snap = build_snapshot(one, frame, AS_OF, cal)
    assert snap.benchmark.status == DataStatus("^HSI", "missing", None, reason("not_requested"))
    assert snap.stock("0700.HK").excess.one_day is None
    assert snap.stock("0700.HK").risk.beta_1y is None
    assert snap.basket.excess.since_event is None
    assert snap.narrative.missing_symbols == ["^HSI"]
    json.dumps(snap.to_dict(), allow_nan=False)


def test_custom_weights_flow_into_the_basket() -> None:
    cal = sessions("2023-06-01", "2024-03-28")
    weighted = theme(["0700", "9888"], EVENT, weights=[3, 1])
    frame = price_frame(
        {
            "0700.HK": bars(cal, np.full(len(cal), 10.0).tolist()),
            "9888.HK": bars(cal, np.r_[np.full(len(cal) - 1, 20.0), 30.0].tolist()),
            "^HSI": random_bars(cal, 2),
        }
    )
    snap = build_snapshot(weighted, frame, AS_OF, cal)
    assert snap.stock("0700.HK").weight == pytest.approx(0.75)
    assert snap.basket.returns.since_event == pytest.approx(0.25 * 0.5)
    assert snap.basket.returns.one_day == pytest.approx(0.125)
    assert snap.stock("9888.HK").contribution == pytest.approx(0.125)
    assert snap.basket.max_weight == pytest.approx(0.75)
    assert snap.basket.herfindahl == pytest.approx(0.625)
    assert snap.stock("0700.HK").risk.drawdown_since_event.max_drawdown == 0.0


# --- stale basket and stale benchmark ---------------------------------------------------


def test_fresh_basket_names_its_carried_member(snap: ThemeSnapshot) -> None:
    assert snap.basket.status == "fresh"
    assert snap.basket.last_session == AS_OF
    assert snap.basket.carried == [B]
    assert snap.narrative.basket_carried == [B]
    assert snap.narrative.basket_last_session == AS_OF
    assert not snap.narrative.basket_stale
    assert not snap.narrative.benchmark_behind_basket
    assert snap.narrative.excess_since_event == snap.basket.excess.since_event


def _all_stale(bench_last: str) -> ThemeSnapshot:
    """A to 14 Mar, B to 19 Mar, as of 28 Mar; the HSI to ``bench_last``."""
    a = random_bars(CAL, seed=1, start=300.0)
    b = random_bars(CAL, seed=2, start=80.0)
    hsi = random_bars(CAL, seed=9, start=16000.0)
    frame = price_frame(
        {
            A: a[a.index <= "2024-03-14"],
            B: b[b.index <= "2024-03-19"],
            "^HSI": hsi[hsi.index <= bench_last],
        }
    )
    return build_snapshot(theme(["0700", "9888"], EVENT), frame, AS_OF, CAL)


def test_every_member_stale_the_basket_is_stale_as_of_its_last_session() -> None:
    snap = _all_stale("2024-03-22")
    basket = snap.basket
    assert (basket.status, basket.last_session, basket.carried) == (
        "stale",
        day("2024-03-19"),
        [A],
    )
    a = adj_through(scenario(), A, "2024-03-14")
    b = adj_through(scenario(), B, "2024-03-19")
    n_a, n_b = 50 / a.loc["2024-02-09"], 50 / b.loc["2024-02-09"]
    level = {d: n_a * a[a.index <= d].iloc[-1] + n_b * b[b.index <= d].iloc[-1] for d in CAL}
    # 1D is 18 -> 19 Mar (B's last move), not a carried flat day up to 28 Mar.
    assert basket.returns.one_day == pytest.approx(
        level[pd.Timestamp("2024-03-19")] / level[pd.Timestamp("2024-03-18")] - 1
    )
    assert basket.level == pytest.approx(level[pd.Timestamp("2024-03-19")])
    assert snap.series.basket.sessions[-1] == day("2024-03-19")
    # Excess over the same window: the HSI cut at 19 Mar, though it has bars to 22 Mar.
    hsi = adj_through(scenario(), "^HSI", "2024-03-19")
    hsi_since = hsi.iloc[-1] / hsi.loc["2024-02-09"] - 1
    assert basket.excess.since_event == pytest.approx(basket.returns.since_event - hsi_since)
    # Since-event leadership from stale constituents; nobody moved today.
    since = {A: snap.stock(A).returns.since_event, B: snap.stock(B).returns.since_event}
    assert snap.breadth.leader_since_event == max(since, key=lambda s: since[s] or 0.0)
    assert snap.breadth.laggard_since_event == min(since, key=lambda s: since[s] or 0.0)
    assert (snap.breadth.leader_1d, snap.breadth.no_bar) == (None, 2)
    facts = snap.narrative
    assert facts.basket_stale
    assert facts.basket_last_session == day("2024-03-19")
    assert facts.benchmark_stale
    assert facts.benchmark_last_session == day("2024-03-22")
    assert not facts.benchmark_behind_basket


def test_benchmark_older_than_the_basket_leaves_excess_missing() -> None:
    snap = _all_stale("2024-03-15")
    assert snap.basket.last_session == day("2024-03-19")
    assert snap.basket.excess == WindowReturns()
    assert snap.narrative.benchmark_behind_basket
    assert snap.narrative.excess_5d is None
    # B ends on 19 Mar, after the HSI's last bar: no excess. A ends on 14 Mar, which the
    # HSI has: its excess is measured to 14 Mar.
    assert snap.stock(B).excess == WindowReturns()
    hsi = adj_through(scenario(), "^HSI", "2024-03-14")
    assert snap.stock(A).excess.since_event == pytest.approx(
        snap.stock(A).returns.since_event - (hsi.iloc[-1] / hsi.loc["2024-02-09"] - 1)
    )


def test_fresh_stock_against_a_stale_benchmark_has_no_excess() -> None:
    frame = scenario()
    hsi = frame.histories["^HSI"]
    hsi.bars = hsi.bars[hsi.bars.index <= "2024-03-26"]
    snap = build_snapshot(THEME, frame, AS_OF, CAL)
    assert snap.stock(A).returns.since_event is not None
    assert snap.stock(A).excess == WindowReturns()
    assert snap.basket.status == "fresh"
    assert snap.basket.excess == WindowReturns()
    assert snap.narrative.benchmark_behind_basket
    # B (last bar 19 Mar) still compares with the HSI cut at 19 Mar.
    assert snap.stock(B).excess.since_event is not None


def test_benchmark_without_a_bar_on_the_stocks_last_session_gives_no_excess() -> None:
    frame = scenario()
    hsi = frame.histories["^HSI"]
    hsi.bars = hsi.bars.drop(pd.Timestamp("2024-03-19"))  # the day B's data ends
    snap = build_snapshot(THEME, frame, AS_OF, CAL)
    assert snap.stock(B).excess == WindowReturns()
    assert snap.stock(A).excess.since_event is not None
