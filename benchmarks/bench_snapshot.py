"""Time ``build_snapshot`` for a 10-stock theme with 5 years of daily prices (target < 100 ms).

The theme has 3 catalysts (the event and two more), so the event study (issue 10) runs
for 10 stocks + the basket x 3 catalysts; its share is measured by running the same
snapshot with the study replaced by a no-op (target: adds < 50 ms).

Prices are synthetic and built in memory (a warm cache is just a PriceFrame in memory),
so this measures analytics alone. Run it with::

    .venv/bin/python benchmarks/bench_snapshot.py [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from unittest import mock

import numpy as np
import pandas as pd

from concepttrack.analytics import snapshot as snapshot_module
from concepttrack.analytics.event_model import EventStudies
from concepttrack.analytics.snapshot import build_snapshot
from concepttrack.prices.frame import COLUMNS, PriceFrame, SymbolHistory, SymbolMeta
from concepttrack.themes import Theme

CODES = ["0700", "9988", "3690", "1810", "9888", "0981", "0763", "0728", "2382", "1347"]
TARGET_MS = 100.0
EVENTS_TARGET_MS = 50.0


def _bars(index: pd.DatetimeIndex, seed: int, start: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = start * np.exp(np.cumsum(rng.normal(0.0002, 0.02, len(index))))
    volume = rng.integers(1_000_000, 50_000_000, len(index)).astype("float64")
    data = {
        "open": close,
        "high": close * 1.01,
        "low": close * 0.99,
        "close": close,
        "adj_close": close * 0.96,
        "volume": volume,
        "dividends": np.zeros(len(index)),
        "splits": np.zeros(len(index)),
    }
    return pd.DataFrame({c: data[c] for c in COLUMNS}, index=index)


def _history(symbol: str, bars: pd.DataFrame) -> SymbolHistory:
    meta = SymbolMeta(symbol, "bench", "HKD", "Asia/Hong_Kong")
    return SymbolHistory(symbol, bars, meta)


def scenario() -> tuple[Theme, PriceFrame, dt.date, pd.DatetimeIndex]:
    """A 10-stock theme, ~1,260 sessions of history each, one suspended for a week."""
    sessions = pd.bdate_range("2020-01-02", "2024-12-31", name="session")
    theme = Theme.model_validate(
        {
            "id": "bench-theme",
            "title": "Benchmark theme",
            "thesis": "Timing only.",
            "event": {"date": dt.date(2024, 2, 16), "title": "The news"},
            "catalysts": [
                {"date": dt.date(2022, 11, 30), "title": "An earlier catalyst"},
                {"date": dt.date(2024, 9, 24), "title": "A later catalyst"},
            ],
            "stocks": [
                {"code": code, "name": f"Stock {code}", "rationale": "Timing."} for code in CODES
            ],
        }
    )
    histories = {}
    for i, symbol in enumerate(theme.symbols):
        bars = _bars(sessions, seed=i, start=20.0 + 10 * i)
        if i == 3:
            bars = bars.drop(bars.index[-200:-195])
        histories[symbol] = _history(symbol, bars)
    histories["^HSI"] = _history("^HSI", _bars(sessions, seed=99, start=16_000.0))
    return theme, PriceFrame("bench", histories), dt.date(2024, 12, 31), sessions


def _median_ms(run: Callable[[], object], runs: int) -> tuple[float, float]:
    run()  # warm-up (imports, caches)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(timings), min(timings)


def main() -> None:
    """Run build_snapshot N times with and without the event study; print medians in ms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    theme, prices, as_of, sessions = scenario()
    median, best = _median_ms(lambda: build_snapshot(theme, prices, as_of, sessions), args.runs)
    verdict = "OK" if median < TARGET_MS else "SLOW"
    print(
        f"build_snapshot, 10 stocks x {len(sessions)} sessions, 3 catalysts: median "
        f"{median:.1f} ms, best {best:.1f} ms over {args.runs} runs "
        f"(target < {TARGET_MS:.0f} ms) {verdict}"
    )
    with mock.patch.object(snapshot_module, "study_events", return_value=EventStudies()):
        without, _ = _median_ms(lambda: build_snapshot(theme, prices, as_of, sessions), args.runs)
    added = median - without
    verdict = "OK" if added < EVENTS_TARGET_MS else "SLOW"
    print(
        f"event study (10 stocks + basket x 3 catalysts): adds {added:.1f} ms to build_snapshot "
        f"(median {without:.1f} ms without it; target < {EVENTS_TARGET_MS:.0f} ms) {verdict}"
    )


if __name__ == "__main__":
    main()
