"""The price sources ``--source`` can name, each with its label, failure hint and demo flag.

One :class:`SourceEntry` per source. :func:`get_source` builds the source a spec names
(``yahoo``, ``akshare``, ``csv:DIR``, ``demo``); :func:`source_entry` says what a note, a message or
the pipeline needs to know about it without building it (the label a note prints, the
hint after a failure, whether it is synthetic). Nothing else in the project compares
source names.

A spec with commas is a **source chain** (``yahoo,csv:DIR``): :func:`get_source` builds a
:class:`~concepttrack.prices.chain.ChainSource` of its members, in order
(:func:`chain_members` splits and checks it; a member cannot itself hold a comma, and
the demo source cannot be a member). Each entry also names its **vendor**
(:func:`vendor_for`): who a figure came from, per symbol ("Yahoo Finance", "CSV file
0941.HK.csv"), for the note's data appendix and the JSON twin.

Adding a source: write ``prices/<name>.py`` with a class satisfying
:class:`~concepttrack.prices.base.PriceSource`, and add one entry to :data:`SOURCES`
(its label is a catalog message: add it to the three catalogs). Each entry's
``factory`` imports its module when called, so reading a label never imports a fetcher.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from concepttrack.errors import UsageError

if TYPE_CHECKING:
    from concepttrack.prices.base import PriceSource

__all__ = [
    "CHAIN_LABEL",
    "SOURCES",
    "SourceEntry",
    "chain_members",
    "fallback_source",
    "file_of",
    "fundamentals_label",
    "get_source",
    "is_demo",
    "source_entry",
    "vendor_for",
    "vendor_text",
]


def N_(message: str) -> str:
    """Mark a catalog message (translated where it is shown, by render)."""
    return message


#: Where fundamentals come from unless an entry says otherwise (a CSV folder's file).
FUNDAMENTALS_FILE = N_("fundamentals.csv of the %(source)s")

#: Catalog msgid naming a chain in a note: its members' labels joined by " → ".
CHAIN_LABEL = N_("%(sources)s (per stock, the first that answers)")

#: Vendors of entries that do not set ``vendor`` themselves, by kind.
VENDORS: dict[str, str] = {}

#: ``factory(argument, cache_dir)``: the source for the text after ``kind:``.
Factory = Callable[[str, "Path | None"], "PriceSource"]


@dataclass(frozen=True)
class SourceEntry:
    """One price source: how ``--source`` names it and how the notes and messages say it."""

    #: What ``--source`` names before any ``:`` (``csv`` in ``csv:DIR``).
    kind: str
    #: Builds the source (imports its module only then).
    factory: Factory
    #: Catalog msgid naming the source in a note; ``%(folder)s`` is the argument's last
    #: path part when the source takes one.
    label: str
    #: What to do when the source gave nothing for any symbol.
    hint: str
    #: Catalog msgid naming where its fundamentals come from; ``%(source)s`` is the
    #: source's label.
    fundamentals_label: str = FUNDAMENTALS_FILE
    #: Synthetic data: labelled DEMO, never "complete", not delivered by default.
    demo: bool = False
    #: The argument's name in ``kind:ARG`` (``DIR``), or None when it takes none.
    argument: str | None = None
    #: What the argument is ("a folder"), and the hint when it is missing.
    argument_help: str = "an argument"
    argument_hint: str | None = None
    #: Catalog msgid when the argument gives no name for ``%(folder)s``.
    bare_label: str | None = None
    #: Hints that replace ``hint`` when every failure starts with the key.
    hints_by_problem: Mapping[str, str] = field(default_factory=dict)
    #: Catalog msgid naming who a symbol's figures came from (``Yahoo Finance``); it may
    #: use ``%(file)s`` (the file a series was read from, see :func:`vendor_for`) and
    #: ``%(folder)s``. None: the label.
    vendor: str | None = None
    #: Used instead of ``vendor`` when the file is unknown.
    bare_vendor: str | None = None

    def label_for(self, spec: str) -> tuple[str, dict[str, str]]:
        """``(msgid, parameters)`` naming the source ``spec`` in a note."""
        _kind, _sep, detail = spec.partition(":")
        if self.argument is None:
            return self.label, {}
        folder = detail.rstrip("/").rsplit("/", 1)[-1] or detail
        if folder:
            return self.label, {"folder": folder}
        return self.bare_label or self.label, {}

    def failure_hint(self, problems: list[str]) -> str:
        """The hint after the source gave no prices; ``problems`` are the per-symbol whys."""
        for start, hint in self.hints_by_problem.items():
            if problems and all(p.startswith(start) for p in problems):
                return hint
        return self.hint

    def usage(self) -> str:
        """How ``--source`` spells it (``csv:DIR``)."""
        return f"{self.kind}:{self.argument}" if self.argument else self.kind


def _yahoo(argument: str, cache_dir: Path | None) -> PriceSource:
    from concepttrack.prices.yahoo import YahooSource

    return YahooSource(cache_dir=cache_dir)


def _akshare(argument: str, cache_dir: Path | None) -> PriceSource:
    from concepttrack.prices.akshare import AkshareSource

    return AkshareSource()


def _csv(argument: str, cache_dir: Path | None) -> PriceSource:
    from concepttrack.prices.csvdir import CsvDirSource

    return CsvDirSource(Path(argument).expanduser())


def _demo(argument: str, cache_dir: Path | None) -> PriceSource:
    from concepttrack.prices.demo import DemoSource

    return DemoSource()


#: Every source, in the order ``--help`` and hints list them.
SOURCES: tuple[SourceEntry, ...] = (
    SourceEntry(
        "yahoo",
        _yahoo,
        label=N_("Yahoo Finance daily bars"),
        fundamentals_label=N_("Yahoo Finance quote summary"),
        hint="Check the network connection, or run with --offline to use cached prices, "
        "or use --source demo or --source csv:DIR.",
        hints_by_problem={
            "not found": "Check the stock codes in the themes file, or use --source demo "
            "or --source csv:DIR."
        },
        vendor=N_("Yahoo Finance"),
    ),
    SourceEntry(
        "akshare",
        _akshare,
        label=N_("EastMoney daily bars via AkShare"),
        vendor=N_("EastMoney via AkShare"),
        hint="Check the network connection, or run with --offline to use cached prices, "
        "or chain another source (--source akshare,yahoo), or use --source csv:DIR.",
        hints_by_problem={
            "AkShare does not": "Check the stock codes in the themes file (AkShare serves "
            "HK stocks, A-shares, ^HSI, ^HSCE, ^HSTECH and EastMoney's FX pairs), or chain another "
            "source (--source akshare,yahoo), or use --source csv:DIR.",
            "fetch failed: rate limited": "EastMoney is limiting requests: wait a few "
            "minutes, run with --offline to use cached prices, or use --source yahoo.",
        },
    ),
    SourceEntry(
        "csv",
        _csv,
        label=N_("CSV price files (%(folder)s)"),
        bare_label=N_("CSV price files"),
        argument="DIR",
        argument_help="a folder",
        argument_hint="Pass --source csv:DIR with a folder holding one CSV file per symbol.",
        hint="Add or fix the CSV files named above (one per symbol, as exported from "
        "Yahoo Finance), or use --source demo.",
        vendor=N_("CSV file %(file)s"),
        bare_vendor=N_("CSV price files (%(folder)s)"),
    ),
    SourceEntry(
        "demo",
        _demo,
        label=N_("DEMO prices (synthetic, not market data)"),
        fundamentals_label=N_("DEMO (synthetic)"),
        hint="Demo prices cover any symbol; check the symbols in the themes file.",
        demo=True,
        vendor=N_("DEMO prices (synthetic, not market data)"),
    ),
)

_BY_KIND: dict[str, SourceEntry] = {entry.kind: entry for entry in SOURCES}


def source_entry(spec: str) -> SourceEntry | None:
    """The entry of the source ``spec`` names (``csv:./prices`` -> csv), or None (also for
    a chain: see :func:`chain_members`)."""
    kind = spec.strip().partition(":")[0].lower()
    return _BY_KIND.get(kind)


def chain_members(spec: str) -> list[str]:
    """The member specs of a chain (``yahoo, csv:DIR`` -> ``["yahoo", "csv:DIR"]``);
    ``[spec]`` for one source. Raises :class:`UsageError` for an empty member, a repeated
    one, an unknown kind or the demo source in a chain."""
    if "," not in spec:
        return [spec.strip()]
    members = [part.strip() for part in spec.split(",")]
    example = "Spell a chain like --source yahoo,csv:./prices (sources in the order to ask them)."
    if any(not part for part in members):
        raise UsageError(f"source chain {spec!r} has an empty member", hint=example)
    seen: set[str] = set()
    for member in members:
        entry = source_entry(member)
        if entry is None:
            raise UsageError(
                f"unknown price source {member!r} in the chain {spec!r}",
                hint=f"Use {_choices()}; {example}",
            )
        if entry.demo:
            raise UsageError(
                f"--source {entry.kind} cannot stand in a chain ({spec!r}): a note never "
                "mixes synthetic and market prices",
                hint="Use --fallback-demo to fall back to labelled demo prices when every "
                "source fails.",
            )
        key = member.lower() if entry.argument is None else member
        if key in seen:
            raise UsageError(f"source chain {spec!r} names {member!r} twice", hint=example)
        seen.add(key)
    return members


def file_of(detail: str | None) -> str | None:
    """The file name a series' ``SymbolMeta.detail`` starts with (a CSV series:
    ``0941.HK.csv (Yahoo CSV)`` -> ``0941.HK.csv``), never a folder; None when none."""
    name = (detail or "").split(" (", 1)[0].strip().replace("\\", "/").rsplit("/", 1)[-1]
    return name if name.lower().endswith(".csv") else None


def vendor_for(spec: str, file: str | None = None) -> tuple[str, dict[str, str]]:
    """``(msgid, parameters)`` naming who served a symbol: ``spec`` is the source id that
    served it (``SymbolMeta.source``), ``file`` the file it was read from (:func:`file_of`),
    so a note says "CSV file 0941.HK.csv", never a local path."""
    entry = source_entry(spec)
    if entry is None:
        return "%(source)s", {"source": spec}
    message, values = entry.label_for(spec)
    vendor = entry.vendor or VENDORS.get(entry.kind)
    if vendor is None:
        return message, values
    if "%(file)s" in vendor:
        if file:
            return vendor, {"file": file}
        if entry.bare_vendor and "folder" in values:
            return entry.bare_vendor, values
        return message, values
    return vendor, {k: v for k, v in values.items() if f"%({k})s" in vendor}


def vendor_text(spec: str, file: str | None = None) -> str:
    """:func:`vendor_for` in English (the JSON twin's ``vendor``)."""
    message, values = vendor_for(spec, file)
    return message % values


def fundamentals_label(spec: str) -> str:
    """Catalog msgid naming where ``spec``'s fundamentals come from (``%(source)s``: its
    label)."""
    entry = source_entry(spec)
    return entry.fundamentals_label if entry is not None else FUNDAMENTALS_FILE


def is_demo(spec: str) -> bool:
    """True when ``spec`` names a synthetic source (its entry's ``demo`` flag)."""
    entry = source_entry(spec)
    return entry is not None and entry.demo


def fallback_source() -> str:
    """The spec of the labelled demo source a run falls back to (``--fallback-demo``)."""
    return next(entry.kind for entry in SOURCES if entry.demo and entry.argument is None)


def _choices() -> str:
    spelled = [f"--source {e.usage()}" for e in SOURCES]
    return ", ".join(spelled[:-1]) + " or " + spelled[-1] if len(spelled) > 1 else spelled[0]


def get_source(spec: str, *, cache_dir: Path | None = None) -> PriceSource:
    """The source named by ``spec``: ``yahoo``, ``akshare``, ``csv:DIR`` or ``demo``, or a
    chain of
    them separated by commas (``yahoo,csv:DIR``, not demo)."""
    if "," in spec:
        from concepttrack.prices.chain import ChainSource

        members = chain_members(spec)
        return ChainSource([get_source(member, cache_dir=cache_dir) for member in members])
    text = spec.strip()
    kind, _sep, argument = text.partition(":")
    entry = _BY_KIND.get(kind.lower())
    if entry is not None and entry.argument is None and not argument:
        return entry.factory("", cache_dir)
    if entry is not None and entry.argument is not None:
        if not argument.strip():
            raise UsageError(
                f"--source {entry.kind} needs {entry.argument_help}, e.g. {entry.kind}:./prices",
                hint=entry.argument_hint or f"Pass --source {entry.usage()}.",
            )
        return entry.factory(argument.strip(), cache_dir)
    raise UsageError(
        f"unknown price source {spec!r}",
        hint=f"Use {_choices()}, or several in order separated by commas (yahoo,csv:DIR); "
        "also settable as CONCEPTTRACK_SOURCE or `source:` in the themes book.",
    )
