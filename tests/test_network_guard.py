"""The suite cannot reach the network: each way out fails loudly, not by timing out."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest
from pytest_socket import SocketBlockedError

from tests.conftest import NetworkBlockedError


def test_python_sockets_are_blocked() -> None:
    # pytest-socket also warns, which the warnings-as-errors run turns into a failure.
    for family in (socket.AF_INET, socket.AF_INET6):
        with (
            pytest.warns(UserWarning, match="A test tried to use socket.socket"),
            pytest.raises(SocketBlockedError),
        ):
            socket.socket(family, socket.SOCK_STREAM)


def test_curl_cffi_requests_are_blocked() -> None:
    from curl_cffi import requests

    with pytest.raises(NetworkBlockedError, match="test tried to reach the network: GET https"):
        requests.Session().get("https://query2.finance.yahoo.com/v8/finance/chart/9888.HK")


def test_yahoo_source_without_injected_session_cannot_fetch(tmp_path: Path) -> None:
    from concepttrack.prices.yahoo import RetryPolicy, YahooSource

    source = YahooSource(
        cache_dir=tmp_path, retry=RetryPolicy(attempts=1), sleep=lambda _seconds: None
    )
    answers = source.fetch(["9888.HK"], dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    history = answers["9888.HK"]
    assert history.bars.empty
    assert history.problem is not None
