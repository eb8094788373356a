"""A note is written whole or not at all: what a failed write (disk full, no permission) leaves.

Every file is written atomically (:mod:`concepttrack.fsutil`), so no file is ever partial;
but a note is several files (``.md`` with its assets folder, ``.pdf``, ``.html``,
``.json``). When one of them cannot be written, :func:`whole_note` removes the files of
that session this attempt created, so the archive never holds half a new note, and
turns the :class:`OSError` into a :class:`~concepttrack.errors.WriteError` (exit 4) that
names the file and the reason. Files that existed before the attempt are left as they
are (each is a complete file). ``latest.*`` links are moved only after a note is
written whole, so they keep pointing at the previous good note.

Standard library only: this runs on the cron path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from concepttrack.fsutil import write_error
from concepttrack.languages import LANGUAGES


def _session_paths(out_dir: Path, theme_id: str, as_of: dt.date) -> list[Path]:
    from concepttrack.archive import NOTE_FORMATS, NoteName, assets_name

    folder = out_dir / theme_id
    names = {NoteName(as_of, code, fmt).filename for code in LANGUAGES for fmt in NOTE_FORMATS}
    names.add(NoteName.twin(as_of).filename)
    return [*(folder / name for name in sorted(names)), folder / assets_name(as_of)]


@contextmanager
def whole_note(out_dir: Path, theme_id: str, as_of: dt.date) -> Iterator[None]:
    """Around writing one note: on an OSError, remove what this attempt created, then
    raise :class:`WriteError` naming the file and the reason.

    A session written before the naming rule (a non-English note under the bare name)
    is renamed to it first, so the new note cannot overwrite another language's."""
    from concepttrack.archive import adopt_legacy_names

    try:
        adopt_legacy_names(out_dir, theme_id, as_of)
    except OSError as exc:
        raise write_error(exc, out_dir / theme_id) from exc
    targets = _session_paths(out_dir, theme_id, as_of)
    existed = {path for path in targets if os.path.lexists(path)}
    try:
        yield
    except OSError as exc:
        for path in targets:
            if path in existed or not os.path.lexists(path):
                continue
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        raise write_error(exc, out_dir / theme_id) from exc
