"""Trading sessions and the default as-of session."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from concepttrack import calendar
from concepttrack.errors import UsageError

HK = ZoneInfo("Asia/Hong_Kong")


@pytest.mark.parametrize(
    ("symbol", "exchange"),
    [
        ("9888.HK", "XHKG"),
        ("^HSI", "XHKG"),
        ("^HSTECH", "XHKG"),
        ("600519.SS", "XSHG"),
        ("000001.SZ", "XSHG"),
        ("NVDA", "XNYS"),
    ],
)
def test_exchange_for(symbol: str, exchange: str) -> None:
    assert calendar.exchange_for(symbol) == exchange


def test_sessions_skip_lunar_new_year() -> None:
    found = calendar.sessions("XHKG", dt.date(2024, 2, 8), dt.date(2024, 2, 16))

    assert [d.date().isoformat() for d in found] == [
        "2024-02-08",
        "2024-02-09",
        "2024-02-14",
        "2024-02-15",
        "2024-02-16",
    ]
    assert found.name == "session"
    assert found.tz is None
    assert calendar.sessions("XHKG", dt.date(2024, 2, 16), dt.date(2024, 2, 8)).empty


def test_session_lookups() -> None:
    assert calendar.session_on_or_before("XHKG", dt.date(2024, 2, 13)) == dt.date(2024, 2, 9)
    assert calendar.session_on_or_before("XHKG", dt.date(2024, 2, 16)) == dt.date(2024, 2, 16)
    assert calendar.previous_session("XHKG", dt.date(2024, 2, 14)) == dt.date(2024, 2, 9)
    assert calendar.is_session("XHKG", dt.date(2024, 2, 16))
    assert not calendar.is_session("XHKG", dt.date(2024, 2, 12))
    assert not calendar.is_session("XNYS", dt.date(2024, 7, 4))


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (dt.datetime(2024, 2, 16, 16, 29, tzinfo=HK), dt.date(2024, 2, 15)),  # margin not passed
        (dt.datetime(2024, 2, 16, 16, 30, tzinfo=HK), dt.date(2024, 2, 16)),
        (dt.datetime(2024, 2, 16, 9, 0, tzinfo=HK), dt.date(2024, 2, 15)),
        (dt.datetime(2024, 2, 13, 12, 0, tzinfo=HK), dt.date(2024, 2, 9)),  # holiday
        (dt.datetime(2024, 2, 17, 10, 0, tzinfo=HK), dt.date(2024, 2, 16)),  # Saturday
        # Christmas Eve is a half day (close 12:00): by 12:30 it counts.
        (dt.datetime(2024, 12, 24, 12, 30, tzinfo=HK), dt.date(2024, 12, 24)),
    ],
)
def test_default_as_of(local: dt.datetime, expected: dt.date) -> None:
    assert calendar.default_as_of(local.astimezone(dt.UTC)) == expected


def test_default_as_of_needs_an_aware_time() -> None:
    with pytest.raises(UsageError):
        calendar.default_as_of(dt.datetime(2024, 2, 16, 12, 0))


def test_dates_outside_the_calendar_are_a_usage_error() -> None:
    with pytest.raises(UsageError) as caught:
        calendar.sessions("XHKG", dt.date(1980, 1, 1), dt.date(1981, 1, 1))
    assert caught.value.message.startswith(
        "1980-01-01 is outside the XHKG trading calendar (1990-01-01 to "
    )
    with pytest.raises(UsageError):
        calendar.session_on_or_before("XHKG", dt.date(2200, 1, 1))


def test_unknown_exchange() -> None:
    with pytest.raises(UsageError) as caught:
        calendar.sessions("XXXX", dt.date(2024, 1, 1), dt.date(2024, 1, 5))
    assert caught.value.message == "unknown exchange calendar 'XXXX'"


def test_calendars_are_built_once() -> None:
    calendar.sessions("XHKG", dt.date(2024, 1, 1), dt.date(2024, 1, 5))
    first = calendar._calendar("XHKG")
    calendar.sessions("XHKG", dt.date(2023, 1, 1), dt.date(2023, 1, 5))
    assert calendar._calendar("XHKG") is first
    assert isinstance(first.xcal.sessions, pd.DatetimeIndex)
