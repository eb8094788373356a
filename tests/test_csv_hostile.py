"""A CSV price folder as an attacker or a careless export would leave it (issue 17).

Classes 3, 5 and 9: a file that is not what it seems (a symbolic link, a FIFO) is
refused and never quoted; a bad file (a huge field, an absurd number) fails only its
symbol, with exit 3 and the file and line named, while a theme that does not use it is
written; a file above the size limit is refused before it is read.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from concepttrack.cli import app
from concepttrack.errors import EXIT_DATA, PriceFileError
from concepttrack.prices import csvdir
from concepttrack.prices.csvdir import CsvDirSource, read_fundamentals_csv
from concepttrack.reasons import from_json, reason

AS_OF = dt.date(2024, 2, 29)
START, END = dt.date(2022, 11, 1), AS_OF
#: What a file that is not a price file holds: it must never reach any output.
SECRET = "mailtos://ops:hunter2-SECRET@example.com"

BOOK = """\
themes:
  - id: alpha
    title: Alpha theme
    thesis: A thesis.
    event: {date: 2024-02-16, title: The news}
    stocks:
      - {code: "09888", name: Baidu, rationale: Cloud.}
      - {code: "00763", name: ZTE, rationale: Servers.}
  - id: beta
    title: Beta theme
    thesis: Another thesis.
    event: {date: 2024-01-10, title: Other news}
    stocks:
      - {code: "00941", name: China Mobile, rationale: Network.}
      - {code: "00728", name: China Telecom, rationale: Racks.}
"""
SYMBOLS = ("9888.HK", "0763.HK", "0941.HK", "0728.HK", "^HSI")
FUNDAMENTALS = (
    "symbol,date,market_cap,shares_outstanding,trailing_pe,price_to_book,dividend_yield,currency\n"
    "0941.HK,2024-01-02,1.6e12,2.1e10,10.5,1.1,0.065,HKD\n"
)


def _price_lines(price: float = 50.0) -> list[str]:
    from concepttrack.calendar import sessions

    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for i, day in enumerate(sessions("XHKG", START, END)):
        close = price * (1 + 0.001 * (i % 7 - 3))
        lines.append(f"{day.date()},{close},{close * 1.01},{close * 0.99},{close},{close},100000")
    return lines


def _folder(root: Path) -> Path:
    prices = root / "prices"
    prices.mkdir(parents=True, exist_ok=True)
    for symbol in SYMBOLS:
        (prices / f"{symbol}.csv").write_text("\n".join(_price_lines()) + "\n", encoding="utf-8")
    return prices


def _secret_file(root: Path) -> Path:
    secret = root / "elsewhere" / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(f"{SECRET},root:x:0:0\nsecond line {SECRET}\n", encoding="utf-8")
    return secret


def _bad_row(prices: Path, symbol: str, column: int, value: str) -> int:
    """Put ``value`` in ``column`` of the third-last row of ``symbol``'s file: its line."""
    lines = _price_lines()
    cells = lines[-3].split(",")
    cells[column] = value
    lines[-3] = ",".join(cells)
    (prices / f"{symbol}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 2


def _report(root: Path, *extra: str, book: str = BOOK) -> Result:
    (root / "book.yaml").write_text(book, encoding="utf-8")
    return CliRunner().invoke(
        app,
        [
            "--themes",
            str(root / "book.yaml"),
            "report",
            "--all",
            "--source",
            f"csv:{root / 'prices'}",
            "--out",
            str(root / "reports"),
            "--cache",
            str(root / "cache.sqlite"),
            "--as-of",
            AS_OF.isoformat(),
            "--format",
            "md,json",
            *extra,
        ],
    )


def _written_anywhere(root: Path, text: str) -> list[Path]:
    """Files under ``root`` (notes, JSON twins, run records, the cache) that hold ``text``,
    leaving out the secret itself and the price folder."""
    found = []
    needle = text.encode("utf-8")
    for path in root.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        if "elsewhere" in path.parts or "prices" in path.parts:
            continue
        if needle in path.read_bytes():
            found.append(path)
    return found


def _assert_beta_only_fails(root: Path, result: Result) -> None:
    assert result.exit_code == EXIT_DATA, result.output
    assert "internal error" not in result.output
    # The theme that does not use the bad file is written as usual; the other one too,
    # with that stock missing.
    assert (root / "reports/alpha/2024-02-29.md").is_file()
    assert (root / "reports/beta/2024-02-29.md").is_file()
    assert "alpha ok 2024-02-29" in result.output
    assert "beta incomplete 2024-02-29 missing=0941.HK" in result.output


# --- class 3: files that are not what they seem ------------------------------------------


@pytest.mark.parametrize("target", ["outside", "inside"])
def test_a_symlinked_price_file_is_refused_and_never_quoted(tmp_path: Path, target: str) -> None:
    prices = _folder(tmp_path)
    link = prices / "0941.HK.csv"
    link.unlink()
    if target == "outside":
        link.symlink_to(_secret_file(tmp_path))
    else:
        # Even a link to another file of the folder is refused: links are never followed.
        (prices / "notes.txt").write_text(f"{SECRET}\n", encoding="utf-8")
        link.symlink_to(prices / "notes.txt")

    history = CsvDirSource(prices).fetch(["0941.HK"], START, END)["0941.HK"]
    assert history.problem == (
        f"{prices.resolve() / '0941.HK.csv'}: is a symbolic link; only regular files in the "
        "folder are read"
    )
    assert history.cause == reason("file_is_link", file="0941.HK.csv")

    result = _report(tmp_path, "--lang", "en,zh-hk,zh-cn")

    _assert_beta_only_fails(tmp_path, result)
    assert (
        "beta: no data for 0941.HK (0941.HK.csv is a symbolic link: only regular files "
        "in the price folder are read)"
    ) in result.output
    assert SECRET not in result.output
    assert "root:x" not in result.output
    assert _written_anywhere(tmp_path, "hunter2") == []
    # The note says so in its language (not as the source's words).
    notes = {
        p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "reports/beta").glob("*.md")
    }
    assert any("0941.HK.csv是符號連結" in text for text in notes.values()), notes.keys()
    assert any("0941.HK.csv是符号链接" in text for text in notes.values()), notes.keys()


