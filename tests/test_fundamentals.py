"""Fundamentals: Yahoo through the fake session, fundamentals.csv, demo, and the cache."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from concepttrack.errors import PriceFileError
from concepttrack.prices.csvdir import CsvDirSource, read_fundamentals_csv
from concepttrack.prices.demo import DemoSource, demo_fundamentals
from concepttrack.prices.fundamentals import Fundamentals, load_fundamentals
from concepttrack.prices.store import SCHEMA_VERSION, PriceStore
from concepttrack.prices.yahoo import RetryPolicy, YahooSource
from concepttrack.reasons import reason, said
from tests.yahoo_fake import FakeYahoo, Sleeps, fresh_fake_yahoo, summary_modules

#: Friday 1 March 2024, 20:00 Hong Kong time: the 1 March session is closed.
FRIDAY_EVENING = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
#: The Sunday after: a weekend fetch describes Friday's close.
SUNDAY = dt.datetime(2024, 3, 3, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake_yahoo() -> Iterator[FakeYahoo]:
    with fresh_fake_yahoo() as fake:
        yield fake


def _yahoo(fake: FakeYahoo, tmp_path: Path, now: dt.datetime) -> YahooSource:
    return YahooSource(
        session=fake,
        cache_dir=tmp_path.parent / "yfinance-cache",
        retry=RetryPolicy(attempts=2, base_delay=1.0, max_delay=1.0, max_total_wait=2.0),
        sleep=Sleeps(),
        rng=random.Random(7),
        threads=1,
        clock=lambda: now,
    )


def _listed(fake: FakeYahoo) -> None:
    # China Mobile: every figure, the yield in percent as Yahoo now sends it.
    fake.add_info(
        "0941.HK",
        summary_modules(
            "0941.HK",
            market_cap=1.51e12,
            shares=21.4e9,
            trailing_pe=11.2,
            price_to_book=1.15,
            dividend_yield_percent=6.7,
        ),
        {"currency": "HKD", "marketCap": 1.51e12, "trailingPE": 11.2, "dividendYield": 6.7},
    )
    # A loss-maker: no trailingPE anywhere in the response, no dividend.
    fake.add_info(
        "9888.HK",
        summary_modules("9888.HK", market_cap=2.6e11, shares=2.8e9, price_to_book=0.9),
        {"currency": "HKD", "marketCap": 2.6e11},
    )


def test_yahoo_fundamentals_percent_yield_and_missing_pe(
    fake_yahoo: FakeYahoo, tmp_path: Path
) -> None:
    _listed(fake_yahoo)
    source = _yahoo(fake_yahoo, tmp_path, SUNDAY)

    answers = source.fetch_fundamentals(["0941.HK", "9888.HK"], dt.date(2024, 3, 1))

    mobile = answers["0941.HK"]
    assert mobile.problem is None
    assert mobile.records == [
        Fundamentals(
            symbol="0941.HK",
            date=dt.date(2024, 3, 1),  # a Sunday fetch describes Friday's close
            market_cap=1.51e12,
            shares_outstanding=21.4e9,
            trailing_pe=11.2,
            price_to_book=1.15,
            dividend_yield=pytest.approx(0.067),  # 6.7 (percent) -> 0.067
            currency="HKD",
        )
    ]
    baidu = answers["9888.HK"].records[0]
    assert baidu.trailing_pe is None
    assert baidu.dividend_yield is None
    assert (baidu.market_cap, baidu.price_to_book) == (2.6e11, 0.9)
    assert fake_yahoo.summary_requests == ["0941.HK", "9888.HK"]
    assert source.info_requests == 2


def test_yahoo_429_stops_the_round_and_unknown_symbol_is_not_found(
    fake_yahoo: FakeYahoo, tmp_path: Path
) -> None:
    _listed(fake_yahoo)
    # yfinance retries a failed request once with its other cookie strategy: two 429s.
    fake_yahoo.script_info("0700.HK", 429, 429)
    source = _yahoo(fake_yahoo, tmp_path, FRIDAY_EVENING)

    answers = source.fetch_fundamentals(
        ["0941.HK", "0001.HK", "0700.HK", "9888.HK"], dt.date(2024, 3, 1)
    )

    assert answers["0941.HK"].problem is None
    assert answers["0001.HK"].problem == "not found at Yahoo"
    assert answers["0700.HK"].problem == "fetch failed: rate limited (429)"
    # After a 429 nobody else is asked in this round.
    assert answers["9888.HK"].problem == "rate limited (429); not asked this run"
    assert "9888.HK" not in fake_yahoo.summary_requests
    assert source.info_requests == 3


def test_a_rate_limited_round_never_fails_and_keeps_cached_figures(
    fake_yahoo: FakeYahoo, tmp_path: Path
) -> None:
    _listed(fake_yahoo)
    cache = tmp_path / "cache.sqlite"
    first = load_fundamentals(
        ["0941.HK", "9888.HK"],
        source=_yahoo(fake_yahoo, tmp_path, FRIDAY_EVENING),
        store_path=cache,
        as_of=dt.date(2024, 3, 1),
        now=FRIDAY_EVENING,
    )
    assert first.requests == 2
    assert first.problems == {}
    # A warm run within the max age asks nothing.
    warm = load_fundamentals(
        ["0941.HK", "9888.HK"],
        source=_yahoo(fake_yahoo, tmp_path, FRIDAY_EVENING),
        store_path=cache,
        as_of=dt.date(2024, 3, 1),
        now=FRIDAY_EVENING + dt.timedelta(days=6),
    )
    assert warm.requests == 0
    assert len(fake_yahoo.summary_requests) == 2
    # Eight days later both are due; Yahoo answers 429 for the first.
    fake_yahoo.script_info("0941.HK", 429, 429)
    later = FRIDAY_EVENING + dt.timedelta(days=8)
    stale = load_fundamentals(
        ["0941.HK", "9888.HK"],
        source=_yahoo(fake_yahoo, tmp_path, later),
        store_path=cache,
        as_of=dt.date(2024, 3, 8),
        now=later,
    )
    assert stale.requests == 2
    assert stale.problems["0941.HK"] == said("fetch failed: rate limited (429)")
    assert stale.problems["9888.HK"] == said("rate limited (429); not asked this run")
    # The figures of 1 March are still there, with the day they were fetched.
    kept = stale.on_or_before("0941.HK", dt.date(2024, 3, 8))
    assert kept is not None
    assert kept.date == dt.date(2024, 3, 1)
    assert stale.fetched_at["0941.HK"] == FRIDAY_EVENING


HEADER = (
    "symbol,date,market_cap,shares_outstanding,trailing_pe,price_to_book,dividend_yield,currency"
)
FUNDAMENTALS_CSV = f"""{HEADER}
0941.HK,2023-12-29,1.40e12,21.4e9,10.5,1.1,0.068,HKD
0941.HK,2024-02-29,1.51e12,21.4e9,,1.15,0.067,HKD
00700,2024-01-31,,9.5e9,18.0,,,
600519.SS,2024-02-29,2.1e12,1.256e9,28.5,9.2,0.015,CNY
"""


def test_csv_fundamentals_missing_cells_and_several_dates(tmp_path: Path) -> None:
    path = tmp_path / "fundamentals.csv"
    path.write_text(FUNDAMENTALS_CSV, encoding="utf-8")

    rows = read_fundamentals_csv(path)

    assert [r.date for r in rows["0941.HK"]] == [dt.date(2023, 12, 29), dt.date(2024, 2, 29)]
    latest = rows["0941.HK"][1]
    assert latest.trailing_pe is None  # empty cell
    assert (latest.market_cap, latest.dividend_yield, latest.currency) == (1.51e12, 0.067, "HKD")
    tencent = rows["0700.HK"][0]  # 00700 is read as Yahoo's 0700.HK
    assert tencent == Fundamentals(
        "0700.HK", dt.date(2024, 1, 31), shares_outstanding=9.5e9, trailing_pe=18.0
    )
    assert rows["600519.SS"][0].currency == "CNY"


def test_csv_fundamentals_latest_on_or_before_the_as_of(tmp_path: Path) -> None:
    (tmp_path / "fundamentals.csv").write_text(FUNDAMENTALS_CSV, encoding="utf-8")
    cache = tmp_path / "cache.sqlite"

    found = load_fundamentals(
        ["0941.HK", "0700.HK", "0005.HK"],
        source=CsvDirSource(tmp_path),
        store_path=cache,
        as_of=dt.date(2024, 2, 1),
    )

    assert found.available
    before = found.on_or_before("0941.HK", dt.date(2024, 2, 1))
    assert before is not None
    assert before.date == dt.date(2023, 12, 29)
    after = found.on_or_before("0941.HK", dt.date(2024, 3, 1))
    assert after is not None
    assert after.date == dt.date(2024, 2, 29)
    assert found.on_or_before("0700.HK", dt.date(2024, 1, 30)) is None
    assert found.earliest_after("0700.HK", dt.date(2024, 1, 30)) == found.records["0700.HK"][0]
    assert found.problems == {"0005.HK": said("no row for 0005.HK in fundamentals.csv")}
    # The file is read again only when it changes; reading it is no source request.
    again = load_fundamentals(
        ["0941.HK"], source=CsvDirSource(tmp_path), store_path=cache, as_of=dt.date(2024, 2, 1)
    )
    assert again.requests == 0


def test_csv_without_fundamentals_file_is_unavailable(tmp_path: Path) -> None:
    found = load_fundamentals(
        ["0941.HK"],
        source=CsvDirSource(tmp_path),
        store_path=tmp_path / "c.sqlite",
        as_of=dt.date(2024, 2, 1),
    )
    assert not found.available
    assert found.unavailable_reason == reason("no_fundamentals_file")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("0941.HK,2024-02-30,1,1,1,1,0.05,HKD", "line 2: date is not a date"),
        ("0941.HK,2024-02-29,lots,1,1,1,0.05,HKD", "line 2: market_cap is not a number"),
        (
            "0941.HK,2024-02-29,1,1,1,1,4.5,HKD",
            "line 2: dividend_yield looks like a percentage",
        ),
        ("0941.HK,2024-02-29,1,1,1,1,0.05,HK$", "line 2: currency is not a code"),
    ],
)
def test_csv_fundamentals_bad_line_names_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "fundamentals.csv"
    header = FUNDAMENTALS_CSV.splitlines()[0]
    path.write_text(f"{header}\n{line}\n", encoding="utf-8")
    with pytest.raises(PriceFileError) as caught:
        read_fundamentals_csv(path)
    assert str(path) in caught.value.message
    assert message in caught.value.message
    # Through the source it is a problem of each symbol, never an exception.
    answers = CsvDirSource(tmp_path).fetch_fundamentals(["0941.HK"], dt.date(2024, 3, 1))
    assert message in (answers["0941.HK"].problem or "")


def test_demo_fundamentals_are_deterministic_and_dated() -> None:
    first = demo_fundamentals("0700.HK", dt.date(2024, 3, 1))
    assert first == demo_fundamentals("0700.HK", dt.date(2024, 3, 1))
    assert first[-1].date == dt.date(2023, 12, 29)  # last session of the last quarter
    assert all(r.currency == "HKD" and r.shares_outstanding for r in first)
    assert demo_fundamentals("^HSI", dt.date(2024, 3, 1)) == []
    answers = DemoSource().fetch_fundamentals(["0700.HK", "600519.SS"], dt.date(2024, 3, 1))
    assert answers["600519.SS"].records[-1].currency == "CNY"


def test_fundamentals_round_is_bounded(tmp_path: Path) -> None:
    symbols = ["0700.HK", "0941.HK", "9888.HK"]
    found = load_fundamentals(
        symbols,
        source=DemoSource(),
        store_path=tmp_path / "c.sqlite",
        as_of=dt.date(2024, 3, 1),
        max_requests=2,
        now=FRIDAY_EVENING,
    )
    assert found.requests == 2
    assert list(found.problems) == ["9888.HK"]
    assert found.problems["9888.HK"] == reason("not_refreshed", n=2)
    assert "at most 2 fundamentals requests" in str(found.problems["9888.HK"])
    # The next run asks only the one left over.
    again = load_fundamentals(
        symbols,
        source=DemoSource(),
        store_path=tmp_path / "c.sqlite",
        as_of=dt.date(2024, 3, 1),
        max_requests=2,
        now=FRIDAY_EVENING,
    )
    assert again.requests == 1
    assert again.problems == {}


def test_a_version_2_cache_gains_the_fundamentals_tables(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with PriceStore(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE fundamentals")
        db.execute("DROP TABLE fundamentals_checks")
        db.execute("PRAGMA user_version=2")
    with PriceStore(path) as store:
        store.save_fundamentals(
            "demo", "0700.HK", [Fundamentals("0700.HK", dt.date(2024, 1, 2), 1.0)], problem=None
        )
        assert store.read_fundamentals("demo", ["0700.HK"])["0700.HK"][0].market_cap == 1.0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
