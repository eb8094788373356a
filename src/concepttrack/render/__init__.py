"""Render one dated concept note from a Theme and its ThemeSnapshot.

``render_note`` writes ``out_dir/<theme-id>/<as-of>.{md,pdf,html,json}`` (the formats
asked for, each by its writer in :mod:`concepttrack.render.writers`) and the
Markdown's chart PNGs in ``out_dir/<theme-id>/<as-of>-assets/``, every file atomically;
with several ``languages``, the second and later ones' files are
``<as-of>.<lang>.{md,pdf,html}`` (the JSON twin stays one file). Output is
deterministic: the same inputs give byte-identical Markdown, HTML and JSON (no clock
anywhere; chart PNGs carry no software version; the PDF's dates are the as-of session).

Templates (:mod:`concepttrack.render.templating`) are jinja2 with ``StrictUndefined``;
``templates_dir`` overrides any of ``note.md.j2``, ``note.html.j2`` and ``note.css``.
Theme text is always data, never a template. weasyprint and matplotlib are imported
only when a format needs them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import RenderError, UsageError
from concepttrack.render.templating import PACKAGE_TEMPLATES, make_environment
from concepttrack.render.writers import NoteFiles, Page, format_names, writer_registry
from concepttrack.render.writers.json import JSON_KIND, JSON_SCHEMA_VERSION, note_json

if TYPE_CHECKING:
    from concepttrack.analytics.consensus_model import DateAhead
    from concepttrack.analytics.model import SinceLastNote, ThemeSnapshot
    from concepttrack.languages import Colours
    from concepttrack.render.chart_base import Chart
    from concepttrack.render.charts import ChartJob
    from concepttrack.render.chartworker import ChartWorker
    from concepttrack.render.view import NoteContext, NoteFacts
    from concepttrack.themes import Theme

__all__ = [
    "FORMATS",
    "JSON_KIND",
    "JSON_SCHEMA_VERSION",
    "PACKAGE_TEMPLATES",
    "make_environment",
    "note_json",
    "render_note",
]

LOG = logging.getLogger("concepttrack.render")
#: The output formats, from the writer registry (``render/writers/``).
FORMATS: tuple[str, ...] = format_names()


def note_stem(as_of_iso: str, lang: str, first: str | None = None) -> str:
    """``2026-12-01`` for English, ``2026-12-01.zh-hk`` for any other language, whatever
    the order of the run's languages (``first`` is no longer used): see archive.NoteName."""
    from concepttrack.archive import NoteName

    return NoteName(dt.date.fromisoformat(as_of_iso), lang, "md").stem


