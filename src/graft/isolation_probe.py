"""Import modules where some packages are unimportable, and record what each import reached.

Not imported by graft: :mod:`graft.isolation` has the app's interpreter run this file
(``runpy.run_path(FILE)`` with ``SPEC RESULTS`` after it), and that interpreter may not
have graft installed, so it uses the standard library only. ``SPEC`` is a JSON file (:func:`main` says what it
holds); ``RESULTS`` gets one JSON line when a module's import starts and one when it
ends, flushed each time, so the caller knows which module was being imported if the
interpreter dies or hangs, and can go on with the rest in a new one.

Three doors to an original package are closed, first on ``sys.meta_path`` and before
any module is imported: ``import OLD`` and ``import OLD.x`` raise
``ModuleNotFoundError``; ``importlib.util.find_spec("OLD")`` answers None, as it does
when a package is not installed; and ``importlib.metadata`` (and the
``importlib_metadata`` backport) no longer finds the original's distribution, while a
vendored package's own answer (its ``_graft_distribution`` module) still counts. Each
time one is knocked on, the file and line that asked are recorded: the innermost frame
inside a checked package, else the innermost frame outside the import machinery.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import sys
import time
import typing as t

_BLOCKED: tuple[str, ...] = ()
_DISTRIBUTIONS: frozenset[str] = frozenset()
_DIRECTORIES: tuple[str, ...] = ()
_REACHED: list[dict[str, t.Any]] = []
_MACHINERY = os.path.normcase(os.path.dirname(os.path.abspath(importlib.__file__)))
_OWN_CODE: set[t.Any] = set()


def normalize(name: str) -> str:
    """A distribution name as ``importlib.metadata`` compares it."""
    return re.sub(r"[-_.]+", "_", name).lower()


def blocked_root(name: str) -> str | None:
    """The blocked top-level name ``name`` is, or is under."""
    for root in _BLOCKED:
        if name == root or name.startswith(root + "."):
            return root
    return None


def _in_checked(filename: str) -> bool:
    path = os.path.normcase(os.path.abspath(filename))
    return any(path.startswith(directory + os.sep) for directory in _DIRECTORIES)


def _is_machinery(frame: t.Any) -> bool:
    code = frame.f_code
    filename = str(code.co_filename)
    if code in _OWN_CODE or filename.startswith("<frozen importlib"):
        return True
    return os.path.normcase(os.path.abspath(filename)).startswith(_MACHINERY + os.sep)


def where(frame: t.Any) -> tuple[list[t.Any] | None, list[t.Any] | None]:
    """``[file, line]`` of the code that asked, inside a checked package if any frame is; and
    the file outside them that asked first, if one did (a dependency the package imports)."""
    first: list[t.Any] | None = None
    while frame is not None:
        if frame.f_code is _run_code():
            break
        if not _is_machinery(frame):
            filename = str(frame.f_code.co_filename)
            spot = [filename, frame.f_lineno]
            if _in_checked(filename):
                return spot, first
            if first is None and not filename.startswith("<"):
                first = spot  # code run from a string has no file of its own: not "who"
        frame = frame.f_back
    return first, None


def _requested(frame: t.Any, name: str) -> str:
    """The full name the import statement asked for (``OLD.x``, of which ``OLD`` failed first)."""
    asked = name
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith("<frozen importlib") and code.co_name in (
            "_find_and_load",
            "_gcd_import",
        ):
            value = frame.f_locals.get("name")
            if isinstance(value, str) and blocked_root(value) is not None:
                asked = value
        elif not _is_machinery(frame):
            break
        frame = frame.f_back
    return asked


def note(kind: str, name: str, frame: t.Any) -> None:
    spot, by = where(frame)
    record = {"kind": kind, "name": name, "where": spot, "by": by}
    if record not in _REACHED:
        _REACHED.append(record)


class Blocker:
    """First on ``sys.meta_path``: the blocked packages cannot be found at all."""

    def find_spec(self, fullname: str, path: t.Any = None, target: t.Any = None) -> t.Any:
        root = blocked_root(fullname)
        if root is None:
            return None
        caller = sys._getframe(1)
        note("import", _requested(caller, fullname), caller)
        raise ModuleNotFoundError(
            f"No module named {fullname!r} (graft check made {root} unimportable: "
            "a vendored package must not need it)",
            name=fullname,
        )


def _find_spec(original: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    def find_spec(name: str, package: str | None = None) -> t.Any:
        full = name
        if name.startswith(".") and package:
            try:
                full = importlib.util.resolve_name(name, package)
            except (ImportError, ValueError):
                full = name
        root = blocked_root(full)
        if root is not None:
            note("find_spec", full, sys._getframe(1))
            if full == root:
                return None  # what it answers for a package that is not installed
            # A submodule's parent is imported first, and that import fails.
            raise ModuleNotFoundError(f"No module named {root!r}", name=root)
        return original(name, package)

    _OWN_CODE.add(find_spec.__code__)
    return find_spec


def _is_vendored_answer(dist: t.Any) -> bool:
    return str(type(dist).__module__).endswith("._graft_distribution")


def _dist_name(dist: t.Any) -> str | None:
    try:
        name = dist.metadata["Name"]
    except Exception:  # a broken installation: not ours to judge
        return None
    return str(name) if name else None


def _discover(original: t.Any) -> t.Any:
    def discover(cls: t.Any, /, **kwargs: t.Any) -> t.Iterator[t.Any]:
        context = kwargs.get("context")
        asked = kwargs.get("name") or getattr(context, "name", None)
        if asked and normalize(str(asked)) in _DISTRIBUTIONS:
            note("distribution", str(asked), sys._getframe(1))
        for dist in original(cls, **kwargs):
            if not _is_vendored_answer(dist):
                name = _dist_name(dist)
                if name is not None and normalize(name) in _DISTRIBUTIONS:
                    continue
            yield dist

    _OWN_CODE.add(discover.__code__)
    return classmethod(discover)


def close_metadata(module: t.Any) -> None:
    """Hide the blocked distributions from ``importlib.metadata`` or its backport."""
    distribution = getattr(module, "Distribution", None)
    if distribution is None or getattr(distribution, "_graft_check_closed", False):
        return
    original = getattr(distribution.__dict__.get("discover"), "__func__", None)
    if original is None:
        return  # a version whose lookups do not go through discover(): left open
    distribution.discover = _discover(original)
    distribution._graft_check_closed = True


class BackportWatcher:
    """Closes ``importlib_metadata`` (the backport) too, when something imports it."""

    def find_spec(self, fullname: str, path: t.Any = None, target: t.Any = None) -> t.Any:
        if fullname != "importlib_metadata":
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader: t.Any = getattr(spec, "loader", None)
        if spec is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: t.Any) -> None:
            run(module)
            close_metadata(module)

        loader.exec_module = exec_module
        return spec


def describe(exc: BaseException) -> list[dict[str, t.Any]]:
    """The exception and its causes, outermost first: type, message, module, place."""
    chain: list[dict[str, t.Any]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < 8:
        seen.add(id(current))
        kind = type(current)
        name = kind.__qualname__
        if kind.__module__ not in ("builtins", "__main__"):
            name = f"{kind.__module__}.{name}"
        missing = getattr(current, "name", None) if isinstance(current, ImportError) else None
        spot = None
        tb = current.__traceback__
        while tb is not None:
            if _in_checked(tb.tb_frame.f_code.co_filename):
                spot = [tb.tb_frame.f_code.co_filename, tb.tb_lineno]
            tb = tb.tb_next
        message = str(current).strip().splitlines()
        chain.append(
            {
                "type": name,
                "message": message[0][:300] if message else "",
                "module": missing if isinstance(missing, str) else None,
                "stdlib": isinstance(missing, str)
                and missing.partition(".")[0] in getattr(sys, "stdlib_module_names", ()),
                "where": spot,
            }
        )
        cause = current.__cause__
        if cause is None and not current.__suppress_context__:
            cause = current.__context__
        current = cause
    return chain


def _write(out: t.IO[str], record: dict[str, t.Any]) -> None:
    out.write(json.dumps(record) + "\n")
    out.flush()


def run(modules: t.Sequence[str], out: t.IO[str]) -> None:
    """Import each module in turn; one failure does not stop the others."""
    blocker = sys.meta_path[0]
    for name in modules:
        if sys.meta_path[0] is not blocker:
            # A module moved a finder of its own in front: the blocker goes first again.
            if blocker in sys.meta_path:
                sys.meta_path.remove(blocker)
            sys.meta_path.insert(0, blocker)
        del _REACHED[:]
        _write(out, {"start": name})
        started = time.perf_counter()
        error = None
        try:
            importlib.import_module(name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit at import is a finding like any other
            error = describe(exc)
        _write(
            out,
            {
                "done": name,
                "reached": list(_REACHED),
                "error": error,
                "seconds": round(time.perf_counter() - started, 4),
            },
        )


def _run_code() -> t.Any:
    return run.__code__


def main(argv: t.Sequence[str]) -> None:
    """``SPEC`` holds ``blocked`` (top-level import names), ``distributions`` (names),
    ``paths`` (put first on ``sys.path``), ``directories`` (the checked packages' folders,
    for locating frames) and ``modules`` (dotted names, imported in this order)."""
    global _BLOCKED, _DISTRIBUTIONS, _DIRECTORIES
    spec_path, out_path = argv
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    _BLOCKED = tuple(spec["blocked"])
    _DISTRIBUTIONS = frozenset(normalize(name) for name in spec["distributions"])
    _DIRECTORIES = tuple(
        os.path.normcase(os.path.abspath(directory)) for directory in spec["directories"]
    )
    _OWN_CODE.update(
        {Blocker.find_spec.__code__, BackportWatcher.find_spec.__code__, note.__code__}
    )
    # The working directory is not the app's import path.
    while sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    sys.path[:0] = list(spec["paths"])
    sys.argv[:] = [sys.argv[0]]
    for name in [name for name in sys.modules if blocked_root(name) is not None]:
        del sys.modules[name]  # loaded at start-up (a .pth file): it would be found there
    sys.meta_path.insert(0, BackportWatcher())
    sys.meta_path.insert(0, Blocker())
    importlib.util.find_spec = _find_spec(importlib.util.find_spec)
    import importlib.metadata as metadata

    close_metadata(metadata)
    if "importlib_metadata" in sys.modules:
        close_metadata(sys.modules["importlib_metadata"])
    with open(out_path, "a", encoding="utf-8") as out:
        run(spec["modules"], out)
    import threading

    main_thread = threading.main_thread()
    if any(not t.daemon and t is not main_thread for t in threading.enumerate()):
        os._exit(0)  # a thread a module started must not keep the interpreter alive


if __name__ == "__main__":
    main(sys.argv[-2:])
