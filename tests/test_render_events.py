"""The note's "How the concept reacted" section (issue 10): view model, templates, chart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from concepttrack.analytics.event_model import EventStudy
from concepttrack.analytics.model import ThemeSnapshot
from concepttrack.reasons import reason
from concepttrack.render import render_note
from concepttrack.render.context import MISSING, build_context, fmt_pct
from concepttrack.render.events_view import (
    OVERLAP_MARK,
    SIGNIFICANT_MARK,
    fmt_t,
    reaction_view,
    window_label,
)
from tests.render_fixtures import sora_snapshot, sora_theme


def _with_main_stock(snapshot: ThemeSnapshot, index: int, study: EventStudy) -> ThemeSnapshot:
    """The snapshot with the main event's ``index``-th stock study replaced."""
    events = snapshot.events
    catalysts = []
    for catalyst in events.catalysts:
        if catalyst.is_event:
            stocks = list(catalyst.stocks)
            stocks[index] = study
            catalyst = dataclasses.replace(catalyst, stocks=stocks)
        catalysts.append(catalyst)
    return dataclasses.replace(snapshot, events=dataclasses.replace(events, catalysts=catalysts))


def test_window_labels_and_t_format() -> None:
    assert window_label(-1, 1) == "[\N{MINUS SIGN}1, +1]"
    assert window_label(0, 20) == "[0, +20]"
    assert fmt_t(-0.614) == "\N{MINUS SIGN}0.61"
    assert fmt_t(None) == MISSING


def test_catalyst_rows_show_the_baskets_cars_marks_and_reasons() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    view = reaction_view(theme, snapshot.events, "HSI")
    assert [row.title for row in view.catalysts] == [
        "OpenAI unveils Sora",
        "China Mobile computing-power packages",
        "Nvidia GTC keynote",
    ]
    assert [row.is_event for row in view.catalysts] == [True, False, False]
    for row, catalyst in zip(view.catalysts, snapshot.events.catalysts, strict=True):
        assert row.n == str(catalyst.basket.n)
        for cell, window in zip(row.cars, catalyst.basket.windows, strict=True):
            if window.car is None:
                assert cell.text == MISSING
                assert cell.t == ""
            else:
                mark = SIGNIFICANT_MARK if window.significant else ""
                assert cell.text == fmt_pct(window.car) + mark
                assert cell.t == f"t = {fmt_t(window.t)}"
                assert cell.significant is bool(window.significant)
    # The GTC keynote's estimation window (to 1 Mar 2024) holds the Sora event: flagged,
    # with a note. The packages' (26 Feb) ends on 7 Feb, before it: not flagged.
    assert [row.overlap for row in view.catalysts] == [False, False, True]
    assert any(
        line.startswith(f"{OVERLAP_MARK} Nvidia GTC keynote") and "OpenAI unveils Sora" in line
        for line in view.catalyst_notes
    )
    # 18 Mar to 28 Mar 2024 is 9 bars: [0, +20] is not complete and says so.
    assert view.catalysts[2].cars[2].text == MISSING
    assert any(
        "Nvidia GTC keynote, CAR [0, +20]: window not yet complete: 9 of 21 bars to 28 Mar 2024"
        in line
        for line in view.catalyst_notes
    )


def test_main_event_rows_and_plain_words_lines() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    view = reaction_view(theme, snapshot.events, "HSI")
    main = snapshot.events.main
    assert main is not None
    assert view.main_title == "OpenAI unveils Sora"
    assert view.main_date == "16 Feb 2024"
    assert [row.label for row in view.main_rows] == [
        "Concept basket",
        "Baidu Group-SW (09888)",
        "ZTE (00763)",
        "China Mobile (00941)",
        "China Telecom (00728)",
    ]
    assert view.main_rows[0].is_basket
    for line, study, stock in zip(view.main_lines, main.stocks, theme.stocks, strict=True):
        window = study.windows[2]  # 28 sessions after the event: [0, +20] is complete
        assert window.car is not None
        verdict = "significant" if window.significant else "not significant"
        assert line == (
            f"{stock.name}'s abnormal return of {fmt_pct(window.car)} from the event session "
            f"to 20 sessions after is {verdict} (t = {fmt_t(window.t)})."
        )


def test_what_moved_ends_with_the_significance_sentence() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    note = build_context(theme, snapshot)
    main = snapshot.events.main
    assert main is not None
    window = main.basket.windows[2]
    verdict = "significant" if window.significant else "not significant"
    assert note.what_moved.endswith(
        f"the basket's reaction to the event was {verdict} at 5%: an abnormal return of "
        f"{fmt_pct(window.car)} from the event session to 20 sessions after "
        f"(t = {fmt_t(window.t)})."
    )
    terms = [d.term for d in note.methodology]
    assert "Event study (market model)" in terms
    assert "Abnormal return, CAR and t" in terms
    assert note.reaction is not None


def test_a_stock_not_studied_shows_dashes_and_its_reason_in_the_data_notes() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    short = EventStudy(
        "0763.HK",
        reason_code="not_enough_history",
        reason=reason(
            "not_enough_history",
            n=80,
            start=dt.date(2023, 10, 2),
            end=dt.date(2024, 1, 31),
            needed=120,
        ),
        n=80,
    )
    note = build_context(theme, _with_main_stock(snapshot, 1, short))
    assert note.reaction is not None
    row = note.reaction.main_rows[2]
    assert [cell.text for cell in row.cars] == [MISSING] * 3
    assert row.beta == MISSING
    assert row.n == MISSING
    assert note.reaction.main_lines[1] == (
        "ZTE: not studied (not enough history: 80 return pairs in the estimation "
        "window (2 Oct 2023 to 31 Jan 2024), 120 needed)."
    )
    assert any(
        line.startswith("Event study, OpenAI unveils Sora: ZTE (00763) not studied")
        for line in note.data_notes
    )


