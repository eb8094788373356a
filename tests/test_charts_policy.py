"""One colour per security and one font policy per language, in every chart and the PDF.

The charts are inspected through their matplotlib artists: ``_png`` (which every chart
calls once with its finished figure, in ``charts`` and ``event_charts``) is wrapped to
record each figure's lines and texts before the PNG is written.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest

from concepttrack.languages import LANGUAGES, get_language
from concepttrack.render import charts
from concepttrack.render.chart_base import (
    BASKET,
    BENCHMARK,
    LINE_COLOURS,
    ChartText,
    note_palette,
    theme_palette,
)
from concepttrack.render.charts import render_charts
from concepttrack.render.context import chart_text
from concepttrack.render.typography import font_stacks, language_css
from tests.render_fixtures import sora_snapshot, sora_theme

BENCH_NAME = "Hang Seng Index"


@dataclass
class Drawn:
    """What one chart drew: each line's legend label and colour, its texts, its figure."""

    lines: dict[str, str]
    figure: Any
    axes: Any
    renderer: Any


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Drawn]:
    from matplotlib.colors import to_hex

    kept: list[Drawn] = []
    original = charts._png

    def record(fig: Any) -> bytes:
        fig.canvas.draw()
        ax = fig.axes[0]
        lines = {
            str(line.get_label()): to_hex(line.get_color())
            for line in ax.get_lines()
            if not str(line.get_label()).startswith("_")
        }
        kept.append(Drawn(lines, fig, ax, fig.canvas.get_renderer()))
        return original(fig)

    from concepttrack.render import event_charts

    monkeypatch.setattr(charts, "_png", record)
    monkeypatch.setattr(event_charts, "_png", record)
    return kept


def _labels(lang: str = "en") -> dict[str, str]:
    from concepttrack.render.context import localized_theme

    local, _uses = localized_theme(sora_theme(), lang, "en")
    return {s.symbol: f"{s.name} {s.display_code}" for s in local.stocks}


# --- one colour per security ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh-hk"])
def test_a_security_has_one_colour_in_every_chart_and_the_basket_its_own(
    drawn: list[Drawn], lang: str
) -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    labels = _labels(lang)
    text = chart_text(lang)
    names = [
        c.name
        for c in render_charts(theme, snapshot, labels=labels, benchmark_name=BENCH_NAME, text=text)
    ]
    assert names == ["basket-vs-benchmark", "constituents", "since-event-returns", "event-reaction"]
    line_charts = [d for d in drawn if d.lines]
    assert len(line_charts) == 3  # basket, constituents, reaction (the bars are by sign)
    colour_of: dict[str, set[str]] = {}
    for chart in line_charts:
        for label, colour in chart.lines.items():
            colour_of.setdefault(label, set()).add(colour)
    # Every security (stock, basket, benchmark) keeps one colour across the charts ...
    assert all(len(colours) == 1 for colours in colour_of.values()), colour_of
    # ... the stocks appear in both the constituents and the reaction chart ...
    for symbol in theme.symbols:
        assert labels[symbol] in drawn[1].lines
        assert labels[symbol] in drawn[-1].lines
    # ... and the basket's navy (the benchmark's grey) is nobody else's.
    single = {label: next(iter(colours)) for label, colours in colour_of.items()}
    assert single[text.basket_legend] == BASKET
    assert single[BENCH_NAME] == BENCHMARK
    others = [c for label, c in single.items() if label not in (text.basket_legend, BENCH_NAME)]
    assert BASKET not in others
    assert BENCHMARK not in others
    assert len(set(others)) == len(others)  # four stocks, four colours


def test_the_palette_follows_theme_order_and_never_gives_a_stock_the_basket_colour() -> None:
    palette = theme_palette(sora_theme(), sora_snapshot())
    symbols = sora_theme().symbols
    assert [symbol for symbol, _ in palette.stocks] == symbols
    assert [palette.colour(s) for s in symbols] == list(LINE_COLOURS[: len(symbols)])
    assert BASKET not in LINE_COLOURS
    assert BENCHMARK not in LINE_COLOURS
    assert charts.EVENT not in LINE_COLOURS
    many = note_palette(f"{n:04d}.HK" for n in range(20))
    assert BASKET not in {colour for _, colour in many.stocks}
    assert palette.basket == BASKET


