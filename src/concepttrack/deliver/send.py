"""Send each new note to its destinations through Apprise, exactly once (see ledger.py).

What arrives:

* **e-mail** (``mailto://``, ``mailtos://``): subject
  ``[concepttrack] <title> · 1 Dec 2026 · basket +1.1% vs HSI −0.3%`` (the session's
  move), an HTML body with the key figures and the "what moved" paragraph, a plain-text
  alternative part, and the note's files named by the destination's ``attach`` (PDF by
  default) attached byte for byte — each up to :data:`ATTACHMENT_LIMIT` (20 MB, under
  the usual mail-server cap): a larger file is left out, the message says which and
  why in its own language, and the delivery line says so too;
* **chat and webhooks** (Slack, Teams, Telegram, JSON …): the same subject as title, a
  Markdown body with the headline and "what moved", and the attachments where the service
  takes files.

Every message is in the language of the note it carries (a destination's ``languages``
choose which): the subject, HTML body and chat Markdown come from the package templates
``mail_subject.txt.j2``, ``mail.html.j2`` and ``chat.md.j2`` (``--templates`` overrides
them, as the note's) with the catalogs' words and :mod:`concepttrack.render.formats`'
numbers and dates; the plain-text part is Apprise's rendering of the HTML. User text is
escaped (HTML autoescape; the Markdown environment's escaper).

Every figure is read from the note's JSON twin, never recomputed. A note made from demo
prices says DEMO in the subject and is sent only with ``--deliver-demo``.

Apprise is used with no plugin folders (no code is loaded from ``~/.apprise``), its
persistent storage in memory only, attachments restricted to local files, and explicit
socket timeouts; the only network traffic is to the destinations themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from concepttrack import site
from concepttrack.archive import BOARD_DIR, dig, number, read_note, session_files
from concepttrack.deliver.apprise_env import apprise_asset, apprise_module
from concepttrack.deliver.config import DeliverConfig, Destination
from concepttrack.deliver.ledger import Ledger, iso, parse_iso
from concepttrack.reporting import NullReporter, Reporter

if TYPE_CHECKING:
    import jinja2

    from concepttrack.archive import RunLog

logger = logging.getLogger(__name__)

#: Below this many seconds left before the deadline, a send is not started at all.
MIN_SEND_TIME = 1.0
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
EMAIL_SCHEMES = ("mailto", "mailtos")

LineStatus = Literal[
    "sent",
    "failed",
    "gave-up",
    "given-up",
    "waiting",
    "already-sent",
    "demo",
    "unknown",
    "config-error",
    "deadline",
]
#: Line statuses that make the run exit 6.
FAILED: frozenset[str] = frozenset(
    {"failed", "gave-up", "waiting", "unknown", "config-error", "deadline"}
)


# --- apprise, locked down ----------------------------------------------------------------


def _with_timeouts(url: str) -> str:
    """Explicit connect/read timeouts unless the URL sets its own (``cto``, ``rto``)."""
    from urllib.parse import parse_qsl, urlsplit

    keys = {k for k, _ in parse_qsl(urlsplit(url).query)}
    extra = [
        f"{k}={v}" for k, v in (("cto", CONNECT_TIMEOUT), ("rto", READ_TIMEOUT)) if k not in keys
    ]
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(extra)


#: The largest file attached to a message. Mail servers commonly refuse messages over
#: 20-25 MB (base64 makes a file a third larger), and the message is built in memory: a
#: larger note file is left out, and the message and the delivery line say so.
ATTACHMENT_LIMIT = 20 * 1024 * 1024


@dataclass(frozen=True)
class Message:
    """What one destination receives for one note."""

    title: str
    body: str
    body_format: str  # "html" or "markdown"
    attachments: tuple[Path, ...] = ()
    missing: tuple[str, ...] = ()  # attach formats that were asked for but not written
    #: (file name, size in bytes) of files over :data:`ATTACHMENT_LIMIT`, not attached.
    left_out: tuple[tuple[str, int], ...] = ()

    def notes(self) -> str | None:
        """What the delivery line adds about the attachments (None: nothing to say)."""
        parts = []
        if self.missing:
            parts.append(f"no {', '.join(self.missing)} written for this session")
        if self.left_out:
            files = ", ".join(f"{name} ({_megabytes(size)})" for name, size in self.left_out)
            parts.append(
                f"not attached: {files}; attachments are limited to {_megabytes(ATTACHMENT_LIMIT)}"
            )
        return "; ".join(parts) or None


def _megabytes(size: int) -> str:
    """``150 MB`` (rounded up, so a file just over the limit never reads as the limit)."""
    return f"{-(-size // (1024 * 1024))} MB"


def _attachable(files: Sequence[Path]) -> tuple[tuple[Path, ...], tuple[tuple[str, int], ...]]:
    """(files to attach, (name, size) of files over :data:`ATTACHMENT_LIMIT`)."""
    import os

    kept: list[Path] = []
    left_out: list[tuple[str, int]] = []
    for path in files:
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0  # gone since it was listed: Apprise reports it as it would
        if size > ATTACHMENT_LIMIT:
            left_out.append((path.name, size))
        else:
            kept.append(path)
    return tuple(kept), tuple(left_out)


#: What one send came to: ``sent``; ``failed`` (refused before the message could have
#: been accepted: retried later); ``unknown`` (no answer in time: it may have arrived, so
#: it is never sent again without ``--resend``).
SendOutcome = Literal["sent", "failed", "unknown"]
#: The longest one send may take, connection to last reply, before it is abandoned.
SEND_TIMEOUT = 60.0


def send_message(
    destination: Destination, message: Message, *, timeout: float = SEND_TIMEOUT
) -> tuple[SendOutcome, str | None]:
    """Send in a child process that is killed after ``timeout`` seconds.

    A send abandoned in a thread goes on after the run has recorded it as failed — a slow
    mail server then stores the note once per run. In a child process it cannot: at the
    deadline the child is killed, the transaction dies with it, and the outcome is
    ``unknown`` (it may have been accepted just before). Errors come back scrubbed.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_send_in_child, args=(sender, destination.url, message), daemon=True
    )
    child.start()
    sender.close()
    try:
        answered = receiver.poll(max(timeout, 0.0))
        result: tuple[SendOutcome, str | None] | None = None
        if answered:
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                result = None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()
    if result is None:
        if answered:  # the child died without a word: it may have sent
            why = "the sending process ended without an answer"
        else:
            why = f"no answer within {timeout:.0f} s"
        return "unknown", why
    outcome, reason = result
    return outcome, None if reason is None else destination.scrub(reason)[:500]


