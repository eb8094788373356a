"""Broker views: attributed, dated summaries from the themes book."""

from __future__ import annotations

import dataclasses

from concepttrack.render.sections import rules
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import FactDate, ViewItem


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    fmt = inp.fmt
    views = [
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
    # Every view old: said once under the heading, not after each view.
    common = None
    if rules.shared_fact_date([v.as_of for v in views]) is not None:
        months = inp.fmt.number(inp.raw_theme.stale_months, 0)
        common = FactDate(text=inp._(rules.VIEWS_ALL_OLD) % {"months": months}, old=True)
        views = [dataclasses.replace(v, as_of=None) for v in views]
    return {"views": views, "views_as_of": common}
