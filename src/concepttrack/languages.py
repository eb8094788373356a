"""The languages a note can be written in, and what each one needs.

One :class:`Language` per supported code. Everything language-specific that is not
text lives here: the Babel locales (dates, numbers), the HTML ``lang`` tag, the gettext
catalog folder, the fonts and the default colour convention. Adding a language means a
row here, one catalog (``render/locale/<catalog>/LC_MESSAGES/concepttrack.po``) and one
prose module (``render/prose/<module>.py``); see ``docs/architecture.md``. This module
imports nothing heavy: the themes book reads its codes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from concepttrack.errors import UsageError

Colours = Literal["green-up", "red-up"]
COLOUR_CHOICES: tuple[str, ...] = ("green-up", "red-up")
ENV_LANG = "CONCEPTTRACK_LANG"

#: Latin faces, best first, for Latin text (figures, codes, English words) in every
#: language: Liberation (Debian's fonts-liberation2, Arial/Times metrics), then DejaVu.
LATIN_SANS: tuple[str, ...] = ("Liberation Sans", "DejaVu Sans")
LATIN_SERIF: tuple[str, ...] = ("Liberation Serif", "DejaVu Serif")


@dataclass(frozen=True)
class Language:
    """A note language: codes, locales, fonts and conventions."""

    #: The code users write (``--lang zh-hk``, ``{zh-hk: ...}`` in the themes book).
    code: str
    #: Reader-facing name, in English (for messages on the terminal).
    english_name: str
    #: ``lang`` attribute of the HTML note (BCP 47 with script and region).
    html_lang: str
    #: Babel locale for dates and plain numbers.
    babel_locale: str
    #: Babel locale for compact amounts (萬/億): CLDR's zh_Hant_HK uses Latin K/M, while
    #: Hong Kong financial press writes 萬 and 億 as zh_Hant does.
    amount_locale: str
    #: gettext catalog folder under ``render/locale``.
    catalog: str
    #: Prose module under ``render/prose``.
    prose_module: str
    #: CJK font families, best first, in the script the note's readers expect (Hong Kong
    #: forms for English and zh-hk notes, Simplified for zh-cn), for the HTML/PDF and the
    #: charts. Latin text is set in ``latin_sans``/``latin_serif`` and falls back to these.
    sans: tuple[str, ...]
    serif: tuple[str, ...]
    #: Up/down colours a reader of this language expects by default.
    default_colours: Colours
    #: OpenCC configuration that converts the other Chinese script into this one.
    opencc_from: tuple[str, str] | None = None
    #: Latin faces, best first.
    latin_sans: tuple[str, ...] = LATIN_SANS
    latin_serif: tuple[str, ...] = LATIN_SERIF

    @property
    def is_chinese(self) -> bool:
        return self.code.startswith("zh")


LANGUAGES: dict[str, Language] = {
    "en": Language(
        code="en",
        english_name="English",
        html_lang="en",
        babel_locale="en",
        amount_locale="en_GB",  # HK$807m, HK$10.7bn, US$1.51tn: CLDR en_GB units
        catalog="en",
        prose_module="en",
        # An English note for Hong Kong readers: Chinese names in Hong Kong forms.
        sans=("Noto Sans CJK HK", "Noto Sans CJK TC"),
        serif=("Noto Serif CJK HK", "Noto Serif CJK TC"),
        default_colours="green-up",
    ),
    "zh-hk": Language(
        code="zh-hk",
        english_name="Traditional Chinese (Hong Kong)",
        html_lang="zh-Hant-HK",
        babel_locale="zh_Hant_HK",
        amount_locale="zh_Hant",
        catalog="zh_HK",
        prose_module="zh_hk",
        sans=("Noto Sans CJK HK", "Noto Sans CJK TC"),
        serif=("Noto Serif CJK HK", "Noto Serif CJK TC"),
        default_colours="green-up",
        opencc_from=("zh-cn", "s2hk"),
    ),
    "zh-cn": Language(
        code="zh-cn",
        english_name="Simplified Chinese (mainland)",
        html_lang="zh-Hans-CN",
        babel_locale="zh_Hans_CN",
        amount_locale="zh_Hans_CN",
        catalog="zh_CN",
        prose_module="zh_cn",
        sans=("Noto Sans CJK SC",),
        serif=("Noto Serif CJK SC",),
        default_colours="red-up",
        opencc_from=("zh-hk", "hk2s"),
    ),
}
DEFAULT_LANGUAGE = "en"


def get_language(code: str) -> Language:
    """The language for a code (case-insensitive, ``_`` accepted for ``-``)."""
    key = code.strip().lower().replace("_", "-")
    try:
        return LANGUAGES[key]
    except KeyError:
        raise UsageError(
            f"unknown language {code!r}",
            hint=f"Choose from {', '.join(LANGUAGES)}, comma-separated.",
        ) from None


def parse_languages(text: str) -> tuple[str, ...]:
    """``"en,zh-hk"`` -> ``("en", "zh-hk")``: known codes, each once, in the order given."""
    codes = [get_language(part).code for part in text.split(",") if part.strip()]
    if not codes:
        raise UsageError(
            f"no language in {text!r}", hint=f"Choose from {', '.join(LANGUAGES)}, comma-separated."
        )
    return tuple(dict.fromkeys(codes))


def languages_from_env() -> tuple[str, ...] | None:
    """``CONCEPTTRACK_LANG`` parsed, or None when unset or blank."""
    value = os.environ.get(ENV_LANG, "").strip()
    if not value:
        return None
    try:
        return parse_languages(value)
    except UsageError as exc:
        raise UsageError(f"{ENV_LANG}: {exc.message}", hint=exc.hint) from None


def parse_colours(text: str | None) -> Colours | None:
    """``red-up`` / ``green-up`` (or None); anything else is a usage error."""
    if text is None:
        return None
    value = text.strip().lower()
    if value == "green-up":
        return "green-up"
    if value == "red-up":
        return "red-up"
    raise UsageError(f"unknown colour convention {text!r}", hint="Use red-up or green-up.")
