"""The A/H premium figures as plain data (``analytics/ah_premium.py`` computes them), so
that ``model.py`` does not import the computation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from concepttrack.reasons import Reason


@dataclass(frozen=True)
class AhPremium:
    """One stock's A/H premium now and at the event base session (JSON ``ah_premium``)."""

    h_symbol: str
    a_symbol: str
    #: The FX pair converting the A share's currency to the H share's (None: same currency).
    fx_symbol: str | None
    #: The H share's currency, in which ``h_close`` and ``a_close_h`` are.
    currency: str
    a_currency: str
    #: The H share's last session on or before the as-of session: the premium's session.
    session: dt.date | None = None
    h_close: float | None = None
    #: The A share's traded close on or before ``session``, in ``a_currency``.
    a_close: float | None = None
    a_session: dt.date | None = None
    #: True when ``a_session`` is before ``session`` (the A close is an older one).
    a_stale: bool = False
    fx_rate: float | None = None
    fx_session: dt.date | None = None
    #: ``fresh``, ``carried``, ``stale`` or ``missing`` (valuation's FX rule); None when
    #: no conversion is needed.
    fx_status: str | None = None
    #: ``a_close * fx_rate``: the A share's price in the H share's currency.
    a_close_h: float | None = None
    #: ``a_close_h / h_close - 1`` (a fraction); None when a price is missing.
    premium: float | None = None
    #: Why ``premium`` is None.
    reason: Reason | None = None
    base_session: dt.date | None = None
    base_premium: float | None = None
    base_reason: Reason | None = None
    #: ``premium - base_premium`` (a fraction; the note shows percentage points).
    change_since_event: float | None = None
