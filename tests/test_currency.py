"""One currency per basket: symbols' currencies, FX pairs, theme keys, hand-computed FX basket."""

from __future__ import annotations

import datetime as dt
import textwrap

import pandas as pd
import pytest

from concepttrack.analytics.basket import build_basket, contributions
from concepttrack.analytics.valuation import aggregates, to_theme_currency
from concepttrack.errors import ThemesFileError
from concepttrack.symbols import currency_of, fx_symbol, is_fx, market_of
from concepttrack.themes import all_symbols, parse_themes
from tests.conftest import REPO

MON, TUE, WED, THU = (dt.date(2024, 3, d) for d in (4, 5, 6, 7))


def _series(values: dict[dt.date, float]) -> pd.Series:
    return pd.Series(
        list(values.values()),
        index=pd.DatetimeIndex([pd.Timestamp(d) for d in values], name="session"),
        dtype="float64",
    )


def test_symbol_currencies_and_fx_names() -> None:
    assert [currency_of(s) for s in ("0700.HK", "600519.SS", "000001.SZ", "NVDA", "^HSI")] == [
        "HKD",
        "CNY",
        "CNY",
        "USD",
        "HKD",
    ]
    assert fx_symbol("cny", "HKD") == "CNYHKD=X"
    assert is_fx("USDHKD=X")
    assert not is_fx("0700.HK")
    assert currency_of("CNYHKD=X") == "HKD"  # an FX close is HKD per CNY
    assert market_of("CNYHKD=X").exchange == "XNYS"


def test_basket_in_theme_currency_by_hand() -> None:
    """An HKD stock and a CNY A-share, equal weights, measured in HKD.

    The A-share market is shut on Wednesday and the FX pair has no Thursday close, so
    both are carried: on Wednesday only the FX rate moves the A-share's value.
    """
    sessions = pd.DatetimeIndex([pd.Timestamp(d) for d in (MON, TUE, WED, THU)], name="session")
    hk = _series({MON: 10.0, TUE: 11.0, WED: 12.0, THU: 12.6})
    a_share = _series({MON: 20.0, TUE: 21.0, THU: 22.0})
    cnyhkd = _series({MON: 1.10, TUE: 1.10, WED: 1.12})

    basket = build_basket(
        {"H.HK": hk, "A.SS": a_share},
        {"H.HK": 0.5, "A.SS": 0.5},
        sessions,
        TUE,  # the event: base is Monday's close
        fx={"A.SS": cnyhkd},
    )

    # Base values: H 10, A 20 * 1.10 = 22 HKD; shares n_H = 50/10 = 5, n_A = 50/22.
    assert basket.base_session == MON
    assert basket.shares["H.HK"] == pytest.approx(5.0)
    assert basket.shares["A.SS"] == pytest.approx(50 / 22)
    # Tue 5*11 + 50/22*21*1.10 = 55 + 52.5; Wed 60 + 50/22*21*1.12; Thu 63 + 50/22*22*1.12.
    assert basket.level.tolist() == pytest.approx([100.0, 107.5, 60 + 50 / 22 * 23.52, 119.0])
    assert basket.last_session == THU
    # Contributions in HKD: H 0.5 * 0.26, A 0.5 * (24.64 / 22 - 1) = 0.5 * 0.12.
    parts = contributions(basket)
    assert parts == pytest.approx({"H.HK": 0.13, "A.SS": 0.06})
    assert sum(parts.values()) == pytest.approx(0.19)


def test_a_stock_with_no_fx_close_at_the_base_is_left_out() -> None:
    sessions = pd.DatetimeIndex([pd.Timestamp(d) for d in (MON, TUE, WED)], name="session")
    basket = build_basket(
        {"H.HK": _series({MON: 10.0, TUE: 11.0}), "A.SS": _series({MON: 20.0, TUE: 21.0})},
        {"H.HK": 0.5, "A.SS": 0.5},
        sessions,
        TUE,
        fx={"A.SS": _series({TUE: 1.1})},
    )
    assert basket.weights == {"H.HK": 1.0}
    assert "no FX close" in str(basket.excluded["A.SS"])


