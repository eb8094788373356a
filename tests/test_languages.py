"""Notes in English, Traditional Chinese (zh-hk) and Simplified Chinese (zh-cn).

Unit tests of the language pieces (catalogs, Babel formats, theme text resolution,
OpenCC conversion, colours), then one pipeline run of the Sora theme in all three
languages on the golden CSV dataset, whose Markdown, HTML and PDF are checked for
leaked English, the wrong script, the same figures, fonts, metadata and line breaks.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from concepttrack.languages import LANGUAGES, get_language, parse_languages
from concepttrack.localize import convert, localize_theme, resolve, untranslated
from concepttrack.render.context import build_context
from concepttrack.render.formats import formats_for
from concepttrack.render.i18n import LOCALE_DIR, read_catalog, translator
from concepttrack.render.lexicon import ALLOWED_LATIN as LEXICON_LATIN
from concepttrack.render.typography import language_css
from concepttrack.themes import LocalText, parse_themes
from tests.conftest import REPO
from tests.render_fixtures import sora_snapshot, sora_theme

# --- catalogs ---------------------------------------------------------------------


def _extracted_messages() -> set[str]:
    """Every msgid marked in the code and templates (what `pybabel extract` finds)."""
    from babel.messages.extract import extract_from_dir

    method_map = [
        ("src/concepttrack/render/**.py", "python"),
        ("src/concepttrack/reasons.py", "python"),
        ("src/concepttrack/prices/registry.py", "python"),
        ("src/concepttrack/render/templates/**.j2", "jinja2"),
    ]
    options = {"src/concepttrack/render/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options, keywords=keywords
    ):
        found.update([message] if isinstance(message, str) else message)
    return {m for m in found if m}


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_message_exists_in_every_catalog(code: str) -> None:
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / get_language(code).catalog / "LC_MESSAGES" / "concepttrack.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    ids = {m.id for m in catalog if m.id}
    wanted = _extracted_messages()
    assert len(wanted) > 150
    assert wanted - ids == set(), f"{path.name} ({code}) lacks messages; run pybabel update"
    assert ids - wanted == set(), f"{path.name} ({code}) has messages no code uses"
    if code != "en":
        untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        assert untranslated == []
    # Placeholders in each translation are those of its message (babel's checkers).
    assert list(catalog.check()) == []


def test_catalog_is_read_from_the_po_file_without_compiling() -> None:
    messages = read_catalog(LOCALE_DIR / "zh_HK" / "LC_MESSAGES" / "concepttrack.po")
    assert messages["Key figures"] == "重點數據"
    assert translator("zh-cn").gettext("Key figures") == "重点数据"
    assert translator("en").gettext("Key figures") == "Key figures"
    assert not list(LOCALE_DIR.rglob("*.mo"))


# --- formats ----------------------------------------------------------------------


def test_dates_weekdays_and_amounts_follow_the_locale() -> None:
    hk, cn, en = formats_for("zh-hk"), formats_for("zh-cn"), formats_for("en")
    day = dt.date(2024, 2, 16)
    assert hk.date(day) == "2024年2月16日"
    assert cn.date(day) == "2024年2月16日"
    assert en.date(day) == "16 Feb 2024"
    assert hk.date_with_weekday(day) == "2024年2月16日（星期五）"
    assert hk.month(2024, 2) == "2024年2月"
    # 762,000,000 = 7.62 hundred-million (億); 76,200 = 7.62 ten-thousand (萬).
    assert hk.amount(762_000_000, "HKD") == "7.62億港元"
    assert cn.amount(762_000_000, "HKD") == "7.62亿港元"
    assert hk.amount(76_200) == "7.62萬"
    assert en.amount(762_000_000, "HKD") == "HK$762m"
    assert hk.price(87.6, "HKD") == "87.60港元"
    assert en.price(87.6, "HKD") == "HK$87.60"


def test_percentage_points_in_tables_and_prose() -> None:
    hk, cn, en = formats_for("zh-hk"), formats_for("zh-cn"), formats_for("en")
    assert en.pp(0.011) == "+1.1 pp"
    assert hk.pp(0.011) == "+1.1"  # the column heading says 百分點
    assert hk.pp_abs(-0.011) == "1.1個百分點"
    assert cn.pp_words(-0.011) == "−1.1个百分点"
    assert hk.pct(-0.0151) == en.pct(-0.0151) == "−1.5%"
    assert hk.join(["甲", "乙"]) == "甲、乙"


def test_languages_parse_and_reject_unknown_codes() -> None:
    from concepttrack.errors import UsageError

    assert parse_languages("en, ZH_HK,zh-cn,en") == ("en", "zh-hk", "zh-cn")
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        parse_languages("en,fr")


# --- theme text -------------------------------------------------------------------

BOOK = """\
languages: [en, zh-hk]
themes:
  - id: t
    title: {en: Compute, zh-hk: 算力}
    thesis: Plain English thesis.
    event:
      date: 2024-02-16
      title: {zh-cn: 发布模型}
    stocks:
      - code: "00763"
        name: ZTE
        name_zh: 中兴通讯
        rationale: {en: Switches., zh-cn: 交换机。}
