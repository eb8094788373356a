"""Notes keep coming past exchange-calendars' horizon, with a frozen clock in 2027.

exchange-calendars 4.13 knows XSHG sessions only to 2026-12-31. The price files here
follow the real calendars to then and, in 2027, trade every weekday except New Year's
Day and the mainland's Lunar New Year closure (Friday 5 to Friday 12 February 2027);
Hong Kong follows its own (known) calendar, closed on 8 and 9 February 2027.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from concepttrack import calendar, pipeline
from concepttrack.cli_support import ConsoleReporter
from concepttrack.errors import EXIT_DATA, EXIT_OK
from concepttrack.themes import ThemeBook, parse_themes

BOOK = """\
version: 1
themes:
  - id: ah-mainland
    title: A+H with the mainland first
    thesis: The basket lives on the Shanghai calendar.
    calendar: XSHG
    event: {date: 2026-10-15, title: The news}
    stocks:
      - {code: "600519.SS", name: Kweichow Moutai, rationale: Mainland.}
      - {code: "000001.SZ", name: Ping An Bank, rationale: Shenzhen.}
      - {code: "00700", name: Tencent, rationale: Hong Kong.}
  - id: ah-hk
    title: A+H with Hong Kong first
    thesis: The basket lives on the Hong Kong calendar.
    event: {date: 2026-10-15, title: The news}
    stocks:
      - {code: "00700", name: Tencent, rationale: Hong Kong.}
      - {code: "09988", name: Alibaba, rationale: Hong Kong.}
      - {code: "600519.SS", name: Kweichow Moutai, rationale: Mainland.}
      - {code: "000001.SZ", name: Ping An Bank, rationale: Shenzhen.}
