"""The dated archive of notes in the reports folder, and what an unattended run needs around it.

Layout (``reports`` is ``--out``)::

    reports/
      .concepttrack.lock             flock held by the running process (pid + start time inside)
      index.md                       every theme, its latest note and headline figures
      runs/<UTC timestamp>.json      one record per run
      <theme-id>/
        <YYYY-MM-DD>.md|.pdf|.html         the English note of an as-of session
        <YYYY-MM-DD>.<lang>.md|.pdf|.html  another language's (zh-hk, zh-cn), always coded
        <YYYY-MM-DD>.json                  the JSON twin (numbers have no language)
        <YYYY-MM-DD>-assets/               PNG charts linked from the Markdown notes
        latest.<lang>.md|.pdf, latest.md   relative symlinks to the newest note

Every name is made and read by :class:`NoteName` (and its helpers below), the one
place the rule lives.

Every file is written with :mod:`concepttrack.fsutil` (temporary name, then rename), so
a reader or a killed run never sees a partial file. Functions that change the archive
(:func:`update_latest`, :func:`write_index`, :func:`prune`, :func:`remove_leftovers`)
assume the caller holds :class:`RunLock`; they do not take it themselves.

This module runs on the cron path before any heavy work: it imports only the standard
library and the project's own light modules (no pandas, matplotlib, weasyprint, yfinance).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from concepttrack.errors import LockError, UsageError
from concepttrack.fsutil import atomic_write_text

logger = logging.getLogger(__name__)

LOCK_NAME = ".concepttrack.lock"
INDEX_NAME = "index.md"
RUNS_DIR = "runs"
#: The daily concept board's folder (``reports/board/``, named like a theme's, not one).
BOARD_DIR = "board"
NOTE_KIND = "concepttrack.note"
#: Every format a note can be written in, in the order they are listed.
NOTE_FORMATS: tuple[str, ...] = ("md", "pdf", "html", "json")
#: Formats that get a ``latest.<ext>`` link.
LATEST_FORMATS: tuple[str, ...] = ("pdf", "md")

# Temporary names left by a killed run: fsutil's ".<name>.<random>.tmp" and our symlinks'.
_LEFTOVER = re.compile(r"^\..+\.tmp$")

#: Descriptors of the locks this process holds. A forked child (a chart process, a
#: --jobs worker) inherits them, and flock stays held while any copy is open; so each
#: child closes its copies at once. Then a SIGKILLed run frees the lock even while
#: one of its children is still finishing.
_HELD_LOCK_FDS: set[int] = set()


def _drop_inherited_locks() -> None:
    # Close, never LOCK_UN: unlocking would release the parent's lock too.
    for fd in list(_HELD_LOCK_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCK_FDS.clear()


os.register_at_fork(after_in_child=_drop_inherited_locks)
_LOCK_PID = re.compile(r"^pid (\d+)$", re.MULTILINE)
_LOCK_STARTED = re.compile(r"^started (\S+)$", re.MULTILINE)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso_utc(moment: dt.datetime) -> str:
    """``2025-01-02T10:00:00Z``; a naive datetime is refused (it would be mislabelled)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no timezone; pass an aware datetime")
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


# --- names: the one place the archive's naming rule lives ------------------------------

