"""Southbound (港股通) holdings per HK stock: sources, ``southbound.csv`` and the cache (issue 18).

Two sources answer:

* **AkShare** (EastMoney's data centre): :func:`akshare.stock_hsgt_individual_em` with a
  five-digit HK code gives the stock's daily Southbound holding history (report
  ``RPT_MUTUAL_STOCK_HOLDRANKS``, ``MUTUAL_TYPE="002"``: shares held, holding as a
  percentage of the issued H shares); :func:`akshare.stock_hk_ggt_components_em` lists
  the stocks eligible for Southbound trading **today** (eligibility at fetch time, not
  per date). AkShare is imported only inside :meth:`AkShareSouthbound.fetch`.
* a **CSV price folder's** optional ``southbound.csv`` (any case), read like
  ``fundamentals.csv`` (a regular file in the folder, bounded size, ``file:line``
  messages)::

      date,symbol,shares_held,pct_of_h_shares,issued_h_shares,eligible
      2025-06-27,0728.HK,10150000000,72.1,14077000000,1

  ``date`` and ``symbol`` (``0728.HK`` or ``00728``) are required; ``pct_of_h_shares``
  is in **percent** (72.1 = 72.1 %, as exchanges and EastMoney print it), from 0 to 100;
  ``shares_held`` and ``issued_h_shares`` are share counts; ``eligible`` is ``1``/``0``
  (``true``/``false``, ``yes``/``no``) or empty. Any figure may be empty. A bad row
  fails that symbol's holdings alone, with the file's name and line.

Which source a run uses follows its ``--source`` spec (:func:`southbound_source`): the
spec is split at commas (a chain such as ``yahoo,akshare`` or ``yahoo,csv:DIR``) and
the first part that offers Southbound data is used: ``akshare`` → AkShare, ``csv:DIR`` →
``DIR/southbound.csv``. Yahoo and demo offer none, so ``--source yahoo`` alone shows no
Southbound section, nor does a CSV folder without ``southbound.csv``.

:func:`load_southbound` is a read-through cache (tables ``southbound`` and
``southbound_checks`` of the price cache, created when first used, no schema version
change): a CSV folder is read again when ``southbound.csv`` changed, AkShare is asked
again when its last answer is older than :data:`MAX_AGE_HOURS`. A failure never fails a
note: the symbol keeps what the cache holds and :attr:`SouthboundSet.problems` says why.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from concepttrack.prices.southbound_records import (
    SouthboundAnswer,
    SouthboundRecord,
    SouthboundSet,
)
from concepttrack.reasons import from_json, reason
from concepttrack.symbols import hkex_code, is_hk

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.errors import PriceFileError
    from concepttrack.prices.csvdir import _Reader

__all__ = [
    "AKSHARE_VENDOR",
    "MAX_AGE_HOURS",
    "SOUTHBOUND_FILE",
    "AkShareSouthbound",
    "CsvSouthbound",
    "SouthboundSource",
    "load_southbound",
    "read_southbound_rows",
    "southbound_source",
]

#: The optional Southbound holdings file of a CSV price folder.
SOUTHBOUND_FILE = "southbound.csv"
SOUTHBOUND_COLUMNS = (
    "date",
    "symbol",
    "shares_held",
    "pct_of_h_shares",
    "issued_h_shares",
    "eligible",
)
#: Hours a cached AkShare answer stays good (holdings are published once a day).
MAX_AGE_HOURS = 12
#: The vendor id of AkShare's Southbound figures (the note names it: EastMoney's data
#: centre via AkShare, ``render/sections/southbound.py``).
AKSHARE_VENDOR = "eastmoney-akshare"
#: Largest share count accepted in ``southbound.csv``.
_MAX_SHARES = 1e13
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n"}
_BLANK = {"", "null", "nan", "none", "-"}
_HINT = (
    "southbound.csv needs a header date,symbol,shares_held,pct_of_h_shares"
    "[,issued_h_shares,eligible]; pct_of_h_shares in percent (72.1 for 72.1 %)."
)


class SouthboundSource(Protocol):
    """What offers Southbound holdings: a name, a vendor, a revision and a fetch."""

    name: str
    vendor: str

    def revision(self) -> str | None:
        """A version token of a file source (``missing`` without the file); None live."""

    def fetch(self, symbols: Sequence[str]) -> dict[str, SouthboundAnswer]:
        """Each symbol's whole holding history (never raises for one symbol's problem)."""


def southbound_source(spec: str) -> SouthboundSource | None:
    """The Southbound source of a ``--source`` spec (a chain split at commas), or None.

    Parsed here, simply: each part is ``kind`` or ``kind:argument``; the first
    ``akshare`` or ``csv:DIR`` part wins. A CSV folder's path may not contain a comma.
    """
    for part in spec.split(","):
        kind, _colon, argument = part.strip().partition(":")
        kind = kind.strip().lower()
        if kind == "akshare":
            return AkShareSouthbound()
        if kind == "csv" and argument.strip():
            return CsvSouthbound(Path(argument.strip()).expanduser())
    return None


# --- the CSV file ---------------------------------------------------------------------


class CsvSouthbound:
    """``southbound.csv`` of a CSV price folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = f"csv:{folder}"
        self.vendor = SOUTHBOUND_FILE

    def _path(self) -> Path | None:
        try:
            entries = sorted(self.folder.iterdir())
        except OSError:
            return None
        for path in entries:
            if path.name.lower() == SOUTHBOUND_FILE:
                return path
        return None

    def revision(self) -> str | None:
        path = self._path()
        if path is None:
            return "missing"
        stat = path.lstat()
        return f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"

    def fetch(self, symbols: Sequence[str]) -> dict[str, SouthboundAnswer]:
        from concepttrack.errors import PriceFileError

        path = self._path()
        if path is None:
            problem = reason("southbound_no_file").to_json()
            return {s: SouthboundAnswer(problem=problem) for s in symbols}
        try:
            rows, bad = read_southbound_rows(path)
        except PriceFileError as exc:
            problem = exc.message.replace(str(path), path.name)
            return {s: SouthboundAnswer(problem=problem) for s in symbols}
        out = {}
        for symbol in dict.fromkeys(symbols):
            failure = bad.get(symbol.upper())
            if failure is not None:
                out[symbol] = SouthboundAnswer(
                    problem=failure.message.replace(str(path), path.name)
                )
            else:
                out[symbol] = SouthboundAnswer(records=rows.get(symbol.upper(), []))
        return out


