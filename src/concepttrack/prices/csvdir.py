"""A folder of CSV price files, one per symbol, in the layouts people actually have.

A symbol's file is found by its Yahoo symbol or its HKEX code, case-insensitively:
``9888.HK.csv``, ``09888.HK.csv``, ``09888.csv``, ``9888.csv`` (and ``HSI.csv`` for
``^HSI``). Three layouts are read:

(a) ``yf.download(...).to_csv()``: three header rows ``Price,...`` / ``Ticker,...`` /
    ``Date,...``. With ``auto_adjust=True`` (yfinance's default) the one ``Close`` is
    already dividend-adjusted and the traded close is unknown: it fills both close and
    adj_close, and the series is marked ``close_is_adjusted`` so a note labels it.
    With ``auto_adjust=False`` the file has ``Adj Close`` and both are kept.
(b) ``Ticker(...).history().to_csv()``: ``Date`` with a UTC offset
    (``2024-02-16 00:00:00+08:00``), Open..Volume, ``Dividends``, ``Stock Splits``.
    ``history()`` adjusts prices for dividends by default, and the Dividends column
    says by how much, so the traded close is recovered by undoing Yahoo's
    adjustment (the series' ``detail`` says so).
(c) the classic Yahoo download ``Date,Open,High,Low,Close,Adj Close,Volume``, with
    or without ``Adj Close``; without it, Close serves as both.

Adjusted closes (:mod:`concepttrack.prices.adjust`): a file with a ``Dividends``
column gives traded closes and actions, and the cache derives the adjusted close from
them (the file's ``Adj Close``, if any, is not kept: one method for every source);
a file with ``Close`` and ``Adj Close`` but no ``Dividends`` column keeps its own
adjusted close, as it names no action to derive one from; a file with one adjusted
close only stays ``close_is_adjusted``. Every layout is a Yahoo export, whose closes
are already split-adjusted (``SymbolMeta.split_adjusted``), so ``Stock Splits`` are not
applied again.

Every layout produces the same contract columns. A malformed file is a
:class:`PriceFileError` naming the file and the line; :meth:`CsvDirSource.fetch`
turns it into a failed :class:`SymbolHistory` of that symbol alone, so one bad
file never hides the others (a theme that does not use it is written as usual).

The files are not trusted (README, "Security"):

* only a **regular file directly in the folder** is read: a symbolic link (even one
  pointing inside the folder), a FIFO, a device or a socket named like a price file is
  refused, never followed or opened for reading
  (:func:`concepttrack.fsutil.read_limited`);
* each file is at most :data:`MAX_FILE_BYTES` (**16 MB**), counted while reading. A
  20-year daily history is about 0.5 MB, so the limit holds centuries of daily bars in
  every layout. Rows are parsed as they are read (no list of every line or row), so a
  file at the limit takes about 40 MB of memory to read (measured on a 16 MB file of
  98,000 rows: 110 MB peak for the process, 71 MB of it Python with pandas loaded; the
  64 MB limit before took 1.8 GB for a 63 MB file);
* a field is at most :data:`MAX_FIELD_CHARS` characters (the csv module's limit), a
  line at most :data:`MAX_COLUMNS` fields;
* every number is checked where it is read: finite, prices (open, high, low, close,
  adjusted close, dividends) at least 0 and below :data:`MAX_PRICE` (10 million in the
  price's currency; close and adjusted close above 0, while open, high and low may be
  0 as some exports write for a session without trades), volume at least 0 and below
  :data:`MAX_VOLUME`, split ratios at least 0 and below :data:`MAX_SPLIT`, dates from
  :data:`FIRST_DAY` to :data:`LAST_DAY`. In ``fundamentals.csv``: ``market_cap`` at most
  :data:`MAX_MARKET_CAP` (in its currency), ``shares_outstanding`` at most
  :data:`MAX_SHARES`, ``trailing_pe`` and ``price_to_book`` within
  ``±``:data:`MAX_RATIO`, the dividend yield a fraction from 0 to 1, target prices and
  the dividend amount above 0 and below :data:`MAX_PRICE`, ``analysts`` a whole number
  from 0 to :data:`MAX_ANALYSTS`, ``rating_mean`` from 1 to 5, the two dates ISO within
  the price dates' range; a bad row fails
  that symbol's fundamentals alone (a bad header or an unreadable file, every symbol's);
* a message says what is wrong and where (file name, line, column name), never what
  the file holds: no cell, header or line of a file is ever quoted, so a file that is
  not what it seems cannot leak into a message, a run record or a note.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import PriceFileError, UsageError
from concepttrack.fsutil import ReadRefused, read_limited
from concepttrack.reasons import Reason, reason, said
from concepttrack.symbols import hkex_code, is_hk, market_of, to_yahoo

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.prices.frame import SymbolHistory
    from concepttrack.prices.records import Fundamentals, FundamentalsAnswer

#: The optional fundamentals file of a price folder, and its columns.
FUNDAMENTALS_FILE = "fundamentals.csv"
FUNDAMENTALS_COLUMNS = (
    "symbol",
    "date",
    "market_cap",
    "shares_outstanding",
    "trailing_pe",
    "price_to_book",
    "dividend_yield",
    "currency",
    # Optional (issue 18): the analysts' consensus and the dates ahead; a file without
    # these columns still loads.
    "target_mean",
    "target_high",
    "target_low",
    "analysts",
    "rating_mean",
    "next_results",
    "next_ex_dividend",
    "ex_dividend_amount",
)

_FUNDAMENTALS_HINT = (
    f"Columns: {','.join(FUNDAMENTALS_COLUMNS)} (symbol and date required, "
    "the others may be empty)."
)
_HEADER_NAMES = {
    "date": "date",
    "datetime": "date",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adj close": "adj_close",
    "adj_close": "adj_close",
    "adjclose": "adj_close",
    "volume": "volume",
    "dividends": "dividends",
    "stock splits": "splits",
    "splits": "splits",
}
_MISSING = {"", "null", "nan", "none", "-"}
_HINT = "Fix or remove that line, or export the file again from Yahoo Finance."
_FILE_HINT = "Export the file again from Yahoo Finance, or remove it from the folder."
#: Largest file read from a price folder (prices or fundamentals), in bytes.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Longest field of a CSV file, in characters (the csv module's default limit).
MAX_FIELD_CHARS = 131_072
#: Most fields in one line (a ``yf.download`` file of 1,000 tickers has 6,001).
MAX_COLUMNS = 10_000
#: Prices (open, high, low, close, adjusted close, dividends) lie below this, in the
#: price's currency: the dearest listed shares trade well under it in any currency.
MAX_PRICE = 1e7
#: Volume (shares or index units traded in one session) lies below this.
MAX_VOLUME = 1e15
#: Largest split ratio of one session.
MAX_SPLIT = 1e6
#: Dates a price file may hold (pandas' nanosecond timestamps end in 2262).
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
#: Largest ``market_cap`` in ``fundamentals.csv``, in its currency (the largest listed
#: companies are worth about 1e15 in Indonesian rupiah).
MAX_MARKET_CAP = 1e16
#: Largest ``shares_outstanding`` (the most shares any listed company has is about 4e11).
MAX_SHARES = 1e13
#: ``trailing_pe`` and ``price_to_book`` lie within plus or minus this.
MAX_RATIO = 1e6
#: Most analysts one consensus counts.
MAX_ANALYSTS = 1000
_REFUSED_HINT = (
    "Only regular files directly in the price folder are read (no links, FIFOs or "
    f"devices), each at most {MAX_FILE_BYTES // 2**20} MB: put the CSV file itself there."
)


class RefusedFileError(PriceFileError):
    """A file of the folder that is not read at all: a link, not a regular file, or too
    large. ``cause`` says so as a reason the note words in its language."""

    def __init__(self, message: str, *, hint: str | None = None, cause: Reason) -> None:
        super().__init__(message, hint=hint)
        self.cause = cause


def _refusal(path: Path, message: str) -> Reason:
    """Why ``path`` was refused, as a reason (by what it is, not by what it holds)."""
    import stat

    try:
        info = path.lstat()
    except OSError:
        return said(message.replace(str(path), path.name))
    if stat.S_ISLNK(info.st_mode):
        return reason("file_is_link", file=path.name)
    if not stat.S_ISREG(info.st_mode):
        return reason("file_not_regular", file=path.name)
    return reason("file_too_large", file=path.name, mb=MAX_FILE_BYTES // 2**20)


@dataclass(frozen=True)
class CsvSeries:
    """One file's rows as parsed, plus how to read its closes."""

    bars: pd.DataFrame
    layout: str
    adj_close_is_close: bool
    detail: str
    #: The file's only close is dividend-adjusted (``yf.download(auto_adjust=True)``).
    close_is_adjusted: bool = False
    #: The file names its dividends: the cache keeps traded closes and actions and
    #: derives the adjusted close (:mod:`concepttrack.prices.adjust`).
    adjusted_from_actions: bool = False


