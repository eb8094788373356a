"""A fake Yahoo Finance: a curl_cffi Session that answers chart-API requests from memory.

yfinance runs its real request, cookie and parsing code against it; only the bytes
on the wire are ours. ``request()`` never calls ``super().request``, so nothing can
leave the machine. Chart bodies follow the shapes Yahoo sends
(``/v8/finance/chart/SYMBOL``): a result with ``meta``, ``timestamp``, quotes,
``adjclose`` and ``events``; the 404 ``Not Found`` body; the empty-window result
with no ``timestamp``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from curl_cffi import requests as curl_requests
from curl_cffi.const import CurlECode
from curl_cffi.requests.exceptions import DNSError

from concepttrack.prices.yahoo import RetryPolicy, YahooSource

HK = ZoneInfo("Asia/Hong_Kong")
NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}
DNS_MESSAGE = (
    "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. "
    "See https://curl.se/libcurl/c/libcurl-errors.html first for more details."
)


@dataclass(frozen=True)
class Bar:
    """One daily bar as Yahoo's chart API carries it."""

    day: dt.date
    open: float
    high: float
    low: float
    close: float
    adj_close: float
    volume: int


def stamp(day: dt.date) -> int:
    """HKEX daily bars are stamped 09:30 Hong Kong time."""
    return int(dt.datetime.combine(day, dt.time(9, 30), tzinfo=HK).timestamp())


