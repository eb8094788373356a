"""EastMoney daily bars through AkShare: the only module that imports akshare.

What is asked, per symbol (AkShare 1.19):

* **Hong Kong stocks** (``0941.HK``): ``ak.stock_hk_hist(symbol="00941", period="daily",
  adjust=...)``, EastMoney's kline API (``secid=116.00941``). It always downloads the
  whole history and slices it by date.
* **A-shares** (``600941.SS``, ``000063.SZ``): ``ak.stock_zh_a_hist(symbol="600941", ...)``
  (``secid=1.600941`` for Shanghai, ``0.000063`` for Shenzhen). EastMoney counts A-share
  volume in lots of 100 shares; it is multiplied by 100 here (the contract counts shares).
* **Hong Kong indices** ``^HSI``, ``^HSCE``, ``^HSTECH``: ``ak.stock_hk_index_daily_em``
  (EastMoney's ``HSI``, ``HSCEI``, ``HSTECH``; AkShare first looks the index's market
  number up in EastMoney's index list). Indices have no volume and no actions.
* **FX pairs** (``CNYHKD=X``): ``ak.forex_hist_em`` (EastMoney's FX klines, whole
  history) for a pair in AkShare's list (``akshare.forex.cons.symbol_market_map``);
  EastMoney lists no onshore CNY/HKD market rate, so a pair with CNY is served by the
  offshore yuan's (``CNYHKD=X`` <- ``CNHHKD``), and the series' ``detail`` says so
  ("EastMoney CNHHKD (offshore yuan, CNH, standing in for CNY)"). CNH and CNY usually
  differ by well under 0.5 %.
* Anything else (US tickers, mainland indices, other HK indices, FX pairs EastMoney
  lists neither way) is answered per symbol as failed with the reason ``not_offered``,
  so a source chain falls through to its next source.

**Bars are traded prices** (``adjust=""``, EastMoney's 不复权). **Corporate actions are
inferred** from the forward-adjusted series (``adjust="qfq"``, 前复权) fetched over the same
sessions through the latest one. EastMoney forward-adjusts with the ex-right/ex-dividend
reference price (除权除息参考价, the mainland convention; taken as EastMoney's method for
HK stocks too, which could not be checked against live answers from this machine):
across an ex-date with cash dividend ``D`` per share and share ratio ``r`` (2.0 = one
share became two, 1.3 = 3 bonus or transfer shares for every 10), every earlier price
``p`` becomes ``(p - D) / r``. So, session by session,
``qfq = a * close + b`` with ``(a, b)`` constant between ex-dates, ``(1, 0)`` after the
last one, and across an ex-date ``a_before = a_after / r`` and
``b_before = b_after - a_before * D``. :func:`infer_actions` walks the sessions from
the latest back: a session whose change in ``qfq`` is not ``a`` times its change in
``close`` (beyond the rounding of the prices, 1.5 ticks) is an ex-date; ``r`` is 1
unless the sessions before it move with another slope, whose ratio is then rounded to
a whole ratio (n, 1/n or tenths); ``b`` of each stretch is the median of
``qfq - a * close`` and ``D = (b_after - b_before) / a_before``. A dividend below 1.5
ticks is not seen; a rights issue (配股) reads as a negative ``D``, which the factor below
keeps and the ``dividends`` column does not. When the series does not follow this
model (more than four ex-dates in a year, a slope that is no whole ratio), no actions
are claimed: the
``dividends`` and ``splits`` columns stay 0, ``adj_close`` is the close and the
series is marked :attr:`~concepttrack.prices.frame.SymbolMeta.adj_close_is_close`.

**adj_close** is derived here from those actions, the same way for every session:
``adj_close = close * product of f_e`` over the ex-dates ``e`` after the session, with
``f_e = (P - D) / (r * P)``, ``P`` the traded close of the session before ``e`` (the
ex-reference price over the last close). It is computed over the whole fetched span
through the latest session, so a later fetch gives the same values until a new ex-date.
Traded closes are not split-adjusted (Yahoo's ``Close`` is): a split shows as a step in
``close`` and its ratio in ``splits``.

Failures never raise out of :meth:`AkshareSource.fetch`: a network error, an HTTP 429
(rate limit), a 5xx, an answer that is not JSON and EastMoney's ``"data": null`` for a
code it does not know become per-symbol ``failed`` histories with a
:class:`~concepttrack.reasons.Reason`; network errors, rate limits and outages are
retried with bounded backoff, and when they outlast the retries the symbols not yet
asked get the same answer without a request. Calls are spaced by :data:`PAUSE` seconds.
AkShare's progress bars, prints and warnings are swallowed (``stdout``/``stderr``
redirected around each call), so a quiet run prints nothing. HTTP statuses and bodies
are read by watching ``requests.Session.send`` for the duration of each call (AkShare's
kline functions use ``requests.get`` and do not check the status).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import random
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from concepttrack.reasons import Reason, reason, said
from concepttrack.symbols import is_fx, is_hk, market_of

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.prices.frame import SymbolHistory, SymbolMeta

__all__ = ["Actions", "AkshareSource", "RetryPolicy", "eastmoney_code", "infer_actions"]

#: Our HK index symbols -> EastMoney's index codes (``stock_hk_index_daily_em``).
HK_INDEX_CODES = {"^HSI": "HSI", "^HSCE": "HSCEI", "^HSTECH": "HSTECH"}
#: What the data appendix says when offshore yuan rates stand in for CNY.
CNH_STAND_IN = " (offshore yuan, CNH, standing in for CNY)"
#: A-share volume is in lots of 100 shares at EastMoney.
A_SHARE_LOT = 100.0
#: More ex-dates than this in any 365 days: the adjusted series does not follow the model.
MAX_EVENTS_PER_YEAR = 4
#: Seconds between two AkShare calls of one fetch.
PAUSE = 0.3
#: Days fetched before the window, so an ex-date on its first session is seen.
LEAD_DAYS = 14


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter for network errors, 429s and outages."""

    attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 8.0
    max_total_wait: float = 15.0

    def delay(self, retry: int, rng: random.Random) -> float:
        backoff = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return float(backoff * (0.5 + rng.random() / 2))


