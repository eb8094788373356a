"""Render one dated concept note from a Theme and its ThemeSnapshot.

``render_note`` writes ``out_dir/<theme-id>/<as-of>.{md,pdf,html,json}`` (the formats
asked for) and the Markdown's chart PNGs in ``out_dir/<theme-id>/<as-of>-assets/``, every
file atomically; with several ``languages``, the second and later ones' files are
``<as-of>.<lang>.{md,pdf,html}`` (the JSON twin stays one file). Output is
deterministic: the same inputs give byte-identical Markdown, HTML and JSON (no clock
anywhere; chart PNGs carry no software version; the PDF's dates are the as-of session).

Templates are jinja2 with ``StrictUndefined``; HTML autoescaping covers the real
``.html.j2`` extension; the Markdown environment escapes every expression output.
``templates_dir`` overrides any of ``note.md.j2``, ``note.html.j2`` and ``note.css``.
Theme text is always data, never a template. weasyprint and matplotlib are imported
only when a format needs them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import RenderError, UsageError
from concepttrack.fsutil import atomic_write_bytes, atomic_write_text
from concepttrack.render.context import build_context

if TYPE_CHECKING:
    import jinja2

    from concepttrack.analytics.model import SinceLastNote, ThemeSnapshot
    from concepttrack.languages import Colours
    from concepttrack.reasons import Reason
    from concepttrack.render.charts import Chart, ChartJob
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
FORMATS: tuple[str, ...] = ("md", "pdf", "html", "json")
JSON_SCHEMA_VERSION = 1
JSON_KIND = "concepttrack.note"
PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAMES = {"md": "note.md.j2", "html": "note.html.j2", "css": "note.css"}


@dataclass(frozen=True)
class ChartView:
    """A chart as a template sees it: text plus where the image is."""

    title: str
    caption: str
    alt: str
    src: str
    image: Any  # Markdown image markup (markupsafe.Markup), "" for HTML
    #: The chart's file-name stem; templates place the event-study chart by it.
    name: str = ""


def _autoescape(name: str | None) -> bool:
    # select_autoescape(["html"]) would miss "note.html.j2": match the real extension.
    return name is not None and name.endswith((".html.j2", ".html", ".htm", ".xml.j2"))


def make_environment(
    templates_dir: Path | None = None, *, markdown: bool = False, lang: str = "en"
) -> jinja2.Environment:
    """The jinja2 environment: user folder first, then the package's templates.

    ``markdown=True`` gives the Markdown environment, whose ``finalize`` escapes every
    expression output for GFM; otherwise HTML autoescaping is on for ``.html.j2``.
    Both use ``StrictUndefined``: a missing variable is an error, not an empty string.
    Both have jinja2's i18n extension with the ``lang`` catalog installed (new-style
    gettext: ``{{ _("Source: %(source)s", source=x) }}`` escapes ``x``, not the message).
    """
    import jinja2

    from concepttrack.render import markdown as md

    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        if not templates_dir.is_dir():
            raise UsageError(
                f"templates folder not found: {templates_dir}",
                hint="Pass --templates DIR holding note.md.j2, note.html.j2 and/or note.css.",
            )
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES)))
    common: dict[str, Any] = {
        "loader": jinja2.ChoiceLoader(loaders),
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "auto_reload": False,
        "extensions": ["jinja2.ext.i18n"],
        "bytecode_cache": _bytecode_cache(),
    }
    if markdown:
        env = jinja2.Environment(autoescape=False, finalize=md.finalize, **common)
        env.filters["block"] = md.md_block
        env.filters["md"] = md.md_inline
    else:
        env = jinja2.Environment(autoescape=_autoescape, **common)
    from concepttrack.render.i18n import translator

    env.install_gettext_translations(translator(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


@functools.cache
def _package_environment(markdown: bool) -> jinja2.Environment:
    return make_environment(None, markdown=markdown)


def _environment(templates_dir: Path | None, *, markdown: bool, lang: str) -> jinja2.Environment:
    """The environment for one note with ``lang``'s catalog installed.

    The package's templates are compiled once per process and shared by every language
    and note (about 0.1 s a note); a ``--templates`` folder gets a fresh environment, so
    an edited template is read again.
    """
    if templates_dir is not None:
        return make_environment(templates_dir, markdown=markdown, lang=lang)
    from concepttrack.render.i18n import translator

    env = _package_environment(markdown)
    env.install_gettext_translations(translator(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in ``<user cache>/templates``, so that a fresh process does
    not compile them again (about 0.05 s a template). Keyed by jinja2 on the template's
    name and source checksum, so an edited template is compiled anew; None when the
    folder cannot be made."""
    import jinja2

    from concepttrack.settings import cache_dir

    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _template_text(env: jinja2.Environment, name: str) -> str:
    """The source of a non-template file (the CSS) through the same override lookup."""
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source


