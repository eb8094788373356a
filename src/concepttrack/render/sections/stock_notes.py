"""The concept stocks: identity, exposure, the book's rationale and a figures line."""

from __future__ import annotations

import dataclasses

from concepttrack.analytics.model import StockFigures
from concepttrack.render.messages import EXPOSURE, reader_reason
from concepttrack.render.sections import rules
from concepttrack.render.sections.base import Appendix, Fields, NoteInput
from concepttrack.render.view import StockNote
from concepttrack.themes import Stock


def stock_note(
    inp: NoteInput, figures: StockFigures | None, stock: Stock, appendix: Appendix
) -> StockNote:
    reason = None
    if figures is not None and figures.status.reason:
        reason = reader_reason(figures.status.reason, inp.language.code)
    exposure = EXPOSURE.get(stock.exposure or "", "")
    return StockNote(
        code=stock.display_code,
        name=stock.name,
        name_zh=(stock.name_zh or "") if not inp.language.is_chinese else "",
        exposure=inp._(exposure) if exposure else "",
        rationale=stock.rationale,
        figures=inp.w.prose.stock_figures(figures, reason, inp.fmt),
        as_of=rules.fact_date(inp, appendix, stock.as_of),
    )


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    notes = [
        stock_note(inp, inp.stock_figures.get(s.symbol), s, appendix) for s in inp.theme.stocks
    ]
    rules.define(inp, appendix, "prices", "range_52w", "volatility", "beta")
    if any(f.avg_turnover_20d is not None for f in inp.snapshot.stocks):
        rules.define(inp, appendix, "volume_turnover")
    # Every rationale of the same date: said once under the heading.
    common = rules.section_fact_date(inp, [n.as_of for n in notes], rules.STOCK_FACTS_ALL)
    if common is not None:
        notes = [dataclasses.replace(n, as_of=None) for n in notes]
    return {"stock_notes": notes, "stock_notes_as_of": common}
