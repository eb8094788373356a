"""The lead (issue 19, item 3): the session's biggest facts, in order of weight.

Hand-made snapshots (the Sora fixture of 28 Mar 2024, a Thursday, with figures replaced
where a test needs them); every expected figure is worked out here by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import pytest

from concepttrack.analytics.changes import latest_new_extreme, since_last_note
from concepttrack.analytics.consensus_model import DateAhead
from concepttrack.analytics.lead import (
    AHEAD_DAYS,
    ANNUALISATION,
    build_lead,
    reaction_in_appendix,
    usual_daily_move,
)
from concepttrack.analytics.model import RiskFigures, SinceLastNote, ThemeSnapshot, WindowReturns
from concepttrack.render import render_note
from concepttrack.render.context import build_context
from concepttrack.themes import Theme, parse_themes
from tests.archive_fixtures import make_snapshot, make_stock
from tests.render_fixtures import AS_OF, SORA_YAML, sora_snapshot, sora_theme

UPDATES_YAML = """\
    updates:
      - date: 2024-03-26
        title:
          en: ZTE shows a liquid-cooled AI server
          zh-hk: 中興通訊展示液冷AI伺服器
          zh-cn: 中兴通讯展示液冷AI服务器
        stocks: ["00763"]
      - date: 2024-03-22
        title: China Mobile expands its computing network
      - date: 2024-03-15
        title: An older update, before the last note
      - date: 2024-04-02
        title: After the note's session, never quoted
"""


def _theme(extra: str = "", top: str = "") -> Theme:
    return parse_themes(top + SORA_YAML + extra).themes[0]


def _moved(
    snapshot: ThemeSnapshot,
    moves: dict[str, float],
    *,
    vols: dict[str, float | None] | None = None,
    highs: tuple[str, ...] = (),
    lows: tuple[str, ...] = (),
) -> ThemeSnapshot:
    """The snapshot with the stocks' 1-day returns (and volatilities, new extremes) set."""
    stocks = []
    for stock in snapshot.stocks:
        returns = dataclasses.replace(stock.returns, one_day=moves[stock.symbol])
        risk = stock.risk
        if vols is not None and stock.symbol in vols:
            risk = dataclasses.replace(risk, volatility_1y=vols[stock.symbol])
        stocks.append(
            dataclasses.replace(
                stock,
                returns=returns,
                risk=risk,
                last_new_high_52w=snapshot.as_of if stock.symbol in highs else None,
                last_new_low_52w=snapshot.as_of if stock.symbol in lows else None,
            )
        )
    leader = max(moves, key=lambda symbol: moves[symbol])
    laggard = min(moves, key=lambda symbol: moves[symbol])
    narrative = dataclasses.replace(
        snapshot.narrative,
        risers=sum(1 for m in moves.values() if m > 0),
        fallers=sum(1 for m in moves.values() if m < 0),
        unchanged=sum(1 for m in moves.values() if m == 0),
        leader_1d=leader,
        leader_1d_return=moves[leader],
        laggard_1d=laggard,
        laggard_1d_return=moves[laggard],
    )
    return dataclasses.replace(snapshot, stocks=stocks, narrative=narrative)


#: ZTE falls 6.1% with a 1-year volatility of 40%: its usual daily move is
#: 0.40 / sqrt(252) = 2.5198%, so the fall is 0.061 / 0.025198 = 2.42 times it.
BUSY = {"9888.HK": 0.012, "0763.HK": -0.061, "0941.HK": 0.004, "0728.HK": -0.003}
BUSY_VOLS: dict[str, float | None] = {"0763.HK": 0.40}


def _busy(snapshot: ThemeSnapshot | None = None) -> ThemeSnapshot:
    return _moved(
        snapshot or sora_snapshot(), BUSY, vols=BUSY_VOLS, highs=("0941.HK",), lows=("0763.HK",)
    )


def date_ahead(day: dt.date, symbol: str, kind: str) -> DateAhead:
    """A date ahead as the consensus figures give it (``analytics/consensus_model.py``)."""
    return DateAhead(symbol=symbol, kind=kind, date=day, days=(day - AS_OF).days)  # type: ignore[arg-type]


