"""The SQLite price cache: the only module that imports :mod:`sqlite3`.

One file (``settings.cache_path()``) holds every source's bars, one row per
source-symbol-session with the time it was fetched; rows of different sources never
mix because ``source`` is part of every key. A second table keeps, per source and
symbol, what was asked for (``requested_from``, ``checked_through``), the metadata
and the last problem, so a run knows what is missing without reading bars.

Concurrency: WAL mode lets readers run while one process writes; every write is a
short ``BEGIN IMMEDIATE`` transaction and connections wait up to ``timeout`` seconds
for a lock, so two concepttrack processes (cron and a person) can share the file.

Sessions are stored as integer days since 1970-01-01: that turns a read of 300
symbols into one numpy conversion instead of parsing 375,000 date strings.

Schema versions (``PRAGMA user_version``): 1 had no ``series.close_is_adjusted``;
opening a version-1 file adds the column (``ALTER TABLE``, default 0) and forgets the
revision of CSV series, so the next run re-reads those files and sets the flag. Version 3
adds the ``fundamentals`` and ``fundamentals_checks`` tables (created empty on opening a
version-2 file; see :mod:`concepttrack.prices.fundamentals`). Version 4 stores traded
closes and corporate actions as the truth: a series marked ``adjusted_from_actions`` has
``bars.adj_close`` NULL and its adjusted close is derived on every read by the one method
of :mod:`concepttrack.prices.adjust` (``split_adjusted`` says whether its closes already
include splits); other series (a CSV file's own ``Adj Close`` without actions, a single
close) keep the adjusted close as given. Opening a version-3 file adds the two columns,
marks the ``yahoo`` and ``demo`` series derived (their closes, dividends and splits were
always stored; their stored adjusted closes are dropped) and makes CSV series be read
again. A file
of a newer version, one SQLite cannot read (damaged, truncated) or another program's
database (tables but no schema version, or our version without our columns) is an
:class:`UnreadableCacheError`; it is recognised before anything is written to the file.

The cache heals itself: :func:`~concepttrack.prices.load_prices` and :func:`open_store`
set an unreadable file aside as ``<name>.unreadable-<UTC time>`` (kept for inspection),
start a fresh cache and log one warning (:func:`heal`). Two runs meeting the same damaged
file move it once: the move happens under an flock on ``<name>.lock`` and only if the file
is still the one that failed (same device and inode). ``concepttrack cache clear`` sets
such a file aside on request too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import CacheError
from concepttrack.prices.frame import COLUMNS, SymbolHistory, SymbolMeta, empty_bars

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.prices.records import Fundamentals, FundamentalsCheck

#: Bumped when the tables change; an older file is migrated, a newer one refused.
SCHEMA_VERSION = 4
_EPOCH = dt.date(1970, 1, 1)

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS bars (
    source     TEXT    NOT NULL,
    symbol     TEXT    NOT NULL,
    session    INTEGER NOT NULL,  -- days since 1970-01-01, exchange-local date
    open       REAL, high REAL, low REAL,
    close      REAL    NOT NULL,
    adj_close  REAL, volume REAL,
    dividends  REAL    NOT NULL DEFAULT 0,
    splits     REAL    NOT NULL DEFAULT 0,
    fetched_at INTEGER NOT NULL,  -- unix seconds
    PRIMARY KEY (source, symbol, session)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series (
    source             TEXT    NOT NULL,
    symbol             TEXT    NOT NULL,
    currency           TEXT,
    timezone           TEXT    NOT NULL,
    demo               INTEGER NOT NULL DEFAULT 0,
    adj_close_is_close INTEGER NOT NULL DEFAULT 0,
    detail             TEXT,
    requested_from     INTEGER NOT NULL,  -- earliest day ever asked for
    checked_through    INTEGER NOT NULL,  -- the source has answered up to this day
    fetched_at         INTEGER NOT NULL,
    revision           TEXT,              -- source's version token (CSV file stamp)
    problem            TEXT,              -- what went wrong on the last fetch
    close_is_adjusted  INTEGER NOT NULL DEFAULT 0,  -- schema 2: the only close is adjusted
    adjusted_from_actions INTEGER NOT NULL DEFAULT 0,  -- schema 4: adj_close derived on read
    split_adjusted     INTEGER NOT NULL DEFAULT 1,  -- schema 4: closes include later splits
    PRIMARY KEY (source, symbol)
) WITHOUT ROWID;
"""
    + """
CREATE TABLE IF NOT EXISTS fundamentals (
    source             TEXT    NOT NULL,
    symbol             TEXT    NOT NULL,
    date               INTEGER NOT NULL,  -- days since 1970-01-01: the date described
    market_cap         REAL,
    shares_outstanding REAL,
    trailing_pe        REAL,
    price_to_book      REAL,
    dividend_yield     REAL,              -- a fraction (0.045 = 4.5 %)
    currency           TEXT,
    fetched_at         INTEGER NOT NULL,  -- unix seconds
    PRIMARY KEY (source, symbol, date)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fundamentals_checks (
    source       TEXT    NOT NULL,
    symbol       TEXT    NOT NULL,
    checked_at   INTEGER NOT NULL,  -- unix seconds of the last ask
    succeeded_at INTEGER,           -- unix seconds of the last answer without a problem
    problem      TEXT,              -- what went wrong on the last ask
    revision     TEXT,              -- the source's version token (fundamentals.csv stamp)
    PRIMARY KEY (source, symbol)
) WITHOUT ROWID;
"""
)
#: Tables added by schema version 3 (the tail of ``_SCHEMA``).
_SCHEMA_3 = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS fundamentals (") :]

#: Columns of ``series`` in the order :meth:`PriceStore.save` writes them.
_SERIES_COLUMNS = (
    "source",
    "symbol",
    "currency",
    "timezone",
    "demo",
    "adj_close_is_close",
    "close_is_adjusted",
    "adjusted_from_actions",
    "split_adjusted",
    "detail",
    "requested_from",
    "checked_through",
    "fetched_at",
    "revision",
    "problem",
)

_HINT = (
    "Check that the cache file and its folder are writable and the disk is not full, "
    "or point --cache / CONCEPTTRACK_CACHE at another file."
)
_UNREADABLE_HINT = (
    "Run `concepttrack cache clear` to set the file aside and start an empty cache, "
    "or point --cache / CONCEPTTRACK_CACHE at another file."
)
_LOCKED_HINT = "Another concepttrack process is using the cache; try again when it has finished."
#: SQLite's primary result codes for a file that is damaged or not a database.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
#: Suffix of a cache file ``cache clear`` set aside because it could not be read.
UNREADABLE_SUFFIX = ".unreadable"
#: Suffix of the lock file two runs take before moving a damaged cache aside.
HEAL_LOCK_SUFFIX = ".lock"
#: The columns each table of the current schema must have; anything else is foreign.
_TABLE_COLUMNS = {
    "bars": {"source", "symbol", "session", "close", "adj_close", "fetched_at"},
    "series": set(_SERIES_COLUMNS),
}
#: Columns of ``series`` added by schema version 4 (absent from a version 2 or 3 file).
_SERIES_COLUMNS_4 = {"adjusted_from_actions", "split_adjusted"}
#: Sources whose version-3 rows hold traded closes with every dividend and split:
#: version 4 derives their adjusted closes (Yahoo's ``Close`` is split-adjusted).
_DERIVED_SOURCES_3 = ("yahoo", "demo")
LOG = logging.getLogger(__name__)


class UnreadableCacheError(CacheError):
    """The cache file is damaged, not a database, or of a newer schema.

    Unlike other cache errors (locked, read-only, disk full) this one is cured by
    ``concepttrack cache clear``, which sets the file aside.
    """

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint or _UNREADABLE_HINT)
        #: What is wrong with the file, without its path ("file is not a database").
        self.reason = reason


