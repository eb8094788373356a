"""Per-language typography and colour: a small stylesheet added after ``note.css``.

``note.css`` is the English note's stylesheet. For every language this module adds the
font stacks (:func:`font_stacks`): Latin text in a Latin face (Liberation Sans / Serif,
then DejaVu), and CJK text in the script of the note's readers — Hong Kong forms (Noto
Sans/Serif CJK HK, then TC) for the English and zh-hk notes, Simplified (SC) for zh-cn —
so ``pdffonts`` names the right families (fontconfig's own fallback choice varies with
``lang``). A Chinese note takes only the Latin letters, figures and ASCII punctuation
from the Latin face (the ``CT Latin`` faces, limited by ``unicode-range``): its quotation
marks, dashes and ellipses stay the CJK font's. For another language it also adds:

* the running headers and footers of the printed page (they live in CSS ``content``),
  translated through the catalog;
* CJK line breaking: ``line-break: strict`` (no line starts with 。，、：；）」) and no
  hyphenation;
* the colour convention: with ``red-up`` the up and down colours swap.

Everything here is a fixed string or a catalog message written as a CSS string, escaped.
"""

from __future__ import annotations

from concepttrack.languages import Colours, Language, get_language
from concepttrack.render.i18n import translator

UP_GREEN = "#1e7b4f"
DOWN_RED = "#b3362c"

#: What a Chinese note takes from the Latin face: ASCII, Latin-1 (less the middle dot,
#: which "CT Punct" draws) and the minus sign of the figures.
LATIN_RANGE = "U+0020-007E, U+00A0-00B6, U+00B8-00FF, U+2212"


def css_string(text: str) -> str:
    """A CSS string literal: quotes, backslashes and newlines escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def up_down(colours: Colours) -> tuple[str, str]:
    """(up, down) colours of a convention."""
    return (DOWN_RED, UP_GREEN) if colours == "red-up" else (UP_GREEN, DOWN_RED)


def _families(names: tuple[str, ...]) -> str:
    return ", ".join(f'"{name}"' for name in dict.fromkeys(names))


def _latin_faces(language: Language) -> str:
    """``@font-face`` rules of "CT Latin" (sans) and "CT Latin Serif": the language's
    Latin faces, regular and bold, for Latin characters only."""
    rules = []
    for family, faces in (
        ("CT Latin", language.latin_sans),
        ("CT Latin Serif", language.latin_serif),
    ):
        for weight, suffix in ((400, ""), (700, " Bold")):
            src = ", ".join(f'local("{face}{suffix}")' for face in faces)
            rules.append(
                f'@font-face {{ font-family: "{family}"; src: {src}; font-weight: {weight}; '
                f"unicode-range: {LATIN_RANGE}; }}"
            )
    return "\n".join(rules)


def font_stacks(code: str) -> tuple[str, str]:
    """(sans, serif) CSS ``font-family`` values of a language's note, best first.

    English: the Latin faces, then the CJK faces in Hong Kong forms for the Chinese
    names. Chinese: the Latin faces for Latin characters only ("CT Latin"), then the
    CJK faces of the note's script. "CT Punct" (DejaVu's middle dot) leads both.
    """
    language = get_language(code)
    if language.is_chinese:
        sans = f'"CT Punct", "CT Latin", {_families(language.sans)}, "DejaVu Sans", sans-serif'
        serif = (
            f'"CT Punct Serif", "CT Latin Serif", {_families(language.serif)}, '
            f"{_families(language.sans)}, serif"
        )
    else:
        sans = f'"CT Punct", {_families((*language.latin_sans, *language.sans))}, sans-serif'
        serif = (
            f'"CT Punct Serif", {_families((*language.latin_serif, *language.serif))}, '
            f"{_families(language.sans)}, serif"
        )
    return sans, serif


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
    stack, serif = font_stacks(code)
    margin = f"font-family: {stack};"
    fonts = f"""html {{ font-family: {stack}; }}
.title, .title-zh {{ font-family: {serif}; }}
@page {{
  @top-left {{ {margin} }}
  @top-right {{ {margin} }}
  @bottom-left {{ {margin} }}
  @bottom-right {{ {margin} }}
}}"""
    if language.is_chinese:
        parts.append(_latin_faces(language))
    parts.append(fonts)
    if not language.is_chinese:
        return "\n".join(parts)
    _ = translator(code).gettext
    kicker = css_string(_("Concept tracking") + " · ")
    # "Page %(page)s of %(pages)s" around CSS counters: the text between them, quoted.
    page = _("Page %(page)s of %(pages)s")
    before, _sep, rest = page.partition("%(page)s")
    middle, _sep, after = rest.partition("%(pages)s")
    counters = (
        f"{css_string(before)} counter(page) {css_string(middle)} counter(pages) "
        f"{css_string(after)}"
    )
    parts.append(
        f"""html {{ line-break: strict; hyphens: none; }}
@page {{
  @top-right {{ content: {kicker} string(note-date); }}
  @bottom-right {{ content: {counters}; }}
}}
@page :first {{ @top-left {{ content: none; }} @top-right {{ content: none; }} }}"""
    )
    return "\n".join(parts)
