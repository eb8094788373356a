"""A hand-edited delivery ledger is data, not trust (issue 17 #8): never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concepttrack.deliver.ledger import Ledger, parse_iso

KEY = {"theme": "sora-compute", "session": "2026-12-01", "language": "en"}


def write(folder: Path, rows: object) -> None:
    (folder / "deliveries.json").write_text(
        json.dumps({"version": 1, "deliveries": rows}), encoding="utf-8"
    )


def test_bad_fields_are_kept_as_unknown_and_named(tmp_path: Path) -> None:
    write(
        tmp_path,
        [
            {**KEY, "destination": "a", "status": "sent", "attempts": 1, "sent_at": "notadate"},
            {**KEY, "destination": "b", "status": "sent", "attempts": "many"},
            {**KEY, "destination": "c", "status": "delivered?", "attempts": 2},
            {
                **KEY,
                "destination": "d",
                "status": "sent",
                "attempts": 1,
                "sent_at": "2026-12-01T10:31:02Z",
            },
        ],
    )
    ledger = Ledger(tmp_path)
    statuses = {key[3]: entry.status for key, entry in ledger.entries.items()}
    # Each of the first three may have been sent: never resent on its own.
    assert statuses == {"a": "unknown", "b": "unknown", "c": "unknown", "d": "sent"}
    assert ledger.problems == [
        "entry 1: sent_at unreadable; kept as unknown (not sent again without --resend)",
        "entry 2: attempts unreadable; kept as unknown (not sent again without --resend)",
        "entry 3: status unreadable; kept as unknown (not sent again without --resend)",
    ]
    assert ledger.entries[("sora-compute", "2026-12-01", "en", "b")].attempts == 0


def test_rows_without_a_key_are_skipped_with_their_position(tmp_path: Path) -> None:
    write(tmp_path, ["x", {"theme": 3, "session": "s", "language": "en"}])
    ledger = Ledger(tmp_path)
    assert ledger.entries == {}
    assert ledger.problems == [
        "entry 1: not an object; skipped",
        "entry 2: no readable theme, destination; skipped",
    ]


def test_deliveries_not_a_list(tmp_path: Path) -> None:
    (tmp_path / "deliveries.json").write_text('{"deliveries": 5}', encoding="utf-8")
    ledger = Ledger(tmp_path)
    assert ledger.entries == {}
    assert ledger.problems == ["the file holds no list of deliveries; read as empty"]


def test_parse_iso_never_raises() -> None:
    assert parse_iso("notadate") is None
    assert parse_iso("") is None
    moment = parse_iso("2026-12-01T10:31:02Z")
    assert moment is not None
    assert moment.utcoffset() is not None


def test_delivery_config_device_is_refused() -> None:
    # Issue 17 #9: `deliver check --deliver-config /dev/zero` took 3 GB and died.
    from concepttrack.deliver.config import load_config
    from concepttrack.errors import DeliveryConfigError

    with pytest.raises(DeliveryConfigError) as info:
        load_config(Path("/dev/zero"), environ={})
    assert [p.format() for p in info.value.problems] == [
        "/dev/zero: is not a regular file (a device, FIFO or socket)"
    ]


def test_read_limited_refuses_symlinks_out_and_oversize(tmp_path: Path) -> None:
    from concepttrack.fsutil import ReadRefused, read_limited

    folder = tmp_path / "prices"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT", encoding="utf-8")
    (folder / "0941.HK.csv").symlink_to(secret)
    (folder / "big.csv").write_bytes(b"x" * 101)
    (folder / "ok.csv").write_bytes(b"x" * 100)
    with pytest.raises(ReadRefused) as info:
        read_limited(folder / "0941.HK.csv", 100, inside=folder)
    assert "SECRET" not in str(info.value)
    assert info.value.reason == "is a symbolic link; only regular files in the folder are read"
    with pytest.raises(ReadRefused, match="the limit is 100"):
        read_limited(folder / "big.csv", 100, inside=folder)
    assert read_limited(folder / "ok.csv", 100, inside=folder) == b"x" * 100


def test_a_ledger_that_cannot_be_written_is_exit_4_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 17 #7: a full disk while writing deliveries.json was `internal error`, exit 1.
    import errno

    from concepttrack.deliver import ledger as ledger_module
    from concepttrack.errors import EXIT_RENDER, WriteError

    def full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(ledger_module, "atomic_write_text", full)
    book = Ledger(tmp_path)
    with pytest.raises(WriteError) as info:
        book.start(("t", "2026-12-01", "en", "d"), "sha256:x", parse_iso("2026-12-01T10:00:00Z"))  # type: ignore[arg-type]
    assert info.value.exit_code == EXIT_RENDER
    assert str(tmp_path / "deliveries.json") in info.value.message
    assert "No space left on device" in info.value.message
