"""graft.surface: what the new package of a rename provides, read from real installed packages and files.

The requirement rules and entry-point groups that ``graft rewrite`` and ``graft patch``
apply; real distributions of this environment (click, vial-web) and real files in temp dirs.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from conftest import build_file_tree

from graft.bundled import BUNDLED, BUNDLED_DISTRIBUTION
from graft.rewrite import Renames
from graft.surface import (
    entry_point_groups,
    package_directory,
    requirement_rule,
    rewrite_facts,
    vial_rule,
)


def test_package_directory_without_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_file_tree(tmp_path, {"acme_solo.py": "raise SystemExit('imported')\n"})
    monkeypatch.syspath_prepend(str(tmp_path))
    assert package_directory("click") == Path(click.__file__).parent
    assert package_directory("acme_solo") == tmp_path / "acme_solo.py"
    assert package_directory("os") is None  # frozen into the interpreter: no source to read
    assert package_directory("sys") is None  # built in: no file
    assert package_directory("graft_no_such_package") is None
    assert package_directory("graft_no_such_package.sub") is None


def test_entry_point_groups_of_a_package_and_of_a_module(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path / "acme",
        {
            "__init__.py": "from importlib.metadata import entry_points\n\n"
            "PLUGINS = entry_points(group=__name__ + '.plugins')\n",
            "cli.py": "from importlib.metadata import entry_points\n"
            "entry_points(group=__package__ + '.commands')\n",
            "plain.py": "X = 1\n",
            "__pycache__/cli.py": "entry_points(group='stale.cache')\n",
        },
    )
    assert entry_point_groups(tmp_path / "acme", "acme") == (
        ("acme.commands", "acme/cli.py:2"),
        ("acme.plugins", "acme/__init__.py:3"),
    )
    build_file_tree(tmp_path, {"solo.py": "entry_points(group=__name__ + '.hooks')\n"})
    assert entry_point_groups(tmp_path / "solo.py", "solo") == (("solo.hooks", "solo.py:1"),)


def test_requirement_rules() -> None:
    shipped = requirement_rule("Flask", "myflask", app_ships=True)
    assert shipped is not None
    assert (shipped.distribution, shipped.reason) == ("flask", "the app ships myflask itself")
    assert requirement_rule("Flask", BUNDLED, app_ships=False) == vial_rule("Flask")
    assert vial_rule("Flask").reason == f"{BUNDLED_DISTRIBUTION} installs {BUNDLED}"
    # A package one installed distribution provides: required by that distribution's name.
    provided = requirement_rule("Flask", "click", app_ships=False)
    assert provided is not None
    assert provided.reason == "click installs click"
    assert provided.extras == ()
    assert requirement_rule("Flask", "graft_no_such_package", app_ships=False) is None


def test_rewrite_facts_of_a_recorded_fork(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path / "myflask",
        {
            "cli.py": "from importlib.metadata import entry_points\nentry_points(group='myflask.commands')\n"
        },
    )
    renames = Renames.parse(["flask=myflask"])
    rules, groups = rewrite_facts(renames, [(tmp_path / "myflask", "myflask")])
    assert [(rule.distribution, rule.reason) for rule in rules] == [
        ("flask", "the app ships myflask itself")
    ]
    assert groups == (("myflask.commands", "myflask/cli.py:2"),)
    # The upstream distribution's own name, when known, is what requirements name.
    rules, _ = rewrite_facts(
        renames, [(tmp_path / "myflask", "myflask")], [("Flask-Alt", "myflask")]
    )
    assert [rule.distribution for rule in rules] == ["flask_alt"]
    # Nothing at hand about the new package: no rule, groups unknown.
    assert rewrite_facts(Renames.parse(["flask=graft_no_such_package"]), []) == ((), None)
