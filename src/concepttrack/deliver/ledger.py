"""The delivery ledger: which note went to which destination, so each is sent exactly once.

One JSON file in the reports folder, ``reports/deliveries.json``, read and written only
while the reports lock is held (:class:`concepttrack.archive.RunLock`), and always
rewritten atomically. One entry per (theme, session, language, destination)::

    {"theme": "sora-compute", "session": "2026-12-01", "language": "en",
     "destination": "desk-mail", "status": "sent", "attempts": 1,
     "first_attempt": "2026-12-01T10:31:02Z", "last_attempt": "...", "sent_at": "...",
     "next_attempt": null, "content_hash": "sha256:…", "error": null}

Statuses:

* ``sending`` — written *before* the attempt. Found by a later run, it means the run
  that wrote it died mid-send: the note may or may not have arrived, so it is not sent
  again on its own (``--resend`` does) and becomes ``unknown``.
* ``sent`` — done; never sent again, not after a re-run, a ``--force`` re-render or a
  second cron line (``--resend`` does).
* ``failed`` — the last attempt failed; retried by the next run on or after
  ``next_attempt``: at once after the first failure, then after 5, 10, 20 … minutes,
  at most 6 hours apart, and given up ``GIVE_UP_DAYS`` days after the first attempt.
* ``gave-up`` — no more attempts (``--resend`` starts again).

Error texts are scrubbed of secrets before they reach this file.

The file is data, not trust: a hand-edited entry that cannot be read (a field of the wrong
type, a date that is no date, a status we do not know) never crashes a run. An entry whose
key (theme, session, language, destination) is readable is kept as ``unknown`` — it may
have been sent, so it is not sent again without ``--resend`` — and one whose key is not is
skipped; each is named by its position in :attr:`Ledger.problems`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from concepttrack.fsutil import atomic_write_text

LEDGER_NAME = "deliveries.json"
LEDGER_VERSION = 1
#: A failed delivery is retried for this many days after its first attempt.
GIVE_UP_DAYS = 3
#: Wait before the third attempt; it doubles per attempt, up to MAX_BACKOFF.
FIRST_BACKOFF = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=6)

Status = Literal["sending", "sent", "failed", "gave-up", "unknown"]
Key = tuple[str, str, str, str]  # theme, session (ISO), language, destination


def iso(moment: dt.datetime) -> str:
    """``2026-12-01T10:31:02Z``."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_iso(text: str | None) -> dt.datetime | None:
    """The moment ``iso`` wrote, or None (no text, or text that is no ISO moment)."""
    if not text or not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def backoff(attempts: int) -> dt.timedelta:
    """Wait after ``attempts`` failed attempts: 0, then 5, 10, 20 … minutes, at most 6 h."""
    if attempts <= 1:
        return dt.timedelta(0)
    wait: dt.timedelta = FIRST_BACKOFF * 2 ** (attempts - 2)
    return min(wait, MAX_BACKOFF)


@dataclass
class Entry:
    """One (theme, session, language, destination) delivery."""

    theme: str
    session: str
    language: str
    destination: str
    status: Status
    attempts: int = 0
    first_attempt: str | None = None
    last_attempt: str | None = None
    sent_at: str | None = None
    next_attempt: str | None = None
    content_hash: str | None = None
    error: str | None = None

    @property
    def key(self) -> Key:
        return (self.theme, self.session, self.language, self.destination)


_KEY_FIELDS = ("theme", "session", "language", "destination")
_TEXT_FIELDS = ("first_attempt", "last_attempt", "sent_at", "next_attempt")
_STATUSES = frozenset({"sending", "sent", "failed", "gave-up", "unknown"})