def eastmoney_code(symbol: str) -> tuple[str, str] | None:
    """``("hk", "00941")``, ``("a", "600941")``, ``("index", "HSI")``, or None when
    AkShare offers no daily history for the symbol here."""
    upper = symbol.strip().upper()
    if is_fx(upper):
        return "fx", upper[:6]
    if upper in HK_INDEX_CODES:
        return "index", HK_INDEX_CODES[upper]
    if is_hk(upper):
        digits = upper[:-3]
        if digits.isdigit():
            return "hk", f"{int(digits):05d}"
        return None
    head, _dot, suffix = upper.partition(".")
    if suffix in ("SS", "SZ") and len(head) == 6 and head.isdigit():
        # Mainland indices share the form (000001.SS is the SSE Composite): not offered.
        from concepttrack.symbols import CN_INDICES

        if upper in CN_INDICES:
            return None
        return "a", head
    return None


def _offered(target: tuple[str, str] | None) -> tuple[str, str] | None:
    """``target`` with an FX pair resolved to the code ``forex_hist_em`` knows (``CNHHKD``
    standing in for ``CNYHKD``), or None when AkShare has no such pair."""
    if target is None or target[0] != "fx":
        return target
    from akshare.forex.cons import symbol_market_map

    pair = target[1]
    for code in (pair, pair.replace("CNY", "CNH")):
        if code in symbol_market_map:
            return "fx", code
    return None


# --- corporate actions from the forward-adjusted series ------------------------------------


@dataclass
class Actions:
    """What :func:`infer_actions` read: per ex-date session its dividend and ratio."""

    #: Session index (into the series given) -> cash dividend per share going ex.
    dividends: dict[int, float] = field(default_factory=dict)
    #: Session index -> share ratio (2.0 = 2-for-1); 1.0 is not stored.
    splits: dict[int, float] = field(default_factory=dict)
    #: Session index -> the reference factor ``(P - D) / (r * P)`` across that ex-date.
    factors: dict[int, float] = field(default_factory=dict)
    #: False when the series did not follow the model (no actions claimed).
    readable: bool = True


def _tick(values: Sequence[float]) -> float:
    """The rounding step of prices: 10**-k for the most decimals seen (k <= 4)."""
    for k in range(5):
        scale = 10.0**k
        if all(abs(v * scale - round(v * scale)) < 1e-6 for v in values):
            return 1.0 / scale
    return 1e-4


