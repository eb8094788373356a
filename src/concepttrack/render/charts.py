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

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from concepttrack.errors import RenderError
from concepttrack.languages import DEFAULT_LANGUAGE, LATIN_SANS, get_language
from concepttrack.render import fonts as _fonts
from concepttrack.render.chart_base import (
    BENCHMARK,
    DPI,
    EVENT,
    GRID,
    INK,
    LINE_CHART_HEIGHT_IN,
    Chart,
    ChartText,
    Palette,
    _figure,
    _legend_columns,
    _png,
    _text_width,
    theme_palette,
)
from concepttrack.render.fonts import (
    available_cjk_families,
    fontconfig_cjk_files,
    fontconfig_family_files,
)
from concepttrack.render.fonts import warn_missing_cjk_once as _warn_missing_cjk

if TYPE_CHECKING:
    from concepttrack.analytics.model import Series, ThemeSnapshot
    from concepttrack.themes import Theme


def render_charts(
    theme: Theme,
    snapshot: ThemeSnapshot,
    *,
    labels: dict[str, str],
    benchmark_name: str,
    text: ChartText | None = None,
    palette: Palette | None = None,
) -> list[Chart]:
    """Draw every chart the data allows; a chart with no data is left out, not faked.

    ``labels`` maps a symbol to the short label used in legends (``ZTE 00763``);
    ``text`` gives the words and colours (English, green up, by default); ``palette``
    the colour of each security, the same in every chart (by default the theme's,
    computed once here for all of them).
    """
    text = text or ChartText()
    palette = palette or theme_palette(theme, snapshot)
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        with _style(text.cjk_families, text.latin_families):
            charts: list[Chart] = []
            basket = _basket_chart(theme, snapshot, benchmark_name, text, palette)
            if basket is not None:
                charts.append(basket)
            constituents = _constituents_chart(theme, snapshot, labels, text, palette)
            if constituents is not None:
                charts.append(constituents)
            bars = _returns_chart(snapshot, labels, text)
            if bars is not None:
                charts.append(bars)
            # The event study's chart (shown in "How the concept reacted").
            from concepttrack.render.event_charts import reaction_chart

            reaction = reaction_chart(theme, snapshot, labels, benchmark_name, text, palette)
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


def _register_family(family: str, files: Sequence[str]) -> None:
    """Add ``family``'s font files to matplotlib unless it already knows both weights.

    A cache built before the font was installed, or one that saw only the bold
    collection, otherwise makes matplotlib warn ``findfont: Failed to find font weight
    normal`` on every chart and draw the text in bold.
    """
    if _weights_known(family) >= CHART_WEIGHTS:
        return
    from matplotlib import font_manager

    registered = {str(entry.fname) for entry in font_manager.fontManager.ttflist}
    for file in files:
        if file in registered:
            continue
        try:
            font_manager.fontManager.addfont(file)
        except (OSError, RuntimeError, ValueError):
            continue
        registered.add(file)


def _font_family(preferred: tuple[str, ...] = ()) -> list[str]:
    """A list (so matplotlib falls back glyph by glyph): the CJK family, then DejaVu.

    ``preferred`` families (the note language's, e.g. Noto Sans CJK HK for Traditional
    text) are tried first, then the usual CJK families; with no CJK family installed it
    warns once and returns DejaVu Sans alone. A family is registered by file
    (every file fontconfig lists for it: Debian's regular and bold ``.ttc``
    collections) unless matplotlib's font cache already knows both weights.
    """
    files = fontconfig_cjk_files()
    # Only families this machine has (fontconfig's list, as for the PDF): a matplotlib
    # cache naming a font since removed must not hide the missing-font warning.
    listed = [family for family in preferred if family in _fonts.fontconfig_cjk_fonts()]
    for family in dict.fromkeys([*listed, *available_cjk_families()]):
        _register_family(family, files.get(family, ()))
        weights = _weights_known(family)
        if weights:
            if not weights >= CHART_WEIGHTS:
                _log_missing_weights(family, weights)
            return [family, "DejaVu Sans"]
    _warn_missing_cjk()
    return ["DejaVu Sans"]


def _latin_family(preferred: tuple[str, ...]) -> list[str]:
    """The first of ``preferred`` Latin families matplotlib can draw (registered by
    file from fontconfig if its cache predates the font), or none."""
    for family in preferred:
        _register_family(family, fontconfig_family_files(family))
        if _weights_known(family):
            return [family]
    return []


