"""The analysts' consensus and the dates ahead per stock (issue 18).

Definitions (the figures are the source's; only the implied upside is computed here):

* **Consensus target**: the mean, highest and lowest target price of the analysts the
  source counts, in the fundamentals record's currency, from the record dated on or
  before the note's session (like every fundamentals figure).
* **Implied upside** = mean target / last traded close − 1, a fraction. Only when the
  target and the price are in the same currency (a record without a currency is taken
  to be in the price currency, as Yahoo's targets are); another currency gives no
  upside (None, with the reason ``target_currency_differs``: no FX conversion is made,
  as a target set on another line's price is not a target for this one). A stock whose
  only close is dividend-adjusted, or without a close, has no upside either.
* **Mean rating**: the source's mean of its analysts' ratings on Yahoo's scale, 1 strong
  buy, 2 buy, 3 hold, 4 underperform, 5 sell; its key is the source's, else read from the
  mean in bands of one around each step (below 1.5 strong buy, below 2.5 buy, below 3.5
  hold, below 4.5 underperform, else sell).
* **Stale**: a consensus whose record is dated more than the fundamentals' maximum age
  (``--fundamentals-max-age``, 7 days by default) before the session is marked stale.
* **Dates ahead**: the next results date and the next ex-dividend date (with the amount
  per share when the source gives it) that fall 1 to :data:`HORIZON_DAYS` calendar days
  after the note's session; the day of the session itself is not ahead.

:func:`dates_ahead` is the one function a note's text asks for the dates ahead of a
snapshot (within any horizon up to 30 days), sorted by date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from concepttrack.analytics.consensus_model import Consensus, DateAhead
from concepttrack.analytics.model import StockFigures, ThemeSnapshot
from concepttrack.prices.records import Fundamentals, FundamentalsSet
from concepttrack.reasons import Reason, reason

__all__ = [
    "HORIZON_DAYS",
    "RATING_KEYS",
    "Consensus",
    "DateAhead",
    "attach",
    "dates_ahead",
    "implied_upside",
    "rating_key",
    "stock_consensus",
    "stock_dates_ahead",
]

#: The "Dates ahead" horizon: calendar days after the note's session.
HORIZON_DAYS = 30
#: The rating keys, best first (Yahoo's ``recommendationKey`` words).
RATING_KEYS: tuple[str, ...] = ("strong_buy", "buy", "hold", "underperform", "sell")


def implied_upside(target: float, close: float) -> float:
    """``target / close - 1``: the mean target's distance above the last traded close."""
    return target / close - 1.0


def rating_key(mean: float | None, given: str | None = None) -> str | None:
    """The source's key when it is one of :data:`RATING_KEYS`, else the mean's band."""
    if given in RATING_KEYS:
        return given
    if mean is None:
        return None
    for step, key in enumerate(RATING_KEYS, start=1):
        if mean < step + 0.5:
            return key
    return RATING_KEYS[-1]


def stock_consensus(
    fundamentals: FundamentalsSet | None,
    symbol: str,
    t: dt.date,
    *,
    last_close: float | None,
    price_currency: str | None,
    close_is_adjusted: bool = False,
) -> Consensus | None:
    """The consensus of ``symbol`` as of ``t``; None when the source has no fundamentals."""
    if fundamentals is None or not fundamentals.available:
        return None
    source = fundamentals.source
    problem = fundamentals.problems.get(symbol)
    record = fundamentals.on_or_before(symbol, t)
    if record is None:
        later = fundamentals.earliest_after(symbol, t)
        if later is not None and problem is None:
            problem = reason("figures_after_session", date=later.date)
        return Consensus(source=source, problem=problem or reason("no_consensus"))
    if not record.has_consensus():
        return Consensus(
            source=source,
            date=record.date,
            problem=problem or reason("no_consensus"),
        )
    upside, why = _upside(record, last_close, price_currency, close_is_adjusted)
    return Consensus(
        source=source,
        date=record.date,
        currency=record.currency or price_currency,
        target_mean=record.target_mean,
        target_high=record.target_high,
        target_low=record.target_low,
        analysts=record.analysts,
        implied_upside=upside,
        upside_reason=why,
        rating_mean=record.rating_mean,
        rating_key=rating_key(record.rating_mean, record.rating_key),
        next_results=record.next_results,
        next_ex_dividend=record.next_ex_dividend,
        ex_dividend_amount=record.ex_dividend_amount,
        stale=(t - record.date).days > fundamentals.max_age_days,
        max_age_days=fundamentals.max_age_days,
        problem=problem,
    )


def _upside(
    record: Fundamentals,
    close: float | None,
    price_currency: str | None,
    close_is_adjusted: bool,
) -> tuple[float | None, Reason | None]:
    if record.target_mean is None:
        return None, None
    if close is None or close <= 0:
        return None, reason("no_close_for_upside")
    target_currency = record.currency or price_currency
    if price_currency and target_currency and target_currency != price_currency:
        return None, reason("target_currency_differs", currency=target_currency)
    if close_is_adjusted:
        return None, reason("upside_adjusted_close")
    return implied_upside(record.target_mean, close), None


def stock_dates_ahead(
    symbol: str, consensus: Consensus | None, t: dt.date, within: int = HORIZON_DAYS
) -> list[DateAhead]:
    """The results and ex-dividend dates 1 to ``within`` days after ``t``, by date."""
    if consensus is None:
        return []
    found: list[DateAhead] = []
    if consensus.next_results is not None:
        days = (consensus.next_results - t).days
        if 0 < days <= within:
            found.append(DateAhead(symbol, "results", consensus.next_results, days))
    if consensus.next_ex_dividend is not None:
        days = (consensus.next_ex_dividend - t).days
        if 0 < days <= within:
            found.append(
                DateAhead(
                    symbol,
                    "ex_dividend",
                    consensus.next_ex_dividend,
                    days,
                    amount=consensus.ex_dividend_amount,
                    currency=consensus.currency
                    if consensus.ex_dividend_amount is not None
                    else None,
                )
            )
    return sorted(found, key=lambda d: (d.date, d.kind))


def attach(
    stocks: Sequence[StockFigures], fundamentals: FundamentalsSet | None, t: dt.date
) -> list[StockFigures]:
    """``stocks`` with their consensus and dates ahead set (a snapshot's last step)."""
    out = []
    for figures in stocks:
        found = stock_consensus(
            fundamentals,
            figures.symbol,
            t,
            last_close=figures.last_close,
            price_currency=figures.currency,
            close_is_adjusted=figures.close_is_adjusted,
        )
        out.append(
            dataclasses.replace(
                figures,
                consensus=found,
                dates_ahead=stock_dates_ahead(figures.symbol, found, t),
            )
        )
    return out


def dates_ahead(snapshot: ThemeSnapshot, within_days: int = HORIZON_DAYS) -> list[DateAhead]:
    """Every constituent's dates ahead within ``within_days`` (at most :data:`HORIZON_DAYS`)
    of the snapshot's session, by date, then by the constituents' order, results first."""
    order = {figures.symbol: n for n, figures in enumerate(snapshot.stocks)}
    found = [d for f in snapshot.stocks for d in f.dates_ahead if d.days <= within_days]
    return sorted(found, key=lambda d: (d.date, order[d.symbol], d.kind != "results"))
