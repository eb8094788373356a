"""Trading sessions and as-of resolution, from exchange-calendars.

A *session* is an exchange-local trading day, represented as a tz-naive midnight
timestamp (the same convention as :mod:`concepttrack.prices.frame`). Hong Kong
stocks and HK indices use ``XHKG``, mainland A-shares ``XSHG`` (Shenzhen shares its
holidays), everything else ``XNYS``.

Calendar objects take a few hundred milliseconds to build, so each is built once per
process and kept. ``exchange_calendars`` (and pandas) are imported on first use so
that ``concepttrack --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from concepttrack.errors import UsageError
from concepttrack.symbols import market_of

if TYPE_CHECKING:
    import pandas as pd

#: Earliest date any calendar is built from; older history is not this tool's business.
CALENDAR_START = dt.date(1990, 1, 1)
#: Exchanges whose recorded holidays start later than CALENDAR_START.
_CALENDAR_STARTS = {"XSHG": dt.date(1991, 1, 1)}
#: How long after the official close a session counts as "closed" for the default
#: as-of: Yahoo and most vendors publish the final daily bar within minutes, and the
#: HKEX closing auction ends at 16:10, so 30 minutes keeps notes off half-built bars.
CLOSE_MARGIN = dt.timedelta(minutes=30)


def exchange_for(symbol: str) -> str:
    """The exchange-calendars code for a Yahoo symbol: XHKG, XSHG or XNYS."""
    return market_of(symbol).exchange


@dataclass(frozen=True)
class _Calendar:
    """A built calendar and the dates it can answer for."""

    xcal: Any
    first: dt.date
    last: dt.date


@cache
def _calendar(exchange: str) -> _Calendar:
    """The exchange-calendars object for ``exchange``, built once per process."""
    import exchange_calendars as xcals

    start = _CALENDAR_STARTS.get(exchange, CALENDAR_START)
    try:
        with warnings.catch_warnings():
            # exchange-calendars 4.13 uses pandas APIs that pandas 3.1 deprecates; the
            # warnings are about its code, not ours, and would fail a warnings-as-errors run.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            # No explicit end: exchange-calendars then stops where its holiday rules
            # stop (about a year ahead), where an explicit later end would raise.
            xcal = xcals.get_calendar(exchange, start=start.isoformat())
            # Build the lazily computed parts now, inside the filter.
            _ = xcal.day, xcal.sessions, xcal.closes
    except xcals.errors.InvalidCalendarName as exc:
        raise UsageError(
            f"unknown exchange calendar {exchange!r}",
            hint="Use XHKG (Hong Kong), XSHG (Shanghai/Shenzhen) or XNYS (New York).",
        ) from exc
    return _Calendar(xcal, start, xcal.last_session.date())


def _check(exchange: str, day: dt.date) -> _Calendar:
    cal = _calendar(exchange)
    if not cal.first <= day <= cal.last:
        raise UsageError(
            f"{day.isoformat()} is outside the {exchange} trading calendar "
            f"({cal.first.isoformat()} to {cal.last.isoformat()})",
            hint="Pick a date inside that range; holiday rules are only known up to its "
            "last date (a newer exchange-calendars release extends it).",
        )
    return cal


def sessions(exchange: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Sessions from ``start`` to ``end`` inclusive: tz-naive midnights named ``session``."""
    import pandas as pd

    if end < start:
        return pd.DatetimeIndex([], dtype="datetime64[ns]", name="session")
    _check(exchange, start)
    cal = _check(exchange, end)
    found = cal.xcal.sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))
    return pd.DatetimeIndex(found.values, dtype="datetime64[ns]", name="session")


def is_session(exchange: str, day: dt.date) -> bool:
    """True when ``day`` is a trading session on ``exchange``."""
    import pandas as pd

    cal = _check(exchange, day)
    return bool(cal.xcal.is_session(pd.Timestamp(day)))


def session_on_or_before(exchange: str, day: dt.date) -> dt.date:
    """The last session on or before ``day`` (what ``--as-of DATE`` resolves to)."""
    import pandas as pd

    cal = _check(exchange, day)
    found: pd.Timestamp = cal.xcal.date_to_session(pd.Timestamp(day), direction="previous")
    return found.date()


def previous_session(exchange: str, day: dt.date) -> dt.date:
    """The last session strictly before ``day``."""
    return session_on_or_before(exchange, day - dt.timedelta(days=1))


def session_close(exchange: str, day: dt.date) -> dt.datetime:
    """When session ``day`` closes, as an aware UTC datetime (early closes included)."""
    import pandas as pd

    cal = _check(exchange, day)
    if not cal.xcal.is_session(pd.Timestamp(day)):
        raise UsageError(f"{day.isoformat()} is not an {exchange} trading session")
    close: pd.Timestamp = cal.xcal.session_close(pd.Timestamp(day))
    return close.to_pydatetime()


def default_as_of(now: dt.datetime | None = None, exchange: str = "XHKG") -> dt.date:
    """The latest session whose close plus :data:`CLOSE_MARGIN` (30 min) has passed at ``now``.

    ``now`` must be timezone-aware and defaults to the current time. For XHKG a run
    at 16:29 Hong Kong time still gets the previous session; at 16:30 it gets today.
    """
    if now is None:
        now = dt.datetime.now(dt.UTC)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise UsageError("default_as_of needs a timezone-aware time")
    local_day = now.astimezone(_calendar(exchange).xcal.tz).date()
    candidate = session_on_or_before(exchange, local_day)
    if session_close(exchange, candidate) + CLOSE_MARGIN <= now:
        return candidate
    return previous_session(exchange, candidate)


def sessions_between(exchange: str, after: dt.date, through: dt.date) -> int:
    """How many sessions fall in ``(after, through]``; 0 when ``through <= after``."""
    if through <= after:
        return 0
    return len(sessions(exchange, after + dt.timedelta(days=1), through))
