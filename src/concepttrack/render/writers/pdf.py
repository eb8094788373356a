"""PDF: ``<stem>.pdf``, the HTML laid out by WeasyPrint (locked-down URL fetcher)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from concepttrack.fsutil import atomic_write_bytes
from concepttrack.render.writers.base import Page, Writer

if TYPE_CHECKING:
    from concepttrack.render.board.pages import BoardPage
    from concepttrack.render.view import NoteContext


class PdfWriter(Writer):
    name = "pdf"
    order = 20
    charts = True
    preloads = True

    def prepare(self, first: NoteContext, templates_dir: Path | None) -> None:
        """Import WeasyPrint and parse the first language's stylesheet while the charts
        are drawn."""
        from concepttrack.render.pdf import preload, prepare
        from concepttrack.render.templating import allowed_dirs, language_stylesheet

        preload()
        prepare(language_stylesheet(templates_dir, first), allowed_dirs(templates_dir))

    def write_page(self, page: Page) -> Path:
        from concepttrack.render.pdf import html_to_pdf
        from concepttrack.render.templating import TEMPLATE_NAMES, allowed_dirs, render_template

        printable = render_template(
            page.html_environment,
            TEMPLATE_NAMES["html"],
            note=page.note,
            charts=page.inline_charts,
            inline_css="",
        )
        output = html_to_pdf(
            printable,
            stylesheet=page.stylesheet,
            created=page.created,
            allowed_dirs=allowed_dirs(page.templates_dir),
        )
        path = page.note_dir / f"{page.stem}.pdf"
        atomic_write_bytes(path, output.data)
        return path

    def write_board_page(self, page: BoardPage) -> Path:
        from concepttrack.render.board.pages import BOARD_TEMPLATES
        from concepttrack.render.pdf import html_to_pdf
        from concepttrack.render.templating import allowed_dirs, render_template

        printable = render_template(
            page.html_environment, BOARD_TEMPLATES["html"], board=page.view, inline_css=""
        )
        output = html_to_pdf(
            printable,
            stylesheet=page.stylesheet,
            created=page.created,
            allowed_dirs=allowed_dirs(page.templates_dir),
        )
        path = page.folder / f"{page.stem}.pdf"
        atomic_write_bytes(path, output.data)
        return path


WRITER = PdfWriter()
