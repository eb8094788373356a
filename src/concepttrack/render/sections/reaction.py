"""How the concept reacted: the event study (its view is built by render/events_view.py).

In the body while the event is recent; once the main event's longest window is complete
and the event is older than the theme's ``reaction_to_appendix_after`` sessions (60 by
default), an appendix after the risks (``analytics/lead.py``, ``reaction_in_appendix``).
"""

from __future__ import annotations

from concepttrack.analytics.lead import event_age
from concepttrack.render.messages import N_
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import Definition

#: The basket's event-study rule without the overlap mark's legend (nothing is marked).
BASKET_NO_OVERLAP = N_(
    "On every date on which at least one constituent has a return, the basket's return is "
    "the weighted mean of the constituents' returns that date, weights renormalised over "
    "those with a return; the same model and windows apply."
)
#: Under the appendix's heading: why the study is there.
IN_APPENDIX = N_(
    "The event was %(sessions)s sessions ago and its longest window is complete; after "
    "%(threshold)s sessions the study moves here, for reference."
)


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    _ = inp._
    reaction = inp.reaction
    if not reaction.catalysts:
        return {"reaction": None, "reaction_appendix": ""}
    marked = any(row.overlap for row in reaction.catalysts)
    basket_term = _("Basket in the event study")
    for index, definition in enumerate(reaction.definitions):
        if definition.term == basket_term and not marked:
            definition = Definition(definition.term, _(BASKET_NO_OVERLAP))
        appendix.define(f"event:{index}", definition)
    appendix.note(*reaction.data_notes)
    placed = ""
    if inp.lead.reaction_in_appendix:
        placed = _(IN_APPENDIX) % {
            "sessions": inp.fmt.number(event_age(inp.snapshot), 0),
            "threshold": inp.fmt.number(inp.raw_theme.reaction_appendix_sessions, 0),
        }
    return {"reaction": reaction, "reaction_appendix": placed}
