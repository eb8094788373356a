"""A YAML loader with a budget, for the themes book: no aliases, bounded size and depth.

PyYAML's safe loader expands aliases without limit: a 253-byte file of seven nested
levels of ten aliases each (an "alias bomb") makes 10**7 references, and a walk over
the composed tree visits every one of them. A themes book has no use for anchors, so
:class:`BudgetLoader` refuses them where they are written, before anything is walked:

* an anchor (``&name``), an alias (``*name``) or a merge key (``<<``) is a
  :class:`RefusedYAML` naming the line: ``aliases are not supported in a themes book``;
* more than :data:`MAX_NODES` nodes, nesting deeper than :data:`MAX_DEPTH`, or a single
  value longer than :data:`MAX_SCALAR_CHARS` characters is refused the same way.

The limits are far above any real book (the repository's book has 332 nodes, six
levels deep, its longest value 732 characters; the benchmarks' 100-theme book has 7,105
nodes). Where PyYAML has libyaml, the node and depth limits are first checked on
libyaml's events (:func:`_prescan`), so even the worst file within the 1 MiB size limit
is refused in a fraction of a second; the pure-Python loader then composes only files
within the budget.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Most nodes (mappings, sequences, scalars) in one file.
MAX_NODES = 100_000
#: Deepest nesting of mappings and sequences.
MAX_DEPTH = 32
#: Longest single value, in characters.
MAX_SCALAR_CHARS = 65_536

ALIASES_REFUSED = "aliases are not supported in a themes book"


class RefusedYAML(yaml.MarkedYAMLError):
    """Valid YAML that a themes book does not accept; ``problem_mark`` is where."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class BudgetLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses anchors, aliases and merge keys and bounds the tree."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise RefusedYAML(
                f"{ALIASES_REFUSED} (alias *{event.anchor}); write the value out in full", mark
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise RefusedYAML(
                f"{ALIASES_REFUSED} (anchor &{anchor}); write the value out in full", mark
            )
        if isinstance(event, yaml.ScalarEvent):
            is_key = isinstance(parent, yaml.MappingNode) and index is None
            if event.value == "<<" and event.implicit[0] and is_key:
                raise RefusedYAML(
                    f"{ALIASES_REFUSED} (merge key <<); write the keys out in full", mark
                )
            if len(event.value) > MAX_SCALAR_CHARS:
                raise RefusedYAML(
                    f"a value of {len(event.value):,} characters; a themes book allows at most "
                    f"{MAX_SCALAR_CHARS:,}",
                    mark,
                )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise RefusedYAML(
                f"more than {MAX_NODES:,} values; a themes book allows at most that many", mark
            )
        nested = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise RefusedYAML(
                    f"nesting deeper than {MAX_DEPTH} levels; a themes book needs about six",
                    mark,
                )
        try:
            node: yaml.Node | None = super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1
        return node


def _prescan(text: str) -> None:
    """Enforce the budget with libyaml's fast parser before the pure-Python composer runs.

    PyYAML's Python scanner needs seconds for a 1 MiB file of 500,000 values or of deep
    flow nesting; libyaml reads the same events in a fraction of that and stops at the
    first one over budget. Anything else it finds wrong is left to the Python loader,
    whose messages the rest of the program formats (a no-op without libyaml).
    """
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None or not getattr(yaml, "__with_libyaml__", False):
        return
    nodes = depth = 0
    try:
        for event in yaml.parse(text, Loader=loader_class):
            mark = event.start_mark
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return  # refused by BudgetLoader, with its exact wording
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                continue
            if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
                return  # BudgetLoader names the value and its length
            if isinstance(
                event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
            ):
                nodes += 1
                if nodes > MAX_NODES:
                    raise RefusedYAML(
                        f"more than {MAX_NODES:,} values; a themes book allows at most that many",
                        mark,
                    )
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RefusedYAML(
                        f"nesting deeper than {MAX_DEPTH} levels; a themes book needs about six",
                        mark,
                    )
    except RefusedYAML:
        raise
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem):  # libyaml's own limit (1,000 levels)
            raise RefusedYAML(
                f"nesting deeper than {MAX_DEPTH} levels; a themes book needs about six",
                exc.problem_mark,
            ) from None
    except yaml.YAMLError:
        pass


def compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document, within the budget (raises yaml.YAMLError)."""
    _prescan(text)
    loader = BudgetLoader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()