def render_note(
    theme: Theme,
    snapshot: ThemeSnapshot,
    *,
    formats: Sequence[str],
    out_dir: Path,
    templates_dir: Path | None = None,
    since_last: SinceLastNote | None = None,
    parallel_charts: bool = False,
    languages: Sequence[str] = ("en",),
    default_lang: str = "en",
    colours: Colours | None = None,
    dates_ahead: Sequence[DateAhead] | None = None,
) -> list[Path]:
    """Write the note in each of ``formats`` and ``languages``; returns the note files.

    English files are ``<as-of>.<ext>``, every other language's ``<as-of>.<lang>.<ext>``;
    the JSON twin is one language-free file listing the languages. Files are listed by
    language, then in ``formats`` order. Chart PNGs for the Markdown go to
    ``<as-of>-assets/`` beside it (``<chart>.<lang>.png`` for languages but English).
    The snapshot, its analytics and the chart data are computed once; each language
    adds its text, its charts (drawn again only when their words or colours differ)
    and its layout. ``parallel_charts`` draws the first language's charts in a forked
    process while this one loads WeasyPrint (the bytes are the same either way).
    ``dates_ahead``: results and ex-dividend dates the lead may announce.
    Raises UsageError for an unknown format and RenderError when a file cannot be made.
    """
    from concepttrack.analytics.lead import build_lead
    from concepttrack.languages import get_language
    from concepttrack.render.view import note_facts

    wanted = list(dict.fromkeys(f.strip().lower() for f in formats))
    registry = writer_registry()
    unknown = [f for f in wanted if f not in registry]
    if unknown or not wanted:
        raise UsageError(
            f"unknown note format {', '.join(unknown) or '(none)'}",
            hint=f"Choose from {', '.join(registry)}.",
        )
    if snapshot.theme_id != theme.id:
        raise RenderError(f"snapshot is for {snapshot.theme_id!r}, not theme {theme.id!r}")
    codes = list(dict.fromkeys(get_language(code).code for code in languages)) or ["en"]

    note_dir = out_dir / theme.id
    as_of_iso = snapshot.as_of.isoformat()
    paths: list[Path] = []
    facts = note_facts(theme, snapshot)
    pages = [registry[f] for f in wanted if registry[f].per_language]
    once = [registry[f] for f in wanted if not registry[f].per_language]
    preloading = [w for w in pages if w.preloads]
    # Every language's context and chart job first: with a spare core, each distinct set
    # of charts is drawn in a forked child while this process lays out the notes.
    jobs: dict[Any, ChartJob | ChartWorker] = {}
    plans = [
        _plan_language(
            theme,
            snapshot,
            with_charts=any(w.charts for w in pages),
            since_last=since_last,
            in_child=parallel_charts and bool(preloading),
            lang=code,
            default_lang=default_lang,
            colours=colours,
            facts=facts,
            jobs=jobs,
            dates_ahead=dates_ahead,
        )
        for code in codes
    ]
    for writer in preloading:
        # While the charts finish: e.g. load WeasyPrint and parse the first stylesheet.
        writer.prepare(plans[0][1], templates_dir)
    drawn: dict[Any, list[Chart]] = {}
    from concepttrack.archive import NoteName, assets_name

    for code, note, key in plans:
        if key is not None and key not in drawn:
            drawn[key] = jobs[key].result()
        stem = note_stem(as_of_iso, code)
        page = Page(
            note,
            drawn[key] if key is not None else [],
            note_dir=note_dir,
            stem=stem,
            chart_suffix=stem[len(as_of_iso) :],
            assets=assets_name(snapshot.as_of),
            templates_dir=templates_dir,
            created=snapshot.as_of,
        )
        paths.extend(writer.write_page(page) for writer in pages)
    if once:
        files = NoteFiles(
            theme,
            snapshot,
            since_last,
            note_dir=note_dir,
            stem=NoteName.twin(snapshot.as_of).stem,
            languages=codes,
            what_moved={code: note.what_moved for code, note, _key in plans},
            lead=build_lead(theme, snapshot, since_last, dates_ahead).to_dict(theme, snapshot),
        )
        paths.extend(writer.write_note(files) for writer in once)
    return paths


def _plan_language(
    theme: Theme,
    snapshot: ThemeSnapshot,
    *,
    with_charts: bool,
    since_last: SinceLastNote | None,
    in_child: bool,
    lang: str,
    default_lang: str,
    colours: Colours | None,
    facts: NoteFacts,
    jobs: dict[Any, ChartJob | ChartWorker],
    dates_ahead: Sequence[DateAhead] | None = None,
) -> tuple[str, NoteContext, Any]:
    """One language's context, and its charts started (or shared with an earlier language).

    Returns (language, context, chart key); the key is None when no format shows charts.
    """
    from concepttrack.render.context import build_context, chart_text, localized_theme

    note = build_context(
        theme,
        snapshot,
        since_last,
        lang=lang,
        default_lang=default_lang,
        colours=colours,
        facts=facts,
        dates_ahead=dates_ahead,
    )
    if not with_charts:
        return lang, note, None
    from concepttrack.render.charts import ChartJob

    local, _uses = localized_theme(theme, lang, default_lang)
    labels = {s.symbol: f"{s.name} {s.display_code}" for s in local.stocks}
    text = chart_text(lang, note.colours)  # type: ignore[arg-type]
    # Charts differ between languages only through these: same inputs, same PNGs.
    key = (
        text,
        tuple(sorted(labels.items())),
        note.benchmark_name,
        local.event.title,
        tuple(c.title for c in local.catalysts),
    )
    if key not in jobs:
        from concepttrack.render.chartworker import ChartWorker, active

        # A chart process the run started early (matplotlib already imported), if any,
        # takes the first set of charts; it holds one request at a time.
        worker = active() if in_child else None
        if worker is not None and not any(isinstance(j, ChartWorker) for j in jobs.values()):
            worker.submit(
                local, snapshot, labels=labels, benchmark_name=note.benchmark_name, text=text
            )
            jobs[key] = worker
        else:
            jobs[key] = ChartJob(
                local,
                snapshot,
                labels=labels,
                benchmark_name=note.benchmark_name,
                in_child=in_child,
                text=text,
            )
    return lang, note, key
