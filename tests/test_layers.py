"""A lower layer never imports a higher one, and no modules import each other in a circle.

Every module under kg/ is parsed with `ast` (nothing is imported), each import it makes
(at module level, inside a function, or under `TYPE_CHECKING`: for layering all are
dependencies; for cycles the type-checking ones are not, as they never run) is resolved to a
module of kg/, and each module is given a layer by its folder:

    core < sources < extract < resolve < rdf < store < pipeline/api
         < query/export/validate/evaluate/link < serve < cli

Top-level modules are placed by what they are (`TOP_LEVEL`): `kg/__init__.py` re-exports the
library API (`KnowledgeGraph`), so it sits with api; `sparql_errors.py` explains
query errors to the endpoint and the CLI and reads the endpoint's protocol module, so it sits
with serve. A module that is in no folder below and not in `TOP_LEVEL` fails the test: say
where it belongs.
"""

from __future__ import annotations

import ast
from pathlib import Path

KG = Path(__file__).resolve().parents[1] / "kg"

# Rank of each layer: a module may import its own layer and those below it.
RANKS = {"core": 0, "sources": 1, "extract": 2, "resolve": 3, "rdf": 4, "store": 5,
         "pipeline": 6, "query": 7, "serve": 8, "cli": 9}
FOLDERS = {"core": "core", "sources": "sources", "extract": "extract", "resolve": "resolve",
           "rdf": "rdf", "store": "store", "pipeline": "pipeline", "serve": "serve",
           "link": "query", "cli": "cli"}
TOP_LEVEL = {
    "kg": "pipeline", "kg.api": "pipeline",
    "kg.query": "query", "kg.export": "query", "kg.validate": "query", "kg.evaluate": "query",
    "kg.link": "query",
    "kg.sparql_errors": "serve",
    "kg.cli": "cli",
}



def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(KG.rglob("*.py"))}


def _layer(module: str) -> str:
    if module in TOP_LEVEL:
        return TOP_LEVEL[module]
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in FOLDERS:
        return FOLDERS[parts[1]]
    raise AssertionError(f"{module} is in no layer: add it to TOP_LEVEL in {__file__}")


def _target(name: str) -> str | None:
    """The kg module an imported name lives in (the longest known prefix)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
        or isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(module: str) -> list[tuple[str, int, bool]]:
    """(imported kg module, line, only for type checking) for every import in the module."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), module, package)


def imports_in(source: str, module: str, package: str) -> list[tuple[str, int, bool]]:
    tree = ast.parse(source)
    out: set[tuple[str, int, bool]] = set()

    def walk(node: ast.AST, typing_only: bool) -> None:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # "from kg.resolve import resolver" imports the submodule, "from kg.x import f" x
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        for name in names:
            target = _target(name) if name == "kg" or name.startswith("kg.") else None
            if target is not None and target != module:
                out.add((target, node.lineno, typing_only))
        if _is_type_checking(node):
            for child in node.body:
                walk(child, True)
            for child in node.orelse:
                walk(child, typing_only)
            return
        for child in ast.iter_child_nodes(node):
            walk(child, typing_only)

    walk(tree, False)
    return sorted(out)


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_module_has_a_layer():
    for module in MODULES:
        assert _layer(module) in RANKS


def test_no_lower_layer_imports_a_higher_one():
    problems = []
    for module, targets in GRAPH.items():
        for target, line, _ in targets:
            if RANKS[_layer(module)] >= RANKS[_layer(target)]:
                continue
            problems.append(f"{MODULES[module].relative_to(KG.parent)}:{line}: {module} "
                            f"({_layer(module)}) imports {target} ({_layer(target)})")
    assert not problems, "lower layers import higher ones:\n" + "\n".join(problems)


def _cycles(graph: dict[str, list[tuple[str, int, bool]]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan). An import only for
    type checking is no cycle: it is never run."""
    edges = {m: sorted({t for t, _, typing_only in ts if not typing_only})
             for m, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
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
                out.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    cycles = _cycles(GRAPH)
    assert not cycles, "modules importing each other in a circle:\n" + "\n".join(
        " <-> ".join(c) for c in cycles)


def test_the_parser_sees_every_kind_of_import():
    """Imports in a function body, relative ones and type-checking ones are all found."""
    src = ("from typing import TYPE_CHECKING\n"
           "import kg.core.model\n"
           "from . import roles\n"
           "from ..resolve import resolver\n"
           "if TYPE_CHECKING:\n"
           "    from kg.rdf.mapping import Iris\n"
           "def f():\n"
           "    from kg.resolve.entry import Extractor\n")
    found = imports_in(src, "kg.extract.nlp", "kg.extract")
    assert found == [("kg.core.model", 2, False), ("kg.extract.roles", 3, False),
                     ("kg.rdf.mapping", 6, True), ("kg.resolve.entry", 8, False),
                     ("kg.resolve.resolver", 4, False)]


def test_cycles_are_found_but_not_through_type_checking():
    graph = {"kg.a": [("kg.b", 1, False)], "kg.b": [("kg.c", 1, False)],
             "kg.c": [("kg.a", 1, False)], "kg.d": [("kg.a", 1, True)],
             "kg.e": [("kg.d", 1, False)]}
    graph["kg.a"].append(("kg.e", 2, True))
    assert _cycles(graph) == [["kg.a", "kg.b", "kg.c"]]
