"""The note's charts, drawn with matplotlib (Agg) as deterministic PNG bytes.

Three figures, all from :class:`~concepttrack.analytics.model.ChartSeries` and the
stock figures (no arithmetic on prices here):

1. the basket against its benchmark, rebased to 100 at the event base session, with
   the event and the theme's catalysts marked;
2. each constituent rebased to 100 at the event base session;
3. a bar chart of since-event returns (coloured by the up/down convention).

The same PNG bytes go into the Markdown assets folder and, as ``data:`` URIs, into the
HTML and PDF (weasyprint lays out PNG faster than inline SVG). PNGs carry no software
version or timestamp, so re-rendering the same inputs gives identical bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from concepttrack.errors import RenderError
from concepttrack.render.fonts import available_cjk_families, fontconfig_cjk_files
from concepttrack.render.fonts import warn_missing_cjk_once as _warn_missing_cjk

if TYPE_CHECKING:
    from concepttrack.analytics.model import Series, ThemeSnapshot
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
#: Constituent lines: distinguishable, muted, print-safe.
LINE_COLOURS = ("#1f4e79", "#c58b12", "#5b8c5a", "#8e5572", "#4f9ec4", "#7a6c5d", "#b3362c")

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
    #: Font families for CJK text, best first (empty: the machine's first CJK font).
    cjk_families: tuple[str, ...] = ()
    #: Characters an event label wraps at (CJK characters are about twice as wide).
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


def render_charts(
    theme: Theme,
    snapshot: ThemeSnapshot,
    *,
    labels: dict[str, str],
    benchmark_name: str,
    text: ChartText | None = None,
) -> list[Chart]:
    """Draw every chart the data allows; a chart with no data is left out, not faked.

    ``labels`` maps a symbol to the short label used in legends (``ZTE 00763``);
    ``text`` gives the words and colours (English, green up, by default).
    """
    text = text or ChartText()
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        with _style(text.cjk_families):
            charts: list[Chart] = []
            basket = _basket_chart(theme, snapshot, benchmark_name, text)
            if basket is not None:
                charts.append(basket)
            constituents = _constituents_chart(theme, snapshot, labels, text)
            if constituents is not None:
                charts.append(constituents)
            bars = _returns_chart(snapshot, labels, text)
            if bars is not None:
                charts.append(bars)
            # The event study's chart (shown in "How the concept reacted").
            from concepttrack.render.event_charts import reaction_chart

            reaction = reaction_chart(theme, snapshot, labels, benchmark_name, text)
            if reaction is not None:
                charts.append(reaction)
            return charts
    except RenderError:
        raise
    except Exception as exc:  # matplotlib raises many unrelated types
        raise RenderError(
            f"could not draw the charts for {theme.id}: {exc}",
            hint="Run with --format json to get the numbers without charts.",
        ) from exc


#: The weights the charts use: body text and the bold titles.
CHART_WEIGHTS = frozenset({400, 700})


def _weights_known(family: str) -> set[int]:
    """The weights of ``family`` matplotlib's font manager can draw, as numbers."""
    from matplotlib import font_manager

    weights: set[int] = set()
    for entry in font_manager.fontManager.ttflist:
        if entry.name == family:
            weight = entry.weight
            weights.add(
                int(weight) if isinstance(weight, int) else font_manager.weight_dict.get(weight, 0)
            )
    return weights


def _font_family(preferred: tuple[str, ...] = ()) -> list[str]:
    """A list (so matplotlib falls back glyph by glyph): the CJK family, then DejaVu.

    ``preferred`` families (the note language's, e.g. Noto Sans CJK HK for Traditional
    text) are tried first, then the usual CJK families. A family is registered by file
    (every file fontconfig lists for it: Debian's regular and bold ``.ttc``
    collections) unless matplotlib's font cache already knows both weights. A cache
    built before the font was installed, or one that saw only the bold collection,
    otherwise makes matplotlib warn ``findfont: Failed to find font weight normal`` on
    every chart and draw the Chinese text in bold.
    """
    from matplotlib import font_manager

    files = fontconfig_cjk_files()
    registered = {str(entry.fname) for entry in font_manager.fontManager.ttflist}
    for family in dict.fromkeys([*preferred, *available_cjk_families()]):
        if not _weights_known(family) >= CHART_WEIGHTS:
            for file in files.get(family, ()):
                if file in registered:
                    continue
                try:
                    font_manager.fontManager.addfont(file)
                except (OSError, RuntimeError, ValueError):
                    continue
                registered.add(file)
        weights = _weights_known(family)
        if weights:
            if not weights >= CHART_WEIGHTS:
                _log_missing_weights(family, weights)
            return [family, "DejaVu Sans"]
    _warn_missing_cjk()
    return ["DejaVu Sans"]


def _log_missing_weights(family: str, weights: set[int]) -> None:
    import logging

    logging.getLogger("concepttrack.render").debug(
        "%s has only weight(s) %s; matplotlib substitutes the nearest",
        family,
        ", ".join(str(w) for w in sorted(weights)),
    )


