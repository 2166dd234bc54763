"""Real projects' own test suites from their sdists, run in environments built for the purpose.

Why this exists: the strongest evidence that a fork or a patched extension works is the
upstream project's own test suite, counted against the count it reaches on the original.
This module is the machinery both acceptance harnesses share (``tests/extensions/`` for
Flask extensions on vial, ``tests/realworld/`` for forks of real libraries): download an
sdist once, extract the parts a suite needs, build a venv and ``--target`` overlays keyed
by their pins, block a module from being imported, run pytest and count its JUnit XML.

Nothing downloaded here is committed: everything lives in a cache directory under
``.cache/`` (gitignored) or where an environment variable points, and is reused across runs.
Every environment is keyed by a hash of what was asked of pip, so a changed pin builds a
fresh one instead of silently reusing a stale one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
"""The project checkout; the default caches live under it."""


def cache_dir(name: str, env_var: str) -> Path:
    """The cache ``$env_var`` names, else ``.cache/NAME`` in the checkout; created if missing."""
    configured = os.environ.get(env_var)
    path = Path(configured) if configured else REPO_ROOT / ".cache" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def pip(*args: str) -> None:
    """Run the dev venv's pip; its output is shown only when it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")


def key(*parts: str) -> str:
    """A short, stable hash of ``parts``: the name of a cached environment."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def pinned(names: Iterable[str]) -> list[str]:
    """``name==version`` of the dev venv's copy, or the bare name when it has none."""
    pins = []
    for name in names:
        try:
            pins.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pins.append(name)
    return pins


def download_sdist(requirement: str, cache: Path) -> Path:
    """The sdist of ``requirement`` (``name==version``) from PyPI, downloaded once."""
    dest = cache / "sdists" / requirement
    found = sorted(dest.glob("*.tar.gz")) if dest.is_dir() else []
    if not found:
        tmp = dest.with_name(dest.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        pip("download", "--no-deps", "--no-binary", ":all:", "-d", str(tmp), requirement)
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
        found = sorted(dest.glob("*.tar.gz"))
    return found[0]


def extract_sdist(
    sdist: Path, dest: Path, wanted: Callable[[str], bool] = lambda rel: True
) -> Path:
    """The members of ``sdist`` whose path below its top folder ``wanted`` accepts, in ``dest``.

    Extracted once: an existing ``dest`` is returned as it is. Links out of the tree are
    refused where the running Python can (``tarfile``'s data filter).
    """
    if dest.is_dir():
        return dest
    tmp = dest.with_name(dest.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
        root = members[0].name.split("/")[0]
        chosen = []
        for member in members:
            rel = member.name[len(root) + 1 :]
            if rel and wanted(rel):
                member.name = rel
                chosen.append(member)
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12: refuse links out of the tree
            archive.extractall(tmp, members=chosen, filter="data")
        else:  # pragma: no cover - older 3.10 patch releases
            archive.extractall(tmp, members=chosen)
    tmp.rename(dest)
    return dest


def ensure_venv(cache: Path, requirements: Sequence[str]) -> Path:
    """A venv with exactly ``requirements`` (and their dependencies); returns its python.

    Built once per set of pins, with the dev venv's pip (``--python``), so the new venv
    needs no pip of its own.
    """
    venv = cache / f"venv-{key(sys.version, *requirements)}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip("--python", str(python), "install", "--quiet", *requirements)
    (venv / ".complete").write_text("\n".join(requirements) + "\n")
    return python


def ensure_overlay(cache: Path, requirements: Sequence[str], *, kind: str = "overlay") -> Path:
    """``requirements`` installed without dependencies into a cached ``--target`` dir.

    Put on ``PYTHONPATH`` of a venv that lacks them it adds exactly these distributions
    (with their metadata); left off it, none of them is importable.
    """
    target = cache / f"{kind}-{key(*requirements)}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    pip("install", "--quiet", "--no-deps", "--target", str(target), *requirements)
    (target / ".complete").write_text("\n".join(requirements) + "\n")
    return target


def blocker_source(names: Iterable[str], who: str) -> str:
    """A ``sitecustomize.py`` that makes ``import NAME`` raise ImportError for each name."""
    lines = [
        f'"""Written by {who}: make these imports fail in this environment."""',
        "import sys",
        "",
    ]
    lines += [f"sys.modules[{name!r}] = None" for name in names]
    return "\n".join(lines) + "\n"


def write_blocker(directory: Path, source: str) -> Path:
    """``source`` (see :func:`blocker_source`) as ``directory/sitecustomize.py``.

    With ``directory`` first on ``PYTHONPATH`` the interpreter runs it at start-up, in the
    test process and in every subprocess that inherits the environment.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "sitecustomize.py"
    path.write_text(source)
    return path


@dataclasses.dataclass(frozen=True)
class Counts:
    """What one pytest run counted (from its JUnit XML, not from its prose)."""

    passed: int
    failed: int
    errors: int
    skipped: int
    failures: tuple[tuple[str, str], ...]
    """(test id, first line of the failure message) for each failing or erroring test."""
    output: str
    """pytest's console output, for diagnosing a run that went wrong."""


def clean_env(path: Sequence[Path], drop: tuple[str, ...] = ()) -> dict[str, str]:
    """The caller's environment without its pytest, Python and venv settings, plus ``path``.

    A suite must run under its own configuration (some turn every warning into an error),
    and with ``path`` as its whole ``PYTHONPATH``. Variables starting with a prefix in
    ``drop`` are removed too.
    """
    prefixes = ("PYTEST", "PYTHON", "VIRTUAL_ENV", "COV_", *drop)
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in path)
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_pytest(
    python: Path,
    cwd: Path,
    args: Sequence[str],
    env: dict[str, str],
    *,
    timeout: float = 600,
    what: str = "suite",
    cache: bool = False,
) -> Counts:
    """``python -m pytest -q -p no:cacheprovider ARGS`` in ``cwd``, counted from JUnit XML.

    ``cache=True`` keeps pytest's cache plugin, for suites whose plugins store state in it
    (pytest-xprocess); it then writes ``.pytest_cache`` into ``cwd``.
    """
    junit = cwd / "junit.xml"
    junit.unlink(missing_ok=True)
    no_cache = [] if cache else ["-p", "no:cacheprovider"]
    proc = subprocess.run(
        [str(python), "-m", "pytest", "-q", *no_cache, "-rfE"] + [f"--junitxml={junit}", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = proc.stdout + proc.stderr
    if not junit.exists():
        raise RuntimeError(f"{what}: pytest wrote no report (exit {proc.returncode}):\n{output}")
    return count_junit(junit, output)


def count_junit(junit: Path, output: str) -> Counts:
    """Passes, failures, errors and skips in a JUnit XML report written by pytest."""
    passed = failed = errors = skipped = 0
    failures: list[tuple[str, str]] = []
    for case in ET.parse(junit).iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        outcome = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        if outcome is None:
            passed += 1
            continue
        if outcome.tag == "skipped":
            skipped += 1
            continue
        message = (outcome.get("message") or outcome.text or "").strip().splitlines()
        failures.append((test_id, message[0][:300] if message else ""))
        if outcome.tag == "failure":
            failed += 1
        else:
            errors += 1
    return Counts(passed, failed, errors, skipped, tuple(failures), output)
