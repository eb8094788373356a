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

The pages are self-contained (inline CSS and SVG, no script, no font or CDN fetch),
link only with relative URLs (they work from ``file://`` and any static server), escape
every piece of user text (jinja2 autoescape) and are written atomically.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from concepttrack.fsutil import atomic_write_text

logger = logging.getLogger(__name__)

SITE_INDEX = "index.html"
#: The language of a note file without a language suffix.
DEFAULT_LANGUAGE = "en"
LINK_FORMATS: tuple[str, ...] = ("pdf", "html", "md")

_THEME_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_NOTE_FILE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:\.([a-z]{2,3}(?:-[a-z0-9]{2,8})*))?\.(md|pdf|html|json)$"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MINUS = "\N{MINUS SIGN}"
MISSING = "\N{EN DASH}"


# --- what is in the archive ------------------------------------------------------------

#: session -> language -> format -> file
SessionFiles = dict[dt.date, dict[str, dict[str, Path]]]


def note_files(reports_dir: Path, theme_id: str) -> SessionFiles:
    """Every note file of a theme by session, language and format.

    ``2026-12-01.pdf`` is the English PDF, ``2026-12-01.zh-hk.pdf`` the Hong Kong
    Chinese one. Files with other names (``latest.*``, ``index.html``, assets folders,
    temporary files) are left out.
    """
    if not _THEME_ID.match(theme_id):
        raise ValueError(f"{theme_id!r} is not a theme id")
    found: SessionFiles = {}
    try:
        entries = list(os.scandir(Path(reports_dir) / theme_id))
    except (FileNotFoundError, NotADirectoryError):
        return found
    for entry in entries:
        match = _NOTE_FILE.match(entry.name)
        if not match or not entry.is_file():
            continue
        try:
            session = dt.date.fromisoformat(match[1])
        except ValueError:
            continue
        language = match[2] or DEFAULT_LANGUAGE
        found.setdefault(session, {}).setdefault(language, {})[match[3]] = Path(entry.path)
    return found


def languages(files: Mapping[str, Mapping[str, Path]]) -> list[str]:
    """The languages of one session's files: English first, then the others by name."""
    return sorted(files, key=lambda lang: (lang != DEFAULT_LANGUAGE, lang))


def json_for(files: Mapping[str, Mapping[str, Path]], language: str) -> Path | None:
    """The JSON twin for a language: its own if written, else the session's English one."""
    own = files.get(language, {}).get("json")
    return own or files.get(DEFAULT_LANGUAGE, {}).get("json")


def theme_ids(reports_dir: Path) -> list[str]:
    """Theme folders of the archive (slug-named real folders), sorted."""
    try:
        entries = list(os.scandir(reports_dir))
    except FileNotFoundError:
        return []
    return sorted(
        e.name for e in entries if _THEME_ID.match(e.name) and e.is_dir(follow_symlinks=False)
    )


# --- figures ---------------------------------------------------------------------------


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def fmt_pct(value: float | None) -> str:
    """``+1.1%`` / ``−0.3%`` (true minus), ``–`` when missing: as in the note."""
    if value is None:
        return MISSING
    text = f"{value * 100:+.1f}%"
    if text in ("+0.0%", "-0.0%"):
        return "0.0%"
    return text.replace("-", MINUS)


def fmt_date(value: dt.date | None) -> str:
    """``1 Dec 2026``, as in the note."""
    if value is None:
        return MISSING
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


#: Short benchmark names a Hong Kong reader knows (as the note uses them).
BENCHMARK_SHORT = {"^HSI": "HSI", "^HSCE": "HSCEI", "^HSTECH": "HSTECH", "000300.SS": "CSI 300"}


@dataclass(frozen=True)
class Headline:
    """The figures a list of notes shows for one note, read from its JSON twin."""

    theme_id: str
    title: str
    session: dt.date | None
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

    @property
    def day_text(self) -> str:
        """``basket +1.1% vs HSI −0.3%``: the session's move."""
        return f"basket {fmt_pct(self.basket_1d)} vs {self.benchmark} {fmt_pct(self.benchmark_1d)}"

    @property
    def event_text(self) -> str:
        """``since the event: basket +12.0% vs HSI +3.1%``."""
        return (
            f"since the event: basket {fmt_pct(self.basket_since_event)} vs "
            f"{self.benchmark} {fmt_pct(self.benchmark_since_event)}"
        )