#: A theme id: lower-case letters, digits and hyphens; the one declaration, used by the
#: themes book (``themes.SLUG``), the site and the delivery config (``themes = [...]``).
THEME_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
#: The only language whose files carry no language code (``2026-12-01.md``).
BARE_LANGUAGE = "en"
_SESSION = r"(\d{4}-\d{2}-\d{2})"
_LANG = r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*"
_NOTE_NAME = re.compile(rf"^{_SESSION}(?:\.({_LANG}))?\.(md|pdf|html|json)$")
_LATEST_NAME = re.compile(rf"^latest(?:\.({_LANG}))?\.(md|pdf|html|json)$")
_ASSETS_NAME = re.compile(rf"^{_SESSION}-assets$")
# Run records as write_run_record names them: <UTC start>[-N].json.
_RUN_RECORD = re.compile(rf"^{_SESSION}T\d{{6}}Z(?:-\d+)?\.json$")


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True, order=True)
class NoteName:
    """The name of one note file: ``<session>[.<lang>].<ext>``.

    English takes the bare name (``2026-12-01.md``); every other language always carries
    its code (``2026-12-01.zh-hk.md``), whatever order or subset of languages a run asks
    for, so no language's file ever replaces another's. The JSON twin has no language
    (``lang`` None): ``2026-12-01.json``. ``latest[.<lang>].<ext>`` links and the
    ``<session>-assets`` chart folder are named here too.

    Archives written before this rule named a run's *first* language bare; readers tell
    such a file by its JSON twin (see :func:`session_files`) and :func:`adopt_legacy_names`
    renames it before a new note of that session is written.
    """

    session: dt.date
    #: Language code; None for the language-free JSON twin.
    lang: str | None
    ext: str

    def __post_init__(self) -> None:
        if self.ext not in NOTE_FORMATS:
            raise ValueError(f"unknown note format {self.ext!r}; expected one of {NOTE_FORMATS}")
        if self.lang is not None and not re.fullmatch(_LANG, self.lang):
            raise ValueError(f"{self.lang!r} is not a language code")

    @classmethod
    def parse(cls, filename: str) -> NoteName | None:
        """The note a file name names, or None (``latest.*``, assets, anything else).

        A bare page file (md, pdf, html) is English; a bare JSON is the twin (``lang``
        None). A legacy ``<session>.en.<ext>`` parses as English too.
        """
        match = _NOTE_NAME.match(filename)
        if not match:
            return None
        session = _day(match.group(1))
        if session is None:
            return None
        ext = match.group(3)
        lang = match.group(2) or (None if ext == "json" else BARE_LANGUAGE)
        return cls(session, lang, ext)

    @classmethod
    def twin(cls, session: dt.date) -> NoteName:
        """The JSON twin of a session: ``<session>.json``."""
        return cls(session, None, "json")

    @property
    def language(self) -> str:
        """The note's language (English for the bare and the language-free names)."""
        return self.lang or BARE_LANGUAGE

    @property
    def infix(self) -> str:
        """``""`` for English and the JSON twin, ``.<lang>`` for any other language."""
        return "" if self.lang in (None, BARE_LANGUAGE) else f".{self.lang}"

    @property
    def stem(self) -> str:
        """``2026-12-01`` / ``2026-12-01.zh-hk``: the name without the extension."""
        return f"{self.session.isoformat()}{self.infix}"

    @property
    def filename(self) -> str:
        """``2026-12-01.md``, ``2026-12-01.zh-hk.pdf``, ``2026-12-01.json``."""
        return f"{self.stem}.{self.ext}"

    @property
    def latest(self) -> str:
        """The language's ``latest`` link: ``latest.en.md``, ``latest.zh-hk.pdf``
        (``latest.json`` for the twin). The bare ``latest.<ext>`` is :func:`latest_name`."""
        return latest_name(self.lang, self.ext)

    @property
    def assets(self) -> str:
        """The session's chart folder: ``2026-12-01-assets``."""
        return assets_name(self.session)

    @property
    def chart_suffix(self) -> str:
        """What a chart PNG of this language adds to its name: ``""`` or ``.zh-hk``."""
        return self.infix


def latest_name(lang: str | None, ext: str) -> str:
    """``latest.<ext>`` (lang None) or ``latest.<lang>.<ext>``."""
    return f"latest.{lang}.{ext}" if lang else f"latest.{ext}"


def parse_latest(filename: str) -> tuple[str | None, str] | None:
    """(language or None, extension) of a ``latest[.<lang>].<ext>`` name, else None."""
    match = _LATEST_NAME.match(filename)
    return (match.group(1), match.group(2)) if match else None


def assets_name(session: dt.date) -> str:
    """``2026-12-01-assets``."""
    return f"{session.isoformat()}-assets"


def parse_assets(filename: str) -> dt.date | None:
    """The session of a ``<session>-assets`` folder name, else None."""
    match = _ASSETS_NAME.match(filename)
    return _day(match.group(1)) if match else None


def run_record_order(filename: str) -> tuple[str, int]:
    """Sort key of run-record names in the order the runs started: ``<stamp>.json``, then
    ``<stamp>-1.json``, ``<stamp>-2.json`` … (a plain name sort puts ``-1`` first)."""
    stem = filename.removesuffix(".json")
    stamp, _, counter = stem.partition("Z")
    return stamp, int(counter.lstrip("-") or 0) if counter.lstrip("-").isdigit() else 0


def parse_run_record(filename: str) -> dt.date | None:
    """The UTC start day of a run record name (``2026-12-01T101500Z[-N].json``), else None."""
    match = _RUN_RECORD.match(filename)
    return _day(match.group(1)) if match else None


def is_theme_id(text: str) -> bool:
    """True for a theme id (the one rule: :data:`THEME_ID`)."""
    return bool(THEME_ID.match(text))


def written_languages(paths: Iterable[Path | str]) -> list[str]:
    """The languages of the note files in ``paths`` (the JSON twin has none), in order."""
    found = [NoteName.parse(Path(p).name) for p in paths]
    return list(dict.fromkeys(n.lang for n in found if n is not None and n.lang is not None))


# --- the run lock ---------------------------------------------------------------------