def _send_in_child(channel: Any, url: str, message: Message) -> None:
    """The child's side of :func:`send_message`: send once, report, exit at once."""
    import os

    try:
        outcome = _send(url, message)
        channel.send(outcome)
        channel.close()
    finally:
        os._exit(0)  # no atexit handlers, no flushing of the parent's buffers


def _send(url: str, message: Message) -> tuple[SendOutcome, str | None]:
    apprise = apprise_module()

    with apprise.LogCapture(level=logging.DEBUG) as captured:
        plugin = apprise.Apprise.instantiate(
            _with_timeouts(url), asset=apprise_asset(), suppress_exceptions=True
        )
        if plugin is None:
            return "failed", "the URL is no longer accepted by Apprise (run `deliver check`)"
        notifier = apprise.Apprise(asset=apprise_asset(), location=apprise.ContentLocation.LOCAL)
        notifier.add(plugin)
        attach = None
        if message.attachments and getattr(plugin, "attachment_support", False):
            attach = apprise.AppriseAttachment(
                [str(p) for p in message.attachments],
                asset=apprise_asset(),
                location=apprise.ContentLocation.LOCAL,
            )
        timed_out = False
        try:
            result = notifier.notify(
                body=message.body,
                title=message.title,
                body_format=message.body_format,
                attach=attach,
            )
            ok = bool(result)
            status = getattr(result, "status", None)
            timed_out = status is not None and int(status) == _APPRISE_TIMEOUT
        except Exception as exc:  # a plugin bug must not lose the other deliveries
            ok = False
            logging.getLogger("apprise").warning("%s: %s", type(exc).__name__, exc)
    if ok:
        return "sent", None
    reasons = _reasons(captured.getvalue())
    why = "; ".join(reasons) or "the service refused the notification"
    return ("unknown" if timed_out or _sent_then_silent(reasons) else "failed"), why


