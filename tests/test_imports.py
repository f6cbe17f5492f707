"""The house rules of imports: no cycles among the project's modules, layers that import one way, and
private library API (bentoml._internal, ray._private, `_model_store=`, ...) only inside the two fences."""

from __future__ import annotations

import ast
from pathlib import Path

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


def module_name(path: Path) -> str:
    """clausewise/segment/html.py -> clausewise.segment.html; a package's __init__.py -> the package's name."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(packages=PACKAGES) -> dict[str, Path]:
    """Module name -> file, subpackages included."""
    return {module_name(p): p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py"))}


def imported_module(node: ast.ImportFrom, importer: str, is_package: bool) -> str | None:
    """The absolute module of a `from ... import` (relative ones resolved against the importer)."""
    if not node.level:
        return node.module
    base = importer.split(".")[: len(importer.split(".")) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else [])) or None


def project_imports() -> dict[str, set[str]]:
    """Module name -> project modules it imports anywhere in its body (inside functions too).

    `from pkg import sub` counts as importing the submodule pkg.sub, not pkg/__init__.py (Python imports
    the package first either way; counting it would make every package look like a cycle with its parts).
    """
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = imported_module(node, name, path.name == "__init__.py")
                if not module:
                    continue
                subs = [f"{module}.{a.name}" for a in node.names]
                targets = [t for t in subs if t in modules]
                if len(targets) < len(subs):  # some names come from the module itself
                    targets.append(module)
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


def test_subpackages_are_walked_and_named_by_their_dotted_path():
    modules = project_modules()
    assert module_name(ROOT / "clausewise" / "__init__.py") == "clausewise"
    assert module_name(ROOT / "clausewise" / "segment" / "html.py") == "clausewise.segment.html"
    assert "clausewise.segment" in modules and "clausewise.segment.html" in modules
    assert "clausewise.segment.html" in project_imports()["clausewise.segment"]


# --- private library API only inside the fences ---------------------------------------------------------------------
FENCES = {"clausewise/bentoml_private.py": "BentoML", "clausewise/ray_private.py": "Ray"}
SCANNED = (*PACKAGES, "benchmarks")
# Private names of BentoML and Ray we use (as attributes or keywords); self._path and the like stay allowed.
# Also refused: `models_dir() / ... / "latest"`, the store's `latest` pointer by hand (bentoml_private.latest_file),
# and routing on BentoML's OpenAPI path, `path == "/docs.json"` (bentoml_private.openapi_path).
OPENAPI_PATH = "/docs.json"
FENCED_NAMES = {"_model_store", "_node_ip_address", "_path"}
FIX = (
    "move it into the fence, clausewise/bentoml_private.py (BentoML) or clausewise/ray_private.py (Ray), as a small "
    "named function, with a test in tests/clausewise/test_bentoml_private.py or tests/clausewise/test_ray_private.py that fails on upgrade"
)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _constant(node: ast.AST):
    return node.value if isinstance(node, ast.Constant) else None


def _in_store(node: ast.AST) -> bool:
    """A path expression built on models_dir() (the model store), e.g. models_dir() / name."""
    return any(
        isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == "models_dir"
        for n in ast.walk(node)
    )


def private_uses(source: str, project: tuple[str, ...] = SCANNED) -> list[tuple[int, str]]:
    """(line, what) for each private import, private attribute of an imported library, or fenced name in `source`."""
    tree = ast.parse(source)
    libraries: set[str] = set()  # local names bound to imported non-project modules
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if any(_private(part) for part in a.name.split(".")):
                    found.append((node.lineno, f"import {a.name}"))
                if a.name.split(".")[0] not in project:
                    libraries.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "__future__":
                continue
            if any(_private(part) for part in node.module.split(".")):
                found.append((node.lineno, f"from {node.module} import ..."))
            elif node.module.split(".")[0] not in project:
                found += [(node.lineno, f"from {node.module} import {a.name}") for a in node.names if _private(a.name)]
                libraries |= {a.asname or a.name for a in node.names}
    inner: set[int] = set()  # attributes inside a chain already looked at (ast.walk visits the outer one first)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            chain, root = [node.attr], node.value
            while isinstance(root, ast.Attribute):
                inner.add(id(root))
                chain.append(root.attr)
                root = root.value
            on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if node.attr in FENCED_NAMES and not on_self:
                found.append((node.lineno, f"attribute .{node.attr}"))
            elif isinstance(root, ast.Name) and root.id in libraries and any(_private(a) for a in chain):
                found.append((node.lineno, ".".join([root.id, *reversed(chain)])))
        elif isinstance(node, ast.keyword) and node.arg and (node.arg in FENCED_NAMES or _private(node.arg)):
            found.append((node.lineno, f"keyword {node.arg}="))
        elif isinstance(node, ast.BinOp) and _constant(node.right) == "latest" and _in_store(node.left):
            found.append((node.lineno, '... / "latest" (the model store\'s layout)'))
        elif isinstance(node, ast.Compare) and OPENAPI_PATH in map(_constant, [node.left, *node.comparators]):
            found.append((node.lineno, f"== {OPENAPI_PATH!r} (where BentoML serves the OpenAPI document)"))
    return sorted(set(found))


def test_private_library_api_is_used_only_inside_the_fences():
    wrong = []
    for pkg in SCANNED:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel not in FENCES:
                wrong += [f"{rel}:{line}: {what}" for line, what in private_uses(path.read_text(encoding="utf-8"))]
    assert not wrong, "private library API outside the fences; " + FIX + ":\n  " + "\n  ".join(wrong)


def test_the_fences_are_where_the_private_uses_are():
    for rel in FENCES:
        assert private_uses((ROOT / rel).read_text(encoding="utf-8")), f"{rel} no longer uses private API: drop it"


def test_private_use_finder_finds_planted_uses():
    planted = """
import bentoml
import ray
import _bentoml_impl.server
from bentoml._internal.models.model import ModelStore
from ray import _private
from clausewise.segment import _spans
def f(store, model):
    bentoml.models.create("x", _model_store=store)
    ray.init(_node_ip_address="127.0.0.1")
    ray._private.worker.global_worker
    self._path = store._path
    (models_dir() / "x" / "latest").write_text(model.__class__.__name__)
    return bentoml.__version__, root / "latest", models_dir() / "latest_ok", scope["path"] == "/docs.json"
"""
    assert private_uses(planted, project=("clausewise",)) == [
        (4, "import _bentoml_impl.server"),
        (5, "from bentoml._internal.models.model import ..."),
        (6, "from ray import _private"),
        (9, "keyword _model_store="),
        (10, "keyword _node_ip_address="),
        (11, "ray._private.worker.global_worker"),
        (12, "attribute ._path"),
        (13, '... / "latest" (the model store\'s layout)'),
        (14, "== '/docs.json' (where BentoML serves the OpenAPI document)"),
    ]
