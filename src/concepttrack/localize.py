"""A theme in one language: every per-language text resolved to plain text.

For each free-text field of the themes book (title, thesis, event and catalyst titles,
details and sources, view sources, ratings and summaries, risks, stock names and
rationales) the note in language ``L`` shows, in this order:

1. the text written for ``L`` (a plain string counts as the book's default language);
2. for Chinese, the other Chinese script's text converted with OpenCC (``s2hk`` for
   Traditional Hong Kong usage, ``hk2s`` back to Simplified); a stock's ``name_zh``
   is such a text. The data appendix lists the converted fields;
3. otherwise the default language's text with a visible mark such as
   "（英文原文）" (*English original*), never a blank. ``themes check`` warns about it.

OpenCC is imported only when a conversion is needed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from concepttrack.languages import LANGUAGES
from concepttrack.themes import LocalText, Theme, ThemeBook

How = Literal["own", "converted", "original"]
#: (source language, OpenCC configuration) that makes a language's text from another's.
CONVERSIONS: dict[str, tuple[str, str]] = {
    code: language.opencc_from for code, language in LANGUAGES.items() if language.opencc_from
}


@dataclass(frozen=True)
class Resolved:
    """One field's text for a language and how it was found."""

    text: str
    how: How
    #: Language the text was converted from or shown in (for "converted"/"original").
    source: str | None = None


@dataclass(frozen=True)
class FieldUse:
    """A field not written in the note's language: where, and what the note shows."""

    path: tuple[str | int, ...]
    how: How
    source: str | None

    @property
    def key(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


@functools.cache
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


#: Quotation marks each side writes: 「」 in Hong Kong, “” on the mainland (OpenCC
#: converts characters, not punctuation).
_QUOTES = {
    "hk2s": str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’"}),
    "s2hk": str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"}),
}


def convert(text: str, config: str) -> str:
    """Text converted with an OpenCC configuration (``s2hk``, ``hk2s``, ...)."""
    if not text:
        return text
    converted = str(_converter(config).convert(text))
    table = _QUOTES.get(config)
    return converted.translate(table) if table else converted


def resolve(
    value: LocalText | str, lang: str, default: str, *, chinese_hint: str | None = None
) -> Resolved:
    """The text of ``value`` for ``lang``; ``default`` is the book's default language.

    ``chinese_hint`` is a Chinese text of either script (a stock's ``name_zh``), used
    when the field has no Chinese text of its own.
    """
    variants = value.variants if isinstance(value, LocalText) else {"": str(value)}
    own = {(default if code == "" else code): text for code, text in variants.items()}
    if own.get(lang):
        return Resolved(own[lang], "own")
    if lang in CONVERSIONS:
        other, config = CONVERSIONS[lang]
        if own.get(other):
            return Resolved(convert(own[other], config), "converted", other)
        if chinese_hint:
            converted = convert(chinese_hint, config)
            return Resolved(converted, "own" if converted == chinese_hint else "converted", "zh")
    for code in (default, "en", "zh-hk", "zh-cn"):
        if own.get(code):
            return Resolved(own[code], "original", code)
    return Resolved("", "own")


def localize_theme(
    theme: Theme,
    lang: str,
    default: str,
    *,
    mark: Callable[[str], str] = lambda source: "",
) -> tuple[Theme, list[FieldUse]]:
    """A copy of ``theme`` whose texts are plain strings in ``lang``, and what was not own.

    ``mark(source_language)`` gives the text appended to a field shown in another
    language (the note's "（英文原文）"). In a Chinese note, ``title_zh`` and the stocks'
    ``name_zh`` are emptied once used: the title and names are Chinese already.
    """
    uses: list[FieldUse] = []

    def rebuild(model: BaseModel, path: tuple[str | int, ...]) -> BaseModel:
        update: dict[str, Any] = {}
        chinese = lang.startswith("zh")
        for name in type(model).model_fields:
            value = getattr(model, name)
            here = (*path, name)
            if isinstance(value, LocalText):
                hint = None
                if chinese and name == "name":
                    hint = getattr(model, "name_zh", None)
                elif chinese and name == "title" and path == ():
                    hint = getattr(model, "title_zh", None)
                found = resolve(value, lang, default, chinese_hint=hint)
                text = found.text
                if found.how != "own":
                    uses.append(FieldUse(here, found.how, found.source))
                if found.how == "original" and text:
                    text += mark(found.source or default)
                update[name] = text
            elif isinstance(value, BaseModel):
                update[name] = rebuild(value, here)
            elif isinstance(value, list) and any(isinstance(i, BaseModel) for i in value):
                update[name] = [
                    rebuild(item, (*here, index)) if isinstance(item, BaseModel) else item
                    for index, item in enumerate(value)
                ]
        if lang.startswith("zh"):
            for name in ("name_zh", "title_zh"):
                if name in type(model).model_fields and getattr(model, name):
                    update[name] = None
        return model.model_copy(update=update)

    localized = rebuild(theme, ())
    assert isinstance(localized, Theme)
    return localized, uses


def untranslated(book: ThemeBook, lang: str) -> list[tuple[str, int | None, FieldUse]]:
    """(theme id, line, use) of every field with no text of its own in ``lang``."""
    found: list[tuple[str, int | None, FieldUse]] = []
    for index, theme in enumerate(book.themes):
        _, uses = localize_theme(theme, lang, book.default_language)
        for use in uses:
            path = ("themes", index, *use.path)
            line = book.line_of((*path, lang)) or book.line_of(path)
            found.append((theme.id, line, FieldUse(path, use.how, use.source)))
    return found
