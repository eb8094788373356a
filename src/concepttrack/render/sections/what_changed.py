"""What changed: the theme's dated news log, newest first, news since the last note marked.

Only updates dated on or before the note's session are shown (a note never quotes news
from after its own date); the rule is :mod:`concepttrack.analytics.news`.
"""

from __future__ import annotations

from concepttrack.analytics.news import known_updates
from concepttrack.render.messages import N_
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import Definition, UpdateItem

#: The methodology's word on the log.
NEWS_TERM = N_("What changed")
NEWS_RULE = N_(
    "Dated entries of the theme's news log (the themes book's updates), newest first; only "
    "entries dated on or before the note's session are shown."
)
NEWS_RULE_SINCE = N_(
    "Dated entries of the theme's news log (the themes book's updates), newest first; only "
    "entries dated on or before the note's session are shown, and those dated after the "
    "previous note (%(date)s) are marked new."
)


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    _, fmt = inp._, inp.fmt
    previous = inp.since_last.previous_as_of if inp.since_last is not None else None
    known = known_updates(inp.raw_theme, inp.snapshot.as_of, previous)
    if not known:
        return {"what_changed": []}
    items = []
    for item in known:
        local = inp.theme.updates[item.index]
        stocks = [inp.names.short(symbol) for symbol in local.stocks]
        items.append(
            UpdateItem(
                date=fmt.date(local.date),
                title=local.title,
                detail=local.detail,
                source=local.source or "",
                stocks=fmt.join(stocks) if stocks else "",
                new=item.new,
            )
        )
    text = _(NEWS_RULE_SINCE) % {"date": fmt.date(previous)} if previous else _(NEWS_RULE)
    appendix.define("news", Definition(_(NEWS_TERM), text))
    return {"what_changed": items}
