"""Escaping for GitHub-flavoured Markdown: user text is data, never markup.

Everything that comes from ``themes.yaml`` (titles, rationales, views, risks) goes
through :func:`escape_inline` or :func:`escape_block` before it reaches a ``.md`` file.
The Markdown jinja environment applies :func:`escape_inline` to *every* ``{{ ... }}``
output (see :func:`finalize`), so a template author has to opt out explicitly (by
producing :class:`markupsafe.Markup`) rather than remember to opt in.

What the escaping guarantees:

* ``<`` ``>`` ``&`` become entities, so ``<script>`` is shown as text, never HTML;
* ``|`` is backslash-escaped, so a rationale cannot add a column to a table;
* the inline markers ``\\ ` * _ [ ] ~ $`` are backslash-escaped (``$`` because GitHub
  renders ``$...$`` as maths);
* newlines collapse to a space in inline text, so a table row stays one line;
* in block text, a paragraph cannot start a heading, list, quote or rule.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_INLINE_SPECIALS = frozenset("\\`*_[]~$|")
_WHITESPACE = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
#: A paragraph that starts like this would become a heading, list, quote, rule, etc.
_BLOCK_START = re.compile(r"^(#{1,6}(?=\s|$)|[-+=](?=\s|$)|\d{1,9}(?=[.)]))")


def escape_inline(text: str) -> str:
    """Escape user text for use inside a Markdown line or a GFM table cell."""
    collapsed = _WHITESPACE.sub(" ", text).strip()
    out: list[str] = []
    for char in collapsed:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _INLINE_SPECIALS:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def escape_block(text: str) -> str:
    """Escape multi-paragraph user text; paragraphs stay separated by a blank line."""
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    return "\n\n".join(_escape_paragraph(p) for p in paragraphs)


def _escape_paragraph(paragraph: str) -> str:
    escaped = escape_inline(paragraph)
    match = _BLOCK_START.match(escaped)
    if match:
        marker = match.group(0)
        if marker[0].isdigit():
            # "1." / "1)" would start an ordered list: escape the delimiter.
            return marker + "\\" + escaped[len(marker) :]
        return "\\" + escaped
    return escaped


def finalize(value: Any) -> Any:
    """jinja ``finalize`` hook: escape every expression output unless it is Markup."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return escape_inline(str(value))


def md_inline(value: Any) -> Markup:
    """Template filter: escaped inline text, marked safe so it is not escaped twice."""
    return Markup(escape_inline(str(value)))


def md_block(value: Any) -> Markup:
    """Template filter: escaped paragraphs, marked safe so it is not escaped twice."""
    return Markup(escape_block(str(value)))
