"""Why a figure is stale, missing or not studied, as data: a code and its parameters.

The price layer and analytics never write a reason as a sentence for the reader. They
return a :class:`Reason`, a code from :data:`MESSAGES` with typed parameters (dates as
``datetime.date``, price sources as source ids such as ``csv:/srv/hk-prices``, a reason
inside a reason as a nested :class:`Reason`). The note words it in its language in one
place, :func:`concepttrack.render.messages.reason_text`, from the catalogs; the JSON
twin carries both the English words and the code with its parameters
(``docs/json-schema.md``, "Reasons").

``str(reason)`` is the plain English for the console and the log (ISO dates, source ids),
never for a note. To add a reason: add its code and English msgid here (marked ``N_``),
then its translations to the three catalogs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union


def N_(message: str) -> str:
    """Mark a message for the catalogs without translating it here (gettext convention)."""
    return message


#: Every reason code and its English catalog msgid; ``%(name)s`` are its parameters.
#: Parameter names carry their kind: ``source`` is a source id, ``why`` a nested reason.
MESSAGES: dict[str, str] = {
    # Data status of a symbol (prices/, analytics/snapshot.py).
    "no_data": N_("no data"),
    "no_price_data": N_("no price data"),
    "zero_weight": N_("zero weight"),
    "not_in_cache": N_("not in the cache (offline)"),
    "not_requested": N_("not requested"),
    "no_bar_since": N_("no bar since %(date)s (suspended or late data)"),
    "market_closed": N_("its market did not trade on %(date)s"),
    "no_data_from": N_("no data from %(source)s"),
    "no_data_in_window": N_("no data from %(source)s in this window"),
    "no_data_after": N_("no data from %(source)s after %(date)s"),
    "offline_through": N_("offline: cache holds %(source)s prices through %(date)s"),
    "offline_empty": N_("offline: cache holds %(source)s prices with no bars in this window"),
    "no_answer": N_("no answer from %(source)s"),
    "no_csv_file": N_("no CSV file (%(files)s) in %(source)s"),
    # A file of a price folder that is not read at all (prices/csvdir.py).
    "file_is_link": N_(
        "%(file)s is a symbolic link: only regular files in the price folder are read"
    ),
    "file_not_regular": N_(
        "%(file)s is not a regular file (a FIFO, device or socket): only regular files in "
        "the price folder are read"
    ),
    "file_too_large": N_("%(file)s is larger than the limit of %(mb)s MB"),
    "not_found": N_("%(source)s does not know this symbol"),
    "fetch_failed": N_("fetch failed: %(why)s"),
    "fetch_failed_after": N_("fetch failed: %(why)s after %(tries)s tries"),
    "rate_limited": N_("rate limited (429)"),
    "source_down": N_("%(source)s is down"),
    "source_skipped": N_("%(source)s skipped after %(n)s failures in a row this run"),
    #: The source's own words (a network error, a file's line): quoted as they are.
    "source_said": N_("%(text)s"),
    # The concept basket (analytics/basket.py).
    "no_session_before_event": N_("no trading session before the event date %(date)s"),
    "event_after_as_of": N_("the event date %(date)s is after the as-of session %(as_of)s"),
    "no_price_at_base": N_("no price at the event base session %(base)s (first bar %(first)s)"),
    "no_fx_at_base": N_("no FX close on or before the event base session %(date)s"),
    # The event study (analytics/events.py).
    "catalyst_after_as_of": N_("the catalyst (%(date)s) is after the as-of session (%(as_of)s)"),
    "no_returns": N_("no returns in the price data"),
    "prices_after_catalyst": N_(
        "the estimation window lies before the data: the prices start on %(date)s, after "
        "the catalyst"
    ),
    "no_event_bar": N_("no bar on or after %(date)s (last bar %(last)s)"),
    "estimation_before_data_to": N_(
        "the estimation window (to %(end)s) lies before the data: %(why)s"
    ),
    "estimation_before_data": N_("the estimation window lies before the data: %(why)s"),
    "prices_start_late": N_(
        "the prices start on %(date)s, fewer than %(bars)s bars before the event"
    ),
    "benchmark_no_returns": N_("the benchmark has no returns"),
    "benchmark_starts": N_("the benchmark's returns start on %(date)s"),
    "not_enough_history": N_(
        "not enough history: %(n)s return pairs in the estimation window (%(start)s to "
        "%(end)s), %(needed)s needed"
    ),
    "flat_benchmark": N_(
        "the market model has no estimate: the benchmark's (or the residual) returns do not "
        "vary in the estimation window"
    ),
    "window_incomplete": N_("window not yet complete: %(have)s of %(length)s bars to %(date)s"),
    "no_benchmark_return_on": N_("no benchmark return on %(date)s, so no abnormal return"),
    "no_return_on": N_("no return on %(date)s, so no abnormal return"),
    # Weights and fundamentals (analytics/weights.py, analytics/valuation.py,
    # prices/fundamentals.py).
    "no_fx_for_cap": N_("no FX close at the base session for its market cap"),
    "no_shares_for_cap": N_("no shares outstanding in its fundamentals, needed for cap weights"),
    "no_base_equal": N_("no base session, so no market caps: equal weights"),
    "no_shares_equal": N_("no stock has shares outstanding in its fundamentals: equal weights"),
    "too_few_caps_equal": N_(
        "only %(n)s stocks have market caps, too few for a %(cap)s cap: equal weights"
    ),
    "figures_after_session": N_("the figures describe %(date)s, after this session"),
    "not_refreshed": N_("not refreshed this run (at most %(n)s fundamentals requests per run)"),
    "no_fundamentals_file": N_("no fundamentals.csv in the price folder"),
    "fundamentals_unavailable": N_("fundamentals unavailable: %(why)s"),
    "no_fundamentals_from": N_("no fundamentals from %(source)s"),
    "source_has_no_fundamentals": N_("%(source)s has no fundamentals for it"),
    "source_offers_no_fundamentals": N_("%(source)s offers no fundamentals"),
    # FX series of a stock in another currency (analytics/valuation.py).
    "fx_missing": N_("FX series missing: %(why)s"),
    "fx_missing_value": N_("FX series %(pair)s missing (%(why)s), so no %(currency)s value"),
    "no_fx_since": N_("no FX close since %(date)s"),
    # akshare: a symbol kind a source has no history for (an FX pair at AkShare).
    "not_offered": N_("%(source)s does not offer this symbol"),
    # The analysts' consensus (analytics/consensus.py).
    "no_consensus": N_("no analyst consensus in the source's figures"),
    "no_close_for_upside": N_("no traded close, so no implied upside"),
    "upside_adjusted_close": N_("the price shown is an adjusted close, so no implied upside"),
    "target_currency_differs": N_(
        "the target is in %(currency)s, not in the price's currency, so no implied upside"
    ),
    # Southbound holdings (prices/southbound.py, analytics/southbound.py; issue 18).
    "southbound_no_file": N_("no southbound.csv in the price folder"),
    "southbound_no_record": N_("the source has no Southbound holding of it"),
    "southbound_none_by": N_("no Southbound holding on or before %(date)s"),
    # The A/H premium (analytics/ah_premium.py).
    "ah_no_a_price": N_("no price for the A share %(symbol)s: %(why)s"),
    "ah_no_h_price": N_("no H-share close on or before %(date)s"),
    "ah_no_fx": N_("no %(pair)s close on or before %(date)s: %(why)s"),
}

#: A parameter: a date, a count, a share (0.4 = 40 %), a text (a source id, a symbol,
#: a currency, a file name, a source's own words), a nested reason, or None (unknown).
Param = Union[str, int, float, dt.date, "Reason", None]


@dataclass(frozen=True)
class Reason:
    """A reason code from :data:`MESSAGES` and its parameters, in the msgid's names."""

    code: str
    params: tuple[tuple[str, Param], ...] = ()

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise ValueError(f"unknown reason code {self.code!r}")
        wanted, given = placeholders(self.code), {name for name, _value in self.params}
        if wanted != given:
            raise ValueError(f"reason {self.code!r} takes {sorted(wanted)}, not {sorted(given)}")

    @property
    def values(self) -> dict[str, Param]:
        return dict(self.params)

    def __str__(self) -> str:
        """Plain English for the console and the log: ISO dates, source ids."""
        return self.plain()

    def plain(self, labels: Mapping[str, str] | None = None) -> str:
        """Plain English for the console: ISO dates, a source by ``labels[id]`` (else its
        id), a nested reason the same way."""
        names = labels or {}
        values: dict[str, str | int] = {}
        for name, value in self.params:
            if isinstance(value, Reason):
                values[name] = value.plain(names)
            elif name == "source" and isinstance(value, str):
                values[name] = names.get(value, value)
            else:
                values[name] = _plain(value)
        return MESSAGES[self.code] % values

    def to_dict(self) -> dict[str, Any]:
        """``{"code": ..., "params": {...}}``: ISO dates, nested reasons as dicts."""
        return {"code": self.code, "params": {n: _jsonable(v) for n, v in self.params}}

    def to_json(self) -> str:
        """A tagged encoding that :func:`from_json` reads back (for the price cache)."""
        return json.dumps({"code": self.code, "params": [[n, _tagged(v)] for n, v in self.params]})


