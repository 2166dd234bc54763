"""Forks of real libraries made by ``graft fork``, run by their own test suites without the original.

Why this exists: a fork is only complete when it runs with the original package gone. The
strongest evidence is the library's own test suite, from its sdist, renamed by ``graft
rewrite`` and run where the original cannot be imported, counted against the original's
own pass count in the same environment. Then the story continues as a user lives it: two
local changes in the fork (one in a function the newer release also changes, one
elsewhere), committed, ``graft sync`` to the newer release, and the newer suite again.

Everything runs as a user would: a real git app repository in a temporary directory,
``python -m graft`` in subprocesses, the sdists from PyPI. Each library gets one venv with
its dependencies and test tools but *not* the library itself; the original is added for
the baseline as a ``--target`` overlay, and for the fork the app repository, together with
a ``sitecustomize.py`` blocker that maps the original's import names to ``None`` in
``sys.modules``. The venv lacks the original anyway (checked before each run); the blocker
also catches an import of it in a subprocess that a test starts with a modified
``sys.path``, and makes every such import fail the same way, loudly.

Those directories reach the interpreter through ``$REALWORLD_SUITE_PATH``, read by a
``.pth`` file in the venv, not through ``PYTHONPATH``: suites that start Python subprocesses
replace ``PYTHONPATH`` (werkzeug's dev-server fixture sets it to a temporary directory),
which would leave the child without the library on either side.

Nothing downloaded is committed: the cache is ``.cache/realworld/`` (or
``$GRAFT_REALWORLD_CACHE``), shared machinery is in ``tests/suite_runner.py``.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import suite_runner

_CONFIG_FILES = ("setup.cfg", "pyproject.toml", "tox.ini", "pytest.ini", "conftest.py")
"""Files at an sdist's root that configure its suite (pytest options, root fixtures)."""

LOCAL_CHANGE = 'graft_local_change = "kept across graft sync"'
"""The statement the harness adds to the fork as a user's local change; it changes nothing."""


@dataclasses.dataclass(frozen=True)
class Library:
    """One library whose own test suite is an acceptance test for ``graft fork`` and ``sync``."""

    dist: str
    """Distribution name on PyPI."""
    shape: str
    """What makes this library a distinct case for the rewriter (shown in the table)."""
    old: str
    """The release forked first."""
    new: str
    """The newer release ``graft sync`` moves the fork to."""
    packages: tuple[tuple[str, str], ...]
    """(original import name, fork's import name) for each top-level package forked."""
    tests: tuple[str, ...]
    """Paths in the sdist that hold the suite (a folder ends in ``/``)."""
    requirements: tuple[str, ...]
    """The library's dependencies and its test tools, pinned: the venv both sides run in."""
    pytest_args: tuple[str, ...] = ("tests",)
    """What pytest runs, and plugins the suite must not see."""

    @property
    def run_args(self) -> tuple[str, ...]:
        """``pytest_args``, and the rest of the suite still runs when one module fails to import.

        Without it one unimportable test module stops the whole run at collection, and the
        count would say nothing about the rest of the fork.
        """
        return ("--continue-on-collection-errors", *self.pytest_args)

    @property
    def maps(self) -> list[str]:
        return [f"{old}={new}" for old, new in self.packages]

    def requirement(self, version: str) -> str:
        return f"{self.dist}=={version}"


