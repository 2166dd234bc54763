"""Real Flask extensions' own test suites, fetched from PyPI and run in isolated environments.

Why this exists: vial claims to be Flask-compatible, and ``graft patch`` claims an
extension written for Flask runs unchanged on vial (or on a fork of it). The strongest
evidence is the extensions' own test suites, measured against the counts they reach on
real Flask. This module is the machinery only (download, extract, build environments,
run, count); what runs on what lives in the tests and in ``scripts/run-extension-suites``.

Nothing downloaded here is committed: sdists, extracted suites and environments live in a
cache directory (``.cache/extensions/`` by default, gitignored, or ``$GRAFT_EXTENSIONS_CACHE``),
reused across runs. Every environment is keyed by a hash of what was asked of pip, so a
changed pin builds a fresh one instead of silently reusing a stale one.

Environments are deliberately *not* the dev venv: the dev venv has Flask installed as a test
dependency, and the point is to show the suites pass where ``flask`` cannot be imported.
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
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The project checkout; the default cache lives under it."""

FLASK_VERSION = "3.1.3"
"""The Flask the baseline counts were measured on (``/work/shared/EXTENSIONS.md``)."""


@dataclasses.dataclass(frozen=True)
class Suite:
    """One extension whose own test suite is an acceptance test for vial."""

    dist: str
    """Distribution name on PyPI."""
    version: str
    """Pinned release: the counts below are only meaningful for it."""
    import_name: str
    """Top-level module or package the distribution installs."""
    pytest_args: tuple[str, ...]
    """The arguments the suite needs (plugins it must not see)."""
    expected_passed: int
    """Passes on Flask 3.1.3; vial and its forks must reach the same number."""
    expected_skipped: int = 0
    """Skips on Flask 3.1.3 (a test that depends on the environment, not on the framework)."""

    @property
    def requirement(self) -> str:
        return f"{self.dist}=={self.version}"


SUITES: dict[str, Suite] = {
    s.dist: s
    for s in (
        Suite("flask-login", "0.6.3", "flask_login", ("-p", "no:asyncio"), 114),
        Suite("flask-cors", "6.0.5", "flask_cors", ("-p", "no:asyncio"), 98, 1),
        Suite("flask-wtf", "1.3.0", "flask_wtf", ("-p", "no:asyncio"), 85),
        Suite(
            "flask-httpauth",
            "4.8.1",
            "flask_httpauth",
            ("-p", "no:asyncio", "-p", "no:logging"),
            121,
        ),
    )
}
"""The four extension suites, in the order they are reported."""

HELPER_EXTENSIONS: dict[str, tuple[str, str]] = {
    "flask-babel": ("4.0.0", "flask_babel"),
    "flask-reuploaded": ("1.6.0", "flask_uploads"),
}
"""Flask extensions that a suite's *tests* import (flask-wtf's), so they must be patched too."""

TEST_DEPENDENCIES: tuple[str, ...] = (
    "semantic-version==2.10.0",
    "asgiref==3.13.0",
    "packaging",
    "wtforms==3.3.2",
    "babel",
    "pytz",
    "email-validator==2.4.0",
)
"""Everything the suites need that does not itself depend on Flask."""

FRAMEWORK_DEPENDENCIES: tuple[str, ...] = (
    "werkzeug",
    "jinja2",
    "itsdangerous",
    "blinker",
    "click",
    "markupsafe",
    "pytest",
)
"""Pinned below to the dev venv's versions, so vial is tested on what it is developed on."""


def cache_dir() -> Path:
    """The download and environment cache: ``$GRAFT_EXTENSIONS_CACHE`` or ``.cache/extensions``."""
    configured = os.environ.get("GRAFT_EXTENSIONS_CACHE")
    path = Path(configured) if configured else REPO_ROOT / ".cache" / "extensions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pip(*args: str) -> None:
    """Run the dev venv's pip; its output is shown only when it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")


def _key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _pinned(names: tuple[str, ...]) -> list[str]:
    """``name==version`` of the dev venv's copy, or the bare name when it has none."""
    pins = []
    for name in names:
        try:
            pins.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pins.append(name)
    return pins


