"""How the concept reacted: the event study (its view is built by render/events_view.py)."""

from __future__ import annotations

from concepttrack.render.messages import N_
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import Definition

#: The basket's event-study rule without the overlap mark's legend (nothing is marked).
BASKET_NO_OVERLAP = N_(
    "On every date on which at least one constituent has a return, the basket's return is "
    "the weighted mean of the constituents' returns that date, weights renormalised over "
    "those with a return; the same model and windows apply."
)


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    _ = inp._
    reaction = inp.reaction
    if not reaction.catalysts:
        return {"reaction": None}
    marked = any(row.overlap for row in reaction.catalysts)
    basket_term = _("Basket in the event study")
    for index, definition in enumerate(reaction.definitions):
        if definition.term == basket_term and not marked:
            definition = Definition(definition.term, _(BASKET_NO_OVERLAP))
        appendix.define(f"event:{index}", definition)
    appendix.note(*reaction.data_notes)
    return {"reaction": reaction}
