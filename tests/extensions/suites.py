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
import os
import shutil
import sys
import typing as t
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
    """The arguments the suite needs (plugins it must not see, options its config lacks)."""
    expected_passed: int
    """Passes on Flask 3.1.3; vial and its forks must reach the same number."""
    expected_skipped: int = 0
    """Skips on Flask 3.1.3 (a test that depends on the environment, not on the framework)."""
    expected_failures: tuple[str, ...] = ()
    """Tests (``module.Class::name``) that fail on Flask 3.1.3 itself: a release written for
    an older Flask. vial and its forks must fail exactly these, no more, no fewer."""
    requires: tuple[str, ...] = ()
    """What the extension and its tests import that does not import Flask (the suites' venv)."""
    extensions: tuple[str, ...] = ()
    """Other Flask extensions (``dist==version``) it requires or its tests import: patched too."""
    flask_users: tuple[str, ...] = ()
    """Distributions that are not extensions but import Flask (webargs' ``flaskparser``):
    ``graft patch`` of the extension must take them along (its requirement closure)."""
    files: tuple[str, ...] = ("tests/",)
    """What of the sdist is the suite: folders (ending in ``/``) or single files."""
    deselect: tuple[str, ...] = ()
    """Tests that cannot run here on any target, by node id (a whole file: not even
    collected): they need what this machine lacks (a Docker daemon), or cannot be collected
    on Flask 3.1.3 itself. Left out on every target alike, so the counts compare like with
    like; each suite says why next to its list."""
    pytest_cache: bool = False
    """Whether the suite needs pytest's cache plugin (pytest-xprocess keeps its servers there)."""

    @property
    def requirement(self) -> str:
        return f"{self.dist}=={self.version}"

    @property
    def paths(self) -> tuple[str, ...]:
        """What pytest is given, relative to the extracted suite (``tests``, ``test_x.py``)."""
        return tuple(f.rstrip("/") for f in self.files)

    def is_suite_file(self, rel: str) -> bool:
        """Whether ``rel`` (a path inside the sdist) belongs to the suite."""
        return any(rel.startswith(f) if f.endswith("/") else rel == f for f in self.files)


_RESTFUL_REQPARSE_415 = (
    "test_json_location",
    "test_parse",
    "test_parse_append",
    "test_parse_append_default",
    "test_parse_append_ignore",
    "test_parse_append_many",
    "test_parse_append_single",
    "test_parse_callable_default",
    "test_parse_choices",
    "test_parse_choices_correct",
    "test_parse_choices_insensitive",
    "test_parse_choices_sensitive",
    "test_parse_default",
    "test_parse_default_append",
    "test_parse_dest",
    "test_parse_eq",
    "test_parse_eq_other",
    "test_parse_foo_operators_four_hunderd",
    "test_parse_foo_operators_ignore",
    "test_parse_gte",
    "test_parse_gte_lte_eq",
    "test_parse_ignore",
    "test_parse_lte",
    "test_parse_lte_gte_append",
    "test_parse_lte_gte_missing",
    "test_parse_lte_gte_mock",
    "test_parse_none",
    "test_parse_store_missing",
    "test_parse_unicode",
    "test_parse_unicode_app",
    "test_passing_arguments_object",
    "test_request_parser_copy",
    "test_request_parser_replace_argument",
    "test_strict_parsing_off_partial_hit",
    "test_strict_parsing_on",
    "test_strict_parsing_on_partial_hit",
    "test_trim_argument",
    "test_trim_request_parser",
    "test_type_callable",
)
"""flask-restful 0.3.10's reqparse reads ``request.json`` of form and query requests; since
Flask 2.1 that raises 415 Unsupported Media Type, so these fail on Flask 3.1.3."""