class RunLock:
    """Exclusive lock on a reports folder, so two runs never write the same archive.

    ``fcntl.flock`` on ``<reports>/.concepttrack.lock``. The kernel releases the lock
    when the holding process exits for any reason, SIGKILL included, so a lock left by
    a killed run never blocks the next one: there is no stale-lock cleanup to get wrong.
    The file itself is never deleted (deleting it would let two runs lock two different
    files of the same name); only its content changes, to the holder's pid and start
    time, which a waiting run quotes in its error message.

    The lock descriptor is not inherited by programs started with ``exec``; processes
    forked by ``--jobs`` share it, which is harmless (they run inside the locked run).

    Usage::

        with RunLock(reports_dir, wait_seconds=args.wait):
            ...  # the whole run
    """

    def __init__(
        self,
        reports_dir: Path,
        wait_seconds: float = 0.0,
        *,
        poll_seconds: float = 0.1,
        now: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        if wait_seconds < 0:
            raise ValueError(f"wait_seconds must be 0 or more, not {wait_seconds}")
        self.reports_dir = Path(reports_dir)
        self.path = self.reports_dir / LOCK_NAME
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self._now = now
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True between a successful :meth:`acquire` and :meth:`release`."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, polling up to ``wait_seconds``; raise LockError if still held."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already locked by this RunLock")
        try:
            self.reports_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            from concepttrack.fsutil import WRITE_ERRNOS, write_error

            if exc.errno in WRITE_ERRNOS:  # no permission, read-only, disk full: exit 4
                raise write_error(exc, self.path) from exc
            raise UsageError(
                f"cannot create the lock file {self.path}: {exc.strerror}",
                hint="Pass --out with a folder you can write to.",
            ) from exc
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                    os.close(fd)
                    raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                holder = _read_holder(fd)
                os.close(fd)
                raise self._locked_error(holder)
            time.sleep(min(self.poll_seconds, remaining))
        self._fd = fd
        _HELD_LOCK_FDS.add(fd)
        try:
            stamp = f"pid {os.getpid()}\nstarted {_iso_utc(self._now())}\n".encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, stamp, 0)
        except BaseException as exc:
            self.release()
            from concepttrack.fsutil import WRITE_ERRNOS, write_error

            if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:  # disk full: exit 4
                raise write_error(exc, self.path) from exc
            raise

    def release(self) -> None:
        """Give the lock back (the file stays; its content is cleared)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if fd not in _HELD_LOCK_FDS:
            return  # inherited across fork and already closed there; not ours to release
        _HELD_LOCK_FDS.discard(fd)
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def _locked_error(self, holder: tuple[str, str]) -> LockError:
        pid, started = holder
        folder = os.path.abspath(self.reports_dir)
        waited = (
            "not waiting for it"
            if self.wait_seconds == 0
            else f"gave up after waiting {self.wait_seconds:g} s"
        )
        return LockError(
            f"another concepttrack run (pid {pid}, started {started}) holds {folder}; {waited}",
            hint="Let that run finish, or pass --wait SECONDS to queue behind it. "
            "A run that was killed releases the lock by itself.",
        )


def _read_holder(fd: int) -> tuple[str, str]:
    """(pid, start time) written by the holder, ``unknown`` for what cannot be read."""
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        text = ""
    pid = _LOCK_PID.search(text)
    started = _LOCK_STARTED.search(text)
    return (pid.group(1) if pid else "unknown", started.group(1) if started else "unknown")


# --- finding notes --------------------------------------------------------------------


def theme_dir(reports_dir: Path, theme_id: str) -> Path:
    """``reports/<theme-id>``; refuses an id that is not a theme slug (no ``..``, no ``/``)."""
    if not is_theme_id(theme_id):
        raise ValueError(f"{theme_id!r} is not a theme id (lower-case letters, digits, hyphens)")
    return Path(reports_dir) / theme_id


def note_path(
    reports_dir: Path, theme_id: str, as_of: dt.date, fmt: str, lang: str | None = None
) -> Path:
    """``reports/<theme-id>/<YYYY-MM-DD>[.<lang>].<fmt>`` (see :class:`NoteName`).

    ``lang`` None or ``en`` gives the bare name (English, or the language-free JSON
    twin); any other language's files carry its code.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in NOTE_FORMATS:
        raise ValueError(f"unknown note format {fmt!r}; expected one of {', '.join(NOTE_FORMATS)}")
    return theme_dir(reports_dir, theme_id) / NoteName(as_of, lang, fmt).filename


def assets_dir(reports_dir: Path, theme_id: str, as_of: dt.date) -> Path:
    """``reports/<theme-id>/<YYYY-MM-DD>-assets``: charts of the Markdown notes."""
    return theme_dir(reports_dir, theme_id) / assets_name(as_of)


def note_language(name: str) -> str | None:
    """The language code a dated note's file name carries (None for a bare name)."""
    parsed = NoteName.parse(name)
    return parsed.infix[1:] or None if parsed is not None else None


def dated_notes(reports_dir: Path, theme_id: str) -> list[tuple[dt.date, Path]]:
    """Every dated note file of a theme (one entry per file, any format), oldest first.

    Sorted by session, then file name; ``latest.*``, assets folders, temporary files
    and anything :meth:`NoteName.parse` does not read are left out.
    """
    folder = theme_dir(reports_dir, theme_id)
    found: list[tuple[dt.date, Path]] = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        parsed = NoteName.parse(entry.name)
        if parsed is not None and entry.is_file():
            found.append((parsed.session, Path(entry.path)))
    found.sort(key=lambda item: (item[0], item[1].name))
    return found


def _twin_sessions(reports_dir: Path, theme_id: str) -> list[dt.date]:
    """Sessions that have a JSON twin, newest first."""
    notes = dated_notes(reports_dir, theme_id)
    return sorted(
        {day for day, path in notes if path.name == NoteName.twin(day).filename}, reverse=True
    )


