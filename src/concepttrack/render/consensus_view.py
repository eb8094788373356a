"""The "Consensus and dates ahead" section's view types (issue 18).

Filled by :mod:`concepttrack.render.sections.consensus`; below :mod:`concepttrack.render.view`
(which names them in ``NoteContext``), so neither imports the other's module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from concepttrack.render.view_base import Figure

__all__ = ["ConsensusRow", "ConsensusView"]


@dataclass(frozen=True)
class ConsensusRow:
    """One constituent: its consensus figures and dates as the note writes them."""

    code: str
    name: str
    #: The mean target price with its currency (a dagger when stale), or "–".
    target_mean: str
    #: ``low – high``, or "–".
    target_range: str
    analysts: str
    implied_upside: Figure
    #: ``Buy (2.1)``, or "–".
    rating: str
    next_results: str
    #: ``26 Jun 2025 · HK$2.50``, or "–".
    ex_dividend: str


@dataclass(frozen=True)
class ConsensusView:
    """The table, the lines under it (where from, why a figure is "–") and the dates line."""

    rows: list[ConsensusRow]
    #: "Dates ahead: China Mobile results 7 Aug 2025; …" (30 days after the session).
    dates_ahead: str
    notes: list[str] = field(default_factory=list)