def _sent_then_silent(reasons: list[str]) -> bool:
    """True when the connection was made and then an answer timed out: the message may
    have reached the service (a webhook that stores the POST, then hangs)."""
    text = " ".join(reasons).lower()
    if "timed out" not in text and "timeout" not in text:
        return False
    return not any(word in text for word in ("connect timeout", "connecttimeout", "refused"))


#: ``apprise.AppriseResultStatus.TIMEOUT``: Apprise stopped waiting for the service.
_APPRISE_TIMEOUT = 5


def _reasons(log: str) -> list[str]:
    """Why a send failed, from Apprise's log: its warnings and errors, and the
    exception or HTTP response details it logs at debug level."""
    reasons = []
    for line in log.splitlines():
        parts = line.split(" - ", 2)
        if len(parts) < 3:
            continue
        level, text = parts[1], parts[2].strip()
        if level in ("WARNING", "ERROR", "CRITICAL") or (
            level == "DEBUG" and ("Exception" in text or text.startswith("Response Details"))
        ):
            reasons.append(text)
    return list(dict.fromkeys(reasons))


# --- notes and what they say ---------------------------------------------------------------


@dataclass(frozen=True)
class NoteItem:
    """One note of one session in one language, ready to be sent."""

    theme_id: str
    session: dt.date
    language: str
    files: Mapping[str, Path]
    note: Mapping[str, Any]
    content_hash: str

    @property
    def demo(self) -> bool:
        if self.theme_id == BOARD_DIR:  # the board's JSON: ``demo`` at the top
            return self.note.get("demo") is True
        snapshot = self.note.get("snapshot")
        return isinstance(snapshot, Mapping) and snapshot.get("demo") is True


def collect(reports_dir: Path, theme_id: str, session: dt.date | None = None) -> list[NoteItem]:
    """The notes of a theme for ``session`` (default its newest), one per language.

    A language is listed when at least one of its files exists; its figures come from
    its own JSON or, without one, the session's JSON twin.
    """
    sessions = session_files(reports_dir, theme_id)
    if not sessions:
        return []
    day = session if session is not None else max(sessions)
    files = sessions.get(day)
    if files is None:
        return []
    items = []
    for language in files.languages():
        json_path = files.json_for(language)
        if json_path is None:
            continue
        note = read_note(json_path)
        if note is None:
            continue
        digest = hashlib.sha256(json_path.read_bytes()).hexdigest()
        items.append(
            NoteItem(theme_id, day, language, files.files(language), note, f"sha256:{digest}")
        )
    return items


def collect_board(reports_dir: Path, session: dt.date | None = None) -> list[NoteItem]:
    """The concept board of ``session`` (default the newest), one item per language
    (``theme_id`` is ``board``); its figures are the board's JSON."""
    import json

    from concepttrack.render.writers.json import BOARD_KIND

    sessions = session_files(reports_dir, BOARD_DIR)
    if not sessions:
        return []
    day = session if session is not None else max(sessions)
    files = sessions.get(day)
    if files is None or files.twin is None:
        return []
    try:
        blob = files.twin.read_bytes()
        board = json.loads(blob)
    except (OSError, ValueError) as exc:
        logger.warning("skipping the board %s: %s", files.twin, exc)
        return []
    if not isinstance(board, dict) or board.get("kind") != BOARD_KIND:
        return []
    digest = hashlib.sha256(blob).hexdigest()
    return [
        NoteItem(BOARD_DIR, day, language, files.files(language), board, f"sha256:{digest}")
        for language in files.languages()
        if files.files(language)
    ]


