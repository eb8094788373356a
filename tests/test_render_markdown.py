"""Markdown/HTML escaping, templates, determinism, JSON layout and atomic writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2
import pytest

from concepttrack.errors import RenderError, UsageError
from concepttrack.reasons import said
from concepttrack.render import FORMATS, make_environment, render_note
from concepttrack.render.markdown import escape_block, escape_inline
from concepttrack.render.messages import reason_text
from tests.render_fixtures import SORA_YAML, sora_since_last, sora_snapshot, sora_theme

HOSTILE = "A | B <script>alert(1)</script> *bold* _it_ [link](http://x) `code` ~s~ $x$ & \\"


def hostile_theme_yaml() -> str:
    """The Sora book with markup-looking text in a title, a rationale and a risk."""
    text = SORA_YAML.replace(
        'title: "Sora: text-to-video lifts AI computing power"',
        "title: 'Sora | <b>compute</b> *now*'",
    )
    text = text.replace(
        "          Baidu Cloud Computing (Yangquan) Center,",
        "          # not a heading | <script>alert(1)</script> *x* _y_ [z](http://evil)\n"
        '          <img src="file:///etc/passwd"> Baidu Cloud Computing (Yangquan) Center,',
    )
    return text


def test_escape_inline_neutralises_markdown_and_html() -> None:
    escaped = escape_inline(HOSTILE)
    assert escaped == (
        "A \\| B &lt;script&gt;alert(1)&lt;/script&gt; \\*bold\\* \\_it\\_ \\[link\\](http://x) "
        "\\`code\\` \\~s\\~ \\$x\\$ &amp; \\\\"
    )
    assert escape_inline("line one\nline two") == "line one line two"


def test_escape_block_keeps_paragraphs_and_blocks_block_markers() -> None:
    assert escape_block("# title\n\n- item\n\n1. first\n\nplain") == (
        "\\# title\n\n\\- item\n\n1\\. first\n\nplain"
    )


@pytest.fixture(scope="module")
def hostile_notes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from concepttrack.themes import parse_themes

    theme = parse_themes(hostile_theme_yaml()).themes[0]
    out = tmp_path_factory.mktemp("hostile")
    paths = render_note(theme, sora_snapshot(), formats=["md", "html"], out_dir=out)
    return {p.suffix: p.read_text(encoding="utf-8") for p in paths}


def test_user_text_round_trips_safely_into_markdown(hostile_notes: dict[str, str]) -> None:
    md = hostile_notes[".md"]
    assert "<script>" not in md
    assert "<img" not in md
    assert "# Sora \\| &lt;b&gt;compute&lt;/b&gt; \\*now\\*" in md
    assert "\\# not a heading \\| &lt;script&gt;alert(1)&lt;/script&gt; \\*x\\* \\_y\\_" in md
    assert "\\[z\\](http://evil)" in md
    # Every table row keeps its column count: no cell gained a pipe.
    for table in re.findall(r"(?m)^(\|.*\|\n\|[:\-| ]+\|\n(?:\|.*\|\n)+)", md):
        rows = table.splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, table


def test_user_text_round_trips_safely_into_html(hostile_notes: dict[str, str]) -> None:
    html = hostile_notes[".html"]
    assert "<script>" not in html
    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "Sora | &lt;b&gt;compute&lt;/b&gt; *now*" in html
    # Self-contained: CSS inline (not escaped) and images as data: URIs only.
    assert "<style>\n/* concepttrack note" in html
    assert re.findall(r'<img src="([a-z]+):', html) == ["data"] * 4


def test_strict_undefined_raises_on_a_missing_variable() -> None:
    env = make_environment()
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("note.html.j2").render(charts=[], inline_css="")
    md_env = make_environment(markdown=True)
    with pytest.raises(jinja2.UndefinedError):
        md_env.from_string("{{ note.nothing_here }}").render(note=object())


def test_autoescape_covers_the_real_html_template_extension() -> None:
    env = make_environment()
    template = env.get_template("note.html.j2")
    assert template.environment.autoescape("note.html.j2") is True  # type: ignore[operator]
    assert env.autoescape("note.md.j2") is False  # type: ignore[operator]


def test_templates_override_and_missing_variable_is_a_render_error(tmp_path: Path) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "note.md.j2").write_text("CUSTOM {{ note.title }} {{ note.as_of }}\n", "utf-8")
    paths = render_note(
        sora_theme(),
        sora_snapshot(),
        formats=["md"],
        out_dir=tmp_path / "out",
        templates_dir=custom,
    )
    assert paths[0].read_text("utf-8") == (
        "CUSTOM Sora: text-to-video lifts AI computing power 28 Mar 2024\n"
    )
    (custom / "note.md.j2").write_text("{{ note.no_such_field }}\n", "utf-8")
    with pytest.raises(RenderError, match="no_such_field"):
        render_note(
            sora_theme(),
            sora_snapshot(),
            formats=["md"],
            out_dir=tmp_path / "out",
            templates_dir=custom,
        )


def test_unknown_format_and_missing_templates_folder_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown note format docx"):
        render_note(sora_theme(), sora_snapshot(), formats=["docx"], out_dir=tmp_path)
    with pytest.raises(UsageError, match="templates folder not found"):
        render_note(
            sora_theme(),
            sora_snapshot(),
            formats=["md"],
            out_dir=tmp_path,
            templates_dir=tmp_path / "nope",
        )


def test_rendering_twice_gives_identical_bytes_and_leaves_no_temp_files(tmp_path: Path) -> None:
    theme, snapshot, since = sora_theme(), sora_snapshot(), sora_since_last()
    formats = ["md", "html", "json"]
    first = render_note(theme, snapshot, formats=formats, out_dir=tmp_path / "a", since_last=since)
    second = render_note(theme, snapshot, formats=formats, out_dir=tmp_path / "b", since_last=since)
    assert [p.name for p in first] == ["2024-03-28.md", "2024-03-28.html", "2024-03-28.json"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assets_a = sorted((tmp_path / "a" / "sora-compute" / "2024-03-28-assets").iterdir())
    assets_b = sorted((tmp_path / "b" / "sora-compute" / "2024-03-28-assets").iterdir())
    assert [p.name for p in assets_a] == [
        "basket-vs-benchmark.png",
        "constituents.png",
        "event-reaction.png",
        "since-event-returns.png",
    ]
    for a, b in zip(assets_a, assets_b, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []
    md = first[0].read_text("utf-8")
    assert "![Line chart of the concept basket" in md
    assert "(2024-03-28-assets/basket-vs-benchmark.png)" in md


def test_json_layout_is_the_documented_one(tmp_path: Path) -> None:
    theme, snapshot, since = sora_theme(), sora_snapshot(), sora_since_last()
    (path,) = render_note(theme, snapshot, formats=["json"], out_dir=tmp_path, since_last=since)
    text = path.read_text("utf-8")
    assert text.endswith("}\n")
    assert "百度集团-SW" in text  # ensure_ascii=False
    document = json.loads(text)
    assert list(document) == [
        "schema_version",
        "kind",
        "theme",
        "snapshot",
        "since_last_note",
        "languages",
        "what_moved",
        "what_changed",
        "stale_after_months",
        "old_facts",
        "lead",
    ]
    assert document["languages"] == ["en"]
    assert set(document["what_moved"]) == {"en"}
    assert document["what_moved"]["en"].startswith("The day's largest move")
    assert document["lead"]["facts"][0]["kind"] == "largest_move"
    assert document["schema_version"] == 1
    assert document["kind"] == "concepttrack.note"
    assert document["theme"] == theme.model_dump(mode="json")
    # A reason reads as in the English note, its code next to it (``*_coded``).
    assert document["snapshot"] == snapshot.to_dict(word=lambda why: reason_text(why, "en"))
    assert document["since_last_note"] == since.to_dict()
    (again,) = render_note(theme, snapshot, formats=["json"], out_dir=tmp_path / "x")
    assert json.loads(again.read_text("utf-8"))["since_last_note"] is None
    # JSON alone never needs matplotlib's charts.
    assert not (tmp_path / "x" / "sora-compute" / "2024-03-28-assets").exists()


def test_formats_constant() -> None:
    assert FORMATS == ("md", "pdf", "html", "json")


def test_no_cjk_font_warns_once_with_the_package_and_still_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from concepttrack.render import fonts

    monkeypatch.setattr(fonts, "fontconfig_cjk_fonts", dict)
    monkeypatch.setattr(fonts, "_warned", False)
    with caplog.at_level("WARNING", logger="concepttrack.render"):
        for run in ("a", "b"):
            (path,) = render_note(
                sora_theme(), sora_snapshot(), formats=["md"], out_dir=tmp_path / run
            )
            assert path.exists()
    warnings = [r.getMessage() for r in caplog.records if r.name == "concepttrack.render"]
    assert warnings == [
        "no CJK font found: Chinese names will show as boxes; "
        "install a CJK font: apt-get install fonts-noto-cjk"
    ]


def test_missing_stock_and_no_chart_series_render_as_dashes_not_zeros(tmp_path: Path) -> None:
    import dataclasses

    from concepttrack.analytics.model import (
        ChartSeries,
        DataStatus,
        NarrativeFacts,
        RiskFigures,
        WindowReturns,
    )

    snapshot = sora_snapshot()
    zte = dataclasses.replace(
        snapshot.stocks[1],
        status=DataStatus("0763.HK", "missing", None, said("no data from the source")),
        last_close=None,
        last_session=None,
        returns=WindowReturns(),
        excess=WindowReturns(),
        volume_ratio=None,
        from_high_52w=None,
        contribution=None,
        risk=RiskFigures(),
        in_basket=False,
        excluded_reason=said("no price at the event base"),
    )
    bare = dataclasses.replace(
        snapshot,
        stocks=[snapshot.stocks[0], zte],
        series=ChartSeries(),
        narrative=NarrativeFacts(missing_symbols=["0763.HK"]),
    )
    md_path, html_path = render_note(sora_theme(), bare, formats=["md", "html"], out_dir=tmp_path)
    md = md_path.read_text("utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| 00763 |"))
    assert row == (
        "| 00763 | ZTE | 中興通訊 | – | – | – | – | **–** | – | – | – | – | – | – "
        "| Missing · not in basket |"
    )
    assert "No prices were available for ZTE (00763)." in md
    assert "No prices for this stock (no data from the source)" in md
    assert "basket-vs-benchmark.png" not in md  # no series: the chart is left out
    assert "since-event-returns.png" in md
    assert html_path.exists()
