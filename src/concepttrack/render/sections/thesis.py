"""Thesis and catalysts: the book's thesis paragraphs and the dated timeline."""

from __future__ import annotations

import re

from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import TimelineItem

_PARAGRAPHS = re.compile(r"\n[ \t]*\n+")


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    theme, fmt = inp.theme, inp.fmt
    timeline = []
    for index, is_event in inp.facts.timeline_order:
        c = theme.event if index < 0 else theme.catalysts[index]
        timeline.append(TimelineItem(fmt.date(c.date), c.title, c.detail, c.source or "", is_event))
    return {
        "thesis": [p.strip() for p in _PARAGRAPHS.split(theme.thesis) if p.strip()],
        "timeline": timeline,
    }
