"""Risks: the book's written risks and the measured ones (volatility, drawdown, beta)."""

from __future__ import annotations

from concepttrack.analytics.model import RiskFigures
from concepttrack.render.formats import MISSING
from concepttrack.render.sections import rules
from concepttrack.render.sections.base import (
    BACKCAST_MARK,
    Appendix,
    Fields,
    NoteInput,
    marked,
)
from concepttrack.render.sections.key_figures import backcast_note
from concepttrack.render.view import RiskItem, RiskRow

RISK_FIGURES = ("volatility_1y", "beta_1y", "correlation_1y")


def risk_row(
    inp: NoteInput,
    label: str,
    risk: RiskFigures,
    *,
    stale: bool = False,
    backcast: frozenset[str] = frozenset(),
) -> RiskRow:
    """One risk-table row; a stale series' figures (as of its last bar) carry a dagger."""
    fmt = inp.fmt
    dd = risk.drawdown_since_event
    dates = (
        f"{fmt.date(dd.peak_session)} → {fmt.date(dd.trough_session)}"
        if dd.peak_session and dd.trough_session and dd.max_drawdown
        else MISSING
    )

    def cell(name: str, text: str, value: float | None) -> str:
        return marked(marked(text, value, stale), value, name in backcast, BACKCAST_MARK)

    return RiskRow(
        label=label,
        volatility=cell("volatility_1y", fmt.share(risk.volatility_1y), risk.volatility_1y),
        max_drawdown=marked(fmt.pct(dd.max_drawdown), dd.max_drawdown, stale),
        drawdown_dates=dates,
        beta=cell("beta_1y", fmt.ratio(risk.beta_1y), risk.beta_1y),
        correlation=cell("correlation_1y", fmt.ratio(risk.correlation_1y), risk.correlation_1y),
    )


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    _, fmt, snapshot = inp._, inp.fmt, inp.snapshot
    basket = snapshot.basket
    rows = [
        risk_row(
            inp,
            _("Concept basket"),
            basket.risk,
            stale=inp.facts.basket_stale,
            backcast=frozenset(basket.backcast),
        ),
        risk_row(inp, inp.bench_name, snapshot.benchmark.risk, stale=inp.facts.bench_stale),
        *(
            risk_row(
                inp,
                inp.names.label(f.symbol) if f.symbol in inp.by_symbol else f.name,
                f.risk,
                stale=f.status.status == "stale",
            )
            for f in snapshot.stocks
        ),
    ]
    concentration = ""
    if inp.theme.has_custom_weights:
        effective = fmt.ratio(1 / basket.herfindahl, 1) if basket.herfindahl else MISSING
        concentration = _(
            "Custom weights: largest weight %(largest)s; Herfindahl index %(hhi)s (about "
            "%(names)s equal-weight names)."
        ) % {
            "largest": fmt.share(basket.max_weight),
            "hhi": fmt.ratio(basket.herfindahl, 3),
            "names": effective,
        }
    notes = [line for line in (backcast_note(inp, list(RISK_FIGURES)),) if line]
    rules.define(inp, appendix, "volatility", "drawdown", "beta")
    risks = [
        RiskItem(r.title, r.detail, rules.fact_date(inp, appendix, r.as_of))
        for r in inp.theme.risks
    ]
    # Every risk of the same date: said once under the heading.
    common = rules.section_fact_date(inp, [r.as_of for r in risks], rules.RISKS_ALL)
    if common is not None:
        risks = [RiskItem(r.title, r.detail) for r in risks]
    return {
        "risks": risks,
        "risks_as_of": common,
        "risk_rows": rows,
        "concentration": concentration,
        "risk_notes": notes,
    }