LIBRARIES: dict[str, Library] = {
    lib.dist: lib
    for lib in (
        Library(
            "jinja2",
            "generates Python source",
            "3.1.4",
            "3.1.6",
            (("jinja2", "myjinja"),),
            ("tests/",),
            ("markupsafe==3.0.2", "trio==0.30.0", "pytest==8.3.5"),
        ),
        Library(
            "attrs",
            "two top-level packages (attr, attrs)",
            "24.2.0",
            "25.3.0",
            (("attr", "myattr"), ("attrs", "myattrs")),
            ("tests/",),
            ("hypothesis==6.170.17", "pympler==1.1", "cloudpickle==3.1.1", "pytest==8.3.5"),
        ),
        Library(
            "bottle",
            "single module",
            "0.13.2",
            "0.13.4",
            (("bottle", "mybottle"),),
            ("test/",),
            ("jinja2==3.1.6", "mako==1.3.10", "pytest==8.3.5"),
            ("test",),
        ),
        Library(
            "werkzeug",
            "reads its own distribution metadata",
            "3.1.3",
            "3.1.9",
            (("werkzeug", "mywerkzeug"),),
            ("tests/",),
            (
                "markupsafe==3.0.2",
                "pytest==8.3.5",
                "pytest-timeout==2.3.1",
                "cryptography==44.0.2",
                "watchdog==6.0.0",
                "ephemeral-port-reserve==1.1.4",
                "greenlet==3.2.0",
            ),
            # The dev-server fixture waits for the server without a limit; a server that
            # cannot start (the fork's, while it asks for werkzeug's metadata) would hang.
            ("tests", "--timeout=30"),
        ),
        Library(
            "requests",
            "vendored-alias module (requests.packages)",
            "2.31.0",
            "2.32.3",
            (("requests", "myrequests"),),
            ("tests/",),
            (
                "urllib3==2.4.0",
                "idna==3.10",
                "charset-normalizer==3.4.1",
                "certifi==2025.1.31",
                "PySocks==1.7.1",
                "pytest==8.3.5",
                "pytest-httpbin==2.0.0",
                "httpbin==0.10.2",
                "pytest-mock==3.14.0",
                "trustme==1.2.1",
            ),
        ),
        Library(
            "click",
            "command-line toolkit",
            "8.1.7",
            "8.1.8",
            (("click", "myclick"),),
            ("tests/",),
            ("pytest==8.3.5",),
        ),
        Library(
            "flask",
            "web framework",
            "3.1.2",
            "3.1.3",
            (("flask", "myflask"),),
            ("tests/",),
            (
                "werkzeug==3.1.3",
                "jinja2==3.1.6",
                "itsdangerous==2.2.0",
                "click==8.1.8",
                "blinker==1.9.0",
                "markupsafe==3.0.2",
                "asgiref==3.8.1",
                "greenlet==3.2.0",
                "python-dotenv==1.1.0",
                "pytest==8.3.5",
            ),
        ),
    )
}
"""The libraries of the table, in its order."""


def cache_dir() -> Path:
    """Downloads and environments: ``$GRAFT_REALWORLD_CACHE`` or ``.cache/realworld``."""
    return suite_runner.cache_dir("realworld", "GRAFT_REALWORLD_CACHE")


def source_tree(lib: Library, version: str, cache: Path) -> Path:
    """The whole sdist of ``lib`` at ``version``, extracted once: what ``graft fork`` reads."""
    requirement = lib.requirement(version)
    sdist = suite_runner.download_sdist(requirement, cache)
    return suite_runner.extract_sdist(sdist, cache / "src" / requirement)


def copy_suite(lib: Library, version: str, cache: Path, dest: Path) -> Path:
    """A writable copy of the suite and its root config files at ``dest`` (nothing else).

    The library itself is left out, so the run directory cannot import the sdist's copy.
    """
    tree = source_tree(lib, version, cache)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for rel in (*lib.tests, *_CONFIG_FILES):
        src = tree / rel.rstrip("/")
        if src.is_dir():
            shutil.copytree(
                src, dest / rel.rstrip("/"), ignore=shutil.ignore_patterns("__pycache__")
            )
        elif src.is_file():
            shutil.copy2(src, dest / rel)
    return dest


