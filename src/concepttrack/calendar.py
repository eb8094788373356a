"""Trading sessions and as-of resolution, from exchange-calendars (cached on disk).

A *session* is an exchange-local trading day, represented as a tz-naive midnight
timestamp (the same convention as :mod:`concepttrack.prices.frame`). Hong Kong
stocks and HK indices use ``XHKG``, mainland A-shares ``XSHG`` (Shenzhen shares its
holidays), everything else ``XNYS``.

**Disk cache.** Building an exchange-calendars object (with its import) costs about
half a second to a second, in every process. The sessions and closes it yields are
plain data, so they are written once to ``<user cache>/calendars/<exchange>-<version>.json``
(next to the price cache; keyed by the exchange-calendars version and rebuilt after
:data:`CACHE_MAX_AGE`, because a calendar's last known session moves with the date
it is built on) and read back in a few milliseconds. A cache that cannot be read or
written is ignored: the calendar is then built in-process, as before.

**Horizon.** exchange-calendars knows an exchange's holidays only up to a date (for
XSHG in 4.13.x: 2026-12-31; for XHKG about a year after the build date). Every
function here refuses a date past :func:`horizon` with a UsageError. Past it, the
caller decides: :func:`latest_closed` and :func:`weekday_on_or_before` give a
provisional as-of session (a weekday), and :func:`infer_sessions` takes the sessions
from the bars a source returned (a weekday on which no symbol of that market traded
is a holiday). :func:`sessions_through` joins the known and the inferred sessions.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import logging
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from concepttrack.errors import UsageError
from concepttrack.symbols import market_of

if TYPE_CHECKING:
    import pandas as pd

LOG = logging.getLogger("concepttrack.calendar")

#: Earliest date any calendar is built from; older history is not this tool's business.
CALENDAR_START = dt.date(1990, 1, 1)
#: Exchanges whose recorded holidays start later than CALENDAR_START.
_CALENDAR_STARTS = {"XSHG": dt.date(1991, 1, 1)}
#: How long after the official close a session counts as "closed" for the default
#: as-of: Yahoo and most vendors publish the final daily bar within minutes, and the
#: HKEX closing auction ends at 16:10, so 30 minutes keeps notes off half-built bars.
CLOSE_MARGIN = dt.timedelta(minutes=30)
#: A cached calendar older than this is rebuilt (its horizon moves with the build date).
CACHE_MAX_AGE = dt.timedelta(days=7)
#: Bump when the cache file's layout changes.
CACHE_FORMAT = 1
#: Tests fake an earlier horizon here (exchange -> last known date); empty in real runs.
HORIZON_OVERRIDES: dict[str, dt.date] = {}
_KNOWN_EXCHANGES = ("XHKG", "XSHG", "XNYS")


def exchange_for(symbol: str) -> str:
    """The exchange-calendars code for a Yahoo symbol: XHKG, XSHG or XNYS."""
    return market_of(symbol).exchange


@dataclass(frozen=True)
class _Calendar:
    """An exchange's sessions and closes, as plain data."""

    exchange: str
    tz: str
    first: dt.date
    #: The last date exchange-calendars knows the holidays for.
    last: dt.date
    #: Session dates as proleptic ordinals, ascending.
    days: tuple[int, ...]
    #: Each session's close as UTC epoch seconds (early closes included).
    closes: tuple[int, ...]

    def to_json(self, version: str, built: dt.date) -> str:
        return json.dumps(
            {
                "format": CACHE_FORMAT,
                "exchange_calendars": version,
                "built": built.isoformat(),
                "exchange": self.exchange,
                "tz": self.tz,
                "first": self.first.isoformat(),
                "last": self.last.isoformat(),
                "days": list(self.days),
                "closes": list(self.closes),
            },
            separators=(",", ":"),
        )


def _xcals_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("exchange-calendars")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        return "unknown"


def cache_dir() -> Path:
    """Where cached calendars live: ``<user cache>/calendars``, beside the price cache."""
    from concepttrack.settings import cache_dir as user_cache_dir

    return user_cache_dir() / "calendars"


def _cache_file(exchange: str, version: str) -> Path:
    return cache_dir() / f"{exchange}-{version}.json"


