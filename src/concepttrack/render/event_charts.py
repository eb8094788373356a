"""The event-study chart: cumulative abnormal returns around the main event.

Drawn from the :class:`~concepttrack.analytics.event_model.ArPoint` paths the analytics
computed (``cumulative``: the sum of AR from ``t0-5``), for the basket and each stock, on
bar offsets ``-5 .. +20`` from each security's event bar. No arithmetic beyond scaling
fractions to percent. Called by :func:`concepttrack.render.charts.render_charts` inside
its matplotlib style context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from concepttrack.render.chart_base import (
    EVENT,
    LINE_CHART_HEIGHT_IN,
    Chart,
    ChartText,
    Palette,
    _figure,
    _legend_columns,
    _png,
    theme_palette,
)
from concepttrack.render.events_view import CHART_NAME

if TYPE_CHECKING:
    from concepttrack.analytics.event_model import ArPoint
    from concepttrack.analytics.model import ThemeSnapshot
    from concepttrack.themes import Theme

EVENT_LINE = EVENT


def _points(path: list[ArPoint]) -> tuple[list[int], list[float]]:
    kept = [(p.offset, 100.0 * p.cumulative) for p in path if p.cumulative is not None]
    return [o for o, _ in kept], [v for _, v in kept]


def _pct_axis() -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: int) -> str:
        return f"{value:+.1f}%".replace("-", "\N{MINUS SIGN}") if abs(value) > 1e-9 else "0%"

    return FuncFormatter(fmt)


def reaction_chart(
    theme: Theme,
    snapshot: ThemeSnapshot,
    labels: dict[str, str],
    benchmark_name: str,
    text: ChartText | None = None,
    palette: Palette | None = None,
) -> Chart | None:
    """Cumulative AR of the basket and each stock from ``t0-5`` to ``t0+20``; None without data.

    ``theme`` is the themes book in the note's language (the title names its event);
    ``text`` gives the chart's words (English by default); ``palette`` each security's
    colour, the note's (the same as in the other charts; by default the theme's).
    """
    text = text or ChartText()
    palette = palette or theme_palette(theme, snapshot)
    main = snapshot.events.main
    if main is None:
        return None
    basket_x, basket_y = _points(main.basket.ar_path)
    stocks = [
        (study.symbol, xs, ys)
        for study in main.stocks
        if study.studied
        for xs, ys in [_points(study.ar_path)]
        if len(xs) >= 2
    ]
    if len(basket_x) < 2 and not stocks:
        return None
    first, last = snapshot.events.path_offsets
    fig, ax = _figure(LINE_CHART_HEIGHT_IN)
    ax.axhline(0, color="#c9ced4", linewidth=0.7, zorder=1)
    ax.axvline(0, color=EVENT_LINE, linewidth=0.9, linestyle="--", zorder=1)
    for symbol, xs, ys in stocks:
        ax.plot(
            xs, ys, color=palette.colour(symbol), linewidth=1.0, label=labels.get(symbol, symbol)
        )
    if len(basket_x) >= 2:
        ax.plot(
            basket_x,
            basket_y,
            color=palette.basket,
            linewidth=2.0,
            label=text.basket_legend,
            zorder=5,
        )
    # The basket first in the legend, then the stocks in book order.
    handles, names = ax.get_legend_handles_labels()
    if len(basket_x) >= 2:
        handles, names = handles[-1:] + handles[:-1], names[-1:] + names[:-1]
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_xticks(list(range(first, last + 1, 5)))
    ax.set_xlabel(text.reaction_x_axis)
    ax.set_ylabel(text.reaction_y_axis)
    ax.yaxis.set_major_formatter(_pct_axis())
    ax.legend(
        handles,
        names,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.2),
        ncol=_legend_columns(names),
    )
    return Chart(
        name=CHART_NAME,
        title=text.reaction_title % {"title": theme.event.title},
        caption=text.reaction_caption % {"bench": benchmark_name},
        alt=text.reaction_alt,
        png=_png(fig),
    )