def ensure_venv(lib: Library, cache: Path) -> Path:
    """The library's venv (dependencies and test tools, not the library); returns its python.

    Raises when one of the original's import names is importable in it, since then the
    fork's runs would prove nothing.
    """
    python = suite_runner.ensure_venv(cache, lib.requirements)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "realworld_suite_path.pth").write_text(_PTH)
    names = [old for old, _ in lib.packages]
    probe = "import importlib.util as u, sys; sys.exit(any(u.find_spec(n) for n in sys.argv[1:]))"
    env = suite_runner.clean_env([])
    if subprocess.run([str(python), "-c", probe, *names], env=env, check=False).returncode:
        raise RuntimeError(f"{lib.dist}: the venv {python.parents[1]} can import one of {names}")
    return python


SUITE_PATH = "REALWORLD_SUITE_PATH"
"""The variable whose directories the venv puts first on ``sys.path`` (see the module doc)."""

_PTH = (
    "import os, sys; sys.path[:0] = [p for p in"
    f" os.environ.get({SUITE_PATH!r}, '').split(os.pathsep) if p]\n"
)
"""A ``.pth`` line runs at start-up, before ``sitecustomize`` is imported (so a blocker on
that path takes effect), in every interpreter of the venv, whatever ``PYTHONPATH`` says."""


def ensure_original(lib: Library, version: str, cache: Path) -> Path:
    """The original release installed without dependencies into a cached overlay."""
    return suite_runner.ensure_overlay(cache, [lib.requirement(version)], kind="original")


# --- the app repository -------------------------------------------------------------------

_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Realworld Forks",
    "GIT_AUTHOR_EMAIL": "realworld@graft.invalid",
    "GIT_COMMITTER_NAME": "Realworld Forks",
    "GIT_COMMITTER_EMAIL": "realworld@graft.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTEST", "GRAFT_"))}
    env.update(_GIT_IDENTITY)
    env["HOME"] = str(home)  # an isolated global gitconfig
    return env


@dataclasses.dataclass(frozen=True)
class Step:
    """One command the harness ran, with its exit code and output (for the record)."""

    command: str
    returncode: int
    output: str


def run(args: list[str], cwd: Path, home: Path, *, check: bool = True) -> Step:
    """Run ``args`` in ``cwd`` with the isolated git identity; raise on failure if ``check``."""
    proc = subprocess.run(
        args, cwd=cwd, env=_env(home), capture_output=True, text=True, check=False
    )
    step = Step(" ".join(args), proc.returncode, proc.stdout + proc.stderr)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{step.command} failed ({proc.returncode}) in {cwd}:\n{step.output}")
    return step


def graft(*args: str, cwd: Path, home: Path, check: bool = True) -> Step:
    """``python -m graft ARGS`` with the dev venv's interpreter, as a user runs it."""
    return run([sys.executable, "-m", "graft", *args], cwd, home, check=check)


def make_app(root: Path, home: Path) -> Path:
    """A committed git repository with one file: the app the library is forked into."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    home.mkdir(parents=True, exist_ok=True)
    # No Python module of its own: the app root is on the suites' sys.path, and a module
    # named like one a suite probes for (Flask's CLI looks for ``app`` and ``wsgi``) would
    # change what the suite sees.
    (root / "README.md").write_text("The application the library is forked into.\n")
    run(["git", "init", "-q", "-b", "main"], root, home)
    run(["git", "add", "-A"], root, home)
    run(["git", "commit", "-q", "-m", "Start the app"], root, home)
    return root


def fork(lib: Library, app: Path, home: Path, cache: Path) -> list[Step]:
    """``graft fork`` each of the library's packages into ``app`` at the old release."""
    tree = source_tree(lib, lib.old, cache)
    steps = []
    for old, new in lib.packages:
        extra = [f"--map={m}" for m in lib.maps if not m.startswith(f"{old}=")]
        package = ["--package", old] if len(lib.packages) > 1 else []
        steps.append(graft("fork", str(tree), new, *package, *extra, cwd=app, home=home))
    return steps