def test_a_symlinked_fundamentals_file_is_refused_and_never_quoted(tmp_path: Path) -> None:
    prices = _folder(tmp_path)
    (prices / "fundamentals.csv").symlink_to(_secret_file(tmp_path))

    answers = CsvDirSource(prices).fetch_fundamentals(["0941.HK"], AS_OF)
    problem = answers["0941.HK"].problem or ""
    assert from_json(problem) == reason("file_is_link", file="fundamentals.csv")
    with pytest.raises(PriceFileError) as caught:
        read_fundamentals_csv(prices / "fundamentals.csv")
    assert SECRET not in caught.value.message

    result = _report(tmp_path)
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert _written_anywhere(tmp_path, "hunter2") == []


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    prices = _folder(tmp_path)
    (prices / "0941.HK.csv").unlink()
    os.mkfifo(prices / "0941.HK.csv")
    os.mkfifo(prices / "fundamentals.csv")

    history = CsvDirSource(prices).fetch(["0941.HK"], START, END)["0941.HK"]
    answers = CsvDirSource(prices).fetch_fundamentals(["0941.HK"], AS_OF)

    assert history.failed
    assert history.problem == (
        f"{prices.resolve() / '0941.HK.csv'}: is not a regular file (a device, FIFO or socket)"
    )
    assert history.cause == reason("file_not_regular", file="0941.HK.csv")
    assert from_json(answers["0941.HK"].problem or "") == reason(
        "file_not_regular", file="fundamentals.csv"
    )
    result = _report(tmp_path)
    _assert_beta_only_fails(tmp_path, result)


def test_no_cell_or_header_of_a_file_is_quoted(tmp_path: Path) -> None:
    prices = _folder(tmp_path)
    # A file that is not a price file: its header and cells must not show anywhere.
    (prices / "0941.HK.csv").write_text(f"{SECRET},b,c\n1,2,3\n", encoding="utf-8")
    lines = _price_lines()
    lines[5] = lines[5].replace(lines[5][:10], "hunter2-date")
    (prices / "9888.HK.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (prices / "fundamentals.csv").write_text(
        f"symbol,date,{SECRET}\n0941.HK,2024-01-02,1\n", encoding="utf-8"
    )

    result = _report(tmp_path)

    assert result.exit_code == EXIT_DATA, result.output
    assert "0941.HK.csv, line 1: no Date column in the header" in result.output
    assert "9888.HK.csv, line 6: Date is not a date (expected YYYY-MM-DD)" in result.output
    assert "hunter2" not in result.output
    assert _written_anywhere(tmp_path, "hunter2") == []
    with pytest.raises(PriceFileError) as caught:
        read_fundamentals_csv(prices / "fundamentals.csv")
    assert caught.value.message.endswith("line 1: unexpected header (unknown column 3)")