def test_to_theme_currency_on_the_stocks_own_bars() -> None:
    a_share = _series({MON: 20.0, TUE: 21.0, THU: 22.0})
    converted = to_theme_currency(a_share, _series({MON: 1.10, WED: 1.12}))
    assert converted.tolist() == pytest.approx([22.0, 23.1, 24.64])
    assert to_theme_currency(a_share, None) is a_share


def test_aggregates_by_hand() -> None:
    # Weights 0.5 / 0.3 / 0.2; C has no P/E (a loss-maker) and no yield.
    result = aggregates(
        {"A": 0.5, "B": 0.3, "C": 0.2},
        {"A": 100.0, "B": 50.0, "C": None},
        {"A": 10.0, "B": 20.0, "C": None},
        {"A": 1.0, "B": 2.0, "C": 4.0},
        {"A": 0.04, "B": 0.02, "C": None},
    )
    assert result.market_cap == pytest.approx(150.0)
    # P/E over A and B, weights renormalised to 0.625 / 0.375: 1 / (0.0625 + 0.01875).
    assert result.trailing_pe == pytest.approx(1 / (0.625 / 10 + 0.375 / 20))
    assert result.trailing_pe == pytest.approx(12.307692307692308)
    # P/B over all: 1 / (0.5 / 1 + 0.3 / 2 + 0.2 / 4) = 1 / 0.7.
    assert result.price_to_book == pytest.approx(1 / 0.7)
    # Yield over A and B: 0.625 * 0.04 + 0.375 * 0.02 = 0.0325.
    assert result.dividend_yield == pytest.approx(0.0325)
    assert result.coverage == pytest.approx(
        {"market_cap": 0.8, "trailing_pe": 0.8, "price_to_book": 1.0, "dividend_yield": 0.8}
    )


BOOK = """\
themes:
  - id: ah-pair
    title: A+H
    thesis: Both lines.
    event: {{date: 2024-09-24, title: Stimulus}}
    stocks:
      - {{code: "06030", name: CITIC H, rationale: H shares.}}
      - {{code: "600030.SS", name: CITIC A, rationale: A shares.}}
      - {{code: NVDA, name: Nvidia, rationale: US peer.}}
{extra}
"""


def test_theme_currency_and_fx_symbols() -> None:
    theme = parse_themes(BOOK.format(extra="    currency: hkd"), "t.yaml").themes[0]
    assert theme.currency == "HKD"
    assert theme.fx_symbols == ["CNYHKD=X", "USDHKD=X"]
    assert all_symbols([theme]) == [
        "06030.HK".replace("06030", "6030"),
        "600030.SS",
        "NVDA",
        "^HSI",
        "CNYHKD=X",
        "USDHKD=X",
    ]
    usd = parse_themes(BOOK.format(extra="    currency: USD"), "t.yaml").themes[0]
    assert usd.fx_symbols == ["HKDUSD=X", "CNYUSD=X"]  # the HKD stock and the ^HSI, the A-share


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    currency: dollars", "three-letter currency code"),
        ("    weighting: custom", "weighting: custom needs a weight"),
        ("    weighting: capped\n    cap: 0.2", "cap 0.2 is too small for 3 stocks"),
        ("    weighting: cap\n    cap: 0.5", "cap applies only to weighting: capped"),
        ("    weighting: biggest", "weighting"),
    ],
)
def test_theme_weighting_and_currency_errors(extra: str, message: str) -> None:
    with pytest.raises(ThemesFileError) as info:
        parse_themes(textwrap.dedent(BOOK.format(extra=extra)), "t.yaml")
    text = "\n".join(p.format() for p in info.value.problems)
    assert "t.yaml:" in text
    assert message in text


def test_example_book_has_a_capped_and_a_two_currency_theme() -> None:
    from concepttrack.themes import load_themes

    book = load_themes(REPO / "examples" / "valuation-themes.yaml")
    capped = book.get("rate-cut-hk-banks")
    assert (capped.weighting_scheme, capped.weight_cap) == ("capped", 0.30)
    assert book.get("stimulus-ah-brokers").fx_symbols == ["CNYHKD=X"]