def _board_item(destination: Destination, boards: Sequence[NoteItem]) -> NoteItem | None:
    """The one board a ``board = true`` destination gets: in its first language that was
    written, else English, else the first written."""
    by_language = {item.language: item for item in boards}
    for language in [*(destination.languages or ()), "en", *by_language]:
        if language in by_language:
            return by_language[language]
    return None


def compose_board(
    item: NoteItem, destination: Destination, *, templates_dir: Path | None = None
) -> Message:
    """The board's message: its HTML page as the e-mail body (its Markdown for chat, or
    when no HTML was written), its files named by ``attach`` attached."""
    from urllib.parse import urlsplit

    from concepttrack.render.formats import formats_for
    from concepttrack.render.i18n import translator

    lang = site.known_language(item.language)
    _ = translator(lang).gettext
    title = _("Concept board · %(date)s") % {"date": formats_for(lang).date(item.session)}
    title = "[concepttrack] " + (_("DEMO") + " · " if item.demo else "") + title
    attachments, left_out = _attachable(
        [item.files[fmt] for fmt in destination.attach if fmt in item.files]
    )
    missing = tuple(fmt for fmt in destination.attach if fmt not in item.files)
    email = urlsplit(destination.url).scheme.lower() in EMAIL_SCHEMES
    if email and "html" in item.files:
        body = item.files["html"].read_text(encoding="utf-8")
        return Message(title, body, "html", attachments, missing, left_out)
    markdown = item.files.get("md")
    body = markdown.read_text(encoding="utf-8").strip() if markdown is not None else title
    return Message(title, body, "markdown", attachments, missing, left_out)


#: The package templates of a message; a ``--templates`` folder may override any of them.
TEMPLATE_NAMES = {
    "subject": "mail_subject.txt.j2",
    "html": "mail.html.j2",
    "chat": "chat.md.j2",
}

#: The key-figure windows of the mail (catalog msgids, as the note's table names them).
_WINDOWS = (
    ("Since event", "since_event"),
    ("1 day", "one_day"),
    ("5 days", "five_day"),
    ("1 month", "one_month"),
    ("Year to date", "ytd"),
)


def _context(note: Mapping[str, Any], language: str) -> dict[str, Any]:
    """What every message template gets: the note's figures formatted in ``language``."""
    from concepttrack.languages import get_language

    lang = site.known_language(language)
    h = site.headline(note, lang)
    return {
        **h.figures(lang),
        "title": h.title,
        "lang": lang,
        "html_lang": get_language(lang).html_lang,
        "font_stack": site.font_stack(lang),
        "language_mark": None,
    }


def _subject(env: jinja2.Environment, context: Mapping[str, Any]) -> str:
    text = site.render_page(env, TEMPLATE_NAMES["subject"], **context)
    return " ".join(text.split())


def subject(
    note: Mapping[str, Any], language: str | None = None, *, templates_dir: Path | None = None
) -> str:
    """``[concepttrack] <title> · 1 Dec 2026 · basket +1.1% vs HSI −0.3%`` (DEMO marked),
    in ``language`` (default: the note's first language), from ``mail_subject.txt.j2``."""
    languages = note.get("languages")
    first = languages[0] if isinstance(languages, list) and languages else None
    lang = site.known_language(language or (first if isinstance(first, str) else None))
    env = site.page_environment(templates_dir, lang)
    return _subject(env, _context(note, lang))


def what_moved(note: Mapping[str, Any], language: str = "en") -> str | None:
    """The note's "what moved" paragraph in ``language``, as the note printed it.

    The JSON twin carries the rendered paragraph per language; None when it has none in
    this language (a note written before it did, or by another language's run): the
    message then shows only its headline figures.
    """
    rendered = note.get("what_moved")
    if isinstance(rendered, Mapping):
        text = rendered.get(language)
        if isinstance(text, str) and text:
            return text
    return None


def _pp(value: float | None, lang: str) -> str:
    from concepttrack.render.formats import formats_for

    return formats_for(lang).pp(value)


