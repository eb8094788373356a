"""What people type maps to one Yahoo symbol, and back to the 5-digit HKEX code."""

from __future__ import annotations

import pytest

from concepttrack.errors import UsageError
from concepttrack.symbols import HKEX, NYSE, SSE, hkex_code, market_of, to_yahoo


@pytest.mark.parametrize(
    ("typed", "symbol"),
    [
        ("09888", "9888.HK"),
        ("9888", "9888.HK"),
        ("9888.HK", "9888.HK"),
        ("9888.hk", "9888.HK"),
        ("00700", "0700.HK"),
        ("700", "0700.HK"),
        ("0700.HK", "0700.HK"),
        ("5", "0005.HK"),
        ("80737", "80737.HK"),
        ("80737.HK", "80737.HK"),
        (" 00941 ", "0941.HK"),
        ("600519.SS", "600519.SS"),
        ("000001.sz", "000001.SZ"),
        ("^HSI", "^HSI"),
        ("^hsi", "^HSI"),
        ("NVDA", "NVDA"),
        ("BRK-B", "BRK-B"),
    ],
)
def test_to_yahoo(typed: str, symbol: str) -> None:
    assert to_yahoo(typed) == symbol


@pytest.mark.parametrize(
    ("symbol", "code"),
    [("9888.HK", "09888"), ("0700.HK", "00700"), ("80737.HK", "80737"), ("^HSI", "^HSI")],
)
def test_hkex_code(symbol: str, code: str) -> None:
    assert hkex_code(symbol) == code


def test_round_trip_for_every_hk_code_shape() -> None:
    for number in (1, 5, 700, 9888, 10000, 99999):
        assert hkex_code(to_yahoo(f"{number:05d}")) == f"{number:05d}"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "empty stock code"),
        ("600519", "'600519' has 6 digits: HKEX codes have at most 5"),
        ("00000", "'00000' is not a valid HKEX code"),
        ("9888 HK", "'9888 HK' is not a stock code concepttrack understands"),
    ],
)
def test_bad_codes_are_usage_errors(typed: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        to_yahoo(typed)
    assert info.value.message == message


def test_markets() -> None:
    assert market_of("9888.HK") is HKEX
    assert market_of("^HSI") is HKEX
    assert market_of("600519.SS") is SSE
    assert market_of("000001.SZ") is SSE
    assert market_of("NVDA") is NYSE
