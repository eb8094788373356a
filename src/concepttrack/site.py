"""The reports folder as a website: ``reports/index.html`` and ``reports/<theme-id>/index.html``.

* ``index.html`` lists every theme in the archive: title, latest session, headline
  figures (basket and benchmark since the event, basket on the day), a small inline-SVG
  sparkline of the basket against its benchmark since the event, and links to each
  language's PDF, HTML and Markdown note of the latest session.
* ``<theme-id>/index.html`` lists every dated note of the theme, newest first, with its
  headline (the basket against the benchmark on the day) and links to every file.

Everything is read from the archive itself: the JSON twin of each note for the numbers,
and the file names for what exists. A session's notes may come in several languages:
``<session>.<ext>`` is English, ``<session>.<lang>.<ext>`` (``2026-12-01.zh-hk.pdf``)
another language, so the pages list whatever files exist.

The pages are in the run's first language (:func:`site_language`): the package templates
``site_index.html.j2`` and ``site_theme.html.j2`` (``--templates`` overrides them, as the
note's) with the catalogs' words, and numbers and dates from
:mod:`concepttrack.render.formats`. The file names are read with
:func:`concepttrack.archive.session_files`, the one reader delivery uses too.

The pages are self-contained (inline CSS and SVG, no script, no font or CDN fetch),
link only with relative URLs (they work from ``file://`` and any static server), escape
every piece of user text (jinja2 autoescape) and are written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from concepttrack.archive import (
    BARE_LANGUAGE,
    BOARD_DIR,
    SessionNotes,
    dig,
    number,
    session_files,
    theme_ids,
)
from concepttrack.fsutil import atomic_write_text

if TYPE_CHECKING:
    import jinja2

    from concepttrack.render.formats import Formats

logger = logging.getLogger(__name__)

SITE_INDEX = "index.html"
#: The language of a note file without a language code (see archive.NoteName).
DEFAULT_LANGUAGE = BARE_LANGUAGE
LINK_FORMATS: tuple[str, ...] = ("pdf", "html", "md")
#: The package templates of the pages; a ``--templates`` folder may override either.
TEMPLATE_NAMES = {"index": "site_index.html.j2", "theme": "site_theme.html.j2"}

__all__ = [
    "BENCHMARK_SHORT",
    "DEFAULT_LANGUAGE",
    "Figure",
    "Headline",
    "headline",
    "note_title",
    "page_environment",
    "site_language",
    "sparkline",
    "write_site",
]


# --- figures ---------------------------------------------------------------------------

#: Short benchmark names a Hong Kong reader knows (catalog msgids, as the note uses them).
BENCHMARK_SHORT = {"^HSI": "HSI", "^HSCE": "HSCEI", "^HSTECH": "HSTECH", "000300.SS": "CSI 300"}


def known_language(code: str | None) -> str:
    """``code`` when the package writes that language, else English."""
    from concepttrack.languages import LANGUAGES

    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def font_stack(lang: str) -> str:
    """CSS ``font-family`` of a page in ``lang``: the language's own face first (unquoted
    family names, so HTML escaping cannot touch them)."""
    from concepttrack.languages import get_language

    language = get_language(known_language(lang))
    latin = ("Noto Sans", "DejaVu Sans", "Arial")
    faces = latin + language.sans if not language.is_chinese else language.sans + latin
    return ", ".join([*dict.fromkeys(faces), "system-ui", "sans-serif"])


@dataclass(frozen=True)
class Figure:
    """A signed return as a page shows it: its text in the page's language and its tone."""

    text: str
    tone: str


def figure(value: float | None, formats: Formats) -> Figure:
    """``+1.1%`` / ``−0.3%`` (true minus), ``–`` when missing, with its colour class."""
    from concepttrack.render.formats import tone

    return Figure(formats.pct(value), {"up": "up", "down": "down"}.get(tone(value), "na"))


