"""Test-wide guards: a clean environment per test and no way out to the network.

Python sockets are disabled by pytest-socket (``--disable-socket`` in pyproject).
curl_cffi, which yfinance uses, talks to libcurl in C and bypasses Python's socket
module, so its Session.request is replaced by one that fails loudly; the tests' fake
sessions override ``request`` and never reach it. A dead proxy is set as well, so even
a libcurl call that slipped past both could not leave the machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEAD_PROXY = "http://127.0.0.1:9"


class NetworkBlockedError(RuntimeError):
    """Raised when a test tries to reach the network through curl_cffi."""


def _blocked_request(self: object, method: str, url: str, *args: object, **kwargs: object) -> None:
    raise NetworkBlockedError(f"test tried to reach the network: {method} {url}")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import curl_cffi.requests as curl_requests

    monkeypatch.setattr(curl_requests.Session, "request", _blocked_request)
    monkeypatch.setattr(curl_requests.AsyncSession, "request", _blocked_request)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, DEAD_PROXY)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    return


@pytest.fixture(autouse=True)
def _clean_environ(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No CONCEPTTRACK_* settings leak in; caches go to a per-session temp folder."""
    for name in list(os.environ):
        if name.startswith("CONCEPTTRACK_"):
            monkeypatch.delenv(name)
    cache_root = tmp_path_factory.getbasetemp() / "xdg-cache"
    # matplotlib keeps its font cache where it always does, so it is built once per machine.
    monkeypatch.setenv(
        "MPLCONFIGDIR", os.environ.get("MPLCONFIGDIR", str(Path.home() / ".cache" / "matplotlib"))
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_root))
    # A refreshed A+H pairs table of the machine's user never replaces the shipped one.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg-data"))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TZ", "UTC")