def test_the_basket_not_studied_is_said_in_what_moved() -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    events = snapshot.events
    catalysts = [
        dataclasses.replace(
            c,
            basket=EventStudy(
                "basket",
                reason_code="before_data",
                reason=reason("prices_after_catalyst", date=dt.date(2024, 1, 2)),
            ),
        )
        if c.is_event
        else c
        for c in events.catalysts
    ]
    changed = dataclasses.replace(snapshot, events=dataclasses.replace(events, catalysts=catalysts))
    note = build_context(theme, changed)
    assert note.what_moved.endswith(
        "The basket's reaction to the event cannot be tested against the market model: "
        "the estimation window lies before the data: the prices start on 2 Jan 2024, after "
        "the catalyst."
    )
    assert note.reaction is not None
    assert note.reaction.catalysts[0].t0 == MISSING
    assert (
        "Not studied: OpenAI unveils Sora (16 Feb 2024): the estimation window lies before the "
        "data: the prices start on 2 Jan 2024, after the catalyst." in note.reaction.catalyst_notes
    )
    # ... once: not again in the data appendix (issue 16: no line printed twice).
    assert not any("not studied" in line for line in note.data_notes)


def _section(md: str) -> str:
    start = md.index("## How the concept reacted")
    return md[start : md.index("## The concept stocks")]


def test_markdown_and_html_show_the_section_and_its_chart(tmp_path: Path) -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    md_path, html_path = render_note(theme, snapshot, formats=["md", "html"], out_dir=tmp_path)
    md = md_path.read_text("utf-8")
    section = _section(md)
    assert "| Catalyst | Date | Event bar | CAR \\[−1, +1\\] | CAR \\[0, +5\\] |" in section
    assert "### The event, stock by stock: OpenAI unveils Sora (16 Feb 2024)" in section
    # The chart sits in this section, not under "Charts".
    assert section.count("2024-03-28-assets/event-reaction.png") == 1
    assert md.count("event-reaction.png") == 1
    assert (tmp_path / "sora-compute" / "2024-03-28-assets" / "event-reaction.png").is_file()
    assert re.search(r"\n\n\n", md) is None  # no stray blank lines
    html = html_path.read_text("utf-8")
    assert '<section class="reaction">' in html
    assert html.count('class="reaction-table num-table"') == 2
    reaction = html[html.index('<section class="reaction">') :]
    reaction = reaction[: reaction.index("</section>")]
    assert reaction.count('<img src="data:image/png;base64,') == 1


def test_no_events_no_section(tmp_path: Path) -> None:
    theme, snapshot = sora_theme(), sora_snapshot(events=False)
    (md_path,) = render_note(theme, snapshot, formats=["md"], out_dir=tmp_path)
    md = md_path.read_text("utf-8")
    assert "How the concept reacted" not in md
    assert "event-reaction" not in md
    assert "Event study" not in md
    assert build_context(theme, snapshot).reaction is None


def test_catalyst_titles_are_data_in_both_formats(tmp_path: Path) -> None:
    theme, snapshot = sora_theme(), sora_snapshot()
    hostile = "<script>alert(1)</script> | *x*"
    # The section shows the themes book's title (in the note's language), so the hostile
    # text goes into the book as well as into the analytics' copy of it.
    theme = theme.model_copy(update={"event": theme.event.model_copy(update={"title": hostile})})
    events = snapshot.events
    catalysts = [
        dataclasses.replace(c, title=hostile) if c.is_event else c for c in events.catalysts
    ]
    changed = dataclasses.replace(snapshot, events=dataclasses.replace(events, catalysts=catalysts))
    md_path, html_path = render_note(theme, changed, formats=["md", "html"], out_dir=tmp_path)
    md, html = md_path.read_text("utf-8"), html_path.read_text("utf-8")
    assert "<script>" not in md
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*" in _section(md)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | *x*" in html
    # Every table row keeps its column count: no cell gained a pipe.
    for table in re.findall(r"(?m)^(\|.*\|\n\|[:\-| ]+\|\n(?:\|.*\|\n)+)", _section(md) + "\n"):
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(widths) == 1, table


def test_the_legend_explains_the_mark_only_when_a_car_carries_it() -> None:
    """No CAR of the fixture is significant: the legend explains no mark. Flag one window
    significant and the legend says what the mark means."""
    theme, snapshot = sora_theme(), sora_snapshot()
    view = reaction_view(theme, snapshot.events, "HSI")
    cells = [cell for row in [*view.catalysts, *view.main_rows] for cell in row.cars]
    assert not any(cell.significant for cell in cells)
    assert view.legend.endswith("each with its t-statistic.")
    assert SIGNIFICANT_MARK not in view.legend

    first, *rest = snapshot.events.catalysts
    windows = list(first.basket.windows)
    windows[0] = dataclasses.replace(windows[0], significant=True)
    marked = dataclasses.replace(first, basket=dataclasses.replace(first.basket, windows=windows))
    events = dataclasses.replace(snapshot.events, catalysts=[marked, *rest])
    loud = reaction_view(theme, events, "HSI")
    assert loud.catalysts[0].cars[0].significant
    assert loud.legend.endswith(f"{SIGNIFICANT_MARK} significant at 5% (|t| > 1.96).")