def _whole_ratio(value: float) -> float | None:
    """``value`` as a whole share ratio (n, 1/n or tenths), or None when none is near."""
    if not math.isfinite(value) or value <= 0:
        return None
    candidates = {n / 10.0 for n in range(1, 1001)} | {1.0 / n for n in range(2, 101)}
    best = min(candidates, key=lambda c: abs(math.log(value / c)))
    return best if abs(math.log(value / best)) < 0.03 else None


def _stretch_ratio(
    close: Sequence[float], qfq: Sequence[float], slope: float, tol: float
) -> float | None:
    """The share ratio before an ex-date: ``qfq = alpha * close + beta`` fitted over the
    last 20 (else 5) sessions of ``close``/``qfq``, ``slope / alpha`` as a whole ratio;
    None when no fit within the rounding or no whole ratio."""
    for size in (20, 5):
        xs, ys = close[-size:], qfq[-size:]
        if len(xs) < 3:
            return None
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx <= (10 * tol) ** 2:
            continue
        alpha = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
        beta = my - alpha * mx
        if alpha <= 0 or max(abs(y - alpha * x - beta) for x, y in zip(xs, ys, strict=True)) > (
            2 * tol
        ):
            continue
        return _whole_ratio(slope / alpha)
    return None


def infer_actions(
    sessions: Sequence[dt.date], close: Sequence[float], qfq: Sequence[float]
) -> Actions:
    """Dividends and splits read from traded and forward-adjusted closes (module doc)."""
    n = len(close)
    if n < 2 or len(qfq) != n:
        return Actions()
    tol = 1.5 * max(_tick(close), _tick(qfq))
    slope = 1.0
    #: (ex-date index, ratio) from the latest back; stretch boundaries.
    events: list[tuple[int, float]] = []
    slopes = [1.0] * n
    t = n - 1
    while t > 0:
        slopes[t] = slope
        move = (qfq[t] - qfq[t - 1]) - slope * (close[t] - close[t - 1])
        if abs(move) <= tol * max(1.0, slope):
            t -= 1
            continue
        ratio = 1.0
        if t >= 2:
            dq, dc = qfq[t - 1] - qfq[t - 2], close[t - 1] - close[t - 2]
            if abs(dq - slope * dc) > tol * max(1.0, slope):
                found = _stretch_ratio(close[:t], qfq[:t], slope, tol)
                if found is None or found == 1.0:
                    # No whole ratio, or a slope too near the old one to be a split: a
                    # proportional (not ex-reference) adjustment, or two ex-dates in a row.
                    return Actions(readable=False)
                ratio = found
        events.append((t, ratio))
        slope = slope / ratio
        t -= 1
    slopes[0] = slope
    if not events:
        return Actions()
    days = [sessions[i] for i, _r in events]
    for i, day in enumerate(days):
        if sum(1 for other in days[i:] if (day - other).days < 365) > MAX_EVENTS_PER_YEAR:
            return Actions(readable=False)
    # Stretches, earliest first: [start, end) with slope a, intercept = median(qfq - a*close).
    bounds = sorted(i for i, _r in events)
    starts = [0, *bounds]
    ends = [*bounds, n]
    intercepts: list[float] = []
    for lo, hi in zip(starts, ends, strict=True):
        a = slopes[lo]
        offsets = sorted(qfq[i] - a * close[i] for i in range(lo, hi))
        mid = len(offsets) // 2
        median = offsets[mid] if len(offsets) % 2 else (offsets[mid - 1] + offsets[mid]) / 2.0
        intercepts.append(median)
    ratios = dict(events)
    out = Actions()
    for k, e in enumerate(bounds):
        before_a = slopes[e - 1]
        cash = (intercepts[k + 1] - intercepts[k]) / before_a
        if abs(cash) < tol:
            cash = 0.0
        cash = round(cash, 6)
        ratio = ratios[e]
        previous = close[e - 1]
        if previous <= 0 or cash >= previous:
            return Actions(readable=False)
        if cash > 0:
            out.dividends[e] = cash
        if ratio != 1.0:
            out.splits[e] = ratio
        out.factors[e] = (previous - cash) / (ratio * previous)
    return out


# --- the HTTP watch and failures ------------------------------------------------------------


@dataclass
class _Seen:
    """The last HTTP answer of one AkShare call."""

    status: int | None = None
    body: bytes | None = None

    def is_json(self) -> bool:
        try:
            json.loads(self.body or b"")
        except (ValueError, UnicodeDecodeError):
            return False
        return True

    def data_is_null(self) -> bool:
        """EastMoney's answer for a code it does not know: ``{"rc": 0, "data": null}``."""
        if self.body is None:
            return False
        try:
            parsed = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return False
        return isinstance(parsed, dict) and "data" in parsed and parsed["data"] is None


