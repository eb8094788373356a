"""Wire the stages for one theme or many: as-of session, one price fetch, notes, archive.

``run`` is what ``concepttrack report`` calls, for one theme or ``--all``:

1. resolve the as-of session per exchange (the last session whose close has passed, or
   the last session on or before ``--as-of``);
2. take the reports-folder lock, so two runs never write over each other;
3. skip themes whose note for that session already exists and is complete (same theme
   text, same source, no stale or missing data) unless ``--force``; what a JSON twin
   says is remembered in ``reports/.rerun-memo.json`` while the twin stays the same
   file, and ``index.md`` and the site are left alone when nothing they are made from
   changed, so a re-run with nothing to do reads and writes (almost) nothing;
4. fetch every symbol of every remaining theme in one batched request round;
5. per theme (in ``--jobs`` processes): snapshot, "since the last note", render, all
   files written atomically; then ``latest`` links, ``index.md`` and a run record.

Exit codes (see :mod:`concepttrack.errors`): 0 all fresh; 3 data unavailable for a theme
(or stale with ``--strict``); 4 a note (or the index, a link, the run record)
could not be rendered or written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from concepttrack.errors import (
    EXIT_DATA,
    EXIT_DELIVERY,
    EXIT_OK,
    EXIT_RENDER,
    ConcepttrackError,
    RenderError,
    SourceError,
    UsageError,
)
from concepttrack.reporting import NullReporter, Reporter, plain_line

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.analytics.model import ThemeSnapshot
    from concepttrack.archive import RunLog
    from concepttrack.deliver.send import DeliveryReport
    from concepttrack.prices.chain import ChainSource
    from concepttrack.prices.frame import PriceFrame
    from concepttrack.themes import Theme

#: Calendar days of history before the event, for the chart's pre-news lead-in.
EVENT_LEAD_IN_DAYS = 45
#: Calendar days of history before the as-of session: 1Y window, 252 returns, 52 weeks.
HISTORY_DAYS = 400
#: Calendar days of history before each catalyst, for its event-study estimation window
#: (bars t0-260 to t0-11: about 13 months of Hong Kong sessions, with a margin).
EVENT_STUDY_DAYS = 400
#: No history is asked for before this date (the trading calendars start here).
EARLIEST_HISTORY = dt.date(1990, 1, 1)

OutcomeStatus = Literal["ok", "stale", "incomplete", "no-data", "render-error", "skipped"]


def parse_formats(text: str) -> tuple[str, ...]:
    """``"md,pdf"`` -> ``("md", "pdf")``; unknown names are a usage error."""
    from concepttrack.render.writers import format_names

    known = format_names()
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise UsageError(
            f"unknown format {', '.join(unknown) or repr(text)}",
            hint=f"Choose from {','.join(known)}, comma-separated.",
        )
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class RunOptions:
    """Everything ``report`` was asked to do, resolved to concrete values."""

    formats: tuple[str, ...]
    out_dir: Path
    source: str
    cache_path: Path
    as_of: dt.date | None = None
    offline: bool = False
    refresh: bool = False
    templates_dir: Path | None = None
    force: bool = False
    jobs: int = 1
    wait_seconds: float = 0.0
    strict: bool = False
    log_file: Path | None = None
    #: When the chosen source cannot be reached at all, use labelled demo prices
    #: instead (the README's first command; never the CLI default).
    fallback_demo: bool = False
    #: "Now", for tests with a fixed clock; None = the real time.
    now: dt.datetime | None = None
    #: Days cached fundamentals stay good before the source is asked again.
    fundamentals_max_age: int = 7
    #: ``--deliver``: the delivery config to send this run's notes with (None: no sending).
    deliver_config: Path | None = None
    #: ``--deliver-demo``: send notes made from demo prices too.
    deliver_demo: bool = False
    #: Note languages asked for (``--lang`` / CONCEPTTRACK_LANG); None = the theme's
    #: ``languages:``, else the book's.
    languages: tuple[str, ...] | None = None
    #: The book's ``languages:`` (its first is the language of plain text in the book).
    book_languages: tuple[str, ...] = ("en",)
    #: ``red-up`` / ``green-up``; None = each language's own convention.
    colours: str | None = None
    #: ``--check-against`` / the book's ``check_against:``: cross-check every note's
    #: closes with this source (``prices/compare.py``); None = no cross-check.
    check_against: str | None = None
    #: A close differs when further apart than this fraction (``--check-tolerance``).
    check_tolerance: float = 0.005

    #: ``report --all``: also write the day's concept board (``reports/board/``).
    board: bool = False

    def theme_languages(self, theme: Theme) -> tuple[str, ...]:
        """The languages of a theme's note: --lang, else the theme's, else the book's."""
        if self.languages:
            return self.languages
        if theme.languages:
            return tuple(theme.languages)
        return self.book_languages


@dataclass
class ThemeOutcome:
    """What happened to one theme in a run."""

    theme_id: str
    status: OutcomeStatus
    as_of: dt.date | None
    files: list[Path] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    message: str | None = None
    seconds: float = 0.0
    #: True when the note was (or would have been) made from demo prices.
    demo: bool = False
    #: Exchanges whose sessions past exchange-calendars' horizon were inferred from the
    #: bars for this note: exchange -> the horizon (the last date it knows).
    calendar_inferred: dict[str, dt.date] = field(default_factory=dict)
    #: The note's cross-check (``--check-against``) as in its JSON twin, and its console line.
    cross_check: dict[str, Any] | None = None
    cross_check_line: str | None = None

    #: The snapshot the note was written from (for the concept board; not recorded).
    snapshot: Any = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        """The status as shown to a person: ``ok``, or ``ok (demo)`` for demo prices."""
        return f"{self.status} (demo)" if self.demo else self.status

    def to_dict(self) -> dict[str, Any]:
        return {
            "theme_id": self.theme_id,
            "status": self.status,
            "demo": self.demo,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "files": [str(path) for path in self.files],
            # The languages whose files this run wrote (archive.NoteName reads the names).
            "languages": _written_languages(self.files),
            "stale": self.stale,
            "missing": self.missing,
            "message": self.message,
            "seconds": round(self.seconds, 3),
            "calendar_inferred_after": {
                exchange: day.isoformat() for exchange, day in self.calendar_inferred.items()
            },
            **({"cross_check": self.cross_check} if self.cross_check is not None else {}),
        }


def _written_languages(files: Sequence[Path]) -> list[str]:
    from concepttrack.archive import written_languages

    return written_languages(files)


