"""The "Since the last note" box: what changed since the theme's previous note, and the rule."""

from __future__ import annotations

import dataclasses

from concepttrack.render.formats import Formats
from concepttrack.render.messages import N_
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import SinceLastBox
from concepttrack.themes import Theme

#: The box's rule for its 52-week lines (see analytics/changes.py).
RULE_52W = N_(
    "New 52-week high (low): the close on at least one session since the last note was at "
    "or above (at or below) every close of the 365 days to that session."
)


def local_views(labels: list[str], raw: Theme, local: Theme, fmt: Formats) -> list[str]:
    """ "Source, date" labels of new views (as analytics writes them) in the note's language."""
    by_label = {f"{view.source}, {view.date}": index for index, view in enumerate(raw.views)}
    out = []
    for label in labels:
        index = by_label.get(label)
        if index is None:
            out.append(label)
            continue
        view = local.views[index]
        out.append(f"{view.source}（{fmt.partial_date(view.date)}）")
    return out


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    since_last = inp.since_last
    if since_last is None:
        return {"since_last": None}
    fmt = inp.fmt
    if inp.language.is_chinese and since_last.new_views:
        since_last = dataclasses.replace(
            since_last,
            new_views=local_views(since_last.new_views, inp.raw_theme, inp.theme, fmt),
        )
    lines = inp.w.prose.since_last(since_last, inp.names, inp.bench_short, fmt)
    if not lines:
        return {"since_last": None}
    rules = []
    if since_last.new_52w_highs or since_last.new_52w_lows:
        rules.append(inp._(RULE_52W))
    return {"since_last": SinceLastBox(fmt.date(since_last.previous_as_of), lines, rules)}
