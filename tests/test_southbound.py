"""Southbound (港股通) holdings (issue 18): definitions by hand, ``southbound.csv``, AkShare
through its real functions on recorded EastMoney JSON, the cache, and the note.

No network: AkShare's ``requests`` calls are answered from payloads in EastMoney's
format (``datacenter-web.eastmoney.com/api/data/v1/get`` report
``RPT_MUTUAL_STOCK_HOLDRANKS`` and ``push2.eastmoney.com/api/qt/clist/get``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from concepttrack.analytics.southbound import (
    SouthboundFigures,
    build_southbound,
    holding_figures,
)
from concepttrack.prices.southbound import (
    AkShareSouthbound,
    CsvSouthbound,
    load_southbound,
    read_southbound_rows,
    southbound_source,
)
from concepttrack.prices.southbound_records import (
    SouthboundAnswer,
    SouthboundRecord,
    SouthboundSet,
)
from concepttrack.reasons import reason

D = dt.date


def _calendar() -> list[dt.date]:
    """26 May - 4 Jul 2025 weekdays without 1 Jul (a holiday): 29 sessions."""
    day, out = D(2025, 5, 26), []
    while day <= D(2025, 7, 4):
        if day.weekday() < 5 and day != D(2025, 7, 1):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _rec(day: dt.date, shares: float | None, pct: float | None, **kw: Any) -> SouthboundRecord:
    return SouthboundRecord("0728.HK", day, shares_held=shares, pct_of_h_shares=pct, **kw)


# --- definitions, by hand ------------------------------------------------------------


def test_hand_computed_changes_over_5_and_20_sessions() -> None:
    sessions = _calendar()
    assert len(sessions) == 29
    assert sessions.index(D(2025, 7, 3)) == 27
    records = [
        _rec(D(2025, 5, 26), 9_800_000_000, 0.6962),
        _rec(D(2025, 6, 4), 9_900_000_000, 0.7033),  # session 7: 20 before 3 Jul
        _rec(D(2025, 6, 24), 10_100_000_000, 0.7170),  # session 21; none on 25 Jun (22)
        _rec(D(2025, 7, 3), 10_150_000_000, 0.7210),  # session 27: the last record
        _rec(D(2025, 7, 7), 1.0, 0.01),  # after the note's session: ignored
    ]
    h = holding_figures("0728.HK", records, sessions, D(2025, 7, 4), eligible=True)
    # The holding is 3 Jul, one session before the note's 4 Jul: not stale.
    assert (h.date, h.lag_sessions, h.stale) == (D(2025, 7, 3), 1, False)
    assert (h.shares_held, h.pct_of_h_shares, h.eligible) == (10_150_000_000, 0.7210, True)
    # 5 sessions before 3 Jul is 25 Jun (1 Jul is no session); the source has no record
    # that day, so its last before it (24 Jun) is the base.
    assert h.base_date_5 == D(2025, 6, 24)
    assert h.change_5_pp == pytest.approx(0.7210 - 0.7170)  # +0.40 pp
    assert h.change_5_shares == 50_000_000
    # 20 sessions before 3 Jul is 4 Jun.
    assert h.base_date_20 == D(2025, 6, 4)
    assert h.change_20_pp == pytest.approx(0.0177)  # 72.10 % - 70.33 %
    assert h.change_20_shares == 250_000_000
    assert h.missing is None


def test_stale_after_more_than_5_sessions_and_short_history() -> None:
    sessions = _calendar()
    as_of = D(2025, 7, 4)  # session 28
    five = holding_figures("0728.HK", [_rec(D(2025, 6, 26), 1e9, 0.5)], sessions, as_of)
    six = holding_figures("0728.HK", [_rec(D(2025, 6, 25), 1e9, 0.5)], sessions, as_of)
    assert (five.lag_sessions, five.stale) == (5, False)
    assert (six.lag_sessions, six.stale) == (6, True)
    # One record only: no base for either window.
    assert (six.change_5_pp, six.change_20_pp, six.change_5_shares) == (None, None, None)
    # History from 30 Jun: 5 sessions before 3 Jul (25 Jun) has no record on or before it.
    short = holding_figures(
        "0728.HK",
        [_rec(D(2025, 6, 30), 1e9, 0.50), _rec(D(2025, 7, 3), 1.1e9, 0.55)],
        sessions,
        as_of,
    )
    assert (short.change_5_pp, short.change_20_pp) == (None, None)


def test_missing_holding_says_why() -> None:
    sessions = _calendar()
    nothing = holding_figures("0728.HK", [_rec(D(2025, 7, 7), 1.0, 0.1)], sessions, D(2025, 7, 4))
    assert nothing.date is None
    assert nothing.missing == reason("southbound_none_by", date=D(2025, 7, 4))
    failed = holding_figures("0728.HK", [], sessions, D(2025, 7, 4), problem=reason("no_data"))
    assert failed.missing == reason("no_data")


def test_cross_check_of_the_percentage_against_shares_and_issued_h_shares() -> None:
    sessions = _calendar()
    as_of = D(2025, 7, 4)
    # 10.0bn of 14.077bn issued H shares is 71.04 %, not the 72.0 % written: flagged.
    wrong = holding_figures(
        "0728.HK", [_rec(as_of, 10e9, 0.72, issued_h_shares=14.077e9)], sessions, as_of
    )
    assert wrong.pct_recomputed == pytest.approx(10 / 14.077)
    assert wrong.pct_check_failed
    assert wrong.pct_of_h_shares == 0.72
    agreed = holding_figures(
        "0728.HK", [_rec(as_of, 10e9, 0.7104, issued_h_shares=14.077e9)], sessions, as_of
    )
    assert not agreed.pct_check_failed
    # Only shares and issued H shares: the percentage is their quotient.
    derived = holding_figures(
        "0728.HK", [_rec(as_of, 7e9, None, issued_h_shares=10e9)], sessions, as_of
    )
    assert derived.pct_of_h_shares == pytest.approx(0.7)


def test_only_hk_stocks_get_a_row_and_no_source_means_no_section() -> None:
    found = SouthboundSet(source="akshare", vendor="eastmoney-akshare")
    figures = build_southbound(["0728.HK", "600941.SS", "NVDA"], found, _calendar(), D(2025, 7, 4))
    assert figures is not None
    assert list(figures.stocks) == ["0728.HK"]
    assert build_southbound(["0728.HK"], None, _calendar(), D(2025, 7, 4)) is None
    assert build_southbound(["NVDA"], found, _calendar(), D(2025, 7, 4)) is None


# --- which source -------------------------------------------------------------------


def test_the_source_spec_picks_the_southbound_source(tmp_path: Path) -> None:
    assert southbound_source("yahoo") is None
    assert southbound_source("demo") is None
    assert isinstance(southbound_source("akshare"), AkShareSouthbound)
    assert isinstance(southbound_source("yahoo,akshare"), AkShareSouthbound)
    chained = southbound_source(f"yahoo, csv:{tmp_path}")
    assert isinstance(chained, CsvSouthbound)
    assert chained.folder == tmp_path
    # The first part that offers Southbound data wins.
    assert isinstance(southbound_source(f"csv:{tmp_path},akshare"), CsvSouthbound)


# --- southbound.csv -----------------------------------------------------------------

GOOD_CSV = (
    "date,symbol,shares_held,pct_of_h_shares,issued_h_shares,eligible\n"
    "2025-07-03,0728.HK,10150000000,72.1,14077000000,1\n"
    '2025-07-02,00728,"10,100,000,000",71.75,,\n'
    "2025-07-03,0763.HK,234805000,31.1,,no\n"
)


def test_csv_rows_in_percent_with_optional_cells(tmp_path: Path) -> None:
    (tmp_path / "southbound.csv").write_text(GOOD_CSV, encoding="utf-8")
    rows, bad = read_southbound_rows(tmp_path / "southbound.csv")
    assert bad == {}
    assert [r.date for r in rows["0728.HK"]] == [D(2025, 7, 2), D(2025, 7, 3)]
    first, last = rows["0728.HK"]
    assert (first.shares_held, first.pct_of_h_shares, first.eligible) == (1.01e10, 0.7175, None)
    assert (last.issued_h_shares, last.eligible) == (14_077_000_000, True)
    assert rows["0763.HK"][0].eligible is False


def test_csv_bad_line_names_file_and_line_and_fails_only_that_symbol(tmp_path: Path) -> None:
    text = GOOD_CSV + "2025-07-04,0763.HK,1,172.5,,\n"
    (tmp_path / "SouthBound.csv").write_text(text, encoding="utf-8")
    answers = CsvSouthbound(tmp_path).fetch(["0728.HK", "0763.HK", "0941.HK"])
    assert len(answers["0728.HK"].records) == 2
    assert answers["0728.HK"].problem is None
    problem = answers["0763.HK"].problem
    assert problem is not None
    assert answers["0763.HK"].records == []
    assert "SouthBound.csv, line 5" in problem
    assert "pct_of_h_shares is out of range" in problem
    assert str(tmp_path) not in problem
    # A symbol without rows answers with no records (the note says why).
    assert answers["0941.HK"] == SouthboundAnswer()


def test_csv_bad_header_fails_every_symbol(tmp_path: Path) -> None:
    (tmp_path / "southbound.csv").write_text("day,code,held\n2025-07-03,0728.HK,1\n", "utf-8")
    answers = CsvSouthbound(tmp_path).fetch(["0728.HK", "0763.HK"])
    for answer in answers.values():
        assert answer.problem is not None
        assert "southbound.csv, line 1: unexpected header" in answer.problem


def test_csv_folder_without_the_file_shows_no_section(tmp_path: Path) -> None:
    assert CsvSouthbound(tmp_path).revision() == "missing"
    found = load_southbound(
        ["0728.HK"], spec=f"csv:{tmp_path}", store_path=tmp_path / "cache.sqlite"
    )
    assert found is None


# --- the cache ----------------------------------------------------------------------


def test_csv_read_again_only_when_the_file_changes(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    path = folder / "southbound.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    cache = tmp_path / "cache.sqlite"
    calls: list[list[str]] = []

    class Counting(CsvSouthbound):
        def fetch(self, symbols: Any) -> dict[str, SouthboundAnswer]:
            calls.append(list(symbols))
            return super().fetch(symbols)

    source = Counting(folder)
    symbols = ["0728.HK", "0763.HK", "NVDA"]
    first = load_southbound(symbols, spec="", store_path=cache, source=source)
    again = load_southbound(symbols, spec="", store_path=cache, source=source)
    assert calls == [["0728.HK", "0763.HK"]]  # non-HK symbols are never asked about
    assert first is not None
    assert again is not None
    assert first.records == again.records
    assert len(again.records["0728.HK"]) == 2
    assert first.file == "southbound.csv"
    # Rewritten with one row fewer: read again, and the file is the whole truth.
    path.write_text("\n".join(GOOD_CSV.splitlines()[:2]) + "\n", encoding="utf-8")
    changed = load_southbound(symbols, spec="", store_path=cache, source=source)
    assert len(calls) == 2
    assert changed is not None
    assert [r.date for r in changed.records["0728.HK"]] == [D(2025, 7, 3)]
    assert changed.problems["0763.HK"] == reason("southbound_no_record")


def test_a_live_source_is_asked_again_after_max_age_and_keeps_the_cache_on_failure(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache.sqlite"
    now = dt.datetime(2025, 7, 4, 10, tzinfo=dt.UTC)
    answers: list[dict[str, SouthboundAnswer]] = [
        {"0728.HK": SouthboundAnswer([_rec(D(2025, 7, 3), 1e10, 0.72)], eligible=True)},
        {"0728.HK": SouthboundAnswer(problem="AkShare failed: ConnectionError: boom")},
    ]

    class Live:
        name = "akshare"
        vendor = "eastmoney-akshare"

        def revision(self) -> str | None:
            return None

        def fetch(self, symbols: Any) -> dict[str, SouthboundAnswer]:
            return answers.pop(0)

    kw: dict[str, Any] = {"spec": "", "store_path": cache, "source": Live()}
    first = load_southbound(["0728.HK"], now=now, **kw)
    soon = load_southbound(["0728.HK"], now=now + dt.timedelta(hours=2), **kw)
    assert len(answers) == 1  # two hours later: from the cache
    later = load_southbound(["0728.HK"], now=now + dt.timedelta(hours=13), **kw)
    assert answers == []
    for found in (first, soon, later):
        assert found is not None
        assert found.eligible == {"0728.HK": True}
        assert [r.pct_of_h_shares for r in found.records["0728.HK"]] == [0.72]
    assert later is not None
    assert "ConnectionError" in str(later.problems["0728.HK"])
    offline = load_southbound(["0763.HK"], offline=True, **kw)
    assert offline is not None
    assert offline.problems["0763.HK"] == reason("not_in_cache")


def test_cache_clear_drops_the_holdings(tmp_path: Path) -> None:
    from concepttrack.prices.store import PriceStore

    (tmp_path / "southbound.csv").write_text(GOOD_CSV, encoding="utf-8")
    cache = tmp_path / "cache.sqlite"
    load_southbound(["0728.HK"], spec=f"csv:{tmp_path}", store_path=cache)
    with PriceStore(cache) as store:
        assert len(store.read_southbound(f"csv:{tmp_path}", ["0728.HK"])["0728.HK"]) == 2
        store.clear()
        assert store.read_southbound(f"csv:{tmp_path}", ["0728.HK"]) == {"0728.HK": []}
        assert store.southbound_checks(f"csv:{tmp_path}", ["0728.HK"]) == {}


# --- AkShare through its real functions, EastMoney's recorded JSON -------------------


def _holdranks_row(day: str, shares: int, ratio: float, close: float) -> dict[str, Any]:
    """One row of RPT_MUTUAL_STOCK_HOLDRANKS as EastMoney's data centre sends it."""
    return {
        "SECURITY_INNER_CODE": "1000116011",
        "SECUCODE": "00728.HK",
        "TRADE_DATE": f"{day} 00:00:00",
        "SECURITY_CODE": "00728",
        "SECURITY_NAME": "中国电信",
        "MUTUAL_TYPE": "002",
        "CHANGE_RATE": 0.6,
        "CLOSE_PRICE": close,
        "HOLD_SHARES": shares,
        "HOLD_MARKET_CAP": shares * close,
        "A_SHARES_RATIO": None,
        "HOLD_SHARES_RATIO": ratio,
        "FREE_SHARES_RATIO": ratio,
        "TOTAL_SHARES_RATIO": round(ratio * 14.077 / 91.507, 2),
        "HOLD_MARKETCAP_CHG1": 1.2e8,
        "HOLD_MARKETCAP_CHG5": 4.1e8,
        "HOLD_MARKETCAP_CHG10": 9.8e8,
    }


