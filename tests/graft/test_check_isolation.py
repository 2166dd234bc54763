"""graft check proves a fork runs without the original: the isolation and leftovers checks.

The story: upstream kettle v1.0 is forked into the app as ``teabag``. A copy of the
original ``kettle`` (with its distribution metadata) sits at the app's root, where the
fork's own modules are imported from: without the check's blocker every leak would
import it silently, which is what the check must see through. Leaks are then injected
into the fork the ways real libraries carry their name (code run from a string,
``__import__``, ``importlib.import_module``, a metadata lookup, a caught import), and
each must be reported at its file and line; imports that fail for other reasons are
reported as such and do not fail the check.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import build_file_tree, git_commit_all, make_app, make_upstream, snapshot_state

from graft import isolation
from graft.checks import package_files
from graft.cli import main
from graft.fork import fork
from graft.leftovers import NOT_RUN, is_leak, is_packaging, prose_lines
from graft.manifest import parse_manifest
from graft.rewrite import Renames, rewrite_source
from graft.rewrite.options import FORK_OPTIONS

ONLY_ISOLATION = ["--skip", "behind", "--skip", "reproduce", "--skip", "leftovers"]
ONLY_LEFTOVERS = ["--skip", "behind", "--skip", "reproduce", "--skip", "isolation"]
TEABAG_MODULES = [
    "teabag",
    "teabag._graft_distribution",
    "teabag.core",
    "teabag.legacy",
    "teabag.old_name",
    "teabag.teapot",
    "teabag.util",
]

ORIGINAL = {
    # The original, importable from the app's root, with its distribution's metadata.
    "kettle/__init__.py": '__version__ = "1.0"\n',
    "kettle/util.py": "X = 1\n",
    "kettle-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: kettle\nVersion: 1.0\n",
}

LEAKS = {
    "teabag/gen.py": 'x = 1\nexec("import kettle")\n',
    "teabag/dunder.py": '"""Imports a submodule of the original."""\n\nmod = __import__("kettle.util")\n',
    "teabag/dyn.py": 'import importlib\n\nimportlib.import_module("kettle")\n',
    "teabag/caught.py": "try:\n    import kettle\nexcept ImportError:\n    kettle = None\n",
    "teabag/meta.py": 'import importlib.metadata\n\nVERSION = importlib.metadata.version("kettle")\n',
    # Computed at run time: no rename could see it, the import shows it.
    "teabag/computed.py": 'import importlib\n\nNAME = "ket" + "tle"\nimportlib.import_module(NAME + ".util")\n',
    # Run only when called: the rename sees it, the import does not.
    "teabag/later.py": 'def later():\n    exec("import kettle.util")\n',
}


def invoke(args: list[str]) -> t.Any:
    return CliRunner().invoke(main, args, catch_exceptions=False)


_TEMPLATE: dict[str, Path] = {}


@pytest.fixture
def forked(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The app with kettle v1.0 forked as teabag, and a copy of the original at its root."""
    if "base" not in _TEMPLATE:
        base = tmp_path_factory.mktemp("isolation-template")
        app = make_app(base)
        fork(str(make_upstream(base)), "teabag", ref="v1.0", cwd=app)
        build_file_tree(app, ORIGINAL)
        git_commit_all(app, "a copy of the original next to the fork")
        _TEMPLATE["base"] = base
    for name in ("upstream", "app"):
        shutil.copytree(_TEMPLATE["base"] / name, tmp_path / name, symlinks=True)
    monkeypatch.chdir(tmp_path / "app")
    return tmp_path / "app"


