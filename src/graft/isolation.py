"""Import every module of the vendored packages where the original packages cannot be found.

A fork that runs only because the original is installed next to it is not a fork: without
the original it breaks, and with it the process silently holds two copies of the library.
:func:`import_modules` proves the point by running it: the app's interpreter imports each
module of each package with the original top-level names unimportable and the original
distributions hidden from ``importlib.metadata`` (:mod:`graft.isolation_probe` is the code
it runs there), and reports what every import reached.

One interpreter imports all the modules, each in its own ``try``, so one failure hides no
other; a module that kills or hangs the interpreter is reported as such and the rest are
imported in a new one. Nothing is written in the repository (no bytecode either).
"""

from __future__ import annotations

import json
import keyword
import os
import signal
import subprocess
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

Status = t.Literal["imported", "failed", "crashed", "timeout"]
Verdict = t.Literal["leak", "imported", "needs", "platform", "error", "crashed", "timeout"]

MODULE_TIMEOUT = 30.0
"""Seconds one module's import may take before the interpreter is stopped."""
START_TIMEOUT = 60.0
"""Seconds the interpreter may take to start and read its instructions."""
_POLL = 0.05
_PROBE = Path(__file__).with_name("isolation_probe.py")
_RUN_PROBE = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')"
"""Run from its file, not as ``-c`` text: its frames then name it (and coverage sees them),
and its folder is not put on ``sys.path`` the way ``python FILE`` would put it."""


@dataclass(frozen=True)
class Package:
    """A vendored package to import: its import name, folder and modules."""

    name: str
    directory: Path
    modules: tuple[str, ...]
    """Dotted names, the package before its submodules."""
    left_out: tuple[tuple[str, str], ...] = ()
    """(module, why) for the modules not imported (``__main__`` runs the program)."""


@dataclass(frozen=True)
class Reach:
    """One knock on an original package's door during a module's import."""

    kind: t.Literal["import", "find_spec", "distribution"]
    name: str
    """What was asked for: ``jinja2.runtime``, or the distribution's name."""
    path: str | None = None
    """The file that asked (inside the package when a frame of it did)."""
    line: int | None = None
    by: str | None = None
    """``file:line`` outside the package that asked, when the package's line only called it
    (a dependency that imports the original)."""

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "path": self.path,
            "line": self.line,
            "by": self.by,
        }


@dataclass(frozen=True)
class Failure:
    """One exception of the chain a module's import raised, outermost first."""

    type: str
    message: str
    module: str | None = None
    """For an ``ImportError``: the module it could not import."""
    stdlib: bool = False
    """That module is part of the standard library (of another platform, then)."""
    path: str | None = None
    """The innermost frame inside the imported package, if any."""
    line: int | None = None

    def text(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "type": self.type,
            "message": self.message,
            "module": self.module,
            "path": self.path,
            "line": self.line,
        }


@dataclass(frozen=True)
class ModuleResult:
    """What importing one module did."""

    package: str
    module: str
    status: Status
    reached: tuple[Reach, ...] = ()
    failures: tuple[Failure, ...] = ()
    detail: str = ""
    """For ``crashed`` and ``timeout``: how the interpreter ended, and its last words."""
    seconds: float = 0.0

    @property
    def verdict(self) -> Verdict:
        """``leak`` (it reached an original), ``imported``, ``needs`` (a module this interpreter
        lacks), ``platform`` (a standard-library module of another platform), ``error``
        (another exception), ``crashed`` or ``timeout``."""
        if self.reached:
            return "leak"
        if self.status != "failed":
            return t.cast(Verdict, self.status)
        missing = self.missing
        if missing is None:
            return "error"
        return "platform" if missing.stdlib else "needs"

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "package": self.package,
            "module": self.module,
            "verdict": self.verdict,
            "reached": [reach.to_dict() for reach in self.reached],
            "failures": [failure.to_dict() for failure in self.failures],
            "detail": self.detail,
        }

    @property
    def missing(self) -> Failure | None:
        """The import that failed for want of a module other than an original, if that is why."""
        for failure in self.failures:
            if failure.module is not None and failure.type == "ModuleNotFoundError":
                return failure
        return None


