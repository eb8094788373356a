"""Cross-checks: one symbol's closes from two sources, compared on a common basis.

Pure functions on :class:`~concepttrack.prices.frame.SymbolHistory` (no I/O, no fetch),
used by ``concepttrack report --check-against SOURCE`` (the note keeps the primary
source's prices and says where the second source differs) and by ``concepttrack prices
compare`` (two sources, no note).

The rule, documented in the README and the note's data appendix:

1. **Window.** Sessions in ``[start, end]`` that both sources have are compared; a
   session only one source has is *counted* (``only_primary`` / ``only_other``), never
   flagged: a missing bar is a gap, not a wrong price.
2. **Basis.** When both sources hold traded closes, traded closes are compared as they
   are (basis ``traded``). When either holds only dividend-adjusted closes
   (``SymbolMeta.close_is_adjusted``: a ``yf.download(auto_adjust=True)`` export), the
   traded side is put on the adjusted basis first (its adjusted close derived from its
   traded closes and dividends, :func:`adjusted_close`), and since each source anchors
   its adjusted closes at the end of its own history (a later export is scaled down by
   every dividend paid since), the other source's series is rescaled by the median ratio
   of the two over the common sessions (basis ``adjusted``; the factor is reported as
   ``scale``). A constant factor is no difference; a step (one source missing a dividend)
   or a wrong print still is.
3. **Splits aligned.** For each split in the window (either source's ``splits`` column),
   the sessions before it are compared as a block: if one source's closes there are the
   other's times the split ratio, that source is quoted before the split and is divided
   by the ratio (the split's session is listed in ``splits_aligned``).
4. **Tolerance.** A session differs when ``|other - primary| / primary`` exceeds the
   tolerance (:data:`DEFAULT_TOLERANCE`, 0.5 %). The largest difference (session, both
   values, fraction) is reported whether or not it exceeds the tolerance.

Nothing here chooses a source: the caller keeps the primary's prices and shows the result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from concepttrack.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.prices.frame import SymbolHistory

__all__ = [
    "DEFAULT_TOLERANCE",
    "CrossCheck",
    "Difference",
    "SymbolCheck",
    "adjusted_close",
    "compare_frames",
    "compare_history",
    "parse_tolerance",
]

#: A session differs when the two closes are further apart than this fraction (0.5 %).
DEFAULT_TOLERANCE = 0.005
#: Largest tolerance accepted (50 %): anything wider checks nothing.
MAX_TOLERANCE = 0.5

Basis = Literal["traded", "adjusted"]


@dataclass(frozen=True)
class Difference:
    """One session's closes from the two sources, on the compared basis."""

    session: dt.date
    primary: float
    other: float
    #: ``(other - primary) / primary`` (a fraction: 0.012 is 1.2 %).
    change: float


@dataclass(frozen=True)
class SymbolCheck:
    """One symbol's cross-check."""

    symbol: str
    #: ``traded`` (traded closes as they are) or ``adjusted`` (dividend-adjusted closes,
    #: the other source rescaled by ``scale``); None when there was nothing to compare.
    basis: Basis | None
    #: Sessions both sources have in the window (the sessions compared).
    sessions: int
    #: Sessions in the window only the primary source has (counted, not flagged).
    only_primary: int
    #: Sessions in the window only the other source has (counted, not flagged).
    only_other: int
    #: Compared sessions whose difference exceeds the tolerance.
    over: int
    #: The compared session with the largest absolute difference (None: none compared).
    largest: Difference | None
    #: Every session over the tolerance, oldest first.
    flagged: tuple[Difference, ...] = ()
    #: Split sessions across which one source was brought to the other's basis.
    splits_aligned: tuple[dt.date, ...] = ()
    #: Adjusted basis: the factor the other source's closes were multiplied by.
    scale: float | None = None
    #: True when the other source had no bar for the symbol in the window.
    missing_other: bool = False
    #: True when the primary source had no bar for the symbol in the window.
    missing_primary: bool = False

    @property
    def differs(self) -> bool:
        return self.over > 0