"""

XSHG_EDGE = dt.date(2026, 12, 31)
MAINLAND_CLOSED = {dt.date(2027, 1, 1)} | {dt.date(2027, 2, d) for d in range(5, 13)}
#: Wednesday 10 February 2027, 18:00 in Hong Kong: HKEX open, the mainland closed.
CNY_EVENING = dt.datetime(2027, 2, 10, 10, 0, tzinfo=dt.UTC)
HK_SYMBOLS = ("0700.HK", "9988.HK", "^HSI")
A_SYMBOLS = ("600519.SS", "000001.SZ")


@pytest.fixture(autouse=True)
def _needs_the_xshg_horizon() -> None:
    if calendar.horizon("XSHG") != XSHG_EDGE:  # pragma: no cover - a newer release
        pytest.skip("this exchange-calendars knows XSHG past 2026; the tests assume 4.13")


@pytest.fixture
def book() -> ThemeBook:
    return parse_themes(BOOK, "book.yaml")


def weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def mainland_days(end: dt.date = dt.date(2027, 2, 19)) -> list[dt.date]:
    known = [ts.date() for ts in calendar.sessions("XSHG", dt.date(2025, 6, 2), XSHG_EDGE)]
    later = [d for d in weekdays(XSHG_EDGE + dt.timedelta(days=1), end) if d not in MAINLAND_CLOSED]
    return known + later


def hk_days(start: dt.date = dt.date(2025, 6, 2), end: dt.date = dt.date(2027, 2, 19)) -> list:
    return [ts.date() for ts in calendar.sessions("XHKG", start, end)]


def write_csv(folder: Path, symbol: str, days: Iterable[dt.date], price: float = 50.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for i, day in enumerate(days):
        close = price * (1 + 0.002 * (i % 9 - 4))
        lines.append(f"{day},{close},{close * 1.01},{close * 0.99},{close},{close},100000")
    (folder / f"{symbol}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_market(folder: Path, a_share_end: dict[str, dt.date] | None = None) -> None:
    for symbol in HK_SYMBOLS:
        write_csv(folder, symbol, hk_days())
    for symbol in A_SYMBOLS:
        end = (a_share_end or {}).get(symbol, dt.date(2027, 2, 19))
        write_csv(folder, symbol, mainland_days(end), price=20.0)
    # The A-shares are in an HKD theme: without the pair the note would be incomplete.
    write_csv(folder, "CNYHKD=X", weekdays(dt.date(2025, 6, 2), dt.date(2027, 2, 19)), 1.08)


def options(tmp_path: Path, **overrides: object) -> pipeline.RunOptions:
    values: dict[str, object] = {
        "formats": ("md", "json"),
        "out_dir": tmp_path / "reports",
        "source": f"csv:{tmp_path / 'prices'}",
        "cache_path": tmp_path / "cache.sqlite",
        "now": CNY_EVENING,
    }
    values.update(overrides)
    return pipeline.RunOptions(**values)  # type: ignore[arg-type]


def statuses(note: Path) -> dict[str, dict[str, object]]:
    snapshot = json.loads(note.read_text(encoding="utf-8"))["snapshot"]
    found = {s["symbol"]: s["status"] for s in snapshot["stocks"]}
    found[snapshot["benchmark"]["symbol"]] = snapshot["benchmark"]["status"]
    return found


def test_lunar_new_year_2027_past_the_xshg_horizon(tmp_path: Path, book: ThemeBook) -> None:
    write_market(tmp_path / "prices")
    result = pipeline.run(list(book), options(tmp_path, strict=True))

    # --strict: nothing is stale, so the run is clean.
    assert result.exit_code == EXIT_OK
    mainland, hk = result.outcomes
    # The mainland-calendar theme: 5-10 Feb had no A-share bar, so were holidays.
    assert (mainland.status, mainland.as_of) == ("ok", dt.date(2027, 2, 4))
    assert (tmp_path / "reports/ah-mainland/2027-02-04.md").is_file()
    assert mainland.calendar_inferred == {"XSHG": XSHG_EDGE}
    # The Hong Kong theme is for HKEX's session of 10 Feb; its A-shares are not stale.
    assert (hk.status, hk.as_of, hk.stale) == ("ok", dt.date(2027, 2, 10), [])

    edge, inferred = result.inferred_calendars["XSHG"]
    assert edge == XSHG_EDGE
    assert dt.date(2027, 2, 4) in inferred
    assert dt.date(2027, 1, 4) in inferred
    assert not set(inferred) & MAINLAND_CLOSED
    assert "XHKG" not in result.inferred_calendars  # HKEX 2027 is known

    hk_status = statuses(tmp_path / "reports/ah-hk/2027-02-10.json")
    for symbol in A_SYMBOLS:
        assert hk_status[symbol] == {
            "symbol": symbol,
            "status": "fresh",
            "last_session": "2027-02-04",
            "reason": "its market did not trade on 10 Feb 2027",
            "reason_coded": {"code": "market_closed", "params": {"date": "2027-02-10"}},
            "calendar_inferred_after": "2026-12-31",
            "served_by": f"csv:{tmp_path / 'prices'}",
            "vendor": f"CSV file {symbol}.csv",
            "source_file": f"{symbol}.csv",
        }
    assert hk_status["0700.HK"]["status"] == "fresh"
    assert hk_status["0700.HK"]["calendar_inferred_after"] is None
    mainland_status = statuses(tmp_path / "reports/ah-mainland/2027-02-04.json")
    assert mainland_status["600519.SS"]["last_session"] == "2027-02-04"
    assert mainland_status["600519.SS"]["calendar_inferred_after"] == "2026-12-31"

    # The data-status rows say so; the run record and the log too.
    md = (tmp_path / "reports/ah-hk/2027-02-10.md").read_text(encoding="utf-8")
    assert md.count("calendar inferred from data after 31 Dec 2026") == len(A_SYMBOLS)
    assert "XSHG sessions after 31 Dec 2026 are the weekdays on which a stock of that" in md
    (record_path,) = (tmp_path / "reports/runs").glob("*.json")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["calendars_inferred"]["XSHG"]["after"] == "2026-12-31"
    assert "2027-02-05" not in record["calendars_inferred"]["XSHG"]["sessions"]
    assert record["themes"][1]["calendar_inferred_after"] == {"XSHG": "2026-12-31"}


def test_an_a_share_that_stopped_trading_is_still_stale(tmp_path: Path, book: ThemeBook) -> None:
    write_market(tmp_path / "prices", {"600519.SS": dt.date(2027, 1, 29)})
    result = pipeline.run(list(book), options(tmp_path, strict=True))

    assert result.exit_code == EXIT_DATA
    mainland, hk = result.outcomes
    assert (hk.status, hk.stale) == ("stale", ["600519.SS"])
    assert (mainland.status, mainland.as_of, mainland.stale) == (
        "stale",
        dt.date(2027, 2, 4),
        ["600519.SS"],
    )


def test_weeks_without_any_a_share_bar_are_missing_data_not_a_holiday(
    tmp_path: Path, book: ThemeBook
) -> None:
    ended = dt.date(2027, 1, 8)
    write_market(tmp_path / "prices", dict.fromkeys(A_SYMBOLS, ended))
    result = pipeline.run(list(book)[1:], options(tmp_path))

    (hk,) = result.outcomes
    assert hk.status == "stale"
    assert sorted(hk.stale) == sorted(A_SYMBOLS)
    _, inferred = result.inferred_calendars["XSHG"]
    # The 22 weekdays from 11 Jan stay sessions (over seven in a row: not a holiday).
    assert dt.date(2027, 1, 11) in inferred
    assert dt.date(2027, 2, 10) in inferred


def test_summary_names_the_inferred_calendar_but_quiet_says_nothing(
    tmp_path: Path, book: ThemeBook, capsys: pytest.CaptureFixture[str]
) -> None:
    write_market(tmp_path / "prices")
    pipeline.run(list(book), options(tmp_path), ConsoleReporter())
    out = capsys.readouterr().out
    assert "calendar: XSHG sessions after 2026-12-31 inferred from the prices returned" in out, out

    pipeline.run(list(book), options(tmp_path, force=True), ConsoleReporter(quiet=True))
    assert capsys.readouterr() == ("", "")


def test_demo_prices_past_the_horizon(tmp_path: Path, book: ThemeBook) -> None:
    result = pipeline.run(list(book), options(tmp_path, source="demo"))
    assert result.exit_code == EXIT_OK
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    # Demo data trades every weekday past the horizon: 10 Feb is a session.
    assert [o.as_of for o in result.outcomes] == [dt.date(2027, 2, 10)] * 2


HK_BOOK = """\
version: 1
themes:
  - id: hk-only
    title: Hong Kong only
    thesis: A thesis.
    event: {date: 2024-01-10, title: The news}
    stocks:
      - {code: "00700", name: Tencent, rationale: Hong Kong.}
      - {code: "09988", name: Alibaba, rationale: Hong Kong.}
