"""What jinja2's sandbox costs the note's Markdown render.

The demo note of sora-compute is made once (its template context captured); then
``note.md.j2`` is rendered 20 times in a row, ``--runs`` times, in three environments
built by ``make_environment`` (no bytecode cache, so each compiles its own code): plain
``jinja2.Environment`` (before issue 17), jinja2's ``ImmutableSandboxedEnvironment``,
and the project's sandbox (the same, with its attribute verdicts remembered).

Usage: ``python benchmarks/bench_templates.py [--runs 15]``. Prints min and median ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from concepttrack import pipeline
    from concepttrack.render import templating
    from concepttrack.themes import load_themes

    captured: dict[str, Any] = {}
    render = templating.render_template

    def capture(env: jinja2.Environment, name: str, **context: Any) -> str:
        if name == "note.md.j2" and not captured:
            captured.update(context)
        return render(env, name, **context)

    templating.render_template = capture
    theme = load_themes(REPO / "themes.yaml").get("sora-compute")
    with tempfile.TemporaryDirectory() as tmp:
        options = pipeline.RunOptions(
            formats=("md",),
            out_dir=Path(tmp) / "reports",
            source="demo",
            cache_path=Path(tmp) / "cache.sqlite",
        )
        pipeline.run([theme], options)
    templating.render_template = render

    kinds: dict[str, type[jinja2.Environment]] = {
        "plain jinja2.Environment": jinja2.Environment,
        "ImmutableSandboxedEnvironment": ImmutableSandboxedEnvironment,
        "project sandbox (verdicts remembered)": templating._sandbox_class(),
    }
    real_class, real_cache = templating._sandbox_class, templating._bytecode_cache
    templating._bytecode_cache = lambda markdown=False: None  # type: ignore[assignment]
    envs = {}
    for label, cls in kinds.items():
        templating._sandbox_class = lambda cls=cls: cls  # type: ignore[misc]
        envs[label] = templating.make_environment(None, markdown=True, lang="en")
        render(envs[label], "note.md.j2", **captured)  # compile, warm up
    templating._sandbox_class, templating._bytecode_cache = real_class, real_cache

    times: dict[str, list[float]] = {label: [] for label in envs}
    for _ in range(args.runs):
        for label, env in envs.items():  # interleaved: the machine's load hits each alike
            began = time.perf_counter()
            for _render in range(20):
                render(env, "note.md.j2", **captured)
            times[label].append(time.perf_counter() - began)
    print("| environment | 20 renders, min | median |")
    print("|---|---:|---:|")
    for label, values in times.items():
        values.sort()
        low, mid = values[0] * 1000, values[len(values) // 2] * 1000
        print(f"| {label} | {low:.1f} ms | {mid:.1f} ms |")


if __name__ == "__main__":
    main()
