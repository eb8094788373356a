"""What an output writer is given and what it must do.

A writer turns a note into one file. A *page* writer (Markdown, HTML, PDF) writes one
file per language from that language's :class:`Page`; a *note* writer (the JSON twin)
writes one file per note from :class:`NoteFiles`. The pieces two writers share (the HTML
environment and stylesheet, the charts as ``data:`` URIs) are made once per page, when
the first writer asks for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

    from concepttrack.analytics.model import SinceLastNote, ThemeSnapshot
    from concepttrack.render.board.pages import BoardFiles, BoardPage
    from concepttrack.render.chart_base import Chart
    from concepttrack.render.templating import ChartView
    from concepttrack.render.view import NoteContext
    from concepttrack.themes import Theme

__all__ = ["NoteFiles", "Page", "Writer"]


@dataclass
class Page:
    """One language's note, ready to be written in any page format."""

    note: NoteContext
    charts: list[Chart]
    note_dir: Path
    #: The file name without extension (``2026-12-01``, ``2026-12-01.zh-hk``).
    stem: str
    #: Added to chart file names after the first language (``.zh-hk``).
    chart_suffix: str
    #: The folder beside the note for the Markdown's chart PNGs (``2026-12-01-assets``).
    assets: str
    templates_dir: Path | None
    #: The date the files say they were made (the as-of session: output is deterministic).
    created: dt.date

    @cached_property
    def html_environment(self) -> jinja2.Environment:
        """The HTML templates with this language's catalog installed."""
        from concepttrack.render.templating import environment

        return environment(self.templates_dir, markdown=False, lang=self.note.lang)

    @cached_property
    def stylesheet(self) -> str:
        """``note.css`` plus this language's CSS (fonts, line breaking, colours)."""
        from concepttrack.render.templating import language_stylesheet

        return language_stylesheet(self.templates_dir, self.note, self.html_environment)

    @cached_property
    def inline_charts(self) -> list[ChartView]:
        """The charts as ``data:`` URIs, for the self-contained HTML and the PDF."""
        from concepttrack.render.templating import ChartView

        return [ChartView(c.title, c.caption, c.alt, c.data_uri, "", c.name) for c in self.charts]


@dataclass
class NoteFiles:
    """The whole note, for a writer of one file per note (all languages)."""

    theme: Theme
    snapshot: ThemeSnapshot
    since_last: SinceLastNote | None
    note_dir: Path
    #: The file name without extension (``2026-12-01``).
    stem: str
    #: The languages written, the first being the undecorated file name's.
    languages: Sequence[str]
    #: Each language's "what moved" paragraph as rendered.
    what_moved: Mapping[str, str] = field(default_factory=dict)
    #: The lead's facts (``analytics.lead.Lead.to_dict``); None: computed by the writer.
    lead: Mapping[str, Any] | None = None


class Writer:
    """One output format. Subclass, set the attributes, implement one ``write_*``."""

    #: The ``--format`` name and the file extension (``md``).
    name: str = ""
    #: Where ``--format`` help and file lists put it (lower first).
    order: int = 100
    #: True: one file per language (:meth:`write_page`); False: one per note
    #: (:meth:`write_note`).
    per_language: bool = True
    #: True when the format shows the charts (they are drawn only if a format does).
    charts: bool = False
    #: True when :meth:`prepare` loads something slow (a layout engine): the charts are
    #: then drawn in a forked child meanwhile, when a core is spare.
    preloads: bool = False

    def prepare(self, first: NoteContext, templates_dir: Path | None) -> None:
        """Before the first language's charts are done: warm up (default: nothing)."""

    def write_page(self, page: Page) -> Path:
        """Write this format of one language's note; returns the file."""
        raise NotImplementedError(self.name)

    def write_note(self, files: NoteFiles) -> Path:
        """Write this format once for the note; returns the file."""
        raise NotImplementedError(self.name)

    def write_board_page(self, page: BoardPage) -> Path:
        """Write this format of the concept board in one language (page writers)."""
        raise NotImplementedError(self.name)

    def write_board(self, files: BoardFiles) -> Path:
        """Write this format once for the concept board (note writers)."""
        raise NotImplementedError(self.name)
