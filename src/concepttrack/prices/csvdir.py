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

Every layout produces the same contract columns. A malformed file is a
:class:`PriceFileError` naming the file and the line; :meth:`CsvDirSource.fetch`
turns it into a failed :class:`SymbolHistory` of that symbol alone, so one bad
file never hides the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from concepttrack.errors import PriceFileError, UsageError
from concepttrack.reasons import reason, said
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
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class CsvSeries:
    """One file's rows as parsed, plus how to read its closes."""

    bars: pd.DataFrame
    layout: str
    adj_close_is_close: bool
    detail: str
    #: The file's only close is dividend-adjusted (``yf.download(auto_adjust=True)``).
    close_is_adjusted: bool = False


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

    def read(self) -> CsvSeries:
        try:
            if self.path.stat().st_size > MAX_FILE_BYTES:
                raise self.fail(
                    None,
                    f"file is larger than {MAX_FILE_BYTES // 2**20} MB",
                    hint="Check that this is the right file: one symbol's daily prices "
                    "take well under 1 MB.",
                )
            text = self.path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise self.fail(
                None,
                "is not UTF-8 text",
                hint="Save the file as UTF-8 CSV, or export it again from Yahoo Finance.",
            ) from exc
        except OSError as exc:
            raise self.fail(
                None,
                f"cannot read: {exc.strerror or exc}",
                hint="Check that the file exists and that you may read it.",
            ) from exc
        rows = list(csv.reader(text.splitlines()))
        numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
        if not numbered:
            raise self.fail(None, "file is empty")
        first = [c.strip() for c in numbered[0][1]]
        if first and first[0].lower() == "price":
            return self._yf_download(numbered)
        return self._flat(numbered)

    def _names(self, line: int, header: list[str]) -> list[str | None]:
        names: list[str | None] = []
        for cell in header:
            names.append(_HEADER_NAMES.get(cell.strip().lower()))
        for required in ("date", "close"):
            if required not in names:
                raise self.fail(
                    line,
                    f"no {required.title()} column in the header "
                    f"(found: {', '.join(c.strip() for c in header)})",
                )
        return names

    def _yf_download(self, numbered: list[tuple[int, list[str]]]) -> CsvSeries:
        """Layout (a): ``Price`` / ``Ticker`` / ``Date`` header rows."""
        if len(numbered) < 3:
            raise self.fail(numbered[-1][0], "expected the three header rows Price/Ticker/Date")
        (price_line, price), (ticker_line, ticker), (date_line, date_row) = numbered[:3]
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
                    f"holds {', '.join(sorted(tickers))} but not {self.symbol}",
                )
            keep = [
                i == 0 or (i < len(ticker) and ticker[i].strip().upper() == self.symbol.upper())
                for i in range(len(price))
            ]
        header = ["Date", *(c for i, c in enumerate(price) if i > 0 and keep[i])]
        columns = [i for i in range(len(price)) if keep[i]]
        for line, row in numbered[3:]:
            if len(row) != len(price):
                raise self.fail(line, f"expected {len(price)} fields, found {len(row)}")
        body = [(n, [row[i] for i in columns]) for n, row in numbered[3:]]
        names = self._names(price_line, header)
        bars = self._rows(names, body, len(header))
        if "adj_close" in names:
            return CsvSeries(bars, "yf.download", False, f"{self.path.name} (yf.download export)")
        return CsvSeries(
            bars,
            "yf.download",
            False,
            f"{self.path.name} (yf.download export with dividend-adjusted prices only; "
            "the traded close is unknown, so close shows the adjusted close)",
            close_is_adjusted=True,
        )

    def _flat(self, numbered: list[tuple[int, list[str]]]) -> CsvSeries:
        """Layouts (b) and (c): one header row."""
        header_line, header = numbered[0]
        names = self._names(header_line, header)
        bars = self._rows(names, numbered[1:], len(header))
        has_adj = "adj_close" in names
        if "dividends" in names and not has_adj:
            # Layout (b): history() prices are dividend-adjusted; undo it for the traded close.
            return CsvSeries(
                _unadjust(bars),
                "history",
                False,
                f"{self.path.name} (Ticker.history export; traded close recovered "
                "from its dividend-adjusted prices)",
            )
        if has_adj:
            return CsvSeries(bars, "yahoo-csv", False, f"{self.path.name} (Yahoo CSV)")
        return CsvSeries(
            bars,
            "yahoo-csv",
            True,
            f"{self.path.name} (Yahoo CSV without Adj Close; close serves as adjusted close)",
        )

    def _rows(
        self, names: list[str | None], body: list[tuple[int, list[str]]], width: int
    ) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        from concepttrack.prices.frame import COLUMNS, empty_bars

        fields = [c for c in COLUMNS if c in names]
        positions = {name: i for i, name in enumerate(names) if name is not None}
        days: list[dt.date] = []
        values: list[list[float]] = []
        seen: dict[dt.date, int] = {}
        for line, row in body:
            if len(row) != width:
                raise self.fail(line, f"expected {width} fields, found {len(row)}")
            raw_date = row[positions["date"]].strip()
            try:
                # "2024-02-16", "2024-02-16 00:00:00+08:00": the date part is exchange-local.
                day = dt.date.fromisoformat(raw_date[:10])
            except ValueError:
                raise self.fail(line, f"{raw_date!r} is not a date (expected YYYY-MM-DD)") from None
            if day in seen:
                raise self.fail(line, f"date {day.isoformat()} repeats line {seen[day]}")
            seen[day] = line
            numbers = []
            for field in fields:
                cell = row[positions[field]].strip()
                if cell.lower() in _MISSING:
                    numbers.append(math.nan)
                    continue
                try:
                    number = float(cell.replace(",", ""))
                except ValueError:
                    raise self.fail(
                        line, f"{field.replace('_', ' ')} {cell!r} is not a number"
                    ) from None
                if not math.isfinite(number) or (number < 0):
                    raise self.fail(
                        line, f"{field.replace('_', ' ')} {cell!r} is not a valid value"
                    )
                numbers.append(number)
            close = numbers[fields.index("close")]
            if close == 0:
                raise self.fail(line, "close is 0")
            days.append(day)
            values.append(numbers)
        if not days:
            return empty_bars()
        frame = pd.DataFrame(
            np.array(values, dtype="float64"),
            index=pd.DatetimeIndex(np.array(days, dtype="datetime64[D]"), name="session"),
            columns=fields,
        )
        if "adj_close" not in frame.columns:
            frame["adj_close"] = frame["close"]
        frame["adj_close"] = frame["adj_close"].fillna(frame["close"])
        from concepttrack.prices.frame import conform_bars

        return conform_bars(frame)


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
            self._listing = {
                p.name.lower(): p for p in sorted(self.folder.iterdir()) if p.is_file()
            }
        for name in candidate_names(symbol):
            if name in self._listing:
                return self._listing[name]
        return None

    def revision(self, symbol: str) -> str | None:
        """The file's size and modification time: an edited file is read again in full."""
        path = self.find(symbol)
        if path is None:
            return "missing"
        stat = path.stat()
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
                series = _Reader(path, symbol).read()
            except PriceFileError as exc:
                # This symbol fails alone; the message names the file and the line (the
                # note quotes it with the file's name only, not the local path).
                quoted = said(exc.message.replace(str(path), path.name))
                out[symbol] = SymbolHistory(
                    symbol, empty_bars(), None, exc.message, True, cause=quoted
                )
                continue
            meta = SymbolMeta(
                symbol=symbol,
                source=self.name,
                currency=market.currency,
                timezone=market.timezone,
                adj_close_is_close=series.adj_close_is_close,
                close_is_adjusted=series.close_is_adjusted,
                detail=series.detail,
            )
            bars = series.bars.loc[pd.Timestamp(start) : pd.Timestamp(end)]
            out[symbol] = SymbolHistory(symbol, bars, meta)
        return out

    # --- fundamentals ------------------------------------------------------------------

    def _fundamentals_path(self) -> Path | None:
        """``fundamentals.csv`` of the folder (any case), looked up afresh each time."""
        for path in self.folder.iterdir():
            if path.name.lower() == FUNDAMENTALS_FILE and path.is_file():
                return path
        return None

    def fundamentals_revision(self) -> str | None:
        """``missing`` without ``fundamentals.csv``; else its size and modification time."""
        path = self._fundamentals_path()
        if path is None:
            return "missing"
        stat = path.stat()
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
            rows = read_fundamentals_csv(path)
        except PriceFileError as exc:
            return {s: FundamentalsAnswer(problem=exc.message) for s in symbols}
        out = {}
        for symbol in dict.fromkeys(symbols):
            records = rows.get(symbol.upper(), [])
            out[symbol] = FundamentalsAnswer(
                records=records,
                problem=None if records else f"no row for {symbol} in {path.name}",
                replace_all=True,
            )
        return out


