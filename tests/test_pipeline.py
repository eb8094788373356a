"""The daily run end to end on demo and CSV prices: files, archive, exit codes, locking."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner, Result

from concepttrack import pipeline
from concepttrack.archive import RunLock
from concepttrack.cli import app
from concepttrack.errors import EXIT_DATA, EXIT_LOCKED, EXIT_OK, LockError, UsageError
from concepttrack.themes import ThemeBook, parse_themes
from tests.conftest import REPO

HK = ZoneInfo("Asia/Hong_Kong")

BOOK = """\
themes:
  - id: alpha
    title: Alpha theme
    title_zh: 阿尔法
    thesis: A thesis.
    event: {date: 2024-02-16, title: The news}
    stocks:
      - {code: "09888", name: Baidu, name_zh: 百度集团-SW, rationale: Cloud.}
      - {code: "00763", name: ZTE, name_zh: 中兴通讯, rationale: Servers.}
  - id: beta
    title: Beta theme
    thesis: Another thesis.
    event: {date: 2024-01-10, title: Other news}
    stocks:
      - {code: "00941", name: China Mobile, rationale: Network.}
      - {code: "00728", name: China Telecom, rationale: Racks.}
"""


@pytest.fixture
def book() -> ThemeBook:
    return parse_themes(BOOK, "book.yaml")


def options(tmp_path: Path, **overrides: object) -> pipeline.RunOptions:
    values: dict[str, object] = {
        "formats": ("md", "json"),
        "out_dir": tmp_path / "reports",
        "source": "demo",
        "cache_path": tmp_path / "cache.sqlite",
        "as_of": dt.date(2024, 3, 1),
    }
    values.update(overrides)
    return pipeline.RunOptions(**values)  # type: ignore[arg-type]


def note_files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and "runs" not in path.parts
        and not path.is_symlink()
        and path.name != ".site-cache.json"  # file times of the notes, by design
        and path.name != pipeline.RERUN_MEMO  # the same
    }


def test_run_writes_dated_notes_latest_and_index(tmp_path: Path, book: ThemeBook) -> None:
    result = pipeline.run(list(book), options(tmp_path))
    assert result.exit_code == EXIT_OK
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    reports = tmp_path / "reports"
    for theme_id in ("alpha", "beta"):
        assert (reports / theme_id / "2024-03-01.md").is_file()
        note = json.loads((reports / theme_id / "2024-03-01.json").read_text(encoding="utf-8"))
        assert note["snapshot"]["as_of"] == "2024-03-01"
        assert note["snapshot"]["demo"] is True
        assert (reports / theme_id / "latest.md").resolve() == (
            reports / theme_id / "2024-03-01.md"
        ).resolve()
    index = (reports / "index.md").read_text(encoding="utf-8")
    assert "alpha" in index
    assert "beta" in index
    runs = list((reports / "runs").glob("*.json"))
    assert len(runs) == 1
    record = json.loads(runs[0].read_text(encoding="utf-8"))
    assert [t["status"] for t in record["themes"]] == ["ok", "ok"]
    # Both themes' symbols came from one batched request to the source.
    assert record["source_requests"] == 1
    warm = pipeline.run(list(book), options(tmp_path, force=True))
    assert warm.source_requests == 0


def test_rerun_is_skipped_then_forced_rerun_is_byte_identical(
    tmp_path: Path, book: ThemeBook
) -> None:
    formats = ("md", "pdf", "html", "json")
    first = pipeline.run(list(book), options(tmp_path, formats=formats))
    assert first.exit_code == EXIT_OK
    before = note_files(tmp_path / "reports")
    again = pipeline.run(list(book), options(tmp_path, formats=formats))
    assert [o.status for o in again.outcomes] == ["skipped", "skipped"]
    forced = pipeline.run(list(book), options(tmp_path, formats=formats, force=True))
    assert [o.status for o in forced.outcomes] == ["ok", "ok"]
    after = note_files(tmp_path / "reports")
    assert before.keys() == after.keys()
    changed = [name for name in before if before[name] != after[name] and name != "index.md"]
    assert changed == []


def test_jobs_two_equals_jobs_one(tmp_path: Path, book: ThemeBook) -> None:
    formats = ("md", "pdf", "html", "json")
    one = pipeline.run(list(book), options(tmp_path / "one", formats=formats))
    two = pipeline.run(list(book), options(tmp_path / "two", formats=formats, jobs=2))
    assert one.exit_code == two.exit_code == EXIT_OK
    assert note_files(tmp_path / "one" / "reports") == note_files(tmp_path / "two" / "reports")


def test_non_session_day_uses_last_session_and_skips_existing(
    tmp_path: Path, book: ThemeBook
) -> None:
    saturday = dt.datetime(2024, 3, 2, 18, 30, tzinfo=HK)
    result = pipeline.run(list(book), options(tmp_path, as_of=None, now=saturday))
    assert {o.as_of for o in result.outcomes} == {dt.date(2024, 3, 1)}
    sunday = dt.datetime(2024, 3, 3, 18, 30, tzinfo=HK)
    again = pipeline.run(list(book), options(tmp_path, as_of=None, now=sunday))
    assert [o.status for o in again.outcomes] == ["skipped", "skipped"]
    assert again.outcomes[0].message == "note for 2024-03-01 already exists; --force re-renders"


def test_before_the_close_the_note_is_for_the_previous_session(
    tmp_path: Path, book: ThemeBook
) -> None:
    monday_noon = dt.datetime(2024, 3, 4, 12, 0, tzinfo=HK)
    result = pipeline.run(list(book)[:1], options(tmp_path, as_of=None, now=monday_noon))
    assert result.outcomes[0].as_of == dt.date(2024, 3, 1)


def _write_csv(folder: Path, symbol: str, start: dt.date, end: dt.date, price: float) -> None:
    from concepttrack.calendar import sessions

    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for i, day in enumerate(sessions("XHKG", start, end)):
        close = price * (1 + 0.001 * (i % 7 - 3))
        lines.append(f"{day.date()},{close},{close * 1.01},{close * 0.99},{close},{close},100000")
    (folder / f"{symbol}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_theme_with_unknown_symbol_exits_3_while_others_are_written(tmp_path: Path) -> None:
    text = BOOK.replace('"00728"', '"09999"')
    book = parse_themes(text, "book.yaml")
    prices = tmp_path / "prices"
    for symbol in ("9888.HK", "0763.HK", "0941.HK", "^HSI"):
        _write_csv(prices, symbol, dt.date(2022, 11, 1), dt.date(2024, 2, 29), 50.0)
    result = pipeline.run(
        list(book), options(tmp_path, source=f"csv:{prices}", as_of=dt.date(2024, 2, 29))
    )
    assert result.exit_code == EXIT_DATA
    alpha, beta = result.outcomes
    assert alpha.status == "ok"
    assert beta.status == "incomplete"
    assert beta.missing == ["9999.HK"]
    assert (tmp_path / "reports" / "beta" / "2024-02-29.md").is_file()


def test_since_last_note_on_consecutive_sessions(tmp_path: Path, book: ThemeBook) -> None:
    pipeline.run(list(book)[:1], options(tmp_path, as_of=dt.date(2024, 2, 29)))
    pipeline.run(list(book)[:1], options(tmp_path, as_of=dt.date(2024, 3, 1)))
    first = json.loads((tmp_path / "reports/alpha/2024-02-29.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "reports/alpha/2024-03-01.json").read_text(encoding="utf-8"))
    assert first["since_last_note"] is None
    since = second["since_last_note"]
    assert since["previous_as_of"] == "2024-02-29"
    level_then = first["snapshot"]["basket"]["level"]
    level_now = second["snapshot"]["basket"]["level"]
    assert since["basket_change"] == pytest.approx(level_now / level_then - 1, abs=1e-12)
    md = (tmp_path / "reports/alpha/2024-03-01.md").read_text(encoding="utf-8")
    assert "Since the last note" in md


def _invoke_sora_report(tmp_path: Path, *extra: str) -> Result:
    """``concepttrack report sora-compute`` through the CLI, into ``tmp_path/reports``."""
    return CliRunner().invoke(
        app,
        [
            "--themes",
            str(REPO / "themes.yaml"),
            "report",
            "sora-compute",
            "--out",
            str(tmp_path / "reports"),
            "--cache",
            str(tmp_path / "c.sqlite"),
            "--as-of",
            "2024-03-01",
            *extra,
        ],
    )


def test_lock_held_exits_with_lock_code(tmp_path: Path, book: ThemeBook) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    with RunLock(reports):
        with pytest.raises(LockError):
            pipeline.run(list(book), options(tmp_path))
        result = _invoke_sora_report(tmp_path, "--source", "demo")
    assert result.exit_code == EXIT_LOCKED
    assert result.stderr.startswith("error: another concepttrack run")


def test_cli_report_demo_pdf(tmp_path: Path) -> None:
    result = _invoke_sora_report(tmp_path, "--source", "demo")
    assert result.exit_code == EXIT_OK, result.output
    pdf = tmp_path / "reports/sora-compute/2024-03-01.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert str(pdf) in result.stdout


@pytest.mark.slow
def test_sigkill_mid_run_leaves_no_partial_note(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    # The later --format wins: HTML too, so more files are mid-write when the kill lands.
    command = _report_command(tmp_path, "--format", "md,pdf,html")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(reports.glob("*/*.json")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for path in reports.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert path.stat().st_size > 0, path
            if path.suffix == ".json" and path.parent.name != "runs":
                json.loads(path.read_text(encoding="utf-8"))
            if path.suffix == ".pdf":
                assert path.read_bytes().rstrip().endswith(b"%%EOF"), path
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == EXIT_OK, done.stderr
    leftovers = [p for p in reports.rglob(".*.tmp")]
    assert leftovers == []


def _report_command(tmp_path: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "concepttrack",
        "--themes",
        str(REPO / "themes.yaml"),
        "report",
        "--all",
        "--source",
        "demo",
        "--format",
        "md,pdf",
        "--out",
        str(tmp_path / "reports"),
        "--cache",
        str(tmp_path / "c.sqlite"),
        "--as-of",
        "2025-03-03",
        *extra,
    ]


@pytest.mark.slow
def test_two_concurrent_runs_on_one_reports_folder(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    first = subprocess.Popen(
        _report_command(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    lock = tmp_path / "reports" / ".concepttrack.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if lock.exists() and f"pid {first.pid}" in lock.read_text(encoding="utf-8"):
            break
        time.sleep(0.02)
    refused = subprocess.run(_report_command(tmp_path), env=env, capture_output=True, text=True)
    waited = subprocess.run(
        _report_command(tmp_path, "--wait", "120"), env=env, capture_output=True, text=True
    )
    first.communicate(timeout=120)
    assert first.returncode == EXIT_OK
    assert refused.returncode == EXIT_LOCKED
    assert refused.stderr.startswith(f"error: another concepttrack run (pid {first.pid}, started ")
    assert "hint: Let that run finish, or pass --wait SECONDS" in refused.stderr
    # The waiting run went after the first finished and found every note complete.
    assert waited.returncode == EXIT_OK, waited.stderr
    assert "already written, skipped" in waited.stdout
    for path in (tmp_path / "reports").glob("*/2025-03-03.*"):
        data = path.read_bytes()
        assert data, path
        if path.suffix == ".pdf":
            assert data.rstrip().endswith(b"%%EOF")


def test_offline_with_an_empty_cache_says_what_to_do(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    result = _invoke_sora_report(tmp_path, "--offline")
    assert result.exit_code == EXIT_DATA
    assert result.stderr == (
        "error: no cached Yahoo prices for 9888.HK, 0763.HK, 0941.HK, 0728.HK, ^HSI, "
        # The A shares of the A+H pairs and the FX pair converting them (issue 18).
        "000063.SZ, CNYHKD=X, 600941.SS, 601728.SS "
        # 400 days before the earliest catalyst (DALL·E, 5 Jan 2021): the event study.
        "between 2019-12-02 and 2024-03-01\n"
        "hint: Run once without --offline to fetch them, or pass the --source you fetched "
        f"with (cache: {cache}).\n"
        "sora-compute: no prices from the cache (see above); note not written\n"
    )
    assert "Traceback" not in result.output
    assert not list((tmp_path / "reports").glob("sora-compute/*"))


def test_a_note_from_another_source_is_no_baseline(tmp_path: Path, book: ThemeBook) -> None:
    alpha = list(book)[:1]
    prices = tmp_path / "prices"
    for symbol in ("9888.HK", "0763.HK", "^HSI"):
        _write_csv(prices, symbol, dt.date(2022, 11, 1), dt.date(2024, 3, 1), 50.0)
    csv = f"csv:{prices}"
    pipeline.run(alpha, options(tmp_path, as_of=dt.date(2024, 2, 28)))  # demo
    pipeline.run(alpha, options(tmp_path, source=csv, as_of=dt.date(2024, 2, 29)))
    pipeline.run(alpha, options(tmp_path, source=csv, as_of=dt.date(2024, 3, 1)))
    notes = tmp_path / "reports" / "alpha"
    second = json.loads((notes / "2024-02-29.json").read_text(encoding="utf-8"))
    third = json.loads((notes / "2024-03-01.json").read_text(encoding="utf-8"))
    assert second["since_last_note"] is None
    assert third["since_last_note"]["previous_as_of"] == "2024-02-29"


def test_demo_prices_never_replace_a_market_note(tmp_path: Path, book: ThemeBook) -> None:
    alpha = list(book)[:1]
    prices = tmp_path / "prices"
    for symbol in ("9888.HK", "0763.HK", "^HSI"):
        _write_csv(prices, symbol, dt.date(2022, 11, 1), dt.date(2024, 3, 1), 50.0)
    pipeline.run(alpha, options(tmp_path, source=f"csv:{prices}"))
    note = tmp_path / "reports" / "alpha" / "2024-03-01.md"
    market = note.read_bytes()
    demo = pipeline.run(alpha, options(tmp_path))
    outcome = demo.outcomes[0]
    assert outcome.status == "skipped"
    assert outcome.label == "skipped (demo)"
    assert outcome.message == (
        f"kept the note for 2024-03-01 made from csv:{prices} prices: "
        "demo prices never replace it (--force overwrites)"
    )
    assert note.read_bytes() == market
    forced = pipeline.run(alpha, options(tmp_path, force=True))
    assert forced.outcomes[0].status == "ok"
    assert b"DEMO DATA" in note.read_bytes()


def test_as_of_after_the_latest_closed_session_is_refused() -> None:
    friday_evening = dt.datetime(2024, 3, 1, 18, 30, tzinfo=HK)
    assert pipeline.resolve_as_of("XHKG", dt.date(2024, 3, 1), friday_evening) == dt.date(
        2024, 3, 1
    )
    assert pipeline.resolve_as_of("XHKG", dt.date(2024, 3, 3), friday_evening) == dt.date(
        2024, 3, 1
    )
    with pytest.raises(UsageError) as info:
        pipeline.resolve_as_of("XHKG", dt.date(2024, 3, 4), friday_evening)
    assert info.value.message == (
        "--as-of 2024-03-04 is after the latest closed XHKG session (2024-03-01)"
    )
    before_close = dt.datetime(2024, 3, 1, 12, 0, tzinfo=HK)
    with pytest.raises(UsageError):
        pipeline.resolve_as_of("XHKG", dt.date(2024, 3, 1), before_close)


def test_out_that_is_a_file_is_a_usage_error(tmp_path: Path, book: ThemeBook) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        pipeline.run(list(book), options(tmp_path, out_dir=afile))
    assert info.value.message == f"--out {afile} is a file, not a folder"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="utf-8")
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return state.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_jobs_workers_die_with_a_killed_run(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    run = subprocess.Popen(
        _report_command(tmp_path, "--jobs", "2"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = _children(run.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the --jobs 2 workers never started"
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert [pid for pid in workers if _alive(pid)] == []


def test_adjusted_only_prices_are_labelled_in_the_note(tmp_path: Path, book: ThemeBook) -> None:
    from concepttrack.calendar import sessions

    alpha = list(book)[:1]
    prices = tmp_path / "prices"
    for symbol in ("0763.HK", "^HSI"):
        _write_csv(prices, symbol, dt.date(2022, 11, 1), dt.date(2024, 3, 1), 50.0)
    # 9888.HK as `yf.download(auto_adjust=True).to_csv()` writes it: adjusted prices only.
    rows = ["Price,Close,High,Low,Open,Volume", "Ticker,9888.HK,9888.HK,9888.HK,9888.HK,9888.HK"]
    rows.append("Date,,,,,")
    days = sessions("XHKG", dt.date(2022, 11, 1), dt.date(2024, 3, 1))
    for i, day in enumerate(days):
        close = 80 + 0.01 * i
        rows.append(f"{day.date()},{close},{close + 1},{close - 1},{close},1000000")
    last = f"{80 + 0.01 * (len(days) - 1):.2f}"
    (prices / "9888.HK.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    pipeline.run(alpha, options(tmp_path, source=f"csv:{prices}"))
    md = (tmp_path / "reports/alpha/2024-03-01.md").read_text(encoding="utf-8")
    assert f"| 09888 | Baidu | 百度集團-SW | HK\\${last} adj. |" in md
    assert "(1 Mar 2024, adjusted close)" in md
    assert "Adjusted prices only (the price file holds dividend-adjusted closes" in md
    assert "Every series had a separate adjusted close." not in md
    note = json.loads((tmp_path / "reports/alpha/2024-03-01.json").read_text(encoding="utf-8"))
    assert [s["close_is_adjusted"] for s in note["snapshot"]["stocks"]] == [True, False]


def test_a_first_demo_run_warns_about_nothing_but_demo(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    book = parse_themes(BOOK, "book.yaml")
    with caplog.at_level("WARNING", logger="concepttrack"):
        result = pipeline.run(list(book)[:1], options(tmp_path))
    assert result.outcomes[0].status == "ok"
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []
