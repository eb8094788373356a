"""What a writer is given to write the board: one language's page, or the whole board."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

    from concepttrack.render.board.model import Board
    from concepttrack.render.board.view import BoardView

__all__ = ["BOARD_TEMPLATES", "BoardFiles", "BoardPage"]

#: The board's package templates (a ``--templates`` folder may override each).
BOARD_TEMPLATES = {"md": "board.md.j2", "html": "board.html.j2", "css": "board.css"}


@dataclass
class BoardPage:
    """The board in one language, ready to be written in any page format."""

    view: BoardView
    folder: Path
    #: ``2026-12-01`` / ``2026-12-01.zh-hk`` (archive.NoteName).
    stem: str
    templates_dir: Path | None
    created: dt.date

    @cached_property
    def html_environment(self) -> jinja2.Environment:
        from concepttrack.render.templating import environment

        return environment(self.templates_dir, markdown=False, lang=self.view.lang)

    @cached_property
    def markdown_environment(self) -> jinja2.Environment:
        from concepttrack.render.templating import environment

        return environment(self.templates_dir, markdown=True, lang=self.view.lang)

    @cached_property
    def stylesheet(self) -> str:
        """``board.css`` plus the language's CSS (fonts, line breaking, colours)."""
        from concepttrack.render.templating import template_text
        from concepttrack.render.typography import language_css

        css = template_text(self.html_environment, BOARD_TEMPLATES["css"])
        extra = language_css(self.view.lang, self.view.colours)  # type: ignore[arg-type]
        return (css + "\n" + extra).replace("</", "<\\/")


@dataclass
class BoardFiles:
    """The whole board, for a writer of one file (the language-free JSON)."""

    board: Board
    folder: Path
    #: ``2026-12-01`` (archive.NoteName.twin).
    stem: str
    languages: Sequence[str]
    #: Theme id -> language -> the theme's title as the board shows it.
    titles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
