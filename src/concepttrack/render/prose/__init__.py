"""Sentences with grammar, one module per language.

Fixed text (a label, a heading, a sentence whose only variables are figures) lives in
the gettext catalogs; what needs grammar — the "what moved" paragraph, the "since the
last note" lines, the plain-words line under each stock, the event study's sentences —
is written here, once per language, from the same language-free facts. Each module
provides the functions of :class:`Prose`; :func:`prose_for` finds the module of a language.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING, Protocol

from concepttrack.languages import get_language

if TYPE_CHECKING:
    from collections.abc import Sequence

    from concepttrack.analytics.event_model import CarWindow
    from concepttrack.analytics.lead import Lead
    from concepttrack.analytics.model import NarrativeFacts, SinceLastNote, StockFigures
    from concepttrack.render.formats import Formats


class Names(Protocol):
    """Symbol -> the reader-facing name in the note's language."""

    def label(self, symbol: str | None) -> str: ...

    def short(self, symbol: str | None) -> str: ...

    def is_constituent(self, symbol: str) -> bool: ...


class Prose(Protocol):
    """What a prose module provides (see :mod:`concepttrack.render.prose.en`)."""

    def stock_label(self, name: str, code: str) -> str: ...

    def what_moved(
        self,
        facts: NarrativeFacts,
        names: Names,
        benchmark_short: str,
        event: dt.date,
        fmt: Formats,
    ) -> str: ...

    def lead(
        self,
        facts: NarrativeFacts,
        lead: Lead,
        names: Names,
        benchmark_short: str,
        event: dt.date,
        fmt: Formats,
        titles: Sequence[str] = (),
    ) -> str: ...

    def since_last(
        self, since: SinceLastNote, names: Names, bench: str, fmt: Formats
    ) -> list[str]: ...

    def stock_figures(
        self, figures: StockFigures | None, reason: str | None, fmt: Formats
    ) -> str: ...

    def event_stock_line(self, name: str, window: CarWindow, fmt: Formats) -> str: ...

    def event_what_moved(self, window: CarWindow, fmt: Formats) -> str: ...


def prose_for(code: str) -> Prose:
    """The prose module of a language."""
    module = importlib.import_module(f"concepttrack.render.prose.{get_language(code).prose_module}")
    return module
