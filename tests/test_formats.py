"""The number policy (render/formats.py): one style per language, worked by hand.

Each expected string is written from the rule in the module docstring, not from the
code: English amounts keep three significant figures with CLDR ``en_GB`` units
(807e6 -> 807m; 1.98e9 -> 1.98bn; 10.74e9 -> 10.7bn), Chinese amounts four significant
figures, at most two decimals, in 萬/億/萬億 (Hong Kong) or 万/亿/万亿 (mainland):
807e6 = 8.07億, 1.074e10 = 107.4億. The last tests render a demo note in the three
languages and check that it uses one amount style and one t style only.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from concepttrack.render.formats import MINUS, MISSING, formats_for

EN, HK, CN = formats_for("en"), formats_for("zh-hk"), formats_for("zh-cn")


# --- amounts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "en", "hk", "cn"),
    [
        (807e6, "HK$807m", "8.07億港元", "8.07亿港元"),
        (1.98e9, "HK$1.98bn", "19.8億港元", "19.8亿港元"),
        (10.74e9, "HK$10.7bn", "107.4億港元", "107.4亿港元"),
        (10.736e9, "HK$10.7bn", "107.4億港元", "107.4亿港元"),  # 107.36億 -> 107.4億
        # 761,234,567: three figures in English (761m), four capped at two decimals in
        # Chinese (7.612 -> 7.61億).
        (761_234_567, "HK$761m", "7.61億港元", "7.61亿港元"),
        # Trailing zeros dropped: 220m = 2.20億 -> 2.2億.
        (220e6, "HK$220m", "2.2億港元", "2.2亿港元"),
        # 18.2m = 1820萬 (a 萬 figure has up to four digits).
        (18.2e6, "HK$18.2m", "1820萬港元", "1820万港元"),
        # 10^12: Hong Kong 萬億, never Taiwan's 兆; the mainland 万亿.
        (1.51e12, "HK$1.51tn", "1.51萬億港元", "1.51万亿港元"),
        # Rounding up crosses into the next unit: 99,996,000 = 9999.6萬 -> 1億; 99.996m
        # -> 100m.
        (99_996_000, "HK$100m", "1億港元", "1亿港元"),
        (-3.2e9, f"{MINUS}HK$3.2bn", f"{MINUS}32億港元", f"{MINUS}32亿港元"),
    ],
)
def test_amounts_one_style_per_language(value: float, en: str, hk: str, cn: str) -> None:
    assert EN.amount(value, "HKD") == en
    assert HK.amount(value, "HKD") == hk
    assert CN.amount(value, "HKD") == cn


def test_amounts_in_other_currencies_and_without_one() -> None:
    assert EN.amount(2.5e9, "CNY") == "CN¥2.5bn"
    assert EN.amount(7.5e7, "USD") == "US$75m"  # a Hong Kong reader's US$, not $
    assert EN.amount(12_345, "SGD") == "SGD 12.3k"  # no CLDR symbol: the code and a space
    assert HK.amount(7.5e7, "USD") == "7500萬美元"
    assert CN.amount(2.5e9, "CNY") == "25亿人民币"
    assert EN.amount(76_200) == "76.2k"
    assert HK.amount(76_200) == "7.62萬"
    assert EN.amount(None, "HKD") == HK.amount(None) == MISSING


# --- prices and currencies ------------------------------------------------------------


def test_prices_carry_the_same_currency_presentation_as_amounts() -> None:
    assert EN.price(87.6, "HKD") == "HK$87.60"
    assert EN.price(16_541.42) == "16,541.42"  # an index level has no currency
    assert HK.price(87.6, "HKD") == "87.60港元"
    assert CN.price(1234.5, "USD") == "1,234.50美元"
    assert EN.price(None, "HKD") == MISSING
    # Sign before figure in English, name after it in Chinese, for prices and amounts.
    assert EN.price(83.45, "HKD").startswith(EN.currency_sign("HKD"))
    assert EN.amount(807e6, "HKD").startswith(EN.currency_sign("HKD"))
    assert HK.price(83.45, "HKD").endswith(HK.currency_sign("HKD"))
    assert HK.amount(807e6, "HKD").endswith(HK.currency_sign("HKD"))
    # A currency named in words: the ISO code in English, CLDR's name in Chinese.
    assert (EN.currency_name("HKD"), HK.currency_name("HKD"), CN.currency_name("CNY")) == (
        "HKD",
        "港元",
        "人民币",
    )


# --- percentages, percentage points, t, significance, counts --------------------------


def test_percentages_and_percentage_points() -> None:
    for fmt in (EN, HK, CN):
        assert fmt.pct(0.032) == "+3.2%"
        assert fmt.pct(-0.0151) == f"{MINUS}1.5%"
        assert fmt.pct(-0.0004) == "0.0%"  # rounds to zero: no sign
        assert fmt.pct(1.5) == "+150.0%"
        assert fmt.pct(12.3456) == "+1,234.6%"
        assert fmt.pct_abs(-0.032) == "3.2%"
        assert fmt.share(0.25) == "25.0%"
        assert fmt.pct(None) == MISSING
        assert fmt.pct(0.1, decimals=0) == "+10%"  # a chart's axis tick
        assert fmt.pct(0.0, decimals=0) == "0%"
    assert EN.pp(0.011) == "+1.1 pp"
    assert EN.pp(-0.0234) == f"{MINUS}2.3 pp"
    assert HK.pp(0.011) == CN.pp(0.011) == "+1.1"  # the heading names the unit
    assert EN.pp_abs(-0.011) == "1.1 pp"
    assert HK.pp_abs(-0.011) == "1.1個百分點"
    assert CN.pp_words(-0.011) == f"{MINUS}1.1个百分点"


def test_t_statistic_one_style_per_language() -> None:
    assert EN.t(-0.4312) == f"t = {MINUS}0.43"
    assert EN.t(1.3) == "t = 1.30"
    assert HK.t(-0.4312) == CN.t(-0.4312) == f"t值{MINUS}0.43"
    assert EN.t(None) == f"t = {MISSING}"


def test_significance_level_has_no_space_before_the_percent_sign() -> None:
    assert EN.significance() == HK.significance() == CN.significance() == "5%"
    assert EN.significance(0.01) == "1%"


def test_counts_of_stocks_not_percentages() -> None:
    assert EN.count(3, 4) == "3 of 4"
    assert HK.count(3, 4) == "4隻中3隻"
    assert CN.count(3, 4) == "4只中3只"


def test_the_fast_layout_is_the_cldr_layout() -> None:
    """Python's grouping is used only where it gives what Babel's CLDR pattern gives."""
    from decimal import Decimal

    from concepttrack.languages import get_language
    from concepttrack.render.formats import Formats, _pattern

    for fmt in (EN, HK, CN):
        assert fmt._plain
        slow = Formats(get_language(fmt.language.code))
        slow._plain = False
        for value in (0.0, 0.004, -0.0151, 12.3456, 1234.5678, -98765.4321):
            assert slow.pct(value) == fmt.pct(value)
            assert slow.number(value) == fmt.number(value)
            assert slow.ratio(value, 4) == fmt.ratio(value, 4)
    assert _pattern(2).apply(Decimal("1234.5"), "de_DE") == "1.234,50"  # a locale that is not


def test_plain_numbers_and_ratios() -> None:
    assert EN.number(16_500.5) == HK.number(16_500.5) == "16,500.50"
    assert EN.number(1_234_567, 0) == "1,234,567"
    assert EN.ratio(1.2345) == "1.23"
    assert EN.ratio(-0.5) == f"{MINUS}0.50"
    assert EN.ratio(-0.001) == f"{MINUS}0.00"  # a ratio keeps the sign it rounds from
    assert EN.ratio(None) == MISSING


# --- a whole note: one amount style and one t style ---------------------------------

#: An amount with its currency as any language might write it (Markdown escapes ``$``).
_AMOUNT = {
    "en": re.compile(r"(?:[A-Z]{2}\\?\$|[A-Z]{3} )\d[\d.,]*\s?(?:k|m|bn|tn|K|M|B|T)\b"),
    "zh": re.compile(r"\d[\d.,]*(?:萬億|万亿|兆|萬|億|万|亿)(?:港元|港幣|美元|人民幣|人民币)"),
}
_AMOUNT_STYLE = {
    "en": re.compile(r"HK\\?\$\d{1,3}(?:\.\d{1,2})?(?:k|m|bn|tn)"),
    "zh-hk": re.compile(r"\d{1,4}(?:\.\d{1,2})?(?:萬億|萬|億)港元"),
    "zh-cn": re.compile(r"\d{1,4}(?:\.\d{1,2})?(?:万亿|万|亿)港元"),
}
#: A t-statistic's value, in any style: ``t = −0.43``, ``t −0.43``, ``t值為−0.43`` ...
#: (not the event bar ``t0``).
_T_VALUE = re.compile(r"(?<![A-Za-z])t(?:值\s*[=為为]?\s*|\s*=\s*|\s+)[−+-]?\d")
_T_STYLE = {
    "en": re.compile(r"t = [−]?\d"),
    "zh-hk": re.compile(r"t值[−]?\d"),
    "zh-cn": re.compile(r"t值[−]?\d"),
}


@pytest.fixture(scope="module")
def demo_notes() -> Iterator[dict[str, str]]:
    """The demo Sora note in en, zh-hk and zh-cn (Markdown only)."""
    from concepttrack import pipeline
    from concepttrack.themes import load_themes
    from tests.conftest import REPO

    book = load_themes(REPO / "themes.yaml")
    theme = book.get("sora-compute")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        options = pipeline.RunOptions(
            formats=("md",),
            out_dir=root / "reports",
            source="demo",
            cache_path=root / "cache.sqlite",
            languages=("en", "zh-hk", "zh-cn"),
            book_languages=tuple(book.languages),
        )
        result = pipeline.run([theme], options)
        assert result.exit_code == 0, result.outcomes
        folder = root / "reports" / theme.id
        dated = [p for p in folder.glob("*.md") if not p.name.startswith("latest")]
        found = {}
        for path in dated:
            lang = next((code for code in ("zh-hk", "zh-cn") if f".{code}." in path.name), "en")
            found[lang] = path.read_text("utf-8")
        assert sorted(found) == ["en", "zh-cn", "zh-hk"]
        yield found


@pytest.mark.parametrize("lang", ["en", "zh-hk", "zh-cn"])
def test_a_note_uses_one_amount_style(demo_notes: dict[str, str], lang: str) -> None:
    text = demo_notes[lang]
    amounts = _AMOUNT["zh" if lang != "en" else "en"].findall(text)
    assert amounts, "the demo note shows turnover"
    assert [a for a in amounts if not _AMOUNT_STYLE[lang].fullmatch(a)] == []
    assert "兆" not in text
    if lang == "en":
        assert not re.search(r"\b[A-Z]{3} \d[\d.,]*[KMBT]\b", text)  # no "HKD 807M"


@pytest.mark.parametrize("lang", ["en", "zh-hk", "zh-cn"])
def test_a_note_uses_one_t_style(demo_notes: dict[str, str], lang: str) -> None:
    text = demo_notes[lang]
    values = [m.group(0) for m in _T_VALUE.finditer(text)]
    assert values, "the demo note shows t-statistics"
    assert [v for v in values if not _T_STYLE[lang].fullmatch(v)] == []


@pytest.mark.parametrize("lang", ["en", "zh-hk", "zh-cn"])
def test_a_note_writes_the_significance_level_like_every_percentage(
    demo_notes: dict[str, str], lang: str
) -> None:
    text = demo_notes[lang]
    assert not re.search(r"\d %", text)
    assert "5%" in text


@pytest.mark.parametrize(
    ("lang", "pattern"),
    [
        ("en", r"\d of \d above the 20-day MA · \d of \d above the 50-day MA"),
        ("zh-hk", r"\d隻中\d隻高於20日線"),
        ("zh-cn", r"\d只中\d只高于20日线"),
    ],
)
def test_a_note_counts_the_stocks_above_their_averages(
    demo_notes: dict[str, str], lang: str, pattern: str
) -> None:
    text = demo_notes[lang]
    assert re.search(pattern, text)
    assert not re.search(r"%\s*(?:above (?:the )?20-day|高於20日線|高于20日线)", text)


@pytest.mark.parametrize("lang", ["en", "zh-hk", "zh-cn"])
def test_a_note_writes_prices_like_its_amounts(demo_notes: dict[str, str], lang: str) -> None:
    text = demo_notes[lang]
    assert not re.search(r"\bHKD (?:adj\. )?\d", text)  # "HKD 83.45" next to "HK$807m"
    if lang == "en":
        assert re.search(r"\| HK\\\$\d+\.\d\d(?: adj\.)? \|", text)
    else:
        assert re.search(r"\| \d+\.\d\d港元(?:（[^）]+）)? \|", text)