def chart_fonts(cjk: tuple[str, ...] = (), latin: tuple[str, ...] = LATIN_SANS) -> list[str]:
    """The charts' ``font.family``: a Latin face for Latin text, then the CJK family in
    the script of the note's language (English: the English note's, Hong Kong forms),
    then DejaVu Sans for anything else."""
    preferred = cjk or get_language(DEFAULT_LANGUAGE).sans
    return list(dict.fromkeys([*_latin_family(latin), *_font_family(preferred)]))


def _log_missing_weights(family: str, weights: set[int]) -> None:
    import logging

    logging.getLogger("concepttrack.render").debug(
        "%s has only weight(s) %s; matplotlib substitutes the nearest",
        family,
        ", ".join(str(w) for w in sorted(weights)),
    )


@contextmanager
def _style(preferred: tuple[str, ...] = (), latin: tuple[str, ...] = LATIN_SANS) -> Iterator[None]:
    import matplotlib as mpl

    rc: Any = {
        "font.family": chart_fonts(preferred, latin),
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


#: Event marks: their labels' size and colour, and the widest label (in Latin
#: characters; a CJK character counts two) before it is cut with an ellipsis.
MARK_FONT_PT = 6.2
MARK_TEXT = "#7d5a0c"
MARK_LABEL_UNITS = 70
#: About the plot area's width in points (7 in figure less the axis label and margins).
AXES_WIDTH_PT = 440.0


def _mark_label(title: str, units: int = MARK_LABEL_UNITS) -> str:
    """An event label on one line, cut with an ellipsis only if wider than ``units``."""
    title = " ".join(title.split())
    if _text_width(title) <= units:
        return title
    kept = ""
    for char in title:
        if _text_width(kept + char) > units - 1:
            break
        kept += char
    return kept.rstrip(" ,;:，；：、") + "…"


def _mark_events(ax: Any, theme: Theme, first: dt.date, last: dt.date) -> list[Any]:
    """Dashed line at the event, dotted lines at catalysts inside the plotted range.

    Each line's label reads horizontally (in every language) in the band above the plot
    area, starting at its line (ending at it in the right part of the chart), so it never
    lies across the data. Labels that would run into each other go up one row.
    Returns the label artists.
    """
    marks = [(theme.event.date, theme.event.title, True)] + [
        (c.date, c.title, False) for c in theme.catalysts if c.date != theme.event.date
    ]
    span = max((last - first).days, 1)
    rows: list[list[tuple[float, float]]] = []
    texts: list[Any] = []
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
        label = _mark_label(title)
        x = (date - first).days / span
        width = (_text_width(label) * 0.55 * MARK_FONT_PT + 4) / AXES_WIDTH_PT
        left_aligned = x + width <= 1.0
        extent = (x, x + width) if left_aligned else (x - width, x)
        row = next(
            (
                index
                for index, taken in enumerate(rows)
                if all(extent[1] < lo or extent[0] > hi for lo, hi in taken)
            ),
            len(rows),
        )
        if row == len(rows):
            rows.append([])
        rows[row].append(extent)
        texts.append(
            ax.annotate(
                label,
                xy=(date, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 2 + row * MARK_FONT_PT * 1.35),
                textcoords="offset points",
                rotation=0,
                fontsize=MARK_FONT_PT,
                color=MARK_TEXT,
                va="bottom",
                ha="left" if left_aligned else "right",
                annotation_clip=False,
                zorder=4,
            )
        )
    return texts


def _has(series: Series) -> bool:
    return len(series.sessions) >= 2 and len(series.sessions) == len(series.values)


#: Line-end labels: size (pt), the gap between label rows (times the size), and the
#: offset from the line end (pt).
END_LABEL_PT = 7.0
END_LABEL_GAP = 1.4
END_LABEL_OFFSET_PT = 4.0


def _spread(values: list[float], gap: float, low: float, high: float) -> list[float]:
    """``values`` moved as little as this simple pass can so that any two are at least
    ``gap`` apart, kept inside ``[low, high]`` when they fit; same order as given."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    placed = [values[i] for i in order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    if placed and placed[-1] > high:
        placed[-1] = high
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    if placed and placed[0] < low:
        shift = low - placed[0]
        if placed[-1] + shift <= high:
            placed = [value + shift for value in placed]
    result = [0.0] * len(values)
    for rank, index in enumerate(order):
        result[index] = placed[rank]
    return result


def _end_labels(fig: Any, ax: Any, ends: list[tuple[Any, float, str, str]]) -> list[Any]:
    """Label each line's last value (``(x, y, text, colour)``) just right of its end.

    Labels are sorted by value and pushed apart by at least a label's height, so two
    near-equal ends never print on each other; a label moved off its line's end gets a
    thin leader line back to it. The positions are worked out when the figure is drawn,
    from the plot as laid out then (no extra layout pass).
    """
    from matplotlib.transforms import ScaledTranslation

    gap = END_LABEL_PT * END_LABEL_GAP  # points
    texts: list[Any] = []

    def shifts() -> list[float]:
        """Each label's vertical shift from its line's end, in points, as laid out now."""
        to_pt = 72.0 / fig.dpi
        box = ax.get_window_extent()
        ends_pt = [float(ax.transData.transform((0.0, y))[1]) * to_pt for _, y, _, _ in ends]
        placed = _spread(ends_pt, gap, box.y0 * to_pt + gap / 2, box.y1 * to_pt - gap / 2)
        return [at - y for at, y in zip(placed, ends_pt, strict=True)]

    def coords(index: int) -> Any:
        def transform(_renderer: Any) -> Any:
            shift = shifts()[index]
            texts[index].arrow_patch.set_visible(abs(shift) > 0.25 * gap)
            return ax.transData + ScaledTranslation(
                END_LABEL_OFFSET_PT / 72.0, shift / 72.0, fig.dpi_scale_trans
            )

        return transform

    for index, (x, y, text, colour) in enumerate(ends):
        texts.append(
            ax.annotate(
                text,
                xy=(x, y),
                xytext=(x, y),
                textcoords=coords(index),
                fontsize=END_LABEL_PT,
                color=colour,
                va="center",
                fontweight="bold",
                annotation_clip=False,
                arrowprops={
                    "arrowstyle": "-",
                    "color": colour,
                    "linewidth": 0.5,
                    "shrinkA": 1.0,
                    "shrinkB": 0.5,
                },
            )
        )
    return texts


def _basket_chart(
    theme: Theme,
    snapshot: ThemeSnapshot,
    benchmark_name: str,
    text: ChartText,
    palette: Palette | None = None,
) -> Chart | None:
    palette = palette or theme_palette(theme, snapshot)
    basket, benchmark = snapshot.series.basket, snapshot.series.benchmark
    if not _has(basket):
        return None
    fig, ax = _figure(LINE_CHART_HEIGHT_IN)
    ax.axhline(100, color="#c9ced4", linewidth=0.7, zorder=1)
    ends: list[tuple[Any, float, str, str]] = []
    if _has(benchmark):
        ax.plot(
            benchmark.sessions,
            benchmark.values,
            color=palette.benchmark,
            linewidth=1.2,
            label=benchmark_name,
        )
        ends.append(
            (
                benchmark.sessions[-1],
                benchmark.values[-1],
                f"{benchmark.values[-1]:.1f}",
                palette.benchmark,
            )
        )
    ax.plot(
        basket.sessions,
        basket.values,
        color=palette.basket,
        linewidth=1.8,
        label=text.basket_legend,
    )
    ends.append(
        (basket.sessions[-1], basket.values[-1], f"{basket.values[-1]:.1f}", palette.basket)
    )
    sessions = basket.sessions + (benchmark.sessions if _has(benchmark) else [])
    _mark_events(ax, theme, min(sessions), max(sessions))
    _date_axis(ax, text)
    ax.set_ylabel(text.rebased_axis)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=2)
    _end_labels(fig, ax, ends)
    return Chart(
        name="basket-vs-benchmark",
        title=text.basket_title % {"bench": benchmark_name},
        caption=text.basket_caption,
        alt=text.basket_alt % {"bench": benchmark_name},
        png=_png(fig),
    )


def _constituents_chart(
    theme: Theme,
    snapshot: ThemeSnapshot,
    labels: dict[str, str],
    text: ChartText,
    palette: Palette | None = None,
) -> Chart | None:
    palette = palette or theme_palette(theme, snapshot)
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
    for symbol, series in drawn:
        ax.plot(
            series.sessions,
            series.values,
            color=palette.colour(symbol),
            linewidth=1.2,
            label=labels.get(symbol, symbol),
        )
    _mark_events(ax, theme, first, last)
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
        palette: Palette | None = None,
    ) -> None:
        self._args = (theme, snapshot)
        self._kwargs = {
            "labels": labels,
            "benchmark_name": benchmark_name,
            "text": text,
            "palette": palette,
        }
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
