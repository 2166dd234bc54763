"""The two distributions, built from this repository and installed as a user's pip installs them.

``vial-web`` (``framework/``) is what a web app depends on, so installing it must bring the
framework's own libraries and nothing of the tool (libcst, GitPython, tomlkit);
``graft-fork`` (the root) ships only ``graft`` and depends on ``vial-web``. The wheels are
built once per run with ``pip wheel`` (build isolation, hatchling from the index or pip's
cache) and installed into fresh venvs outside the clone.

All slow: building the two wheels takes about 15 s, the web-app venv about 10 s and the
venv with graft plus its demo about 40 s on the 2-core CI machine: about 65 s in all.
"""

from __future__ import annotations

import email.parser
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

TOOL_ONLY = {"libcst", "gitpython", "tomlkit"}
"""Distributions the tool needs and a web app must not pull in."""

WEB_APP = {"vial-web", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "blinker", "click"}
"""Everything ``pip install vial-web`` may install: the framework and what it imports."""


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"vial-web": ..., "graft-fork": ...}``: the wheels pip builds from the clone."""
    out = tmp_path_factory.mktemp("wheels")
    _run(
        sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ROOT / "framework", ROOT
    )
    found = {path.name.split("-")[0]: path for path in out.glob("*.whl")}
    assert sorted(found) == ["graft_fork", "vial_web"]
    return {"vial-web": found["vial_web"], "graft-fork": found["graft_fork"]}


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def _top_level(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {n.split("/")[0] for n in archive.namelist() if ".dist-info/" not in n}


def _requirement_names(wheel: Path) -> set[str]:
    names = set()
    for requirement in _metadata(wheel).get_all("Requires-Dist") or []:
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0].split("[")[0]
        for stop in "<>=!~ ":
            name = name.split(stop)[0]
        names.add(name.strip().lower())
    return names


def test_each_wheel_ships_one_package(wheels: dict[str, Path]) -> None:
    assert _top_level(wheels["vial-web"]) == {"vial"}
    assert _top_level(wheels["graft-fork"]) == {"graft"}
    assert _requirement_names(wheels["vial-web"]) == WEB_APP - {"vial-web", "markupsafe"}
    assert "vial-web" in _requirement_names(wheels["graft-fork"])
    assert TOOL_ONLY <= _requirement_names(wheels["graft-fork"])
    with zipfile.ZipFile(wheels["vial-web"]) as archive:
        assert "vial/py.typed" in archive.namelist()
        (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
        assert "vial = vial.cli:main" in archive.read(entry_points).decode()


def test_vial_web_alone_installs_no_tool_dependency(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    """A fresh venv with only the vial-web wheel: a web app's dependencies, and it serves."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", wheels["vial-web"])
    listing = _run(
        python,
        "-c",
        "import importlib.metadata as m, json;"
        "print(json.dumps(sorted(d.metadata['Name'].lower() for d in m.distributions())))",
        cwd=tmp_path,
    )
    installed = set(json.loads(listing))
    assert not installed & TOOL_ONLY
    assert installed == WEB_APP
    app = (
        "from vial import Vial\n"
        "app = Vial(__name__)\n"
        "app.get('/')(lambda: 'hello')\n"
        "response = app.test_client().get('/')\n"
        "assert response.data == b'hello', response\n"
        "import vial, sys\n"
        "assert 'graft' not in sys.modules and 'libcst' not in sys.modules\n"
        "print(vial.__file__)\n"
    )
    location = _run(python, "-c", app, cwd=tmp_path)
    assert location.startswith(str(venv)), location  # the installed copy, not the clone
    assert "Werkzeug" in _run(venv / "bin" / "vial", "--version", cwd=tmp_path)


def test_graft_demo_runs_from_the_installed_wheels(wheels: dict[str, Path], tmp_path: Path) -> None:
    """Both wheels in a fresh venv, then ``graft demo`` in a directory outside the clone.

    The demo's app and extension must come from the wheel's package data, and graft's
    dependency on vial-web must be met by the vial-web wheel (it is not on the index yet).
    """
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(
        sys.executable, "-m", "pip", "--python", python, "install", "-q",
        wheels["graft-fork"], wheels["vial-web"],
    )  # fmt: skip
    where = _run(python, "-c", "import graft.demo as d; print(d.ASSETS)", cwd=tmp_path).strip()
    assert Path(where).is_relative_to(venv), where
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n")  # and no identity, as a newcomer
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GRAFT_", "PYTHON"))},
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "VIRTUAL_ENV": str(venv),
    }
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(
        ["graft", "demo", "demo-app"], cwd=work, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("vial loaded: no, flask loaded: no") == 2, proc.stdout
    assert "GET /healthz -> 200" in proc.stdout
    assert (work / "demo-app" / "acme_web" / "health.py").is_file()
