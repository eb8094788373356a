"""Methodology: the rules the other sections used, each once, worded for this note."""

from __future__ import annotations

from concepttrack.render.sections import rules
from concepttrack.render.sections.base import Appendix, Fields, NoteInput


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    return {"methodology": rules.ordered(appendix)}