@contextmanager
def _style(preferred: tuple[str, ...] = ()) -> Iterator[None]:
    import matplotlib as mpl

    rc: Any = {
        "font.family": _font_family(preferred),
        "font.size": 8.5,
        "axes.titlesize": 9.5,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 8,
        "axes.edgecolor": "#9aa3ad",
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": GRID,
        "grid.linewidth": 0.6,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.labelsize": 7.5,
        "ytick.labelsize": 7.5,
        "xtick.major.size": 2.5,
        "ytick.major.size": 0,
        "legend.fontsize": 7.5,
        "legend.frameon": False,
        "text.color": INK,
        "axes.labelcolor": INK,
        "svg.hashsalt": "concepttrack",
        "path.simplify": True,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
    }
    with mpl.rc_context(rc):
        yield


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


def _date_axis(ax: Any, text: ChartText | None = None) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    extra: dict[str, Any] = {}
    if text is not None and text.date_formats:
        extra = {"formats": list(text.date_formats), "zero_formats": list(text.zero_date_formats)}
    formatter = mdates.ConciseDateFormatter(locator, show_offset=False, **extra)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(formatter)
    ax.margins(x=0.01)


#: Height of the two line charts (inches at 7 in wide): a page holds both with captions.
LINE_CHART_HEIGHT_IN = 2.3


def _mark_label(title: str, width: int = 32, lines: int = 2) -> str:
    """An event label on at most two short lines, cut with an ellipsis only if longer."""
    wrapped = textwrap.wrap(title, width=width, break_long_words=True)
    if len(wrapped) <= lines:
        return "\n".join(wrapped)
    kept = wrapped[:lines]
    kept[-1] = kept[-1][: width - 1].rstrip(" ,;:") + "…"
    return "\n".join(kept)


def _mark_events(ax: Any, theme: Theme, first: dt.date, last: dt.date, width: int = 32) -> None:
    """Dashed line at the event, dotted lines at catalysts inside the plotted range."""
    marks = [(theme.event.date, theme.event.title, True)] + [
        (c.date, c.title, False) for c in theme.catalysts if c.date != theme.event.date
    ]
    for date, title, is_event in sorted(marks, key=lambda item: item[0]):
        if not first <= date <= last:
            continue
        ax.axvline(
            date,
            color=EVENT,
            linewidth=0.9 if is_event else 0.6,
            linestyle="--" if is_event else ":",
            zorder=1,
        )
        # Rotated along the line, so close catalysts never overprint each other.
        label = _mark_label(title, width)
        ax.annotate(
            label,
            xy=(date, 0.98),
            xycoords=("data", "axes fraction"),
            xytext=(-2, 0),
            textcoords="offset points",
            rotation=90,
            fontsize=6.2,
            color="#7d5a0c",
            va="top",
            ha="right",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
            zorder=4,
        )


def _has(series: Series) -> bool:
    return len(series.sessions) >= 2 and len(series.sessions) == len(series.values)


def _end_label(ax: Any, series: Series, text: str, colour: str) -> None:
    ax.annotate(
        text,
        xy=(series.sessions[-1], series.values[-1]),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=7,
        color=colour,
        va="center",
        fontweight="bold",
    )


def _basket_chart(
    theme: Theme, snapshot: ThemeSnapshot, benchmark_name: str, text: ChartText
) -> Chart | None:
    basket, benchmark = snapshot.series.basket, snapshot.series.benchmark
    if not _has(basket):
        return None
    fig, ax = _figure(LINE_CHART_HEIGHT_IN)
    ax.axhline(100, color="#c9ced4", linewidth=0.7, zorder=1)
    if _has(benchmark):
        ax.plot(
            benchmark.sessions,
            benchmark.values,
            color=BENCHMARK,
            linewidth=1.2,
            label=benchmark_name,
        )
        _end_label(ax, benchmark, f"{benchmark.values[-1]:.1f}", BENCHMARK)
    ax.plot(basket.sessions, basket.values, color=BASKET, linewidth=1.8, label=text.basket_legend)
    _end_label(ax, basket, f"{basket.values[-1]:.1f}", BASKET)
    sessions = basket.sessions + (benchmark.sessions if _has(benchmark) else [])
    _mark_events(ax, theme, min(sessions), max(sessions), text.label_width)
    _date_axis(ax, text)
    ax.set_ylabel(text.rebased_axis)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=2)
    return Chart(
        name="basket-vs-benchmark",
        title=text.basket_title % {"bench": benchmark_name},
        caption=text.basket_caption,
        alt=text.basket_alt % {"bench": benchmark_name},
        png=_png(fig),
    )


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