def test_clean_fork_imports_every_module_with_the_original_blocked(forked: Path) -> None:
    # The original really is importable here, with its metadata: what the blocker hides.
    probe = "import kettle, importlib.metadata as m; print(m.version('kettle'))"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=forked, capture_output=True, text=True)
    assert proc.stdout.strip() == "1.0", proc.stderr
    result = invoke(["check", "--skip", "behind", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["problems"] == []
    # Listed, not failed: upstream's own prose-like string, as graft fork reported it.
    assert [(f["path"], f["line"], f["leak"]) for f in data["findings"]] == [
        ("teabag/old_name.py", 7, False)
    ]
    assert [m["module"] for m in data["modules"]] == TEABAG_MODULES
    assert {m["verdict"] for m in data["modules"]} == {"imported"}
    result = invoke(["check", "--skip", "behind"])
    assert result.exit_code == 0 and result.stdout == "" and "ok: teabag" in result.stderr
    assert "the rename reports 1 more finding in the forks that are not leaks" in result.stderr


def test_each_leak_is_reported_at_its_file_and_line(forked: Path) -> None:
    build_file_tree(forked, LEAKS)
    result = invoke(["check", *ONLY_ISOLATION])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "teabag/caught.py:2: leak: importing teabag.caught imports kettle: it goes on without "
        "it, and while it is installed the original loads next to teabag.",
        "teabag/computed.py:4: leak: importing teabag.computed imports kettle.util: "
        "ModuleNotFoundError once it is uninstalled, and while it is installed the original "
        "loads next to teabag.",
        "teabag/dunder.py:3: leak: importing teabag.dunder imports kettle.util: "
        "ModuleNotFoundError once it is uninstalled, and while it is installed the original "
        "loads next to teabag.",
        "teabag/dyn.py:3: leak: importing teabag.dyn imports kettle: ModuleNotFoundError once it "
        "is uninstalled, and while it is installed the original loads next to teabag.",
        "teabag/gen.py:2: leak: importing teabag.gen imports kettle: ModuleNotFoundError once it "
        "is uninstalled, and while it is installed the original loads next to teabag.",
        "teabag/meta.py:3: leak: importing teabag.meta asks for the metadata of the kettle "
        "distribution: PackageNotFoundError once kettle is uninstalled, the original's metadata "
        "while it is installed.",
    ]
    data = json.loads(invoke(["check", *ONLY_ISOLATION, "--format", "json"]).stdout)
    verdicts = {m["module"]: m["verdict"] for m in data["modules"]}
    assert verdicts["teabag.later"] == "imported" and verdicts["teabag.gen"] == "leak"
    gen = next(m for m in data["modules"] if m["module"] == "teabag.gen")
    assert gen["reached"] == [
        {"kind": "import", "name": "kettle", "path": "teabag/gen.py", "line": 2, "by": None}
    ]
    assert gen["failures"][0]["type"] == "ModuleNotFoundError"
    assert "graft check made kettle unimportable" in gen["failures"][0]["message"]

    # The rename, run again, sees what names the original in the source, run or not.
    result = invoke(["check", *ONLY_LEFTOVERS])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert [line.partition(": old-name: ")[0] for line in lines] == [
        "teabag/caught.py:2",
        "teabag/caught.py:4",
        "teabag/dunder.py:3",
        "teabag/dyn.py:3",
        "teabag/gen.py:2",
        "teabag/later.py:2",
        "teabag/meta.py:3",
    ]
    assert lines[4] == (
        'teabag/gen.py:2: old-name: still names the original: `exec("import kettle")`; '
        'renamed, it reads `exec("import teabag")`'
    )


def test_a_dependency_that_imports_the_original_is_named(forked: Path) -> None:
    """The fork's line that runs it is where the leak is; the dependency is who asked."""
    build_file_tree(
        forked,
        {
            "old_helpers.py": '"""Not vendored: it still uses the original."""\n\nimport kettle\n',
            "teabag/uses.py": "import old_helpers\n",
        },
    )
    result = invoke(["check", *ONLY_ISOLATION])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "teabag/uses.py:1: leak: importing teabag.uses imports kettle: ModuleNotFoundError once "
        "it is uninstalled, and while it is installed the original loads next to teabag "
        "(asked by old_helpers.py:3, which this line runs)."
    ]


