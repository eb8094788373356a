"""The CSV folder source: the three layouts, file lookup, malformed files."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest

from concepttrack.errors import PriceFileError, SourceError, UsageError
from concepttrack.prices import get_source, load_prices
from concepttrack.prices.csvdir import CsvDirSource, candidate_names
from concepttrack.prices.frame import COLUMNS
from concepttrack.reasons import said

START, END = dt.date(2024, 1, 1), dt.date(2024, 1, 31)
ROWS = [  # date, open, high, low, close, volume
    ("2024-01-02", 5.45, 5.60, 5.40, 5.50, 1000),
    ("2024-01-03", 5.50, 5.70, 5.45, 5.65, 1200),
    ("2024-01-04", 5.65, 5.66, 5.30, 5.35, 900),
]

YF_DOWNLOAD = "Price,Close,High,Low,Open,Volume\nTicker,{s},{s},{s},{s},{s}\nDate,,,,,\n" + "".join(
    f"{d},{c},{h},{lo},{o},{v}\n" for d, o, h, lo, c, v in ROWS
)
HISTORY = "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits\n" + "".join(
    f"{d} 00:00:00+08:00,{o},{h},{lo},{c},{v},0.0,0.0\n" for d, o, h, lo, c, v in ROWS
)
CLASSIC = "Date,Open,High,Low,Close,Volume\n" + "".join(
    f"{d},{o},{h},{lo},{c},{v}\n" for d, o, h, lo, c, v in ROWS
)
CLASSIC_ADJ = "Date,Open,High,Low,Close,Adj Close,Volume\n" + "".join(
    f"{d},{o},{h},{lo},{c},{round(c * 0.9, 4)},{v}\n" for d, o, h, lo, c, v in ROWS
)


def _folder(tmp_path: Path, files: dict[str, str]) -> CsvDirSource:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return CsvDirSource(tmp_path)


@pytest.mark.parametrize(
    ("name", "text", "adj_is_close", "close_is_adjusted"),
    [
        # auto_adjust=True: the only close is the adjusted one, the traded close unknown.
        ("0728.HK.csv", YF_DOWNLOAD.format(s="0728.HK"), False, True),
        ("0728.HK.csv", HISTORY, False, False),
        # A traded close without Adj Close: it stands in for the adjusted close.
        ("0728.HK.csv", CLASSIC, True, False),
    ],
    ids=["yf-download", "ticker-history", "classic"],
)
def test_every_layout_gives_the_same_frame(
    tmp_path: Path, name: str, text: str, adj_is_close: bool, close_is_adjusted: bool
) -> None:
    history = _folder(tmp_path, {name: text}).fetch(["0728.HK"], START, END)["0728.HK"]

    bars = history.bars
    assert list(bars.columns) == list(COLUMNS)
    assert all(dtype == "float64" for dtype in bars.dtypes)
    assert bars.index.name == "session"
    assert [ts.date().isoformat() for ts in bars.index] == [r[0] for r in ROWS]
    assert bars["close"].tolist() == [5.50, 5.65, 5.35]
    assert bars["adj_close"].tolist() == [5.50, 5.65, 5.35]
    assert bars["open"].tolist() == [5.45, 5.50, 5.65]
    assert bars["volume"].tolist() == [1000.0, 1200.0, 900.0]
    assert bars["dividends"].tolist() == [0.0, 0.0, 0.0]
    assert history.meta is not None
    assert history.meta.adj_close_is_close is adj_is_close
    assert history.meta.close_is_adjusted is close_is_adjusted
    assert history.meta.currency == "HKD"
    assert history.problem is None


def test_classic_layout_with_adj_close_keeps_both(tmp_path: Path) -> None:
    history = _folder(tmp_path, {"0728.HK.csv": CLASSIC_ADJ}).fetch(["0728.HK"], START, END)[
        "0728.HK"
    ]

    assert history.bars["close"].tolist() == [5.50, 5.65, 5.35]
    assert history.bars["adj_close"].tolist() == [4.95, 5.085, 4.815]
    assert history.meta is not None
    assert not history.meta.adj_close_is_close


def test_history_layout_recovers_the_traded_close_from_dividends(tmp_path: Path) -> None:
    # Traded closes 60, 61, 62, 63 and a 2.0 dividend going ex on the third session:
    # Yahoo's history() writes the first two multiplied by 1 - 2.0 / 61.
    factor = 1 - 2.0 / 61.0
    text = "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits\n"
    raw = [("2024-01-02", 60.0, 0.0), ("2024-01-03", 61.0, 0.0), ("2024-01-04", 62.0, 2.0)]
    raw.append(("2024-01-05", 63.0, 0.0))
    for day, close, dividend in raw:
        f = factor if day < "2024-01-04" else 1.0
        text += f"{day} 00:00:00+08:00,{close * f},{close * f},{close * f},{close * f},10,"
        text += f"{dividend},0.0\n"

    history = _folder(tmp_path, {"0941.HK.csv": text}).fetch(["0941.HK"], START, END)["0941.HK"]

    bars = history.bars
    assert bars["close"].tolist() == [60.0, 61.0, 62.0, 63.0]
    assert bars["adj_close"].tolist() == pytest.approx([60 * factor, 61 * factor, 62.0, 63.0])
    assert bars["dividends"].tolist() == [0.0, 0.0, 2.0, 0.0]
    assert history.meta is not None
    assert not history.meta.adj_close_is_close
    assert history.meta.detail == (
        "0941.HK.csv (Ticker.history export; traded close recovered from its "
        "dividend-adjusted prices)"
    )


def test_yf_download_export_is_marked_as_adjusted_prices_only(tmp_path: Path) -> None:
    text = YF_DOWNLOAD.format(s="0941.HK")
    history = _folder(tmp_path, {"0941.HK.csv": text}).fetch(["0941.HK"], START, END)["0941.HK"]

    assert history.meta is not None
    assert history.meta.close_is_adjusted
    assert not history.meta.adj_close_is_close
    assert history.meta.detail == (
        "0941.HK.csv (yf.download export with dividend-adjusted prices only; "
        "the traded close is unknown, so close shows the adjusted close)"
    )


def test_yf_download_export_with_adj_close_keeps_the_traded_close(tmp_path: Path) -> None:
    # auto_adjust=False writes both columns: Close is traded, Adj Close adjusted.
    text = (
        "Price,Adj Close,Close,Volume\nTicker,0941.HK,0941.HK,0941.HK\nDate,,,\n"
        "2024-01-02,60.5,63.0,10\n"
    )
    history = _folder(tmp_path, {"0941.HK.csv": text}).fetch(["0941.HK"], START, END)["0941.HK"]

    assert history.bars["close"].tolist() == [63.0]
    assert history.bars["adj_close"].tolist() == [60.5]
    assert history.meta is not None
    assert not history.meta.close_is_adjusted
    assert not history.meta.adj_close_is_close


def test_yf_download_file_with_several_tickers_picks_ours(tmp_path: Path) -> None:
    text = (
        "Price,Close,Close,Volume,Volume\nTicker,0700.HK,0728.HK,0700.HK,0728.HK\nDate,,,,\n"
        "2024-01-02,300.0,5.5,10,20\n"
    )
    history = _folder(tmp_path, {"0728.HK.csv": text}).fetch(["0728.HK"], START, END)["0728.HK"]

    assert history.bars["close"].tolist() == [5.5]
    assert history.bars["volume"].tolist() == [20.0]


@pytest.mark.parametrize(
    ("symbol", "file"),
    [
        ("9888.HK", "09888.csv"),
        ("9888.HK", "9888.hk.csv"),
        ("0700.HK", "700.csv"),
        ("^HSI", "HSI.csv"),
    ],
)
def test_files_are_found_by_symbol_or_code(tmp_path: Path, symbol: str, file: str) -> None:
    source = _folder(tmp_path, {file: CLASSIC})

    assert source.find(symbol) == tmp_path / file


def test_candidate_names() -> None:
    assert candidate_names("9888.HK") == ["9888.hk.csv", "09888.hk.csv", "09888.csv", "9888.csv"]
    assert candidate_names("^HSI") == ["^hsi.csv", "hsi.csv"]


def test_a_missing_file_is_reported_for_that_symbol(tmp_path: Path) -> None:
    source = _folder(tmp_path, {"0728.HK.csv": CLASSIC})

    result = source.fetch(["0728.HK", "0700.HK"], START, END)

    assert result["0728.HK"].problem is None
    assert result["0700.HK"].failed
    assert result["0700.HK"].problem == (
        f"no CSV file (0700.HK.csv, 00700.HK.csv, 00700.csv) in {tmp_path.resolve()}"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (CLASSIC.replace("5.65,1200", "abc,1200"), "line 3: Close is not a number"),
        (CLASSIC.replace(",900\n", "\n"), "line 4: expected 6 fields, found 5"),
        (
            CLASSIC.replace("2024-01-03", "03/01/2024"),
            "line 3: Date is not a date (expected YYYY-MM-DD)",
        ),
        (CLASSIC.replace("2024-01-04", "2024-01-03"), "line 4: date 2024-01-03 repeats line 3"),
        (
            CLASSIC.replace("Close", "Last"),
            "line 1: no Close column in the header (expected a header like "
            "Date,Open,High,Low,Close,Adj Close,Volume)",
        ),
        (
            CLASSIC.replace("5.65,1200", "-5.65,1200"),
            "line 3: Close is out of range: it must be above 0 and below 10,000,000",
        ),
        ("", "file is empty"),
        ("\n \n", "file is empty"),
    ],
    ids=["number", "fields", "date", "duplicate", "header", "negative", "empty", "blank"],
)
def test_malformed_files_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    source = _folder(tmp_path, {"0728.HK.csv": text})

    with pytest.raises(PriceFileError) as caught:
        source.read("0728.HK")

    path = tmp_path.resolve() / "0728.HK.csv"
    separator = ", " if message.startswith("line") else ": "
    assert caught.value.message == f"{path}{separator}{message}"
    if message.startswith("line"):
        assert caught.value.hint == (
            "Fix or remove that line, or export the file again from Yahoo Finance."
        )
    else:
        assert caught.value.hint == (
            "Export the file again from Yahoo Finance, or remove it from the folder."
        )
    # fetch() does not raise: the symbol fails alone, its problem the same message.
    history = source.fetch(["0728.HK"], START, END)["0728.HK"]
    assert history.failed
    assert history.problem == caught.value.message
    assert history.bars.empty
    assert history.meta is None


def test_a_file_that_is_not_utf8_has_its_own_hint(tmp_path: Path) -> None:
    (tmp_path / "0728.HK.csv").write_bytes(CLASSIC.encode("utf-16"))

    with pytest.raises(PriceFileError) as caught:
        CsvDirSource(tmp_path).read("0728.HK")

    assert caught.value.message == f"{tmp_path.resolve() / '0728.HK.csv'}: is not UTF-8 text"
    assert caught.value.hint == (
        "Save the file as UTF-8 CSV, or export it again from Yahoo Finance."
    )


def test_a_short_row_in_a_yf_download_file_is_an_error(tmp_path: Path) -> None:
    text = YF_DOWNLOAD.format(s="0728.HK").replace(",1200\n", "\n")
    source = _folder(tmp_path, {"0728.HK.csv": text})

    history = source.fetch(["0728.HK"], START, END)["0728.HK"]

    path = tmp_path.resolve() / "0728.HK.csv"
    assert history.failed
    assert history.problem == f"{path}, line 5: expected 6 fields, found 5"


def test_a_malformed_file_fails_only_its_symbol(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "0728.HK.csv").write_text(CLASSIC.replace("5.65,1200", "abc,1200"), "utf-8")
    (folder / "0763.HK.csv").write_text(CLASSIC, encoding="utf-8")
    now = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)

    frame = load_prices(
        ["0728.HK", "0763.HK"],
        start=START,
        end=dt.date(2024, 1, 4),  # the files' last row: nothing is stale
        source=f"csv:{folder}",
        store_path=tmp_path / "cache.sqlite",
        now=now,
    )

    bad, good = frame.get("0728.HK"), frame.get("0763.HK")
    assert good.bars["close"].tolist() == [5.50, 5.65, 5.35]
    assert not good.failed
    assert good.problem is None
    assert bad.failed
    assert bad.bars.empty
    assert bad.problem == (f"{folder.resolve() / '0728.HK.csv'}, line 3: Close is not a number")
    # The note quotes it with the file's name only, never the local path.
    assert bad.reason == said("0728.HK.csv, line 3: Close is not a number")


def test_no_usable_file_at_all_is_a_source_error(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "0728.HK.csv").write_text(CLASSIC.replace("5.65,1200", "abc,1200"), "utf-8")

    with pytest.raises(SourceError) as caught:
        load_prices(
            ["0728.HK"],
            start=START,
            end=END,
            source=f"csv:{folder}",
            store_path=tmp_path / "cache.sqlite",
            now=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
        )

    assert caught.value.message == (
        f"CSV folder {folder} gave no prices for 0728.HK: "
        f"{folder.resolve() / '0728.HK.csv'}, line 3: Close is not a number"
    )
    assert caught.value.hint == (
        "Add or fix the CSV files named above (one per symbol, as exported from "
        "Yahoo Finance), or use --source demo."
    )


def test_a_fixed_file_is_read_again_after_it_failed(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    bad = folder / "0728.HK.csv"
    bad.write_text(CLASSIC.replace("5.65,1200", "abc,1200"), "utf-8")
    (folder / "0763.HK.csv").write_text(CLASSIC, encoding="utf-8")
    store = tmp_path / "cache.sqlite"
    now = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)

    def load() -> pd.DataFrame:
        frame = load_prices(
            ["0728.HK", "0763.HK"],
            start=START,
            end=END,
            source=f"csv:{folder}",
            store_path=store,
            now=now,
        )
        return frame.get("0728.HK").bars

    assert load().empty
    bad.write_text(CLASSIC, encoding="utf-8")

    assert load()["close"].tolist() == [5.50, 5.65, 5.35]


def test_missing_values_become_nan_and_rows_without_close_are_dropped(tmp_path: Path) -> None:
    text = CLASSIC.replace("5.45,5.6", "null,5.6").replace("5.35,900", ",900")
    bars = _folder(tmp_path, {"0728.HK.csv": text}).fetch(["0728.HK"], START, END)["0728.HK"].bars

    assert len(bars) == 2
    assert pd.isna(bars["open"].iloc[0])


def test_get_source_parses_specs(tmp_path: Path) -> None:
    source = get_source(f"csv:{tmp_path}")
    assert isinstance(source, CsvDirSource)
    assert source.name == f"csv:{tmp_path.resolve()}"
    with pytest.raises(UsageError) as caught:
        get_source("csv:")
    assert caught.value.message == "--source csv needs a folder, e.g. csv:./prices"
    with pytest.raises(UsageError) as caught:
        get_source(f"csv:{tmp_path / 'nope'}")
    assert (
        caught.value.message
        == f"price folder {tmp_path / 'nope'} does not exist or is not a folder"
    )
    with pytest.raises(UsageError) as caught:
        get_source("bloomberg")
    assert caught.value.message == "unknown price source 'bloomberg'"
    assert caught.value.hint == (
        "Use --source yahoo, --source akshare, --source csv:DIR or --source demo, or several "
        "in order separated by commas (yahoo,csv:DIR); also settable as CONCEPTTRACK_SOURCE "
        "or `source:` in the themes book."
    )


def test_an_edited_file_is_read_again_through_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "0728.HK.csv").write_text(CLASSIC, encoding="utf-8")
    store = tmp_path / "cache.sqlite"
    now = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)

    def load() -> pd.DataFrame:
        frame = load_prices(
            ["0728.HK"], start=START, end=END, source=f"csv:{folder}", store_path=store, now=now
        )
        return frame.get("0728.HK").bars

    assert load()["close"].iloc[-1] == 5.35
    (folder / "0728.HK.csv").write_text(CLASSIC.replace("5.35,900", "5.25,900"), encoding="utf-8")
    stat = (folder / "0728.HK.csv").stat()
    os.utime(folder / "0728.HK.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    assert load()["close"].iloc[-1] == 5.25


def test_a_history_export_without_dividends_keeps_every_decimal(tmp_path: Path) -> None:
    """An FX pair in the ``history()`` layout (a Dividends column, all zero) is read as
    written: CNYHKD=X's 1.08145 must not become 1.0814 (the A/H premium uses it)."""
    import datetime as dt

    from concepttrack.prices.csvdir import CsvDirSource

    (tmp_path / "CNYHKD=X.csv").write_text(
        "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits\n"
        "2025-06-27 00:00:00+01:00,1.08093,1.08201,1.07985,1.08093,0,0.0,0.0\n"
        "2025-06-30 00:00:00+01:00,1.08145,1.08253,1.08037,1.08145,0,0.0,0.0\n",
        encoding="utf-8",
    )
    bars = (
        CsvDirSource(tmp_path)
        .fetch(["CNYHKD=X"], dt.date(2025, 6, 1), dt.date(2025, 6, 30))["CNYHKD=X"]
        .bars
    )
    assert bars["close"].tolist() == [1.08093, 1.08145]
