"""A ``--templates`` folder is data with formatting, not Python (issue 17, classes 3 and 10).

Every template runs in jinja2's immutable sandbox; a template reaching for Python's
internals is exit 4 naming its file, and the command it meant to run never runs. Files
are read from the folder only when they are regular files inside it, within a size
limit; the PDF's URL fetcher holds to the same rule.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concepttrack.cli import app
from concepttrack.errors import EXIT_RENDER, RenderError
from concepttrack.render import make_environment
from concepttrack.render.pdf import FETCH_LIMIT, BlockedURLError, make_url_fetcher
from concepttrack.render.templating import TEMPLATE_LIMIT, render_template
from tests.test_pipeline import BOOK


def _popen(marker: Path) -> str:
    return "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}\n".replace(
        "MARKER", str(marker)
    )


def _report(tmp_path: Path, templates: Path, fmt: str = "md") -> tuple[int, str]:
    book_file = tmp_path / "book.yaml"
    book_file.write_text(BOOK, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "report",
            "alpha",
            "--themes",
            str(book_file),
            "--source",
            "demo",
            "--format",
            fmt,
            "--out",
            str(tmp_path / "reports"),
            "--cache",
            str(tmp_path / "c.sqlite"),
            "--as-of",
            "2024-03-01",
            "--templates",
            str(templates),
            "--quiet",
        ],
    )
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    "template",
    [
        "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
        "{{ joiner.__init__.__globals__.os.system('touch MARKER') }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
        "{% set x = [] %}{{ x.append(1) }}",
        "{{ '{0.__init__.__globals__}'.format(cycler) }}",
        "{{ (cycler | attr('__init__')).__globals__ }}",
    ],
)
def test_a_template_cannot_reach_python(tmp_path: Path, template: str) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    marker = tmp_path / "MARKER"
    (folder / "note.md.j2").write_text(
        template.replace("MARKER", str(marker)) + "\n", encoding="utf-8"
    )
    env = make_environment(folder, markdown=True)
    for _twice in range(2):  # the sandbox's remembered verdicts refuse it again
        with pytest.raises(RenderError) as caught:
            render_template(env, "note.md.j2")
        assert str(folder / "note.md.j2") in caught.value.message
        assert "sandbox" in caught.value.message
    assert not marker.exists()


def test_the_popen_template_is_exit_4_naming_the_file_and_runs_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    marker = tmp_path / "MARKER"
    (folder / "note.md.j2").write_text(_popen(marker), encoding="utf-8")

    code, stderr = _report(tmp_path, folder)

    assert code == EXIT_RENDER, stderr
    assert f"template {folder / 'note.md.j2'}: refused by the template sandbox" in stderr
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    assert not marker.exists()


def test_the_mail_templates_run_in_the_sandbox_too(tmp_path: Path) -> None:
    from concepttrack import site

    folder = tmp_path / "templates"
    folder.mkdir()
    marker = tmp_path / "MARKER"
    (folder / "mail_subject.txt.j2").write_text(_popen(marker), encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        site.render_page(site.page_environment(folder, "en"), "mail_subject.txt.j2")
    assert str(folder / "mail_subject.txt.j2") in caught.value.message
    assert not marker.exists()


def test_the_package_templates_still_render_in_the_sandbox(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "note.md.j2").write_text(
        "{{ note_title | upper }} {{ items | join(', ') }} {{ '%s-%d' % ('a', 1) }}\n",
        encoding="utf-8",
    )
    env = make_environment(folder, markdown=True)
    out = render_template(env, "note.md.j2", note_title="sora", items=["x", "y"])
    assert out == "SORA x, y a-1\n"


def test_a_symlinked_template_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0 the secret line\n", encoding="utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "note.md.j2").symlink_to(outside)

    with pytest.raises(RenderError) as caught:
        render_template(make_environment(folder, markdown=True), "note.md.j2")
    assert caught.value.message.startswith(f"template {folder / 'note.md.j2'}: ")
    assert "symbolic link" in caught.value.message
    assert "secret" not in caught.value.message

    code, stderr = _report(tmp_path, folder)
    assert code == EXIT_RENDER
    assert "symbolic link" in stderr
    assert "the secret line" not in stderr
    assert not any("the secret line" in p.read_text() for p in tmp_path.rglob("*.md"))


def test_a_symlinked_stylesheet_and_an_included_link_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("the secret line\n", encoding="utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "note.css").symlink_to(outside)
    (folder / "part.j2").symlink_to(outside)
    (folder / "page.j2").write_text("{% include 'part.j2' %}", encoding="utf-8")
    env = make_environment(folder)
    for name in ("note.css", "page.j2"):
        with pytest.raises(RenderError, match="symbolic link"):
            render_template(env, name)


def test_a_fifo_or_an_oversize_template_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    os.mkfifo(folder / "note.md.j2")  # opened for reading, it would block the run for ever
    with pytest.raises(RenderError, match="not a regular file"):
        render_template(make_environment(folder, markdown=True), "note.md.j2")
    (folder / "note.md.j2").unlink()
    with (folder / "note.md.j2").open("wb") as handle:
        handle.truncate(TEMPLATE_LIMIT + 1)  # sparse: costs no disk
    with pytest.raises(RenderError, match="the limit is"):
        render_template(make_environment(folder, markdown=True), "note.md.j2")


def test_a_missing_override_still_falls_back_to_the_package(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    env = make_environment(folder, markdown=True)
    assert env.get_template("note.md.j2").filename.endswith("templates/note.md.j2")  # type: ignore[union-attr]
    assert not env.get_template("note.md.j2").filename.startswith(str(folder))  # type: ignore[union-attr]


# --- the PDF's URL fetcher ------------------------------------------------------------


def test_the_pdf_fetcher_refuses_a_symlink_even_one_pointing_inside(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "logo.png").write_bytes(b"\x89PNG fake")
    (folder / "alias.png").symlink_to(folder / "logo.png")
    fetcher = make_url_fetcher([folder])
    assert fetcher.fetch((folder / "logo.png").as_uri()).read() == b"\x89PNG fake"
    with pytest.raises(BlockedURLError, match="symbolic link"):
        fetcher.fetch((folder / "alias.png").as_uri())


def test_the_pdf_fetcher_refuses_a_symlink_out_and_an_oversize_file(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("the secret line\n", encoding="utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "out.png").symlink_to(outside)
    with (folder / "huge.png").open("wb") as handle:
        handle.truncate(FETCH_LIMIT + 1)
    fetcher = make_url_fetcher([folder])
    with pytest.raises(BlockedURLError):
        fetcher.fetch((folder / "out.png").as_uri())
    with pytest.raises(BlockedURLError, match="the limit is"):
        fetcher.fetch((folder / "huge.png").as_uri())
    assert fetcher.served == []
