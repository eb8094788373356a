"""Charts: the images are drawn from the snapshot (render/charts.py, words from
:func:`concepttrack.render.context.chart_text`); this section gives the colour
convention that the charts and the tables' up/down colours follow."""

from __future__ import annotations

from concepttrack.render.messages import COLOUR_CONVENTIONS
from concepttrack.render.sections.base import Appendix, Fields, NoteInput


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    return {"colour_convention": inp._(COLOUR_CONVENTIONS[inp.colours])}