@dataclass(frozen=True)
class CrossCheck:
    """A cross-check of every symbol of a note (or of ``prices compare``)."""

    #: Source names (``SymbolMeta.source`` / ``PriceSource.name``): kept and checked against.
    primary: str
    against: str
    tolerance: float
    start: dt.date
    end: dt.date
    symbols: tuple[SymbolCheck, ...] = ()

    @property
    def differing(self) -> list[SymbolCheck]:
        return [check for check in self.symbols if check.differs]

    @property
    def unchecked(self) -> list[SymbolCheck]:
        """Symbols the other source had no bar for."""
        return [check for check in self.symbols if check.missing_other]

    @property
    def compared(self) -> list[SymbolCheck]:
        """Symbols with at least one session both sources have."""
        return [check for check in self.symbols if check.sessions > 0]

    def to_dict(self, *, flagged: bool = True) -> dict[str, Any]:
        """Plain JSON-able data, as in the JSON twin (``flagged=False``: without the list of
        every session over the tolerance, for the run record)."""
        plain: dict[str, Any] = _plain(self)
        plain["differing"] = [check.symbol for check in self.differing]
        for check in plain["symbols"]:
            check["differs"] = check["over"] > 0
            if not flagged:
                check.pop("flagged")
        return plain

    def summary(self) -> str:
        """One console line: what differs, how often, the largest difference, and where."""
        head = (
            f"cross-check against {self.against}: {len(self.compared)} symbol(s) compared, "
            f"tolerance {self.tolerance * 100:g}%"
        )
        if not self.differing:
            parts = [f"{head}: all agree"]
        else:
            parts = [f"{head}: {len(self.differing)} differ"]
            for check in self.differing:
                parts.append(describe(check, self.primary, self.against))
        if self.unchecked:
            missing = ", ".join(c.symbol for c in self.unchecked)
            parts.append(f"no data from {self.against} for {missing}")
        elsewhere = [c.symbol for c in self.symbols if c.missing_primary and not c.missing_other]
        common = [c.symbol for c in self.symbols if c.sessions == 0 and c.basis is not None]
        if elsewhere:
            parts.append(f"no data from {self.primary} for {', '.join(elsewhere)}")
        if common:
            parts.append(f"no session in common for {', '.join(common)}")
        return "; ".join(parts)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def describe(check: SymbolCheck, primary: str, against: str) -> str:
    """``0941.HK on 3 of 120 sessions (adjusted basis), largest 2025-03-20: 80.10 (csv) vs
    82.00 (alt), +2.37%`` — the console's words for one symbol's differences."""
    largest = check.largest
    text = f"{check.symbol} on {check.over} of {check.sessions} sessions ({check.basis} basis)"
    if largest is not None:
        text += (
            f", largest {largest.session.isoformat()}: {console_price(largest.primary)} "
            f"({primary}) vs {console_price(largest.other)} ({against}), "
            f"{largest.change * 100:+.2f}%"
        )
    return text


def console_price(value: float) -> str:
    """A close for a console line (not a note): three decimals below 10, else two."""
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.2f}"


def parse_tolerance(text: str | float) -> float:
    """``"0.5%"``, ``"0.5"`` or ``0.5`` (percent) -> 0.005; a usage error otherwise."""
    raw = str(text).strip()
    number = raw[:-1].strip() if raw.endswith("%") else raw
    try:
        value = float(number) / 100
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > MAX_TOLERANCE:
        raise UsageError(
            f"tolerance {raw!r} is not a percentage between 0 and {MAX_TOLERANCE * 100:g}",
            hint="Write it as a percentage, e.g. 0.5%.",
        )
    return value


# --- the basis ---------------------------------------------------------------------------


def adjusted_close(bars: pd.DataFrame) -> pd.Series:
    """The dividend-adjusted close derived from traded closes and cash dividends, by the
    price layer's one method (:func:`concepttrack.prices.adjust.adjusted_close`); splits
    are left to the split alignment (:func:`_align_splits`), so the closes are taken as
    split-adjusted here."""
    from concepttrack.prices.adjust import adjusted_close as derive

    return derive(bars, split_adjusted=True)


def _series(history: SymbolHistory, basis: Basis) -> pd.Series:
    bars = history.bars
    meta = history.meta
    if basis == "traded" or (meta is not None and meta.close_is_adjusted):
        # An adjusted-only series holds its adjusted close in ``close``.
        return bars["close"].astype("float64")
    return adjusted_close(bars)


def _align_splits(
    primary: pd.Series, other: pd.Series, events: Sequence[tuple[pd.Timestamp, float]]
) -> tuple[pd.Series, pd.Series, list[dt.date]]:
    """Bring the side quoted before each split to the other's basis (latest split first)."""
    import numpy as np

    aligned: list[dt.date] = []
    for when, ratio in sorted(events, reverse=True):
        before = primary.index < when
        if not before.any():
            continue
        ratios = (primary[before] / other[before]).to_numpy()
        ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
        if len(ratios) == 0:
            continue
        middle = math.log(float(np.median(ratios)))
        candidates = {0.0: "none", math.log(ratio): "primary", -math.log(ratio): "other"}
        choice = candidates[min(candidates, key=lambda c: abs(c - middle))]
        if choice == "primary":
            primary = primary.where(~before, primary / ratio)
        elif choice == "other":
            other = other.where(~before, other / ratio)
        if choice != "none":
            aligned.append(pd_date(when))
    return primary, other, sorted(aligned)