HOLDRANKS_0728 = {
    "version": "c5f0e1b2",
    "result": {
        "pages": 1,
        "data": [  # newest first, as sorted by the request (sortTypes=-1)
            _holdranks_row("2025-07-03", 10_150_000_000, 72.10, 5.02),
            _holdranks_row("2025-07-02", 10_140_000_000, 72.03, 4.99),
            _holdranks_row("2025-06-26", 10_100_000_000, 71.75, 4.96),
        ],
        "count": 3,
    },
    "success": True,
    "message": "ok",
    "code": 0,
}
#: EastMoney's answer for a stock it has no Southbound holdings of.
EMPTY = {"version": None, "result": None, "success": False, "message": "返回数据为空", "code": 9201}


def _component(number: int, code: str, name: str) -> dict[str, Any]:
    """One item of the Southbound constituents list (clist, fs=b:DLMK0146,b:DLMK0144):
    the fields in EastMoney's numeric order, 34 per item as AkShare's column names need."""
    keys = [*range(1, 27), 33, 62, 115, 128, 136, 140, 141, 152]
    item: dict[str, Any] = {f"f{k}": 0 for k in keys}
    item.update({"f1": 3, "f2": 5.02 + number, "f3": 0.6, "f12": code, "f13": 116, "f14": name})
    return item


