"""The Yahoo source, run through yfinance's real request and parsing code on a fake session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from concepttrack.errors import SourceError
from concepttrack.prices import load_prices
from concepttrack.prices.frame import PriceFrame
from concepttrack.prices.yahoo import RetryPolicy, YahooSource, _classify
from tests.yahoo_fake import (
    Bar,
    FakeYahoo,
    Sleeps,
    dns_error,
    fresh_fake_yahoo,
    hk_bars,
    weekdays,
    yahoo_source,
)

JAN = weekdays(dt.date(2024, 1, 2), dt.date(2024, 1, 12))
AFTER_JAN_12 = dt.datetime(2024, 1, 13, tzinfo=dt.UTC)
NETWORK_HINT = (
    "Check the network connection, or run with --offline to use cached prices, "
    "or use --source demo or --source csv:DIR."
)


@pytest.fixture
def fake_yahoo() -> Iterator[FakeYahoo]:
    """A fake Yahoo session; yfinance's process-wide state is reset around the test."""
    with fresh_fake_yahoo() as fake:
        yield fake


@pytest.fixture
def yf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """yfinance's own caches; one folder per test session (yfinance keeps it per process)."""
    return tmp_path_factory.getbasetemp() / "yfinance-cache"


def _load(
    fake: FakeYahoo,
    yf_dir: Path,
    tmp_path: Path,
    symbols: list[str],
    *,
    start: dt.date = dt.date(2024, 1, 2),
    end: dt.date = dt.date(2024, 1, 12),
    sleeps: Sleeps | None = None,
    offline: bool = False,
) -> tuple[YahooSource, PriceFrame]:
    source = yahoo_source(fake, yf_dir, sleeps)
    frame = load_prices(
        symbols,
        start=start,
        end=end,
        source=source,
        store_path=tmp_path / "cache.sqlite",
        offline=offline,
        now=AFTER_JAN_12,
    )
    return source, frame


def test_prices_dividend_and_split_parsed_by_yfinance(fake_yahoo: FakeYahoo, yf_dir: Path) -> None:
    bars = [
        Bar(dt.date(2024, 1, 2), 300.0, 305.0, 298.0, 302.0, 296.5, 10_000_000),
        Bar(dt.date(2024, 1, 3), 302.0, 303.0, 295.0, 296.0, 290.6, 12_000_000),
        Bar(dt.date(2024, 1, 4), 296.0, 299.0, 294.0, 298.0, 292.6, 9_000_000),
        Bar(dt.date(2024, 1, 5), 292.0, 295.0, 290.0, 293.0, 293.0, 11_000_000),
        Bar(dt.date(2024, 1, 8), 146.0, 148.0, 145.0, 147.5, 147.5, 30_000_000),
    ]
    fake_yahoo.add(
        "0700.HK", bars, dividends={dt.date(2024, 1, 5): 5.4}, splits={dt.date(2024, 1, 8): (2, 1)}
    )
    source = yahoo_source(fake_yahoo, yf_dir)

    result = source.fetch(["0700.HK"], dt.date(2024, 1, 2), dt.date(2024, 1, 8))

    history = result["0700.HK"]
    assert history.problem is None
    assert not history.failed
    frame = history.bars
    # Stamped 09:30 Hong Kong time, i.e. 01:30 UTC: the session is the Hong Kong date.
    assert list(frame.index) == [pd.Timestamp(b.day) for b in bars]
    assert frame.index.name == "session"
    assert pd.DatetimeIndex(frame.index).tz is None
    assert frame["close"].tolist() == [302.0, 296.0, 298.0, 293.0, 147.5]
    assert frame["adj_close"].tolist() == [296.5, 290.6, 292.6, 293.0, 147.5]
    assert frame["open"].tolist() == [300.0, 302.0, 296.0, 292.0, 146.0]
    assert frame["volume"].tolist() == [10e6, 12e6, 9e6, 11e6, 30e6]
    assert frame["dividends"].tolist() == [0.0, 0.0, 0.0, 5.4, 0.0]
    assert frame["splits"].tolist() == [0.0, 0.0, 0.0, 0.0, 2.0]
    assert all(dtype == "float64" for dtype in frame.dtypes)
    assert history.meta is not None
    assert (history.meta.source, history.meta.currency) == ("yahoo", "HKD")
    assert history.meta.timezone == "Asia/Hong_Kong"
    assert not history.meta.demo