def test_other_import_failures_are_noted_not_failed(forked: Path) -> None:
    build_file_tree(
        forked,
        {
            "teabag/optional.py": "import a_dependency_nobody_installed\n",
            "teabag/extra.py": "from a_dependency_nobody_installed.sub import thing\n",
            "teabag/windows.py": "import winreg\n",
            "teabag/configured.py": '\n\nraise RuntimeError("configure me first")\n',
        },
    )
    result = invoke(["check", *ONLY_ISOLATION])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes[:2] == [
        "note: teabag/configured.py:3: 1 module not imported (not a leak): RuntimeError: "
        "configure me first: teabag.configured",
        f"note: teabag: skipped 2 modules that need a_dependency_nobody_installed (a dependency "
        f"{sys.executable} cannot import; not a leak): teabag.extra, teabag.optional",
    ]
    if sys.platform != "win32":
        assert notes[2] == (
            "note: teabag: skipped 1 module that needs winreg (a standard-library module this "
            "platform lacks; not a leak): teabag.windows"
        )
    assert "ok: teabag (4 of 11 modules not imported: see the notes)" in result.stderr
    data = json.loads(invoke(["check", *ONLY_ISOLATION, "--format", "json"]).stdout)
    verdicts = {m["module"]: m["verdict"] for m in data["modules"]}
    assert verdicts["teabag.optional"] == "needs" and verdicts["teabag.configured"] == "error"
    assert verdicts["teabag.core"] == "imported"


def test_a_broken_module_is_one_note_for_every_module_importing_it(forked: Path) -> None:
    util = forked / "teabag" / "util.py"
    util.write_text(util.read_text() + "\nundefined_name\n")
    line = util.read_text().count("\n")
    result = invoke(["check", *ONLY_ISOLATION])
    assert result.exit_code == 0, result.output
    (note,) = [n for n in result.stderr.splitlines() if n.startswith("note: teabag")]
    assert note == (
        f"note: teabag/util.py:{line}: 6 modules not imported (not a leak): NameError: name "
        "'undefined_name' is not defined: teabag, teabag.core, teabag.legacy, ... (3 more)"
    )
    assert "ok: teabag (6 of 7 modules not imported: see the notes)" in result.stderr


def test_a_module_that_kills_the_interpreter_hides_nothing(forked: Path) -> None:
    """The rest is imported in a new interpreter, and a leak after the crash still counts."""
    build_file_tree(
        forked,
        {
            "teabag/a_crash.py": "import os\nos._exit(3)\n",
            "teabag/z_leak.py": "import kettle.util\n",
        },
    )
    result = invoke(["check", *ONLY_ISOLATION])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("teabag/z_leak.py:1: leak: importing teabag.z_leak imports")
    assert (
        "note: teabag.a_crash: not imported (not a leak): the interpreter exited with status 3; "
        "the other modules were imported in a new interpreter"
    ) in result.stderr
    data = json.loads(invoke(["check", *ONLY_ISOLATION, "--format", "json"]).stdout)
    assert [m["module"] for m in data["modules"]] == sorted(
        [*TEABAG_MODULES, "teabag.a_crash", "teabag.z_leak"], key=lambda m: m.split(".")
    )


def test_a_hanging_module_is_stopped_and_the_rest_imported(forked: Path) -> None:
    build_file_tree(
        forked,
        {
            "teabag/hang.py": "import time\ntime.sleep(120)\n",
            # A thread left running must not keep the interpreter from ending either.
            "teabag/worker.py": "import threading, time\nthreading.Thread(target=time.sleep, args=(120,)).start()\n",
        },
    )
    entry = parse_manifest((forked / "pyproject.toml").read_text()).select("teabag")
    package = isolation.package_modules(
        "teabag", forked / "teabag", package_files(forked.resolve(), entry)
    )
    started = time.monotonic()
    run = isolation.import_modules([package], ["kettle"], ["kettle"], module_timeout=2.0)
    assert time.monotonic() - started < 60
    results = {result.module: result for result in run.results}
    assert results["teabag.hang"].verdict == "timeout"
    assert "still importing after 2 s" in results["teabag.hang"].detail
    assert results["teabag.util"].verdict == "imported" and run.interpreters == 2
    assert results["teabag.worker"].verdict == "imported"