COMPONENTS = {
    "rc": 0,
    "rt": 6,
    "svr": 177617938,
    "lt": 1,
    "full": 1,
    "dlmkts": "",
    "data": {
        "total": 2,
        "diff": [_component(0, "00728", "中国电信"), _component(1, "00763", "中兴通讯")],
    },
}


class _EastMoney:
    """Answers AkShare's ``requests`` calls with the recorded payloads."""

    def __init__(self, components: dict[str, Any] = COMPONENTS) -> None:
        self.components = components
        self.asked: list[str] = []

    def answer(self, url: str, params: dict[str, Any] | None) -> requests.Response:
        params = params or {}
        if "datacenter-web.eastmoney.com" in url:
            assert params["reportName"] == "RPT_MUTUAL_STOCK_HOLDRANKS"
            self.asked.append(params["filter"])
            body: dict[str, Any] = HOLDRANKS_0728 if '"00728.HK"' in params["filter"] else EMPTY
        elif "push2.eastmoney.com/api/qt/clist/get" in url:
            assert params["fs"] == "b:DLMK0146,b:DLMK0144"
            self.asked.append("components")
            body = self.components
        else:  # pragma: no cover - an unexpected call fails the test
            raise AssertionError(f"unexpected request {url}")
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        response.encoding = "utf-8"
        response.url = url
        return response


