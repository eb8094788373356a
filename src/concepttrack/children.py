"""Child processes that never outlive the run that started them.

A cron run killed with SIGKILL cannot clean up after itself, so each forked child (a
``--jobs`` worker, the chart process) asks Linux to kill it when its parent dies.
"""

from __future__ import annotations

import os
import signal
import sys


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent dies (Linux ``PR_SET_PDEATHSIG``; no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):  # no libc prctl: fall back to the check below
            pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def start_worker(parent_pid: int) -> None:
    """Initializer of ``--jobs`` workers: die with the run; Ctrl-C is the parent's to handle."""
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
