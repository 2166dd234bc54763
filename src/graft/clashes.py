"""A fork's new name taken by an installed distribution: two packages, one import name.

``graft fork flask acme_web --force`` next to an installed ``acme_web`` (someone's
``acme-web`` distribution, or an old build of the app's own fork) gives the process two
candidates for ``import acme_web``. Python takes the first one on ``sys.path``: the
fork in the app's tree when the app runs from its root (``python -m``, ``python
app.py``, a server started there), the installed one anywhere else (an installed
console script, a test runner started in another directory, a worker process). Nothing
fails at import time; the wrong copy simply runs. :func:`find_clashes` finds the case
for ``graft fork``, ``graft status`` and ``graft check``, which warn with one line.

An installed distribution whose files for the name *are* the fork (the app installed
editable) is no clash, and neither is the app's own distribution installed as a copy
(``pip install .``): that copy is the app's own release, which its user chose.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import typing as t
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from . import _installed


@dataclasses.dataclass(frozen=True)
class Clash:
    """An installed distribution providing a fork's import name from somewhere else."""

    name: str
    """The fork's import name."""
    fork: str
    """Where the fork is, as the user sees it (``acme_web/``)."""
    dist: str
    version: str
    location: str | None
    """Where the installed copy is, if known."""

    @property
    def message(self) -> str:
        """One line: what clashes, which copy wins where, what to do."""
        where = f" in {self.location}" if self.location else ""
        return (
            f"{self.name}: the installed distribution {self.dist} {self.version}{where} is also "
            f"imported as {self.name}; the fork in {self.fork} wins only where the app's root "
            "comes first on sys.path (run from the root), elsewhere (console scripts, other "
            f"directories) the installed copy runs: `pip uninstall {self.dist}`, or fork under "
            "another name"
        )

    def to_dict(self) -> dict[str, t.Any]:
        return {**dataclasses.asdict(self), "message": self.message}


def find_clashes(
    forks: t.Sequence[tuple[str, Path]],
    *,
    python: str | None = None,
    shown_from: Path | None = None,
    own: str | None = None,
) -> list[Clash]:
    """The clashes of each ``(import name, fork directory)`` with installed distributions.

    Asked of graft's own interpreter, or of ``python`` (the app's). A distribution
    whose copy of the name is the fork directory itself, or lies inside it, is not
    counted, nor is ``own`` (the app's distribution). ``shown_from`` makes the fork's
    path in messages relative to it.
    """
    names = [name for name, _ in forks]
    if not names:
        return []
    found = _ask(names, python)
    clashes = []
    for name, directory in forks:
        fork = directory.resolve()
        for row in found.get(name, ()):
            location = row.get("location")
            if location is not None and _is_within(Path(location), fork):
                continue
            if own is not None and _normal(str(row.get("dist"))) == _normal(own):
                continue
            clashes.append(
                Clash(
                    name,
                    _shown(directory, shown_from),
                    str(row.get("dist")),
                    str(row.get("version")),
                    location,
                )
            )
    return clashes


def clash_notes(entries: t.Iterable[t.Any], root: Path, *, python: str | None = None) -> list[str]:
    """One line for each clash of a recorded fork (``kind == "fork"``) under ``root``, the repository root."""
    forks = [(entry.name, root / entry.path) for entry in entries if entry.kind == "fork"]
    found = find_clashes(forks, python=python, shown_from=root, own=app_distribution(root))
    return [clash.message for clash in found]


def app_distribution(root: Path) -> str | None:
    """The app's own distribution name (``[project] name`` of its ``pyproject.toml``), if it has one."""
    try:
        project = tomlkit.parse((root / "pyproject.toml").read_text("utf-8")).get("project")
    except (OSError, UnicodeDecodeError, TOMLKitError):
        return None
    name = project.get("name") if isinstance(project, t.Mapping) else None
    return str(name) if name else None


def repository_root(start: Path) -> Path | None:
    """The work tree above ``start`` (the first folder holding ``.git``), found without git."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


_REPORT = "\nimport json\nprint(json.dumps(providers(sys.argv[1:])))\n"
"""What the other interpreter runs after the module: its answer on stdout."""


def _ask(names: list[str], python: str | None) -> t.Mapping[str, t.Sequence[t.Mapping[str, t.Any]]]:
    if python is None or os.path.realpath(python) == os.path.realpath(sys.executable):
        return _installed.providers(names)
    source = Path(_installed.__file__).read_text(encoding="utf-8") + _REPORT
    try:
        proc = subprocess.run(
            [python, "-c", source, *names],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        return (
            t.cast(t.Mapping[str, t.Any], json.loads(proc.stdout)) if proc.returncode == 0 else {}
        )
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return {}  # the imports check says what is wrong with that interpreter


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _is_within(path: Path, directory: Path) -> bool:
    resolved = path.resolve()
    return resolved == directory or directory in resolved.parents


def _shown(directory: Path, start: Path | None) -> str:
    if start is not None:
        try:
            return directory.resolve().relative_to(start.resolve()).as_posix() + "/"
        except ValueError:
            pass
    return str(directory) + "/"


__all__ = ["Clash", "app_distribution", "clash_notes", "find_clashes", "repository_root"]
