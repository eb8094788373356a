"""Fixed text of the note, from gettext catalogs.

Every fixed string (headings, labels, table heads, the methodology appendix, the
disclaimer, chart text, data-status words) is written in English in the code or the
templates, marked with ``_()``, and translated in
``render/locale/<catalog>/LC_MESSAGES/concepttrack.po``: standard gettext files a
translator edits with Poedit, Lokalize or ``pybabel update``.

The ``.po`` files are read directly with :mod:`babel.messages.pofile` (no compiled
``.mo``): the package works from a plain ``pip install -e .`` with no build step, and
reading three small catalogs costs a few milliseconds once per process. An empty or
fuzzy ``msgstr`` falls back to the English ``msgid`` (the ``en`` catalog is all empty:
English is the source text).
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from concepttrack.languages import get_language

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "concepttrack"


def catalog_path(code: str) -> Path:
    """``render/locale/<catalog>/LC_MESSAGES/concepttrack.po`` of a language."""
    return LOCALE_DIR / get_language(code).catalog / "LC_MESSAGES" / f"{DOMAIN}.po"


class Translator(gettext.NullTranslations):
    """gettext translations read from a ``.po`` file (what jinja2's i18n extension uses)."""

    def __init__(self, code: str, messages: dict[str, str]) -> None:
        super().__init__()
        self.code = code
        self._messages = messages

    def gettext(self, message: str) -> str:
        return self._messages.get(message) or message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        key = msgid1 if n == 1 else msgid2
        return self._messages.get(key) or key

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self.ngettext(msgid1, msgid2, n)

    def __call__(self, message: str) -> str:
        return self.gettext(message)


def read_catalog(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a ``.po`` file; fuzzy and untranslated entries are left out."""
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle, domain=DOMAIN)
    messages: dict[str, str] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not isinstance(message.id, str):
            continue
        text = message.string
        if isinstance(text, str) and text:
            messages[message.id] = text
    return messages


#: The language the messages are written in: its catalog is all empty, so it is not read
#: (that saves Babel's import and the parse, about 0.15 s, on every English note).
SOURCE_LANGUAGE = "en"


@functools.cache
def translator(code: str) -> Translator:
    """The catalog of a language, read once per process."""
    language = get_language(code)
    if language.code == SOURCE_LANGUAGE:
        return Translator(language.code, {})
    return Translator(language.code, read_catalog(catalog_path(language.code)))
