"""Issue 16, item 2 and its defects: a section is a unit, and the note says what it did.

Every test here would have failed before the sections were split: lines printed twice,
rules printed that the note did not use, a general rule the note contradicts, figures
without their label, the since-last box without its rule, a session count off by one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from concepttrack.analytics.basket import build_basket
from concepttrack.analytics.model import DataStatus, SinceLastNote, StockFigures, ThemeSnapshot
from concepttrack.analytics.snapshot import (
    _backcast,
    _last_new_extreme,
    _weight_now,
    build_snapshot,
)
from concepttrack.reasons import Reason
from concepttrack.render import render_note
from concepttrack.render.context import build_context
from concepttrack.render.sections import SECTIONS
from concepttrack.render.view import NoteContext
from tests.render_fixtures import sora_since_last, sora_snapshot, sora_theme

COLOURS = "Colours: green = up, red = down"


def _note(snapshot: ThemeSnapshot | None = None, **kw: object) -> NoteContext:
    return build_context(sora_theme(), snapshot or sora_snapshot(), **kw)  # type: ignore[arg-type]


def _with_stock(snapshot: ThemeSnapshot, index: int, **changes: object) -> ThemeSnapshot:
    stocks = list(snapshot.stocks)
    stocks[index] = dataclasses.replace(stocks[index], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(snapshot, stocks=stocks)


def _definition(note: NoteContext, term: str) -> str:
    return next(d.text for d in note.methodology if d.term.startswith(term))


# --- the registry ------------------------------------------------------------------------


def test_each_section_is_one_registered_builder_in_the_notes_order() -> None:
    names = [section.name for section in SECTIONS]
    assert names == [
        "masthead",
        "since_last",
        "key_figures",
        "what_moved",
        "what_changed",
        "thesis",
        "views",
        "constituents",
        "charts",
        "reaction",
        "stock_notes",
        "risks",
        "crosscheck",
        "methodology",
        "data",
    ]
    modules = Path(__file__).parents[1] / "src/concepttrack/render/sections"
    files = {p.stem for p in modules.glob("*.py")} - {"__init__", "base", "rules"}
    assert files == set(names)
    fields = {f.name for f in dataclasses.fields(NoteContext)}
    note = _note(since_last=sora_since_last())
    assert {f for f in fields if getattr(note, f) is not None} <= fields


def test_no_line_and_no_definition_printed_twice() -> None:
    note = _note(since_last=sora_since_last())
    assert len(note.data_notes) == len(set(note.data_notes))
    terms = [d.term for d in note.methodology]
    assert len(terms) == len(set(terms))


# --- lines printed twice -----------------------------------------------------------------


def test_colour_convention_is_printed_once(tmp_path: Path) -> None:
    md_path, html_path = render_note(
        sora_theme(), sora_snapshot(), formats=["md", "html"], out_dir=tmp_path
    )
    assert md_path.read_text("utf-8").count(COLOURS) == 1
    assert html_path.read_text("utf-8").count(COLOURS) == 1


def test_a_catalyst_not_studied_is_said_once_under_the_reaction_table() -> None:
    from concepttrack.analytics.event_model import EventStudy

    snapshot = sora_snapshot()
    events = snapshot.events
    catalysts = [
        dataclasses.replace(
            c, basket=EventStudy("basket", reason_code="before_data", reason=Reason("no_data"))
        )
        if not c.is_event
        else c
        for c in events.catalysts
    ]
    note = _note(
        dataclasses.replace(snapshot, events=dataclasses.replace(events, catalysts=catalysts))
    )
    assert note.reaction is not None
    said = [line for line in note.reaction.catalyst_notes if line.startswith("Not studied")]
    assert said
    assert not any("not studied" in line for line in note.data_notes)


def test_calendar_names_the_exchanges_the_theme_uses() -> None:
    hk = _note()
    assert any(line.startswith("Calendar: Hong Kong Exchanges") for line in hk.data_notes)
    snapshot = sora_snapshot()
    a_share = dataclasses.replace(
        snapshot.stocks[0],
        symbol="600519.SS",
        status=dataclasses.replace(snapshot.stocks[0].status, symbol="600519.SS"),
    )
    mixed = _note(dataclasses.replace(snapshot, stocks=[a_share, *snapshot.stocks[1:]]))
    line = next(line for line in mixed.data_notes if line.startswith("Calendar"))
    assert "Hong Kong Exchanges (XHKG)" in line
    assert "the Shanghai and Shenzhen stock exchanges (XSHG)" in line
    assert "Hong Kong Exchanges trading sessions (XHKG)" not in line


def test_inferred_calendar_line_once_and_in_the_notes_language() -> None:
    snapshot = sora_snapshot()
    statuses = {
        i: dataclasses.replace(s.status, calendar_inferred_after=dt.date(2024, 3, 1))
        for i, s in enumerate(snapshot.stocks)
    }
    for index, status in statuses.items():
        snapshot = _with_stock(snapshot, index, status=status)
    english = _note(snapshot)
    assert sum("exchange-calendars" in line for line in english.data_notes) == 1
    chinese = _note(snapshot, lang="zh-hk")
    assert not any("Calendar past" in line for line in chinese.data_notes)


# --- legends only when something is marked ----------------------------------------------------


def test_stale_and_overlap_legends_only_when_something_is_marked() -> None:
    snapshot = sora_snapshot()
    events = snapshot.events
    alone = [dataclasses.replace(c, overlaps=[]) for c in events.catalysts]
    fresh = _note(
        dataclasses.replace(snapshot, events=dataclasses.replace(events, catalysts=alone))
    )
    assert fresh.reaction is not None
    for definition in fresh.methodology:
        assert "†" not in definition.text, definition.term
        assert "‡" not in definition.text, definition.term
    overlapping = _note(snapshot)
    assert overlapping.reaction is not None
    if any(row.overlap for row in overlapping.reaction.catalysts):
        assert "‡" in _definition(overlapping, "Basket in the event study")
    stale = _with_stock(
        snapshot,
        1,
        status=DataStatus(
            snapshot.stocks[1].symbol,
            "stale",
            dt.date(2024, 3, 20),
            Reason("no_bar_since", (("date", dt.date(2024, 3, 20)),)),
        ),
    )
    marked = _note(stale)
    assert "†" in _definition(marked, "Data status")


def test_a_rule_the_note_did_not_use_is_not_printed() -> None:
    terms = [d.term for d in _note().methodology]
    # The basket is fresh and carries no member: its last-session rule did not apply.
    assert "Basket last session" not in terms
    assert "Prices" in terms
    assert "Contribution" in terms


# --- the price rule, "adj." ---------------------------------------------------------------------


def test_price_rule_says_traded_close_only_when_every_price_is_one() -> None:
    traded = _note()
    assert "the price shown is the traded close." in _definition(traded, "Prices")
    assert _definition(traded, "52-week").startswith("Highest / lowest traded close")
    assert all(" adj." not in row.last.text for row in traded.constituents)

    adjusted = _note(_with_stock(sora_snapshot(), 0, close_is_adjusted=True))
    prices = _definition(adjusted, "Prices")
    assert "the price shown is the traded close." not in prices
    assert 'except for Baidu Group-SW (09888), marked "adj."' in prices
    assert "adjusted close for prices marked" in _definition(adjusted, "52-week")
    assert "traded close" not in _definition(adjusted, "Volume ratio").split("turnover:")[1]
    assert adjusted.constituents[0].last.text.endswith(" adj.")
    assert all(" adj." not in row.last.text for row in adjusted.constituents[1:])


def test_adj_only_where_the_source_gives_no_traded_close() -> None:
    # A single close served as both (the source's close is the traded one): no "adj.".
    note = _note(_with_stock(sora_snapshot(), 0, adj_close_is_close=True))
    assert " adj." not in note.constituents[0].last.text
    assert "the price shown is the traded close." in _definition(note, "Prices")


# --- since the last note --------------------------------------------------------------------------


def test_since_last_box_states_its_52_week_rule() -> None:
    since = dataclasses.replace(sora_since_last(), new_52w_highs=["0763.HK"])
    box = _note(since_last=since).since_last
    assert box is not None
    assert any("New 52-week high" in line for line in box.lines)
    assert box.rules == [
        "New 52-week high (low): the close on at least one session since the last note was at "
        "or above (at or below) every close of the 365 days to that session."
    ]
    quiet = dataclasses.replace(sora_since_last(), new_52w_highs=[], new_52w_lows=[])
    box = _note(since_last=quiet).since_last
    assert box is None or box.rules == []


def test_last_new_52_week_high_is_the_last_session_at_the_years_high() -> None:
    days = pd.bdate_range("2023-01-02", "2024-06-28")
    close = pd.Series(np.linspace(10.0, 20.0, len(days)), index=days)
    # A new high on 2 Apr 2024, then 5 % lower to the end (the ZTE case).
    peak = days.get_loc(pd.Timestamp("2024-04-02"))
    close.iloc[peak + 1 :] = close.iloc[peak] * 0.95
    assert _last_new_extreme(close, high=True) == dt.date(2024, 4, 2)
    # Lows: the series rose through its first year; the first year is not judged.
    assert _last_new_extreme(close, high=False) is None
    # A flat tail ties the year's low only if it is the lowest close: it is not.
    short = close.iloc[:200]
    assert _last_new_extreme(short, high=True) is None  # under a year of data: not judged


# --- weights, back-cast, turnover, betas, sessions -------------------------------------------


def test_weight_now_is_base_weight_times_price_relative_over_basket_relative() -> None:
    days = pd.DatetimeIndex(pd.bdate_range("2024-01-01", "2024-03-29"), name="session")
    a = pd.Series(np.linspace(10.0, 20.0, len(days)), index=days)
    b = pd.Series(np.linspace(50.0, 40.0, len(days)), index=days)
    basket = build_basket({"A": a, "B": b}, {"A": 0.25, "B": 0.75}, days, dt.date(2024, 2, 1))
    level = float(basket.level.iloc[-1])
    for symbol, prices, weight in (("A", a, 0.25), ("B", b, 0.75)):
        base = float(prices[prices.index < "2024-02-01"].iloc[-1])
        expected = weight * (float(prices.iloc[-1]) / base) / (level / 100.0)
        assert _weight_now(basket, symbol) == pytest.approx(expected, rel=1e-12)
    assert (_weight_now(basket, "A") or 0) + (_weight_now(basket, "B") or 0) == pytest.approx(1.0)
    assert _weight_now(basket, "C") is None

    note = _note(_with_stock(sora_snapshot(), 0, weight_now=0.1437))
    assert note.constituents[0].weight == "25.0%"
    assert note.constituents[0].weight_now == "14.4%"
    assert any(line.startswith("Weight at base:") for line in note.table_notes)


def test_basket_figures_reaching_before_the_base_are_back_cast() -> None:
    from concepttrack.analytics.metrics import window_returns
    from concepttrack.analytics.model import RiskFigures

    days = pd.DatetimeIndex(pd.bdate_range("2023-06-01", "2024-06-28"), name="session")
    level = pd.Series(np.linspace(90.0, 120.0, len(days)), index=days)
    event = dt.date(2024, 2, 16)
    returns = window_returns(level, event)
    risk = RiskFigures(volatility_1y=0.2, beta_1y=0.9, correlation_1y=None)
    found = _backcast(level, dt.date(2024, 2, 15), returns, risk, event)
    # 6M, 1Y and YTD start before the 15 Feb base; 3M, 1M, 5D, 1D after it.
    assert found == ["six_month", "one_year", "ytd", "volatility_1y", "beta_1y"]

    snapshot = sora_snapshot()
    basket = dataclasses.replace(snapshot.basket, backcast=["ytd", "volatility_1y"])
    note = _note(dataclasses.replace(snapshot, basket=basket))
    ytd = note.key_figures.rows[-1]
    assert ytd.basket.text.endswith("§")
    assert not note.key_figures.rows[0].basket.text.endswith("§")
    assert note.risk_rows[0].volatility.endswith("§")
    assert not note.risk_rows[0].beta.endswith("§")
    assert any(
        "Back-cast" in line and "year-to-date return" in line for line in note.key_figures.notes
    )
    assert any("1-year volatility" in line for line in note.risk_notes)


def test_turnover_is_called_an_estimate() -> None:
    text = _definition(_note(), "Volume ratio")
    assert "Estimated turnover: mean traded close × volume" in text
    assert "an estimate, not the turnover the exchange reports" in text


def test_betas_are_labelled_by_window(tmp_path: Path) -> None:
    (md_path,) = render_note(sora_theme(), sora_snapshot(), formats=["md"], out_dir=tmp_path)
    md = md_path.read_text("utf-8")
    assert "| β (est. window) |" in md
    assert "| β |" not in md
    assert "Beta 1Y" in md


def test_sessions_ago_counts_the_sessions_after_the_event_session() -> None:
    from tests.test_analytics_snapshot import AS_OF, CAL, THEME, scenario

    snap = build_snapshot(THEME, scenario(), AS_OF, CAL)
    # Event on the holiday Monday 12 Feb 2024: the event session is Wed 14 Feb; after it,
    # to Thu 28 Mar: 15-16 Feb (2) and 19 Feb-28 Mar (29).
    assert snap.narrative.sessions_since_event == 32
    assert snap.narrative.sessions_after_event == 31
    narrative = dataclasses.replace(
        sora_snapshot().narrative, sessions_since_event=90, sessions_after_event=89
    )
    note = _note(dataclasses.replace(sora_snapshot(), narrative=narrative))
    assert "(89 sessions ago)" in note.what_moved


def test_since_last_note_lists_a_stock_that_set_a_high_between_the_notes() -> None:
    from concepttrack.analytics.changes import since_last_note
    from tests.archive_fixtures import make_snapshot, make_stock, make_theme, note_dict

    theme = make_theme(("00763", "00728"))
    prev = dt.date(2024, 6, 28)
    now = dt.date(2025, 6, 30)
    previous = note_dict(
        theme, make_snapshot(prev, [make_stock(s, session=prev) for s in theme.symbols])
    )
    zte: StockFigures = dataclasses.replace(
        make_stock("0763.HK", session=now, close=24.3, high_52w=33.7),
        last_new_high_52w=dt.date(2025, 2, 24),
    )
    telecom = dataclasses.replace(
        make_stock("0728.HK", session=now, close=5.4, high_52w=6.39),
        last_new_high_52w=dt.date(2024, 6, 27),
    )
    changes: SinceLastNote = since_last_note(previous, make_snapshot(now, [zte, telecom]), theme)
    assert changes.new_52w_highs == ["0763.HK"]


def test_stock_note_labels_its_beta_and_estimates_turnover() -> None:
    snapshot = _with_stock(sora_snapshot(), 0, close_is_adjusted=True, avg_turnover_20d=7.6e8)
    snapshot = _with_stock(snapshot, 1, avg_turnover_20d=2.0e8)
    notes = _note(snapshot).stock_notes
    assert ", 1Y beta " in notes[0].figures
    assert "est. 20-day average turnover" in notes[0].figures
    assert notes[0].figures.endswith("(on adjusted closes).")
    assert "(on adjusted closes)" not in notes[1].figures
    zh = _note(snapshot, lang="zh-hk").stock_notes
    assert "一年貝他" in zh[0].figures
    assert "估算20日平均成交額" in zh[0].figures