def _read_cache(exchange: str, version: str, today: dt.date) -> _Calendar | None:
    path = _cache_file(exchange, version)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if (
            raw["format"] != CACHE_FORMAT
            or raw["exchange_calendars"] != version
            or raw["exchange"] != exchange
        ):
            return None
        built = dt.date.fromisoformat(raw["built"])
        if not built <= today <= built + CACHE_MAX_AGE:
            return None
        days = tuple(int(d) for d in raw["days"])
        closes = tuple(int(c) for c in raw["closes"])
        if len(days) != len(closes) or not days:
            return None
        return _Calendar(
            exchange,
            str(raw["tz"]),
            dt.date.fromisoformat(raw["first"]),
            dt.date.fromisoformat(raw["last"]),
            days,
            closes,
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        LOG.debug("ignoring unreadable calendar cache %s: %s", path, exc)
        return None


def _write_cache(calendar: _Calendar, version: str, today: dt.date) -> None:
    from concepttrack.fsutil import atomic_write_text

    path = _cache_file(calendar.exchange, version)
    try:
        atomic_write_text(path, calendar.to_json(version, today))
    except OSError as exc:
        LOG.debug("could not write the calendar cache %s: %s", path, exc)


def _build(exchange: str) -> _Calendar:
    """Build the calendar with exchange-calendars (slow: about half a second or more)."""
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
            sessions = xcal.sessions
            closes = xcal.closes
            tz = str(xcal.tz)
    except xcals.errors.InvalidCalendarName as exc:
        raise UsageError(
            f"unknown exchange calendar {exchange!r}",
            hint="Use XHKG (Hong Kong), XSHG (Shanghai/Shenzhen) or XNYS (New York).",
        ) from exc
    days = tuple(ts.date().toordinal() for ts in sessions)
    seconds = tuple(int(ts.timestamp()) for ts in closes.loc[sessions])
    return _Calendar(exchange, tz, start, sessions[-1].date(), days, seconds)


@cache
def _calendar(exchange: str) -> _Calendar:
    """The calendar of ``exchange``: from the disk cache, else built (and cached)."""
    if exchange not in _KNOWN_EXCHANGES:
        # Let exchange-calendars decide (and name the error) for anything unusual.
        return _build(exchange)
    version = _xcals_version()
    today = dt.date.today()
    found = _read_cache(exchange, version, today)
    if found is not None:
        return found
    built = _build(exchange)
    _write_cache(built, version, today)
    return built


def horizon(exchange: str) -> dt.date:
    """The last date whose sessions exchange-calendars knows for ``exchange``."""
    last = _calendar(exchange).last
    override = HORIZON_OVERRIDES.get(exchange)
    return min(last, override) if override is not None else last


def first_date(exchange: str) -> dt.date:
    """The first date the calendar answers for."""
    return _calendar(exchange).first


def _check(exchange: str, day: dt.date) -> _Calendar:
    cal = _calendar(exchange)
    last = horizon(exchange)
    if not cal.first <= day <= last:
        raise UsageError(
            f"{day.isoformat()} is outside the {exchange} trading calendar "
            f"({cal.first.isoformat()} to {last.isoformat()})",
            hint="Pick a date inside that range; holiday rules are only known up to its "
            "last date (a newer exchange-calendars release extends it).",
        )
    return cal


def _to_index(days: Iterable[dt.date]) -> pd.DatetimeIndex:
    import pandas as pd

    return pd.DatetimeIndex(
        [dt.datetime.combine(d, dt.time()) for d in days], dtype="datetime64[ns]", name="session"
    )


def _session_dates(exchange: str, start: dt.date, end: dt.date) -> list[dt.date]:
    cal = _calendar(exchange)
    lo = bisect.bisect_left(cal.days, start.toordinal())
    hi = bisect.bisect_right(cal.days, end.toordinal())
    return [dt.date.fromordinal(d) for d in cal.days[lo:hi]]


def sessions(exchange: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Sessions from ``start`` to ``end`` inclusive: tz-naive midnights named ``session``."""
    if end < start:
        return _to_index([])
    _check(exchange, start)
    _check(exchange, end)
    return _to_index(_session_dates(exchange, start, end))


def is_session(exchange: str, day: dt.date) -> bool:
    """True when ``day`` is a trading session on ``exchange``."""
    cal = _check(exchange, day)
    at = bisect.bisect_left(cal.days, day.toordinal())
    return at < len(cal.days) and cal.days[at] == day.toordinal()


def session_on_or_before(exchange: str, day: dt.date) -> dt.date:
    """The last session on or before ``day`` (what ``--as-of DATE`` resolves to)."""
    cal = _check(exchange, day)
    at = bisect.bisect_right(cal.days, day.toordinal())
    if at == 0:
        raise UsageError(f"no {exchange} session on or before {day.isoformat()}")
    return dt.date.fromordinal(cal.days[at - 1])


def previous_session(exchange: str, day: dt.date) -> dt.date:
    """The last session strictly before ``day``."""
    return session_on_or_before(exchange, day - dt.timedelta(days=1))


def session_close(exchange: str, day: dt.date) -> dt.datetime:
    """When session ``day`` closes, as an aware UTC datetime (early closes included)."""
    cal = _check(exchange, day)
    at = bisect.bisect_left(cal.days, day.toordinal())
    if at == len(cal.days) or cal.days[at] != day.toordinal():
        raise UsageError(f"{day.isoformat()} is not an {exchange} trading session")
    return dt.datetime.fromtimestamp(cal.closes[at], dt.UTC)


def timezone(exchange: str) -> ZoneInfo:
    """The exchange's local timezone."""
    return ZoneInfo(_calendar(exchange).tz)


def _aware_now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise UsageError("default_as_of needs a timezone-aware time")
    return now


def default_as_of(now: dt.datetime | None = None, exchange: str = "XHKG") -> dt.date:
    """The latest session whose close plus :data:`CLOSE_MARGIN` (30 min) has passed at ``now``.

    ``now`` must be timezone-aware and defaults to the current time. For XHKG a run
    at 16:29 Hong Kong time still gets the previous session; at 16:30 it gets today.
    A ``now`` past the calendar's horizon is a UsageError (see :func:`latest_closed`).
    """
    now = _aware_now(now)
    local_day = now.astimezone(timezone(exchange)).date()
    candidate = session_on_or_before(exchange, local_day)
    if session_close(exchange, candidate) + CLOSE_MARGIN <= now:
        return candidate
    return previous_session(exchange, candidate)


def regular_close(exchange: str) -> dt.time:
    """The usual local closing time: the most common close of the last known sessions."""
    cal = _calendar(exchange)
    zone = timezone(exchange)
    last = bisect.bisect_right(cal.days, horizon(exchange).toordinal())
    recent = cal.closes[max(0, last - 60) : last]
    times = Counter(dt.datetime.fromtimestamp(c, zone).time() for c in recent)
    return times.most_common(1)[0][0]


def weekday_on_or_before(day: dt.date) -> dt.date:
    """The last Monday-to-Friday on or before ``day``."""
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def latest_closed(now: dt.datetime | None, exchange: str) -> dt.date:
    """:func:`default_as_of`, or past the horizon the latest weekday whose regular close
    plus :data:`CLOSE_MARGIN` has passed (a provisional session: a holiday among those
    weekdays is found later, from the bars, by :func:`infer_sessions`)."""
    now = _aware_now(now)
    zone = timezone(exchange)
    local_day = now.astimezone(zone).date()
    if local_day <= horizon(exchange):
        return default_as_of(now, exchange)
    day = weekday_on_or_before(local_day)
    close = dt.datetime.combine(day, regular_close(exchange), zone)
    if close + CLOSE_MARGIN > now:
        day = weekday_on_or_before(day - dt.timedelta(days=1))
    if day <= horizon(exchange):
        return session_on_or_before(exchange, day)
    return day


def on_or_before(exchange: str, day: dt.date) -> dt.date:
    """:func:`session_on_or_before`, or past the horizon the weekday on or before ``day``."""
    if day <= horizon(exchange):
        return session_on_or_before(exchange, day)
    found = weekday_on_or_before(day)
    return found if found > horizon(exchange) else session_on_or_before(exchange, found)


def infer_sessions(
    exchange: str, through: dt.date, bar_days: Iterable[dt.date]
) -> tuple[dt.date, ...]:
    """Sessions after the horizon up to ``through``, from the days bars exist for.

    ``bar_days`` are the days on which any symbol of ``exchange`` has a bar. Past the
    horizon a weekday with such a bar is a session; a weekday without one is a holiday
    (the market did not trade); weekend bars are ignored.
    """
    last = horizon(exchange)
    return tuple(sorted({d for d in bar_days if last < d <= through and d.weekday() < 5}))


def sessions_through(
    exchange: str,
    start: dt.date,
    end: dt.date,
    inferred: Mapping[str, Sequence[dt.date]] | None = None,
) -> pd.DatetimeIndex:
    """:func:`sessions`, with the sessions past the horizon taken from ``inferred``.

    ``inferred[exchange]`` holds the sessions :func:`infer_sessions` found; without
    them, an ``end`` past the horizon is the usual UsageError.
    """
    last = horizon(exchange)
    extra = (inferred or {}).get(exchange)
    if end <= last or extra is None:
        return sessions(exchange, start, end)
    known = _session_dates(exchange, start, last) if start <= last else []
    if start <= last:
        _check(exchange, start)
    beyond = [d for d in extra if max(start, last + dt.timedelta(days=1)) <= d <= end]
    return _to_index([*known, *beyond])


def sessions_between(exchange: str, after: dt.date, through: dt.date) -> int:
    """How many sessions fall in ``(after, through]``; 0 when ``through <= after``."""
    if through <= after:
        return 0
    return len(sessions(exchange, after + dt.timedelta(days=1), through))
