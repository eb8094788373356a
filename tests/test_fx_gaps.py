"""An FX series missing or stale in a CSV folder: the note says so and the run's outcome too.

A stock in another currency than the theme's needs the FX pair's closes. Without any,
it is left out of the basket, so the basket is not the theme's: the outcome is
``incomplete`` (exit 3), the stock's and the pair's data rows say the FX series is
missing and the run summary says why. An FX series whose last close is older than the
FX session before the basket's last session is ``stale``, like a stale stock.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from concepttrack import pipeline
from concepttrack.analytics.valuation import fx_session_before
from concepttrack.cli_support import ConsoleReporter
from concepttrack.reasons import reason, said
from concepttrack.themes import parse_themes
from tests.test_valuation_end_to_end import AS_OF, EVENT, write_folder

BOOK = f"""\
themes:
  - id: ah-equal
    title: Two currencies, equal weights
    thesis: A thesis.
    event: {{date: {EVENT.isoformat()}, title: Stimulus}}
    stocks:
      - {{code: "00700", name: Tencent, rationale: Why.}}
      - {{code: "00941", name: China Mobile, rationale: Why.}}
      - {{code: "600030.SS", name: CITIC A, rationale: Why.}}
    currency: HKD
"""


def _run(
    root: Path, *, strict: bool = False, reporter: pipeline.Reporter | None = None
) -> tuple[pipeline.RunResult, dict[str, Any], str]:
    result = pipeline.run(
        list(parse_themes(BOOK, "book.yaml")),
        pipeline.RunOptions(
            formats=("md", "json"),
            out_dir=root / "reports",
            source=f"csv:{root / 'prices'}",
            cache_path=root / "c.sqlite",
            as_of=AS_OF,
            strict=strict,
            now=dt.datetime(2025, 12, 1, 12, 0, tzinfo=dt.UTC),
        ),
        reporter=reporter,
    )
    stem = root / "reports" / "ah-equal" / AS_OF.isoformat()
    note = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    return result, note["snapshot"], stem.with_suffix(".md").read_text(encoding="utf-8")


def _keep_fx_through(folder: Path, last: dt.date) -> None:
    """Cut ``CNYHKD=X.csv`` after ``last`` (a source that stopped updating the pair)."""
    path = folder / "CNYHKD=X.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    kept = [row for row in rows if dt.date.fromisoformat(row.split(",")[0]) <= last]
    path.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")


def test_fx_session_before_skips_the_weekend() -> None:
    assert fx_session_before(dt.date(2024, 11, 29)) == dt.date(2024, 11, 28)  # Friday
    assert fx_session_before(dt.date(2024, 12, 2)) == dt.date(2024, 11, 29)  # Monday


def test_missing_fx_series_makes_the_note_incomplete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_folder(tmp_path / "prices")
    (tmp_path / "prices" / "CNYHKD=X.csv").unlink()

    result, snapshot, md = _run(tmp_path, reporter=ConsoleReporter())

    outcome = result.outcomes[0]
    assert result.exit_code == 3
    assert outcome.status == "incomplete"
    assert outcome.missing == ["CNYHKD=X"]
    assert outcome.stale == []
    assert outcome.message is not None
    assert outcome.message.startswith("no data for CNYHKD=X (FX series missing: ")
    assert outcome.message.endswith("): 600030.SS left out of the basket")
    # The run summary names the pair and why (stderr, as for other data problems).
    err = capsys.readouterr().err
    assert "ah-equal: no data for CNYHKD=X (FX series missing: " in err

    # The A-share is left out and named; the basket is the two HKEX stocks.
    a_share = snapshot["stocks"][2]
    assert not a_share["in_basket"]
    assert a_share["status"]["status"] == "fresh"  # its own prices are fine
    assert a_share["excluded_reason"].startswith("FX series CNYHKD=X missing (")
    assert a_share["excluded_reason"].endswith("), so no HKD value")
    assert {s["symbol"]: s["weight"] for s in snapshot["stocks"]} == pytest.approx(
        {"0700.HK": 0.5, "0941.HK": 0.5, "600030.SS": 0.0}
    )
    fx = snapshot["valuation"]["fx"]
    assert [(f["symbol"], f["status"], f["last_rate"]) for f in fx] == [
        ("CNYHKD=X", "missing", None)
    ]
    assert fx[0]["reason"].startswith("FX series missing: ")

    # In the note: the A-share's data row and the pair's line both say so.
    row = next(line for line in md.splitlines() if line.startswith("| 600030.SS | CITIC A | 600"))
    assert row.endswith(
        "| Fresh | not in basket: FX series CNYHKD=X missing (no CSV file "
        "(CNYHKD=X.csv) in CSV price files (prices)), so no HKD value |"
    )
    assert "FX CNYHKD=X: – at the base" in md
    assert "(FX series missing: " in md
    assert "converted with CNYHKD=X (no FX closes)" in md

    # An incomplete note is rendered again by the next run (it is not "already written").
    again, _, _ = _run(tmp_path)
    assert again.outcomes[0].status == "incomplete"


def test_stale_fx_series_is_marked_stale(tmp_path: Path) -> None:
    write_folder(tmp_path / "prices")
    last = dt.date(2024, 11, 22)
    _keep_fx_through(tmp_path / "prices", last)

    result, snapshot, md = _run(tmp_path)

    outcome = result.outcomes[0]
    assert result.exit_code == 0
    assert outcome.status == "stale"
    assert outcome.stale == ["CNYHKD=X"]
    assert outcome.missing == []
    # The reason is the price layer's, as for a stale stock.
    why = f"no data from csv:{tmp_path / 'prices'} after 2024-11-22"
    assert outcome.message == f"stale data for CNYHKD=X ({why})"
    fx = snapshot["valuation"]["fx"][0]
    # The JSON twin: the English note's words (no local path), and the code.
    words = "no data from CSV price files (prices) after 22 Nov 2024"
    assert (fx["status"], fx["last_session"], fx["reason"]) == ("stale", "2024-11-22", words)
    assert fx["reason_coded"] == {
        "code": "no_data_after",
        "params": {"source": f"csv:{tmp_path / 'prices'}", "date": "2024-11-22"},
    }
    # The A-share stays in the basket, valued at the last FX close (carried).
    assert snapshot["stocks"][2]["in_basket"]
    assert "on 22 Nov 2024, the latest on or before the basket's last session (no data " in md

    strict, _, _ = _run(tmp_path, strict=True)
    assert strict.outcomes[0].status == "stale"
    assert strict.exit_code == 3


def test_fx_close_of_the_session_before_is_not_stale(tmp_path: Path) -> None:
    """The FX day of a Hong Kong session ends in New York, after Hong Kong's close: a
    series ending the weekday before is as fresh as a run that evening can be."""
    write_folder(tmp_path / "prices")
    _keep_fx_through(tmp_path / "prices", fx_session_before(AS_OF))

    result, snapshot, _ = _run(tmp_path)

    assert result.exit_code == 0
    assert result.outcomes[0].status == "ok"
    fx = snapshot["valuation"]["fx"][0]
    assert (fx["status"], fx["reason"]) == ("carried", None)


def test_fx_status_and_reason_by_age() -> None:
    """Fresh on the basket's last session, carried one FX session behind, stale older
    (the price layer's problem, else how old), missing without a close."""
    import pandas as pd

    from concepttrack.analytics.valuation import fx_status
    from concepttrack.prices.frame import PriceFrame, SymbolHistory

    empty = pd.DataFrame({"close": []}, index=pd.DatetimeIndex([]))
    quiet = PriceFrame("csv:x", {"CNYHKD=X": SymbolHistory("CNYHKD=X", empty, None)})
    failed = PriceFrame(
        "yahoo",
        {
            "CNYHKD=X": SymbolHistory(
                "CNYHKD=X", empty, None, problem="fetch failed: rate limited", failed=True
            )
        },
    )
    monday = dt.date(2024, 12, 2)
    assert fx_status(quiet, "CNYHKD=X", monday, monday) == ("fresh", None)
    assert fx_status(quiet, "CNYHKD=X", dt.date(2024, 11, 29), monday) == ("carried", None)
    assert fx_status(quiet, "CNYHKD=X", dt.date(2024, 11, 28), monday) == (
        "stale",
        reason("no_fx_since", date=dt.date(2024, 11, 28)),
    )
    assert fx_status(failed, "CNYHKD=X", dt.date(2024, 11, 28), monday) == (
        "stale",
        said("fetch failed: rate limited"),
    )
    assert fx_status(failed, "CNYHKD=X", monday, monday) == (
        "fresh",
        said("fetch failed: rate limited"),
    )
    assert fx_status(quiet, "CNYHKD=X", None, monday) == (
        "missing",
        reason("fx_missing", why=reason("no_data")),
    )
    assert str(fx_status(quiet, "CNYHKD=X", None, monday)[1]) == "FX series missing: no data"


def test_fx_reasons_are_written_in_the_note_language() -> None:
    from concepttrack.render.messages import reader_reason

    why = reason("fx_missing_value", pair="CNYHKD=X", why=reason("no_data"), currency="HKD")
    assert reader_reason(why, "zh-hk") == "缺少匯率數據CNYHKD=X（沒有數據），無法換算為HKD"
    assert reader_reason(why, "zh-cn") == "缺少汇率数据CNYHKD=X（没有数据），无法换算为HKD"
    assert reader_reason(why, "en") == "FX series CNYHKD=X missing (no data), so no HKD value"
    since = reason("no_fx_since", date=dt.date(2026, 11, 20))
    assert reader_reason(since, "zh-hk") == "2026年11月20日以來沒有匯率收市價"
    assert reader_reason(since, "en") == "no FX close since 20 Nov 2026"
