"""Cross-checks between two sources (prices/compare.py), every figure computed by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner, Result

from concepttrack.errors import EXIT_DATA, UsageError
from concepttrack.prices.compare import (
    DEFAULT_TOLERANCE,
    adjusted_close,
    compare_frames,
    compare_history,
    parse_tolerance,
)
from concepttrack.prices.frame import SymbolHistory, SymbolMeta, conform_bars

DAYS = [dt.date(2025, 3, 3), dt.date(2025, 3, 4), dt.date(2025, 3, 5), dt.date(2025, 3, 6)]
START, END = DAYS[0], DAYS[-1]


def history(
    closes: list[float],
    *,
    days: list[dt.date] = DAYS,
    dividends: list[float] | None = None,
    splits: list[float] | None = None,
    adjusted_only: bool = False,
    source: str = "csv:a",
) -> SymbolHistory:
    frame = pd.DataFrame(
        {
            "close": closes,
            "adj_close": closes,
            "dividends": dividends or [0.0] * len(closes),
            "splits": splits or [0.0] * len(closes),
        },
        index=pd.DatetimeIndex([pd.Timestamp(d) for d in days]),
    )
    meta = SymbolMeta("0941.HK", source, "HKD", "Asia/Hong_Kong", close_is_adjusted=adjusted_only)
    return SymbolHistory("0941.HK", conform_bars(frame), meta)


def test_a_wrong_close_is_flagged_with_both_values_and_the_difference() -> None:
    primary = history([10.0, 10.2, 10.4, 10.6])
    other = history([10.0, 10.2, 10.5, 10.6], source="csv:b")
    check = compare_history(primary, other, start=START, end=END)
    assert check.basis == "traded"
    assert (check.sessions, check.over, check.only_primary, check.only_other) == (4, 1, 0, 0)
    assert check.differs
    largest = check.largest
    assert largest is not None
    assert largest.session == DAYS[2]
    assert (largest.primary, largest.other) == (10.4, 10.5)
    assert largest.change == pytest.approx(0.1 / 10.4)  # 0.96 % > 0.5 %
    assert [d.session for d in check.flagged] == [DAYS[2]]
    # A 1 % tolerance lets it pass; the largest difference is still reported.
    wide = compare_history(primary, other, start=START, end=END, tolerance=0.01)
    assert not wide.differs
    assert wide.largest == largest


def test_a_split_is_aligned_not_flagged() -> None:
    # 2-for-1 on the third session: the primary has the closes as traded (100, 102 before
    # the split), the other has them split-adjusted (50, 51).
    primary = history([100.0, 102.0, 50.0, 51.0], splits=[0.0, 0.0, 2.0, 0.0])
    other = history([50.0, 51.0, 50.0, 51.2], source="csv:b")
    check = compare_history(primary, other, start=START, end=END)
    assert check.basis == "traded"
    assert check.splits_aligned == (DAYS[2],)
    assert check.over == 0  # 51.2 vs 51.0 is 0.39 %
    assert check.largest is not None
    assert check.largest.session == DAYS[3]
    assert check.largest.change == pytest.approx(0.2 / 51.0)
    # The other way round (the other source quotes as traded) aligns the other side.
    swapped = compare_history(other, primary, start=START, end=END)
    assert swapped.splits_aligned == (DAYS[2],)
    assert swapped.over == 0


def test_adjusted_only_against_traded_compares_adjusted_closes_rescaled() -> None:
    # Traded: 20, 20, 19, 19.5 with a 1.00 dividend going ex on the third session:
    # earlier closes times 1 - 1/20 = 0.95 -> adjusted 19, 19, 19, 19.5.
    primary = history([20.0, 20.0, 19.0, 19.5], dividends=[0.0, 0.0, 1.0, 0.0])
    assert list(adjusted_close(primary.bars)) == pytest.approx([19.0, 19.0, 19.0, 19.5])
    # The other file was exported after a later dividend: every adjusted close is 0.9
    # times lower. A constant factor is no difference.
    other = history([17.1, 17.1, 17.1, 17.55], adjusted_only=True, source="csv:b")
    check = compare_history(primary, other, start=START, end=END)
    assert check.basis == "adjusted"
    assert check.scale == pytest.approx(19.0 / 17.1)
    assert check.over == 0
    assert check.largest is not None
    assert abs(check.largest.change) < 1e-9


def test_adjusted_basis_still_flags_a_wrong_print() -> None:
    days = [*DAYS, dt.date(2025, 3, 7)]
    primary = history([20.0, 20.0, 19.0, 19.5, 19.6], days=days)
    # 0.9 times the primary, except the fourth session: 18.0 instead of 17.55.
    other = history([18.0, 18.0, 17.1, 18.0, 17.64], days=days, adjusted_only=True)
    check = compare_history(primary, other, start=START, end=days[-1])
    assert check.basis == "adjusted"
    assert check.scale == pytest.approx(1 / 0.9)  # median of the five ratios
    assert check.over == 1
    assert check.largest is not None
    assert check.largest.session == DAYS[3]
    assert check.largest.other == pytest.approx(20.0)  # 18.0 rescaled by 1/0.9
    assert check.largest.change == pytest.approx(0.5 / 19.5)


def test_missing_sessions_on_one_side_are_counted_not_flagged() -> None:
    days_b = [DAYS[0], DAYS[2], DAYS[3], dt.date(2025, 3, 7)]
    primary = history([10.0, 10.2, 10.4, 10.6])
    other = history([10.0, 10.4, 10.6, 10.8], days=days_b, source="csv:b")
    check = compare_history(primary, other, start=START, end=dt.date(2025, 3, 7))
    assert (check.sessions, check.only_primary, check.only_other, check.over) == (3, 1, 1, 0)
    assert not check.differs


def test_a_symbol_the_other_source_lacks_is_unchecked() -> None:
    primary = history([10.0, 10.2, 10.4, 10.6])
    result = compare_frames(
        {"0941.HK": primary},
        {},
        primary_name="csv:a",
        other_name="csv:b",
        start=START,
        end=END,
    )
    (check,) = result.symbols
    assert check.missing_other
    assert check.basis is None
    assert check.only_primary == 4
    assert result.unchecked == [check]
    assert result.compared == []
    assert result.differing == []
    assert "no data from csv:b for 0941.HK" in result.summary()


def test_the_summary_line_names_symbol_sessions_largest_and_source() -> None:
    primary = history([10.0, 10.2, 10.4, 10.6])
    other = history([10.0, 10.2, 10.5, 10.6], source="csv:b")
    result = compare_frames(
        {"0941.HK": primary},
        {"0941.HK": other},
        primary_name="csv:a",
        other_name="csv:b",
        start=START,
        end=END,
    )
    assert result.tolerance == DEFAULT_TOLERANCE
    line = result.summary()
    assert "1 differ" in line
    assert "0941.HK on 1 of 4 sessions (traded basis)" in line
    assert "2025-03-05: 10.40 (csv:a) vs 10.50 (csv:b), +0.96%" in line


@pytest.mark.parametrize(("text", "value"), [("0.5%", 0.005), ("1", 0.01), (" 2 % ", 0.02)])
def test_tolerance_is_a_percentage(text: str, value: float) -> None:
    assert parse_tolerance(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["0", "-1%", "abc", "nan", "80%"])
def test_a_bad_tolerance_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_tolerance(text)


# --- `concepttrack prices compare` on two CSV folders in different layouts -------------

TRADED_WITH_DIVIDENDS = (  # Ticker.history() export: prices adjusted, Dividends column
    "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits\n"
    "2025-03-03 00:00:00+08:00,19,19,19,19,100,0.0,0.0\n"
    "2025-03-04 00:00:00+08:00,19,19,19,19,100,0.0,0.0\n"
    "2025-03-05 00:00:00+08:00,19,19,19,19,100,1.0,0.0\n"
    "2025-03-06 00:00:00+08:00,19.5,19.5,19.5,19.5,100,0.0,0.0\n"
)


def _adjusted_only(closes: list[float]) -> str:
    """A yf.download(auto_adjust=True) export: the one Close is adjusted."""
    lines = ["Price,Close,High,Low,Open,Volume", "Ticker,0941.HK,0941.HK,0941.HK,0941.HK,0941.HK"]
    lines.append("Date,,,,,")
    for day, close in zip(DAYS, closes, strict=True):
        lines.append(f"{day.isoformat()},{close},{close},{close},{close},100")
    return "\n".join(lines) + "\n"


CLASSIC_TENCENT = "Date,Open,High,Low,Close,Volume\n" + "".join(
    f"{day.isoformat()},300,300,300,300,100\n" for day in DAYS
)


def _compare(tmp_path: Path, other_closes: list[float], *extra: str) -> Result:
    from concepttrack.cli_prices import prices_app

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(parents=True)
    second.mkdir(parents=True, exist_ok=True)
    (first / "0941.HK.csv").write_text(TRADED_WITH_DIVIDENDS, encoding="utf-8")
    (second / "0941.HK.csv").write_text(_adjusted_only(other_closes), encoding="utf-8")
    app = typer.Typer()
    app.add_typer(prices_app, name="prices")
    symbols = [e for e in extra if e.isdigit()]
    options = [e for e in extra if not e.isdigit()]
    args = ["prices", "compare", "0941", *symbols, "--source", f"csv:{first}", "--against"]
    args += [f"csv:{second}", "--from", "2025-03-03", "--to", "2025-03-06"]
    args += ["--cache", str(tmp_path / "cache.sqlite"), *options]
    return CliRunner().invoke(app, args)


def test_prices_compare_adjusted_only_against_traded_agrees(tmp_path: Path) -> None:
    # Traded 20, 20, 19, 19.5 (recovered from the history() export) against adjusted
    # closes exported after a later dividend (0.9 times lower): a basis, not a difference.
    result = _compare(tmp_path, [17.1, 17.1, 17.1, 17.55])
    assert result.exit_code == 0, result.output
    assert "0941.HK\t4\tadjusted, x1.1111\t0 / 0\t0\t" in result.output
    assert "all agree" in result.output


def test_prices_compare_finds_a_difference_and_exits_3(tmp_path: Path) -> None:
    result = _compare(tmp_path, [17.1, 17.1, 17.1, 18.0])
    assert result.exit_code == EXIT_DATA, result.output
    # 18.0 rescaled by 19/17.1 is 20.00 against 19.50: +2.56 %.
    assert "0941.HK\t4\tadjusted, x1.1111\t0 / 0\t1\t2025-03-06 19.50 vs 20.00 +2.56%" in (
        result.output
    )
    assert "0941.HK on 1 of 4 sessions (adjusted basis)" in result.output
    # A 3 % tolerance lets it pass.
    wide = _compare(tmp_path / "wide", [17.1, 17.1, 17.1, 18.0], "--tolerance", "3%")
    assert wide.exit_code == 0, wide.output


def test_prices_compare_lists_a_symbol_one_source_lacks_without_failing(
    tmp_path: Path,
) -> None:
    (tmp_path / "b").mkdir(parents=True)
    (tmp_path / "b" / "0700.HK.csv").write_text(CLASSIC_TENCENT, encoding="utf-8")
    result = _compare(tmp_path, [17.1, 17.1, 17.1, 17.55], "0700")
    assert result.exit_code == 0, result.output
    assert "0700.HK\t0\t–\t0 / 4\t0\t–" in result.output
    assert "no data from csv:" in result.output


def test_prices_compare_needs_a_second_source(tmp_path: Path) -> None:
    from concepttrack.cli_prices import prices_app

    app = typer.Typer()
    app.add_typer(prices_app, name="prices")
    result = CliRunner().invoke(app, ["prices", "compare", "0941", "--source", "demo"])
    assert isinstance(result.exception, UsageError)


# --- `report --check-against`: the note, its JSON twin, the run record, the book ------

BOOK = """\
check_against: SECOND
themes:
  - id: alpha
    title: Alpha theme
    thesis: A thesis.
    event: {date: 2024-02-16, title: The news}
    stocks:
      - {code: "09888", name: Baidu, rationale: Cloud.}
      - {code: "00763", name: ZTE, rationale: Servers.}
