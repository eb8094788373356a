"""Consensus and dates ahead (issue 18, deliverable 6).

Yahoo: recorded-format quoteSummary modules and v7 quote fields (``formatted=false``, the
shape yfinance 1.7 asks for) answered by the fake session and read by the real yfinance's
``get_info``. The CSV source: ``fundamentals.csv`` with and without the new columns. The
cache: the new columns round-trip and an older cache gains them. Analytics: a
hand-computed implied upside, currencies that differ, the 30-day horizon (29 vs 31 days),
staleness. The note: the table, "–" with a reason, the dates line in three languages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from concepttrack.analytics.consensus import (
    dates_ahead,
    implied_upside,
    rating_key,
    stock_consensus,
    stock_dates_ahead,
)
from concepttrack.analytics.consensus_model import Consensus, DateAhead
from concepttrack.analytics.model import ThemeSnapshot
from concepttrack.errors import PriceFileError
from concepttrack.prices.csvdir import CsvDirSource, read_fundamentals_csv
from concepttrack.prices.fundamentals import Fundamentals, FundamentalsSet, load_fundamentals
from concepttrack.prices.store import PriceStore
from concepttrack.prices.yahoo import RetryPolicy, YahooSource
from concepttrack.reasons import reason, said
from concepttrack.render.context import build_context
from concepttrack.render.messages import reason_text
from tests.render_fixtures import AS_OF, sora_snapshot, sora_theme
from tests.yahoo_fake import FakeYahoo, Sleeps, fresh_fake_yahoo, summary_modules

#: Friday 1 March 2024, 20:00 Hong Kong time: the 1 March session is closed.
FRIDAY_EVENING = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)


def _epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC).timestamp())


@pytest.fixture
def fake_yahoo() -> Iterator[FakeYahoo]:
    with fresh_fake_yahoo() as fake:
        yield fake


def _yahoo(fake: FakeYahoo, tmp_path: Path) -> YahooSource:
    return YahooSource(
        session=fake,
        cache_dir=tmp_path.parent / "yfinance-cache",
        retry=RetryPolicy(attempts=2, base_delay=1.0, max_delay=1.0, max_total_wait=2.0),
        sleep=Sleeps(),
        rng=random.Random(7),
        threads=1,
        clock=lambda: FRIDAY_EVENING,
    )


def _with_consensus(fake: FakeYahoo) -> None:
    """China Mobile as Yahoo sends it: financialData's targets and rating, summaryDetail's
    ex-dividend date, defaultKeyStatistics' last dividend, the v7 quote's earnings times
    (epoch seconds); China Telecom without any analyst field."""
    modules: dict[str, Any] = summary_modules(
        "0941.HK", market_cap=1.51e12, shares=21.4e9, trailing_pe=11.2, price_to_book=1.15
    )
    modules["financialData"].update(
        {
            "currentPrice": 70.85,
            "targetHighPrice": 92.0,
            "targetLowPrice": 66.5,
            "targetMeanPrice": 80.73,
            "targetMedianPrice": 81.0,
            "recommendationMean": 1.78261,
            "recommendationKey": "buy",
            "numberOfAnalystOpinions": 23,
            "financialCurrency": "CNY",  # the reporting currency, not the targets'
        }
    )
    modules["summaryDetail"].update({"exDividendDate": _epoch(2024, 3, 28), "dividendRate": 4.83})
    modules["defaultKeyStatistics"].update(
        {"lastDividendValue": 2.5, "lastDividendDate": _epoch(2024, 3, 28)}
    )
    fake.add_info(
        "0941.HK",
        modules,
        {
            "currency": "HKD",
            "marketCap": 1.51e12,
            # Last results (past) and the next window's start: 22:00 UTC on 20 March is
            # 06:00 on 21 March in Hong Kong.
            "earningsTimestamp": _epoch(2023, 8, 10, 4, 0),
            "earningsTimestampStart": _epoch(2024, 3, 20, 22, 0),
            "earningsTimestampEnd": _epoch(2024, 3, 20, 22, 0),
            "isEarningsDateEstimate": False,
        },
    )
    # China Telecom: an ex-dividend date whose amount Yahoo does not give (the last
    # dividend is an older one), and no analyst figure at all.
    telecom: dict[str, Any] = summary_modules("0728.HK", market_cap=4.1e11, shares=91.5e9)
    telecom["summaryDetail"]["exDividendDate"] = _epoch(2024, 6, 13)
    telecom["defaultKeyStatistics"].update(
        {"lastDividendValue": 0.12, "lastDividendDate": _epoch(2023, 9, 7)}
    )
    fake.add_info("0728.HK", telecom, {"currency": "HKD", "marketCap": 4.1e11})


def test_yahoo_info_gives_targets_rating_and_dates_in_their_units(
    fake_yahoo: FakeYahoo, tmp_path: Path
) -> None:
    _with_consensus(fake_yahoo)
    source = _yahoo(fake_yahoo, tmp_path)

    answers = source.fetch_fundamentals(["0941.HK", "0728.HK"], dt.date(2024, 3, 1))

    mobile = answers["0941.HK"].records[0]
    assert (mobile.target_mean, mobile.target_high, mobile.target_low) == (80.73, 92.0, 66.5)
    assert mobile.analysts == 23
    assert (mobile.rating_mean, mobile.rating_key) == (1.78261, "buy")
    assert mobile.currency == "HKD"  # the quote's currency: the targets are in HKD
    # Epoch seconds read in Hong Kong time; the next results date, not the last one.
    assert mobile.next_results == dt.date(2024, 3, 21)
    assert mobile.next_ex_dividend == dt.date(2024, 3, 28)
    assert mobile.ex_dividend_amount == 2.5  # the last dividend is that day's
    telecom = answers["0728.HK"].records[0]
    assert telecom.next_ex_dividend == dt.date(2024, 6, 13)
    assert telecom.ex_dividend_amount is None  # lastDividendValue is an older dividend
    assert (telecom.target_mean, telecom.analysts, telecom.rating_key) == (None, None, None)
    assert telecom.next_results is None


def test_yahoo_consensus_goes_through_the_cache_and_back(
    fake_yahoo: FakeYahoo, tmp_path: Path
) -> None:
    _with_consensus(fake_yahoo)
    cache = tmp_path / "cache.sqlite"
    source = _yahoo(fake_yahoo, tmp_path)
    fetched = load_fundamentals(
        ["0941.HK"],
        source=source,
        store_path=cache,
        as_of=dt.date(2024, 3, 1),
        now=FRIDAY_EVENING,
        max_age_days=5,
    )
    offline = load_fundamentals(
        ["0941.HK"], source=source, store_path=cache, as_of=dt.date(2024, 3, 1), offline=True
    )
    assert fetched.max_age_days == 5
    assert offline.records == fetched.records
    record = offline.records["0941.HK"][0]
    assert record.next_results == dt.date(2024, 3, 21)
    assert record.analysts == 23
    assert record.rating_key == "buy"


def test_an_older_cache_gains_the_consensus_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    old = Fundamentals("0941.HK", dt.date(2024, 2, 29), market_cap=1.5e12, currency="HKD")
    with PriceStore(cache) as store:
        store.save_fundamentals("yahoo", "0941.HK", [old], problem=None)
    # Make it the file an older concepttrack wrote: no consensus columns.
    db = sqlite3.connect(cache)
    for name in (
        "target_mean",
        "target_high",
        "target_low",
        "analysts",
        "rating_mean",
        "rating_key",
        "next_results",
        "next_ex_dividend",
        "ex_dividend_amount",
    ):
        db.execute(f"ALTER TABLE fundamentals DROP COLUMN {name}")
    db.commit()
    db.close()

    with PriceStore(cache) as store:
        assert store.read_fundamentals("yahoo", ["0941.HK"])["0941.HK"] == [old]
        newer = dataclasses.replace(old, date=dt.date(2024, 3, 1), target_mean=80.0)
        store.save_fundamentals("yahoo", "0941.HK", [newer], problem=None)
        assert store.read_fundamentals("yahoo", ["0941.HK"])["0941.HK"] == [old, newer]


# --- fundamentals.csv -------------------------------------------------------------------

OLD_HEADER = (
    "symbol,date,market_cap,shares_outstanding,trailing_pe,price_to_book,dividend_yield,currency"
)
NEW_HEADER = (
    OLD_HEADER + ",target_mean,target_high,target_low,analysts,rating_mean,next_results,"
    "next_ex_dividend,ex_dividend_amount"
)


def test_csv_with_the_consensus_columns(tmp_path: Path) -> None:
    path = tmp_path / "fundamentals.csv"
    path.write_text(
        f"{NEW_HEADER}\n"
        "0941.HK,2025-06-27,1.9e12,21.4e9,12.1,1.2,0.065,HKD,95.5,110,80,25,1.8,2025-08-07,"
        "2025-07-10,2.50\n"
        "00763,2025-06-27,,,,,,HKD,30,,,18,,,,\n",
        encoding="utf-8",
    )
    rows = read_fundamentals_csv(path)
    mobile = rows["0941.HK"][0]
    assert (mobile.target_mean, mobile.target_high, mobile.target_low) == (95.5, 110.0, 80.0)
    assert (mobile.analysts, mobile.rating_mean) == (25, 1.8)
    assert mobile.next_results == dt.date(2025, 8, 7)
    assert (mobile.next_ex_dividend, mobile.ex_dividend_amount) == (dt.date(2025, 7, 10), 2.5)
    zte = rows["0763.HK"][0]
    assert (zte.target_mean, zte.analysts, zte.target_high, zte.next_results) == (
        30.0,
        18,
        None,
        None,
    )
    assert zte.has_consensus()
    assert not zte.market_cap


def test_csv_without_the_consensus_columns_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "fundamentals.csv"
    path.write_text(f"{OLD_HEADER}\n0941.HK,2024-02-29,1.51e12,21.4e9,,1.15,0.067,HKD\n")
    record = read_fundamentals_csv(path)["0941.HK"][0]
    assert record.market_cap == 1.51e12
    assert not record.has_consensus()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("95.5,110,80,25,6,,,", "line 2: rating_mean is out of range"),
        ("95.5,110,80,2.5,,,,", "line 2: analysts is not a whole number"),
        ("-1,,,,,,,", "line 2: target_mean is negative"),
        ("95.5,,,,,2025-13-01,,", "line 2: next_results is not a date"),
    ],
)
def test_csv_bad_consensus_cell_names_the_line_and_column(
    tmp_path: Path, cells: str, message: str
) -> None:
    path = tmp_path / "fundamentals.csv"
    path.write_text(f"{NEW_HEADER}\n0941.HK,2025-06-27,,,,,,HKD,{cells}\n", encoding="utf-8")
    with pytest.raises(PriceFileError) as caught:
        read_fundamentals_csv(path)
    assert message in caught.value.message
    answers = CsvDirSource(tmp_path).fetch_fundamentals(["0941.HK"], dt.date(2025, 6, 30))
    assert message in (answers["0941.HK"].problem or "")


# --- analytics ----------------------------------------------------------------------------

T = dt.date(2025, 6, 30)


def _set(*records: Fundamentals, max_age: int = 7, **problems: Any) -> FundamentalsSet:
    found = FundamentalsSet(source="yahoo", max_age_days=max_age)
    for record in records:
        found.records.setdefault(record.symbol, []).append(record)
    found.problems.update({k.replace("_", "."): v for k, v in problems.items()})
    return found


def test_implied_upside_is_mean_target_over_last_traded_close_hand_computed() -> None:
    record = Fundamentals("0941.HK", T, currency="HKD", target_mean=95.5, analysts=25)
    found = stock_consensus(_set(record), "0941.HK", T, last_close=86.82, price_currency="HKD")
    assert found is not None
    # 95.5 / 86.82 = 1.09997696...; minus 1.
    assert found.implied_upside == pytest.approx(0.0999769638, abs=1e-10)
    assert implied_upside(110.0, 88.0) == pytest.approx(0.25)
    assert found.upside_reason is None
    assert found.stale is False


def test_no_upside_when_the_target_is_in_another_currency() -> None:
    record = Fundamentals("0728.HK", T, currency="CNY", target_mean=6.5)
    found = stock_consensus(_set(record), "0728.HK", T, last_close=4.9, price_currency="HKD")
    assert found is not None
    assert found.target_mean == 6.5
    assert found.currency == "CNY"
    assert found.implied_upside is None
    assert found.upside_reason == reason("target_currency_differs", currency="CNY")
    # A record without a currency is in the price's currency (Yahoo's targets are).
    bare = Fundamentals("0728.HK", T, target_mean=5.39)
    same = stock_consensus(_set(bare), "0728.HK", T, last_close=4.9, price_currency="HKD")
    assert same is not None
    assert same.implied_upside == pytest.approx(0.1)


def test_no_upside_without_a_close_or_on_an_adjusted_close() -> None:
    record = Fundamentals("0941.HK", T, currency="HKD", target_mean=95.5)
    none = stock_consensus(_set(record), "0941.HK", T, last_close=None, price_currency="HKD")
    adjusted = stock_consensus(
        _set(record), "0941.HK", T, last_close=80.0, price_currency="HKD", close_is_adjusted=True
    )
    assert none is not None
    assert adjusted is not None
    assert none.upside_reason == reason("no_close_for_upside")
    assert adjusted.upside_reason == reason("upside_adjusted_close")


def test_missing_consensus_says_why() -> None:
    valuation_only = Fundamentals("0941.HK", T, market_cap=1e12)
    found = stock_consensus(
        _set(valuation_only), "0941.HK", T, last_close=1.0, price_currency="HKD"
    )
    assert found is not None
    assert found.target_mean is None
    assert found.problem == reason("no_consensus")
    failed = _set(**{"0941_HK": said("rate limited (429)")})
    nothing = stock_consensus(failed, "0941.HK", T, last_close=1.0, price_currency="HKD")
    assert nothing is not None
    assert nothing.problem == said("rate limited (429)")
    # A source without fundamentals: no consensus at all (JSON null).
    unavailable = FundamentalsSet(source="csv:/x", available=False)
    assert stock_consensus(unavailable, "0941.HK", T, last_close=1.0, price_currency="HKD") is None


def test_a_consensus_older_than_the_max_age_is_stale() -> None:
    old = Fundamentals("0941.HK", T - dt.timedelta(days=8), target_mean=95.5)
    fresh = Fundamentals("0763.HK", T - dt.timedelta(days=7), target_mean=30.0)
    found = _set(old, fresh, max_age=7)
    stale = stock_consensus(found, "0941.HK", T, last_close=90.0, price_currency="HKD")
    kept = stock_consensus(found, "0763.HK", T, last_close=25.0, price_currency="HKD")
    assert stale is not None
    assert stale.stale
    assert kept is not None
    assert not kept.stale


def test_rating_key_from_the_mean_when_the_source_gives_none() -> None:
    assert rating_key(1.78, "buy") == "buy"
    assert [rating_key(m) for m in (1.0, 1.49, 1.5, 2.6, 3.5, 4.5, 5.0)] == [
        "strong_buy",
        "strong_buy",
        "buy",
        "hold",
        "underperform",
        "sell",
        "sell",
    ]
    assert rating_key(None) is None


def test_a_date_29_days_ahead_is_in_the_line_and_31_days_is_not() -> None:
    c = Consensus(
        source="yahoo",
        currency="HKD",
        next_results=T + dt.timedelta(days=29),
        next_ex_dividend=T + dt.timedelta(days=31),
        ex_dividend_amount=2.5,
    )
    assert stock_dates_ahead("0941.HK", c, T) == [
        DateAhead("0941.HK", "results", dt.date(2025, 7, 29), 29)
    ]
    later = dataclasses.replace(c, next_ex_dividend=T + dt.timedelta(days=30))
    assert stock_dates_ahead("0941.HK", later, T)[-1] == DateAhead(
        "0941.HK", "ex_dividend", dt.date(2025, 7, 30), 30, amount=2.5, currency="HKD"
    )
    # The session itself and the past are not ahead.
    today = dataclasses.replace(c, next_results=T, next_ex_dividend=T - dt.timedelta(days=3))
    assert stock_dates_ahead("0941.HK", today, T) == []


# --- the note and the JSON twin -----------------------------------------------------------


def _snapshot() -> ThemeSnapshot:
    """Sora at 28 Mar 2024: China Mobile with a consensus and two dates ahead (the results
    in 6 days, the ex-dividend date in 29), ZTE with none (why: the source has none), China
    Telecom with a target in CNY."""
    snapshot = sora_snapshot()
    stocks = []
    for figures in snapshot.stocks:
        if figures.symbol == "0941.HK":
            c = Consensus(
                source="yahoo",
                date=AS_OF,
                currency="HKD",
                target_mean=95.5,
                target_high=110.0,
                target_low=80.0,
                analysts=25,
                implied_upside=implied_upside(95.5, 80.0),
                rating_mean=1.8,
                rating_key="buy",
                next_results=AS_OF + dt.timedelta(days=6),
                next_ex_dividend=AS_OF + dt.timedelta(days=29),
                ex_dividend_amount=2.5,
            )
        elif figures.symbol == "0728.HK":
            c = Consensus(
                source="yahoo",
                date=AS_OF - dt.timedelta(days=10),
                currency="CNY",
                target_mean=6.5,
                upside_reason=reason("target_currency_differs", currency="CNY"),
                stale=True,
            )
        else:
            c = Consensus(source="yahoo", date=AS_OF, problem=reason("no_consensus"))
        stocks.append(
            dataclasses.replace(
                figures, consensus=c, dates_ahead=stock_dates_ahead(figures.symbol, c, AS_OF)
            )
        )
    return dataclasses.replace(snapshot, stocks=stocks)


def test_dates_ahead_of_a_snapshot_within_a_week() -> None:
    snapshot = _snapshot()
    week = dates_ahead(snapshot, within_days=7)
    assert week == [DateAhead("0941.HK", "results", dt.date(2024, 4, 3), 6)]
    month = dates_ahead(snapshot)
    assert [d.kind for d in month] == ["results", "ex_dividend"]


def test_the_consensus_section_in_english() -> None:
    note = build_context(sora_theme(), _snapshot(), lang="en")
    view = note.consensus
    assert view is not None
    assert view.dates_ahead == (
        "Dates ahead: China Mobile results 3 Apr 2024; "
        "China Mobile ex-dividend HK$2.50 on 26 Apr 2024."
    )
    rows = {row.code: row for row in view.rows}
    mobile = rows["00941"]
    assert (mobile.target_mean, mobile.target_range) == ("HK$95.50", "HK$80.00 – HK$110.00")
    assert (mobile.analysts, mobile.implied_upside.text, mobile.rating) == (
        "25",
        "+19.4%",
        "Buy (1.8)",  # 95.5 / 80 - 1 = 0.19375
    )
    assert mobile.ex_dividend == "26 Apr 2024 · HK$2.50"
    zte = rows["00763"]
    assert {zte.target_mean, zte.target_range, zte.analysts, zte.rating, zte.next_results} == {"–"}
    assert zte.implied_upside.text == "–"
    telecom = rows["00728"]
    assert telecom.target_mean.endswith("†")
    assert telecom.implied_upside.text == "–"
    text = "\n".join(view.notes)
    assert "Consensus of ZTE (00763): no analyst consensus in the source's figures" in text
    assert "the target is in CNY, not in the price's currency, so no implied upside" in text
    assert "more than 7 days old" in text
    assert any(d.term == "Consensus and implied upside" for d in note.methodology)
    assert any(
        "Consensus and dates ahead: Yahoo Finance quote summary" in n for n in note.data_notes
    )


@pytest.mark.parametrize(
    ("lang", "line", "buy"),
    [
        (
            "zh-hk",
            "未來日程：中國移動於2024年4月3日公佈業績；中國移動於2024年4月26日除淨（每股2.50港元）。",
            "買入（1.8）",
        ),
        (
            "zh-cn",
            "未来日程：中国移动于2024年4月3日公布业绩；中国移动于2024年4月26日除息（每股2.50港元）。",
            "买入（1.8）",
        ),
    ],
)
def test_the_consensus_section_in_chinese(lang: str, line: str, buy: str) -> None:
    view = build_context(sora_theme(), _snapshot(), lang=lang).consensus
    assert view is not None
    assert view.dates_ahead == line
    assert next(r for r in view.rows if r.code == "00941").rating == buy


def test_no_consensus_anywhere_leaves_the_section_out_and_says_so() -> None:
    snapshot = sora_snapshot()
    stocks = [
        dataclasses.replace(f, consensus=Consensus(source="yahoo", problem=reason("no_consensus")))
        for f in snapshot.stocks
    ]
    note = build_context(sora_theme(), dataclasses.replace(snapshot, stocks=stocks))
    assert note.consensus is None
    assert "Consensus and dates ahead: none from Yahoo Finance quote summary." in note.data_notes
    # A source without fundamentals: neither the section nor the line.
    bare = build_context(sora_theme(), sora_snapshot())
    assert bare.consensus is None
    assert not any("Consensus" in n for n in bare.data_notes)


def test_the_json_twin_has_consensus_and_dates_ahead_per_stock() -> None:
    plain = _snapshot().to_dict(lambda why: reason_text(why, "en"))
    mobile = next(s for s in plain["stocks"] if s["symbol"] == "0941.HK")
    assert mobile["consensus"]["implied_upside"] == pytest.approx(0.19375)
    assert mobile["consensus"]["next_results"] == "2024-04-03"
    assert mobile["dates_ahead"] == [
        {
            "symbol": "0941.HK",
            "kind": "results",
            "date": "2024-04-03",
            "days": 6,
            "amount": None,
            "currency": None,
        },
        {
            "symbol": "0941.HK",
            "kind": "ex_dividend",
            "date": "2024-04-26",
            "days": 29,
            "amount": 2.5,
            "currency": "HKD",
        },
    ]
    telecom = next(s for s in plain["stocks"] if s["symbol"] == "0728.HK")
    assert telecom["consensus"]["upside_reason_coded"] == {
        "code": "target_currency_differs",
        "params": {"currency": "CNY"},
    }
    zte = next(s for s in plain["stocks"] if s["symbol"] == "0763.HK")
    assert zte["consensus"]["problem"] == "no analyst consensus in the source's figures"
    assert zte["dates_ahead"] == []


# --- end to end: a CSV folder through the pipeline ------------------------------------------


def test_a_csv_folder_note_shows_the_consensus_and_a_date_29_days_ahead(tmp_path: Path) -> None:
    """The pipeline reads the new columns, the snapshot computes the upside on the traded
    close (checked by hand here), the JSON and the Markdown show them."""
    from concepttrack import pipeline
    from concepttrack.themes import parse_themes
    from tests import test_valuation_end_to_end as e2e

    rows = e2e.write_folder(tmp_path / "prices")
    as_of = e2e.AS_OF  # Friday 29 Nov 2024
    (tmp_path / "prices" / "fundamentals.csv").write_text(
        f"{NEW_HEADER}\n"
        # China Mobile: results 29 days ahead (in the line), ex-dividend 31 (not).
        "00941,2024-11-28,1.7e12,21.4e9,,1.2,0.065,HKD,90,100,75,20,2.1,2024-12-28,"
        "2024-12-30,1.5\n"
        # CITIC A: a target in its own currency (CNY), no dates.
        "600030.SS,2024-11-28,4.1e11,14.8e9,21.0,1.6,,CNY,30,,,8,,,,\n",
        encoding="utf-8",
    )
    result = pipeline.run(
        list(parse_themes(e2e.BOOK, "book.yaml")),
        pipeline.RunOptions(
            formats=("md", "json"),
            out_dir=tmp_path / "reports",
            source=f"csv:{tmp_path / 'prices'}",
            cache_path=tmp_path / "c.sqlite",
            as_of=as_of,
        ),
    )
    assert result.exit_code == 0, result.outcomes
    import json

    stem = tmp_path / "reports" / "ah-capped" / as_of.isoformat()
    snapshot = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))["snapshot"]
    stocks = {s["symbol"]: s for s in snapshot["stocks"]}
    mobile_close = e2e.on_or_before(rows["0941.HK"], as_of, 0)
    citic_close = e2e.on_or_before(rows["600030.SS"], as_of, 0)
    mobile = stocks["0941.HK"]["consensus"]
    assert mobile["implied_upside"] == pytest.approx(90 / mobile_close - 1, rel=1e-12)
    assert (mobile["analysts"], mobile["rating_key"]) == (20, "buy")
    assert stocks["0941.HK"]["dates_ahead"] == [
        {
            "symbol": "0941.HK",
            "kind": "results",
            "date": "2024-12-28",
            "days": 29,
            "amount": None,
            "currency": None,
        }
    ]
    citic = stocks["600030.SS"]["consensus"]
    assert citic["implied_upside"] == pytest.approx(30 / citic_close - 1, rel=1e-12)
    tencent = stocks["0700.HK"]["consensus"]
    assert tencent["target_mean"] is None
    assert tencent["problem_coded"]["code"] in ("no_consensus", "source_said")
    markdown = stem.with_suffix(".md").read_text(encoding="utf-8")
    assert "Dates ahead: China Mobile results 28 Dec 2024." in markdown
    assert "30 Dec 2024" not in markdown.split("## Consensus and dates ahead")[1].split("\n\n")[1]


def test_no_date_within_30_days_says_none() -> None:
    snapshot = _snapshot()
    stocks = [dataclasses.replace(f, dates_ahead=[]) for f in snapshot.stocks]
    view = build_context(sora_theme(), dataclasses.replace(snapshot, stocks=stocks)).consensus
    assert view is not None
    assert view.dates_ahead == "Dates ahead: none in the next 30 days."