# --- class 5: one bad file fails only its symbol ----------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (4, "1e300", "Close is out of range: it must be above 0 and below 10,000,000"),
        (5, "1e300", "Adj Close is out of range: it must be above 0 and below 10,000,000"),
        (1, "1e300", "Open is out of range: it must be at least 0 and below 10,000,000"),
        (6, "-5", "Volume is out of range: it must be at least 0 and below 1,000,000,000,000,000"),
        (6, "-nan", "Volume is not a finite number"),
        (
            6,
            "1e300",
            "Volume is out of range: it must be at least 0 and below 1,000,000,000,000,000",
        ),
        (4, "inf", "Close is not a finite number"),
        (0, "3000-01-02", "Date is outside 1900-01-01 to 2199-12-31"),
        (4, '"' + "9" * 5_000_000 + '"', "a field is longer than 131,072 characters"),
        (4, "," * 10_000, "has more than 10,000 columns"),
    ],
    ids=[
        "close-1e300",
        "adj-close-1e300",
        "open-1e300",
        "negative-volume",
        "nan-volume",
        "volume-1e300",
        "infinite-close",
        "date-3000",
        "5mb-field",
        "10000-columns",
    ],
)
def test_a_bad_number_fails_only_its_symbol_with_file_and_line(
    tmp_path: Path, column: int, value: str, message: str
) -> None:
    prices = _folder(tmp_path)
    line = _bad_row(prices, "0941.HK", column, value)

    result = _report(tmp_path)

    _assert_beta_only_fails(tmp_path, result)
    assert f"beta: no data for 0941.HK (0941.HK.csv, line {line}: {message})" in result.output
    # The cell is never quoted.
    for quoted in ("1e300", "-nan", "3000-01-02", "9" * 100):
        assert quoted not in result.output


def test_the_price_checks_name_the_cell_not_its_content(tmp_path: Path) -> None:
    prices = _folder(tmp_path)
    line = _bad_row(prices, "0941.HK", 6, "-12345")
    with pytest.raises(PriceFileError) as caught:
        CsvDirSource(prices).read("0941.HK")
    assert caught.value.message == (
        f"{prices.resolve() / '0941.HK.csv'}, line {line}: Volume is out of range: it must be "
        "at least 0 and below 1,000,000,000,000,000"
    )
    assert "12345" not in caught.value.message


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("1.6e12,1e308,10.5,1.1,0.065", "shares_outstanding is out of range"),
        ("1e308,2.1e10,10.5,1.1,0.065", "market_cap is out of range"),
        ("1.6e12,2.1e10,1e300,1.1,0.065", "trailing_pe is out of range"),
        ("1.6e12,2.1e10,10.5,-1e300,0.065", "price_to_book is out of range"),
        ("1.6e12,nan,10.5,1.1,0.065", ""),  # a missing figure stays allowed
    ],
    ids=["shares-1e308", "cap-1e308", "pe-1e300", "pb-minus-1e300", "nan-is-missing"],
)
def test_absurd_fundamentals_are_refused_with_file_and_line(
    tmp_path: Path, cells: str, message: str
) -> None:
    path = tmp_path / "fundamentals.csv"
    path.write_text(
        FUNDAMENTALS + f"0941.HK,2024-02-01,{cells},HKD\n",
        encoding="utf-8",
    )
    if not message:
        assert read_fundamentals_csv(path)["0941.HK"][-1].shares_outstanding is None
        return
    with pytest.raises(PriceFileError) as caught:
        read_fundamentals_csv(path)
    assert caught.value.message.startswith(f"{path}, line 3: {message}: it must lie from ")
    assert "1e3" not in caught.value.message
    answers = CsvDirSource(tmp_path).fetch_fundamentals(["0941.HK"], AS_OF)
    assert (answers["0941.HK"].problem or "").startswith(f"fundamentals.csv, line 3: {message}")


