"""Atomic file writes: a reader or a killed run never sees a partial file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename into place.

    On any failure the temporary file is removed and ``path`` is untouched (the old file,
    or none). An :class:`OSError` (disk full, no permission, read-only folder) is raised
    again with ``filename`` set to ``path``, so a message can name the file it was for.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise _naming(exc, path) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise _naming(exc, path) from exc
        raise


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error (same errno, so the same subclass) with ``path`` as its file name."""
    assert exc.errno is not None
    return OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path))


def atomic_write_text(path: Path, text: str) -> None:
    """Atomically write UTF-8 text with ``\\n`` line endings."""
    atomic_write_bytes(path, text.encode("utf-8"))