def test_usual_daily_move_and_multiple_are_the_hand_computed_ones() -> None:
    assert ANNUALISATION == 252
    from concepttrack.analytics.metrics import ANNUALISATION as METRICS_ANNUALISATION

    assert ANNUALISATION == METRICS_ANNUALISATION
    lead = build_lead(sora_theme(), _busy())
    assert lead.largest is not None
    assert lead.largest.symbol == "0763.HK"
    assert lead.largest.usual == pytest.approx(0.40 / 15.874507866387544)
    assert lead.largest.multiple == pytest.approx(0.061 / 0.025197631533948483)
    assert lead.largest.multiple == pytest.approx(2.4209, abs=1e-4)
    text = build_context(sora_theme(), _busy()).what_moved
    assert "ZTE's move was the day's largest, 2.4 times its usual daily move." in text
    no_vol = make_stock("0763.HK")
    assert usual_daily_move(no_vol) is None
    assert (
        usual_daily_move(dataclasses.replace(no_vol, risk=RiskFigures(volatility_1y=0.0))) is None
    )


def test_facts_come_in_order_of_weight() -> None:
    theme = _theme(UPDATES_YAML)
    snapshot = _busy()
    since = SinceLastNote(previous_as_of=dt.date(2024, 3, 21))
    ahead = [date_ahead(dt.date(2024, 4, 2), "0941.HK", "results")]
    note = build_context(theme, snapshot, since, dates_ahead=ahead)
    text = note.what_moved
    marks = [
        "China Mobile (00941) rose 0.4% to a new 52-week high; ZTE (00763) fell 6.1% to a new "
        "52-week low.",
        "ZTE's move was the day's largest, 2.4 times its usual daily move.",
        "On the day the concept basket rose 2.0% while the HSI rose 0.5%.",
        "Over the last five sessions it rose 5.6%, 0.4 pp ahead of the HSI (+5.3%).",
        "2 of 4 constituents with a bar today rose and 2 fell; Baidu Group-SW led (+1.2%).",
        "New since the last note: ZTE shows a liquid-cooled AI server (26 Mar 2024), and 1 "
        "more update below.",
        "In the week ahead, China Mobile (00941) reports results on Tuesday 2 Apr 2024.",
        "Since the event on 16 Feb 2024 (29 sessions ago) the basket is up 7.8%",
    ]
    places = [text.index(mark) for mark in marks]
    assert places == sorted(places)
    # The largest mover is named once with its code (in the 52-week sentence), then short.
    assert text.count("ZTE (00763)") == 1
    kinds = [fact["kind"] for fact in build_lead(theme, snapshot, since, ahead).to_list(snapshot)]
    assert kinds == [
        "new_high_52w",
        "new_low_52w",
        "largest_move",
        "basket_day",
        "basket_5d",
        "breadth",
        "update",
        "update",
        "date_ahead",
        "since_event",
        "event_study",
    ]
    terms = [d.term for d in note.methodology]
    assert "Usual daily move" in terms
    assert "New 52-week high (low) on the session" in terms


def test_the_52_week_rule_is_the_since_last_note_rule() -> None:
    """A new high on the session is the box's rule applied to the session alone."""
    day = dt.date(2026, 12, 1)
    today = dataclasses.replace(make_stock("0763.HK", session=day), last_new_high_52w=day)
    earlier = dataclasses.replace(
        make_stock("0941.HK", session=day), last_new_high_52w=day - dt.timedelta(days=1)
    )
    snapshot = make_snapshot(day, [today, earlier])
    theme = _theme()
    lead = build_lead(theme, snapshot)
    assert [e.symbol for e in lead.extremes] == ["0763.HK"]
    assert latest_new_extreme(earlier, high=True) == day - dt.timedelta(days=1)
    # The box, from a note two days before, lists both: the same rule, a longer window.
    previous = {"snapshot": {"as_of": (day - dt.timedelta(days=2)).isoformat(), "stocks": []}}
    box = since_last_note(previous, snapshot, theme)
    assert box.new_52w_highs == ["0763.HK", "0941.HK"]


def test_a_quiet_session_says_so_briefly() -> None:
    quiet = {"9888.HK": 0.004, "0763.HK": -0.003, "0941.HK": 0.002, "0728.HK": 0.001}
    snapshot = _moved(sora_snapshot(), quiet)
    lead = build_lead(sora_theme(), snapshot)
    assert lead.quiet
    text = build_context(sora_theme(), snapshot).what_moved
    assert text.startswith(
        "A quiet session for the concept: no constituent moved as much as its usual daily "
        "move (the largest move: Baidu Group-SW, +0.4%). On the day the concept basket rose"
    )
    assert "constituents with a bar today" not in text  # no breadth on a quiet day
    assert "52-week" not in text
    assert build_lead(sora_theme(), snapshot).to_list(snapshot)[0]["kind"] == "quiet"
    # A stock without a 1-year volatility cannot be judged: not called quiet.
    unknown = _moved(sora_snapshot(), quiet, vols={"0728.HK": None})
    assert not build_lead(sora_theme(), unknown).quiet
    # A date ahead is a fact: the session is not quiet.
    ahead = [date_ahead(AS_OF + dt.timedelta(days=1), "0763.HK", "ex_dividend")]
    assert not build_lead(sora_theme(), snapshot, None, ahead).quiet


