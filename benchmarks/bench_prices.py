"""Price-cache benchmark: 300 symbols x 5 years of demo prices in a temporary cache.

Run: ``.venv/bin/python benchmarks/bench_prices.py``. Prints, in milliseconds:

* cold fill: every symbol fetched (demo source) and written to an empty cache;
* warm read of one theme: 5 symbols, everything already cached (target < 50 ms);
* warm read of all 300 symbols;
* incremental update: the window moves on by one session, so each symbol's tail
  (5 sessions of overlap + 1 new) is fetched and upserted.

Imports and the exchange calendar are warmed up first, so the figures are the
cache's, not Python's start-up. Warm reads report the median of several runs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from concepttrack import calendar
from concepttrack.prices import load_prices

THEME = ["9888.HK", "0763.HK", "0941.HK", "0728.HK", "^HSI"]
#: The theme's symbols plus numbered HK codes: 300 in all.
SYMBOLS = THEME + [s for s in (f"{n:04d}.HK" for n in range(1, 400)) if s not in THEME][:295]
END = dt.date(2026, 10, 30)
START = dt.date(2021, 10, 30)
NEXT = calendar.sessions("XHKG", END + dt.timedelta(days=1), END + dt.timedelta(days=10))[0].date()
NOW = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


def _time(action: Callable[[], object], repeat: int = 1) -> float:
    """Median wall time of ``action`` in milliseconds."""
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        runs.append((time.perf_counter() - began) * 1000)
    return statistics.median(runs)


def main() -> None:
    """Build the cache, time the four operations, print a table."""
    calendar.sessions("XHKG", START, END)  # warm the calendar and pandas imports
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "prices.sqlite"

        def load(symbols: list[str], end: dt.date = END) -> object:
            return load_prices(
                symbols, start=START, end=end, source="demo", store_path=store, now=NOW
            )

        cold = _time(lambda: load(SYMBOLS))
        theme = _time(lambda: load(THEME), repeat=21)
        everything = _time(lambda: load(SYMBOLS), repeat=5)
        update = _time(lambda: load(SYMBOLS, NEXT))
        size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 1_048_576
        rows = len(calendar.sessions("XHKG", START, END)) * len(SYMBOLS)

    print(f"price cache: {len(SYMBOLS)} symbols x 5 years ({rows:,} bars, {size:.0f} MB)")
    print(f"{'operation':<44}{'ms':>10}")
    print("-" * 54)
    for name, value in (
        ("cold fill (demo source, empty cache)", cold),
        ("warm read, one theme (5 symbols)", theme),
        (f"warm read, all {len(SYMBOLS)} symbols", everything),
        ("incremental update, one new session", update),
    ):
        print(f"{name:<44}{value:>10.1f}")


if __name__ == "__main__":
    main()
