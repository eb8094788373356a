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

**Font bytes on demand.** For every font a PDF uses, WeasyPrint's ``Font`` copies the
whole font file into a Python ``bytes`` (``file_content``) before HarfBuzz subsets it
from the font face and replaces that copy with the subset. A note uses four Noto CJK
faces of 20-27 MB each, so about 90 MB is copied only to be thrown away, at the
moment memory peaks. :func:`import_weasyprint` makes ``Font.file_content`` lazy: the
full copy is made only if something reads it before a subset replaces it (a failed
subset, fontTools subsetting, variable or colour fonts), so the PDF is byte-for-byte
the same. If WeasyPrint's ``Font`` no longer looks as expected, nothing is changed.
"""

from __future__ import annotations

import importlib
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
from typing import Any

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


_LAZY = "_concepttrack_lazy_file_content"
#: Where the patched ``Font`` keeps its original ``__init__`` (tests compare the two).
ORIGINAL_INIT = "_concepttrack_original_init"


def lazy_font_bytes() -> bool:
    """Make WeasyPrint's ``Font.file_content`` lazy (see above); True when in place."""
    try:
        fonts_module = importlib.import_module("weasyprint.pdf.fonts")
    except ImportError:  # pragma: no cover - WeasyPrint reorganised
        return False
    font_class: Any = getattr(fonts_module, "Font", None)
    full_copy: Any = getattr(fonts_module, "get_hb_object_data", None)
    if font_class is None or full_copy is None or not callable(full_copy):
        return False  # pragma: no cover - WeasyPrint reorganised
    if getattr(font_class, _LAZY, False):
        return True
    original_init = font_class.__init__

    def no_copy(hb_object: Any, *args: Any, **kwargs: Any) -> Any:
        # The one call without options is Font.__init__'s full-file copy: defer it.
        return None if not args and not kwargs else full_copy(hb_object, *args, **kwargs)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        setattr(fonts_module, "get_hb_object_data", no_copy)  # noqa: B010
        try:
            original_init(self, *args, **kwargs)
        finally:
            setattr(fonts_module, "get_hb_object_data", full_copy)  # noqa: B010

    def get(self: Any) -> Any:
        value = self.__dict__.get("_file_content")
        if value is None:
            value = self.__dict__["_file_content"] = full_copy(self.hb_face)
        return value

    def put(self: Any, value: Any) -> None:
        self.__dict__["_file_content"] = value

    font_class.__init__ = __init__
    font_class.file_content = property(get, put)
    setattr(font_class, _LAZY, True)
    setattr(font_class, ORIGINAL_INIT, original_init)
    return True


def import_weasyprint() -> ModuleType:
    """``import weasyprint`` with library look-ups answered from one ldconfig listing,
    and font files copied only when needed."""
    loaded: ModuleType | None = sys.modules.get("weasyprint")
    if loaded is None:
        with _listed_find_library():
            import weasyprint  # noqa: F401
        loaded = sys.modules["weasyprint"]
    lazy_font_bytes()
    return loaded
