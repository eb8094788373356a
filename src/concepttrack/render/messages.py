"""The note's fixed English text, marked for the gettext catalogs, and the words of
data sources and of the reasons (``concepttrack.reasons``) in the note's language.

Every string here is a catalog ``msgid`` (marked ``N_`` where it is translated later):
benchmark names, exposure kinds, the methodology appendix, the colour legend, the
disclaimer, the "(English original)" mark. The reasons the price and analytics layers
give for stale, missing or unstudied data are codes with parameters; their msgids live
in ``concepttrack.reasons`` and :func:`reason_text` words them. To change a text: edit it
here, then update the catalogs (``docs/architecture.md``, "Adding or changing a message").
"""

from __future__ import annotations

import datetime as dt

from concepttrack.prices.registry import CHAIN_LABEL, source_entry
from concepttrack.reasons import MESSAGES
from concepttrack.reasons import N_ as N_
from concepttrack.reasons import Reason as Reason
from concepttrack.render.formats import MISSING, formats_for
from concepttrack.render.i18n import translator

#: Display names of benchmarks a Hong Kong reader knows; others show their symbol.
BENCHMARK_NAMES: dict[str, tuple[str, str]] = {
    "^HSI": (N_("Hang Seng Index"), N_("HSI")),
    "^HSCE": (N_("Hang Seng China Enterprises Index"), N_("HSCEI")),
    "^HSTECH": (N_("Hang Seng TECH Index"), N_("HSTECH")),
    "000300.SS": (N_("CSI 300"), N_("CSI 300")),
}
EXPOSURE = {
    "core": N_("Core"),
    "supplier": N_("Supplier"),
    "infrastructure": N_("Infrastructure"),
    "platform": N_("Platform"),
    "indirect": N_("Indirect"),
}
#: The mark after a themes-book text shown in another language than the note's.
ORIGINAL_MARKS = {
    "en": N_(" (English original)"),
    "zh-hk": N_(" (Traditional Chinese original)"),
    "zh-cn": N_(" (Simplified Chinese original)"),
    "zh": N_(" (Chinese original)"),
}


#: The methodology appendix: (term, definition) in English, translated by the catalogs.
#: ``%(bench)s`` is the benchmark's short name, ``%(mark)s`` the stale mark.
METHODOLOGY: list[tuple[str, str]] = [
    (
        N_("Prices"),
        N_(
            "Returns use adjusted closes (dividends and splits); the price shown is the "
            "traded close. Each symbol's returns use its own trading sessions."
        ),
    ),
    (
        N_("Window return"),
        N_(
            "Close today divided by the close on the base session, minus 1. Base: 1D the "
            "previous bar; 5D five bars back; 1M, 3M, 6M, 1Y the last bar on or before the "
            "as-of date minus 1, 3, 6 or 12 calendar months; YTD the last bar of the previous "
            "calendar year; since event the last bar strictly before the event date (the "
            "close before the news). No base in the data: shown as –, never guessed."
        ),
    ),
    (
        N_("Excess return"),
        N_(
            "The stock's or basket's window return minus the %(bench)s's over the "
            "same window, in percentage points (pp). The window ends on the stock's (or "
            "basket's) last session; for a stale stock the %(bench)s is measured to "
            "that same session. When the %(bench)s has no bar on that session (its "
            "data ends earlier), its return to it does not exist and the excess is shown as "
            "–, never taken over a window ending on another day."
        ),
    ),
    (
        N_("Concept basket"),
        N_(
            "Equal weights unless the themes book gives weights (normalised to sum to 1). "
            "Bought at the event base session and held: shares = weight × 100 / base price, "
            "level = sum of shares × price, so the level is 100 at the base. A constituent "
            "with no bar on a session carries its last price; one with no price at the base "
            "is left out and named."
        ),
    ),
    (
        N_("Basket last session"),
        N_(
            "The latest session on or before the as-of session on which at least one "
            "constituent has a real (not carried) bar. The basket's returns, level, risk "
            "figures and chart end there, as a stale stock's end at its last bar. When it is "
            "before the as-of session the basket is stale: its figures are marked %(mark)s "
            "and are not today's. Otherwise constituents without a bar that day are carried "
            "at their last price and named."
        ),
    ),
    (
        N_("Contribution"),
        N_(
            "Weight × the stock's since-event return; contributions add up to the basket's "
            "since-event return."
        ),
    ),
    (
        N_("Volatility 1Y"),
        N_(
            "Sample standard deviation of the last 252 daily returns, times √252; not shown "
            "with fewer than 20 returns."
        ),
    ),
    (
        N_("Max drawdown since event"),
        N_(
            "The lowest value of price / running peak − 1 since the event base, with the "
            "peak and trough sessions."
        ),
    ),
    (
        N_("Beta and correlation 1Y"),
        N_(
            "Against the %(bench)s, on the dates both have, over the last 252 of "
            "the stock's daily returns: beta = cov(stock, benchmark) / var(benchmark), both "
            "sample (n − 1) estimates."
        ),
    ),
    (
        N_("52-week high / low"),
        N_(
            "Highest / lowest traded close over the 365 calendar days to the as-of session; "
            "the table shows today's distance below the high."
        ),
    ),
    (
        N_("Volume ratio (量比) and turnover"),
        N_(
            "Today's volume divided by the average volume of the previous 5 bars. Turnover: "
            "mean traded close × volume of the last 20 bars (m = million, bn = billion)."
        ),
    ),
    (
        N_("Breadth"),
        N_(
            "Risers, fallers and unchanged on the as-of session among constituents with a bar "
            "that day; the number of those above their 20- and 50-bar moving averages of "
            "the traded close. The leader and laggard today are among constituents with a bar "
            "that day; the leader and laggard since the event rank every constituent with a "
            "since-event return, stale ones included (marked %(mark)s, as of their last "
            "bar)."
        ),
    ),
    (
        N_("Data status"),
        N_(
            "Fresh: a bar on the as-of session (or, for a stock of another market, on that "
            "market's last session before it when it was closed). Stale: the last bar is older "
            "(figures marked %(mark)s are from that bar; for the basket, from its last session). "
            "Missing: no usable prices."
        ),
    ),
]

