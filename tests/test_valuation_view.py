"""The snapshot's valuation part and the note's view of it: failures, old figures, formats."""

from __future__ import annotations

import datetime as dt

import pytest

from concepttrack.analytics.snapshot import build_snapshot
from concepttrack.prices.fundamentals import Fundamentals, FundamentalsSet
from concepttrack.reasons import said
from concepttrack.render import render_note
from concepttrack.render.context import build_context
from concepttrack.render.valuation_view import fmt_amount, fmt_multiple
from tests import analytics_fixtures as fx

CAL = fx.sessions("2024-01-02", "2024-03-28")
EVENT = dt.date(2024, 2, 16)
AS_OF = dt.date(2024, 3, 28)


def _frame(fundamentals: FundamentalsSet | None) -> tuple[object, object]:
    theme = fx.theme(["0700", "0941"], EVENT)
    frame = fx.price_frame(
        {
            "0700.HK": fx.random_bars(CAL, 1, start=300.0),
            "0941.HK": fx.random_bars(CAL, 2, start=70.0),
            "^HSI": fx.random_bars(CAL, 3, start=16_000.0),
        }
    )
    frame.fundamentals = fundamentals
    return theme, frame


def test_amount_and_multiple_formats() -> None:
    assert fmt_amount(1.51e12, "HKD") == "HK$1.51tn"
    assert fmt_amount(2.5e9, "CNY") == "CN¥2.5bn"
    assert fmt_amount(7.5e7, "USD") == "US$75m"
    assert fmt_amount(12_345.0, "SGD") == "SGD 12.3k"
    assert fmt_amount(None, "HKD") == "–"
    assert fmt_multiple(18.44) == "18.4"
    assert fmt_multiple(None) == "–"


def test_same_currency_equal_theme_without_fundamentals_has_no_valuation() -> None:
    theme, frame = _frame(None)
    snapshot = build_snapshot(theme, frame, AS_OF, CAL)  # type: ignore[arg-type]
    assert snapshot.valuation is None
    assert "valuation" not in snapshot.to_dict()
    assert build_context(theme, snapshot).valuation is None  # type: ignore[arg-type]


def test_rate_limited_fundamentals_show_dashes_and_old_figures_with_why() -> None:
    fetched = dt.datetime(2024, 3, 1, 10, 0, tzinfo=dt.UTC)
    fundamentals = FundamentalsSet(
        source="yahoo",
        records={
            "0700.HK": [
                Fundamentals(
                    "0700.HK",
                    dt.date(2024, 2, 29),
                    market_cap=2.9e12,
                    trailing_pe=18.25,
                    price_to_book=3.1,
                    dividend_yield=0.008,
                    currency="HKD",
                )
            ],
            "0941.HK": [],
        },
        problems={
            "0700.HK": said("fetch failed: rate limited (429)"),
            "0941.HK": said("fetch failed: rate limited (429)"),
        },
        fetched_at={"0700.HK": fetched, "0941.HK": None},
    )
    theme, frame = _frame(fundamentals)

    snapshot = build_snapshot(theme, frame, AS_OF, CAL)  # type: ignore[arg-type]
    note = build_context(theme, snapshot)  # type: ignore[arg-type]

    assert snapshot.valuation is not None
    tencent, mobile = snapshot.valuation.stocks
    assert (tencent.date, tencent.market_cap, tencent.fetched_on) == (
        dt.date(2024, 2, 29),
        2.9e12,
        dt.date(2024, 3, 1),
    )
    assert mobile.date is None
    assert mobile.problem == said("fetch failed: rate limited (429)")
    view = note.valuation
    assert view is not None
    assert view.rows[0].market_cap == "HK$2.9tn"
    assert view.rows[0].trailing_pe == "18.2"  # 18.25 rounds half to even
    assert view.rows[1].market_cap == view.rows[1].trailing_pe == "–"
    assert view.basket_row.market_cap == "HK$2.9tn"  # the covered part only
    lines = "\n".join(note.data_notes)
    assert (
        "Fundamentals of 00700 Stock 0700: fetch failed: rate limited (429); "
        "figures shown are from 29 Feb 2024, fetched 1 Mar 2024." in lines
    )
    assert (
        "Fundamentals of 00941 Stock 0941: fetch failed: rate limited (429); no figures shown (–)."
        in lines
    )
    assert any(d.term == "Valuation" for d in note.methodology)


