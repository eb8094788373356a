"""An attachment over the limit is left out, said in the message and the delivery line.

Issue 17 class 9: a 150 MB PDF was attached and sent with 1.4 GB of memory. Files over
``send.ATTACHMENT_LIMIT`` (20 MB) are now left out; the message says which and why in
its own language, and the delivery line says so.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concepttrack.cli import app
from concepttrack.deliver import send
from concepttrack.deliver.config import load_config
from concepttrack.errors import EXIT_OK
from tests.deliver_fixtures import SESSIONS, copy_archive, smtp_server, template_archive

SESSION = SESSIONS[-1]
BIG = 150 * 1024 * 1024
loopback = pytest.mark.allow_hosts(["127.0.0.1"])


@pytest.fixture
def reports(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_archive(template_archive(tmp_path_factory.getbasetemp()), tmp_path / "reports")


@pytest.fixture(autouse=True)
def _loopback_without_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def _config(tmp_path: Path, url: str, attach: str = '["pdf", "md"]') -> Path:
    path = tmp_path / "deliver.toml"
    path.write_text(
        f'[[destination]]\nname = "desk"\nurl = "{url}"\nthemes = ["alpha"]\nattach = {attach}\n',
        encoding="utf-8",
    )
    return path


def _sparse(path: Path, size: int) -> None:
    """Make ``path`` ``size`` bytes long without using the disk (a sparse file)."""
    path.unlink()
    with path.open("wb") as handle:
        handle.truncate(size)


def test_a_150_mb_pdf_is_left_out_and_the_mail_says_so(reports: Path, tmp_path: Path) -> None:
    pdf = reports / "alpha" / f"{SESSION}.pdf"
    _sparse(pdf, BIG)
    destination = load_config(
        _config(tmp_path, "mailto://127.0.0.1:2525?to=d@example.com&from=c@example.com")
    ).destinations[0]
    item = next(i for i in send.collect(reports, "alpha", SESSION) if i.language == "en")

    message = send.compose(item, destination)

    assert message.attachments == (reports / "alpha" / f"{SESSION}.md",)
    assert message.left_out == ((pdf.name, BIG),)
    assert (
        f"Not attached, larger than the 20 MB limit for attachments: {pdf.name} (150 MB)."
        in message.body
    )
    assert message.notes() == (
        f"not attached: {pdf.name} (150 MB); attachments are limited to 20 MB"
    )

    chinese = send.compose(dataclasses.replace(item, language="zh-hk"), destination)
    assert f"未有附上（超過附件上限 20 MB）：{pdf.name} (150 MB)。" in chinese.body
    mainland = send.compose(dataclasses.replace(item, language="zh-cn"), destination)
    assert f"未附上（超过附件上限 20 MB）：{pdf.name} (150 MB)。" in mainland.body


def test_a_chat_message_says_which_file_was_left_out(reports: Path, tmp_path: Path) -> None:
    pdf = reports / "alpha" / f"{SESSION}.pdf"
    _sparse(pdf, BIG)
    destination = load_config(_config(tmp_path, "json://127.0.0.1:9/hook")).destinations[0]
    item = next(i for i in send.collect(reports, "alpha", SESSION) if i.language == "en")

    message = send.compose(item, destination)

    assert message.attachments == (reports / "alpha" / f"{SESSION}.md",)
    assert "Not attached, larger than the 20 MB limit for attachments:" in message.body
    assert "(150 MB)" in message.body


def test_a_file_at_the_limit_is_still_attached(reports: Path, tmp_path: Path) -> None:
    pdf = reports / "alpha" / f"{SESSION}.pdf"
    _sparse(pdf, send.ATTACHMENT_LIMIT)
    destination = load_config(
        _config(tmp_path, "mailto://127.0.0.1:2525?to=d@example.com&from=c@example.com", '["pdf"]')
    ).destinations[0]
    item = next(i for i in send.collect(reports, "alpha", SESSION) if i.language == "en")
    message = send.compose(item, destination)
    assert message.attachments == (pdf,)
    assert message.left_out == ()
    assert "Not attached" not in message.body


@loopback
def test_the_mail_arrives_without_the_big_file_and_the_delivery_line_says_so(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real PDF is a few hundred kB: a limit below its size makes it "too large"
    # without building a 150 MB message on a machine that runs the suite.
    pdf = reports / "alpha" / f"{SESSION}.pdf"
    md = reports / "alpha" / f"{SESSION}.md"
    monkeypatch.setattr(send, "ATTACHMENT_LIMIT", md.stat().st_size + 1)
    assert pdf.stat().st_size > send.ATTACHMENT_LIMIT
    with smtp_server() as (port, box):
        url = f"mailto://127.0.0.1:{port}?to=d@example.com&from=c@example.com&cto=5&rto=5"
        config = _config(tmp_path, url)
        result = CliRunner().invoke(
            app, ["deliver", "alpha", "--deliver-config", str(config), "--out", str(reports)]
        )
        assert result.exit_code == EXIT_OK, result.output
        assert len(box.messages) == 1
        message = email.message_from_bytes(box.messages[0], policy=email.policy.default)

    assert [a.get_filename() for a in message.iter_attachments()] == [md.name]
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert f"Not attached, larger than the 1 MB limit for attachments: {pdf.name}" in (
        " ".join(html.get_content().split())
    )
    assert f"not attached: {pdf.name}" in result.output
    assert "attachments are limited to 1 MB" in result.output
