"""The A/H premium (issue 18): definition by hand, a cross-check, the pairs table, the note.

premium = A close x CNYHKD close / H close - 1 (traded closes; the FX close on or before
the H share's session, by the note's FX rule), change since the event in percentage
points. Every expected number below is worked by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from concepttrack import pairs, pipeline
from concepttrack.analytics.ah_premium import ah_premium, premium
from concepttrack.cli import app
from concepttrack.errors import ThemesFileError, UsageError
from concepttrack.reasons import reason
from concepttrack.themes import all_symbols, parse_themes
from tests.test_valuation_end_to_end import AS_OF, EVENT, on_or_before, write_folder


def _series(points: dict[str, float]) -> pd.Series:
    return pd.Series(
        list(points.values()), index=pd.DatetimeIndex([pd.Timestamp(d) for d in points])
    )


# Base session Fri 1 Mar 2024; the note's session Tue 5 Mar 2024. CNYHKD=X has no close on
# 5 Mar: the close of Mon 4 Mar (the FX session before) is carried, as the note's rule says.
H = _series({"2024-03-01": 35.00, "2024-03-04": 40.00, "2024-03-05": 44.00})
A = _series({"2024-03-01": 40.00, "2024-03-04": 45.00, "2024-03-05": 50.00})
FX = _series({"2024-03-01": 1.05, "2024-03-04": 1.10})
BASE, NOW = dt.date(2024, 3, 1), dt.date(2024, 3, 5)


def test_premium_is_a_in_hkd_over_h_minus_one() -> None:
    # 50.00 CNY x 1.10 HKD/CNY = 55.00 HKD; 55.00 / 44.00 = 1.25; minus 1 = 0.25 (25 %).
    assert premium(50.0, 1.10, 44.0) == pytest.approx(0.25, abs=1e-15)
    # 40.00 x 1.05 = 42.00 HKD; 42.00 / 35.00 = 1.20 -> 0.20 (20 %).
    assert premium(40.0, 1.05, 35.0) == pytest.approx(0.20, abs=1e-15)
    # A discount: 30.00 x 1.10 = 33.00; 33.00 / 44.00 = 0.75 -> -0.25.
    assert premium(30.0, 1.10, 44.0) == pytest.approx(-0.25, abs=1e-15)
    assert premium(None, 1.10, 44.0) is None
    assert premium(50.0, 1.10, 0.0) is None
    assert premium(math.nan, 1.10, 44.0) is None


def test_premium_now_at_the_base_and_its_change_by_hand() -> None:
    figures = ah_premium("0941.HK", "600941.SS", H, A, FX, NOW, BASE)
    assert figures.session == NOW
    assert (figures.h_close, figures.a_close, figures.fx_rate) == (44.0, 50.0, 1.10)
    assert figures.fx_session == dt.date(2024, 3, 4)
    assert figures.fx_status == "carried"  # the FX session before Tue 5 Mar is Mon 4 Mar
    assert not figures.a_stale
    assert figures.a_close_h == pytest.approx(55.0)  # 50.00 x 1.10
    assert figures.premium == pytest.approx(0.25)  # 55.00 / 44.00 - 1
    assert figures.base_premium == pytest.approx(0.20)  # 40.00 x 1.05 / 35.00 - 1
    # 25 % - 20 % = 5 percentage points (0.05 as a fraction).
    assert figures.change_since_event == pytest.approx(0.05)
    assert figures.reason is None
    assert figures.base_reason is None


def test_cross_check_through_the_inverted_pair() -> None:
    """The same premium from the other side: the H share in CNY (H x HKDCNY, with HKDCNY =
    1 / CNYHKD) against the A share: A / (H x HKDCNY) - 1 = A x CNYHKD / H - 1."""
    days = pd.bdate_range("2024-01-02", "2024-06-28")
    h = pd.Series([60 + 0.07 * i + 3 * math.sin(i / 9) for i in range(len(days))], index=days)
    a = pd.Series([70 + 0.05 * i + 2 * math.cos(i / 7) for i in range(len(days))], index=days)
    cnyhkd = pd.Series([1.08 + 0.01 * math.sin(i / 20) for i in range(len(days))], index=days)
    hkdcny = 1.0 / cnyhkd
    base = days[20].date()
    for day in days[40::17]:
        t = day.date()
        figures = ah_premium("0941.HK", "600941.SS", h, a, cnyhkd, t, base)
        h_in_cny = float(h[day]) * float(hkdcny[day])
        assert figures.premium == pytest.approx(float(a[day]) / h_in_cny - 1, rel=1e-12)
        then = float(a.iloc[20]) / (float(h.iloc[20]) * float(hkdcny.iloc[20])) - 1
        assert figures.change_since_event == pytest.approx(
            float(a[day]) / h_in_cny - 1 - then, rel=1e-9
        )


def test_stale_a_close_and_stale_fx_are_marked() -> None:
    # A mainland holiday: no A bar on 5 Mar, the 4 Mar close (45.00) is used and marked.
    a_short = A[A.index < "2024-03-05"]
    # The last FX close is Fri 1 Mar, older than Mon 4 Mar (the FX session before 5 Mar).
    fx_old = FX[FX.index < "2024-03-04"]
    figures = ah_premium("0941.HK", "600941.SS", H, a_short, fx_old, NOW, BASE)
    assert figures.a_stale
    assert figures.a_session == dt.date(2024, 3, 4)
    assert figures.fx_status == "stale"
    # 45.00 x 1.05 = 47.25; 47.25 / 44.00 = 1.073863... -> 0.0738636...
    assert figures.premium == pytest.approx(47.25 / 44.0 - 1)


def test_missing_a_prices_give_no_premium_and_say_why() -> None:
    why = reason("no_data")
    empty = pd.Series([], index=pd.DatetimeIndex([]), dtype="float64")
    figures = ah_premium("0763.HK", "000063.SZ", H, empty, FX, NOW, BASE, a_problem=why)
    assert figures.premium is None
    assert figures.change_since_event is None
    assert figures.h_close == 44.0
    assert figures.reason == reason("ah_no_a_price", symbol="000063.SZ", why=why)
    no_fx = ah_premium("0941.HK", "600941.SS", H, A, None, NOW, BASE)
    assert no_fx.premium is None
    assert no_fx.fx_status == "missing"
    assert no_fx.reason is not None
    assert no_fx.reason.code == "ah_no_fx"


# --- the table of A+H pairs ---------------------------------------------------------------


def test_shipped_table_has_the_issue_s_pairs() -> None:
    table = pairs.load_table()
    assert table.origin == "builtin"
    assert table.a_share_of("0763.HK") == "000063.SZ"  # ZTE
    assert table.a_share_of("0728.HK") == "601728.SS"  # China Telecom
    assert table.a_share_of("0941.HK") == "600941.SS"  # China Mobile
    assert table.a_share_of("0700.HK") is None


def test_a_refreshed_table_replaces_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pairs.ENV_PAIRS, str(tmp_path / "ah.csv"))
    pairs.write_user_table([pairs.Pair("0700.HK", "600000.SS", "Made up", "")])
    table = pairs.load_table()
    assert (table.origin, table.path) == ("user", tmp_path / "ah.csv")
    assert table.a_share_of("0700.HK") == "600000.SS"
    assert table.a_share_of("0941.HK") is None


def test_a_bad_pairs_row_names_its_line() -> None:
    with pytest.raises(UsageError, match=r"f\.csv:3: '63\.SZ' is not"):
        pairs.parse_pairs("h_code,a_code\n0941.HK,600941.SS\n0763.HK,63.SZ\n", "f.csv")
    assert pairs.a_share_from_digits("688981") == "688981.SS"
    assert pairs.a_share_from_digits("300750") == "300750.SZ"


BOOK_AH = f"""\
themes:
  - id: ah-premium
    title: A and H
    thesis: A thesis.
    event: {{date: {EVENT.isoformat()}, title: Stimulus}}
    stocks:
      - {{code: "00700", name: Tencent, rationale: Why., a_share: "000063.SZ"}}
      - {{code: "00941", name: China Mobile, rationale: Why.}}