"""


def test_text_is_own_converted_or_marked_original() -> None:
    book = parse_themes(BOOK)
    theme = book.themes[0]
    assert book.languages == ["en", "zh-hk"]
    assert resolve(theme.title, "zh-hk", "en").text == "算力"
    found = resolve(theme.event.title, "zh-hk", "en")
    assert (found.text, found.how, found.source) == ("發佈模型", "converted", "zh-cn")
    back = resolve(theme.title, "zh-cn", "en")
    assert (back.text, back.how, back.source) == ("算力", "converted", "zh-hk")
    original = resolve(theme.thesis, "zh-hk", "en")
    assert (original.text, original.how, original.source) == (
        "Plain English thesis.",
        "original",
        "en",
    )
    local, uses = localize_theme(theme, "zh-hk", "en", mark=lambda source: "（英文原文）")
    assert local.thesis == "Plain English thesis.（英文原文）"
    assert local.stocks[0].name == "中興通訊"  # from name_zh, converted with s2hk
    assert local.stocks[0].rationale == "交換機。"
    assert {u.key for u in uses} == {
        "thesis",
        "event.title",
        "stocks[0].name",
        "stocks[0].rationale",
    }


def test_untranslated_fields_are_listed_with_their_line() -> None:
    book = parse_themes(BOOK)
    lines = {use.key: line for _id, line, use in untranslated(book, "zh-hk")}
    assert lines["themes[0].thesis"] == 5
    assert lines["themes[0].event.title"] == 8


def test_plain_text_and_mappings_round_trip_through_the_json_dump() -> None:
    theme = parse_themes(BOOK).themes[0]
    dumped = theme.model_dump(mode="json")
    assert dumped["title"] == {"en": "Compute", "zh-hk": "算力"}
    assert dumped["thesis"] == "Plain English thesis."
    assert isinstance(theme.title, LocalText)
    assert theme.title == "Compute"


def test_unknown_language_in_a_text_mapping_points_at_the_line() -> None:
    from concepttrack.errors import ThemesFileError

    with pytest.raises(ThemesFileError) as caught:
        parse_themes(BOOK.replace("zh-hk: 算力", "fr: calcul"))
    assert "themes.yaml:4:" in str(caught.value)
    assert "unknown language 'fr'" in str(caught.value)


def test_folded_chinese_lines_join_without_spaces() -> None:
    text = BOOK.replace(
        "thesis: Plain English thesis.", "thesis: >\n      第一行，\n      第二行 Sora 模型。"
    )
    theme = parse_themes(text).themes[0]
    assert theme.thesis == "第一行，第二行 Sora 模型。"


def test_cli_themes_check_lists_untranslated_fields(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from concepttrack.cli import app

    book = tmp_path / "themes.yaml"
    book.write_text(BOOK, encoding="utf-8")
    result = CliRunner().invoke(app, ["--themes", str(book), "themes", "check", "--lang", "zh-hk"])
    assert result.exit_code == 0
    assert f"zh-hk: {book}:5: themes[0].thesis (t): no zh-hk text" in result.stdout
    plain = CliRunner().invoke(app, ["--themes", str(book), "themes", "check"])
    assert plain.exit_code == 0
    assert f"warning: {book}:5: themes[0].thesis (t)" in plain.stderr


# --- colours ----------------------------------------------------------------------


def test_colour_convention_defaults_per_language_and_can_be_overridden() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    cn = build_context(theme, snapshot, lang="zh-cn")
    hk = build_context(theme, snapshot, lang="zh-hk")
    assert cn.colours == "red-up"
    assert "红色代表上涨" in cn.colour_convention
    assert hk.colours == "green-up"
    assert "綠色代表上升" in hk.colour_convention
    forced = build_context(theme, snapshot, lang="zh-cn", colours="green-up")
    assert "绿色代表上涨" in forced.colour_convention
    assert "--up: #b3362c; --down: #1e7b4f" in language_css("zh-cn", "red-up")
    assert "--up" not in language_css("zh-hk", "green-up")
    assert "--up" not in language_css("en", "green-up")


def test_stock_names_are_chinese_and_marked_when_english_only() -> None:
    note = build_context(sora_theme(), sora_snapshot(), lang="zh-hk")
    # The fixture theme has no Chinese text: names come from name_zh (converted), the
    # rest is shown in English with the mark, never blank.
    assert note.constituents[0].name == "百度集團-SW"
    assert note.stock_notes[0].rationale.endswith("（英文原文）")
    assert note.html_lang == "zh-Hant-HK"
    assert not note.show_name_zh


# --- the rendered notes -----------------------------------------------------------

#: Latin words a Chinese note may contain: the package's own (render/lexicon: OpenCC,
#: t值, CAR ...), product, company and technical names from the themes book, codes,
#: units and the name of the price folder. Not XHKG, CSV, Yahoo or concepttrack: the
#: notes say 香港交易所交易日, 本地價格檔案, 雅虎財經 and 港股概念股追蹤.
ALLOWED_LATIN = LEXICON_LATIN - {"concepttrack"} | {
    "Sora", "OpenAI", "ChatGPT", "DALL", "E", "GPT", "DPU", "GPU", "CPU", "IDC", "EFLOPS",
    "Pika", "SW", "G", "HK", "HSI", "png", "assets", "prices",
}  # fmt: skip
_LATIN_WORD = re.compile(r"[A-Za-z]+")
#: Code-like tokens that are not words: symbols (0763.HK, ^HSI), file names, dates.
_CODE = re.compile(r"\^?[0-9]{4,5}\.HK|\d{6}\.S[SZ]|\^HSI|\d{4}-\d{2}-\d{2}[\w.-]*|[\w.-]+\.png")


@pytest.fixture(scope="module")
def notes() -> Iterator[dict[str, Path]]:
    """The Sora note of the golden dataset in en, zh-hk and zh-cn (md, html, pdf)."""
    from concepttrack import pipeline
    from concepttrack.themes import load_themes
    from tests.golden import AS_OF, write_dataset

    book = load_themes(REPO / "themes.yaml")
    theme = book.get("sora-compute")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_dataset(root / "prices")
        options = pipeline.RunOptions(
            formats=("md", "html", "pdf"),
            out_dir=root / "reports",
            source=f"csv:{root / 'prices'}",
            cache_path=root / "cache.sqlite",
            as_of=AS_OF,
            languages=("en", "zh-hk", "zh-cn"),
            book_languages=tuple(book.languages),
        )
        result = pipeline.run([theme], options)
        assert result.exit_code == 0, result.outcomes
        folder = root / "reports" / theme.id
        yield {p.name: p for p in folder.iterdir()}


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _leaks(text: str) -> set[str]:
    return {w for w in _LATIN_WORD.findall(_CODE.sub(" ", text)) if w not in ALLOWED_LATIN}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-hk", "zh-cn"])
def test_no_english_label_leaks_into_a_chinese_note(notes: dict[str, Path], lang: str) -> None:
    md = notes[f"2024-03-01.{lang}.md"].read_text("utf-8")
    assert _leaks(md) == set()
    assert _leaks(_pdf_text(notes[f"2024-03-01.{lang}.pdf"])) == set()
    # The check bites: the English note is full of words outside the allowlist.
    assert {"Basket", "Constituents"} <= _leaks(notes["2024-03-01.md"].read_text("utf-8"))


def _key_figures(md: str) -> list[list[str]]:
    """The numbers of the key-figures table (the first table of the note)."""
    rows = []
    for line in md.splitlines():
        if line.startswith("| ") and "%" in line:
            rows.append(re.findall(r"[+−]?\d+\.\d", line))
            if len(rows) == 5:
                break
    return rows


@pytest.mark.slow
def test_every_language_shows_the_same_key_figures(notes: dict[str, Path]) -> None:
    en = _key_figures(notes["2024-03-01.md"].read_text("utf-8"))
    assert len(en) == 5
    assert all(len(row) == 3 for row in en)
    for lang in ("zh-hk", "zh-cn"):
        assert _key_figures(notes[f"2024-03-01.{lang}.md"].read_text("utf-8")) == en


def _cjk(text: str) -> str:
    return "".join(c for c in text if "\u4e00" <= c <= "\u9fff")


@pytest.mark.slow
def test_each_chinese_note_is_in_its_own_script(notes: dict[str, Path]) -> None:
    hk = _cjk(notes["2024-03-01.zh-hk.md"].read_text("utf-8"))
    cn = _cjk(notes["2024-03-01.zh-cn.md"].read_text("utf-8"))
    assert len(hk) > 2000
    assert len(cn) > 2000
    # A Simplified-only character changes under OpenCC's s2t (Simplified to standard
    # Traditional); a Traditional-only one under t2s. 台 and 恒 are Hong Kong's own
    # forms (平台, 恒生指數) that s2t turns into the Taiwan standard's 臺 and 恆.
    hong_kong_forms = {"台", "恒"}
    simplified_in_hk = {c for c in set(hk) if convert(c, "s2t") != c} - hong_kong_forms
    traditional_in_cn = {c for c in set(cn) if convert(c, "t2s") != c}
    assert simplified_in_hk == set()
    assert traditional_in_cn == set()
    # The check bites: each note is full of the other script's changed characters.
    assert len({c for c in set(cn) if convert(c, "s2t") != c}) > 100
    assert len({c for c in set(hk) if convert(c, "t2s") != c}) > 100


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "html_lang", "family"),
    [("zh-hk", "zh-Hant-HK", "Noto-Sans-CJK-HK"), ("zh-cn", "zh-Hans-CN", "Noto-Sans-CJK-SC")],
)
def test_chinese_pdf_is_set_in_its_script_with_local_metadata(
    notes: dict[str, Path], lang: str, html_lang: str, family: str
) -> None:
    from pypdf import PdfReader

    html = notes[f"2024-03-01.{lang}.html"].read_text("utf-8")
    assert f'<html lang="{html_lang}"' in html
    reader = PdfReader(notes[f"2024-03-01.{lang}.pdf"])
    fonts = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    cjk = {f for f in fonts if "CJK" in f}
    assert cjk, fonts
    assert all(family in f or family.replace("Sans", "Serif") in f for f in cjk), fonts
    meta = reader.metadata
    assert meta is not None
    assert meta.title is not None
    assert "港股概念股追" in meta.title
    assert "2024年3月1日" in meta.title
    assert _cjk(meta.subject or "")
    assert _cjk(meta.get("/Keywords", ""))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-hk", "zh-cn"])
def test_no_pdf_line_starts_with_closing_punctuation(notes: dict[str, Path], lang: str) -> None:
    text = _pdf_text(notes[f"2024-03-01.{lang}.pdf"])
    starts = [line for line in text.splitlines() if line[:1] in "。，、：；）」"]
    assert starts == []
    assert text.count("。") > 50  # the check has something to check


@pytest.mark.slow
def test_files_links_and_index_cover_every_language(notes: dict[str, Path]) -> None:
    for name in (
        "2024-03-01.md",
        "2024-03-01.pdf",
        "2024-03-01.zh-hk.pdf",
        "2024-03-01.zh-cn.md",
        "2024-03-01.json",
        "latest.zh-hk.pdf",
        "latest.zh-cn.md",
        "latest.pdf",
    ):
        assert name in notes
    assert not any(name.endswith(".zh-hk.json") for name in notes)
    import json

    document = json.loads(notes["2024-03-01.json"].read_text("utf-8"))
    assert document["languages"] == ["en", "zh-hk", "zh-cn"]
    index = (notes["2024-03-01.md"].parent.parent / "index.md").read_text("utf-8")
    assert "[pdf zh-hk](sora-compute/2024-03-01.zh-hk.pdf)" in index
    assert "[md zh-cn](sora-compute/2024-03-01.zh-cn.md)" in index


def test_data_status_reasons_are_translated_with_local_dates() -> None:
    from concepttrack.reasons import reason as make
    from concepttrack.render.context import reader_reason

    reason = make("no_bar_since", date=dt.date(2025, 7, 10))
    assert reader_reason(reason, "zh-hk") == "自2025年7月10日起沒有成交數據（停牌或數據延遲）"
    assert reader_reason(reason, "zh-cn") == "自2025年7月10日起没有成交数据（停牌或数据延迟）"
    assert reader_reason(reason) == "no bar since 10 Jul 2025 (suspended or late data)"
    # A path never reaches the reader, in any language.
    folder = make("no_data_after", source="csv:/srv/data/hk-prices", date=dt.date(2025, 7, 18))
    expected = "2025年7月18日之後本地價格檔案（資料夾：hk-prices）沒有數據"
    assert reader_reason(folder, "zh-hk") == expected


def test_new_broker_views_are_named_in_the_notes_language() -> None:
    from tests.render_fixtures import sora_since_last

    note = build_context(sora_theme(), sora_snapshot(), sora_since_last(), lang="zh-hk")
    assert note.since_last is not None
    assert note.since_last.lines[-1] == "新券商觀點：Huatai Securities（英文原文）（2024年2月）。"


def test_language_from_the_environment_and_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from concepttrack.errors import UsageError
    from concepttrack.languages import languages_from_env

    monkeypatch.setenv("CONCEPTTRACK_LANG", "zh-hk,en")
    assert languages_from_env() == ("zh-hk", "en")
    monkeypatch.setenv("CONCEPTTRACK_LANG", "klingon")
    with pytest.raises(UsageError, match="CONCEPTTRACK_LANG: unknown language 'klingon'"):
        languages_from_env()


def test_new_views_compare_per_language_sources_as_stored() -> None:
    from concepttrack.analytics.changes import _new_views

    text = BOOK.replace(
        "    stocks:\n",
        "    views: [{source: {en: Huatai, zh-hk: 華泰證券}, date: 2024-02, summary: S}]\n"
        "    stocks:\n",
    )
    theme = parse_themes(text).themes[0]
    assert _new_views(theme.model_dump(mode="json"), theme) == []
    assert _new_views({"views": []}, theme) == ["Huatai, 2024-02"]


@pytest.mark.slow
def test_cli_report_writes_one_note_per_language_and_skips_a_complete_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from concepttrack.cli import app

    args = [
        "--themes",
        str(REPO / "themes.yaml"),
        "report",
        "sora-compute",
        "--source",
        "demo",
        "--format",
        "md",
        "--out",
        str(tmp_path / "reports"),
        "--cache",
        str(tmp_path / "c.sqlite"),
        "--as-of",
        "2025-03-03",
    ]
    monkeypatch.setenv("CONCEPTTRACK_LANG", "zh-hk,zh-cn")
    first = CliRunner().invoke(app, [*args, "--colours", "green-up"])
    assert first.exit_code == 0, first.stderr
    folder = tmp_path / "reports" / "sora-compute"
    # Only English takes the plain name (archive.NoteName); --colours applies to all.
    assert not (folder / "2025-03-03.md").exists()
    hk = (folder / "2025-03-03.zh-hk.md").read_text("utf-8")
    cn = (folder / "2025-03-03.zh-cn.md").read_text("utf-8")
    assert "港股概念股追蹤" in hk
    assert "绿色代表上涨" in cn
    assert (folder / "latest.zh-cn.md").resolve() == folder / "2025-03-03.zh-cn.md"
    # --lang beats the environment; a language not written yet makes the note incomplete.
    again = CliRunner().invoke(app, [*args, "--lang", "zh-hk,zh-cn"])
    assert again.exit_code == 0
    assert "already written, skipped" in again.stdout
    more = CliRunner().invoke(app, [*args, "--lang", "zh-hk,zh-cn,en"])
    assert more.exit_code == 0
    assert (folder / "2025-03-03.md").is_file()
    assert "港股概念股追蹤" in (folder / "2025-03-03.zh-hk.md").read_text("utf-8")
    bad = CliRunner().invoke(app, [*args, "--colours", "blue-up"])
    assert bad.exit_code == 2
    assert "unknown colour convention 'blue-up'" in bad.stderr


def _stale_basket_snapshot() -> object:
    import dataclasses

    snapshot = sora_snapshot()
    last = dt.date(2024, 3, 20)
    basket = dataclasses.replace(snapshot.basket, status="stale", last_session=last)
    facts = dataclasses.replace(
        snapshot.narrative,
        basket_return_5d=-0.031,
        excess_5d=-0.012,
        basket_return_1d=0.0,
        basket_since_event=0.183,
        excess_since_event=0.142,
        sessions_since_event=29,
        risers=0,
        fallers=0,
        unchanged=0,
        with_bar=0,
        leader_1d=None,
        laggard_1d=None,
        basket_last_session=last,
        basket_stale=True,
        basket_carried=["0941.HK"],
        stale_symbols=["9888.HK", "0941.HK"],
    )
    return dataclasses.replace(snapshot, basket=basket, narrative=facts)


def test_chinese_what_moved_from_the_same_facts_as_the_english() -> None:
    import dataclasses

    from concepttrack.analytics.model import NarrativeFacts

    facts = NarrativeFacts(
        basket_return_5d=0.032,
        benchmark_return_5d=0.021,
        excess_5d=0.011,
        basket_return_1d=-0.004,
        benchmark_return_1d=0.002,
        basket_since_event=0.183,
        benchmark_since_event=0.041,
        sessions_since_event=29,
        leader_1d="0728.HK",
        leader_1d_return=0.024,
        laggard_1d="0763.HK",
        laggard_1d_return=-0.018,
        risers=3,
        fallers=1,
        with_bar=4,
    )
    # 1-day moves that agree with the facts above (the lead reads the stocks' figures).
    moves = {"0728.HK": 0.024, "0763.HK": -0.018, "9888.HK": 0.011, "0941.HK": 0.003}
    base = sora_snapshot()
    stocks = [
        dataclasses.replace(s, returns=dataclasses.replace(s.returns, one_day=moves[s.symbol]))
        for s in base.stocks
    ]
    snapshot = dataclasses.replace(base, stocks=stocks, narrative=facts)
    hk = build_context(sora_theme(), snapshot, lang="zh-hk")
    cn = build_context(sora_theme(), snapshot, lang="zh-cn")
    assert hk.what_moved == (
        # The lead (issue 19): the day's largest move first, against its usual daily move.
        "中國電信（00728）上升2.4%，為今日成份股中變動幅度最大者，幅度相當於其日常波幅的1.6倍。"
        "概念股組合當日下跌0.4%，恒指則上升0.2%。"
        "過去五個交易日，組合上升3.2%，跑贏恒指1.1個百分點（恒指同期+2.1%）。"
        "今日有成交的4隻成份股中，3隻上升、1隻下跌；中興通訊表現最差（−1.8%）。"
        "自2024年2月16日事件（28個交易日前）以來，組合累升18.3%，同期恒指+4.1%。"
        # The event study's sentence, written in Chinese and joined without a space.
        "剔除大市因素後，組合對事件的反應在5%顯著性水平下並不顯著："
        "由事件交易日至其後20個交易日的累計異常回報為−1.2%（t值−0.34）。"
    )
    assert cn.what_moved == (
        "中国电信（00728）上涨2.4%，为今日成分股中涨跌幅最大者，约为其日常波动幅度的1.6倍。"
        "概念股组合当日下跌0.4%，恒指上涨0.2%。"
        "近五个交易日，组合上涨3.2%，跑赢恒指1.1个百分点（恒指同期+2.1%）。"
        "今日有交易的4只成分股中，3只上涨、1只下跌；中兴通讯表现最差（−1.8%）。"
        "自2024年2月16日事件（28个交易日前）以来，组合累计上涨18.3%，同期恒指+4.1%。"
        "剔除大盘因素后，组合对事件的反应在5%显著性水平下不显著："
        "从事件交易日至其后20个交易日的累计异常收益为−1.2%（t值−0.34）。"
    )


def test_chinese_stale_basket_is_marked_and_never_todays_move() -> None:
    note = build_context(sora_theme(), _stale_basket_snapshot(), lang="zh-hk")  # type: ignore[arg-type]
    assert note.what_moved.startswith(
        "概念股組合於本交易日並無價格：自2024年3月20日起再無成份股成交，故組合數據（標有†）截至該日。"
        "截至2024年3月20日的五個交易日，概念股組合下跌3.1%†，同期跑輸恒指1.2個百分點†。"
        "由2024年2月16日事件（28個交易日前）至2024年3月20日，組合上升18.3%†，"
        "同期跑贏恒指14.2個百分點†。"
    )
    assert "當日" not in note.what_moved
    assert "組合沿用中國移動的最後價格計算至2024年3月20日" in note.what_moved
    assert any("截至其最後交易日2024年3月20日" in line for line in note.key_figures.notes)
    assert all(row.basket.text.endswith("†") for row in note.key_figures.rows)


_UNITS = {"m": 1e6, "bn": 1e9, "萬": 1e4, "億": 1e8}


def _amounts(md: str, pattern: str) -> list[float]:
    return [float(number) * _UNITS[unit] for number, unit in re.findall(pattern, md)]


@pytest.mark.slow
def test_turnover_is_the_same_amount_in_every_language_and_recomputes(
    notes: dict[str, Path], tmp_path: Path
) -> None:
    """Average turnover: mean of close x volume over the last 20 rows of the CSV, by hand."""
    import csv

    from tests.golden import write_dataset

    en = _amounts(notes["2024-03-01.md"].read_text("utf-8"), r"turnover HK\\\$([\d.]+)(m|bn)")
    hk = _amounts(notes["2024-03-01.zh-hk.md"].read_text("utf-8"), r"成交額([\d.]+)([萬億])港元")
    assert len(en) == 4
    # English keeps three significant figures, Chinese four (formats.py): 1.32bn, 13.24億.
    assert hk == pytest.approx(en, rel=5e-3)
    write_dataset(tmp_path)
    with (tmp_path / "0728.HK.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[-20:]
    by_hand = sum(float(r["Close"]) * float(r["Volume"]) for r in rows) / 20
    assert en[3] == pytest.approx(float(f"{by_hand:.3g}"))  # China Telecom, 4th in the book


def test_latest_links_and_prune_handle_language_files(tmp_path: Path) -> None:
    from concepttrack import archive

    folder = tmp_path / "t"
    folder.mkdir()
    for day in ("2026-11-02", "2026-12-01"):
        for name in (f"{day}.pdf", f"{day}.zh-hk.pdf", f"{day}.zh-hk.md", f"{day}.json"):
            (folder / name).write_text("x", encoding="utf-8")
    newest = dt.date(2026, 12, 1)
    links = archive.update_latest(tmp_path, "t", newest, ["en", "zh-hk"])
    assert {p.name for p in links} == {
        "latest.pdf",
        "latest.en.pdf",
        "latest.zh-hk.pdf",
        "latest.zh-hk.md",
    }
    assert (folder / "latest.zh-hk.pdf").readlink() == Path("2026-12-01.zh-hk.pdf")
    assert archive.note_language("2026-12-01.zh-hk.pdf") == "zh-hk"
    assert archive.note_language("2026-12-01.pdf") is None
    removed = archive.prune(tmp_path, keep_days=10, today=newest)
    assert {p.name for p in removed} == {
        "2026-11-02.pdf",
        "2026-11-02.zh-hk.pdf",
        "2026-11-02.zh-hk.md",
        "2026-11-02.json",
    }
    assert (folder / "2026-12-01.zh-hk.md").exists()


def test_event_study_reasons_and_sentences_are_written_per_language() -> None:
    from concepttrack.analytics.event_model import CarWindow
    from concepttrack.reasons import reason
    from concepttrack.render.messages import reader_reason
    from concepttrack.render.prose import prose_for

    window = reason("window_incomplete", have=11, length=21, date=dt.date(2024, 3, 1))
    assert reader_reason(window) == "window not yet complete: 11 of 21 bars to 1 Mar 2024"
    assert (
        reader_reason(window, "zh-hk") == "窗口尚未完整（截至2024年3月1日只有21個交易日中的11個）"
    )
    assert (
        reader_reason(window, "zh-cn") == "窗口尚未完整（截至2024年3月1日仅有21个交易日中的11个）"
    )
    # A reason inside a reason is translated too.
    nested = reason(
        "estimation_before_data_to",
        end=dt.date(2023, 2, 1),
        why=reason("benchmark_starts", date=dt.date(2023, 3, 1)),
    )
    assert (
        reader_reason(nested, "zh-hk")
        == "估計窗口（至2023年2月1日）早於數據：基準回報始於2023年3月1日"
    )
    car = CarWindow(0, 20, car=0.042, t=0.61, significant=False)
    fmt_hk, fmt_cn = formats_for("zh-hk"), formats_for("zh-cn")
    assert prose_for("zh-hk").event_stock_line("中國電信", car, fmt_hk) == (
        "中國電信由事件交易日至其後20個交易日的累計異常回報為+4.2%，統計上不顯著（t值0.61）。"
    )
    assert prose_for("zh-cn").event_stock_line("中国电信", car, fmt_cn) == (
        "中国电信从事件交易日至其后20个交易日的累计异常收益为+4.2%，统计上不显著（t值0.61）。"
    )
    assert prose_for("en").event_stock_line("China Telecom", car, formats_for("en")) == (
        "China Telecom's abnormal return of +4.2% from the event session to 20 sessions after "
        "is not significant (t = 0.61)."
    )