def candidate_names(symbol: str) -> list[str]:
    """File names (lower case) that may hold ``symbol``, best first."""
    upper = symbol.upper()
    names = [upper]
    if is_hk(upper):
        number = int(upper[:-3])
        code = hkex_code(upper)
        names += [f"{code}.HK", code, f"{number}", f"{number:04d}"]
    if upper.startswith("^"):
        names.append(upper[1:])
    return [f"{name.lower()}.csv" for name in dict.fromkeys(names)]


class _Reader:
    """Parses one CSV file, remembering the line of each row for error messages."""

    def __init__(self, path: Path, symbol: str) -> None:
        self.path = path
        self.symbol = symbol

    def fail(self, line: int | None, message: str, *, hint: str | None = None) -> PriceFileError:
        """The error for ``message`` at ``line`` (None: the file as a whole)."""
        where = f"{self.path}, line {line}" if line is not None else str(self.path)
        return PriceFileError(
            f"{where}: {message}", hint=hint or (_HINT if line is not None else _FILE_HINT)
        )

    def text(self, hint: str | None = None) -> str:
        """The file's text: a regular file in its folder, within the size limit, UTF-8."""
        try:
            data = read_limited(self.path, MAX_FILE_BYTES, inside=self.path.parent)
        except ReadRefused as exc:
            message = self.fail(None, exc.reason).message
            raise RefusedFileError(
                message, hint=_REFUSED_HINT, cause=_refusal(self.path, message)
            ) from None
        except OSError as exc:
            raise self.fail(
                None,
                f"cannot read: {exc.strerror or type(exc).__name__}",
                hint="Check that the file exists and that you may read it.",
            ) from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise self.fail(
                None,
                "is not UTF-8 text",
                hint=hint or "Save the file as UTF-8 CSV, or export it again from Yahoo Finance.",
            ) from None

    def rows(self, text: str) -> Iterator[tuple[int, list[str]]]:
        """The file's non-blank rows with the line each ends on, parsed as they are read."""
        lines = _Lines(text)
        reader = csv.reader(lines)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except _TooWide:
                raise self.fail(lines.number, f"has more than {MAX_COLUMNS:,} columns") from None
            except csv.Error as exc:
                too_long = "field limit" in str(exc)
                raise self.fail(
                    lines.number,
                    f"a field is longer than {MAX_FIELD_CHARS:,} characters"
                    if too_long
                    else "is not valid CSV (a stray quote or NUL character)",
                ) from None
            if any(cell.strip() for cell in row):
                yield lines.number, row

    def read(self) -> CsvSeries:
        rows = self.rows(self.text())
        first = next(rows, None)
        if first is None:
            raise self.fail(None, "file is empty")
        head = [c.strip() for c in first[1]]
        if head and head[0].lower() == "price":
            return self._yf_download(first, rows)
        return self._flat(first, rows)

    def _names(self, line: int, header: list[str]) -> list[str | None]:
        names: list[str | None] = []
        for cell in header:
            names.append(_HEADER_NAMES.get(cell.strip().lower()))
        for required in ("date", "close"):
            if required not in names:
                # The header is not quoted: a file that is not a price file must not show.
                raise self.fail(
                    line,
                    f"no {required.title()} column in the header (expected a header like "
                    "Date,Open,High,Low,Close,Adj Close,Volume)",
                )
        return names

    def _yf_download(
        self, first: tuple[int, list[str]], rest: Iterator[tuple[int, list[str]]]
    ) -> CsvSeries:
        """Layout (a): ``Price`` / ``Ticker`` / ``Date`` header rows."""
        numbered = [first]
        for _ in range(2):
            row = next(rest, None)
            if row is None:
                raise self.fail(numbered[-1][0], "expected the three header rows Price/Ticker/Date")
            numbered.append(row)
        (price_line, price), (ticker_line, ticker), (date_line, date_row) = numbered
        if not ticker or ticker[0].strip().lower() != "ticker":
            raise self.fail(ticker_line, "expected the second header row to start with 'Ticker'")
        if not date_row or date_row[0].strip().lower() not in ("date", "datetime"):
            raise self.fail(date_line, "expected the third header row to start with 'Date'")
        tickers = {c.strip().upper() for c in ticker[1:] if c.strip()}
        keep = [True] * len(price)
        if len(tickers) > 1:
            # Several symbols in one file: take our symbol's columns.
            if self.symbol.upper() not in tickers:
                raise self.fail(
                    ticker_line,
                    f"holds {len(tickers)} tickers, none of them {self.symbol}",
                )
            keep = [
                i == 0 or (i < len(ticker) and ticker[i].strip().upper() == self.symbol.upper())
                for i in range(len(price))
            ]
        header = ["Date", *(c for i, c in enumerate(price) if i > 0 and keep[i])]
        columns = [i for i in range(len(price)) if keep[i]]
        names = self._names(price_line, header)

        def body() -> Iterator[tuple[int, list[str]]]:
            for line, row in rest:
                if len(row) != len(price):
                    raise self.fail(line, f"expected {len(price)} fields, found {len(row)}")
                yield line, [row[i] for i in columns]

        bars = self._rows(names, body(), len(header))
        if "adj_close" in names:
            return CsvSeries(
                bars,
                "yf.download",
                False,
                f"{self.path.name} (yf.download export)",
                adjusted_from_actions="dividends" in names,
            )
        if "dividends" in names:
            # download(auto_adjust=True, actions=True): adjusted like history(); undo it.
            return CsvSeries(
                _unadjust(bars),
                "yf.download",
                False,
                f"{self.path.name} (yf.download export; traded close recovered "
                "from its dividend-adjusted prices)",
                adjusted_from_actions=True,
            )
        return CsvSeries(
            bars,
            "yf.download",
            False,
            f"{self.path.name} (yf.download export with dividend-adjusted prices only; "
            "the traded close is unknown, so close shows the adjusted close)",
            close_is_adjusted=True,
        )

    def _flat(
        self, first: tuple[int, list[str]], rest: Iterator[tuple[int, list[str]]]
    ) -> CsvSeries:
        """Layouts (b) and (c): one header row."""
        header_line, header = first
        names = self._names(header_line, header)
        bars = self._rows(names, rest, len(header))
        has_adj = "adj_close" in names
        if "dividends" in names and not has_adj:
            # Layout (b): history() prices are dividend-adjusted; undo it for the traded close.
            return CsvSeries(
                _unadjust(bars),
                "history",
                False,
                f"{self.path.name} (Ticker.history export; traded close recovered "
                "from its dividend-adjusted prices)",
                adjusted_from_actions=True,
            )
        if has_adj:
            # With a Dividends column the adjusted close is derived from it (the file's
            # Adj Close is not kept); without one the file's Adj Close is kept as given.
            return CsvSeries(
                bars,
                "yahoo-csv",
                False,
                f"{self.path.name} (Yahoo CSV)",
                adjusted_from_actions="dividends" in names,
            )
        return CsvSeries(
            bars,
            "yahoo-csv",
            True,
            f"{self.path.name} (Yahoo CSV without Adj Close; close serves as adjusted close)",
        )

    def _rows(
        self, names: list[str | None], body: Iterable[tuple[int, list[str]]], width: int
    ) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        from concepttrack.prices.frame import COLUMNS, empty_bars

        fields = [c for c in COLUMNS if c in names]
        positions = {name: i for i, name in enumerate(names) if name is not None}
        columns = [(field, positions[field], _BOUNDS[field]) for field in fields]
        days: list[dt.date] = []
        # One flat array of doubles: a file at the size limit stays small in memory.
        values = array("d")
        seen: dict[dt.date, int] = {}
        for line, row in body:
            if len(row) != width:
                raise self.fail(line, f"expected {width} fields, found {len(row)}")
            raw_date = row[positions["date"]].strip()
            try:
                # "2024-02-16", "2024-02-16 00:00:00+08:00": the date part is exchange-local.
                day = dt.date.fromisoformat(raw_date[:10])
            except ValueError:
                raise self.fail(line, "Date is not a date (expected YYYY-MM-DD)") from None
            if not FIRST_DAY <= day <= LAST_DAY:
                raise self.fail(
                    line,
                    f"Date is outside {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}",
                )
            if day in seen:
                raise self.fail(line, f"date {day.isoformat()} repeats line {seen[day]}")
            seen[day] = line
            for field, position, (low, high, above) in columns:
                values.append(self._number(line, field, row[position], low, high, above))
            days.append(day)
        if not days:
            return empty_bars()
        frame = pd.DataFrame(
            np.frombuffer(values, dtype="float64").reshape(len(days), len(fields)).copy(),
            index=pd.DatetimeIndex(np.array(days, dtype="datetime64[D]"), name="session"),
            columns=fields,
        )
        if "adj_close" not in frame.columns:
            frame["adj_close"] = frame["close"]
        frame["adj_close"] = frame["adj_close"].fillna(frame["close"])
        from concepttrack.prices.frame import conform_bars

        return conform_bars(frame)

    def _number(
        self, line: int, field: str, text: str, low: float, high: float, above: bool
    ) -> float:
        """One cell as a number in ``[low, high)`` (``(low, high)`` when ``above``); NaN
        when missing. The message names the column, never the cell."""
        cell = text.strip()
        if cell.lower() in _MISSING:
            return math.nan
        label = _LABELS[field]
        try:
            number = float(cell.replace(",", ""))
        except ValueError:
            raise self.fail(line, f"{label} is not a number") from None
        if not math.isfinite(number):
            raise self.fail(line, f"{label} is not a finite number")
        if field == "close" and number == 0:
            raise self.fail(line, "close is 0")
        if number < low or number >= high or (above and number == low):
            raise self.fail(
                line,
                f"{label} is out of range: it must be {'above' if above else 'at least'} "
                f"{low:g} and below {high:,.0f}",
            )
        return number


