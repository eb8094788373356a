"""The small view types every part of a note's view shares: a figure, its tone, a definition.

Below :mod:`concepttrack.render.view` and the section views (``events_view``,
``valuation_view``), which all import these, so none of them imports another's module
to get them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["STALE_MARK", "Definition", "Figure", "Tone", "figure", "tone"]

Tone = Literal["up", "down", "flat", "na"]
STALE_MARK = "\N{DAGGER}"


@dataclass(frozen=True)
class Figure:
    """One displayed number: its text (with a dagger when stale) and its colour class."""

    text: str
    tone: Tone = "flat"
    stale: bool = False


def tone(value: float | None) -> Tone:
    """Colour class of a signed figure: up, down, flat or na (missing)."""
    if value is None:
        return "na"
    if round(100 * value, 1) > 0:
        return "up"
    if round(100 * value, 1) < 0:
        return "down"
    return "flat"


def figure(text: str, value: float | None, *, stale: bool = False, signed: bool = True) -> Figure:
    """A displayed figure: the dagger when stale, the colour class from the value's sign."""
    if value is not None and stale:
        text += STALE_MARK
    return Figure(text, tone(value) if signed else ("na" if value is None else "flat"), stale)


@dataclass(frozen=True)
class Definition:
    """A methodology term and its exact definition in plain words."""

    term: str
    text: str
