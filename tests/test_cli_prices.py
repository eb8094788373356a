"""`prices fetch|show` and `cache info|clear` on demo and CSV prices (no network)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from concepttrack.cli_prices import cache_app, prices_app
from concepttrack.errors import EXIT_DATA, SourceError, UsageError
from concepttrack.prices.store import PriceStore, UnreadableCacheError

THEMES = """
themes:
  - id: sora-compute
    title: Sora compute
    thesis: Video models need compute.
    event: {date: 2024-02-16, title: OpenAI shows Sora}
    stocks:
      - {code: "09888", name: Baidu, rationale: Models.}
      - {code: "00763", name: ZTE, rationale: Servers.}
"""
CLASSIC = (
    "Date,Open,High,Low,Close,Volume\n"
    "2024-03-27,5.4,5.6,5.3,5.5,1000\n"
    "2024-03-28,5.5,5.7,5.4,5.6,1200\n"
)

app = typer.Typer()
app.add_typer(prices_app, name="prices")
app.add_typer(cache_app, name="cache")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "themes.yaml").write_text(THEMES, encoding="utf-8")
    monkeypatch.setenv("CONCEPTTRACK_THEMES", str(tmp_path / "themes.yaml"))
    monkeypatch.setenv("CONCEPTTRACK_CACHE", str(tmp_path / "cache.sqlite"))
    return tmp_path


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_fetch_demo_then_show_without_naming_the_source(env: Path) -> None:
    fetched = _run("prices", "fetch", "sora-compute", "--source", "demo", "--as-of", "2024-03-28")

    assert fetched.exit_code == 0, fetched.output
    # Not a terminal: plain progress lines, then the summary.
    # From 400 days before the event (the event study's estimation window) to the as-of.
    # ZTE's A share (000063.SZ) and CNYHKD=X come too, for the A/H premium (issue 18).
    assert "demo: fetching 5 symbols, 2023-01-12 to 2024-03-28" in fetched.output
    assert "9888.HK: " in fetched.output
    assert "ok (DEMO)" in fetched.output

    shown = _run("prices", "show", "09888", "--last", "3", "--as-of", "2024-03-28")

    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    # The source comes first, and says how it was chosen.
    assert lines[0] == (
        "source: demo (the source that last cached 9888.HK; pass --source to choose)"
        " — DEMO DATA, not market prices"
    )
    assert lines[1] == "9888.HK (09888)  source demo  HKD  DEMO DATA — not market prices"
    assert lines[2] == "session\topen\thigh\tlow\tclose\tadj close\tvolume"
    assert [line.split("\t")[0] for line in lines[3:6]] == [
        "2024-03-26",
        "2024-03-27",
        "2024-03-28",
    ]
    assert lines[6] == "from: synthetic demo prices seeded by symbol, not market data"


def test_show_names_an_environment_source(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCEPTTRACK_SOURCE", "demo")

    shown = _run("prices", "show", "0700.HK", "--last", "1", "--as-of", "2024-03-28")

    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == (
        "source: demo ($CONCEPTTRACK_SOURCE) — DEMO DATA, not market prices"
    )


def test_show_help_states_the_default_source(env: Path) -> None:
    from concepttrack.cli import app as root

    result = CliRunner().invoke(root, ["prices", "show", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert (
        "yahoo | akshare | csv:DIR | demo [default: $CONCEPTTRACK_SOURCE if set, else the "
        "source that last cached SYMBOL, else yahoo]." in " ".join(result.output.split())
    )


def test_show_reads_a_csv_folder(env: Path) -> None:
    folder = env / "prices"
    folder.mkdir()
    (folder / "09888.csv").write_text(CLASSIC, encoding="utf-8")

    shown = _run("prices", "show", "9888.HK", "--source", f"csv:{folder}", "--as-of", "2024-03-28")

    assert shown.exit_code == 0, shown.output
    assert "2024-03-28\t5.500\t5.700\t5.400\t5.600\t5.600\t1200" in shown.output
    assert "note: this source has one close; it serves as close and adjusted close" in shown.output


def test_show_labels_a_yf_download_close_as_adjusted(env: Path) -> None:
    folder = env / "prices"
    folder.mkdir()
    (folder / "0941.HK.csv").write_text(
        "Price,Close,High,Low,Open,Volume\nTicker,0941.HK,0941.HK,0941.HK,0941.HK,0941.HK\n"
        "Date,,,,,\n2024-03-28,84.57,84.71,83.89,84.13,10686637\n",
        encoding="utf-8",
    )

    shown = _run("prices", "show", "0941.HK", "--source", f"csv:{folder}", "--as-of", "2024-03-28")

    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[2] == "session\topen\thigh\tlow\tclose (adjusted)\tadj close\tvolume"
    assert lines[3] == "2024-03-28\t84.13\t84.71\t83.89\t84.57\t84.57\t10686637"
    assert lines[4] == (
        "note: this source has dividend-adjusted prices only; close shows the adjusted "
        "close, not the traded price"
    )
    assert "serves as close and adjusted close" not in shown.output


def test_piped_tables_print_every_value_in_full(env: Path) -> None:
    folder = env / "a-price-folder-with-a-rather-long-name-that-would-not-fit-in-a-table"
    folder.mkdir()
    (folder / "HSI.csv").write_text(
        "Date,Open,High,Low,Close,Volume\n2024-03-28,16400.5,16600.25,16380,24181.75,2345678901\n",
        encoding="utf-8",
    )

    shown = _run("prices", "show", "^HSI", "--source", f"csv:{folder}", "--as-of", "2024-03-28")
    info = _run("cache", "info", "--symbols")

    assert shown.exit_code == 0, shown.output
    assert "2024-03-28\t16400.50\t16600.25\t16380.00\t24181.75\t24181.75\t2345678901" in (
        shown.output
    )
    assert info.exit_code == 0, info.output
    lines = info.output.splitlines()
    assert lines[1:3] == [
        "Per source",
        "source\tsymbols\trows\tfirst\tlast\tlast fetched (UTC)",
    ]
    assert lines[3].startswith(f"csv:{folder.resolve()}\t1\t1\t2024-03-28\t2024-03-28\t")
    assert lines[4:6] == ["Per symbol", "source\tsymbol\trows\tfirst\tlast\tproblem"]
    assert lines[6] == f"csv:{folder.resolve()}\t^HSI\t1\t2024-03-28\t2024-03-28\t"


def test_fetch_needs_themes_or_all(env: Path) -> None:
    result = _run("prices", "fetch", "--source", "demo")

    assert isinstance(result.exception, UsageError)
    assert result.exception.message == "no theme given"


def test_fetch_unknown_theme(env: Path) -> None:
    result = _run("prices", "fetch", "sora-compte", "--source", "demo")

    assert isinstance(result.exception, UsageError)
    assert result.exception.hint == "Did you mean sora-compute?"


def test_fetch_reports_symbols_it_could_not_get(env: Path) -> None:
    folder = env / "prices"
    folder.mkdir()
    (folder / "9888.HK.csv").write_text(CLASSIC, encoding="utf-8")
    (folder / "HSI.csv").write_text(CLASSIC, encoding="utf-8")

    result = _run("prices", "fetch", "--all", "--source", f"csv:{folder}", "--as-of", "2024-03-28")

    assert isinstance(result.exception, SourceError)
    assert result.exception.message == (
        f"could not fetch 1 of 5 symbols: 0763.HK (no CSV file (0763.HK.csv, 00763.HK.csv, "
        f"00763.csv) in {folder.resolve()})"
    )
    # ZTE's A share and the CNY/HKD pair (the A/H premium's extras) are listed, not failed.
    assert "000063.SZ" in result.output
    assert "9888.HK" in result.output


def test_fetch_gets_the_other_symbols_past_a_malformed_file(env: Path) -> None:
    folder = env / "prices"
    folder.mkdir()
    (folder / "9888.HK.csv").write_text(CLASSIC, encoding="utf-8")
    (folder / "HSI.csv").write_text(CLASSIC, encoding="utf-8")
    (folder / "0763.HK.csv").write_text(CLASSIC.replace("5.6,1200", "abc,1200"), "utf-8")

    result = _run("prices", "fetch", "--all", "--source", f"csv:{folder}", "--as-of", "2024-03-28")

    assert isinstance(result.exception, SourceError)
    assert result.exception.message == (
        f"could not fetch 1 of 5 symbols: 0763.HK ({folder.resolve() / '0763.HK.csv'}, "
        f"line 3: Close is not a number)"
    )
    assert "9888.HK\t2\t2024-03-27\t2024-03-28\tok" in result.output
    assert "^HSI\t2\t2024-03-27\t2024-03-28\tok" in result.output


def test_show_offline_with_nothing_cached(env: Path) -> None:
    result = _run(
        "prices", "show", "0700.HK", "--source", "demo", "--offline", "--as-of", "2024-03-28"
    )

    assert isinstance(result.exception, SourceError)
    assert result.exception.message.startswith("no cached demo prices for 0700.HK between ")


def test_cache_info_and_clear(env: Path) -> None:
    empty = _run("cache", "info")
    assert empty.output == f"cache: {env / 'cache.sqlite'} (empty: nothing fetched yet)\n"

    _run("prices", "fetch", "sora-compute", "--source", "demo", "--as-of", "2024-03-28")
    info = _run("cache", "info", "--symbols")

    assert info.exit_code == 0, info.output
    for expected in ("demo", "0763.HK", "^HSI", "2023-01-12", "2024-03-28"):
        assert expected in info.output

    cleared = _run("cache", "clear")
    assert cleared.output == f"cleared 5 cached series from {env / 'cache.sqlite'}\n"
    assert "empty: nothing fetched yet" in _run("cache", "info").output


def test_show_falls_back_to_the_latest_bars_a_source_has(env: Path) -> None:
    folder = env / "prices"
    folder.mkdir()
    (folder / "09888.csv").write_text(CLASSIC, encoding="utf-8")

    shown = _run("prices", "show", "9888.HK", "--source", f"csv:{folder}", "--as-of", "2024-04-30")

    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(
        f"source: CSV folder {folder} (--source)\n"
        f"note: CSV folder {folder} has no bars after 2024-03-28; showing the latest it has\n"
    )
    assert "2024-03-27" in shown.output


@pytest.mark.parametrize(
    ("damage", "reason"),
    [("garbage", "file is not a database"), ("newer", "schema version 99")],
)
def test_cache_clear_sets_an_unreadable_cache_aside(env: Path, damage: str, reason: str) -> None:
    path = env / "cache.sqlite"
    if damage == "garbage":
        path.write_bytes(b"this is not sqlite" * 100)
    else:
        PriceStore(path).close()
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA user_version=99")
        db.close()
    before = path.read_bytes()

    broken = _run("cache", "info")
    assert isinstance(broken.exception, UnreadableCacheError)
    assert broken.exception.exit_code == EXIT_DATA
    assert "`concepttrack cache clear`" in (broken.exception.hint or "")

    cleared = _run("cache", "clear")

    assert cleared.exit_code == 0, cleared.output
    (aside,) = env.glob("cache.sqlite.unreadable-*")
    assert cleared.output == (
        f"cache: {path} could not be read ({reason})\n"
        f"moved it to {aside} and started an empty cache; "
        "delete that file once you no longer need it\n"
    )
    assert re.fullmatch(r"cache\.sqlite\.unreadable-\d{8}T\d{6}Z", aside.name)
    assert aside.read_bytes() == before
    assert "empty: nothing fetched yet" in _run("cache", "info").output
    shown = _run("prices", "show", "0700.HK", "--source", "demo", "--as-of", "2024-03-28")
    assert shown.exit_code == 0, shown.output


def test_cache_clear_of_one_source_leaves_an_unreadable_file_alone(env: Path) -> None:
    path = env / "cache.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)

    result = _run("cache", "clear", "--source", "demo")

    assert isinstance(result.exception, UnreadableCacheError)
    assert result.exception.message == f"price cache {path}: opening failed: file is not a database"
    assert result.exception.hint == (
        "Run `concepttrack cache clear` without --source to set the file aside "
        "and start an empty cache."
    )
    assert path.read_bytes() == b"this is not sqlite" * 100