def _constituents_chart(
    theme: Theme, snapshot: ThemeSnapshot, labels: dict[str, str], text: ChartText
) -> Chart | None:
    drawn = [
        (symbol, series)
        for symbol in theme.symbols
        if (series := snapshot.series.stocks.get(symbol)) is not None and _has(series)
    ]
    if not drawn:
        return None
    fig, ax = _figure(LINE_CHART_HEIGHT_IN)
    ax.axhline(100, color="#c9ced4", linewidth=0.7, zorder=1)
    first = min(series.sessions[0] for _, series in drawn)
    last = max(series.sessions[-1] for _, series in drawn)
    for index, (symbol, series) in enumerate(drawn):
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        ax.plot(
            series.sessions,
            series.values,
            color=colour,
            linewidth=1.2,
            label=labels.get(symbol, symbol),
        )
    _mark_events(ax, theme, first, last, text.label_width)
    _date_axis(ax, text)
    ax.set_ylabel(text.rebased_axis)
    names = [labels.get(symbol, symbol) for symbol, _ in drawn]
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=_legend_columns(names))
    return Chart(
        name="constituents",
        title=text.constituents_title,
        caption=text.constituents_caption,
        alt=text.constituents_alt,
        png=_png(fig),
    )


def _returns_chart(
    snapshot: ThemeSnapshot, labels: dict[str, str], text: ChartText
) -> Chart | None:
    rows = [
        (labels.get(stock.symbol, stock.symbol), stock.returns.since_event)
        for stock in snapshot.stocks
        if stock.returns.since_event is not None
    ]
    if not rows:
        return None
    rows.sort(key=lambda row: row[1] or 0.0)
    names = [name for name, _ in rows]
    values = [100.0 * (value or 0.0) for _, value in rows]
    fig, ax = _figure(0.45 + 0.32 * len(rows))
    colours = [text.up if v > 0 else text.down if v < 0 else BENCHMARK for v in values]
    bars = ax.barh(names, values, color=colours, height=0.6, zorder=2)
    ax.axvline(0, color="#9aa3ad", linewidth=0.7, zorder=3)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.grid(axis="y", visible=False)
    ax.bar_label(
        bars,
        labels=[f"{v:+.1f}%".replace("-", "\N{MINUS SIGN}") for v in values],
        padding=3,
        fontsize=7,
    )
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    # A flat basket (every return 0) still needs a non-empty axis on both sides.
    left = low - 0.18 * span if low < 0 else (0.0 if high > 0 else -0.5 * span)
    right = high + 0.18 * span if high > 0 else (0.0 if low < 0 else 0.5 * span)
    ax.set_xlim(left, right)
    ax.xaxis.set_major_formatter(_percent_formatter())
    ax.tick_params(axis="y", length=0)
    return Chart(
        name="since-event-returns",
        title=text.returns_title,
        caption=text.returns_caption,
        alt=text.returns_alt,
        png=_png(fig),
    )


def _percent_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: int) -> str:
        return f"{value:+.0f}%".replace("-", "\N{MINUS SIGN}") if value else "0%"

    return FuncFormatter(fmt)


class ChartJob:
    """Charts being drawn, possibly in a forked child while the caller does other work.

    Drawing the three charts (with matplotlib's import) takes about 0.6 s of CPU, and so
    does importing WeasyPrint; on a machine with a spare core the two can overlap. The
    child sends the finished PNG bytes back through a pipe; the result is byte-for-byte
    what drawing in-process gives. Where ``os.fork`` is missing it draws in-process.
    """

    def __init__(
        self,
        theme: Theme,
        snapshot: ThemeSnapshot,
        *,
        labels: dict[str, str],
        benchmark_name: str,
        in_child: bool,
        text: ChartText | None = None,
    ) -> None:
        self._args = (theme, snapshot)
        self._kwargs = {"labels": labels, "benchmark_name": benchmark_name, "text": text}
        self._pid: int | None = None
        self._read_fd: int | None = None
        self._done: list[Chart] | None = None
        if in_child and hasattr(os, "fork"):
            self._start_child()

    def _start_child(self) -> None:
        import pickle

        from concepttrack.children import die_with_parent

        parent = os.getpid()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: draw, send, and leave without running any cleanup
            os.close(read_fd)
            die_with_parent(parent)
            code = 0
            try:
                answer: object = render_charts(*self._args, **self._kwargs)  # type: ignore[arg-type]
            except RenderError as exc:
                answer = exc
            except BaseException as exc:
                answer = RenderError(f"could not draw the charts: {exc}")
            try:
                with os.fdopen(write_fd, "wb") as pipe:
                    pickle.dump(answer, pipe)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(write_fd)
        self._pid, self._read_fd = pid, read_fd

    def result(self) -> list[Chart]:
        """The charts; raises RenderError as drawing in-process would."""
        if self._done is not None:
            return self._done
        if self._pid is None or self._read_fd is None:
            self._done = render_charts(*self._args, **self._kwargs)  # type: ignore[arg-type]
            return self._done
        import pickle

        with os.fdopen(self._read_fd, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(self._pid, 0)
        self._pid = self._read_fd = None
        try:
            answer = pickle.loads(payload)
        except Exception as exc:
            raise RenderError("the chart process ended without sending its charts") from exc
        if isinstance(answer, RenderError):
            raise answer
        self._done = answer
        return self._done