SUITES: dict[str, Suite] = {
    s.dist: s
    for s in (
        Suite(
            "flask-login",
            "0.6.3",
            "flask_login",
            ("-p", "no:asyncio"),
            114,
            requires=("semantic-version==2.10.0", "asgiref==3.13.0"),
        ),
        Suite(
            "flask-cors",
            "6.0.5",
            "flask_cors",
            ("-p", "no:asyncio"),
            98,
            1,
            requires=("packaging",),
        ),
        Suite(
            "flask-wtf",
            "1.3.0",
            "flask_wtf",
            ("-p", "no:asyncio"),
            85,
            requires=("wtforms==3.3.2", "babel", "pytz", "email-validator==2.4.0"),
            extensions=("flask-babel==4.0.0", "flask-reuploaded==1.6.0"),
        ),
        Suite(
            "flask-httpauth",
            "4.8.1",
            "flask_httpauth",
            ("-p", "no:asyncio", "-p", "no:logging"),
            121,
            requires=("asgiref==3.13.0",),
        ),
        Suite(
            "flask-sqlalchemy",
            "3.1.1",
            "flask_sqlalchemy",
            ("-p", "no:asyncio"),
            452,
            requires=("sqlalchemy==2.0.23",),
        ),
        Suite(
            "flask-migrate",
            "4.1.0",
            "flask_migrate",
            ("-p", "no:asyncio"),
            7,
            requires=("alembic==1.20.1", "sqlalchemy==2.0.23"),
            extensions=("flask-sqlalchemy==3.1.1",),
        ),
        Suite(
            "flask-smorest",
            "0.47.0",
            "flask_smorest",
            ("-p", "no:asyncio"),
            554,
            requires=("apispec==6.10.0", "marshmallow==4.4.0", "PyYAML==6.0.4", "packaging"),
            flask_users=("webargs==8.7.1",),
        ),
        Suite(
            "flask-marshmallow",
            "1.5.0",
            "flask_marshmallow",
            ("-p", "no:asyncio"),
            50,
            requires=("marshmallow==4.4.0", "marshmallow-sqlalchemy==1.6.0", "sqlalchemy==2.0.23"),
            extensions=("flask-sqlalchemy==3.1.1",),
        ),
        Suite(
            "flask-caching",
            "2.5.1",
            "flask_caching",
            ("-p", "no:asyncio"),
            211,
            81,
            pytest_cache=True,
            requires=(
                "cachelib==0.17.0",
                "asgiref==3.13.0",
                "pytest-xprocess==1.0.2",
                "redis==8.1.0",
                "python-memcached==1.62",
            ),
        ),
        Suite(
            "flask-compress",
            "1.25",
            "flask_compress",
            ("-p", "no:asyncio"),
            56,
            requires=("brotli==1.2.1", "backports.zstd==1.8.0"),
            extensions=("flask-caching==2.5.1",),
        ),
        Suite(
            "flask-jwt-extended",
            "4.7.4",
            "flask_jwt_extended",
            ("-p", "no:asyncio"),
            180,
            1,
            requires=("pyjwt==2.15.1", "cryptography==50.0.2", "python-dateutil==4.0.0"),
        ),
        Suite(
            "flask-limiter",
            "4.1.1",
            "flask_limiter",
            ("-p", "no:asyncio", "-o", "addopts="),
            110,
            requires=(
                "limits==5.8.0",
                "ordered-set==4.1.0",
                "typing-extensions==4.16.0",
                "rich==14.3.4",
                "hiro==1.1.1",
                "pymemcache==4.0.0",
                "pymongo==4.20.1",
                "redis==8.1.0",
                "jsonschema==4.26.0",
                "referencing==0.37.0",
                "importlib_resources==7.1.0",
            ),
            extensions=("flask-restful==0.3.10", "flask-restx==1.3.2"),
            deselect=(
                # Redis, Memcached and MongoDB started by pytest-docker from the suite's
                # docker-compose.yml: no Docker daemon here.
                "tests/test_storage.py",
                "tests/test_commands.py::test_clear_limits",
                "tests/test_commands.py::test_limits_with_test",
                "tests/test_commands.py::test_limits_with_test_storage_down",
                "tests/test_configuration.py::test_constructor_arguments_over_config",
                "tests/test_error_handling.py::test_fallback_to_memory",
                "tests/test_error_handling.py::test_fallback_to_memory_backoff_check",
                "tests/test_error_handling.py::test_fallback_to_memory_config",
                "tests/test_error_handling.py::test_fallback_to_memory_with_global_override",
                "tests/test_flask_ext.py::test_custom_key_prefix",
                "tests/test_flask_ext.py::test_custom_meta_limits",
                "tests/test_flask_ext.py::test_reset_unsupported",
                "tests/test_regressions.py::test_custom_key_prefix_with_headers",
                "tests/test_regressions.py::test_redis_request_slower_than_fixed_window",
                "tests/test_regressions.py::test_redis_request_slower_than_moving_window",
            ),
        ),
        Suite(
            "flask-socketio",
            "5.7.0",
            "flask_socketio",
            ("-p", "no:asyncio"),
            43,
            files=("test_socketio.py",),
            requires=("python-socketio==5.18.1", "python-engineio==4.15.1"),
        ),
        Suite(
            "flask-talisman",
            "1.1.0",
            "flask_talisman",
            ("-p", "no:asyncio"),
            15,
            # The suite is one module inside the package; only that file is taken.
            files=("flask_talisman/talisman_test.py",),
        ),
        Suite(
            "flask-moment",
            "1.0.6",
            "flask_moment",
            ("-p", "no:asyncio"),
            43,
            requires=("packaging",),
        ),
        Suite(
            "flask-restful",
            "0.3.10",
            "flask_restful",
            ("-p", "no:asyncio"),
            93,
            expected_failures=tuple(
                f"tests.test_reqparse.ReqParseTestCase::{name}" for name in _RESTFUL_REQPARSE_415
            ),
            requires=("aniso8601==10.0.1", "pytz", "six==1.17.0", "mock==5.2.0", "pynose==1.5.5"),
            deselect=(
                # Not collected on Flask 3.1.3 with pytest 8 or later: test_api imports
                # flask.signals.signals_available (gone since Flask 2.3), the other two
                # are nose-style yield tests.
                "tests/test_api.py",
                "tests/test_fields.py",
                "tests/test_inputs.py",
            ),
        ),
    )
}
"""Every suite, in the order they are reported."""