def sync(lib: Library, app: Path, home: Path, cache: Path) -> list[Step]:
    """``graft sync`` each forked package to the newer release; stops at the first failure."""
    tree = source_tree(lib, lib.new, cache)
    steps = []
    for _, new in lib.packages:
        step = graft("sync", new, "--source", str(tree), cwd=app, home=home, check=False)
        steps.append(step)
        if step.returncode != 0:
            break
    return steps


# --- the two local changes ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LocalChange:
    """A statement the harness inserts into a function of the fork, as a user's edit."""

    path: str
    """File, relative to the app root."""
    function: str
    """Qualified name of the function (``Class.method``)."""
    statement: int
    """Which statement of the body (docstring not counted) the line goes before."""
    line: str
    """The inserted line, with its indentation."""
    upstream_changes_it: bool
    """Whether the newer release changes this function too."""


def _package_dir(tree: Path, name: str) -> Path:
    """Where package (or single module) ``name`` lives in an sdist tree."""
    for base in (tree / "src", tree):
        if (base / name / "__init__.py").is_file():
            return base / name
        if (base / f"{name}.py").is_file():
            return base / f"{name}.py"
    raise RuntimeError(f"no package or module {name!r} in {tree}")


def _modules(package: Path) -> Iterator[tuple[str, Path]]:
    """(path relative to the package, file) for each module, in a stable order."""
    if package.is_file():
        yield "__init__.py", package
        return
    for path in sorted(package.rglob("*.py")):
        yield path.relative_to(package).as_posix(), path