def _is_unreadable(exc: Exception) -> bool:
    """True when SQLite says the file is damaged or is not a database at all."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc)
    return "not a database" in text or "malformed" in text


def set_aside(path: Path, *, now: dt.datetime | None = None) -> Path:
    """Move an unreadable cache file (and its -wal/-shm files) out of the way, kept.

    Returns where the file went: ``<path>.unreadable-<UTC time>`` (``-2``, ``-3`` ...
    when that name is taken), so every damaged file stays for inspection. The WAL files
    go too, so a fresh cache never replays a damaged file's log.
    """
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}{UNREADABLE_SUFFIX}-{stamp}")
    counter = 1
    while any(Path(f"{aside}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
        counter += 1
        aside = path.with_name(f"{path.name}{UNREADABLE_SUFFIX}-{stamp}-{counter}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            try:
                part.replace(Path(f"{aside}{suffix}"))
            except OSError as exc:
                raise CacheError(
                    f"cannot move the unreadable price cache {part} aside: {exc.strerror or exc}",
                    hint=f"Delete {path} by hand, or point --cache / CONCEPTTRACK_CACHE "
                    "at another file.",
                ) from exc
    return aside


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``, None when there is none."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


@contextmanager
def _heal_lock(path: Path, timeout: float) -> Iterator[None]:
    """An flock on ``<cache>.lock`` beside the cache, held while a damaged file is moved."""
    import fcntl

    lock_path = Path(f"{path}{HEAL_LOCK_SUFFIX}")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise CacheError(
            f"cannot create {lock_path} to repair the price cache: {exc.strerror or exc}",
            hint=_HINT,
        ) from exc
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CacheError(
                        f"price cache {path}: another process is repairing it", hint=_LOCKED_HINT
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def heal(
    path: Path,
    error: UnreadableCacheError,
    seen: tuple[int, int] | None,
    *,
    timeout: float = 30.0,
    now: dt.datetime | None = None,
) -> Path | None:
    """Set aside the unreadable cache file this process met, unless another run already did.

    ``seen`` is the identity (:func:`file_identity`) of the file that failed to read.
    Under a lock beside the cache, the file is moved aside only if it is still that
    file: when two runs meet the same damaged cache, the first moves it and the second
    finds a different (fresh) file, or none, and leaves it alone. Returns where the
    damaged file went, or None when it was not this process that moved it. Logs one
    warning saying what happened; the caller then opens a fresh cache at ``path``.
    """
    with _heal_lock(path, timeout):
        current = file_identity(path)
        if current is None or (seen is not None and current != seen):
            LOG.debug("price cache %s was already replaced by another run", path)
            return None
        aside = set_aside(path, now=now)
    LOG.warning(
        "price cache %s could not be read (%s); moved it to %s and started a fresh cache",
        path,
        error.reason,
        aside,
    )
    return aside


def open_store(path: Path, *, timeout: float = 30.0) -> PriceStore:
    """Open the cache at ``path``; a damaged, truncated or foreign file is healed first.

    See :func:`heal`: the file is set aside (kept) and a fresh cache is started, with
    one logged warning. A cache that cannot be opened for other reasons (locked,
    read-only, disk full) is still a :class:`CacheError`.
    """
    seen = file_identity(path)
    try:
        return PriceStore(path, timeout=timeout)
    except UnreadableCacheError as exc:
        heal(path, exc, seen, timeout=timeout)
    return PriceStore(path, timeout=timeout)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01, the cache's session key."""
    return (day - _EPOCH).days