CI_SUITES: tuple[str, ...] = (
    "flask-login",
    "flask-cors",
    "flask-wtf",
    "flask-httpauth",
    "flask-smorest",
    "flask-migrate",
)
"""The suites the slow tests run in CI (the rest: ``scripts/run-extension-suites``).

The four first ones; flask-smorest, whose ``graft patch`` must take webargs along; and
flask-migrate, whose tests run ``flask db ...`` in subprocesses (``vial db``, ``python -m
acme_web db``) and whose Alembic templates generate code that imports the framework.
The whole of ``tests/extensions`` (30 tests: three runs of these six, the apps, wheels,
in-app checks and a sync) took 3 min 16 s of CPU (13 min of wall time while seven other
sessions loaded the two cores); flask-migrate's subprocesses and flask-smorest's 554 tests
are most of it.
"""


def ci_suites() -> list[Suite]:
    """:data:`CI_SUITES` as :class:`Suite` values."""
    return [SUITES[dist] for dist in CI_SUITES]


def split_requirement(requirement: str) -> tuple[str, str]:
    """``("flask-babel", "4.0.0")`` from ``"flask-babel==4.0.0"`` (pins only)."""
    dist, _, version = requirement.partition("==")
    return dist, version


def patched_distributions(selected: t.Iterable[Suite] | None = None) -> dict[str, str]:
    """The distributions the harness patches for ``selected`` (all suites), ``dist -> version``.

    Suites first, in order; a suite's extension may also be another suite
    (flask-sqlalchemy), at one version only.
    """
    chosen = list(SUITES.values() if selected is None else selected)
    found = {suite.dist: suite.version for suite in chosen}
    for suite in chosen:
        for requirement in (*suite.extensions, *suite.flask_users):
            dist, version = split_requirement(requirement)
            if found.setdefault(dist, version) != version:
                raise ValueError(f"{dist} pinned at {found[dist]} and at {version}")
    return found


