"""HTML -> PDF with weasyprint (imported lazily), behind a locked-down URL fetcher.

weasyprint's default fetcher follows any URL in a document: ``<img src="file:///...">``,
a CSS ``url()``, ``<link rel="attachment" href="...">``, ``http(s)://``. Theme text is
autoescaped before it reaches the HTML, and :class:`LockedURLFetcher` is the second
wall: it serves ``data:`` URIs, files inside the allowed template folders, and font
files (``.ttf``/``.otf``/``.ttc``) inside the system font folders (weasyprint fetches a
CSS ``local()`` font by its file URL); paths are resolved, so ``..`` and symlinks cannot
escape. A file in a template folder is read through
:func:`~concepttrack.fsutil.read_limited`: a regular file inside that folder, never a
symlink (not even one pointing inside), at most :data:`FETCH_LIMIT` bytes; a font file at
most :data:`FONT_LIMIT`. Everything else is refused without touching the file system or
the network.

Missing glyphs are logged by weasyprint as ``.notdef glyph rendered`` warnings; they
are collected and reported (text extraction cannot detect tofu, the log can).
Every weasyprint failure becomes a :class:`~concepttrack.errors.RenderError`.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import datetime as dt
import logging
import os
import sys
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import RenderError
from concepttrack.render.fonts import available_cjk_families, warn_missing_cjk_once

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

LOG = logging.getLogger("concepttrack.render")
NOTDEF = ".notdef glyph rendered"

#: The package's own templates: the one folder the fetcher serves by default.
PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"
#: System font folders. weasyprint resolves a CSS ``local("DejaVu Sans")`` to the font's
#: file URL and fetches it; only font files (by suffix) under these folders are served.
SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path("/System/Library/Fonts"),
    Path("/Library/Fonts"),
)
FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc"})
#: The largest file the PDF reads from a template folder (an image, a stylesheet).
FETCH_LIMIT = 16 << 20
#: The largest system font file the PDF reads (a CJK collection is about 30 MB).
FONT_LIMIT = 128 << 20


class BlockedURLError(ValueError):
    """A URL the locked-down fetcher refuses (weasyprint logs it and skips the resource)."""


def _decode_data_uri(url: str) -> tuple[bytes, str, str | None]:
    """(body, mime type, charset) of a ``data:`` URI; raises BlockedURLError if malformed."""
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise BlockedURLError("malformed data: URI (no comma)")
    params = header.split(";")
    mime = params[0].strip().lower() or "text/plain"
    is_base64 = any(p.strip().lower() == "base64" for p in params[1:])
    charset = next(
        (
            p.split("=", 1)[1].strip()
            for p in params[1:]
            if p.strip().lower().startswith("charset=")
        ),
        None,
    )
    try:
        body = (
            base64.b64decode(urllib.parse.unquote_to_bytes(payload), validate=False)
            if is_base64
            else urllib.parse.unquote_to_bytes(payload)
        )
    except (binascii.Error, ValueError) as exc:
        raise BlockedURLError(f"malformed data: URI ({exc})") from exc
    return body, mime, charset


_MIME_BY_SUFFIX = {
    ".ttc": "font/collection",
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


def preload() -> None:
    """Import WeasyPrint now (about half a second), e.g. while charts draw elsewhere."""
    from concepttrack.render.fastload import import_weasyprint

    try:
        import_weasyprint()
    except Exception:
        LOG.debug("weasyprint failed to import", exc_info=True)


#: Text in each face a note uses (sans and serif, regular and bold, Latin and Chinese).
_WARM_UP = (
    '<html lang="en"><body><h1 class="title">Warm 暖 · 1</h1><p class="title-zh">暖 Warm</p>'
    "<p>Warm 暖 · 1 <strong>暖 Warm · 1</strong></p></body></html>"
)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise BlockedURLError(f"nothing is fetched while warming up: {url}")


def prepare(stylesheet: str, allowed_dirs: Sequence[Path] = (PACKAGE_TEMPLATES,)) -> None:
    """Parse ``stylesheet`` for the coming :func:`html_to_pdf` (e.g. while charts draw).

    Failures are left for :func:`html_to_pdf` to report.
    """
    from concepttrack.render.fastload import import_weasyprint

    try:
        weasyprint = import_weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        base_url = Path(allowed_dirs[0]).resolve().as_uri() + "/"
        kept = _STYLES
        with _fewer_collections():
            styles = _styles(weasyprint, FontConfiguration, stylesheet, base_url, allowed_dirs)
            if styles is kept:
                return  # parsed and warmed up for an earlier note of this process
            # Lay out a few words in the note's faces: fontconfig and pango load the
            # fonts now instead of during the note's layout. Nothing is written.
            warm = weasyprint.HTML(string=_WARM_UP, base_url=base_url, url_fetcher=_no_fetch)
            warm.render(stylesheets=[styles.css], font_config=styles.fonts)
    except Exception:
        LOG.debug("could not prepare the stylesheet ahead", exc_info=True)


def make_url_fetcher(allowed_dirs: Sequence[Path] = (PACKAGE_TEMPLATES,)) -> URLFetcher:
    """A weasyprint URLFetcher serving ``data:``, files in ``allowed_dirs`` and system fonts."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = tuple(Path(d).resolve() for d in allowed_dirs)
    font_roots = tuple(d.resolve() for d in SYSTEM_FONT_DIRS if d.is_dir())

    def read(path: Path, url: str) -> tuple[Path, bytes]:
        """(real path, bytes) of an allowed file, or BlockedURLError."""
        from concepttrack.fsutil import ReadRefused, read_limited

        real = path.resolve()
        root = next((r for r in roots if real.is_relative_to(r)), None)
        font = real.suffix.lower() in FONT_SUFFIXES and any(
            real.is_relative_to(r) for r in font_roots
        )
        try:
            if root is not None:
                # The unresolved path: a symlink in the folder is refused, even one
                # pointing inside an allowed folder.
                return real, read_limited(path, FETCH_LIMIT, inside=root)
            if font:
                return real, read_limited(real, FONT_LIMIT)
        except ReadRefused as exc:
            raise BlockedURLError(f"blocked file ({exc.reason}): {url}") from None
        except OSError:
            raise BlockedURLError(f"blocked file (cannot be read): {url}") from None
        raise BlockedURLError(f"blocked file outside the templates folder: {url}")

    class LockedURLFetcher(URLFetcher):  # type: ignore[misc]
        """Refuses every URL except ``data:`` and files under the allowed folders."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            try:
                response = self._fetch(url)
            except BlockedURLError:
                self.refused.append(url)
                raise
            self.served.append(url if not url.startswith("data:") else "data:")
            return response

        def _fetch(self, url: str) -> URLFetcherResponse:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                body, mime, charset = _decode_data_uri(url)
                headers = {"Content-Type": mime + (f"; charset={charset}" if charset else "")}
                return URLFetcherResponse(url, body, headers)
            if scheme != "file":
                raise BlockedURLError(f"blocked URL (only data: and the note's templates): {url}")
            parsed = urllib.parse.urlsplit(url)
            if parsed.netloc not in ("", "localhost"):
                raise BlockedURLError(f"blocked remote file URL: {url}")
            path, body = read(Path(os.path.abspath(urllib.parse.unquote(parsed.path))), url)
            mime = _MIME_BY_SUFFIX.get(path.suffix.lower(), "application/octet-stream")
            return URLFetcherResponse(path.as_uri(), body, {"Content-Type": mime})

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> URLFetcherResponse:
            # urllib-style entry point: route through the same checks, never urllib itself.
            return self.fetch(url if isinstance(url, str) else url.full_url)

    return LockedURLFetcher()


class _GlyphWatch(logging.Handler):
    """Collects weasyprint's ``.notdef glyph rendered`` warnings during one render."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if NOTDEF in message:
            self.messages.append(message)