def _render(env: jinja2.Environment, name: str, **context: Any) -> str:
    import jinja2

    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise RenderError(
            f"template {name}{where}: {exc}",
            hint="Check the --templates folder against the package's templates.",
        ) from exc


def note_json(
    theme: Theme,
    snapshot: ThemeSnapshot,
    since_last: SinceLastNote | None = None,
    *,
    languages: Sequence[str] = ("en",),
    what_moved: Mapping[str, str] | None = None,
) -> str:
    """The JSON twin of the note: theme, snapshot (unrounded) and since-last changes.

    One file whatever the languages: numbers have no language. ``languages`` lists the
    languages the note was written in, the first being the undecorated file name's.
    ``what_moved`` is the note's "what moved" paragraph as rendered, keyed by language:
    delivery quotes it word for word instead of writing the prose again.
    """
    from concepttrack.render.messages import reason_text

    def english_reason(why: Reason) -> str:
        return reason_text(why, "en")

    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "kind": JSON_KIND,
        "theme": theme.model_dump(mode="json"),
        # A reason reads as the English note words it, next to its code (``*_coded``).
        "snapshot": snapshot.to_dict(word=english_reason),
        "since_last_note": since_last.to_dict() if since_last is not None else None,
        "languages": list(languages),
        "what_moved": dict(what_moved or {}),
    }
    try:
        text = json.dumps(document, sort_keys=False, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise RenderError(f"the snapshot holds a value JSON cannot carry: {exc}") from exc
    return text + "\n"


def _allowed_dirs(templates_dir: Path | None) -> list[Path]:
    """Folders the PDF may read from: the user's template folder (if any) first, as it is
    the CSS base URL, then the package's templates."""
    return [*([templates_dir] if templates_dir else []), PACKAGE_TEMPLATES]


def _language_stylesheet(
    templates_dir: Path | None, note: NoteContext, env: jinja2.Environment | None = None
) -> str:
    """``note.css`` plus the CSS of the note's language (fonts, line breaking, colours)."""
    from concepttrack.render.typography import language_css

    if env is None:
        env = _environment(templates_dir, markdown=False, lang=note.lang)
    extra = language_css(note.lang, note.colours)  # type: ignore[arg-type]
    return _stylesheet(env) + ("\n" + extra.replace("</", "<\\/") if extra else "")


def _stylesheet(env: jinja2.Environment) -> str:
    css = _template_text(env, TEMPLATE_NAMES["css"])
    # Inlined in <style> for the standalone HTML: a "</style" must not end the element.
    return css.replace("</", "<\\/")


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
    Raises UsageError for an unknown format and RenderError when a file cannot be made.
    """
    from concepttrack.languages import get_language
    from concepttrack.render.view import note_facts

    wanted = list(dict.fromkeys(f.strip().lower() for f in formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UsageError(
            f"unknown note format {', '.join(unknown) or '(none)'}",
            hint=f"Choose from {', '.join(FORMATS)}.",
        )
    if snapshot.theme_id != theme.id:
        raise RenderError(f"snapshot is for {snapshot.theme_id!r}, not theme {theme.id!r}")
    codes = list(dict.fromkeys(get_language(code).code for code in languages)) or ["en"]

    note_dir = out_dir / theme.id
    as_of_iso = snapshot.as_of.isoformat()
    paths: list[Path] = []
    facts = note_facts(theme, snapshot)
    pages = [f for f in wanted if f != "json"]
    # Every language's context and chart job first: with a spare core, each distinct set
    # of charts is drawn in a forked child while this process lays out the notes.
    jobs: dict[Any, ChartJob | ChartWorker] = {}
    plans = [
        _plan_language(
            theme,
            snapshot,
            wanted=pages,
            since_last=since_last,
            in_child=parallel_charts and "pdf" in pages,
            lang=code,
            default_lang=default_lang,
            colours=colours,
            facts=facts,
            jobs=jobs,
        )
        for code in codes
    ]
    if "pdf" in pages:
        from concepttrack.render.pdf import preload, prepare

        preload()
        # While the charts finish: parse the stylesheet the first language's PDF will use.
        first = plans[0][1]
        prepare(_language_stylesheet(templates_dir, first), _allowed_dirs(templates_dir))
    drawn: dict[Any, list[Chart]] = {}
    for code, note, key in plans:
        if key is not None and key not in drawn:
            drawn[key] = jobs[key].result()
        paths.extend(
            _write_language(
                note,
                drawn[key] if key is not None else [],
                wanted=pages,
                note_dir=note_dir,
                stem=note_stem(as_of_iso, code, codes[0]),
                chart_suffix=note_stem(as_of_iso, code)[len(as_of_iso) :],
                templates_dir=templates_dir,
                created=snapshot.as_of,
            )
        )
    if "json" in wanted:
        from concepttrack.archive import NoteName

        path = note_dir / NoteName.twin(snapshot.as_of).filename
        moved = {code: note.what_moved for code, note, _key in plans}
        atomic_write_text(
            path, note_json(theme, snapshot, since_last, languages=codes, what_moved=moved)
        )
        paths.append(path)
    return paths


def _plan_language(
    theme: Theme,
    snapshot: ThemeSnapshot,
    *,
    wanted: list[str],
    since_last: SinceLastNote | None,
    in_child: bool,
    lang: str,
    default_lang: str,
    colours: Colours | None,
    facts: NoteFacts,
    jobs: dict[Any, ChartJob | ChartWorker],
) -> tuple[str, NoteContext, Any]:
    """One language's context, and its charts started (or shared with an earlier language).

    Returns (language, context, chart key); the key is None when no format shows charts.
    """
    from concepttrack.render.context import chart_text, localized_theme

    note = build_context(
        theme,
        snapshot,
        since_last,
        lang=lang,
        default_lang=default_lang,
        colours=colours,
        facts=facts,
    )
    if not any(f in wanted for f in ("md", "html", "pdf")):
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


def _write_language(
    note: NoteContext,
    charts: list[Chart],
    *,
    wanted: list[str],
    note_dir: Path,
    stem: str,
    chart_suffix: str,
    templates_dir: Path | None,
    created: dt.date,
) -> list[Path]:
    """One language's Markdown, HTML and PDF (those of ``wanted``)."""
    from markupsafe import Markup

    paths: dict[str, Path] = {}
    if "md" in wanted:
        env = _environment(templates_dir, markdown=True, lang=note.lang)
        from concepttrack.archive import assets_name

        assets = assets_name(created)
        views = []
        for chart in charts:
            name = f"{chart.name}{chart_suffix}.png"
            atomic_write_bytes(note_dir / assets / name, chart.png)
            src = f"{assets}/{name}"
            from concepttrack.render.markdown import escape_inline

            image = Markup(f"![{escape_inline(chart.alt)}]({src})")
            views.append(ChartView(chart.title, chart.caption, chart.alt, src, image, chart.name))
        text_md = _render(env, TEMPLATE_NAMES["md"], note=note, charts=views)
        paths["md"] = note_dir / f"{stem}.md"
        atomic_write_text(paths["md"], text_md)

    if "html" in wanted or "pdf" in wanted:
        env = _environment(templates_dir, markdown=False, lang=note.lang)
        css = _language_stylesheet(templates_dir, note, env)
        views = [ChartView(c.title, c.caption, c.alt, c.data_uri, "", c.name) for c in charts]
        if "html" in wanted:
            html = _render(
                env, TEMPLATE_NAMES["html"], note=note, charts=views, inline_css=Markup(css)
            )
            paths["html"] = note_dir / f"{stem}.html"
            atomic_write_text(paths["html"], html)
        if "pdf" in wanted:
            from concepttrack.render.pdf import html_to_pdf

            printable = _render(env, TEMPLATE_NAMES["html"], note=note, charts=views, inline_css="")
            output = html_to_pdf(
                printable,
                stylesheet=css,
                created=created,
                allowed_dirs=_allowed_dirs(templates_dir),
            )
            paths["pdf"] = note_dir / f"{stem}.pdf"
            atomic_write_bytes(paths["pdf"], output.data)

    return [paths[f] for f in wanted if f in paths]
