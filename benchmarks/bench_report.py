"""Benchmark the commands people and cron run, each in a fresh process, warm cache.

Everything is measured in ONE run, interleaved, so that the ratios compare figures
taken under the same machine load:

1. the bare import ``python -c "import pandas, matplotlib.pyplot, weasyprint"``: the
   yardstick (median of ``--runs``);
2. ``report sora-compute --source demo --format md,pdf`` (warm cache, fresh process):
   median, and its ratio to the bare import (target at most 1.3) and to the layout
   yardstick: a fresh process that imports pandas, matplotlib and WeasyPrint and lays
   out the same note's HTML (written once by ``--format html``) with WeasyPrint into a
   PDF, i.e. what any tool that makes this PDF must pay (target at most 1.1);
3. the peak RSS of the largest process of a single-note run (the run, its chart
   process and anything else it waits for: ``os.wait4`` reports the maximum over a
   child and its descendants; target under 250 MiB);
4. ``report --all`` on a generated book of N themes x 8 stocks drawn from 300 symbols,
   ``--jobs 2``: seconds per theme and its ratio to the bare import measured right
   before and after it (target at most 0.45), the peak RSS and the number of source
   requests (from the run record);
5. ``concepttrack --help`` (start-up, target under 0.5 s).

Usage: ``python benchmarks/bench_report.py [--runs 7] [--themes 100] [--jobs 2]``.
Prints a Markdown table for the README and which targets were met.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2024-03-01"
BARE_IMPORT = "import pandas, matplotlib.pyplot, weasyprint"
NOTE_RATIO_TARGET = 1.3
LAYOUT_RATIO_TARGET = 1.1
#: The layout yardstick: import what a note needs, then lay out its HTML with WeasyPrint.
LAYOUT = (
    "import sys, pandas, matplotlib.pyplot, weasyprint; "
    "weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])"
)
ALL_RATIO_TARGET = 0.45
PEAK_TARGET_MIB = 250


def concepttrack() -> list[str]:
    exe = Path(sys.executable).parent / "concepttrack"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "concepttrack"]


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds of one command, and the peak RSS (MiB) of its largest process.

    ``os.wait4`` gives the child's resource usage including every descendant it
    waited for; ``ru_maxrss`` (KiB on Linux) is then the largest of those processes.
    """
    with tempfile.TemporaryFile() as errors:
        began = time.perf_counter()
        process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise SystemExit(f"command failed ({code}): {' '.join(args)}\n{message}")
    return seconds, usage.ru_maxrss / 1024