@pytest.fixture
def eastmoney(monkeypatch: pytest.MonkeyPatch) -> _EastMoney:
    fake = _EastMoney()

    def get(url: str, params: dict[str, Any] | None = None, **_kw: Any) -> requests.Response:
        return fake.answer(url, params)

    def session_get(
        _self: requests.Session, url: str, params: dict[str, Any] | None = None, **_kw: Any
    ) -> requests.Response:
        return fake.answer(url, params)

    monkeypatch.setattr(requests, "get", get)
    monkeypatch.setattr(requests.Session, "get", session_get)
    return fake


def test_akshare_holdings_and_eligibility_from_recorded_eastmoney_json(
    eastmoney: _EastMoney,
) -> None:
    answers = AkShareSouthbound().fetch(["0728.HK", "9888.HK"])
    telecom = answers["0728.HK"]
    assert telecom.problem is None
    assert telecom.eligible is True
    assert [(r.date, r.shares_held, r.pct_of_h_shares) for r in telecom.records] == [
        (D(2025, 6, 26), 10_100_000_000, pytest.approx(0.7175)),
        (D(2025, 7, 2), 10_140_000_000, pytest.approx(0.7203)),
        (D(2025, 7, 3), 10_150_000_000, pytest.approx(0.7210)),
    ]
    # No holdings at EastMoney (result: null) is an answer without records, not a failure;
    # 09888 is not on the recorded constituents list.
    assert answers["9888.HK"] == SouthboundAnswer(eligible=False)
    assert eastmoney.asked[0] == "components"
    assert '(SECUCODE="00728.HK")(MUTUAL_TYPE="002")' in eastmoney.asked


