"""Render one dated concept note from a Theme and its ThemeSnapshot.

``render_note`` writes ``out_dir/<theme-id>/<as-of>.{md,pdf,html,json}`` (the formats
asked for) and the Markdown's chart PNGs in ``out_dir/<theme-id>/<as-of>-assets/``, every
file atomically. Output is deterministic: the same inputs give byte-identical Markdown,
HTML and JSON (no clock anywhere; chart PNGs carry no software version; the PDF's dates
are the as-of session).

Templates are jinja2 with ``StrictUndefined``; HTML autoescaping covers the real
``.html.j2`` extension; the Markdown environment escapes every expression output.
``templates_dir`` overrides any of ``note.md.j2``, ``note.html.j2`` and ``note.css``.
Theme text is always data, never a template. weasyprint and matplotlib are imported
only when a format needs them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import RenderError, UsageError
from concepttrack.fsutil import atomic_write_bytes, atomic_write_text
from concepttrack.render.context import build_context

if TYPE_CHECKING:
    import jinja2

    from concepttrack.analytics.model import SinceLastNote, ThemeSnapshot
    from concepttrack.render.charts import Chart
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


def _autoescape(name: str | None) -> bool:
    # select_autoescape(["html"]) would miss "note.html.j2": match the real extension.
    return name is not None and name.endswith((".html.j2", ".html", ".htm", ".xml.j2"))


def make_environment(
    templates_dir: Path | None = None, *, markdown: bool = False
) -> jinja2.Environment:
    """The jinja2 environment: user folder first, then the package's templates.

    ``markdown=True`` gives the Markdown environment, whose ``finalize`` escapes every
    expression output for GFM; otherwise HTML autoescaping is on for ``.html.j2``.
    Both use ``StrictUndefined``: a missing variable is an error, not an empty string.
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
        "bytecode_cache": _bytecode_cache(),
    }
    if markdown:
        env = jinja2.Environment(autoescape=False, finalize=md.finalize, **common)
        env.filters["block"] = md.md_block
        env.filters["md"] = md.md_inline
    else:
        env = jinja2.Environment(autoescape=_autoescape, **common)
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
    theme: Theme, snapshot: ThemeSnapshot, since_last: SinceLastNote | None = None
) -> str:
    """The JSON twin of the note: theme, snapshot (unrounded) and since-last changes."""
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "kind": JSON_KIND,
        "theme": theme.model_dump(mode="json"),
        "snapshot": snapshot.to_dict(),
        "since_last_note": since_last.to_dict() if since_last is not None else None,
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


def _stylesheet(env: jinja2.Environment) -> str:
    css = _template_text(env, TEMPLATE_NAMES["css"])
    # Inlined in <style> for the standalone HTML: a "</style" must not end the element.
    return css.replace("</", "<\\/")


def render_note(
    theme: Theme,
    snapshot: ThemeSnapshot,
    *,
    formats: Sequence[str],
    out_dir: Path,
    templates_dir: Path | None = None,
    since_last: SinceLastNote | None = None,
    parallel_charts: bool = False,
) -> list[Path]:
    """Write the note in each of ``formats``; returns the note files, in ``formats`` order.

    Chart PNGs for the Markdown go to ``<as-of>-assets/`` beside it (not in the list).
    ``parallel_charts`` draws the charts in a forked process while this one loads
    WeasyPrint (worth it when a core is idle; the bytes are the same either way).
    Raises UsageError for an unknown format and RenderError when a file cannot be made.
    """
    from markupsafe import Markup

    wanted = list(dict.fromkeys(f.strip().lower() for f in formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UsageError(
            f"unknown note format {', '.join(unknown) or '(none)'}",
            hint=f"Choose from {', '.join(FORMATS)}.",
        )
    if snapshot.theme_id != theme.id:
        raise RenderError(f"snapshot is for {snapshot.theme_id!r}, not theme {theme.id!r}")

    note_dir = out_dir / theme.id
    stem = snapshot.as_of.isoformat()
    paths: dict[str, Path] = {}
    note = build_context(theme, snapshot, since_last)

    charts: list[Chart] = []
    if any(f in wanted for f in ("md", "html", "pdf")):
        from concepttrack.render.charts import ChartJob
        from concepttrack.render.chartworker import ChartWorker, active

        labels = {s.symbol: f"{s.name} {s.display_code}" for s in theme.stocks}
        in_child = parallel_charts and "pdf" in wanted
        # A chart process the run started early (matplotlib already imported) if any.
        worker = active() if in_child else None
        job: ChartJob | ChartWorker
        if worker is not None:
            worker.submit(theme, snapshot, labels=labels, benchmark_name=note.benchmark_name)
            job = worker
        else:
            job = ChartJob(
                theme,
                snapshot,
                labels=labels,
                benchmark_name=note.benchmark_name,
                in_child=in_child,
            )
        if "pdf" in wanted:
            from concepttrack.render.pdf import preload, prepare

            preload()
            # While the charts finish: parse the stylesheet html_to_pdf will use.
            prepare(_stylesheet(make_environment(templates_dir)), _allowed_dirs(templates_dir))
        charts = job.result()

    if "md" in wanted:
        env = make_environment(templates_dir, markdown=True)
        assets = f"{stem}-assets"
        views = []
        for chart in charts:
            atomic_write_bytes(note_dir / assets / f"{chart.name}.png", chart.png)
            src = f"{assets}/{chart.name}.png"
            from concepttrack.render.markdown import escape_inline

            image = Markup(f"![{escape_inline(chart.alt)}]({src})")
            views.append(ChartView(chart.title, chart.caption, chart.alt, src, image))
        text = _render(env, TEMPLATE_NAMES["md"], note=note, charts=views)
        paths["md"] = note_dir / f"{stem}.md"
        atomic_write_text(paths["md"], text)

    if "html" in wanted or "pdf" in wanted:
        env = make_environment(templates_dir)
        css = _stylesheet(env)
        views = [ChartView(c.title, c.caption, c.alt, c.data_uri, "") for c in charts]
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
                created=snapshot.as_of,
                allowed_dirs=_allowed_dirs(templates_dir),
            )
            paths["pdf"] = note_dir / f"{stem}.pdf"
            atomic_write_bytes(paths["pdf"], output.data)

    if "json" in wanted:
        paths["json"] = note_dir / f"{stem}.json"
        atomic_write_text(paths["json"], note_json(theme, snapshot, since_last))

    return [paths[f] for f in wanted]