def read_note(path: Path) -> dict[str, Any] | None:
    """A note's JSON, or None (with a logged warning) when it is unreadable or not a note."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        logger.warning("skipping unreadable note %s: %s", path, exc)
        return None
    if not isinstance(data, dict):
        logger.warning("skipping %s: not a concepttrack note (top level is not an object)", path)
        return None
    kind = data.get("kind", NOTE_KIND)
    snapshot = data.get("snapshot")
    if kind != NOTE_KIND or not isinstance(snapshot, dict):
        logger.warning("skipping %s: not a concepttrack note (kind %r)", path, kind)
        return None
    try:
        dt.date.fromisoformat(str(snapshot.get("as_of")))
    except ValueError:
        logger.warning("skipping %s: the note has no valid snapshot.as_of", path)
        return None
    return data


def previous_note(
    reports_dir: Path, theme_id: str, before: dt.date, source: str | None = None
) -> dict[str, Any] | None:
    """The newest readable JSON note of the theme dated strictly before ``before``.

    With ``source``, only notes made from that price source count: a demo note is no
    baseline for a live one. Corrupt, unreadable or foreign JSON files are skipped with a
    logged warning, and the next older note is tried. A note returned always has
    ``snapshot.as_of`` as an ISO date.
    """
    return _newest_note(reports_dir, theme_id, before, source)


def newest_note(reports_dir: Path, theme_id: str) -> dict[str, Any] | None:
    """The newest readable JSON note of the theme, skipping corrupt files like previous_note."""
    return _newest_note(reports_dir, theme_id, None)


def _newest_note(
    reports_dir: Path, theme_id: str, before: dt.date | None, source: str | None = None
) -> dict[str, Any] | None:
    for day in _twin_sessions(reports_dir, theme_id):
        if before is not None and day >= before:
            continue
        note = read_note(note_path(reports_dir, theme_id, day, "json"))
        if note is None:
            continue
        if source is not None and (note.get("snapshot") or {}).get("source") != source:
            continue
        return note
    return None


def note_exists(reports_dir: Path, theme_id: str, as_of: dt.date, formats: Iterable[str]) -> bool:
    """True when every requested format of the note for ``as_of`` is on disk and not empty."""
    wanted = list(formats)
    if not wanted:
        return False
    for fmt in wanted:
        path = note_path(reports_dir, theme_id, as_of, fmt)
        try:
            if not path.is_file() or path.stat().st_size == 0:
                return False
        except OSError:
            return False
    return True


# --- reading the archive (shared by the index, the site and delivery) ------------------


@dataclass
class SessionNotes:
    """Every file of one session of a theme: the JSON twin and each language's notes."""

    session: dt.date
    #: ``<session>.json``, None when it is missing.
    twin: Path | None = None
    #: language -> format -> file (page formats; a per-language JSON if one exists).
    notes: dict[str, dict[str, Path]] = field(default_factory=dict)

    def languages(self) -> list[str]:
        """The languages with at least one file: English first, then the others by code."""
        return sorted(self.notes, key=lambda lang: (lang != BARE_LANGUAGE, lang))

    def json_for(self, language: str) -> Path | None:
        """The JSON a language's figures come from: its own if written, else the twin."""
        return self.notes.get(language, {}).get("json") or self.twin

    def files(self, language: str) -> dict[str, Path]:
        """A language's note files by format, without any JSON."""
        return {fmt: p for fmt, p in self.notes.get(language, {}).items() if fmt != "json"}


#: session -> its files
SessionFiles = dict[dt.date, SessionNotes]

_TWIN_LANGUAGES = re.compile(r'^  "languages": \[\s*"([^"]+)"', re.MULTILINE)


def _twin_first_language(path: Path, tail: int = 32_768) -> str | None:
    """The first language a JSON twin lists, else None.

    Cheap: the renderer writes ``languages`` near the end of the twin (after the
    snapshot), so only the file's tail is read (a small twin laid out otherwise is
    parsed whole).
    """
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - tail))
            text = handle.read().decode("utf-8", "replace")
            match = _TWIN_LANGUAGES.search(text)
            if match:
                return match.group(1)
            if size > tail or '"languages"' not in text:
                return None  # a twin that lists no languages is English
            languages = json.loads(text).get("languages")
    except (OSError, ValueError, AttributeError):
        return None
    return str(languages[0]) if isinstance(languages, list) and languages else None


def _legacy_language(twin: Path | None, coded: Mapping[str, Mapping[str, Path]]) -> str | None:
    """The language of a session's bare page files when they predate the naming rule.

    Before it, a run's first language took the bare name, so a ``--lang zh-hk`` run
    wrote ``<session>.md`` in Chinese. Such a session's twin lists a non-English first
    language that has no ``<session>.<lang>.*`` file (the rule always writes one).
    """
    if twin is None:
        return None
    first = _twin_first_language(twin)
    if first is None or first == BARE_LANGUAGE or first in coded:
        return None
    return first