def test_the_note_renders_with_valuation_columns(tmp_path: object) -> None:
    fundamentals = FundamentalsSet(
        source="demo",
        records={
            "0700.HK": [
                Fundamentals(
                    "0700.HK", dt.date(2024, 3, 28), 2.9e12, 9.4e9, 18.0, 3.1, 0.008, "HKD"
                )
            ],
            "0941.HK": [
                Fundamentals(
                    "0941.HK", dt.date(2024, 3, 28), 1.5e12, 21.4e9, None, 1.1, 0.065, "HKD"
                )
            ],
        },
        fetched_at={"0700.HK": None, "0941.HK": None},
    )
    theme, frame = _frame(fundamentals)
    snapshot = build_snapshot(theme, frame, AS_OF, CAL)  # type: ignore[arg-type]
    files = render_note(theme, snapshot, formats=("md", "html"), out_dir=tmp_path)  # type: ignore[arg-type]
    text = next(p for p in files if p.suffix == ".md").read_text(encoding="utf-8")
    html = next(p for p in files if p.suffix == ".html").read_text(encoding="utf-8")
    assert "| Mkt cap | P/E | P/B | Yield |" in text
    assert "HK\\$2.9tn (28 Mar 2024) | 18.0 | 3.1 | 0.8% |" in text
    assert "**Basket** (HKD)" in text
    assert 'class="stocks num-table with-valuation"' in html
    assert "HK$4.4tn" in html
    assert sum(s.weight for s in snapshot.stocks) == pytest.approx(1.0)


def test_valuation_blocks_are_written_in_each_chinese_language() -> None:
    fundamentals = FundamentalsSet(
        source="demo",
        records={
            "0700.HK": [
                Fundamentals(
                    "0700.HK", dt.date(2024, 3, 28), 2.9e12, 9.4e9, 18.0, 3.1, 0.008, "HKD"
                )
            ],
            "0941.HK": [
                Fundamentals(
                    "0941.HK", dt.date(2024, 3, 28), 1.5e12, 21.4e9, None, 1.1, 0.065, "HKD"
                )
            ],
        },
        fetched_at={"0700.HK": None, "0941.HK": None},
    )
    theme, frame = _frame(fundamentals)
    snapshot = build_snapshot(theme, frame, AS_OF, CAL)  # type: ignore[arg-type]
    en = build_context(theme, snapshot).valuation  # type: ignore[arg-type]
    hk = build_context(theme, snapshot, lang="zh-hk").valuation  # type: ignore[arg-type]
    cn = build_context(theme, snapshot, lang="zh-cn").valuation  # type: ignore[arg-type]
    assert en is not None
    assert hk is not None
    assert cn is not None
    # The same amounts: HK$2.9tn = 2.9萬億港元 (Babel's compact form, CLDR units).
    assert en.rows[0].market_cap == "HK$2.9tn"
    assert hk.rows[0].market_cap == "2.9萬億港元"
    assert cn.rows[0].market_cap == "2.9万亿港元"
    assert (hk.basket_row.market_cap, cn.basket_row.market_cap) == ("4.4萬億港元", "4.4万亿港元")
    assert hk.rows[0].date == "2024年3月28日"
    assert (en.currency, hk.currency, cn.currency) == ("HKD", "港元", "港元")
    assert hk.data_notes == ["基本面數據：示範數據（模擬），數據日期2024年3月28日。"]
    assert cn.data_notes == ["基本面数据：演示数据（模拟），数据日期2024年3月28日。"]
    assert hk.table_notes == [
        "市值以個股貨幣計（日期列於其下）；市盈率及股息率按過去十二個月計；組合一行見計算方法。"
    ]
    assert [d.term for d in hk.definitions] == ["估值"]
    assert "市净率" in cn.definitions[0].text
    assert "市賬率" in hk.definitions[0].text