@dataclass(frozen=True)
class Headline:
    """The figures a list of notes shows for one note, read from its JSON twin."""

    theme_id: str
    title: str
    session: dt.date | None
    #: The benchmark's symbol (``^HSI``); :meth:`benchmark_name` gives its short name.
    benchmark: str
    basket_1d: float | None
    benchmark_1d: float | None
    basket_since_event: float | None
    benchmark_since_event: float | None
    demo: bool
    event_date: dt.date | None = None
    status: str = "unknown"
    #: (sessions, basket, benchmark) since the event base session, for the sparkline.
    series: tuple[list[str], list[float | None], list[float | None]] = field(default=([], [], []))

    def benchmark_name(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The benchmark's short name in ``lang`` (``HSI`` / ``恒指``), else its symbol."""
        return benchmark_name(self.benchmark, lang)

    def figures(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """What the templates print for this note in ``lang``: formatted texts."""
        from concepttrack.render.formats import formats_for

        formats = formats_for(known_language(lang))
        return {
            "figures": True,
            "demo": self.demo,
            "session": formats.date(self.session),
            "event_date": formats.date(self.event_date),
            "benchmark": self.benchmark_name(lang),
            "basket_1d": formats.pct(self.basket_1d),
            "benchmark_1d": formats.pct(self.benchmark_1d),
            "basket_since_event": formats.pct(self.basket_since_event),
            "benchmark_since_event": formats.pct(self.benchmark_since_event),
        }


def benchmark_name(symbol: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A benchmark's short name in ``lang`` from the catalogs; other symbols as they are."""
    short = BENCHMARK_SHORT.get(symbol)
    if short is None:
        return symbol
    from concepttrack.render.i18n import translator

    return translator(known_language(lang)).gettext(short)


def note_title(note: Mapping[str, Any], language: str | None = None) -> str | None:
    """The theme's title in ``language`` (default: the note's first language).

    A title written per language (``{en: ..., zh-hk: ...}``) gives that language's text,
    else the other Chinese script converted with OpenCC, else the first text it has.
    """
    title = dig(note.get("theme"), "title")
    if isinstance(title, str):
        return title
    if not isinstance(title, Mapping):
        return None
    texts = {str(code): text for code, text in title.items() if isinstance(text, str) and text}
    languages = note.get("languages")
    first = languages[0] if isinstance(languages, list) and languages else DEFAULT_LANGUAGE
    wanted = language or str(first)
    if wanted in texts:
        return texts[wanted]
    from concepttrack.localize import CONVERSIONS, convert

    if wanted in CONVERSIONS:
        other, config = CONVERSIONS[wanted]
        if other in texts:
            return convert(texts[other], config)
    for code in (str(first), DEFAULT_LANGUAGE, *texts):
        if code in texts:
            return texts[code]
    return None


def headline(note: Mapping[str, Any], language: str | None = None) -> Headline:
    """The headline figures of a note's JSON; tolerant of gaps (missing is None)."""
    snapshot = note.get("snapshot")
    theme = note.get("theme")
    theme_id = dig(theme, "id") or dig(snapshot, "theme_id") or ""
    title = note_title(note, language)
    symbol = dig(snapshot, "benchmark", "symbol")
    symbol = symbol if isinstance(symbol, str) else "benchmark"
    as_of = dig(snapshot, "as_of")
    event = dig(snapshot, "event_date")
    base = dig(snapshot, "basket", "base_session")
    statuses = [dig(stock, "status", "status") for stock in dig(snapshot, "stocks") or []]
    statuses.append(dig(snapshot, "benchmark", "status", "status"))
    rank = {"fresh": 0, "stale": 1, "missing": 2}
    known = [s for s in statuses if s in rank]
    return Headline(
        theme_id=str(theme_id),
        title=title if isinstance(title, str) else str(theme_id),
        session=_date(as_of),
        benchmark=symbol,
        basket_1d=number(dig(snapshot, "basket", "returns", "one_day")),
        benchmark_1d=number(dig(snapshot, "benchmark", "returns", "one_day")),
        basket_since_event=number(dig(snapshot, "basket", "returns", "since_event")),
        benchmark_since_event=number(dig(snapshot, "benchmark", "returns", "since_event")),
        demo=dig(snapshot, "demo") is True,
        event_date=_date(event),
        status=max(known, key=rank.__getitem__) if known else "unknown",
        series=_series(snapshot, base if isinstance(base, str) else None),
    )


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _series(
    snapshot: Any, base: str | None
) -> tuple[list[str], list[float | None], list[float | None]]:
    """Basket and benchmark levels from the event base session on, aligned by session."""
    basket = dig(snapshot, "series", "basket") or {}
    bench = dig(snapshot, "series", "benchmark") or {}
    sessions = [s for s in basket.get("sessions") or [] if isinstance(s, str)]
    values = basket.get("values") or []
    bench_by_session = dict(
        zip(bench.get("sessions") or [], bench.get("values") or [], strict=False)
    )
    keep = [i for i, s in enumerate(sessions) if base is None or s >= base]
    return (
        [sessions[i] for i in keep],
        [number(values[i]) if i < len(values) else None for i in keep],
        [number(bench_by_session.get(sessions[i])) for i in keep],
    )


def sparkline(
    series: tuple[Sequence[str], Sequence[float | None], Sequence[float | None]],
    *,
    width: int = 160,
    height: int = 40,
) -> tuple[str, str]:
    """SVG ``points`` strings ``(basket, benchmark)`` scaled into width × height.

    Both lines share one vertical scale (levels rebased to 100 at the event base), so
    the gap between them is the basket's lead or lag. Missing values break nothing: they
    are left out of their line. Returns empty strings with fewer than two points.
    """
    _, basket, bench = series
    values = [v for v in [*basket, *bench] if v is not None]
    n = len(basket)
    if n < 2 or not values:
        return "", ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    pad = 2.0

    def points(line: Sequence[float | None]) -> str:
        out = []
        for i, value in enumerate(line):
            if value is None:
                continue
            x = pad + (width - 2 * pad) * i / (n - 1)
            y = pad + (height - 2 * pad) * (1 - (value - low) / span)
            out.append(f"{x:.1f},{y:.1f}")
        return " ".join(out) if len(out) >= 2 else ""

    return points(basket), points(bench)


# --- pages -----------------------------------------------------------------------------


def page_environment(templates_dir: Path | None, lang: str) -> jinja2.Environment:
    """The note's jinja2 environment (``--templates`` first, then the package's; HTML
    autoescaped; the catalog of ``lang`` installed) for the site and the mail."""
    from concepttrack.render import make_environment

    return make_environment(templates_dir, markdown=False, lang=known_language(lang))


def render_page(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; a broken ``--templates`` override is a RenderError."""
    from concepttrack.render.templating import render_template

    return render_template(env, name, **context)


def _language_label(code: str) -> str:
    """How a link list names a language: its code (``zh-hk``)."""
    return code


def _links(
    files: SessionNotes, prefix: str, first: str = DEFAULT_LANGUAGE
) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Each language's note links (the page's language first), by format."""
    out = []
    for lang in sorted(files.languages(), key=lambda code: code != first):
        mine = files.files(lang)
        formats = [(fmt, prefix + quote(mine[fmt].name)) for fmt in LINK_FORMATS if fmt in mine]
        if formats:
            out.append((lang, _language_label(lang), formats))
    return out


def _board(reports_dir: Path, lang: str) -> dict[str, Any] | None:
    """The newest concept board (``reports/board/``): its session and links, else None.
    The index lists it first."""
    from concepttrack.render.formats import formats_for

    sessions = session_files(reports_dir, BOARD_DIR)
    if not sessions:
        return None
    day = max(sessions)
    links = _links(sessions[day], f"{BOARD_DIR}/", lang)
    return {"session": formats_for(lang).date(day), "links": links} if links else None


def _read(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    from concepttrack.archive import read_note

    return read_note(path)


#: Per-note figures of earlier runs, so a run reads only new or changed JSON twins.
CACHE_NAME = ".site-cache.json"
_CACHE_VERSION = 2


def _load_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
        return {}
    return data


def _summary(h: Headline | None) -> dict[str, Any]:
    """What a theme page shows for one note (cached between runs): numbers, no words."""
    if h is None:
        return {}
    return {
        "demo": h.demo,
        "benchmark": h.benchmark,
        "basket_1d": h.basket_1d,
        "benchmark_1d": h.benchmark_1d,
        "basket_since_event": h.basket_since_event,
        "benchmark_since_event": h.benchmark_since_event,
    }


def _summary_figures(summary: Mapping[str, Any], lang: str) -> dict[str, Any]:
    if not summary:
        return {"figures": False, "demo": False}
    from concepttrack.render.formats import formats_for

    formats = formats_for(lang)
    out: dict[str, Any] = {"figures": True, "demo": summary.get("demo") is True}
    out["benchmark"] = benchmark_name(str(summary.get("benchmark") or "benchmark"), lang)
    for key in ("basket_1d", "benchmark_1d", "basket_since_event", "benchmark_since_event"):
        out[key] = formats.pct(number(summary.get(key)))
    return out


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)


def site_language(reports_dir: Path, languages: Sequence[str] | None = None) -> str:
    """The language of the pages: the run's first language; without one (``prune``),
    the language the site was last written in, else English when the archive has English
    notes, else the first language it has."""
    if languages:
        return known_language(languages[0])
    cached = _load_cache(Path(reports_dir) / CACHE_NAME).get("lang")
    if isinstance(cached, str):
        return known_language(cached)
    present: set[str] = set()
    for theme_id in theme_ids(reports_dir):
        for files in session_files(reports_dir, theme_id).values():
            present.update(files.notes)
    if not present or DEFAULT_LANGUAGE in present:
        return DEFAULT_LANGUAGE
    return known_language(sorted(present)[0])


def write_site(
    reports_dir: Path,
    *,
    templates_dir: Path | None = None,
    languages: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``reports/index.html`` and every ``reports/<theme-id>/index.html``.

    The pages are in :func:`site_language` (the run's first language), from the package
    templates ``site_index.html.j2`` and ``site_theme.html.j2`` (``templates_dir``
    overrides them, as ``--templates`` does the note's) with the catalogs' words.
    The caller holds the reports lock (like :func:`concepttrack.archive.write_index`).
    The pages depend only on the archive and the language, never on the clock: a rerun
    writes the same bytes (and leaves an unchanged page untouched). A note's JSON twin is
    read again only when its size or modification time changed (``.site-cache.json``),
    and the newest note of each theme always. Returns the pages.
    """
    from concepttrack.languages import get_language
    from concepttrack.render.formats import formats_for

    reports_dir = Path(reports_dir)
    lang = site_language(reports_dir, languages)
    formats = formats_for(lang)
    env = page_environment(templates_dir, lang)
    frame = {"html_lang": get_language(lang).html_lang, "font_stack": font_stack(lang)}
    cache_path = reports_dir / CACHE_NAME
    cache = _load_cache(cache_path).get("notes")
    cache = cache if isinstance(cache, dict) else {}
    fresh_cache: dict[str, Any] = {}
    written: list[Path] = []
    rows = []
    for theme_id in theme_ids(reports_dir):
        sessions = session_files(reports_dir, theme_id)
        notes = []
        latest: tuple[dt.date, Headline, dict[str, Any]] | None = None
        for session in sorted(sessions, reverse=True):
            files = sessions[session]
            path = files.json_for(lang) or next(
                (p for p in map(files.json_for, files.languages()) if p is not None), None
            )
            summary: dict[str, Any] = {}
            if path is not None:
                key = f"{theme_id}/{path.name}"
                try:
                    info = path.stat()
                    stamp: list[int] | None = [info.st_mtime_ns, info.st_size]
                except OSError:
                    stamp = None
                entry = cache.get(key)
                if latest is None or not (isinstance(entry, list) and entry[:2] == stamp):
                    note = _read(path)
                    h = headline(note, lang) if note is not None else None
                    summary = _summary(h)
                    if latest is None and h is not None and note is not None:
                        latest = (session, h, note)
                elif isinstance(entry[2], dict):
                    summary = entry[2]
                if stamp is not None:
                    fresh_cache[key] = [*stamp, summary]
            notes.append(
                {
                    "session": formats.date(session),
                    **_summary_figures(summary, lang),
                    "links": _links(files, "", lang),
                }
            )
        if not notes:
            continue
        title = latest[1].title if latest else theme_id
        title_zh = dig(latest[2], "theme", "title_zh") if latest else None
        # The book's Chinese title under an English one; a Chinese page has its own.
        english = lang == DEFAULT_LANGUAGE
        title_zh = title_zh if english and isinstance(title_zh, str) and title_zh != title else None
        page = reports_dir / theme_id / SITE_INDEX
        html = render_page(
            env,
            TEMPLATE_NAMES["theme"],
            **frame,
            title=title,
            title_zh=title_zh,
            theme_id=theme_id,
            demo=bool(latest and latest[1].demo),
            notes=notes,
        )
        _write_if_changed(page, html)
        written.append(page)
        if latest is None:
            continue
        session, h, _ = latest
        shown = h.figures(lang)
        rows.append(
            {
                "theme_id": theme_id,
                "title": title,
                "title_zh": title_zh,
                "href": f"{theme_id}/{SITE_INDEX}",
                "session": formats.date(session),
                "notes": len(notes),
                "status": h.status,
                "demo": h.demo,
                "benchmark": shown["benchmark"],
                "basket_since_event": figure(h.basket_since_event, formats),
                "benchmark_since_event": figure(h.benchmark_since_event, formats),
                "basket_1d": figure(h.basket_1d, formats),
                "spark": sparkline(h.series),
                "event_date": shown["event_date"],
                "links": _links(sessions[session], f"{theme_id}/", lang),
            }
        )
    index = reports_dir / SITE_INDEX
    html = render_page(
        env, TEMPLATE_NAMES["index"], **frame, themes=rows, board=_board(reports_dir, lang)
    )
    _write_if_changed(index, html)
    written.insert(0, index)
    fresh = {"version": _CACHE_VERSION, "lang": lang, "notes": fresh_cache}
    if fresh != _load_cache(cache_path):
        atomic_write_text(cache_path, json.dumps(fresh, ensure_ascii=False) + "\n")
    return written
