"""What people type for a stock, mapped to the Yahoo symbol, its market and currency.

HKEX codes are five digits on the exchange (``09888``) but Yahoo wants at least
four with a ``.HK`` suffix (``9888.HK``, ``0700.HK``); codes of 10000 and above stay
five digits (``80737.HK``). Mainland A-shares (``600519.SS``, ``000001.SZ``), US
tickers (``NVDA``) and indices (``^HSI``) pass through unchanged.

Currencies: HKEX symbols trade in HKD, ``.SS``/``.SZ`` in CNY, everything else in USD
(:func:`currency_of`). FX pairs are named as Yahoo names them (:func:`fx_symbol`):
``CNYHKD=X`` is the price of one CNY in HKD; they trade on weekdays and are measured
on the New York calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from concepttrack.errors import UsageError

_HK_BARE = re.compile(r"^(?:HK)?0*(\d{1,5})(?:\.HK)?$", re.IGNORECASE)
_A_SHARE = re.compile(r"^(\d{6})\.(SS|SZ)$", re.IGNORECASE)
_INDEX = re.compile(r"^\^[A-Z0-9.]{1,15}$", re.IGNORECASE)
_OTHER = re.compile(r"^[A-Z][A-Z0-9.\-]{0,14}$", re.IGNORECASE)

#: Hong Kong indices that trade on the HKEX calendar.
HK_INDICES = frozenset({"^HSI", "^HSCE", "^HSTECH", "^HSCC", "^HSNF", "^HSNU", "^HSNP", "^HSNC"})
#: Mainland indices on the Shanghai calendar.
CN_INDICES = frozenset({"000001.SS", "000300.SS", "399001.SZ", "399006.SZ"})


@dataclass(frozen=True)
class Market:
    """Where a symbol trades: exchange-calendars code, timezone and currency."""

    exchange: str
    timezone: str
    currency: str


HKEX = Market("XHKG", "Asia/Hong_Kong", "HKD")
SSE = Market("XSHG", "Asia/Shanghai", "CNY")
NYSE = Market("XNYS", "America/New_York", "USD")
#: The exchanges (exchange-calendars codes) a theme's ``calendar:`` may name.
EXCHANGES = frozenset(market.exchange for market in (HKEX, SSE, NYSE))


def to_yahoo(code: str) -> str:
    """Map what a user typed (``09888``, ``9888``, ``9888.HK``, ``^HSI``) to the Yahoo symbol."""
    text = code.strip()
    if not text:
        raise UsageError("empty stock code", hint="Give an HKEX code such as 00700 or 0700.HK.")
    if text.isdigit() and len(text) > 5:
        raise UsageError(
            f"{code!r} has {len(text)} digits: HKEX codes have at most 5",
            hint="For a mainland A-share add the exchange suffix, e.g. 600519.SS or 000001.SZ.",
        )
    hk = _HK_BARE.match(text)
    if hk and (text.upper().endswith(".HK") or text.isdigit() or text.upper().startswith("HK")):
        number = int(hk.group(1))
        if number == 0:
            raise UsageError(f"{code!r} is not a valid HKEX code")
        return f"{number:04d}.HK"
    a_share = _A_SHARE.match(text)
    if a_share:
        return f"{a_share.group(1)}.{a_share.group(2).upper()}"
    if _INDEX.match(text):
        return text.upper()
    if _OTHER.match(text):
        return text.upper()
    raise UsageError(
        f"{code!r} is not a stock code concepttrack understands",
        hint="Use an HKEX code (00700, 0700.HK), an A-share (600519.SS), "
        "a US ticker or an index (^HSI).",
    )


def is_hk(symbol: str) -> bool:
    """True for a Hong Kong listed Yahoo symbol (``0700.HK``)."""
    return symbol.upper().endswith(".HK")


def hkex_code(symbol: str) -> str:
    """The code a Hong Kong reader expects: five digits for HK stocks, the symbol otherwise."""
    if is_hk(symbol):
        return f"{int(symbol[:-3]):05d}"
    return symbol


_FX = re.compile(r"^([A-Z]{3})([A-Z]{3})=X$")


def fx_symbol(base: str, quote: str) -> str:
    """Yahoo's name for the price of one ``base`` in ``quote``: ``fx_symbol("CNY", "HKD")``
    is ``CNYHKD=X``."""
    return f"{base.upper()}{quote.upper()}=X"


def is_fx(symbol: str) -> bool:
    """True for a Yahoo FX pair (``CNYHKD=X``)."""
    return _FX.match(symbol.upper()) is not None


def currency_of(symbol: str) -> str:
    """The currency a symbol's prices are in: HKD, CNY or USD (an FX pair: its quote)."""
    return market_of(symbol).currency


def market_of(symbol: str) -> Market:
    """The market a Yahoo symbol trades on, for its calendar, timezone and currency."""
    upper = symbol.upper()
    fx = _FX.match(upper)
    if fx:
        return Market("XNYS", "Europe/London", fx.group(2))
    if is_hk(upper) or upper in HK_INDICES:
        return HKEX
    if upper.endswith((".SS", ".SZ")) or upper in CN_INDICES:
        return SSE
    return NYSE
