"""A theme in one language: every per-language text resolved to plain text.

For each free-text field of the themes book (title, thesis, event and catalyst titles,
details and sources, view sources, ratings and summaries, risks, stock names and
rationales) the note in language ``L`` shows, in this order:

1. the text written for ``L`` (a plain string counts as the book's default language);
2. for Chinese, the other Chinese script's text converted with OpenCC (``s2hk`` for
   Traditional Hong Kong usage, ``hk2s`` back to Simplified), then its vocabulary with
   the phrase table ``data/zh_phrases.tsv`` (伺服器 -> 服务器, 頻寬 -> 带宽, ...: OpenCC
   converts characters, not words); a stock's ``name_zh`` is such a text. The data
   appendix lists the converted fields;
3. otherwise the default language's text with a visible mark such as
   "（英文原文）" (*English original*), never a blank. ``themes check`` warns about it.

OpenCC is imported only when a conversion is needed. An English note shows a stock's
Chinese name (``name_zh``) and the theme's ``title_zh`` in Traditional Chinese as Hong
Kong writes it, whatever script the themes book gives them in.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from concepttrack.languages import LANGUAGES
from concepttrack.themes import Analyst, LocalText, Theme, ThemeBook

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


#: Hong Kong / mainland vocabulary, applied after OpenCC (see the file's header).
PHRASES_FILE = Path(__file__).resolve().parent / "data" / "zh_phrases.tsv"
_DIRECTIONS = {"both": ("hk2s", "s2hk"), "cn": ("hk2s",), "hk": ("s2hk",)}


@dataclass(frozen=True)
class PhraseTable:
    """Words to swap after one OpenCC conversion, longest match first."""

    pairs: dict[str, str]

    @functools.cached_property
    def pattern(self) -> re.Pattern[str] | None:
        if not self.pairs:
            return None
        words = sorted(self.pairs, key=lambda word: (-len(word), word))
        return re.compile("|".join(re.escape(word) for word in words))

    def apply(self, text: str) -> str:
        pattern = self.pattern
        if pattern is None or not text:
            return text
        return pattern.sub(lambda match: self.pairs[match.group(0)], text)


def read_phrases(path: Path = PHRASES_FILE) -> dict[str, PhraseTable]:
    """The phrase tables of a phrase file, by the OpenCC configuration they follow.

    A line is ``Hong Kong term<TAB>mainland term<TAB>both|cn|hk``; ``#`` starts a
    comment line. The ``hk2s`` table is keyed on the Hong Kong term as ``hk2s`` leaves
    it, the ``s2hk`` table on the mainland term as ``s2hk`` leaves it. A key given twice
    with different replacements is an error (the file says which lines).
    """
    tables: dict[str, dict[str, str]] = {"hk2s": {}, "s2hk": {}}
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) != 3 or parts[2].strip() not in _DIRECTIONS:
            raise ValueError(f"{path.name}:{number}: expected 'HK<TAB>mainland<TAB>both|cn|hk'")
        hong_kong, mainland, direction = (part.strip() for part in parts)
        for config in _DIRECTIONS[direction]:
            key, value = (
                (convert(hong_kong, config, phrases=False), mainland)
                if config == "hk2s"
                else (convert(mainland, config, phrases=False), hong_kong)
            )
            table = tables[config]
            if key in table and table[key] != value:
                first = seen[(config, key)]
                raise ValueError(
                    f"{path.name}:{number}: {key!r} after {config} is also on line {first}"
                )
            table[key] = value
            seen.setdefault((config, key), number)
    return {config: PhraseTable(pairs) for config, pairs in tables.items()}


@functools.cache
def _phrase_tables() -> dict[str, PhraseTable]:
    return read_phrases()


def convert(text: str, config: str, *, phrases: bool = True) -> str:
    """Text converted with an OpenCC configuration (``s2hk``, ``hk2s``, ...).

    After ``hk2s`` and ``s2hk`` the words are swapped with the phrase table
    (:data:`PHRASES_FILE`) unless ``phrases`` is false. Conversions are remembered on disk
    (:class:`_ConversionMemo`), so a daily note that shows the same names does not load
    OpenCC at all.
    """
    if not text:
        return text
    memo = _memo()
    key = f"{config}\x00{int(phrases)}\x00{text}"
    known = memo.get(key)
    if known is not None:
        return known
    converted = _convert(text, config, phrases=phrases)
    memo.put(key, converted)
    return converted


class _ConversionMemo:
    """OpenCC conversions kept in ``<user cache>/opencc/<key>.json``.

    Loading OpenCC's dictionaries costs about 0.15 s and 45 MiB in every process, for the
    same few names and titles each day. The file is keyed by the OpenCC version and the
    phrase file's hash, so a new dictionary or an edited table starts afresh; it holds at
    most :data:`MEMO_LIMIT` entries and is written atomically after a new conversion. A
    memo that cannot be read or written only makes the run load OpenCC, never fail.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        if path is None:
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict):
            self.entries = {
                k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)
            }

    def get(self, key: str) -> str | None:
        return self.entries.get(key)

    def put(self, key: str, value: str) -> None:
        if len(self.entries) >= MEMO_LIMIT:
            return
        self.entries[key] = value
        if self.path is None:
            return
        from concepttrack.fsutil import atomic_write_text

        try:
            atomic_write_text(self.path, json.dumps(self.entries, ensure_ascii=False))
        except OSError:
            self.path = None  # read-only or full cache folder: remember in memory only


#: The most conversions one memo file keeps (a large book has a few hundred texts).
MEMO_LIMIT = 4096


@functools.cache
def _memo() -> _ConversionMemo:
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    from concepttrack.settings import cache_dir

    try:
        opencc_version = version("opencc")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        opencc_version = "unknown"
    try:
        phrases = hashlib.sha256(PHRASES_FILE.read_bytes()).hexdigest()[:16]
        folder = cache_dir() / "opencc"
    except OSError:
        return _ConversionMemo(None)
    return _ConversionMemo(folder / f"{opencc_version}-{phrases}.json")


def _convert(text: str, config: str, *, phrases: bool) -> str:
    converted = str(_converter(config).convert(text))
    table = _QUOTES.get(config)
    if table:
        converted = converted.translate(table)
    if phrases and config in ("hk2s", "s2hk"):
        converted = _phrase_tables()[config].apply(converted)
    return converted


def hong_kong_chinese(value: LocalText | str, hint: str, default: str) -> str:
    """A Chinese name or title in Traditional Chinese as Hong Kong writes it.

    ``hint`` is the book's ``name_zh`` / ``title_zh`` (either script); the field's own
    ``zh-hk`` text is preferred when it has one (a stock's name), else ``hint`` with
    ``s2hk``. For the Chinese shown beside the English in an English note.
    """
    variants = value.variants if isinstance(value, LocalText) else {"": str(value)}
    own = {(default if code == "" else code): text for code, text in variants.items()}
    return own.get("zh-hk") or convert(hint, "s2hk")


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
                if isinstance(model, Analyst):
                    # A person's name is not translated: shown as written, unmarked.
                    update[name] = text
                    continue
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
        for name, field in (("name_zh", "name"), ("title_zh", "")):
            if name not in type(model).model_fields or not getattr(model, name):
                continue
            if chinese:
                update[name] = None
            else:
                # An English note's Chinese names are Hong Kong's (百度集團, not 百度集团).
                update[name] = hong_kong_chinese(
                    getattr(model, field, "") if field else "", getattr(model, name), default
                )
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
