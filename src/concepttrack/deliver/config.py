"""The delivery config: where each day's notes are sent, in a TOML file (never the themes book).

::

    [[destination]]
    name = "desk-mail"                 # how the summary and the ledger call it
    url = "mailtos://user:${SMTP_PASSWORD}@smtp.example.com?to=desk@example.com"
    themes = ["sora-compute"]          # optional; default every theme
    languages = ["en"]                 # optional; default every language written
    attach = ["pdf"]                   # optional; pdf, md, html (default pdf)
    board = false                      # optional; true: one message with the day's
                                       # concept board instead of one per theme

``url`` is an Apprise URL. ``${VAR}`` is replaced by the environment variable ``VAR``;
the value is percent-encoded (a password with ``@`` or ``/`` stays one field), unless the
variable is the whole URL, which is taken as written. Every problem is reported with its
line, like ``themes check``.

A loaded :class:`Destination` knows its secrets (substituted variables, passwords, tokens,
webhook paths) and :meth:`Destination.scrub` removes them from any text before that text
is printed, logged or recorded; :attr:`Destination.redacted_url` is the only form of the
URL that leaves this package.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from concepttrack.archive import THEME_ID
from concepttrack.errors import DeliveryConfigError, Problem
from concepttrack.fsutil import ReadRefused, line_and_column, read_limited

ENV_DELIVER_CONFIG = "CONCEPTTRACK_DELIVER_CONFIG"
ATTACH_FORMATS: tuple[str, ...] = ("pdf", "md", "html")
DEFAULT_ATTACH: tuple[str, ...] = ("pdf",)
REDACTED = "****"
#: A delivery config is a few destinations; anything larger is not one.
MAX_CONFIG_BYTES = 262_144

_KEYS = ("name", "url", "themes", "languages", "attach", "board")
_TOP_KEYS = ("destination", "timeout")
#: The whole delivery step's deadline in seconds: default and bounds of ``timeout``.
DEFAULT_TIMEOUT = 120.0
MIN_TIMEOUT = 5.0
MAX_TIMEOUT = 3600.0
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_QUERY = re.compile(r"(pass|secret|token|key|auth|webhook|sig)", re.IGNORECASE)
#: Path segments at least this long are treated as secrets (webhook ids and tokens); so are
#: shorter ones that hold a digit, and always the last one (a short token is still one).
_SECRET_SEGMENT = 8


def config_path(cli_value: Path | None = None) -> Path:
    """``--deliver-config``, else ``$CONCEPTTRACK_DELIVER_CONFIG``, else the user config
    folder's ``deliver.toml`` (``~/.config/concepttrack/deliver.toml`` on Linux)."""
    if cli_value is not None:
        return cli_value
    env = os.environ.get(ENV_DELIVER_CONFIG)
    if env:
        return Path(env)
    from platformdirs import user_config_path

    return user_config_path("concepttrack", appauthor=False) / "deliver.toml"


@dataclass(frozen=True)
class Destination:
    """One place notes go. ``url`` holds secrets: never print it, print ``redacted_url``."""

    name: str
    url: str = field(repr=False)
    redacted_url: str
    themes: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    attach: tuple[str, ...] = DEFAULT_ATTACH
    line: int | None = None
    #: ``board = true``: one message per run with the daily concept board (its body, its
    #: files attached) instead of one per theme.
    board: bool = False
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def wants(self, theme_id: str, language: str) -> bool:
        """True when this destination takes notes of this theme in this language."""
        if self.themes is not None and theme_id not in self.themes:
            return False
        return self.languages is None or language in self.languages

    def scrub(self, text: str) -> str:
        """``text`` with every secret of this destination replaced by ``****``."""
        return scrub(text, self.secrets)


@dataclass(frozen=True)
class DeliverConfig:
    """A validated delivery config file."""

    path: Path
    destinations: tuple[Destination, ...]
    #: Seconds the whole ``deliver`` step may take (top-level ``timeout``); a send still
    #: running then is abandoned (its child process killed) and recorded as ``unknown``.
    timeout: float = 120.0

    def scrub(self, text: str) -> str:
        """``text`` with the secrets of every destination removed."""
        return scrub(text, tuple(s for d in self.destinations for s in d.secrets))


