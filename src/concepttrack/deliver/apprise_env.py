"""Apprise, locked down: no plugin folders, memory-only storage, its log kept to itself.

Shared by the delivery config's URL check and by sending; imports nothing of the project.
"""

from __future__ import annotations

import logging
from typing import Any


def apprise_module() -> Any:
    """The apprise module; its import of the deprecated ``imghdr`` (Python 3.11/3.12) warns."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
        import apprise
        import apprise.utils.pgp  # imported by the e-mail plugin on first use
    # Apprise's own log may quote URLs: it goes only to our scrubbing capture, never to
    # the console, the log file or the root logger.
    logging.getLogger("apprise").propagate = False
    return apprise


def apprise_asset() -> Any:
    """Apprise's asset: no plugin paths, storage in memory, secrets masked in its log."""
    apprise = apprise_module()

    return apprise.AppriseAsset(plugin_paths=[], storage_mode="memory", secure_logging=True)


def apprise_plugin(url: str) -> tuple[Any, str]:
    """(Apprise plugin for ``url`` or None, what Apprise logged while parsing it)."""
    apprise = apprise_module()

    with apprise.LogCapture(level=logging.WARNING) as captured:
        plugin = apprise.Apprise.instantiate(url, asset=apprise_asset(), suppress_exceptions=True)
    return plugin, captured.getvalue()
