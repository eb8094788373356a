"""The basket level, contributions, breadth, leadership and correlations, worked by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from concepttrack.analytics import metrics
from concepttrack.analytics.basket import (
    ConstituentDay,
    breadth,
    build_basket,
    carry_to_sessions,
    contributions,
    correlation_matrix,
    event_base_session,
    herfindahl,
    leader_and_laggard,
)
from concepttrack.analytics.model import Breadth
from concepttrack.reasons import reason
from tests.analytics_fixtures import day, series, sessions

# Mon 5 Feb .. Fri 16 Feb 2024 with the Lunar New Year holidays (Mon 12, Tue 13) removed.
CAL = sessions("2024-02-05", "2024-02-16", holidays=["2024-02-12", "2024-02-13"])
D0, D1, D2, D3, D4 = "2024-02-07", "2024-02-08", "2024-02-09", "2024-02-14", "2024-02-15"
SMALL = sessions("2024-02-07", "2024-02-15", holidays=["2024-02-12", "2024-02-13"])


# --- the event base session -----------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "base"),
    [
        ("2024-02-12", "2024-02-09"),  # on a holiday: the Friday before
        ("2024-02-10", "2024-02-09"),  # on a Saturday
        ("2024-02-14", "2024-02-09"),  # first session after the holiday: still the 9th
        ("2024-02-15", "2024-02-14"),  # on a session: the previous one
        ("2024-02-20", "2024-02-16"),  # after the calendar: its last session
    ],
)
def test_event_base_session(event: str, base: str) -> None:
    assert event_base_session(CAL, day(event)) == day(base)


def test_event_before_the_calendar_has_no_base() -> None:
    assert event_base_session(CAL, day("2024-02-05")) is None
    assert event_base_session(CAL, day("2024-01-01")) is None


def test_carry_to_sessions() -> None:
    prices = series(["2024-02-06", "2024-02-09"], [5.0, 7.0])
    carried = carry_to_sessions(prices, CAL)
    np.testing.assert_array_equal(carried, [np.nan, 5.0, 5.0, 5.0, 7.0, 7.0, 7.0, 7.0])


# --- the basket level -----------------------------------------------------------------
#
# Sessions D0..D4, event on Fri 9 Feb (D2) -> base session D1 (Thu 8 Feb).
#   A: 8, 10, 11, 12, 10          n_A = 0.5 * 100 / 10 = 5
#   B: 22, 20, (suspended), 25, 30 n_B = 0.5 * 100 / 20 = 2.5
#   I: 40+55=95, 100, 55+50=105, 60+62.5=122.5, 50+75=125

A = series([D0, D1, D2, D3, D4], [8, 10, 11, 12, 10])
B = series([D0, D1, D3, D4], [22, 20, 25, 30])
EVENT = day(D2)


def test_basket_level_by_hand_with_a_suspension() -> None:
    basket = build_basket({"A": A, "B": B}, {"A": 0.5, "B": 0.5}, SMALL, EVENT)
    assert basket.base_session == day(D1)
    assert basket.shares == {"A": pytest.approx(5.0), "B": pytest.approx(2.5)}
    assert list(basket.level.index.date) == [day(d) for d in (D0, D1, D2, D3, D4)]
    assert basket.level.tolist() == pytest.approx([95, 100, 105, 122.5, 125])
    assert basket.excluded == {}


def test_contributions_by_hand_sum_to_the_basket_return() -> None:
    basket = build_basket({"A": A, "B": B}, {"A": 0.5, "B": 0.5}, SMALL, EVENT)
    parts = contributions(basket)
    assert parts == {"A": pytest.approx(0.0), "B": pytest.approx(0.25)}
    since_event = metrics.window_returns(basket.level, EVENT).since_event
    assert since_event == pytest.approx(0.25)
    assert sum(parts.values()) == pytest.approx(since_event, abs=1e-15)


def test_custom_weights() -> None:
    basket = build_basket({"A": A, "B": B}, {"A": 0.75, "B": 0.25}, SMALL, EVENT)
    # n_A = 7.5, n_B = 1.25: at D4 75 + 37.5.
    assert basket.level.iloc[-1] == pytest.approx(112.5)
    assert basket.level.loc[pd.Timestamp(D1)] == pytest.approx(100.0)


def test_stock_listed_after_the_event_is_left_out_and_named() -> None:
    late = series([D3, D4], [50, 55])
    basket = build_basket(
        {"A": A, "B": B, "C": late}, {"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}, SMALL, EVENT
    )
    assert basket.excluded == {
        "C": reason("no_price_at_base", base=dt.date(2024, 2, 8), first=dt.date(2024, 2, 14))
    }
    # The others are renormalised to a half each: the same basket as without C.
    assert basket.weights == {"A": pytest.approx(0.5), "B": pytest.approx(0.5)}
    assert basket.level.iloc[-1] == pytest.approx(125.0)


def test_constituent_without_data_is_left_out() -> None:
    basket = build_basket({"A": A}, {"A": 0.5, "B": 0.5}, SMALL, EVENT)
    assert basket.excluded == {"B": reason("no_price_data")}
    assert basket.level.tolist() == pytest.approx([80, 100, 110, 120, 100])


def test_event_before_the_first_session_leaves_everyone_out() -> None:
    basket = build_basket({"A": A, "B": B}, {"A": 0.5, "B": 0.5}, SMALL, day("2024-02-01"))
    assert basket.base_session is None
    assert basket.level.empty
    why = reason("no_session_before_event", date=dt.date(2024, 2, 1))
    assert basket.excluded == {"A": why, "B": why}
    assert str(why) == "no trading session before the event date 2024-02-01"
    assert contributions(basket) == {}


def test_level_starts_when_every_member_has_a_price() -> None:
    b_from_base = series([D1, D3, D4], [20, 25, 30])
    basket = build_basket({"A": A, "B": b_from_base}, {"A": 0.5, "B": 0.5}, SMALL, EVENT)
    assert basket.level.index[0] == pd.Timestamp(D1)


def test_suspended_on_the_base_session_carries_the_earlier_close() -> None:
    b_suspended = series([D0, D3, D4], [20, 25, 30])
    basket = build_basket({"A": A, "B": b_suspended}, {"A": 0.5, "B": 0.5}, SMALL, EVENT)
    assert basket.base_prices["B"] == 20.0
    # The same base as the stock's own since-event window (last bar before the event).
    assert metrics.window_returns(b_suspended, EVENT).since_event == pytest.approx(0.5)
    assert contributions(basket)["B"] == pytest.approx(0.25)


def test_stale_member_carries_its_last_price_to_t() -> None:
    stale = series([D0, D1, D2], [22, 20, 24])
    basket = build_basket({"A": A, "B": stale}, {"A": 0.5, "B": 0.5}, SMALL, EVENT)
    assert basket.last_prices["B"] == 24.0
    assert basket.level.iloc[-1] == pytest.approx(50 + 2.5 * 24)
    # A traded on t: the basket is fresh, and B is named as carried.
    assert basket.last_session == day(D4)
    assert basket.carried == ["B"]


def test_basket_level_by_hand_is_fresh_with_nobody_carried() -> None:
    basket = build_basket({"A": A, "B": B}, {"A": 0.5, "B": 0.5}, SMALL, EVENT)
    assert basket.last_session == day(D4)
    assert basket.carried == []
    # On D2 B is suspended but A trades: the level there is A's bar plus B carried.
    cut = build_basket({"A": A, "B": B}, {"A": 0.5, "B": 0.5}, SMALL[:3], EVENT)
    assert cut.last_session == day(D2)
    assert cut.carried == ["B"]


def test_every_member_stale_ends_the_basket_at_its_last_session() -> None:
    # A's last bar D2, B's D3; nobody trades on D4 = t. The basket's last session is D3:
    #   I[D3] = 5 * 11 (A carried) + 2.5 * 25 = 117.5; no level on D4.
    a_stale = series([D0, D1, D2], [8, 10, 11])
    b_stale = series([D0, D1, D3], [22, 20, 25])
    basket = build_basket({"A": a_stale, "B": b_stale}, {"A": 0.5, "B": 0.5}, SMALL, EVENT)
    assert basket.last_session == day(D3)
    assert list(basket.level.index.date) == [day(d) for d in (D0, D1, D2, D3)]
    assert basket.level.tolist() == pytest.approx([95, 100, 105, 117.5])
    assert basket.carried == ["A"]
    assert basket.last_prices == {"A": 11.0, "B": 25.0}
    # Its returns end at D3 exactly as a stale stock's end at its last bar: 1D is
    # I[D3] / I[D2] - 1, not a flat carried day D3 -> D4.
    returns = metrics.window_returns(basket.level, EVENT)
    assert returns.one_day == pytest.approx(117.5 / 105 - 1)
    assert returns.since_event == pytest.approx(0.175)
    assert sum(contributions(basket).values()) == pytest.approx(0.175)


def test_herfindahl() -> None:
    assert herfindahl(dict.fromkeys("ABCD", 0.25)) == pytest.approx(0.25)
    assert herfindahl({"A": 0.75, "B": 0.25}) == pytest.approx(0.625)
    assert herfindahl({}) is None


# --- breadth and leadership -----------------------------------------------------------


def test_leader_and_laggard() -> None:
    assert leader_and_laggard({"A": 0.01, "B": -0.02, "C": 0.03, "D": None}) == ("C", "B")
    assert leader_and_laggard({"A": 0.01, "B": 0.03, "C": 0.03}) == ("B", "A")  # first of ties
    assert leader_and_laggard({"A": 0.01}) == (None, None)
    assert leader_and_laggard({"A": 0.0, "B": 0.0}) == (None, None)


def test_breadth_counts_only_constituents_with_a_bar_today() -> None:
    today = breadth(
        [
            ConstituentDay("A", True, 0.02, 0.10, True, True),
            ConstituentDay("B", True, -0.01, 0.30, False, True),
            ConstituentDay("C", True, 0.0, -0.05, True, None),
            # Stale: its big 1D move is not today's and must not lead the day; its
            # since-event return is valid as of its last bar, so it leads since the event.
            ConstituentDay("S", False, 0.25, 0.90, True, True),
            ConstituentDay("N", True, None, None, None, None),  # first bar today
            ConstituentDay("M", False),
        ]
    )
    assert today == Breadth(
        up=1,
        down=1,
        unchanged=1,
        no_bar=2,
        no_return=1,
        share_above_ma_20=pytest.approx(2 / 3),
        share_above_ma_50=pytest.approx(1.0),
        above_ma_20=2,
        with_ma_20=3,
        above_ma_50=2,
        with_ma_50=2,
        leader_1d="A",
        laggard_1d="B",
        leader_since_event="S",
        laggard_since_event="C",
    )


def test_breadth_of_nobody() -> None:
    assert breadth([ConstituentDay("S", False, 0.1)]) == Breadth(no_bar=1)


def test_since_event_leadership_when_every_constituent_is_stale() -> None:
    stale = breadth(
        [
            ConstituentDay("A", False, 0.03, 0.20),
            ConstituentDay("B", False, -0.05, 0.70),
            ConstituentDay("C", False, 0.01, -0.10),
        ]
    )
    assert (stale.up, stale.down, stale.unchanged, stale.no_bar) == (0, 0, 0, 3)
    assert (stale.leader_1d, stale.laggard_1d) == (None, None)
    assert (stale.leader_since_event, stale.laggard_since_event) == ("B", "C")


# --- correlation matrix ---------------------------------------------------------------


def test_correlation_matrix_on_common_dates_in_the_given_order() -> None:
    rng = np.random.default_rng(7)
    index = pd.bdate_range("2024-01-01", periods=40, name="session")
    x = pd.Series(rng.normal(0, 0.01, 40), index=index)
    y = pd.Series(0.5 * x.to_numpy() + rng.normal(0, 0.01, 40), index=index).iloc[5:]
    short = pd.Series(rng.normal(0, 0.01, 19), index=index[:19])
    result = correlation_matrix({"X": x, "Y": y, "S": short}, ["Y", "X", "S", "Missing"])
    assert result.symbols == ["Y", "X", "S", "Missing"]
    expected = float(np.corrcoef(x.iloc[5:], y)[0, 1])
    assert result.matrix[0][0] == pytest.approx(1.0)
    assert result.matrix[0][1] == pytest.approx(expected, rel=1e-12)
    assert result.matrix[1][0] == pytest.approx(expected, rel=1e-12)
    # 19 common dates (S) is below the 20 minimum; Missing has no returns at all.
    assert result.matrix[0][2] is None
    assert result.matrix[2][2] is None
    assert result.matrix[3] == [None, None, None, None]


def test_correlation_matrix_uses_the_last_252_returns() -> None:
    rng = np.random.default_rng(3)
    index = pd.bdate_range("2023-01-02", periods=300, name="session")
    x = pd.Series(rng.normal(0, 0.01, 300), index=index)
    y = pd.Series(rng.normal(0, 0.01, 300), index=index)
    result = correlation_matrix({"X": x, "Y": y}, ["X", "Y"])
    expected = float(np.corrcoef(x.iloc[-252:], y.iloc[-252:])[0, 1])
    assert result.matrix[0][1] == pytest.approx(expected, rel=1e-12)


def test_correlation_matrix_of_nothing() -> None:
    assert correlation_matrix({}, ["A"]).matrix == [[None]]


def test_event_after_t_has_no_base() -> None:
    basket = build_basket({"A": A, "B": B}, {"A": 0.5, "B": 0.5}, SMALL, day("2024-02-17"))
    assert basket.base_session is None
    why = reason("event_after_as_of", date=dt.date(2024, 2, 17), as_of=dt.date(2024, 2, 15))
    assert basket.excluded == {"A": why, "B": why}