#: Each price column's range: (low, high, low excluded).
_BOUNDS: dict[str, tuple[float, float, bool]] = {
    "open": (0.0, MAX_PRICE, False),
    "high": (0.0, MAX_PRICE, False),
    "low": (0.0, MAX_PRICE, False),
    "close": (0.0, MAX_PRICE, True),
    "adj_close": (0.0, MAX_PRICE, True),
    "volume": (0.0, MAX_VOLUME, False),
    "dividends": (0.0, MAX_PRICE, False),
    "splits": (0.0, MAX_SPLIT, False),
}
_LABELS = {
    "open": "Open",
    "high": "High",
    "low": "Low",
    "close": "Close",
    "adj_close": "Adj Close",
    "volume": "Volume",
    "dividends": "Dividends",
    "splits": "Stock Splits",
}


_NOT_BLANK = re.compile(r"[^\r\n]+")


class _TooWide(Exception):
    """A line with more than :data:`MAX_COLUMNS` fields (refused before it is split)."""


class _Lines:
    """The non-empty lines of a text one at a time, without their ends, and the number of
    the last one given (``\r\n``, ``\r`` or ``\n`` end a line). No list of every line is
    made, and empty lines are skipped in C, so neither a long file nor one of blank lines
    costs memory."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._matches = _NOT_BLANK.finditer(text)
        self._end = 0
        self._breaks = 0
        #: The line number (from 1) of the line last given.
        self.number = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        match = next(self._matches)
        text, start, end = self._text, match.start(), match.end()
        # Between two runs there are only line ends: count them.
        self._breaks += (
            text.count("\n", self._end, start)
            + text.count("\r", self._end, start)
            - text.count("\r\n", self._end, start)
        )
        self._end = end
        self.number = self._breaks + 1
        if text.count(",", start, end) >= MAX_COLUMNS:
            raise _TooWide
        return match.group()


def _unadjust(bars: pd.DataFrame) -> pd.DataFrame:
    """Recover traded prices from Yahoo's dividend-adjusted ones (``history()`` default).

    Yahoo multiplies every price before an ex-date by ``1 - dividend / close`` of the
    session before it, ``close`` being the traded close. Walking back from the last
    row (factor 1): ``traded[i-1] = adjusted[i-1] / factor[i] + dividend[i]``.
    """
    import numpy as np

    adjusted = bars["close"].to_numpy()
    dividends = bars["dividends"].to_numpy()
    count = len(adjusted)
    factor = np.ones(count)
    for i in range(count - 1, 0, -1):
        factor[i - 1] = factor[i]
        if dividends[i] > 0:
            traded_before = adjusted[i - 1] / factor[i] + dividends[i]
            factor[i - 1] = adjusted[i - 1] / traded_before
    out = bars.copy()
    if not (dividends > 0).any():
        # Nothing to undo (an FX pair, an index, a stock without dividends): the file's
        # prices are the traded ones, every decimal kept (CNYHKD=X's 1.08145 included).
        out["adj_close"] = adjusted
        return out
    for column in ("open", "high", "low", "close"):
        # Traded prices have at most 3 decimals; rounding drops float32 noise of the export.
        out[column] = np.round(bars[column].to_numpy() / factor, 4)
    out["adj_close"] = adjusted
    return out


class CsvDirSource:
    """Prices read from a folder of CSV files (``--source csv:DIR``)."""

    label = "CSV"

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise UsageError(
                f"price folder {folder} does not exist or is not a folder",
                hint="Pass --source csv:DIR with a folder holding one CSV file per symbol.",
            )
        self.folder = folder.resolve()
        #: Cache key: the folder is part of it so two folders never mix.
        self.name = f"csv:{self.folder}"
        self.label = f"CSV folder {folder}"
        self._listing: dict[str, Path] | None = None

    def find(self, symbol: str) -> Path | None:
        """The file holding ``symbol``, or None."""
        if self._listing is None:
            # Every entry but a folder: a link or FIFO named like a price file is found,
            # then refused when read (with a message), never followed.
            self._listing = {p.name.lower(): p for p in sorted(_entries(self.folder))}
        for name in candidate_names(symbol):
            if name in self._listing:
                return self._listing[name]
        return None

    def revision(self, symbol: str) -> str | None:
        """The file's size and modification time: an edited file is read again in full."""
        path = self.find(symbol)
        if path is None:
            return "missing"
        stat = path.lstat()
        return f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"

    def read(self, symbol: str) -> CsvSeries:
        """Parse ``symbol``'s file (raises PriceFileError when malformed)."""
        path = self.find(symbol)
        if path is None:
            raise UsageError(f"no CSV file for {symbol} in {self.folder}")
        return _Reader(path, symbol).read()

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        """Each symbol's rows within ``[start, end]``.

        A missing or malformed file is reported on that symbol's history (``failed``,
        with the message naming the file and line as ``problem``), never raised.
        """
        import pandas as pd

        from concepttrack.prices.frame import SymbolHistory, SymbolMeta, empty_bars

        out: dict[str, SymbolHistory] = {}
        for symbol in dict.fromkeys(symbols):
            market = market_of(symbol)
            path = self.find(symbol)
            if path is None:
                # Matching ignores case; the message spells the names as people write them.
                names = ", ".join(n[:-4].upper() + ".csv" for n in candidate_names(symbol)[:3])
                out[symbol] = SymbolHistory(
                    symbol,
                    empty_bars(),
                    None,
                    f"no CSV file ({names}) in {self.folder}",
                    True,
                    cause=reason("no_csv_file", files=names, source=self.name),
                )
                continue
            try:
                try:
                    series = _Reader(path, symbol).read()
                except (ValueError, ArithmeticError, MemoryError) as exc:
                    # A file the checks above let through and pandas or numpy refuse:
                    # still this symbol's problem alone. The exception's words may quote
                    # the file, so only its kind is named.
                    raise _Reader(path, symbol).fail(
                        None, f"cannot be read ({type(exc).__name__})"
                    ) from exc
            except PriceFileError as exc:
                # This symbol fails alone; the message names the file and the line (the
                # note gives it with the file's name only, not the local path). It is in
                # our words only: no file content is ever part of it.
                cause = (
                    exc.cause
                    if isinstance(exc, RefusedFileError)
                    else said(exc.message.replace(str(path), path.name))
                )
                out[symbol] = SymbolHistory(
                    symbol, empty_bars(), None, exc.message, True, cause=cause
                )
                continue
            meta = SymbolMeta(
                symbol=symbol,
                source=self.name,
                currency=market.currency,
                timezone=market.timezone,
                adj_close_is_close=series.adj_close_is_close,
                close_is_adjusted=series.close_is_adjusted,
                adjusted_from_actions=series.adjusted_from_actions,
                # Every layout read here is a Yahoo export: closes are split-adjusted.
                split_adjusted=True,
                detail=series.detail,
            )
            bars = series.bars.loc[pd.Timestamp(start) : pd.Timestamp(end)]
            out[symbol] = SymbolHistory(symbol, bars, meta)
        return out

    # --- fundamentals ------------------------------------------------------------------

    def _fundamentals_path(self) -> Path | None:
        """``fundamentals.csv`` of the folder (any case), looked up afresh each time (a link
        or FIFO of that name too: it is refused when read)."""
        for path in sorted(_entries(self.folder)):
            if path.name.lower() == FUNDAMENTALS_FILE:
                return path
        return None

    def fundamentals_revision(self) -> str | None:
        """``missing`` without ``fundamentals.csv``; else its size and modification time."""
        path = self._fundamentals_path()
        if path is None:
            return "missing"
        stat = path.lstat()
        return f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"

    def fetch_fundamentals(
        self, symbols: Sequence[str], as_of: dt.date
    ) -> dict[str, FundamentalsAnswer]:
        """Every row of each symbol in ``fundamentals.csv`` (all dates; the note picks).

        A malformed file is a problem of every symbol asked for (naming the file and
        line), never an exception: fundamentals never fail a note.
        """
        from concepttrack.prices.records import FundamentalsAnswer

        path = self._fundamentals_path()
        if path is None:
            problem = f"no {FUNDAMENTALS_FILE} in {self.folder}"
            return {s: FundamentalsAnswer(problem=problem) for s in symbols}
        try:
            try:
                rows, bad = read_fundamentals_rows(path)
            except (ValueError, ArithmeticError, MemoryError) as exc:
                # As for a price file: named by its kind only, the words may quote the file.
                raise _Reader(path, FUNDAMENTALS_FILE).fail(
                    None, f"cannot be read ({type(exc).__name__})"
                ) from exc
        except PriceFileError as exc:
            # Named by the file's name, not its local path, like a price file's problem; a
            # refused file as a reason (the cache keeps it as one).
            problem = (
                exc.cause.to_json()
                if isinstance(exc, RefusedFileError)
                else exc.message.replace(str(path), path.name)
            )
            return {s: FundamentalsAnswer(problem=problem) for s in symbols}
        out = {}
        for symbol in dict.fromkeys(symbols):
            failure = bad.get(symbol.upper())
            if failure is not None:
                # A bad row fails that symbol's figures alone, never the other symbols'.
                problem = failure.message.replace(str(path), path.name)
                out[symbol] = FundamentalsAnswer(problem=problem, replace_all=True)
                continue
            records = rows.get(symbol.upper(), [])
            out[symbol] = FundamentalsAnswer(
                records=records,
                problem=None if records else f"no row for {symbol} in {path.name}",
                replace_all=True,
            )
        return out


