"""Rules of the house that the code itself must keep: no import cycles between modules of `kindns`, and a
check engine that imports nothing of the web app (no Flask, no models, no queue).

The import graph is read with `ast`, every import counted wherever it stands (inside a function too: an
import moved into a function to dodge a cycle is still a cycle), except those under `if TYPE_CHECKING:`.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kindns"
ENGINE_FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_babel", "flask_login", "huey", "sqlalchemy", "werkzeug",
                    "kindns.models", "kindns.extensions", "kindns.jobs", "kindns.conformance")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module `module` imports (absolute names), wherever the import statement stands."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            # `from . import services` imports a module; `from .models import User` a name of one.
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """kindns module -> the kindns modules it imports."""
    sources = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for module, path in sources.items():
        imported = _imports(ast.parse(path.read_text(), str(path)), module, path.name == "__init__.py")
        graph[module] = {name for name in imported if name in sources and name != module}
    return graph


def all_imports(module: str) -> set[str]:
    path = next(p for p in PACKAGE.rglob("*.py") if _module_name(p) == module)
    return _imports(ast.parse(path.read_text()), module, path.name == "__init__.py")


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == 1:
                return path[path.index(child):] + [child]
            if child not in state:
                cycle = visit(child)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def _package_edges(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A package's __init__ importing its own submodules (or the factory importing everything) is how
    # packages are built, not a cycle between rooms: leave out edges from a package to what it contains.
    return {module: {name for name in targets if not name.startswith(module + ".")}
            for module, targets in graph.items()}


def test_no_import_cycle_between_modules_of_kindns():
    cycle = find_cycle(_package_edges(import_graph()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("module", sorted(m for m in import_graph() if m.startswith("kindns.checks")))
def test_the_check_engine_imports_nothing_of_the_web_app(module):
    imported = all_imports(module)
    forbidden = sorted(name for name in imported
                       if any(name == f or name.startswith(f + ".") for f in ENGINE_FORBIDDEN))
    assert forbidden == [], f"{module} imports {forbidden}"


def test_the_engine_rule_sees_a_forbidden_import():
    tree = ast.parse("def f():\n    from flask import current_app\n")
    assert "flask" in _imports(tree, "kindns.checks.example", False)


def test_mail_leaves_only_through_the_worker():
    """Every message is handed to the queue (kindns.mail.send_mail); only the worker's job delivers it, so
    no request waits for a mail server and none takes longer because an address has an account."""
    sources = {_module_name(path) for path in PACKAGE.rglob("*.py")}
    speaks_smtp = sorted(m for m in sources if "smtplib" in all_imports(m))
    delivers = sorted(m for m in sources if "kindns.mail.deliver" in all_imports(m))
    assert speaks_smtp == ["kindns.mail"]
    assert delivers == ["kindns.jobs"]
