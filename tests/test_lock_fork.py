"""A run killed with SIGKILL frees the reports lock even if a child it forked lives on."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from concepttrack.archive import RunLock
from concepttrack.errors import LockError
from tests.conftest import REPO

HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from concepttrack.archive import RunLock

    lock = RunLock(Path(sys.argv[1]))
    lock.acquire()
    child = os.fork()
    if child == 0:
        time.sleep(60)  # a chart process or --jobs worker still busy
        os._exit(0)
    print(child, flush=True)
    time.sleep(60)
    """
)


def test_sigkilled_holder_with_a_live_child_does_not_block(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(reports)], env=env, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    child = int(holder.stdout.readline())
    try:
        with pytest.raises(LockError):
            RunLock(reports).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        os.kill(child, 0)  # the forked child is still alive
        deadline = time.monotonic() + 5
        with RunLock(reports, wait_seconds=deadline - time.monotonic()):
            pass
    finally:
        for pid in (child, holder.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        holder.wait()
        holder.stdout.close()
