"""`prices fetch|show` and `cache info|clear` on demo and CSV prices (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from concepttrack.cli_prices import cache_app, prices_app
from concepttrack.errors import SourceError, UsageError

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
    assert "demo: fetching 3 symbols, 2023-02-22 to 2024-03-28" in fetched.output
    assert "9888.HK: " in fetched.output
    assert "ok (DEMO)" in fetched.output

    shown = _run("prices", "show", "09888", "--last", "3", "--as-of", "2024-03-28")

    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "9888.HK (09888)  source demo  HKD  DEMO DATA — not market prices" in out
    assert "2024-03-28" in out
    assert "2024-03-26" in out
    assert "2024-03-25" not in out
    assert "from: synthetic demo prices seeded by symbol, not market data" in out


def test_show_reads_a_csv_folder(env: Path) -> None:
    folder = env / "prices"
    folder.mkdir()
    (folder / "09888.csv").write_text(CLASSIC, encoding="utf-8")

    shown = _run("prices", "show", "9888.HK", "--source", f"csv:{folder}", "--as-of", "2024-03-28")

    assert shown.exit_code == 0, shown.output
    assert "5.600" in shown.output
    assert "note: this source has one close; it serves as close and adjusted close" in shown.output


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
        f"could not fetch 1 of 3 symbols: 0763.HK (no CSV file (0763.hk.csv, 00763.hk.csv, "
        f"00763.csv) in {folder.resolve()})"
    )
    assert "9888.HK" in result.output


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
    for expected in ("demo", "0763.HK", "^HSI", "2023-02-22", "2024-03-28"):
        assert expected in info.output

    cleared = _run("cache", "clear")
    assert cleared.output == f"cleared 3 cached series from {env / 'cache.sqlite'}\n"
    assert "empty: nothing fetched yet" in _run("cache", "info").output


def test_show_falls_back_to_the_latest_bars_a_source_has(env: Path) -> None:
    folder = env / "prices"
    folder.mkdir()
    (folder / "09888.csv").write_text(CLASSIC, encoding="utf-8")

    shown = _run("prices", "show", "9888.HK", "--source", f"csv:{folder}", "--as-of", "2024-04-30")

    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(
        f"note: CSV folder {folder} has no bars after 2024-03-28; showing the latest it has\n"
    )
    assert "2024-03-27" in shown.output