def pd_date(stamp: pd.Timestamp) -> dt.date:
    return dt.date(stamp.year, stamp.month, stamp.day)


def pd_timestamp(value: object) -> pd.Timestamp:
    import pandas as pd

    return pd.Timestamp(value)  # type: ignore[arg-type]


def _splits(
    history: SymbolHistory, start: pd.Timestamp, end: pd.Timestamp
) -> set[tuple[pd.Timestamp, float]]:
    bars = history.bars
    if bars.empty:
        return set()
    window = bars.loc[start:end, "splits"]
    return {
        (pd_timestamp(stamp), float(ratio))
        for stamp, ratio in window.items()
        if ratio > 0 and abs(float(ratio) - 1.0) > 1e-9
    }


def compare_history(
    primary: SymbolHistory,
    other: SymbolHistory,
    *,
    start: dt.date,
    end: dt.date,
    tolerance: float = DEFAULT_TOLERANCE,
) -> SymbolCheck:
    """One symbol's closes from two sources over ``[start, end]`` (see the module doc)."""
    import numpy as np
    import pandas as pd

    first, last = pd.Timestamp(start), pd.Timestamp(end)
    own = primary.bars.loc[first:last]
    theirs = other.bars.loc[first:last]
    if theirs.empty or own.empty:
        return SymbolCheck(
            primary.symbol,
            None,
            0,
            len(own),
            len(theirs),
            0,
            None,
            missing_other=theirs.empty,
            missing_primary=own.empty,
        )
    adjusted_only = any(h.meta is not None and h.meta.close_is_adjusted for h in (primary, other))
    basis: Basis = "adjusted" if adjusted_only else "traded"
    mine = _series(_within(primary, own), basis)
    yours = _series(_within(other, theirs), basis)
    common = mine.index.intersection(yours.index)
    only_primary = len(mine.index.difference(yours.index))
    only_other = len(yours.index.difference(mine.index))
    a, b = mine.loc[common], yours.loc[common]
    events = _splits(primary, first, last) | _splits(other, first, last)
    a, b, aligned = _align_splits(a, b, list(events))
    scale: float | None = None
    if basis == "adjusted" and len(common):
        ratios = (a / b).to_numpy()
        ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
        scale = float(np.median(ratios)) if len(ratios) else 1.0
        b = b * scale
    change = (b - a) / a
    flagged: list[Difference] = []
    largest: Difference | None = None
    for stamp, mine_value, your_value, moved in zip(
        common, a.to_numpy(), b.to_numpy(), change.to_numpy(), strict=True
    ):
        if not math.isfinite(moved):
            continue
        found = Difference(pd_date(stamp), float(mine_value), float(your_value), float(moved))
        if largest is None or abs(moved) > abs(largest.change):
            largest = found
        if abs(moved) > tolerance:
            flagged.append(found)
    return SymbolCheck(
        primary.symbol,
        basis,
        len(common),
        only_primary,
        only_other,
        len(flagged),
        largest,
        tuple(flagged),
        tuple(aligned),
        scale,
    )


def _within(history: SymbolHistory, bars: pd.DataFrame) -> SymbolHistory:
    from concepttrack.prices.frame import SymbolHistory

    return SymbolHistory(history.symbol, bars, history.meta)


def compare_frames(
    primary: Mapping[str, SymbolHistory],
    other: Mapping[str, SymbolHistory],
    *,
    primary_name: str,
    other_name: str,
    start: dt.date,
    end: dt.date,
    tolerance: float = DEFAULT_TOLERANCE,
    symbols: Sequence[str] | None = None,
) -> CrossCheck:
    """Every symbol of ``symbols`` (default: the primary's) compared with ``other``."""
    from concepttrack.prices.frame import SymbolHistory, empty_bars

    checks = []
    for symbol in symbols if symbols is not None else list(primary):
        mine = primary.get(symbol) or SymbolHistory(symbol, empty_bars(), None)
        yours = other.get(symbol) or SymbolHistory(symbol, empty_bars(), None)
        checks.append(compare_history(mine, yours, start=start, end=end, tolerance=tolerance))
    return CrossCheck(primary_name, other_name, tolerance, start, end, tuple(checks))
