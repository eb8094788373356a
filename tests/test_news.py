"""The news log (``updates:``), dated facts (``as_of:``) and ``themes check --stale``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concepttrack.analytics.news import add_months, dated_facts, is_old, known_updates
from concepttrack.cli import app
from concepttrack.errors import ThemesFileError
from concepttrack.render.context import build_context
from concepttrack.render.writers.json import note_json
from concepttrack.themes import parse_themes
from tests.render_fixtures import SORA_YAML, sora_since_last, sora_snapshot, sora_theme

UPDATES = """\
    updates:
      - date: 2024-03-25
        title: Later entry
        detail: Something happened after the previous note.
        source: Example wire
        stocks: ["00763", 941.HK]
      - date: 2024-03-04
        title: Earlier entry
      - date: 2024-04-15
        title: After the note's session
"""


def _with(extra: str, where: str = "    risks:\n") -> str:
    return SORA_YAML.replace(where, extra + where, 1)


def test_known_updates_are_newest_first_and_never_from_after_the_session() -> None:
    theme = sora_theme(_with(UPDATES))
    shown = known_updates(theme, dt.date(2024, 3, 28), previous=dt.date(2024, 3, 21))
    assert [item.update.title for item in shown] == ["Later entry", "Earlier entry"]
    assert [item.new for item in shown] == [True, False]
    assert shown[0].update.stocks == ["0763.HK", "0941.HK"]
    # No previous note: nothing is "new".
    assert not any(item.new for item in known_updates(theme, dt.date(2024, 3, 28)))
    # The same day as the previous note is not after it.
    same_day = known_updates(theme, dt.date(2024, 3, 28), previous=dt.date(2024, 3, 25))
    assert [item.new for item in same_day] == [False, False]


@pytest.mark.parametrize(
    ("as_of", "session", "old"),
    [
        ("2024-02", dt.date(2025, 1, 31), False),
        ("2024-02", dt.date(2025, 2, 1), False),  # exactly 12 months: not more than
        ("2024-02", dt.date(2025, 2, 2), True),
        ("2024-02-29", dt.date(2025, 2, 28), False),  # 29 Feb + 12 months clamps to 28 Feb
        ("2024-02-29", dt.date(2025, 3, 1), True),
    ],
)
def test_a_fact_is_old_after_more_than_the_threshold(
    as_of: str, session: dt.date, old: bool
) -> None:
    assert is_old(as_of, session, 12) is old


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 1), 12) == dt.date(2025, 2, 1)


def test_update_naming_a_stock_outside_the_theme_is_refused_with_its_line() -> None:
    bad = _with(
        "    updates:\n      - date: 2024-03-04\n        title: X\n        stocks: [0700.HK]\n"
    )
    with pytest.raises(ThemesFileError) as caught:
        parse_themes(bad, "book.yaml")
    text = str(caught.value)
    assert "0700.HK" in text
    assert "not among the theme's stocks" in text
    assert "book.yaml:" in text


def test_bad_as_of_and_bad_book_setting_are_refused() -> None:
    bad = SORA_YAML.replace("exposure: supplier", "exposure: supplier\n        as_of: Feb 2024")
    with pytest.raises(ThemesFileError, match="month like 2024-02"):
        parse_themes(bad, "book.yaml")
    with pytest.raises(ThemesFileError, match="stale_after_months"):
        parse_themes("stale_after_months: 0\n" + SORA_YAML, "book.yaml")


def test_book_setting_sets_the_threshold_and_a_theme_may_override_it() -> None:
    book = parse_themes("stale_after_months: 6\n" + SORA_YAML, "book.yaml")
    assert book.themes[0].stale_months == 6
    own = SORA_YAML.replace("    benchmark:", "    stale_after_months: 24\n    benchmark:", 1)
    assert parse_themes("stale_after_months: 6\n" + own).themes[0].stale_months == 24
    assert sora_theme().stale_months == 12


def test_dated_facts_lists_stocks_views_and_risks() -> None:
    text = SORA_YAML.replace("exposure: supplier", "exposure: supplier\n        as_of: 2024-02")
    facts = dated_facts(sora_theme(text))
    assert ("stocks", 1, "as_of") in [f.path for f in facts]
    # Views speak for their own date when they carry no as_of.
    assert [f.as_of for f in facts if f.path[0] == "views"] == [
        "2024-02-18",
        "2024-02-19",
        "2024-02",
    ]


def test_note_shows_what_changed_newest_first_with_new_marks() -> None:
    theme = sora_theme(_with(UPDATES))
    context = build_context(theme, sora_snapshot(), sora_since_last())
    items = context.what_changed
    assert [item.title for item in items] == ["Later entry", "Earlier entry"]
    assert items[0].new
    assert not items[1].new
    assert items[0].date == "25 Mar 2024"
    assert items[0].stocks == "ZTE, China Mobile"
    terms = [d.term for d in context.methodology]
    assert "What changed" in terms
    rule = next(d.text for d in context.methodology if d.term == "What changed")
    assert "previous note (21 Mar 2024)" in rule


def test_chinese_note_words_the_log_and_the_old_mark() -> None:
    text = _with(UPDATES).replace(
        "exposure: supplier", "exposure: supplier\n        as_of: 2023-01"
    )
    context = build_context(sora_theme(text), sora_snapshot(), sora_since_last(), lang="zh-hk")
    assert context.what_changed[0].date == "2024年3月25日"
    zte = next(note for note in context.stock_notes if note.code == "00763")
    assert zte.as_of is not None
    assert zte.as_of.old
    assert zte.as_of.text == "截至2023年1月，早於本報告逾12個月"
    assert "資料日期" in [d.term for d in context.methodology]


def test_old_view_is_marked_without_repeating_its_date() -> None:
    snapshot = sora_snapshot()
    theme = sora_theme()
    fresh = build_context(theme, snapshot, None)
    assert all(view.as_of is None for view in fresh.views)  # Feb 2024 at 28 Mar 2024
    late = SORA_YAML.replace("date: 2024-02-18", "date: 2023-01-18")
    views = build_context(sora_theme(late), snapshot, None).views
    assert views[0].as_of is not None
    assert views[0].as_of.text == "more than 12 months before this note"
    assert views[1].as_of is None


def test_markdown_and_json_carry_the_log(tmp_path: Path) -> None:
    from concepttrack.render import render_note

    theme = sora_theme(_with(UPDATES))
    snapshot = sora_snapshot()
    (md,) = render_note(
        theme, snapshot, formats=["md"], out_dir=tmp_path, since_last=sora_since_last()
    )
    text = md.read_text(encoding="utf-8")
    section = text.split("## What changed", 1)[1].split("\n## ", 1)[0]
    assert (
        "- **New** · 25 Mar 2024: **Later entry** — Something happened after the previous "
        "note. · ZTE, China Mobile (Example wire)" in section
    )
    assert "After the note's session" not in text
    assert section.index("Later entry") < section.index("Earlier entry")
    twin = note_json(theme, snapshot, sora_since_last())
    assert '"title": "After the note\'s session"' in twin  # the book is kept whole
    import json

    document = json.loads(twin)
    assert document["what_changed"] == [
        {"index": 0, "date": "2024-03-25", "new": True},
        {"index": 1, "date": "2024-03-04", "new": False},
    ]
    assert document["stale_after_months"] == 12
    assert document["old_facts"] == []


def test_themes_check_stale_lists_old_facts_with_file_and_line(tmp_path: Path) -> None:
    book = tmp_path / "themes.yaml"
    text = SORA_YAML.replace("exposure: supplier", "exposure: supplier\n        as_of: 2024-02")
    book.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "as_of: 2024-02" in row)
    result = CliRunner().invoke(
        app, ["--themes", str(book), "themes", "check", "--stale", "--as-of", "2025-06-30"]
    )
    assert result.exit_code == 0, result.output
    assert (
        f"{book}:{line}: themes[0].stocks[1].as_of (sora-compute): stock 0763.HK" in result.output
    )
    assert "4 old facts as of 2025-06-30" in result.output  # the stock and three views
    early = CliRunner().invoke(
        app, ["--themes", str(book), "themes", "check", "--stale", "--as-of", "2024-06-28"]
    )
    assert "0 old facts as of 2024-06-28" in early.output


def test_a_date_every_item_of_a_section_shares_is_said_once_under_its_heading() -> None:
    import dataclasses

    text = SORA_YAML
    for kind in ("platform", "supplier", "infrastructure"):
        text = text.replace(f"exposure: {kind}\n", f"exposure: {kind}\n        as_of: 2024-02\n")
    theme = sora_theme(text)
    assert all(stock.as_of == "2024-02" for stock in theme.stocks)
    note = build_context(theme, sora_snapshot(), None)
    assert note.stock_notes_as_of is not None
    assert note.stock_notes_as_of.text == "Company facts as of Feb 2024."
    assert all(stock.as_of is None for stock in note.stock_notes)
    # A year on, every view is old: one line for the section, none after each view.
    later = dataclasses.replace(sora_snapshot(), as_of=dt.date(2025, 6, 30))
    aged = build_context(theme, later, None)
    assert aged.views_as_of is not None
    assert aged.views_as_of.old
    assert aged.views_as_of.text == (
        "The views below are all more than 12 months older than this note."
    )
    assert all(view.as_of is None for view in aged.views)
    assert aged.stock_notes_as_of is not None
    assert aged.stock_notes_as_of.text == (
        "Company facts as of Feb 2024, more than 12 months before this note."
    )