def note_title(note: Mapping[str, Any], language: str | None = None) -> str | None:
    """The theme's title in ``language`` (default: the note's first language).

    A title written per language (``{en: ..., zh-hk: ...}``) gives that language's text,
    else the other Chinese script converted with OpenCC, else the first text it has.
    """
    title = _dig(note.get("theme"), "title")
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
    theme_id = _dig(theme, "id") or _dig(snapshot, "theme_id") or ""
    title = note_title(note, language)
    symbol = _dig(snapshot, "benchmark", "symbol")
    symbol = symbol if isinstance(symbol, str) else "benchmark"
    as_of = _dig(snapshot, "as_of")
    event = _dig(snapshot, "event_date")
    base = _dig(snapshot, "basket", "base_session")
    statuses = [_dig(stock, "status", "status") for stock in _dig(snapshot, "stocks") or []]
    statuses.append(_dig(snapshot, "benchmark", "status", "status"))
    rank = {"fresh": 0, "stale": 1, "missing": 2}
    known = [s for s in statuses if s in rank]
    return Headline(
        theme_id=str(theme_id),
        title=title if isinstance(title, str) else str(theme_id),
        session=_date(as_of),
        benchmark=BENCHMARK_SHORT.get(symbol, symbol),
        basket_1d=_number(_dig(snapshot, "basket", "returns", "one_day")),
        benchmark_1d=_number(_dig(snapshot, "benchmark", "returns", "one_day")),
        basket_since_event=_number(_dig(snapshot, "basket", "returns", "since_event")),
        benchmark_since_event=_number(_dig(snapshot, "benchmark", "returns", "since_event")),
        demo=_dig(snapshot, "demo") is True,
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
    basket = _dig(snapshot, "series", "basket") or {}
    bench = _dig(snapshot, "series", "benchmark") or {}
    sessions = [s for s in basket.get("sessions") or [] if isinstance(s, str)]
    values = basket.get("values") or []
    bench_by_session = dict(
        zip(bench.get("sessions") or [], bench.get("values") or [], strict=False)
    )
    keep = [i for i, s in enumerate(sessions) if base is None or s >= base]
    return (
        [sessions[i] for i in keep],
        [_number(values[i]) if i < len(values) else None for i in keep],
        [_number(bench_by_session.get(sessions[i])) for i in keep],
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

_CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 "Noto Sans", "DejaVu Sans", system-ui, sans-serif; color: #1d2430;
       margin: 0 auto; max-width: 1100px; padding: 24px 28px 48px; background: #fbfbfa; }
header { border-bottom: 3px solid #0b3c5d; margin-bottom: 18px; }
h1 { font-size: 24px; margin: 0 0 6px; color: #0b3c5d; }
h2 { font-size: 17px; margin: 0; }
p.lead { margin: 0 0 12px; color: #4a5563; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #e2e5ea; vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #5a6472;
     background: #f1f3f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.up { color: #0a7d32; } .down { color: #b3261e; } .na { color: #8a939f; }
.zh { color: #5a6472; font-size: 13px; }
.demo { background: #fff3c4; color: #7a5a00; font-size: 11px; font-weight: bold;
        padding: 1px 5px; border-radius: 3px; margin-left: 4px; }
.links a { margin-right: 6px; white-space: nowrap; }
.links { display: inline-block; white-space: nowrap; }
.lang { color: #5a6472; font-size: 12px; margin-right: 4px; white-space: nowrap; }
a { color: #0b5cad; }
svg.spark { display: block; }
.legend { font-size: 11px; color: #5a6472; }
.legend .b { color: #0b3c5d; } .legend .m { color: #c47f00; }
footer { margin-top: 24px; font-size: 12px; color: #6b7480; }
"""  # noqa: E501

_BASE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ page_title }}</title>
<style>{{ css }}</style>
</head>
<body>
{% block body %}{% endblock %}
<footer>Written by concepttrack from the notes in this folder. "Since event" returns are
measured from the close before each theme's event; 1D is the note's session. The basket is
the theme's concept basket, the benchmark its own index.</footer>
</body>
</html>
"""

_MACROS = """
{% macro pct(value, text) -%}
<span class="{{ 'up' if text.startswith('+') else ('down' if text.startswith('−') else 'na') }}">{{ text }}</span>
{%- endmacro %}
{% macro links(langs, prefix) -%}
{% for lang, formats in langs %}<span class="links">{% if langs|length > 1 %}<span class="lang">{{ lang }}</span>{% endif %}{% for fmt, href in formats %}<a href="{{ prefix }}{{ href }}">{{ fmt|upper }}</a>{% endfor %}</span>{% endfor %}
{%- endmacro %}
"""  # noqa: E501

_INDEX = (
    "{% extends 'base' %}{% import 'macros' as m %}"
    """{% block body %}
<header><h1>concepttrack notes</h1>
<p class="lead">The latest note of every theme in this folder ({{ themes|length }} theme{{ '' if themes|length == 1 else 's' }}).
<span class="legend"><span class="b">━</span> basket <span class="m">━</span> benchmark, since the event</span></p></header>
<table>
<thead><tr><th>Theme</th><th>Latest note</th><th>Basket since event</th><th>Benchmark since event</th><th>Basket 1D</th><th>Since event</th><th>Files</th></tr></thead>
<tbody>
{% for t in themes %}<tr>
<td><h2><a href="{{ t.href }}">{{ t.title }}</a>{% if t.demo %}<span class="demo">DEMO</span>{% endif %}</h2>
{% if t.title_zh %}<div class="zh">{{ t.title_zh }}</div>{% endif %}<div class="zh">{{ t.theme_id }} · {{ t.notes }} note{{ '' if t.notes == 1 else 's' }} · data {{ t.status }}</div></td>
<td class="num">{{ t.session }}</td>
<td class="num">{{ m.pct(t.h.basket_since_event, t.basket_since_event) }}</td>
<td class="num">{{ m.pct(t.h.benchmark_since_event, t.benchmark_since_event) }} <span class="na">{{ t.h.benchmark }}</span></td>
<td class="num">{{ m.pct(t.h.basket_1d, t.basket_1d) }}</td>
<td>{% if t.spark[0] %}<svg class="spark" width="160" height="40" viewBox="0 0 160 40" role="img" aria-label="{{ t.spark_label }}"><title>{{ t.spark_label }}</title>
<polyline fill="none" stroke="#c47f00" stroke-width="1.2" points="{{ t.spark[1] }}"/>
<polyline fill="none" stroke="#0b3c5d" stroke-width="1.8" points="{{ t.spark[0] }}"/></svg>{% else %}<span class="na">–</span>{% endif %}</td>
<td>{{ m.links(t.links, '') }}</td>
</tr>
{% else %}<tr><td colspan="7">No notes yet.</td></tr>
{% endfor %}</tbody></table>
{% endblock %}"""  # noqa: E501
)

_THEME = (
    "{% extends 'base' %}{% import 'macros' as m %}"
    """{% block body %}
<header><p class="lead"><a href="../index.html">← all themes</a></p>
<h1>{{ title }}{% if demo %}<span class="demo">DEMO</span>{% endif %}</h1>
{% if title_zh %}<p class="zh">{{ title_zh }}</p>{% endif %}
<p class="lead">Every dated note of {{ theme_id }}, newest first.</p></header>
<table>
<thead><tr><th>Session</th><th>Headline</th><th>Since the event</th><th>Files</th></tr></thead>
<tbody>
{% for n in notes %}<tr>
<td>{{ n.session }}{% if n.demo %}<span class="demo">DEMO</span>{% endif %}</td>
<td>{{ n.day }}</td>
<td>{{ n.event }}</td>
<td>{{ m.links(n.links, '') }}</td>
</tr>
{% endfor %}</tbody></table>
{% endblock %}"""
)


def _environment() -> Any:
    from jinja2 import DictLoader, Environment, StrictUndefined

    return Environment(
        loader=DictLoader({"base": _BASE, "macros": _MACROS, "index": _INDEX, "theme": _THEME}),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
    )


def _links(
    files: Mapping[str, Mapping[str, Path]], prefix: str
) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for lang in languages(files):
        formats = [
            (fmt, prefix + quote(files[lang][fmt].name))
            for fmt in LINK_FORMATS
            if fmt in files[lang]
        ]
        if formats:
            out.append((lang, formats))
    return out


def _read(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    from concepttrack.archive import read_note

    return read_note(path)


#: Per-note figures of earlier runs, so a run reads only new or changed JSON twins.
CACHE_NAME = ".site-cache.json"
_CACHE_VERSION = 1


def _load_cache(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
        return {}
    notes = data.get("notes")
    return notes if isinstance(notes, dict) else {}


def _summary(h: Headline | None) -> dict[str, Any]:
    """What a theme page shows for one note (cached between runs)."""
    if h is None:
        return {"demo": False, "day": "no figures (the JSON twin is missing)", "event": ""}
    return {"demo": h.demo, "day": h.day_text, "event": h.event_text}


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)


def write_site(reports_dir: Path) -> list[Path]:
    """Write ``reports/index.html`` and every ``reports/<theme-id>/index.html``.

    The caller holds the reports lock (like :func:`concepttrack.archive.write_index`).
    The pages depend only on the archive, never on the clock: a rerun writes the same
    bytes (and leaves an unchanged page untouched). A note's JSON twin is read again only
    when its size or modification time changed (``reports/.site-cache.json``), and the
    newest note of each theme always. Returns the pages.
    """
    import json

    reports_dir = Path(reports_dir)
    env = _environment()
    cache_path = reports_dir / CACHE_NAME
    cache = _load_cache(cache_path)
    fresh_cache: dict[str, Any] = {}
    written: list[Path] = []
    rows = []
    for theme_id in theme_ids(reports_dir):
        sessions = note_files(reports_dir, theme_id)
        notes = []
        latest: tuple[dt.date, Headline, dict[str, Any]] | None = None
        for session in sorted(sessions, reverse=True):
            files = sessions[session]
            path = json_for(files, DEFAULT_LANGUAGE) or json_for(files, languages(files)[0])
            summary: dict[str, Any] | None = None
            key = stamp = None
            if path is not None:
                key = f"{theme_id}/{path.name}"
                try:
                    info = path.stat()
                    stamp = [info.st_mtime_ns, info.st_size]
                except OSError:
                    stamp = None
                entry = cache.get(key)
                if latest is None or not (isinstance(entry, list) and entry[:2] == stamp):
                    note = _read(path)
                    h = headline(note) if note is not None else None
                    summary = _summary(h)
                    if latest is None and h is not None and note is not None:
                        latest = (session, h, note)
                else:
                    summary = entry[2]
                if stamp is not None:
                    fresh_cache[key] = [*stamp, summary]
            summary = summary or _summary(None)
            notes.append({"session": session.isoformat(), **summary, "links": _links(files, "")})
        if not notes:
            continue
        title = latest[1].title if latest else theme_id
        title_zh = _dig(latest[2], "theme", "title_zh") if latest else None
        page = reports_dir / theme_id / SITE_INDEX
        html = env.get_template("theme").render(
            page_title=f"{title} — concepttrack",
            css=_CSS,
            title=title,
            title_zh=title_zh if isinstance(title_zh, str) else None,
            theme_id=theme_id,
            demo=bool(latest and latest[1].demo),
            notes=notes,
        )
        _write_if_changed(page, html)
        written.append(page)
        if latest is None:
            continue
        session, h, _ = latest
        spark = sparkline(h.series)
        rows.append(
            {
                "theme_id": theme_id,
                "title": title,
                "title_zh": title_zh if isinstance(title_zh, str) else None,
                "href": f"{theme_id}/{SITE_INDEX}",
                "session": fmt_date(session),
                "notes": len(notes),
                "status": h.status,
                "demo": h.demo,
                "h": h,
                "basket_since_event": fmt_pct(h.basket_since_event),
                "benchmark_since_event": fmt_pct(h.benchmark_since_event),
                "basket_1d": fmt_pct(h.basket_1d),
                "spark": spark,
                "spark_label": f"Basket (dark) and {h.benchmark} (amber) since the event on "
                f"{fmt_date(h.event_date)}",
                "links": _links(sessions[session], f"{theme_id}/"),
            }
        )
    index = reports_dir / SITE_INDEX
    html = env.get_template("index").render(page_title="concepttrack notes", css=_CSS, themes=rows)
    _write_if_changed(index, html)
    written.insert(0, index)
    if fresh_cache != cache:
        text = json.dumps({"version": _CACHE_VERSION, "notes": fresh_cache}, ensure_ascii=False)
        atomic_write_text(cache_path, text + "\n")
    return written