def read_southbound_rows(
    path: Path,
) -> tuple[dict[str, list[SouthboundRecord]], dict[str, PriceFileError]]:
    """Parse ``southbound.csv``: records by Yahoo symbol (oldest first) and the first bad
    row of each symbol whose rows are not all good (that symbol then has no records).

    Raises :class:`~concepttrack.errors.PriceFileError` (file and line named, the file
    never quoted) when the file as a whole is bad: unreadable, empty, a bad header, or a
    row whose symbol cannot be read.
    """
    from concepttrack.errors import PriceFileError, UsageError
    from concepttrack.prices.csvdir import _Reader
    from concepttrack.symbols import to_yahoo

    reader = _Reader(path, SOUTHBOUND_FILE)
    text = reader.text(hint=_HINT)
    rows = reader.rows(text)
    first = next(rows, None)
    if first is None:
        raise reader.fail(None, "the file is empty", hint=_HINT)
    header_line, raw = first
    header = [cell.strip().lower() for cell in raw]
    unknown = [n for n, name in enumerate(header, start=1) if name not in SOUTHBOUND_COLUMNS]
    if unknown or "symbol" not in header or "date" not in header or len(set(header)) < len(header):
        what = (
            f" (unknown column {', '.join(map(str, unknown[:5]))})"
            if unknown
            else " (no symbol or date column, or a column twice)"
        )
        raise reader.fail(header_line, "unexpected header" + what, hint=_HINT)
    position = {name: header.index(name) for name in header}
    out: dict[str, dict[dt.date, SouthboundRecord]] = {}
    bad: dict[str, PriceFileError] = {}
    for line, row in rows:
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in position.items()}
        try:
            symbol = to_yahoo(cells["symbol"])
        except UsageError:
            raise reader.fail(
                line, "symbol is not a HKEX code or Yahoo symbol like 0728.HK", hint=_HINT
            ) from None
        key = symbol.upper()
        try:
            if len(row) > len(header):
                raise reader.fail(line, f"{len(row)} cells for {len(header)} columns", hint=_HINT)
            record = _row(reader, line, cells, symbol)
            by_date = out.setdefault(key, {})
            if record.date in by_date:
                raise reader.fail(
                    line, f"a second row for {symbol} on {record.date.isoformat()}", hint=_HINT
                )
            by_date[record.date] = record
        except PriceFileError as exc:
            bad.setdefault(key, exc)
    for key in bad:
        out.pop(key, None)
    return {k: [v[d] for d in sorted(v)] for k, v in out.items()}, bad


