"""The note's templates: jinja2 environments, the stylesheet per language, chart views.

Shared by the output writers (:mod:`concepttrack.render.writers`). Templates are jinja2
with ``StrictUndefined``; HTML autoescaping covers the real ``.html.j2`` extension; the
Markdown environment escapes every expression output. ``templates_dir`` overrides any
of ``note.md.j2``, ``note.html.j2`` and ``note.css``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import RenderError, UsageError

if TYPE_CHECKING:
    import jinja2

    from concepttrack.render.view import NoteContext

__all__ = [
    "PACKAGE_TEMPLATES",
    "TEMPLATE_NAMES",
    "ChartView",
    "allowed_dirs",
    "environment",
    "language_stylesheet",
    "make_environment",
    "render_template",
    "stylesheet",
    "template_text",
]

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


def environment(templates_dir: Path | None, *, markdown: bool, lang: str) -> jinja2.Environment:
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


def template_text(env: jinja2.Environment, name: str) -> str:
    """The source of a non-template file (the CSS) through the same override lookup."""
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    import jinja2

    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise RenderError(
            f"template {name}{where}: {exc}",
            hint="Check the --templates folder against the package's templates.",
        ) from exc


def allowed_dirs(templates_dir: Path | None) -> list[Path]:
    """Folders the PDF may read from: the user's template folder (if any) first, as it is
    the CSS base URL, then the package's templates."""
    return [*([templates_dir] if templates_dir else []), PACKAGE_TEMPLATES]


def language_stylesheet(
    templates_dir: Path | None, note: NoteContext, env: jinja2.Environment | None = None
) -> str:
    """``note.css`` plus the CSS of the note's language (fonts, line breaking, colours)."""
    from concepttrack.render.typography import language_css

    if env is None:
        env = environment(templates_dir, markdown=False, lang=note.lang)
    extra = language_css(note.lang, note.colours)  # type: ignore[arg-type]
    return stylesheet(env) + ("\n" + extra.replace("</", "<\\/") if extra else "")


def stylesheet(env: jinja2.Environment) -> str:
    css = template_text(env, TEMPLATE_NAMES["css"])
    # Inlined in <style> for the standalone HTML: a "</style" must not end the element.
    return css.replace("</", "<\\/")