"""


def _write_classic(folder: Path, symbol: str, *, bump: dt.date | None = None) -> None:
    """A classic Yahoo download (traded closes) from Nov 2022 to 1 Mar 2024."""
    from concepttrack.calendar import sessions

    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for i, stamp in enumerate(sessions("XHKG", dt.date(2022, 11, 1), dt.date(2024, 3, 1))):
        close = 50.0 * (1 + 0.001 * (i % 7 - 3))
        if stamp.date() == bump:
            close *= 1.02  # a wrong print: 2 % off
        lines.append(f"{stamp.date()},{close},{close},{close},{close},{close},100000")
    (folder / f"{symbol}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_report_check_against_names_the_difference_and_keeps_the_primary_prices(
    tmp_path: Path,
) -> None:
    import json

    from concepttrack import pipeline
    from concepttrack.themes import parse_themes

    first, second = tmp_path / "first", tmp_path / "second"
    wrong = dt.date(2024, 2, 20)
    for symbol in ("9888.HK", "0763.HK", "^HSI"):
        _write_classic(first, symbol)
    _write_classic(second, "9888.HK", bump=wrong)
    _write_classic(second, "0763.HK")  # no ^HSI in the second folder
    book = parse_themes(BOOK.replace("SECOND", f"csv:{second}"), "book.yaml")
    assert book.check_against == f"csv:{second}"
    options = pipeline.RunOptions(
        formats=("md", "json"),
        out_dir=tmp_path / "reports",
        source=f"csv:{first}",
        cache_path=tmp_path / "cache.sqlite",
        as_of=dt.date(2024, 3, 1),
        check_against=book.check_against,
    )
    result = pipeline.run(list(book), options)
    (outcome,) = result.outcomes
    assert outcome.status == "ok", outcome.message
    # The console summary line and the run record.
    (line,) = result.cross_check_lines()
    assert line.startswith(
        f"alpha: cross-check against csv:{second}: 2 symbol(s) compared, tolerance 0.5%"
    )
    assert "9888.HK on 1 of " in line
    assert f"largest {wrong.isoformat()}: " in line
    assert f"no data from csv:{second} for ^HSI" in line
    # --quiet prints it too: the cross-check found a difference.
    assert result.cross_check_lines(differing_only=True) == [line]
    record = json.loads(next((tmp_path / "reports" / "runs").glob("*.json")).read_text())
    assert record["themes"][0]["cross_check"]["differing"] == ["9888.HK"]
    # The JSON twin: the block, and the primary's prices kept.
    twin = json.loads((tmp_path / "reports" / "alpha" / "2024-03-01.json").read_text())
    block = twin["snapshot"]["cross_check"]
    assert block["differing"] == ["9888.HK"]
    assert block["tolerance"] == 0.005
    baidu = next(s for s in block["symbols"] if s["symbol"] == "9888.HK")
    assert baidu["basis"] == "traded"
    assert baidu["over"] == 1
    assert baidu["differs"] is True
    assert baidu["largest"]["session"] == wrong.isoformat()
    assert baidu["largest"]["other"] == pytest.approx(baidu["largest"]["primary"] * 1.02)
    assert baidu["largest"]["change"] == pytest.approx(0.02)
    assert [f["session"] for f in baidu["flagged"]] == [wrong.isoformat()]
    hsi = next(s for s in block["symbols"] if s["symbol"] == "^HSI")
    assert hsi["missing_other"] is True
    # The data appendix says it, in words.
    note = (tmp_path / "reports" / "alpha" / "2024-03-01.md").read_text(encoding="utf-8")
    assert "a session differs when the two closes are more than 0.5% apart" in note
    assert "Cross-check: Baidu (09888) differs from CSV price files (second) on 1 of " in note
    assert "(traded closes); largest on 20 Feb 2024:" in note
    assert "had no prices for ^HSI; not checked" in note


def test_without_a_check_the_twin_has_no_cross_check(tmp_path: Path) -> None:
    import json

    from concepttrack import pipeline
    from concepttrack.themes import parse_themes

    book = parse_themes(BOOK.replace("check_against: SECOND\n", ""), "book.yaml")
    assert book.check_against is None
    options = pipeline.RunOptions(
        formats=("json",),
        out_dir=tmp_path / "reports",
        source="demo",
        cache_path=tmp_path / "cache.sqlite",
        as_of=dt.date(2024, 3, 1),
    )
    result = pipeline.run(list(book), options)
    assert result.cross_check_lines() == []
    assert result.cross_check_lines(differing_only=True) == []
    twin = json.loads((tmp_path / "reports" / "alpha" / "2024-03-01.json").read_text())
    assert "cross_check" not in twin["snapshot"]
    assert "cross_check" not in result.outcomes[0].to_dict()


def test_the_book_sets_the_tolerance_and_refuses_a_bad_one() -> None:
    from concepttrack.errors import ThemesFileError
    from concepttrack.themes import parse_themes

    book = parse_themes(BOOK.replace("SECOND", "yahoo\ncheck_tolerance: 1%"), "book.yaml")
    assert book.check_tolerance == pytest.approx(0.01)
    with pytest.raises(ThemesFileError, match="check_tolerance"):
        parse_themes(BOOK.replace("SECOND", "yahoo\ncheck_tolerance: lots"), "book.yaml")


def test_report_option_overrides_the_book_and_prints_the_summary_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concepttrack.cli import app

    first, second = tmp_path / "first", tmp_path / "second"
    for symbol in ("9888.HK", "0763.HK", "^HSI"):
        _write_classic(first, symbol)
        _write_classic(second, symbol, bump=dt.date(2024, 2, 20) if symbol == "0763.HK" else None)
    (tmp_path / "themes.yaml").write_text(BOOK.replace("SECOND", "csv:/nowhere"), "utf-8")
    monkeypatch.setenv("CONCEPTTRACK_THEMES", str(tmp_path / "themes.yaml"))
    args = ["report", "alpha", "--source", f"csv:{first}", "--as-of", "2024-03-01"]
    args += ["--format", "md", "--out", str(tmp_path / "reports")]
    args += ["--cache", str(tmp_path / "c.sqlite"), "--check-against", f"csv:{second}"]
    result = CliRunner().invoke(app, [*args, "--check-tolerance", "3%"])
    assert result.exit_code == 0, result.output
    assert (
        f"alpha: cross-check against csv:{second}: 3 symbol(s) compared, tolerance 3%: all agree"
        in (result.output)
    )
    again = CliRunner().invoke(app, [*args, "--force"])
    assert again.exit_code == 0, again.output
    assert "0763.HK on 1 of " in again.output
    bad = CliRunner().invoke(app, [*args, "--check-tolerance", "zero"])
    assert bad.exit_code == 2


def test_a_dividend_not_below_the_previous_close_is_left_out() -> None:
    bars = history([10.0, 10.0, 9.0], days=DAYS[:3], dividends=[0.0, 0.0, 12.0]).bars
    assert list(adjusted_close(bars)) == pytest.approx([10.0, 10.0, 9.0])
