"""A profile aimed at a fork: ``Renames.compose``/``Renames.redirect`` and ``graft rewrite --target``.

The story: a Flask app's test suite moves to ``acme_web``, a fork of vial. Adding
``--map vial=acme_web`` to the flask-vial profile does not do it (one pass renames
``flask`` to ``vial`` and stops), so the profile's targets themselves are redirected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rewrite_helpers import assert_rewrite

from graft.cli import main
from graft.errors import InvalidNameError
from graft.rewrite import PROFILES, Renames

FLASK_VIAL = PROFILES["flask-vial"]


def test_compose_renames_each_target_again() -> None:
    first = Renames.parse(["flask=vial", "flask.Flask=vial.Vial", "werkzeug=wz"])
    composed = first.compose(Renames.parse(["vial=acme_web"]))
    assert composed.mapping == {
        "flask": "acme_web",
        "flask.Flask": "acme_web.Vial",
        "werkzeug": "wz",
    }
    # Only the targets change: the second map's own keys are not added.
    assert not composed.matches("vial.Vial")


def test_redirect_aims_the_profile_at_the_fork_symbols_included() -> None:
    fork = FLASK_VIAL.redirect("vial", "acme_web")
    assert fork.rename("flask") == "acme_web"
    assert fork.rename("flask.Flask") == "acme_web.Vial"
    assert fork.rename("flask.testing.FlaskClient") == "acme_web.testing.VialClient"
    assert fork.rename("flask.cli.FlaskGroup") == "acme_web.cli.VialGroup"
    assert fork.rename("flask.__version__") == "acme_web.__flask_version__"
    assert fork.roots == FLASK_VIAL.roots
    assert not any(new.split(".")[0] == "vial" for _, new in fork)


def test_redirect_matches_targets_on_dot_boundaries() -> None:
    renames = Renames.parse(["a=vial", "b=vialx", "c=my.vial"])
    assert renames.redirect("vial", "acme_web").mapping == {
        "a": "acme_web",
        "b": "vialx",
        "c": "my.vial",
    }
    assert renames.redirect("other", "acme_web") == renames  # aims nothing at it: unchanged


def test_redirect_is_the_same_as_composing_with_one_map() -> None:
    assert FLASK_VIAL.redirect("vial", "acme_web") == FLASK_VIAL.compose(
        Renames({"vial": "acme_web"})
    )


@pytest.mark.parametrize(
    "old, new", [("vial", "acme-web"), ("vial", ""), ("vial", "class"), ("1vial", "acme")]
)
def test_redirect_refuses_names_that_are_not_import_names(old: str, new: str) -> None:
    with pytest.raises(InvalidNameError, match="not a dotted Python identifier"):
        FLASK_VIAL.redirect(old, new)


def test_redirect_refuses_to_rename_a_name_to_itself() -> None:
    with pytest.raises(InvalidNameError, match="would rename 'flask' to itself"):
        FLASK_VIAL.redirect("vial", "flask")


def test_redirected_profile_rewrites_a_test_module_in_one_pass() -> None:
    assert_rewrite(
        """
        import flask
        from flask import Flask, jsonify
        from flask.testing import FlaskClient

        def make() -> Flask:
            return flask.Flask(__name__)
        """,
        """
        import acme_web
        from acme_web import Vial, jsonify
        from acme_web.testing import VialClient

        def make() -> Vial:
            return acme_web.Vial(__name__)
        """,
        FLASK_VIAL.redirect("vial", "acme_web"),
    )


# -- graft rewrite --profile flask-vial --target NAME ---------------------------------

SUITE = (
    "import flask\nfrom flask import Flask\nfrom flask.testing import FlaskClient\nimport vial\n"
)


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_target_redirects_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "test_app.py"
    path.write_text(SUITE)
    code, _, err = invoke("rewrite", path, "--profile", "flask-vial", "--target", "acme_web")
    assert code == 0, err
    # Code already on vial is not the profile's business: it stays (a --map vial=... moves it).
    assert path.read_text() == (
        "import acme_web\nfrom acme_web import Vial\nfrom acme_web.testing import VialClient\nimport vial\n"
    )


def test_cli_target_then_extra_maps(tmp_path: Path) -> None:
    path = tmp_path / "test_app.py"
    path.write_text(SUITE)
    code, _, err = invoke(
        "rewrite", path, "--profile", "flask-vial", "--target", "acme_web", "--map", "vial=acme_web"
    )
    assert code == 0, err
    assert path.read_text() == (
        "import acme_web\nfrom acme_web import Vial\nfrom acme_web.testing import VialClient\nimport acme_web\n"
    )


def test_cli_target_needs_a_profile(tmp_path: Path) -> None:
    path = tmp_path / "test_app.py"
    path.write_text(SUITE)
    code, _, err = invoke("rewrite", path, "--map", "flask=vial", "--target", "acme_web")
    assert code == 2
    assert "--target redirects a profile; give --profile too" in err
    assert path.read_text() == SUITE


def test_cli_target_must_be_an_import_name(tmp_path: Path) -> None:
    path = tmp_path / "test_app.py"
    path.write_text(SUITE)
    code, _, err = invoke("rewrite", path, "--profile", "flask-vial", "--target", "acme-web")
    assert code == 2
    assert "Invalid value for --target" in err and "not a dotted Python identifier" in err
    assert path.read_text() == SUITE


def recorded_project(root: Path, *entries: tuple[str, str]) -> Path:
    """A repository whose pyproject.toml records vendored packages, as ``(name, kind)`` pairs."""
    (root / ".git").mkdir(parents=True)
    ids = f'upstream-tree = "{"a" * 40}"\nsnapshot = "{"b" * 40}"\nsnapshot-tree = "{"c" * 40}"\n'
    tables = "".join(
        f'[tool.graft.packages.{name}]\nkind = "{kind}"\nsource = "vial"\nsource-kind = "bundled"\n'
        + (
            f'package = "vial"\npath = "{name}"\nmaps = ["vial={name}"]\n'
            if kind == "fork"
            else f'package = "{name}"\npath = "{name}"\nmaps = ["flask=acme_web"]\n'
        )
        + f'revision = "0.1.0"\nfingerprint = "f"\n{ids}graft-version = "0.1.0"\n\n'
        for name, kind in entries
    )
    (root / "pyproject.toml").write_text('[project]\nname = "app"\n\n' + tables)
    return root


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("json", "'json' is a standard-library module, not a fork"),
        ("class", "Invalid value for --target"),
    ],
)
def test_cli_target_refuses_stdlib_and_keywords(tmp_path: Path, target: str, message: str) -> None:
    """``from json import Vial`` can never work."""
    path = tmp_path / "app.py"
    path.write_text(SUITE)
    code, _, err = invoke("rewrite", path, "--profile", "flask-vial", "--target", target)
    assert code == 2 and message in err, err
    assert path.read_text() == SUITE


def test_cli_target_must_be_a_recorded_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a repository that records forks, a typo is refused unless --force."""
    root = recorded_project(tmp_path / "repo", ("acme_web", "fork"), ("flask_greeting", "patch"))
    (root / "src").mkdir()
    path = root / "src" / "app.py"
    path.write_text(SUITE)
    monkeypatch.chdir(root / "src")
    code, _, err = invoke("rewrite", path, "--profile", "flask-vial", "--target", "acme_wbe")
    assert code == 2
    assert "acme_wbe is not a recorded fork (recorded: acme_web)" in err
    assert path.read_text() == SUITE
    code, _, err = invoke(
        "rewrite", path, "--profile", "flask-vial", "--target", "acme_web", "--check"
    )
    assert code == 1, err
    code, _, err = invoke(
        "rewrite", path, "--profile", "flask-vial", "--target", "acme_wbe", "--force"
    )
    assert code == 0, err
    assert path.read_text().startswith("import acme_wbe\n")