def session_files(reports_dir: Path, theme_id: str) -> SessionFiles:
    """Every note file of a theme by session, language and format.

    ``2026-12-01.pdf`` is the English PDF, ``2026-12-01.zh-hk.pdf`` the Hong Kong
    Chinese one, ``2026-12-01.json`` the twin (a legacy archive's bare files are read in
    the language its twin names, see :class:`NoteName`). ``latest.*``, ``index.html``,
    assets folders and temporary files are left out.
    """
    folder = theme_dir(reports_dir, theme_id)
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    bare: dict[dt.date, dict[str, Path]] = {}
    coded: dict[dt.date, dict[str, dict[str, Path]]] = {}
    twins: dict[dt.date, Path] = {}
    for entry in entries:
        name = NoteName.parse(entry.name)
        if name is None or not entry.is_file():
            continue
        path = Path(entry.path)
        if name.lang is None:
            twins[name.session] = path
        elif entry.name == name.filename and name.lang == BARE_LANGUAGE:
            bare.setdefault(name.session, {})[name.ext] = path
        else:
            coded.setdefault(name.session, {}).setdefault(name.language, {})[name.ext] = path
    found: SessionFiles = {}
    for session in sorted({*bare, *coded, *twins}):
        notes = {lang: dict(files) for lang, files in coded.get(session, {}).items()}
        plain = bare.get(session, {})
        if plain:
            twin = twins.get(session)
            lang = _legacy_language(twin, notes) or BARE_LANGUAGE
            notes[lang] = {**notes.get(lang, {}), **plain}
        found[session] = SessionNotes(session, twins.get(session), notes)
    return found