def _entries(folder: Path) -> list[Path]:
    """Every entry of ``folder`` that is not a folder (links are not followed)."""
    with os.scandir(folder) as scan:
        return [
            Path(entry.path)
            for entry in scan
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False)
        ]


#: Each fundamentals figure's range: (low, high), both included.
_FUNDAMENTALS_BOUNDS: dict[str, tuple[float, float]] = {
    "market_cap": (0.0, MAX_MARKET_CAP),
    "shares_outstanding": (0.0, MAX_SHARES),
    "trailing_pe": (-MAX_RATIO, MAX_RATIO),
    "price_to_book": (-MAX_RATIO, MAX_RATIO),
    "dividend_yield": (0.0, 1.0),
    "target_mean": (0.0, MAX_PRICE),
    "target_high": (0.0, MAX_PRICE),
    "target_low": (0.0, MAX_PRICE),
    "analysts": (0.0, MAX_ANALYSTS),
    "rating_mean": (1.0, 5.0),
    "ex_dividend_amount": (0.0, MAX_PRICE),
}


def _fundamentals_number(fail: _Reader, line: int, column: str, text: str) -> float | None:
    """One figure, checked: the message names the column and line, never the cell."""
    if text.strip().lower() in _MISSING:
        return None
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        raise fail.fail(
            line,
            f"{column} is not a number",
            hint=f"Write a plain number in {column}, or leave the cell empty when unknown.",
        ) from None
    if not math.isfinite(value):
        raise fail.fail(line, f"{column} is not a finite number")
    low, high = _FUNDAMENTALS_BOUNDS[column]
    if value < 0 and low == 0:
        raise fail.fail(line, f"{column} is negative")
    if column == "analysts" and not value.is_integer():
        raise fail.fail(line, "analysts is not a whole number")
    if column == "dividend_yield" and value >= 1:
        raise fail.fail(
            line,
            "dividend_yield looks like a percentage",
            hint="Write the yield as a fraction: 0.045 for 4.5 %.",
        )
    if not low <= value <= high:
        raise fail.fail(
            line,
            f"{column} is out of range: it must lie from {low:,.0f} to {high:,.0f}",
            hint=f"Check {column} on that line, or leave the cell empty when unknown.",
        )
    return value


