"""Numbers, amounts, percentages, dates and t-statistics: the one policy per language.

Every figure of a note, in every language, is written by :class:`Formats` and nowhere
else; the digits come from Python's rounding (so a figure is the same in every edition
and in the independent recomputation) and the layout — grouping, symbols, compact units,
currency signs, month names — from Babel's CLDR data, for English too.

The policy (the tests in ``tests/test_formats.py`` check each line):

* **Signs**: a true minus sign (U+2212), ``−1.5%``; a return or a difference that rounds
  to zero has no sign, ``0.0%``; a plain ratio keeps it (a beta of −0.001: ``−0.00``).
* **Returns**: signed, one decimal, no space before ``%``: ``+3.2%`` / ``−1.5%``. A share
  (a weight, a volatility) is unsigned: ``25.0%``.
* **Percentage points** (excess returns, contributions): ``+1.1 pp`` in English tables and
  prose; the Chinese tables show ``+1.1`` under a heading that names the unit
  (個百分點 / 个百分点) and the Chinese prose writes ``1.1個百分點`` / ``1.1个百分点``.
* **Currency** — one presentation per language, for prices and amounts alike:

  - English writes the CLDR currency *symbol* before the figure, as the Hong Kong press
    does (``en_GB`` symbols: HK$, US$, CN¥): a price ``HK$87.60``, an amount ``HK$807m``;
  - Chinese writes the CLDR currency *name* after it: ``87.60港元``, ``8.07億港元``.

* **Prices**: two decimals, thousands grouped: ``HK$16,541.42`` / ``16,541.42港元``; an
  index level has no currency: ``24,072.28``.
* **Amounts** (turnover, market capitalisation): compact, with CLDR's short units.

  - English: three significant figures, CLDR ``en_GB`` units k / m / bn / tn:
    ``HK$807m``, ``HK$1.98bn``, ``HK$10.7bn``, ``US$1.51tn``;
  - Chinese: the units step by 10⁴ (萬 / 億 / 萬億), so a figure in a unit has up to four
    digits: four significant figures, at most two decimals: ``8.07億港元``,
    ``19.8億港元``, ``107.4億港元``, ``1820萬``. Hong Kong writes 萬 / 億 / 萬億 (CLDR
    ``zh_Hant`` units, with Taiwan's 兆 replaced by 萬億); the mainland writes
    万 / 亿 / 万亿 (CLDR ``zh_Hans_CN``).
  - Trailing zeros are dropped, as CLDR's compact patterns do: ``HK$1.5bn``, ``2.2億``.

* **t-statistics**: two decimals, one style per language, in tables and prose alike:
  ``t = −0.43`` in English, ``t值−0.43`` in Chinese (``(t = −0.43)`` / ``（t值−0.43）``).
* **Significance level**: a percentage without decimals or space: ``5%``.
* **Counts of stocks**: ``3 of 4`` / ``4隻中3隻`` / ``4只中3只`` — a count, never a
  percentage of a handful of stocks.
* **Plain numbers and ratios** (beta, volume ratio, levels): grouped, fixed decimals:
  ``1.35``, ``16,500.50``.
* **A missing value** (``None``): an en dash, ``–`` — never 0, never guessed.
* **Dates**: ``16 Feb 2024`` in English, ``2024年2月16日`` in Chinese (CLDR ``long``),
  with the weekday (``星期五``) where the note gives one; months ``Feb 2024`` /
  ``2024年2月``.

Nothing here knows a sentence: prose lives in :mod:`concepttrack.render.prose` and the
catalogs; they receive figures already written by this module.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import Decimal
from typing import TYPE_CHECKING

from concepttrack.languages import Language, get_language
from concepttrack.render.view_base import STALE_MARK as STALE_MARK  # the mark lives once
from concepttrack.render.view_base import tone as tone  # one rule: up, down, flat, na

if TYPE_CHECKING:
    from babel.core import Locale
    from babel.numbers import NumberPattern

MISSING = "\N{EN DASH}"
MINUS = "\N{MINUS SIGN}"

#: Significant figures of a compact amount: English units step by 10^3, Chinese by 10^4.
AMOUNT_DIGITS = {"en": 3, "zh": 4}
#: Most decimals a compact amount shows (Chinese ``8.07億``).
AMOUNT_MAX_DECIMALS = 2
#: The significance level the event study tests at (two-sided; |t| > 1.96).
SIGNIFICANCE_LEVEL = 0.05


@functools.cache
def _locale(name: str) -> Locale:
    from babel.core import Locale

    return Locale.parse(name)


@functools.cache
def _pattern(decimals: int, percent: bool = False) -> NumberPattern:
    from babel.numbers import parse_pattern

    fraction = "." + "0" * decimals if decimals else ""
    return parse_pattern(f"#,##0{fraction}{'%' if percent else ''}")


@functools.cache
def _currency_name(currency: str, locale: str) -> str:
    from babel.numbers import get_currency_name

    return get_currency_name(currency, locale=_locale(locale))


@functools.cache
def _currency_symbol(currency: str, locale: str) -> str:
    from babel.numbers import get_currency_symbol

    return get_currency_symbol(currency, locale=_locale(locale))


def _rounded(value: float, decimals: int, *, zero_sign: bool = False) -> tuple[str, Decimal]:
    """The sign and size of ``value`` rounded by Python.

    A value that rounds to zero has no sign unless ``zero_sign`` (a ratio keeps it).
    """
    text = f"{value:.{decimals}f}"
    size = Decimal(text.lstrip("-"))
    if size == 0 and not zero_sign:
        return "", size
    return (MINUS if text.startswith("-") else ""), size


class Formats:
    """Formatting for one language (see the module docstring for the rules)."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.chinese = language.is_chinese
        self._numbers = _locale(language.babel_locale)
        #: True when the locale's CLDR symbols are ``,`` ``.`` ``%`` grouped by three (en,
        #: zh_Hant_HK, zh_Hans_CN): Python's own formatting then lays the digits out the
        #: same way, twenty times faster than applying the pattern.
        self._plain = (
            _pattern(2).apply(Decimal("1234567.5"), self._numbers) == "1,234,567.50"
            and _pattern(1, percent=True).apply(Decimal("12.345"), self._numbers) == "1,234.5%"
        )
        #: Percentage points: the table suffix and the prose unit.
        self.pp_suffix = "" if self.chinese else " pp"
        self.pp_unit = {"zh-hk": "個百分點", "zh-cn": "个百分点"}.get(language.code, " pp")
        #: The classifier of a count of stocks (``3隻`` / ``3只``).
        self.stock_unit = {"zh-hk": "隻", "zh-cn": "只"}.get(language.code, "")

    # --- numbers ------------------------------------------------------------------

    def _fixed(self, value: float, decimals: int, *, signed: bool = False) -> str:
        """``value`` with ``decimals`` decimals, grouped by the locale, true minus.

        Signed figures (pp) that round to zero lose their sign; plain numbers and ratios
        keep it (a beta of −0.001 is ``−0.00``).
        """
        sign, size = _rounded(value, decimals, zero_sign=not signed)
        if signed and not sign and size:
            sign = "+"
        if self._plain:
            return f"{sign}{size:,.{decimals}f}"
        return sign + str(_pattern(decimals).apply(size, self._numbers))

    def _percent(self, value: float, decimals: int = 1, *, signed: bool = False) -> str:
        sign, size = _rounded(100 * value, decimals)
        if signed and not sign and size:
            sign = "+"
        if self._plain:
            return f"{sign}{size:,.{decimals}f}%"
        return sign + str(_pattern(decimals, percent=True).apply(size / 100, self._numbers))

    def pct(self, value: float | None, decimals: int = 1) -> str:
        """A fraction as a signed percentage with one decimal: 0.032 -> ``+3.2%``.

        ``decimals=0`` for a chart's axis ticks: 0.1 -> ``+10%``, 0 -> ``0%``.
        """
        return MISSING if value is None else self._percent(value, decimals, signed=True)

    def pct_abs(self, value: float | None) -> str:
        """A fraction's size as a percentage without sign: -0.032 -> ``3.2%``."""
        return MISSING if value is None else self._percent(abs(value))

    def share(self, value: float | None) -> str:
        """A share such as a weight, unsigned with one decimal: 0.25 -> ``25.0%``."""
        return MISSING if value is None else self._percent(value)

    def pp(self, value: float | None) -> str:
        """A difference in percentage points for a table: ``+1.1 pp`` (English)."""
        if value is None:
            return MISSING
        return self._fixed(100 * value, 1, signed=True) + self.pp_suffix

    def pp_abs(self, value: float | None) -> str:
        """A difference's size in percentage points for prose: ``1.1 pp`` / ``1.1個百分點``."""
        return MISSING if value is None else self._fixed(abs(100 * value), 1) + self.pp_unit

    def pp_words(self, value: float | None) -> str:
        """A signed difference in percentage points for prose: ``+1.1 pp`` / ``+1.1個百分點``."""
        if value is None:
            return MISSING
        return self._fixed(100 * value, 1, signed=True) + self.pp_unit

    def number(self, value: float | None, decimals: int = 2) -> str:
        """A plain number with thousands separators: ``16,500.50``."""
        return MISSING if value is None else self._fixed(value, decimals)

    def ratio(self, value: float | None, decimals: int = 2) -> str:
        """A plain ratio such as beta or volume ratio: ``1.35``, ``−0.50``."""
        return MISSING if value is None else self._fixed(value, decimals)

    def t(self, value: float | None) -> str:
        """A t-statistic, labelled: ``t = −0.43`` / ``t值−0.43`` (tables and prose)."""
        number = self.ratio(value, 2)
        return f"t值{number}" if self.chinese else f"t = {number}"

    def significance(self, level: float = SIGNIFICANCE_LEVEL) -> str:
        """A significance level: 0.05 -> ``5%`` (no decimals, no space)."""
        return self._percent(level, 0)

    def count(self, part: int, whole: int) -> str:
        """A count of stocks out of a total: ``3 of 4`` / ``4隻中3隻`` / ``4只中3只``."""
        if self.chinese:
            return f"{whole}{self.stock_unit}中{part}{self.stock_unit}"
        return f"{part} of {whole}"

    # --- currencies, prices and amounts ---------------------------------------------

    def currency_name(self, currency: str) -> str:
        """A currency named in words: ``HKD`` in English, ``港元`` in Chinese (CLDR names).

        For "measured in HKD", a column heading or a basket row; a figure carries
        :meth:`currency_sign` instead.
        """
        if not self.chinese:
            return currency
        return _currency_name(currency, self.language.babel_locale)

    def currency_sign(self, currency: str) -> str:
        """What a figure carries: ``HK$`` / ``US$`` before it in English (CLDR ``en_GB``
        symbols), the currency's name ``港元`` after it in Chinese."""
        if self.chinese:
            return self.currency_name(currency)
        return _currency_symbol(currency, self.language.amount_locale)

    def with_currency(self, figure: str, currency: str | None) -> str:
        """A figure already written, with its currency: ``HK$87.60`` / ``87.60港元``.

        English puts the sign before the figure and after a minus sign (``−HK$3.2bn``),
        with a space after a bare ISO code (``SGD 12.3k``); Chinese puts the name after it.
        """
        if not currency or figure == MISSING:
            return figure
        if self.chinese:
            return f"{figure}{self.currency_sign(currency)}"
        sign = MINUS if figure.startswith(MINUS) else ""
        symbol = self.currency_sign(currency)
        if symbol.isalpha():  # no symbol in CLDR, the ISO code: ``SGD 12.3k``
            symbol += " "
        return f"{sign}{symbol}{figure.removeprefix(sign)}"

    def price(self, value: float | None, currency: str | None = None) -> str:
        """A price with two decimals and its currency: ``HK$87.60`` / ``87.60港元``."""
        if value is None:
            return MISSING
        return self.with_currency(self._fixed(value, 2), currency)

    def amount(self, value: float | None, currency: str | None = None) -> str:
        """A large amount, compact: ``HK$807m`` / ``8.07億港元`` / ``8.07亿港元``."""
        if value is None:
            return MISSING
        from babel.numbers import format_compact_decimal

        step = 4 if self.chinese else 3
        digits = AMOUNT_DIGITS["zh" if self.chinese else "en"]
        size, decimals = _compact_size(abs(value), step, digits)
        text = format_compact_decimal(
            size,
            format_type="short",
            locale=_locale(self.language.amount_locale),
            fraction_digits=decimals,
        )
        if self.language.code == "zh-hk":
            # CLDR's zh_Hant is Taiwan's usage (兆 = 10^12); Hong Kong writes 萬億.
            text = text.replace("兆", "萬億")
        if value < 0 and size:
            text = MINUS + text
        return self.with_currency(text, currency)

    def amount_change(self, value: float | None) -> str:
        """A signed change of a large count, compact: ``+12.3m`` / ``+1,230萬`` / ``−4.5m``
        (a change of Southbound's shares held); a change that rounds to zero is ``0``."""
        if value is None:
            return MISSING
        text = self.amount(value)
        return "+" + text if value > 0 and text.strip("0.,") else text

    # --- dates --------------------------------------------------------------------

    def date(self, value: dt.date | None) -> str:
        """``16 Feb 2024`` / ``2024年2月16日``; missing -> ``–``."""
        if value is None:
            return MISSING
        if not self.chinese:
            return _english_date(value)
        from babel.dates import format_date

        return format_date(value, "long", locale=self.language.babel_locale)

    def weekday(self, value: dt.date) -> str:
        """``Friday`` / ``星期五`` (CLDR wide weekday name)."""
        from babel.dates import format_date

        return format_date(value, "EEEE", locale=self.language.babel_locale)

    def date_with_weekday(self, value: dt.date) -> str:
        """``2024年3月1日（星期五）`` in Chinese; ``1 Mar 2024`` in English (as before)."""
        if not self.chinese:
            return self.date(value)
        return f"{self.date(value)}（{self.weekday(value)}）"

    def month(self, year: int, month: int) -> str:
        """``Feb 2024`` / ``2024年2月`` (CLDR skeleton yMMM)."""
        if not self.chinese:
            return f"{_MONTHS[month - 1]} {year}"
        from babel.dates import format_skeleton

        return format_skeleton("yMMM", dt.date(year, month, 1), locale=self.language.babel_locale)

    def partial_date(self, text: str) -> str:
        """A themes-book date, ``2024-02-19`` or a month ``2024-02``."""
        year, month, *day = text.split("-")
        if day:
            return self.date(dt.date(int(year), int(month), int(day[0])))
        return self.month(int(year), int(month))

    # --- lists --------------------------------------------------------------------

    def join(self, items: list[str]) -> str:
        """A list in running text: ``a, b`` / ``a、b``."""
        return ("、" if self.chinese else ", ").join(items)