"""


def test_a_share_on_the_stock_wins_and_is_fetched_with_the_rest() -> None:
    theme = next(iter(parse_themes(BOOK_AH, "book.yaml")))
    assert theme.a_shares == {"0700.HK": "000063.SZ", "0941.HK": "600941.SS"}
    assert all_symbols([theme]) == [
        "0700.HK",
        "0941.HK",
        "^HSI",
        "000063.SZ",
        "CNYHKD=X",
        "600941.SS",
    ]


def test_a_share_must_be_a_mainland_code() -> None:
    bad = BOOK_AH.replace('a_share: "000063.SZ"', 'a_share: "0763.HK"')
    with pytest.raises(ThemesFileError, match="not a mainland A-share code"):
        parse_themes(bad, "book.yaml")


# --- the note: China Mobile from a CSV folder with 600941.SS and CNYHKD=X -------------------


def _with_a_share(folder: Path) -> None:
    """600941.SS written so that the premium is 20 % up to the event's base session
    (23 Sep 2024) and 25 % after it: A = H x (1 + p) / (CNYHKD close on or before)."""
    rows = write_folder(folder)
    base = dt.date(2024, 9, 23)
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for day, (close, _adj) in rows["0941.HK"].items():
        rate = on_or_before(rows["CNYHKD=X"], day, 0)
        a = close * (1.20 if day <= base else 1.25) / rate
        lines.append(f"{day},{a!r},{a!r},{a!r},{a!r},{a!r},1000")
    (folder / "600941.SS.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_china_mobile_premium_in_the_note_and_the_json(tmp_path: Path) -> None:
    _with_a_share(tmp_path / "prices")
    result = pipeline.run(
        list(parse_themes(BOOK_AH, "book.yaml")),
        pipeline.RunOptions(
            formats=("md", "json"),
            out_dir=tmp_path / "reports",
            source=f"csv:{tmp_path / 'prices'}",
            cache_path=tmp_path / "c.sqlite",
            as_of=AS_OF,
            languages=("en", "zh-hk"),
            now=dt.datetime(2025, 12, 1, 12, 0, tzinfo=dt.UTC),
        ),
    )
    # A missing A share never breaks the note (Tencent's made-up A line has no file).
    assert [o.status for o in result.outcomes] == ["ok"]
    stem = tmp_path / "reports" / "ah-premium" / AS_OF.isoformat()
    snapshot: dict[str, Any] = json.loads(stem.with_suffix(".json").read_text("utf-8"))["snapshot"]
    mobile = snapshot["stocks"][1]["ah_premium"]
    assert mobile["premium"] == pytest.approx(0.25, abs=1e-9)
    assert mobile["base_premium"] == pytest.approx(0.20, abs=1e-9)
    assert mobile["change_since_event"] == pytest.approx(0.05, abs=1e-9)
    assert mobile["a_close_h"] == pytest.approx(1.25 * mobile["h_close"], rel=1e-9)
    tencent = snapshot["stocks"][0]["ah_premium"]
    assert tencent["premium"] is None
    assert tencent["reason_coded"]["code"] == "ah_no_a_price"

    md = stem.with_suffix(".md").read_text("utf-8")
    assert "| Stock | A share | H price | A price in HKD | A/H premium | Change since event |" in md
    row = next(line for line in md.splitlines() if line.startswith("| China Mobile (00941) |"))
    assert row.rstrip().endswith("| +25.0% | +5.0 pp |")
    assert "| Tencent (00700) | 000063.SZ |" in md
    assert "A/H premium of Tencent (00700) is –: no price for the A share 000063.SZ" in md
    assert "**A/H premium.** The A share's traded close converted to HKD" in md
    hk = (stem.parent / f"{AS_OF.isoformat()}.zh-hk.md").read_text("utf-8")
    assert "| A/H股溢價 |" in hk
    assert "+25.0% | +5.0 |" in hk


# --- pairs refresh: EastMoney's A+H list through the real AkShare ---------------------------

#: The shape of push2.eastmoney.com/api/qt/clist/get (fs=b:DLMK0101) as AkShare reads it.
EASTMONEY_AH = {
    "rc": 0,
    "data": {
        "total": 3,
        "diff": [
            {"f12": "00763", "f14": "中兴通讯", "f193": "中兴通讯", "f191": "000063",
             "f2": 24300, "f3": 120, "f186": 3415, "f187": 80, "f189": 152, "f188": 5230},
            {"f12": "00941", "f14": "中国移动", "f193": "中国移动", "f191": "600941",
             "f2": 87100, "f3": -30, "f186": 11496, "f187": 10, "f189": 143, "f188": 4270},
            {"f12": "01347", "f14": "华虹半导体", "f193": "华虹半导体", "f191": "688347",
             "f2": 40000, "f3": 50, "f186": 5000, "f187": 20, "f189": 136, "f188": 3600},
        ],
    },
}  # fmt: skip


class _Answer:
    status_code = 200

    def raise_for_status(self) -> None:
        return None

    def json(self) -> Any:
        return EASTMONEY_AH


def test_pairs_refresh_writes_the_user_table_and_list_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    from concepttrack import cli_pairs

    asked: list[str] = []

    def get(self: object, url: str, **kwargs: Any) -> _Answer:
        asked.append(url)
        return _Answer()

    monkeypatch.setattr(requests.Session, "get", get)
    monkeypatch.setattr(cli_pairs, "MIN_PAIRS", 3)
    monkeypatch.setenv(pairs.ENV_PAIRS, str(tmp_path / "ah.csv"))
    runner = CliRunner()
    done = runner.invoke(app, ["pairs", "refresh"])
    assert done.exit_code == 0, done.output
    assert asked == ["https://push2.eastmoney.com/api/qt/clist/get"]
    assert "A+H pairs: 3 written to" in done.output
    assert (tmp_path / "ah.csv").read_text("utf-8").splitlines() == [
        "h_code,a_code,name,name_zh",
        "0763.HK,000063.SZ,ZTE,中兴通讯",  # the English name kept from the shipped table
        "0941.HK,600941.SS,China Mobile,中国移动",
        "1347.HK,688347.SS,Hua Hong Semiconductor,华虹半导体",
    ]
    listed = runner.invoke(app, ["pairs", "list"])
    assert listed.exit_code == 0
    assert "A+H pairs: 3, refreshed" in listed.output
    assert "1347.HK\t688347.SS" in listed.output


def test_pairs_refresh_with_a_short_answer_keeps_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    monkeypatch.setattr(requests.Session, "get", lambda self, url, **kw: _Answer())
    monkeypatch.setenv(pairs.ENV_PAIRS, str(tmp_path / "ah.csv"))
    done = CliRunner().invoke(app, ["pairs", "refresh"])
    assert done.exit_code != 0
    assert "fewer than 20" in done.output
    assert not (tmp_path / "ah.csv").exists()
    assert pairs.load_table().origin == "builtin"
