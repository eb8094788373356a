"""Benchmark the commands people and cron run, each in a fresh process, warm cache.

1. ``concepttrack --help``: start-up cost (target under 0.5 s).
2. ``report sora-compute --source demo --format md,pdf`` (target: median under 2.5 s).
3. ``report --all`` on a generated book of N themes x 8 stocks drawn from 300 symbols,
   ``--jobs 2``, for several N: total time, time per theme, peak memory (max RSS of the
   process and its workers) and the number of source requests (from the run record).

Usage: ``python benchmarks/bench_report.py [--runs 5] [--themes 25,50,100] [--jobs 2]``.
Prints a Markdown table for the README. Figures vary with machine load; compare ratios
within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2024-03-01"


def concepttrack() -> list[str]:
    exe = Path(sys.executable).parent / "concepttrack"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "concepttrack"]


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of the children of one command run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"command failed ({done.returncode}): {' '.join(args)}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--themes", default="25,50,100")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    ct = concepttrack()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "CONCEPTTRACK_CACHE": str(root / "cache.sqlite")}
        rows: list[tuple[str, str]] = []

        helps = [timed([*ct, "--help"], env)[0] for _ in range(args.runs)]
        rows.append(("`concepttrack --help`", f"median {statistics.median(helps):.2f} s"))

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
        timed(single, env)  # fills the cache
        notes = [timed(single, env)[0] for _ in range(args.runs)]
        rows.append(
            (
                "`report sora-compute --source demo --format md,pdf` (warm cache)",
                f"median {statistics.median(notes):.2f} s, best {min(notes):.2f} s "
                f"({args.runs} runs)",
            )
        )

        for count in [int(n) for n in args.themes.split(",")]:
            book = root / f"book-{count}.yaml"
            write_book(book, count)
            out = root / f"all-{count}"
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
            seconds, peak_kib = timed(command, env)
            record = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text("utf-8"))
            rows.append(
                (
                    f"`report --all` {count} themes x 8 stocks, --jobs {args.jobs} (warm cache)",
                    f"{seconds:.1f} s total, {seconds / count:.2f} s per theme, "
                    f"peak RSS {peak_kib / 1024:.0f} MiB, "
                    f"source requests {record['source_requests']}",
                )
            )

    print("| command | figure |")
    print("|---|---|")
    for name, figure in rows:
        print(f"| {name} | {figure} |")


if __name__ == "__main__":
    main()