def _changed_lines(old: str, new: str) -> set[int]:
    """1-based lines of ``old`` that a change replaces or deletes, and those around insertions."""
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    touched: set[int] = set()
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2:  # a pure insertion sits between lines i1 and i1 + 1
            touched.update((i1, i1 + 1))
        touched.update(range(i1 + 1, i2 + 1))
    return touched


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(qualified name, node) of every function and method, in source order."""

    def walk(
        node: ast.AST, prefix: str
    ) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + child.name, child
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")

    yield from walk(tree, "")


def _insertion_points(
    node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]
) -> list[tuple[int, str]]:
    """(1-based line, indentation) before each statement in ``node``'s body, nested ones too.

    A line inserted there is a statement of the same block. Skipped: the docstring, nested
    definitions (a decorator would be split from its ``def``), ``elif`` branches (the line
    would end the ``if`` chain) and statements that share their line with another.
    """
    docstring = None
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        docstring = first
    points = set()
    for stmt in ast.walk(node):
        if stmt is node or stmt is docstring or not isinstance(stmt, ast.stmt):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        line = lines[stmt.lineno - 1]
        prefix = line[: stmt.col_offset]
        if prefix.strip() or line.lstrip().startswith("elif"):
            continue
        points.add((stmt.lineno, prefix))
    return sorted(points)


def plan_local_changes(lib: Library, cache: Path) -> tuple[LocalChange, LocalChange]:
    """Where the two local changes go: in a function the newer release changes, and elsewhere.

    Chosen from the upstream sources of the first package, deterministically (first match in
    path and source order). The line in the changed function keeps two unchanged lines
    between it and every upstream change, so git merges it without a conflict; the other
    goes into a module the newer release leaves alone (or, failing that, a function it does
    not touch).
    """
    old_name, new_name = lib.packages[0]
    old_pkg = _package_dir(source_tree(lib, lib.old, cache), old_name)
    new_pkg = _package_dir(source_tree(lib, lib.new, cache), old_name)
    new_files = dict(_modules(new_pkg))
    in_changed: LocalChange | None = None
    elsewhere: LocalChange | None = None
    fallback: LocalChange | None = None
    for rel, path in _modules(old_pkg):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        new_text = new_files[rel].read_text(encoding="utf-8") if rel in new_files else ""
        changed = _changed_lines(text, new_text)
        new_functions = {q for q, _ in _functions(ast.parse(new_text))} if new_text else set()
        dest = f"{new_name}/{rel}"
        for qualname, node in _functions(ast.parse(text)):
            span = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
            touched = bool(span & changed)
            for index, (lineno, indent) in enumerate(_insertion_points(node, lines)):
                if {lineno - 1, lineno} & changed:
                    continue
                change = LocalChange(dest, qualname, index, indent + LOCAL_CHANGE, touched)
                if touched and in_changed is None and qualname in new_functions:
                    in_changed = change
                elif not changed and elsewhere is None:
                    elsewhere = change
                elif not touched and fallback is None:
                    fallback = change
                break
        if in_changed and elsewhere:
            break
    elsewhere = elsewhere or fallback
    if in_changed is None or elsewhere is None:
        raise RuntimeError(
            f"{lib.dist}: no place for the local changes between {lib.old} and {lib.new}"
        )
    return in_changed, elsewhere


def apply_local_change(app: Path, change: LocalChange) -> None:
    """Insert ``change`` before the planned statement of its function in the fork's file.

    The fork's file is searched by the function's qualified name, not by line number, so a
    rename that moved lines cannot misplace the edit.
    """
    path = app / change.path
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for qualname, node in _functions(ast.parse(text)):
        if qualname == change.function:
            points = list(_insertion_points(node, text.splitlines()))
            lineno, _ = points[change.statement]
            break
    else:
        raise RuntimeError(f"{change.function} not found in {path}")
    lines.insert(lineno - 1, change.line + "\n")
    edited = "".join(lines)
    ast.parse(edited)  # a misplaced line must fail here, not as a broken fork later
    path.write_text(edited, encoding="utf-8")


def has_local_change(app: Path, change: LocalChange) -> bool:
    """Whether the fork still holds the line, inside the same function."""
    path = app / change.path
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    for qualname, node in _functions(ast.parse(text)):
        if qualname == change.function:
            body = text.splitlines()[node.lineno - 1 : node.end_lineno]
            return change.line in body
    return False


# --- running and comparing ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The suite of one release, on the original and on the fork, in the same venv."""

    version: str
    original: suite_runner.Counts
    fork: suite_runner.Counts

    @property
    def ratio(self) -> float:
        """Fork passes over original passes (1.0 when both pass nothing)."""
        if self.original.passed == 0:
            return 1.0 if self.fork.passed == 0 else float("inf")
        return self.fork.passed / self.original.passed

    def is_within(self, tolerance: float = 0.01) -> bool:
        """Whether the fork passes at least ``1 - tolerance`` of what the original passes."""
        return self.ratio >= 1 - tolerance

    def lost(self) -> list[tuple[str, str]]:
        """Tests that pass on the original but not on the fork, with the fork's message."""
        failing = dict(self.fork.failures)
        original_failing = {test for test, _ in self.original.failures}
        return sorted(
            (test, message) for test, message in failing.items() if test not in original_failing
        )


@dataclasses.dataclass(frozen=True)
class LibraryResult:
    """One row of the table: the old release, then the newer one after ``graft sync``."""

    library: Library
    old: Comparison
    changes: tuple[LocalChange, ...]
    sync_steps: tuple[Step, ...]
    kept: tuple[bool, ...]
    """For each local change, whether the fork still holds it after the sync."""
    new: Comparison | None
    """None when the sync did not finish (its steps say why)."""

    @property
    def synced(self) -> bool:
        return self.new is not None


def run_original(
    lib: Library, version: str, python: Path, cache: Path, workdir: Path
) -> suite_runner.Counts:
    """The unmodified suite on the original release."""
    suite = copy_suite(lib, version, cache, workdir / f"{lib.dist}-{version}-original")
    env = _suite_env(lib, suite, [ensure_original(lib, version, cache)])
    return suite_runner.run_pytest(
        python, suite, lib.run_args, env, timeout=1200, what=f"{lib.dist} {version}"
    )