def _row(reader: _Reader, line: int, cells: dict[str, str], symbol: str) -> SouthboundRecord:
    try:
        day = dt.date.fromisoformat(cells["date"])
    except ValueError:
        raise reader.fail(line, "date is not a date like 2025-06-27", hint=_HINT) from None

    def number(column: str, high: float) -> float | None:
        text = cells.get(column, "").replace(",", "").strip()
        if text.lower() in _BLANK:
            return None
        try:
            value = float(text)
        except ValueError:
            raise reader.fail(line, f"{column} is not a number", hint=_HINT) from None
        if not math.isfinite(value) or not 0 <= value <= high:
            raise reader.fail(
                line, f"{column} is out of range: it must lie from 0 to {high:,.0f}", hint=_HINT
            )
        return value

    shares = number("shares_held", _MAX_SHARES)
    pct = number("pct_of_h_shares", 100.0)
    issued = number("issued_h_shares", _MAX_SHARES)
    if issued == 0:
        raise reader.fail(line, "issued_h_shares is zero", hint=_HINT)
    flag = cells.get("eligible", "").strip().lower()
    if flag in _TRUE:
        eligible: bool | None = True
    elif flag in _FALSE:
        eligible = False
    elif flag in _BLANK:
        eligible = None
    else:
        raise reader.fail(line, "eligible is not 1 or 0", hint=_HINT)
    return SouthboundRecord(
        symbol=symbol,
        date=day,
        shares_held=shares,
        pct_of_h_shares=None if pct is None else pct / 100.0,
        issued_h_shares=issued,
        eligible=eligible,
    )


# --- AkShare ----------------------------------------------------------------------------


class AkShareSouthbound:
    """EastMoney's Southbound holdings through AkShare (imported only when fetching)."""

    name = "akshare"
    vendor = AKSHARE_VENDOR

    def revision(self) -> str | None:
        return None

    def fetch(self, symbols: Sequence[str]) -> dict[str, SouthboundAnswer]:
        try:
            import akshare as ak
        except ImportError as exc:  # pragma: no cover - a dependency, but never fail a note
            problem = f"AkShare cannot be imported: {exc}"
            return {s: SouthboundAnswer(problem=problem) for s in symbols}
        eligible: set[str] | None
        try:
            with warnings.catch_warnings():
                # AkShare's own pandas deprecation warnings are not the reader's concern.
                warnings.simplefilter("ignore")
                listed = ak.stock_hk_ggt_components_em()
            eligible = {str(code).zfill(5) for code in listed["代码"]}
        except Exception:  # the list is a nicety: holdings still answer
            eligible = None
        out: dict[str, SouthboundAnswer] = {}
        for symbol in dict.fromkeys(symbols):
            code = hkex_code(symbol)
            flag = None if eligible is None else code in eligible
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    frame = ak.stock_hsgt_individual_em(symbol=code)
            except Exception as exc:
                # EastMoney answers ``result: null`` for a stock it has no holdings of;
                # AkShare then fails subscripting it.
                if isinstance(exc, TypeError) and "NoneType" in str(exc):
                    out[symbol] = SouthboundAnswer(eligible=flag)
                else:
                    why = f"AkShare failed: {type(exc).__name__}: {exc}"[:300]
                    out[symbol] = SouthboundAnswer(problem=why, eligible=flag)
                continue
            out[symbol] = SouthboundAnswer(records=_akshare_records(symbol, frame), eligible=flag)
        return out