def test_dependencies(selected: t.Iterable[Suite] | None = None) -> list[str]:
    """What the venv of ``selected`` (all suites) holds besides the framework's libraries.

    The extensions' other dependencies and test dependencies, and the Flask users too
    (webargs): ``pip install flask-smorest`` puts them there, and they do not pull Flask in
    (for them it is optional). Their patched copies come first on the path; an unpatched
    one that got imported would fail on ``import flask``.
    """
    seen: dict[str, None] = {}
    for suite in SUITES.values() if selected is None else selected:
        seen.update(dict.fromkeys(suite.requires))
        seen.update(dict.fromkeys(suite.flask_users))
    return list(seen)


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
    """A pristine copy of the sdist's suite (``tests/``) plus the files that configure pytest.

    Only these are extracted: the sdist's own copy of the extension must not be importable
    from the run directory, or the suite would test it instead of the installed (or patched)
    one.
    """
    sdist = download_sdist(suite, cache)
    dest = suite_runner.extract_sdist(
        sdist,
        cache / "suites" / suite.requirement,
        lambda rel: suite.is_suite_file(rel) or rel in _CONFIG_FILES,
    )
    missing = [f for f in suite.paths if not (dest / f).exists()]
    if missing:
        raise RuntimeError(f"{sdist.name} has no {', '.join(missing)}")
    return dest


def copy_suite(suite: Suite, cache: Path, dest: Path) -> Path:
    """A fresh, writable copy of the suite under ``dest`` (rewriting must not touch the cache)."""
    source = extract_suite(suite, cache)
    target = dest / suite.requirement
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def ensure_venv(cache: Path, selected: t.Sequence[Suite] | None = None) -> Path:
    """A venv without Flask for ``selected``: pytest, the framework's libraries and the
    suites' other dependencies.

    ``selected`` defaults to :data:`CI_SUITES` (what the slow tests and other test modules
    need, cheap to build on a fresh machine); the script passes every suite. Returns the
    venv's python. Built once per set of pins, so there are two, each reused.
    """
    selected = ci_suites() if selected is None else selected
    dependencies = test_dependencies(selected)
    requirements = suite_runner.pinned(FRAMEWORK_DEPENDENCIES) + dependencies
    python = suite_runner.ensure_venv(cache, requirements)
    # A test dependency that pulled in Flask (or an extension) would make every vial run
    # silently half-Flask: refuse the venv instead.
    users = {split_requirement(u)[0] for u in dependencies}
    leaked = [
        dist
        for dist in ("flask", *patched_distributions(selected))
        if dist not in users
        and list(
            python.parents[1].glob(f"lib/python*/site-packages/{_dist_glob(dist)}-*.dist-info")
        )
    ]
    if leaked:
        raise RuntimeError(f"the suites' venv {python.parents[1]} holds {', '.join(leaked)}")
    return python


def _dist_glob(dist: str) -> str:
    """A glob for the ``*.dist-info`` folder name of ``dist`` (any case, ``-``/``_``/``.``)."""
    return "".join(
        f"[{c.lower()}{c.upper()}]" if c.isalpha() else "[-_.]" if c in "-_." else c for c in dist
    )


def ensure_flask_overlay(cache: Path, selected: t.Sequence[Suite] | None = None) -> Path:
    """Flask and the original extensions of ``selected`` (:data:`CI_SUITES` by default),
    installed without dependencies into a target dir.

    Put on ``PYTHONPATH`` of the Flask-free venv it gives the baseline environment; left off
    it, nothing of Flask is importable. ``graft patch --search-path`` finds the originals
    (and the Flask users under them) here.
    """
    selected = ci_suites() if selected is None else selected
    requirements = [f"flask=={FLASK_VERSION}"]
    requirements += [f"{d}=={v}" for d, v in patched_distributions(selected).items()]
    return ensure_overlay(cache, requirements, kind="flask")