def write_book(path: Path, themes: int, per_theme: int = 8, universe: int = 300) -> None:
    """A themes file of ``themes`` themes drawing ``per_theme`` stocks from ``universe``."""
    codes = [f"{1 + i * 7:05d}" for i in range(universe)]
    lines = ["version: 1", "themes:"]
    for t in range(themes):
        lines += [
            f"  - id: bench-{t:03d}",
            f"    title: Benchmark theme {t}",
            "    thesis: Generated for the benchmark.",
            f"    event: {{date: 2024-0{1 + t % 2}-1{t % 9}, title: Event {t}}}",
            "    stocks:",
        ]
        for s in range(per_theme):
            code = codes[(t * 13 + s * 37) % universe]
            lines.append(f'      - {{code: "{code}", name: Stock {code}, rationale: Generated.}}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--themes", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    ct = concepttrack()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "CONCEPTTRACK_CACHE": str(root / "cache.sqlite")}
        bare = [sys.executable, "-c", BARE_IMPORT]
        single = [
            *ct,
            "--themes",
            str(REPO / "themes.yaml"),
            "report",
            "sora-compute",
            "--source",
            "demo",
            "--format",
            "md,pdf",
            "--out",
            str(root / "single"),
            "--as-of",
            AS_OF,
            "--force",
            "--quiet",
        ]
        # The same note's HTML, written once, for the layout yardstick.
        html_args = [
            *single[: single.index("md,pdf")],
            "html",
            *single[single.index("md,pdf") + 1 :],
        ]
        html_args[html_args.index(str(root / "single"))] = str(root / "html")
        timed(html_args, env)
        (html_file,) = (root / "html" / "sora-compute").glob(f"{AS_OF}.html")
        layout = [sys.executable, "-c", LAYOUT, str(html_file), str(root / "layout.pdf")]
        # Warm-up: the price cache, the calendar cache, matplotlib's font cache, .pyc files.
        timed(single, env)
        timed(bare, env)
        timed(layout, env)

        imports: list[float] = []
        notes: list[float] = []
        peaks: list[float] = []
        helps: list[float] = []
        layouts: list[float] = []
        for _ in range(args.runs):
            imports.append(timed(bare, env)[0])
            layouts.append(timed(layout, env)[0])
            seconds, peak = timed(single, env)
            notes.append(seconds)
            peaks.append(peak)
            helps.append(timed([*ct, "--help"], env)[0])

        book = root / "book.yaml"
        write_book(book, args.themes)
        out = root / "all"
        base = [*ct, "--themes", str(book)]
        timed([*base, "prices", "fetch", "--all", "--source", "demo", "--as-of", AS_OF], env)
        command = [
            *base,
            "report",
            "--all",
            "--source",
            "demo",
            "--format",
            "md,pdf",
            "--out",
            str(out),
            "--as-of",
            AS_OF,
            "--jobs",
            str(args.jobs),
            "--force",
            "--quiet",
        ]
        # The --all run's own yardstick: bare imports right before and right after it.
        around = [timed(bare, env)[0] for _ in range(3)]
        all_seconds, all_peak = timed(command, env)
        around += [timed(bare, env)[0] for _ in range(3)]
        record = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text("utf-8"))

    bare_median = statistics.median(imports)
    note_median = statistics.median(notes)
    note_ratio = note_median / bare_median
    layout_median = statistics.median(layouts)
    layout_ratio = note_median / layout_median
    per_theme = all_seconds / args.themes
    around_median = statistics.median(around)
    all_ratio = per_theme / around_median
    peak = max(peaks)
    rows = [
        (
            f'bare `python -c "{BARE_IMPORT}"` (the yardstick)',
            f"median {bare_median:.2f} s ({len(imports)} runs, interleaved with the notes)",
            "–",
        ),
        (
            "`report sora-compute --source demo --format md,pdf`, warm cache, fresh process",
            f"median {note_median:.2f} s, best {min(notes):.2f} s ({args.runs} runs): "
            f"**{note_ratio:.2f}×** the bare import",
            f"≤ {NOTE_RATIO_TARGET}× — {verdict(note_ratio <= NOTE_RATIO_TARGET)}",
        ),
        (
            "the same note against the layout yardstick (import pandas, matplotlib and "
            "WeasyPrint, then lay out the note's HTML into a PDF with WeasyPrint; median "
            f"{layout_median:.2f} s)",
            f"**{layout_ratio:.2f}×** the layout yardstick",
            f"≤ {LAYOUT_RATIO_TARGET}× — {verdict(layout_ratio <= LAYOUT_RATIO_TARGET)}",
        ),
        (
            "largest process of a single-note run, peak RSS",
            f"{peak:.0f} MiB (max of {args.runs} runs)",
            f"< {PEAK_TARGET_MIB} MiB — {verdict(peak < PEAK_TARGET_MIB)}",
        ),
        (
            f"`report --all`, {args.themes} themes × 8 stocks, `--jobs {args.jobs}`, warm cache",
            f"{all_seconds:.1f} s, {per_theme:.2f} s per theme: **{all_ratio:.2f}×** the bare "
            f"import measured around it (median {around_median:.2f} s of 6); peak RSS "
            f"{all_peak:.0f} MiB; source requests {record['source_requests']}",
            f"≤ {ALL_RATIO_TARGET}× per theme — {verdict(all_ratio <= ALL_RATIO_TARGET)}",
        ),
        (
            "`concepttrack --help` (fresh process)",
            f"median {statistics.median(helps):.2f} s",
            f"< 0.5 s — {verdict(statistics.median(helps) < 0.5)}",
        ),
    ]
    print("| what | figure | target |")
    print("|---|---|---|")
    for name, figure, target in rows:
        print(f"| {name} | {figure} | {target} |")


if __name__ == "__main__":
    main()
