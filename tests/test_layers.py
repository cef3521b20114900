"""The two layer rules import-linter cannot state (its contracts are in pyproject.toml):
no import cycle between backend modules, and no domain module reads ``flask.request``.

Imports are read from the source, every one of them: those inside functions, which a cycle
hides behind, count as much as those at the top of a module.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import deque
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules(package: str = "backend") -> dict[str, Path]:
    """Every module of ``package``, by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported_names(module: str, path: Path) -> list[tuple[str, int]]:
    """Each name an import statement of ``module`` refers to, with its line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from backend import api` imports the module backend.api.
            names += [(base, node.lineno)]
            names += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return names


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, dict[str, int]]:
    """module → {module it imports: line of the first such import}. A package importing its
    own modules (or a module its package) is not an edge: that is how packages are built."""
    graph: dict[str, dict[str, int]] = {m: {} for m in MODULES}
    for module, path in MODULES.items():
        for name, line in _imported_names(module, path):
            target = _resolve(name)
            if target is None or target == module:
                continue
            if target.startswith(module + ".") or module.startswith(target + "."):
                continue
            graph[module].setdefault(target, line)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []

    def visit(start: str) -> None:  # iterative: no recursion limit on a long chain
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def one_cycle(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start, members = group[0], set(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(graph[node]):
            if succ not in members:
                continue
            if succ == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if succ not in came_from:
                came_from[succ] = node
                queue.append(succ)
    raise AssertionError(f"no cycle through {start}")


def describe(graph: dict[str, dict[str, int]], group: list[str]) -> str:
    cycle = one_cycle(graph, group)
    steps = [f"    {a} -> {b} (line {graph[a][b]})" for a, b in pairwise(cycle)]
    return (f"{len(group)} modules import each other: {' '.join(group)}\n"
            f"  for instance:\n" + "\n".join(steps))


def test_no_import_cycle_between_backend_modules():
    graph = import_graph()
    groups = strongly_connected(graph)
    assert not groups, "import cycles in backend:\n" + "\n".join(
        describe(graph, group) for group in groups)


def test_the_cycle_check_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "jobs.py"
    source.write_text("import backend.db\n\n\ndef deliver():\n    from .. import app\n")
    assert ("backend.app", 5) in _imported_names("backend.worker.jobs", source)
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 30}, "d": {"a": 4}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert describe(graph, ["a", "b", "c"]).endswith("    c -> a (line 30)")


def _domain_patterns() -> list[str]:
    """The source modules of the services-without-http contract of pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"]
                   if c["id"] == "services-without-http"]
    return contract["source_modules"]


def _matches(module: str, pattern: str) -> bool:
    """import-linter's module expressions: ``*`` is one name; a module stands for its
    package and everything in it."""
    regex = r"\.".join("[^.]+" if part == "*" else re.escape(part)
                       for part in pattern.split("."))
    return re.fullmatch(rf"{regex}(\..+)?", module) is not None


def _reads_request(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask.globals"):
            lines += [node.lineno for alias in node.names if alias.name == "request"]
        elif (isinstance(node, ast.Attribute) and node.attr == "request"
              and isinstance(node.value, ast.Name) and node.value.id == "flask"):
            lines.append(node.lineno)
    return lines


def test_domain_modules_do_not_read_the_request():
    patterns = _domain_patterns()
    domain = [m for m in MODULES if any(_matches(m, p) for p in patterns)]
    assert "backend.alerts.state" in domain and "backend.alerts.routes" not in domain
    readers = {m: lines for m in domain if (lines := _reads_request(MODULES[m]))}
    assert not readers, (
        "services take what they need from the request as arguments; these read it: "
        + ", ".join(f"{m} (line {', '.join(map(str, lines))})"
                    for m, lines in sorted(readers.items())))
