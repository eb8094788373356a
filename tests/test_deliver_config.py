"""The delivery config: parsing, every problem with its line, and secrets that never show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concepttrack.cli import app
from concepttrack.deliver.config import config_path, load_config, scrub
from concepttrack.errors import EXIT_USAGE, DeliveryConfigError

PASSWORD = "pa$$/w0rd@x"
SLACK = "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/abcdefghijklmnopqrstuvwx"
HOOK_TOKEN = "s3cr3t-hook-token-42"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deliver.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = f"""\
# where the notes go
[[destination]]
name = "desk-mail"
url = "mailtos://analyst:${{SMTP_PASSWORD}}@smtp.example.com?to=desk@example.com"
themes = ["sora-compute"]
languages = ["en"]
attach = ["pdf", "md"]

[[destination]]
name = "desk-slack"
url = "${{SLACK_WEBHOOK}}"

[[destination]]
name = "hook"
url = "json://127.0.0.1:8080/hooks/{HOOK_TOKEN}"
"""


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SLACK_WEBHOOK", SLACK)


@pytest.mark.usefixtures("secrets_env")
def test_a_valid_config_loads_with_defaults_and_filters(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    mail, slack, hook = config.destinations
    assert (mail.name, mail.themes, mail.languages, mail.attach) == (
        "desk-mail",
        ("sora-compute",),
        ("en",),
        ("pdf", "md"),
    )
    # The substituted password is percent-encoded so it stays one URL field.
    assert "pa%24%24%2Fw0rd%40x@smtp.example.com" in mail.url
    assert slack.url == SLACK  # a variable that is the whole URL is taken as written
    assert (slack.themes, slack.languages, slack.attach) == (None, None, ("pdf",))
    assert mail.wants("sora-compute", "en")
    assert not mail.wants("sora-compute", "zh-hk")
    assert not mail.wants("other", "en")
    assert slack.wants("anything", "zh-hk")
    assert (mail.line, slack.line, hook.line) == (2, 9, 13)


@pytest.mark.usefixtures("secrets_env")
def test_redacted_urls_hide_passwords_tokens_and_webhook_paths(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    shown = "\n".join(d.redacted_url for d in config.destinations) + repr(config)
    for secret in (PASSWORD, "pa%24%24%2Fw0rd%40x", "abcdefghijklmnopqrstuvwx", HOOK_TOKEN):
        assert secret not in shown
    mail, slack, hook = config.destinations
    assert mail.redacted_url.startswith("mailtos://analyst:****@smtp.example.com")
    assert slack.redacted_url.startswith("slack://")
    assert hook.redacted_url.startswith("json://127.0.0.1:8080/hooks/****")
    text = f"failed: {mail.url} {SLACK} /hooks/{HOOK_TOKEN} {PASSWORD}"
    scrubbed = config.scrub(text)
    for secret in (PASSWORD, "pa%24%24%2Fw0rd%40x", "abcdefghijklmnopqrstuvwx", HOOK_TOKEN):
        assert secret not in scrubbed
    assert scrub("a bcd e", ("bcd",)) == "a **** e"
    assert scrub("a b c", ("b",)) == "a b c"  # too short to be told from text


@pytest.mark.usefixtures("secrets_env")
def test_deliver_check_prints_destinations_without_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    result = CliRunner().invoke(app, ["deliver", "check", "--deliver-config", str(path)])
    assert result.exit_code == 0, result.output
    assert "OK — 3 destinations" in result.output
    for name in ("desk-mail", "desk-slack", "hook"):
        assert name in result.output
    for secret in (PASSWORD, "pa%24%24", "abcdefghijklmnopqrstuvwx", HOOK_TOKEN):
        assert secret not in result.output


def test_every_problem_is_reported_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = write(
        tmp_path,
        """\
destinations = 1

[[destination]]
name = "a"
url = "mailto://127.0.0.1?to=a@example.com&from=b@example.com"
atach = ["pdf"]

[[destination]]
name = "a"
url = "mailto://u:${NOT_SET_ANYWHERE}@example.com"

[[destination]]
name = "bad name!"
url = "nosuchservice://x"
attach = ["pdf", "docx"]
languages = ["English"]

