"""The seams, checked: the import graph of ``src/`` and the registries behind the seams.

The graph is computed with :mod:`ast` from every ``import`` in the package: at module
level, inside functions and under ``TYPE_CHECKING`` alike (a type-only import is still
a dependency). It asserts what ``docs/architecture.md`` ("Rules kept") says.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "concepttrack"


@dataclass(frozen=True)
class Edge:
    """One import: ``source`` imports ``target`` at ``line``."""

    source: str
    target: str
    line: int
    #: True when it runs on import of ``source`` (module level, not under TYPE_CHECKING).
    eager: bool


def _modules() -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import node with whether it runs when the module is imported."""

    def walk(node: ast.AST, eager: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, eager
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for item in child.body:
                    yield from walk(ast.Module(body=[item], type_ignores=[]), False)
                for item in child.orelse:
                    yield from walk(ast.Module(body=[item], type_ignores=[]), eager)
            else:
                yield from walk(child, eager)

    yield from walk(tree, True)


@cache
def graph() -> tuple[dict[str, tuple[Path, bool]], tuple[Edge, ...]]:
    """(modules, edges) of the package."""
    modules = _modules()
    edges: list[Edge] = []
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = name if is_package else name.rpartition(".")[0]
        for node, eager in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    origin = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    origin = node.module or ""
                for alias in node.names:
                    submodule = f"{origin}.{alias.name}"
                    targets.append(submodule if submodule in modules else origin)
            for target in targets:
                if target.split(".")[0] != PACKAGE or target == name:
                    continue
                while target not in modules:  # ``import concepttrack.x.y`` of a name
                    target = target.rpartition(".")[0]
                edges.append(Edge(name, target, node.lineno, eager))
    return modules, tuple(edges)


def _where(edge: Edge) -> str:
    return f"{edge.source} -> {edge.target} (line {edge.line})"


def _cycles(nodes: set[str], edges: tuple[Edge, ...]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    succ: dict[str, set[str]] = {n: set() for n in nodes}
    for edge in edges:
        succ[edge.source].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(nodes) + 100))

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    try:
        for node in sorted(nodes):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return found