def write_launchers(directory: Path, python: Path, commands: dict[str, str]) -> Path:
    """Console scripts in ``directory``: ``name`` runs ``main()`` of module ``commands[name]``.

    What ``pip install`` would have written for the framework's command (``flask``,
    ``vial``), with ``python`` (the suites' venv) in the shebang; the overlay and the app
    tree are plain folders, so nothing else puts such a command on ``PATH``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for name, module in commands.items():
        script = directory / name
        script.write_text(
            f"#!{python}\nimport sys\nfrom {module} import main\n\nsys.exit(main())\n"
        )
        script.chmod(0o755)
    return directory


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
    def failed_ids(self) -> set[str]:
        return {test_id for test_id, _ in self.failures}

    @property
    def unexpected_failures(self) -> tuple[tuple[str, str], ...]:
        """Failures and errors Flask 3.1.3 does not have."""
        known = set(self.suite.expected_failures)
        return tuple(f for f in self.failures if f[0] not in known)

    @property
    def matches_flask(self) -> bool:
        """Exactly Flask's passes and skips, and exactly its failures (usually none)."""
        suite = self.suite
        return (
            self.passed == suite.expected_passed
            and self.skipped == suite.expected_skipped
            and self.failed_ids == set(suite.expected_failures)
            and self.failed + self.errors == len(suite.expected_failures)
        )

    def summary(self) -> str:
        suite = self.suite
        flask = f"{suite.expected_passed} passed"
        if suite.expected_failures:
            flask += f", {len(suite.expected_failures)} failed"
        if suite.expected_skipped:
            flask += f", {suite.expected_skipped} skipped"
        return (
            f"{suite.dist} {suite.version}: {self.passed} passed, {self.failed} failed,"
            f" {self.errors} errors, {self.skipped} skipped (Flask {FLASK_VERSION}: {flask})"
        )


def run_suite(
    suite: Suite,
    suite_dir: Path,
    python: Path,
    path: list[Path],
    *,
    commands: Path | None = None,
    timeout: float = 600,
) -> SuiteResult:
    """Run the suite in ``suite_dir`` with ``python`` and ``path`` as ``PYTHONPATH``; count it.

    The environment is scrubbed of the caller's pytest, warning, framework and CI settings,
    so the suite runs under its own configuration (some turn every warning into an error,
    flask-caching's fails instead of skipping when ``CI`` is set). ``PATH`` is the
    ``commands`` folder (:func:`write_launchers`), the venv's ``bin`` and the system's,
    never the caller's venv, whose ``flask`` command would be real Flask.
    """
    env = suite_runner.clean_env(path, drop=("FLASK_", "VIAL_", "GRAFT_", "CI"))
    bins = [] if commands is None else [str(commands)]
    env["PATH"] = os.pathsep.join([*bins, str(python.parent), "/usr/local/bin", "/usr/bin", "/bin"])
    deselect = [
        arg
        for node in suite.deselect
        for arg in ("--deselect" if "::" in node else "--ignore", node)
    ]
    counts = suite_runner.run_pytest(
        python,
        suite_dir,
        [*suite.paths, *suite.pytest_args, *deselect],
        env,
        timeout=timeout,
        what=suite.dist,
        cache=suite.pytest_cache,
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


def run_on_flask(
    suite: Suite, cache: Path, workdir: Path, environment: t.Sequence[Suite] | None = None
) -> SuiteResult:
    """The baseline: the unmodified suite against real Flask and the original extensions.

    ``environment``: the suites whose venv and overlay to use (default :data:`CI_SUITES`).
    """
    suite_dir = copy_suite(suite, cache, workdir)
    python = ensure_venv(cache, environment)
    commands = write_launchers(workdir / "bin-flask", python, {"flask": "flask.cli"})
    overlay = ensure_flask_overlay(cache, environment)
    return run_suite(suite, suite_dir, python, [overlay], commands=commands)


def run_target(
    target: str,
    suite: Suite,
    cache: Path,
    workdir: Path,
    selected: list[Suite] | None = None,
    environment: t.Sequence[Suite] | None = None,
) -> SuiteResult:
    """Run ``suite`` on ``target`` ("flask", "vial" or "fork"); used by the script.

    ``selected`` are the suites the caller will run in ``workdir``: the app built for the
    first one patches what all of them need, and no more. ``environment`` are the suites
    whose venv and overlay are used (the script: all of them, so one venv serves any
    ``--only``).
    """
    if target == "flask":
        return run_on_flask(suite, cache, workdir, environment)
    import patched  # the vial and fork runs need graft; the baseline does not

    return patched.run_on_target(target, suite, cache, workdir, selected or [suite], environment)


def ensure_overlay(cache: Path, requirements: list[str], *, kind: str = "overlay") -> Path:
    """Any set of distributions installed without dependencies into a cached target dir."""
    return suite_runner.ensure_overlay(cache, requirements, kind=kind)
