"""What every chart of a note shares: the palette, the chart words, the chart value and
the figure primitives (a matplotlib figure at the note's width, its deterministic PNG).

:mod:`concepttrack.render.charts` (basket, constituents, returns) and
:mod:`concepttrack.render.event_charts` (the abnormal-return chart) both build on this
module, so neither imports the other (no import cycle); ``charts.render_charts`` draws
them all with one :class:`Palette` per note.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from concepttrack.languages import LATIN_SANS

if TYPE_CHECKING:
    from concepttrack.analytics.model import ThemeSnapshot
    from concepttrack.themes import Theme

#: Restrained palette. Up/down follow the convention stated in the methodology:
#: green = up, red = down (the Hong Kong / international convention).
UP = "#1e7b4f"
DOWN = "#b3362c"
INK = "#1d2b3a"
BASKET = "#1f4e79"
BENCHMARK = "#8c939c"
GRID = "#e3e6ea"
EVENT = "#c58b12"
#: Constituent lines: distinguishable, muted, print-safe, and none of them the basket's
#: navy, the benchmark's grey or the event marks' amber (a stock never looks like either).
LINE_COLOURS = (
    "#d1603d",
    "#2a9d8f",
    "#8e5572",
    "#6a994e",
    "#4f9ec4",
    "#7a6c5d",
    "#b5838d",
    "#5e548e",
)


@dataclass(frozen=True)
class Palette:
    """One colour per security for every chart of a note.

    The basket always has :data:`BASKET` and the benchmark :data:`BENCHMARK`; neither is
    ever given to a stock. Stocks take :data:`LINE_COLOURS` in theme (book) order, so a
    stock has the same colour in the constituents chart and the abnormal-return chart.
    A theme with more stocks than colours reuses them from the start.
    """

    stocks: tuple[tuple[str, str], ...] = ()
    basket: str = BASKET
    benchmark: str = BENCHMARK

    def colour(self, symbol: str) -> str:
        """The stock's colour (a symbol the palette was not built with gets the next one)."""
        for known, colour in self.stocks:
            if known == symbol:
                return colour
        return LINE_COLOURS[len(self.stocks) % len(LINE_COLOURS)]


def note_palette(symbols: Iterable[str]) -> Palette:
    """The palette of a note whose stocks are ``symbols`` (theme order; duplicates once)."""
    ordered = list(dict.fromkeys(symbols))
    return Palette(
        stocks=tuple(
            (symbol, LINE_COLOURS[index % len(LINE_COLOURS)])
            for index, symbol in enumerate(ordered)
        )
    )


def theme_palette(theme: Theme, snapshot: ThemeSnapshot | None = None) -> Palette:
    """The palette for a theme's note: its stocks in book order, then any other stock the
    snapshot charts (none in practice)."""
    extra = list(snapshot.series.stocks) if snapshot is not None else []
    return note_palette([*theme.symbols, *extra])


DPI = 200
WIDTH_IN = 7.0


@dataclass(frozen=True)
class ChartText:
    """Every word the charts show (titles, captions, axis, legend) and the up/down colours.

    The default is English with green up; :func:`chart_text` fills it for a language
    from the catalogs. Two languages with equal ChartText, labels and theme draw the
    same PNGs, so a note in a second language reuses them.
    """

    basket_legend: str = "Concept basket"
    rebased_axis: str = "Rebased (event base = 100)"
    basket_title: str = "Concept basket vs %(bench)s"
    basket_caption: str = (
        "Buy-and-hold basket and benchmark, rebased to 100 at the close before the "
        "event; dashed line: event, dotted lines: other catalysts."
    )
    basket_alt: str = "Line chart of the concept basket against %(bench)s, rebased to 100"
    constituents_title: str = "Constituents since the event"
    constituents_caption: str = (
        "Each constituent's adjusted close, rebased to 100 at the close before the event."
    )
    constituents_alt: str = "Line chart of each constituent rebased to 100 at the event base"
    returns_title: str = "Return since the event, by constituent"
    returns_caption: str = (
        "Adjusted-close return from the close before the event; green up, red down."
    )
    returns_alt: str = "Bar chart of each constituent's return since the event"
    #: The event study's chart (:mod:`concepttrack.render.event_charts`).
    reaction_title: str = "Abnormal returns around the event: %(title)s"
    reaction_caption: str = (
        "Sum of daily abnormal returns (market model against the %(bench)s) from five "
        "sessions before each security's event bar; dashed line: the event bar. A line stops "
        "where a window is not complete yet."
    )
    reaction_alt: str = (
        "Line chart of the cumulative abnormal return of the basket and each stock around the "
        "main event"
    )
    reaction_x_axis: str = "Sessions from the event bar (t0)"
    reaction_y_axis: str = "Cumulative abnormal return"
    up: str = "#1e7b4f"
    down: str = "#b3362c"
    #: Font families for CJK text, best first (empty: the English note's, Hong Kong
    #: forms, then the machine's first CJK font).
    cjk_families: tuple[str, ...] = ()
    #: Font families for Latin text (figures, codes, English words), best first; CJK text
    #: falls back glyph by glyph to ``cjk_families``.
    latin_families: tuple[str, ...] = LATIN_SANS
    #: Kept for callers that set it: event labels now sit on one line above the plot,
    #: cut to fit the width they have.
    label_width: int = 32
    #: strftime formats of the date axis (matplotlib ConciseDateFormatter ``formats`` and
    #: ``zero_formats``); empty: matplotlib's English month abbreviations.
    date_formats: tuple[str, ...] = ()
    zero_date_formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """One rendered chart: a file-name stem, a caption and PNG bytes."""

    name: str
    title: str
    caption: str
    alt: str
    png: bytes

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI, for the self-contained HTML and the PDF."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(
            buffer,
            format="png",
            dpi=DPI,
            facecolor="white",
            metadata={"Software": None},
            pil_kwargs={"optimize": False},
        )
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _figure(height_in: float) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, height_in), layout="constrained")
    return fig, ax


#: Height of the two line charts (inches at 7 in wide): a page holds both with captions.
LINE_CHART_HEIGHT_IN = 2.3


def _text_width(text: str) -> int:
    """Width in Latin characters: a CJK character is about two."""
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


def _legend_columns(names: list[str], most: int = 4) -> int:
    """Legend columns that fit the figure width, so no label runs off the right edge.

    An entry is about 4.1 pt a character at 7.5 pt plus 30 pt of handle and gap; the
    legend has about 470 pt (the figure width less the margins).
    """
    widest = max((_text_width(name) for name in names), default=0) * 4.1 + 30
    fit = max(1, int(470 // widest))
    return max(1, min(most, len(names), fit))
