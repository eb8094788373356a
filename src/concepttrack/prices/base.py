"""The seam every price source plugs into: the :class:`PriceSource` protocol.

A source is one module with a class satisfying this protocol (and, optionally,
:class:`~concepttrack.prices.records.FundamentalsSource`) plus one entry in
:mod:`concepttrack.prices.registry`. Imports nothing of the project at run time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from concepttrack.prices.frame import SymbolHistory

__all__ = ["PriceSource"]


@runtime_checkable
class PriceSource(Protocol):
    """Where daily bars come from. One batched :meth:`fetch` call per run."""

    @property
    def name(self) -> str:
        """Cache key: bars from sources with different names never mix."""
        ...

    @property
    def label(self) -> str:
        """How messages name the source ("Yahoo", "demo", "CSV folder prices/")."""
        ...

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        """Bars of every symbol in ``[start, end]``; per-symbol failures set ``failed``."""
        ...

    def revision(self, symbol: str) -> str | None:
        """A cheap version token (a file's mtime); a change forces a full re-read."""
        ...
