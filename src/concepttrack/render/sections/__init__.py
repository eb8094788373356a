"""The note's sections, one builder each, registered in the note's order.

Each module has ``build(inp, appendix) -> dict`` that makes its own part of the
:class:`~concepttrack.render.view.NoteContext` from the shared
:class:`~concepttrack.render.sections.base.NoteInput` (one note, one language) and
contributes the methodology rules and data notes it used to the
:class:`~concepttrack.render.sections.base.Appendix`. The methodology and data sections
come after every contributor, so they print what was contributed, each line once.

To add a section: write its module, add it to :data:`SECTIONS`, add its fields to
``NoteContext`` and show them in the templates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from concepttrack.render.sections import (
    charts,
    constituents,
    crosscheck,
    data,
    key_figures,
    masthead,
    methodology,
    reaction,
    risks,
    since_last,
    stock_notes,
    thesis,
    views,
    what_changed,
    what_moved,
)
from concepttrack.render.sections.base import Appendix, Fields, NoteInput


class Section(NamedTuple):
    """A registered section: its name and its builder."""

    name: str
    build: Callable[[NoteInput, Appendix], Fields]


#: Every section, in the order of the note (methodology and data last: they collect).
SECTIONS: tuple[Section, ...] = (
    Section("masthead", masthead.build),
    Section("since_last", since_last.build),
    Section("key_figures", key_figures.build),
    Section("what_moved", what_moved.build),
    Section("what_changed", what_changed.build),
    Section("thesis", thesis.build),
    Section("views", views.build),
    Section("constituents", constituents.build),
    Section("charts", charts.build),
    Section("reaction", reaction.build),
    Section("stock_notes", stock_notes.build),
    Section("risks", risks.build),
    Section("crosscheck", crosscheck.build),
    Section("methodology", methodology.build),
    Section("data", data.build),
)


def build_fields(inp: NoteInput) -> Fields:
    """Every section's fields for one note in one language, built in order."""
    appendix = Appendix()
    fields: Fields = {}
    for section in SECTIONS:
        made = section.build(inp, appendix)
        clash = set(made) & set(fields)
        if clash:
            raise ValueError(f"section {section.name} sets {sorted(clash)} already set")
        fields.update(made)
    return fields


__all__ = ["SECTIONS", "Appendix", "NoteInput", "Section", "build_fields"]