@dataclass
class RunResult:
    """All outcomes of one run and the exit code they add up to."""

    outcomes: list[ThemeOutcome]
    source: str
    strict: bool = False
    fallback_reason: str | None = None
    source_requests: int | None = None
    #: Archive files (latest links, index, run record) that could not be written.
    write_errors: list[str] = field(default_factory=list)
    #: Fundamentals requests of the run (symbols asked; 0 on a warm cache).
    fundamentals_requests: int | None = None
    #: What ``--deliver`` sent (None without it).
    delivery: DeliveryReport | None = None
    #: Exchanges past exchange-calendars' horizon: exchange -> (horizon, inferred sessions).
    inferred_calendars: dict[str, tuple[dt.date, tuple[dt.date, ...]]] = field(default_factory=dict)
    #: A source chain's run: symbol -> the member that served it (None: one source).
    served_by: dict[str, str] | None = None
    #: A source chain's members skipped for the rest of the run (the circuit breaker).
    breaker: list[dict[str, str | int]] = field(default_factory=list)

    def calendar_lines(self) -> list[str]:
        """One line per exchange whose sessions were inferred (for the summary and log)."""
        return [
            inferred_calendar_line(exchange, edge, days)
            for exchange, (edge, days) in self.inferred_calendars.items()
        ]

    def cross_check_lines(self, *, differing_only: bool = False) -> list[str]:
        """One line per note cross-checked (``--check-against``), for the summary and log
        (``differing_only``: the notes whose cross-check found a difference)."""
        return [
            f"{outcome.theme_id}: {outcome.cross_check_line}"
            for outcome in self.outcomes
            if outcome.cross_check_line
            and not (differing_only and not (outcome.cross_check or {}).get("differing"))
        ]

    @property
    def exit_code(self) -> int:
        statuses = {outcome.status for outcome in self.outcomes}
        if "render-error" in statuses or self.write_errors:
            return EXIT_RENDER
        if statuses & {"no-data", "incomplete"}:
            return EXIT_DATA
        if self.strict and "stale" in statuses:
            return EXIT_DATA
        if self.delivery is not None and self.delivery.failed:
            return EXIT_DELIVERY
        return EXIT_OK


# --- the run ---------------------------------------------------------------------------


def theme_exchange(theme: Theme) -> str:
    """The calendar a theme's basket lives on (see ``Theme.calendar_exchange``)."""
    return theme.calendar_exchange


def resolve_as_of(exchange: str, requested: dt.date | None, now: dt.datetime | None) -> dt.date:
    """The last session on or before ``requested``, or the latest closed session.

    Past exchange-calendars' horizon this is the weekday on or before (provisional: the
    bars tell later whether it was a holiday, see :func:`infer_calendars`).
    """
    from concepttrack.calendar import latest_closed, on_or_before

    latest = latest_closed(now, exchange)
    if requested is None:
        return latest
    session = on_or_before(exchange, requested)
    if session > latest:
        raise UsageError(
            f"--as-of {requested.isoformat()} is after the latest closed {exchange} session "
            f"({latest.isoformat()})",
            hint="A note describes a closed session; leave --as-of out for the latest one.",
        )
    return session


def history_start(theme: Theme, as_of: dt.date) -> dt.date:
    """First date of history a theme's note needs: event lead-in, YTD base, 1Y of returns,
    and the event study's estimation window before the earliest catalyst up to ``as_of``."""
    studied = [c.date for c in (theme.event, *theme.catalysts) if c.date <= as_of]
    start = min(
        theme.event_date - dt.timedelta(days=EVENT_LEAD_IN_DAYS),
        dt.date(as_of.year - 1, 12, 1),
        as_of - dt.timedelta(days=HISTORY_DAYS),
        *(day - dt.timedelta(days=EVENT_STUDY_DAYS) for day in studied),
    )
    return max(start, EARLIEST_HISTORY)


def run(
    themes: Sequence[Theme], options: RunOptions, reporter: Reporter | None = None
) -> RunResult:
    """Write notes for ``themes``; never raises for one theme's data or render failure."""
    from concepttrack import archive

    reporter = reporter or NullReporter()
    started = dt.datetime.now(dt.UTC)
    log = archive.RunLog(options.log_file) if options.log_file else None
    handler = log.handler() if log is not None else None
    if handler is not None:
        logging.getLogger("concepttrack").addHandler(handler)
    try:
        return _run(themes, options, reporter, log, started)
    finally:
        if handler is not None:
            logging.getLogger("concepttrack").removeHandler(handler)