def test_every_recorded_package_is_checked_by_default(forked: Path, tmp_path: Path) -> None:
    spout = make_upstream(
        tmp_path / "second",
        {
            "v1.0": {
                "pyproject.toml": '[project]\nname = "spout"\nversion = "1.0"\n',
                "spout/__init__.py": '"""spout: a second upstream."""\n\nimport spout.jet\n',
                "spout/jet.py": "def squirt():\n    return 1\n",
            }
        },
    )
    fork(str(spout), "nozzle", ref="v1.0", cwd=forked)
    build_file_tree(
        forked,
        {
            "spout/__init__.py": "",  # the second original, importable as well
            "teabag/gen.py": 'exec("import kettle")\n',
            "nozzle/gen.py": '\nexec("import spout.jet")\n',
        },
    )
    result = invoke(["check", *ONLY_ISOLATION])
    assert result.exit_code == 1, result.output
    assert [line.partition(" leak: ")[0] for line in result.stdout.splitlines()] == [
        "teabag/gen.py:1:",
        "nozzle/gen.py:2:",
    ]
    assert "ok:" not in result.stderr
    result = invoke(["check", "nozzle", *ONLY_ISOLATION])
    assert [line.partition(" leak: ")[0] for line in result.stdout.splitlines()] == [
        "nozzle/gen.py:2:"
    ]
    data = json.loads(invoke(["check", "--skip", "behind", "--format", "json"]).stdout)
    assert data["checked"] == ["teabag", "nozzle"]
    assert {m["package"] for m in data["modules"]} == {"teabag", "nozzle"}
    assert {p["path"] for p in data["problems"] if p["kind"] == "old-name"} == {
        "teabag/gen.py",
        "nozzle/gen.py",
    }


def test_check_writes_nothing(forked: Path) -> None:
    """No bytecode, no lock, no cache: the repository is byte for byte as it was."""
    build_file_tree(forked, LEAKS)
    git_commit_all(forked, "leaks")
    before = snapshot_state(forked)
    assert invoke(["check", "--skip", "behind"]).exit_code == 1
    assert snapshot_state(forked) == before
    assert not list(forked.rglob("__pycache__"))


def test_an_interpreter_that_cannot_run_fails_the_check(forked: Path) -> None:
    result = invoke(["check", *ONLY_ISOLATION, "--python", str(forked / "no-such-python")])
    assert result.exit_code == 1
    assert result.stdout.startswith("import-failed: isolation: cannot run ")


def test_main_modules_are_not_imported(forked: Path) -> None:
    build_file_tree(forked, {"teabag/__main__.py": 'raise SystemExit("ran the program")\n'})
    entry = parse_manifest((forked / "pyproject.toml").read_text()).select("teabag")
    package = isolation.package_modules("teabag", forked / "teabag", package_files(forked, entry))
    assert "teabag.__main__" not in package.modules
    assert package.left_out == (("teabag.__main__", "runs the program when imported"),)


# -- which findings of the engine are leaks ---------------------------------------------

FLASK = Renames.parse(["flask=myflask"])
OPTIONS = dataclasses.replace(FORK_OPTIONS, distribution_names=(("flask", "myflask"),))

NOT_LEAKS = {
    "looks like a module path but is not used as one here": 'MODULES = {"app": "flask.json"}\n',
    "nothing says it is a module name": 'environ.pop("flask.request." + key, None)\n',
    "an f-string builds what looks like a module path": 'NAME = f"flask.json{suffix}"\n',
    "(a name, not an import": "import contextvars\nv = contextvars.ContextVar(f'flask.L<{x}>')\n",
    "(it is shown, not run)": 'print("from flask import Flask")\n',
    "(an import guard); kept on purpose": 'import sys\nsys.modules["flask"] = None\n',
    "with a computed module name cannot be renamed": (
        "import importlib\nimport flask\nimportlib.import_module(name)\n"
    ),
    "gives None:": 'import importlib.metadata\nimportlib.metadata.files("flask")\n',
    "entry-point group ": (
        'from importlib.metadata import entry_points\nentry_points(group="flask.commands")\n'
    ),
}
"""One snippet per entry of NOT_RUN whose finding carries it."""

LEAKING = [
    'eval("flask.Flask(__name__)", namespace)\n',
    'import importlib\nimportlib.import_module(f"x flask.{y}")\n',
    'import importlib.metadata\nimportlib.metadata.version("flask")\n',
    'setup(entry_points={"console_scripts": ["x = flask.cli:main"]})\n',
    'src = "import flask\\nfl\\x61sk.Flask()"\n',
]


