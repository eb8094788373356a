"""Send each new note to its destinations through Apprise, exactly once (see ledger.py).

What arrives:

* **e-mail** (``mailto://``, ``mailtos://``): subject
  ``[concepttrack] <title> · 1 Dec 2026 · basket +1.1% vs HSI −0.3%`` (the session's
  move), an HTML body with the key figures and the "what moved" paragraph, a plain-text
  alternative part, and the note's files named by the destination's ``attach`` (PDF by
  default) attached byte for byte;
* **chat and webhooks** (Slack, Teams, Telegram, JSON …): the same subject as title, a
  Markdown body with the headline and "what moved", and the attachments where the service
  takes files.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from concepttrack import site
from concepttrack.deliver.apprise_env import apprise_asset, apprise_module
from concepttrack.deliver.config import DeliverConfig, Destination
from concepttrack.deliver.ledger import Ledger, iso, parse_iso
from concepttrack.reporting import NullReporter, Reporter

if TYPE_CHECKING:
    from concepttrack.archive import RunLog

logger = logging.getLogger(__name__)

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
]
#: Line statuses that make the run exit 6.
FAILED: frozenset[str] = frozenset({"failed", "gave-up", "waiting", "unknown", "config-error"})


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


@dataclass(frozen=True)
class Message:
    """What one destination receives for one note."""

    title: str
    body: str
    body_format: str  # "html" or "markdown"
    attachments: tuple[Path, ...] = ()
    missing: tuple[str, ...] = ()  # attach formats that were asked for but not written


def send_message(destination: Destination, message: Message) -> tuple[bool, str | None]:
    """Send; (True, None) on success, else (False, why), with secrets scrubbed."""
    apprise = apprise_module()

    with apprise.LogCapture(level=logging.DEBUG) as captured:
        plugin = apprise.Apprise.instantiate(
            _with_timeouts(destination.url), asset=apprise_asset(), suppress_exceptions=True
        )
        if plugin is None:
            return False, "the URL is no longer accepted by Apprise (run `deliver check`)"
        notifier = apprise.Apprise(asset=apprise_asset(), location=apprise.ContentLocation.LOCAL)
        notifier.add(plugin)
        attach = None
        if message.attachments and getattr(plugin, "attachment_support", False):
            attach = apprise.AppriseAttachment(
                [str(p) for p in message.attachments],
                asset=apprise_asset(),
                location=apprise.ContentLocation.LOCAL,
            )
        try:
            ok = bool(
                notifier.notify(
                    body=message.body,
                    title=message.title,
                    body_format=message.body_format,
                    attach=attach,
                )
            )
        except Exception as exc:  # a plugin bug must not lose the other deliveries
            ok = False
            logging.getLogger("apprise").warning("%s: %s", type(exc).__name__, exc)
    if ok:
        return True, None
    why = "; ".join(_reasons(captured.getvalue())) or "the service refused the notification"
    return False, destination.scrub(why)[:500]


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
        snapshot = self.note.get("snapshot")
        return isinstance(snapshot, Mapping) and snapshot.get("demo") is True


def collect(reports_dir: Path, theme_id: str, session: dt.date | None = None) -> list[NoteItem]:
    """The notes of a theme for ``session`` (default its newest), one per language.

    A language is listed when at least one of its files exists; its figures come from
    its own JSON twin or, without one, the session's English JSON.
    """
    from concepttrack.archive import read_note

    sessions = site.note_files(reports_dir, theme_id)
    if not sessions:
        return []
    day = session if session is not None else max(sessions)
    files = sessions.get(day)
    if not files:
        return []
    items = []
    for language in site.languages(files):
        json_path = site.json_for(files, language)
        if json_path is None:
            continue
        note = read_note(json_path)
        if note is None:
            continue
        digest = hashlib.sha256(json_path.read_bytes()).hexdigest()
        items.append(
            NoteItem(
                theme_id,
                day,
                language,
                {fmt: path for fmt, path in files[language].items() if fmt != "json"},
                note,
                f"sha256:{digest}",
            )
        )
    return items


def subject(note: Mapping[str, Any], language: str | None = None) -> str:
    """``[concepttrack] <title> · 1 Dec 2026 · basket +1.1% vs HSI −0.3%`` (DEMO marked);
    the title in ``language`` (default: the note's first language)."""
    h = site.headline(note, language)
    demo = "DEMO · " if h.demo else ""
    return f"[concepttrack] {demo}{h.title} · {site.fmt_date(h.session)} · {h.day_text}"


def what_moved(note: Mapping[str, Any], language: str = "en") -> str:
    """The note's "what moved" paragraph in ``language``, as the note printed it.

    The JSON twin carries the rendered paragraph per language; a JSON without it (a note
    written before it did) gets a one-line summary of the figures instead.
    """
    rendered = note.get("what_moved")
    if isinstance(rendered, Mapping):
        text = rendered.get(language) or rendered.get("en")
        if isinstance(text, str) and text:
            return text
    h = site.headline(note)
    return f"The basket's session return: {h.day_text}; {h.event_text}."


_MAIL = """<!DOCTYPE html>
<html><body style="font-family: Arial, 'Noto Sans', sans-serif; color: #1d2430; max-width: 640px">
<p style="color:#5a6472; font-size: 12px; margin: 0">concepttrack · {{ session }}{% if demo %} · <b style="color:#7a5a00">DEMO DATA — synthetic prices, not market data</b>{% endif %}</p>
<h1 style="font-size: 20px; color: #0b3c5d; margin: 4px 0 12px">{{ title }}</h1>
<p style="font-size: 15px"><b>{{ headline }}</b></p>
<div style="font-size: 14px; margin: 8px 0 16px; font-variant-numeric: tabular-nums">
<div style="background:#f1f3f6; font-weight: bold"><span style="display:inline-block; width: 9em">Key figures</span> <span style="display:inline-block; width: 6em; text-align: right">Basket</span> <span style="display:inline-block; width: 6em; text-align: right">{{ bench }}</span> <span style="display:inline-block; width: 6em; text-align: right">Excess</span></div>
{% for label, b, m, x in rows %}<div><span style="display:inline-block; width: 9em">{{ label }}</span> <span style="display:inline-block; width: 6em; text-align: right">{{ b }}</span> <span style="display:inline-block; width: 6em; text-align: right">{{ m }}</span> <span style="display:inline-block; width: 6em; text-align: right">{{ x }}</span></div>
{% endfor %}</div>
<h2 style="font-size: 16px; margin: 0 0 4px">What moved</h2>
<p>{{ moved }}</p>
<p style="color:#5a6472; font-size: 12px">{% if attached %}Attached: {{ attached }}.{% endif %}{% if missing %} Not written for this session: {{ missing }}.{% endif %}
Returns are since the close before the event unless a window is named; excess is in percentage points against the {{ bench }}.</p>
</body></html>
"""  # noqa: E501

_WINDOWS = (
    ("Since event", "since_event"),
    ("1 day", "one_day"),
    ("5 days", "five_day"),
    ("1 month", "one_month"),
    ("Year to date", "ytd"),
)


def _pp(value: float | None) -> str:
    return site.MISSING if value is None else site.fmt_pct(value).replace("%", " pp")


def compose(item: NoteItem, destination: Destination) -> Message:
    """The message for one note and one destination (e-mail or chat)."""
    from urllib.parse import urlsplit

    note = item.note
    h = site.headline(note, item.language)
    title = subject(note, item.language)
    if item.language != site.DEFAULT_LANGUAGE:
        title += f" · {item.language}"
    moved = what_moved(note, item.language)
    attachments = tuple(item.files[fmt] for fmt in destination.attach if fmt in item.files)
    missing = tuple(fmt for fmt in destination.attach if fmt not in item.files)
    scheme = urlsplit(destination.url).scheme.lower()
    headline = f"{h.day_text} on {site.fmt_date(h.session)}; {h.event_text}" + (
        f" ({item.language})" if item.language != site.DEFAULT_LANGUAGE else ""
    )
    headline = headline[:1].upper() + headline[1:]
    if scheme in EMAIL_SCHEMES:
        from jinja2 import Environment

        snapshot = note.get("snapshot") or {}
        rows = []
        for label, key in _WINDOWS:
            b = site._number(site._dig(snapshot, "basket", "returns", key))
            m = site._number(site._dig(snapshot, "benchmark", "returns", key))
            x = site._number(site._dig(snapshot, "basket", "excess", key))
            rows.append((label, site.fmt_pct(b), site.fmt_pct(m), _pp(x)))
        body = (
            Environment(autoescape=True)
            .from_string(_MAIL)
            .render(
                session=site.fmt_date(h.session),
                demo=h.demo,
                title=h.title,
                headline=headline,
                bench=h.benchmark,
                rows=rows,
                moved=moved,
                attached=", ".join(p.name for p in attachments),
                missing=", ".join(missing),
            )
        )
        return Message(title, body, "html", attachments, missing)
    body = f"**{_md(headline)}**\n\n{_md(moved)}"
    if h.demo:
        body = "DEMO DATA — synthetic prices, not market data.\n\n" + body
    return Message(title, body, "markdown", attachments, missing)


def _md(text: str) -> str:
    """User text made inert in a Markdown chat message."""
    import re

    return re.sub(r"([\\`*_\[\]<>|#!~])", r"\\\1", text)


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
        )
        words = {
            "already-sent": "already sent",
            "demo": "demo not sent",
            "given-up": "given up earlier",
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
) -> DeliveryReport:
    """Send ``items`` to their destinations, and retry earlier failures that are due.

    ``retry_themes`` limits which earlier failures are retried (None: every theme).
    The caller holds the reports lock. Never raises for a failed send.
    """
    reporter = reporter or NullReporter()
    ledger = Ledger(reports_dir)
    report = DeliveryReport()

    def clock() -> dt.datetime:
        return now if now is not None else dt.datetime.now(dt.UTC)

    wanted = {(i.theme_id, i.session, i.language): i for i in items}
    # Earlier failures of other sessions come back for their retry.
    retry = None if retry_themes is None else set(retry_themes)
    for entry in ledger.pending():
        if retry is not None and entry.theme not in retry:
            continue
        session = dt.date.fromisoformat(entry.session)
        if (entry.theme, session, entry.language) in wanted:
            continue
        for extra in collect(reports_dir, entry.theme, session):
            if extra.language == entry.language:
                wanted[(extra.theme_id, extra.session, extra.language)] = extra
    for item in sorted(wanted.values(), key=lambda i: (i.theme_id, i.session, i.language)):
        for destination in config.destinations:
            if not destination.wants(item.theme_id, item.language):
                continue
            line = _deliver_one(ledger, item, destination, resend, deliver_demo, clock())
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
    message = compose(item, destination)
    ledger.start(key, item.content_hash, now)
    ok, error = send_message(destination, message)
    entry = ledger.finish(key, ok=ok, error=error, now=now)
    if ok:
        if message.missing:
            line.message = f"no {', '.join(message.missing)} written for this session"
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
            retry_themes={theme for theme, _ in notes},
            now=now,
            reporter=reporter,
            log=log,
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
    "compose",
    "deliver",
    "deliver_after_run",
    "iso",
    "send_message",
    "subject",
]
