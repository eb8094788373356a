"""Import WeasyPrint without a subprocess per guessed library name.

WeasyPrint opens pango, harfbuzz, fontconfig and friends through cffi, trying several
names for each (``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``, ...). cffi
passes every name without a dot to :func:`ctypes.util.find_library`, which on Linux
runs ``ldconfig -p`` (and, when that finds nothing, ``gcc`` and ``ld``) each time:
22 look-ups, about 0.2 s of a 0.5 s import. :func:`import_weasyprint` answers those
look-ups from one ``ldconfig -p`` listing, the way ctypes reads it, while WeasyPrint
loads; a name the listing lacks gets None at once (WeasyPrint then tries the next
name; its lists end with full file names such as ``libpango-1.0.so.0``, which the
dynamic loader finds by itself, ``LD_LIBRARY_PATH`` included). Where ``ldconfig`` is
missing, or off Linux, the standard look-up is used unchanged.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from types import ModuleType

#: ctypes' own table (``ctypes/util.py``): the ABI tag ``ldconfig -p`` prints per machine.
_ABI_TAGS = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}


@cache
def _ldconfig_listing() -> str | None:
    """``ldconfig -p`` output, once per process; None when it cannot be had."""
    if not sys.platform.startswith("linux"):
        return None
    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None
    )
    if ldconfig is None:
        return None
    try:
        done = subprocess.run(
            [ldconfig, "-p"],
            capture_output=True,
            text=True,
            env={"LC_ALL": "C", "LANG": "C"},
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def listing_lookup(listing: str, name: str) -> str | None:
    """The soname ``ldconfig -p`` lists for ``name`` (as ctypes' ``_findSoname_ldconfig``)."""
    machine = f"{os.uname().machine}-{8 * struct.calcsize('P')}"
    abi = _ABI_TAGS.get(machine, "libc6")
    found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", listing)
    return found.group(1) if found else None


@contextmanager
def _listed_find_library() -> Iterator[None]:
    import ctypes.util

    listing = _ldconfig_listing()
    if listing is None:
        yield
        return
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        return listing_lookup(listing, name)

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


def import_weasyprint() -> ModuleType:
    """``import weasyprint``, with library look-ups answered from one ldconfig listing."""
    loaded: ModuleType | None = sys.modules.get("weasyprint")
    if loaded is not None:
        return loaded
    with _listed_find_library():
        import weasyprint  # noqa: F401
    return sys.modules["weasyprint"]