def _in(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _cli(module: str) -> bool:
    tail = module.rpartition(".")[2]
    return module.count(".") == 1 and (tail == "cli" or tail.startswith("cli_"))


#: The price layer's fetchers and loaders: what "analytics and render never fetch" means.
FETCHERS = (
    "concepttrack.prices",  # load_prices (the package itself)
    "concepttrack.prices.yahoo",
    "concepttrack.prices.akshare",
    "concepttrack.prices.csvdir",
    "concepttrack.prices.demo",
    "concepttrack.prices.store",
    "concepttrack.prices.fundamentals",  # load_fundamentals
)


# --- the graph ---------------------------------------------------------------------------


def test_the_graph_sees_the_package() -> None:
    modules, edges = graph()
    assert "concepttrack.pipeline" in modules
    assert "concepttrack.render.writers.pdf" in modules
    # Imports inside functions and under TYPE_CHECKING count.
    lazy = [e for e in edges if e.source == "concepttrack.pipeline" and not e.eager]
    assert any(e.target == "concepttrack.render" for e in lazy)
    assert len(edges) > 300


#: Cycles not broken yet, each with why. Empty this when they are: the test below fails
#: when a listed cycle no longer exists.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def test_no_import_cycles() -> None:
    modules, edges = graph()
    cycles = [c for c in _cycles(set(modules), edges) if frozenset(c) not in KNOWN_CYCLES]
    detail = [
        [_where(e) for e in edges if e.source in cycle and e.target in cycle] for cycle in cycles
    ]
    assert cycles == [], detail


def test_known_cycles_are_still_there() -> None:
    """A cycle listed in KNOWN_CYCLES that is gone must leave the list."""
    modules, edges = graph()
    found = {frozenset(c) for c in _cycles(set(modules), edges)}
    assert set(KNOWN_CYCLES) <= found, "remove the broken cycles from KNOWN_CYCLES"


def test_nothing_below_the_cli_imports_the_pipeline_or_the_cli() -> None:
    _, edges = graph()
    wrong = [
        _where(e)
        for e in edges
        if (e.target == "concepttrack.pipeline" or _cli(e.target))
        and not _cli(e.source)
        and e.source != "concepttrack.__main__"
    ]
    assert wrong == []


def test_the_reporter_seam_imports_nothing_of_the_project() -> None:
    _, edges = graph()
    assert [_where(e) for e in edges if e.source == "concepttrack.reporting"] == []


def test_analytics_and_render_never_import_a_fetcher() -> None:
    _, edges = graph()
    wrong = [
        _where(e)
        for e in edges
        if _in(e.source, "concepttrack.analytics", "concepttrack.render") and e.target in FETCHERS
    ]
    assert wrong == []


def test_importing_analytics_or_render_loads_no_fetcher() -> None:
    """What runs on import (module-level imports, and each module's parent packages)
    never reaches a fetcher or a module that imports yfinance."""
    modules, edges = graph()
    eager: dict[str, set[str]] = {m: set() for m in modules}
    for edge in edges:
        if edge.eager:
            eager[edge.source].add(edge.target)
    for name in modules:
        parent = name.rpartition(".")[0]
        if parent in modules:
            eager[name].add(parent)
    for start in (m for m in modules if _in(m, "concepttrack.analytics", "concepttrack.render")):
        seen, todo = {start}, [start]
        while todo:
            for target in eager[todo.pop()] - seen:
                seen.add(target)
                todo.append(target)
        reached = sorted(seen & (set(FETCHERS) - {"concepttrack.prices"}))
        assert reached == [], f"importing {start} loads {reached}"


def test_dependencies_point_down() -> None:
    """cli -> pipeline -> {themes, prices, analytics, render, archive} -> errors."""
    _, edges = graph()
    forbidden = {
        "concepttrack.errors": ("concepttrack",),
        "concepttrack.prices": (
            "concepttrack.analytics",
            "concepttrack.render",
            "concepttrack.archive",
            "concepttrack.site",
            "concepttrack.deliver",
        ),
        "concepttrack.analytics": (
            "concepttrack.render",
            "concepttrack.archive",
            "concepttrack.site",
            "concepttrack.deliver",
        ),
        "concepttrack.render": ("concepttrack.site", "concepttrack.deliver"),
    }
    wrong = [
        _where(e)
        for e in edges
        for layer, above in forbidden.items()
        if _in(e.source, layer) and _in(e.target, *above) and not _in(e.target, layer)
    ]
    assert wrong == []


def test_the_checks_catch_what_they_claim(tmp_path: Path) -> None:
    """The cycle finder and the import walker on a made-up graph."""
    edges = (
        Edge("a", "b", 1, True),
        Edge("b", "c", 1, False),
        Edge("c", "a", 1, False),
        Edge("c", "d", 1, True),
    )
    assert _cycles({"a", "b", "c", "d"}, edges) == [["a", "b", "c"]]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import x\n"
        "if TYPE_CHECKING:\n    import y\n"
        "def f():\n    import z\n"
    )
    found = {alias.name: eager for node, eager in _imports(tree) for alias in node.names}
    assert found == {"TYPE_CHECKING": True, "x": True, "y": False, "z": False}


# --- the source registry -----------------------------------------------------------------


def test_every_source_is_one_registry_entry(tmp_path: Path) -> None:
    from concepttrack.prices.base import PriceSource
    from concepttrack.prices.registry import SOURCES, get_source, source_entry

    assert [e.kind for e in SOURCES] == ["yahoo", "akshare", "csv", "demo"]
    for entry in SOURCES:
        spec = f"{entry.kind}:{tmp_path}" if entry.argument else entry.kind
        source = get_source(spec, cache_dir=tmp_path / "yfinance")
        assert isinstance(source, PriceSource)
        assert source_entry(source.name) is entry
        assert entry.hint
    assert [e.kind for e in SOURCES if e.demo] == ["demo"]
    assert source_entry("Bloomberg") is None


