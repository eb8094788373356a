"""The daily concept board (issue 19, deliverable 4): ranking, figures equal to the notes',
52-week extremes, file names, the ``board`` command, ``report --all``, the site and
``index.md`` links, and delivery with ``board = true``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from concepttrack import archive, pipeline
from concepttrack.analytics.model import Breadth, WindowReturns
from concepttrack.archive import NoteName
from concepttrack.cli import app
from concepttrack.render.board import BOARD_DIR, build_board, render_board
from concepttrack.render.formats import formats_for
from concepttrack.themes import parse_themes
from tests.archive_fixtures import make_snapshot, make_stock, make_theme
from tests.deliver_fixtures import BOOK, SESSIONS, run_options, smtp_server, write_prices

SESSION = SESSIONS[-1]


def _snapshot(theme_id: str, one_day: float | None, **stock_changes: Any) -> Any:
    stocks = [
        dataclasses.replace(make_stock(f"{n:04d}.HK", session=SESSION), **stock_changes)
        for n in (1, 2)
    ]
    shot = make_snapshot(SESSION, stocks, theme_id=theme_id)
    basket = dataclasses.replace(shot.basket, returns=WindowReturns(one_day=one_day))
    return dataclasses.replace(shot, basket=basket)


def test_themes_are_ranked_by_the_baskets_one_day_move() -> None:
    shots = [
        _snapshot("flat", 0.0),
        _snapshot("none", None),
        _snapshot("up", 0.031),
        _snapshot("down", -0.02),
        _snapshot("a-up", 0.031),  # a tie goes by id
    ]
    board = build_board(shots)
    assert [r.theme_id for r in board.rows] == ["a-up", "up", "flat", "down", "none"]
    assert [r.rank for r in board.rows] == [1, 2, 3, 4, 5]
    assert board.row("down").one_day == -0.02


def test_new_52_week_highs_and_lows_are_those_of_the_session() -> None:
    today = _snapshot("alpha", 0.01)
    high = dataclasses.replace(today.stocks[0], last_new_high_52w=SESSION)
    low = dataclasses.replace(today.stocks[1], last_new_low_52w=SESSION)
    older = dataclasses.replace(
        make_stock("0003.HK", session=SESSION), last_new_high_52w=SESSION - dt.timedelta(days=1)
    )
    shot = dataclasses.replace(today, stocks=[high, low, older])
    # The same stock in a second theme is listed once, with both themes.
    other = dataclasses.replace(_snapshot("beta", 0.0), stocks=[high])
    board = build_board([shot, other])
    assert [(s.symbol, s.themes) for s in board.new_highs] == [("0001.HK", ["alpha", "beta"])]
    assert [s.symbol for s in board.new_lows] == ["0002.HK"]


def test_biggest_movers_across_themes_with_their_theme() -> None:
    shots = []
    for t in range(3):
        stocks = [
            dataclasses.replace(
                make_stock(f"{t}{n:03d}.HK", session=SESSION),
                returns=WindowReturns(one_day=(n - 2) / 100 * (t + 1)),
            )
            for n in range(5)
        ]
        shots.append(make_snapshot(SESSION, stocks, theme_id=f"t{t}"))
    board = build_board(shots)
    assert [s.one_day for s in board.gainers] == [0.06, 0.04, 0.03, 0.02, 0.02]
    assert len(board.gainers) == len(board.losers) == 5
    assert board.gainers[0].symbol == "2004.HK"
    assert board.gainers[0].themes == ["t2"]
    assert board.losers[0].symbol == "2000.HK"
    assert board.losers[0].one_day == -0.06
    ups = [s.one_day or 0.0 for s in board.gainers]
    assert ups == sorted(ups, reverse=True)


# --- end to end: a two-theme demo book, report --all ------------------------------------


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("board-demo")
    book = parse_themes(BOOK, "book.yaml")
    options = run_options(
        root,
        source="demo",
        formats=("md", "html", "json"),
        languages=("en", "zh-hk"),
        board=True,
    )
    result = pipeline.run(list(book), options)
    assert result.exit_code == 0, [o.to_dict() for o in result.outcomes]
    return root / "reports"


def _twin(reports: Path, theme_id: str) -> dict[str, Any]:
    return json.loads((reports / theme_id / f"{SESSION.isoformat()}.json").read_text("utf-8"))


def test_report_all_writes_the_board_with_note_name_files(demo_archive: Path) -> None:
    folder = demo_archive / BOARD_DIR
    names = {p.name for p in folder.iterdir()}
    expected = {
        NoteName(SESSION, lang, ext).filename for lang in ("en", "zh-hk") for ext in ("md", "html")
    } | {NoteName.twin(SESSION).filename}
    assert expected <= names
    assert f"{SESSION.isoformat()}.md" in names
    assert f"{SESSION.isoformat()}.zh-hk.md" in names
    assert (folder / "latest.md").resolve() == folder / f"{SESSION.isoformat()}.md"
    assert (folder / "latest.zh-hk.md").resolve() == folder / f"{SESSION.isoformat()}.zh-hk.md"
    # The board is no theme: the index and the site list only the two themes.
    assert BOARD_DIR not in archive.theme_ids(demo_archive)


def test_board_numbers_equal_each_themes_note_and_twin(demo_archive: Path) -> None:
    board = json.loads((demo_archive / BOARD_DIR / f"{SESSION.isoformat()}.json").read_text())
    assert board["kind"] == "concepttrack.board"
    assert board["session"] == SESSION.isoformat()
    board_md = (demo_archive / BOARD_DIR / f"{SESSION.isoformat()}.md").read_text("utf-8")
    fmt = formats_for("en")
    moves = []
    for row in board["rows"]:
        snapshot = _twin(demo_archive, row["theme_id"])["snapshot"]
        basket = snapshot["basket"]
        assert row["one_day"] == basket["returns"]["one_day"]
        assert row["five_day"] == basket["returns"]["five_day"]
        assert row["one_month"] == basket["returns"]["one_month"]
        assert row["since_event"] == basket["returns"]["since_event"]
        assert row["excess_since_event"] == basket["excess"]["since_event"]
        assert (row["up"], row["down"]) == (snapshot["breadth"]["up"], snapshot["breadth"]["down"])
        assert row["leader"] == snapshot["breadth"]["leader_1d"]
        leader = next(s for s in snapshot["stocks"] if s["symbol"] == row["leader"])
        assert row["leader_one_day"] == leader["returns"]["one_day"]
        # By hand: the basket's level on the session over the session before, less one.
        levels = snapshot["series"]["basket"]["values"]
        assert row["one_day"] == pytest.approx(levels[-1] / levels[-2] - 1, abs=1e-12)
        # The board prints the very figure the note prints.
        note_md = (demo_archive / row["theme_id"] / f"{SESSION.isoformat()}.md").read_text()
        shown = fmt.pct(row["one_day"])
        assert shown in note_md
        line = next(x for x in board_md.splitlines() if x.startswith(f"| {row['rank']} |"))
        assert shown in line
        assert fmt.pct(row["since_event"]) in line
        moves.append(row["one_day"])
    assert moves == sorted(moves, reverse=True)


def test_site_and_index_link_the_board_first(demo_archive: Path) -> None:
    index = (demo_archive / "index.md").read_text("utf-8")
    assert index.index(f"board/{SESSION.isoformat()}.md") < index.index("| Theme |")
    html = (demo_archive / "index.html").read_text("utf-8")
    assert html.index(f'href="board/{SESSION.isoformat()}.html"') < html.index("alpha/")
    assert not (demo_archive / BOARD_DIR / "index.html").exists()


# --- the command ---------------------------------------------------------------------


def test_board_command_writes_the_board_alone_and_quietly(tmp_path: Path) -> None:
    book = tmp_path / "themes.yaml"
    book.write_text(BOOK, encoding="utf-8")
    out = tmp_path / "reports"
    args = ["--themes", str(book), "board", "--source", "demo", "--as-of", SESSION.isoformat()]
    args += ["--out", str(out), "--cache", str(tmp_path / "c.db"), "--format", "md,json"]
    result = CliRunner().invoke(app, [*args, "--quiet", "--lang", "en,zh-cn"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    names = sorted(p.name for p in (out / BOARD_DIR).iterdir() if not p.is_symlink())
    stem = SESSION.isoformat()
    assert names == [f"{stem}.json", f"{stem}.md", f"{stem}.zh-cn.md"]
    assert not list(out.glob("alpha/*.md"))  # no note: the board alone
    text = (out / BOARD_DIR / f"{stem}.zh-cn.md").read_text("utf-8")
    assert "概念板块看板" in text
    assert "阿尔法" in text
    loud = CliRunner().invoke(app, args)
    assert loud.exit_code == 0
    assert f"{stem}.md" in loud.output


def test_board_takes_the_books_source_like_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --source and no $CONCEPTTRACK_SOURCE: the book's ``source:`` (as ``report``)."""
    monkeypatch.delenv("CONCEPTTRACK_SOURCE", raising=False)
    book = tmp_path / "themes.yaml"
    book.write_text("source: demo\n" + BOOK, encoding="utf-8")
    out = tmp_path / "reports"
    args = ["--themes", str(book), "board", "--as-of", SESSION.isoformat(), "--quiet"]
    args += ["--out", str(out), "--cache", str(tmp_path / "c.db"), "--format", "md"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "DEMO DATA" in (out / BOARD_DIR / f"{SESSION.isoformat()}.md").read_text("utf-8")


# --- the PDF: one landscape page for twenty themes ------------------------------------


def test_pdf_fits_twenty_themes_on_one_page(tmp_path: Path) -> None:
    themes, shots = [], []
    for t in range(20):
        codes = [f"{t:02d}{n:03d}" for n in range(1, 5)]
        theme = make_theme(codes, theme_id=f"theme-{t:02d}", title=f"A concept theme number {t}")
        stocks = [
            dataclasses.replace(
                make_stock(s, session=SESSION),
                returns=WindowReturns(one_day=(t - 10 + n) / 300),
                last_new_high_52w=SESSION if n == t % 4 else None,
            )
            for n, s in enumerate(theme.symbols)
        ]
        shot = make_snapshot(SESSION, stocks, theme_id=theme.id)
        breadth = Breadth(up=2, down=2, leader_1d=theme.symbols[-1], laggard_1d=theme.symbols[0])
        themes.append(theme)
        shots.append(dataclasses.replace(shot, breadth=breadth))
    paths = render_board(
        themes, shots, formats=["pdf"], out_dir=tmp_path, languages=["en", "zh-hk"]
    )
    for path in paths:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        assert re.search(r"^Pages:\s+1$", info.stdout, re.MULTILINE), (path, info.stdout)
        assert "landscape" in info.stdout or re.search(r"841\.\d* x 595", info.stdout)


# --- delivery ---------------------------------------------------------------------------


@pytest.mark.allow_hosts(["127.0.0.1"])
def test_board_true_destination_gets_one_message_with_the_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concepttrack.deliver.send import deliver_after_run

    write_prices(tmp_path / "prices")
    book = parse_themes(BOOK, "book.yaml")
    options = run_options(tmp_path, formats=("md", "pdf", "html", "json"), board=True)
    assert pipeline.run(list(book), options).exit_code == 0
    reports = tmp_path / "reports"
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret-pass")
    with smtp_server(password="s3cret-pass") as (port, box):
        config = tmp_path / "deliver.toml"
        url = (
            f"mailto://analyst:${{SMTP_PASSWORD}}@127.0.0.1:{port}"
            "?to=desk@example.com&from=concepttrack@example.com&cto=5&rto=5"
        )
        config.write_text(
            f'[[destination]]\nname = "board"\nurl = "{url}"\nboard = true\n\n'
            f'[[destination]]\nname = "notes"\nurl = "{url}"\n',
            encoding="utf-8",
        )
        report = deliver_after_run(config, reports, [(t.id, SESSION) for t in book])
        assert not report.failed, report.to_dict()
        lines = [(line.theme, line.destination, line.status) for line in report.lines]
        assert lines.count(("board", "board", "sent")) == 1
        assert [x for x in lines if x[1] == "board"] == [("board", "board", "sent")]
        assert sorted(x[0] for x in lines if x[1] == "notes") == ["alpha", "beta"]
        messages = [email.message_from_bytes(m, policy=email.policy.default) for m in box.messages]
        boards = [m for m in messages if "Concept board" in str(m["Subject"])]
        assert len(boards) == 1
        parts = {p.get_content_type(): p for p in boards[0].walk()}
        assert "application/pdf" in parts
        html = parts["text/html"].get_content()
        assert "Concept board" in html
        assert "Alpha" in html
        # A second run sends nothing again.
        again = deliver_after_run(config, reports, [(t.id, SESSION) for t in book])
        assert {line.status for line in again.lines} == {"already-sent"}


def test_report_all_quiet_prints_nothing_and_writes_the_board(tmp_path: Path) -> None:
    book = tmp_path / "themes.yaml"
    book.write_text(BOOK, encoding="utf-8")
    out = tmp_path / "reports"
    args = ["--themes", str(book), "report", "--all", "--source", "demo", "--quiet"]
    args += ["--as-of", SESSION.isoformat(), "--out", str(out), "--format", "md,json"]
    result = CliRunner().invoke(app, [*args, "--cache", str(tmp_path / "c.db")])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert (out / BOARD_DIR / f"{SESSION.isoformat()}.md").is_file()
    assert os.readlink(out / BOARD_DIR / "latest.md") == f"{SESSION.isoformat()}.md"
    # One theme only (no --all): no board.
    alone = tmp_path / "alone"
    args = ["--themes", str(book), "report", "alpha", "--source", "demo", "--quiet"]
    args += ["--as-of", SESSION.isoformat(), "--out", str(alone), "--format", "md,json"]
    assert CliRunner().invoke(app, [*args, "--cache", str(tmp_path / "c.db")]).exit_code == 0
    assert not (alone / BOARD_DIR).exists()


def test_delivery_config_board_option_is_a_boolean(tmp_path: Path) -> None:
    from concepttrack.deliver.config import load_config
    from concepttrack.errors import DeliveryConfigError

    path = tmp_path / "deliver.toml"
    url = "json://127.0.0.1:9/hook"
    path.write_text(f'[[destination]]\nname = "a"\nurl = "{url}"\nboard = true\n', "utf-8")
    assert load_config(path).destinations[0].board is True
    path.write_text(f'[[destination]]\nname = "a"\nurl = "{url}"\n', "utf-8")
    assert load_config(path).destinations[0].board is False
    path.write_text(f'[[destination]]\nname = "a"\nurl = "{url}"\nboard = "yes"\n', "utf-8")
    with pytest.raises(DeliveryConfigError, match="board"):
        load_config(path)
