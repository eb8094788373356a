"""What moved: the paragraph on the day, the week and the event, ending with the reaction."""

from __future__ import annotations

import dataclasses

from concepttrack.render.sections.base import Appendix, Fields, NoteInput


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    snapshot, fmt = inp.snapshot, inp.fmt
    # "N sessions ago" counts the sessions after the event session up to the as-of
    # session (not both ends): NarrativeFacts.sessions_after_event.
    # The event session directly follows the base session, so a snapshot without the
    # field (an older JSON twin) gives it as sessions_since_event - 1.
    narrative = snapshot.narrative
    after = narrative.sessions_after_event
    if after is None and narrative.sessions_since_event:
        after = narrative.sessions_since_event - 1
    facts = dataclasses.replace(narrative, sessions_since_event=after)
    parts = (
        inp.w.prose.what_moved(facts, inp.names, inp.bench_short, snapshot.event_date, fmt),
        inp.reaction.what_moved,
    )
    return {"what_moved": ("" if fmt.chinese else " ").join(part for part in parts if part)}
