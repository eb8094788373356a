"""Where things live: themes file, reports folder, price cache, default source.

Each is taken from the command line first, then an environment variable, then a
default. Nothing here touches the disk.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_THEMES = "CONCEPTTRACK_THEMES"
ENV_SOURCE = "CONCEPTTRACK_SOURCE"
ENV_CACHE = "CONCEPTTRACK_CACHE"
ENV_REPORTS = "CONCEPTTRACK_REPORTS"

DEFAULT_SOURCE = "yahoo"


def themes_path(cli_value: Path | None = None) -> Path:
    """``--themes``, else ``$CONCEPTTRACK_THEMES``, else ``./themes.yaml``."""
    if cli_value is not None:
        return cli_value
    env = os.environ.get(ENV_THEMES)
    return Path(env) if env else Path("themes.yaml")


def source_spec(cli_value: str | None = None, book_value: str | None = None) -> str:
    """``--source``, else ``$CONCEPTTRACK_SOURCE``, else the themes book's ``source:``,
    else ``yahoo``. Any of them may be a chain (``yahoo,csv:DIR``)."""
    return cli_value or os.environ.get(ENV_SOURCE) or book_value or DEFAULT_SOURCE


def cache_dir() -> Path:
    """The user's cache folder for concepttrack (platformdirs)."""
    from platformdirs import user_cache_path

    return user_cache_path("concepttrack", appauthor=False)


def cache_path(cli_value: Path | None = None) -> Path:
    """``--cache``, else ``$CONCEPTTRACK_CACHE``, else ``<user cache>/prices.sqlite``."""
    if cli_value is not None:
        return cli_value
    env = os.environ.get(ENV_CACHE)
    return Path(env) if env else cache_dir() / "prices.sqlite"


def reports_dir(cli_value: Path | None = None) -> Path:
    """``--out``, else ``$CONCEPTTRACK_REPORTS``, else ``./reports``."""
    if cli_value is not None:
        return cli_value
    env = os.environ.get(ENV_REPORTS)
    return Path(env) if env else Path("reports")