def test_absurd_shares_outstanding_fail_only_that_stock(tmp_path: Path) -> None:
    prices = _folder(tmp_path)
    (prices / "fundamentals.csv").write_text(
        FUNDAMENTALS.replace("2024-01-02", "2022-11-01")
        + "0941.HK,2022-12-01,1.6e12,1e308,10.5,1.1,0.065,HKD\n"
        + "0728.HK,2022-11-01,1.2e11,2e10,8.0,0.6,0.07,HKD\n",
        encoding="utf-8",
    )
    answers = CsvDirSource(prices).fetch_fundamentals(["0941.HK", "0728.HK"], AS_OF)
    assert (answers["0941.HK"].problem or "").startswith(
        "fundamentals.csv, line 3: shares_outstanding is out of range"
    )
    assert answers["0941.HK"].records == []
    assert answers["0728.HK"].problem is None
    assert [r.shares_outstanding for r in answers["0728.HK"].records] == [2e10]

    book = BOOK.replace(
        '    stocks:\n      - {code: "00941"',
        '    weighting: cap\n    stocks:\n      - {code: "00941"',
    )
    result = _report(tmp_path, book=book)

    assert result.exit_code == 0, result.output
    note = (tmp_path / "reports/beta/2024-02-29.md").read_text(encoding="utf-8")
    assert "NaN" not in note
    assert "1e308" not in note
    assert "1e+308" not in note
    assert "fundamentals.csv, line 3: shares\\_outstanding is out of range" in note
    assert "Cap weight of 00728 China Telecom: 20,000,000,000 shares" in note


# --- class 9: limits -----------------------------------------------------------------------


def test_the_file_limit_holds_decades_of_bars_but_not_more(tmp_path: Path) -> None:
    # 20 years of daily bars take about 0.5 MB; the limit is 16 MB (it was 64 MB, which
    # took 1.8 GB of memory to read).
    assert csvdir.MAX_FILE_BYTES == 16 * 1024 * 1024
    lines = _price_lines()
    twenty_years = len("\n".join(lines).encode()) / len(lines) * 250 * 20
    assert twenty_years < 1024 * 1024
    assert 16 * twenty_years < csvdir.MAX_FILE_BYTES


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    prices = _folder(tmp_path)
    path = prices / "0941.HK.csv"
    with path.open("r+b") as handle:
        handle.truncate(csvdir.MAX_FILE_BYTES + 1)  # sparse: nothing to read anyway
    big = prices / "fundamentals.csv"
    big.write_text(FUNDAMENTALS, encoding="utf-8")
    with big.open("r+b") as handle:
        handle.truncate(csvdir.MAX_FILE_BYTES + 1)

    history = CsvDirSource(prices).fetch(["0941.HK"], START, END)["0941.HK"]
    answers = CsvDirSource(prices).fetch_fundamentals(["0941.HK"], AS_OF)

    limit = f"{csvdir.MAX_FILE_BYTES:,}"
    size = f"{csvdir.MAX_FILE_BYTES + 1:,}"
    assert history.problem == (f"{path.resolve()}: is {size} bytes; the limit is {limit}")
    assert history.cause == reason("file_too_large", file="0941.HK.csv", mb=16)
    assert from_json(answers["0941.HK"].problem or "") == reason(
        "file_too_large", file="fundamentals.csv", mb=16
    )
    result = _report(tmp_path)
    _assert_beta_only_fails(tmp_path, result)
    assert "0941.HK.csv is larger than the limit of 16 MB" in result.output


def test_an_unexpected_parse_failure_fails_only_its_symbol_without_quoting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the checks let through and pandas refuses (or a bug in the reader) fails its
    symbol alone, named by the error's kind: the error's words may quote the file."""
    prices = _folder(tmp_path)
    (prices / "fundamentals.csv").write_text(FUNDAMENTALS, encoding="utf-8")
    original = csvdir._Reader._rows

    def rows(self: csvdir._Reader, *args: object, **kwargs: object) -> object:
        if self.path.name == "0941.HK.csv":
            raise ValueError(f"could not convert {SECRET!r}")
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    def number(*args: object) -> float:
        raise OverflowError(SECRET)

    monkeypatch.setattr(csvdir._Reader, "_rows", rows)
    monkeypatch.setattr(csvdir, "_fundamentals_number", number)

    source = CsvDirSource(prices)
    history = source.fetch(["0941.HK", "0728.HK"], START, END)
    answers = source.fetch_fundamentals(["0941.HK"], AS_OF)

    assert history["0941.HK"].problem == (
        f"{prices.resolve() / '0941.HK.csv'}: cannot be read (ValueError)"
    )
    assert not history["0728.HK"].failed
    assert answers["0941.HK"].problem == "fundamentals.csv: cannot be read (OverflowError)"
    result = _report(tmp_path)
    _assert_beta_only_fails(tmp_path, result)
    assert "hunter2" not in result.output
    assert _written_anywhere(tmp_path, "hunter2") == []
