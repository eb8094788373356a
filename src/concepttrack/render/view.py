"""The note's view model: what a note shows, as typed data shared by every language.

:mod:`concepttrack.render.context` fills it for one language (text through
:mod:`~concepttrack.render.formats`, :mod:`~concepttrack.render.prose` and the gettext
catalogs); the templates read it. The structure (which rows, which sections, which
figures are stale, each figure's colour class) is decided once per note by
:class:`NoteFacts`, which holds no text of any language, and is the same in every
language: the English and Chinese notes of a session show the same figures in the same
places.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

# Re-exported: the view's own vocabulary, defined below it for the section views.
from concepttrack.render.view_base import STALE_MARK as STALE_MARK
from concepttrack.render.view_base import Definition as Definition
from concepttrack.render.view_base import Figure as Figure
from concepttrack.render.view_base import Tone as Tone
from concepttrack.render.view_base import figure as figure
from concepttrack.render.view_base import tone as tone

if TYPE_CHECKING:
    from concepttrack.analytics.model import StockFigures, ThemeSnapshot
    from concepttrack.render.consensus_view import ConsensusView
    from concepttrack.render.events_view import ReactionView
    from concepttrack.render.southbound_view import SouthboundView
    from concepttrack.render.valuation_view import ValuationView
    from concepttrack.themes import Theme


@dataclass(frozen=True)
class KeyRow:
    """One window of the key-figures table: basket, benchmark and the gap between them."""

    label: str
    basket: Figure
    benchmark: Figure
    excess: Figure


@dataclass(frozen=True)
class KeyFigures:
    """The headline block: windows, basket level, breadth, leader and laggard."""

    rows: list[KeyRow]
    basket_level: str
    benchmark_level: str
    breadth: str
    above_ma: str
    leader_1d: str
    laggard_1d: str
    leader_since_event: str
    laggard_since_event: str
    #: Lines under the key figures: stale basket or benchmark dates, same-window excess,
    #: carried constituents.
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class SinceLastBox:
    """What changed since the previous note, as short lines."""

    previous_as_of: str
    lines: list[str]
    #: The rules the lines follow (e.g. what counts as a new 52-week high), shown under them.
    rules: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class TimelineItem:
    """A dated catalyst; ``is_event`` marks the anchoring event."""

    date: str
    title: str
    detail: str
    source: str
    is_event: bool


@dataclass(frozen=True)
class AnalystView:
    """An analyst who signs the note: name, licence number, e-mail (each may be "")."""

    name: str
    licence: str
    email: str


@dataclass(frozen=True)
class HouseView:
    """The house that signs the note (themes book ``house:``)."""

    name: str
    #: The logo as a ``data:`` URI, "" without one.
    logo: str
    analysts: list[AnalystView]
    disclosures: str


@dataclass(frozen=True)
class FactDate:
    """A fact's date as the note words it ("as of Feb 2024"), and whether it is old."""

    text: str
    old: bool


@dataclass(frozen=True)
class UpdateItem:
    """One entry of the theme's news log ("What changed")."""

    date: str
    title: str
    detail: str
    source: str
    #: The stocks it concerns, as a list in running text ("" when none).
    stocks: str
    #: Dated after the previous note.
    new: bool


@dataclass(frozen=True)
class ViewItem:
    """A broker view, attributed and dated."""

    source: str
    date: str
    rating: str
    target_price: str
    summary: str
    #: When its facts were true, if the book says so or the view is old.
    as_of: FactDate | None = None


@dataclass(frozen=True)
class ConstituentRow:
    """One row of the constituents table, every cell preformatted."""

    code: str
    name: str
    name_zh: str
    currency: str
    last: Figure
    one_day: Figure
    five_day: Figure
    one_month: Figure
    since_event: Figure
    excess_since_event: Figure
    volume_ratio: Figure
    from_high_52w: Figure
    weight: str
    contribution: Figure
    status: str
    status_class: str
    #: The weight now (at the basket's last session); ``weight`` is the weight at the base.
    weight_now: str = "–"


@dataclass(frozen=True)
class AhRow:
    """One stock's A/H premium under the constituents table (issue 18), preformatted."""

    name: str
    a_code: str
    h_price: str
    #: The A share's close in the H share's currency (at the note's FX close).
    a_price: str
    premium: Figure
    change_since_event: Figure


@dataclass(frozen=True)
class AhTable:
    """The A/H premium block: one row per stock with an A share, and its notes."""

    rows: list[AhRow]
    #: The H shares' currency, named for the column head ("Hong Kong dollars" / "港元").
    currency: str = ""
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class StockNote:
    """Per-stock notes: identity, exposure, the book's rationale and a figures line."""

    code: str
    name: str
    name_zh: str
    exposure: str
    rationale: str
    figures: str
    #: When the rationale's facts were true (``as_of:``), None when undated.
    as_of: FactDate | None = None


@dataclass(frozen=True)
class RiskItem:
    """A written risk from the themes book."""

    title: str
    detail: str
    as_of: FactDate | None = None


@dataclass(frozen=True)
class RiskRow:
    """Measured risk of the basket, the benchmark or one stock."""

    label: str
    volatility: str
    max_drawdown: str
    drawdown_dates: str
    beta: str
    correlation: str


@dataclass(frozen=True)
class DataRow:
    """Per-symbol data status for the appendix."""

    code: str
    name: str
    symbol: str
    last_bar: str
    status: str
    note: str