def read_fundamentals_csv(path: Path) -> dict[str, list[Fundamentals]]:
    """Parse ``fundamentals.csv``: records by Yahoo symbol, oldest first.

    Strict: the first bad row (in file order) is raised. :func:`read_fundamentals_rows`
    keeps the other symbols' rows.
    """
    records, bad = read_fundamentals_rows(path)
    if bad:
        raise next(iter(bad.values()))  # the first in file order
    return records


def read_fundamentals_rows(
    path: Path,
) -> tuple[dict[str, list[Fundamentals]], dict[str, PriceFileError]]:
    """Parse ``fundamentals.csv``: records by Yahoo symbol, oldest first, and the first
    bad row of each symbol whose rows are not all good (that symbol then has no records).

    Columns (any order, header required): ``symbol,date,market_cap,shares_outstanding,
    trailing_pe,price_to_book,dividend_yield,currency``; ``symbol`` as Yahoo writes it
    (``0941.HK``; ``00941`` is accepted too); ``date`` ISO; yield a fraction; any figure
    may be empty. The file is read like a price file (a regular file in its folder, at
    most :data:`MAX_FILE_BYTES`); every figure is checked against its bounds (module
    docstring). Raises :class:`PriceFileError` naming the file, line and column, never
    quoting the file, when the file as a whole is bad (unreadable, no header) or a row's
    symbol cannot be read.
    """

    reader = _Reader(path, FUNDAMENTALS_FILE)
    hint = _FUNDAMENTALS_HINT
    text = reader.text(hint=hint)
    rows = reader.rows(text)
    first = next(rows, None)
    if first is None:
        raise reader.fail(None, "the file is empty", hint=hint)
    header_line, raw_header = first
    header = [cell.strip().lower() for cell in raw_header]
    unknown = [n for n, name in enumerate(header, start=1) if name not in FUNDAMENTALS_COLUMNS]
    if unknown or "symbol" not in header or "date" not in header:
        # Which columns, by position: the header itself is not quoted.
        raise reader.fail(
            header_line,
            "unexpected header"
            + (
                f" (unknown column{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(map(str, unknown[:5]))}{', ...' if len(unknown) > 5 else ''})"
                if unknown
                else " (no symbol or date column)"
            ),
            hint=hint,
        )
    position = {name: header.index(name) for name in header}
    out: dict[str, dict[dt.date, Fundamentals]] = {}
    bad: dict[str, PriceFileError] = {}
    for line, row in rows:
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in position.items()}
        try:
            symbol = to_yahoo(cells["symbol"])
        except UsageError:
            raise reader.fail(
                line, "symbol is not a HKEX code or Yahoo symbol like 0941.HK", hint=hint
            ) from None
        try:
            by_date = out.setdefault(symbol.upper(), {})
            by_date.update(_fundamentals_row(reader, line, row, header, cells, symbol, by_date))
        except PriceFileError as exc:
            bad.setdefault(symbol.upper(), exc)
    for symbol in bad:
        out.pop(symbol, None)
    records = {symbol: [by_date[d] for d in sorted(by_date)] for symbol, by_date in out.items()}
    return records, bad