def _fundamentals_number(fail: _Reader, line: int, column: str, text: str) -> float | None:
    if text.strip().lower() in _MISSING:
        return None
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        raise fail.fail(
            line,
            f"{column} {text!r} is not a number",
            hint=f"Write a plain number in {column}, or leave the cell empty when unknown.",
        ) from None
    if not math.isfinite(value):
        raise fail.fail(line, f"{column} {text!r} is not a finite number")
    if column in ("market_cap", "shares_outstanding", "dividend_yield") and value < 0:
        raise fail.fail(line, f"{column} {text!r} is negative")
    if column == "dividend_yield" and value >= 1:
        raise fail.fail(
            line,
            f"dividend_yield {text!r} looks like a percentage",
            hint="Write the yield as a fraction: 0.045 for 4.5 %.",
        )
    return value


def read_fundamentals_csv(path: Path) -> dict[str, list[Fundamentals]]:
    """Parse ``fundamentals.csv``: records by Yahoo symbol, oldest first.

    Columns (any order, header required): ``symbol,date,market_cap,shares_outstanding,
    trailing_pe,price_to_book,dividend_yield,currency``; ``symbol`` as Yahoo writes it
    (``0941.HK``; ``00941`` is accepted too); ``date`` ISO; yield a fraction; any figure
    may be empty. Raises :class:`PriceFileError` naming the file and line.
    """
    from concepttrack.prices.records import Fundamentals

    reader = _Reader(path, FUNDAMENTALS_FILE)
    hint = (
        f"Columns: {','.join(FUNDAMENTALS_COLUMNS)} (symbol and date required, "
        "the others may be empty)."
    )
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise reader.fail(None, "file is too large", hint=hint)
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise reader.fail(None, "not UTF-8 text", hint=hint) from None
    except OSError as exc:
        raise reader.fail(None, f"cannot read the file: {exc.strerror or exc}") from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise reader.fail(None, "the file is empty", hint=hint)
    header = [cell.strip().lower() for cell in rows[0]]
    unknown = [name for name in header if name not in FUNDAMENTALS_COLUMNS]
    if unknown or "symbol" not in header or "date" not in header:
        raise reader.fail(
            1,
            f"unexpected header {','.join(rows[0])!r}"
            + (f" (unknown column {', '.join(unknown)})" if unknown else ""),
            hint=hint,
        )
    position = {name: header.index(name) for name in header}
    out: dict[str, dict[dt.date, Fundamentals]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise reader.fail(line, f"{len(row)} cells for {len(header)} columns", hint=hint)
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in position.items()}
        try:
            symbol = to_yahoo(cells["symbol"])
        except UsageError as exc:
            raise reader.fail(line, f"symbol: {exc.message}", hint=hint) from None
        try:
            day = dt.date.fromisoformat(cells["date"])
        except ValueError:
            raise reader.fail(
                line, f"date {cells['date']!r} is not a date like 2024-03-01", hint=hint
            ) from None
        figures = {
            column: _fundamentals_number(reader, line, column, cells.get(column, ""))
            for column in FUNDAMENTALS_COLUMNS[2:7]
        }
        currency = cells.get("currency", "").upper() or None
        if currency is not None and not (len(currency) == 3 and currency.isalpha()):
            raise reader.fail(line, f"currency {currency!r} is not a code like HKD", hint=hint)
        by_date = out.setdefault(symbol.upper(), {})
        if day in by_date:
            raise reader.fail(line, f"a second row for {symbol} on {day.isoformat()}", hint=hint)
        by_date[day] = Fundamentals(symbol=symbol, date=day, currency=currency, **figures)
    return {symbol: [by_date[d] for d in sorted(by_date)] for symbol, by_date in out.items()}
