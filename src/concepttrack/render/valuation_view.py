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
from collections.abc import Callable
from dataclasses import dataclass, field

from concepttrack.analytics.model import ThemeSnapshot
from concepttrack.analytics.valuation_model import StockValuation, ValuationFigures
from concepttrack.prices.registry import fundamentals_label
from concepttrack.render.formats import Formats, formats_for
from concepttrack.render.i18n import translator
from concepttrack.render.messages import N_, Reason, reader_reason, source_label
from concepttrack.render.view_base import Definition, Figure, tone
from concepttrack.themes import Theme

SCHEME_NAMES = {
    "equal": N_("equal weights"),
    "custom": N_("custom weights from the themes book"),
    "cap": N_("market-cap weights"),
    "capped": N_("capped market-cap weights"),
}


def fmt_amount(value: float | None, currency: str | None, fmt: Formats | None = None) -> str:
    """A large amount with its currency, the note's one amount style (:meth:`Formats.amount`).

    1.51e12 HKD -> ``HK$1.51tn`` / ``1.51萬億港元`` / ``1.51万亿港元``.
    """
    return (fmt or formats_for("en")).amount(value, currency)


def fmt_multiple(value: float | None, fmt: Formats | None = None) -> str:
    """A valuation multiple with one decimal: ``18.4``."""
    return (fmt or formats_for("en")).ratio(value, 1)


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


