"""The PDF note: text, metadata, embedded CJK fonts, no tofu, and a locked-down fetcher.

Each PDF render costs about a second, so the Sora note is rendered once per module.
"""

from __future__ import annotations

import io
import json
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from concepttrack.render import PACKAGE_TEMPLATES, render_note
from concepttrack.render.context import fmt_pct, fmt_pp, fmt_price
from concepttrack.render.pdf import BlockedURLError, html_to_pdf, make_url_fetcher
from tests.render_fixtures import AS_OF, sora_since_last, sora_snapshot, sora_theme

pytestmark = pytest.mark.slow

CODES = ("09888", "00763", "00941", "00728")
NAMES_ZH = (
    "百度集團-SW",
    "中興通訊",
    "中國移動",
    "中國電信",
)  # an English edition: Hong Kong forms
SECRET = "CONCEPTTRACK-SECRET-7f3a9c"


@dataclass
class RenderedPdf:
    path: Path
    text: str
    reader: Any
    note_json: dict[str, Any]
    weasyprint_warnings: list[str]


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def sora_pdf(tmp_path_factory: pytest.TempPathFactory) -> RenderedPdf:
    from pypdf import PdfReader

    out = tmp_path_factory.mktemp("pdf")
    capture = _Capture()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(capture)
    try:
        paths = render_note(
            sora_theme(),
            sora_snapshot(demo=True),
            formats=["pdf", "json"],
            out_dir=out,
            since_last=sora_since_last(),
        )
    finally:
        logger.removeHandler(capture)
    pdf_path, json_path = paths
    reader = PdfReader(pdf_path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return RenderedPdf(
        pdf_path, text, reader, json.loads(json_path.read_text("utf-8")), capture.messages
    )


def test_pdf_text_has_title_codes_chinese_names_and_key_figures(sora_pdf: RenderedPdf) -> None:
    text = " ".join(sora_pdf.text.split())
    assert "Sora: text-to-video lifts AI computing power" in text
    assert "Sora文生視頻" in text  # the English edition shows Hong Kong characters
    for code in CODES:
        assert code in text
    for name in NAMES_ZH:
        assert name in text
    snapshot = sora_pdf.note_json["snapshot"]
    basket, benchmark = snapshot["basket"], snapshot["benchmark"]
    for figure in (
        fmt_pct(basket["returns"]["since_event"]),
        fmt_pct(basket["returns"]["one_day"]),
        fmt_pct(basket["returns"]["five_day"]),
        fmt_pct(benchmark["returns"]["since_event"]),
        fmt_pp(basket["excess"]["since_event"]),
        fmt_price(benchmark["last_close"]),
    ):
        assert figure in text
    for stock in snapshot["stocks"]:
        assert fmt_pct(stock["returns"]["since_event"]) in text
        assert fmt_price(stock["last_close"]) in text
    assert "DEMO DATA" in text
    assert "Since the last note" in text


def test_pdf_pages_and_metadata(sora_pdf: RenderedPdf) -> None:
    reader = sora_pdf.reader
    assert 3 <= len(reader.pages) <= 6
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    meta = reader.metadata
    assert meta.title.startswith("Sora: text-to-video lifts AI computing power")
    assert meta.author == "concepttrack"
    assert "Concept tracking" in meta.subject
    assert "09888" in meta["/Keywords"]
    assert meta.creation_date is not None
    assert meta.creation_date.date() == AS_OF
    assert meta["/CreationDate"] == meta["/ModDate"]
    # The DEMO DATA watermark is on every page (a fixed element repeats per page).
    for page in reader.pages:
        assert "DEMO DATA" in page.extract_text()
    # Page numbers in the footer.
    assert f"Page 1 of {len(reader.pages)}" in reader.pages[0].extract_text()


def _base_fonts(reader: Any) -> set[str]:
    names: set[str] = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font")
        if fonts is None:
            continue
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def test_pdf_embeds_a_cjk_font_and_logs_no_missing_glyph(sora_pdf: RenderedPdf) -> None:
    fonts = _base_fonts(sora_pdf.reader)
    assert any("CJK" in name or "WenQuanYi" in name for name in fonts), fonts
    notdef = [m for m in sora_pdf.weasyprint_warnings if ".notdef" in m]
    assert notdef == []


# --- the locked-down fetcher --------------------------------------------------------------


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n", "utf-8")
    return path


def test_fetcher_serves_data_uris_and_template_files_only(secret_file: Path) -> None:
    fetcher = make_url_fetcher()
    response = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
    css = fetcher.fetch((PACKAGE_TEMPLATES / "note.css").as_uri())
    assert b"concepttrack note" in css.read()
    system_font = next(Path("/usr/share/fonts").rglob("*.tt[fc]"), None)
    if system_font is not None:  # CSS local() fonts: font files in system font folders
        assert fetcher.fetch(system_font.as_uri()).read(4)
    font_named_secret = secret_file.with_suffix(".ttf")
    font_named_secret.write_text(SECRET, "utf-8")
    blocked = [
        secret_file.as_uri(),
        font_named_secret.as_uri(),
        "file:///usr/share/fonts/../../../etc/passwd",
        "file:///etc/passwd",
        (PACKAGE_TEMPLATES / ".." / ".." / "errors.py").as_uri(),
        (PACKAGE_TEMPLATES.as_uri() + "/../../errors.py"),
        "file://evil.example/share/x.css",
        "http://127.0.0.1:9/x.png",
        "https://example.com/font.woff",
        "ftp://example.com/x",
    ]
    for url in blocked:
        with pytest.raises(BlockedURLError):
            fetcher.fetch(url)
    assert fetcher.refused == blocked


def test_fetcher_blocks_a_symlink_escaping_the_templates(tmp_path: Path, secret_file: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "logo.png").symlink_to(secret_file)
    fetcher = make_url_fetcher([templates])
    with pytest.raises(BlockedURLError):
        fetcher.fetch((templates / "logo.png").as_uri())


def _all_stream_bytes(pdf: bytes) -> bytes:
    """The PDF with every Flate stream inflated, so a search sees embedded content."""
    chunks = [pdf]
    for start in range(len(pdf)):
        if pdf.startswith(b"stream", start):
            body = pdf[start + 6 : start + 6 + 2_000_000].lstrip(b"\r\n")
            try:
                chunks.append(zlib.decompressobj().decompress(body))
            except zlib.error:
                continue
    return b"".join(chunks)


def test_every_weasyprint_attack_vector_is_blocked(secret_file: Path) -> None:
    base = secret_file.as_uri()
    vectors = ("attachment", "link-css", "img", "object", "embed", "style-url", "font-face", "bg")
    url = {name: f"{base}?v={name}" for name in vectors}
    html = f"""<!DOCTYPE html><html><head><title>x</title>
      <link rel="attachment" href="{url["attachment"]}" title="leak">
      <link rel="stylesheet" href="{url["link-css"]}">
      <link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
      </head><body>
      <p>visible text</p>
      <img src="{url["img"]}"><img src="file:///etc/passwd"><img src="https://example.com/x.png">
      <object data="{url["object"]}"></object><embed src="{url["embed"]}">
      <div style="background: url('{url["style-url"]}')">styled</div>
      </body></html>"""
    css = f"""@font-face {{ font-family: Leak; src: url("{url["font-face"]}"); }}
      body {{ font-family: Leak, sans-serif; background-image: url("{url["bg"]}"); }}"""
    output = html_to_pdf(html, stylesheet=css, created=AS_OF)
    assert output.data.startswith(b"%PDF")
    assert SECRET.encode() not in _all_stream_bytes(output.data)
    for name in vectors:
        assert url[name] in output.refused_urls, name
    for other in ("file:///etc/passwd", "https://example.com/x.png", "http://127.0.0.1:9/evil.css"):
        assert other in output.refused_urls

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(output.data))
    assert reader.attachments == {}
    assert "visible text" in reader.pages[0].extract_text()


def test_the_leak_check_would_see_an_embedded_file(secret_file: Path) -> None:
    """Control: with weasyprint's default fetcher the same document does leak the file."""
    import weasyprint

    html = f'<p>x</p><img src="{secret_file.as_uri()}"><object data="{secret_file.as_uri()}">'
    leaked = weasyprint.HTML(string=html).write_pdf(attachments=[secret_file.as_uri()])
    assert SECRET.encode() in _all_stream_bytes(leaked)