def theme_ids(reports_dir: Path) -> list[str]:
    """Theme folders of the archive (theme-id-named real folders), sorted."""
    try:
        entries = list(os.scandir(reports_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(
        e.name
        for e in entries
        if is_theme_id(e.name) and e.name != BOARD_DIR and e.is_dir(follow_symlinks=False)
    )


def adopt_legacy_names(reports_dir: Path, theme_id: str, session: dt.date) -> list[Path]:
    """Rename a legacy session's files to the naming rule before a new note is written.

    A bare file in another language than English becomes ``<session>.<lang>.<ext>``
    and a legacy ``<session>.en.<ext>`` becomes bare, so a new English note cannot
    overwrite a Chinese one. Returns the new names. Nothing happens to a session that
    already follows the rule.
    """
    files = session_files(reports_dir, theme_id).get(session)
    if files is None:
        return []
    renamed: list[Path] = []
    # Bare files in another language first (frees the bare names), then ".en." files.
    order = sorted(files.notes, key=lambda lang: lang == BARE_LANGUAGE)
    for lang in order:
        for fmt, path in sorted(files.notes[lang].items()):
            wanted = path.with_name(NoteName(session, lang, fmt).filename)
            if wanted == path or os.path.lexists(wanted):
                continue
            if fmt == "md" and lang != BARE_LANGUAGE:
                _adopt_legacy_charts(path, session, lang)
            os.replace(path, wanted)
            renamed.append(wanted)
    return renamed


def _adopt_legacy_charts(markdown: Path, session: dt.date, lang: str) -> None:
    """Give a legacy bare Markdown note's charts their language's names (``<chart>.png`` ->
    ``<chart>.<lang>.png``) and point its image links at them, so an English note written
    into the session later cannot replace its charts."""
    assets = assets_name(session)
    folder = markdown.parent / assets
    suffix = NoteName(session, lang, "md").chart_suffix
    text = markdown.read_text(encoding="utf-8")
    pattern = re.compile(rf"\]\({re.escape(assets)}/([A-Za-z0-9_-]+)\.png\)")
    moved = set()
    for chart in sorted(set(pattern.findall(text))):
        old, new = folder / f"{chart}.png", folder / f"{chart}{suffix}.png"
        if old.is_file() and not os.path.lexists(new):
            shutil.copyfile(old, new)
        if new.is_file():
            moved.add(chart)

    def relink(match: re.Match[str]) -> str:
        chart = match.group(1)
        return f"]({assets}/{chart}{suffix}.png)" if chart in moved else match.group(0)

    changed = pattern.sub(relink, text)
    if changed != text:
        atomic_write_text(markdown, changed)


def dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...`` through nested mappings; None where a level is missing."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def number(value: Any) -> float | None:
    """A finite JSON number as float, else None (booleans, text, NaN, infinities)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    result = float(value)
    return result if result == result and abs(result) != float("inf") else None


# --- latest links ---------------------------------------------------------------------


def _link_session(link: Path) -> dt.date | None:
    """The session a ``latest.*`` symlink points at, if it is one of our relative links."""
    try:
        target = os.readlink(link)
    except OSError:
        return None
    parsed = NoteName.parse(target)
    return parsed.session if parsed else None


def _replace_symlink(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` atomically: a temporary symlink renamed over it."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def update_latest(
    reports_dir: Path, theme_id: str, as_of: dt.date, languages: Iterable[str] = ()
) -> list[Path]:
    """Point the ``latest`` links at the newest notes, never at an older one.

    Call after writing the note for ``as_of``. Each link moves to the newest dated note
    of its language and format in the folder, which is ``as_of`` unless a newer note is
    archived already (a backfill with ``--as-of`` never moves latest backwards). Links are
    relative (``latest.md -> 2025-01-02.md``), so the folder can be moved or synced, and
    ``latest.md``'s relative ``<date>-assets/`` image links resolve because it sits
    beside the dated file. A format with no note yet gets no link. Returns the links
    that now point at ``as_of``'s note.

    ``languages`` are the note's languages: each gets ``latest.<lang>.<ext>``, always a
    note in that language (so does every language that already has such a link). The
    bare ``latest.<ext>``, like a bare dated name, is always English.
    """
    folder = theme_dir(reports_dir, theme_id)
    sessions = session_files(reports_dir, theme_id)
    codes = list(dict.fromkeys(languages))
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            parsed = parse_latest(entry.name)
            if parsed is not None and parsed[0] is not None and parsed[0] not in codes:
                codes.append(parsed[0])
    pointed: list[Path] = []
    for fmt in LATEST_FORMATS:
        newest: dict[str, tuple[dt.date, Path]] = {}
        for day, files in sessions.items():
            for lang, by_format in files.notes.items():
                if fmt in by_format and (lang not in newest or newest[lang][0] < day):
                    newest[lang] = (day, by_format[fmt])
        links = [(None, BARE_LANGUAGE), *((code, code) for code in codes)]
        for link_lang, note_lang in links:
            if note_lang not in newest:
                continue
            day, path = newest[note_lang]
            link = folder / latest_name(link_lang, fmt)
            target = path.name
            if not (os.path.islink(link) and os.readlink(link) == target and link.exists()):
                _replace_symlink(link, target)
            if day == as_of:
                pointed.append(link)
    order = {name: i for i, name in enumerate(latest_name(None, f) for f in LATEST_FORMATS)}
    return sorted(pointed, key=lambda p: (p.name not in order, order.get(p.name, 0)))


# --- the index ------------------------------------------------------------------------


_STATUS_RANK = {"fresh": 0, "stale": 1, "missing": 2}


@dataclass(frozen=True)
class IndexEntry:
    """One row of ``reports/index.md``: a theme and the headline figures of its latest note."""

    theme_id: str
    title: str
    #: Session of the latest note, None when the theme has no note yet.
    as_of: dt.date | None = None
    title_zh: str | None = None
    basket_since_event: float | None = None
    basket_1d: float | None = None
    benchmark: str | None = None
    benchmark_since_event: float | None = None
    #: Data status shown to the reader: ``fresh``, ``stale``, ``missing``, or the
    #: pipeline's own words for a theme that failed this run (``failed: no prices``).
    status: str = "unknown"
    #: The note's languages, first one first (the JSON twin's ``languages``).
    languages: tuple[str, ...] = ("en",)

    @classmethod
    def from_note(cls, note: Mapping[str, Any]) -> IndexEntry:
        """Build the row from a note's JSON (as written by the renderer); tolerant of gaps.

        The status is the worst data status of the constituents and the benchmark.
        """
        snapshot = note.get("snapshot")
        theme = note.get("theme")
        theme_id = dig(theme, "id") or dig(snapshot, "theme_id")
        if not isinstance(theme_id, str):
            raise ValueError("the note names no theme id (theme.id or snapshot.theme_id)")
        statuses = [dig(stock, "status", "status") for stock in dig(snapshot, "stocks") or []]
        statuses.append(dig(snapshot, "benchmark", "status", "status"))
        known = [s for s in statuses if s in _STATUS_RANK]
        as_of = dig(snapshot, "as_of")
        title = dig(theme, "title")
        title_zh = dig(theme, "title_zh")
        benchmark = dig(snapshot, "benchmark", "symbol")
        languages = note.get("languages")
        if not isinstance(languages, list) or not all(isinstance(c, str) for c in languages):
            languages = ["en"]
        if isinstance(title, dict):  # a per-language title: the note's first language
            wanted = [*languages, "en", "zh-hk", "zh-cn"]
            title = next((title[c] for c in wanted if isinstance(title.get(c), str)), None)
        return cls(
            theme_id=theme_id,
            title=title if isinstance(title, str) else theme_id,
            title_zh=title_zh if isinstance(title_zh, str) else None,
            as_of=dt.date.fromisoformat(as_of) if isinstance(as_of, str) else None,
            basket_since_event=number(dig(snapshot, "basket", "returns", "since_event")),
            basket_1d=number(dig(snapshot, "basket", "returns", "one_day")),
            benchmark=benchmark if isinstance(benchmark, str) else None,
            benchmark_since_event=number(dig(snapshot, "benchmark", "returns", "since_event")),
            status=(max(known, key=_STATUS_RANK.__getitem__) if known else "unknown")
            + (" (demo)" if dig(snapshot, "demo") is True else ""),
            languages=tuple(languages) or ("en",),
        )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def _md_text(text: str) -> str:
    """User text made inert in a Markdown table cell (no markup, no HTML, no column break)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def _index_row(reports_dir: Path, entry: IndexEntry) -> str:
    title = _md_text(entry.title)
    if entry.title_zh:
        title += f" · {_md_text(entry.title_zh)}"
    if entry.as_of is None:
        latest = "no note yet"
    else:
        links = []
        files = session_files(reports_dir, entry.theme_id).get(entry.as_of)
        present = files.languages() if files is not None else []
        ordered = [c for c in entry.languages if c in present]
        ordered += [c for c in present if c not in ordered]
        for lang in ordered:
            label = "" if len(ordered) <= 1 else f" {lang}"
            assert files is not None
            for fmt in ("md", "pdf", "html"):
                path = files.notes[lang].get(fmt)
                if path is not None:
                    links.append(f"[{fmt}{label}]({entry.theme_id}/{path.name})")
        latest = entry.as_of.isoformat() + (f" ({', '.join(links)})" if links else "")
    benchmark = _pct(entry.benchmark_since_event)
    if entry.benchmark:
        benchmark += f" ({_md_text(entry.benchmark)})"
    cells = [
        f"`{entry.theme_id}`",
        title,
        latest,
        _pct(entry.basket_since_event),
        _pct(entry.basket_1d),
        benchmark,
        _md_text(entry.status),
    ]
    return "| " + " | ".join(cells) + " |"


def _theme_folders(reports_dir: Path) -> list[str]:
    """Ids of the theme folders in the archive: slug-named real folders with a dated note."""
    try:
        entries = list(os.scandir(reports_dir))
    except FileNotFoundError:
        return []
    ids = []
    for entry in entries:
        if (
            is_theme_id(entry.name)
            and entry.name != BOARD_DIR
            and entry.is_dir(follow_symlinks=False)
            and dated_notes(reports_dir, entry.name)
        ):
            ids.append(entry.name)
    return sorted(ids)


def board_index_line(reports_dir: Path) -> str | None:
    """``index.md``'s first line: the newest concept board's files, else None."""
    sessions = session_files(reports_dir, BOARD_DIR)
    if not sessions:
        return None
    newest = sessions[max(sessions)]
    links = []
    for lang in newest.languages():
        label = "" if len(newest.languages()) <= 1 else f" {lang}"
        for fmt in ("md", "pdf", "html"):
            path = newest.notes[lang].get(fmt)
            if path is not None:
                links.append(f"[{fmt}{label}]({BOARD_DIR}/{path.name})")
    if not links:
        return None
    return f"**Concept board {newest.session.isoformat()}**: {', '.join(links)}"


def write_index(reports_dir: Path, entries: Iterable[IndexEntry | str] = ()) -> Path:
    """Write ``reports/index.md``: every theme in the archive, this run's or not, by id.

    ``entries`` are this run's themes: an :class:`IndexEntry` is shown as given (say,
    with the pipeline's status for a theme that failed today); a bare theme id is read
    from its newest JSON note like every other theme folder, or shown as "no note yet".
    The output depends only on the archive and ``entries``, never on the clock, so a
    rerun writes identical bytes.
    """
    reports_dir = Path(reports_dir)
    rows: dict[str, IndexEntry] = {}
    wanted: list[str] = []
    for entry in entries:
        if isinstance(entry, IndexEntry):
            rows[entry.theme_id] = entry
        else:
            theme_dir(reports_dir, entry)  # validates the id
            wanted.append(entry)
    for theme_id in sorted({*_theme_folders(reports_dir), *wanted}):
        if theme_id in rows:
            continue
        note = newest_note(reports_dir, theme_id)
        if note is None:
            if theme_id in wanted:
                rows[theme_id] = IndexEntry(theme_id, theme_id, status="no note yet")
            continue
        try:
            rows[theme_id] = IndexEntry.from_note(note)
        except ValueError as exc:
            logger.warning("index: leaving out %s: %s", theme_id, exc)
    board = board_index_line(reports_dir)
    lines = [
        "# concepttrack notes",
        "",
        *([board, ""] if board else []),
        "The latest note of every theme in this folder. Returns are since the theme's event "
        "unless marked 1D; the benchmark is the theme's own.",
        "",
        "| Theme | Title | Latest note | Basket since event | Basket 1D "
        "| Benchmark since event | Data |",
        "|---|---|---|--:|--:|--:|---|",
        *(_index_row(reports_dir, rows[key]) for key in sorted(rows)),
        "",
    ]
    path = reports_dir / INDEX_NAME
    atomic_write_text(path, "\n".join(lines))
    return path


# --- run records and the log ----------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _iso_utc(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} into a run record")


def write_run_record(reports_dir: Path, record: Mapping[str, Any], started: dt.datetime) -> Path:
    """Write ``reports/runs/<UTC start, e.g. 2025-01-02T101500Z>.json`` atomically.

    Dates, datetimes and paths in ``record`` are written as ISO strings / text. A second
    run started in the same second gets a ``-2`` suffix rather than overwriting.
    """
    runs = Path(reports_dir) / RUNS_DIR
    stamp = started.astimezone(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ") if started.tzinfo else None
    if stamp is None:
        raise ValueError(f"{started!r} has no timezone; pass an aware datetime")
    text = json.dumps(record, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    path = runs / f"{stamp}.json"
    counter = 1
    while path.exists():
        counter += 1
        path = runs / f"{stamp}-{counter}.json"
    atomic_write_text(path, text)
    return path


class RunLog:
    """Appends timestamped lines to the ``--log-file``: ``<ISO UTC time> <LEVEL> <message>``.

    A path of None makes every call a no-op, so the pipeline can log unconditionally.
    Each line goes out in one ``write`` on an ``O_APPEND`` descriptor, so lines from
    processes sharing the file never interleave mid-line. A message of several lines
    is written as several lines with the same time and level.

    A line that cannot be written (disk full, file made read-only) does not stop the
    run: the first such error is kept in :attr:`write_failure` for the run to report.
    """

    def __init__(self, path: Path | None, *, now: Callable[[], dt.datetime] = _utc_now) -> None:
        self.path = Path(path) if path is not None else None
        self._now = now
        #: The first error met appending to the file, None while every line got written.
        self.write_failure: OSError | None = None
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
            except OSError as exc:
                raise UsageError(
                    f"cannot write the log file {self.path}: {exc.strerror}",
                    hint="Pass --log-file a path in a folder you can write to.",
                ) from exc

    def write(self, level: str, message: str) -> None:
        """Append ``message`` at ``level`` (``info``, ``warning``, ``error``; any case)."""
        if self.path is None:
            return
        stamp = _iso_utc(self._now())
        level = level.upper()
        lines = message.splitlines() or [""]
        data = "".join(f"{stamp} {level} {line}\n" for line in lines).encode("utf-8")
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        except OSError as exc:
            if self.write_failure is None:
                self.write_failure = (
                    OSError(exc.errno, exc.strerror or str(exc), str(self.path))
                    if exc.errno is not None
                    else exc
                )

    def info(self, message: str) -> None:
        self.write("INFO", message)

    def warning(self, message: str) -> None:
        self.write("WARNING", message)

    def error(self, message: str) -> None:
        self.write("ERROR", message)

    def handler(self, level: int = logging.WARNING) -> logging.Handler:
        """A logging handler that copies library log records (e.g. skipped notes) here."""
        return _RunLogHandler(self, level)


class _RunLogHandler(logging.Handler):
    def __init__(self, run_log: RunLog, level: int) -> None:
        super().__init__(level)
        self.run_log = run_log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.run_log.write(record.levelname, self.format(record))
        except Exception:
            self.handleError(record)


# --- housekeeping ---------------------------------------------------------------------


def _protected_sessions(folder: Path, dated: list[tuple[dt.date, Path]]) -> set[dt.date]:
    """The newest note's session and every session a ``latest.*`` link points at."""
    keep = {max(day for day, _ in dated)} if dated else set()
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith("latest.")]
    except OSError:
        names = []
    for name in names:
        session = _link_session(folder / name)
        if session is not None:
            keep.add(session)
    return keep


def prune(reports_dir: Path, keep_days: int, today: dt.date) -> list[Path]:
    """Remove dated notes older than ``today - keep_days`` days; return what was removed.

    A note is every format of one session plus its ``<date>-assets`` folder. Never
    removed: ``latest.*`` and the notes they point at, the newest note of each theme,
    and anything that is not named like a dated note inside a real (not symlinked)
    ``reports/<theme-id>/`` folder; ``index.md`` and unknown files stay. Run records
    (``runs/<UTC start>.json``) started before the cutoff day go too, except the newest.
    """
    if keep_days < 0:
        raise ValueError(f"keep_days must be 0 or more, not {keep_days}")
    reports_dir = Path(reports_dir)
    cutoff = today - dt.timedelta(days=keep_days)
    removed: list[Path] = []
    board = [BOARD_DIR] if dated_notes(reports_dir, BOARD_DIR) else []
    for theme_id in [*_theme_folders(reports_dir), *board]:
        folder = reports_dir / theme_id
        dated = dated_notes(reports_dir, theme_id)
        keep = _protected_sessions(folder, dated)
        for day, path in dated:
            if day < cutoff and day not in keep:
                path.unlink()
                removed.append(path)
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            assets_day = parse_assets(entry.name)
            if assets_day is None:
                continue
            if assets_day < cutoff and assets_day not in keep:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed.append(Path(entry.path))
    removed.extend(_prune_run_records(reports_dir, cutoff))
    return sorted(removed)


def _prune_run_records(reports_dir: Path, cutoff: dt.date) -> list[Path]:
    """Remove run records of runs started (UTC day) before ``cutoff``; never the newest."""
    try:
        entries = list(os.scandir(reports_dir / RUNS_DIR))
    except (FileNotFoundError, NotADirectoryError):
        return []
    records: list[tuple[dt.date, str, Path]] = []
    for entry in entries:
        day = parse_run_record(entry.name)
        if day is None or not entry.is_file(follow_symlinks=False):
            continue
        records.append((day, entry.name, Path(entry.path)))
    records.sort(key=lambda record: run_record_order(record[1]))
    removed = []
    for day, _, path in records[:-1]:
        if day < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def remove_leftovers(reports_dir: Path) -> list[Path]:
    """Delete temporary files a killed run left behind (``.<name>.<random>.tmp``).

    Atomic writes never expose a partial file under a real name, but a process killed
    with SIGKILL cannot delete its temporary file. Call this right after taking the
    :class:`RunLock`: with the lock held no other run is writing, so every temporary
    file in the archive is debris. Looks in ``reports/``, ``runs/``, theme folders and
    their assets folders only.
    """
    reports_dir = Path(reports_dir)
    folders = [reports_dir, reports_dir / RUNS_DIR]
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(reports_dir):
            if is_theme_id(entry.name) and entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))
                folders.extend(
                    Path(sub.path)
                    for sub in os.scandir(entry.path)
                    if parse_assets(sub.name) is not None and sub.is_dir(follow_symlinks=False)
                )
    removed: list[Path] = []
    for folder in folders:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            for entry in os.scandir(folder):
                if _LEFTOVER.match(entry.name) and not entry.is_dir(follow_symlinks=False):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    return sorted(removed)
