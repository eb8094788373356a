"""Benchmark the re-run with nothing to do: ``report --all`` when every note is written.

cron runs ``report --all`` every trading day and operators run it again by hand; a
re-run whose notes all exist already must cost almost nothing (issue 17: under 1 s for
100 themes). Everything is measured in ONE run, interleaved, each command in a fresh
process, with a fresh price cache and calendar cache in a temporary folder:

1. a generated book of ``--themes`` themes (a few stocks each) and one
   ``report --all --source demo --format md,json`` that writes every note (and warms
   the price and calendar caches, and the ``.pyc`` files);
2. ``--runs`` fresh-process re-runs of the same command: each must exit 0 and write
   nothing in the reports folder (no note, link, index or site page is created or
   touched; only the run's own record in ``runs/`` is added, and the run lock notes its
   holder); median and best wall time;
3. the floor: ``python -c "import concepttrack.cli"`` (median and best, interleaved
   with the re-runs), and the re-run's ratio to it.

Usage: ``python benchmarks/bench_rerun.py [--runs 5] [--themes 100] [--stocks 3]
[--as-of YYYY-MM-DD]`` (no ``--as-of``: the latest closed session, as cron runs it).
Prints a Markdown table for the README and whether the target was met.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The same generated book as bench_report.py (this folder is on sys.path when run).
from bench_report import write_book

TARGET_SECONDS = 1.0
FLOOR = "import concepttrack.cli"


def concepttrack() -> list[str]:
    exe = Path(sys.executable).parent / "concepttrack"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "concepttrack"]


def timed(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one command in a fresh process; a non-zero exit stops the benchmark."""
    began = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace")
        raise SystemExit(f"command failed ({done.returncode}): {' '.join(args)}\n{message}")
    return seconds


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and link under ``folder`` but the run records and the run lock (every
    run takes it and notes its holder there): path -> (mtime ns, size)."""
    found: dict[str, tuple[int, int]] = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if relative.parts[0] == "runs" or relative.name == ".concepttrack.lock":
            continue
        info = path.lstat()
        found[str(relative)] = (info.st_mtime_ns, info.st_size)
    return found


def changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Files created, removed or modified between two snapshots."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--themes", type=int, default=100)
    parser.add_argument("--stocks", type=int, default=3)
    parser.add_argument("--as-of", default=None)
    args = parser.parse_args()
    ct = concepttrack()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {
            **os.environ,
            "CONCEPTTRACK_CACHE": str(root / "cache" / "prices.sqlite"),
            # The calendar cache (<user cache>/calendars) starts empty too.
            "XDG_CACHE_HOME": str(root / "cache"),
        }
        book = root / "book.yaml"
        write_book(book, args.themes, args.stocks)
        out = root / "reports"
        command = [
            *ct,
            "--themes",
            str(book),
            "report",
            "--all",
            "--source",
            "demo",
            "--format",
            "md,json",
            "--out",
            str(out),
            "--quiet",
            *(["--as-of", args.as_of] if args.as_of else []),
        ]
        floor = [sys.executable, "-c", FLOOR]
        first = timed(command, env)
        # One JSON twin per note (runs/ holds the run records).
        notes = len([twin for twin in out.glob("*/*.json") if twin.parent.name != "runs"])
        timed(floor, env)  # warm-up

        reruns: list[float] = []
        floors: list[float] = []
        written: list[str] = []
        for _ in range(args.runs):
            floors.append(timed(floor, env))
            before = snapshot(out)
            records = len(list((out / "runs").glob("*.json")))
            reruns.append(timed(command, env))
            written += changes(before, snapshot(out))
            if len(list((out / "runs").glob("*.json"))) != records + 1:
                written.append("runs/ (expected exactly one new run record)")

    rerun_median = statistics.median(reruns)
    floor_median = statistics.median(floors)
    met = rerun_median < TARGET_SECONDS and not written
    print(
        f"| `report --all --source demo --format md,json`, {args.themes} themes × "
        f"{args.stocks} stocks, first run (writes {notes} notes, cold caches) "
        f"| {first:.1f} s | – |"
    )
    print(
        f"| the same command again, every note already written, fresh process "
        f"| median {rerun_median:.2f} s, best {min(reruns):.2f} s ({args.runs} runs); "
        f"{rerun_median / floor_median:.1f}× the floor "
        f"| < {TARGET_SECONDS:.0f} s, nothing written — {'met' if met else '**missed**'} |"
    )
    print(
        f'| the floor: `python -c "{FLOOR}"` '
        f"| median {floor_median:.2f} s, best {min(floors):.2f} s ({args.runs} runs) | – |"
    )
    if written:
        shown = ", ".join(sorted(set(written))[:5])
        print(f"re-runs wrote {len(set(written))} file(s), e.g. {shown}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