"""


@pytest.mark.parametrize(
    ("now", "as_of", "expected"),
    [
        # 18:00 on Tuesday 13 Feb 2024, an HKEX holiday the faked calendar does not know.
        (dt.datetime(2024, 2, 13, 10, 0, tzinfo=dt.UTC), None, dt.date(2024, 2, 9)),
        (dt.datetime(2024, 2, 16, 10, 0, tzinfo=dt.UTC), None, dt.date(2024, 2, 16)),
        (dt.datetime(2024, 2, 20, 10, 0, tzinfo=dt.UTC), dt.date(2024, 2, 12), dt.date(2024, 2, 9)),
    ],
)
def test_xhkg_past_a_faked_horizon_keeps_writing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    now: dt.datetime,
    as_of: dt.date | None,
    expected: dt.date,
) -> None:
    edge = dt.date(2024, 1, 31)
    monkeypatch.setitem(calendar.HORIZON_OVERRIDES, "XHKG", edge)
    prices = tmp_path / "prices"
    days = [ts.date() for ts in calendar.sessions("XHKG", dt.date(2022, 6, 1), edge)]
    days += [
        d for d in weekdays(dt.date(2024, 2, 1), dt.date(2024, 2, 23)) if d.day not in (12, 13)
    ]
    for symbol in HK_SYMBOLS[:3]:
        write_csv(prices, symbol, days)
    book = parse_themes(HK_BOOK, "book.yaml")

    result = pipeline.run(list(book), options(tmp_path, now=now, as_of=as_of, strict=True))

    assert result.exit_code == EXIT_OK
    (outcome,) = result.outcomes
    assert (outcome.status, outcome.as_of) == ("ok", expected)
    assert outcome.calendar_inferred == {"XHKG": edge}
    found = statuses(tmp_path / f"reports/hk-only/{expected.isoformat()}.json")
    assert {s["status"] for s in found.values()} == {"fresh"}
    assert {s["calendar_inferred_after"] for s in found.values()} == {"2024-01-31"}
