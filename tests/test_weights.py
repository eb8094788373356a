"""Weighting schemes, hand-computed: equal, custom, cap and capped (iterated)."""

from __future__ import annotations

import datetime as dt

import pytest

from concepttrack.analytics.weights import (
    capped_weights,
    equal_weights,
    plan_weights,
)
from concepttrack.prices.fundamentals import Fundamentals, FundamentalsSet

BASE = dt.date(2024, 2, 15)
SYMBOLS = ["A.HK", "B.HK", "C.HK", "D.HK", "E.HK"]


def test_capped_weights_one_pass() -> None:
    # 0.40 is capped at 0.30; its 0.10 excess goes to the others pro rata (sum 0.60):
    # 0.25 * 0.70/0.60, 0.20 * 0.70/0.60, 0.15 * 0.70/0.60.
    weights, passes = capped_weights({"A": 0.40, "B": 0.25, "C": 0.20, "D": 0.15}, 0.30)
    assert passes == 1
    assert weights == pytest.approx(
        {"A": 0.30, "B": 0.25 * 0.7 / 0.6, "C": 0.20 * 0.7 / 0.6, "D": 0.15 * 0.7 / 0.6}
    )
    assert sum(weights.values()) == pytest.approx(1.0)


def test_capped_weights_a_member_pushed_over_the_cap_is_capped_in_the_next_pass() -> None:
    # Pass 1: A (0.40) -> 0.25; the others (sum 0.60) share 0.75, factor 1.25:
    #   B 0.22 -> 0.275 (now above the cap), C, D 0.14 -> 0.175, E 0.10 -> 0.125.
    # Pass 2: B -> 0.25; C, D, E (raw 0.14, 0.14, 0.10, sum 0.38) share 0.50:
    #   C = D = 0.14 * 0.50 / 0.38 = 0.18421..., E = 0.10 * 0.50 / 0.38 = 0.13157...
    raw = {"A": 0.40, "B": 0.22, "C": 0.14, "D": 0.14, "E": 0.10}
    weights, passes = capped_weights(raw, 0.25)
    assert passes == 2
    assert weights["A"] == pytest.approx(0.25)
    assert weights["B"] == pytest.approx(0.25)
    assert weights["C"] == pytest.approx(0.14 * 0.5 / 0.38)
    assert weights["D"] == pytest.approx(0.18421052631578946)
    assert weights["E"] == pytest.approx(0.13157894736842105)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert max(weights.values()) <= 0.25 + 1e-12


def test_capped_weights_nothing_to_cap_and_impossible_cap() -> None:
    assert capped_weights({"A": 0.5, "B": 0.5}, 0.5) == ({"A": 0.5, "B": 0.5}, 0)
    with pytest.raises(ValueError, match="cannot hold 3 weights"):
        capped_weights({"A": 1.0, "B": 1.0, "C": 1.0}, 0.3)


def _fundamentals(records: dict[str, list[tuple[dt.date, float | None]]]) -> FundamentalsSet:
    return FundamentalsSet(
        source="test",
        records={
            symbol: [Fundamentals(symbol, day, shares_outstanding=shares) for day, shares in rows]
            for symbol, rows in records.items()
        },
    )


def test_cap_weights_use_shares_on_or_before_the_base_else_the_earliest_after() -> None:
    fundamentals = _fundamentals(
        {
            # Two records before the base: the later one (1 Feb) counts.
            "A.HK": [(dt.date(2023, 12, 29), 900.0), (dt.date(2024, 2, 1), 1_000.0)],
            # Only records after the base: the earliest (1 Mar) counts.
            "B.HK": [(dt.date(2024, 6, 28), 9_999.0), (dt.date(2024, 3, 1), 2_000.0)],
            # In CNY: converted at the base-session FX close.
            "C.HK": [(dt.date(2024, 1, 31), 500.0)],
        }
    )
    plan = plan_weights(
        "cap",
        ["A.HK", "B.HK", "C.HK"],
        book_weights=equal_weights(["A.HK", "B.HK", "C.HK"]),
        fundamentals=fundamentals,
        base_session=BASE,
        base_closes={"A.HK": 10.0, "B.HK": 2.0, "C.HK": 20.0},
        fx_at_base={"C.HK": 1.1},
    )
    # Caps: A 1000 * 10 = 10,000; B 2000 * 2 = 4,000; C 500 * 20 * 1.1 = 11,000.
    assert plan.weights == pytest.approx({"A.HK": 0.4, "B.HK": 0.16, "C.HK": 0.44})
    assert plan.inputs["A.HK"].shares_date == dt.date(2024, 2, 1)
    assert plan.inputs["A.HK"].shares_rule == "on or before base"
    assert plan.inputs["B.HK"].shares_date == dt.date(2024, 3, 1)
    assert plan.inputs["B.HK"].shares_rule == "after base"
    assert plan.inputs["C.HK"].market_cap == pytest.approx(11_000.0)
    assert plan.fallback is None


def test_capped_plan_leaves_out_a_stock_without_shares_and_caps_the_rest() -> None:
    fundamentals = _fundamentals(
        {
            "A.HK": [(BASE, 100.0)],
            "B.HK": [(BASE, 50.0)],
            "C.HK": [(BASE, 25.0)],
            "D.HK": [(BASE, 25.0)],
            "E.HK": [(BASE, None)],  # no share count
        }
    )
    plan = plan_weights(
        "capped",
        SYMBOLS,
        book_weights=equal_weights(SYMBOLS),
        cap=0.4,
        fundamentals=fundamentals,
        base_session=BASE,
        base_closes=dict.fromkeys(SYMBOLS, 1.0),
    )
    # Caps 100, 50, 25, 25 -> 0.5, 0.25, 0.125, 0.125; A capped at 0.4, its 0.1 shared
    # over 0.5: B 0.25 * 0.6 / 0.5 = 0.3, C = D = 0.125 * 1.2 = 0.15.
    assert plan.weights == pytest.approx({"A.HK": 0.4, "B.HK": 0.3, "C.HK": 0.15, "D.HK": 0.15})
    assert list(plan.left_out) == ["E.HK"]
    assert plan.passes == 1


def test_cap_plan_without_any_shares_falls_back_to_equal() -> None:
    plan = plan_weights(
        "cap",
        ["A.HK", "B.HK"],
        book_weights=equal_weights(["A.HK", "B.HK"]),
        fundamentals=None,
        base_session=BASE,
        base_closes={"A.HK": 1.0, "B.HK": 1.0},
    )
    assert plan.weights == {"A.HK": 0.5, "B.HK": 0.5}
    assert plan.fallback is not None
    assert "equal weights" in str(plan.fallback)


def test_equal_and_custom_plans_are_the_book_weights() -> None:
    book = {"A.HK": 0.7, "B.HK": 0.3}
    assert plan_weights("custom", ["A.HK", "B.HK"], book_weights=book).weights == book
    assert plan_weights("equal", ["A.HK", "B.HK"], book_weights=book).weights == book
