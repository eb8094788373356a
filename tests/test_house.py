"""The house that signs the notes: ``house:`` in the book or its own file (issue 19)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from concepttrack.errors import ThemesFileError
from concepttrack.render import render_note
from concepttrack.render.context import build_context
from concepttrack.themes import MAX_LOGO_BYTES, load_themes
from tests.render_fixtures import SORA_YAML, sora_snapshot

#: The smallest valid PNG (1x1, transparent).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

HOUSE = """\
name: {en: "Harbour <b>Research</b> & Co", zh-hk: "海港研究"}
logo: logo.png
analysts:
  - name: {en: "Wong Siu Ming", zh-hk: "黃小明"}
    licence: "SFC CE No. ABC123"
    email: wong@example.com
  - name: "Lee Ka Yan"
disclosures:
  en: "The house holds no position in the stocks named."
  zh-hk: "本行並無持有文中所述股份。"
disclaimer:
  en: "House disclaimer: for professional investors only."
  zh-hk: "本行免責聲明：只供專業投資者參考。"
"""


def _book(tmp_path: Path, house: str = "house: house.yaml\n", logo: bytes = PNG) -> Path:
    (tmp_path / "house.yaml").write_text(HOUSE, encoding="utf-8")
    (tmp_path / "logo.png").write_bytes(logo)
    book = tmp_path / "themes.yaml"
    book.write_text(house + SORA_YAML, encoding="utf-8")
    return book


def test_house_file_is_read_with_its_logo_embedded(tmp_path: Path) -> None:
    theme = load_themes(_book(tmp_path)).themes[0]
    assert theme.house is not None
    assert theme.house.name == "Harbour <b>Research</b> & Co"
    assert theme.house.logo_uri == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert [a.licence for a in theme.house.analysts] == ["SFC CE No. ABC123", None]
    # The twin carries the house as written, never the logo's bytes.
    dumped = theme.model_dump(mode="json")
    assert dumped["house"]["logo"] == "logo.png"
    assert "base64" not in str(dumped)


def test_house_mapping_in_the_book_and_a_theme_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(PNG)
    inline = "house:\n  name: Inline House\n  logo: logo.png\n"
    book = tmp_path / "themes.yaml"
    book.write_text(inline + SORA_YAML, encoding="utf-8")
    theme = load_themes(book).themes[0]
    assert theme.house is not None
    assert theme.house.name == "Inline House"
    assert theme.house.logo_uri is not None
    own = SORA_YAML.replace("    benchmark:", "    house: {name: Own House}\n    benchmark:", 1)
    book.write_text(inline + own, encoding="utf-8")
    mine = load_themes(book).themes[0].house
    assert mine is not None
    assert mine.name == "Own House"


def test_bad_house_file_names_the_file_and_line(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (tmp_path / "house.yaml").write_text(
        HOUSE.replace("wong@example.com", "not-an-address"), encoding="utf-8"
    )
    with pytest.raises(ThemesFileError) as caught:
        load_themes(book)
    text = str(caught.value)
    assert f"{tmp_path / 'house.yaml'}:6" in text
    assert "e-mail address" in text


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><image href='file:///etc/passwd'/></svg>",
            "not a PNG or JPEG",
        ),
        (PNG + b"\0" * MAX_LOGO_BYTES, "limit"),
    ],
)
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(
    tmp_path: Path, logo: bytes, message: str
) -> None:
    with pytest.raises(ThemesFileError, match=message):
        load_themes(_book(tmp_path, logo=logo))


def test_missing_logo_and_missing_house_file(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (tmp_path / "logo.png").unlink()
    with pytest.raises(ThemesFileError, match=r"logo file .* not found"):
        load_themes(book)
    book.write_text("house: nowhere.yaml\n" + SORA_YAML, encoding="utf-8")
    with pytest.raises(ThemesFileError, match="house file not found"):
        load_themes(book)


def test_note_is_signed_by_the_house_in_each_language(tmp_path: Path) -> None:
    theme = load_themes(_book(tmp_path)).themes[0]
    snapshot = sora_snapshot()
    en = build_context(theme, snapshot, None)
    assert en.house is not None
    assert [a.name for a in en.house.analysts] == ["Wong Siu Ming", "Lee Ka Yan"]
    assert en.author == "Wong Siu Ming, Lee Ka Yan, Harbour <b>Research</b> & Co"
    assert en.footer == "Harbour <b>Research</b> & Co · not investment advice · see disclaimer"
    assert en.disclaimer == "House disclaimer: for professional investors only."
    zh = build_context(theme, snapshot, None, lang="zh-hk")
    assert zh.house is not None
    assert zh.house.name == "海港研究"
    assert zh.footer == "海港研究·並非投資建議·請參閱免責聲明"
    assert zh.author == "黃小明、Lee Ka Yan、海港研究"
    assert zh.disclaimer == "本行免責聲明：只供專業投資者參考。"


def test_without_a_house_the_neutral_wording_stays() -> None:
    from tests.render_fixtures import sora_theme

    note = build_context(sora_theme(), sora_snapshot(), None)
    assert note.house is None
    assert note.author == "concepttrack"
    assert note.footer == "concepttrack · not investment advice · see disclaimer"
    assert note.disclaimer.startswith("This note is generated automatically")


def test_markdown_and_html_escape_the_house_and_show_page_one(tmp_path: Path) -> None:
    theme = load_themes(_book(tmp_path)).themes[0]
    md, html = render_note(theme, sora_snapshot(), formats=["md", "html"], out_dir=tmp_path)
    text = md.read_text(encoding="utf-8")
    head = text.split("# ", 1)[0]
    assert "**Harbour &lt;b&gt;Research&lt;/b&gt; &amp; Co**" in head
    assert "Wong Siu Ming (SFC CE No. ABC123) · wong@example.com, Lee Ka Yan" in head
    assert "## Disclosures\n\nThe house holds no position" in text
    page = html.read_text(encoding="utf-8")
    assert "<b>Research</b>" not in page
    assert "Harbour &lt;b&gt;Research&lt;/b&gt; &amp; Co" in page
    assert 'src="data:image/png;base64,' in page
    assert '<meta name="author" content="Wong Siu Ming, Lee Ka Yan, Harbour' in page
    assert '<meta name="generator" content="concepttrack">' in page


@pytest.mark.slow
def test_pdf_metadata_and_footer_name_the_house(tmp_path: Path) -> None:
    from pypdf import PdfReader

    theme = load_themes(_book(tmp_path)).themes[0]
    (pdf,) = render_note(
        theme, sora_snapshot(), formats=["pdf"], out_dir=tmp_path, languages=["zh-hk"]
    )
    reader = PdfReader(pdf)
    meta = reader.metadata
    assert meta is not None
    assert meta["/Author"] == "黃小明、Lee Ka Yan、海港研究"
    assert "港股概念股追蹤" in meta["/Title"]
    assert "09888" in meta["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "zh-Hant-HK"
    last = reader.pages[-1].extract_text()
    assert "海港研究·並非投資建議·請參閱免責聲明" in last.replace(" ", "")
    first = reader.pages[0].extract_text()
    assert "SFC CE No. ABC123" in first