def _run(
    themes: Sequence[Theme],
    options: RunOptions,
    reporter: Reporter,
    log: RunLog | None,
    started: dt.datetime,
) -> RunResult:
    from concepttrack import archive
    from concepttrack.render import chartworker

    _log(log, "info", f"run started: {len(themes)} theme(s), source {options.source}")

    as_of_by_exchange: dict[str, dt.date] = {}
    as_of_by_theme: dict[str, dt.date] = {}
    for theme in themes:
        exchange = theme_exchange(theme)
        if exchange not in as_of_by_exchange:
            as_of_by_exchange[exchange] = resolve_as_of(exchange, options.as_of, options.now)
        as_of_by_theme[theme.id] = as_of_by_exchange[exchange]

    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(
            f"--out {options.out_dir} is a file, not a folder",
            hint="Pass --out with a folder for the reports (it is created if missing).",
        ) from None
    except OSError as exc:
        from concepttrack.fsutil import WRITE_ERRNOS, write_error

        if exc.errno in WRITE_ERRNOS:  # disk full, no permission, read-only: exit 4
            raise write_error(exc, options.out_dir) from exc
        raise UsageError(
            f"cannot create the reports folder {options.out_dir}: {exc.strerror}",
            hint="Pass --out with a folder you can write to.",
        ) from exc
    with archive.RunLock(options.out_dir, wait_seconds=options.wait_seconds):
        for leftover in archive.remove_leftovers(options.out_dir):
            _log(log, "warning", f"removed {leftover} left by an interrupted run")
        outcomes: dict[str, ThemeOutcome] = {}
        todo: list[Theme] = []
        memo = _Memo(options.out_dir)
        for theme in themes:
            as_of = as_of_by_theme[theme.id]
            if not options.force and _already_complete(theme, as_of, options, memo):
                outcomes[theme.id] = ThemeOutcome(
                    theme.id,
                    "skipped",
                    as_of,
                    message=f"note for {as_of.isoformat()} already exists; --force re-renders",
                )
                reporter.info(f"{theme.id}: note for {as_of.isoformat()} already written, skipped")
            else:
                todo.append(theme)

        result = RunResult([], options.source, strict=options.strict)
        inferred: dict[str, tuple[dt.date, ...]] = {}
        # Notes rendered one at a time: start the chart process now, so that matplotlib
        # is imported while the prices load (see render.chartworker).
        early_charts = (
            bool(todo) and "pdf" in options.formats and (options.jobs == 1 or len(todo) == 1)
        )
        with chartworker.started(early_charts):
            if todo:
                frame = _fetch(todo, as_of_by_theme, options, reporter, result, log)
                result.source_requests = frame.fetch_rounds if frame is not None else None
                if frame is not None and frame.fundamentals is not None:
                    result.fundamentals_requests = frame.fundamentals.requests
                if frame is None:
                    where = "the cache" if options.offline else options.source
                    for theme in todo:
                        outcomes[theme.id] = ThemeOutcome(
                            theme.id,
                            "no-data",
                            as_of_by_theme[theme.id],
                            message=f"no prices from {where} (see above); note not written",
                        )
                else:
                    result.inferred_calendars = infer_calendars(
                        todo, frame, max(as_of_by_theme.values())
                    )
                    inferred = {ex: days for ex, (_, days) in result.inferred_calendars.items()}
                    for line in result.calendar_lines():
                        _log(log, "info", line)
                    check = _fetch_check(todo, as_of_by_theme, options, reporter, log)
                    for outcome in _render_all(
                        todo, frame, as_of_by_theme, options, reporter, inferred, check
                    ):
                        outcomes[outcome.theme_id] = outcome
                        memo.forget(outcome.theme_id)
                        if outcome.files and outcome.as_of is not None:
                            # What the next run's completeness check would read.
                            twin = archive.note_path(
                                options.out_dir, outcome.theme_id, outcome.as_of, "json"
                            )
                            facts = _twin_facts(twin)
                            if facts is not None:
                                memo.record(outcome.theme_id, outcome.as_of, twin, facts)
                            theme = next(t for t in todo if t.id == outcome.theme_id)
                            with _archive_write(result, reporter, log):
                                archive.update_latest(
                                    options.out_dir,
                                    outcome.theme_id,
                                    outcome.as_of,
                                    options.theme_languages(theme),
                                )
        result.outcomes = [outcomes[theme.id] for theme in themes]
        board_written = options.board and _board_after_notes(
            themes, result, options, reporter, log, inferred
        )
        # Nothing rendered and the archive as the index and site were last made from:
        # they would come out the same, so they are left alone (a re-run writes nothing).
        unchanged = not todo and memo.views is not None and not board_written
        if not unchanged or memo.views != _views_key(options, themes):
            errors = len(result.write_errors)
            with _archive_write(result, reporter, log):
                _write_index(options.out_dir, themes)
            site_written = _write_site(options, themes, reporter, log, result)
            ok = site_written and len(result.write_errors) == errors
            memo.set_views(_views_key(options, themes) if ok else None)
        memo.save()
        if options.deliver_config is not None:
            result.delivery = _deliver(options, result.outcomes, reporter, log)
        for outcome in result.outcomes:
            level = {"ok": "info", "skipped": "info", "stale": "warning"}.get(
                outcome.status, "error"
            )
            _log(log, level, plain_line(outcome))
        for line in result.cross_check_lines():
            _log(log, "info", line)
        if log is not None and log.write_failure is not None:
            # A log file that stopped taking lines (disk full) is a write failure too.
            with _archive_write(result, reporter, None):
                raise log.write_failure
        record: dict[str, Any] = {
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": result.source,
            "source_requests": result.source_requests,
            "fundamentals_requests": result.fundamentals_requests,
            "fallback_reason": result.fallback_reason,
            "exit_code": result.exit_code,
            "calendars_inferred": {
                exchange: {
                    "after": edge.isoformat(),
                    "sessions": [day.isoformat() for day in days],
                }
                for exchange, (edge, days) in result.inferred_calendars.items()
            },
            "themes": [outcome.to_dict() for outcome in result.outcomes],
        }
        if result.served_by is not None:
            record["served_by"] = result.served_by
            record["breaker"] = result.breaker
        if result.write_errors:
            record["write_errors"] = result.write_errors
        if result.delivery is not None:
            record["delivery"] = result.delivery.to_dict()
        with _archive_write(result, reporter, log):
            archive.write_run_record(options.out_dir, record, started)
    _log(log, "info", f"run finished: exit {result.exit_code}")
    reporter.summary(result)
    return result


@contextmanager
def _archive_write(result: RunResult, reporter: Reporter, log: RunLog | None) -> Iterator[None]:
    """Around writing a latest link, the index or the run record: a failure to write
    (disk full, no permission) is said once and makes the run exit 4; the run goes on."""
    try:
        yield
    except OSError as exc:
        from concepttrack.fsutil import write_error

        error = write_error(exc)
        result.write_errors.append(error.message)
        reporter.error(error.message, error.hint)
        _log(log, "error", error.message)


def _log(log: RunLog | None, level: str, message: str) -> None:
    if log is not None:
        log.write(level, message)


def _already_complete(
    theme: Theme, as_of: dt.date, options: RunOptions, memo: _Memo | None = None
) -> bool:
    """True when this session's note exists in every format, from the same theme text and
    source, with no stale or missing data (so re-rendering could not change it).

    The facts read from the JSON twin (its theme, languages, source, and whether every
    status was fresh) come from ``memo`` when the twin is the very file they were read
    from (same inode, size, modification and change time); otherwise the twin is read.
    """
    from concepttrack.archive import note_path

    languages = options.theme_languages(theme)
    for lang in languages:
        for ext in _formats(options):
            if not note_path(
                options.out_dir, theme.id, as_of, ext, None if ext == "json" else lang
            ).exists():
                return False
    twin = note_path(options.out_dir, theme.id, as_of, "json")
    facts = memo.facts(theme.id, as_of, twin) if memo is not None else None
    if facts is None:
        facts = _twin_facts(twin)
        if facts is None:
            return False
        if memo is not None:
            memo.record(theme.id, as_of, twin, facts)
    return (
        facts["theme"] == _theme_digest(theme.model_dump(mode="json"))
        and facts["languages"] == list(languages)
        and facts["source"] == options.source
        and facts["fresh"] is True
    )