@dataclass(frozen=True)
class NoteContext:
    """Everything a note template shows; every value is display-ready text."""

    theme_id: str
    title: str
    title_zh: str
    kicker: str
    kicker_zh: str
    as_of: str
    as_of_iso: str
    event_date: str
    event_title: str
    base_session: str
    source: str
    freshness: str
    demo: bool
    benchmark_name: str
    benchmark_short: str
    since_last: SinceLastBox | None
    key_figures: KeyFigures
    what_moved: str
    #: The theme's news log, newest first (render/sections/what_changed.py).
    what_changed: list[UpdateItem]
    thesis: list[str]
    timeline: list[TimelineItem]
    views: list[ViewItem]
    constituents: list[ConstituentRow]
    table_notes: list[str]
    stock_notes: list[StockNote]
    risks: list[RiskItem]
    risk_rows: list[RiskRow]
    concentration: str
    methodology: list[Definition]
    data_rows: list[DataRow]
    data_notes: list[str]
    colour_convention: str
    disclaimer: str
    pdf_title: str
    pdf_subject: str
    pdf_keywords: str
    author: str
    tags: list[str]
    #: The note's language: code (``zh-hk``), HTML lang tag (``zh-Hant-HK``).
    lang: str = "en"
    html_lang: str = "en"
    #: Show the separate Chinese-name column/line (English notes only).
    show_name_zh: bool = True
    #: ``green-up`` or ``red-up``: which colour the up class is drawn in.
    colours: str = "green-up"
    #: The as-of date as the masthead writes it (with the weekday in Chinese).
    as_of_long: str = ""
    #: Write a price's currency after it (``87.60港元``) rather than before (``HKD 87.60``).
    currency_after: bool = False
    #: Space between a label and its value: " " in English, none in Chinese (full-width
    #: punctuation carries its own space).
    gap: str = " "
    #: After a bold methodology term in Markdown: " " in English ("**Prices.** …"), "："
    #: in Chinese, outside the bold (GFM does not close ** between "：" and a letter).
    term_gap: str = " "
    #: The date every item of a section carries, said once under its heading (None:
    #: each item says its own, or none).
    views_as_of: FactDate | None = None
    stock_notes_as_of: FactDate | None = None
    risks_as_of: FactDate | None = None
    #: The house that signs the note; None: the tool's neutral wording.
    house: HouseView | None = None
    #: The running footer of the printed note.
    footer: str = ""
    #: What made the file (the PDF's and HTML's generator).
    generator: str = "concepttrack"
    #: "How the concept reacted" (the event study); None hides the section.
    reaction: ReactionView | None = None
    #: Non-empty when the event study is an appendix (after the risks): why it is there.
    reaction_appendix: str = ""
    #: Valuation, weighting scheme and currency blocks (render/valuation_view.py).
    valuation: ValuationView | None = None
    #: Lines under the risk table (back-cast basket figures).
    risk_notes: list[str] = dataclasses.field(default_factory=list)
    #: "Consensus and dates ahead" (issue 18); None hides the section.
    consensus: ConsensusView | None = None

    #: Southbound holdings (港股通持股) per HK stock; None hides the section (issue 18).
    southbound: SouthboundView | None = None

    #: The A/H premium block under the constituents (issue 18); None without A shares.
    ah_premium: AhTable | None = None

    @property
    def methodology_columns(self) -> tuple[list[Definition], list[Definition]]:
        """The definitions in two columns of about equal length, in reading order.

        The printed note sets them side by side in two flex columns: WeasyPrint lays out
        CSS multi-column text several times to balance it, which cost about 0.35 s of
        the note's 1.5 s layout.
        """
        # A term heading takes about a line of the 45-character column.
        sizes = [len(item.text) + 45 for item in self.methodology]
        total = sum(sizes)
        best, best_gap, run = 0, float(total), 0
        for index in range(len(sizes) + 1):
            gap = abs(total - 2 * run)
            if gap < best_gap:
                best, best_gap = index, gap
            if index < len(sizes):
                run += sizes[index]
        return self.methodology[:best], self.methodology[best:]


@dataclass(frozen=True)
class NoteFacts:
    """Language-free selections made once per note and shared by every language."""

    stale_count: int
    missing_count: int
    basket_stale: bool
    bench_stale: bool
    #: Stocks with a since-event return but no excess (the benchmark ends earlier).
    no_excess: list[str]
    #: (catalyst index or -1 for the event, is_event) in date order.
    timeline_order: list[tuple[int, bool]]
    single_close: list[str]
    adjusted_only: list[str]


def note_facts(theme: Theme, snapshot: ThemeSnapshot) -> NoteFacts:
    """The choices :func:`~concepttrack.render.context.build_context` makes from the data."""
    order = sorted(
        [(-1, True), *((i, False) for i in range(len(theme.catalysts)))],
        key=lambda pair: (
            theme.event.date if pair[0] < 0 else theme.catalysts[pair[0]].date,
            not pair[1],
        ),
    )
    stocks: list[StockFigures] = list(snapshot.stocks)
    return NoteFacts(
        stale_count=sum(1 for s in snapshot.statuses if s.status == "stale"),
        missing_count=sum(1 for s in snapshot.statuses if s.status == "missing"),
        basket_stale=snapshot.basket.status == "stale",
        bench_stale=snapshot.benchmark.status.status != "fresh",
        no_excess=[
            f.symbol
            for f in stocks
            if f.returns.since_event is not None
            and f.excess.since_event is None
            and snapshot.benchmark.returns.since_event is not None
        ],
        timeline_order=order,
        single_close=[f.symbol for f in stocks if f.adj_close_is_close],
        # Only where an adjusted close is shown: a stock with no price shows none.
        adjusted_only=[
            f.symbol for f in stocks if f.close_is_adjusted and f.last_close is not None
        ],
    )