def _akshare_records(symbol: str, frame: pd.DataFrame) -> list[SouthboundRecord]:
    """AkShare's Chinese-named columns as records (持股数量占A股百分比 is, for an HK stock,
    EastMoney's HOLD_SHARES_RATIO: the percentage of the issued H shares)."""
    out: dict[dt.date, SouthboundRecord] = {}
    for _index, row in frame.iterrows():
        day = row.get("持股日期")
        if not isinstance(day, dt.date):
            continue
        shares = _finite(row.get("持股数量"))
        pct = _finite(row.get("持股数量占A股百分比"))
        out[day] = SouthboundRecord(
            symbol=symbol,
            date=day,
            shares_held=shares,
            pct_of_h_shares=None if pct is None else pct / 100.0,
        )
    return [out[d] for d in sorted(out)]


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# --- the read-through cache ------------------------------------------------------------


def load_southbound(
    symbols: Sequence[str],
    *,
    spec: str,
    store_path: Path,
    offline: bool = False,
    refresh: bool = False,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    source: SouthboundSource | None = None,
) -> SouthboundSet | None:
    """Southbound holdings of the HK stocks among ``symbols`` through the cache; None
    when the run's source spec offers none (a CSV folder without ``southbound.csv`` too).
    Never raises for a source failure (a cache failure raises
    :class:`~concepttrack.errors.CacheError`)."""
    from concepttrack.prices.store import PriceStore

    found = source or southbound_source(spec)
    if found is None:
        return None
    say = progress or (lambda _message: None)
    clock = now or dt.datetime.now(dt.UTC)
    wanted = [s for s in dict.fromkeys(symbols) if is_hk(s)]
    result = SouthboundSet(
        source=found.name,
        vendor=found.vendor,
        file=found.vendor if isinstance(found, CsvSouthbound) else None,
    )
    if not wanted:
        return result
    revision = found.revision()
    if revision == "missing":
        # A CSV folder without southbound.csv: the note has no Southbound section.
        return None
    with PriceStore(store_path) as store:
        checks = store.southbound_checks(found.name, wanted)
        due = []
        if not offline:
            for symbol in wanted:
                check = checks.get(symbol)
                if refresh or check is None:
                    due.append(symbol)
                elif revision is not None:
                    if check.revision != revision:
                        due.append(symbol)
                elif check.succeeded_at is None or clock - check.succeeded_at >= dt.timedelta(
                    hours=MAX_AGE_HOURS
                ):
                    due.append(symbol)
        if due:
            say(f"{found.name}: fetching Southbound holdings of {len(due)} symbol(s)")
            try:
                answers = found.fetch(due)
            except Exception as exc:  # a source bug must not fail a note
                text = f"Southbound fetch failed: {type(exc).__name__}: {exc}"
                answers = {s: SouthboundAnswer(problem=text) for s in due}
            for symbol in due:
                answer = answers.get(symbol) or SouthboundAnswer(
                    problem=reason("no_answer", source=found.name).to_json()
                )
                store.save_southbound(
                    found.name,
                    symbol,
                    answer.records,
                    problem=answer.problem,
                    eligible=answer.eligible,
                    revision=revision,
                    replace_all=revision is not None,
                    now=clock,
                )
            checks = store.southbound_checks(found.name, wanted)
        result.records = store.read_southbound(found.name, wanted)
    for symbol in wanted:
        check = checks.get(symbol)
        if check is not None and check.eligible is not None:
            result.eligible[symbol] = check.eligible
        if check is None:
            result.problems[symbol] = (
                reason("not_in_cache") if offline else reason("no_answer", source=found.name)
            )
        elif check.problem:
            result.problems[symbol] = from_json(check.problem)
        elif not result.records.get(symbol):
            result.problems[symbol] = reason("southbound_no_record")
    return result
