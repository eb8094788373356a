"""Per-language typography and colour: a small stylesheet added after ``note.css``.

``note.css`` is the English note's stylesheet. For another language this module adds:

* the font stack of the language's script — Traditional Chinese in Noto Sans/Serif CJK
  HK (then TC), Simplified in SC — so the glyph forms are the reader's and ``pdffonts``
  names the right family (fontconfig's own fallback choice varies with ``lang``);
* the running headers and footers of the printed page (they live in CSS ``content``),
  translated through the catalog;
* CJK line breaking: ``line-break: strict`` (no line starts with 。，、：；）」) and no
  hyphenation;
* the colour convention: with ``red-up`` the up and down colours swap.

Everything here is a fixed string or a catalog message written as a CSS string, escaped.
"""

from __future__ import annotations

from concepttrack.languages import Colours, get_language
from concepttrack.render.i18n import translator

UP_GREEN = "#1e7b4f"
DOWN_RED = "#b3362c"


def css_string(text: str) -> str:
    """A CSS string literal: quotes, backslashes and newlines escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def up_down(colours: Colours) -> tuple[str, str]:
    """(up, down) colours of a convention."""
    return (DOWN_RED, UP_GREEN) if colours == "red-up" else (UP_GREEN, DOWN_RED)


def language_css(code: str, colours: Colours) -> str:
    """The stylesheet added after note.css for a language and colour convention."""
    language = get_language(code)
    parts: list[str] = []
    if colours == "red-up":
        up, down = up_down(colours)
        parts.append(f":root {{ --up: {up}; --down: {down}; }}")
        # Warnings (stale or missing data, the demo banner) stay red: they are not moves.
        parts.append(
            f".stocks td.status.stale, .stocks td.status.missing {{ color: {DOWN_RED}; }}\n"
            f".demo-banner {{ color: {DOWN_RED}; border-color: {DOWN_RED}; }}"
        )
    if not language.is_chinese:
        return "\n".join(parts)
    _ = translator(code).gettext
    sans = ", ".join(f'"{family}"' for family in language.sans)
    serif = ", ".join(f'"{family}"' for family in language.serif)
    stack = f'"CT Punct", {sans}, "DejaVu Sans", sans-serif'
    margin = f"font-family: {stack};"
    kicker = css_string(_("Concept tracking") + " · ")
    footer = css_string(_("concepttrack · not investment advice · see disclaimer"))
    # "Page %(page)s of %(pages)s" around CSS counters: the text between them, quoted.
    page = _("Page %(page)s of %(pages)s")
    before, _sep, rest = page.partition("%(page)s")
    middle, _sep, after = rest.partition("%(pages)s")
    counters = (
        f"{css_string(before)} counter(page) {css_string(middle)} counter(pages) "
        f"{css_string(after)}"
    )
    parts.append(
        f"""html {{ font-family: {stack}; line-break: strict; hyphens: none; }}
.title, .title-zh {{ font-family: "CT Punct Serif", {serif}, {sans}, serif; }}
@page {{
  @top-left {{ {margin} }}
  @top-right {{ content: {kicker} string(note-date); {margin} }}
  @bottom-left {{ content: {footer}; {margin} }}
  @bottom-right {{ content: {counters}; {margin} }}
}}
@page :first {{ @top-left {{ content: none; }} @top-right {{ content: none; }} }}"""
    )
    return "\n".join(parts)
