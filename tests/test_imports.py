"""The house rules of imports: no cycles among the project's modules, and layers that import one way."""

from __future__ import annotations

import ast

from tests.utils import ROOT

PACKAGES = ("clausewise", "clausewise_cli", "training", "serving", "batch")
# What each layer may import from the project: clausewise/ <- training/, serving/, batch/ <- clausewise_cli.
ALLOWED = {
    "clausewise": {"clausewise"},
    "training": {"clausewise", "training"},
    "serving": {"clausewise", "serving"},
    "batch": {"clausewise", "batch"},
    "clausewise_cli": {"clausewise", "training", "serving", "batch", "clausewise_cli"},
}


def project_imports() -> dict[str, set[str]]:
    """Module name -> project modules it imports anywhere in its body (inside functions too)."""
    modules = {f"{p.parent.name}.{p.stem}": p for pkg in PACKAGES for p in (ROOT / pkg).glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            found |= {t for t in targets if t in modules and t != name}
        graph[name] = found
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycles_among_project_modules():
    graph = project_imports()
    assert len(graph) > 20
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_layers_import_one_way():
    wrong = [
        f"{m} imports {t}"
        for m, targets in project_imports().items()
        for t in targets
        if t.split(".")[0] not in ALLOWED[m.split(".")[0]]
    ]
    assert not wrong, wrong