def test_akshare_eligibility_unknown_when_the_list_fails(
    eastmoney: _EastMoney,
) -> None:
    eastmoney.components = {"rc": 102, "data": None}
    answers = AkShareSouthbound().fetch(["0728.HK"])
    assert answers["0728.HK"].eligible is None
    assert len(answers["0728.HK"].records) == 3


def test_akshare_through_the_cache_into_the_figures(eastmoney: _EastMoney, tmp_path: Path) -> None:
    found = load_southbound(
        ["0728.HK", "9888.HK"],
        spec="yahoo,akshare",
        store_path=tmp_path / "cache.sqlite",
        now=dt.datetime(2025, 7, 4, 9, tzinfo=dt.UTC),
    )
    assert found is not None
    assert found.source == "akshare"
    figures = build_southbound(["9888.HK", "0728.HK"], found, _calendar(), D(2025, 7, 4))
    assert figures is not None
    telecom = figures.stocks["0728.HK"]
    # Holding of 3 Jul, one session before the note. 5 sessions before 3 Jul is 25 Jun and
    # the recorded history starts on 26 Jun: no 5-session (nor 20-session) change.
    assert (telecom.date, telecom.lag_sessions, telecom.eligible) == (D(2025, 7, 3), 1, True)
    assert telecom.change_5_pp is None
    assert telecom.change_20_pp is None
    baidu = figures.stocks["9888.HK"]
    assert baidu.missing == reason("southbound_no_record")
    assert baidu.eligible is False


# --- the note ---------------------------------------------------------------------