def compose(
    item: NoteItem, destination: Destination, *, templates_dir: Path | None = None
) -> Message:
    """The message for one note and one destination (e-mail or chat), in the note's
    language, from the package templates (or ``templates_dir``'s)."""
    from urllib.parse import urlsplit

    from concepttrack.render.formats import formats_for

    note = item.note
    context = _context(note, item.language)
    lang = context["lang"]
    env = site.page_environment(templates_dir, lang)
    title = _subject(env, context)
    attachments, left_out = _attachable(
        [item.files[fmt] for fmt in destination.attach if fmt in item.files]
    )
    missing = tuple(fmt for fmt in destination.attach if fmt not in item.files)
    context["moved"] = what_moved(note, item.language)
    context["left_out"] = formats_for(lang).join(
        [f"{name} ({_megabytes(size)})" for name, size in left_out]
    )
    context["attachment_limit"] = _megabytes(ATTACHMENT_LIMIT)
    scheme = urlsplit(destination.url).scheme.lower()
    if scheme in EMAIL_SCHEMES:
        formats = formats_for(lang)
        snapshot = note.get("snapshot") or {}
        rows = []
        for label, key in _WINDOWS:
            b = number(dig(snapshot, "basket", "returns", key))
            m = number(dig(snapshot, "benchmark", "returns", key))
            x = number(dig(snapshot, "basket", "excess", key))
            rows.append((label, formats.pct(b), formats.pct(m), _pp(x, lang)))
        body = site.render_page(
            env,
            TEMPLATE_NAMES["html"],
            **context,
            rows=rows,
            attached=formats.join([p.name for p in attachments]),
            missing=formats.join([fmt.upper() for fmt in missing]),
        )
        return Message(title, body, "html", attachments, missing, left_out)
    from concepttrack.render import make_environment

    md_env = make_environment(templates_dir, markdown=True, lang=lang)
    body = site.render_page(md_env, TEMPLATE_NAMES["chat"], **context).strip()
    return Message(title, body, "markdown", attachments, missing, left_out)


# --- the run ---------------------------------------------------------------------------------


@dataclass
class DeliveryLine:
    """What happened to one note for one destination in this run."""

    theme: str
    session: str
    language: str
    destination: str
    status: LineStatus
    message: str | None = None

    def text(self) -> str:
        where = f"{self.theme} {self.session} {self.language} → {self.destination}"
        return f"{where}: {self.status}" + (f" ({self.message})" if self.message else "")

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DeliveryReport:
    """Every delivery line of a run; ``failed`` makes the run exit 6."""

    lines: list[DeliveryLine] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None or any(line.status in FAILED for line in self.lines)

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    def summary(self) -> str:
        """``delivery: 2 sent, 3 already sent, 1 failed`` (only non-zero counts)."""
        if self.error is not None:
            why = " ".join(self.error.split())
            return f"delivery: not done ({why[:300]})"
        order = (
            "sent",
            "already-sent",
            "demo",
            "failed",
            "waiting",
            "gave-up",
            "given-up",
            "unknown",
            "deadline",
        )
        words = {
            "already-sent": "already sent",
            "demo": "demo not sent",
            "given-up": "given up earlier",
            "unknown": "unknown (may have arrived; --resend sends again)",
            "deadline": "not attempted before the deadline",
        }
        parts = [f"{self.count(s)} {words.get(s, s)}" for s in order if self.count(s)]
        return "delivery: " + (", ".join(parts) if parts else "nothing to send")

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "failed": self.failed,
            "error": self.error,
            "deliveries": [line.to_dict() for line in self.lines],
        }


