"""The suite cannot reach the network: each way out fails loudly, not by timing out."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketBlockedError

from tests.conftest import NetworkBlockedError


def test_python_sockets_are_blocked() -> None:
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("query2.finance.yahoo.com", 443), timeout=1)


def test_curl_cffi_requests_are_blocked() -> None:
    from curl_cffi import requests

    with pytest.raises(NetworkBlockedError, match="test tried to reach the network: GET https"):
        requests.Session().get("https://query2.finance.yahoo.com/v8/finance/chart/9888.HK")


def test_yahoo_source_without_injected_session_cannot_fetch(tmp_path: object) -> None:
    from pathlib import Path

    from concepttrack.prices.yahoo import RetryPolicy, YahooSource

    assert isinstance(tmp_path, Path)
    source = YahooSource(
        cache_dir=tmp_path, retry=RetryPolicy(attempts=1), sleep=lambda _seconds: None
    )
    import datetime as dt

    answers = source.fetch(["9888.HK"], dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    history = answers["9888.HK"]
    assert history.bars.empty
    assert history.problem is not None
