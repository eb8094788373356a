"""The note's view of valuation, weighting scheme and currency (issue 11), as display text.

:func:`build_valuation_view` turns a snapshot's ``valuation`` figures into a
:class:`ValuationView` that the templates show in clearly delimited blocks: extra
columns of the constituents table (market cap in the stock's currency, P/E, P/B,
dividend yield, and the theme-currency since-event return of a foreign stock), a
basket row of aggregates, a line naming the weighting scheme (with the equal-weight
basket beside it) and the currency, plus definitions for the methodology appendix
and lines for the data appendix. No arithmetic beyond formatting happens here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from concepttrack.analytics.model import ThemeSnapshot
from concepttrack.analytics.valuation import StockValuation, ValuationFigures
from concepttrack.render.context import (
    MISSING,
    Figure,
    fmt_date,
    fmt_pct,
    fmt_ratio,
    fmt_share,
    tone,
)
from concepttrack.render.messages import reader_reason, source_label
from concepttrack.render.view import Definition
from concepttrack.themes import Theme

#: How amounts are prefixed, as a Hong Kong reader writes them.
CURRENCY_SIGNS = {"HKD": "HK$", "USD": "US$", "CNY": "CN¥", "EUR": "€", "GBP": "£", "JPY": "JP¥"}
SCHEME_NAMES = {
    "equal": "equal weights",
    "custom": "custom weights from the themes book",
    "cap": "market-cap weights",
    "capped": "capped market-cap weights",
}


def fmt_amount(value: float | None, currency: str | None) -> str:
    """A large amount with its currency sign: 1.51e12 HKD -> ``HK$1.51tn``."""
    if value is None:
        return MISSING
    sign = CURRENCY_SIGNS.get(currency or "", f"{currency} " if currency else "")
    for size, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"{sign}{value / size:.2f}{unit}"
    return f"{sign}{value:,.0f}"


def fmt_multiple(value: float | None) -> str:
    """A valuation multiple with one decimal: ``18.4``."""
    return MISSING if value is None else fmt_ratio(value, 1)


@dataclass(frozen=True)
class ValuationRow:
    """The valuation cells of one constituents-table row."""

    market_cap: str
    date: str
    trailing_pe: str
    price_to_book: str
    dividend_yield: str
    #: The since-event return in the theme currency ("" when the stock is in it).
    theme_return: Figure | None


@dataclass(frozen=True)
class ValuationView:
    """What the note's issue-11 blocks show; every value is display text."""

    currency: str
    #: True when the source gave fundamentals: the table gains the valuation columns.
    show_fundamentals: bool
    #: True when some constituent is in another currency (its row shows both returns).
    show_theme_returns: bool
    rows: list[ValuationRow]
    basket_row: ValuationRow
    #: "Weighting: market-cap weights fixed at 15 Feb 2024 · equal-weight basket +3.1 %";
    #: "" for plain equal weights.
    scheme_line: str
    #: "Basket measured in HKD; converted with CNYHKD=X ..."; "" for an HKD-only basket.
    currency_line: str
    table_notes: list[str] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    data_notes: list[str] = field(default_factory=list)


def _row(stock: StockValuation, theme_currency: str, stale: bool) -> ValuationRow:
    theme_return = None
    if stock.fx_symbol is not None:
        value = stock.since_event_theme
        text = fmt_pct(value) + ("\N{DAGGER}" if stale and value is not None else "")
        theme_return = Figure(f"{theme_currency} {text}", tone(value), stale)
    return ValuationRow(
        market_cap=fmt_amount(stock.market_cap, stock.market_cap_currency),
        date=fmt_date(stock.date) if stock.date else "",
        trailing_pe=fmt_multiple(stock.trailing_pe),
        price_to_book=fmt_multiple(stock.price_to_book),
        dividend_yield=fmt_share(stock.dividend_yield),
        theme_return=theme_return,
    )


def _age(fetched: dt.date | None) -> str:
    return "never fetched" if fetched is None else f"fetched {fmt_date(fetched)}"


