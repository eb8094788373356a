"""End to end: a capped, two-currency theme from CSV files, every new figure recomputed.

The pipeline reads a CSV folder (two HKEX stocks, one Shanghai A-share, the HSI, the
``CNYHKD=X`` FX closes and ``fundamentals.csv``) and writes the note's JSON. This test
recomputes the weighting scheme's weights, the basket in HKD, the contributions, the
A-share's HKD return and excess, the equal-weight basket and the valuation aggregates
in plain Python from the CSV rows and the written definitions (the module docstrings
of ``analytics/weights.py``, ``analytics/basket.py`` and ``analytics/valuation.py``),
without pandas and without concepttrack's analytics, and compares every figure.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from concepttrack import pipeline
from concepttrack.calendar import sessions
from concepttrack.themes import parse_themes

FIRST, LAST = dt.date(2024, 6, 3), dt.date(2024, 11, 29)
#: 1 October is a holiday in both markets; Shanghai is also shut 2-7 October (Golden
#: Week) while Hong Kong trades, so the A-share is carried while CNYHKD moves.
EVENT = dt.date(2024, 9, 24)
AS_OF = dt.date(2024, 11, 29)
CAP = 0.5
BOOK = f"""\
themes:
  - id: ah-capped
    title: Two currencies, capped cap weights
    thesis: A thesis.
    event: {{date: {EVENT.isoformat()}, title: Stimulus}}
    stocks:
      - {{code: "00700", name: Tencent, rationale: Why.}}
      - {{code: "00941", name: China Mobile, rationale: Why.}}
      - {{code: "600030.SS", name: CITIC A, rationale: Why.}}
    weighting: capped
    cap: {CAP}
    currency: HKD
