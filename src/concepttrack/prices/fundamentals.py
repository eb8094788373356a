"""Fundamentals: the second data kind per symbol, dated, through the same seam as prices.

A :class:`Fundamentals` record holds what a source says about one stock on one date:
market capitalisation and shares outstanding, trailing P/E, price-to-book, dividend
yield (always a **fraction**: 0.045 = 4.5 %) and the currency the amounts are in, and
(issue 18) the analysts' consensus (target price mean, high and low in that currency,
the number of analysts, the mean rating 1-5 and its key) and the dates ahead (next
results date, next ex-dividend date and amount). Any figure may be unknown (None). A
symbol may have several records (a CSV file with quarterly rows, demo data); a note uses
the latest on or before its as-of session.

Sources offer fundamentals by having a ``fetch_fundamentals(symbols, as_of)`` method
(:class:`FundamentalsSource`): Yahoo (``Ticker.get_info`` in :mod:`.yahoo`), a CSV
folder's optional ``fundamentals.csv`` (:mod:`.csvdir`) and demo (:mod:`.demo`).

:func:`load_fundamentals` is the read-through cache, like :func:`~concepttrack.prices.load_prices`:

* records are kept in the SQLite cache (table ``fundamentals``) with the date they
  describe, and each symbol's last check (table ``fundamentals_checks``);
* a symbol is asked for again only when its last successful check is older than
  ``max_age_days`` (default 7), or, for a CSV folder, when ``fundamentals.csv`` changed;
* there is at most one fundamentals round per run, of at most ``max_requests``
  symbols (the stalest first); symbols beyond the budget keep their cached figures;
* a failed or rate-limited fetch never raises: the symbol keeps whatever the cache
  holds, and :attr:`FundamentalsSet.problems` says why, so the note shows "–" and the
  data appendix says why and how old the figures are.

Nothing here imports pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from concepttrack.prices.records import (
    FIELDS,
    Fundamentals,
    FundamentalsAnswer,
    FundamentalsCheck,
    FundamentalsSet,
    FundamentalsSource,
)
from concepttrack.reasons import from_json, reason

if TYPE_CHECKING:
    from concepttrack.prices.base import PriceSource

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "FIELDS",
    "MAX_REQUESTS",
    "Fundamentals",
    "FundamentalsAnswer",
    "FundamentalsCheck",
    "FundamentalsSet",
    "FundamentalsSource",
    "fundamentals_of",
    "load_fundamentals",
]

#: Days cached fundamentals stay good before a source is asked again.
DEFAULT_MAX_AGE_DAYS = 7
#: Most symbols one run asks a source about (one round, bounded).
MAX_REQUESTS = 60


def fundamentals_of(source: PriceSource) -> FundamentalsSource | None:
    """The source as a fundamentals source, or None when it has none."""
    return source if isinstance(source, FundamentalsSource) else None


def load_fundamentals(
    symbols: Sequence[str],
    *,
    source: str | PriceSource,
    store_path: Path,
    as_of: dt.date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    max_requests: int = MAX_REQUESTS,
    offline: bool = False,
    refresh: bool = False,
    progress: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
) -> FundamentalsSet:
    """Fundamentals of ``symbols`` through the cache: at most one bounded round; never raises
    for a source failure (a cache failure does raise :class:`~concepttrack.errors.CacheError`)."""
    from concepttrack.prices.registry import get_source, is_demo
    from concepttrack.prices.store import PriceStore

    if isinstance(source, str):
        source = get_source(source, cache_dir=store_path.parent / "yfinance")
    say = progress or (lambda _message: None)
    clock = now or dt.datetime.now(dt.UTC)
    wanted = list(dict.fromkeys(symbols))
    found = fundamentals_of(source)
    result = FundamentalsSet(
        source=source.name, demo=is_demo(source.name), max_age_days=max_age_days
    )
    if found is None:
        result.available = False
        result.unavailable_reason = reason("source_offers_no_fundamentals", source=source.name)
        return result
    revision = found.fundamentals_revision()
    if revision == "missing":
        result.available = False
        result.unavailable_reason = reason("no_fundamentals_file")
        return result

    with PriceStore(store_path) as store:
        checks = store.fundamentals_checks(source.name, wanted)
        due = []
        if not offline:
            for symbol in wanted:
                check = checks.get(symbol)
                if refresh or _due(check, clock, max_age_days, revision):
                    due.append(symbol)
        # The stalest first, so a bounded round catches up over a few runs.
        due.sort(key=lambda s: _age_key(checks.get(s)))
        asked, skipped = due[:max_requests], due[max_requests:]
        if asked:
            count = len(asked)
            say(
                f"{source.label}: fetching fundamentals of {count} symbol"
                f"{'s' if count != 1 else ''}"
            )
            try:
                answers = found.fetch_fundamentals(asked, as_of)
            except Exception as exc:  # a source bug must not fail a note
                text = f"fundamentals fetch failed: {type(exc).__name__}: {exc}"
                answers = {s: FundamentalsAnswer(problem=text) for s in asked}
            result.requests = count
            for symbol in asked:
                unanswered = reason("no_answer", source=source.name)
                answer = answers.get(symbol) or FundamentalsAnswer(problem=unanswered.to_json())
                store.save_fundamentals(
                    source.name,
                    symbol,
                    answer.records,
                    # The cache keeps the problem as a reason (the source's words quoted).
                    problem=from_json(answer.problem).to_json() if answer.problem else None,
                    replace_all=answer.replace_all,
                    revision=revision,
                    now=clock,
                )
                if answer.problem:
                    told = from_json(answer.problem).plain({source.name: source.label})
                    say(f"{symbol}: fundamentals {told}")
            checks = store.fundamentals_checks(source.name, wanted)
        for symbol in skipped:
            result.problems[symbol] = reason("not_refreshed", n=max_requests)
        result.records = store.read_fundamentals(source.name, wanted)

    for symbol in wanted:
        check = checks.get(symbol)
        result.fetched_at[symbol] = check.succeeded_at if check else None
        if check is None:
            result.problems.setdefault(
                symbol,
                reason("not_in_cache")
                if offline
                else reason("no_fundamentals_from", source=source.name),
            )
        elif check.problem:
            result.problems[symbol] = from_json(check.problem)
        elif not result.records.get(symbol):
            result.problems.setdefault(
                symbol, reason("source_has_no_fundamentals", source=source.name)
            )
    return result


def _due(
    check: FundamentalsCheck | None, now: dt.datetime, max_age_days: int, revision: str | None
) -> bool:
    if check is None:
        return True
    if revision is not None:
        # A file source: read again exactly when the file changed.
        return check.revision != revision
    if check.succeeded_at is None:
        return True
    return now - check.succeeded_at >= dt.timedelta(days=max_age_days)


def _age_key(check: FundamentalsCheck | None) -> float:
    if check is None or check.succeeded_at is None:
        return float("-inf")
    return check.succeeded_at.timestamp()