def _note_figures(as_of: dt.date) -> SouthboundFigures:
    from tests.render_fixtures import sessions as fixture_sessions

    days = fixture_sessions()
    assert days[-1] == as_of
    last, five, twenty = days[-1], days[-6], days[-21]
    records = {
        "0728.HK": [
            SouthboundRecord("0728.HK", twenty, 9_900_000_000, 0.7033, 14_077_000_000, True),
            SouthboundRecord("0728.HK", five, 10_100_000_000, 0.7170, 14_077_000_000, True),
            SouthboundRecord("0728.HK", last, 10_150_000_000, 0.7210, 14_077_000_000, True),
        ],
        "0763.HK": [SouthboundRecord("0763.HK", days[-8], 235_000_000, 0.311)],
    }
    found = SouthboundSet(
        source="csv:/srv/hk-prices", vendor="southbound.csv", file="southbound.csv"
    )
    found.records = records
    found.problems["0941.HK"] = reason("southbound_no_record")
    figures = build_southbound(["9888.HK", "0763.HK", "0941.HK", "0728.HK"], found, days, as_of)
    assert figures is not None
    return figures


def test_the_section_in_three_languages_and_the_json_twin() -> None:
    from concepttrack.render.context import build_context
    from tests.render_fixtures import sora_snapshot, sora_theme

    plain = sora_snapshot()
    snapshot = dataclasses.replace(plain, southbound=_note_figures(plain.as_of))
    theme = sora_theme()
    note = build_context(theme, snapshot, lang="en")
    assert note.southbound is not None
    rows = {row.code: row for row in note.southbound.rows}
    telecom = rows["00728"]
    # 72.10 % of H shares; +0.40 pp and +50m shares over 5 sessions; +1.77 pp and +250m
    # over 20.
    assert (telecom.shares_held.text, telecom.pct_of_h_shares.text) == ("10.2bn", "72.1%")
    assert (telecom.change_5_pp.text, telecom.change_5_shares.text) == ("+0.4 pp", "+50m")
    assert (telecom.change_20_pp.text, telecom.change_20_shares.text) == ("+1.8 pp", "+250m")
    assert telecom.eligible == "Yes"
    # ZTE's last holding is 7 sessions old: stale, marked; no change windows reach.
    zte = rows["00763"]
    assert zte.date.endswith("†")
    assert zte.pct_of_h_shares.text == "31.1%†"
    assert zte.change_5_pp.text == "–"
    assert zte.eligible == "–"
    assert rows["00941"].shares_held.text == "–"
    notes = "\n".join(note.southbound.notes)
    # The vendor is named once, in the data appendix.
    vendor = "Southbound holdings: southbound.csv in CSV price files (hk-prices)."
    assert vendor in note.data_notes
    assert vendor not in notes
    assert "† Stale: the source's last holding is more than 5 sessions before" in notes
    assert "China Mobile (00941): no Southbound holding (the source has no Southbound" in notes
    assert "Cross-check: the share of H shares of China Telecom (00728) agrees" in notes
    terms = [d.term for d in note.methodology]
    first = terms.index("Southbound holdings (Stock Connect)")
    assert terms[first : first + 3] == [
        "Southbound holdings (Stock Connect)",
        "Southbound change (5 and 20 sessions)",
        "Southbound eligibility",
    ]
    assert "(marked † when more than 5 sessions" in note.methodology[first].text

    hk = build_context(theme, snapshot, lang="zh-hk")
    cn = build_context(theme, snapshot, lang="zh-cn")
    assert hk.southbound is not None
    assert cn.southbound is not None
    hk_row = {row.code: row for row in hk.southbound.rows}["00728"]
    assert (hk_row.shares_held.text, hk_row.change_5_shares.text) == ("101.5億", "+5000萬")
    assert hk_row.eligible == "是"
    assert any(d.term == "港股通持股（南向資金）" for d in hk.methodology)
    assert any(d.term == "港股通持股（南向资金）" for d in cn.methodology)

    twin = snapshot.to_dict(word=str)["southbound"]
    assert twin["source"] == "csv:/srv/hk-prices"
    assert twin["stocks"]["0728.HK"]["change_20_pp"] == pytest.approx(0.0177)
    assert twin["stocks"]["0728.HK"]["change_5_shares"] == 50_000_000
    assert twin["stocks"]["0941.HK"]["missing_coded"] == {
        "code": "southbound_no_record",
        "params": {},
    }
    # No Southbound source: no section, no JSON key.
    assert build_context(theme, plain, lang="en").southbound is None
    assert "southbound" not in plain.to_dict()


