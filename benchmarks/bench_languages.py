"""What each extra note language costs, against the English note's render time.

The Sora theme on the golden CSV dataset: prices, snapshot and analytics are made once;
then, after one warm-up render, ``render_note`` is timed (median of ``--runs``) for
English alone, for each Chinese language alone, and for all three in one call (which
also shares the note facts and reuses charts whose text is the same). Formats md,pdf.

Usage: ``python benchmarks/bench_languages.py [--runs 5]``. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from tests.golden import AS_OF, write_dataset

    from concepttrack.analytics.snapshot import build_snapshot
    from concepttrack.calendar import sessions
    from concepttrack.pipeline import history_start
    from concepttrack.prices import load_prices
    from concepttrack.render import render_note
    from concepttrack.themes import load_themes

    theme = load_themes(REPO / "themes.yaml").get("sora-compute")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_dataset(root / "prices")
        start = history_start(theme, AS_OF)
        frame = load_prices(
            [*theme.symbols, theme.benchmark],
            start=start,
            end=AS_OF,
            source=f"csv:{root / 'prices'}",
            store_path=root / "cache.sqlite",
        )
        snapshot = build_snapshot(theme, frame, AS_OF, sessions("XHKG", start, AS_OF))

        def timed(languages: list[str]) -> float:
            times = []
            for _ in range(args.runs):
                began = time.perf_counter()
                render_note(
                    theme,
                    snapshot,
                    formats=["md", "pdf"],
                    out_dir=root / "out",
                    languages=languages,
                )
                times.append(time.perf_counter() - began)
            return statistics.median(times)

        timed(["en", "zh-hk", "zh-cn"])  # warm-up: imports, fonts, catalogs
        en = timed(["en"])
        rows = [("en alone", en)]
        for code in ("zh-hk", "zh-cn"):
            rows.append((f"{code} alone", timed([code])))
        together = timed(["en", "zh-hk", "zh-cn"])
        rows.append(("en + zh-hk + zh-cn in one call", together))

    print("| render (md + pdf, warm) | median seconds | vs English |")
    print("|---|--:|--:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / en:.2f}× |")
    extra = (together - en) / 2
    print(f"\nEach extra language in one call: {extra:.2f} s ({extra / en:.2f}× the English note).")


if __name__ == "__main__":
    main()
