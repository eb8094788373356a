"""The note's fixed English text, marked for the gettext catalogs, and the words of
data sources and data-status reasons.

Every string here is a catalog ``msgid`` (marked ``N_`` where it is translated later):
benchmark names, exposure kinds, the methodology appendix, the colour legend, the
disclaimer, the "(English original)" mark, and the reasons the price and analytics layers
write for stale or missing data (translated by pattern, so a Chinese note does not show
``no bar since 2025-07-10``). To change a text: edit it here, then update the catalogs
(``docs/architecture.md``, "Adding or changing a message").
"""

from __future__ import annotations

import datetime as dt
import re

from concepttrack.languages import get_language
from concepttrack.prices.registry import source_entry
from concepttrack.render.formats import formats_for
from concepttrack.render.i18n import translator


def N_(message: str) -> str:
    """Mark a message for the catalogs without translating it here (gettext convention)."""
    return message


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
            "mean traded close × volume of the last 20 bars (M = million)."
        ),
    ),
    (
        N_("Breadth"),
        N_(
            "Risers, fallers and unchanged on the as-of session among constituents with a bar "
            "that day; share of constituents above their 20- and 50-bar moving averages of "
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
KICKER_ZH = "概念股追踪"


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
    entry = source_entry(source)
    if entry is None:
        return source
    message, values = entry.label_for(source)
    return _(message) % values


_CSV_FOLDER = re.compile(r"CSV folder (\S+?)(?=[\s;,)]|$)")
_ABS_PATH = re.compile(r"(?<![\w.:/\\])(?:[A-Za-z]:)?(?:[/\\][^\s/\\;,()]+)+[/\\]?")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


#: Data-status reasons the analytics and price layers write (English), as catalog
#: messages: (pattern, message). Groups named ``date``/``base``/``first`` are ISO dates.
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^no price data$"), N_("no price data")),
    (re.compile(r"^zero weight$"), N_("zero weight")),
    (re.compile(r"^no data$"), N_("no data")),
    (re.compile(r"^not in the cache \(offline\)$"), N_("not in the cache (offline)")),
    (
        re.compile(
            r"^no price at the event base session (?P<base>\S+) \(first bar (?P<first>\S+)\)$"
        ),
        N_("no price at the event base session %(base)s (first bar %(first)s)"),
    ),
    (
        re.compile(r"^no bar since (?P<date>\S+) \(suspended or late data\)$"),
        N_("no bar since %(date)s (suspended or late data)"),
    ),
    (
        re.compile(r"^no data from (?P<source>.+?) after (?P<date>\d{4}-\d{2}-\d{2})$"),
        N_("no data from %(source)s after %(date)s"),
    ),
    # The event study's reasons (analytics/events.py).
    (
        re.compile(
            r"^the catalyst \((?P<date>\S+)\) is after the as-of session \((?P<as_of>\S+)\)$"
        ),
        N_("the catalyst (%(date)s) is after the as-of session (%(as_of)s)"),
    ),
    (re.compile(r"^no returns in the price data$"), N_("no returns in the price data")),
    (
        re.compile(
            r"^the estimation window lies before the data: the prices start on (?P<date>\S+), "
            r"after the catalyst$"
        ),
        N_(
            "the estimation window lies before the data: the prices start on %(date)s, after "
            "the catalyst"
        ),
    ),
    (
        re.compile(r"^no bar on or after (?P<date>\S+) \(last bar (?P<last>\S+)\)$"),
        N_("no bar on or after %(date)s (last bar %(last)s)"),
    ),
    (
        re.compile(
            r"^the estimation window \(to (?P<end>\S+)\) lies before the data: (?P<why>.+)$"
        ),
        N_("the estimation window (to %(end)s) lies before the data: %(why)s"),
    ),
    (
        re.compile(r"^the estimation window lies before the data: (?P<why>.+)$"),
        N_("the estimation window lies before the data: %(why)s"),
    ),
    (
        re.compile(
            r"^the prices start on (?P<date>\S+), fewer than (?P<bars>\d+) bars before the event$"
        ),
        N_("the prices start on %(date)s, fewer than %(bars)s bars before the event"),
    ),
    (re.compile(r"^the benchmark has no returns$"), N_("the benchmark has no returns")),
    (
        re.compile(r"^the benchmark's returns start on (?P<date>\S+)$"),
        N_("the benchmark's returns start on %(date)s"),
    ),
    (
        re.compile(
            r"^not enough history: (?P<n>\d+) return pairs in the estimation window "
            r"\((?P<start>\S+) to (?P<end>\S+)\), (?P<needed>\d+) needed$"
        ),
        N_(
            "not enough history: %(n)s return pairs in the estimation window (%(start)s to "
            "%(end)s), %(needed)s needed"
        ),
    ),
    (
        re.compile(
            r"^the market model has no estimate: the benchmark's \(or the residual\) returns "
            r"do not vary in the estimation window$"
        ),
        N_(
            "the market model has no estimate: the benchmark's (or the residual) returns do not "
            "vary in the estimation window"
        ),
    ),
    (
        re.compile(
            r"^window not yet complete: (?P<have>\d+) of (?P<length>\d+) bars to (?P<date>\S+)$"
        ),
        N_("window not yet complete: %(have)s of %(length)s bars to %(date)s"),
    ),
    (
        re.compile(r"^no benchmark return on (?P<date>\S+), so no abnormal return$"),
        N_("no benchmark return on %(date)s, so no abnormal return"),
    ),
    (
        re.compile(r"^no return on (?P<date>\S+), so no abnormal return$"),
        N_("no return on %(date)s, so no abnormal return"),
    ),
    # Weights and fundamentals (analytics/weights.py, prices/fundamentals.py).
    (
        re.compile(r"^no FX close at the base session for its market cap$"),
        N_("no FX close at the base session for its market cap"),
    ),
    (
        re.compile(r"^no shares outstanding in its fundamentals, needed for cap weights$"),
        N_("no shares outstanding in its fundamentals, needed for cap weights"),
    ),
    (re.compile(r"^on or before base$"), N_("on or before base")),
    (re.compile(r"^after base$"), N_("after base")),
    (
        re.compile(r"^no base session, so no market caps: equal weights$"),
        N_("no base session, so no market caps: equal weights"),
    ),
    (
        re.compile(r"^no stock has shares outstanding in its fundamentals: equal weights$"),
        N_("no stock has shares outstanding in its fundamentals: equal weights"),
    ),
    (
        re.compile(
            r"^only (?P<n>\d+) stocks have market caps, too few for a (?P<cap>\d+%) cap: "
            r"equal weights$"
        ),
        N_("only %(n)s stocks have market caps, too few for a %(cap)s cap: equal weights"),
    ),
    (
        re.compile(r"^the figures describe (?P<date>\S+), after this session$"),
        N_("the figures describe %(date)s, after this session"),
    ),
    (
        re.compile(
            r"^not refreshed this run \(at most (?P<n>\d+) fundamentals requests per run\)$"
        ),
        N_("not refreshed this run (at most %(n)s fundamentals requests per run)"),
    ),
    (
        re.compile(r"^no fundamentals\.csv in the price folder$"),
        N_("no fundamentals.csv in the price folder"),
    ),
    (
        re.compile(r"^no fundamentals from (?P<source>.+)$"),
        N_("no fundamentals from %(source)s"),
    ),
    (
        re.compile(r"^(?P<source>.+?) has no fundamentals for it$"),
        N_("%(source)s has no fundamentals for it"),
    ),
    (
        re.compile(r"^(?P<source>.+?) offers no fundamentals$"),
        N_("%(source)s offers no fundamentals"),
    ),
    (re.compile(r"^no answer from (?P<source>.+)$"), N_("no answer from %(source)s")),
    # FX series of a stock in another currency (analytics/valuation.py, basket.py).
    (re.compile(r"^FX series missing: (?P<why>.+)$"), N_("FX series missing: %(why)s")),
    (
        re.compile(
            r"^FX series (?P<pair>\S+) missing \((?P<why>.+)\), so no (?P<currency>[A-Z]{3}) value$"
        ),
        N_("FX series %(pair)s missing (%(why)s), so no %(currency)s value"),
    ),
    (re.compile(r"^no FX close since (?P<date>\S+)$"), N_("no FX close since %(date)s")),
    (
        re.compile(r"^no FX close on or before the event base session (?P<date>\S+)$"),
        N_("no FX close on or before the event base session %(date)s"),
    ),
]


def _known_reason(reason: str, lang: str) -> str | None:
    """A known reason in the note's language (None when it is not one we know)."""
    fmt = formats_for(lang)
    _ = translator(lang).gettext
    for pattern, message in _REASONS:
        match = pattern.match(reason)
        if match is None:
            continue
        values: dict[str, str] = {}
        for key, value in match.groupdict().items():
            if key == "source":
                values[key] = value
                continue
            if key == "why":  # a reason inside a reason
                values[key] = _known_reason(value, lang) or value
                continue
            try:
                values[key] = fmt.date(dt.date.fromisoformat(value))
            except ValueError:
                values[key] = value
        return _(message) % values
    return None


def reader_reason(reason: str, lang: str = "en") -> str:
    """A data-status reason as a client may read it: no local paths, note-style dates.

    ``no data from CSV folder /srv/data/hk-prices after 2025-07-18`` becomes
    ``no data from CSV price files (hk-prices) after 18 Jul 2025``; in another language
    the reasons the code writes are translated through the catalog.
    """
    fmt = formats_for(lang)
    if get_language(lang).is_chinese:
        reason = _CSV_FOLDER.sub(lambda m: source_label(f"csv:{m[1]}", lang), reason)
        reason = _ABS_PATH.sub(
            lambda m: m[0].rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1], reason
        )
        known = _known_reason(reason, lang)
        if known is not None:
            return known

    def _date(match: re.Match[str]) -> str:
        try:
            return fmt.date(dt.date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    text = _CSV_FOLDER.sub(lambda m: source_label(f"csv:{m[1]}", lang), reason)
    text = _ABS_PATH.sub(lambda m: m[0].rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1], text)
    return _ISO_DATE.sub(_date, text)
