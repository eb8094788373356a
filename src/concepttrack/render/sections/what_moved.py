"""What moved: the lead, the session's biggest facts in order of weight (analytics/lead.py).

While "How the concept reacted" is in the body, the paragraph ends with the event
study's sentence; once the study has moved to the appendix, the lead no longer quotes it.
"""

from __future__ import annotations

import dataclasses

from concepttrack.analytics.lead import AHEAD_DAYS
from concepttrack.render.sections import rules
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
    lead = inp.lead
    titles = [inp.theme.updates[item.index].title for item in lead.updates]
    text = inp.w.prose.lead(
        facts, lead, inp.names, inp.bench_short, snapshot.event_date, fmt, titles
    )
    parts = (text, "" if lead.reaction_in_appendix else inp.reaction.what_moved)
    rules.define_lead(inp, appendix, lead, AHEAD_DAYS)
    return {"what_moved": ("" if fmt.chinese else " ").join(part for part in parts if part)}