def test_update_since_the_last_note() -> None:
    theme = _theme(UPDATES_YAML)
    snapshot = sora_snapshot()
    since = SinceLastNote(previous_as_of=dt.date(2024, 3, 23))
    lead = build_lead(theme, snapshot, since)
    assert [u.update.date for u in lead.updates] == [dt.date(2024, 3, 26)]
    en = build_context(theme, snapshot, since).what_moved
    assert "New since the last note: ZTE shows a liquid-cooled AI server (26 Mar 2024)." in en
    assert "After the note's session" not in en
    hk = build_context(theme, snapshot, since, lang="zh-hk").what_moved
    assert "上一期報告後的新消息：中興通訊展示液冷AI伺服器（2024年3月26日）。" in hk
    cn = build_context(theme, snapshot, since, lang="zh-cn").what_moved
    assert "上一期报告之后的新消息：中兴通讯展示液冷AI服务器（2024年3月26日）。" in cn
    # Without a previous note nothing is "new": no sentence.
    assert "New since the last note" not in build_context(theme, snapshot).what_moved


def test_dates_ahead_within_a_week() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    dates = [
        date_ahead(dt.date(2024, 4, 4), "0763.HK", "ex_dividend"),
        date_ahead(dt.date(2024, 4, 2), "0941.HK", "results"),
        date_ahead(AS_OF + dt.timedelta(days=AHEAD_DAYS + 1), "9888.HK", "results"),  # too far
        date_ahead(AS_OF, "9888.HK", "results"),  # today is not ahead
        date_ahead(dt.date(2024, 4, 2), "0700.HK", "results"),  # not a constituent
        date_ahead(dt.date(2024, 4, 2), "0728.HK", "agm"),  # a kind the lead does not word
    ]
    lead = build_lead(theme, snapshot, None, dates)
    assert [(d.symbol, d.kind) for d in lead.ahead] == [
        ("0941.HK", "results"),
        ("0763.HK", "ex_dividend"),
    ]
    en = build_context(theme, snapshot, dates_ahead=dates).what_moved
    assert (
        "In the week ahead, China Mobile (00941) reports results on Tuesday 2 Apr 2024; "
        "ZTE (00763) goes ex-dividend on Thursday 4 Apr 2024."
    ) in en
    hk = build_context(theme, snapshot, dates_ahead=dates, lang="zh-hk").what_moved
    assert (
        "未來一周：中國移動（00941）將於2024年4月2日（星期二）公布業績；"
        "中興通訊（00763）將於2024年4月4日（星期四）除息。"
    ) in hk
    cn = build_context(theme, snapshot, dates_ahead=dates, lang="zh-cn").what_moved
    assert (
        "未来一周：中国移动（00941）将于2024年4月2日（星期二）公布业绩；"
        "中兴通讯（00763）将于2024年4月4日（星期四）除息。"
    ) in cn


def test_chinese_leads_are_written_natively() -> None:
    snapshot = _busy()
    hk = build_context(sora_theme(), snapshot, lang="zh-hk").what_moved
    assert hk.startswith(
        "中國移動（00941）上升0.4%，收市創52周新高；中興通訊（00763）下跌6.1%，創52周新低。"
        "中興通訊的變動幅度為今日成份股中最大，相當於其日常波幅的2.4倍。"
        "概念股組合當日上升2.0%，恒指則上升0.5%。"
        "過去五個交易日，組合上升5.6%，跑贏恒指0.4個百分點（恒指同期+5.3%）。"
    )
    cn = build_context(sora_theme(), snapshot, lang="zh-cn").what_moved
    assert cn.startswith(
        "中国移动（00941）上涨0.4%，收盘创52周新高；中兴通讯（00763）下跌6.1%，创52周新低。"
        "中兴通讯的涨跌幅为今日成分股中最大，约为其日常波动幅度的2.4倍。"
        "概念股组合当日上涨2.0%，恒指上涨0.5%。"
        "近五个交易日，组合上涨5.6%，跑赢恒指0.4个百分点（恒指同期+5.3%）。"
    )
    quiet = {"9888.HK": 0.004, "0763.HK": -0.003, "0941.HK": 0.002, "0728.HK": 0.001}
    calm = _moved(sora_snapshot(), quiet)
    assert build_context(sora_theme(), calm, lang="zh-hk").what_moved.startswith(
        "今日概念股表現平靜：並無成份股的變動達到其日常波幅（變動最大為百度集團-SW，+0.4%）。"
    )
    assert build_context(sora_theme(), calm, lang="zh-cn").what_moved.startswith(
        "今日概念股走势平静：没有成分股的涨跌幅达到其日常波动幅度（涨跌幅最大的是百度集团-SW，+0.4%）。"
    )


