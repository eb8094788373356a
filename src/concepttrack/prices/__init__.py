"""Daily prices: the PriceSource protocol, the sources, and the read-through cache.

The pipeline calls one function, :func:`load_prices`. It reads what the SQLite cache
already holds, asks the source only for what is missing (in one batched request
round for all symbols), stores the answer and returns a
:class:`~concepttrack.prices.frame.PriceFrame` trimmed to the window asked for.

Sources (``--source``): ``yahoo`` (yfinance, the default), ``csv:DIR`` (a folder of
exported CSV files) and ``demo`` (deterministic synthetic data), listed in
:mod:`concepttrack.prices.registry`. Adding one means writing one module with a class
that satisfies :class:`~concepttrack.prices.base.PriceSource` and one entry in
:data:`~concepttrack.prices.registry.SOURCES`.

Nothing here imports pandas at module level, so ``concepttrack --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from concepttrack.errors import SourceError, UsageError
from concepttrack.prices.base import PriceSource
from concepttrack.prices.chain import NETWORK_CODES, ChainSource
from concepttrack.prices.registry import get_source, is_demo, source_entry
from concepttrack.reasons import Reason, reason, said

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.prices.frame import PriceFrame
    from concepttrack.prices.store import Coverage, PriceStore

__all__ = ["OVERLAP_SESSIONS", "PriceSource", "get_source", "load_prices"]

#: Sessions re-fetched before the last cached one, to notice revised prices or actions.
OVERLAP_SESSIONS = 5
#: Relative change in an overlapping close (or kept adj_close) that counts as a
#: revision. Yahoo's values wobble around 1e-7 (float32); the smallest real dividend
#: moves an adjusted close ~1e-4.
REVISION_TOLERANCE = 1e-6


@dataclass(frozen=True)
class _Plan:
    """What to ask the source for one symbol."""

    start: dt.date
    end: dt.date
    #: Replace every cached row of the symbol (a full fetch) instead of upserting a tail.
    replace: bool


def _exchange(symbol: str) -> str:
    from concepttrack.calendar import exchange_for

    return exchange_for(symbol)


def _last_expected(symbol: str, end: dt.date) -> dt.date:
    """The last session on or before ``end`` the symbol's exchange traded."""
    from concepttrack import calendar

    try:
        return calendar.on_or_before(_exchange(symbol), end)
    except UsageError:
        # Beyond the calendar's known holidays: fall back to the last weekday.
        day = end
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return day


def _settled(symbol: str, now: dt.datetime) -> dt.date:
    """The latest session of the symbol's exchange whose bar is final at ``now``."""
    from concepttrack import calendar

    try:
        # Past the calendar's horizon: the latest weekday whose usual close has passed.
        return calendar.latest_closed(now, _exchange(symbol))
    except UsageError:
        return (now - dt.timedelta(days=1)).date()


def _overlap_start(symbol: str, last: dt.date) -> dt.date:
    """A few sessions before ``last``, where a tail fetch starts."""
    from concepttrack import calendar

    try:
        window = calendar.sessions(_exchange(symbol), last - dt.timedelta(days=40), last)
    except UsageError:
        return last - dt.timedelta(days=2 * OVERLAP_SESSIONS)
    if len(window) < OVERLAP_SESSIONS:
        return last - dt.timedelta(days=2 * OVERLAP_SESSIONS)
    first: dt.date = window[-OVERLAP_SESSIONS].date()
    return first


def _plan(
    symbol: str,
    cached: Coverage | None,
    *,
    start: dt.date,
    end: dt.date,
    refresh: bool,
    revision: str | None,
    settled: dt.date | None = None,
) -> _Plan | None:
    """Decide what, if anything, to fetch for one symbol.

    ``settled`` is the symbol's latest final session now: a session of another market
    still trading (an FX pair during Hong Kong's evening) is not expected yet, so a warm
    run does not ask for it again.
    """
    expected = _last_expected(symbol, end)
    if settled is not None:
        expected = min(expected, settled)
    if cached is None:
        # A window without a single session (a holiday) has nothing to fetch.
        return _Plan(start, end, replace=True) if expected >= start else None
    whole = _Plan(min(start, cached.requested_from), max(end, cached.checked_through), True)
    if refresh or (revision is not None and revision != cached.revision):
        return whole
    if start < cached.requested_from:
        return whole
    known = max(cached.last_session or cached.requested_from, cached.checked_through)
    if expected <= known:
        return None
    if cached.last_session is None:
        return whole
    return _Plan(_overlap_start(symbol, cached.last_session), end, replace=False)


