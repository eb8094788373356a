"""Fill the view model (:mod:`concepttrack.render.view`) for one language.

``build_context(theme, snapshot, since_last, lang=...)`` is the entry point that
assembles a note's text. Each section of the note is one builder in
:mod:`concepttrack.render.sections` (registered in order); the builders write figures
through :class:`~concepttrack.render.formats.Formats` (per locale, Babel), fixed text
through the gettext catalog of the language (:mod:`concepttrack.render.i18n`),
sentences with grammar through the language's prose module
(:mod:`concepttrack.render.prose`), and the themes book's text resolved for the
language by :mod:`concepttrack.localize`. Markdown, HTML and PDF read the same context,
so they show the same text.

A figure from a symbol whose last bar is older than the as-of session is **stale**: its
text carries a dagger (``+3.2%†``) and the table explains it, so a stale number is never
presented as today's. The same holds for the concept basket: when no constituent has a
bar on the as-of session, the basket's figures end at its last session (see
:mod:`concepttrack.analytics.basket`) and every basket figure is marked, the key-figures
notes give the dates, and the paragraph says the basket has no prices for the session.
An excess return exists only over matching windows; when the benchmark has no bar on the
stock's or basket's last session it is shown as ``–`` and the note says why.

The English formatting functions (``fmt_pct`` ...) remain here for callers that format
one English figure.
"""

from __future__ import annotations

from collections.abc import Sequence

from concepttrack.analytics.consensus_model import DateAhead
from concepttrack.analytics.model import SinceLastNote, ThemeSnapshot
from concepttrack.languages import Colours, get_language
from concepttrack.localize import FieldUse, localize_theme
from concepttrack.render.chart_base import ChartText
from concepttrack.render.formats import MINUS, MISSING, STALE_MARK, formats_for
from concepttrack.render.i18n import translator
from concepttrack.render.messages import ORIGINAL_MARKS, reader_reason
from concepttrack.render.prose import prose_for
from concepttrack.render.sections import NoteInput, build_fields
from concepttrack.render.sections.base import Writer
from concepttrack.render.view import Figure, NoteContext, NoteFacts, Tone, note_facts
from concepttrack.render.view import tone as tone
from concepttrack.themes import Stock, Theme

__all__ = [
    "MINUS",
    "MISSING",
    "STALE_MARK",
    "Figure",
    "NoteContext",
    "Tone",
    "build_context",
    "chart_text",
    "fmt_date",
    "fmt_pct",
    "fmt_pct_abs",
    "fmt_pp",
    "fmt_pp_abs",
    "fmt_price",
    "fmt_ratio",
    "fmt_share",
    "localized_theme",
    "reader_reason",
    "tone",
]

# --- English formatting, kept for callers of the old functions ----------------------

_EN = formats_for("en")
fmt_pct = _EN.pct
fmt_pct_abs = _EN.pct_abs
fmt_share = _EN.share
fmt_pp = _EN.pp
fmt_pp_abs = _EN.pp_abs
fmt_price = _EN.price
fmt_ratio = _EN.ratio
fmt_date = _EN.date


# --- building -----------------------------------------------------------------------


def stock_label(stock: Stock, lang: str = "en") -> str:
    """Short label for legends and sentences: ``ZTE (00763)`` / ``中興通訊（00763）``."""
    return prose_for(lang).stock_label(stock.name, stock.display_code)


def localized_theme(
    theme: Theme, lang: str = "en", default_lang: str = "en"
) -> tuple[Theme, list[FieldUse]]:
    """The theme with every text in ``lang`` (marked where shown in another language)."""
    _ = translator(lang).gettext
    return localize_theme(
        theme,
        lang,
        default_lang,
        mark=lambda source: _(ORIGINAL_MARKS.get(source, ORIGINAL_MARKS["en"])),
    )


def build_context(
    theme: Theme,
    snapshot: ThemeSnapshot,
    since_last: SinceLastNote | None = None,
    *,
    lang: str = "en",
    default_lang: str = "en",
    colours: Colours | None = None,
    facts: NoteFacts | None = None,
    dates_ahead: Sequence[DateAhead] | None = None,
) -> NoteContext:
    """Format every figure of ``snapshot`` for ``theme`` in ``lang`` into a NoteContext.

    ``theme`` is the themes book's (any language); ``default_lang`` is the language of
    its plain text. ``facts`` (from :func:`~concepttrack.render.view.note_facts`) may be
    passed when several languages are written from one snapshot. ``dates_ahead``:
    results and ex-dividend dates the lead may announce (``analytics/lead.py``). Each section of the
    note is built by its own builder (:data:`concepttrack.render.sections.SECTIONS`).
    """
    local, uses = localized_theme(theme, lang, default_lang)
    writer = Writer(local, snapshot, lang)
    inp = NoteInput(
        raw_theme=theme,
        theme=local,
        uses=uses,
        snapshot=snapshot,
        since_last=since_last,
        facts=facts or note_facts(local, snapshot),
        w=writer,
        colours=colours or writer.lang.default_colours,
        dates_ahead=dates_ahead,
    )
    return NoteContext(**build_fields(inp))


def chart_text(lang: str = "en", colours: Colours | None = None) -> ChartText:
    """The charts' words and colours for a language (English green-up is the default)."""
    from concepttrack.render.typography import up_down

    language = get_language(lang)
    colours = colours or language.default_colours
    _ = translator(language.code).gettext
    up, down = up_down(colours)
    return ChartText(
        basket_legend=_("Concept basket"),
        rebased_axis=_("Rebased (event base = 100)"),
        basket_title=_("Concept basket vs %(bench)s"),
        basket_caption=_(
            "Buy-and-hold basket and benchmark, rebased to 100 at the close before the "
            "event; dashed line: event, dotted lines: other catalysts."
        ),
        basket_alt=_("Line chart of the concept basket against %(bench)s, rebased to 100"),
        constituents_title=_("Constituents since the event"),
        constituents_caption=_(
            "Each constituent's adjusted close, rebased to 100 at the close before the event."
        ),
        constituents_alt=_("Line chart of each constituent rebased to 100 at the event base"),
        returns_title=_("Return since the event, by constituent"),
        returns_caption=(
            _("Adjusted-close return from the close before the event; red up, green down.")
            if colours == "red-up"
            else _("Adjusted-close return from the close before the event; green up, red down.")
        ),
        returns_alt=_("Bar chart of each constituent's return since the event"),
        reaction_title=_("Abnormal returns around the event: %(title)s"),
        reaction_caption=_(
            "Sum of daily abnormal returns (market model against the %(bench)s) from five "
            "sessions before each security's event bar; dashed line: the event bar. A line "
            "stops where a window is not complete yet."
        ),
        reaction_alt=_(
            "Line chart of the cumulative abnormal return of the basket and each stock around "
            "the main event"
        ),
        reaction_x_axis=_("Sessions from the event bar (t0)"),
        reaction_y_axis=_("Cumulative abnormal return"),
        up=up,
        down=down,
        cjk_families=language.sans,
        label_width=16 if language.is_chinese else 32,
        # Chinese axes: 2025年, 7月, 7月15日 (no English month abbreviations).
        date_formats=("%Y年", "%-m月", "%-d日", "%H:%M", "%H:%M", "%S.%f")
        if language.is_chinese
        else (),
        zero_date_formats=("", "%Y年", "%-m月", "%-m月%-d日", "%H:%M", "%H:%M")
        if language.is_chinese
        else (),
    )
