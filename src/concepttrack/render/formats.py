"""Numbers, dates and amounts written for one language, from Babel's CLDR data.

The rules every language shares (the definitions the tests check):

* returns: sign and one decimal, ``+3.2%`` / ``−1.5%`` (a true minus sign, U+2212);
* excess returns and contributions: percentage points, ``+1.1 pp`` in English; the
  Chinese tables show ``+1.1`` under a heading that names the unit (個百分點 /
  个百分点) and the Chinese prose writes ``1.1個百分點``;
* prices: two decimals, thousands separated, with the currency: ``HKD 87.60`` in
  English, ``87.60港元`` in Chinese (currency names from CLDR);
* a missing value (``None``): an en dash, ``–`` — never 0, never guessed;
* dates: ``16 Feb 2024`` in English, ``2024年2月16日`` in Chinese (CLDR ``long``),
  with the weekday (``星期五``) where the note gives one;
* amounts: three significant figures, compact with CLDR's short decimal forms,
  ``7.62億港元`` / ``7.62亿港元`` / ``HKD 762M`` (10^12: ``萬億`` in Hong Kong, not
  Taiwan's ``兆``; ``万亿`` on the mainland).

Nothing here knows a sentence: prose lives in :mod:`concepttrack.render.prose`.
"""

from __future__ import annotations

import datetime as dt
import functools

from concepttrack.languages import Language, get_language

MISSING = "\N{EN DASH}"
MINUS = "\N{MINUS SIGN}"
STALE_MARK = "\N{DAGGER}"


def _signed(value: float, decimals: int) -> str:
    text = f"{value:+.{decimals}f}"
    if float(text) == 0:  # "-0.0" and "+0.0" both read as no change
        return f"{0:.{decimals}f}"
    return text.replace("-", MINUS)


class Formats:
    """Formatting for one language (see the module docstring for the rules)."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.chinese = language.is_chinese
        #: Percentage points: the table suffix and the prose unit.
        self.pp_suffix = "" if self.chinese else " pp"
        self.pp_unit = {"zh-hk": "個百分點", "zh-cn": "个百分点"}.get(language.code, " pp")

    # --- numbers ------------------------------------------------------------------

    def pct(self, value: float | None) -> str:
        """A fraction as a signed percentage with one decimal: 0.032 -> ``+3.2%``."""
        return MISSING if value is None else _signed(100 * value, 1) + "%"

    def pct_abs(self, value: float | None) -> str:
        """A fraction's size as a percentage without sign: -0.032 -> ``3.2%``."""
        return MISSING if value is None else f"{abs(100 * value):.1f}%"

    def share(self, value: float | None) -> str:
        """A share such as a weight, unsigned with one decimal: 0.25 -> ``25.0%``."""
        return MISSING if value is None else f"{100 * value:.1f}%"

    def pp(self, value: float | None) -> str:
        """A difference in percentage points for a table: ``+1.1 pp`` (English)."""
        return MISSING if value is None else _signed(100 * value, 1) + self.pp_suffix

    def pp_abs(self, value: float | None) -> str:
        """A difference's size in percentage points for prose: ``1.1 pp`` / ``1.1個百分點``."""
        return MISSING if value is None else f"{abs(100 * value):.1f}{self.pp_unit}"

    def pp_words(self, value: float | None) -> str:
        """A signed difference in percentage points for prose: ``+1.1 pp`` / ``+1.1個百分點``."""
        return MISSING if value is None else _signed(100 * value, 1) + self.pp_unit

    def number(self, value: float | None, decimals: int = 2) -> str:
        """A plain number with thousands separators: ``16,500.50``."""
        return MISSING if value is None else f"{value:,.{decimals}f}".replace("-", MINUS)

    def ratio(self, value: float | None, decimals: int = 2) -> str:
        """A plain ratio such as beta or volume ratio: ``1.35``."""
        if value is None:
            return MISSING
        return f"{value:.{decimals}f}".replace("-", MINUS)

    def currency_name(self, currency: str) -> str:
        """``HKD`` in English, ``港元`` in Chinese (CLDR display names)."""
        if not self.chinese:
            return currency
        from babel.numbers import get_currency_name

        return get_currency_name(currency, locale=self.language.babel_locale)

    def price(self, value: float | None, currency: str | None = None) -> str:
        """A price with two decimals and its currency: ``HKD 87.60`` / ``87.60港元``."""
        if value is None:
            return MISSING
        number = f"{value:,.2f}"
        if not currency:
            return number
        if self.chinese:
            return f"{number}{self.currency_name(currency)}"
        return f"{currency} {number}"

    def amount(self, value: float | None, currency: str | None = None) -> str:
        """A large amount, compact: ``7.62億港元`` / ``7.62亿港元`` / ``HKD 762M``."""
        if value is None:
            return MISSING
        from babel.numbers import format_compact_decimal

        # Three significant figures in every language: 18.2M = 1820萬, 134M = 1.34億.
        rounded = float(f"{value:.3g}")
        text = format_compact_decimal(
            rounded, format_type="short", locale=self.language.amount_locale, fraction_digits=2
        ).replace("-", MINUS)
        if self.language.code == "zh-hk":
            # CLDR's zh_Hant is Taiwan's usage (兆 = 10^12); Hong Kong writes 萬億.
            text = text.replace("兆", "萬億")
        if not currency:
            return text
        if self.chinese:
            return f"{text}{self.currency_name(currency)}"
        return f"{currency} {text}"

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


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _english_date(value: dt.date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


@functools.cache
def formats_for(code: str) -> Formats:
    """The :class:`Formats` of a language code (one per process)."""
    return Formats(get_language(code))


def tone(value: float | None) -> str:
    """Colour class of a signed figure: up, down, flat or na (missing)."""
    if value is None:
        return "na"
    if round(100 * value, 1) > 0:
        return "up"
    if round(100 * value, 1) < 0:
        return "down"
    return "flat"