"""
#: symbol -> (file stem, calendar, start price, seed)
SERIES = {
    "0700.HK": ("0700.HK", "XHKG", 300.0, 1),
    "0941.HK": ("0941.HK", "XHKG", 70.0, 2),
    "600030.SS": ("600030.SS", "XSHG", 20.0, 3),
    "^HSI": ("HSI", "XHKG", 17000.0, 4),
}
FUNDAMENTALS = """\
symbol,date,market_cap,shares_outstanding,trailing_pe,price_to_book,dividend_yield,currency
0700.HK,2024-06-28,2.9e12,9.4e9,22.5,4.1,0.008,HKD
0700.HK,2024-09-30,3.8e12,9.3e9,24.0,4.6,0.007,HKD
00941,2024-10-31,1.7e12,21.4e9,,1.2,0.065,HKD
600030.SS,2024-06-28,2.9e11,14.8e9,17.0,1.3,0.021,CNY
600030.SS,2024-11-28,4.1e11,14.8e9,21.0,1.6,,CNY
"""


def _days(calendar: str) -> list[dt.date]:
    return [d.date() for d in sessions(calendar, FIRST, LAST)]


def _weekdays() -> list[dt.date]:
    out, day = [], FIRST
    while day <= LAST:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _walk(seed: int, n: int, start: float, vol: float = 0.02) -> list[float]:
    rng, price, out = random.Random(seed), start, []
    for _ in range(n):
        price = round(price * (1 + rng.gauss(0.0005, vol)), 4)
        out.append(price)
    return out


def write_folder(folder: Path) -> dict[str, dict[dt.date, tuple[float, float]]]:
    """The CSV folder; returns each symbol's rows as {day: (close, adj close)}."""
    folder.mkdir(parents=True)
    rows: dict[str, dict[dt.date, tuple[float, float]]] = {}
    for symbol, (stem, calendar, start, seed) in SERIES.items():
        days = _days(calendar)
        close = _walk(seed, len(days), start)
        # 0700.HK pays a dividend on 2024-08-01: earlier adjusted closes are lower.
        adj = [
            round(c * (0.98 if symbol == "0700.HK" and d < dt.date(2024, 8, 1) else 1.0), 4)
            for d, c in zip(days, close, strict=True)
        ]
        rows[symbol] = {d: (c, a) for d, c, a in zip(days, close, adj, strict=True)}
        lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
        lines += [f"{d},{c},{c},{c},{c},{a},1000000" for d, (c, a) in rows[symbol].items()]
        (folder / f"{stem}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fx_days = [d for d in _weekdays() if d != dt.date(2024, 10, 1)]
    fx = _walk(9, len(fx_days), 1.10, 0.004)
    rows["CNYHKD=X"] = {d: (r, r) for d, r in zip(fx_days, fx, strict=True)}
    lines = ["Date,Open,High,Low,Close,Volume"] + [
        f"{d},{r},{r},{r},{r},0" for d, r in zip(fx_days, fx, strict=True)
    ]
    (folder / "CNYHKD=X.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "fundamentals.csv").write_text(FUNDAMENTALS, encoding="utf-8")
    return rows


# --- the reference, from the definitions ------------------------------------------------


def on_or_before(series: dict[dt.date, tuple[float, float]], day: dt.date, column: int) -> float:
    return series[max(d for d in series if d <= day)][column]


def fundamentals_rows() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    header, *lines = FUNDAMENTALS.strip().splitlines()
    names = header.split(",")
    for line in lines:
        cells = dict(zip(names, line.split(","), strict=True))
        symbol = "0941.HK" if cells["symbol"] == "00941" else cells["symbol"]
        record = {"date": dt.date.fromisoformat(cells["date"])}
        for key in names[2:7]:
            record[key] = float(cells[key]) if cells[key] else None
        record["currency"] = cells["currency"]
        out.setdefault(symbol, []).append(record)
    return out


def capped(weights: dict[str, float], cap: float) -> dict[str, float]:
    """Water-filling: cap the largest while the rest, scaled up, would exceed the cap."""
    order = sorted(weights, key=lambda s: -weights[s])
    fixed: list[str] = []
    while True:
        rest = [s for s in order if s not in fixed]
        room = 1 - cap * len(fixed)
        scale = room / math.fsum(weights[s] for s in rest)
        if weights[rest[0]] * scale <= cap + 1e-12:
            return {s: cap if s in fixed else weights[s] * scale for s in weights}
        fixed.append(rest[0])


def reference(rows: dict[str, dict[dt.date, tuple[float, float]]]) -> dict[str, Any]:
    stocks = ["0700.HK", "0941.HK", "600030.SS"]
    hk_days = [d for d in _days("XHKG") if d <= AS_OF]
    base = max(d for d in hk_days if d < EVENT)
    fx = rows["CNYHKD=X"]

    def rate(symbol: str, day: dt.date) -> float:
        return on_or_before(fx, day, 0) if symbol.endswith(".SS") else 1.0

    def value(symbol: str, day: dt.date) -> float:  # adjusted close in HKD
        return on_or_before(rows[symbol], day, 1) * rate(symbol, day)

    funds = fundamentals_rows()
    caps = {}
    rules = {}
    for symbol in stocks:
        records = funds[symbol]
        before = [r for r in records if r["date"] <= base]
        record = (
            max(before, key=lambda r: r["date"])
            if before
            else min(records, key=lambda r: r["date"])
        )
        rules[symbol] = (record["date"], "on or before base" if before else "after base")
        caps[symbol] = (
            record["shares_outstanding"] * on_or_before(rows[symbol], base, 0) * rate(symbol, base)
        )
    total = math.fsum(caps.values())
    weights = capped({s: c / total for s, c in caps.items()}, CAP)

    def basket(w: dict[str, float]) -> tuple[dict[str, float], float]:
        shares = {s: w[s] * 100 / value(s, base) for s in stocks}
        level = math.fsum(shares[s] * value(s, AS_OF) for s in stocks)
        return shares, level

    shares, level = basket(weights)
    since_event = level / 100 - 1
    contributions = {s: weights[s] * (value(s, AS_OF) / value(s, base) - 1) for s in stocks}
    _, equal_level = basket(dict.fromkeys(stocks, 1 / 3))
    current = {s: shares[s] * value(s, AS_OF) / level for s in stocks}

    # The A-share's own since-event base: its last bar before the event.
    a_days = [d for d in rows["600030.SS"] if d <= AS_OF]
    a_base = max(d for d in a_days if d < EVENT)
    a_last = max(a_days)
    a_local = rows["600030.SS"][a_last][1] / rows["600030.SS"][a_base][1] - 1
    a_hkd = (rows["600030.SS"][a_last][1] * on_or_before(fx, a_last, 0)) / (
        rows["600030.SS"][a_base][1] * on_or_before(fx, a_base, 0)
    ) - 1
    hsi = rows["^HSI"]
    hsi_base = max(d for d in hsi if d < EVENT)
    hsi_to_a_last = hsi[a_last][1] / hsi[hsi_base][1] - 1
    hsi_since = hsi[AS_OF][1] / hsi[hsi_base][1] - 1

    shown = {}
    for symbol in stocks:
        record = max((r for r in funds[symbol] if r["date"] <= AS_OF), key=lambda r: r["date"])
        cap_hkd = record["market_cap"] * (
            on_or_before(fx, record["date"], 0) if record["currency"] == "CNY" else 1.0
        )
        shown[symbol] = {**record, "cap_hkd": cap_hkd}

    def harmonic(key: str) -> float:
        have = {s: current[s] for s in stocks if shown[s][key]}
        total_w = math.fsum(have.values())
        return 1 / math.fsum(w / total_w / shown[s][key] for s, w in have.items())

    def mean(key: str) -> float:
        have = {s: current[s] for s in stocks if shown[s][key] is not None}
        total_w = math.fsum(have.values())
        return math.fsum(w / total_w * shown[s][key] for s, w in have.items())

    return {
        "base": base,
        "weights": weights,
        "rules": rules,
        "caps": caps,
        "since_event": since_event,
        "excess_since_event": since_event - hsi_since,
        "contributions": contributions,
        "equal_since_event": equal_level / 100 - 1,
        "current": current,
        "a_local": a_local,
        "a_hkd": a_hkd,
        "a_excess": a_hkd - hsi_to_a_last,
        "shown": shown,
        "basket_cap": math.fsum(shown[s]["cap_hkd"] for s in stocks),
        "basket_pe": harmonic("trailing_pe"),
        "basket_pb": harmonic("price_to_book"),
        "basket_yield": mean("dividend_yield"),
        "fx_last": on_or_before(fx, AS_OF, 0),
    }


# --- the test -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def note(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("valuation")
    rows = write_folder(root / "prices")
    result = pipeline.run(
        list(parse_themes(BOOK, "book.yaml")),
        pipeline.RunOptions(
            formats=("md", "json"),
            out_dir=root / "reports",
            source=f"csv:{root / 'prices'}",
            cache_path=root / "c.sqlite",
            as_of=AS_OF,
        ),
    )
    assert result.exit_code == 0, result.outcomes
    stem = root / "reports" / "ah-capped" / AS_OF.isoformat()
    document = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    return (
        document["snapshot"],
        stem.with_suffix(".md").read_text(encoding="utf-8"),
        reference(rows),
    )


def test_capped_cap_weights_and_their_inputs(
    note: tuple[dict[str, Any], str, dict[str, Any]],
) -> None:
    snapshot, _, ref = note
    weighting = snapshot["valuation"]["weighting"]
    assert weighting["scheme"] == "capped"
    assert weighting["cap"] == CAP
    assert weighting["target_weights"] == pytest.approx(ref["weights"], rel=1e-12)
    assert max(weighting["target_weights"].values()) <= CAP + 1e-12
    for symbol, (day, rule) in ref["rules"].items():
        used = weighting["inputs"][symbol]
        assert (used["shares_date"], used["shares_rule"]) == (day.isoformat(), rule)
        assert used["market_cap"] == pytest.approx(ref["caps"][symbol], rel=1e-12)
    # China Mobile's only record is after the base: the earliest after is used.
    assert ref["rules"]["0941.HK"][1] == "after base"
    assert snapshot["basket"]["base_session"] == ref["base"].isoformat()
    assert {s["symbol"]: s["weight"] for s in snapshot["stocks"]} == pytest.approx(
        ref["weights"], rel=1e-12
    )


def test_basket_contributions_and_excess_in_hkd(
    note: tuple[dict[str, Any], str, dict[str, Any]],
) -> None:
    snapshot, _, ref = note
    basket = snapshot["basket"]
    assert basket["returns"]["since_event"] == pytest.approx(ref["since_event"], rel=1e-10)
    assert basket["excess"]["since_event"] == pytest.approx(ref["excess_since_event"], rel=1e-10)
    got = {s["symbol"]: s["contribution"] for s in snapshot["stocks"]}
    assert got == pytest.approx(ref["contributions"], rel=1e-10)
    assert math.fsum(got.values()) == pytest.approx(ref["since_event"], rel=1e-10)
    weighting = snapshot["valuation"]["weighting"]
    assert weighting["equal_since_event"] == pytest.approx(ref["equal_since_event"], rel=1e-10)
    a_share = snapshot["stocks"][2]
    assert a_share["currency"] == "CNY"
    assert a_share["returns"]["since_event"] == pytest.approx(ref["a_local"], rel=1e-10)
    assert a_share["excess"]["since_event"] == pytest.approx(ref["a_excess"], rel=1e-10)
    a_val = snapshot["valuation"]["stocks"][2]
    assert a_val["fx_symbol"] == "CNYHKD=X"
    assert a_val["since_event_theme"] == pytest.approx(ref["a_hkd"], rel=1e-10)
    assert snapshot["valuation"]["stocks"][0]["since_event_theme"] is None
    fx = snapshot["valuation"]["fx"][0]
    assert (fx["symbol"], fx["last_rate"]) == ("CNYHKD=X", ref["fx_last"])


def test_valuation_figures_and_aggregates(note: tuple[dict[str, Any], str, dict[str, Any]]) -> None:
    snapshot, _, ref = note
    valuation = snapshot["valuation"]
    assert valuation["fundamentals_available"]
    for row in valuation["stocks"]:
        want = ref["shown"][row["symbol"]]
        assert row["date"] == want["date"].isoformat()
        for key in ("market_cap", "trailing_pe", "price_to_book", "dividend_yield"):
            assert row[key] == want[key], (row["symbol"], key)
        assert row["market_cap_theme"] == pytest.approx(want["cap_hkd"], rel=1e-12)
        assert row["current_weight"] == pytest.approx(ref["current"][row["symbol"]], rel=1e-10)
    aggregate = valuation["basket"]
    assert aggregate["market_cap"] == pytest.approx(ref["basket_cap"], rel=1e-12)
    assert aggregate["trailing_pe"] == pytest.approx(ref["basket_pe"], rel=1e-10)
    assert aggregate["price_to_book"] == pytest.approx(ref["basket_pb"], rel=1e-10)
    assert aggregate["dividend_yield"] == pytest.approx(ref["basket_yield"], rel=1e-10)


def test_markdown_shows_the_new_figures(note: tuple[dict[str, Any], str, dict[str, Any]]) -> None:
    _snapshot, text, ref = note
    assert "Weighting: capped market-cap weights (no stock above 50.0%)" in text
    assert "equal-weight basket " in text
    assert "Basket measured in HKD; converted with CNYHKD=X" in text
    assert "| Mkt cap | P/E | P/B | Yield |" in text
    assert "HK\\$3.8tn (30 Sep 2024)" in text  # Tencent's latest record on or before
    assert "CN¥410bn (28 Nov 2024)" in text
    hkd = 100 * ref["a_hkd"]
    assert f"(HKD {'+' if hkd > 0 else '−'}{abs(hkd):.1f}%)" in text
    assert "Cap weight of 00941 China Mobile" in text
    assert "after base" in text