def test_source_labels_come_from_the_registry_in_every_language() -> None:
    from concepttrack.render.messages import source_label

    assert source_label("yahoo") == "Yahoo Finance daily bars"
    assert source_label("csv:/data/hk-prices/") == "CSV price files (hk-prices)"
    assert source_label("demo", "zh-hk") != source_label("demo", "en")
    assert "hk-prices" in source_label("csv:/data/hk-prices", "zh-cn")
    assert source_label("bloomberg") == "bloomberg"


def test_a_failure_hint_is_the_sources_own() -> None:
    from concepttrack.prices.registry import source_entry

    yahoo = source_entry("yahoo")
    assert yahoo is not None
    assert "stock codes" in yahoo.failure_hint(["not found on Yahoo", "not found"])
    assert "network" in yahoo.failure_hint(["rate limited (429)"])
    csv = source_entry("csv:/x")
    assert csv is not None
    assert "CSV files" in csv.failure_hint(["no file"])


def test_no_module_but_the_registry_compares_source_names() -> None:
    """``== "demo"``, ``startswith("csv`` … appear only in ``prices/registry.py``."""
    needles = ('== "demo"', '== "yahoo"', 'startswith("csv', "== 'demo'", '!= "demo"')
    wrong = []
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        if path.name == "registry.py" and path.parent.name == "prices":
            continue
        text = path.read_text(encoding="utf-8")
        wrong.extend(f"{path.relative_to(SRC)}: {n}" for n in needles if n in text)
    assert wrong == []


# --- the writer registry -----------------------------------------------------------------


def test_formats_come_from_the_writer_registry() -> None:
    from concepttrack import pipeline
    from concepttrack.render import FORMATS
    from concepttrack.render.writers import format_names, writer_registry

    assert format_names() == ("md", "pdf", "html", "json") == FORMATS
    assert [w.per_language for w in writer_registry().values()] == [True, True, True, False]
    assert pipeline.parse_formats("PDF, md,pdf") == ("pdf", "md")


def test_a_new_format_is_one_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module dropped into the writers package is a format: --format accepts it and
    render_note writes it, in every language."""
    from concepttrack import pipeline, render
    from concepttrack.render import writers as registry
    from tests.render_fixtures import sora_snapshot, sora_theme

    extra = tmp_path / "plugins"
    extra.mkdir()
    (extra / "txt.py").write_text(
        "from concepttrack.render.writers.base import Writer\n"
        "class TextWriter(Writer):\n"
        "    name = 'txt'\n"
        "    order = 50\n"
        "    def write_page(self, page):\n"
        "        path = page.note_dir / f'{page.stem}.txt'\n"
        "        path.parent.mkdir(parents=True, exist_ok=True)\n"
        "        path.write_text(page.note.lang, encoding='utf-8')\n"
        "        return path\n"
        "WRITER = TextWriter()\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(registry, "__path__", [*registry.__path__, str(extra)])
    registry.writer_registry.cache_clear()
    try:
        assert pipeline.parse_formats("txt,json") == ("txt", "json")
        theme = sora_theme()
        paths = render.render_note(
            theme,
            sora_snapshot(),
            formats=["txt"],
            out_dir=tmp_path / "out",
            languages=("en", "zh-hk"),
        )
        assert [p.suffix for p in paths] == [".txt", ".txt"]
        assert paths[1].name.endswith(".zh-hk.txt")
    finally:
        monkeypatch.undo()
        registry.writer_registry.cache_clear()
        sys.modules.pop("concepttrack.render.writers.txt", None)
    assert "txt" not in registry.format_names()