@contextlib.contextmanager
def _watch() -> Iterator[_Seen]:
    """Record the status and body of each response ``requests`` receives, and swallow
    AkShare's progress bars, prints and warnings, for the duration of one call."""
    import requests

    seen = _Seen()
    original = requests.Session.send

    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        response = original(self, request, **kwargs)
        seen.status = getattr(response, "status_code", None)
        try:
            seen.body = response.content
        except Exception:  # a streamed body we cannot read tells us nothing
            seen.body = None
        return response

    requests.Session.send = send  # type: ignore[method-assign]
    sink = io.StringIO()
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            warnings.simplefilter("ignore")
            yield seen
    finally:
        requests.Session.send = original  # type: ignore[method-assign]


@dataclass(frozen=True)
class _Failure:
    kind: str  # "network" | "rate_limited" | "down" | "not_found" | "other"
    text: str

    @property
    def retryable(self) -> bool:
        return self.kind in ("network", "rate_limited", "down")

    def cause(self, tries: int | None = None) -> Reason:
        if self.kind == "not_found":
            return reason("not_found", source=AkshareSource.name)
        if self.kind == "rate_limited":
            why = reason("rate_limited")
        elif self.kind == "down":
            why = reason("source_down", source=AkshareSource.name)
        else:
            why = said(self.text)
        if tries is None or tries <= 1:
            return reason("fetch_failed", why=why)
        return reason("fetch_failed_after", why=why, tries=tries)


def _classify(exc: BaseException | None, seen: _Seen) -> _Failure:
    """What went wrong in one call: by the HTTP answer first, then the exception."""
    import requests

    if seen.status == 429:
        return _Failure("rate_limited", "HTTP 429")
    if seen.status is not None and seen.status >= 500:
        return _Failure("down", f"HTTP {seen.status}")
    if seen.status is not None and seen.status >= 400:
        return _Failure("other", f"EastMoney answered HTTP {seen.status}")
    if seen.data_is_null():
        return _Failure("not_found", "no such code at EastMoney")
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return _Failure("network", f"network error ({type(exc).__name__}: {str(exc)[:120]})")
    if seen.body is not None and not seen.is_json():
        return _Failure("other", "EastMoney sent an answer that is not JSON")
    text = f"{type(exc).__name__}: {exc}" if exc is not None else "no answer"
    return _Failure("other", f"AkShare failed ({text[:160]})")


# --- the source ----------------------------------------------------------------------------


