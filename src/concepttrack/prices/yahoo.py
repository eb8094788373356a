"""Yahoo Finance through yfinance: the only module that imports yfinance.

How yfinance 1.7 behaves, and what this module does about it:

* ``yf.download`` never raises for a symbol it could not get: it leaves that
  symbol's columns all-NaN and logs a "Failed download" summary on the
  ``yfinance`` logger. So failures are detected per symbol from the result, and the
  reason is read from that summary (captured by a handler for the duration of
  the call; nothing reaches the user's terminal).
* yfinance swallows network errors on the chart request unless
  ``config.debug.hide_exceptions`` is off, which would make "network down" look like
  "no data"; it is switched off for the call so every failure names its cause.
* Rate limits (HTTP 429, ``YFRateLimitError``) and network errors are retried here
  with exponential backoff and jitter, bounded in tries and total wait, because
  yfinance's own retry setting covers neither.
* Every ``download`` argument is passed explicitly, because defaults changed across
  versions, and columns are selected by name.
* yfinance keeps SQLite caches (timezones, cookies); they are pointed into
  concepttrack's cache folder. The timezone of HK, mainland and US symbols is known
  in advance, so it is seeded there, which saves one request per symbol.
* ``download`` without ``session=`` would replace an injected session, so the one
  session this source owns (or was given, e.g. by tests) is always passed.

Fundamentals come from ``Ticker(symbol, session=...).get_info()`` (Yahoo's quoteSummary
and quote endpoints), one call per symbol. Yahoo now sends ``dividendYield`` in
**percent** (4.5 means 4.5 %) while its other ratios are plain, so it is divided by
100 here; the record is dated the symbol's last closed session at fetch time (the
figures are current, and a weekend fetch describes Friday). A 429 ends the round:
the symbols not yet asked are reported as rate limited and asked again next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import re
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import SourceError
from concepttrack.reasons import Reason, reason, said
from concepttrack.symbols import HKEX, NYSE, SSE, market_of

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.prices.frame import SymbolHistory, SymbolMeta
    from concepttrack.prices.records import Fundamentals, FundamentalsAnswer

#: yfinance column name -> contract column name.
_FIELDS = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
    "Dividends": "dividends",
    "Stock Splits": "splits",
}
_SUMMARY = re.compile(r"^\[(?P<symbols>[^\]]*)\]: (?P<error>.*)$", re.DOTALL)
_CURL = re.compile(r"curl: \(\d+\) (?P<reason>.+?)(?:\. See |['\"]|$)")
_NETWORK_WORDS = (
    "curl: (",
    "DNSError",
    "ConnectionError",
    "Timeout",
    "SSLError",
    "ProxyError",
    "RequestException",
)

_configure_lock = threading.Lock()
_configured_dir: Path | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter for rate limits and network errors."""

    #: Tries in all, the first included.
    attempts: int = 4
    #: Delay before the second try; doubles each time, up to ``max_delay``.
    base_delay: float = 1.0
    max_delay: float = 8.0
    #: Never sleep more than this in total for one fetch.
    max_total_wait: float = 20.0

    def delay(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (1-based): half to full backoff."""
        backoff = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return float(backoff * (0.5 + rng.random() / 2))


@dataclass(frozen=True)
class _Failure:
    kind: str  # "rate_limited" | "network" | "unavailable" | "not_found" | "no_data" | "other"
    text: str

    @property
    def retryable(self) -> bool:
        return self.kind in ("rate_limited", "network", "unavailable")

    def describe(self) -> str:
        if self.kind == "rate_limited":
            return "rate limited (429)"
        if self.kind == "network":
            found = _CURL.search(self.text)
            return f"network error ({found.group('reason') if found else self.text[:120]})"
        if self.kind == "unavailable":
            return "Yahoo Finance is down"
        return self.text[:200]

    def cause(self, tries: int | None = None) -> Reason:
        """The failure for the note: a rate limit or an outage by code, a network error or
        anything else in its own words; ``tries`` when retries ran out."""
        if self.kind == "rate_limited":
            why = reason("rate_limited")
        elif self.kind == "unavailable":
            why = reason("source_down", source="yahoo")
        else:
            why = said(self.describe())
        if tries is None:
            return reason("fetch_failed", why=why)
        return reason("fetch_failed_after", why=why, tries=tries)


def _classify(text: str) -> _Failure:
    """Sort a yfinance error text into what concepttrack does about it."""
    if "YFRateLimitError" in text or "Too Many Requests" in text:
        return _Failure("rate_limited", text)
    if "no price data found" in text:
        return _Failure("no_data", text)
    if "YFPricesMissingError" in text or "YFTzMissingError" in text or "delisted" in text:
        return _Failure("not_found", text)
    if "CURRENTLY DOWN" in text:
        return _Failure("unavailable", text)
    if any(word in text for word in _NETWORK_WORDS):
        return _Failure("network", text)
    return _Failure("other", text)


class _FailureLog(logging.Handler):
    """Collects the per-symbol errors ``yf.download`` logs instead of raising."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.by_symbol: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a record we cannot format tells us nothing
            return
        found = _SUMMARY.match(message.strip())
        if not found:
            return
        for symbol in re.findall(r"'([^']*)'", found.group("symbols")):
            self.by_symbol[symbol.upper()] = found.group("error")


def _configure(yf: Any, cache_dir: Path) -> None:
    """Point yfinance's own caches at ``cache_dir`` once per process, before any request."""
    global _configured_dir
    with _configure_lock:
        if _configured_dir == cache_dir:
            return
        cache_dir.mkdir(parents=True, exist_ok=True)
        yf.set_tz_cache_location(str(cache_dir))
        _configured_dir = cache_dir


def _seed_timezones(symbols: Sequence[str]) -> None:
    """Tell yfinance the exchange timezone of symbols whose market is certain."""
    try:
        from yfinance import cache as yf_cache

        tz_cache = yf_cache.get_tz_cache()
        for symbol in symbols:
            market = market_of(symbol)
            plain_us = market is NYSE and "." not in symbol and "^" not in symbol
            known = market in (HKEX, SSE) or plain_us
            if known and tz_cache.lookup(symbol.upper()) is None:
                tz_cache.store(symbol.upper(), market.timezone)
    except Exception:  # only an optimisation: yfinance then asks Yahoo itself
        logging.getLogger(__name__).debug("could not seed yfinance tz cache", exc_info=True)


class YahooSource:
    """Daily bars from Yahoo Finance's chart API, all symbols in one batched download."""

    name = "yahoo"
    label = "Yahoo"

    def __init__(
        self,
        *,
        session: Any | None = None,
        cache_dir: Path | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        threads: int = 4,
        timeout: float = 10.0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._session = session
        self._cache_dir = cache_dir
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._threads = threads
        self._timeout = timeout
        #: How many ``yf.download`` calls this source has made (one per round).
        self.rounds = 0
        #: How many ``get_info`` calls (one per symbol) fundamentals made.
        self.info_requests = 0
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def revision(self, symbol: str) -> str | None:
        """Yahoo has no cheap version token; the cache compares overlapping bars instead."""
        return None

    def _yf(self) -> Any:
        import yfinance as yf

        from concepttrack import settings

        _configure(yf, self._cache_dir or settings.cache_dir() / "yfinance")
        if self._session is None:
            from curl_cffi import requests as curl_requests

            # Browser impersonation is what yfinance itself would set up.
            self._session = curl_requests.Session(impersonate="chrome")
        return yf

    def _meta(self, symbol: str) -> SymbolMeta:
        from concepttrack.prices.frame import SymbolMeta

        market = market_of(symbol)
        # Yahoo's Close (auto_adjust=False) is split-adjusted and dividend-unadjusted: the
        # cache keeps it with the dividends and splits and derives the adjusted close.
        return SymbolMeta(
            symbol=symbol,
            source=self.name,
            currency=market.currency,
            timezone=market.timezone,
            adjusted_from_actions=True,
            split_adjusted=True,
        )

    def _download(
        self, yf: Any, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> tuple[pd.DataFrame | None, dict[str, str]]:
        """One ``yf.download`` round; returns the frame and each failed symbol's error text."""
        self.rounds += 1
        handler = _FailureLog()
        logger = logging.getLogger("yfinance")
        logger.addHandler(handler)
        hide = yf.config.debug.hide_exceptions
        yf.config.debug.hide_exceptions = False
        try:
            with warnings.catch_warnings():
                # pandas deprecation noise from inside yfinance is not ours to act on.
                warnings.simplefilter("ignore")
                frame = yf.download(
                    list(symbols),
                    start=start.isoformat(),
                    end=(end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
                    interval="1d",
                    auto_adjust=False,
                    back_adjust=False,
                    actions=True,
                    repair=False,
                    keepna=False,
                    prepost=False,
                    rounding=False,
                    ignore_tz=True,
                    group_by="column",
                    multi_level_index=True,
                    progress=False,
                    threads=max(1, min(self._threads, len(symbols))),
                    timeout=self._timeout,
                    session=self._session,
                )
        except Exception as exc:  # yfinance bug or API change: every symbol failed alike
            text = f"{type(exc).__name__}: {exc}"
            return None, {symbol.upper(): text for symbol in symbols}
        finally:
            yf.config.debug.hide_exceptions = hide
            logger.removeHandler(handler)
        return frame, handler.by_symbol

    def _bars(self, frame: pd.DataFrame | None, symbol: str) -> pd.DataFrame:
        import pandas as pd

        from concepttrack.prices.frame import conform_bars, empty_bars

        key = symbol.upper()
        if frame is None or frame.empty or not isinstance(frame.columns, pd.MultiIndex):
            return empty_bars()
        picked = {
            ours: frame[(theirs, key)]
            for theirs, ours in _FIELDS.items()
            if (theirs, key) in frame.columns
        }
        if "close" not in picked:
            return empty_bars()
        return conform_bars(pd.DataFrame(picked, index=frame.index))

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        """Bars for every symbol in ``[start, end]``; failures are reported per symbol."""
        from concepttrack.prices.frame import SymbolHistory, empty_bars

        try:
            yf = self._yf()
        except Exception as exc:
            raise SourceError(
                f"cannot start the Yahoo source: {exc}",
                hint="Use --source demo or --source csv:DIR instead.",
            ) from exc
        _seed_timezones(symbols)
        results: dict[str, SymbolHistory] = {}
        pending = list(dict.fromkeys(symbols))
        waited = 0.0
        tries = 0
        while pending:
            tries += 1
            frame, errors = self._download(yf, pending, start, end)
            retry: dict[str, _Failure] = {}
            for symbol in pending:
                bars = self._bars(frame, symbol)
                error = errors.get(symbol.upper())
                failure = _classify(error) if error is not None else None
                if not bars.empty or failure is None or failure.kind == "no_data":
                    # An empty window (holiday, suspension) is "no data", not an error.
                    results[symbol] = SymbolHistory(symbol, bars, self._meta(symbol))
                elif failure.kind == "not_found":
                    results[symbol] = SymbolHistory(
                        symbol,
                        empty_bars(),
                        self._meta(symbol),
                        "not found at Yahoo",
                        True,
                        cause=reason("not_found", source="yahoo"),
                    )
                elif failure.retryable:
                    retry[symbol] = failure
                else:
                    results[symbol] = SymbolHistory(
                        symbol,
                        empty_bars(),
                        self._meta(symbol),
                        f"fetch failed: {failure.describe()}",
                        True,
                        cause=failure.cause(),
                    )
            pending = list(retry)
            if not pending:
                break
            delay = self.retry.delay(tries, self._rng)
            if tries >= self.retry.attempts or waited + delay > self.retry.max_total_wait:
                for symbol, failure in retry.items():
                    results[symbol] = SymbolHistory(
                        symbol,
                        empty_bars(),
                        self._meta(symbol),
                        f"fetch failed: {failure.describe()} after {tries} "
                        f"tr{'ies' if tries != 1 else 'y'}",
                        True,
                        cause=failure.cause(tries),
                    )
                break
            self._sleep(delay)
            waited += delay
        return results

    # --- fundamentals ------------------------------------------------------------------

    def fundamentals_revision(self) -> str | None:
        """Yahoo's figures are refreshed by age, not by a version token."""
        return None

    def fetch_fundamentals(
        self, symbols: Sequence[str], as_of: dt.date
    ) -> dict[str, FundamentalsAnswer]:
        """``get_info`` per symbol; a 429 stops the round (the rest: rate limited)."""
        from concepttrack.prices.records import FundamentalsAnswer

        try:
            yf = self._yf()
        except Exception as exc:
            problem = f"cannot start the Yahoo source: {exc}"
            return {s: FundamentalsAnswer(problem=problem) for s in symbols}
        out: dict[str, FundamentalsAnswer] = {}
        limited = False
        for symbol in dict.fromkeys(symbols):
            if limited:
                out[symbol] = FundamentalsAnswer(problem="rate limited (429); not asked this run")
                continue
            self.info_requests += 1
            hide = yf.config.debug.hide_exceptions
            yf.config.debug.hide_exceptions = False
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    info = yf.Ticker(symbol, session=self._session).get_info()
            except Exception as exc:
                text = f"{type(exc).__name__}: {exc}"
                failure = _classify(text)
                if "404" in text or "Not Found" in text:
                    out[symbol] = FundamentalsAnswer(problem="not found at Yahoo")
                else:
                    out[symbol] = FundamentalsAnswer(problem=f"fetch failed: {failure.describe()}")
                limited = failure.kind == "rate_limited"
                continue
            finally:
                yf.config.debug.hide_exceptions = hide
            record = self._fundamentals(symbol, info if isinstance(info, dict) else {})
            if record is None:
                out[symbol] = FundamentalsAnswer(problem="Yahoo sent no fundamentals")
            else:
                out[symbol] = FundamentalsAnswer(records=[record])
        return out

    def _fundamentals(self, symbol: str, info: dict[str, Any]) -> Fundamentals | None:
        """One record from a ``get_info`` dict; None when it holds none of the figures."""
        from concepttrack import calendar
        from concepttrack.errors import UsageError
        from concepttrack.prices.records import Fundamentals

        now = self._clock()
        try:
            day = calendar.default_as_of(now, market_of(symbol).exchange)
        except UsageError:
            day = now.date()
        dividend = _positive(info.get("dividendYield"), allow_zero=True)
        currency = info.get("currency")
        record = Fundamentals(
            symbol=symbol,
            date=day,
            market_cap=_positive(info.get("marketCap")),
            shares_outstanding=_positive(
                info.get("sharesOutstanding") or info.get("impliedSharesOutstanding")
            ),
            trailing_pe=_positive(info.get("trailingPE")),
            price_to_book=_positive(info.get("priceToBook")),
            # Yahoo's dividendYield is in percent now (4.5 = 4.5 %); ours is a fraction.
            dividend_yield=None if dividend is None else dividend / 100.0,
            currency=currency.upper() if isinstance(currency, str) and currency else None,
        )
        figures = (
            record.market_cap,
            record.shares_outstanding,
            record.trailing_pe,
            record.price_to_book,
            record.dividend_yield,
        )
        return record if any(v is not None for v in figures) else None


def _positive(value: object, *, allow_zero: bool = False) -> float | None:
    """A finite number above zero (or zero when allowed), else None ("Infinity", strings)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        return None
    return number