def test_the_markdown_block(tmp_path: Path) -> None:
    from concepttrack.render import render_note
    from tests.render_fixtures import sora_snapshot, sora_theme

    plain = sora_snapshot()
    snapshot = dataclasses.replace(plain, southbound=_note_figures(plain.as_of))
    render_note(sora_theme(), snapshot, out_dir=tmp_path, formats=("md", "html"), languages=("en",))
    text = next(tmp_path.rglob("*.md")).read_text("utf-8")
    assert "## Southbound holdings" in text
    assert "| 00728 | China Telecom |" in text
    assert "| +0.4 pp | +1.8 pp | +50m | +250m | Yes |" in text
    html = next(tmp_path.rglob("*.html")).read_text("utf-8")
    assert '<section class="southbound">' in html
    assert "+250m" in html


def test_a_run_through_a_csv_folder_with_southbound_csv(tmp_path: Path) -> None:
    """The pipeline: ``--source yahoo,csv:DIR``-style spec parsing aside, a CSV folder's
    southbound.csv reaches the note and the JSON twin."""
    from concepttrack import pipeline
    from concepttrack.calendar import sessions
    from concepttrack.themes import load_themes
    from tests.conftest import REPO
    from tests.golden import AS_OF, write_dataset

    folder = tmp_path / "prices"
    write_dataset(folder)
    days = [d.date() for d in sessions("XHKG", dt.date(2024, 1, 2), AS_OF)]
    lines = ["date,symbol,shares_held,pct_of_h_shares,issued_h_shares,eligible"]
    for i, day in enumerate(days[-25:]):
        shares = 9_800_000_000 + 10_000_000 * i
        lines.append(f"{day},0728.HK,{shares},{100 * shares / 14_077_000_000:.4f},14077000000,1")
    (folder / "southbound.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    theme = load_themes(REPO / "themes.yaml").get("sora-compute")
    options = pipeline.RunOptions(
        formats=("md", "json"),
        out_dir=tmp_path / "reports",
        source=f"csv:{folder}",
        cache_path=tmp_path / "cache.sqlite",
        as_of=AS_OF,
    )
    assert pipeline.run([theme], options).exit_code == 0
    note = (tmp_path / "reports" / theme.id / f"{AS_OF}.md").read_text("utf-8")
    assert "## Southbound holdings" in note
    # 10m shares a session: +50m over 5 sessions, +200m over 20.
    assert "| +50m | +200m | Yes |" in note
    # Nothing stale: the rule does not explain a mark the note does not use; the vendor is
    # named once, in the data appendix.
    assert "(in this note at most 5 sessions before the note's session)" in note
    assert "marked † when more than 5 sessions" not in note
    assert note.count("Southbound holdings: southbound.csv in CSV price files (prices).") == 1
    twin = json.loads((tmp_path / "reports" / theme.id / f"{AS_OF}.json").read_text("utf-8"))
    telecom = twin["snapshot"]["southbound"]["stocks"]["0728.HK"]
    assert telecom["date"] == AS_OF.isoformat()
    assert telecom["change_20_shares"] == 200_000_000
    assert telecom["change_5_pp"] == pytest.approx(50_000_000 / 14_077_000_000, abs=1e-6)
    assert twin["snapshot"]["southbound"]["stocks"]["0941.HK"]["missing"] is not None


def test_the_akshare_vendor_is_named_in_the_data_appendix_in_every_language() -> None:
    from concepttrack.render.context import build_context
    from tests.render_fixtures import sora_snapshot, sora_theme

    plain = sora_snapshot()
    figures = dataclasses.replace(
        _note_figures(plain.as_of), source="akshare", vendor="eastmoney-akshare", file=None
    )
    snapshot = dataclasses.replace(plain, southbound=figures)
    expected = {
        "en": "Southbound holdings: EastMoney data centre via AkShare.",
        "zh-hk": "港股通持股：東方財富數據中心（經AkShare）。",
        "zh-cn": "港股通持股：东方财富数据中心（经AkShare）。",
    }
    for lang, line in expected.items():
        assert line in build_context(sora_theme(), snapshot, lang=lang).data_notes
