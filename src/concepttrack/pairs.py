"""The table of A+H pairs: an HKEX-listed H share and the same company's mainland A share.

The package ships a table (``data/ah_pairs.csv``: ``h_code,a_code,name,name_zh``, Yahoo
symbols such as ``0763.HK`` and ``000063.SZ``). ``concepttrack pairs refresh`` writes a
newer one to the user's data folder (``<user data>/ah_pairs.csv``, or
``$CONCEPTTRACK_PAIRS``), which then replaces the shipped table. A stock's own
``a_share:`` in the themes book wins over either (:meth:`concepttrack.themes.Theme.a_shares`).

Nothing here fetches: the refresh's download is in ``cli_pairs.py``; this module reads,
checks and writes the CSV.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from concepttrack.errors import UsageError
from concepttrack.symbols import is_hk, to_yahoo

ENV_PAIRS = "CONCEPTTRACK_PAIRS"
#: The table shipped with the package.
BUILTIN_FILE = Path(__file__).resolve().parent / "data" / "ah_pairs.csv"
#: A pairs file is small (a few hundred rows); anything larger is refused.
MAX_BYTES = 1_000_000
COLUMNS = ("h_code", "a_code", "name", "name_zh")
_A_SHARE = re.compile(r"^\d{6}\.(SS|SZ)$")


@dataclass(frozen=True)
class Pair:
    """One A+H pair, as Yahoo symbols."""

    h_symbol: str
    a_symbol: str
    name: str = ""
    name_zh: str = ""


@dataclass(frozen=True)
class PairTable:
    """The pairs in use and where they came from (``origin``: ``builtin`` or ``user``)."""

    pairs: tuple[Pair, ...]
    origin: str
    path: Path

    def a_share_of(self, h_symbol: str) -> str | None:
        """The A share paired with ``h_symbol`` (a Yahoo symbol), else None."""
        return self._by_h.get(h_symbol.upper())

    @property
    def _by_h(self) -> dict[str, str]:
        return {p.h_symbol: p.a_symbol for p in self.pairs}


def a_share_symbol(code: str) -> str:
    """``code`` as a Yahoo A-share symbol (``600941.SS``); UsageError when it is not one."""
    symbol = to_yahoo(code)
    if not _A_SHARE.match(symbol):
        raise UsageError(
            f"{code!r} is not a mainland A-share code",
            hint="Give the six digits and the exchange: 600941.SS (Shanghai) or 000063.SZ "
            "(Shenzhen).",
        )
    return symbol


def a_share_from_digits(digits: str) -> str:
    """The Yahoo symbol of a six-digit A-share code: Shanghai codes start with 6 or 9
    (``600941`` -> ``600941.SS``, ``688981`` -> ``688981.SS``), the rest are Shenzhen's."""
    text = digits.strip()
    if not (len(text) == 6 and text.isdigit()):
        raise UsageError(f"{digits!r} is not a six-digit A-share code")
    return f"{text}.{'SS' if text[0] in '69' else 'SZ'}"


def user_path() -> Path:
    """Where ``pairs refresh`` writes: ``$CONCEPTTRACK_PAIRS``, else the user data folder."""
    env = os.environ.get(ENV_PAIRS)
    if env:
        return Path(env)
    from platformdirs import user_data_path

    return user_data_path("concepttrack", appauthor=False) / "ah_pairs.csv"


def parse_pairs(text: str, origin: str = "pairs file") -> tuple[Pair, ...]:
    """The pairs of a CSV with the header ``h_code,a_code[,name,name_zh]``; a bad row is
    a UsageError naming its line."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"h_code", "a_code"} <= set(reader.fieldnames):
        raise UsageError(f"{origin}: the header must name h_code and a_code")
    pairs: dict[str, Pair] = {}
    for row in reader:
        line = reader.line_num
        try:
            h_symbol = to_yahoo(row.get("h_code") or "")
            a_symbol = a_share_symbol(row.get("a_code") or "")
        except UsageError as exc:
            raise UsageError(f"{origin}:{line}: {exc.message}") from exc
        if not is_hk(h_symbol):
            raise UsageError(f"{origin}:{line}: {h_symbol} is not an HKEX code")
        pairs[h_symbol] = Pair(
            h_symbol,
            a_symbol,
            (row.get("name") or "").strip(),
            (row.get("name_zh") or "").strip(),
        )
    return tuple(pairs.values())


def format_pairs(pairs: Iterable[Pair]) -> str:
    """The CSV text of ``pairs`` (the layout :func:`parse_pairs` reads)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for pair in sorted(pairs, key=lambda p: p.h_symbol):
        writer.writerow([pair.h_symbol, pair.a_symbol, pair.name, pair.name_zh])
    return out.getvalue()


def _read(path: Path, origin: str) -> tuple[Pair, ...]:
    from concepttrack.fsutil import ReadRefused, read_limited

    try:
        data = read_limited(path, MAX_BYTES)
    except (OSError, ReadRefused) as exc:
        raise UsageError(f"cannot read the A+H pairs file {path}: {exc}") from exc
    return parse_pairs(data.decode("utf-8-sig"), origin=str(path))


@lru_cache(maxsize=8)
def _cached(path: Path, origin: str, stamp: tuple[int, int]) -> PairTable:
    return PairTable(_read(path, origin), origin, path)


def load_table() -> PairTable:
    """The table in use: the refreshed one in the user's data folder when it exists,
    else the one shipped with the package (read once per file version)."""
    user = user_path()
    try:
        stat = user.stat()
    except OSError:
        stat = None
    if stat is not None:
        return _cached(user, "user", (stat.st_mtime_ns, stat.st_size))
    builtin = BUILTIN_FILE.stat()
    return _cached(BUILTIN_FILE, "builtin", (builtin.st_mtime_ns, builtin.st_size))


def write_user_table(pairs: Iterable[Pair]) -> Path:
    """Write ``pairs`` (atomically) where :func:`load_table` finds them; returns the path."""
    from concepttrack.fsutil import atomic_write_text, write_error

    path = user_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, format_pairs(pairs))
    except OSError as exc:
        raise write_error(exc, path) from exc
    return path
