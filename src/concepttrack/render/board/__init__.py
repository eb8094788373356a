"""The daily concept board: every theme of the book ranked by its basket's 1-day move.

``render_board`` writes ``out_dir/board/<session>[.<lang>].{md,pdf,html}`` (one page per
language, named by :class:`concepttrack.archive.NoteName`: English bare, every other
language coded) and ``out_dir/board/<session>.json`` (language-free, the figures
unrounded), through the same writers (:mod:`concepttrack.render.writers`), formats,
catalogs and sandboxed templates (``board.md.j2``, ``board.html.j2``, ``board.css``) as
the notes. The figures are read from the themes' snapshots (:mod:`.model`), the objects
their notes are written from, so the board and every note agree to the last digit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from concepttrack.errors import UsageError
from concepttrack.render.board.model import MOVERS, Board, BoardRow, BoardStock, build_board

if TYPE_CHECKING:
    from concepttrack.analytics.model import ThemeSnapshot
    from concepttrack.languages import Colours
    from concepttrack.themes import Theme

__all__ = [
    "BOARD_DIR",
    "MOVERS",
    "Board",
    "BoardRow",
    "BoardStock",
    "board_files",
    "build_board",
    "render_board",
]

#: The board's folder in the reports folder (a reserved theme id, see themes.RESERVED_IDS).
BOARD_DIR = "board"


def board_files(
    out_dir: Path, session: dt.date, languages: Sequence[str], formats: Sequence[str]
) -> list[Path]:
    """The files :func:`render_board` writes for ``session`` (page formats per language,
    then the JSON)."""
    from concepttrack.archive import NoteName

    folder = Path(out_dir) / BOARD_DIR
    paths = [
        folder / NoteName(session, lang, fmt).filename
        for lang in languages
        for fmt in formats
        if fmt != "json"
    ]
    if "json" in formats:
        paths.append(folder / NoteName.twin(session).filename)
    return paths


def render_board(
    themes: Sequence[Theme],
    snapshots: Sequence[ThemeSnapshot],
    *,
    formats: Sequence[str],
    out_dir: Path,
    languages: Sequence[str] = ("en",),
    default_lang: str = "en",
    colours: Colours | None = None,
    templates_dir: Path | None = None,
    session: dt.date | None = None,
) -> list[Path]:
    """Write the board of ``snapshots`` (one per theme of ``themes``) in each format and
    language; returns the files (per language in ``formats`` order, then the JSON)."""
    from concepttrack.archive import NoteName
    from concepttrack.languages import get_language
    from concepttrack.render.board.pages import BoardFiles, BoardPage
    from concepttrack.render.board.view import build_board_view
    from concepttrack.render.writers import writer_registry

    registry = writer_registry()
    wanted = list(dict.fromkeys(f.strip().lower() for f in formats))
    unknown = [f for f in wanted if f not in registry]
    if unknown or not wanted:
        raise UsageError(
            f"unknown board format {', '.join(unknown) or '(none)'}",
            hint=f"Choose from {', '.join(registry)}.",
        )
    by_id: Mapping[str, Theme] = {theme.id: theme for theme in themes}
    shots = [s for s in snapshots if s.theme_id in by_id]
    board = build_board(shots, session)
    by_snapshot = {s.theme_id: s for s in shots}
    codes = list(dict.fromkeys(get_language(code).code for code in languages)) or ["en"]
    folder = Path(out_dir) / BOARD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    titles: dict[str, dict[str, str]] = {row.theme_id: {} for row in board.rows}
    for code in codes:
        view = build_board_view(
            board, by_id, by_snapshot, lang=code, default_lang=default_lang, colours=colours
        )
        for row in view.rows:
            titles[row.theme_id][code] = row.title
        page = BoardPage(
            view,
            folder,
            stem=NoteName(board.session, code, "md").stem,
            templates_dir=templates_dir,
            created=board.session,
        )
        paths.extend(registry[f].write_board_page(page) for f in wanted if registry[f].per_language)
    once = [registry[f] for f in wanted if not registry[f].per_language]
    if once:
        files = BoardFiles(
            board, folder, stem=NoteName.twin(board.session).stem, languages=codes, titles=titles
        )
        paths.extend(writer.write_board(files) for writer in once)
    return paths
