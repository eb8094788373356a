"""The "Southbound holdings" section's view types (issue 18), below :mod:`.view` and the
section builder (:mod:`concepttrack.render.sections.southbound`), like ``events_view``."""

from __future__ import annotations

from dataclasses import dataclass, field

from concepttrack.render.view_base import Figure

__all__ = ["SouthboundRow", "SouthboundView"]


@dataclass(frozen=True)
class SouthboundRow:
    """One HK stock's Southbound figures, every cell preformatted."""

    code: str
    name: str
    date: str
    shares_held: Figure
    pct_of_h_shares: Figure
    change_5_pp: Figure
    change_20_pp: Figure
    change_5_shares: Figure
    change_20_shares: Figure
    eligible: str


@dataclass(frozen=True)
class SouthboundView:
    """The "Southbound holdings" section: its rows and the lines under the table."""

    rows: list[SouthboundRow]
    notes: list[str] = field(default_factory=list)
