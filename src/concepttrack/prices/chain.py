"""A source chain: ``--source yahoo,akshare`` or ``yahoo,csv:DIR``, first answer wins per symbol.

:class:`ChainSource` satisfies :class:`~concepttrack.prices.base.PriceSource`. Its
members are ordinary sources, asked in order: the first for every symbol (one batch),
the second for the symbols the first could not give, and so on. Each
:class:`~concepttrack.prices.frame.SymbolHistory` keeps the ``SymbolMeta.source`` of the
member that served it, so the note and the run record can name it.

**Circuit breaker.** A member that fails :data:`BREAKER_THRESHOLD` symbols in a row
for a network-type reason (:func:`network_failure`: a fetch failure, rate limit, source
down, no answer, or an exception; *not* "this symbol is unknown" or "no CSV file") is
skipped for the rest of the run (the chain object's life: the pipeline builds one per
run). A member is asked first for a probe batch of :data:`BREAKER_THRESHOLD` symbols;
when those trip the breaker, the other symbols never ask it. Each trip is kept once in
:attr:`Breaker.trips` (the pipeline says it on the console, the log and the run record).

**Cache.** :func:`concepttrack.prices.load_prices` keeps a chain's bars under each
member's own name (``yahoo``, ``csv:DIR``), exactly as a one-source run does: a later
``--source yahoo`` run reuses what the chain fetched from Yahoo, and a warm chain run
serves a symbol from the first member whose cached bars are up to date, asking nobody.

The demo source cannot stand in a chain (:func:`~concepttrack.prices.registry.get_source`
refuses it): a note never mixes synthetic and market prices; ``--fallback-demo`` is the
way to fall back to labelled demo prices when every source fails.

Imports nothing that fetches; the members are built by the registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from concepttrack.errors import ConcepttrackError
from concepttrack.reasons import Reason, reason, said

if TYPE_CHECKING:
    from concepttrack.prices.base import PriceSource
    from concepttrack.prices.frame import SymbolHistory

__all__ = [
    "BREAKER_THRESHOLD",
    "NETWORK_CODES",
    "Breaker",
    "BreakerTrip",
    "ChainSource",
    "network_failure",
]

#: Network-type failures in a row after which a member is skipped for the run.
BREAKER_THRESHOLD = 3
#: Reason codes that say the source could not be reached (not: "symbol unknown").
NETWORK_CODES = frozenset(
    {"fetch_failed", "fetch_failed_after", "rate_limited", "source_down", "no_answer"}
)


def network_failure(history: SymbolHistory | None) -> bool:
    """True when a member failed ``history``'s symbol for a network-type reason.

    No answer at all, or a failure without a reason code, counts; "not found", a missing
    or malformed CSV file (the source's words quoted) do not.
    """
    if history is None:
        return True
    if not history.failed and history.meta is not None:
        return False
    cause = history.cause
    return cause is None or cause.code in NETWORK_CODES


@dataclass(frozen=True)
class BreakerTrip:
    """A member skipped for the rest of the run: which, after how many failures, why."""

    source: str
    label: str
    failures: int
    problem: str

    def line(self) -> str:
        """The console's and the log's words, said once."""
        return (
            f"{self.label}: {self.failures} failures in a row ({self.problem}); "
            "skipped for the rest of this run"
        )

    def to_dict(self) -> dict[str, str | int]:
        """The run record's entry (``breaker``)."""
        return {"source": self.source, "failures": self.failures, "problem": self.problem}


@dataclass
class Breaker:
    """Per member, network-type failures in a row; open members are skipped."""

    threshold: int = BREAKER_THRESHOLD
    streak: dict[str, int] = field(default_factory=dict)
    trips: list[BreakerTrip] = field(default_factory=list)

    def is_open(self, source: str) -> bool:
        return any(trip.source == source for trip in self.trips)

    def record(
        self, source: str, label: str, *, network: bool, problem: str = ""
    ) -> BreakerTrip | None:
        """Count one symbol's outcome; returns the trip when this failure opened it."""
        if self.is_open(source):
            return None
        if not network:
            self.streak[source] = 0
            return None
        self.streak[source] = self.streak.get(source, 0) + 1
        if self.streak[source] < self.threshold:
            return None
        trip = BreakerTrip(source, label, self.streak[source], problem)
        self.trips.append(trip)
        return trip


class ChainSource:
    """Several sources in order; per symbol the first that answers (see the module)."""

    def __init__(
        self,
        members: Sequence[PriceSource],
        *,
        breaker: Breaker | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        if len(members) < 2:
            raise ValueError("a chain needs at least two sources")
        self.members: tuple[PriceSource, ...] = tuple(members)
        self.breaker = breaker or Breaker()
        self.say = say or (lambda _message: None)
        #: Batched requests made through :meth:`fetch` (every member's calls).
        self.calls = 0

    @property
    def name(self) -> str:
        """The members' names joined by commas (what ``--source`` spelled, normalised)."""
        return ",".join(member.name for member in self.members)

    @property
    def label(self) -> str:
        """``Yahoo Finance daily bars → CSV price files (hk-prices)`` (English, console)."""
        return " → ".join(member.label for member in self.members)

    @property
    def labels(self) -> dict[str, str]:
        """Source id -> label, for every member and the chain (``Reason.plain``)."""
        found = {member.name: member.label for member in self.members}
        found[self.name] = self.label
        return found

    def live(self) -> list[PriceSource]:
        """The members not skipped by the breaker, in order."""
        return [m for m in self.members if not self.breaker.is_open(m.name)]

    def observe(self, member: PriceSource, history: SymbolHistory | None) -> None:
        """Count one symbol's outcome from ``member``; says a trip once."""
        network = network_failure(history)
        problem = ""
        if history is not None and history.problem:
            problem = history.problem
        elif history is None:
            problem = reason("no_answer", source=member.name).plain(self.labels)
        trip = self.breaker.record(member.name, member.label, network=network, problem=problem)
        if trip is not None:
            self.say(trip.line())

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        """Each member in turn for the symbols still unanswered (a probe batch first)."""
        remaining = list(dict.fromkeys(symbols))
        out: dict[str, SymbolHistory] = {}
        for member in self.members:
            if not remaining:
                break
            for batch in self.batches(member, remaining):
                if self.breaker.is_open(member.name):
                    break
                answers = self.ask(member, batch, start, end)
                for symbol in batch:
                    history = answers.get(symbol)
                    self.observe(member, history)
                    if history is not None and not history.failed and history.meta is not None:
                        out[symbol] = history
                    elif symbol not in out or out[symbol].meta is None:
                        out[symbol] = history or self.unanswered(symbol, member)
            remaining = [s for s in remaining if s not in out or out[s].meta is None]
        for symbol in remaining:
            if symbol not in out:
                out[symbol] = self.skipped(symbol)
        return out

    def batches(self, member: PriceSource, symbols: list[str]) -> list[list[str]]:
        """A probe of :attr:`Breaker.threshold` symbols, then the rest in one batch."""
        size = self.breaker.threshold
        if len(symbols) <= size:
            return [symbols]
        return [symbols[:size], symbols[size:]]

    def ask(
        self, member: PriceSource, symbols: list[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        """``member.fetch``; a raised project error fails every symbol of the batch."""
        from concepttrack.prices.frame import SymbolHistory, empty_bars

        self.calls += 1
        try:
            return member.fetch(symbols, start, end)
        except ConcepttrackError as exc:
            why = reason("fetch_failed", why=said(exc.message))
            text = why.plain(self.labels)
            return {s: SymbolHistory(s, empty_bars(), None, text, True, cause=why) for s in symbols}

    def unanswered(self, symbol: str, member: PriceSource) -> SymbolHistory:
        from concepttrack.prices.frame import SymbolHistory, empty_bars

        why = reason("no_answer", source=member.name)
        return SymbolHistory(symbol, empty_bars(), None, why.plain(self.labels), True, cause=why)

    def skipped(self, symbol: str) -> SymbolHistory:
        """A symbol no member was asked about: every member's breaker was open."""
        from concepttrack.prices.frame import SymbolHistory, empty_bars

        why = self.skipped_reason()
        return SymbolHistory(symbol, empty_bars(), None, why.plain(self.labels), True, cause=why)

    def skipped_reason(self) -> Reason:
        trip = self.breaker.trips[-1] if self.breaker.trips else None
        if trip is None:
            return reason("no_answer", source=self.name)
        return reason("source_skipped", source=trip.source, n=trip.failures)

    def revision(self, symbol: str) -> str | None:
        """The members' tokens joined (None when none has any)."""
        tokens = [member.revision(symbol) for member in self.members]
        if all(token is None for token in tokens):
            return None
        return "|".join(token or "" for token in tokens)
