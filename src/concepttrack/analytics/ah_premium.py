"""The A/H premium of a stock listed in Hong Kong (H share) and on a mainland exchange (A share).

**Definition.** On a session ``s`` (the H share's last session on or before the note's
as-of session):

    premium[s] = A[s] * X[s] / H[s] - 1

with ``H`` the H share's traded close (not adjusted) in its currency (HKD), ``A`` the A
share's traded close on or before ``s`` in CNY, and ``X`` the close of the FX pair
converting CNY to HKD (``CNYHKD=X``, HKD per CNY) on or before ``s``, by the note's FX
rule (:mod:`concepttrack.analytics.valuation`): a close dated ``s`` is *fresh*, one from
the FX session (weekday) before ``s`` is *carried* (the FX day ends in New York, after
Hong Kong's close) and used as it is, an older one is *stale* and marked. A positive
premium means the A share costs more than the H share. The premium is a fraction (0.25
is 25 %); the note shows it in per cent.

**Change since the event**: ``premium[s] - premium[b]`` with ``b`` the event base session
(the close before the news), each premium measured the same way; a fraction of a
percentage point (the note shows pp).

An A close older than ``s`` (a mainland holiday or a suspension) is used and marked
stale with its date. No A close, no H close or no FX close: no premium (None) and a
:class:`~concepttrack.reasons.Reason` why; the note shows "–" with it.

Plain data in, plain data out: no I/O (:func:`for_theme` reads a ``PriceFrame``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from concepttrack.analytics import metrics
from concepttrack.analytics.ah_model import AhPremium
from concepttrack.reasons import Reason, reason
from concepttrack.symbols import fx_symbol

if TYPE_CHECKING:
    from concepttrack.prices.frame import PriceFrame
    from concepttrack.themes import Theme


def premium(a_close: float | None, fx_rate: float | None, h_close: float | None) -> float | None:
    """``a_close * fx_rate / h_close - 1``; None unless all three are positive numbers."""
    if a_close is None or fx_rate is None or h_close is None:
        return None
    if not all(math.isfinite(v) and v > 0 for v in (a_close, fx_rate, h_close)):
        return None
    return a_close * fx_rate / h_close - 1.0


def on_or_before(series: pd.Series | None, day: dt.date) -> tuple[float | None, dt.date | None]:
    """The last positive close of ``series`` dated on or before ``day``, and its date."""
    if series is None or not len(series):
        return None, None
    values = series.astype("float64")
    values = values[values.notna() & (values > 0.0)]
    if not len(values):
        return None, None
    days = metrics.session_days(values.index)
    position = int(np.searchsorted(days, np.datetime64(day, "D"), side="right"))
    if position == 0:
        return None, None
    return float(values.iloc[position - 1]), pd.Timestamp(days[position - 1]).date()


def fx_rule_status(fx_day: dt.date | None, session: dt.date) -> str:
    """The note's FX rule: ``fresh`` (dated ``session``), ``carried`` (the FX session
    before it), ``stale`` (older) or ``missing`` (no close)."""
    from concepttrack.analytics.valuation import fx_session_before

    if fx_day is None:
        return "missing"
    if fx_day >= session:
        return "fresh"
    if fx_day >= fx_session_before(session):
        return "carried"
    return "stale"


@dataclass(frozen=True)
class _Point:
    h: float | None
    a: float | None
    a_day: dt.date | None
    fx: float | None
    fx_day: dt.date | None
    value: float | None
    why: Reason | None


def _point(
    day: dt.date,
    h_closes: pd.Series | None,
    a_closes: pd.Series | None,
    fx_closes: pd.Series | None,
    *,
    a_symbol: str,
    pair: str | None,
    a_problem: Reason | None,
    fx_problem: Reason | None,
) -> _Point:
    h, _h_day = on_or_before(h_closes, day)
    a, a_day = on_or_before(a_closes, day)
    fx: float | None = 1.0
    fx_day: dt.date | None = day
    if pair is not None:
        fx, fx_day = on_or_before(fx_closes, day)
    why: Reason | None = None
    if h is None:
        why = reason("ah_no_h_price", date=day)
    elif a is None:
        why = reason("ah_no_a_price", symbol=a_symbol, why=a_problem or reason("no_data"))
    elif fx is None:
        why = reason("ah_no_fx", pair=pair, date=day, why=fx_problem or reason("no_data"))
    return _Point(h, a, a_day, fx, fx_day, premium(a, fx, h) if why is None else None, why)


def ah_premium(
    h_symbol: str,
    a_symbol: str,
    h_closes: pd.Series | None,
    a_closes: pd.Series | None,
    fx_closes: pd.Series | None,
    t: dt.date,
    base_session: dt.date | None,
    *,
    currency: str = "HKD",
    a_currency: str = "CNY",
    a_problem: Reason | None = None,
    fx_problem: Reason | None = None,
) -> AhPremium:
    """The premium on the H share's last session on or before ``t`` and at ``base_session``.

    The closes are traded closes indexed by session; ``fx_closes`` is the price of one
    ``a_currency`` in ``currency`` (ignored when the two are the same). ``a_problem`` and
    ``fx_problem`` are the price layer's word on a missing series, quoted in the reason.
    """
    pair = None if a_currency == currency else fx_symbol(a_currency, currency)

    def point(day: dt.date) -> _Point:
        return _point(
            day,
            h_closes,
            a_closes,
            fx_closes,
            a_symbol=a_symbol,
            pair=pair,
            a_problem=a_problem,
            fx_problem=fx_problem,
        )

    _h, session = on_or_before(h_closes, t)
    figures = AhPremium(h_symbol, a_symbol, pair, currency, a_currency)
    if session is None:
        return _replace(figures, reason=reason("ah_no_h_price", date=t), base_session=base_session)
    now = point(session)
    base = point(base_session) if base_session is not None else None
    change = (
        now.value - base.value
        if base is not None and now.value is not None and base.value is not None
        else None
    )
    return _replace(
        figures,
        session=session,
        h_close=now.h,
        a_close=now.a,
        a_session=now.a_day,
        a_stale=now.a_day is not None and now.a_day < session,
        fx_rate=now.fx if pair is not None else None,
        fx_session=now.fx_day if pair is not None else None,
        fx_status=fx_rule_status(now.fx_day, session) if pair is not None else None,
        a_close_h=now.a * now.fx if now.a is not None and now.fx is not None else None,
        premium=now.value,
        reason=now.why,
        base_session=base_session,
        base_premium=base.value if base is not None else None,
        base_reason=base.why if base is not None else None,
        change_since_event=change,
    )


def _replace(figures: AhPremium, **changes: Any) -> AhPremium:
    return dataclasses.replace(figures, **changes)


def for_theme(
    theme: Theme, prices: PriceFrame, t: dt.date, base_session: dt.date | None
) -> dict[str, AhPremium]:
    """Every stock of ``theme`` with an A share (:attr:`Theme.a_shares`): its premium."""
    from concepttrack.analytics.valuation import symbol_currency

    def closes(symbol: str) -> pd.Series:
        series: pd.Series = prices.get(symbol).bars["close"]
        return series

    found: dict[str, AhPremium] = {}
    for h_symbol, a_symbol in theme.a_shares.items():
        currency = symbol_currency(prices, h_symbol)
        a_currency = symbol_currency(prices, a_symbol)
        pair = fx_symbol(a_currency, currency)
        found[h_symbol] = ah_premium(
            h_symbol,
            a_symbol,
            closes(h_symbol),
            closes(a_symbol),
            closes(pair) if a_currency != currency else None,
            t,
            base_session,
            currency=currency,
            a_currency=a_currency,
            a_problem=prices.get(a_symbol).reason,
            fx_problem=prices.get(pair).reason if a_currency != currency else None,
        )
    return found