class _Names(dict[str, str]):
    """Records the ``%(name)s`` a msgid asks for."""

    def __missing__(self, key: str) -> str:
        self[key] = ""
        return ""


def placeholders(code: str) -> frozenset[str]:
    """The parameter names of a reason code (its msgid's ``%(name)s``)."""
    names = _Names()
    MESSAGES[code] % names
    return frozenset(names)


def reason(code: str, **params: Param) -> Reason:
    """``reason("no_bar_since", date=day)``."""
    return Reason(code, tuple(params.items()))


def said(text: str) -> Reason:
    """The source's own words, quoted (a network error, a malformed file's line)."""
    return reason("source_said", text=text)


def from_json(text: str) -> Reason:
    """A reason written by :meth:`Reason.to_json`; any other text is the source's words."""
    try:
        data = json.loads(text)
        return Reason(data["code"], tuple((n, _untagged(v)) for n, v in data["params"]))
    except (ValueError, TypeError, KeyError, IndexError):
        return said(text)


def _plain(value: Param) -> str | int:
    if value is None:
        return "\N{EN DASH}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.0%}"
    if isinstance(value, Reason):
        return str(value)
    return value


def _jsonable(value: Param) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Reason):
        return value.to_dict()
    return value


def _tagged(value: Param) -> Any:
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, Reason):
        return {"reason": value.to_json()}
    return value


def _untagged(value: Any) -> Param:
    if isinstance(value, dict):
        if "date" in value:
            return dt.date.fromisoformat(value["date"])
        return from_json(value["reason"])
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(value)