class _Text:
    """The blocks' words in one language: catalog and formats."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._: Callable[[str], str] = translator(lang).gettext
        self.fmt = formats_for(lang)

    def reason(self, why: Reason) -> str:
        return reader_reason(why, self.lang)

    def currency(self, code: str) -> str:
        """``HKD`` in English, ``港元`` in Chinese."""
        return self.fmt.currency_name(code)

    def age(self, fetched: dt.date | None) -> str:
        if fetched is None:
            return self._("never fetched")
        return self._("fetched %(date)s") % {"date": self.fmt.date(fetched)}

    def row(self, stock: StockValuation, theme_currency: str, stale: bool) -> ValuationRow:
        fmt = self.fmt
        theme_return = None
        if stock.fx_symbol is not None:
            value = stock.since_event_theme
            text = fmt.pct(value) + ("\N{DAGGER}" if stale and value is not None else "")
            theme_return = Figure(
                self._("%(currency)s %(value)s")
                % {"currency": self.currency(theme_currency), "value": text},
                tone(value),
                stale,
            )
        return ValuationRow(
            market_cap=fmt_amount(stock.market_cap, stock.market_cap_currency, fmt),
            date=fmt.date(stock.date) if stock.date else "",
            trailing_pe=fmt_multiple(stock.trailing_pe, fmt),
            price_to_book=fmt_multiple(stock.price_to_book, fmt),
            dividend_yield=fmt.share(stock.dividend_yield),
            theme_return=theme_return,
        )


def build_valuation_view(
    theme: Theme, snapshot: ThemeSnapshot, *, lang: str = "en"
) -> ValuationView | None:
    """The view of ``snapshot.valuation`` in ``lang``; None when the snapshot has none.

    ``theme`` is the themes book resolved for ``lang`` (its stock names are shown).
    """
    figures: ValuationFigures | None = snapshot.valuation
    if figures is None:
        return None
    text = _Text(lang)
    _, fmt = text._, text.fmt
    currency = figures.currency
    currency_name = text.currency(currency)
    labels = {s.symbol: f"{s.display_code} {s.name}" for s in theme.stocks}
    stale = {f.symbol: f.status.status == "stale" for f in snapshot.stocks}
    rows = [text.row(s, currency, stale.get(s.symbol, False)) for s in figures.stocks]
    agg = figures.basket
    basket_row = ValuationRow(
        market_cap=fmt_amount(agg.market_cap, currency, fmt),
        date="",
        trailing_pe=fmt_multiple(agg.trailing_pe, fmt),
        price_to_book=fmt_multiple(agg.price_to_book, fmt),
        dividend_yield=fmt.share(agg.dividend_yield),
        theme_return=None,
    )

    weighting = figures.weighting
    scheme = _(SCHEME_NAMES[weighting.scheme]) if weighting.scheme in SCHEME_NAMES else ""
    scheme = scheme or weighting.scheme
    if weighting.scheme == "capped" and weighting.cap is not None:
        scheme = _("%(scheme)s (no stock above %(cap)s)") % {
            "scheme": scheme,
            "cap": fmt.share(weighting.cap),
        }
    scheme_line = _("Weighting: %(scheme)s, fixed at the close of %(date)s") % {
        "scheme": scheme,
        "date": fmt.date(snapshot.basket.base_session),
    }
    if weighting.fallback:
        scheme_line = _("%(line)s — %(fallback)s") % {
            "line": scheme_line,
            "fallback": text.reason(weighting.fallback),
        }
    if weighting.scheme != "equal":
        scheme_line = _(
            "%(line)s · since event this basket %(basket)s, equal-weight basket %(equal)s"
        ) % {
            "line": scheme_line,
            "basket": fmt.pct(snapshot.basket.returns.since_event),
            "equal": fmt.pct(weighting.equal_since_event),
        }
    if weighting.scheme == "equal" and not weighting.fallback:
        scheme_line = ""  # the methodology's "Concept basket" already says so
    foreign = [s for s in figures.stocks if s.fx_symbol is not None]
    currency_line = _("Basket measured in %(currency)s") % {"currency": currency_name}
    if figures.fx:
        pairs = _("; ").join(
            _("%(pair)s %(rate)s on %(date)s")
            % {
                "pair": fx.symbol,
                "rate": fmt.ratio(fx.last_rate, 4),
                "date": fmt.date(fx.last_session),
            }
            if fx.last_rate is not None
            else _("%(pair)s (no FX closes)") % {"pair": fx.symbol}
            for fx in figures.fx
        )
        currency_line = _("Basket measured in %(currency)s; converted with %(pairs)s") % {
            "currency": currency_name,
            "pairs": pairs,
        }

    if not figures.fx and currency == "HKD":
        currency_line = ""  # the usual case: nothing to convert
    table_notes: list[str] = []
    if foreign:
        table_notes.append(
            _(
                "Returns are in each stock's own currency; for %(names)s the since-event return "
                "is also shown in %(currency)s, and the excess, weight and contribution are in "
                "%(currency)s."
            )
            % {
                "names": (", " if not fmt.chinese else "、").join(
                    labels.get(s.symbol, s.symbol) for s in foreign
                ),
                "currency": currency_name,
            }
        )
    if figures.fundamentals_available:
        table_notes.append(
            _(
                "Market cap in the stock's currency (dated below); trailing P/E and yield; "
                "basket row: see methodology."
            )
        )
    for symbol, why in weighting.left_out.items():
        table_notes.append(
            _("%(name)s is left out: %(reason)s.")
            % {"name": labels.get(symbol, symbol), "reason": text.reason(why)}
        )

    definitions: list[Definition] = []
    if weighting.scheme in ("cap", "capped"):
        cap_rule = _CAP_CAPPED if weighting.scheme == "capped" else _CAP
        definitions.append(Definition(_("Cap weights"), _(cap_rule)))
    if foreign or figures.fx:
        definitions.append(
            Definition(_("Theme currency"), _(_THEME_CURRENCY) % {"currency": currency_name})
        )
    if figures.fundamentals_available:
        definitions.append(Definition(_("Valuation"), _(_VALUATION) % {"currency": currency_name}))

    data_notes: list[str] = []
    if figures.fundamentals_available:
        dated = sorted({s.date for s in figures.stocks if s.date is not None})
        fetched = [s.fetched_on for s in figures.stocks if s.fetched_on is not None]
        origin = figures.fundamentals_source or snapshot.source
        where = _(fundamentals_label(origin)) % {"source": source_label(origin, lang)}
        if dated and dated[-1] != dated[0]:
            where = _("%(where)s, dated %(first)s to %(last)s") % {
                "where": where,
                "first": fmt.date(dated[0]),
                "last": fmt.date(dated[-1]),
            }
        elif dated:
            where = _("%(where)s, dated %(date)s") % {"where": where, "date": fmt.date(dated[0])}
        if fetched:
            line = _("Fundamentals: %(where)s; %(age)s.") % {
                "where": where,
                "age": text.age(max(fetched)),
            }
        else:
            line = _("Fundamentals: %(where)s.") % {"where": where}
        data_notes.append(line)
        for stock in figures.stocks:
            if stock.problem:
                values = {
                    "name": labels.get(stock.symbol, stock.symbol),
                    "problem": text.reason(stock.problem),
                    "date": fmt.date(stock.date),
                    "age": text.age(stock.fetched_on),
                }
                data_notes.append(
                    _(
                        "Fundamentals of %(name)s: %(problem)s; figures shown are from "
                        "%(date)s, %(age)s."
                    )
                    % values
                    if stock.date is not None
                    else _("Fundamentals of %(name)s: %(problem)s; no figures shown (–).") % values
                )
    elif figures.fundamentals_note:
        data_notes.append(
            _("Fundamentals: none (%(reason)s).")
            % {"reason": text.reason(figures.fundamentals_note)}
        )
    for fx in figures.fx:
        values = {
            "pair": fx.symbol,
            "base_rate": fmt.ratio(fx.base_rate, 4),
            "base": fmt.date(fx.base_session),
            "last_rate": fmt.ratio(fx.last_rate, 4),
            "last": fmt.date(fx.last_session),
            "reason": text.reason(fx.reason) if fx.reason else "",
        }
        data_notes.append(
            _(
                "FX %(pair)s: %(base_rate)s at the base (%(base)s), %(last_rate)s on %(last)s, "
                "the latest on or before the basket's last session (%(reason)s)."
            )
            % values
            if fx.reason
            else _(
                "FX %(pair)s: %(base_rate)s at the base (%(base)s), %(last_rate)s on %(last)s, "
                "the latest on or before the basket's last session."
            )
            % values
        )
    for symbol, used in weighting.inputs.items():
        values = {
            "name": labels.get(symbol, symbol),
            "shares": fmt.number(used.shares_outstanding, 0),
            "date": fmt.date(used.shares_date),
            "rule": text._(used.shares_rule),
            "close": fmt.number(used.base_close, 3),
            "fx": fmt.ratio(used.fx_rate, 4),
            "cap": fmt_amount(used.market_cap, currency, fmt),
            "weight": fmt.share(weighting.target_weights.get(symbol)),
        }
        data_notes.append(
            _(
                "Cap weight of %(name)s: %(shares)s shares (fundamentals of %(date)s, %(rule)s) "
                "× close %(close)s × FX %(fx)s = %(cap)s; weight %(weight)s."
            )
            % values
            if used.fx_rate != 1.0
            else _(
                "Cap weight of %(name)s: %(shares)s shares (fundamentals of %(date)s, %(rule)s) "
                "× close %(close)s = %(cap)s; weight %(weight)s."
            )
            % values
        )
    return ValuationView(
        currency=currency_name,
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


_CAP = N_(
    "Fixed at the event base: market cap = shares outstanding (latest fundamentals on or "
    "before the base, else the earliest after it; see the data appendix) × base-session "
    "traded close × FX, normalised. A stock without shares is left out and named."
)
_CAP_CAPPED = N_(
    "Fixed at the event base: market cap = shares outstanding (latest fundamentals on or "
    "before the base, else the earliest after it; see the data appendix) × base-session "
    "traded close × FX, normalised. A stock without shares is left out and named. Capped: "
    "every weight above the cap is set to it and the excess shared pro rata among the "
    "others, repeated until none is above."
)
_THEME_CURRENCY = N_(
    "Basket, contributions and excess are in %(currency)s: a stock in another currency is "
    "valued each session at its latest close on or before it times the latest FX close on "
    "or before it (CNYHKD=X = HKD per CNY), so FX moves it even when its market is shut."
)
_VALUATION = N_(
    "Latest fundamentals on or before the as-of. Basket: caps summed in %(currency)s; P/E, "
    "P/B = 1 / Σ(w / ratio); yield = Σ w × yield; w = holding weights on its last session "
    "over the stocks with the figure."
)