def _fundamentals_row(
    reader: _Reader,
    line: int,
    row: list[str],
    header: list[str],
    cells: dict[str, str],
    symbol: str,
    by_date: dict[dt.date, Fundamentals],
) -> dict[dt.date, Fundamentals]:
    """One row of ``fundamentals.csv`` as ``{date: record}`` (raises PriceFileError)."""
    from concepttrack.prices.records import Fundamentals

    hint = _FUNDAMENTALS_HINT
    if len(row) > len(header):
        raise reader.fail(line, f"{len(row)} cells for {len(header)} columns", hint=hint)
    try:
        day = dt.date.fromisoformat(cells["date"])
    except ValueError:
        raise reader.fail(line, "date is not a date like 2024-03-01", hint=hint) from None
    figures: dict[str, Any] = {
        column: _fundamentals_number(reader, line, column, cells.get(column, ""))
        for column in FUNDAMENTALS_COLUMNS[2:7]
    }
    currency = cells.get("currency", "").upper() or None
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise reader.fail(line, "currency is not a code like HKD", hint=hint)
    if day in by_date:
        raise reader.fail(line, f"a second row for {symbol} on {day.isoformat()}", hint=hint)
    consensus: dict[str, Any] = {
        column: _fundamentals_number(reader, line, column, cells.get(column, ""))
        for column in ("target_mean", "target_high", "target_low", "rating_mean")
    }
    consensus["ex_dividend_amount"] = _fundamentals_number(
        reader, line, "ex_dividend_amount", cells.get("ex_dividend_amount", "")
    )
    analysts = _fundamentals_number(reader, line, "analysts", cells.get("analysts", ""))
    consensus["analysts"] = int(analysts) if analysts is not None else None
    for column in ("next_results", "next_ex_dividend"):
        consensus[column] = _optional_date(reader, line, column, cells.get(column, ""))
    return {day: Fundamentals(symbol=symbol, date=day, currency=currency, **figures, **consensus)}


def _optional_date(reader: _Reader, line: int, column: str, text: str) -> dt.date | None:
    """An ISO date cell of ``fundamentals.csv``, None when empty."""
    if text.strip().lower() in _MISSING:
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise reader.fail(
            line, f"{column} is not a date like 2025-08-07", hint=_FUNDAMENTALS_HINT
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise reader.fail(line, f"{column} is out of range", hint=_FUNDAMENTALS_HINT)
    return day