def test_every_not_run_marker_is_the_engines_own_wording() -> None:
    assert set(NOT_LEAKS) == set(NOT_RUN)
    for marker, code in NOT_LEAKS.items():
        options = OPTIONS if marker == "gives None:" else None
        findings = rewrite_source(code, FLASK, options=options).findings
        assert [marker in f.message for f in findings] == [True], (marker, findings)
        assert not is_leak(findings[0])


@pytest.mark.parametrize("code", LEAKING)
def test_code_the_engine_cannot_rename_is_a_leak(code: str) -> None:
    renames = Renames.parse(["flask=vial"]) if "x61" in code else FLASK
    (finding,) = rewrite_source(code, renames).findings
    assert is_leak(finding), finding


def test_packaging_metadata_in_a_fork_is_listed_not_failed(forked: Path) -> None:
    """setup.py and METADATA are read by installers, never run: a requirement on the original
    there is the rename's finding, not a leak."""
    assert is_packaging("teabag/setup.py") and is_packaging("teabag/x-1.0.dist-info/METADATA")
    assert not is_packaging("teabag/core.py")
    build_file_tree(
        forked,
        {
            "teabag/setup.py": 'from setuptools import setup\nsetup(install_requires=["kettle>=1"])\n',
            "teabag/PKG-INFO": "Metadata-Version: 2.1\nName: x\nRequires-Dist: kettle>=1\n",
        },
    )
    result = invoke(["check", *ONLY_LEFTOVERS, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["problems"] == []
    listed = {(f["path"], f["line"]) for f in data["findings"]}
    assert {("teabag/setup.py", 2), ("teabag/PKG-INFO", 3)} <= listed


def test_docstrings_are_prose() -> None:
    source = b'"""Doc.\n\n    import flask\n"""\nx = "a"\n\n\ndef f():\n    """One."""\n'
    assert prose_lines(source) == {1, 2, 3, 4, 9}
    assert prose_lines(b"def (:\n") == frozenset()


# -- real libraries ----------------------------------------------------------------------

REAL = {
    # library: (fork name, a line put back as it was upstream, a leak appended to a module)
    "jinja2": (
        "myjinja",
        ("compiler.py", '"from myjinja.runtime import "', '"from jinja2.runtime import "'),
        ("compiler.py", "import jinja2.runtime  # a leftover import of the original\n"),
    ),
    "werkzeug": (
        "mywerkzeug",
        ("serving.py", "version('mywerkzeug')", "version('werkzeug')"),
        (
            "serving.py",
            'import importlib.metadata\n_VERSION = importlib.metadata.version("werkzeug")\n',
        ),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("library", sorted(REAL))
def test_a_fork_of_a_real_library_runs_without_the_original(
    library: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forks of the installed jinja2 (it generates Python source) and werkzeug (it reads its
    own distribution metadata), checked where the original is installed: every module
    imports with it made unimportable and its distribution hidden, and the rename finds
    nothing left: no leak. Then each library's leak is put back the way it carried its
    name before graft renamed it, and the check names the file and line. 10 to 25 s per
    library on the 2-core machine (about 35 s for both)."""
    new, (static_file, renamed, original), (runtime_file, leak) = REAL[library]
    app = make_app(tmp_path)
    monkeypatch.chdir(app)
    fork(library, new, cwd=app)
    assert subprocess.run([sys.executable, "-c", f"import {library}"]).returncode == 0
    result = invoke(["check", "--skip", "behind", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["problems"] == []
    verdicts = {m["module"]: m["verdict"] for m in data["modules"]}
    assert len(verdicts) > 10 and set(verdicts.values()) == {"imported"}, verdicts

    path = app / new / static_file
    text = path.read_text()
    assert renamed in text
    path.write_text(text.replace(renamed, original, 1))
    line = text[: text.index(renamed)].count("\n") + 1
    target = app / new / runtime_file
    leak_line = target.read_text().count("\n") + leak.count("\n")
    with target.open("a") as handle:
        handle.write(leak)
    result = invoke(["check", "--skip", "behind", "--skip", "reproduce"])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert any(entry.startswith(f"{new}/{static_file}:{line}: old-name: ") for entry in lines)
    (runtime,) = [entry for entry in lines if ": leak: " in entry]
    assert runtime.startswith(f"{new}/{runtime_file}:{leak_line}: leak: importing {new}")
    assert "other modules that import it" in runtime
