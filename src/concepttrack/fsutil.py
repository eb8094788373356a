"""Atomic file writes: a reader or a killed run never sees a partial file."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from concepttrack.errors import WriteError


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


def line_and_column(data: bytes | str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``data`` (a decode error's byte offset, or
    a parser's character position), for a message that names ``file:line:column``."""
    if isinstance(data, bytes):
        head = data[:offset]
        return head.count(b"\n") + 1, offset - head.rfind(b"\n")
    text = data[:offset]
    return text.count("\n") + 1, offset - text.rfind("\n")


class ReadRefused(Exception):
    """A file was not read: not a regular file, outside its folder, or too large.

    ``reason`` says what is wrong in words a message can show after the file name; it
    never quotes the file's content.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def read_limited(path: Path, limit: int, *, inside: Path | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, read in one bounded pass.

    Refuses (:class:`ReadRefused`) a FIFO, device or folder (``/dev/zero`` is never read
    to exhaustion), a file larger than ``limit`` (counted while reading, so a file that
    grows or lies about its size is refused too) and, with ``inside``, a symlink or any
    path whose real location is outside that folder. ``OSError`` (not found, no
    permission) passes through for the caller to word.
    """
    import stat

    path = Path(path)
    if inside is not None:
        if path.is_symlink():
            raise ReadRefused(path, "is a symbolic link; only regular files in the folder are read")
        real, folder = path.resolve(), Path(inside).resolve()
        if not real.is_relative_to(folder):
            raise ReadRefused(path, "lies outside its folder")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if inside is not None:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadRefused(path, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ReadRefused(path, "is not a regular file (a device, FIFO or socket)")
        if info.st_size > limit:
            raise ReadRefused(path, f"is {info.st_size:,} bytes; the limit is {limit:,}")
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total) or 1):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ReadRefused(path, f"is more than {limit:,} bytes; the limit is {limit:,}")
        return b"".join(chunks)
    finally:
        os.close(fd)


# --- a failed write, worded once (exit 4) ----------------------------------------------

#: Errors that mean "this place cannot be written", not "this program is wrong".
WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EFBIG}
)


def describe(exc: OSError, fallback: Path | None = None) -> str:
    """``cannot write <path>: <reason>`` for an OSError from a write."""
    where = exc.filename if exc.filename is not None else fallback
    reason = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc))
    return f"cannot write {where}: {reason}" if where is not None else f"cannot write: {reason}"


def write_error(exc: OSError, fallback: Path | None = None) -> WriteError:
    """The project's error for a failed write, with a hint that fits the reason."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "Free some space on that disk (or raise the quota), then run again."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "Make that folder writable for this user, or pass --out with one that is."
    else:
        hint = "Check the reports folder and its disk, then run again."
    return WriteError(describe(exc, fallback), hint=hint)