def _theme_digest(theme: Any) -> str:
    """A digest of a theme's JSON form (keys sorted): equal digests, equal themes."""
    import hashlib

    text = json.dumps(theme, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _twin_facts(twin: Path) -> dict[str, Any] | None:
    """What :func:`_already_complete` needs from a JSON twin; None if it cannot be read."""
    try:
        note = json.loads(twin.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(note, dict):
        return None
    snapshot = note.get("snapshot") or {}
    statuses = [s.get("status", {}).get("status") for s in snapshot.get("stocks", [])]
    statuses.append((snapshot.get("benchmark") or {}).get("status", {}).get("status"))
    fx = (snapshot.get("valuation") or {}).get("fx") or []
    fresh = not any(pair.get("status") in ("missing", "stale") for pair in fx) and all(
        status == "fresh" for status in statuses
    )
    return {
        "theme": _theme_digest(note.get("theme")),
        "languages": note.get("languages", ["en"]),
        "source": snapshot.get("source"),
        "fresh": fresh,
    }


#: The reports folder's memo for re-runs (hidden, like the site's ``.site-cache.json``).
RERUN_MEMO = ".rerun-memo.json"
#: Bump when the memo's layout or the facts it keeps change.
RERUN_MEMO_FORMAT = 1


def _file_key(path: Path) -> list[int] | None:
    """Identity of a file's current content: inode, size, modification and change time."""
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


class _Memo:
    """What a run learnt that lets the next one skip work, in ``reports/.rerun-memo.json``.

    * ``notes``: per theme, the facts :func:`_already_complete` reads from a JSON twin,
      with the session and the twin's :func:`_file_key` they were read from; a twin
      that is not exactly that file is read again.
    * ``views``: :func:`_views_key` right after ``index.md`` and the site were last
      written; a run that renders nothing and finds the same key leaves them alone
      (they would come out the same).

    Only a cache: unreadable, it is ignored; unwritable, the next run reads the twins.
    Written (under the run lock) only when something in it changed.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / RERUN_MEMO
        self.changed = False
        self.notes: dict[str, Any] = {}
        self.views: str | None = None
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(raw, dict) or raw.get("format") != RERUN_MEMO_FORMAT:
            return
        notes, views = raw.get("notes"), raw.get("views")
        self.notes = notes if isinstance(notes, dict) else {}
        self.views = views if isinstance(views, str) else None

    def facts(self, theme_id: str, session: dt.date, twin: Path) -> dict[str, Any] | None:
        entry = self.notes.get(theme_id)
        if not isinstance(entry, dict) or entry.get("session") != session.isoformat():
            return None
        key = _file_key(twin)
        facts = entry.get("facts")
        if key is None or entry.get("twin") != key or not isinstance(facts, dict):
            return None
        if set(facts) != {"theme", "languages", "source", "fresh"}:
            return None
        return facts

    def record(self, theme_id: str, session: dt.date, twin: Path, facts: dict[str, Any]) -> None:
        key = _file_key(twin)
        if key is None:
            return
        entry = {"session": session.isoformat(), "twin": key, "facts": facts}
        if self.notes.get(theme_id) != entry:
            self.notes[theme_id] = entry
            self.changed = True

    def forget(self, theme_id: str) -> None:
        if self.notes.pop(theme_id, None) is not None:
            self.changed = True

    def set_views(self, key: str | None) -> None:
        if key != self.views:
            self.views = key
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        from concepttrack.fsutil import atomic_write_text

        text = json.dumps(
            {"format": RERUN_MEMO_FORMAT, "views": self.views, "notes": self.notes},
            separators=(",", ":"),
        )
        try:
            atomic_write_text(self.path, text)
        except OSError as exc:  # a cache: the next run reads the twins instead
            logging.getLogger("concepttrack.pipeline").debug(
                "could not write %s: %s", self.path, exc
            )
        self.changed = False


#: Entries of the reports folder that no view depends on (or that every run changes).
_NOT_VIEW_INPUTS = frozenset({RERUN_MEMO, "runs", ".concepttrack.lock"})


def _views_key(options: RunOptions, themes: Sequence[Theme]) -> str | None:
    """Everything ``index.md`` and the site are made from, as a digest; None if unknown.

    The run's theme ids and languages, ``--templates`` (each file's identity), this
    package's version and its templates, catalogs and the code that writes the views,
    and every entry of the reports folder: files by :func:`_file_key`, theme folders by
    their modification time (any note, link or page added, replaced or removed in one
    changes it: every write here is a rename).
    """
    import hashlib

    from concepttrack import __version__

    here = Path(__file__).parent
    code = [here / "archive.py", here / "site.py", here / "pipeline.py"]
    for folder in (here / "render", *((options.templates_dir,) if options.templates_dir else ())):
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            code += [Path(root) / name for name in sorted(files)]
    try:
        entries = sorted(
            (entry.name, _entry_key(entry))
            for entry in os.scandir(options.out_dir)
            if entry.name not in _NOT_VIEW_INPUTS
        )
    except OSError:
        return None
    site_languages = options.theme_languages(themes[0]) if themes else options.book_languages
    parts = {
        "version": __version__,
        "themes": [theme.id for theme in themes],
        "languages": list(site_languages),
        "templates": str(options.templates_dir) if options.templates_dir else None,
        "code": [[str(path), _file_key(path)] for path in code],
        "entries": entries,
    }
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def _entry_key(entry: os.DirEntry[str]) -> list[int]:
    info = entry.stat(follow_symlinks=False)
    return [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _formats(options: RunOptions) -> tuple[str, ...]:
    # The JSON twin is always written: "since the last note" and the index read it.
    return tuple(dict.fromkeys([*options.formats, "json"]))


def _fetch(
    themes: Sequence[Theme],
    as_of_by_theme: dict[str, dt.date],
    options: RunOptions,
    reporter: Reporter,
    result: RunResult,
    log: RunLog | None,
) -> PriceFrame | None:
    """One batched fetch for every symbol of every theme; demo fallback if allowed."""
    from concepttrack.prices import load_prices
    from concepttrack.prices.registry import fallback_source, is_demo
    from concepttrack.themes import all_symbols

    symbols = all_symbols(themes)
    start = min(history_start(theme, as_of_by_theme[theme.id]) for theme in themes)
    end = max(as_of_by_theme.values())
    chain = _chain(options)
    try:
        frame = load_prices(
            symbols,
            start=start,
            end=end,
            source=chain or options.source,
            store_path=options.cache_path,
            offline=options.offline,
            refresh=options.refresh,
            now=options.now,
        )
        origin = f"the cache ({frame.source})" if options.offline else frame.source
        reporter.info(
            f"prices: {len(symbols)} symbols from {origin}, {start} to {end}, "
            f"{frame.fetch_rounds} request round(s)"
        )
        fundamentals = options.source
        if chain is not None:
            fundamentals = _chain_outcome(chain, frame, result, reporter, log)
        _attach_fundamentals(frame, themes, end, options, fundamentals, reporter, log)
        _attach_southbound(frame, themes, options, reporter, log)
        return frame
    except SourceError as exc:
        if chain is not None:
            result.served_by = {}
            _breaker(chain, result, reporter, log)
        if not options.fallback_demo or is_demo(options.source):
            reporter.error(exc.message, exc.hint)
            result.fallback_reason = exc.message
            _log(log, "error", exc.message)
            return None
        why = f"{options.source} prices unavailable ({exc.message}); using labelled DEMO prices"
        reporter.warn(why)
        _log(log, "warning", why)
        result.fallback_reason = why
        demo = fallback_source()
        result.source = demo
        frame = load_prices(
            symbols,
            start=start,
            end=end,
            source=demo,
            store_path=options.cache_path,
            now=options.now,
        )
        _attach_fundamentals(frame, themes, end, options, demo, reporter, log)
        return frame


def _attach_southbound(
    frame: PriceFrame,
    themes: Sequence[Theme],
    options: RunOptions,
    reporter: Reporter,
    log: RunLog | None,
) -> None:
    """Southbound holdings of the HK stocks when the source spec offers them (issue 18;
    ``prices/southbound.py``); never fails the run."""
    from concepttrack.prices.southbound import load_southbound

    stocks = list(dict.fromkeys(s for theme in themes for s in theme.symbols))
    try:
        frame.southbound = load_southbound(
            stocks,
            spec=options.source,
            store_path=options.cache_path,
            offline=options.offline,
            refresh=options.refresh,
            now=options.now,
        )
    except ConcepttrackError as exc:
        why = f"Southbound holdings unavailable: {exc.message}"
        reporter.warn(why)
        _log(log, "warning", why)
        return
    if frame.southbound is not None:
        found = frame.southbound
        held = sum(1 for records in found.records.values() if records)
        reporter.info(f"southbound: {held} HK stock(s) with holdings from {found.source}")


def _chain(options: RunOptions) -> ChainSource | None:
    """The run's one source chain (its breaker lasts the run), or None for one source."""
    if "," not in options.source:
        return None
    from concepttrack.prices.chain import ChainSource
    from concepttrack.prices.registry import get_source

    source = get_source(options.source, cache_dir=options.cache_path.parent / "yfinance")
    return source if isinstance(source, ChainSource) else None


def _chain_outcome(
    chain: ChainSource,
    frame: PriceFrame,
    result: RunResult,
    reporter: Reporter,
    log: RunLog | None,
) -> str:
    """Records who served each symbol and each breaker trip (said once); returns the
    member fundamentals come from: the first that served a price, else the first."""
    served = {
        symbol: history.meta.source
        for symbol, history in frame.histories.items()
        if history.meta is not None
    }
    result.served_by = served
    _breaker(chain, result, reporter, log)
    later = sorted({name for name in served.values() if name != chain.members[0].name})
    for name in later:
        count = sum(1 for member in served.values() if member == name)
        line = f"prices: {count} symbol(s) served by {name}, a later source of the chain"
        reporter.info(line)
        _log(log, "info", line)
    used = set(served.values())
    return next((m.name for m in chain.members if m.name in used), chain.members[0].name)


def _breaker(chain: ChainSource, result: RunResult, reporter: Reporter, log: RunLog | None) -> None:
    """Each member the breaker skipped, said once (console, log) and kept for the record."""
    for trip in chain.breaker.trips:
        reporter.warn(trip.line())
        _log(log, "warning", trip.line())
    result.breaker = [trip.to_dict() for trip in chain.breaker.trips]


def _attach_fundamentals(
    frame: PriceFrame,
    themes: Sequence[Theme],
    as_of: dt.date,
    options: RunOptions,
    source: str,
    reporter: Reporter,
    log: RunLog | None,
) -> None:
    """One bounded fundamentals round for every stock (issue 11); never fails the run."""
    from concepttrack.prices.fundamentals import FundamentalsSet, load_fundamentals
    from concepttrack.reasons import reason, said

    stocks = list(dict.fromkeys(s for theme in themes for s in theme.symbols))
    try:
        found = load_fundamentals(
            stocks,
            source=source,
            store_path=options.cache_path,
            as_of=as_of,
            max_age_days=options.fundamentals_max_age,
            offline=options.offline,
            refresh=options.refresh,
            now=options.now,
        )
    except ConcepttrackError as exc:
        why = f"fundamentals unavailable: {exc.message}"
        reporter.warn(why)
        _log(log, "warning", why)
        unavailable = reason("fundamentals_unavailable", why=said(exc.message))
        found = FundamentalsSet(source=frame.source, problems=dict.fromkeys(stocks, unavailable))
    if found.available:
        reporter.info(
            f"fundamentals: {len(stocks)} stocks, {found.requests} request(s) to {found.source}"
        )
    frame.fundamentals = found


def _fetch_check(
    themes: Sequence[Theme],
    as_of_by_theme: dict[str, dt.date],
    options: RunOptions,
    reporter: Reporter,
    log: RunLog | None,
) -> PriceFrame | None:
    """``--check-against``: the second source's closes of every stock and benchmark,
    through the same cache; a failure is a warning (the notes never depend on it)."""
    if not options.check_against:
        return None
    from concepttrack.prices import load_prices

    symbols = list(dict.fromkeys(s for t in themes for s in (*t.symbols, t.benchmark)))
    start = min(history_start(theme, as_of_by_theme[theme.id]) for theme in themes)
    end = max(as_of_by_theme.values())
    try:
        frame = load_prices(
            symbols,
            start=start,
            end=end,
            source=options.check_against,
            store_path=options.cache_path,
            offline=options.offline,
            refresh=options.refresh,
            now=options.now,
        )
    except ConcepttrackError as exc:
        why = f"cross-check against {options.check_against} not done: {exc.message}"
        reporter.warn(why)
        _log(log, "warning", why)
        return None
    reporter.info(f"cross-check: {len(symbols)} symbols from {frame.source}, {start} to {end}")
    return frame


def _cross_check(job: _Job, snapshot: ThemeSnapshot) -> ThemeSnapshot:
    """The snapshot with the note's cross-check (``--check-against``), if one was asked."""
    if job.check is None:
        return snapshot
    import dataclasses

    from concepttrack.prices.compare import compare_frames

    theme = job.theme
    result = compare_frames(
        job.frame.histories,
        job.check.histories,
        primary_name=snapshot.source,
        other_name=job.check.source,
        start=history_start(theme, snapshot.as_of),
        end=snapshot.as_of,
        tolerance=job.check_tolerance,
        symbols=list(dict.fromkeys([*theme.symbols, theme.benchmark])),
    )
    return dataclasses.replace(snapshot, cross_check=result)


@dataclass(frozen=True)
class _Job:
    theme: Theme
    frame: PriceFrame
    as_of: dt.date
    formats: tuple[str, ...]
    out_dir: Path
    templates_dir: Path | None
    #: Draw charts in a forked process (only when rendering one note at a time).
    parallel_charts: bool = False
    force: bool = False
    languages: tuple[str, ...] = ("en",)
    default_lang: str = "en"
    colours: str | None = None
    #: Sessions past exchange-calendars' horizon, inferred from the bars (by exchange).
    inferred: dict[str, tuple[dt.date, ...]] = field(default_factory=dict)
    #: ``--check-against``: the second source's prices of the theme (None: no cross-check).
    check: PriceFrame | None = None
    check_tolerance: float = 0.005


def _render_all(
    themes: Sequence[Theme],
    frame: PriceFrame,
    as_of_by_theme: dict[str, dt.date],
    options: RunOptions,
    reporter: Reporter,
    inferred: dict[str, tuple[dt.date, ...]] | None = None,
    check: PriceFrame | None = None,
) -> list[ThemeOutcome]:
    from concepttrack.prices.frame import PriceFrame

    jobs = []
    for theme in themes:
        wanted = [*theme.symbols, theme.benchmark, *theme.fx_symbols, *theme.ah_symbols]
        subset = PriceFrame(
            frame.source,
            {s: frame.get(s) for s in wanted},
            fundamentals=frame.fundamentals,
            synthetic=frame.synthetic,
            southbound=frame.southbound,
        )
        jobs.append(
            _Job(
                theme,
                subset,
                as_of_by_theme[theme.id],
                _formats(options),
                options.out_dir,
                options.templates_dir,
                parallel_charts=options.jobs == 1,
                force=options.force,
                languages=options.theme_languages(theme),
                default_lang=options.book_languages[0],
                colours=options.colours,
                inferred=dict(inferred or {}),
                check=_subset(check, wanted),
                check_tolerance=options.check_tolerance,
            )
        )
    if options.jobs > 1 and len(jobs) > 1:
        import multiprocessing

        context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        from concepttrack.children import start_worker

        with ProcessPoolExecutor(
            max_workers=options.jobs,
            mp_context=context,
            initializer=start_worker,
            initargs=(os.getpid(),),
        ) as pool:
            outcomes = list(pool.map(render_one, jobs))
    else:
        outcomes = [render_one(job) for job in jobs]
    return outcomes


def _subset(frame: PriceFrame | None, symbols: Sequence[str]) -> PriceFrame | None:
    from concepttrack.prices.frame import PriceFrame

    if frame is None:
        return None
    return PriceFrame(
        frame.source, {s: frame.histories[s] for s in symbols if s in frame.histories}
    )


def render_one(job: _Job) -> ThemeOutcome:
    """Snapshot, compare with the previous note, render; errors become an outcome."""
    from concepttrack import archive
    from concepttrack.analytics.changes import since_last_note
    from concepttrack.analytics.snapshot import build_snapshot
    from concepttrack.languages import parse_colours
    from concepttrack.render import render_note

    began = time.perf_counter()
    theme, as_of = job.theme, job.as_of
    if theme.event_date > as_of:
        return ThemeOutcome(
            theme.id,
            "no-data",
            as_of,
            message=f"the event ({theme.event_date}) is after the as-of session ({as_of}); "
            "there is nothing to track yet",
        )
    try:
        calendar, own_sessions, inferred_after = theme_calendars(theme, as_of, job.inferred)
        snapshot = build_snapshot(
            theme,
            job.frame,
            as_of,
            calendar,
            own_sessions=own_sessions,
            calendar_inferred_after=inferred_after,
        )
    except ConcepttrackError as exc:
        return ThemeOutcome(theme.id, "no-data", as_of, message=exc.message)
    # Past the horizon the provisional as-of (a weekday) may have been a holiday.
    as_of = snapshot.as_of
    snapshot = _cross_check(job, snapshot)
    inferred_exchanges = _inferred_exchanges(theme, as_of, job.inferred)
    stale = [s.symbol for s in snapshot.statuses if s.status == "stale"]
    missing = [s.symbol for s in snapshot.statuses if s.status == "missing"]
    usable = [s for s in snapshot.stocks if s.status.status != "missing" and s.in_basket]
    if not usable or snapshot.basket.base_session is None:
        return ThemeOutcome(
            theme.id,
            "no-data",
            as_of,
            stale=stale,
            missing=missing,
            message="no constituent has prices at the event base session; note not written",
            seconds=time.perf_counter() - began,
        )
    if snapshot.demo and not job.force:
        kept = _real_note_source(job.out_dir, theme.id, as_of)
        if kept is not None:
            return ThemeOutcome(
                theme.id,
                "skipped",
                as_of,
                demo=True,
                message=f"kept the note for {as_of.isoformat()} made from {kept} prices: "
                "demo prices never replace it (--force overwrites)",
                seconds=time.perf_counter() - began,
            )
    previous = archive.previous_note(job.out_dir, theme.id, before=as_of, source=snapshot.source)
    since = since_last_note(previous, snapshot, theme) if previous else None
    from concepttrack.notewrite import whole_note

    try:
        # Disk full or no permission: exit 4 naming the file; no half note is left.
        with whole_note(job.out_dir, theme.id, as_of):
            files = render_note(
                theme,
                snapshot,
                formats=job.formats,
                out_dir=job.out_dir,
                templates_dir=job.templates_dir,
                since_last=since,
                parallel_charts=job.parallel_charts,
                languages=job.languages,
                default_lang=job.default_lang,
                colours=parse_colours(job.colours),
            )
    except RenderError as exc:
        return ThemeOutcome(
            theme.id,
            "render-error",
            as_of,
            stale=stale,
            missing=missing,
            message=exc.message,
            seconds=time.perf_counter() - began,
        )
    # An FX pair missing (its stocks left out) makes the note incomplete; stale, stale.
    from concepttrack.analytics.valuation import fx_gaps

    gaps = fx_gaps(snapshot)
    missing += gaps.missing
    stale += gaps.stale
    status: OutcomeStatus = "incomplete" if missing else "stale" if stale else "ok"
    message = None
    if missing:
        # Say why, so a cron mail names the broken file or the unknown symbol.
        why = [f"{s.symbol} ({s.reason})" if s.reason else s.symbol for s in snapshot.statuses]
        parts = [w for w, s in zip(why, snapshot.statuses, strict=True) if s.status == "missing"]
        parts += [gaps.lines[pair] for pair in gaps.missing]
        message = "no data for " + "; ".join(parts)
    elif stale:
        message = "stale data for " + ", ".join(gaps.lines.get(s, s) for s in stale)
    return ThemeOutcome(
        theme.id,
        status,
        as_of,
        files=files,
        stale=stale,
        missing=missing,
        message=message,
        seconds=time.perf_counter() - began,
        demo=snapshot.demo,
        calendar_inferred=inferred_exchanges,
        cross_check=snapshot.cross_check.to_dict(flagged=False) if snapshot.cross_check else None,
        cross_check_line=snapshot.cross_check.summary() if snapshot.cross_check else None,
        snapshot=snapshot,
    )


def _real_note_source(out_dir: Path, theme_id: str, as_of: dt.date) -> str | None:
    """The source of an existing non-demo note for this session, if there is one."""
    from concepttrack import archive

    path = archive.note_path(out_dir, theme_id, as_of, "json")
    if not path.is_file():
        return None
    note = archive.read_note(path)
    snapshot = (note or {}).get("snapshot") or {}
    if not snapshot or snapshot.get("demo", True):
        return None
    source = snapshot.get("source")
    return source if isinstance(source, str) else "market"


def _write_index(out_dir: Path, themes: Sequence[Theme]) -> None:
    from concepttrack import archive

    archive.write_index(out_dir, [theme.id for theme in themes])


def _write_site(
    options: RunOptions,
    themes: Sequence[Theme],
    reporter: Reporter,
    log: RunLog | None,
    result: RunResult | None = None,
) -> bool:
    """``reports/index.html`` and each theme's page, in the run's first language; a
    failure here costs no note. A full disk or no permission is exit 4 naming the page,
    like the index. False when the site could not be written."""
    from concepttrack import site
    from concepttrack.fsutil import WRITE_ERRNOS

    languages = options.theme_languages(themes[0]) if themes else options.book_languages
    try:
        site.write_site(options.out_dir, templates_dir=options.templates_dir, languages=languages)
    except OSError as exc:
        if result is not None and exc.errno in WRITE_ERRNOS:
            with _archive_write(result, reporter, log):
                raise
            return False
        reporter.warn(f"the archive site was not updated: {exc}")
        _log(log, "warning", f"the archive site was not updated: {exc}")
        return False
    except RenderError as exc:
        reporter.warn(f"the archive site was not updated: {exc}")
        _log(log, "warning", f"the archive site was not updated: {exc}")
        return False
    return True


def _deliver(
    options: RunOptions, outcomes: Sequence[ThemeOutcome], reporter: Reporter, log: RunLog | None
) -> DeliveryReport:
    """``--deliver``: send this run's notes (written now or already there); exit 6 on failure."""
    from concepttrack.deliver.send import deliver_after_run

    assert options.deliver_config is not None
    notes = [
        (o.theme_id, o.as_of)
        for o in outcomes
        if o.as_of is not None and o.status in ("ok", "stale", "incomplete", "skipped")
    ]
    return deliver_after_run(
        options.deliver_config,
        options.out_dir,
        notes,
        deliver_demo=options.deliver_demo,
        reporter=reporter,
        log=log,
        now=options.now,
        templates_dir=options.templates_dir,
    )


# --- calendars past exchange-calendars' horizon ---------------------------------------

#: Longest run of weekdays without a single bar of a market that still counts as a
#: holiday (mainland Golden Week and Lunar New Year close five to seven weekdays);
#: a longer run is taken as missing data, so its symbols are flagged stale.
MAX_HOLIDAY_WEEKDAYS = 7


def infer_calendars(
    themes: Sequence[Theme], frame: PriceFrame, through: dt.date
) -> dict[str, tuple[dt.date, tuple[dt.date, ...]]]:
    """Sessions past each exchange's horizon, from the bars ``frame`` holds.

    For every exchange of the themes' symbols (stocks and benchmarks) whose horizon is
    before ``through``: a weekday after the horizon on which any of that exchange's
    symbols has a bar is a session; a weekday on which none has one is a holiday, unless
    it belongs to a run of more than :data:`MAX_HOLIDAY_WEEKDAYS` such weekdays (that
    is missing data, not a holiday, and those weekdays stay sessions).
    Returns exchange -> (horizon, inferred sessions); empty when nothing is past.
    """
    from concepttrack import calendar
    from concepttrack.themes import all_symbols

    by_exchange: dict[str, list[str]] = {}
    for symbol in all_symbols(themes):
        by_exchange.setdefault(calendar.exchange_for(symbol), []).append(symbol)
    found: dict[str, tuple[dt.date, tuple[dt.date, ...]]] = {}
    for exchange, symbols in sorted(by_exchange.items()):
        edge = calendar.horizon(exchange)
        if through <= edge:
            continue
        bar_days: set[dt.date] = set()
        for symbol in symbols:
            index = frame.get(symbol).bars.index
            bar_days.update(ts.date() for ts in index[index > edge.isoformat()])
        traded = set(calendar.infer_sessions(exchange, through, bar_days))
        weekdays = [
            edge + dt.timedelta(days=n)
            for n in range(1, (through - edge).days + 1)
            if (edge + dt.timedelta(days=n)).weekday() < 5
        ]
        days: list[dt.date] = []
        gap: list[dt.date] = []
        for day in weekdays:
            if day in traded:
                days.extend(gap if len(gap) > MAX_HOLIDAY_WEEKDAYS else [])
                gap = []
                days.append(day)
            else:
                gap.append(day)
        days.extend(gap if len(gap) > MAX_HOLIDAY_WEEKDAYS else [])
        found[exchange] = (edge, tuple(sorted(days)))
    return found


def inferred_calendar_line(exchange: str, edge: dt.date, days: Sequence[dt.date]) -> str:
    """The run summary's line about one inferred calendar."""
    return (
        f"calendar: {exchange} sessions after {edge.isoformat()} inferred from the prices "
        f"returned ({len(days)} session(s); exchange-calendars knows its holidays only "
        f"to {edge.isoformat()})"
    )


def _inferred_exchanges(
    theme: Theme, as_of: dt.date, inferred: dict[str, tuple[dt.date, ...]]
) -> dict[str, dt.date]:
    """The theme's exchanges whose sessions up to ``as_of`` were (partly) inferred."""
    from concepttrack import calendar

    out: dict[str, dt.date] = {}
    for symbol in [*theme.symbols, theme.benchmark]:
        exchange = calendar.exchange_for(symbol)
        if exchange in inferred and as_of > calendar.horizon(exchange):
            out[exchange] = calendar.horizon(exchange)
    return out


def theme_calendars(
    theme: Theme, as_of: dt.date, inferred: dict[str, tuple[dt.date, ...]]
) -> tuple[pd.DatetimeIndex, dict[str, pd.DatetimeIndex], dict[str, dt.date]]:
    """The theme's calendar, each symbol's own market sessions when they differ, and the
    symbols whose market's sessions past the horizon were inferred (-> the horizon)."""
    from concepttrack import calendar

    exchange = theme_exchange(theme)
    start = history_start(theme, as_of)
    theme_sessions = calendar.sessions_through(exchange, start, as_of, inferred)
    own: dict[str, pd.DatetimeIndex] = {}
    inferred_after: dict[str, dt.date] = {}
    by_exchange: dict[str, pd.DatetimeIndex] = {exchange: theme_sessions}
    for symbol in [*theme.symbols, theme.benchmark]:
        market = calendar.exchange_for(symbol)
        if market not in by_exchange:
            by_exchange[market] = calendar.sessions_through(market, start, as_of, inferred)
        if market != exchange:
            own[symbol] = by_exchange[market]
        if market in inferred and as_of > calendar.horizon(market):
            inferred_after[symbol] = calendar.horizon(market)
    return theme_sessions, own, inferred_after


# --- the concept board (issue 19) --------------------------------------------------------


def _board_snapshot(
    theme: Theme, frame: PriceFrame, as_of: dt.date, inferred: dict[str, tuple[dt.date, ...]]
) -> Any:
    """The theme's snapshot exactly as :func:`render_one` builds it for the note."""
    from concepttrack.analytics.snapshot import build_snapshot
    from concepttrack.prices.frame import PriceFrame

    wanted = [*theme.symbols, theme.benchmark, *theme.fx_symbols]
    subset = PriceFrame(
        frame.source,
        {s: frame.get(s) for s in wanted},
        fundamentals=frame.fundamentals,
        synthetic=frame.synthetic,
    )
    calendar, own_sessions, inferred_after = theme_calendars(theme, as_of, inferred)
    return build_snapshot(
        theme,
        subset,
        as_of,
        calendar,
        own_sessions=own_sessions,
        calendar_inferred_after=inferred_after,
    )


def _board_languages(options: RunOptions) -> tuple[str, ...]:
    return options.languages or options.book_languages


def _write_board(
    themes: Sequence[Theme], snapshots: Sequence[Any], options: RunOptions
) -> list[Path]:
    """Write the board of ``snapshots`` and point ``board/latest.*`` at it (lock held)."""
    from concepttrack import archive
    from concepttrack.languages import parse_colours
    from concepttrack.notewrite import whole_note
    from concepttrack.render.board import BOARD_DIR, render_board

    session = max(s.as_of for s in snapshots)
    with whole_note(options.out_dir, BOARD_DIR, session):
        files = render_board(
            themes,
            snapshots,
            formats=_formats(options),
            out_dir=options.out_dir,
            languages=_board_languages(options),
            default_lang=options.book_languages[0],
            colours=parse_colours(options.colours),
            templates_dir=options.templates_dir,
            session=session,
        )
    archive.update_latest(options.out_dir, BOARD_DIR, session, _board_languages(options))
    return files


def _board_after_notes(
    themes: Sequence[Theme],
    result: RunResult,
    options: RunOptions,
    reporter: Reporter,
    log: RunLog | None,
    inferred: dict[str, tuple[dt.date, ...]],
) -> bool:
    """``report --all``: the board of the session from the snapshots the notes were just
    written from; themes whose note was already there are snapshotted again from the
    cache (the same function, the same prices). Left alone when no note was written and
    the board of the session exists. A failure costs no note (exit 4, said). True when
    a board was written."""
    from concepttrack.render.board import board_files

    # The themes with a note of the session (written now or already there).
    noted = ("ok", "stale", "incomplete", "skipped")
    done = [o for o in result.outcomes if o.as_of is not None and o.status in noted]
    if not done:
        return False
    session = max(o.as_of for o in done if o.as_of is not None)
    snapshots = {o.theme_id: o.snapshot for o in done if o.snapshot is not None}
    wanted = board_files(options.out_dir, session, _board_languages(options), _formats(options))
    if not snapshots and not options.force and all(p.is_file() for p in wanted):
        return False
    try:
        rest = [
            t for t in themes if t.id not in snapshots and any(o.theme_id == t.id for o in done)
        ]
        if rest:
            as_of_by_theme = {o.theme_id: o.as_of for o in done if o.as_of is not None}
            frame = _fetch(rest, as_of_by_theme, options, NullReporter(), RunResult([], ""), log)
            if frame is not None:
                for theme in rest:
                    try:
                        snapshots[theme.id] = _board_snapshot(
                            theme, frame, as_of_by_theme[theme.id], inferred
                        )
                    except ConcepttrackError as exc:
                        reporter.warn(f"board: {theme.id} left out: {exc.message}")
        if not snapshots:
            return False
        shown = [t for t in themes if t.id in snapshots]
        files = _write_board(shown, [snapshots[t.id] for t in shown], options)
        reporter.info(f"board: {len(shown)} theme(s), {', '.join(str(p) for p in files)}")
        _log(log, "info", f"board written for {session.isoformat()}")
        return True
    except RenderError as exc:
        reporter.error(f"the concept board was not written: {exc.message}", exc.hint)
        _log(log, "error", f"the concept board was not written: {exc.message}")
        result.write_errors.append(f"board: {exc.message}")
    except ConcepttrackError as exc:
        if exc.exit_code == EXIT_RENDER:
            with _archive_write(result, reporter, log):
                raise
        reporter.warn(f"the concept board was not written: {exc.message}")
        _log(log, "warning", f"the concept board was not written: {exc.message}")
    return False


@dataclass
class BoardResult:
    """What ``concepttrack board`` did."""

    session: dt.date | None
    files: list[Path] = field(default_factory=list)
    #: Themes left out of the board (no prices, event after the session), with why.
    left_out: dict[str, str] = field(default_factory=dict)
    exit_code: int = EXIT_OK


def run_board(
    themes: Sequence[Theme], options: RunOptions, reporter: Reporter | None = None
) -> BoardResult:
    """``concepttrack board``: the concept board alone, from the cache or the source.

    The snapshots are built exactly as ``report`` builds them for the notes (one batched
    fetch, the same calendars, :func:`concepttrack.analytics.snapshot.build_snapshot`);
    the board is written under the run lock, ``board/latest.*`` moved, and the archive's
    ``index.md`` and site refreshed so they link it.
    """
    from concepttrack import archive

    reporter = reporter or NullReporter()
    as_of_by_exchange: dict[str, dt.date] = {}
    as_of_by_theme: dict[str, dt.date] = {}
    for theme in themes:
        exchange = theme_exchange(theme)
        if exchange not in as_of_by_exchange:
            as_of_by_exchange[exchange] = resolve_as_of(exchange, options.as_of, options.now)
        as_of_by_theme[theme.id] = as_of_by_exchange[exchange]
    result = BoardResult(None)
    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the reports folder {options.out_dir}: {exc.strerror or exc}",
            hint="Pass --out with a folder you can write to.",
        ) from None
    with archive.RunLock(options.out_dir, wait_seconds=options.wait_seconds):
        todo = [t for t in themes if t.event_date <= as_of_by_theme[t.id]]
        for theme in themes:
            if theme not in todo:
                reporter.info(f"board: {theme.id} left out: its event is after the session")
        run = RunResult([], options.source)
        frame = _fetch(todo, as_of_by_theme, options, reporter, run, None) if todo else None
        snapshots = {}
        if frame is not None:
            calendars = infer_calendars(todo, frame, max(as_of_by_theme.values()))
            inferred = {ex: days for ex, (_, days) in calendars.items()}
            for theme in todo:
                try:
                    snapshot = _board_snapshot(theme, frame, as_of_by_theme[theme.id], inferred)
                except ConcepttrackError as exc:
                    result.left_out[theme.id] = exc.message
                    continue
                usable = [
                    s for s in snapshot.stocks if s.status.status != "missing" and s.in_basket
                ]
                if not usable or snapshot.basket.base_session is None:
                    # No note would be written either (render_one's rule).
                    result.left_out[theme.id] = (
                        "no constituent has prices at the event base session"
                    )
                    continue
                snapshots[theme.id] = snapshot
        for theme_id, why in result.left_out.items():
            reporter.warn(f"board: {theme_id} left out: {why}")
        if not snapshots:
            reporter.error("no theme has prices for the board; nothing written")
            result.exit_code = EXIT_DATA
            return result
        shown = [t for t in themes if t.id in snapshots]
        result.files = _write_board(shown, [snapshots[t.id] for t in shown], options)
        result.session = max(s.as_of for s in snapshots.values())
        _write_index(options.out_dir, [])
        _write_site(options, themes, reporter, None)
    for path in result.files:
        reporter.info(str(path))
    if result.left_out:
        result.exit_code = EXIT_DATA
    return result