class AkshareSource:
    """Daily bars from EastMoney through AkShare, one symbol after another."""

    name = "akshare"
    label = "AkShare"

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        pause: float | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        #: Seconds between two calls (EastMoney drops clients that ask too fast).
        self.pause = PAUSE if pause is None else pause
        self._sleep = sleep
        self._rng = rng or random.Random()
        #: AkShare calls made (each one HTTP request, the index list aside).
        self.calls = 0

    def revision(self, symbol: str) -> str | None:
        """No cheap version token; the cache compares overlapping bars instead."""
        return None

    def _meta(
        self, symbol: str, detail: str | None = None, flat: bool = False, derived: bool = False
    ) -> SymbolMeta:
        from concepttrack.prices.frame import SymbolMeta

        market = market_of(symbol)
        return SymbolMeta(
            symbol=symbol,
            source=self.name,
            currency=market.currency,
            timezone=market.timezone,
            adj_close_is_close=flat,
            detail=detail,
            # Unadjusted closes with their actions: the cache derives adj_close
            # (prices/adjust.py), applying the splits too.
            adjusted_from_actions=derived,
            split_adjusted=not derived,
        )

    def _call(self, ak: Any, kind: str, code: str, start: dt.date, adjust: str) -> pd.DataFrame:
        """One AkShare call; raises :class:`_CallFailed` with what went wrong."""
        if self.calls and self.pause > 0:
            self._sleep(self.pause)
        self.calls += 1
        with _watch() as seen:
            try:
                if kind == "hk":
                    frame = ak.stock_hk_hist(
                        symbol=code,
                        period="daily",
                        start_date=start.strftime("%Y%m%d"),
                        end_date="20500101",
                        adjust=adjust,
                    )
                elif kind == "a":
                    frame = ak.stock_zh_a_hist(
                        symbol=code,
                        period="daily",
                        start_date=start.strftime("%Y%m%d"),
                        end_date="20500101",
                        adjust=adjust,
                        timeout=15,
                    )
                elif kind == "fx":
                    frame = ak.forex_hist_em(symbol=code)
                else:
                    frame = ak.stock_hk_index_daily_em(symbol=code)
            except Exception as exc:
                raise _CallFailed(_classify(exc, seen)) from exc
        empty = frame is None or frame.empty
        if empty and (seen.data_is_null() or (seen.status is not None and seen.status >= 400)):
            raise _CallFailed(_classify(None, seen))
        if frame is None:
            import pandas as pd

            return pd.DataFrame()
        result: pd.DataFrame = frame
        return result

    def _with_retries(
        self, ak: Any, kind: str, code: str, start: dt.date, adjust: str
    ) -> tuple[pd.DataFrame | None, _Failure | None, int]:
        """The call, retried on network errors, 429s and outages (bounded)."""
        waited = 0.0
        tries = 0
        while True:
            tries += 1
            try:
                return self._call(ak, kind, code, start, adjust), None, tries
            except _CallFailed as failed:
                failure = failed.failure
            if not failure.retryable:
                return None, failure, tries
            delay = self.retry.delay(tries, self._rng)
            if tries >= self.retry.attempts or waited + delay > self.retry.max_total_wait:
                return None, failure, tries
            self._sleep(delay)
            waited += delay

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        """Bars of every symbol in ``[start, end]``; failures are reported per symbol."""
        from concepttrack.prices.frame import SymbolHistory, empty_bars

        results: dict[str, SymbolHistory] = {}
        try:
            with _watch():
                import akshare as ak
        except Exception as exc:
            why = reason("fetch_failed", why=said(f"cannot start AkShare: {exc}"))
            for symbol in dict.fromkeys(symbols):
                results[symbol] = SymbolHistory(
                    symbol, empty_bars(), self._meta(symbol), _words(why), True, cause=why
                )
            return results
        given_up: Reason | None = None
        for symbol in dict.fromkeys(symbols):
            target = _offered(eastmoney_code(symbol))
            if target is None:
                why = reason("not_offered", source=self.name)
                results[symbol] = SymbolHistory(
                    symbol, empty_bars(), self._meta(symbol), _words(why), True, cause=why
                )
                continue
            if given_up is not None:
                results[symbol] = SymbolHistory(
                    symbol, empty_bars(), self._meta(symbol), _words(given_up), True, cause=given_up
                )
                continue
            history, stop = self._one(ak, symbol, target, start, end)
            results[symbol] = history
            if stop:
                given_up = history.cause
        return results

    def _one(
        self, ak: Any, symbol: str, target: tuple[str, str], start: dt.date, end: dt.date
    ) -> tuple[SymbolHistory, bool]:
        """One symbol's history, and whether the source should not be asked again."""
        from concepttrack.prices.frame import SymbolHistory, empty_bars

        kind, code = target
        lead = start - dt.timedelta(days=LEAD_DAYS)

        def failed(failure: _Failure, tries: int) -> tuple[SymbolHistory, bool]:
            why = failure.cause(tries)
            history = SymbolHistory(
                symbol, empty_bars(), self._meta(symbol), _words(why), True, cause=why
            )
            return history, failure.retryable

        raw, failure, tries = self._with_retries(ak, kind, code, lead, "")
        if raw is None:
            assert failure is not None
            return failed(failure, tries)
        if kind == "index":
            bars = _index_bars(raw)
            return SymbolHistory(symbol, _trim(bars, start, end), self._meta(symbol)), False
        if kind == "fx":
            bars = _index_bars(
                raw, date="日期", close="最新价", open_="今开", high="最高", low="最低"
            )
            named = f"EastMoney {code}" + (CNH_STAND_IN if code != symbol.upper()[:6] else "")
            meta = self._meta(symbol, detail=named)
            return SymbolHistory(symbol, _trim(bars, start, end), meta), False
        bars = _stock_bars(raw, lot=A_SHARE_LOT if kind == "a" else 1.0)
        if bars.empty:
            return SymbolHistory(symbol, bars, self._meta(symbol)), False
        qfq, failure, tries = self._with_retries(ak, kind, code, lead, "qfq")
        if qfq is None:
            assert failure is not None
            return failed(failure, tries)
        bars, readable = _with_actions(bars, qfq)
        unread = None if readable else "adjustment events could not be read from EastMoney"
        meta = self._meta(symbol, detail=unread, flat=not readable, derived=readable)
        return SymbolHistory(symbol, _trim(bars, start, end), meta), False