def _entry(raw: object) -> tuple[Entry | None, str | None]:
    """One ledger row read defensively: (entry or None, what was wrong or None)."""
    if not isinstance(raw, dict):
        return None, "not an object; skipped"
    key = [raw.get(name) for name in _KEY_FIELDS]
    if not all(isinstance(part, str) and part for part in key):
        missing = [n for n, part in zip(_KEY_FIELDS, key, strict=True) if not isinstance(part, str)]
        return None, f"no readable {', '.join(missing) or 'key'}; skipped"
    wrong: list[str] = []
    status = raw.get("status")
    if status not in _STATUSES:
        wrong.append("status")
    attempts = raw.get("attempts", 0)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
        wrong.append("attempts")
        attempts = 0
    moments: dict[str, str | None] = {}
    for name in _TEXT_FIELDS:
        value = raw.get(name)
        if value is not None and parse_iso(value) is None:
            wrong.append(name)
            value = None
        moments[name] = value
    texts: dict[str, str | None] = {}
    for name in ("content_hash", "error"):
        value = raw.get(name)
        texts[name] = value if isinstance(value, str) else None
    theme, session, language, destination = (str(part) for part in key)
    entry = Entry(
        theme,
        session,
        language,
        destination,
        status=status if not wrong and status in _STATUSES else "unknown",
        attempts=attempts,
        first_attempt=moments["first_attempt"],
        last_attempt=moments["last_attempt"],
        sent_at=moments["sent_at"],
        next_attempt=moments["next_attempt"],
        content_hash=texts["content_hash"],
        error=texts["error"],
    )
    if not wrong:
        return entry, None
    return entry, (
        f"{', '.join(wrong)} unreadable; kept as unknown (not sent again without --resend)"
    )


class Ledger:
    """The ledger of one reports folder. Hold the reports lock while using it."""

    def __init__(self, reports_dir: Path) -> None:
        self.path = Path(reports_dir) / LEDGER_NAME
        self.entries: dict[Key, Entry] = {}
        #: Entries that could not be read as written, by position (see the module doc).
        self.problems: list[str] = []
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            from concepttrack.errors import DeliveryError

            raise DeliveryError(
                f"the delivery ledger {self.path} cannot be read: {exc}",
                hint="Move the file aside (deliveries already made are then unknown) "
                "and run again; nothing is sent while the ledger is unreadable.",
            ) from exc
        rows = data.get("deliveries", []) if isinstance(data, dict) else None
        if not isinstance(rows, list):
            self.problems.append("the file holds no list of deliveries; read as empty")
            return
        for position, raw in enumerate(rows, start=1):
            entry, problem = _entry(raw)
            if problem is not None:
                self.problems.append(f"entry {position}: {problem}")
            if entry is not None:
                self.entries[entry.key] = entry

    def get(self, key: Key) -> Entry | None:
        return self.entries.get(key)

    def save(self) -> None:
        rows = [asdict(self.entries[key]) for key in sorted(self.entries)]
        text = json.dumps(
            {"version": LEDGER_VERSION, "deliveries": rows}, indent=2, ensure_ascii=False
        )
        try:
            atomic_write_text(self.path, text + "\n")
        except OSError as exc:  # disk full, read-only, no permission: exit 4, file named
            from concepttrack.fsutil import write_error

            raise write_error(exc, self.path) from exc

    def start(self, key: Key, content_hash: str, now: dt.datetime) -> Entry:
        """Record an attempt about to be made (status ``sending``) and save at once."""
        entry = self.entries.get(key) or Entry(*key, status="sending")
        entry.status = "sending"
        entry.attempts += 1
        entry.first_attempt = entry.first_attempt or iso(now)
        entry.last_attempt = iso(now)
        entry.content_hash = content_hash
        entry.next_attempt = None
        self.entries[key] = entry
        self.save()
        return entry

    def finish(self, key: Key, *, ok: bool, error: str | None, now: dt.datetime) -> Entry:
        """Record the attempt's outcome: ``sent``, or ``failed`` / ``gave-up`` with the wait."""
        entry = self.entries[key]
        if ok:
            entry.status = "sent"
            entry.sent_at = iso(now)
            entry.error = None
            entry.next_attempt = None
        else:
            entry.error = error
            first = parse_iso(entry.first_attempt) or now
            retry_at = now + backoff(entry.attempts)
            if retry_at - first >= dt.timedelta(days=GIVE_UP_DAYS):
                entry.status = "gave-up"
                entry.next_attempt = None
            else:
                entry.status = "failed"
                entry.next_attempt = iso(retry_at)
        self.save()
        return entry

    def mark(self, key: Key, status: Status) -> None:
        self.entries[key].status = status
        self.save()

    def reset(self, key: Key) -> None:
        """Forget an entry (``--resend``): the next attempt starts a fresh count."""
        if self.entries.pop(key, None) is not None:
            self.save()

    def pending(self) -> list[Entry]:
        """Entries still to be retried (``failed``)."""
        return [e for e in self.entries.values() if e.status == "failed"]

    def to_list(self) -> list[dict[str, Any]]:
        return [asdict(e) for e in self.entries.values()]
