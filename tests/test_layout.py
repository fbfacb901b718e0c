"""The package's shape (issue 13, point 10): folders by pipeline stage, each importing only from the
stages below it; no import cycles between derive's modules; no module beyond about 400 lines. Read
from the source with ast, so nothing is imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "derive"
MOST_LINES = 400

# The pipeline, bottom up: a module may import from its own stage and the stages before it.
STAGES = ["base", "rules", "spec", "core", "numeric", "present", "output", "verify", "top"]
BASE = {"derive.errors", "derive.files", "derive.progress"}       # used at every stage
TOP = {"derive", "derive.__main__", "derive.api", "derive.cli", "derive.verify_command", "derive.magic",
       "derive.watch"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that `name` imports (a name imported from a package counts as its
    submodule when there is one, else as the package)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(max(node.level - 1, 0)):
                base = base.rsplit(".", 1)[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            submodules = {f"{target}.{alias.name}" for alias in node.names} & modules.keys()
            found |= submodules or ({target} & modules.keys())
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names} & modules.keys()
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_one_that_imports_it_back():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _stage(name: str) -> str:
    if name in BASE:
        return "base"
    if name in TOP:
        return "top"
    folder = name.split(".")[1]
    assert folder in STAGES, f"{name} is in no stage: put it in a stage's folder, or in BASE or TOP"
    return folder


def test_every_module_imports_only_from_its_stage_and_the_stages_below():
    modules = _modules()
    upward = sorted(f"{name} ({_stage(name)}) imports {target} ({_stage(target)})"
                    for name, path in modules.items() for target in _imports(name, path, modules)
                    if STAGES.index(_stage(target)) > STAGES.index(_stage(name)))
    assert upward == []


def test_the_stage_check_sees_an_upward_import():
    assert _stage("derive.core.chain") == "core" and _stage("derive.api") == "top"
    assert STAGES.index(_stage("derive.output.formats")) > STAGES.index(_stage("derive.numeric.evaluator"))


def test_every_module_is_at_most_about_400_lines():
    long = {str(path.relative_to(PACKAGE)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MOST_LINES}
    assert long == {}


def test_every_package_folder_is_shipped_in_the_wheel():
    """pyproject lists the packages by name: a new folder left out installs without its modules."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(path.parent.relative_to(PACKAGE.parent).parts) for path in PACKAGE.rglob("__init__.py")}
    assert folders - listed == set()
