"""Wheels of patched extensions: metadata that requires the target, not Flask."""

from __future__ import annotations

import email.parser
import email.policy
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from graft.errors import UserError
from graft.rewrite import Renames
from graft.rewrite.options import RequirementRule
from graft.rewrite.profiles import FLASK_VIAL
from graft.surface import vial_rule
from graft.wheel import (
    build_wheel,
    install_wheel,
    make_metadata,
    normalize_dist,
    read_wheel_metadata,
    rewrite_entry_points,
    rewrite_requirements,
)

ORIGINAL = """\
Metadata-Version: 2.1
Name: Flask-Greeting
Version: 1.2.0
Summary: Greets people.
Requires-Python: >=3.8
Requires-Dist: Flask>=2.2
Requires-Dist: itsdangerous
Requires-Dist: flask_sqlalchemy; extra == "db"
Requires-Dist: flask[async]>=2.2; extra == "async"

Long description.
"""


def _original() -> email.message.Message:
    return email.parser.Parser(policy=email.policy.compat32).parsestr(ORIGINAL)


def test_normalize_dist() -> None:
    assert normalize_dist("Flask_Login") == normalize_dist("flask.login") == "flask-login"


def test_rewrite_requirements_swaps_only_the_framework() -> None:
    """vial-web replaces Flask, its bound mapped through the Flask API each release follows."""
    requires = _original().get_all("Requires-Dist")
    kept, changed = rewrite_requirements(requires, FLASK_VIAL, [vial_rule("flask")])
    assert kept == [
        "vial-web>=0.1.0",
        "itsdangerous",
        'flask_sqlalchemy; extra == "db"',
        'vial-web[async]>=0.1.0; extra == "async"',
    ]
    assert changed == [
        ("Flask>=2.2", "vial-web>=0.1.0"),
        ('flask[async]>=2.2; extra == "async"', 'vial-web[async]>=0.1.0; extra == "async"'),
    ]


def test_rewrite_requirements_can_drop() -> None:
    shipped = RequirementRule("flask", reason="the app ships acme_web itself")
    kept, changed = rewrite_requirements(["Flask", "click"], FLASK_VIAL, [shipped])
    assert kept == ["click"]
    assert changed == [("Flask", "")]


def test_rewrite_requirements_without_a_rule_keeps_them() -> None:
    kept, changed = rewrite_requirements(["Flask>=2", "click"], FLASK_VIAL, [])
    assert (kept, changed) == (["Flask>=2", "click"], [])


def test_entry_points_move_where_the_target_reads() -> None:
    text = "[flask.commands]\ngreet = flask_greeting.cli:greet\n[console_scripts]\nx = flask.cli:main\n"
    vial = (("vial.commands", "vial/cli.py:490"),)
    assert rewrite_entry_points(text, FLASK_VIAL, vial) == (
        "[vial.commands]\ngreet = flask_greeting.cli:greet\n[console_scripts]\nx = vial.cli:main\n"
    )
    # A fork of Flask that still reads flask.commands: the group stays, so it is found.
    myflask = Renames.parse(["flask=myflask"])
    kept = rewrite_entry_points(text, myflask, (("flask.commands", "myflask/cli.py:1"),))
    assert kept is not None and kept.startswith("[flask.commands]\n")
    assert rewrite_entry_points(None, FLASK_VIAL, vial) is None


def test_metadata_keeps_description_and_other_headers() -> None:
    text = make_metadata(
        _original(),
        name="Flask-Greeting",
        version="1.2.0+vial",
        requires=["vial-web", "itsdangerous"],
    ).decode()
    parsed = email.parser.Parser(policy=email.policy.compat32).parsestr(text)
    assert parsed["Version"] == "1.2.0+vial"
    assert parsed["Requires-Python"] == ">=3.8"
    assert parsed.get_all("Requires-Dist") == ["vial-web", "itsdangerous"]
    assert parsed.get_payload().strip() == "Long description."


def _tree(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    (source / "flask_greeting" / "templates").mkdir(parents=True)
    (source / "flask_greeting" / "__init__.py").write_text("import vial\n")
    (source / "flask_greeting" / "templates" / "a.html").write_text("<p>hi</p>\n")
    (source / "flask_greeting" / "__pycache__").mkdir()
    (source / "flask_greeting" / "__pycache__" / "x.pyc").write_bytes(b"junk")
    (source / "flask_single.py").write_text("import vial\n")
    return source


def test_build_wheel_contents_and_record(tmp_path: Path) -> None:
    path = build_wheel(
        _tree(tmp_path),
        ["flask_greeting", "flask_single"],
        tmp_path / "out",
        name="Flask-Greeting",
        version="1.2.0+vial",
        requires=["vial-web"],
        metadata=_original(),
        entry_points="[flask.commands]\ngreet = x:y\n",
    )
    assert path.name == "flask_greeting-1.2.0+vial-py3-none-any.whl"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        record = archive.read("flask_greeting-1.2.0+vial.dist-info/RECORD").decode()
    assert names[-1].endswith("/RECORD")
    assert "flask_greeting/templates/a.html" in names
    assert "flask_single.py" in names
    assert not any("__pycache__" in n for n in names)
    assert all(n in record for n in names)
    assert read_wheel_metadata(path).get_all("Requires-Dist") == ["vial-web"]


def test_build_wheel_is_deterministic(tmp_path: Path) -> None:
    source = _tree(tmp_path)
    first = build_wheel(
        source, ["flask_greeting"], tmp_path / "a", name="x", version="1", requires=[]
    )
    second = build_wheel(
        source, ["flask_greeting"], tmp_path / "b", name="x", version="1", requires=[]
    )
    assert first.read_bytes() == second.read_bytes()


def test_build_wheel_missing_module(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no module 'nope'"):
        build_wheel(tmp_path, ["nope"], tmp_path / "out", name="x", version="1", requires=[])


def test_pip_installs_the_wheel_and_sees_the_new_requirement(tmp_path: Path) -> None:
    """pip accepts the hand-built wheel, and the installed metadata names no Flask."""
    wheel = build_wheel(
        _tree(tmp_path),
        ["flask_greeting"],
        tmp_path / "out",
        name="Flask-Greeting",
        version="1.2.0+vial",
        requires=["vial-web"],
        metadata=_original(),
    )
    target = tmp_path / "site"
    install_wheel(wheel, target=target)
    assert (target / "flask_greeting" / "templates" / "a.html").is_file()
    script = (
        "import importlib.metadata as m, sys; d = m.distribution('flask-greeting');"
        "print(d.version); print(d.requires)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines() == ["1.2.0+vial", "['vial-web']"]
