"""The archive as a website: index pages from the notes, escaped, self-contained, every link
a file; and the index opened in a real headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from concepttrack import archive, site
from tests.deliver_fixtures import SESSIONS, copy_archive, template_archive

MINUS = "\N{MINUS SIGN}"


@pytest.fixture
def reports(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_archive(template_archive(tmp_path_factory.getbasetemp()), tmp_path / "reports")


class Links(HTMLParser):
    """Every href/src of a page, and whether it has scripts or remote references."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append(value)


def links_of(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def assert_links_resolve(page: Path) -> list[Path]:
    parser = links_of(page)
    assert parser.scripts == 0
    targets = []
    for ref in parser.refs:
        parts = urlsplit(ref)
        assert not parts.scheme, f"{page}: remote reference {ref}"
        assert not parts.netloc, f"{page}: remote reference {ref}"
        target = (page.parent / unquote(parts.path)).resolve()
        assert target.is_file(), f"{page}: {ref} does not resolve to a file"
        targets.append(target)
    return targets


def pct(value: float) -> str:
    return f"{value * 100:+.1f}%".replace("-", MINUS)


def test_index_lists_every_theme_with_headline_figures_and_working_links(reports: Path) -> None:
    index = reports / "index.html"
    assert index.is_file()  # written by the pipeline's run
    html = index.read_text(encoding="utf-8")
    assert "Alpha &lt;compute&gt; &amp; co" in html
    assert "<compute>" not in html
    assert "阿尔法" in html
    assert "Beta theme" in html
    for theme in ("alpha", "beta"):
        note = json.loads((reports / theme / f"{SESSIONS[-1]}.json").read_text("utf-8"))
        basket = note["snapshot"]["basket"]["returns"]
        bench = note["snapshot"]["benchmark"]["returns"]
        for value in (basket["since_event"], bench["since_event"], basket["one_day"]):
            assert pct(value) in html
    assert html.count("1 Mar 2024") == 2
    assert html.count("<svg") == 2
    assert html.count("<polyline") == 4
    targets = assert_links_resolve(index)
    expected = {
        (reports / theme / name).resolve()
        for theme in ("alpha", "beta")
        for name in ("index.html", *(f"{SESSIONS[-1]}.{ext}" for ext in ("pdf", "html", "md")))
    }
    assert set(targets) == expected


def test_theme_page_lists_every_note_newest_first(reports: Path) -> None:
    page = reports / "alpha" / "index.html"
    html = page.read_text(encoding="utf-8")
    newer, older = (s.isoformat() for s in reversed(SESSIONS))
    assert html.index(newer) < html.index(older)
    note = json.loads((reports / "alpha" / f"{newer}.json").read_text("utf-8"))
    day = note["snapshot"]["basket"]["returns"]["one_day"]
    bench = note["snapshot"]["benchmark"]["returns"]["one_day"]
    assert f"basket {pct(day)} vs HSI {pct(bench)}" in html
    targets = assert_links_resolve(page)
    assert (reports / "index.html").resolve() in targets
    assert len(targets) == 1 + 3 * len(SESSIONS)


def test_sparkline_points_by_hand() -> None:
    series = (["a", "b", "c"], [100.0, 110.0, 105.0], [100.0, 90.0, None])
    # low 90, high 110, span 20; x = 2 + 156 * i / 2; y = 2 + 36 * (1 - (v - 90) / 20)
    assert site.sparkline(series) == ("2.0,20.0 80.0,2.0 158.0,11.0", "2.0,20.0 80.0,38.0")
    assert site.sparkline((["a"], [100.0], [100.0])) == ("", "")


def test_languages_and_rerun_bytes(reports: Path) -> None:
    folder = reports / "alpha"
    session = SESSIONS[-1].isoformat()
    for ext in ("pdf", "md"):
        (folder / f"{session}.zh-hk.{ext}").write_bytes(b"zh")
    first = site.write_site(reports)
    before = {p: p.read_bytes() for p in first}
    assert site.write_site(reports) == first
    assert {p: p.read_bytes() for p in first} == before  # no clock in the pages
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert '<span class="lang" lang="zh-hk">zh-hk</span>' in html
    targets = assert_links_resolve(reports / "index.html")
    assert (folder / f"{session}.zh-hk.pdf").resolve() in targets
    files = archive.session_files(reports, "alpha")[SESSIONS[-1]]
    assert files.languages() == ["en", "zh-hk"]
    assert files.json_for("zh-hk") == folder / f"{session}.json"


def test_a_theme_without_json_still_lists_its_files(reports: Path) -> None:
    folder = reports / "gamma"
    folder.mkdir()
    (folder / "2024-03-01.md").write_text("# a note\n", encoding="utf-8")
    site.write_site(reports)
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "no figures (the JSON twin is missing)" in html
    assert_links_resolve(folder / "index.html")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; `./tasks test` installs it")
        pytest.skip("chromium is not installed (`./tasks test` installs it)")
    return found


@pytest.mark.slow
def test_index_in_headless_chromium(reports: Path, tmp_path: Path) -> None:
    browser = _chromium()
    shot = tmp_path / "index.png"
    base = [
        browser, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-default-apps", "--disable-extensions",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    url = (reports / "index.html").as_uri()
    env = {**os.environ, "HOME": str(tmp_path)}
    taken = subprocess.run(
        [*base, "--enable-logging=stderr", "--v=0", "--window-size=1200,700",
         f"--screenshot={shot}", url],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 700)
    assert len(data) > 10_000  # a page, not a blank image
    # No console message and no failed load (a missing file, a blocked fetch).
    noise = [
        line
        for line in taken.stderr.splitlines()
        if "CONSOLE" in line or "Failed to load" in line or "ERR_" in line
    ]
    assert noise == []
    dom = subprocess.run(
        [*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, env=env
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Alpha &lt;compute&gt; &amp; co" in dom.stdout
    assert dom.stdout.count("<polyline") == 4


def test_prune_rewrites_the_pages_so_no_link_dangles(reports: Path) -> None:
    from typer.testing import CliRunner

    from concepttrack.cli import app

    result = CliRunner().invoke(app, ["prune", "--keep-days", "0", "--out", str(reports)])
    assert result.exit_code == 0, result.output
    assert not (reports / "alpha" / f"{SESSIONS[0]}.pdf").exists()
    for page in (reports / "index.html", reports / "alpha" / "index.html"):
        assert_links_resolve(page)
    assert SESSIONS[0].isoformat() not in (reports / "alpha" / "index.html").read_text("utf-8")


def test_a_rerun_reads_only_the_newest_and_changed_notes(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.write_site(reports)  # fills the cache (the pipeline already did)
    before = {p: p.read_bytes() for p in reports.rglob("index.html")}
    read: list[str] = []
    real = site._read

    def counting(path: Path | None) -> dict[str, object] | None:
        read.append(path.name if path else "")
        return real(path)

    monkeypatch.setattr(site, "_read", counting)
    site.write_site(reports)
    assert sorted(read) == [f"{SESSIONS[-1]}.json"] * 2  # one per theme: the newest
    assert {p: p.read_bytes() for p in reports.rglob("index.html")} == before
    # A changed older note is read again and its new figures shown.
    older = reports / "alpha" / f"{SESSIONS[0]}.json"
    note = json.loads(older.read_text("utf-8"))
    note["snapshot"]["basket"]["returns"]["one_day"] = 0.1234
    older.write_text(json.dumps(note), encoding="utf-8")
    read.clear()
    site.write_site(reports)
    assert sorted(read) == sorted([f"{SESSIONS[-1]}.json"] * 2 + [older.name])
    assert "basket +12.3% vs HSI" in (reports / "alpha" / "index.html").read_text("utf-8")


def test_a_title_written_per_language_is_read_in_the_note_language() -> None:
    from concepttrack.site import headline, note_title

    note = {
        "languages": ["en", "zh-hk", "zh-cn"],
        "theme": {
            "id": "sora-compute",
            "title": {"en": "Sora and the compute stocks", "zh-hk": "Sora帶動算力需求"},
        },
        "snapshot": {},
    }
    assert note_title(note) == "Sora and the compute stocks"
    assert note_title(note, "zh-hk") == "Sora帶動算力需求"
    assert note_title(note, "zh-cn") == "Sora带动算力需求"  # converted with OpenCC
    assert headline(note).title == "Sora and the compute stocks"
    assert headline(note, "zh-hk").title == "Sora帶動算力需求"
    plain = {"theme": {"id": "x", "title": "Plain title"}, "snapshot": {}}
    assert headline(plain, "zh-hk").title == "Plain title"
    assert headline({"theme": {"id": "x"}, "snapshot": {}}).title == "x"