def deliver(
    config: DeliverConfig,
    reports_dir: Path,
    items: Sequence[NoteItem],
    *,
    resend: bool = False,
    deliver_demo: bool = False,
    retry_themes: Iterable[str] | None = None,
    now: dt.datetime | None = None,
    reporter: Reporter | None = None,
    log: RunLog | None = None,
    templates_dir: Path | None = None,
) -> DeliveryReport:
    """Send ``items`` to their destinations, and retry earlier failures that are due.

    ``retry_themes`` limits which earlier failures are retried (None: every theme).
    ``templates_dir`` overrides the message templates (``--templates``).
    The caller holds the reports lock. Never raises for a failed send.
    """
    reporter = reporter or NullReporter()
    deadline = time.monotonic() + config.timeout
    ledger = Ledger(reports_dir)
    report = DeliveryReport()
    for problem in ledger.problems:
        reporter.error(f"delivery ledger {ledger.path}: {problem}")
        _log(log, "warning", f"delivery ledger: {problem}")

    def clock() -> dt.datetime:
        return now if now is not None else dt.datetime.now(dt.UTC)

    wanted = {(i.theme_id, i.session, i.language): i for i in items if i.theme_id != BOARD_DIR}
    # The concept board of the newest session, for destinations with ``board = true``.
    boards = [i for i in items if i.theme_id == BOARD_DIR]
    if not boards and items and any(d.board for d in config.destinations):
        boards = collect_board(reports_dir, max(i.session for i in items))
    # Earlier failures of other sessions come back for their retry.
    retry = None if retry_themes is None else set(retry_themes)
    for entry in ledger.pending():
        if retry is not None and entry.theme not in retry:
            continue
        session = dt.date.fromisoformat(entry.session)
        if (entry.theme, session, entry.language) in wanted:
            continue
        if entry.theme == BOARD_DIR:
            if all(b.session != session for b in boards):
                boards.extend(collect_board(reports_dir, session))
            continue
        for extra in collect(reports_dir, entry.theme, session):
            if extra.language == entry.language:
                wanted[(extra.theme_id, extra.session, extra.language)] = extra
    jobs: list[tuple[NoteItem, Destination]] = [
        (item, destination)
        for item in sorted(wanted.values(), key=lambda i: (i.theme_id, i.session, i.language))
        for destination in config.destinations
        if not destination.board and destination.wants(item.theme_id, item.language)
    ]
    for destination in config.destinations:
        if destination.board:
            for day in sorted({b.session for b in boards}):
                board = _board_item(destination, [b for b in boards if b.session == day])
                if board is not None:
                    jobs.append((board, destination))
    for item, destination in jobs:
        left = deadline - time.monotonic()
        line = _deliver_one(
            ledger,
            item,
            destination,
            resend,
            deliver_demo,
            clock(),
            templates_dir,
            timeout=min(SEND_TIMEOUT, left),
        )
        report.lines.append(line)
        text = line.text()
        if line.status in FAILED:
            reporter.error(f"delivery failed: {text}")
            _log(log, "error", f"delivery: {text}")
        elif line.status == "sent":
            reporter.info(f"delivered {text.replace(': sent', '')}")
            _log(log, "info", f"delivery: {text}")
        else:
            reporter.info(f"delivery: {text}")
            _log(log, "info", f"delivery: {text}")
    return report


