"""Broker views: attributed, dated summaries from the themes book."""

from __future__ import annotations

from concepttrack.render.sections import rules
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import ViewItem


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    fmt = inp.fmt
    return {
        "views": [
            ViewItem(
                source=v.source,
                date=fmt.partial_date(v.date),
                rating=v.rating or "",
                target_price=fmt.price(v.target_price) if v.target_price is not None else "",
                summary=v.summary,
                as_of=rules.fact_date(inp, appendix, v.fact_date, shown=v.as_of in (None, v.date)),
            )
            for v in inp.theme.views
        ]
    }
