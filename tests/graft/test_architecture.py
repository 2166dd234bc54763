"""graft's layers, read from its source: the rules ARCHITECTURE.md states, enforced.

The import graph is built with :mod:`ast`, so it sees what an import-time check cannot:
imports inside functions count as much as those at the top (they run sooner or later),
and only ``if TYPE_CHECKING:`` blocks are left out (they never run). A function-local
import is allowed only where it buys start-up time, and then it is listed in
:data:`DEFERRED` with the reason; it still counts for cycles and layers.

Each checker is also run on a copy of the source with a fault injected, so a checker
that stopped seeing anything would fail here rather than pass silently.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import graft

SOURCE = Path(graft.__file__).parent

SHELL = ("graft.cli", "graft.__main__")
"""The shell: parses, calls a verb (or the demo script), renders. The only printer."""
SCRIPTS = frozenset({"graft.demo"})
"""Scripts over the verbs: the demo runs fork, patch and sync as a user would."""
VERBS = frozenset({"graft.fork", "graft.sync", "graft.patch", "graft.status", "graft.checks"})
"""One per command; siblings that never import each other."""
BASE = frozenset({"graft", "graft.errors", "graft._lazy"})
"""Imported by every floor; they import nothing above them at run time.

``graft`` (the package) is the public API: the names it re-exports from higher floors load
on first access (``_lazy``), and modules of graft import only ``__version__`` from it.
"""
ENGINE = "graft.rewrite"
"""The rename engine: pure, below git (imports only itself and the base)."""
VCS = "graft.vcs"
"""The one door to git (GitPython)."""

DEFERRED: dict[tuple[str, str], str] = {
    ("graft.__main__", "graft.cli"): "a Ctrl-C while the CLI loads exits 130, no traceback",
    ("graft.cli", "graft.journal"): "graft --help and graft rewrite do not load GitPython",
    ("graft.cli.check", "graft.checks"): "graft --help loads no verb (libcst, GitPython)",
    ("graft.cli.demo", "graft.demo"): "graft --help loads no verb (libcst, GitPython)",
    ("graft.cli.diff", "graft.changes"): "graft --help loads no verb (libcst, GitPython)",
    ("graft.cli.diff", "graft.vcs"): "graft --help does not load GitPython",
    ("graft.cli.diff", "graft.workspace"): "graft --help does not load GitPython",
    ("graft.cli.fork", "graft.fork"): "graft --help loads no verb (libcst, GitPython)",
    ("graft.cli.options", "graft.sources"): "graft rewrite never loads GitPython",
    ("graft.cli.patch", "graft.patch"): "graft --help loads no verb (libcst, GitPython)",
    ("graft.cli.status", "graft.status"): "graft --help loads no verb (libcst, GitPython)",
    ("graft.cli.sync", "graft.sync"): "graft --help loads no verb (libcst, GitPython)",
    ("graft.changes", "graft.rewrite"): "graft status reads snapshots without libcst",
    ("graft.snapshot", "graft.rewrite"): "graft status and check read snapshots without libcst",
    ("graft.snapshot", "graft.rewrite.tree"): "a sync whose files are all reused needs no libcst",
    ("graft.workspace", "graft.vcs"): "graft rewrite finds the manifest without GitPython",
    ("graft.workspace", "graft.rewrite.tree"): "only graft rewrite needs libcst from here",
}
"""Function-local imports of graft modules, (importer, imported): why each is deferred."""

KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}
"""Layer violations not yet fixed, (importer, imported): what has to move. Shrinks only."""

DEFERRED_TO_FIX: dict[tuple[str, str], str] = {}
"""Function-local imports without a start-up reason, still to move to the top. Shrinks only."""

GIT_RUNNERS: dict[str, str] = {
    "graft.vcs": "the one door to git",
    "graft.rewrite.ignored": (
        "one read-only `git ls-files` for `graft rewrite DIR`, run without GitPython so the "
        "engine stays below vcs"
    ),
}
"""Modules that run the git binary themselves (an argv literal starting with "git")."""

OUTPUT_CALLS = frozenset({"print", "click.echo", "click.secho", "sys.stdout.write",
                          "sys.stderr.write", "pprint.pprint"})  # fmt: skip
"""Calls that write to the terminal: only the shell makes them."""


@dataclass(frozen=True)
class Import:
    """One import statement's target, as written in a module of the package."""

    importer: str
    imported: str
    """A module of the package (the longest dotted prefix that is one), else the external name."""
    line: int
    deferred: bool
    """Inside a function: runs when the function is first called, not at import."""
    internal: bool
    type_checking: bool = False


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for the package whose directory is ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, modules: dict[str, Path]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.modules = modules
        self.depth = 0
        self.type_checking = 0
        self.imports: list[Import] = []
        self.calls: list[tuple[str, int]] = []
        self.git_argv: list[int] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self.type_checking += 1
            for child in node.body:
                self.visit(child)
            self.type_checking -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _add(self, target: str, line: int) -> None:
        internal = target == self.modules_root or target.startswith(self.modules_root + ".")
        if internal:
            while target not in self.modules and "." in target:
                target = target.rpartition(".")[0]
        else:
            target = target.partition(".")[0]
        self.imports.append(
            Import(self.module, target, line, self.depth > 0, internal, self.type_checking > 0)
        )

    @property
    def modules_root(self) -> str:
        return self.module.partition(".")[0]

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            self._add(submodule if submodule in self.modules else source, node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        if name is not None:
            self.calls.append((name, node.lineno))
        self.generic_visit(node)

    def _sequence(self, node: ast.List | ast.Tuple) -> None:
        first = node.elts[0] if node.elts else None
        if isinstance(first, ast.Constant) and first.value == "git":
            self.git_argv.append(node.lineno)
        self.generic_visit(node)

    visit_List = visit_Tuple = _sequence


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


@dataclass(frozen=True)
class Source:
    """What the checks need from a package's source: its imports, calls and git argv."""

    modules: frozenset[str]
    imports: tuple[Import, ...]
    calls: tuple[tuple[str, str, int], ...]
    """(module, dotted callee, line)."""
    git_argv: tuple[tuple[str, int], ...]


def read_source(root: Path) -> Source:
    """Parse every module of the package at ``root`` (nothing is imported)."""
    modules = module_names(root)
    imports: list[Import] = []
    calls: list[tuple[str, str, int]] = []
    git_argv: list[tuple[str, int]] = []
    for name, path in modules.items():
        collector = _Collector(name, path.name == "__init__.py", modules)
        collector.visit(ast.parse(path.read_text("utf-8"), str(path)))
        imports.extend(collector.imports)
        calls.extend((name, callee, line) for callee, line in collector.calls)
        git_argv.extend((name, line) for line in collector.git_argv)
    return Source(frozenset(modules), tuple(imports), tuple(calls), tuple(git_argv))


def import_graph(source: Source) -> dict[str, set[str]]:
    """Module -> the package's modules it imports when it runs (functions included)."""
    graph: dict[str, set[str]] = {name: set() for name in source.modules}
    for imp in source.imports:
        if imp.internal and not imp.type_checking and imp.imported != imp.importer:
            graph[imp.importer].add(imp.imported)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found is not None:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found is not None:
                return found
    return None


def layer(module: str) -> str:
    """The floor a module of graft lives on (new top-level modules are services)."""
    if module in BASE:
        return "base"
    if any(module == shell or module.startswith(shell + ".") for shell in SHELL):
        return "shell"
    if module in SCRIPTS:
        return "script"
    if module in VERBS:
        return "verb"
    if module == ENGINE or module.startswith(ENGINE + "."):
        return "engine"
    if module == VCS:
        return "vcs"
    return "service"


MAY_IMPORT: dict[str, frozenset[str]] = {
    "shell": frozenset({"shell", "script", "verb", "service", "engine", "vcs", "base"}),
    "script": frozenset({"verb", "service", "engine", "vcs", "base"}),
    "verb": frozenset({"service", "engine", "vcs", "base"}),
    "service": frozenset({"service", "engine", "vcs", "base"}),
    "engine": frozenset({"engine", "base"}),
    "vcs": frozenset({"base"}),
    "base": frozenset({"base"}),
}
"""Which floors each floor may import (its own included, except verbs: siblings)."""


def layer_violations(source: Source) -> dict[tuple[str, str], str]:
    """Imports across the floors the wrong way, (importer, imported) -> what is wrong.

    Only imports that run count (``TYPE_CHECKING`` blocks never do), as for cycles.
    """
    found: dict[tuple[str, str], str] = {}
    for imp in source.imports:
        if imp.importer == imp.imported or imp.type_checking:
            continue
        if not imp.internal:
            if imp.imported == "click" and layer(imp.importer) != "shell":
                found[imp.importer, "click"] = "only the shell (graft.cli) imports click"
            if imp.imported == "git" and imp.importer != VCS:
                found[imp.importer, "git"] = "only graft.vcs imports git (GitPython)"
            continue
        floor, target = layer(imp.importer), layer(imp.imported)
        if target not in MAY_IMPORT[floor]:
            found[imp.importer, imp.imported] = f"the {floor} floor imports the {target} floor"
    return found


def output_violations(source: Source) -> list[str]:
    """Terminal output outside the shell, as ``module:line callee``."""
    return [
        f"{module}:{line} {callee}"
        for module, callee, line in source.calls
        if callee in OUTPUT_CALLS and layer(module) != "shell"
    ]


def deferred_imports(source: Source) -> set[tuple[str, str]]:
    """Function-local imports of the package's own modules (outside TYPE_CHECKING)."""
    return {
        (imp.importer, imp.imported)
        for imp in source.imports
        if imp.internal and imp.deferred and not imp.type_checking
    }


# -- the rules, on graft as it is --------------------------------------------------


@pytest.fixture(scope="module")
def source() -> Source:
    return read_source(SOURCE)


def test_the_reader_sees_graft(source: Source) -> None:
    """Guards the checks below against passing on an empty graph."""
    graph = import_graph(source)
    assert {"graft.cli", "graft.fork", "graft.vcs", "graft.rewrite.source"} <= source.modules
    assert "graft.vcs" in graph["graft.sync"]
    assert ("graft.vcs", "git") in {(i.importer, i.imported) for i in source.imports}
    assert ("graft.cli.fork", "graft.fork") in deferred_imports(source)


def test_no_import_cycle(source: Source) -> None:
    assert find_cycle(import_graph(source)) is None


def test_layers(source: Source) -> None:
    """Each floor imports only the floors below it; verbs never import verbs."""
    assert layer_violations(source).keys() == KNOWN_EXCEPTIONS.keys()


def test_only_the_shell_prints(source: Source) -> None:
    assert output_violations(source) == []


def test_only_vcs_runs_git(source: Source) -> None:
    runners = {module for module, _ in source.git_argv}
    assert runners <= set(GIT_RUNNERS), runners - set(GIT_RUNNERS)
    assert set(GIT_RUNNERS) <= runners | {"graft.vcs"}, "a listed git runner no longer runs git"


def test_function_local_imports_are_listed(source: Source) -> None:
    """Every deferred import has a start-up reason (or is on the list to fix), and no more."""
    assert deferred_imports(source) == set(DEFERRED) | set(DEFERRED_TO_FIX)
    assert not set(DEFERRED) & set(DEFERRED_TO_FIX)


# -- the checkers catch what they are for ---------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of graft's source to inject faults into."""
    root = tmp_path / "graft"
    shutil.copytree(SOURCE, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def _append(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.write_text(path.read_text("utf-8") + "\n\n" + text, "utf-8")


def test_an_injected_edge_makes_a_cycle(source: Source) -> None:
    graph = import_graph(source)
    graph["graft.errors"].add("graft.sync")
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1]
    assert "graft.errors" in cycle and "graft.sync" in cycle


def test_a_cycle_through_a_function_local_import_is_caught(copy: Path) -> None:
    _append(copy, "errors.py", "def _late() -> None:\n    from .fork import fork\n")
    cycle = find_cycle(import_graph(read_source(copy)))
    assert cycle is not None and "graft.errors" in cycle and "graft.fork" in cycle


def test_a_type_checking_import_makes_no_cycle(copy: Path) -> None:
    _append(
        copy, "errors.py", "import typing\nif typing.TYPE_CHECKING:\n    from .fork import fork\n"
    )
    assert find_cycle(import_graph(read_source(copy))) is None


def test_injected_layer_violations_are_caught(copy: Path) -> None:
    _append(copy, "rewrite/names.py", "def _up() -> None:\n    from .. import sources\n")
    _append(copy, "fork.py", "from .status import is_behind\n")
    _append(copy, "snapshot.py", "import click\n")
    _append(copy, "sources.py", "import git\n")
    _append(copy, "vcs.py", "from . import manifest\n")
    found = layer_violations(read_source(copy))
    assert found.keys() - KNOWN_EXCEPTIONS.keys() == {
        ("graft.rewrite.names", "graft.sources"),
        ("graft.fork", "graft.status"),
        ("graft.snapshot", "click"),
        ("graft.sources", "git"),
        ("graft.vcs", "graft.manifest"),
    }
    assert (
        found["graft.rewrite.names", "graft.sources"]
        == "the engine floor imports the service floor"
    )


def test_injected_output_and_git_are_caught(copy: Path) -> None:
    _append(copy, "sources.py", "def _say() -> None:\n    print('hello')\n")
    _append(copy, "snapshot.py", "import subprocess\nsubprocess.run(['git', 'status'])\n")
    source = read_source(copy)
    assert [v.split(":")[0] for v in output_violations(source)] == ["graft.sources"]
    assert "graft.snapshot" in {module for module, _ in source.git_argv}


def test_an_unlisted_function_local_import_is_caught(copy: Path) -> None:
    _append(copy, "sources.py", "def _late() -> None:\n    from . import manifest\n")
    assert ("graft.sources", "graft.manifest") in deferred_imports(read_source(copy))