def test_a_palette_passed_in_is_the_one_every_chart_uses(drawn: list[Drawn]) -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    labels = _labels()
    reversed_palette = note_palette(reversed(theme.symbols))
    render_charts(
        theme, snapshot, labels=labels, benchmark_name=BENCH_NAME, palette=reversed_palette
    )
    for chart in (drawn[1], drawn[-1]):
        for symbol in theme.symbols:
            assert chart.lines[labels[symbol]] == reversed_palette.colour(symbol)


# --- event labels ----------------------------------------------------------------------------


def _mark_texts(ax: Any) -> list[Any]:
    return [t for t in ax.texts if t.get_fontsize() == pytest.approx(charts.MARK_FONT_PT)]


@pytest.mark.parametrize("lang", ["en", "zh-hk", "zh-cn"])
def test_event_labels_read_horizontally_above_the_plot_and_never_cross_a_line(
    drawn: list[Drawn], lang: str
) -> None:
    from concepttrack.render.context import localized_theme

    local, _uses = localized_theme(sora_theme(), lang, "en")
    render_charts(
        local,
        sora_snapshot(),
        labels=_labels(lang),
        benchmark_name=BENCH_NAME,
        text=chart_text(lang),
    )
    for chart in drawn[:2]:  # the basket and the constituents charts mark the events
        renderer = chart.renderer
        plot = chart.axes.get_window_extent(renderer)
        marks = _mark_texts(chart.axes)
        # The event and both catalysts fall inside the fixture's plotted range.
        assert len(marks) == 3
        boxes = [t.get_window_extent(renderer) for t in marks]
        for text, box in zip(marks, boxes, strict=True):
            assert text.get_rotation() == 0
            assert box.y0 >= plot.y1 - 0.5, (text.get_text(), box, plot)  # above the plot area
            assert box.x1 <= chart.figure.bbox.x1 + 0.5  # and inside the figure
            for line in chart.axes.get_lines():
                points = line.get_transform().transform(line.get_xydata())
                inside = [(x, y) for x, y in points if box.x0 < x < box.x1 and box.y0 < y < box.y1]
                assert inside == []
        # Close marks (16 and 26 Feb) go on separate rows: no label prints on another.
        for i, first in enumerate(boxes):
            for second in boxes[i + 1 :]:
                assert not first.overlaps(second), (first, second)


def test_a_long_event_title_is_cut_on_one_line() -> None:
    label = charts._mark_label("word " * 40)
    assert "\n" not in label
    assert label.endswith("…")
    assert charts._text_width(label) <= charts.MARK_LABEL_UNITS
    assert charts._mark_label("OpenAI 發布 Sora") == "OpenAI 發布 Sora"


# --- fonts -----------------------------------------------------------------------------------


def _families(value: str) -> list[str]:
    return [part.strip().strip('"') for part in value.split(",")]


def _html_stack(css: str) -> list[str]:
    found = re.findall(r"html \{ font-family: ([^;]+);", css)
    assert found, css
    return _families(found[-1])


EXPECTED_START = {
    "en": ["CT Punct", "Liberation Sans", "DejaVu Sans", "Noto Sans CJK HK", "Noto Sans CJK TC"],
    "zh-hk": ["CT Punct", "CT Latin", "Noto Sans CJK HK", "Noto Sans CJK TC"],
    "zh-cn": ["CT Punct", "CT Latin", "Noto Sans CJK SC"],
}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_generated_css_sets_latin_in_a_latin_face_then_the_readers_cjk(lang: str) -> None:
    css = language_css(lang, get_language(lang).default_colours)
    stack = _html_stack(css)
    assert stack[: len(EXPECTED_START[lang])] == EXPECTED_START[lang]
    serif = _families(font_stacks(lang)[1])
    assert serif[1] in ("Liberation Serif", "CT Latin Serif")
    if lang == "zh-cn":
        assert not any("HK" in f or "TC" in f for f in stack)
    else:
        assert not any(f.endswith(" SC") for f in stack)
    if get_language(lang).is_chinese:
        # The Latin face of a Chinese note is Liberation, for Latin characters only.
        assert re.search(
            r'@font-face \{ font-family: "CT Latin"; src: local\("Liberation Sans"\)[^}]*'
            r"unicode-range: U\+0020-007E",
            css,
        )