#: The largest compact unit used (10^12: tn / 萬億 / 万亿).
_TOP_UNIT = 12


def _compact_size(size: float, step: int, digits: int) -> tuple[Decimal, int]:
    """``size`` rounded once to what its compact form shows, and the decimals shown.

    The unit is the largest power of ``10**step`` not above the figure (at most 10^12);
    the figure in that unit keeps ``digits`` significant figures and at most
    :data:`AMOUNT_MAX_DECIMALS` decimals. Rounding up to the next unit (9999.6萬) moves
    to it (1億).
    """
    if size == 0 or not math.isfinite(size):
        return Decimal(0), 0
    exponent = math.floor(math.log10(size))
    unit = max(0, min(step * (exponent // step), _TOP_UNIT))
    while True:
        scaled = size / 10**unit
        places = max(0, min(AMOUNT_MAX_DECIMALS, digits - 1 - math.floor(math.log10(scaled))))
        text = f"{scaled:.{places}f}"
        if Decimal(text) >= 10**step and unit < _TOP_UNIT:
            unit += step
            continue
        return Decimal(text).scaleb(unit), places


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _english_date(value: dt.date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


@functools.cache
def formats_for(code: str) -> Formats:
    """The :class:`Formats` of a language code (one per process)."""
    return Formats(get_language(code))
