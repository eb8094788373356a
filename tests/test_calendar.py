"""Trading sessions and the default as-of session."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

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


@pytest.fixture
def fresh_calendars(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No calendar in memory; the disk cache in this test's own cache folder."""
    calendar._calendar.cache_clear()
    yield
    calendar._calendar.cache_clear()


def test_the_disk_cache_serves_a_new_process_without_exchange_calendars(
    fresh_calendars: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = calendar._calendar("XSHG")
    cached = calendar.cache_dir() / f"XSHG-{calendar._xcals_version()}.json"
    assert cached.is_file()
    assert cached.parent.parent == tmp_path / "concepttrack"
    calendar._calendar.cache_clear()  # as a new process would start

    def refuse(exchange: str) -> None:
        raise AssertionError("built again instead of read from the disk cache")

    monkeypatch.setattr(calendar, "_build", refuse)
    again = calendar._calendar("XSHG")
    assert again == built
    assert again is not built


def test_cached_sessions_and_closes_match_exchange_calendars(
    fresh_calendars: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import warnings

    import exchange_calendars as xcals

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calendar._calendar("XHKG")
    calendar._calendar.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xcal = xcals.get_calendar("XHKG", start="2022-06-01")
    start, end = dt.date(2023, 1, 1), dt.date(2024, 12, 31)
    expected = xcal.sessions_in_range("2023-01-01", "2024-12-31")
    assert [d.date() for d in calendar.sessions("XHKG", start, end)] == [d.date() for d in expected]
    for day in (dt.date(2024, 12, 24), dt.date(2024, 3, 1)):  # a half day and a full day
        assert calendar.session_close("XHKG", day) == xcal.session_close(day).to_pydatetime()
    assert calendar.horizon("XHKG") == xcal.last_session.date()


@pytest.mark.parametrize(
    "damage",
    ["not json", '{"format": 1}', "version", "old"],
)
def test_an_unusable_cache_file_is_rebuilt(
    fresh_calendars: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, damage: str
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    good = calendar._calendar("XSHG")
    path = calendar.cache_dir() / f"XSHG-{calendar._xcals_version()}.json"
    raw = json.loads(path.read_text())
    if damage == "version":
        raw["exchange_calendars"] = "0.0"
        path.write_text(json.dumps(raw))
    elif damage == "old":
        raw["built"] = (dt.date.today() - calendar.CACHE_MAX_AGE - dt.timedelta(days=1)).isoformat()
        path.write_text(json.dumps(raw))
    else:
        path.write_text(damage)
    calendar._calendar.cache_clear()
    builds: list[str] = []
    real_build = calendar._build

    def counting(exchange: str) -> object:
        builds.append(exchange)
        return real_build(exchange)

    monkeypatch.setattr(calendar, "_build", counting)
    assert calendar._calendar("XSHG") == good
    assert builds == ["XSHG"]
    assert json.loads(path.read_text())["built"] == dt.date.today().isoformat()


def test_an_unwritable_cache_folder_still_gives_a_calendar(
    fresh_calendars: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert calendar.is_session("XHKG", dt.date(2024, 2, 16))


# --- past the horizon ---------------------------------------------------------------


def test_xshg_horizon_is_what_exchange_calendars_knows() -> None:
    assert calendar.horizon("XSHG") >= dt.date(2026, 12, 31)
    with pytest.raises(UsageError):
        calendar.sessions("XSHG", dt.date(2024, 1, 1), calendar.horizon("XSHG") + dt.timedelta(1))


@pytest.fixture
def xhkg_horizon(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Pretend exchange-calendars knows XHKG only to Wednesday 31 January 2024."""
    edge = dt.date(2024, 1, 31)
    monkeypatch.setitem(calendar.HORIZON_OVERRIDES, "XHKG", edge)
    return edge


def test_a_faked_horizon_refuses_dates_past_it(xhkg_horizon: dt.date) -> None:
    assert calendar.horizon("XHKG") == xhkg_horizon
    with pytest.raises(UsageError) as caught:
        calendar.session_on_or_before("XHKG", dt.date(2024, 2, 1))
    assert "(1990-01-01 to 2024-01-31)" in caught.value.message


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        # Tuesday 13 Feb 2024 (a real HKEX holiday, unknown past the horizon): weekdays.
        (dt.datetime(2024, 2, 13, 16, 29, tzinfo=HK), dt.date(2024, 2, 12)),
        (dt.datetime(2024, 2, 13, 16, 30, tzinfo=HK), dt.date(2024, 2, 13)),
        (dt.datetime(2024, 2, 18, 10, 0, tzinfo=HK), dt.date(2024, 2, 16)),  # Sunday
        # The first weekday past the horizon before its close: the last known session.
        (dt.datetime(2024, 2, 1, 9, 0, tzinfo=HK), dt.date(2024, 1, 31)),
        # Inside the horizon nothing changes.
        (dt.datetime(2024, 1, 31, 9, 0, tzinfo=HK), dt.date(2024, 1, 30)),
    ],
)
def test_latest_closed_past_the_horizon_is_a_weekday(
    xhkg_horizon: dt.date, local: dt.datetime, expected: dt.date
) -> None:
    assert calendar.latest_closed(local.astimezone(dt.UTC), "XHKG") == expected


def test_regular_close_is_the_usual_local_close() -> None:
    assert calendar.regular_close("XHKG") == dt.time(16, 0)
    assert calendar.regular_close("XSHG") == dt.time(15, 0)


def test_on_or_before_past_the_horizon(xhkg_horizon: dt.date) -> None:
    assert calendar.on_or_before("XHKG", dt.date(2024, 2, 11)) == dt.date(2024, 2, 9)
    assert calendar.on_or_before("XHKG", dt.date(2024, 1, 28)) == dt.date(2024, 1, 26)
    # 3 Feb 2024 is a Saturday, the weekday before it 2 Feb: past the horizon.
    assert calendar.on_or_before("XHKG", dt.date(2024, 2, 3)) == dt.date(2024, 2, 2)


def test_infer_sessions_takes_weekdays_with_bars_after_the_horizon(
    xhkg_horizon: dt.date,
) -> None:
    bars = [
        dt.date(2024, 1, 30),  # before the horizon: known, not inferred
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 2),
        dt.date(2024, 2, 3),  # a Saturday bar is ignored
        dt.date(2024, 2, 14),
        dt.date(2024, 2, 20),  # after ``through``
    ]
    found = calendar.infer_sessions("XHKG", dt.date(2024, 2, 16), bars)
    assert found == (dt.date(2024, 2, 1), dt.date(2024, 2, 2), dt.date(2024, 2, 14))


def test_sessions_through_joins_known_and_inferred(xhkg_horizon: dt.date) -> None:
    inferred = {"XHKG": (dt.date(2024, 2, 1), dt.date(2024, 2, 14), dt.date(2024, 2, 15))}
    found = calendar.sessions_through("XHKG", dt.date(2024, 1, 29), dt.date(2024, 2, 14), inferred)
    assert [d.date() for d in found] == [
        dt.date(2024, 1, 29),
        dt.date(2024, 1, 30),
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 14),
    ]
    assert found.name == "session"
    with pytest.raises(UsageError):
        calendar.sessions_through("XHKG", dt.date(2024, 1, 29), dt.date(2024, 2, 14), {})