@dataclass(frozen=True)
class IsolationRun:
    """Every module's result, in the order imported, and what could not be run at all."""

    results: tuple[ModuleResult, ...] = ()
    error: str | None = None
    """The interpreter could not be started (or never read its instructions)."""
    interpreters: int = 0
    """How many interpreters it took (one more for each crash or hang)."""
    seconds: float = 0.0


def package_modules(name: str, directory: Path, files: t.Iterable[Path]) -> Package:
    """The importable modules among ``files`` of the package ``name`` kept in ``directory``.

    Every ``.py`` file whose path below ``directory`` is made of identifiers counts
    (folders without ``__init__.py`` are namespace packages, importable too), except
    ``__main__``, which runs the program instead of defining it.
    """
    modules: set[str] = set()
    left_out: list[tuple[str, str]] = []
    for path in files:
        if path.suffix != ".py":
            continue
        try:
            parts = list(path.relative_to(directory).with_suffix("").parts)
        except ValueError:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        if not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
            continue
        dotted = ".".join([name, *parts])
        if parts and parts[-1] == "__main__":
            left_out.append((dotted, "runs the program when imported"))
            continue
        modules.add(dotted)
    ordered = sorted(modules, key=lambda m: m.split("."))
    return Package(name, directory, tuple(ordered), tuple(sorted(left_out)))


def import_modules(
    packages: t.Sequence[Package],
    blocked: t.Collection[str],
    distributions: t.Collection[str],
    *,
    python: str | None = None,
    module_timeout: float = MODULE_TIMEOUT,
    relative_to: Path | None = None,
) -> IsolationRun:
    """Import every module of ``packages`` in ``python`` (default: this interpreter) with the
    top-level names ``blocked`` unimportable and the ``distributions`` hidden.

    Never raises for what happens in the interpreter: a module that fails, kills the
    interpreter or hangs longer than ``module_timeout`` seconds is a result like the others.
    Paths in the results are posix paths relative to ``relative_to`` when inside it.
    """
    started = time.monotonic()
    owner = {module: package.name for package in packages for module in package.modules}
    todo = [module for package in packages for module in package.modules]
    results: list[ModuleResult] = []
    interpreters = 0
    paths = sorted({os.fspath(package.directory.parent.resolve()) for package in packages})
    directories = sorted({os.fspath(package.directory.resolve()) for package in packages})
    with tempfile.TemporaryDirectory(prefix="graft-check-") as scratch:
        while todo:
            interpreters += 1
            spec = {
                "blocked": sorted(blocked),
                "distributions": sorted(distributions),
                "paths": paths,
                "directories": directories,
                "modules": todo,
            }
            run = _run_probe(spec, Path(scratch), interpreters, python, module_timeout)
            if run.error is not None and not run.records:
                return IsolationRun(tuple(results), run.error, interpreters, _since(started))
            done = _results(run.records, owner, relative_to)
            results += done
            finished = {result.module for result in done}
            current = run.current
            if current is not None:
                status: Status = "timeout" if run.timed_out else "crashed"
                results.append(
                    ModuleResult(owner.get(current, ""), current, status, detail=run.ending)
                )
                finished.add(current)
            elif len(finished) < len(todo):
                # The interpreter ended between two modules: what it left is not ours to retry.
                results += [
                    ModuleResult(owner[m], m, "crashed", detail=run.ending)
                    for m in todo
                    if m not in finished
                ]
                break
            todo = [module for module in todo if module not in finished]
    return IsolationRun(tuple(results), None, interpreters, _since(started))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


@dataclass
class _ProbeRun:
    records: list[dict[str, t.Any]]
    current: str | None = None
    """The module being imported when the interpreter ended (None: it ended between two)."""
    timed_out: bool = False
    ending: str = ""
    error: str | None = None


