"""What every section builder shares: the per-note, per-language input and the appendix.

A section builder (one module of :mod:`concepttrack.render.sections`) takes a
:class:`NoteInput` (the localised theme, the snapshot, the language's catalog, formats,
prose and names) and an :class:`Appendix`, returns the ``NoteContext`` fields it owns,
and *contributes* to the appendix the methodology definitions and data notes of the
rules it used. The appendix keeps the first of each definition and each note, so a rule
used by three sections is printed once, and a rule no section used is not printed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from concepttrack.analytics.model import (
    DataStatus,
    SinceLastNote,
    StockFigures,
    ThemeSnapshot,
)
from concepttrack.languages import Colours, Language, get_language
from concepttrack.localize import FieldUse
from concepttrack.render.formats import MISSING, STALE_MARK, Formats, formats_for
from concepttrack.render.i18n import translator
from concepttrack.render.messages import benchmark_names
from concepttrack.render.prose import Prose, prose_for
from concepttrack.render.view import Definition, NoteFacts
from concepttrack.themes import Stock, Theme

if TYPE_CHECKING:
    from concepttrack.analytics.consensus_model import DateAhead
    from concepttrack.analytics.lead import Lead
    from concepttrack.render.events_view import ReactionView
    from concepttrack.render.valuation_view import ValuationView

#: Marks a basket figure whose window reaches back before the basket's base session.
BACKCAST_MARK = "\N{SECTION SIGN}"

#: The NoteContext fields a builder returns.
Fields = dict[str, Any]


def marked(text: str, value: float | None, stale: bool, mark: str = STALE_MARK) -> str:
    """``text`` with ``mark`` when the figure is flagged and exists."""
    return text + mark if stale and value is not None else text


class Names:
    """Symbol -> reader-facing label, from the (localised) theme; falls back to the symbol."""

    def __init__(self, theme: Theme, snapshot: ThemeSnapshot, prose: Prose, fmt: Formats) -> None:
        self.by_symbol = {stock.symbol: stock for stock in theme.stocks}
        self.figures = {stock.symbol: stock for stock in snapshot.stocks}
        self.prose = prose
        self.fmt = fmt

    def label(self, symbol: str | None) -> str:
        if symbol is None:
            return MISSING
        stock = self.by_symbol.get(symbol)
        return self.prose.stock_label(stock.name, stock.display_code) if stock else symbol

    def short(self, symbol: str | None) -> str:
        if symbol is None:
            return MISSING
        stock = self.by_symbol.get(symbol)
        return stock.name if stock else symbol

    def with_return(self, symbol: str | None, window: str) -> str:
        """``ZTE (00763) +3.2%``, with a dagger when the stock is stale."""
        if symbol is None:
            return MISSING
        figures = self.figures.get(symbol)
        value = getattr(figures.returns, window) if figures else None
        stale = figures is not None and figures.status.status == "stale" and value is not None
        return f"{self.label(symbol)} {self.fmt.pct(value)}{STALE_MARK if stale else ''}"

    def is_constituent(self, symbol: str) -> bool:
        return symbol in self.by_symbol


class Writer:
    """Everything written for one language: catalog, formats, prose and names."""

    def __init__(self, theme: Theme, snapshot: ThemeSnapshot, lang: str) -> None:
        self.lang: Language = get_language(lang)
        self._: Callable[[str], str] = translator(self.lang.code).gettext
        self.fmt = formats_for(self.lang.code)
        self.prose = prose_for(self.lang.code)
        self.names = Names(theme, snapshot, self.prose, self.fmt)
        self.bench_name, self.bench_short = benchmark_names(
            snapshot.benchmark.symbol, self.lang.code
        )

    def status_text(self, status: DataStatus) -> tuple[str, str]:
        _ = self._
        if status.status == "fresh":
            return _("Fresh"), "fresh"
        if status.status == "stale":
            return _("Stale · last %(date)s") % {
                "date": self.fmt.date(status.last_session)
            }, "stale"
        return _("Missing"), "missing"


@dataclass
class Appendix:
    """Methodology definitions and data notes contributed by the sections, in order.

    ``define`` keeps the first definition of a key; ``note`` drops a line already noted.
    """

    definitions: dict[str, Definition] = field(default_factory=dict)
    data_notes: list[str] = field(default_factory=list)

    def define(self, key: str, definition: Definition) -> None:
        self.definitions.setdefault(key, definition)

    def note(self, *lines: str) -> None:
        for line in lines:
            if line and line not in self.data_notes:
                self.data_notes.append(line)


@dataclass
class NoteInput:
    """One note in one language: what every section builder reads."""

    raw_theme: Theme
    #: The themes book resolved for the language (see :func:`concepttrack.localize`).
    theme: Theme
    uses: list[FieldUse]
    snapshot: ThemeSnapshot
    since_last: SinceLastNote | None
    facts: NoteFacts
    w: Writer
    colours: Colours
    #: Results and ex-dividend dates the lead may announce (analytics/lead.py).
    dates_ahead: Sequence[DateAhead] | None = None

    @property
    def _(self) -> Callable[[str], str]:
        return self.w._

    @property
    def fmt(self) -> Formats:
        return self.w.fmt

    @property
    def names(self) -> Names:
        return self.w.names

    @property
    def language(self) -> Language:
        return self.w.lang

    @property
    def bench_short(self) -> str:
        return self.w.bench_short

    @property
    def bench_name(self) -> str:
        return self.w.bench_name

    @functools.cached_property
    def by_symbol(self) -> dict[str, Stock]:
        return {stock.symbol: stock for stock in self.theme.stocks}

    @functools.cached_property
    def stock_figures(self) -> dict[str, StockFigures]:
        return {f.symbol: f for f in self.snapshot.stocks}

    @functools.cached_property
    def reaction(self) -> ReactionView:
        """The event study's view (read by the reaction and what-moved sections)."""
        from concepttrack.render.events_view import reaction_view

        return reaction_view(
            self.theme, self.snapshot.events, self.bench_short, lang=self.language.code
        )

    @functools.cached_property
    def lead(self) -> Lead:
        """The session's biggest facts, in order of weight (read by what-moved, reaction)."""
        from concepttrack.analytics.lead import build_lead

        return build_lead(self.raw_theme, self.snapshot, self.since_last, self.dates_ahead)

    @functools.cached_property
    def valuation(self) -> ValuationView | None:
        """Valuation, weighting scheme and currency blocks (issue 11)."""
        from concepttrack.render.valuation_view import build_valuation_view

        return build_valuation_view(self.theme, self.snapshot, lang=self.language.code)

    @functools.cached_property
    def adjusted_only(self) -> list[str]:
        """Labels of the stocks whose shown price is an adjusted close (marked "adj.")."""
        return [self.names.label(s) for s in self.facts.adjusted_only]

    def backcast(self, name: str) -> bool:
        """True when the basket's figure ``name`` reaches back before its base session."""
        return name in self.snapshot.basket.backcast
