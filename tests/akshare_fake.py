"""A fake EastMoney for AkShare: answers served through ``requests``' real machinery.

AkShare's functions build their URL and parameters, call ``requests.get`` (or a
``requests.Session`` through ``akshare.utils.request.request_with_retry``) and parse the
JSON as EastMoney sends it. :func:`install` replaces only the transport,
``requests.adapters.HTTPAdapter.send``, so everything above it runs for real (parameter
encoding, sessions, hooks, AkShare's parsing) and nothing can leave the machine.

The bodies follow EastMoney's shapes as AkShare 1.19 reads them:

* kline (``push2his.eastmoney.com/api/qt/stock/kline/get``, ``secid=116.00941`` for a
  HK stock, ``1.600941`` / ``0.000063`` for A-shares, ``100.HSI`` for an index;
  ``fqt`` 0 traded, 1 forward-adjusted, 2 backward-adjusted): ``{"rc": 0, "data":
  {"code", "market", "name", "decimal", "dktotal", "preKPrice", "klines": [...]}}``
  with each kline ``"2024-02-16,open,close,high,low,volume,amount,amplitude,pct,change,
  turnover"`` (stocks, fields f51-f61) or 14 fields (indices and FX pairs, f51-f64,
  ``secid=133.CNHHKD`` for ``forex_hist_em``); a code EastMoney
  does not know answers ``"data": null``.
* the HK index list (``push2.eastmoney.com/api/qt/clist/get``, ``fs=m:124,m:125,m:305``)
  that ``stock_hk_index_daily_em`` reads the index's market number from:
  ``{"rc": 0, "data": {"total": n, "diff": [{"f12": "HSI", "f13": 100, ...}]}}``.

Forward-adjusted klines are made from the traded bars and the :class:`Action` list with
EastMoney's ex-right reference formula (``(p - D) / r`` for every price before an
ex-date), rounded to the quote's decimals. Other helpers can serve further endpoints
(Stock Connect holdings, the A+H list …) with :meth:`EastMoneyFake.route`.

Use::

    fake = EastMoneyFake()
    fake.add_stock("0941.HK", bars, actions=[Action(day, dividend=2.53)])
    install(monkeypatch, fake)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

KLINE_PATH = "/api/qt/stock/kline/get"
CLIST_PATH = "/api/qt/clist/get"
#: EastMoney's index market numbers (what the HK index list carries in ``f13``).
INDEX_MARKETS = {"HSI": 100, "HSCEI": 100, "HSTECH": 124}
INDEX_NAMES = {"HSI": "恒生指数", "HSCEI": "国企指数", "HSTECH": "恒生科技指数"}


@dataclass(frozen=True)
class Bar:
    """One traded daily bar (EastMoney's unadjusted kline)."""

    day: dt.date
    open: float
    close: float
    high: float
    low: float
    #: Shares for HK, lots of 100 shares for A-shares (as EastMoney counts).
    volume: int


@dataclass(frozen=True)
class Action:
    """A corporate action going ex on ``day``: cash per share and share ratio."""

    day: dt.date
    dividend: float = 0.0
    ratio: float = 1.0


@dataclass
class Listing:
    """One security the fake knows: its EastMoney code, market, name and bars."""

    code: str
    market: int
    name: str
    bars: list[Bar]
    actions: list[Action] = field(default_factory=list)
    decimals: int = 3
    #: An index or an FX pair: 14-field klines, no actions.
    index: bool = False
    #: An FX pair (not in the HK index list).
    fx: bool = False

    def adjusted(self, fqt: str) -> list[Bar]:
        """Traded bars (``0``) or forward-adjusted ones (``1``)."""
        if fqt in ("", "0") or self.index or not self.actions:
            return list(self.bars)
        if fqt != "1":
            raise AssertionError(f"the fake serves fqt 0 and 1, not {fqt!r}")
        out = []
        for bar in self.bars:
            later = sorted((a for a in self.actions if a.day > bar.day), key=lambda a: a.day)

            def adjust(price: float, later: list[Action] = later) -> float:
                for action in later:
                    price = (price - action.dividend) / action.ratio
                return round(price, self.decimals)

            out.append(
                Bar(
                    bar.day,
                    adjust(bar.open),
                    adjust(bar.close),
                    adjust(bar.high),
                    adjust(bar.low),
                    bar.volume,
                )
            )
        return out

    def klines(self, fqt: str, beg: str | None, end: str | None) -> list[str]:
        lines = []
        previous: float | None = None
        for bar in self.adjusted(fqt):
            stamp = bar.day.strftime("%Y%m%d")
            if (beg and stamp < beg) or (end and stamp > end):
                previous = bar.close
                continue
            base = previous if previous else bar.open
            change = bar.close - base
            pct = 100.0 * change / base if base else 0.0
            amplitude = 100.0 * (bar.high - bar.low) / base if base else 0.0
            amount = bar.volume * bar.close * (100 if self.market in (0, 1) else 1)
            f = f"{{:.{self.decimals}f}}"
            prices = [f.format(v) for v in (bar.open, bar.close, bar.high, bar.low)]
            if self.index:
                tail = [f"{bar.volume}", f"{amount:.1f}", f"{amplitude:.2f}", f"{pct:.2f}"]
                tail += [f.format(change), "0.00", "0", "0", "0"]
            else:
                tail = [
                    f"{bar.volume}",
                    f"{amount:.3f}",
                    f"{amplitude:.2f}",
                    f"{pct:.2f}",
                    f.format(change),
                    "0.12",
                ]
            lines.append(",".join([bar.day.isoformat(), *prices, *tail]))
            previous = bar.close
        return lines


#: ``responder(params) -> (status, body)``; a body that is not bytes is sent as JSON.
Responder = Callable[[dict[str, str]], tuple[int, Any]]


@dataclass
class EastMoneyFake:
    """EastMoney's answers from memory, by URL path and ``secid``."""

    listings: dict[str, Listing] = field(default_factory=dict)
    #: Every request seen: (URL without query, parameters).
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: Raise this instead of answering (a network failure), for every request.
    error: BaseException | None = None
    #: Answer every request with this HTTP status and an HTML body (429, 503 …).
    status: int | None = None
    #: Extra endpoints: (URL substring, responder), checked before the built-in ones.
    routes: list[tuple[str, Responder]] = field(default_factory=list)

    # --- what the fake knows ---------------------------------------------------------

    def add_stock(
        self,
        symbol: str,
        bars: Sequence[Bar],
        *,
        name: str = "",
        actions: Sequence[Action] = (),
    ) -> Listing:
        """A HK stock (``0941.HK``) or an A-share (``600941.SS``, ``000063.SZ``)."""
        upper = symbol.upper()
        if upper.endswith(".HK"):
            listing = Listing(f"{int(upper[:-3]):05d}", 116, name, list(bars), list(actions), 3)
        else:
            code = upper.split(".")[0]
            market = 1 if code.startswith("6") else 0
            listing = Listing(code, market, name, list(bars), list(actions), 2)
        self.listings[f"{listing.market}.{listing.code}"] = listing
        return listing

    def add_index(self, code: str, bars: Sequence[Bar]) -> Listing:
        """A HK index by EastMoney's code (``HSI``)."""
        market = INDEX_MARKETS[code]
        listing = Listing(code, market, INDEX_NAMES.get(code, code), list(bars), [], 2, True)
        self.listings[f"{market}.{code}"] = listing
        return listing

    def add_fx(self, code: str, bars: Sequence[Bar]) -> Listing:
        """An FX pair by EastMoney's code (``CNHHKD``, market 133), as ``forex_hist_em``
        asks for it."""
        from akshare.forex.cons import symbol_market_map

        market = symbol_market_map[code]
        listing = Listing(code, market, code, list(bars), [], 4, True, True)
        self.listings[f"{market}.{code}"] = listing
        return listing

    def route(self, url_part: str, responder: Responder) -> None:
        """Serve requests whose URL contains ``url_part`` with ``responder``."""
        self.routes.append((url_part, responder))

    # --- answering ---------------------------------------------------------------------

    def answer(self, url: str, params: dict[str, str]) -> tuple[int, Any]:
        for part, responder in self.routes:
            if part in url:
                return responder(params)
        path = urlsplit(url).path
        if path == KLINE_PATH:
            return 200, self._kline(params)
        if path == CLIST_PATH and params.get("fs") == "m:124,m:125,m:305":
            return 200, self._index_list()
        return 404, b"<html><body>404 Not Found</body></html>"

    def _kline(self, params: dict[str, str]) -> dict[str, Any]:
        listing = self.listings.get(params.get("secid", ""))
        envelope: dict[str, Any] = {
            "rc": 0,
            "rt": 17,
            "svr": 181669437,
            "lt": 1,
            "full": 0,
            "dlmkts": "",
        }
        if listing is None:
            envelope["data"] = None
            return envelope
        klines = listing.klines(params.get("fqt", "0"), params.get("beg"), params.get("end"))
        first = listing.bars[0].close if listing.bars else 0.0
        envelope["data"] = {
            "code": listing.code,
            "market": listing.market,
            "name": listing.name,
            "decimal": listing.decimals,
            "dktotal": len(listing.bars),
            "preKPrice": first,
            "klines": klines,
        }
        return envelope

    def _index_list(self) -> dict[str, Any]:
        diff = []
        for listing in self.listings.values():
            if not listing.index or listing.fx:
                continue
            last = listing.bars[-1]
            diff.append(
                {
                    "f1": 2,
                    "f2": last.close,
                    "f3": 0.5,
                    "f4": 1.0,
                    "f5": last.volume,
                    "f6": 1.0e9,
                    "f12": listing.code,
                    "f13": listing.market,
                    "f14": listing.name,
                    "f15": last.high,
                    "f16": last.low,
                    "f17": last.open,
                    "f18": last.close,
                }
            )
        return {"rc": 0, "rt": 6, "data": {"total": len(diff), "diff": diff}}

    def send(self, request: requests.PreparedRequest) -> requests.Response:
        url = request.url or ""
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self.requests.append((base, params))
        if self.error is not None:
            raise self.error
        if self.status is not None:
            status, body = self.status, b"<html><body>Too busy</body></html>"
        else:
            status, body = self.answer(base, params)
        response = requests.Response()
        response.status_code = status
        response._content = (
            body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        )
        response.headers["Content-Type"] = (
            "text/html" if isinstance(body, bytes) else "application/json; charset=UTF-8"
        )
        response.encoding = "utf-8"
        response.url = url
        response.request = request
        response.reason = "OK" if status == 200 else "Error"
        return response

    def kline_requests(self) -> list[dict[str, str]]:
        return [params for base, params in self.requests if base.endswith(KLINE_PATH)]


def install(monkeypatch: pytest.MonkeyPatch, fake: EastMoneyFake) -> EastMoneyFake:
    """Route every ``requests`` call through ``fake`` for the test (and forget AkShare's
    cached HK index list, so each test sees its own)."""

    def send(adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        return fake.send(request)

    monkeypatch.setattr(HTTPAdapter, "send", send)
    from akshare.index import index_stock_hk

    index_stock_hk._symbol_code_dict.cache_clear()
    return fake


def zigzag_bars(
    days: Sequence[dt.date],
    start: float,
    *,
    step: float = 0.05,
    volume: int = 1_000_000,
    decimals: int = 3,
) -> list[Bar]:
    """A deterministic zig-zag of traded bars on ``days`` (HK: 3 decimals, A: 2)."""
    out = []
    price = start
    for i, day in enumerate(days):
        price = round(price + step * ((i % 5) - 2) + step * (i % 3) / 2, decimals)
        out.append(
            Bar(
                day,
                round(price - step, decimals),
                price,
                round(price + 2 * step, decimals),
                round(price - 2 * step, decimals),
                volume + 1000 * i,
            )
        )
    return out


def trading_days(exchange: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """The exchange's sessions in ``[start, end]`` as dates."""
    from concepttrack.calendar import sessions

    return [day.date() for day in sessions(exchange, start, end)]
