"""Markdown (GFM): ``<stem>.md``, its chart PNGs in ``<as-of>-assets/`` beside it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from concepttrack.fsutil import atomic_write_bytes, atomic_write_text
from concepttrack.render.writers.base import Page, Writer

if TYPE_CHECKING:
    from concepttrack.render.board.pages import BoardPage


class MarkdownWriter(Writer):
    name = "md"
    order = 10
    charts = True

    def write_page(self, page: Page) -> Path:
        from markupsafe import Markup

        from concepttrack.render.markdown import escape_inline
        from concepttrack.render.templating import (
            TEMPLATE_NAMES,
            ChartView,
            environment,
            render_template,
        )

        env = environment(page.templates_dir, markdown=True, lang=page.note.lang)
        views = []
        for chart in page.charts:
            name = f"{chart.name}{page.chart_suffix}.png"
            atomic_write_bytes(page.note_dir / page.assets / name, chart.png)
            src = f"{page.assets}/{name}"
            image = Markup(f"![{escape_inline(chart.alt)}]({src})")
            views.append(ChartView(chart.title, chart.caption, chart.alt, src, image, chart.name))
        text = render_template(env, TEMPLATE_NAMES["md"], note=page.note, charts=views)
        path = page.note_dir / f"{page.stem}.md"
        atomic_write_text(path, text)
        return path

    def write_board_page(self, page: BoardPage) -> Path:
        from concepttrack.render.board.pages import BOARD_TEMPLATES
        from concepttrack.render.templating import render_template

        env = page.markdown_environment
        text = render_template(env, BOARD_TEMPLATES["md"], board=page.view)
        path = page.folder / f"{page.stem}.md"
        atomic_write_text(path, text)
        return path


WRITER = MarkdownWriter()
