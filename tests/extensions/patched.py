"""The extensions patched by ``graft patch`` into a small app, and their suites run on the result.

Why a real app repository: ``graft patch`` vendors into a git work tree and records a
manifest entry, exactly as a user would run it; the suites then import the patched copies
from that tree. Two targets:

- ``vial``: the app has no fork, so ``graft patch EXT`` targets the bundled vial (the
  flask-vial profile); vial comes from the project's ``framework/`` directory.
- ``fork``: the app first runs ``graft fork vial acme_web``; ``graft patch EXT`` then takes
  its maps from the manifest (flask-vial redirected to ``acme_web``), and vial itself
  is *not* on the path, so only the fork can serve the extensions.

Every graft step runs as ``python -m graft`` in a subprocess of the dev venv, with the
original extensions found through ``--search-path`` in the harness's Flask overlay.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import suites

FORK_NAME = "acme_web"
"""The import name of the fork the ``fork`` target makes."""

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Extension Suites",
    "GIT_AUTHOR_EMAIL": "suites@graft.invalid",
    "GIT_COMMITTER_NAME": "Extension Suites",
    "GIT_COMMITTER_EMAIL": "suites@graft.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclasses.dataclass(frozen=True)
class PatchedApp:
    """An app repository holding the patched extensions, and how to import them."""

    target: str
    root: Path
    path: tuple[Path, ...]
    """``PYTHONPATH`` for the suites: the Flask blocker, the app, and vial for the vial target."""
    reports: dict[str, str]
    """``graft patch`` output for each distribution (text), for diagnosing a failed run."""
    wheels: Path
    """The wheels ``graft patch --wheel`` built, one per patched distribution."""
    commands: Path | None = None
    """Console commands the suites may run in a subprocess (``vial`` for the vial target)."""
    python: Path | None = None
    """The venv the suites run in (:func:`suites.ensure_venv` of the suites patched here)."""


def git_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTEST", "GRAFT_"))}
    env.update(_GIT_ENV)
    env["HOME"] = str(home)  # an isolated global gitconfig
    return env


def graft(*args: str, cwd: Path, home: Path) -> str:
    """Run ``python -m graft ARGS`` like a user would; raise with its output when it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "graft", *args],
        cwd=cwd,
        env=git_env(home),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"graft {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


def _git(*args: str, cwd: Path, home: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=git_env(home), check=True, capture_output=True)


def make_app(
    target: str,
    cache: Path,
    workdir: Path,
    selected: t.Sequence[suites.Suite] | None = None,
    environment: t.Sequence[suites.Suite] | None = None,
) -> PatchedApp:
    """Create the app repository for ``target`` ("vial" or "fork") and patch the extensions.

    ``selected`` suites (:data:`suites.CI_SUITES` by default) decide which: each suite's
    extension, then what it or its tests need that an earlier ``graft patch`` did not
    bring along. ``environment`` (default: ``selected``) are the suites whose venv and
    overlay are used.
    """
    root = workdir / f"app-{target}"
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "app-{target}"\nversion = "0.1.0"\n')
    _git("init", "-q", "-b", "main", cwd=root, home=home)
    _git("add", "pyproject.toml", cwd=root, home=home)
    _git("commit", "-q", "-m", "An app", cwd=root, home=home)
    path = [workdir / "site", root]
    suites.write_flask_blocker(workdir / "site")
    if target == "fork":
        graft("fork", "vial", FORK_NAME, cwd=root, home=home)
    else:
        path.append(suites.REPO_ROOT / "framework")
    selected = suites.ci_suites() if selected is None else selected
    environment = selected if environment is None else environment
    overlay = suites.ensure_flask_overlay(cache, environment)
    python = suites.ensure_venv(cache, environment)
    reports = {}
    wheels = workdir / f"wheels-{target}"
    for dist in suites.patched_distributions(selected):
        if normalize(dist) in recorded_sources(root):
            continue  # came with an earlier extension's requirement closure
        reports[dist] = graft(
            "patch",
            dist,
            "--search-path",
            str(overlay),
            "--wheel",
            str(wheels),
            cwd=root,
            home=home,
        )
    commands = workdir / f"bin-{target}"
    if target == "vial":  # what `pip install vial-web` puts on PATH; a fork runs as `python -m`
        suites.write_launchers(commands, python, {"vial": "vial.cli"})
    else:
        commands.mkdir(parents=True, exist_ok=True)
    return PatchedApp(target, root, tuple(path), reports, wheels, commands, python)


def normalize(dist: str) -> str:
    """A distribution name as PEP 503 compares them (``Flask_Login`` == ``flask-login``)."""
    return re.sub(r"[-_.]+", "-", dist).lower()


def recorded_sources(root: Path) -> set[str]:
    """The distributions the app's manifest records (normalized names), forks included."""
    from graft.manifest import parse_manifest

    manifest = parse_manifest((root / "pyproject.toml").read_text(encoding="utf-8"))
    return {normalize(entry.source) for entry in manifest.entries}


def rewrite_suite(suite: suites.Suite, suite_dir: Path, target: str, home: Path) -> None:
    """Rewrite the suite's tests as a user would: ``graft rewrite --profile flask-vial``.

    For the fork, in the same one pass, ``--target acme_web`` aims the profile at the fork
    (``flask.Flask`` becomes ``acme_web.Vial``).
    """
    aim = ["--target", FORK_NAME] if target == "fork" else []
    graft(
        "rewrite",
        *(str(suite_dir / p) for p in suite.paths),
        "--profile",
        "flask-vial",
        *aim,
        "-j",
        "1",
        cwd=suite_dir,
        home=home,
    )


def run_patched(
    suite: suites.Suite, app: PatchedApp, cache: Path, workdir: Path
) -> suites.SuiteResult:
    """Copy, rewrite and run ``suite`` against ``app``'s patched extensions."""
    suite_dir = suites.copy_suite(suite, cache, workdir / f"suites-{app.target}")
    rewrite_suite(suite, suite_dir, app.target, workdir / "home")
    return suites.run_suite(
        suite,
        suite_dir,
        app.python or suites.ensure_venv(cache),
        list(app.path),
        commands=app.commands,
    )


_APPS: dict[tuple[str, Path], PatchedApp] = {}


def run_on_target(
    target: str,
    suite: suites.Suite,
    cache: Path,
    workdir: Path,
    selected: list[suites.Suite] | None = None,
    environment: t.Sequence[suites.Suite] | None = None,
) -> suites.SuiteResult:
    """Entry point of ``scripts/run-extension-suites`` for the vial and fork targets."""
    key = (target, workdir)
    if key not in _APPS:
        _APPS[key] = make_app(target, cache, workdir, selected, environment)
    return run_patched(suite, _APPS[key], cache, workdir)
