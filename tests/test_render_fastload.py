"""WeasyPrint's library look-ups answered from one ldconfig listing."""

from __future__ import annotations

import ctypes.util
import os
import struct
import sys
from pathlib import Path

import pytest

from concepttrack.render import fastload

LISTING = """\
1234 libs found in cache `/etc/ld.so.cache'
\tlibpangoft2-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpangoft2-1.0.so.0
\tlibpango-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpango-1.0.so.0
\tlibharfbuzz.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libharfbuzz.so.0
\tlibharfbuzz.so.0 (libc6) => /lib/i386-linux-gnu/libharfbuzz.so.0
\tlibharfbuzz-subset.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libharfbuzz-subset.so.0
"""


@pytest.mark.skipif(
    f"{os.uname().machine}-{8 * struct.calcsize('P')}" != "x86_64-64", reason="x86-64 listing"
)
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pango-1.0", "libpango-1.0.so.0"),
        ("pangoft2-1.0", "libpangoft2-1.0.so.0"),
        ("harfbuzz", "libharfbuzz.so.0"),
        ("harfbuzz-subset", "libharfbuzz-subset.so.0"),
        ("libpango-1.0-0", None),  # WeasyPrint's first guess: not a soname stem
        ("harfbuzz-vector", None),
        ("pango", None),  # "libpango." only: libpango-1.0 is another name
    ],
)
def test_listing_lookup(name: str, expected: str | None) -> None:
    assert fastload.listing_lookup(LISTING, name) == expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux's")
@pytest.mark.parametrize(
    "name",
    ["c", "m", "gobject-2.0", "pango-1.0", "harfbuzz", "fontconfig", "libpango-1.0-0", "nosuch"],
)
def test_same_answer_as_ctypes_for_names_ldconfig_knows(name: str) -> None:
    listing = fastload._ldconfig_listing()
    if listing is None:  # pragma: no cover - a machine without ldconfig
        pytest.skip("no ldconfig here")
    found = fastload.listing_lookup(listing, name)
    if found is not None:
        assert found == ctypes.util.find_library(name)
    else:  # ctypes may still find it through gcc/ld; the dynamic loader then does too
        assert name in ("libpango-1.0-0", "nosuch") or ctypes.util.find_library(name) is None


def test_find_library_is_restored_after_the_import() -> None:
    original = ctypes.util.find_library
    with fastload._listed_find_library():
        pass
    assert ctypes.util.find_library is original
    with pytest.raises(RuntimeError), fastload._listed_find_library():
        raise RuntimeError
    assert ctypes.util.find_library is original
    module = fastload.import_weasyprint()
    assert module is sys.modules["weasyprint"]
    assert ctypes.util.find_library is original


SAMPLE = """<html><body>
<h1 style="font-family: 'Noto Serif CJK SC', serif">Sora 算力 <b>概念股</b></h1>
<p>Baidu 百度集团 · ZTE 中兴通讯 — +4.4% <b>−3.5 pp</b></p>
</body></html>"""
CSS = "html { font-family: 'Noto Sans CJK SC', 'DejaVu Sans', sans-serif; font-size: 9pt; }"


def _pdf() -> bytes:
    import datetime as dt

    from concepttrack.render.pdf import html_to_pdf

    return html_to_pdf(SAMPLE, stylesheet=CSS, created=dt.date(2024, 3, 1)).data


def test_lazy_font_bytes_give_the_same_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    fastload.import_weasyprint()
    import weasyprint.pdf.fonts as fonts

    assert fastload.lazy_font_bytes()
    assert fastload.lazy_font_bytes()  # a second call changes nothing
    lazy = _pdf()
    # WeasyPrint as shipped: the eager copy of every font file.
    monkeypatch.setattr(fonts.Font, "__init__", getattr(fonts.Font, fastload.ORIGINAL_INIT))
    monkeypatch.delattr(fonts.Font, "file_content")
    eager = _pdf()
    assert lazy == eager
    import io

    from pypdf import PdfReader

    fonts_used = PdfReader(io.BytesIO(lazy)).pages[0]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]) for font in fonts_used.values()}
    assert any("Noto-Sans-CJK" in name for name in names), names
    assert any("Noto-Serif-CJK" in name for name in names), names


def test_fewer_garbage_collections_during_a_render_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from concepttrack.render import pdf

    seen: list[tuple[int, int, int]] = []
    before = gc.get_threshold()
    original_render = pdf._watch_glyphs

    def watching() -> object:
        seen.append(gc.get_threshold())
        return original_render()

    monkeypatch.setattr(pdf, "_watch_glyphs", watching)
    _pdf()
    assert gc.get_threshold() == before
    assert seen  # the render ran
    with pdf._fewer_collections():
        assert gc.get_threshold()[0] == max(before[0], pdf.GC_THRESHOLD)
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_a_stylesheet_is_parsed_once_and_its_refusals_still_reported() -> None:
    import datetime as dt

    from concepttrack.render import pdf

    css = CSS + ' body { background: url("http://example.invalid/track.png"); }'
    first = pdf.html_to_pdf(SAMPLE, stylesheet=css, created=dt.date(2024, 3, 1))
    parsed = pdf._STYLES
    second = pdf.html_to_pdf(SAMPLE, stylesheet=css, created=dt.date(2024, 3, 1))
    assert pdf._STYLES is parsed  # reused, not parsed again
    assert first.data == second.data
    for output in (first, second):
        assert output.refused_urls == ["http://example.invalid/track.png"]
    third = pdf.html_to_pdf(SAMPLE, stylesheet=CSS, created=dt.date(2024, 3, 1))
    assert pdf._STYLES is not parsed  # another stylesheet: parsed anew
    assert third.refused_urls == []


def test_prepare_parses_ahead_and_changes_nothing_in_the_pdf() -> None:
    from concepttrack.render import pdf

    css = CSS + " p { color: #123456; }"
    pdf._STYLES = None
    unprepared = _pdf_with(css)
    pdf._STYLES = None
    pdf.prepare(css)
    prepared = pdf._STYLES
    assert prepared is not None
    assert _pdf_with(css) == unprepared
    assert pdf._STYLES is prepared  # the prepared stylesheet was the one used
    pdf.prepare("this is { not css")  # a broken stylesheet is left for html_to_pdf


def _pdf_with(css: str) -> bytes:
    import datetime as dt

    from concepttrack.render.pdf import html_to_pdf

    return html_to_pdf(SAMPLE, stylesheet=css, created=dt.date(2024, 3, 1)).data


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_runs_leave_no_font_folders_and_print_nothing(tmp_path: Path, jobs: str) -> None:
    import os
    import subprocess

    from tests.conftest import REPO

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(REPO / "src")}
    command = [
        sys.executable,
        "-m",
        "concepttrack",
        "--themes",
        str(REPO / "themes.yaml"),
        "report",
        "sora-compute",
        "chip-self-sufficiency",
        "--source",
        "demo",
        "--format",
        "md,pdf",
        "--out",
        str(tmp_path / "reports"),
        "--cache",
        str(tmp_path / "c.sqlite"),
        "--as-of",
        "2025-03-03",
        "--jobs",
        jobs,
        "--quiet",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert len(list((tmp_path / "reports").glob("*/2025-03-03.pdf"))) == 2
    assert list(temp.iterdir()) == []  # WeasyPrint's @font-face folders removed