def _run_probe(
    spec: dict[str, t.Any], scratch: Path, number: int, python: str | None, timeout: float
) -> _ProbeRun:
    spec_path = scratch / f"spec-{number}.json"
    out_path = scratch / f"results-{number}.jsonl"
    err_path = scratch / f"stderr-{number}.txt"
    spec_path.write_text(json.dumps(spec), "utf-8")
    out_path.write_bytes(b"")
    interpreter = python or sys.executable
    command = [
        interpreter,
        "-c",
        _RUN_PROBE,
        os.fspath(_PROBE),
        os.fspath(spec_path),
        os.fspath(out_path),
    ]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    # The probe watches every import and lookup of the original; a measuring tool started
    # in the child (coverage's subprocess hook looks its source packages up by name) would
    # be taken for the fork asking, so none is started there.
    for name in ("PYTHONSTARTUP", "COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG"):
        env.pop(name, None)
    with err_path.open("wb") as stderr:
        try:
            proc = subprocess.Popen(
                command,
                cwd=scratch,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            return _ProbeRun([], error=f"cannot run {interpreter}: {exc.strerror or exc}")
        try:
            timed_out = _watch(proc, out_path, timeout)
        finally:
            if proc.poll() is None:
                _stop(proc)
    records = _read_records(out_path)
    current = _current(records)
    last = _last_line(err_path)
    if timed_out:
        ending = f"still importing after {timeout:.0f} s; stopped"
    else:
        ending = _exit_text(proc.returncode) + (f": {last}" if last else "")
    run = _ProbeRun(records, current, timed_out, ending)
    if not records:
        run.error = f"{interpreter} did not start the import check ({ending})"
    return run


def _watch(proc: subprocess.Popen[bytes], out_path: Path, timeout: float) -> bool:
    """Wait for the interpreter; True when one module's import outlived ``timeout``."""
    size = -1
    since = time.monotonic()
    limit = START_TIMEOUT
    while True:
        try:
            proc.wait(timeout=_POLL)
            return False
        except subprocess.TimeoutExpired:
            pass
        now_size = out_path.stat().st_size
        if now_size != size:
            size, since, limit = now_size, time.monotonic(), timeout
        elif time.monotonic() - since > limit:
            return True


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the interpreter this module started, and whatever it started in its session."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _read_records(path: Path) -> list[dict[str, t.Any]]:
    records = []
    for line in path.read_text("utf-8", "replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            break  # the line being written when the interpreter died
        if isinstance(record, dict):
            records.append(record)
    return records


def _current(records: t.Sequence[dict[str, t.Any]]) -> str | None:
    if records and "start" in records[-1]:
        return str(records[-1]["start"])
    return None


def _last_line(path: Path) -> str:
    try:
        data = path.read_bytes()[-4000:]
    except OSError:
        return ""
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:300] if lines else ""


def _exit_text(code: int | None) -> str:
    if code is None:
        return "did not end"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the interpreter was killed by {name}"
    return f"the interpreter exited with status {code}"


def _spot(value: t.Any, base: Path | None) -> tuple[str | None, int | None]:
    if not (isinstance(value, list) and len(value) == 2):
        return None, None
    path = str(value[0])
    if base is not None and os.path.isabs(path):
        try:
            path = Path(path).resolve().relative_to(base.resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return path, int(value[1])


def _at(value: t.Any, base: Path | None) -> str | None:
    path, line = _spot(value, base)
    return f"{path}:{line}" if path is not None else None


def _results(
    records: t.Sequence[dict[str, t.Any]], owner: dict[str, str], base: Path | None
) -> list[ModuleResult]:
    results = []
    for record in records:
        if "done" not in record:
            continue
        module = str(record["done"])
        reached = tuple(
            Reach(
                item["kind"],
                str(item["name"]),
                *_spot(item.get("where"), base),
                _at(item.get("by"), base),
            )
            for item in record.get("reached") or ()
        )
        failures = tuple(
            Failure(
                str(item["type"]),
                str(item.get("message") or ""),
                item.get("module"),
                bool(item.get("stdlib")),
                *_spot(item.get("where"), base),
            )
            for item in record.get("error") or ()
        )
        results.append(
            ModuleResult(
                owner.get(module, ""),
                module,
                "failed" if failures else "imported",
                reached,
                failures,
                seconds=float(record.get("seconds") or 0.0),
            )
        )
    return results


__all__ = [
    "Failure",
    "IsolationRun",
    "ModuleResult",
    "Package",
    "Reach",
    "Verdict",
    "import_modules",
    "package_modules",
]
