"""The golden Markdown note: the Sora theme on a fixed, generated CSV dataset.

Regenerate after an intended change to the note with ``./tasks golden`` (which runs
``python -m tests.golden --write``), then review the diff of the golden file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "sora-compute-2024-03-01.md"
#: One golden Markdown note per language (the Sora theme's languages in themes.yaml).
GOLDENS = {
    "en": GOLDEN,
    "zh-hk": REPO / "tests" / "golden" / "sora-compute-2024-03-01.zh-hk.md",
    "zh-cn": REPO / "tests" / "golden" / "sora-compute-2024-03-01.zh-cn.md",
}
AS_OF = dt.date(2024, 3, 1)
SYMBOLS = {"9888.HK": 110.0, "0763.HK": 18.0, "0941.HK": 68.0, "0728.HK": 4.2, "^HSI": 16500.0}


def write_dataset(folder: Path) -> None:
    """Deterministic classic-layout CSVs (with Adj Close) on real HKEX sessions."""
    from concepttrack.calendar import sessions

    days = sessions("XHKG", dt.date(2022, 11, 1), AS_OF)
    folder.mkdir(parents=True, exist_ok=True)
    for number, (symbol, level) in enumerate(SYMBOLS.items(), start=1):
        lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
        for i, day in enumerate(days):
            drift = 1 + 0.0004 * number * i / 10
            wave = 1 + 0.03 * math.sin(i / (5 + number)) + 0.01 * math.cos(i / 2.7)
            close = round(level * drift * wave, 3)
            adj = round(close * (0.97 if i < 200 else 1.0), 3)
            volume = 1_000_000 * number + (i * 7919) % 500_000
            lines.append(
                f"{day.date()},{close * 0.995:.3f},{close * 1.01:.3f},{close * 0.99:.3f},"
                f"{close},{adj},{volume}"
            )
        (folder / f"{symbol}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def render_markdown() -> str:
    """Render the Sora note as Markdown from the fixed dataset; return its English text."""
    return render_all_markdown()["en"]


def render_all_markdown() -> dict[str, str]:
    """The Sora note's Markdown in every language of the theme, by language code."""
    from concepttrack import pipeline
    from concepttrack.themes import load_themes

    theme = load_themes(REPO / "themes.yaml").get("sora-compute")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_dataset(root / "prices")
        options = pipeline.RunOptions(
            formats=("md",),
            out_dir=root / "reports",
            source=f"csv:{root / 'prices'}",
            cache_path=root / "cache.sqlite",
            as_of=AS_OF,
            languages=tuple(GOLDENS),
        )
        result = pipeline.run([theme], options)
        if result.exit_code != 0:
            raise SystemExit(f"golden run failed: {result.outcomes}")
        texts = {}
        for lang, golden in GOLDENS.items():
            name = golden.name.replace("sora-compute-", "")
            text = (root / "reports" / theme.id / name).read_text("utf-8")
            # The CSV folder is a temporary path; keep the golden file independent of it.
            texts[lang] = text.replace(str(root / "prices"), "<prices>")
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="overwrite the golden file")
    args = parser.parse_args(argv)
    texts = render_all_markdown()
    if args.write:
        for lang, golden in GOLDENS.items():
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(texts[lang], encoding="utf-8")
            print(f"wrote {golden}")
        return 0
    same = all(
        golden.exists() and golden.read_text(encoding="utf-8") == texts[lang]
        for lang, golden in GOLDENS.items()
    )
    print("golden file is up to date" if same else "golden file differs; run ./tasks golden")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