def test_one_batched_round_of_chart_requests(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    for symbol in ("0700.HK", "9888.HK", "^HSI"):
        fake_yahoo.add(symbol, hk_bars(JAN))

    source, _frame = _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK", "9888.HK", "^HSI"])

    assert source.rounds == 1
    assert sorted(fake_yahoo.chart_symbols()) == ["0700.HK", "9888.HK", "^HSI"]
    # A second run on a warm cache asks Yahoo nothing.
    again, frame = _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK", "9888.HK", "^HSI"])
    assert again.rounds == 0
    assert len(fake_yahoo.chart_requests) == 3
    assert len(frame.get("9888.HK").bars) == len(JAN)


def test_tz_cache_goes_to_our_cache_folder(fake_yahoo: FakeYahoo, yf_dir: Path) -> None:
    from yfinance.cache import _TzDBManager

    fake_yahoo.add("0700.HK", hk_bars(JAN))
    yahoo_source(fake_yahoo, yf_dir).fetch(["0700.HK"], JAN[0], JAN[-1])

    assert _TzDBManager.get_location() == str(yf_dir)


def test_unknown_symbol_reported_by_name_while_others_succeed(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    fake_yahoo.add("0700.HK", hk_bars(JAN))
    sleeps = Sleeps()

    _source, frame = _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK", "9999.HK"], sleeps=sleeps)

    good, bad = frame.get("0700.HK"), frame.get("9999.HK")
    assert len(good.bars) == len(JAN)
    assert good.problem is None
    assert bad.problem == "not found at Yahoo"
    assert bad.failed
    assert bad.bars.empty
    assert sleeps.calls == []  # an unknown symbol is not retried


def test_all_unknown_is_an_error_naming_them(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(SourceError) as caught:
        _load(fake_yahoo, yf_dir, tmp_path, ["9999.HK", "8888.HK"])

    assert caught.value.message == ("Yahoo gave no prices for 9999.HK, 8888.HK: not found at Yahoo")
    assert caught.value.hint == (
        "Check the stock codes in the themes file, or use --source demo or --source csv:DIR."
    )


def test_rate_limit_is_retried_with_backoff(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    fake_yahoo.add("0700.HK", hk_bars(JAN))
    fake_yahoo.add("^HSI", hk_bars(JAN, 16_000.0))
    # yfinance asks twice per try (the second time with the other cookie strategy).
    fake_yahoo.script("0700.HK", 429, 429)
    sleeps = Sleeps()

    source, frame = _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK", "^HSI"], sleeps=sleeps)

    history = frame.get("0700.HK")
    assert len(history.bars) == len(JAN)
    assert history.problem is None
    assert len(sleeps.calls) == 1
    assert 0.5 <= sleeps.calls[0] <= 1.0
    assert source.rounds == 2
    # The retry round asks only for the symbol that failed.
    assert fake_yahoo.chart_symbols().count("^HSI") == 1


def test_rate_limit_that_persists_is_reported(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    fake_yahoo.add("0700.HK", hk_bars(JAN))
    fake_yahoo.script("0700.HK", *([429] * 8))
    sleeps = Sleeps()

    with pytest.raises(SourceError) as caught:
        _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK"], sleeps=sleeps)

    assert caught.value.message == (
        "Yahoo gave no prices for 0700.HK: fetch failed: rate limited (429) after 4 tries"
    )
    assert caught.value.hint == NETWORK_HINT
    assert len(sleeps.calls) == 3
    # Exponential: each wait is within [0.5, 1] of 1 s, 2 s, 4 s.
    for waited, backoff in zip(sleeps.calls, (1.0, 2.0, 4.0), strict=True):
        assert backoff / 2 <= waited <= backoff


def test_network_down_is_reported_clearly(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    fake_yahoo.down = dns_error()

    with pytest.raises(SourceError) as caught:
        _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK", "^HSI"])

    assert caught.value.message == (
        "Yahoo gave no prices for 0700.HK, ^HSI: fetch failed: network error "
        "(Could not resolve host: query2.finance.yahoo.com) after 4 tries"
    )
    assert caught.value.hint == NETWORK_HINT


def test_network_down_serves_the_cache_with_the_reason(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    fake_yahoo.add("0700.HK", hk_bars(JAN))
    _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK"], end=dt.date(2024, 1, 10))
    fake_yahoo.down = dns_error()

    _source, frame = _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK"], end=dt.date(2024, 1, 12))

    history = frame.get("0700.HK")
    assert history.last_session == dt.date(2024, 1, 10)
    assert history.failed
    assert history.problem == (
        "fetch failed: network error (Could not resolve host: query2.finance.yahoo.com) "
        "after 4 tries"
    )


def test_empty_window_is_no_data_not_an_error(fake_yahoo: FakeYahoo, yf_dir: Path) -> None:
    # 2024-02-12/13: HKEX closed for the Lunar New Year; Yahoo answers with no timestamps.
    fake_yahoo.add("0700.HK", hk_bars(weekdays(dt.date(2024, 2, 5), dt.date(2024, 2, 9))))

    result = yahoo_source(fake_yahoo, yf_dir).fetch(
        ["0700.HK"], dt.date(2024, 2, 12), dt.date(2024, 2, 13)
    )

    history = result["0700.HK"]
    assert history.bars.empty
    assert not history.failed
    assert history.problem is None


def test_holiday_window_asks_nothing_and_is_empty(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    source, frame = _load(
        fake_yahoo,
        yf_dir,
        tmp_path,
        ["0700.HK"],
        start=dt.date(2024, 2, 10),
        end=dt.date(2024, 2, 13),
    )

    assert source.rounds == 0
    history = frame.get("0700.HK")
    assert history.bars.empty
    assert history.problem is None


def test_offline_reads_the_cache_only(fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path) -> None:
    fake_yahoo.add("0700.HK", hk_bars(JAN))
    _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK"], end=dt.date(2024, 1, 10))
    asked = len(fake_yahoo.chart_requests)

    source, frame = _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK", "^HSI"], offline=True)

    assert source.rounds == 0
    assert len(fake_yahoo.chart_requests) == asked
    cached, missing = frame.get("0700.HK"), frame.get("^HSI")
    assert cached.last_session == dt.date(2024, 1, 10)
    assert cached.problem == "offline: cache holds Yahoo prices through 2024-01-10"
    assert missing.problem == "not in the cache (offline)"


def test_offline_with_an_empty_cache_says_so(
    fake_yahoo: FakeYahoo, yf_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(SourceError) as caught:
        _load(fake_yahoo, yf_dir, tmp_path, ["0700.HK"], offline=True)

    assert caught.value.message == (
        "no cached Yahoo prices for 0700.HK between 2024-01-02 and 2024-01-12"
    )
    assert caught.value.hint == (
        "Run once without --offline to fetch them, or pass the --source you fetched with "
        f"(cache: {tmp_path / 'cache.sqlite'})."
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')", "rate_limited"),
        ("YFPricesMissingError('possibly delisted; no price data found (1d ...)')", "no_data"),
        ("YFPricesMissingError('No data found, symbol may be delisted')", "not_found"),
        ("YFTzMissingError('possibly delisted; no timezone found')", "not_found"),
        (f"DNSError({DNS_TEXT!r}, 6)" if (DNS_TEXT := "curl: (6) x") else "", "network"),
        ("ValueError('something else')", "other"),
    ],
)
def test_failure_classification(text: str, kind: str) -> None:
    assert _classify(text).kind == kind


def test_backoff_is_bounded() -> None:
    import random

    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    delays = [policy.delay(n, rng) for n in range(1, 10)]
    assert all(d <= 8.0 for d in delays)
    assert delays[0] <= 1.0