COLOUR_CONVENTIONS: dict[str, str] = {
    "green-up": N_(
        "Colours: green = up, red = down, the Hong Kong and international convention "
        "(mainland-China screens use the reverse: red = up)."
    ),
    "red-up": N_(
        "Colours: red = up, green = down, the mainland-China convention (Hong Kong and "
        "international screens use the reverse: green = up)."
    ),
}
COLOUR_CONVENTION = COLOUR_CONVENTIONS["green-up"]

DISCLAIMER = N_(
    "This note is generated automatically from public price data and a themes book for "
    "information only. It is not investment advice, an offer or a solicitation to buy or "
    "sell any security, and it does not take into account any reader's objectives, "
    "financial situation or needs. Past performance is not a reliable indicator of future "
    "results. Prices may be delayed, adjusted or incomplete; check the data appendix. "
    "Broker views are summarised and attributed to their authors; they are not the "
    "views of the publisher of this note."
)
KICKER = N_("Concept tracking")
KICKER_ZH = "概念股追蹤"  # beside the English kicker: Hong Kong Traditional


#: How a cap weight's share count was chosen (``analytics/weights.py``, ``shares_rule``).
SHARES_RULES = (N_("on or before base"), N_("after base"))


#: Themes-book sections, for the appendix line that lists converted fields.
SECTIONS = {
    "title": N_("title"),
    "thesis": N_("thesis"),
    "event": N_("event"),
    "catalysts": N_("catalysts"),
    "views": N_("broker views"),
    "risks": N_("risks"),
    "stocks": N_("stock names and notes"),
}
LANGUAGE_NAMES = {
    "en": N_("English"),
    "zh-hk": N_("Traditional Chinese"),
    "zh-cn": N_("Simplified Chinese"),
    "zh": N_("Chinese"),
}


def benchmark_names(symbol: str, lang: str = "en") -> tuple[str, str]:
    """(long name, short name) of a benchmark: ``("Hang Seng Index", "HSI")``."""
    _ = translator(lang).gettext
    long, short = BENCHMARK_NAMES.get(symbol, (symbol, symbol))
    return (_(long), _(short)) if symbol in BENCHMARK_NAMES else (long, short)


def source_label(source: str, lang: str = "en") -> str:
    """A reader-facing name of the price source (``yahoo`` -> ``Yahoo Finance``)."""
    _ = translator(lang).gettext
    members = [part.strip() for part in source.split(",") if part.strip()]
    if len(members) > 1:
        names = " → ".join(source_label(member, lang) for member in members)
        return _(CHAIN_LABEL) % {"sources": names}
    entry = source_entry(source)
    if entry is None:
        return source
    message, values = entry.label_for(source)
    return _(message) % values


def reason_text(why: Reason, lang: str = "en") -> str:
    """A reason (``concepttrack.reasons``) in the note's language, from the catalogs.

    Dates are written the note's way, a source id by its reader-facing label (a local
    folder by its name only), a nested reason in the same language:
    ``reason("no_data_after", source="csv:/srv/data/hk-prices", date=...)`` reads
    ``no data from CSV price files (hk-prices) after 18 Jul 2025``. The JSON twin's
    English text is this function with ``lang="en"``.
    """
    fmt = formats_for(lang)
    _ = translator(lang).gettext
    values: dict[str, str] = {}
    for name, value in why.params:
        if isinstance(value, Reason):
            values[name] = reason_text(value, lang)
        elif value is None:
            values[name] = MISSING
        elif isinstance(value, dt.date):
            values[name] = fmt.date(value)
        elif name == "source" and isinstance(value, str):
            values[name] = source_label(value, lang)
        elif isinstance(value, float):
            values[name] = f"{100 * value:.0f}%"
        else:
            values[name] = str(value)
    return _(MESSAGES[why.code]) % values


#: The former name: a data-status reason as a client reads it.
reader_reason = reason_text