def build_valuation_view(theme: Theme, snapshot: ThemeSnapshot) -> ValuationView | None:
    """The view of ``snapshot.valuation``; None when the snapshot has none."""
    figures: ValuationFigures | None = snapshot.valuation
    if figures is None:
        return None
    currency = figures.currency
    labels = {s.symbol: f"{s.display_code} {s.name}" for s in theme.stocks}
    stale = {f.symbol: f.status.status == "stale" for f in snapshot.stocks}
    rows = [_row(s, currency, stale.get(s.symbol, False)) for s in figures.stocks]
    agg = figures.basket
    basket_row = ValuationRow(
        market_cap=fmt_amount(agg.market_cap, currency),
        date="",
        trailing_pe=fmt_multiple(agg.trailing_pe),
        price_to_book=fmt_multiple(agg.price_to_book),
        dividend_yield=fmt_share(agg.dividend_yield),
        theme_return=None,
    )

    weighting = figures.weighting
    scheme = SCHEME_NAMES.get(weighting.scheme, weighting.scheme)
    if weighting.scheme == "capped" and weighting.cap is not None:
        scheme += f" (no stock above {fmt_share(weighting.cap)})"
    scheme_line = (
        f"Weighting: {scheme}, fixed at the close of {fmt_date(snapshot.basket.base_session)}"
    )
    if weighting.fallback:
        scheme_line += f" — {weighting.fallback}"
    if weighting.scheme != "equal":
        scheme_line += (
            f" · since event this basket {fmt_pct(snapshot.basket.returns.since_event)}, "
            f"equal-weight basket {fmt_pct(weighting.equal_since_event)}"
        )
    if weighting.scheme == "equal" and not weighting.fallback:
        scheme_line = ""  # the methodology's "Concept basket" already says so
    foreign = [s for s in figures.stocks if s.fx_symbol is not None]
    currency_line = f"Basket measured in {currency}"
    if figures.fx:
        pairs = "; ".join(
            f"{fx.symbol} {fmt_ratio(fx.last_rate, 4)} on {fmt_date(fx.last_session)}"
            for fx in figures.fx
        )
        currency_line += f"; converted with {pairs}"

    if not figures.fx and currency == "HKD":
        currency_line = ""  # the usual case: nothing to convert
    table_notes: list[str] = []
    if foreign:
        table_notes.append(
            "Returns are in each stock's own currency; for "
            + ", ".join(labels.get(s.symbol, s.symbol) for s in foreign)
            + f" the since-event return is also shown in {currency}, and the excess, "
            f"weight and contribution are in {currency}."
        )
    if figures.fundamentals_available:
        table_notes.append(
            "Market cap in the stock's currency (dated below); trailing P/E and yield; basket "
            "row: see methodology."
        )
    for symbol, why in weighting.left_out.items():
        table_notes.append(f"{labels.get(symbol, symbol)} is left out: {why}.")

    definitions: list[Definition] = []
    if weighting.scheme in ("cap", "capped"):
        capped = (
            " Capped: every weight above the cap is set to it and the excess shared pro rata "
            "among the others, repeated until none is above."
            if weighting.scheme == "capped"
            else ""
        )
        definitions.append(
            Definition(
                "Cap weights",
                "Fixed at the event base: market cap = shares outstanding (latest fundamentals "
                "on or before the base, else the earliest after it; see the data appendix) × "
                "base-session traded close × FX, normalised. A stock without shares is left "
                "out and named." + capped,
            )
        )
    if foreign or figures.fx:
        definitions.append(
            Definition(
                "Theme currency",
                f"Basket, contributions and excess are in {currency}: a stock in another "
                "currency is valued each session at its latest close on or before it times "
                "the latest FX close on or before it (CNYHKD=X = HKD per CNY), so FX moves it "
                "even when its market is shut.",
            )
        )
    if figures.fundamentals_available:
        definitions.append(
            Definition(
                "Valuation",
                "Latest fundamentals on or before the as-of. Basket: caps summed in "
                f"{currency}; P/E, P/B = 1 / Σ(w / ratio); yield = Σ w × yield; w = holding "
                "weights on its last session over the stocks with the figure.",
            )
        )

    data_notes: list[str] = []
    if figures.fundamentals_available:
        dated = sorted({s.date for s in figures.stocks if s.date is not None})
        fetched = [s.fetched_on for s in figures.stocks if s.fetched_on is not None]
        origin = figures.fundamentals_source or snapshot.source
        line = "Fundamentals: " + (
            "DEMO (synthetic)"
            if origin == "demo"
            else "Yahoo Finance quote summary"
            if origin == "yahoo"
            else f"fundamentals.csv of the {source_label(origin)}"
        )
        if dated:
            line += f", dated {fmt_date(dated[0])}"
            if dated[-1] != dated[0]:
                line += f" to {fmt_date(dated[-1])}"
        if fetched:
            line += f"; {_age(max(fetched))}"
        data_notes.append(line + ".")
        for stock in figures.stocks:
            if stock.problem:
                have = (
                    f"figures shown are from {fmt_date(stock.date)}, {_age(stock.fetched_on)}"
                    if stock.date is not None
                    else "no figures shown (–)"
                )
                data_notes.append(
                    f"Fundamentals of {labels.get(stock.symbol, stock.symbol)}: "
                    f"{reader_reason(stock.problem)}; {have}."
                )
    elif figures.fundamentals_note:
        data_notes.append(f"Fundamentals: none ({figures.fundamentals_note}).")
    for fx in figures.fx:
        where = f" ({reader_reason(fx.reason)})" if fx.reason else ""
        data_notes.append(
            f"FX {fx.symbol}: {fmt_ratio(fx.base_rate, 4)} at the base "
            f"({fmt_date(fx.base_session)}), {fmt_ratio(fx.last_rate, 4)} on "
            f"{fmt_date(fx.last_session)}, the latest on or before the basket's last "
            f"session{where}."
        )
    for symbol, used in weighting.inputs.items():
        data_notes.append(
            f"Cap weight of {labels.get(symbol, symbol)}: {used.shares_outstanding:,.0f} shares "
            f"(fundamentals of {fmt_date(used.shares_date)}, {used.shares_rule}) × close "
            f"{used.base_close:,.3f}"
            + (f" × FX {used.fx_rate:.4f}" if used.fx_rate != 1.0 else "")
            + f" = {fmt_amount(used.market_cap, currency)}; weight "
            f"{fmt_share(weighting.target_weights.get(symbol))}."
        )
    return ValuationView(
        currency=currency,
        show_fundamentals=figures.fundamentals_available,
        show_theme_returns=bool(foreign),
        rows=rows,
        basket_row=basket_row,
        scheme_line=scheme_line,
        currency_line=currency_line,
        table_notes=table_notes,
        definitions=definitions,
        data_notes=data_notes,
    )
