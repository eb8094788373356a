"""Self-contained HTML: ``<stem>.html``, the stylesheet inlined, charts as ``data:`` URIs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from concepttrack.fsutil import atomic_write_text
from concepttrack.render.writers.base import Page, Writer

if TYPE_CHECKING:
    from concepttrack.render.board.pages import BoardPage


class HtmlWriter(Writer):
    name = "html"
    order = 30
    charts = True

    def write_page(self, page: Page) -> Path:
        from markupsafe import Markup

        from concepttrack.render.templating import TEMPLATE_NAMES, render_template

        html = render_template(
            page.html_environment,
            TEMPLATE_NAMES["html"],
            note=page.note,
            charts=page.inline_charts,
            inline_css=Markup(page.stylesheet),
        )
        path = page.note_dir / f"{page.stem}.html"
        atomic_write_text(path, html)
        return path

    def write_board_page(self, page: BoardPage) -> Path:
        from markupsafe import Markup

        from concepttrack.render.board.pages import BOARD_TEMPLATES
        from concepttrack.render.templating import render_template

        html = render_template(
            page.html_environment,
            BOARD_TEMPLATES["html"],
            board=page.view,
            inline_css=Markup(page.stylesheet),
        )
        path = page.folder / f"{page.stem}.html"
        atomic_write_text(path, html)
        return path


WRITER = HtmlWriter()
