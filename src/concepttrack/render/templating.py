"""The note's templates: jinja2 environments, the stylesheet per language, chart views.

Shared by the output writers (:mod:`concepttrack.render.writers`). Templates are jinja2
with ``StrictUndefined``; HTML autoescaping covers the real ``.html.j2`` extension; the
Markdown environment escapes every expression output. ``templates_dir`` overrides any
of ``note.md.j2``, ``note.html.j2`` and ``note.css``.

Every template, the package's and a ``--templates`` folder's, runs in jinja2's
immutable sandbox: a template formats the values it is given, it cannot reach Python's
internals (``cycler.__init__.__globals__``), call ``os`` or change its context; trying
is a :class:`~concepttrack.errors.RenderError` (exit 4) naming the template file. A
``--templates`` folder is read only through :func:`concepttrack.fsutil.read_limited`:
regular files inside the folder (no symlink, FIFO or device), at most
:data:`TEMPLATE_LIMIT` bytes each.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

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
#: The largest file read from a ``--templates`` folder (a template or the stylesheet).
TEMPLATE_LIMIT = 1 << 20


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


def _folder_loader(folder: Path) -> jinja2.BaseLoader:
    """A FileSystemLoader for a ``--templates`` folder whose every read goes through
    :func:`~concepttrack.fsutil.read_limited` (regular files inside ``folder``, limited)."""
    import os

    import jinja2
    from jinja2.loaders import split_template_path

    from concepttrack.fsutil import ReadRefused, read_limited

    class FolderLoader(jinja2.FileSystemLoader):
        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str, Any]:
            path = folder.joinpath(*split_template_path(template))
            if not path.is_symlink() and not path.exists():
                raise jinja2.TemplateNotFound(template)
            try:
                data = read_limited(path, TEMPLATE_LIMIT, inside=folder)
                text = data.decode("utf-8")
            except ReadRefused as exc:
                raise RenderError(
                    f"template {path}: {exc.reason}",
                    hint="Put the template itself (a regular file, at most "
                    f"{TEMPLATE_LIMIT:,} bytes) in the --templates folder.",
                ) from None
            except UnicodeDecodeError:
                raise RenderError(
                    f"template {path}: not UTF-8 text",
                    hint="Save the template as UTF-8.",
                ) from None
            except OSError as exc:
                raise RenderError(
                    f"template {path}: cannot be read ({exc.strerror or exc})",
                    hint="Check the --templates folder's permissions.",
                ) from None
            mtime = os.stat(path, follow_symlinks=False).st_mtime

            def uptodate() -> bool:
                try:
                    return os.stat(path, follow_symlinks=False).st_mtime == mtime
                except OSError:
                    return False

            return text, str(path), uptodate

    return FolderLoader(str(folder))


@functools.cache
def _sandbox_class() -> type[jinja2.Environment]:
    """jinja2's ImmutableSandboxedEnvironment with its attribute verdicts remembered.

    The sandbox decides whether ``obj.attr`` is safe from ``type(obj)`` and ``attr``
    alone (underscore names, function and frame internals, the mutating methods of
    lists, dicts, sets and deques), and asks again for every access: about 2.5 ms of a
    note's Markdown render. The verdict is kept per (type, name), the same answer.
    """
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        _verdicts: ClassVar[dict[tuple[type, str], bool]] = {}

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            key = (type(obj), attr)
            verdict = self._verdicts.get(key)
            if verdict is None:
                verdict = super().is_safe_attribute(obj, attr, value)
                if len(self._verdicts) < 4096:
                    self._verdicts[key] = verdict
            return verdict

    return Sandbox


def make_environment(
    templates_dir: Path | None = None, *, markdown: bool = False, lang: str = "en"
) -> jinja2.Environment:
    """The jinja2 environment: user folder first, then the package's templates.

    ``markdown=True`` gives the Markdown environment, whose ``finalize`` escapes every
    expression output for GFM; otherwise HTML autoescaping is on for ``.html.j2``.
    Both use ``StrictUndefined``: a missing variable is an error, not an empty string.
    Both have jinja2's i18n extension with the ``lang`` catalog installed (new-style
    gettext: ``{{ _("Source: %(source)s", source=x) }}`` escapes ``x``, not the message).
    Both are jinja2's ImmutableSandboxedEnvironment (see the module's notes).
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
        loaders.append(_folder_loader(templates_dir))
    loaders.append(jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES)))
    common: dict[str, Any] = {
        "loader": jinja2.ChoiceLoader(loaders),
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "auto_reload": False,
        "extensions": ["jinja2.ext.i18n"],
        "bytecode_cache": _bytecode_cache(markdown),
    }
    env: jinja2.Environment
    if markdown:
        env = _sandbox_class()(autoescape=False, finalize=md.finalize, **common)
        env.filters["block"] = md.md_block
        env.filters["md"] = md.md_inline
    else:
        env = _sandbox_class()(autoescape=_autoescape, **common)
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


def _bytecode_cache(markdown: bool = False) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in ``<user cache>/templates``, so that a fresh process does
    not compile them again (about 0.05 s a template). Keyed by jinja2 on the template's
    name and source checksum, so an edited template is compiled anew; None when the
    folder cannot be made.

    jinja2 does not key the cache on the environment, yet sandboxed code differs from
    unsandboxed code (calls go through the sandbox's checks) and the Markdown
    environment's from the HTML one's (``finalize``): the file names say which, so code
    compiled by an older, unsandboxed version or by the other environment is never run."""
    import jinja2

    from concepttrack.settings import cache_dir

    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    kind = "md" if markdown else "html"
    return jinja2.FileSystemBytecodeCache(str(folder), f"__jinja2_sandboxed_{kind}_%s.cache")


def template_text(env: jinja2.Environment, name: str) -> str:
    """The source of a non-template file (the CSS) through the same override lookup."""
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render ``name``; any template error is a RenderError naming the template's file.

    A sandbox violation (a template reaching for Python internals) says so, without
    the traceback."""
    import jinja2
    from jinja2.exceptions import SecurityError

    template: jinja2.Template | None = None
    try:
        template = env.get_template(name)
        return template.render(**context)
    except jinja2.TemplateError as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        filename = getattr(exc, "filename", None) or (template.filename if template else None)
        if isinstance(exc, SecurityError):
            raise RenderError(
                f"template {filename or name}: refused by the template sandbox: {exc}",
                hint="Templates may format the values they are given; they cannot reach "
                "Python's internals, files or commands.",
            ) from None
        raise RenderError(
            f"template {filename or name}{where}: {exc}",
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
