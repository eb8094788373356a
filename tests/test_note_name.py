"""One naming rule for the archive (archive.NoteName), used everywhere; languages that never
overwrite each other whatever sequence of --lang runs; the site and the mail in the
reader's language, from overridable templates."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concepttrack import archive, site
from concepttrack.archive import NoteName

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "concepttrack"
DAY = dt.date(2026, 12, 3)
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


# --- the type ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lang", "ext"),
    [
        ("2026-12-03.md", "en", "md"),
        ("2026-12-03.pdf", "en", "pdf"),
        ("2026-12-03.zh-hk.pdf", "zh-hk", "pdf"),
        ("2026-12-03.zh-cn.html", "zh-cn", "html"),
        ("2026-12-03.json", None, "json"),
    ],
)
def test_parse_and_format_round_trip(name: str, lang: str | None, ext: str) -> None:
    parsed = NoteName.parse(name)
    assert parsed == NoteName(DAY, lang, ext)
    assert parsed is not None
    assert parsed.filename == name
    assert NoteName.parse(parsed.filename) == parsed


def test_only_english_is_bare_whatever_the_order_of_languages() -> None:
    assert NoteName(DAY, "en", "md").filename == "2026-12-03.md"
    assert NoteName(DAY, None, "md").filename == "2026-12-03.md"
    assert NoteName(DAY, "zh-hk", "md").filename == "2026-12-03.zh-hk.md"
    assert NoteName.twin(DAY).filename == "2026-12-03.json"
    assert NoteName(DAY, "zh-hk", "pdf").latest == "latest.zh-hk.pdf"
    assert NoteName(DAY, "en", "md").latest == "latest.en.md"
    assert NoteName(DAY, "zh-hk", "md").assets == "2026-12-03-assets"
    assert NoteName(DAY, "zh-cn", "md").chart_suffix == ".zh-cn"
    assert NoteName(DAY, "en", "md").chart_suffix == ""
    # A legacy ".en." name still reads as English (its canonical name is bare).
    legacy = NoteName.parse("2026-12-03.en.md")
    assert legacy is not None
    assert (legacy.lang, legacy.filename) == ("en", "2026-12-03.md")


@pytest.mark.parametrize(
    "name",
    [
        "latest.md",
        "latest.zh-hk.pdf",
        "index.html",
        "2026-12-03-assets",
        "2026-13-45.md",
        "2026-12-03.docx",
        ".2026-12-03.md.abc.tmp",
        "2026-12-03.ZH.md",
    ],
)
def test_other_names_are_not_notes(name: str) -> None:
    assert NoteName.parse(name) is None


def test_the_other_names_of_the_archive() -> None:
    assert archive.parse_latest("latest.zh-hk.pdf") == ("zh-hk", "pdf")
    assert archive.parse_latest("latest.md") == (None, "md")
    assert archive.parse_latest("2026-12-03.md") is None
    assert archive.parse_assets("2026-12-03-assets") == DAY
    assert archive.parse_assets("2026-12-03.md") is None
    assert archive.parse_run_record("2026-12-03T101500Z-2.json") == DAY
    assert archive.parse_run_record("2026-12-03.json") is None
    assert archive.is_theme_id("sora-compute")
    assert not archive.is_theme_id("../etc")
    names = ["/x/2026-12-03.zh-hk.md", "/x/2026-12-03.md", "/x/2026-12-03.json"]
    assert archive.written_languages(names) == ["zh-hk", "en"]
    with pytest.raises(ValueError, match="unknown note format"):
        NoteName(DAY, "en", "docx")


# --- one place ---------------------------------------------------------------------------

#: What a second copy of the naming or theme-id rule would look like in code.
FORBIDDEN = [
    (re.compile(r"\[a-z0-9\]\[a-z0-9-\]\{0,63\}"), "the theme-id regex"),
    (
        re.compile(r"re\.compile\([^)]*\\d\{4\}-\\d\{2\}-\\d\{2\}[^)]*(md|pdf|assets|json)"),
        "a note-name regex",
    ),
    (re.compile(r"isoformat\(\)\}(\.|-assets)"), "a note name built by hand"),
    (re.compile(r"f\"latest\.|f'latest\."), "a latest link name built by hand"),
    (re.compile(r"\b_(THEME_ID|DATED_FILE|NOTE_FILE|ASSETS_DIR)\b"), "a private copy of a rule"),
    (re.compile(r"\b(archive|site)\._[a-z]"), "a private helper of archive or site"),
    (re.compile(r"from concepttrack\.(archive|site) import [^\n]*\b_[a-z]"), "a private import"),
]


def test_every_place_uses_the_one_rule() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "archive.py" and path.parent == SRC:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, what in FORBIDDEN:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(SRC)}:{line}: {what}: {match.group(0)}")
    assert found == []


def test_delivery_does_not_import_the_pipeline() -> None:
    for path in (SRC / "deliver").glob("*.py"):
        assert "concepttrack.pipeline" not in path.read_text(encoding="utf-8"), path
    assert "_THEME_ID" not in (SRC / "deliver" / "config.py").read_text(encoding="utf-8")
    from concepttrack import themes
    from concepttrack.deliver import config

    assert themes.SLUG is archive.THEME_ID
    assert config.THEME_ID is archive.THEME_ID


# --- languages that never collide --------------------------------------------------------


def _report(tmp_path: Path, *lang: str) -> None:
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
        "--force",
        *(("--lang", lang[0]) if lang else ()),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


def _is_chinese(path: Path) -> bool:
    # An English note shows the theme's Chinese title too: judge by a fixed heading.
    return "## Key figures" not in path.read_text("utf-8")


@pytest.mark.slow
def test_a_sequence_of_lang_runs_never_overwrites_another_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONCEPTTRACK_LANG", raising=False)
    folder = tmp_path / "reports" / "sora-compute"
    _report(tmp_path, "en")
    english = (folder / "2025-03-03.md").read_text("utf-8")
    _report(tmp_path, "zh-hk")
    assert (folder / "2025-03-03.md").read_text("utf-8") == english  # not rewritten
    assert _is_chinese(folder / "2025-03-03.zh-hk.md")
    assert not _is_chinese(folder / "latest.en.md")
    assert _is_chinese(folder / "latest.zh-hk.md")
    assert (folder / "latest.md").resolve() == folder / "2025-03-03.md"
    _report(tmp_path)  # the book's languages: [en]
    assert not _is_chinese(folder / "2025-03-03.md")
    assert _is_chinese(folder / "2025-03-03.zh-hk.md")
    assert not _is_chinese(folder / "latest.en.md")
    assert _is_chinese(folder / "latest.zh-hk.md")
    # Charts too: English keeps the bare PNGs, Chinese its own.
    assert "-assets/basket-vs-benchmark.zh-hk.png" in (folder / "2025-03-03.zh-hk.md").read_text(
        "utf-8"
    )

    # Each run record says which languages that run wrote.
    # Records of runs within one second are <stamp>.json, <stamp>-1.json, … in that order.
    records = sorted(
        (tmp_path / "reports" / "runs").glob("*.json"),
        key=lambda path: archive.run_record_order(path.name),
    )
    written = [json.loads(r.read_text("utf-8"))["themes"][0]["languages"] for r in records]
    assert written == [["en"], ["zh-hk"], ["en"]]
    # The site lists both languages of the session.
    files = archive.session_files(tmp_path / "reports", "sora-compute")[dt.date(2025, 3, 3)]
    assert files.languages() == ["en", "zh-hk"]


def test_a_legacy_session_is_read_in_its_language_and_renamed_before_a_new_note(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    # Written by a `--lang zh-hk,en` run before the rule: Chinese took the bare name
    # (and the bare chart names).
    (folder / "2026-12-03-assets").mkdir()
    (folder / "2026-12-03-assets" / "basket.png").write_bytes(b"zh chart")
    (folder / "2026-12-03.md").write_text("中文 ![x](2026-12-03-assets/basket.png)", "utf-8")
    (folder / "2026-12-03.en.md").write_text("English", encoding="utf-8")
    twin = {"kind": "concepttrack.note", "snapshot": {"as_of": "2026-12-03"}}
    text = json.dumps({**twin, "languages": ["zh-hk", "en"]}, indent=2)
    (folder / "2026-12-03.json").write_text(text, encoding="utf-8")
    files = archive.session_files(tmp_path, "t")[DAY]
    assert files.files("zh-hk") == {"md": folder / "2026-12-03.md"}
    assert files.files("en") == {"md": folder / "2026-12-03.en.md"}
    assert files.languages() == ["en", "zh-hk"]
    from concepttrack.notewrite import whole_note

    with whole_note(tmp_path, "t", DAY):
        pass
    hk = "中文 ![x](2026-12-03-assets/basket.zh-hk.png)"
    assert (folder / "2026-12-03.zh-hk.md").read_text("utf-8") == hk
    assert (folder / "2026-12-03-assets" / "basket.zh-hk.png").read_bytes() == b"zh chart"
    assert (folder / "2026-12-03.md").read_text("utf-8") == "English"
    links = archive.update_latest(tmp_path, "t", DAY, ["en"])
    assert {p.name for p in links} == {"latest.md", "latest.en.md"}
    # A later English-only twin: the bare file is English since zh-hk has its own name.
    (folder / "2026-12-03.json").write_text(json.dumps({**twin, "languages": ["zh-hk"]}))
    files = archive.session_files(tmp_path, "t")[DAY]
    assert files.files("en") == {"md": folder / "2026-12-03.md"}


def test_a_latest_link_of_a_language_is_repaired_even_when_the_run_did_not_ask_for_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    for name in ("2026-12-03.md", "2026-12-03.zh-hk.md", "2026-12-03.json"):
        (folder / name).write_text(name, encoding="utf-8")
    (folder / "latest.zh-hk.md").symlink_to("2026-12-03.md")  # left by the old rule
    archive.update_latest(tmp_path, "t", DAY, ["en"])
    assert (folder / "latest.zh-hk.md").read_text("utf-8") == "2026-12-03.zh-hk.md"


# --- the site and the mail in the reader's language -------------------------------------


@pytest.fixture(scope="module")
def zh_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zh-hk-only run of the demo Sora note (md and json)."""
    from concepttrack.cli import app

    base = tmp_path_factory.mktemp("zh")
    args = [
        "--themes", str(REPO / "themes.yaml"), "report", "sora-compute", "--source", "demo",
        "--format", "md", "--out", str(base / "reports"), "--cache", str(base / "c.sqlite"),
        "--as-of", "2025-03-03", "--lang", "zh-hk",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return base / "reports"


def _visible_text(html: str) -> str:
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return html


#: Latin words a Chinese page may show: names and format labels, not fixed English text.
ALLOWED = {"PDF", "HTML", "concepttrack", "sora", "compute", "Sora"}


def _english_words(text: str, allowed: set[str]) -> list[str]:
    return [w for w in LATIN_WORD.findall(text) if w not in allowed]


def test_a_zh_hk_run_gives_a_zh_hk_site(zh_reports: Path) -> None:
    index = (zh_reports / "index.html").read_text("utf-8")
    assert '<html lang="zh-Hant-HK">' in index
    for heading in ("概念股報告", "主題", "最新報告", "檔案"):
        assert heading in index
    title = site.note_title(json.loads((zh_reports / "sora-compute/2025-03-03.json").read_text()))
    allowed = ALLOWED | set(LATIN_WORD.findall(title or ""))
    assert _english_words(_visible_text(index), allowed) == []
    page = (zh_reports / "sora-compute" / "index.html").read_text("utf-8")
    assert "當日表現" in page
    assert "事件以來：組合" in page
    assert _english_words(_visible_text(page), allowed) == []
    # A later run without a language (prune) keeps the site's language.
    site.write_site(zh_reports)
    assert (zh_reports / "index.html").read_text("utf-8") == index


def test_mail_and_chat_in_the_destinations_language(zh_reports: Path, tmp_path: Path) -> None:
    from concepttrack.deliver.config import Destination
    from concepttrack.deliver.send import collect, compose

    (item,) = collect(zh_reports, "sora-compute")
    assert item.language == "zh-hk"
    allowed = ALLOWED | set(LATIN_WORD.findall(site.headline(item.note, "zh-hk").title))
    mail = compose(
        item,
        Destination(name="m", url="mailtos://u:p@example.com?to=a@example.com", redacted_url="x"),
    )
    assert mail.body_format == "html"
    assert "重點數據" in mail.body
    assert "走勢回顧" in mail.body
    assert "組合" in mail.title
    assert _english_words(mail.title, allowed) == []
    assert _english_words(_visible_text(mail.body), allowed) == []
    chat = compose(item, Destination(name="c", url="json://127.0.0.1/hook", redacted_url="x"))
    assert chat.body_format == "markdown"
    assert "事件以來：組合" in chat.body
    assert _english_words(chat.body, allowed) == []


def test_site_and_mail_templates_can_be_overridden(zh_reports: Path, tmp_path: Path) -> None:
    from concepttrack.deliver.config import Destination
    from concepttrack.deliver.send import collect, compose

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "site_index.html.j2").write_text(
        "<p>{{ _('Theme') }}: {% for t in themes %}{{ t.title }}{% endfor %} & {{ '<b>' }}</p>\n",
        encoding="utf-8",
    )
    (templates / "mail_subject.txt.j2").write_text("Desk: {{ title }}", encoding="utf-8")
    reports = tmp_path / "reports"
    import shutil

    shutil.copytree(zh_reports, reports, symlinks=True)
    site.write_site(reports, templates_dir=templates, languages=["zh-hk"])
    index = (reports / "index.html").read_text("utf-8")
    assert index.startswith("<p>主題: ")
    assert "&lt;b&gt;" in index  # still autoescaped
    # The theme pages keep the package's template.
    assert "當日表現" in (reports / "sora-compute" / "index.html").read_text("utf-8")
    (item,) = collect(reports, "sora-compute")
    dest = Destination(name="c", url="json://127.0.0.1/hook", redacted_url="x")
    assert compose(item, dest, templates_dir=templates).title.startswith("Desk: ")