#: Shorter "secrets" (a one-letter variable) are left alone: replacing every "1" or "ab"
#: in a message would hide the message, not a secret.
MIN_SECRET = 3


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every secret (longest first, raw and percent-encoded forms) by ``****``."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= MIN_SECRET:
            text = text.replace(secret, REDACTED)
    return text


# --- locating keys in the source (tomllib gives no line numbers for valid TOML) ---------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


class _Locator:
    """Line numbers of ``[[destination]]`` tables and their keys, by scanning the source."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str]] = []  # (1-based line, table name)
        for number, line in enumerate(self.lines, start=1):
            match = _HEADER.match(line)
            if match and not line.lstrip().startswith("#"):
                self.headers.append((number, match.group(1).strip().strip('"')))

    def table(self, index: int) -> tuple[int, int] | None:
        """(header line, last line) of the index-th ``[[destination]]`` table."""
        seen = -1
        for position, (number, name) in enumerate(self.headers):
            if name == "destination" and self.lines[number - 1].lstrip().startswith("[["):
                seen += 1
                if seen == index:
                    # The element's table runs on through its own sub-tables
                    # (``[destination.sub]``), which TOML attaches to it.
                    following = position + 1
                    while following < len(self.headers) and self.headers[following][1].startswith(
                        "destination."
                    ):
                        following += 1
                    end = (
                        self.headers[following][0] - 1
                        if following < len(self.headers)
                        else len(self.lines)
                    )
                    return number, end
        return None

    def key(self, key: str, start: int = 1, end: int | None = None) -> int | None:
        """First line in [start, end] that assigns ``key`` (bare or quoted) or opens it as a
        sub-table (``[destination.key]``)."""
        name = rf"(?:{re.escape(key)}|\"{re.escape(key)}\")"
        pattern = re.compile(rf"^\s*{name}\s*=")
        header = re.compile(rf"^\s*\[\[?\s*[^\]]*\.\s*{name}\s*\]")
        stop = len(self.lines) if end is None else end
        for number in range(start, stop + 1):
            line = self.lines[number - 1]
            if pattern.match(line) or header.match(line):
                return number
        return None

    def top_level(self, key: str) -> int | None:
        """Line of a top-level key or of a table header named ``key``."""
        first_header = self.headers[0][0] if self.headers else len(self.lines) + 1
        line = self.key(key, 1, first_header - 1)
        if line is not None:
            return line
        for number, name in self.headers:
            if name == key or name.startswith(key + "."):
                return number
        return None


# --- loading ---------------------------------------------------------------------------


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> DeliverConfig:
    """Read and validate the delivery config; raise DeliveryConfigError with every problem."""
    env = os.environ if environ is None else environ
    where = str(path)
    try:
        blob = read_limited(Path(path), MAX_CONFIG_BYTES)
    except ReadRefused as exc:
        raise DeliveryConfigError([Problem(where, None, None, "", exc.reason)]) from None
    except FileNotFoundError:
        raise DeliveryConfigError(
            [Problem(where, None, None, "", "file not found")],
            hint="Write a delivery config (see the README's Delivery section), or pass "
            "--deliver-config PATH / set CONCEPTTRACK_DELIVER_CONFIG.",
        ) from None
    except OSError as exc:
        raise DeliveryConfigError(
            [Problem(where, None, None, "", f"cannot read: {exc.strerror or exc}")]
        ) from exc
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line, bad_column = line_and_column(blob, exc.start)
        raise DeliveryConfigError(
            [Problem(where, bad_line, bad_column, "", "is not UTF-8 text; save it as UTF-8")]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column = _toml_position(exc)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", str(exc))
        raise DeliveryConfigError(
            [Problem(where, line, column, "", f"not valid TOML: {message}")]
        ) from None
    locator = _Locator(text)
    problems: list[Problem] = []
    destinations: list[Destination] = []

    def problem(line: int | None, key_path: str, message: str) -> None:
        problems.append(Problem(where, line, None, key_path, message))

    for key in data:
        if key not in _TOP_KEYS:
            close = difflib.get_close_matches(key, _TOP_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(locator.top_level(key), key, f"unknown key{hint}")
    timeout = data.get("timeout", DEFAULT_TIMEOUT)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT
    ):
        problem(
            locator.top_level("timeout"),
            "timeout",
            f"must be a number of seconds from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}",
        )
        timeout = DEFAULT_TIMEOUT
    raw = data.get("destination", [])
    if not isinstance(raw, list):
        problem(
            locator.top_level("destination"),
            "destination",
            "must be an array of tables: write each as [[destination]]",
        )
        raw = []
    if not raw and not problems:
        problem(None, "", "no [[destination]] table; nothing would be sent")
    names: dict[str, int | None] = {}
    for index, entry in enumerate(raw):
        span = locator.table(index)
        start, end = span if span else (None, None)
        base = f"destination[{index + 1}]"

        def at(key: str, start: int | None = start, end: int | None = end) -> int | None:
            if start is None:
                return locator.top_level("destination")
            return locator.key(key, start, end) or start

        if not isinstance(entry, dict):
            problem(start, base, "must be a table with name and url")
            continue
        name = entry.get("name")
        label = base
        if not isinstance(name, str) or not _NAME.match(name):
            problem(
                at("name"),
                f"{base}.name",
                "missing"
                if name is None
                else "must be letters, digits, '.', '_' or '-' "
                "(at most 64, starting with a letter or digit)",
            )
            name = None
        else:
            label = f"destination {name!r}"
            if name in names:
                problem(
                    at("name"), f"{label}.name", f"duplicate name (first on line {names[name]})"
                )
            else:
                names[name] = at("name")
        for key in entry:
            if key not in _KEYS:
                close = difflib.get_close_matches(key, _KEYS, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problem(at(key), f"{label}.{key}", f"unknown key{hint}")
        themes = _string_list(entry, "themes", THEME_ID, "a theme id like 'sora-compute'")
        languages = _string_list(entry, "languages", _LANGUAGE, "a language like 'en' or 'zh-hk'")
        attach = _string_list(entry, "attach", None, None, may_be_empty=True)
        for key, value in (("themes", themes), ("languages", languages), ("attach", attach)):
            if isinstance(value, str):
                problem(at(key), f"{label}.{key}", value)
        if isinstance(attach, tuple):
            wrong = [a for a in attach if a not in ATTACH_FORMATS]
            if wrong:
                problem(
                    at("attach"),
                    f"{label}.attach",
                    f"unknown format {', '.join(map(repr, wrong))}; choose from "
                    + ", ".join(ATTACH_FORMATS),
                )
        board = entry.get("board", False)
        if not isinstance(board, bool):
            problem(at("board"), f"{label}.board", "must be true or false")
            continue
        url_template = entry.get("url")
        if not isinstance(url_template, str) or not url_template.strip():
            problem(at("url"), f"{label}.url", "missing (an Apprise URL)")
            continue
        url, secrets, unset = _expand(url_template, env)
        if unset:
            problem(
                at("url"),
                f"{label}.url",
                "environment variable"
                + ("s " if len(unset) > 1 else " ")
                + ", ".join(unset)
                + " not set",
            )
            continue
        checked = _check_url(url, secrets)
        if isinstance(checked, str):
            problem(at("url"), f"{label}.url", checked)
            continue
        redacted, more_secrets = checked
        if name is None or isinstance(themes, str) or isinstance(languages, str):
            continue
        if isinstance(attach, str) or (attach and any(a not in ATTACH_FORMATS for a in attach)):
            continue
        destinations.append(
            Destination(
                name=name,
                url=url,
                redacted_url=redacted,
                themes=themes,
                languages=languages,
                attach=attach if attach is not None else DEFAULT_ATTACH,
                line=start,
                secrets=more_secrets,
                board=board,
            )
        )
    if problems:
        raise DeliveryConfigError(sorted(problems, key=lambda p: p.line or 0))
    return DeliverConfig(Path(path), tuple(destinations), float(timeout))


def _toml_position(exc: tomllib.TOMLDecodeError) -> tuple[int | None, int | None]:
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    if isinstance(line, int):
        return line, column if isinstance(column, int) else None
    match = re.search(r"line (\d+), column (\d+)", str(exc))
    return (int(match[1]), int(match[2])) if match else (None, None)


def _string_list(
    entry: Mapping[str, Any],
    key: str,
    pattern: re.Pattern[str] | None,
    what: str | None,
    *,
    may_be_empty: bool = False,
) -> tuple[str, ...] | str | None:
    """The entry's list of strings as a tuple, None when absent, or a problem message."""
    if key not in entry:
        return None
    value = entry[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return 'must be a list of strings, like ["a", "b"]'
    if not value and not may_be_empty:
        return "must not be empty (leave the key out for every one)"
    if pattern is not None:
        wrong = [item for item in value if not pattern.match(item)]
        if wrong:
            return f"{', '.join(map(repr, wrong))} is not {what}"
    return tuple(value)


def _expand(template: str, env: Mapping[str, str]) -> tuple[str, tuple[str, ...], list[str]]:
    """(url, substituted values, unset variable names)."""
    unset: list[str] = []
    secrets: list[str] = []
    whole = _VAR.fullmatch(template.strip())
    if whole:
        value = env.get(whole[1])
        if value is None:
            return "", (), [whole[1]]
        return value.strip(), (value.strip(),), []

    def substitute(match: re.Match[str]) -> str:
        value = env.get(match[1])
        if value is None:
            unset.append(match[1])
            return ""
        encoded = quote(value, safe="")
        secrets.extend([value, encoded])
        return encoded

    url = _VAR.sub(substitute, template)
    return url, tuple(secrets), sorted(set(unset))


def _url_secrets(url: str) -> list[str]:
    """Passwords, secret-looking query values and long path segments of a URL."""
    found: list[str] = []
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    netloc = parts.netloc
    if "@" in netloc:
        userinfo = netloc.rsplit("@", 1)[0]
        if ":" in userinfo:
            password = userinfo.split(":", 1)[1]
            found.extend([password, unquote(password)])
        elif parts.scheme not in ("mailto", "mailtos"):
            # A token written as the user part (``tgram://bottoken@``, ``json://key@host``).
            found.extend([userinfo, unquote(userinfo)])
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if _SECRET_QUERY.search(key) and value:
            found.extend([value, quote(value, safe="")])
    # Webhook ids and tokens live in the path (Slack, Discord, Teams, generic webhooks)
    # and, for several services, in the host part too (``slack://T0/B0/XXXX``).
    if parts.scheme.lower() in ("mailto", "mailtos"):
        return [item for item in found if len(item) >= 3]  # the path is the recipient
    segments = [parts.netloc.rsplit("@", 1)[-1].split(":")[0], *parts.path.split("/")]
    if parts.scheme.lower().startswith(("http", "json", "xml", "form")):
        segments = segments[1:]  # a real host name there
    named = [segment for segment in segments if segment]
    for segment in named:
        if _looks_like_host(segment):
            continue
        if (
            len(segment) >= _SECRET_SEGMENT
            or any(ch.isdigit() for ch in segment)
            or segment is named[-1]
        ):
            found.extend([segment, unquote(segment)])
    return [item for item in found if len(item) >= 3]


def _looks_like_host(segment: str) -> bool:
    return (
        "." in segment
        and not segment.startswith(".")
        and re.fullmatch(r"[A-Za-z0-9.-]+", segment) is not None
    )


def _check_url(url: str, secrets: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | str:
    """(redacted URL, every secret) when Apprise accepts the URL, else a problem message."""
    from concepttrack.deliver.apprise_env import apprise_plugin

    all_secrets = tuple(dict.fromkeys([*secrets, *_url_secrets(url)]))
    plugin, log = apprise_plugin(url)
    if plugin is None:
        last = log.strip().splitlines()[-1].split(" - ", 2)[-1] if log.strip() else ""
        why = scrub(last, all_secrets)
        return (
            "not a usable Apprise URL"
            + (f" ({why})" if why else "")
            + ("; see https://github.com/caronc/apprise/wiki for the URL of each service")
        )
    private = _drop_defaults(str(plugin.url(privacy=True)), url)
    public = str(plugin.url(privacy=False))
    # Whatever the plugin's own privacy form leaves, strip what we know to be secret.
    redacted = scrub(private, all_secrets + tuple(_url_secrets(public)))
    return redacted, tuple(dict.fromkeys([*all_secrets, *_url_secrets(public)]))


def _drop_defaults(private: str, written: str) -> str:
    """Apprise's privacy URL without the query options the user did not write."""
    from urllib.parse import urlencode, urlunsplit

    given = {key for key, _ in parse_qsl(urlsplit(written).query, keep_blank_values=True)}
    parts = urlsplit(private)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k in given]
    return urlunsplit(parts._replace(query=urlencode(kept, safe="@*")))