def test_chart_fonts_put_a_latin_face_first_then_the_languages_cjk() -> None:
    english = ChartText()
    assert english.latin_families[0] == "Liberation Sans"
    fonts = charts.chart_fonts(english.cjk_families, english.latin_families)
    if charts._weights_known("Liberation Sans"):
        assert fonts[0] == "Liberation Sans"
    cjk = [f for f in fonts if "CJK" in f]
    if cjk:
        assert cjk[0] == "Noto Sans CJK HK"  # an English note for Hong Kong readers
    simplified = charts.chart_fonts(("Noto Sans CJK SC",))
    assert [f for f in simplified if "CJK" in f][:1] in ([], ["Noto Sans CJK SC"])


def _has_family(family: str) -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listing = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False)
    return any(family in line.split(",") for line in listing.stdout.splitlines())


needs_fonts = pytest.mark.skipif(
    not (_has_family("Liberation Sans") and _has_family("Noto Sans CJK HK")),
    reason="fonts-liberation2 and fonts-noto-cjk are needed",
)


def _pdf_fonts(lang: str) -> dict[str, bytes]:
    """BaseFont name -> embedded font program, for a small note page in ``lang``."""
    import datetime as dt
    import io

    from pypdf import PdfReader

    from concepttrack.render import PACKAGE_TEMPLATES
    from concepttrack.render.pdf import html_to_pdf

    css = (
        (PACKAGE_TEMPLATES / "note.css").read_text("utf-8")
        + "\n"
        + language_css(lang, get_language(lang).default_colours)
    )
    html = (
        f'<html lang="{get_language(lang).html_lang}"><body>'
        '<h1 class="title">OpenAI Sora 文生視頻</h1>'
        "<p>Baidu Group-SW 百度集團－SW 83.45 <b>+40.0%</b></p></body></html>"
    )
    pdf = html_to_pdf(html, stylesheet=css, created=dt.date(2025, 6, 30))
    reader = PdfReader(io.BytesIO(pdf.data))
    found: dict[str, bytes] = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            descriptor = None
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            program = b""
            if descriptor is not None:
                descriptor = descriptor.get_object()
                for key in ("/FontFile2", "/FontFile3", "/FontFile"):
                    if key in descriptor:
                        program = descriptor[key].get_object().get_data()
            found[name] = program
    return found


def _family_of(program: bytes) -> str | None:
    """The family name in an embedded TrueType program's name table (None if unreadable)."""
    import io

    from fontTools.ttLib import TTFont

    try:
        return str(TTFont(io.BytesIO(program))["name"].getDebugName(1))
    except Exception:
        return None


@pytest.mark.slow
@needs_fonts
@pytest.mark.parametrize(
    ("lang", "cjk"),
    [("en", "Noto-Sans-CJK-HK"), ("zh-hk", "Noto-Sans-CJK-HK"), ("zh-cn", "Noto-Sans-CJK-SC")],
)
def test_the_pdf_embeds_a_latin_face_and_the_readers_cjk_face(lang: str, cjk: str) -> None:
    fonts = _pdf_fonts(lang)
    assert any(name.startswith(cjk) for name in fonts), fonts.keys()
    assert not any("CJK-SC" in name for name in fonts) or lang == "zh-cn"
    latin = [name for name, program in fonts.items() if _family_of(program) == "Liberation Sans"]
    assert latin, fonts.keys()