def test_cli_leaves_graft_records_and_vendored_directories_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest keeps the upstream name on purpose; the fork was renamed by ``graft fork``."""
    root = recorded_project(tmp_path / "repo", ("acme_web", "fork"), ("flask_greeting", "patch"))
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('[tool.ruff]\nsrc = ["vial"]\n')
    for name in ("acme_web", "flask_greeting"):
        (root / name).mkdir()
        (root / name / "__init__.py").write_text(
            "import importlib\nimport vial\nimportlib.import_module(NAME)\n"
        )
    (root / "app.py").write_text("from vial import Vial\napp = Vial(__name__)\n")
    monkeypatch.chdir(root)
    code, out, err = invoke("rewrite", ".", "--map", "vial=acme_web", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["changed"] == ["app.py"]
    # Only the line outside [tool.graft.*] is reported; nothing inside the vendored directories.
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("pyproject.toml", 33)]
    assert {(Path(s["path"]).name, s["reason"]) for s in report["skipped"]} == {
        ("acme_web", "vendored fork"),
        ("flask_greeting", "vendored patch"),
    }
    # A file named explicitly is still rewritten.
    code, out, err = invoke(
        "rewrite", "acme_web/__init__.py", "--map", "vial=acme_web", "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["changed"] == ["acme_web/__init__.py"]