[[destination]]
themes = "sora-compute"
""",
    )
    with pytest.raises(DeliveryConfigError) as caught:
        load_config(path)
    lines = [p.format() for p in caught.value.problems]
    where = str(path)
    assert f"{where}:1: destinations: unknown key; did you mean 'destination'?" in lines
    assert f"{where}:6: destination 'a'.atach: unknown key; did you mean 'attach'?" in lines
    assert f"{where}:9: destination 'a'.name: duplicate name (first on line 4)" in lines
    assert f"{where}:10: destination 'a'.url: environment variable NOT_SET_ANYWHERE not set" in (
        lines
    )
    assert any(line.startswith(f"{where}:13: destination[3].name: must be") for line in lines)
    assert any(
        line.startswith(f"{where}:14: destination[3].url: not a usable Apprise URL")
        for line in lines
    )
    assert (
        f"{where}:15: destination[3].attach: unknown format 'docx'; choose from pdf, md, html"
        in (lines)
    )
    assert any(
        line.startswith(f"{where}:16: destination[3].languages: 'English'") for line in lines
    )
    assert f"{where}:18: destination[4].name: missing" in lines
    assert any(
        line.startswith(f"{where}:19: destination[4].themes: must be a list") for line in lines
    )
    assert f"{where}:18: destination[4].url: missing (an Apprise URL)" in lines
    assert [p.line for p in caught.value.problems] == sorted(
        p.line or 0 for p in caught.value.problems
    )
    assert len(lines) == 11


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[[destination]]\nname = "a"\nurl = "mailto://x\n')
    result = CliRunner().invoke(app, ["deliver", "check", "--deliver-config", str(path)])
    assert result.exit_code == EXIT_USAGE
    assert f"{path}:3:" in result.output
    assert "not valid TOML" in result.output
    assert "Traceback" not in result.output


def test_missing_file_says_where_to_put_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["deliver", "check", "--deliver-config", str(tmp_path / "none.toml")]
    )
    assert result.exit_code == EXIT_USAGE
    assert "file not found" in result.output
    assert "CONCEPTTRACK_DELIVER_CONFIG" in result.output


def test_config_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_path() == tmp_path / "xdg" / "concepttrack" / "deliver.toml"
    monkeypatch.setenv("CONCEPTTRACK_DELIVER_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == tmp_path / "env.toml"
    assert config_path(tmp_path / "cli.toml") == tmp_path / "cli.toml"
    json.dumps(str(config_path()))


def test_the_readme_example_is_valid(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SLACK_WEBHOOK", SLACK)
    mail, slack, board = load_config(write(tmp_path, block)).destinations
    assert (mail.name, mail.attach, slack.name, slack.attach) == (
        "desk-mail",
        ("pdf",),
        "desk-slack",
        (),
    )
    assert (mail.board, board.name, board.board) == (False, "morning-board", True)


def test_a_sub_table_is_reported_on_its_own_line(tmp_path: Path) -> None:
    # Issue 17 #11: `[destination.sub]` on line 7 was reported at line 4.
    text = (
        "# comment\n\n\n"
        "[[destination]]\n"
        'name = "a"\n'
        'url = "json://localhost:1/x"\n'
        "[destination.sub]\n"
        "x = 1\n"
    )
    with pytest.raises(DeliveryConfigError) as info:
        load_config(write(tmp_path, text), environ={})
    (problem,) = [p.format() for p in info.value.problems]
    assert problem.startswith(f"{tmp_path / 'deliver.toml'}:7: destination 'a'.sub: unknown key")


def test_non_utf8_bytes_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "deliver.toml"
    path.write_bytes(b'[[destination]]\nname = "a"\nurl = "json://x\xff"\n')
    with pytest.raises(DeliveryConfigError) as info:
        load_config(path, environ={})
    assert [p.format() for p in info.value.problems] == [
        f"{path}:3:16: is not UTF-8 text; save it as UTF-8"
    ]


def test_a_short_webhook_token_is_redacted(tmp_path: Path) -> None:
    # Issue 17 #11: a webhook path segment under 8 characters was shown as it is.
    text = '[[destination]]\nname = "h"\nurl = "json://127.0.0.1:8080/hooks/Zq7kX"\n'
    (hook,) = load_config(write(tmp_path, text), environ={}).destinations
    assert "Zq7kX" not in hook.redacted_url
    assert hook.redacted_url.startswith("json://127.0.0.1:8080/hooks/****")