def run_fork(
    lib: Library, version: str, python: Path, app: Path, home: Path, cache: Path, workdir: Path
) -> suite_runner.Counts:
    """The suite renamed by ``graft rewrite``, on the fork in ``app``, the original blocked."""
    suite = copy_suite(lib, version, cache, workdir / f"{lib.dist}-{version}-fork")
    step = graft("rewrite", str(suite), *(f"--map={m}" for m in lib.maps), cwd=app, home=home)
    suite.with_name(suite.name + ".rewrite.txt").write_text(step.output)
    blocker = workdir / f"{lib.dist}-blocker"
    source = suite_runner.blocker_source((old for old, _ in lib.packages), "the realworld harness")
    suite_runner.write_blocker(blocker, source)
    env = _suite_env(lib, suite, [blocker, app])
    return suite_runner.run_pytest(
        python, suite, lib.run_args, env, timeout=1200, what=f"{lib.dist} {version} fork"
    )


def _suite_env(lib: Library, suite: Path, path: list[Path]) -> dict[str, str]:
    """The environment of one run: ``path`` first on ``sys.path``, a temporary directory of its own.

    Some suites leave files at fixed names in the temporary directory (requests extracts
    ``test_utils.py`` from a zip to ``$TMPDIR/test_utils.py`` and keeps an existing one), so
    a shared one would let the original's run decide the fork's result.
    """
    prefixes = tuple(f"{name.upper()}_" for pair in lib.packages for name in pair)
    env = suite_runner.clean_env([], drop=prefixes)
    del env["PYTHONPATH"]
    env[SUITE_PATH] = os.pathsep.join(str(p) for p in path)
    tmp = suite.with_name(suite.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    env["TMPDIR"] = str(tmp)
    return env


def run_library(lib: Library, cache: Path, workdir: Path) -> LibraryResult:
    """The whole story for one library: fork, suite, two local changes, sync, suite again."""
    changes = plan_local_changes(lib, cache)
    python = ensure_venv(lib, cache)
    home = workdir / "home"
    app = make_app(workdir / f"{lib.dist}-app", home)
    forked = fork(lib, app, home, cache)
    (workdir / f"{lib.dist}-fork.txt").write_text("".join(step.output for step in forked))
    old = Comparison(
        lib.old,
        run_original(lib, lib.old, python, cache, workdir),
        run_fork(lib, lib.old, python, app, home, cache, workdir),
    )
    for change in changes:
        apply_local_change(app, change)
    run(["git", "commit", "-q", "-am", "Local changes to the fork"], app, home)
    steps = tuple(sync(lib, app, home, cache))
    (workdir / f"{lib.dist}-sync.txt").write_text("".join(step.output for step in steps))
    kept = tuple(has_local_change(app, change) for change in changes)
    new = None
    if all(step.returncode == 0 for step in steps):
        new = Comparison(
            lib.new,
            run_original(lib, lib.new, python, cache, workdir),
            run_fork(lib, lib.new, python, app, home, cache, workdir),
        )
    return LibraryResult(lib, old, changes, steps, kept, new)


def table(results: list[LibraryResult]) -> str:
    """The results as a Markdown table, one row per library."""
    rows = [
        "| library | shape | old | original passed | fork passed | ratio"
        " | new (after sync) | original passed | fork passed | ratio | local changes kept |",
        "|---|---|---|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for result in results:
        lib, old, new = result.library, result.old, result.new
        cells = [lib.dist, lib.shape, old.version, str(old.original.passed), str(old.fork.passed)]
        cells.append(f"{old.ratio:.3f}")
        if new is None:
            failed = next(s for s in result.sync_steps if s.returncode != 0)
            cells += [lib.new, "", "", f"sync exit {failed.returncode}"]
        else:
            cells += [new.version, str(new.original.passed), str(new.fork.passed)]
            cells.append(f"{new.ratio:.3f}")
        cells.append(f"{sum(result.kept)}/{len(result.kept)}")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)
