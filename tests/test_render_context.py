"""Number formatting and the written parts of the note context."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from concepttrack.analytics.model import (
    DataStatus,
    NarrativeFacts,
    SinceLastNote,
    ThemeSnapshot,
    WindowReturns,
)
from concepttrack.reasons import reason
from concepttrack.render.context import (
    MISSING,
    build_context,
    fmt_date,
    fmt_pct,
    fmt_pp,
    fmt_price,
    fmt_ratio,
    fmt_share,
    tone,
)
from tests.render_fixtures import sora_since_last, sora_snapshot, sora_theme


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.032, "+3.2%"),
        (-0.0151, "−1.5%"),
        (0.0, "0.0%"),
        (-0.0004, "0.0%"),  # rounds to zero: no "−0.0%"
        (1.5, "+150.0%"),
        (None, MISSING),
    ],
)
def test_percentages_have_sign_and_one_decimal(value: float | None, expected: str) -> None:
    assert fmt_pct(value) == expected


def test_percentage_points_prices_ratios_and_dates() -> None:
    assert fmt_pp(0.011) == "+1.1 pp"
    assert fmt_pp(-0.0234) == "−2.3 pp"
    assert fmt_pp(None) == MISSING
    assert fmt_price(87.6, "HKD") == "HK$87.60"
    assert fmt_price(16541.42) == "16,541.42"
    assert fmt_price(None, "HKD") == MISSING
    assert fmt_ratio(1.2345) == "1.23"
    assert fmt_ratio(-0.5) == "−0.50"
    assert fmt_share(0.25) == "25.0%"
    assert fmt_date(dt.date(2024, 3, 1)) == "1 Mar 2024"
    assert fmt_date(None) == MISSING
    assert [tone(0.01), tone(-0.01), tone(0.0), tone(None)] == ["up", "down", "flat", "na"]


def test_what_moved_is_written_from_the_narrative_facts() -> None:
    theme, snapshot = sora_theme(), sora_snapshot(events=False)
    facts = NarrativeFacts(
        basket_return_5d=0.032,
        benchmark_return_5d=0.021,
        excess_5d=0.011,
        basket_return_1d=-0.004,
        benchmark_return_1d=0.002,
        basket_since_event=0.183,
        benchmark_since_event=0.041,
        sessions_since_event=29,
        leader_1d="0728.HK",
        leader_1d_return=0.024,
        laggard_1d="0763.HK",
        laggard_1d_return=-0.018,
        risers=3,
        fallers=1,
        with_bar=4,
    )
    note = build_context(theme, _with_moves(snapshot, facts))
    # The lead (issue 19): the largest move against its usual daily move (China Telecom
    # +2.4% with a 1-year volatility of 23.4%: 0.024 / (0.234 / sqrt(252)) = 1.6), the
    # basket on the day and over five sessions, breadth (the leader is named already).
    assert note.what_moved == (
        "The day's largest move: China Telecom (00728), up 2.4%, 1.6 times its usual daily "
        "move. On the day the concept basket fell 0.4% while the HSI rose 0.2%. Over the "
        "last five sessions it rose 3.2%, 1.1 pp ahead of the HSI (+2.1%). 3 of 4 "
        "constituents with a bar today rose and 1 fell; ZTE lagged (−1.8%). Since the event "
        "on 16 Feb 2024 (28 sessions ago) the basket is up 18.3%, against +4.1% for the HSI."
    )


#: 1-day moves that agree with the hand-made narrative facts of the tests above.
MOVES = {"0728.HK": 0.024, "0763.HK": -0.018, "9888.HK": 0.011, "0941.HK": 0.003}


def _with_moves(snapshot: ThemeSnapshot, facts: NarrativeFacts) -> ThemeSnapshot:
    stocks = [
        dataclasses.replace(s, returns=dataclasses.replace(s.returns, one_day=MOVES[s.symbol]))
        for s in snapshot.stocks
    ]
    return dataclasses.replace(snapshot, stocks=stocks, narrative=facts)


def test_stale_figures_are_flagged_never_shown_as_todays() -> None:
    note = build_context(sora_theme(), sora_snapshot(stale_symbol="0763.HK"))
    zte = next(row for row in note.constituents if row.code == "00763")
    assert zte.status == "Stale · last 27 Mar 2024"
    assert zte.since_event.text.endswith("†")
    assert zte.last.text.endswith("†")
    assert zte.since_event.stale
    baidu = next(row for row in note.constituents if row.code == "09888")
    assert "†" not in baidu.since_event.text
    assert any("not today's" in line for line in note.table_notes)
    assert "ZTE (00763) has no bar for this session" in note.what_moved
    assert "1 stale" in note.freshness


def test_since_last_box_is_left_out_when_there_is_nothing_to_say() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    assert build_context(theme, snapshot, None).since_last is None
    nothing = SinceLastNote(previous_as_of=dt.date(2024, 3, 21))
    assert nothing.is_empty
    assert build_context(theme, snapshot, nothing).since_last is None
    quiet = SinceLastNote(previous_as_of=dt.date(2024, 3, 21), basket_change=0.01)
    assert quiet.is_empty  # no events, but the basket's move is still worth a line
    box = build_context(theme, snapshot, quiet).since_last
    assert box is not None
    assert box.lines == ["Basket +1.0% since the note of 21 Mar 2024."]
    box = build_context(theme, snapshot, sora_since_last()).since_last
    assert box is not None
    assert box.previous_as_of == "21 Mar 2024"
    assert "New leader since the event: Baidu Group-SW (09888) (was China Mobile)." in box.lines


def test_key_figures_and_demo_flag() -> None:
    snapshot = sora_snapshot(demo=True)
    note = build_context(sora_theme(), snapshot)
    since_event = note.key_figures.rows[0]
    assert since_event.label == "Since event"
    assert since_event.basket.text == fmt_pct(snapshot.basket.returns.since_event)
    assert since_event.excess.text == fmt_pp(snapshot.basket.excess.since_event)
    assert note.demo
    assert note.source.startswith("DEMO")
    assert note.data_notes[0].startswith("DEMO DATA")


def test_stale_basket_is_marked_and_never_described_as_todays_move() -> None:
    snapshot = sora_snapshot()
    last = dt.date(2024, 3, 20)
    basket = dataclasses.replace(snapshot.basket, status="stale", last_session=last)
    facts = dataclasses.replace(
        snapshot.narrative,
        basket_return_5d=-0.031,
        excess_5d=-0.012,
        basket_return_1d=0.0,
        basket_since_event=0.183,
        excess_since_event=0.142,
        sessions_since_event=29,
        risers=0,
        fallers=0,
        unchanged=0,
        with_bar=0,
        leader_1d=None,
        laggard_1d=None,
        basket_last_session=last,
        basket_stale=True,
        basket_carried=["0941.HK"],
        stale_symbols=["9888.HK", "0941.HK"],
    )
    note = build_context(
        sora_theme(), dataclasses.replace(snapshot, basket=basket, narrative=facts)
    )
    for row in note.key_figures.rows:
        assert row.basket.text.endswith("†")
        assert row.excess.text.endswith("†")
        assert not row.benchmark.text.endswith("†")  # the HSI itself is fresh
    assert note.key_figures.basket_level.endswith("†")
    assert note.risk_rows[0].volatility.endswith("†")
    assert any("as of its last session, 20 Mar 2024" in n for n in note.key_figures.notes)
    assert any("over the same sessions, to 20 Mar 2024" in n for n in note.key_figures.notes)
    assert note.what_moved.startswith(
        "The concept basket has no prices for this session: no constituent has traded since "
        "20 Mar 2024, so its figures (marked †) are as of that session. Over the five "
        "sessions to 20 Mar 2024 the concept basket fell 3.1%†, 1.2 pp† behind the HSI over "
        "the same sessions. From the event on 16 Feb 2024 (28 sessions ago) to 20 Mar 2024 "
        "the basket rose 18.3%†, 14.2 pp† ahead of the HSI over the same period."
    )
    assert "On the day" not in note.what_moved
    assert "flat" not in note.what_moved
    assert "the basket carries the last price of China Mobile to 20 Mar 2024" in note.what_moved
    assert "Basket since 16 Feb 2024 +" in note.pdf_subject
    assert "† vs HSI" in note.pdf_subject


def test_stale_benchmark_behind_the_basket_gives_no_excess_and_no_comparison() -> None:
    snapshot = sora_snapshot()
    bench_last = dt.date(2024, 3, 25)
    benchmark = dataclasses.replace(
        snapshot.benchmark,
        status=DataStatus("^HSI", "stale", bench_last, reason("no_bar_since", date=bench_last)),
        last_session=bench_last,
    )
    basket = dataclasses.replace(snapshot.basket, excess=WindowReturns())
    facts = dataclasses.replace(
        snapshot.narrative,
        excess_5d=None,
        excess_since_event=None,
        benchmark_stale=True,
        benchmark_last_session=bench_last,
        benchmark_behind_basket=True,
        basket_last_session=snapshot.as_of,
        stale_symbols=["^HSI"],
    )
    stocks = [dataclasses.replace(s, excess=WindowReturns()) for s in snapshot.stocks]
    note = build_context(
        sora_theme(),
        dataclasses.replace(
            snapshot, benchmark=benchmark, basket=basket, narrative=facts, stocks=stocks
        ),
    )
    for row in note.key_figures.rows:
        assert row.excess.text == MISSING
        assert row.benchmark.text.endswith("†")
        assert not row.basket.text.endswith("†")
    assert any("HSI has no bar on 28 Mar 2024" in n for n in note.key_figures.notes)
    assert all(row.excess_since_event.text == MISSING for row in note.constituents)
    assert any(line.startswith("Excess vs HSI is – for") for line in note.table_notes)
    moved = note.what_moved
    assert "the HSI has no bar on 28 Mar 2024, so there is no excess return" in moved
    assert "while the HSI" not in moved
    assert "against" not in moved
    assert "The HSI has no bar since 25 Mar 2024" in moved
    assert "^HSI" not in moved
    assert all("–†" not in n.figures for n in note.stock_notes)