def _revised(fresh: pd.DataFrame, cached: pd.DataFrame, *, derived: bool = False) -> bool:
    """True when overlapping sessions disagree on close, dividends or splits, or on
    adj_close when the source's own is kept (not ``derived`` from the actions: a derived
    one follows from the other three, and a new dividend after the overlap leaves the
    stored truth as it was)."""
    import numpy as np

    # Both indexes are sorted and unique; plain numpy keeps this cheap for 300 symbols.
    _, new_rows, old_rows = np.intersect1d(
        fresh.index.to_numpy(dtype="datetime64[ns]"),
        cached.index.to_numpy(dtype="datetime64[ns]"),
        assume_unique=True,
        return_indices=True,
    )
    if len(new_rows) == 0:
        return False
    columns = ["close", "adj_close", "dividends", "splits"]
    new = fresh[columns].to_numpy()[new_rows]
    old = cached[columns].to_numpy()[old_rows]
    for column in (0,) if derived else (0, 1):
        price_new, price_old = new[:, column], old[:, column]
        both = ~(np.isnan(price_new) | np.isnan(price_old))
        if not np.allclose(price_new[both], price_old[both], rtol=REVISION_TOLERANCE, atol=0.0):
            return True
    return not np.allclose(new[:, 2:], old[:, 2:], rtol=1e-9, atol=1e-12)


class _Loader:
    """One run of :func:`load_prices`: plans, one fetch round (two on revisions), saves."""

    def __init__(
        self,
        source: PriceSource,
        store: PriceStore,
        now: dt.datetime,
        say: Callable[[str], None],
    ) -> None:
        self.source = source
        self.store = store
        self.now = now
        self.say = say
        #: This run's word on symbols the source failed for.
        #: Symbol -> the console's words for its failure, and the failure as a reason.
        self.failures: dict[str, str] = {}
        self.failure_reasons: dict[str, Reason] = {}
        self.labels = {source.name: source.label}
        #: Informational problems the source reported for symbols it did answer.
        self.notes: dict[str, Reason] = {}
        self.asked: set[str] = set()
        self.rounds = 0

    def run_round(self, plans: dict[str, _Plan], cached: dict[str, Coverage]) -> dict[str, _Plan]:
        """Fetch every planned symbol in one call; returns symbols needing a full re-fetch."""
        if not plans:
            return {}
        start = min(p.start for p in plans.values())
        end = max(p.end for p in plans.values())
        count = len(plans)
        self.say(
            f"{self.source.label}: fetching {count} symbol{'s' if count != 1 else ''}, "
            f"{start.isoformat()} to {end.isoformat()}"
        )
        self.rounds += 1
        answers = self.source.fetch(list(plans), start, end)
        self.asked.update(plans)
        again: dict[str, _Plan] = {}
        for symbol, plan in plans.items():
            history = answers.get(symbol)
            if history is None or history.failed or history.meta is None:
                if history is not None and history.problem:
                    self._failed(symbol, history.problem, history.reason)
                else:
                    unanswered = reason("no_answer", source=self.source.name)
                    self._failed(symbol, unanswered.plain(self.labels), unanswered)
                continue
            settled = _settled(symbol, self.now)
            # A bar of a session still trading would be cached as if final: leave it out.
            bars = history.bars.loc[: _timestamp(settled)]
            replace = plan.replace
            previous = cached.get(symbol)
            if not replace and previous is not None and not bars.empty:
                old = self.store.read(
                    self.source.name,
                    [symbol],
                    bars.index[0].date(),
                    bars.index[-1].date(),
                )[symbol]
                # A series whose adjusted close changes kind (kept or derived) is revised too.
                derived = history.meta.adjusted_from_actions
                if derived != previous.meta.adjusted_from_actions or _revised(
                    bars, old, derived=derived
                ):
                    if start <= previous.requested_from:
                        replace = True  # the round already fetched the whole range
                    else:
                        self.say(f"{symbol}: adjusted prices revised, fetching full history")
                        again[symbol] = _Plan(
                            previous.requested_from, max(end, previous.checked_through), True
                        )
                        continue
            if history.reason is not None:
                self.notes[symbol] = history.reason
            history.bars = bars
            self.store.save(
                self.source.name,
                history,
                requested_from=start,
                checked_through=min(end, settled),
                replace=replace,
                revision=self.source.revision(symbol),
                now=self.now,
            )
            self.failures.pop(symbol, None)
            self.say(f"{symbol}: {len(bars)} session{'s' if len(bars) != 1 else ''} fetched")
        return again

    def _failed(self, symbol: str, problem: str, why: Reason | None) -> None:
        self.failures[symbol] = problem
        self.failure_reasons[symbol] = why or said(problem)
        self.store.note_problem(self.source.name, symbol, problem)
        self.say(f"{symbol}: {problem}")


