"""Output formats: one module per format in this package, found when first asked for.

Each module (``md.py``, ``pdf.py``, ``html.py``, ``json.py``) defines ``WRITER``, a
:class:`~concepttrack.render.writers.base.Writer`: its ``--format`` name, its order, and
whether it writes one file per language or one per note. Adding a format is adding one
module here; ``--format`` validation, ``render_note`` and the help text read
:func:`writers`.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from concepttrack.render.writers.base import NoteFiles, Page, Writer

__all__ = ["NoteFiles", "Page", "Writer", "format_names", "writer_registry"]


@functools.cache
def writer_registry() -> dict[str, Writer]:
    """Every format's writer by name, in their order (md, pdf, html, json)."""
    found: list[Writer] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base" or module.name.startswith("_"):
            continue
        writer = getattr(importlib.import_module(f"{__name__}.{module.name}"), "WRITER", None)
        if isinstance(writer, Writer):
            found.append(writer)
    return {w.name: w for w in sorted(found, key=lambda w: (w.order, w.name))}


def format_names() -> tuple[str, ...]:
    """The ``--format`` names, in order."""
    return tuple(writer_registry())