def from_day_number(number: int) -> dt.date:
    """Inverse of :func:`day_number`."""
    return _EPOCH + dt.timedelta(days=number)


@dataclass(frozen=True)
class Coverage:
    """What the cache holds for one source and symbol."""

    source: str
    symbol: str
    first_session: dt.date | None
    last_session: dt.date | None
    rows: int
    requested_from: dt.date
    checked_through: dt.date
    fetched_at: dt.datetime
    revision: str | None
    problem: str | None
    meta: SymbolMeta


@dataclass(frozen=True)
class SourceSummary:
    """Per-source totals for ``cache info``."""

    source: str
    symbols: int
    rows: int
    first_session: dt.date | None
    last_session: dt.date | None
    last_fetched: dt.datetime | None


class PriceStore:
    """Read-through cache of daily bars in one SQLite file, safe to share between processes."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        self._timeout = timeout
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open the price cache {path}: {exc}", hint=_HINT) from exc
        try:
            self._setup()
        except CacheError:
            self._db.close()
            raise

    # --- plumbing ---------------------------------------------------------------------

    def _error(self, exc: Exception, doing: str) -> CacheError:
        message = f"price cache {self.path}: {doing} failed: {exc}"
        if _is_unreadable(exc):
            return UnreadableCacheError(message, reason=str(exc))
        if "locked" in str(exc) or "busy" in str(exc):
            return CacheError(message, hint=_LOCKED_HINT)
        return CacheError(message, hint=_HINT)

    def _setup(self) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                version = self._setup_once()
                break
            except sqlite3.OperationalError as exc:
                # Switching a new file to WAL fails at once, without waiting on the busy
                # timeout, while another process is creating the same file: retry briefly.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise self._error(exc, "opening") from exc
                time.sleep(0.05)
            except sqlite3.Error as exc:
                raise self._error(exc, "opening") from exc
        if version != SCHEMA_VERSION:
            raise UnreadableCacheError(
                f"price cache {self.path} has schema version {version}; "
                f"this concepttrack reads version {SCHEMA_VERSION}",
                reason=f"schema version {version}",
                hint="Use the concepttrack that wrote it, or run `concepttrack cache clear` "
                "to set the file aside and start an empty cache.",
            )

    def _setup_once(self) -> int:
        """WAL mode and the tables, created (or migrated) by whichever process comes first."""
        # Another program's database is recognised before anything is changed in it
        # (switching to WAL would rewrite its header).
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version == 0:
            self._refuse_foreign()
        elif 2 <= version <= SCHEMA_VERSION:
            # Versions 2 to 4 share the bars and series tables (3 adds tables, 4 columns).
            self._check_tables(version)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version < SCHEMA_VERSION:
            with self._write():
                # Re-read under the write lock: another process may have done it.
                version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
                if version == 0:
                    self._refuse_foreign()
                    # One statement at a time: executescript() would commit early.
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self._db.execute(statement)
                    version = SCHEMA_VERSION
                else:
                    if version == 1:
                        self._migrate_1_to_2()
                        version = 2
                    if version == 2:
                        self._migrate_2_to_3()
                        version = 3
                    if version == 3:
                        self._migrate_3_to_4()
                        version = 4
                self._db.execute(f"PRAGMA user_version={version}")
        return version

    def _refuse_foreign(self) -> None:
        """A database with tables but no schema version was not written by concepttrack."""
        tables = [
            row[0]
            for row in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        if tables:
            # Another process may have created our schema between this connection's
            # reads of the version and of the tables: it is ours once it has a version.
            if int(self._db.execute("PRAGMA user_version").fetchone()[0]) != 0:
                return
            raise self._foreign(f"tables {', '.join(tables[:5])}")

    def _check_tables(self, version: int = SCHEMA_VERSION) -> None:
        """The schema's tables with their columns; another layout is foreign."""
        for table, columns in _TABLE_COLUMNS.items():
            wanted = columns - _SERIES_COLUMNS_4 if version < 4 else columns
            have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if not wanted <= have:
                missing = ", ".join(sorted(wanted - have))
                raise self._foreign(f"table {table} lacks {missing}")

    def _foreign(self, what: str) -> UnreadableCacheError:
        return UnreadableCacheError(
            f"price cache {self.path} is not a concepttrack cache ({what})",
            reason=f"not a concepttrack cache: {what}",
        )

    def _migrate_1_to_2(self) -> None:
        """Add ``series.close_is_adjusted``; make CSV series be read again to set it."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(series)")}
        if "close_is_adjusted" not in columns:
            self._db.execute(
                "ALTER TABLE series ADD COLUMN close_is_adjusted INTEGER NOT NULL DEFAULT 0"
            )
        # Version 1 read yf.download exports as "one close" series; a changed revision
        # makes the next run re-read each file (bars and flags) as a full fetch.
        self._db.execute("UPDATE series SET revision = NULL WHERE source LIKE 'csv:%'")

    def _migrate_2_to_3(self) -> None:
        """Add the (empty) fundamentals tables."""
        for statement in _SCHEMA_3.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def _migrate_3_to_4(self) -> None:
        """Traded closes and actions become the truth: add the two flags of ``series``.

        Yahoo and demo series always stored closes, dividends and splits: they are marked
        derived and their stored adjusted closes dropped (derived on read from now on).
        CSV series are read again (a changed revision), so each file's layout decides.
        """
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(series)")}
        if "adjusted_from_actions" not in columns:
            self._db.execute(
                "ALTER TABLE series ADD COLUMN adjusted_from_actions INTEGER NOT NULL DEFAULT 0"
            )
        if "split_adjusted" not in columns:
            self._db.execute(
                "ALTER TABLE series ADD COLUMN split_adjusted INTEGER NOT NULL DEFAULT 1"
            )
        derived = f"source IN ({', '.join('?' * len(_DERIVED_SOURCES_3))})"
        self._db.execute(
            "UPDATE series SET adjusted_from_actions = 1, split_adjusted = 1"
            f" WHERE {derived} AND close_is_adjusted = 0 AND adj_close_is_close = 0",
            _DERIVED_SOURCES_3,
        )
        self._db.execute(
            "UPDATE bars SET adj_close = NULL WHERE EXISTS (SELECT 1 FROM series s"
            " WHERE s.source = bars.source AND s.symbol = bars.symbol"
            " AND s.adjusted_from_actions = 1)"
        )
        self._db.execute("UPDATE series SET revision = NULL WHERE source LIKE 'csv:%'")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction that takes the write lock up front (no upgrade deadlock)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> PriceStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------

    def coverage(self, source: str, symbols: Sequence[str]) -> dict[str, Coverage]:
        """What is cached for each of ``symbols`` from ``source`` (absent when nothing)."""
        found = self._coverages(source, list(symbols))
        return {c.symbol: c for c in found}

    def coverages(self, source: str | None = None) -> list[Coverage]:
        """Every cached series, optionally of one source, ordered by source and symbol."""
        return self._coverages(source, None)

    def _coverages(self, source: str | None, symbols: list[str] | None) -> list[Coverage]:
        sql = (
            "SELECT s.source, s.symbol, s.currency, s.timezone, s.demo, s.adj_close_is_close,"
            " s.close_is_adjusted, s.adjusted_from_actions, s.split_adjusted, s.detail,"
            " s.requested_from, s.checked_through,"
            " s.fetched_at, s.revision, s.problem, (SELECT MIN(session) FROM bars b"
            " WHERE b.source = s.source AND b.symbol = s.symbol), (SELECT MAX(session) FROM bars b"
            " WHERE b.source = s.source AND b.symbol = s.symbol), (SELECT COUNT(*)"
            " FROM bars b WHERE b.source = s.source AND b.symbol = s.symbol)"
            " FROM series s"
        )
        where: list[str] = []
        params: list[Any] = []
        if source is not None:
            where.append("s.source = ?")
            params.append(source)
        if symbols is not None:
            if not symbols:
                return []
            where.append(f"s.symbol IN ({','.join('?' * len(symbols))})")
            params.extend(symbols)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY s.source, s.symbol"
        try:
            rows = self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc, "reading") from exc
        out = []
        for row in rows:
            (src, symbol, currency, tz, demo, adj_is_close, close_adjusted) = row[:7]
            from_actions, split_adjusted = row[7:9]
            detail, req_from, checked, fetched_at, revision, problem = row[9:15]
            first, last, count = row[15:]
            meta = SymbolMeta(
                symbol=symbol,
                source=src,
                currency=currency,
                timezone=tz,
                demo=bool(demo),
                adj_close_is_close=bool(adj_is_close),
                close_is_adjusted=bool(close_adjusted),
                adjusted_from_actions=bool(from_actions),
                split_adjusted=bool(split_adjusted),
                detail=detail,
            )
            out.append(
                Coverage(
                    source=src,
                    symbol=symbol,
                    first_session=from_day_number(first) if first is not None else None,
                    last_session=from_day_number(last) if last is not None else None,
                    rows=int(count),
                    requested_from=from_day_number(req_from),
                    checked_through=from_day_number(checked),
                    fetched_at=dt.datetime.fromtimestamp(fetched_at, dt.UTC),
                    revision=revision,
                    problem=problem,
                    meta=meta,
                )
            )
        return out

    def read(
        self, source: str, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, pd.DataFrame]:
        """Cached bars of each symbol within ``[start, end]`` (an empty frame when none).

        A series stored as traded closes and actions (``adjusted_from_actions``) gets its
        ``adj_close`` derived here, over the rows read (:mod:`concepttrack.prices.adjust`).
        """
        import numpy as np
        import pandas as pd

        from concepttrack.prices.adjust import adjusted_close

        sql = (
            "SELECT session, open, high, low, close, adj_close, volume, dividends, splits"
            " FROM bars WHERE source = ? AND symbol = ? AND session BETWEEN ? AND ?"
            " ORDER BY session"
        )
        flags_sql = (
            "SELECT adjusted_from_actions, split_adjusted FROM series"
            " WHERE source = ? AND symbol = ?"
        )
        lo, hi = day_number(start), day_number(end)
        out: dict[str, pd.DataFrame] = {}
        try:
            for symbol in symbols:
                flags = self._db.execute(flags_sql, (source, symbol)).fetchone()
                rows = self._db.execute(sql, (source, symbol, lo, hi)).fetchall()
                if not rows:
                    out[symbol] = empty_bars()
                    continue
                # NULLs become NaN in a float64 array, which is what the contract wants.
                values = np.array(rows, dtype="float64")
                index = pd.DatetimeIndex(
                    values[:, 0].astype("int64").astype("datetime64[D]").astype("datetime64[ns]"),
                    name="session",
                )
                frame = pd.DataFrame(values[:, 1:], index=index, columns=list(COLUMNS))
                if flags is not None and flags[0]:
                    frame["adj_close"] = adjusted_close(frame, bool(flags[1])).to_numpy()
                out[symbol] = frame
        except sqlite3.Error as exc:
            raise self._error(exc, "reading") from exc
        return out

    def sources_of(self, symbol: str) -> list[Coverage]:
        """Every source that has cached ``symbol``, most recently fetched first."""
        found = [c for c in self._coverages(None, [symbol]) if c.rows]
        return sorted(found, key=lambda c: c.fetched_at, reverse=True)

    def summaries(self) -> list[SourceSummary]:
        """Totals per source: symbols, rows, date range, last fetch."""
        sql = (
            "SELECT s.source, COUNT(*), MAX(s.fetched_at),"
            " (SELECT COUNT(*) FROM bars b WHERE b.source = s.source),"
            " (SELECT MIN(session) FROM bars b WHERE b.source = s.source),"
            " (SELECT MAX(session) FROM bars b WHERE b.source = s.source)"
            " FROM series s GROUP BY s.source ORDER BY s.source"
        )
        try:
            rows = self._db.execute(sql).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc, "reading") from exc
        return [
            SourceSummary(
                source=src,
                symbols=int(count),
                rows=int(bars),
                first_session=from_day_number(first) if first is not None else None,
                last_session=from_day_number(last) if last is not None else None,
                last_fetched=dt.datetime.fromtimestamp(fetched, dt.UTC) if fetched else None,
            )
            for src, count, fetched, bars, first, last in rows
        ]

    def size_bytes(self) -> int:
        """Bytes on disk, including the WAL and shared-memory files."""
        total = 0
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                total += part.stat().st_size
        return total

    # --- writing ----------------------------------------------------------------------

    def save(
        self,
        source: str,
        history: SymbolHistory,
        *,
        requested_from: dt.date,
        checked_through: dt.date,
        replace: bool,
        revision: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Store a fetched history; ``replace`` drops the symbol's older rows first.

        Without ``replace`` rows are upserted (a tail fetch) and the asked-for range
        only grows. All of it happens in one transaction. A series marked
        ``adjusted_from_actions`` is stored without its adjusted close (see :meth:`read`).
        """
        import numpy as np

        meta = history.meta
        if meta is None:
            raise ValueError("a saved history needs its SymbolMeta")
        stamp = int((now or dt.datetime.now(dt.UTC)).timestamp())
        bars = history.bars
        days = bars.index.values.astype("datetime64[D]").astype("int64")
        values = bars[list(COLUMNS)].to_numpy(dtype="float64", copy=True)
        if meta.adjusted_from_actions:
            # Traded closes and actions are the truth; the adjusted close is derived on read.
            values[:, COLUMNS.index("adj_close")] = np.nan
        # NaN -> NULL explicitly, so "unknown" reads back as NaN whatever SQLite does.
        cells = values.astype(object)
        cells[np.isnan(values)] = None
        rows = [
            (source, history.symbol, int(day), *cell, stamp)
            for day, cell in zip(days.tolist(), cells.tolist(), strict=True)
        ]
        req, checked = day_number(requested_from), day_number(checked_through)
        try:
            with self._write() as db:
                if replace:
                    db.execute(
                        "DELETE FROM bars WHERE source = ? AND symbol = ?", (source, history.symbol)
                    )
                db.executemany(
                    "INSERT OR REPLACE INTO bars VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
                db.execute(
                    f"INSERT INTO series ({', '.join(_SERIES_COLUMNS)})"
                    f" VALUES ({', '.join('?' * len(_SERIES_COLUMNS))})"
                    " ON CONFLICT (source, symbol) DO UPDATE SET"
                    " currency = excluded.currency, timezone = excluded.timezone,"
                    " demo = excluded.demo, adj_close_is_close = excluded.adj_close_is_close,"
                    " close_is_adjusted = excluded.close_is_adjusted,"
                    " adjusted_from_actions = excluded.adjusted_from_actions,"
                    " split_adjusted = excluded.split_adjusted,"
                    " detail = excluded.detail, fetched_at = excluded.fetched_at,"
                    " revision = excluded.revision, problem = excluded.problem,"
                    " requested_from = CASE WHEN ? THEN excluded.requested_from"
                    "   ELSE MIN(requested_from, excluded.requested_from) END,"
                    " checked_through = CASE WHEN ? THEN excluded.checked_through"
                    "   ELSE MAX(checked_through, excluded.checked_through) END",
                    (
                        source,
                        history.symbol,
                        meta.currency,
                        meta.timezone,
                        int(meta.demo),
                        int(meta.adj_close_is_close),
                        int(meta.close_is_adjusted),
                        int(meta.adjusted_from_actions),
                        int(meta.split_adjusted),
                        meta.detail,
                        req,
                        checked,
                        stamp,
                        revision,
                        history.problem,
                        int(replace),
                        int(replace),
                    ),
                )
        except sqlite3.Error as exc:
            raise self._error(exc, "writing") from exc

    def note_problem(self, source: str, symbol: str, problem: str) -> None:
        """Remember why the last fetch of a cached series failed (kept for offline runs)."""
        try:
            with self._write() as db:
                db.execute(
                    "UPDATE series SET problem = ? WHERE source = ? AND symbol = ?",
                    (problem, source, symbol),
                )
        except sqlite3.Error as exc:
            raise self._error(exc, "writing") from exc

    # --- fundamentals -----------------------------------------------------------------

    def save_fundamentals(
        self,
        source: str,
        symbol: str,
        records: Sequence[Fundamentals],
        *,
        problem: str | None,
        replace_all: bool = False,
        revision: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Store one symbol's fundamentals answer and note the check, in one transaction.

        A failed answer (``problem`` set) keeps the cached records; ``replace_all`` drops
        the symbol's older records first (a file is the whole truth).
        """
        stamp = int((now or dt.datetime.now(dt.UTC)).timestamp())
        rows = [
            (
                source,
                symbol,
                day_number(r.date),
                r.market_cap,
                r.shares_outstanding,
                r.trailing_pe,
                r.price_to_book,
                r.dividend_yield,
                r.currency,
                stamp,
            )
            for r in records
        ]
        try:
            with self._write() as db:
                if replace_all and problem is None:
                    db.execute(
                        "DELETE FROM fundamentals WHERE source = ? AND symbol = ?", (source, symbol)
                    )
                db.executemany(
                    "INSERT OR REPLACE INTO fundamentals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                db.execute(
                    "INSERT INTO fundamentals_checks VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (source, symbol) DO UPDATE SET"
                    " checked_at = excluded.checked_at, problem = excluded.problem,"
                    " revision = excluded.revision,"
                    " succeeded_at = COALESCE(excluded.succeeded_at, succeeded_at)",
                    (
                        source,
                        symbol,
                        stamp,
                        stamp if problem is None else None,
                        problem,
                        revision,
                    ),
                )
        except sqlite3.Error as exc:
            raise self._error(exc, "writing") from exc

    def fundamentals_checks(
        self, source: str, symbols: Sequence[str]
    ) -> dict[str, FundamentalsCheck]:
        """The last fundamentals check of each symbol (absent when never asked)."""
        from concepttrack.prices.records import FundamentalsCheck

        if not symbols:
            return {}
        sql = (
            "SELECT symbol, checked_at, succeeded_at, problem, revision FROM fundamentals_checks"
            f" WHERE source = ? AND symbol IN ({','.join('?' * len(symbols))})"
        )
        try:
            rows = self._db.execute(sql, (source, *symbols)).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc, "reading") from exc
        return {
            symbol: FundamentalsCheck(
                symbol=symbol,
                checked_at=dt.datetime.fromtimestamp(checked, dt.UTC),
                succeeded_at=dt.datetime.fromtimestamp(ok, dt.UTC) if ok is not None else None,
                problem=problem,
                revision=revision,
            )
            for symbol, checked, ok, problem, revision in rows
        }

    def read_fundamentals(
        self, source: str, symbols: Sequence[str]
    ) -> dict[str, list[Fundamentals]]:
        """Every cached record of each symbol, oldest first (an empty list when none)."""
        from concepttrack.prices.records import Fundamentals

        out: dict[str, list[Fundamentals]] = {symbol: [] for symbol in symbols}
        if not symbols:
            return out
        sql = (
            "SELECT symbol, date, market_cap, shares_outstanding, trailing_pe, price_to_book,"
            " dividend_yield, currency FROM fundamentals"
            f" WHERE source = ? AND symbol IN ({','.join('?' * len(symbols))})"
            " ORDER BY symbol, date"
        )
        try:
            rows = self._db.execute(sql, (source, *symbols)).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc, "reading") from exc
        for symbol, day, cap, shares, pe, pb, dy, currency in rows:
            out[symbol].append(
                Fundamentals(
                    symbol=symbol,
                    date=from_day_number(day),
                    market_cap=cap,
                    shares_outstanding=shares,
                    trailing_pe=pe,
                    price_to_book=pb,
                    dividend_yield=dy,
                    currency=currency,
                )
            )
        return out

    def clear(self, source: str | None = None) -> int:
        """Delete every cached series (or one source's); returns how many series went."""
        where, params = ("WHERE source = ?", (source,)) if source is not None else ("", ())
        try:
            with self._write() as db:
                count = int(
                    db.execute(f"SELECT COUNT(*) FROM series {where}", params).fetchone()[0]
                )
                db.execute(f"DELETE FROM bars {where}", params)
                db.execute(f"DELETE FROM series {where}", params)
                db.execute(f"DELETE FROM fundamentals {where}", params)
                db.execute(f"DELETE FROM fundamentals_checks {where}", params)
        except sqlite3.Error as exc:
            raise self._error(exc, "clearing") from exc
        # Give the space back when nobody else is reading; VACUUM needs the file alone.
        with contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("VACUUM")
        return count