def _timestamp(day: dt.date) -> pd.Timestamp:
    import pandas as pd

    return pd.Timestamp(day)


def load_prices(
    symbols: Sequence[str],
    *,
    start: dt.date,
    end: dt.date,
    source: str | PriceSource,
    store_path: Path,
    offline: bool = False,
    refresh: bool = False,
    progress: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
) -> PriceFrame:
    """Histories of ``symbols`` in ``[start, end]``, through the cache at ``store_path``.

    Asks the source only for what the cache lacks (``refresh`` asks for everything,
    ``offline`` asks for nothing). A symbol the source could not provide comes back
    with ``problem`` set and whatever the cache held. Raises :class:`SourceError`
    when no symbol ends up with any bar: the source failed for every one of them
    with nothing cached, or ``offline`` found nothing in the cache.
    """
    from concepttrack.prices.frame import PriceFrame, SymbolHistory
    from concepttrack.prices.store import PriceStore, UnreadableCacheError, file_identity, heal

    if end < start:
        raise UsageError(
            f"the price window ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        )
    if offline and refresh:
        raise UsageError("--offline and --refresh contradict each other", hint="Pick one.")
    wanted = list(dict.fromkeys(symbols))
    if isinstance(source, str):
        source = get_source(source, cache_dir=store_path.parent / "yfinance")
    say = progress or (lambda _message: None)
    clock = now or dt.datetime.now(dt.UTC)
    if isinstance(source, ChainSource):
        return _load_chain(
            source,
            wanted,
            start=start,
            end=end,
            store_path=store_path,
            offline=offline,
            refresh=refresh,
            say=say,
            clock=clock,
        )

    chosen: PriceSource = source

    def through_cache() -> tuple[dict[str, Coverage], dict[str, pd.DataFrame], _Loader]:
        with PriceStore(store_path) as store:
            cached = store.coverage(chosen.name, wanted)
            loader = _Loader(chosen, store, clock, say)
            if not offline:
                plans: dict[str, _Plan] = {}
                for symbol in wanted:
                    plan = _plan(
                        symbol,
                        cached.get(symbol),
                        start=start,
                        end=end,
                        refresh=refresh,
                        revision=chosen.revision(symbol),
                        settled=_settled(symbol, clock),
                    )
                    if plan is None:
                        say(f"{symbol}: up to date in the cache")
                    else:
                        plans[symbol] = plan
                again = loader.run_round(plans, cached)
                loader.run_round(again, cached)
                if loader.asked:
                    cached = store.coverage(chosen.name, wanted)
            bars = store.read(chosen.name, wanted, start, end)
        return cached, bars, loader

    seen = file_identity(store_path)
    try:
        cached, bars, loader = through_cache()
    except UnreadableCacheError as exc:
        # Only a cache: a damaged, truncated or foreign file is set aside (kept) and the
        # run goes on with a fresh one. A second failure is an error like any other.
        heal(store_path, exc, seen)
        cached, bars, loader = through_cache()

    histories: dict[str, SymbolHistory] = {}
    for symbol in wanted:
        coverage = cached.get(symbol)
        frame = bars[symbol]
        failure = loader.failures.get(symbol)
        why = loader.failure_reasons.get(symbol)
        if why is None:
            why = _staleness(symbol, frame, coverage, start, end, source, offline, loader)
        histories[symbol] = SymbolHistory(
            symbol,
            frame,
            coverage.meta if coverage is not None else None,
            problem=failure or (why.plain(loader.labels) if why is not None else None),
            failed=failure is not None,
            cause=why,
        )

    asked_and_failed = [s for s in wanted if s in loader.failures]
    if (
        wanted
        and len(asked_and_failed) == len(wanted)
        and all(histories[s].bars.empty for s in wanted)
    ):
        raise _all_failed(source, wanted, loader.failures)
    if offline and wanted and all(histories[s].bars.empty for s in wanted):
        raise SourceError(
            f"no cached {source.label} prices for {', '.join(wanted)} "
            f"between {start.isoformat()} and {end.isoformat()}",
            hint=f"Run once without --offline to fetch them, or pass the --source "
            f"you fetched with (cache: {store_path}).",
        )
    return PriceFrame(
        source=source.name,
        histories=histories,
        fetch_rounds=loader.rounds,
        synthetic=is_demo(source.name),
    )


def _load_chain(
    chain: ChainSource,
    wanted: list[str],
    *,
    start: dt.date,
    end: dt.date,
    store_path: Path,
    offline: bool,
    refresh: bool,
    say: Callable[[str], None],
    clock: dt.datetime,
) -> PriceFrame:
    """:func:`load_prices` through a source chain (see :mod:`concepttrack.prices.chain`).

    Bars are cached under each member's own name. A symbol whose cached bars from some
    member are up to date is read from the first such member, asking nobody; the others
    are asked member by member (a probe batch, then the rest), each for the symbols the
    earlier ones could not give, skipping members the breaker opened. A symbol no member
    gave keeps the first member's cached bars (if any) with every member's failure.
    """
    from concepttrack.prices.frame import PriceFrame, SymbolHistory
    from concepttrack.prices.store import PriceStore, UnreadableCacheError, file_identity, heal

    members = chain.members

    def through_cache() -> tuple[
        dict[str, PriceSource],
        dict[str, dict[str, Coverage]],
        dict[str, pd.DataFrame],
        dict[str, _Loader],
        dict[str, list[tuple[PriceSource, str, Reason]]],
    ]:
        with PriceStore(store_path) as store:
            covs = {m.name: store.coverage(m.name, wanted) for m in members}
            loaders = {m.name: _Loader(m, store, clock, say) for m in members}
            for loader in loaders.values():
                loader.labels = chain.labels
            served: dict[str, PriceSource] = {}
            ok: set[str] = set()
            failed: dict[str, list[tuple[PriceSource, str, Reason]]] = {}
            pending: list[str] = []
            settled = {symbol: _settled(symbol, clock) for symbol in wanted}
            for symbol in wanted:
                for m in members:
                    cov = covs[m.name].get(symbol)
                    if cov is None or refresh:
                        continue
                    if offline:
                        if cov.rows:
                            served[symbol] = m
                            break
                        continue
                    plan = _plan(
                        symbol,
                        cov,
                        start=start,
                        end=end,
                        refresh=False,
                        revision=m.revision(symbol),
                        settled=settled[symbol],
                    )
                    if plan is None:
                        say(f"{symbol}: up to date in the cache ({m.label})")
                        served[symbol] = m
                        ok.add(symbol)
                        break
                if symbol not in served and not offline:
                    pending.append(symbol)
            for m in members:
                if not pending:
                    break
                loader = loaders[m.name]
                plans: dict[str, _Plan] = {}
                for symbol in pending:
                    plan = _plan(
                        symbol,
                        covs[m.name].get(symbol),
                        start=start,
                        end=end,
                        refresh=refresh,
                        revision=m.revision(symbol),
                        settled=settled[symbol],
                    )
                    if plan is None:
                        served[symbol] = m  # nothing to fetch (no session in the window)
                        ok.add(symbol)
                    else:
                        plans[symbol] = plan
                again: dict[str, _Plan] = {}
                for batch in chain.batches(m, list(plans)):
                    if chain.breaker.is_open(m.name):
                        break
                    again.update(loader.run_round({s: plans[s] for s in batch}, covs[m.name]))
                    for symbol in batch:
                        problem = loader.failures.get(symbol)
                        if problem is None:
                            served[symbol] = m
                            ok.add(symbol)
                            chain.breaker.record(m.name, m.label, network=False)
                            continue
                        why = loader.failure_reasons[symbol]
                        failed.setdefault(symbol, []).append((m, problem, why))
                        trip = chain.breaker.record(
                            m.name, m.label, network=why.code in NETWORK_CODES, problem=problem
                        )
                        if trip is not None:
                            say(trip.line())
                loader.run_round(again, covs[m.name])
                if loader.asked:
                    covs[m.name] = store.coverage(m.name, wanted)
                pending = [s for s in pending if s not in served]
            for symbol in wanted:
                if symbol in served:
                    continue
                # Nobody gave it: the first member whose cache holds bars, else the first.
                holder = next((m for m in members if symbol in covs[m.name]), members[0])
                served[symbol] = holder
            bars: dict[str, pd.DataFrame] = {}
            for m in members:
                mine = [s for s in wanted if served[s] is m]
                if mine:
                    bars.update(store.read(m.name, mine, start, end))
        return served, covs, bars, loaders, {s: failed[s] for s in failed if s not in ok}

    seen = file_identity(store_path)
    try:
        served, covs, bars, loaders, failed = through_cache()
    except UnreadableCacheError as exc:
        heal(store_path, exc, seen)
        served, covs, bars, loaders, failed = through_cache()

    histories: dict[str, SymbolHistory] = {}
    failures: dict[str, str] = {}
    for symbol in wanted:
        member = served[symbol]
        coverage = covs[member.name].get(symbol)
        frame = bars[symbol]
        tried = failed.get(symbol, [])
        why: Reason | None
        if tried:
            failures[symbol] = "; ".join(f"{m.label}: {problem}" for m, problem, _why in tried)
            why = tried[0][2]
        else:
            why = _staleness(
                symbol, frame, coverage, start, end, member, offline, loaders[member.name]
            )
        histories[symbol] = SymbolHistory(
            symbol,
            frame,
            coverage.meta if coverage is not None else None,
            problem=failures.get(symbol) or (why.plain(chain.labels) if why is not None else None),
            failed=symbol in failures,
            cause=why,
        )
    if wanted and all(s in failures for s in wanted) and all(bars[s].empty for s in wanted):
        raise _all_failed(chain, wanted, failures)
    if offline and wanted and all(histories[s].bars.empty for s in wanted):
        raise SourceError(
            f"no cached prices from {chain.label} for {', '.join(wanted)} "
            f"between {start.isoformat()} and {end.isoformat()}",
            hint=f"Run once without --offline to fetch them (cache: {store_path}).",
        )
    return PriceFrame(
        source=chain.name,
        histories=histories,
        fetch_rounds=sum(loader.rounds for loader in loaders.values()),
        synthetic=False,
    )


def _staleness(
    symbol: str,
    frame: pd.DataFrame,
    coverage: Coverage | None,
    start: dt.date,
    end: dt.date,
    source: PriceSource,
    offline: bool,
    loader: _Loader,
) -> Reason | None:
    """Why a symbol's last bar is older than the session expected at ``end``, if it is."""
    expected = _last_expected(symbol, end)
    last = frame.index[-1].date() if not frame.empty else None
    if (last is not None and last >= expected) or (last is None and expected < start):
        return None
    if coverage is None:
        return reason("not_in_cache") if offline else reason("no_data_from", source=source.name)
    if offline:
        if last is None:
            return reason("offline_empty", source=source.name)
        return reason("offline_through", source=source.name, date=last)
    note = loader.notes.get(symbol) or (said(coverage.problem) if coverage.problem else None)
    if note is not None:
        return note
    if last is None:
        return reason("no_data_in_window", source=source.name)
    return reason("no_data_after", source=source.name, date=last)


def _all_failed(source: PriceSource, symbols: list[str], failures: dict[str, str]) -> SourceError:
    """The error for a source that gave nothing for any symbol."""
    problems = {failures[s] for s in symbols}
    names = ", ".join(symbols)
    if len(problems) == 1:
        message = f"{source.label} gave no prices for {names}: {problems.pop()}"
    else:
        lines = "\n".join(f"  {s}: {failures[s]}" for s in symbols)
        message = f"{source.label} gave no prices for {names}:\n{lines}"
    entry = source_entry(source.name)
    if entry is None:
        hint = "Use --source demo or --source csv:DIR."
    else:
        hint = entry.failure_hint([failures[s] for s in symbols])
    return SourceError(message, hint=hint)
