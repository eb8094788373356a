"""Which fonts this machine has, for matplotlib and for weasyprint's CSS stack.

Chinese names must render as Chinese, not as boxes. Both renderers need a font with
CJK glyphs named explicitly: fontconfig's own fallback choice varies with the ``lang``
attribute, and matplotlib falls back glyph by glyph only when ``font.family`` is a list.
When no CJK font is installed, one warning names the package to install; the note is
still produced. Latin text is set in a Latin face (the ``latin_sans`` of
:mod:`concepttrack.languages`), found here by family for matplotlib.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess

LOG = logging.getLogger("concepttrack.render")

#: Preferred CJK families, best first (simplified-Chinese forms first: HKEX short names
#: in the themes book are usually simplified).
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
CJK_SERIF_FAMILIES: tuple[str, ...] = (
    "Noto Serif CJK SC",
    "Noto Serif CJK TC",
    "Source Han Serif SC",
)
INSTALL_HINT = "install a CJK font: apt-get install fonts-noto-cjk"

_warned = False


@functools.cache
def fontconfig_cjk_files() -> dict[str, tuple[str, ...]]:
    """Every font file fontconfig has for each CJK family (all weights), sorted.

    Debian's ``fonts-noto-cjk`` puts each weight in its own ``.ttc`` collection
    (``NotoSansCJK-Regular.ttc``, ``NotoSansCJK-Bold.ttc``), each holding the SC, TC,
    HK, JP and KR faces; a chart needs both weights of its family.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return {}
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    found: dict[str, set[str]] = {}
    for line in result.stdout.splitlines():
        file, _, families = line.partition(": ")
        for family in families.split(","):
            if family.strip() and file.strip():
                found.setdefault(family.strip(), set()).add(file.strip())
    return {family: tuple(sorted(files)) for family, files in found.items()}


@functools.cache
def fontconfig_family_files(family: str) -> tuple[str, ...]:
    """Every font file fontconfig has for ``family`` (all weights and styles), sorted."""
    fc_list = shutil.which("fc-list")
    if fc_list is None or not family.strip() or ":" in family:
        return ()
    try:
        result = subprocess.run(
            [fc_list, f"{family}", "family", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    files: set[str] = set()
    for line in result.stdout.splitlines():
        file, _, families = line.partition(": ")
        if family in (name.strip() for name in families.split(",")) and file.strip():
            files.add(file.strip())
    return tuple(sorted(files))


def fontconfig_cjk_fonts() -> dict[str, str]:
    """CJK families fontconfig knows (``fc-list :lang=zh``), each with one font file."""
    return {family: files[0] for family, files in fontconfig_cjk_files().items()}


def available_cjk_families() -> list[str]:
    """The :data:`CJK_FAMILIES` installed here, in preference order (may be empty)."""
    installed = fontconfig_cjk_fonts()
    return [family for family in CJK_FAMILIES if family in installed]


def warn_missing_cjk_once() -> None:
    """Log one warning per process that Chinese text will render as boxes."""
    global _warned
    if not _warned:
        _warned = True
        LOG.warning("no CJK font found: Chinese names will show as boxes; %s", INSTALL_HINT)