def _aged(snapshot: ThemeSnapshot, sessions: int) -> ThemeSnapshot:
    narrative = dataclasses.replace(snapshot.narrative, sessions_after_event=sessions)
    return dataclasses.replace(snapshot, narrative=narrative)


def _sections(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


STUDY = "Beyond what the market explains"


def test_reaction_in_the_body_at_30_sessions(tmp_path: Path) -> None:
    theme, snapshot = sora_theme(), _aged(sora_snapshot(), 30)
    assert not reaction_in_appendix(theme, snapshot)
    (path,) = render_note(theme, snapshot, formats=["md"], out_dir=tmp_path)
    heads = _sections(path.read_text("utf-8"))
    assert heads.index("How the concept reacted") < heads.index("The concept stocks")
    assert "Appendix: how the concept reacted to the event" not in heads
    assert STUDY in build_context(theme, snapshot).what_moved


def test_reaction_in_the_appendix_at_90_sessions(tmp_path: Path) -> None:
    theme, snapshot = sora_theme(), _aged(sora_snapshot(), 90)
    assert reaction_in_appendix(theme, snapshot)
    paths = render_note(
        theme, snapshot, formats=["md", "html", "json"], out_dir=tmp_path, languages=["en", "zh-hk"]
    )
    md = next(p for p in paths if p.name.endswith(".md") and "zh" not in p.name)
    text = md.read_text("utf-8")
    heads = _sections(text)
    assert "How the concept reacted" not in heads
    at = heads.index("Appendix: how the concept reacted to the event")
    assert heads.index("Risks") < at < heads.index("Methodology and data")
    assert (
        "The event was 90 sessions ago and its longest window is complete; after 60 sessions "
        "the study moves here, for reference."
    ) in text
    assert text.count("| **Concept basket** |") == 1  # the study once, in the appendix
    assert STUDY not in build_context(theme, snapshot).what_moved
    hk = next(p for p in paths if p.name.endswith(".zh-hk.md")).read_text("utf-8")
    assert "## 附錄：概念股對事件的反應" in hk
    assert "剔除大市因素後" not in build_context(theme, snapshot, lang="zh-hk").what_moved
    html = next(p for p in paths if p.name.endswith(".html") and "zh" not in p.name)
    page = html.read_text("utf-8")
    assert page.index("<h2>Risks</h2>") < page.index(
        "<h2>Appendix: how the concept reacted to the event</h2>"
    )
    assert page.count('<section class="reaction') == 1
    twin = json.loads(next(p for p in paths if p.suffix == ".json").read_text("utf-8"))
    assert twin["lead"]["reaction_in_appendix"] is True
    assert twin["lead"]["reaction_to_appendix_after"] == 60
    assert "event_study" not in [fact["kind"] for fact in twin["lead"]["facts"]]
    # The numbers are the snapshot's, unchanged.
    cars = [
        [w["car"] for w in c["basket"]["windows"]] for c in twin["snapshot"]["events"]["catalysts"]
    ]
    assert cars == [[w.car for w in c.basket.windows] for c in snapshot.events.catalysts]


def test_threshold_is_a_book_setting() -> None:
    snapshot = _aged(sora_snapshot(), 90)
    own = _theme("    reaction_to_appendix_after: 120\n")
    assert own.reaction_appendix_sessions == 120
    assert not reaction_in_appendix(own, snapshot)
    book = _theme(top="reaction_to_appendix_after: 80\n")
    assert book.reaction_appendix_sessions == 80
    assert reaction_in_appendix(book, snapshot)
    from concepttrack.errors import ThemesFileError

    with pytest.raises(ThemesFileError, match="reaction_to_appendix_after"):
        _theme(top="reaction_to_appendix_after: 0\n")


def test_incomplete_longest_window_keeps_the_study_in_the_body() -> None:
    theme, snapshot = sora_theme(), _aged(sora_snapshot(), 90)
    main = snapshot.events.main
    assert main is not None
    windows = [
        dataclasses.replace(w, car=None, t=None, reason_code="window_incomplete")
        if (w.start, w.end) == (0, 20)
        else w
        for w in main.basket.windows
    ]
    basket = dataclasses.replace(main.basket, windows=windows)
    catalysts = [
        dataclasses.replace(c, basket=basket) if c.is_event else c
        for c in snapshot.events.catalysts
    ]
    events = dataclasses.replace(snapshot.events, catalysts=catalysts)
    assert not reaction_in_appendix(theme, dataclasses.replace(snapshot, events=events))


def test_json_lead_block(tmp_path: Path) -> None:
    theme, snapshot = sora_theme(), _busy()
    dates = [date_ahead(dt.date(2024, 4, 2), "0941.HK", "results")]
    (path,) = render_note(theme, snapshot, formats=["json"], out_dir=tmp_path, dates_ahead=dates)
    lead = json.loads(path.read_text("utf-8"))["lead"]
    assert lead["quiet"] is False
    assert lead["ahead_days"] == 7
    first, _low, largest = lead["facts"][:3]
    assert first == {
        "kind": "new_high_52w",
        "symbol": "0941.HK",
        "values": {
            "close": snapshot.stock("0941.HK").last_close,
            "return_1d": 0.004,
            "session": "2024-03-28",
        },
    }
    assert largest["kind"] == "largest_move"
    assert largest["values"]["return_1d"] == -0.061
    assert largest["values"]["multiple"] == pytest.approx(0.061 / (0.40 / math.sqrt(252)))
    ahead = next(f for f in lead["facts"] if f["kind"] == "date_ahead")
    assert ahead == {
        "kind": "date_ahead",
        "symbol": "0941.HK",
        "values": {"date": "2024-04-02", "date_kind": "results", "days": 5},
    }


def test_a_stale_basket_is_never_described_as_today() -> None:
    """No constituent traded on the session: the lead gives no day facts."""
    snapshot = _busy()
    narrative = dataclasses.replace(
        snapshot.narrative, basket_stale=True, basket_last_session=dt.date(2024, 3, 27)
    )
    stale = dataclasses.replace(snapshot, narrative=narrative)
    text = build_context(sora_theme(), stale).what_moved
    assert text.startswith("The concept basket has no prices for this session")
    assert "largest move" not in text
    assert "On the day" not in text
    assert not build_lead(sora_theme(), stale).quiet


def test_returns_window_fixture_is_untouched() -> None:
    """The helpers here replace only what they name (guards the hand-made figures)."""
    snapshot = _busy()
    base = sora_snapshot()
    for before, after in zip(base.stocks, snapshot.stocks, strict=True):
        assert dataclasses.replace(after.returns, one_day=before.returns.one_day) == (
            before.returns
        )
    assert isinstance(snapshot.stocks[0].returns, WindowReturns)


def test_largest_mover_not_at_an_extreme_is_named_with_its_move() -> None:
    snapshot = _moved(sora_snapshot(), BUSY, vols=BUSY_VOLS, highs=("0941.HK",))
    text = build_context(sora_theme(), snapshot).what_moved
    assert text.startswith(
        "China Mobile (00941) rose 0.4% to a new 52-week high. The day's largest move: "
        "ZTE (00763), down 6.1%, 2.4 times its usual daily move."
    )
    # Breadth names neither again: ZTE is the laggard, Baidu the leader.
    assert "2 of 4 constituents with a bar today rose and 2 fell; Baidu Group-SW led (+1.2%)." in (
        text
    )
    assert text.count("6.1%") == 1
    hk = build_context(sora_theme(), snapshot, lang="zh-hk").what_moved
    assert hk.startswith(
        "中國移動（00941）上升0.4%，收市創52周新高。"
        "中興通訊（00763）下跌6.1%，為今日成份股中變動幅度最大者，幅度相當於其日常波幅的2.4倍。"
    )


def test_the_lead_takes_the_constituents_own_dates_ahead_by_default() -> None:
    """Without an explicit list, the lead reads ``StockFigures.dates_ahead`` (the
    consensus figures' dates, ``analytics/consensus.py``): one source for both."""
    import dataclasses

    theme, snapshot = sora_theme(), sora_snapshot()
    soon = date_ahead(AS_OF + dt.timedelta(days=3), "0941.HK", "results")
    later = date_ahead(AS_OF + dt.timedelta(days=20), "0763.HK", "results")  # not this week
    stocks = [
        dataclasses.replace(s, dates_ahead=[soon] if s.symbol == "0941.HK" else [later])
        for s in snapshot.stocks
    ]
    snapshot = dataclasses.replace(snapshot, stocks=stocks)
    lead = build_lead(theme, snapshot, None)
    assert [(d.symbol, d.date) for d in lead.ahead] == [("0941.HK", soon.date)]
    assert "China Mobile (00941) reports results" in build_context(theme, snapshot).what_moved
