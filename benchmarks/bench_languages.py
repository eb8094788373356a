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

        def timed(languages: list[str]) -> tuple[float, float]:
            """Median wall and CPU seconds (CPU: this process; the machine is shared)."""
            walls, cpus = [], []
            for _ in range(args.runs):
                began, cpu = time.perf_counter(), time.process_time()
                render_note(
                    theme,
                    snapshot,
                    formats=["md", "pdf"],
                    out_dir=root / "out",
                    languages=languages,
                )
                walls.append(time.perf_counter() - began)
                cpus.append(time.process_time() - cpu)
            return statistics.median(walls), statistics.median(cpus)

        timed(["en", "zh-hk", "zh-cn"])  # warm-up: imports, fonts, catalogs
        en = timed(["en"])
        rows = [("en alone", en)]
        for code in ("zh-hk", "zh-cn"):
            rows.append((f"{code} alone", timed([code])))
        together = timed(["en", "zh-hk", "zh-cn"])
        rows.append(("en + zh-hk + zh-cn in one call", together))

    print("| render (md + pdf, warm) | median wall s | median CPU s | CPU vs English |")
    print("|---|--:|--:|--:|")
    for name, (wall, cpu) in rows:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {cpu / en[1]:.2f}× |")
    extra_cpu = (together[1] - en[1]) / 2
    extra_wall = (together[0] - en[0]) / 2
    print(
        f"\nEach extra language in one call: {extra_cpu:.2f} s CPU "
        f"({extra_cpu / en[1]:.2f}× the English note), {extra_wall:.2f} s wall."
    )


if __name__ == "__main__":
    main()
