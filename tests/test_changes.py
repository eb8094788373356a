"""Changes "since the last note" on hand-made snapshots: one test per kind of change."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concepttrack.analytics.changes import since_last_note
from concepttrack.analytics.model import SinceLastNote
from tests.archive_fixtures import day, make_snapshot, make_stock, make_theme, note_dict

PREV = day("2025-01-02")
NOW = day("2025-01-03")
SYMBOLS = ("0700.HK", "9988.HK", "3690.HK")


def _same_theme_notes(**now_kwargs: Any) -> tuple[dict[str, Any], Any]:
    theme = make_theme()
    previous = note_dict(
        theme,
        make_snapshot(PREV, [make_stock(s, session=PREV) for s in SYMBOLS], basket_level=110.0),
    )
    snapshot = make_snapshot(NOW, [make_stock(s, session=NOW) for s in SYMBOLS], **now_kwargs)
    return previous, snapshot


def test_nothing_changed_is_empty() -> None:
    previous, snapshot = _same_theme_notes(basket_level=110.0)
    changes = since_last_note(previous, snapshot, make_theme())
    assert changes == SinceLastNote(previous_as_of=PREV, basket_change=0.0, benchmark_change=0.0)
    assert changes.is_empty


def test_basket_and_benchmark_moves_between_the_two_closes() -> None:
    previous, snapshot = _same_theme_notes(basket_level=121.0, benchmark_close=19000.0)
    changes = since_last_note(previous, snapshot, make_theme())
    assert changes.basket_change == pytest.approx(0.1)
    assert changes.benchmark_change == pytest.approx(-0.05)


def test_basket_move_is_unknown_when_the_event_base_moved() -> None:
    previous, snapshot = _same_theme_notes(base_session=day("2024-02-16"))
    assert since_last_note(previous, snapshot, make_theme()).basket_change is None


def test_basket_move_is_unknown_when_the_basket_is_not_the_same() -> None:
    theme = make_theme()
    previous, _ = _same_theme_notes()
    # A stock left the basket (no price at the event base any more).
    stocks = [make_stock(s, session=NOW, in_basket=s != "3690.HK") for s in SYMBOLS]
    assert since_last_note(previous, make_snapshot(NOW, stocks), theme).basket_change is None
    # The book's weights were edited.
    reweighted = make_theme(weights=[2.0, 1.0, 1.0])
    stocks = [make_stock(s, session=NOW) for s in SYMBOLS]
    changes = since_last_note(previous, make_snapshot(NOW, stocks), reweighted)
    assert changes.basket_change is None
    assert changes.benchmark_change == 0.0  # the benchmark is still comparable


def test_benchmark_move_is_unknown_when_the_benchmark_changed() -> None:
    previous, snapshot = _same_theme_notes()
    previous["snapshot"]["benchmark"]["symbol"] = "^HSTECH"
    assert since_last_note(previous, snapshot, make_theme()).benchmark_change is None


def test_new_leader_is_reported_with_the_one_it_replaced() -> None:
    theme = make_theme()
    stocks = [make_stock(s, session=PREV) for s in SYMBOLS]
    previous = note_dict(theme, make_snapshot(PREV, stocks, leader="0700.HK", laggard="3690.HK"))
    now = [make_stock(s, session=NOW) for s in SYMBOLS]
    changes = since_last_note(
        previous, make_snapshot(NOW, now, leader="9988.HK", laggard="3690.HK"), theme
    )
    assert (changes.previous_leader, changes.new_leader) == ("0700.HK", "9988.HK")
    assert (changes.previous_laggard, changes.new_laggard) == ("3690.HK", None)
    assert not changes.is_empty


def test_new_52_week_highs_and_lows_set_on_any_session_since_the_last_note() -> None:
    """Rule: closed at a new 52-week high (low) on a session after the previous note.

    The issue-16 review: "New 52-week high: China Telecom" while it was 15.5 % below its
    high (its close was above the previous note's high, no new high today), and ZTE set a
    new high between the notes, then fell back, and was not listed.
    """
    theme = make_theme(("00700", "09988", "03690", "00981", "01810"))
    prev_stocks = [
        make_stock(symbol, session=PREV, high_52w=100.0, low_52w=50.0) for symbol in theme.symbols
    ]
    previous = note_dict(theme, make_snapshot(PREV, prev_stocks))
    earlier = day("2024-12-30")

    def stock(symbol: str, high: dt.date | None, low: dt.date | None, **kw: Any) -> Any:
        figures = make_stock(symbol, session=kw.pop("session", NOW), **kw)
        return dataclasses.replace(figures, last_new_high_52w=high, last_new_low_52w=low)

    now = [
        # Above the previous note's high but no new high since it (China Telecom's case).
        stock("0700.HK", earlier, None, close=101.0, high_52w=120.0),
        # A new high on the as-of session.
        stock("9988.HK", NOW, None, close=120.0),
        # A new low set today.
        stock("3690.HK", None, NOW, close=45.0, low_52w=45.0),
        # A new high after the previous note, then fell back below it (ZTE's case).
        stock("0981.HK", NOW, None, close=80.0),
        # A new low on the previous note's session is not "since" it.
        stock("1810.HK", None, PREV, session=PREV, close=50.0, status="stale"),
    ]
    changes = since_last_note(previous, make_snapshot(NOW, now), theme)
    assert changes.new_52w_highs == ["9988.HK", "0981.HK"]
    assert changes.new_52w_lows == ["3690.HK"]


def test_volume_spikes_are_fresh_stocks_above_twice_normal() -> None:
    theme = make_theme(("00700", "09988", "03690", "00981"))
    previous = note_dict(theme, make_snapshot(PREV, [make_stock(s) for s in theme.symbols]))
    now = [
        make_stock("0700.HK", session=NOW, volume_ratio=2.5),
        make_stock("9988.HK", session=NOW, volume_ratio=2.0),  # not above 2
        make_stock("3690.HK", session=PREV, volume_ratio=3.0, status="stale"),  # old bar
        make_stock("0981.HK", session=NOW, volume_ratio=None),
    ]
    changes = since_last_note(previous, make_snapshot(NOW, now), theme)
    assert changes.volume_spikes == {"0700.HK": 2.5}


def test_stale_and_recovered_data_including_the_benchmark() -> None:
    theme = make_theme()
    prev_stocks = [
        make_stock("0700.HK", session=PREV),
        make_stock("9988.HK", session=day("2024-12-31"), status="stale"),
        make_stock("3690.HK", session=None, close=None, status="missing"),
    ]
    previous = note_dict(theme, make_snapshot(PREV, prev_stocks, benchmark_status="fresh"))
    now = [
        make_stock("0700.HK", session=PREV, status="stale"),
        make_stock("9988.HK", session=NOW),
        make_stock("3690.HK", session=NOW),
    ]
    changes = since_last_note(previous, make_snapshot(NOW, now, benchmark_status="missing"), theme)
    assert changes.became_stale == ["0700.HK", "^HSI"]
    assert changes.recovered == ["9988.HK", "3690.HK"]


def test_theme_edits_stocks_added_and_removed_and_new_views() -> None:
    before = make_theme(("00700", "09988", "03690"), views=[("Morgan Stanley", "2024-02")])
    after = make_theme(
        ("00700", "03690", "00981"),
        views=[("Morgan Stanley", "2024-02"), ("Morgan Stanley", "2024-03"), ("CICC", "2024-02")],
    )
    previous = note_dict(before, make_snapshot(PREV, [make_stock(s) for s in before.symbols]))
    snapshot = make_snapshot(NOW, [make_stock(s, session=NOW) for s in after.symbols])
    changes = since_last_note(previous, snapshot, after)
    assert changes.stocks_added == ["0981.HK"]
    assert changes.stocks_removed == ["9988.HK"]
    assert changes.new_views == ["Morgan Stanley, 2024-03", "CICC, 2024-02"]
    assert changes.basket_change is None  # a different basket


def test_an_old_note_with_missing_fields_means_unknown_not_changed() -> None:
    _, snapshot = _same_theme_notes(leader="0700.HK")
    changes = since_last_note({"snapshot": {"as_of": "2025-01-02"}}, snapshot, make_theme())
    assert changes == SinceLastNote(previous_as_of=PREV)
    assert changes.is_empty


def test_a_damaged_note_is_read_as_far_as_it_goes() -> None:
    previous: dict[str, Any] = {
        "theme": {"stocks": [{"code": 700}], "views": "none"},
        "snapshot": {
            "as_of": "2025-01-02",
            "basket": [],
            "benchmark": {"symbol": "^HSI", "last_close": "20000"},
            "stocks": [{"symbol": "0700.HK", "high_52w": None, "status": "fresh"}, 7, None],
            "breadth": None,
        },
    }
    _, snapshot = _same_theme_notes()
    assert since_last_note(previous, snapshot, make_theme()) == SinceLastNote(previous_as_of=PREV)


def test_a_note_without_an_as_of_is_refused() -> None:
    _, snapshot = _same_theme_notes()
    with pytest.raises(ValueError, match=r"no snapshot\.as_of date"):
        since_last_note({"snapshot": {}}, snapshot, make_theme())


_JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    ["basket", "benchmark", "stocks", "breadth", "theme", "views", "level", "symbol", "status"]
)


@settings(max_examples=150, deadline=None)
@given(
    snapshot_extra=st.dictionaries(_KEYS, _JSON, max_size=6),
    theme_part=st.dictionaries(_KEYS, _JSON, max_size=4) | _JSON,
)
def test_any_shape_of_previous_note_never_crashes(
    snapshot_extra: dict[str, Any], theme_part: Any
) -> None:
    previous = {"snapshot": {**snapshot_extra, "as_of": "2025-01-02"}, "theme": theme_part}
    _, snapshot = _same_theme_notes()
    changes = since_last_note(previous, snapshot, make_theme())
    assert changes.previous_as_of == dt.date(2025, 1, 2)


def test_a_high_on_a_session_the_analytics_could_not_judge_counts_through_the_previous_high() -> (
    None
):
    """Less than a year of closes loaded before a session: it is not judged on its own, but
    a current 52-week high set after the previous note and at or above that note's high is
    a new 52-week high (the two windows together cover the year before it)."""
    theme = make_theme(("00700", "09988", "03690", "00981"))
    prev_stocks = [
        make_stock(symbol, session=PREV, high_52w=100.0, low_52w=50.0) for symbol in theme.symbols
    ]
    previous = note_dict(theme, make_snapshot(PREV, prev_stocks))
    after = day("2025-01-03")

    def stock(symbol: str, high: float, session: dt.date, **kw: Any) -> Any:
        figures = make_stock(symbol, session=NOW, high_52w=high, **kw)
        return dataclasses.replace(figures, high_52w_session=session)

    now = [
        stock("0700.HK", 105.0, after),  # above the previous high, set after the note
        stock("9988.HK", 99.0, after),  # below the previous note's high: not known to be new
        stock("3690.HK", 105.0, PREV),  # set on or before the previous note
        dataclasses.replace(stock("0981.HK", 105.0, after), close_is_adjusted=True),
    ]
    changes = since_last_note(previous, make_snapshot(NOW, now), theme)
    assert changes.new_52w_highs == ["0700.HK"]