def _deliver_one(
    ledger: Ledger,
    item: NoteItem,
    destination: Destination,
    resend: bool,
    deliver_demo: bool,
    now: dt.datetime,
    templates_dir: Path | None = None,
    timeout: float = SEND_TIMEOUT,
) -> DeliveryLine:
    key = (item.theme_id, item.session.isoformat(), item.language, destination.name)
    line = DeliveryLine(*key, status="sent")
    if item.demo and not deliver_demo:
        line.status, line.message = "demo", "made from demo prices; --deliver-demo sends it"
        return line
    entry = ledger.get(key)
    if entry is not None and resend:
        ledger.reset(key)
        entry = None
    if entry is not None:
        if entry.status == "sent":
            line.status = "already-sent"
            line.message = f"at {entry.sent_at}"
            if entry.content_hash != item.content_hash:
                line.message += "; the note changed since, --resend sends the new version"
            return line
        if entry.status in ("sending", "unknown"):
            if entry.status == "sending":
                ledger.mark(key, "unknown")
                line.status = "unknown"
            else:
                line.status = "already-sent"
            line.message = (
                f"an earlier run was interrupted while sending at {entry.last_attempt}; it may "
                "have arrived, so it is not sent again (--resend sends it)"
            )
            return line
        if entry.status == "gave-up":
            # Said loudly by the run that gave up (status gave-up, exit 6); now history.
            line.status = "given-up"
            line.message = (
                f"gave up after {entry.attempts} attempts since {entry.first_attempt} "
                f"({entry.error}); --resend tries again"
            )
            return line
        due = parse_iso(entry.next_attempt)
        if due is not None and now < due:
            line.status = "waiting"
            line.message = (
                f"attempt {entry.attempts} failed ({entry.error}); next try after "
                f"{entry.next_attempt}"
            )
            return line
    if timeout < MIN_SEND_TIME:
        line.status = "deadline"
        line.message = "not attempted: the delivery step's deadline passed; the next run sends it"
        return line
    if item.theme_id == BOARD_DIR:
        message = compose_board(item, destination, templates_dir=templates_dir)
    else:
        message = compose(item, destination, templates_dir=templates_dir)
    ledger.start(key, item.content_hash, now)
    outcome, error = send_message(destination, message, timeout=timeout)
    if outcome == "unknown":
        ledger.mark(key, "unknown")
        line.status = "unknown"
        line.message = f"{error}; it may have arrived, so it is not sent again (--resend sends it)"
        return line
    ok = outcome == "sent"
    entry = ledger.finish(key, ok=ok, error=error, now=now)
    if ok:
        line.message = message.notes()
        return line
    if entry.status == "gave-up":
        line.status = "gave-up"
        line.message = (
            f"{error}; gave up after {entry.attempts} attempts since {entry.first_attempt} "
            "(--resend tries again)"
        )
    else:
        line.status = "failed"
        line.message = f"{error}; will retry on the next run after {entry.next_attempt}"
    return line


def _log(log: RunLog | None, level: str, message: str) -> None:
    if log is not None:
        log.write(level, message)


def deliver_after_run(
    config_path: Path,
    reports_dir: Path,
    notes: Iterable[tuple[str, dt.date]],
    *,
    deliver_demo: bool = False,
    reporter: Reporter | None = None,
    log: RunLog | None = None,
    now: dt.datetime | None = None,
    templates_dir: Path | None = None,
) -> DeliveryReport:
    """``report --deliver``: after the notes are written, send this run's notes.

    ``notes`` are (theme, session) of the run, written now or already there. A broken
    config is a delivery failure (exit 6), never a reason to lose a note.
    """
    from concepttrack.deliver.config import load_config
    from concepttrack.errors import ConcepttrackError

    reporter = reporter or NullReporter()
    try:
        config = load_config(config_path)
    except ConcepttrackError as exc:
        reporter.error(f"delivery not done: {exc.message}", exc.hint)
        _log(log, "error", f"delivery not done: {exc.message}")
        return DeliveryReport(error=exc.message)
    notes = list(notes)
    try:
        items = [item for theme, session in notes for item in collect(reports_dir, theme, session)]
        return deliver(
            config,
            reports_dir,
            items,
            deliver_demo=deliver_demo,
            retry_themes={theme for theme, _ in notes} | {BOARD_DIR},
            now=now,
            reporter=reporter,
            log=log,
            templates_dir=templates_dir,
        )
    except Exception as exc:  # the notes are written: a delivery bug must not lose the record
        logger.debug("delivery failed", exc_info=True)
        what = exc.message if isinstance(exc, ConcepttrackError) else f"{type(exc).__name__}: {exc}"
        what = config.scrub(what)
        reporter.error(f"delivery not done: {what}", getattr(exc, "hint", None))
        _log(log, "error", f"delivery not done: {what}")
        return DeliveryReport(error=what)


__all__ = [
    "DeliveryLine",
    "DeliveryReport",
    "Message",
    "NoteItem",
    "collect",
    "collect_board",
    "compose",
    "compose_board",
    "deliver",
    "deliver_after_run",
    "iso",
    "send_message",
    "subject",
]
