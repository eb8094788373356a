"""Delivery with real parts: a loopback SMTP server, a loopback webhook, the ledger under
re-runs and concurrent processes, destinations that are down, and secrets that never show.

Only these tests may open sockets, and only to 127.0.0.1 (pytest-socket's ``allow_hosts``;
any other address raises before a packet leaves)."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from concepttrack import pipeline
from concepttrack.archive import run_record_order
from concepttrack.cli import app
from concepttrack.deliver import ledger as ledger_module
from concepttrack.deliver.config import load_config
from concepttrack.deliver.ledger import Ledger
from concepttrack.deliver.send import collect, deliver, subject
from concepttrack.errors import EXIT_DELIVERY, EXIT_OK
from concepttrack.themes import parse_themes
from tests.conftest import REPO
from tests.deliver_fixtures import (
    BOOK,
    SESSIONS,
    copy_archive,
    free_port,
    http_server,
    run_options,
    smtp_server,
    template_archive,
    what_moved_in_markdown,
    write_prices,
)

loopback = pytest.mark.allow_hosts(["127.0.0.1"])
PASSWORD = "s3cr:t/p@ss%word"
SESSION = SESSIONS[-1]
MINUS = "\N{MINUS SIGN}"


@pytest.fixture
def reports(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_archive(template_archive(tmp_path_factory.getbasetemp()), tmp_path / "reports")


@pytest.fixture(autouse=True)
def _loopback_without_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite points HTTP(S)_PROXY at a dead port; loopback webhooks go direct.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def config_file(tmp_path: Path, *destinations: str) -> Path:
    path = tmp_path / "deliver.toml"
    path.write_text("\n".join(destinations), encoding="utf-8")
    return path


def mail_destination(port: int, *, name: str = "desk-mail", extra: str = "") -> str:
    return (
        f'[[destination]]\nname = "{name}"\n'
        f'url = "mailto://analyst:${{SMTP_PASSWORD}}@127.0.0.1:{port}'
        f'?to=desk@example.com&from=concepttrack@example.com&cto=5&rto=5"\n'
        f'themes = ["alpha"]\n{extra}\n'
    )


def expected_subject(note: dict[str, object]) -> str:
    """Written from the JSON twin independently of the code under test."""
    snap = note["snapshot"]
    assert isinstance(snap, dict)

    def pct(value: float) -> str:
        return f"{value * 100:+.1f}%".replace("-", MINUS)

    basket = pct(snap["basket"]["returns"]["one_day"])
    bench = pct(snap["benchmark"]["returns"]["one_day"])
    day = dt.date.fromisoformat(snap["as_of"])
    return (
        f"[concepttrack] Alpha <compute> & co · {day.day} Mar {day.year} · "
        f"basket {basket} vs HSI {bench}"
    )


def newest_record(reports: Path) -> dict[str, Any]:
    """The newest run record (``<stamp>-1.json`` is after ``<stamp>.json``)."""
    path = max((reports / "runs").glob("*.json"), key=lambda p: run_record_order(p.name))
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@loopback
def test_mail_arrives_with_both_parts_and_the_pdf_byte_identical(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    with smtp_server(password=PASSWORD) as (port, box):
        config = config_file(tmp_path, mail_destination(port))
        code, output = invoke(
            "deliver", "alpha", "--deliver-config", str(config), "--out", str(reports)
        )
        assert code == EXIT_OK, output
        assert "delivery: 1 sent" in output
        assert len(box.messages) == 1
        assert box.logins == [(b"analyst", PASSWORD.encode())]  # the secret did its job
        message = email.message_from_bytes(box.messages[0], policy=email.policy.default)

    note = json.loads((reports / "alpha" / f"{SESSION}.json").read_text(encoding="utf-8"))
    assert message["Subject"] == expected_subject(note)
    assert message["To"] == "desk@example.com"
    assert message["From"] == "concepttrack@example.com"
    assert message.get_content_type() == "multipart/mixed"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    text, markup = plain.get_content(), html.get_content()
    moved = what_moved_in_markdown(reports / "alpha" / f"{SESSION}.md")
    assert moved in " ".join(text.split())  # the note's own paragraph, word for word
    assert "What moved" in text
    assert "Key figures" in text
    assert "Alpha &lt;compute&gt; &amp; co" in markup  # user text is escaped
    assert "<compute>" not in markup
    basket_since = f"{note['snapshot']['basket']['returns']['since_event'] * 100:+.1f}%"
    assert basket_since.replace("-", MINUS) in markup
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"{SESSION}.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == (reports / "alpha" / f"{SESSION}.pdf").read_bytes()
    # The password never shows in the output, the ledger or the run records.
    for path in [reports / "deliveries.json", *reports.glob("runs/*.json")]:
        assert PASSWORD not in path.read_text(encoding="utf-8")
    assert PASSWORD not in output


@loopback
def test_rerun_and_forced_rerender_send_nothing_more(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    book = parse_themes(BOOK, "book.yaml")
    write_prices(tmp_path / "prices")
    with smtp_server(password=PASSWORD) as (port, box):
        config = config_file(tmp_path, mail_destination(port))
        options = run_options(tmp_path, out_dir=reports, deliver_config=config)
        first = pipeline.run(list(book), options)
        assert first.exit_code == EXIT_OK
        assert first.delivery is not None
        assert first.delivery.count("sent") == 1
        again = pipeline.run(list(book), options)
        forced = pipeline.run(
            list(book), run_options(tmp_path, out_dir=reports, deliver_config=config, force=True)
        )
        code, output = invoke("deliver", "--deliver-config", str(config), "--out", str(reports))
        assert len(box.messages) == 1
    for result in (again, forced):
        assert result.exit_code == EXIT_OK
        assert result.delivery is not None
        assert [line.status for line in result.delivery.lines] == ["already-sent"]
    assert code == EXIT_OK
    assert "delivery: 1 already sent" in output
    entry = Ledger(reports).get(("alpha", SESSION.isoformat(), "en", "desk-mail"))
    assert entry is not None
    assert (entry.status, entry.attempts) == ("sent", 1)
    assert entry.content_hash is not None
    assert entry.content_hash.startswith("sha256:")
    record = json.loads(
        sorted((reports / "runs").glob("*.json"), key=lambda p: run_record_order(p.name))[
            -1
        ].read_text("utf-8")
    )
    assert record["delivery"]["summary"] == "delivery: 1 already sent"


@loopback
def test_two_concurrent_processes_send_once(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SMTP_PASSWORD": PASSWORD}
    # A slow server keeps the first sender inside its lock while the second one starts.
    with smtp_server(password=PASSWORD, delay=1.0) as (port, box):
        config = config_file(tmp_path, mail_destination(port))
        command = [
            sys.executable, "-m", "concepttrack", "deliver", "--deliver-config", str(config),
            "--out", str(reports), "--wait", "60",
        ]  # fmt: skip
        runs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [EXIT_OK, EXIT_OK], outputs
        assert len(box.messages) == 1
    said = [out.decode().splitlines()[-1] for out, _ in outputs]
    assert sorted(said) == ["delivery: 1 already sent", "delivery: 1 sent"]


@loopback
def test_json_webhook_gets_title_headline_and_attachment(reports: Path, tmp_path: Path) -> None:
    token = "hooktoken-0123456789"
    with http_server() as (port, hook):
        config = config_file(
            tmp_path,
            f'[[destination]]\nname = "team-chat"\nurl = "json://127.0.0.1:{port}/in/{token}"\n'
            'attach = ["pdf", "md"]\nthemes = ["alpha"]\n',
        )
        code, output = invoke("deliver", "--deliver-config", str(config), "--out", str(reports))
        assert code == EXIT_OK, output
        assert len(hook.requests) == 1
    path, _headers, body = hook.requests[0]
    assert path == f"/in/{token}"
    payload = json.loads(body)
    note = json.loads((reports / "alpha" / f"{SESSION}.json").read_text(encoding="utf-8"))
    assert payload["title"] == expected_subject(note)
    assert what_moved_in_markdown(reports / "alpha" / f"{SESSION}.md").split(".")[0] in (
        payload["message"].replace("\\", "")
    )
    files = {a["filename"]: base64.b64decode(a["base64"]) for a in payload["attachments"]}
    assert files[f"{SESSION}.pdf"] == (reports / "alpha" / f"{SESSION}.pdf").read_bytes()
    assert files[f"{SESSION}.md"] == (reports / "alpha" / f"{SESSION}.md").read_bytes()
    assert token not in output
    assert token not in (reports / "deliveries.json").read_text(encoding="utf-8")


def report_args(tmp_path: Path, reports: Path, config: Path, *extra: str) -> list[str]:
    book = tmp_path / "themes.yaml"
    book.write_text(BOOK, encoding="utf-8")
    return [
        "--themes", str(book), "report", "alpha", "--source", f"csv:{tmp_path / 'prices'}",
        "--format", "md", "--out", str(reports), "--cache", str(tmp_path / "c.sqlite"),
        "--as-of", SESSION.isoformat(), "--deliver", "--deliver-config", str(config), *extra,
    ]  # fmt: skip


@loopback
def test_refused_connection_exits_6_keeps_the_note_and_the_next_run_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    write_prices(tmp_path / "prices")
    reports = tmp_path / "reports"
    port = free_port()  # nothing listens there yet
    config = config_file(tmp_path, mail_destination(port, extra='attach = ["md"]'))
    log = tmp_path / "run.log"
    code, output = invoke(*report_args(tmp_path, reports, config, "--log-file", str(log)))
    assert code == EXIT_DELIVERY, output
    logged = log.read_text(encoding="utf-8")
    assert "ERROR delivery: alpha 2024-03-01 en → desk-mail: failed" in logged
    assert PASSWORD not in logged
    assert (reports / "alpha" / f"{SESSION}.md").is_file()  # the note is written first
    assert "delivery failed: alpha 2024-03-01 en → desk-mail: failed" in output
    assert "delivery: 1 failed" in output
    assert PASSWORD not in output
    record = json.loads(
        sorted((reports / "runs").glob("*.json"), key=lambda p: run_record_order(p.name))[
            -1
        ].read_text("utf-8")
    )
    assert record["exit_code"] == EXIT_DELIVERY
    assert record["delivery"]["failed"] is True
    assert record["delivery"]["deliveries"][0]["status"] == "failed"
    assert PASSWORD not in json.dumps(record)
    key = ("alpha", SESSION.isoformat(), "en", "desk-mail")
    entry = Ledger(reports).get(key)
    assert entry is not None
    assert (entry.status, entry.attempts) == ("failed", 1)

    with smtp_server(password=PASSWORD, port=port) as (_, box):
        code, output = invoke(*report_args(tmp_path, reports, config))
        assert code == EXIT_OK, output
        assert len(box.messages) == 1
        message = email.message_from_bytes(box.messages[0], policy=email.policy.default)
    assert "already written, skipped" in output  # the note was not re-rendered
    assert "delivery: 1 sent" in output
    attachment = next(iter(message.iter_attachments()))
    assert attachment.get_payload(decode=True) == (reports / "alpha" / f"{SESSION}.md").read_bytes()
    entry = Ledger(reports).get(key)
    assert entry is not None
    assert (entry.status, entry.attempts) == ("sent", 2)


def webhook(tmp_path: Path, port: int, query: str = "") -> Path:
    return config_file(
        tmp_path,
        f'[[destination]]\nname = "hook"\nurl = "json://127.0.0.1:{port}/h{query}"\n'
        'themes = ["alpha"]\n',
    )


@loopback
def test_http_500_exits_6_then_backoff_then_retry_succeeds(reports: Path, tmp_path: Path) -> None:
    config = load_config(webhook(tmp_path, 0))  # replaced below once the port is known
    items = collect(reports, "alpha", SESSION)
    now = dt.datetime(2027, 12, 1, 10, 0, tzinfo=dt.UTC)  # a year ahead: no clock luck
    with http_server() as (port, hook):
        config = load_config(webhook(tmp_path, port))
        hook.status = 500
        first = deliver(config, reports, items, now=now)
        second = deliver(config, reports, items, now=now + dt.timedelta(minutes=1))
        third = deliver(config, reports, items, now=now + dt.timedelta(minutes=2))
        hook.status = 200
        waiting = deliver(config, reports, items, now=now + dt.timedelta(minutes=3))
        assert len(hook.requests) == 2  # the wait after the second failure was respected
        fourth = deliver(config, reports, items, now=now + dt.timedelta(minutes=7, seconds=1))
        assert len(hook.requests) == 3
    assert first.failed
    assert [line.status for line in first.lines] == ["failed"]
    assert "500" in (first.lines[0].message or "")
    assert [line.status for line in second.lines] == ["failed"]  # first retry at once
    assert [line.status for line in third.lines] == ["waiting"]  # then 5 minutes
    assert "next try after 2027-12-01T10:06:00Z" in (third.lines[0].message or "")
    assert [line.status for line in waiting.lines] == ["waiting"]
    assert [line.status for line in fourth.lines] == ["sent"]
    assert not fourth.failed


@loopback
def test_a_hanging_webhook_times_out_and_exits_6(reports: Path, tmp_path: Path) -> None:
    # The POST reached the server, which then hangs: the note may have arrived, so it is
    # `unknown`, never retried on its own (issue 17 #1), and the next run sends nothing.
    with http_server() as (port, hook):
        hook.hang = 10
        config = webhook(tmp_path, port, "?cto=1&rto=1")
        started = dt.datetime.now(dt.UTC)
        code, output = invoke("deliver", "--deliver-config", str(config), "--out", str(reports))
        took = (dt.datetime.now(dt.UTC) - started).total_seconds()
        assert code == EXIT_DELIVERY, output
        assert "delivery: 1 unknown (may have arrived; --resend sends again)" in output
        assert took < 8  # the read timeout, not the server, ended it
        entry = Ledger(reports).get(("alpha", SESSION.isoformat(), "en", "hook"))
        assert entry is not None
        assert entry.status == "unknown"
        hook.hang = 0
        code, output = invoke("deliver", "--deliver-config", str(config), "--out", str(reports))
        assert len(hook.requests) == 1, output


def test_backoff_and_giving_up_after_three_days(reports: Path, tmp_path: Path) -> None:
    assert [ledger_module.backoff(n).total_seconds() / 60 for n in range(1, 8)] == [
        0, 5, 10, 20, 40, 80, 160,
    ]  # fmt: skip
    assert ledger_module.backoff(10) == dt.timedelta(hours=6)
    ledger = Ledger(reports)
    key = ("alpha", "2024-03-01", "en", "hook")
    start = dt.datetime(2027, 12, 1, 10, 0, tzinfo=dt.UTC)
    for day in range(3):
        ledger.start(key, "sha256:x", start + dt.timedelta(days=day))
        entry = ledger.finish(key, ok=False, error="down", now=start + dt.timedelta(days=day))
        assert entry.status == "failed"
    ledger.start(key, "sha256:x", start + dt.timedelta(days=3))
    entry = ledger.finish(key, ok=False, error="down", now=start + dt.timedelta(days=3))
    assert (entry.status, entry.attempts, entry.next_attempt) == ("gave-up", 4, None)
    assert Ledger(reports).get(key) == entry  # saved


@loopback
def test_gave_up_is_said_once_and_resend_starts_again(reports: Path, tmp_path: Path) -> None:
    items = collect(reports, "alpha", SESSION)
    start = dt.datetime(2027, 12, 1, 10, 0, tzinfo=dt.UTC)
    with http_server() as (port, hook):
        config = load_config(webhook(tmp_path, port))
        hook.status = 503
        statuses = []
        for day in range(4):
            result = deliver(config, reports, items, now=start + dt.timedelta(days=day))
            statuses.append(result.lines[0].status)
        later = deliver(config, reports, items, now=start + dt.timedelta(days=5))
        hook.status = 200
        resent = deliver(config, reports, items, resend=True, now=start + dt.timedelta(days=5))
    assert statuses == ["failed", "failed", "failed", "gave-up"]
    assert "gave up after 4 attempts since 2027-12-01T10:00:00Z" in (result.lines[0].message or "")
    assert [line.status for line in later.lines] == ["given-up"]
    assert not later.failed
    assert [line.status for line in resent.lines] == ["sent"]
    assert len(hook.requests) == 5


@loopback
def test_an_interrupted_send_is_not_repeated(reports: Path, tmp_path: Path) -> None:
    ledger = Ledger(reports)
    key = ("alpha", SESSION.isoformat(), "en", "hook")
    ledger.start(key, "sha256:x", dt.datetime(2027, 12, 1, tzinfo=dt.UTC))  # then "killed"
    config = load_config(webhook(tmp_path, free_port()))
    items = collect(reports, "alpha", SESSION)
    result = deliver(config, reports, items)
    assert [line.status for line in result.lines] == ["unknown"]
    assert result.failed
    assert "may have arrived" in (result.lines[0].message or "")
    again = deliver(config, reports, items)
    assert [line.status for line in again.lines] == ["already-sent"]
    assert not again.failed


@loopback
def test_demo_notes_say_demo_and_wait_for_deliver_demo(tmp_path: Path) -> None:
    book = parse_themes(BOOK, "book.yaml")
    reports = tmp_path / "reports"
    options = run_options(tmp_path, source="demo", formats=("md", "json"), out_dir=reports)
    assert pipeline.run(list(book), options).exit_code == EXIT_OK
    (item,) = collect(reports, "alpha", SESSION)
    assert item.demo
    assert subject(item.note).startswith("[concepttrack] DEMO · Alpha <compute> & co · 1 Mar 2024")
    config = load_config(webhook(tmp_path, free_port()))
    result = deliver(config, reports, [item])
    assert [line.status for line in result.lines] == ["demo"]
    assert not result.failed
    assert "--deliver-demo" in (result.lines[0].message or "")
    assert not (reports / "deliveries.json").exists()


@loopback
def test_deliver_demo_sends_demo_notes(tmp_path: Path) -> None:
    book = parse_themes(BOOK, "book.yaml")
    reports = tmp_path / "reports"
    options = run_options(tmp_path, source="demo", formats=("md", "json"), out_dir=reports)
    pipeline.run(list(book), options)
    with http_server() as (port, hook):
        config = load_config(webhook(tmp_path, port))
        result = deliver(config, reports, collect(reports, "alpha", SESSION), deliver_demo=True)
    assert [line.status for line in result.lines] == ["sent"]
    payload = json.loads(hook.requests[0][2])
    assert payload["title"].startswith("[concepttrack] DEMO · ")
    assert payload["message"].startswith("DEMO DATA")


@loopback
def test_other_languages_go_to_destinations_that_take_them(reports: Path, tmp_path: Path) -> None:
    folder = reports / "alpha"
    (folder / f"{SESSION}.zh-hk.pdf").write_bytes(b"%PDF-1.7 zh-hk\n%%EOF\n")
    with http_server() as (port, hook):
        config = load_config(
            config_file(
                tmp_path,
                f'[[destination]]\nname = "zh"\nurl = "json://127.0.0.1:{port}/zh"\n'
                'languages = ["zh-hk"]\n',
                f'[[destination]]\nname = "all"\nurl = "json://127.0.0.1:{port}/all"\n'
                'themes = ["alpha"]\n',
            )
        )
        result = deliver(config, reports, collect(reports, "alpha", SESSION))
    sent = sorted((line.language, line.destination) for line in result.lines)
    assert sent == [("en", "all"), ("zh-hk", "all"), ("zh-hk", "zh")]
    by_path = {path: json.loads(body) for path, _, body in hook.requests if path == "/zh"}
    (zh,) = by_path.values()
    # The message is in the destination's language (no English words, no code suffix).
    assert "組合" in zh["title"]
    assert "basket" not in zh["title"]
    assert "事件以來：組合" in zh["message"]
    assert base64.b64decode(zh["attachments"][0]["base64"]) == b"%PDF-1.7 zh-hk\n%%EOF\n"


@loopback
def test_nothing_but_loopback_is_reachable_and_looked_up(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The guard is on: a non-loopback address is refused before any packet leaves.
    from pytest_socket import SocketConnectBlockedError

    with socket.socket() as sock, pytest.raises(SocketConnectBlockedError):  # noqa: SIM117
        with pytest.warns(UserWarning, match="192.0.2.1"):
            sock.connect(("192.0.2.1", 25))  # TEST-NET-1, never routed
    # Sends run in a forked child (deliver/send.py): look-ups are recorded in a file, so
    # the child's count too.
    record = tmp_path / "looked-up.txt"
    record.touch()

    class Recorder(list[str]):
        def append(self, host: str) -> None:
            with record.open("a", encoding="utf-8") as handle:
                handle.write(host + "\n")

    looked_up = Recorder()
    real = socket.getaddrinfo

    def recording(host: object, *args: object, **kwargs: object) -> object:
        looked_up.append(str(host))
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    for name in ("gethostbyname", "gethostbyaddr", "gethostbyname_ex"):
        original = getattr(socket, name)

        def lookup(host: str, _original: object = original) -> object:
            looked_up.append(host)
            return _original(host)  # type: ignore[operator]

        monkeypatch.setattr(socket, name, lookup)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    with smtp_server(password=PASSWORD) as (port, box), http_server() as (hport, hook):
        config = load_config(
            config_file(
                tmp_path,
                mail_destination(port),
                f'[[destination]]\nname = "hook"\nurl = "json://127.0.0.1:{hport}/h"\n',
            )
        )
        result = deliver(config, reports, collect(reports, "alpha", SESSION))
        assert not result.failed
        assert len(box.messages) == 1
        assert len(hook.requests) == 1
    # Nothing was looked up but the destinations (no icons, no plugin sources) and, for
    # SMTP's EHLO greeting, this machine's own name (smtplib's socket.getfqdn()).
    seen = record.read_text(encoding="utf-8").split()
    assert "127.0.0.1" in seen
    assert set(seen) <= {"127.0.0.1", socket.gethostname()}, seen


@loopback
def test_a_clean_quiet_run_with_deliver_prints_nothing(tmp_path: Path) -> None:
    write_prices(tmp_path / "prices")
    reports = tmp_path / "reports"
    with http_server() as (port, hook):
        config = webhook(tmp_path, port)
        code, output = invoke(*report_args(tmp_path, reports, config, "--quiet"))
        assert len(hook.requests) == 1
    assert (code, output) == (EXIT_OK, "")


def test_an_unreadable_ledger_costs_no_note_and_no_run_record(tmp_path: Path) -> None:
    book = parse_themes(BOOK, "book.yaml")
    write_prices(tmp_path / "prices")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "deliveries.json").write_text("{not json", encoding="utf-8")
    config = config_file(tmp_path, '[[destination]]\nname = "hook"\nurl = "json://127.0.0.1:9/h"\n')
    options = run_options(tmp_path, formats=("md",), out_dir=reports, deliver_config=config)
    result = pipeline.run(list(book), options)
    assert result.exit_code == EXIT_DELIVERY
    assert (reports / "alpha" / f"{SESSION}.md").is_file()
    record = json.loads(next((reports / "runs").glob("*.json")).read_text("utf-8"))
    assert record["delivery"]["failed"] is True
    assert "deliveries.json cannot be read" in record["delivery"]["error"]


@loopback
def test_a_slow_mail_server_gets_the_note_once_and_the_run_keeps_its_deadline(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 17 #1/#2: a server slow to answer DATA made each run record `failed` while the
    # abandoned send finished anyway: one stored copy per run. And nothing bounded the run.
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    with smtp_server(password=PASSWORD, delay=8) as (port, box):
        config = config_file(
            tmp_path,
            "timeout = 5\n",
            mail_destination(port, extra='languages = ["en"]'),
            mail_destination(port, name="second-desk"),
        )
        started = time.monotonic()
        code, output = invoke("deliver", "--deliver-config", str(config), "--out", str(reports))
        took = time.monotonic() - started
        assert code == EXIT_DELIVERY, output
        assert took < 12, output  # the 5 s deadline, not the server's 8 s
        assert "1 unknown (may have arrived; --resend sends again)" in output
        assert "1 not attempted before the deadline" in output
        statuses = {k[3]: e.status for k, e in Ledger(reports).entries.items()}
        assert statuses == {"desk-mail": "unknown"}
        # The killed client aborted its transaction: the server stored nothing (a server
        # that had stored it would hold one copy, never one per run).
        time.sleep(4)
        first = len(box.messages)
        assert first <= 1
        box.delay = 0
        code, output = invoke("deliver", "--deliver-config", str(config), "--out", str(reports))
        assert code == EXIT_OK, output  # the unknown was said loudly once, by the first run
        assert "it may have arrived, so it is not sent again (--resend sends it)" in output
        assert len(box.messages) == first + 1, output  # only second-desk's copy is new
        statuses = {k[3]: e.status for k, e in Ledger(reports).entries.items()}
        assert statuses == {"desk-mail": "unknown", "second-desk": "sent"}