@contextmanager
def _watch_glyphs() -> Iterator[_GlyphWatch]:
    logger = logging.getLogger("weasyprint")
    handler = _GlyphWatch()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


#: Allocations between young-generation garbage collections during a PDF render. Layout
#: allocates millions of short-lived objects; Python's default (700) collects thousands
#: of times per note, and 20,000 takes about 0.06 s (9 %) off a note's render with no
#: measurable change in peak memory.
GC_THRESHOLD = 20_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    import gc

    old = gc.get_threshold()
    gc.set_threshold(max(old[0], GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


@dataclass(frozen=True)
class _Styles:
    """A parsed stylesheet and its font configuration, kept for the next note."""

    key: tuple[str, str, tuple[str, ...]]
    fonts: Any
    css: Any
    #: URLs the locked fetcher refused while the stylesheet was parsed.
    refused: list[str]


_STYLES: _Styles | None = None
#: The process that registered the clean-up (a forked worker registers its own).
_CLEANUP_PID: int | None = None


def release_styles() -> None:
    """Drop the kept stylesheet and remove the temporary folder its FontConfiguration
    made for @font-face rules (WeasyPrint removes it only when the object is collected,
    which a process leaving through ``os._exit`` never does)."""
    global _STYLES
    kept, _STYLES = _STYLES, None
    folder = getattr(kept.fonts, "_folder", None) if kept is not None else None
    if folder:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def _release_styles_at_exit() -> None:
    """Release before the interpreter tears modules down (WeasyPrint's ``__del__`` then
    still works), also in ``--jobs`` workers, which leave without running ``atexit``."""
    global _CLEANUP_PID
    if os.getpid() == _CLEANUP_PID:
        return
    _CLEANUP_PID = os.getpid()
    atexit.register(release_styles)
    if "multiprocessing" in sys.modules:
        from multiprocessing import util

        util.Finalize(None, release_styles, exitpriority=10)


def _styles(
    weasyprint: Any,
    font_configuration: Any,
    stylesheet: str,
    base_url: str,
    allowed_dirs: Sequence[Path],
) -> _Styles:
    """The stylesheet parsed once per process and reused while it is the same text.

    Parsing the note's CSS and setting up its fonts costs about 0.1 s a note (14 % of
    a render in ``--all`` runs); the PDF bytes are the same either way. A
    FontConfiguration enables @font-face (``local()`` faces; any ``url()`` goes through
    the locked fetcher like every other resource).
    """
    global _STYLES
    key = (stylesheet, base_url, tuple(str(Path(d).resolve()) for d in allowed_dirs))
    if _STYLES is None or _STYLES.key != key:
        release_styles()
        _release_styles_at_exit()
        fetcher = make_url_fetcher(allowed_dirs)
        fonts = font_configuration()
        css = weasyprint.CSS(
            string=stylesheet, base_url=base_url, url_fetcher=fetcher, font_config=fonts
        )
        _STYLES = _Styles(key, fonts, css, list(fetcher.refused))
    return _STYLES


@dataclass
class PdfOutput:
    """The PDF bytes and what the render noticed."""

    data: bytes
    missing_glyphs: list[str] = field(default_factory=list)
    refused_urls: list[str] = field(default_factory=list)


def html_to_pdf(
    html: str,
    *,
    stylesheet: str,
    created: dt.date,
    allowed_dirs: Sequence[Path] = (PACKAGE_TEMPLATES,),
) -> PdfOutput:
    """Lay out ``html`` with ``stylesheet`` as an A4 PDF; resources via the locked fetcher.

    ``created`` (the as-of session) becomes the PDF's creation and modification date
    (at the HKEX close, 16:10 HKT), so nothing in the file depends on the clock.
    """
    if not available_cjk_families():
        warn_missing_cjk_once()
    from concepttrack.render.fastload import import_weasyprint

    try:
        weasyprint = import_weasyprint()
        from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as exc:  # OSError: pango/harfbuzz libraries missing
        raise RenderError(
            f"cannot load weasyprint for PDF output: {exc}",
            hint="Install weasyprint's system libraries (pango, harfbuzz, libharfbuzz-subset0) "
            "or use --format md,html,json.",
        ) from exc
    fetcher = make_url_fetcher(allowed_dirs)
    base_url = Path(allowed_dirs[0]).resolve().as_uri() + "/"
    styles: _Styles | None = None
    try:
        with _watch_glyphs() as glyphs, _fewer_collections():
            styles = _styles(weasyprint, FontConfiguration, stylesheet, base_url, allowed_dirs)
            source = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
            document = source.render(stylesheets=[styles.css], font_config=styles.fonts)
            # Dated at the as-of session's HKEX close, whatever the template says.
            stamp = f"{created.isoformat()}T16:10:00+08:00"
            document.metadata.created = document.metadata.modified = stamp
            data = document.write_pdf(pdf_identifier=False)
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError(
            f"weasyprint could not write the PDF: {exc}",
            hint="Try --format md,html to check the note; report the error with the HTML file.",
        ) from exc
    if not isinstance(data, bytes):  # pragma: no cover - write_pdf() without target
        raise RenderError("weasyprint returned no PDF data")
    for message in glyphs.messages[:1]:
        LOG.warning("missing glyphs in the PDF (shown as boxes): %s", message)
    refused = [*(styles.refused if styles is not None else []), *fetcher.refused]
    return PdfOutput(data, glyphs.messages, refused)
