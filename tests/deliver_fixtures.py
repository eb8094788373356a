"""A small real archive (CSV prices, every format, two sessions) and loopback servers for the
delivery and site tests. The servers listen on 127.0.0.1 only and stop with the test."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concepttrack import pipeline
from concepttrack.themes import parse_themes

SESSIONS = (dt.date(2024, 2, 29), dt.date(2024, 3, 1))
BOOK = """\
themes:
  - id: alpha
    title: "Alpha <compute> & co"
    title_zh: 阿尔法
    thesis: A thesis.
    event: {date: 2024-02-16, title: The news}
    stocks:
      - {code: "09888", name: Baidu, name_zh: 百度集团-SW, rationale: Cloud.}
      - {code: "00763", name: ZTE, name_zh: 中兴通讯, rationale: Servers.}
  - id: beta
    title: Beta theme
    thesis: Another thesis.
    event: {date: 2024-01-10, title: Other news}
    stocks:
      - {code: "00941", name: China Mobile, rationale: Network.}
      - {code: "00728", name: China Telecom, rationale: Racks.}
"""
SYMBOLS = {"9888.HK": 80.0, "0763.HK": 20.0, "0941.HK": 70.0, "0728.HK": 4.0, "^HSI": 16000.0}


def write_prices(folder: Path) -> None:
    """One classic Yahoo CSV per symbol, a small deterministic zig-zag."""
    from concepttrack.calendar import sessions

    folder.mkdir(parents=True, exist_ok=True)
    for n, (symbol, price) in enumerate(SYMBOLS.items()):
        lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
        for i, day in enumerate(sessions("XHKG", dt.date(2022, 11, 1), dt.date(2024, 3, 1))):
            close = price * (1 + 0.002 * i / 50) * (1 + 0.004 * ((i + n) % 7 - 3))
            lines.append(
                f"{day.date()},{close},{close * 1.01},{close * 0.99},{close},{close},100000"
            )
        (folder / f"{symbol}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def book_path(folder: Path) -> Path:
    path = folder / "themes.yaml"
    path.write_text(BOOK, encoding="utf-8")
    return path


def run_options(root: Path, **overrides: Any) -> pipeline.RunOptions:
    values: dict[str, Any] = {
        "formats": ("md", "pdf", "html", "json"),
        "out_dir": root / "reports",
        "source": f"csv:{root / 'prices'}",
        "cache_path": root / "cache.sqlite",
        "as_of": SESSIONS[-1],
    }
    values.update(overrides)
    return pipeline.RunOptions(**values)


def build_archive(root: Path, *, formats: tuple[str, ...] = ("md", "pdf", "html", "json")) -> Path:
    """Notes of both themes for both sessions, from CSV (market, not demo) prices."""
    write_prices(root / "prices")
    book = parse_themes(BOOK, "book.yaml")
    for session in SESSIONS:
        result = pipeline.run(list(book), run_options(root, as_of=session, formats=formats))
        assert result.exit_code == 0, [o.to_dict() for o in result.outcomes]
    return root / "reports"


def copy_archive(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- SMTP ------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What the loopback SMTP server received."""

    messages: list[bytes] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    delay: float = 0.0


@contextmanager
def smtp_server(
    password: str | None = None, delay: float = 0.0, port: int | None = None
) -> Iterator[tuple[int, Mailbox]]:
    """A real aiosmtpd server on 127.0.0.1 (AUTH PLAIN/LOGIN when a password is given)."""
    import asyncio

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox(delay=delay)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            if box.delay:
                await asyncio.sleep(box.delay)
            box.messages.append(bytes(envelope.original_content or envelope.content))
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        if isinstance(auth, LoginPassword):
            box.logins.append((auth.login, auth.password))
            return AuthResult(success=auth.password == (password or "").encode())
        return AuthResult(success=False)

    port = port or free_port()
    kwargs: dict[str, Any] = {}
    if password is not None:
        kwargs = {"authenticator": authenticator, "auth_require_tls": False}
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


# --- HTTP ------------------------------------------------------------------------------


@dataclass
class Hook:
    """What the loopback webhook server received, and how it answers."""

    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200
    hang: float = 0.0


@contextmanager
def http_server() -> Iterator[tuple[int, Hook]]:
    """``http.server`` in a thread on 127.0.0.1, recording every POST."""
    hook = Hook()
    stop = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            hook.requests.append((self.path, dict(self.headers), body))
            if hook.hang:
                stop.wait(hook.hang)
            payload = json.dumps({"ok": hook.status < 400}).encode()
            self.send_response(hook.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), hook
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def what_moved_in_markdown(md: Path) -> str:
    """The note's own "What moved" paragraph, read from the Markdown file."""
    text = md.read_text(encoding="utf-8")
    after = text.split("## What moved", 1)[1].strip()
    return after.split("\n\n", 1)[0].strip()


def template_archive(base: Path) -> Path:
    """The archive built once per test session under ``base`` (pytest's base temp)."""
    root = base / "deliver-archive-template"
    done = root / ".built"
    if not done.exists():
        if root.exists():
            shutil.rmtree(root)
        build_archive(root)
        done.touch()
    return root / "reports"