def _meta(symbol: str, last: float | None) -> dict[str, Any]:
    return {
        "currency": "HKD",
        "symbol": symbol,
        "exchangeName": "HKG",
        "fullExchangeName": "HKSE",
        "instrumentType": "INDEX" if symbol.startswith("^") else "EQUITY",
        "firstTradeDate": 1_100_000_000,
        "regularMarketTime": 1_700_000_000,
        "hasPrePostMarketData": False,
        "gmtoffset": 28800,
        "timezone": "HKT",
        "exchangeTimezoneName": "Asia/Hong_Kong",
        "regularMarketPrice": last,
        "priceHint": 3,
        "dataGranularity": "1d",
        "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }


def chart_body(
    symbol: str,
    bars: list[Bar],
    *,
    dividends: dict[dt.date, float] | None = None,
    splits: dict[dt.date, tuple[int, int]] | None = None,
    period1: int | None = None,
    period2: int | None = None,
) -> dict[str, Any]:
    """A chart-API body for the bars inside ``[period1, period2)`` (all when not given)."""
    inside = [
        b
        for b in bars
        if (period1 is None or stamp(b.day) >= period1)
        and (period2 is None or stamp(b.day) < period2)
    ]
    if not inside:
        # Yahoo's answer for a window without sessions: no timestamp, empty quote.
        result: dict[str, Any] = {
            "meta": _meta(symbol, None),
            "indicators": {"quote": [{}], "adjclose": [{}]},
        }
        return {"chart": {"result": [result], "error": None}}
    days = {b.day for b in inside}
    events: dict[str, Any] = {}
    if dividends:
        events["dividends"] = {
            str(stamp(d)): {"amount": amount, "date": stamp(d)}
            for d, amount in dividends.items()
            if d in days
        }
    if splits:
        events["splits"] = {
            str(stamp(d)): {
                "date": stamp(d),
                "numerator": num,
                "denominator": den,
                "splitRatio": f"{num}:{den}",
            }
            for d, (num, den) in splits.items()
            if d in days
        }
    result = {
        "meta": _meta(symbol, inside[-1].close),
        "timestamp": [stamp(b.day) for b in inside],
        "events": events,
        "indicators": {
            "quote": [
                {
                    "open": [b.open for b in inside],
                    "high": [b.high for b in inside],
                    "low": [b.low for b in inside],
                    "close": [b.close for b in inside],
                    "volume": [b.volume for b in inside],
                }
            ],
            "adjclose": [{"adjclose": [b.adj_close for b in inside]}],
        },
    }
    return {"chart": {"result": [result], "error": None}}


def response(url: str, status: int, body: Any) -> curl_requests.Response:
    """A curl_cffi Response built in memory."""
    answer = curl_requests.Response()
    answer.url = url
    answer.status_code = status
    answer.ok = status < 400
    answer.reason = "OK" if status < 400 else "Error"
    answer.content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return answer


@dataclass
class _Listing:
    bars: list[Bar]
    dividends: dict[dt.date, float] = field(default_factory=dict)
    splits: dict[dt.date, tuple[int, int]] = field(default_factory=dict)


class FakeYahoo(curl_requests.Session):  # type: ignore[type-arg]
    """Serves chart JSON for listed symbols, 404 for others; scripted failures first."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._listings: dict[str, _Listing] = {}
        #: Per symbol, what the next chart requests get before the listing: 429, 404, or
        #: an exception instance to raise.
        self._script: dict[str, list[int | Exception]] = {}
        #: Raise this for every request (network down).
        self.down: Exception | None = None
        #: Every chart request: (symbol, params).
        self.chart_requests: list[tuple[str, dict[str, Any]]] = []
        self.other_requests: list[str] = []
        #: quoteSummary modules and v7 quote fields per symbol (fundamentals).
        self._summaries: dict[str, dict[str, Any]] = {}
        self._quotes: dict[str, dict[str, Any]] = {}
        #: Per symbol, what the next quoteSummary requests get first (429, 404).
        self._info_script: dict[str, list[int]] = {}
        #: Every quoteSummary request's symbol, in order.
        self.summary_requests: list[str] = []

    def add(
        self,
        symbol: str,
        bars: list[Bar],
        dividends: dict[dt.date, float] | None = None,
        splits: dict[dt.date, tuple[int, int]] | None = None,
    ) -> None:
        """Make ``symbol`` known with these bars and events."""
        self._listings[symbol] = _Listing(bars, dividends or {}, splits or {})

    def script(self, symbol: str, *answers: int | Exception) -> None:
        """Answer the next chart requests for ``symbol`` with these, in order."""
        self._script.setdefault(symbol, []).extend(answers)

    def add_info(
        self, symbol: str, modules: dict[str, Any], quote: dict[str, Any] | None = None
    ) -> None:
        """Make ``symbol``'s quoteSummary modules (and v7 quote fields) known."""
        self._summaries[symbol] = modules
        self._quotes[symbol] = quote or {}

    def script_info(self, symbol: str, *answers: int) -> None:
        """Answer the next quoteSummary requests for ``symbol`` with these statuses."""
        self._info_script.setdefault(symbol, []).extend(answers)

    def _fundamentals(self, url: str, params: dict[str, Any]) -> curl_requests.Response:
        if "/v10/finance/quoteSummary/" in url:
            symbol = url.rsplit("/", 1)[1].split("?")[0]
            with self._lock:
                self.summary_requests.append(symbol)
                queue = self._info_script.get(symbol)
                scripted = queue.pop(0) if queue else None
            if scripted == 429:
                return response(url, 429, b"Too Many Requests")
            modules = self._summaries.get(symbol)
            if scripted == 404 or modules is None:
                return response(url, 404, summary_not_found(symbol))
            return response(url, 200, {"quoteSummary": {"result": [modules], "error": None}})
        if "/v7/finance/quote" in url:
            symbol = str(params.get("symbols", ""))
            fields = self._quotes.get(symbol)
            result = [{"symbol": symbol, **fields}] if fields is not None else []
            return response(url, 200, {"quoteResponse": {"result": result, "error": None}})
        # fundamentals-timeseries (trailingPegRatio): nothing reported.
        return response(url, 200, {"timeseries": {"result": [], "error": None}})

    def chart_symbols(self) -> list[str]:
        """Symbols of chart requests, in order."""
        return [symbol for symbol, _ in self.chart_requests]

    def request(
        self, method: str, url: str, *args: Any, params: Any = None, **kwargs: Any
    ) -> curl_requests.Response:
        if self.down is not None:
            raise self.down
        if any(
            part in url
            for part in (
                "/v10/finance/quoteSummary/",
                "/v7/finance/quote",
                "fundamentals-timeseries",
            )
        ):
            return self._fundamentals(url, dict(params or {}))
        if "/v8/finance/chart/" not in url:
            with self._lock:
                self.other_requests.append(url)
            return response(url, 200, b"fake-crumb" if "getcrumb" in url else b"")
        symbol = url.rsplit("/", 1)[1].split("?")[0]
        given = dict(params or {})
        with self._lock:
            self.chart_requests.append((symbol, given))
            queue = self._script.get(symbol)
            scripted = queue.pop(0) if queue else None
        if isinstance(scripted, Exception):
            raise scripted
        if scripted == 429:
            return response(url, 429, b"Too Many Requests")
        listing = self._listings.get(symbol)
        if scripted == 404 or listing is None:
            return response(url, 404, NOT_FOUND)
        body = chart_body(
            symbol,
            listing.bars,
            dividends=listing.dividends,
            splits=listing.splits,
            period1=given.get("period1"),
            period2=given.get("period2"),
        )
        return response(url, 200, body)


def summary_not_found(symbol: str) -> dict[str, Any]:
    """Yahoo's quoteSummary answer for an unknown symbol (HTTP 404)."""
    return {
        "quoteSummary": {
            "result": None,
            "error": {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"},
        }
    }


def summary_modules(
    symbol: str,
    *,
    currency: str = "HKD",
    market_cap: float | None = None,
    shares: float | None = None,
    trailing_pe: float | None = None,
    price_to_book: float | None = None,
    dividend_yield_percent: float | None = None,
) -> dict[str, Any]:
    """quoteSummary modules as Yahoo sends them with ``formatted=false`` (absent when None).

    Yahoo now sends ``dividendYield`` in percent (4.5 = 4.5 %), its other ratios plain.
    """

    def some(**values: Any) -> dict[str, Any]:
        return {k: v for k, v in values.items() if v is not None}

    return {
        "summaryDetail": {
            "maxAge": 1,
            "currency": currency,
            **some(
                marketCap=market_cap,
                trailingPE=trailing_pe,
                dividendYield=dividend_yield_percent,
                priceToBook=None,
            ),
            "fiftyTwoWeekHigh": 100.0,
        },
        "defaultKeyStatistics": {
            "maxAge": 1,
            **some(sharesOutstanding=shares, priceToBook=price_to_book),
        },
        "financialData": {"maxAge": 86400, "financialCurrency": currency},
        "quoteType": {"symbol": symbol, "quoteType": "EQUITY", "exchange": "HKG"},
        "assetProfile": {"maxAge": 86400, "country": "Hong Kong"},
    }


def dns_error() -> DNSError:
    """What curl_cffi raises when the network is down."""
    return DNSError(DNS_MESSAGE, CurlECode.COULDNT_RESOLVE_HOST)


def _reset_yfinance() -> None:
    from yfinance.data import YfData

    # YfData is a process-wide singleton holding the session, cookie and crumb; and
    # cache_get memoises past-window answers. Neither may leak between tests.
    type(YfData)._instances.pop(YfData, None)
    YfData.cache_get.cache_clear()


@contextmanager
def fresh_fake_yahoo() -> Iterator[FakeYahoo]:
    """A fresh fake Yahoo and a fresh yfinance state (use it in a fixture)."""
    _reset_yfinance()
    session = FakeYahoo()
    try:
        yield session
    finally:
        _reset_yfinance()
        session.close()


@dataclass
class Sleeps:
    """Records backoff sleeps instead of waiting."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def yahoo_source(session: FakeYahoo, cache_dir: Path, sleeps: Sleeps | None = None) -> YahooSource:
    """A YahooSource on the fake session, with recorded sleeps and seeded jitter."""
    return YahooSource(
        session=session,
        cache_dir=cache_dir,
        retry=RetryPolicy(attempts=4, base_delay=1.0, max_delay=8.0, max_total_wait=60.0),
        sleep=sleeps if sleeps is not None else Sleeps(),
        rng=random.Random(7),
        threads=2,
    )


def hk_bars(days: list[dt.date], start_price: float = 100.0) -> list[Bar]:
    """Simple rising bars, adj_close equal to close."""
    out = []
    for i, day in enumerate(days):
        close = round(start_price + i, 3)
        out.append(Bar(day, close - 0.5, close + 1.0, close - 1.0, close, close, 1_000_000 + i))
    return out


def weekdays(start: dt.date, end: dt.date, skip: tuple[dt.date, ...] = ()) -> list[dt.date]:
    """Mon-Fri from start to end inclusive, minus ``skip``."""
    out = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in skip:
            out.append(day)
        day += dt.timedelta(days=1)
    return out
