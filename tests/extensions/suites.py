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
import shutil
import sys
from pathlib import Path

# The download, environment and counting machinery is shared with tests/realworld/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import suite_runner

REPO_ROOT = suite_runner.REPO_ROOT
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
    return suite_runner.cache_dir("extensions", "GRAFT_EXTENSIONS_CACHE")


def download_sdist(suite: Suite, cache: Path) -> Path:
    """The suite's sdist from PyPI, downloaded once into ``cache/sdists``."""
    return suite_runner.download_sdist(suite.requirement, cache)


_CONFIG_FILES = ("setup.cfg", "pyproject.toml", "tox.ini", "pytest.ini")


def extract_suite(suite: Suite, cache: Path) -> Path:
    """A pristine copy of the sdist's ``tests/`` plus the files that configure pytest.

    Only these are extracted: the sdist's own copy of the extension must not be importable
    from the run directory, or the suite would test it instead of the installed (or patched)
    one.
    """
    return suite_runner.extract_sdist(
        download_sdist(suite, cache),
        cache / "suites" / suite.requirement,
        lambda rel: rel.startswith("tests/") or rel in _CONFIG_FILES,
    )


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
    requirements = suite_runner.pinned(FRAMEWORK_DEPENDENCIES) + list(TEST_DEPENDENCIES)
    return suite_runner.ensure_venv(cache, requirements)


def ensure_flask_overlay(cache: Path) -> Path:
    """Flask and the original extensions, installed without dependencies into a target dir.

    Put on ``PYTHONPATH`` of the Flask-free venv it gives the baseline environment; left off
    it, nothing of Flask is importable.
    """
    requirements = [f"flask=={FLASK_VERSION}"]
    requirements += [s.requirement for s in SUITES.values()]
    requirements += [f"{d}=={v}" for d, (v, _) in HELPER_EXTENSIONS.items()]
    return ensure_overlay(cache, requirements, kind="flask")


BLOCK_FLASK = suite_runner.blocker_source(["flask"], "the extension-suite harness")


def write_flask_blocker(directory: Path) -> Path:
    """A ``sitecustomize.py`` in ``directory`` that makes ``import flask`` raise ImportError.

    The venv has no Flask anyway; this also catches a stray ``import flask`` that a patched
    extension or rewritten test kept, which must fail loudly rather than find some Flask.
    """
    return suite_runner.write_blocker(directory, BLOCK_FLASK)


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
    env = suite_runner.clean_env(path, drop=("FLASK_", "VIAL_"))
    counts = suite_runner.run_pytest(
        python, suite_dir, ["tests", *suite.pytest_args], env, timeout=timeout, what=suite.dist
    )
    return SuiteResult(
        suite,
        counts.passed,
        counts.failed,
        counts.errors,
        counts.skipped,
        counts.failures,
        counts.output,
    )


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
    return suite_runner.ensure_overlay(cache, requirements, kind=kind)