def _words(why: Reason) -> str:
    """The console's words for a failure: the source named "AkShare"."""
    return why.plain({AkshareSource.name: AkshareSource.label})


class _CallFailed(Exception):
    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.text)
        self.failure = failure


def _stock_bars(frame: pd.DataFrame, *, lot: float) -> pd.DataFrame:
    """AkShare's Chinese columns -> the contract (adj_close, actions filled in later)."""
    import pandas as pd

    from concepttrack.prices.frame import conform_bars, empty_bars

    needed = ("日期", "开盘", "收盘", "最高", "最低", "成交量")
    if any(column not in frame.columns for column in needed):
        return empty_bars()
    index = pd.DatetimeIndex(pd.to_datetime(frame["日期"], errors="coerce"))
    out = pd.DataFrame(
        {
            "open": pd.to_numeric(frame["开盘"], errors="coerce").to_numpy(),
            "high": pd.to_numeric(frame["最高"], errors="coerce").to_numpy(),
            "low": pd.to_numeric(frame["最低"], errors="coerce").to_numpy(),
            "close": pd.to_numeric(frame["收盘"], errors="coerce").to_numpy(),
            "volume": pd.to_numeric(frame["成交量"], errors="coerce").to_numpy() * lot,
        },
        index=index,
    )
    out = out[out.index.notna()]
    bars = conform_bars(out)
    bars["adj_close"] = bars["close"]
    return bars


def _index_bars(
    frame: pd.DataFrame,
    *,
    date: str = "date",
    close: str = "latest",
    open_: str = "open",
    high: str = "high",
    low: str = "low",
) -> pd.DataFrame:
    """``stock_hk_index_daily_em``'s columns (``date open high low latest``), or
    ``forex_hist_em``'s (``日期 今开 最高 最低 最新价``) -> contract (no volume)."""
    import pandas as pd

    from concepttrack.prices.frame import conform_bars, empty_bars

    if any(column not in frame.columns for column in (date, close, open_, high, low)):
        return empty_bars()
    index = pd.DatetimeIndex(pd.to_datetime(frame[date], errors="coerce"))
    closes = pd.to_numeric(frame[close], errors="coerce").to_numpy()
    out = pd.DataFrame(
        {
            "open": pd.to_numeric(frame[open_], errors="coerce").to_numpy(),
            "high": pd.to_numeric(frame[high], errors="coerce").to_numpy(),
            "low": pd.to_numeric(frame[low], errors="coerce").to_numpy(),
            "close": closes,
            "adj_close": closes,
        },
        index=index,
    )
    return conform_bars(out[out.index.notna()])


def _with_actions(bars: pd.DataFrame, qfq_frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Bars with dividends, splits and adj_close from the forward-adjusted series."""
    import pandas as pd

    from concepttrack.prices.adjust import adjusted_close

    adjusted = _stock_bars(qfq_frame, lot=1.0)
    common = bars.index.intersection(adjusted.index)
    if len(common) != len(bars.index):
        # The two answers cover different sessions: claim no actions.
        return bars, False
    close = [float(v) for v in bars.loc[common, "close"]]
    qfq = [float(v) for v in adjusted.loc[common, "close"]]
    days = [pd.Timestamp(d).date() for d in common]
    actions = infer_actions(days, close, qfq)
    if not actions.readable:
        return bars, False
    out = bars.copy()
    dividends = [0.0] * len(common)
    splits = [0.0] * len(common)
    for i, cash in actions.dividends.items():
        dividends[i] = cash
    for i, ratio in actions.splits.items():
        splits[i] = ratio
        # EastMoney's cash is per share held before the bonus shares; the price layer's
        # dividends (as Yahoo's) are per share after it.
        dividends[i] /= ratio
    out["dividends"] = dividends
    out["splits"] = splits
    # The one adjustment method of the price layer (closes here are not split-adjusted).
    out["adj_close"] = adjusted_close(out, split_adjusted=False).to_numpy()
    return out, True


def _trim(bars: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    import pandas as pd

    mask = (bars.index >= pd.Timestamp(start)) & (bars.index <= pd.Timestamp(end))
    return bars[mask]
