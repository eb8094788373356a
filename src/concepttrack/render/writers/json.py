"""The JSON twin: ``<as-of>.json``, one language-free file per note (numbers unrounded)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concepttrack.errors import RenderError
from concepttrack.fsutil import atomic_write_text
from concepttrack.render.writers.base import NoteFiles, Writer

if TYPE_CHECKING:
    from concepttrack.analytics.model import SinceLastNote, ThemeSnapshot
    from concepttrack.reasons import Reason
    from concepttrack.render.board.pages import BoardFiles
    from concepttrack.themes import Theme

__all__ = ["BOARD_KIND", "JSON_KIND", "JSON_SCHEMA_VERSION", "WRITER", "board_json", "note_json"]

JSON_SCHEMA_VERSION = 1
JSON_KIND = "concepttrack.note"
BOARD_KIND = "concepttrack.board"


def note_json(
    theme: Theme,
    snapshot: ThemeSnapshot,
    since_last: SinceLastNote | None = None,
    *,
    languages: Sequence[str] = ("en",),
    what_moved: Mapping[str, str] | None = None,
    lead: Mapping[str, Any] | None = None,
) -> str:
    """The JSON twin of the note: theme, snapshot (unrounded) and since-last changes.

    One file whatever the languages: numbers have no language. ``languages`` lists the
    languages the note was written in, the first being the undecorated file name's.
    ``what_moved`` is the note's "what moved" paragraph as rendered, keyed by language:
    delivery quotes it word for word instead of writing the prose again. ``lead``: the
    facts the paragraph was built from (``Lead.to_dict``; computed here without dates
    ahead when not given).
    """
    from concepttrack.render.messages import reason_text

    def english_reason(why: Reason) -> str:
        return reason_text(why, "en")

    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "kind": JSON_KIND,
        "theme": theme.model_dump(mode="json"),
        # A reason reads as the English note words it, next to its code (``*_coded``).
        "snapshot": snapshot.to_dict(word=english_reason),
        "since_last_note": since_last.to_dict() if since_last is not None else None,
        "languages": list(languages),
        "what_moved": dict(what_moved or {}),
        **news_fields(theme, snapshot.as_of, since_last),
        "lead": dict(lead) if lead is not None else _lead(theme, snapshot, since_last),
    }
    try:
        text = json.dumps(document, sort_keys=False, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise RenderError(f"the snapshot holds a value JSON cannot carry: {exc}") from exc
    return text + "\n"


def news_fields(theme: Theme, session: dt.date, since_last: SinceLastNote | None) -> dict[str, Any]:
    """The news log as the note showed it and the facts it marked old (issue 19)."""
    from concepttrack.analytics.news import dated_facts, is_old, known_updates

    previous = since_last.previous_as_of if since_last is not None else None
    return {
        "what_changed": [
            {"index": item.index, "date": item.update.date.isoformat(), "new": item.new}
            for item in known_updates(theme, session, previous)
        ],
        "stale_after_months": theme.stale_months,
        "old_facts": [
            {"path": list(fact.path), "as_of": fact.as_of}
            for fact in dated_facts(theme)
            if is_old(fact.as_of, session, theme.stale_months)
        ],
    }


def _lead(
    theme: Theme, snapshot: ThemeSnapshot, since_last: SinceLastNote | None
) -> dict[str, Any]:
    from concepttrack.analytics.lead import build_lead

    return build_lead(theme, snapshot, since_last).to_dict(theme, snapshot)


class JsonWriter(Writer):
    name = "json"
    order = 40
    per_language = False

    def write_note(self, files: NoteFiles) -> Path:
        path = files.note_dir / f"{files.stem}.json"
        text = note_json(
            files.theme,
            files.snapshot,
            files.since_last,
            languages=files.languages,
            what_moved=files.what_moved,
            lead=files.lead,
        )
        atomic_write_text(path, text)
        return path

    def write_board(self, files: BoardFiles) -> Path:
        path = files.folder / f"{files.stem}.json"
        atomic_write_text(path, board_json(files))
        return path


def board_json(files: BoardFiles) -> str:
    """The concept board as JSON (docs/json-schema.md, "Concept board"): the board's
    figures unrounded, as read from each theme's snapshot, and the themes' titles."""
    board = files.board.to_dict()
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "kind": BOARD_KIND,
        **board,
        "titles": {k: dict(v) for k, v in files.titles.items()},
        "languages": list(files.languages),
    }
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise RenderError(f"the board holds a value JSON cannot carry: {exc}") from exc
    return text + "\n"


WRITER = JsonWriter()
