"""End to end: every number a note publishes, recomputed independently from the CSV rows.

A small deterministic CSV folder (classic Yahoo layout, real XHKG sessions) goes through
the real pipeline; the JSON note is then checked figure by figure against the
plain-Python reference in :mod:`tests.reference_numbers` (built from the definitions of
issue 4, not from ``concepttrack.analytics``), and the Markdown note is checked to show
the same numbers rounded as ``render/context.py`` documents.

The data has the edge cases that matter:

* ``0700.HK`` has a dividend: its adjusted close is 0.975 x the close before 2024-09-20;
  on the last session it closes at a new 52-week high on 4x its usual volume;
* ``9888.HK`` is suspended (no rows) for the four sessions 6-9 Jan 2025, after the event;
* ``0763.HK`` has an adjustment inside the 5-day window and is unchanged on 31 Mar 2025;
* ``2513.HK`` lists on 3 Mar 2025, after the event: no base price, so it is left out of
  the basket, and it has exactly 20 daily returns on 31 Mar 2025;
* ``^HSI`` has no bar on 15 Jul 2024 (beta and correlation use the dates both have);
* the event is on 25 Dec 2024, a Hong Kong holiday: the base is the close of 24 Dec.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
from pathlib import Path
from typing import Any

import pytest

from concepttrack import pipeline
from concepttrack.calendar import sessions
from concepttrack.themes import parse_themes
from tests import reference_numbers as ref

EVENT = dt.date(2024, 12, 25)
FIRST = dt.date(2023, 9, 1)
LAST = dt.date(2025, 4, 30)
SUSPENDED = (dt.date(2025, 1, 6), dt.date(2025, 1, 9))
LISTED = dt.date(2025, 3, 3)
HSI_GAP = dt.date(2024, 7, 15)
AS_OF = dt.date(2025, 3, 31)
PREVIOUS = dt.date(2025, 3, 28)
RESUMED = dt.date(2025, 1, 10)
DURING_SUSPENSION = dt.date(2025, 1, 8)

REL = 1e-9
ABS = 1e-12
MINUS = "\N{MINUS SIGN}"
DASH = "\N{EN DASH}"
DAGGER = "\N{DAGGER}"

#: Catalysts besides the event (issue 10's event study): one before the data's estimation
#: window can fill (not enough history), one inside the event's estimation window (an
#: overlap, studied on a shorter history), one after most as-of sessions (after the as-of,
#: or a window not yet complete).
CATALYSTS = [
    (dt.date(2023, 10, 3), "Early news"),
    (dt.date(2024, 6, 3), "Mid news"),
    (dt.date(2025, 3, 20), "Late news"),
]

STOCKS = [
    # code, name, name_zh, custom weight
    ("00700", "Tencent", "騰訊控股", 3.0),
    ("09888", "Baidu", "百度集團", 2.0),
    ("00763", "ZTE", None, 1.0),
    ("02513", "Zhipu", "智譜", 4.0),
]


def book_yaml(theme_id: str, *, weights: bool, event: dt.date = EVENT) -> str:
    lines = [
        "themes:",
        f"  - id: {theme_id}",
        "    title: Cross check",
        "    title_zh: 交叉核對",
        "    thesis: A thesis.",
        f"    event: {{date: {event.isoformat()}, title: The news}}",
        "    catalysts:",
        *(f"      - {{date: {day.isoformat()}, title: {title}}}" for day, title in CATALYSTS),
        "    stocks:",
    ]
    for code, name, name_zh, weight in STOCKS:
        entry = f'code: "{code}", name: {name}, rationale: Why.'
        if name_zh:
            entry += f", name_zh: {name_zh}"
        if weights:
            entry += f", weight: {weight}"
        lines.append(f"      - {{{entry}}}")
    return "\n".join(lines) + "\n"


# --- the CSV folder ---------------------------------------------------------------------


def _walk(seed: int, days: list[dt.date], start: float) -> list[float]:
    rng = random.Random(seed)
    price, out = start, []
    for _ in days:
        price = round(price * (1 + rng.gauss(0.0004, 0.018)), 3)
        out.append(price)
    return out


def _write(
    path: Path, days: list[dt.date], close: list[float], adj: list[float], seed: int
) -> None:
    rng = random.Random(seed)
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for day, c, a in zip(days, close, adj, strict=True):
        volume = rng.randint(1_000_000, 5_000_000)
        if path.stem == "0700.HK" and day == AS_OF:
            volume *= 4
        high, low = round(c * 1.012, 3), round(c * 0.988, 3)
        lines.append(f"{day.isoformat()},{c!r},{high!r},{low!r},{c!r},{a!r},{volume}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_prices(folder: Path) -> list[dt.date]:
    """The CSV folder; returns the XHKG sessions it was written on."""
    folder.mkdir(parents=True)
    days = [d.date() for d in sessions("XHKG", FIRST, LAST)]
    assert EVENT not in days  # a holiday

    # 0700.HK: dividend before 2024-09-20; a new 52-week high on AS_OF.
    close = _walk(1, days, 300.0)
    t = days.index(AS_OF)
    year = [c for d, c in zip(days, close, strict=True) if AS_OF - dt.timedelta(365) < d < AS_OF]
    close[t] = round(max(year) * 1.02, 3)
    adj = [
        c * (0.975 if d < dt.date(2024, 9, 20) else 1.0) for d, c in zip(days, close, strict=True)
    ]
    _write(folder / "0700.HK.csv", days, close, adj, 11)

    # 9888.HK: suspended after the event (rows absent).
    kept = [d for d in days if not SUSPENDED[0] <= d <= SUSPENDED[1]]
    close = _walk(2, kept, 90.0)
    _write(folder / "9888.HK.csv", kept, close, list(close), 12)

    # 0763.HK: an adjustment on 2025-03-26 (inside the 5-day window); unchanged on AS_OF.
    close = _walk(3, days, 25.0)
    close[t] = close[t - 1]
    adj = [
        c * (0.99 if d < dt.date(2025, 3, 26) else 1.0) for d, c in zip(days, close, strict=True)
    ]
    _write(folder / "0763.HK.csv", days, close, adj, 13)

    # 2513.HK: listed after the event; closes mid-range on AS_OF.
    listed = [d for d in days if d >= LISTED]
    close = _walk(4, listed, 150.0)
    k = listed.index(AS_OF)
    close[k] = round((max(close[:k]) + min(close[:k])) / 2, 3)
    _write(folder / "2513.HK.csv", listed, close, list(close), 14)

    # ^HSI: one missing bar in the 1Y window.
    kept = [d for d in days if d != HSI_GAP]
    close = _walk(5, kept, 17000.0)
    _write(folder / "HSI.csv", kept, close, list(close), 15)

    # 000063.SZ (ZTE's A share, from the package's A+H table) on the Shenzhen sessions,
    # and CNYHKD=X on weekdays but AS_OF, so the note's FX close is the one carried from
    # the weekday before (issue 18: the A/H premium).
    a_days = [d.date() for d in sessions("XSHG", FIRST, LAST)]
    close = _walk(6, a_days, 30.0)
    _write(folder / "000063.SZ.csv", a_days, close, list(close), 16)
    weekdays = [
        FIRST + dt.timedelta(days=n)
        for n in range((LAST - FIRST).days + 1)
        if (FIRST + dt.timedelta(days=n)).weekday() < 5 and FIRST + dt.timedelta(days=n) != AS_OF
    ]
    rates = [round(1.08 + 0.01 * ((i % 40) / 40), 5) for i in range(len(weekdays))]
    _write(folder / "CNYHKD=X.csv", weekdays, rates, list(rates), 17)
    return days


def read_prices(folder: Path) -> dict[str, ref.Bars]:
    files = {"0700.HK": "0700.HK", "9888.HK": "9888.HK", "0763.HK": "0763.HK"}
    files |= {"2513.HK": "2513.HK", "^HSI": "HSI"}
    files |= {"000063.SZ": "000063.SZ", "CNYHKD=X": "CNYHKD=X"}
    return {symbol: ref.read_csv(folder / f"{name}.csv") for symbol, name in files.items()}


# --- comparing --------------------------------------------------------------------------

#: Text the price layer or the analytics word freely; checked for presence, not wording.
FREE_TEXT = {"reason", "excluded_reason", "base_reason"}


def differences(actual: Any, expected: Any, path: str = "snapshot") -> list[str]:
    """Where ``actual`` differs: floats beyond 1e-9 relative (1e-12 absolute near 0),
    None where a figure must be missing, keys the reference does not check."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: {actual!r} is not an object"]
        # A reason's code and parameters (``*_coded``) are data about free text too.
        free = FREE_TEXT | {key for key in actual if key.endswith("_coded")}
        found = [f"{path}: unchecked keys {sorted(set(actual) - set(expected) - free)}"]
        found = found if set(actual) - set(expected) - free else []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{path}.{key} missing")
            else:
                found += differences(actual[key], value, f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: {actual!r}, want {expected!r}"]
        return [
            line
            for i, (a, e) in enumerate(zip(actual, expected, strict=True))
            for line in differences(a, e, f"{path}[{i}]")
        ]
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return [] if actual == expected else [f"{path}: {actual!r}, want {expected!r}"]
    number = isinstance(actual, int | float) and not isinstance(actual, bool)
    if number and math.isclose(actual, expected, rel_tol=REL, abs_tol=ABS):
        return []
    return [f"{path}: {actual!r}, want {expected!r}"]


def assert_same(actual: Any, expected: Any) -> None:
    found = differences(actual, expected)
    assert not found, "\n".join(found)


def check_snapshot(snapshot: dict[str, Any], expected: dict[str, Any]) -> None:
    expected = dict(expected)
    series = expected.pop("series")
    expected["basket"] = dict(expected["basket"])
    excluded = expected["basket"].pop("excluded")
    actual = dict(snapshot)
    actual_series = actual.pop("series")
    actual["basket"] = dict(actual["basket"])
    actual_excluded = actual["basket"].pop("excluded")
    assert_same(actual, expected)

    # Left out of the basket: named, with a reason, and weight 0.
    assert sorted(actual_excluded) == excluded
    assert all(isinstance(why, str) and why for why in actual_excluded.values())
    for stock in snapshot["stocks"]:
        if stock["in_basket"]:
            assert stock["excluded_reason"] is None
        else:
            assert stock["excluded_reason"], stock["symbol"]
        state = stock["status"]["status"]
        assert (stock["status"]["reason"] is None) == (state == "fresh"), stock["status"]
    # Contributions add up to the basket's since-event return.
    contributions = [s["contribution"] for s in snapshot["stocks"] if s["in_basket"]]
    assert math.fsum(contributions) == pytest.approx(
        snapshot["basket"]["returns"]["since_event"], rel=REL, abs=ABS
    )
    check_series(actual_series, series, snapshot)


def check_series(
    actual: dict[str, Any], expected: dict[str, Any], snapshot: dict[str, Any]
) -> None:
    """Chart series: every published point equals the reference, rebased at the base."""
    as_of, base = snapshot["as_of"], snapshot["basket"]["base_session"]

    def points(name: str, data: dict[str, Any], want: dict[dt.date, float]) -> None:
        days, values = data["sessions"], data["values"]
        assert len(days) == len(values), name
        assert days, f"series.{name} is empty"
        assert days == sorted(days), name
        assert days[-1] <= as_of, name
        assert base in days or name.startswith("stocks"), f"series.{name} lacks the base"
        for day, value in zip(days, values, strict=True):
            key = dt.date.fromisoformat(day)
            assert key in want, f"series.{name}: {day} is not a bar"
            assert math.isclose(value, want[key], rel_tol=REL), (
                f"series.{name} {day}: {value!r}, want {want[key]!r}"
            )

    points("basket", actual["basket"], expected["basket"])
    # The basket's line ends at its last session (the as-of session unless it is stale).
    assert actual["basket"]["sessions"][-1] == snapshot["basket"]["last_session"]
    assert list(expected["basket"])[-1].isoformat() == snapshot["basket"]["last_session"]
    points("benchmark", actual["benchmark"], expected["benchmark"])
    for symbol, data in actual["stocks"].items():
        if data["sessions"]:
            points(f"stocks.{symbol}", data, expected["stocks"][symbol])
    start = actual["basket"]["sessions"][0]
    for symbol, want in expected["stocks"].items():
        if not want or max(want).isoformat() < start:
            continue  # no bar in the charted range (not traded since before the lead-in)
        assert actual["stocks"].get(symbol, {}).get("sessions"), f"no chart series for {symbol}"


# --- the Markdown note ------------------------------------------------------------------


def _signed(value: float) -> str:
    text = f"{100 * value:+.1f}"
    if float(text) == 0:
        return "0.0"
    return text.replace("-", MINUS)


def pct(value: float | None) -> str:
    return DASH if value is None else _signed(value) + "%"


def pp(value: float | None) -> str:
    return DASH if value is None else _signed(value) + " pp"


def share(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f}%"


def ratio(value: float | None, decimals: int = 2) -> str:
    return DASH if value is None else f"{value:.{decimals}f}".replace("-", MINUS)


def price(value: float | None) -> str:
    return DASH if value is None else f"{value:,.2f}"


def day_text(iso: str | None) -> str:
    if iso is None:
        return DASH
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%b')} {day.year}"


BACKCAST = "\N{SECTION SIGN}"


def mark(text: str, value: object, stale: bool) -> str:
    return text + DAGGER if stale and value is not None else text


def expected_markdown_lines(snapshot: dict[str, Any]) -> list[str]:
    """Lines the note must contain, each number formatted from the JSON value."""
    basket, bench = snapshot["basket"], snapshot["benchmark"]
    bench_stale = bench["status"]["status"] != "fresh"
    basket_stale = basket["status"] == "stale"
    lines = []
    for label, window in (
        ("Since event", "since_event"),
        ("1 day", "one_day"),
        ("5 days", "five_day"),
        ("1 month", "one_month"),
        ("Year to date", "ytd"),
    ):
        b, m, x = basket["returns"][window], bench["returns"][window], basket["excess"][window]
        back = BACKCAST if window in basket["backcast"] and b is not None else ""
        lines.append(
            f"| {label} | {mark(pct(b), b, basket_stale)}{back} | {mark(pct(m), m, bench_stale)} | "
            f"{mark(pp(x), x, bench_stale or basket_stale)}{back if x is not None else ''} |"
        )
    lines.append(
        f"- Basket level: **{mark(ratio(basket['level'], 1), basket['level'], basket_stale)}** · "
        "HSI close: "
        f"{mark(price(bench['last_close']), bench['last_close'], bench_stale)}"
    )
    for s in snapshot["stocks"]:
        stale = s["status"]["status"] == "stale"
        r, x = s["returns"], s["excess"]
        state = s["status"]["status"]
        status = {"fresh": "Fresh", "missing": "Missing"}.get(
            state, f"Stale · last {day_text(s['status']['last_session'])}"
        )
        if not s["in_basket"]:
            status += " · not in basket"
        currency = "HK\\$" if s["last_close"] is not None else ""  # Markdown escapes $
        cells = [
            s["code"],
            s["name"],
            s["name_zh"] or "",
            f"{currency}{mark(price(s['last_close']), s['last_close'], stale)}",
            *(mark(pct(r[w]), r[w], stale) for w in ("one_day", "five_day", "one_month")),
            f"**{mark(pct(r['since_event']), r['since_event'], stale)}**",
            mark(pp(x["since_event"]), x["since_event"], stale),
            mark(ratio(s["volume_ratio"]), s["volume_ratio"], stale),
            mark(pct(s["from_high_52w"]), s["from_high_52w"], stale),
            share(s["weight"]) if s["in_basket"] else DASH,
            share(s["weight_now"]) if s["in_basket"] else DASH,
            mark(pp(s["contribution"]), s["contribution"], stale),
            status,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    names = {s["symbol"]: f"{s['name']} ({s['code']})" for s in snapshot["stocks"]}
    risk_rows = [
        ("Concept basket", basket["risk"], basket_stale),
        ("Hang Seng Index", bench["risk"], bench_stale),
    ]
    risk_rows += [
        (names[s["symbol"]], s["risk"], s["status"]["status"] == "stale")
        for s in snapshot["stocks"]
    ]
    for label, risk, stale in risk_rows:
        # The basket's 1Y figures that reach back before its base are marked back-cast (§).
        back = basket["backcast"] if label == "Concept basket" else []

        def cast(text: str, name: str, risk: dict[str, Any] = risk, back: list[str] = back) -> str:
            return text + BACKCAST if name in back and risk[name] is not None else text

        dd = risk["drawdown_since_event"]
        dates = (
            f"{day_text(dd['peak_session'])} → {day_text(dd['trough_session'])}"
            if dd["peak_session"] and dd["trough_session"] and dd["max_drawdown"]
            else DASH
        )
        cells = [
            cast(mark(share(risk["volatility_1y"]), risk["volatility_1y"], stale), "volatility_1y"),
            mark(pct(dd["max_drawdown"]), dd["max_drawdown"], stale),
            dates,
            cast(mark(ratio(risk["beta_1y"]), risk["beta_1y"], stale), "beta_1y"),
            cast(
                mark(ratio(risk["correlation_1y"]), risk["correlation_1y"], stale), "correlation_1y"
            ),
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    facts = snapshot["narrative"]
    since = facts["basket_since_event"]
    rounded = round(100 * since, 1)
    size = f"{abs(100 * since):.1f}%"
    event = f"the event on {day_text(snapshot['event_date'])}"
    sessions = f"({facts['sessions_after_event']} sessions ago)"
    if basket_stale:
        # A stale basket's move is told as of its last session, never as "is up" today.
        verb = "rose" if rounded > 0 else "fell" if rounded < 0 else "was flat"
        move = f"{verb} {size}{DAGGER}" if rounded else f"{verb}{DAGGER}"
        lines.append(
            f"From {event} {sessions} to {day_text(basket['last_session'])} the basket {move}"
        )
        lines.append(
            "The concept basket has no prices for this session: no constituent has traded "
            f"since {day_text(basket['last_session'])}"
        )
    else:
        verb = "is up" if rounded > 0 else "is down" if rounded < 0 else "is flat"
        move = f"{verb} {size}" if rounded else verb
        sentence = f"Since {event} {sessions} the basket {move}"
        if facts["benchmark_behind_basket"]:
            lines.append(sentence + ".")
        else:
            lines.append(f"{sentence}, against {pct(facts['benchmark_since_event'])} for the HSI.")
    return lines


def check_markdown(text: str, snapshot: dict[str, Any]) -> None:
    rows = set(text.splitlines())
    for line in expected_markdown_lines(snapshot):
        if not line.startswith("|") and not line.startswith("- "):
            assert line in text, f"not in the note: {line}"
        else:
            assert line in rows, f"not a line of the note: {line}"


# --- running the pipeline ---------------------------------------------------------------


def run_note(
    tmp_path: Path,
    folder: Path,
    theme_id: str,
    *,
    weights: bool,
    as_of: dt.date,
    out: str,
    also: tuple[str, ...] = (),
) -> tuple[dict[str, Any], str, pipeline.RunResult]:
    """Run the pipeline for ``theme_id`` (and the themes of the ``also`` books)."""
    text = book_yaml(theme_id, weights=weights)
    text += "".join(extra.split("\n", 1)[1] for extra in also)
    result = pipeline.run(
        list(parse_themes(text, "book.yaml")),
        pipeline.RunOptions(
            formats=("md", "json"),
            out_dir=tmp_path / out,
            source=f"csv:{folder}",
            cache_path=tmp_path / "c.sqlite",
            as_of=as_of,
        ),
    )
    stem = tmp_path / out / theme_id / as_of.isoformat()
    note = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    return note, stem.with_suffix(".md").read_text(encoding="utf-8"), result


def expected_for(
    folder: Path,
    days: list[dt.date],
    theme_id: str,
    *,
    weights: bool,
    as_of: dt.date,
    event: dt.date = EVENT,
) -> dict[str, Any]:
    from concepttrack.symbols import to_yahoo

    stocks = [
        ref.Constituent(to_yahoo(code), code, name, name_zh, weight if weights else None)
        for code, name, name_zh, weight in STOCKS
    ]
    return ref.expected_snapshot(
        theme_id=theme_id,
        stocks=stocks,
        benchmark="^HSI",
        bars=read_prices(folder),
        sessions=days,
        event=event,
        as_of=as_of,
        source=f"csv:{folder}",
        catalysts=CATALYSTS,
    )


@pytest.fixture(scope="module")
def prices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dt.date]]:
    folder = tmp_path_factory.mktemp("numbers") / "prices"
    return folder, write_prices(folder)


def test_equal_weights_every_figure_and_markdown(
    tmp_path: Path, prices: tuple[Path, list[dt.date]]
) -> None:
    folder, days = prices
    # A second theme whose event is a session: the day 9888.HK resumes trading, so the
    # basket's base session (9 Jan 2025) is one of its suspended days (price carried).
    on_session = book_yaml("cross-session", weights=False, event=RESUMED)
    note, md, result = run_note(
        tmp_path, folder, "cross-eq", weights=False, as_of=AS_OF, out="r", also=(on_session,)
    )
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    assert note["schema_version"] == 1
    assert note["kind"] == "concepttrack.note"
    assert note["since_last_note"] is None
    expected = expected_for(folder, days, "cross-eq", weights=False, as_of=AS_OF)
    check_snapshot(note["snapshot"], expected)
    check_markdown(md, note["snapshot"])

    # Sanity of the scenario itself, so the edge cases really are exercised.
    snap = note["snapshot"]
    assert snap["basket"]["base_session"] == "2024-12-24"
    listed = snap["stocks"][3]
    assert not listed["in_basket"]
    assert listed["returns"]["since_event"] is None
    assert listed["risk"]["volatility_1y"] is not None  # exactly 20 returns
    assert snap["breadth"]["unchanged"] == 1
    assert snap["stocks"][0]["returns"]["one_day"] != snap["stocks"][0]["excess"]["one_day"]
    # ZTE's A/H premium (issue 18) is computed, with the FX close carried from the day before.
    zte = next(s["ah_premium"] for s in snap["stocks"] if s["symbol"] == "0763.HK")
    assert zte["premium"] is not None
    assert zte["change_since_event"] is not None
    assert zte["fx_status"] == "carried"
    assert [s["symbol"] for s in snap["stocks"] if s["ah_premium"]] == ["0763.HK"]
    # The event study's edge cases (issue 10) are exercised too.
    studies = {c["title"]: c for c in snap["events"]["catalysts"]}
    assert list(studies) == ["Early news", "Mid news", "The news", "Late news"]
    assert studies["Early news"]["basket"]["reason_code"] == "not_enough_history"
    event = studies["The news"]
    assert event["basket"]["t0"] == "2024-12-27"  # 25 Dec is a holiday
    assert [o["title"] for o in event["overlaps"]] == ["Mid news"]
    assert event["stocks"][0]["n"] == 249  # the HSI's missing bar is dropped
    assert event["stocks"][3]["reason_code"] == "before_data"  # listed after the event
    assert all(w["car"] is not None for w in event["basket"]["windows"])
    late = studies["Late news"]["basket"]["windows"]
    assert [w["reason_code"] for w in late] == [None, None, "window_incomplete"]

    other = json.loads((tmp_path / "r/cross-session/2025-03-31.json").read_text(encoding="utf-8"))
    expected = expected_for(
        folder, days, "cross-session", weights=False, as_of=AS_OF, event=RESUMED
    )
    check_snapshot(other["snapshot"], expected)
    check_markdown(
        (tmp_path / "r/cross-session/2025-03-31.md").read_text(encoding="utf-8"),
        other["snapshot"],
    )
    assert other["snapshot"]["basket"]["base_session"] == "2025-01-09"
    assert other["snapshot"]["stocks"][1]["in_basket"]


@pytest.fixture(scope="module")
def custom_note(
    tmp_path_factory: pytest.TempPathFactory, prices: tuple[Path, list[dt.date]]
) -> tuple[dict[str, Any], str, pipeline.RunResult, dict[str, Any]]:
    """Custom weights, as of a session inside 9888.HK's suspension, before 2513.HK lists."""
    folder, days = prices
    tmp_path = tmp_path_factory.mktemp("custom")
    note, md, result = run_note(
        tmp_path, folder, "cross-w", weights=True, as_of=DURING_SUSPENSION, out="r"
    )
    expected = expected_for(folder, days, "cross-w", weights=True, as_of=DURING_SUSPENSION)
    return note, md, result, expected


def test_custom_weights_with_a_suspended_and_an_unlisted_stock(
    custom_note: tuple[dict[str, Any], str, pipeline.RunResult, dict[str, Any]],
) -> None:
    note, md, result, expected = custom_note
    outcome = result.outcomes[0]
    assert outcome.status == "incomplete"
    assert outcome.stale == ["9888.HK"]
    assert outcome.missing == ["2513.HK"]
    check_snapshot(note["snapshot"], expected)
    check_markdown(md, note["snapshot"])
    weights = {s["symbol"]: s["weight"] for s in note["snapshot"]["stocks"]}
    assert weights == pytest.approx(
        {"0700.HK": 0.5, "9888.HK": 2 / 6, "0763.HK": 1 / 6, "2513.HK": 0}
    )
    assert "Custom weights: largest weight 50.0%" in md
    # Not equal weights: the equal-weight basket's since-event return is shown beside the
    # basket's (recomputed in reference_numbers), with no fundamentals in the folder.
    weighting = note["snapshot"]["valuation"]["weighting"]
    equal = expected["valuation"]["weighting"]["equal_since_event"]
    assert weighting["equal_since_event"] == pytest.approx(equal, rel=1e-12)
    assert equal != pytest.approx(note["snapshot"]["basket"]["returns"]["since_event"])
    assert f"equal-weight basket {equal * 100:+.1f}%" in md
    # The suspended stock is carried in the basket at its last close.
    assert note["snapshot"]["stocks"][1]["status"]["last_session"] == "2025-01-03"


def test_stale_stock_excess_uses_the_same_window(
    custom_note: tuple[dict[str, Any], str, pipeline.RunResult, dict[str, Any]],
) -> None:
    note, _, _, expected = custom_note
    stale = [s for s in note["snapshot"]["stocks"] if s["status"]["status"] == "stale"]
    assert [s["symbol"] for s in stale] == ["9888.HK"]
    want = next(s for s in expected["stocks"] if s["symbol"] == "9888.HK")
    assert_same(stale[0]["excess"], want["excess"])


def test_since_last_note_between_consecutive_sessions(
    tmp_path: Path, prices: tuple[Path, list[dt.date]]
) -> None:
    folder, days = prices
    before, _, _ = run_note(tmp_path, folder, "cross-eq", weights=False, as_of=PREVIOUS, out="r")
    check_snapshot(
        before["snapshot"], expected_for(folder, days, "cross-eq", weights=False, as_of=PREVIOUS)
    )
    note, md, _ = run_note(tmp_path, folder, "cross-eq", weights=False, as_of=AS_OF, out="r")
    since = note["since_last_note"]
    then, now = before["snapshot"], note["snapshot"]
    assert since["previous_as_of"] == PREVIOUS.isoformat()
    assert since["basket_change"] == pytest.approx(
        now["basket"]["level"] / then["basket"]["level"] - 1, rel=REL, abs=ABS
    )
    hsi = read_prices(folder)["^HSI"]
    change = hsi.adj[hsi.dates.index(AS_OF)] / hsi.adj[hsi.dates.index(PREVIOUS)] - 1
    assert since["benchmark_change"] == pytest.approx(change, rel=REL, abs=ABS)
    fresh = [s for s in now["stocks"] if s["status"]["status"] == "fresh"]
    assert since["new_52w_highs"] == [
        s["symbol"] for s in fresh if s["last_close"] == s["high_52w"]
    ]
    assert since["new_52w_lows"] == [s["symbol"] for s in fresh if s["last_close"] == s["low_52w"]]
    assert "0700.HK" in since["new_52w_highs"]
    spikes = {s["symbol"]: s["volume_ratio"] for s in fresh if s["volume_ratio"] > 2}
    assert set(since["volume_spikes"]) == set(spikes) == {"0700.HK"}
    for symbol, value in spikes.items():
        assert since["volume_spikes"][symbol] == pytest.approx(value, rel=REL)
    for key in ("became_stale", "recovered", "stocks_added", "stocks_removed", "new_views"):
        assert since[key] == [], key
    line = f"Basket {pct(since['basket_change'])} vs HSI {pct(since['benchmark_change'])} since"
    assert line in md
    assert re.search(r"Volume spike: Tencent \(00700\) at \d+\.\d× its 5-day average\.", md)


# --- stale data: the basket and the benchmark ---------------------------------------------


def cut_copy(source: Path, folder: Path, last: dict[str, dt.date]) -> None:
    """A copy of the CSV folder with each named file's rows after ``last[stem]`` removed."""
    folder.mkdir(parents=True)
    for path in sorted(source.glob("*.csv")):
        lines = path.read_text(encoding="utf-8").splitlines()
        end = last.get(path.stem)
        if end is not None:
            lines = lines[:1] + [
                line for line in lines[1:] if dt.date.fromisoformat(line[:10]) <= end
            ]
        (folder / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def key_row(md: str, label: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"| {label} |"))


def test_every_constituent_stale_the_basket_ends_at_its_last_session(
    tmp_path: Path, prices: tuple[Path, list[dt.date]]
) -> None:
    """The first user-acceptance case: no constituent trades near the as-of session.

    Members end on 17, 20 and 24 Mar 2025; 2513.HK (not in the basket) on 26 Mar; the
    HSI on 10 Apr; the note is as of 30 Apr. The basket's last session is 24 Mar.
    """
    source, days = prices
    folder = tmp_path / "stale"
    basket_last = dt.date(2025, 3, 24)
    cut_copy(
        source,
        folder,
        {
            "0700.HK": dt.date(2025, 3, 20),
            "9888.HK": basket_last,
            "0763.HK": dt.date(2025, 3, 17),
            "2513.HK": dt.date(2025, 3, 26),
            "HSI": dt.date(2025, 4, 10),
        },
    )
    note, md, result = run_note(tmp_path, folder, "cross-eq", weights=False, as_of=LAST, out="r")
    assert result.outcomes[0].stale == ["0700.HK", "9888.HK", "0763.HK", "2513.HK", "^HSI"]
    expected = expected_for(folder, days, "cross-eq", weights=False, as_of=LAST)
    snap = note["snapshot"]
    check_snapshot(snap, expected)
    check_markdown(md, snap)

    basket = snap["basket"]
    assert (basket["status"], basket["last_session"]) == ("stale", basket_last.isoformat())
    assert basket["carried"] == ["0700.HK", "0763.HK"]
    # Figures end at 24 Mar: real moves, not the flat carried days to 30 Apr.
    assert snap["series"]["basket"]["sessions"][-1] == basket_last.isoformat()
    assert basket["returns"]["one_day"] != 0.0
    assert basket["returns"]["five_day"] != 0.0
    # Excess over the same window: the HSI to 24 Mar, not to its own last bar.
    hsi = read_prices(folder)["^HSI"]
    base = max(i for i, d in enumerate(hsi.dates) if d < EVENT)
    hsi_to_last = hsi.adj[hsi.dates.index(basket_last)] / hsi.adj[base] - 1
    assert basket["excess"]["since_event"] == pytest.approx(
        basket["returns"]["since_event"] - hsi_to_last, rel=REL
    )
    own = snap["benchmark"]["returns"]["since_event"]
    assert basket["excess"]["since_event"] != pytest.approx(basket["returns"]["since_event"] - own)
    # Leaders since the event are still reported, from stale constituents, and flagged.
    assert snap["breadth"]["leader_since_event"] is not None
    assert snap["breadth"]["laggard_since_event"] is not None
    assert snap["breadth"]["no_bar"] == 4
    facts = snap["narrative"]
    assert facts["basket_stale"]
    assert facts["benchmark_stale"]
    assert not facts["benchmark_behind_basket"]

    leaders = next(line for line in md.splitlines() if "Leader / laggard since event" in line)
    assert DASH not in leaders
    assert leaders.count(DAGGER) == 2
    for label in ("Since event", "1 day", "5 days", "1 month", "Year to date"):
        cells = key_row(md, label).removesuffix(" |").split(" | ")
        assert all(cell.endswith(DAGGER) for cell in cells[1:4]), cells
    assert "24 Mar 2025" in md.split("## What moved")[0]  # the key-figures note
    moved = md.split("## What moved")[1].split("##")[0]
    assert "The concept basket has no prices for this session" in moved
    assert "On the day" not in moved
    assert "was flat" not in moved
    assert "is flat" not in moved
    assert "Over the five sessions to 24 Mar 2025" in moved
    assert "over the same sessions" in moved
    assert "the basket carries the last price of Tencent, ZTE to 24 Mar 2025" in moved


def test_stale_benchmark_gives_no_excess_to_later_sessions(
    tmp_path: Path, prices: tuple[Path, list[dt.date]]
) -> None:
    """The second user-acceptance case: only the benchmark is stale.

    The HSI ends on 25 Mar 2025 and the note is as of 28 Mar: the fresh stocks and the
    basket have no same-window benchmark return, so no excess (never against the HSI
    to 25 Mar). ZTE ends on 24 Mar, which the HSI has: its excess is measured to 24 Mar.
    Baidu ends on 15 Jul 2024, a session the HSI skipped: no excess either, although the
    HSI has later bars (the window would end on another day).
    """
    source, days = prices
    folder = tmp_path / "stale-hsi"
    cut_copy(
        source,
        folder,
        {"HSI": dt.date(2025, 3, 25), "0763.HK": dt.date(2025, 3, 24), "9888.HK": HSI_GAP},
    )
    note, md, _ = run_note(tmp_path, folder, "cross-eq", weights=False, as_of=PREVIOUS, out="r")
    expected = expected_for(folder, days, "cross-eq", weights=False, as_of=PREVIOUS)
    snap = note["snapshot"]
    check_snapshot(snap, expected)
    check_markdown(md, snap)

    stocks = {s["symbol"]: s for s in snap["stocks"]}
    for symbol in ("0700.HK", "2513.HK", "9888.HK"):
        assert set(stocks[symbol]["excess"].values()) == {None}, symbol
    assert stocks["0700.HK"]["returns"]["since_event"] is not None
    zte = stocks["0763.HK"]
    hsi = read_prices(folder)["^HSI"]
    to_24 = hsi.adj[hsi.dates.index(dt.date(2025, 3, 24))]
    base = max(i for i, d in enumerate(hsi.dates) if d < EVENT)
    assert zte["excess"]["since_event"] == pytest.approx(
        zte["returns"]["since_event"] - (to_24 / hsi.adj[base] - 1), rel=REL
    )
    # Baidu has not traded since before the event: in the basket at its carried price,
    # no since-event return of its own, contributing exactly 0.
    assert stocks["9888.HK"]["returns"]["since_event"] is None
    assert stocks["9888.HK"]["contribution"] == 0.0

    basket = snap["basket"]
    assert (basket["status"], basket["last_session"]) == ("fresh", PREVIOUS.isoformat())
    assert set(basket["excess"].values()) == {None}
    assert basket["carried"] == ["9888.HK", "0763.HK"]
    facts = snap["narrative"]
    assert facts["benchmark_behind_basket"]
    assert facts["benchmark_stale"]
    assert not facts["basket_stale"]

    row = key_row(md, "Since event").removesuffix(" |").split(" | ")
    assert not row[1].endswith(DAGGER)
    assert row[2].endswith(DAGGER)
    assert row[3] == DASH
    tencent = next(line for line in md.splitlines() if line.startswith("| 00700 |"))
    assert f" | {DASH} | " in tencent
    assert "the HSI has no bar on 28 Mar 2025" in md
    moved = md.split("## What moved")[1].split("##")[0]
    assert "against" not in moved
    assert "while the HSI" not in moved
    assert "The HSI has no bar since 25 Mar 2025" in moved