def download_sdist(suite: Suite, cache: Path) -> Path:
    """The suite's sdist from PyPI, downloaded once into ``cache/sdists``."""
    dest = cache / "sdists" / suite.requirement
    found = sorted(dest.glob("*.tar.gz")) if dest.is_dir() else []
    if not found:
        tmp = dest.with_name(dest.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        _pip("download", "--no-deps", "--no-binary", ":all:", "-d", str(tmp), suite.requirement)
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
        found = sorted(dest.glob("*.tar.gz"))
    return found[0]


_CONFIG_FILES = ("setup.cfg", "pyproject.toml", "tox.ini", "pytest.ini")


def extract_suite(suite: Suite, cache: Path) -> Path:
    """A pristine copy of the sdist's ``tests/`` plus the files that configure pytest.

    Only these are extracted: the sdist's own copy of the extension must not be importable
    from the run directory, or the suite would test it instead of the installed (or patched)
    one.
    """
    dest = cache / "suites" / suite.requirement
    if (dest / "tests").is_dir():
        return dest
    sdist = download_sdist(suite, cache)
    tmp = dest.with_name(dest.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
        root = members[0].name.split("/")[0]
        wanted = []
        for member in members:
            rel = member.name[len(root) + 1 :]
            if rel.startswith("tests/") or rel in _CONFIG_FILES:
                member.name = rel
                wanted.append(member)
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12: refuse links out of the tree
            archive.extractall(tmp, members=wanted, filter="data")
        else:  # pragma: no cover - older 3.10 patch releases
            archive.extractall(tmp, members=wanted)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def copy_suite(suite: Suite, cache: Path, dest: Path) -> Path:
    """A fresh, writable copy of the suite under ``dest`` (rewriting must not touch the cache)."""
    source = extract_suite(suite, cache)
    target = dest / suite.requirement
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def ensure_venv(cache: Path) -> Path:
    """A venv without Flask: pytest, the framework's libraries and the non-Flask test deps.

    Returns the venv's python. Built once per set of pins.
    """
    requirements = _pinned(FRAMEWORK_DEPENDENCIES) + list(TEST_DEPENDENCIES)
    venv = cache / f"venv-{_key(sys.version, *requirements)}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    _pip("--python", str(python), "install", "--quiet", *requirements)
    (venv / ".complete").write_text("\n".join(requirements) + "\n")
    return python


def ensure_flask_overlay(cache: Path) -> Path:
    """Flask and the original extensions, installed without dependencies into a target dir.

    Put on ``PYTHONPATH`` of the Flask-free venv it gives the baseline environment; left off
    it, nothing of Flask is importable.
    """
    requirements = [f"flask=={FLASK_VERSION}"]
    requirements += [s.requirement for s in SUITES.values()]
    requirements += [f"{d}=={v}" for d, (v, _) in HELPER_EXTENSIONS.items()]
    return ensure_overlay(cache, requirements, kind="flask")


BLOCK_FLASK = '''\
"""Written by the extension-suite harness: make ``import flask`` fail in this environment."""
import sys

sys.modules["flask"] = None
'''


def write_flask_blocker(directory: Path) -> Path:
    """A ``sitecustomize.py`` in ``directory`` that makes ``import flask`` raise ImportError.

    The venv has no Flask anyway; this also catches a stray ``import flask`` that a patched
    extension or rewritten test kept, which must fail loudly rather than find some Flask.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "sitecustomize.py"
    path.write_text(BLOCK_FLASK)
    return path


@dataclasses.dataclass(frozen=True)
class SuiteResult:
    """What one run of a suite counted (from pytest's JUnit XML, not from its prose)."""

    suite: Suite
    passed: int
    failed: int
    errors: int
    skipped: int
    failures: tuple[tuple[str, str], ...]
    """(test id, first line of the failure message) for each failing or erroring test."""
    output: str
    """pytest's console output, for diagnosing a run that went wrong."""

    @property
    def matches_flask(self) -> bool:
        return (self.passed, self.failed, self.errors) == (self.suite.expected_passed, 0, 0)

    def summary(self) -> str:
        return (
            f"{self.suite.dist} {self.suite.version}: {self.passed} passed, {self.failed} failed,"
            f" {self.errors} errors, {self.skipped} skipped"
            f" (Flask {FLASK_VERSION}: {self.suite.expected_passed} passed)"
        )


def run_suite(
    suite: Suite,
    suite_dir: Path,
    python: Path,
    path: list[Path],
    *,
    timeout: float = 600,
) -> SuiteResult:
    """Run ``suite_dir/tests`` with ``python`` and ``path`` as ``PYTHONPATH``; count the results.

    The environment is scrubbed of the caller's pytest and warning settings, so the suite runs
    under its own configuration (some turn every warning into an error).
    """
    junit = suite_dir / "junit.xml"
    junit.unlink(missing_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "PYTHON", "VIRTUAL_ENV", "COV_", "FLASK_", "VIAL_"))
    }
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in path)
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "tests",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rfE",
            f"--junitxml={junit}",
            *suite.pytest_args,
        ],
        cwd=suite_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = proc.stdout + proc.stderr
    if not junit.exists():
        raise RuntimeError(
            f"{suite.dist}: pytest wrote no report (exit {proc.returncode}):\n{output}"
        )
    return _count(suite, junit, output)


def _count(suite: Suite, junit: Path, output: str) -> SuiteResult:
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
    return SuiteResult(suite, passed, failed, errors, skipped, tuple(failures), output)


def run_on_flask(suite: Suite, cache: Path, workdir: Path) -> SuiteResult:
    """The baseline: the unmodified suite against real Flask and the original extensions."""
    suite_dir = copy_suite(suite, cache, workdir)
    return run_suite(suite, suite_dir, ensure_venv(cache), [ensure_flask_overlay(cache)])


def run_target(target: str, suite: Suite, cache: Path, workdir: Path) -> SuiteResult:
    """Run ``suite`` on ``target`` ("flask", "vial" or "fork"); used by the script."""
    if target == "flask":
        return run_on_flask(suite, cache, workdir)
    import patched  # the vial and fork runs need graft; the baseline does not

    return patched.run_on_target(target, suite, cache, workdir)


def ensure_overlay(cache: Path, requirements: list[str], *, kind: str = "overlay") -> Path:
    """Any set of distributions installed without dependencies into a cached target dir."""
    target = cache / f"{kind}-{_key(*requirements)}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    _pip("install", "--quiet", "--no-deps", "--target", str(target), *requirements)
    (target / ".complete").write_text("\n".join(requirements) + "\n")
    return target
