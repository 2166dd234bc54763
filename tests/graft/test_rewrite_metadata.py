"""Entry points and requirements in packaging metadata: cases 22, 23, 31 and 32 of REWRITE_CASES.md.

The rules, as a table (every row below is one test):

* An entry point's **object reference** (``flask.cli:main``) is an import path: it
  follows the rename (``vial.cli:main``), symbol maps included; lookalikes
  (``flask_login.cli``) and other packages stay.
* An entry point's **group** named after a renamed package (``flask.commands``) moves
  to the renamed group only when the new package's code reads that group (vial reads
  ``vial.commands``; a fork of Flask whose rewrite renamed the group string reads
  ``myflask.commands``); it stays, silently, when the new package still reads the old
  group (a fork of Flask keeps ``entry_points(group="flask.commands")``); otherwise it
  stays and is reported with what will fail. When the new package's code is not at
  hand, ``--entry-points`` decides (report by default). Groups of other packages
  (``pytest11``, ``console_scripts``) are never touched.
* A **requirement** on a renamed distribution (``Flask>=2.3``) becomes one on the
  distribution that provides the new package: ``vial-web``, its bound mapped through
  the Flask release each vial-web release follows (``>=0.1.0``), extras it provides
  and the marker kept byte for byte; it is dropped when the app ships the new package
  itself (a recorded fork); without a rule it is kept and reported, never renamed to a
  name nobody publishes. Requirements on other distributions (``Flask-Login``) stay.

The same rules hold in ``pyproject.toml``, ``setup.cfg``, ``entry_points.txt``,
``METADATA``/``PKG-INFO``, pip's requirements files (a pin with hashes is reported) and the
literals of ``setup.py``'s ``setup()``. Every row also
checks determinism and idempotence.
"""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from rewrite_helpers import dedent

from graft.rewrite import Renames, RewriteOptions, rewrite_items, rewrite_tree
from graft.rewrite.entrypoints import (
    UNRESOLVED,
    decide_group,
    groups_read,
    rename_definition,
    rename_reference,
)
from graft.rewrite.options import RequirementRule
from graft.rewrite.profiles import FLASK_VIAL
from graft.rewrite.requirements import map_specifier
from graft.surface import VIAL_RELEASES, vial_rule


@dataclasses.dataclass(frozen=True)
class Scenario:
    renames: Renames
    options: RewriteOptions


VIAL = Scenario(
    FLASK_VIAL,
    RewriteOptions(
        requirements=(vial_rule("flask"),),
        entry_point_groups=(("vial.commands", "vial/cli.py:490"),),
    ),
)
"""graft rewrite --profile flask-vial: the bundled vial, provided by vial-web, reads vial.commands."""
ACME = Scenario(
    FLASK_VIAL.redirect("vial", "acme_web"),
    RewriteOptions(
        requirements=(RequirementRule("flask", reason="the app ships acme_web itself"),),
        entry_point_groups=(("acme_web.commands", "acme_web/cli.py:490"),),
    ),
)
"""A fork of vial the app records: shipped by the app, reads its own group."""
MYFLASK = Scenario(
    Renames.parse(["flask=myflask"]),
    RewriteOptions(
        requirements=(RequirementRule("flask"),),
        entry_point_groups=(("flask.commands", "myflask/cli.py:620"),),
    ),
)
"""A fork of Flask the app records, whose rewrite kept reading flask.commands (the default)."""
MYFLASK_RENAMED = Scenario(
    Renames.parse(["flask=myflask"]),
    RewriteOptions(entry_point_groups=(("myflask.commands", "myflask/cli.py:620"),)),
)
"""A fork of Flask made with --entry-points rename: it reads myflask.commands."""
UNKNOWN = Scenario(Renames.parse(["flask=myflask"]), RewriteOptions())
"""--map flask=myflask with nothing at hand: no rule, no code to read."""
UNKNOWN_RENAME = Scenario(UNKNOWN.renames, RewriteOptions(entry_points="rename"))
PROVIDED = Scenario(
    Renames.parse(["flask=quartz"]),
    RewriteOptions(requirements=(RequirementRule("flask", "quartz-web", (), None),)),
)
"""The new package is installed by a distribution graft knows no release table of."""


class Row(t.NamedTuple):
    id: str
    scenario: Scenario
    name: str
    """The file name: picks the format."""
    before: str
    after: str
    """Equal to ``before``: nothing may change."""
    findings: tuple[tuple[int, str, str], ...] = ()
    """(line, kind, a piece of the message)."""


PYPROJECT_APP = """\
[project]
name = "myapp"
dependencies = [
    "flask>=2.3",  # the framework
    "Flask-Login>=0.6",
]

[project.optional-dependencies]
async = ["flask[async]>=3.0; python_version >= '3.10'"]

[project.entry-points."flask.commands"]
seed = "myapp.cli:seed"

[project.scripts]
serve = "flask.cli:main"
"""

ROWS: list[Row] = [
    # --- object references ---
    Row(
        "script-reference-follows",
        VIAL,
        "pyproject.toml",
        '[project.scripts]\nserve = "flask.cli:main"\n',
        '[project.scripts]\nserve = "vial.cli:main"\n',
    ),
    Row(
        "gui-script-and-symbol-map",
        VIAL,
        "pyproject.toml",
        "[project.gui-scripts]\ngui = 'flask.cli:FlaskGroup' # keep\n",
        "[project.gui-scripts]\ngui = 'vial.cli:VialGroup' # keep\n",
    ),
    Row(
        "plugin-reference-into-the-package",
        MYFLASK,
        "pyproject.toml",
        '[project.entry-points."x.plugins"]\np = "flask.json.provider:DefaultJSONProvider"\n',
        '[project.entry-points."x.plugins"]\np = "myflask.json.provider:DefaultJSONProvider"\n',
    ),
    Row(
        "lookalike-reference-stays",
        VIAL,
        "pyproject.toml",
        '[project.scripts]\nlogin = "flask_login.cli:main"\napp = "myapp.cli:main"\n',
        '[project.scripts]\nlogin = "flask_login.cli:main"\napp = "myapp.cli:main"\n',
    ),
    Row(
        "entry-points-txt-reference-with-extras",
        VIAL,
        "x-1.0.dist-info/entry_points.txt",
        "[console_scripts]\nrun = flask.cli : main [dotenv]\n",
        "[console_scripts]\nrun = vial.cli : main [dotenv]\n",
    ),
    Row(
        "setup-cfg-console-scripts",
        VIAL,
        "setup.cfg",
        "[options.entry_points]\nconsole_scripts =\n    serve = flask.cli:main\n",
        "[options.entry_points]\nconsole_scripts =\n    serve = vial.cli:main\n",
    ),
    Row(
        "setup-py-console-scripts",
        VIAL,
        "setup.py",
        'from setuptools import setup\nsetup(entry_points={"console_scripts": ["serve = flask.cli:main"]})\n',
        'from setuptools import setup\nsetup(entry_points={"console_scripts": ["serve = vial.cli:main"]})\n',
    ),
    Row(
        "console-command-named-after-the-package-is-reported",
        UNKNOWN,
        "pyproject.toml",
        '[project.scripts]\nflask = "flask.cli:main"\n',
        '[project.scripts]\nflask = "myflask.cli:main"\n',
        ((2, "file", "mentions the old name"),),
    ),
    # --- groups ---
    Row(
        "group-moves-where-vial-reads-it",
        VIAL,
        "pyproject.toml",
        '[project.entry-points."flask.commands"]\nseed = "myapp.cli:seed"\n',
        '[project.entry-points."vial.commands"]\nseed = "myapp.cli:seed"\n',
    ),
    Row(
        "group-moves-where-a-vial-fork-reads-it",
        ACME,
        "pyproject.toml",
        "[project.entry-points.'flask.commands']  # ours\nseed = 'myapp.cli:seed'\n",
        "[project.entry-points.'acme_web.commands']  # ours\nseed = 'myapp.cli:seed'\n",
    ),
    Row(
        "group-kept-where-the-fork-reads-the-old-name",
        MYFLASK,
        "pyproject.toml",
        '[project.entry-points."flask.commands"]\nseed = "myapp.cli:seed"\n',
        '[project.entry-points."flask.commands"]\nseed = "myapp.cli:seed"\n',
    ),
    Row(
        "group-moves-where-the-fork-renamed-its-read",
        MYFLASK_RENAMED,
        "pyproject.toml",
        '[project.entry-points."flask.commands"]\nseed = "myapp.cli:seed"\n',
        '[project.entry-points."myflask.commands"]\nseed = "myapp.cli:seed"\n',
    ),
    Row(
        "group-nobody-reads-is-reported",
        VIAL,
        "pyproject.toml",
        '[project.entry-points."flask.hooks"]\nh = "myapp.hooks:h"\n',
        '[project.entry-points."flask.hooks"]\nh = "myapp.hooks:h"\n',
        ((1, "entry-point", "vial reads the entry-point group 'vial.commands' (vial/cli.py:490)"),),
    ),
    Row(
        "group-unknown-target-is-reported",
        UNKNOWN,
        "pyproject.toml",
        '[project.entry-points."flask.commands"]\nseed = "myapp.cli:seed"\n',
        '[project.entry-points."flask.commands"]\nseed = "myapp.cli:seed"\n',
        ((1, "entry-point", "graft cannot tell which group myflask reads"),),
    ),
    Row(
        "group-unknown-target-renamed-on-request",
        UNKNOWN_RENAME,
        "pyproject.toml",
        '[project.entry-points."flask.commands"]\nseed = "myapp.cli:seed"\n',
        '[project.entry-points."myflask.commands"]\nseed = "myapp.cli:seed"\n',
    ),
    Row(
        "other-packages-groups-and-labels-stay",
        VIAL,
        "pyproject.toml",
        '[project.entry-points.pytest11]\nflask = "pytest_flask.plugin"\n',
        '[project.entry-points.pytest11]\nflask = "pytest_flask.plugin"\n',
    ),
    Row(
        "inline-group-is-reported-not-edited",
        VIAL,
        "pyproject.toml",
        '[project]\nentry-points = {"flask.commands" = {seed = "myapp.cli:seed"}}\n',
        '[project]\nentry-points = {"flask.commands" = {seed = "myapp.cli:seed"}}\n',
        ((2, "entry-point", "rename it by hand"),),
    ),
    Row(
        "group-already-declared-under-the-new-name-is-reported",
        VIAL,
        "pyproject.toml",
        '[project.entry-points."vial.commands"]\na = "m:a"\n[project.entry-points."flask.commands"]\nb = "m:b"\n',
        '[project.entry-points."vial.commands"]\na = "m:a"\n[project.entry-points."flask.commands"]\nb = "m:b"\n',
        ((3, "entry-point", "rename it by hand"),),
    ),
    Row(
        "entry-points-txt-group",
        VIAL,
        "flask_migrate-4.0.dist-info/entry_points.txt",
        "[flask.commands]\ndb = flask_migrate.cli:db\n\n[flask.hooks]\nh = flask_migrate:h\n",
        "[vial.commands]\ndb = flask_migrate.cli:db\n\n[flask.hooks]\nh = flask_migrate:h\n",
        ((4, "entry-point", "will not be found"),),
    ),
    Row(
        "setup-cfg-group",
        MYFLASK_RENAMED,
        "setup.cfg",
        "[options.entry_points]\nflask.commands =\n    db = ext.cli:db\n",
        "[options.entry_points]\nmyflask.commands =\n    db = ext.cli:db\n",
    ),
    Row(
        "setup-py-group",
        VIAL,
        "setup.py",
        "from setuptools import setup\n"
        "setup(entry_points={'flask.commands': ['db=ext.cli:db'], 'pytest11': 'p = ext.plugin'})\n",
        "from setuptools import setup\n"
        "setup(entry_points={'vial.commands': ['db=ext.cli:db'], 'pytest11': 'p = ext.plugin'})\n",
    ),
    # --- requirements ---
    Row(
        "requirement-becomes-vial-web-with-mapped-bound",
        VIAL,
        "pyproject.toml",
        PYPROJECT_APP,
        PYPROJECT_APP.replace('"flask>=2.3"', '"vial-web>=0.1.0"')
        .replace("flask[async]>=3.0;", "vial-web[async]>=0.1.0;")
        .replace('"flask.commands"', '"vial.commands"')
        .replace('"flask.cli:main"', '"vial.cli:main"'),
    ),
    Row(
        "unbounded-requirement-stays-unbounded",
        VIAL,
        "PKG-INFO",
        "Metadata-Version: 2.1\nName: ext\nRequires-Dist: Flask\n\nUses Flask.\n",
        "Metadata-Version: 2.1\nName: ext\nRequires-Dist: vial-web\n\nUses Flask.\n",
    ),
    Row(
        "marker-and-extras-byte-for-byte",
        VIAL,
        "METADATA",
        'Name: ext\nRequires-Dist: flask [async] >= 2.2 ; extra == "async"  \n',
        'Name: ext\nRequires-Dist: vial-web [async] >=0.1.0 ; extra == "async"  \n',
    ),
    Row(
        "bound-excluding-vial-api-is-said",
        VIAL,
        "METADATA",
        "Name: ext\nRequires-Dist: Flask<3\n",
        "Name: ext\nRequires-Dist: vial-web\n",
        ((2, "distribution", "excludes the Flask API that vial-web 0.1.0 follows (3.1.3)"),),
    ),
    Row(
        "extra-vial-web-lacks-is-said",
        VIAL,
        "setup.cfg",
        "[options.extras_require]\nx = flask[async,babel]>=2\n",
        "[options.extras_require]\nx = vial-web[async]>=0.1.0\n",
        ((2, "distribution", "vial-web has no extra babel"),),
    ),
    Row(
        "requirement-dropped-when-the-app-ships-the-fork",
        ACME,
        "pyproject.toml",
        '[project]\ndependencies = [\n    "click",\n    "Flask>=3",  # web\n]\n',
        '[project]\ndependencies = [\n    "click",\n]\n',
    ),
    Row(
        "requirement-kept-and-reported-without-a-rule",
        UNKNOWN,
        "pyproject.toml",
        '[project]\ndependencies = ["flask>=3", "click"]\n',
        '[project]\ndependencies = ["flask>=3", "click"]\n',
        ((2, "distribution", "myflask is not a distribution of that name"),),
    ),
    Row(
        "provider-without-release-table-loses-the-bound",
        PROVIDED,
        "METADATA",
        "Name: ext\nRequires-Dist: Flask>=3\nRequires-Dist: flask\n",
        "Name: ext\nRequires-Dist: quartz-web\nRequires-Dist: quartz-web\n",
        ((2, "distribution", "the bound >=3 on Flask is not carried over"),),
    ),
    Row(
        "direct-reference-is-reported",
        VIAL,
        "METADATA",
        "Name: ext\nRequires-Dist: flask @ https://example.org/flask.whl\n",
        "Name: ext\nRequires-Dist: flask @ https://example.org/flask.whl\n",
        ((2, "distribution", "points at a copy of flask"),),
    ),
    Row(
        "other-distributions-stay-unreported",
        VIAL,
        "METADATA",
        "Name: ext\nRequires-Dist: Flask-Login>=0.6\nRequires-Dist: flaskx\n\nNeeds Flask.\n",
        "Name: ext\nRequires-Dist: Flask-Login>=0.6\nRequires-Dist: flaskx\n\nNeeds Flask.\n",
    ),
    Row(
        "setup-cfg-requirement-lists",
        ACME,
        "setup.cfg",
        "[options]\ninstall_requires =\n    Flask>=2.2\n    # pinned below\n    click\nsetup_requires = flask; wheel\n",
        "[options]\ninstall_requires =\n    # pinned below\n    click\nsetup_requires = wheel\n",
    ),
    Row(
        "setup-py-requirements-through-a-name",
        VIAL,
        "setup.py",
        dedent(
            """
            from setuptools import setup
            REQUIRES = [
                "Flask>=2.2",  # web
                "click",
            ]
            setup(install_requires=REQUIRES, extras_require={"async": ["flask[async]"]})
            """
        ),
        dedent(
            """
            from setuptools import setup
            REQUIRES = [
                "vial-web>=0.1.0",  # web
                "click",
            ]
            setup(install_requires=REQUIRES, extras_require={"async": ["vial-web[async]"]})
            """
        ),
    ),
    Row(
        "setup-py-requirement-dropped-from-the-list",
        ACME,
        "setup.py",
        "import setuptools\nsetuptools.setup(\n    install_requires=[\n"
        '        "click",\n        "Flask>=3",\n    ],\n)\n',
        'import setuptools\nsetuptools.setup(\n    install_requires=[\n        "click",\n    ],\n)\n',
    ),
    Row(
        "setup-py-requirement-reported",
        UNKNOWN,
        "setup.py",
        'from setuptools import setup\nsetup(install_requires=["Flask>=3"])\n',
        'from setuptools import setup\nsetup(install_requires=["Flask>=3"])\n',
        ((2, "distribution", "myflask is not a distribution of that name"),),
    ),
    Row(
        "setup-py-lone-requirement-string",
        VIAL,
        "setup.py",
        'from setuptools import setup\nsetup("app", install_requires="Flask>=3")\n',
        'from setuptools import setup\nsetup("app", install_requires="vial-web>=0.1.0")\n',
    ),
    Row(
        "setup-py-lone-requirement-cannot-be-dropped",
        ACME,
        "setup.py",
        'from setuptools import setup\nsetup(install_requires="Flask>=3")\n',
        'from setuptools import setup\nsetup(install_requires="Flask>=3")\n',
        ((2, "distribution", "'Flask>=3' should be dropped: edit it by hand"),),
    ),
    Row(
        "setup-py-escaped-lone-requirement-is-reported",
        VIAL,
        "setup.py",
        'from setuptools import setup\nsetup(install_requires="Fl\\x61sk>=3", setup_requires=["flask"])\n',
        'from setuptools import setup\nsetup(install_requires="Fl\\x61sk>=3", setup_requires=["vial-web"])\n',
        ((2, "distribution", "'Flask>=3' should be 'vial-web>=0.1.0': edit it by hand"),),
    ),
    Row(
        "setup-py-escaped-list-item-reported-others-rewritten",
        VIAL,
        "setup.py",
        'from setuptools import setup\nsetup(tests_require=["Fl\\x61sk>=3", f"click>={V}", b"flask", "flask"])\n',
        'from setuptools import setup\nsetup(tests_require=["Fl\\x61sk>=3", f"click>={V}", b"flask", "vial-web"])\n',
        ((2, "distribution", "spells its value with escapes"),),
    ),
    Row(
        "setup-py-values-built-at-run-time-stay",
        VIAL,
        "setup.py",
        "from setuptools import setup\n"
        'setup(install_requires=read("req.txt"), extras_require={**EXTRA, "a": ("flask",)})\n',
        "from setuptools import setup\n"
        'setup(install_requires=read("req.txt"), extras_require={**EXTRA, "a": ("vial-web",)})\n',
    ),
    Row(
        "setup-py-name-assigned-twice-is-not-followed",
        VIAL,
        "setup.py",
        'from setuptools import setup\nREQ = ["flask"]\nREQ = ["flask", "click"]\nsetup(install_requires=REQ)\n',
        'from setuptools import setup\nREQ = ["flask"]\nREQ = ["flask", "click"]\nsetup(install_requires=REQ)\n',
        (
            (2, "string", "not used as one here"),
            (3, "string", "not used as one here"),
        ),
    ),
    Row(
        "setup-py-escaped-group-and-reference-reported",
        VIAL,
        "setup.py",
        "from setuptools import setup\n"
        'setup(entry_points={**EXTRA, "fl\\x61sk.commands": ["db = x:db", CMD],'
        ' "console_scripts": ("s = fl\\x61sk.cli:main", "t = flask.cli:main")})\n',
        "from setuptools import setup\n"
        'setup(entry_points={**EXTRA, "fl\\x61sk.commands": ["db = x:db", CMD],'
        ' "console_scripts": ("s = fl\\x61sk.cli:main", "t = vial.cli:main")})\n',
        (
            (2, "entry-point", '"fl\\x61sk.commands" spells its value with escapes'),
            (2, "entry-point", '"s = fl\\x61sk.cli:main" spells its value with escapes'),
        ),
    ),
    Row(
        "setup-py-group-kept-is-reported",
        UNKNOWN,
        "setup.py",
        "from setuptools import setup\nsetup(entry_points={'flask.commands': 'x = ext.cli:x'})\n",
        "from setuptools import setup\nsetup(entry_points={'flask.commands': 'x = ext.cli:x'})\n",
        ((2, "entry-point", "cannot tell which group myflask reads"),),
    ),
    Row(
        "requirements-txt",
        VIAL,
        "requirements.txt",
        "-r base.txt\n# the web framework\nflask[async]==3.1.3  # pinned\nFlask-Login\n"
        "git+https://example.org/x.git#egg=flask\n",
        "-r base.txt\n# the web framework\nvial-web[async]>=0.1.0  # pinned\nFlask-Login\n"
        "git+https://example.org/x.git#egg=flask\n",
        ((5, "file", "mentions the old name"),),
    ),
    Row(
        "requirements-folder-pin-outside-the-api-is-said",
        VIAL,
        "requirements/main.txt",
        "pytest>=5.2\nFlask==2.0.1\nWerkzeug\n",
        "pytest>=5.2\nvial-web\nWerkzeug\n",
        ((2, "distribution", "Flask==2.0.1 excludes the Flask API"),),
    ),
    Row(
        "requirements-dropped-for-a-shipped-fork",
        ACME,
        "requirements-dev.txt",
        "flask>=3\npytest\n",
        "pytest\n",
    ),
    Row(
        "hashed-requirement-is-reported",
        VIAL,
        "requirements.txt",
        "flask==3.1.3 \\\n    --hash=sha256:abc\nclick==8.1.7 --hash=sha256:def\n",
        "flask==3.1.3 \\\n    --hash=sha256:abc\nclick==8.1.7 --hash=sha256:def\n",
        ((1, "distribution", "pinned with hashes"),),
    ),
    Row(
        "dependency-groups",
        VIAL,
        "pyproject.toml",
        '[dependency-groups]\ndev = ["pytest", "flask>=3", {include-group = "x"}]\n',
        '[dependency-groups]\ndev = ["pytest", "vial-web>=0.1.0", {include-group = "x"}]\n',
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_metadata_case(row: Row) -> None:
    before, after = row.before.encode(), row.after.encode()
    renames, options = row.scenario.renames, row.scenario.options
    [result] = rewrite_items([(row.name, before)], renames, options=options)
    assert result.error is None, result.error
    got = result.new_bytes if result.status == "changed" else before
    assert got == after, f"\n--- got:\n{got.decode()}\n--- expected:\n{row.after}"
    assert (result.status == "changed") == (before != after)
    found = [(f.line, f.kind, f.message) for f in result.findings]
    assert len(found) == len(row.findings), found
    for (line, kind, message), (want_line, want_kind, piece) in zip(found, row.findings):
        assert (line, kind) == (want_line, want_kind), found
        assert piece in message, message
    # Deterministic, and idempotent: the output rewritten again changes nothing.
    [again] = rewrite_items([(row.name, before)], renames, options=options)
    assert again.new_bytes == result.new_bytes and again.findings == result.findings
    [twice] = rewrite_items([(row.name, after)], renames, options=options)
    assert twice.status == "unchanged"


def test_crlf_and_untouched_lines_survive(tmp_path: Path) -> None:
    data = b'[project]\r\n# flask app\r\ndependencies = [\r\n  "Flask>=3",\r\n]\r\n'
    (tmp_path / "pyproject.toml").write_bytes(data)
    (tmp_path / "setup.cfg").write_bytes(b"[metadata]\r\nname = app\r\n")
    tree = rewrite_tree([tmp_path], VIAL.renames, options=VIAL.options)
    assert (tmp_path / "pyproject.toml").read_bytes() == data.replace(
        b'"Flask>=3"', b'"vial-web>=0.1.0"'
    )
    assert (tmp_path / "setup.cfg").read_bytes() == b"[metadata]\r\nname = app\r\n"
    # The comment that names flask is prose: reported, not edited.
    assert [(f.line, f.kind) for f in tree.findings] == [(2, "file")]


def test_graft_tables_are_neither_edited_nor_reported(tmp_path: Path) -> None:
    data = dedent(
        """
        [project]
        dependencies = ["flask>=3"]

        [tool.graft.packages.acme_web]
        source = "vial"
        maps = ["flask=acme_web"]
        """
    ).encode()
    (tmp_path / "pyproject.toml").write_bytes(data)
    tree = rewrite_tree([tmp_path], ACME.renames, options=ACME.options)
    assert (tmp_path / "pyproject.toml").read_bytes() == data.replace(
        b'dependencies = ["flask>=3"]', b"dependencies = []"
    )
    assert tree.findings == []


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        ("", ""),
        (">=2", ">=0.1.0"),
        (">=3", ">=0.2.0"),
        ("<3", ">=0.1.0,<0.2.0"),
        (">=2,<3.1", ">=0.1.0,<0.3.0"),
        ("==3.1.*", ">=0.3.0"),
        ("~=2.3.0", ">=0.1.0,<0.2.0"),
    ],
)
def test_bounds_map_through_the_release_table(specifier: str, expected: str) -> None:
    """Each replacement release admitted iff the original release it follows is."""
    rule = RequirementRule(
        "flask", "vial-web", (("0.1.0", "2.3.2"), ("0.2.0", "3.0.0"), ("0.3.0", "3.1.3"))
    )
    assert map_specifier(SpecifierSet(specifier), rule, "Flask") == (expected, None)
    bound, note = map_specifier(SpecifierSet("<2"), rule, "Flask")
    assert bound == "" and note is not None and "0.3.0 follows (3.1.3)" in note


def test_release_table_names_the_vial_installed() -> None:
    """The newest vial-web release in the table is vial's own, with the Flask API it follows."""
    import vial

    assert VIAL_RELEASES[-1] == (vial.__version__, vial.__flask_version__)


GROUP_READS = [
    (
        "from importlib.metadata import entry_points\nentry_points(group='flask.commands')\n",
        "flask.cli",
        ["flask.commands"],
    ),
    ("import importlib.metadata as m\nm.entry_points().select(group='a.b')\n", "x", ["a.b"]),
    ("import pkg_resources\nfor e in pkg_resources.iter_entry_points('a.b'): pass\n", "x", ["a.b"]),
    (
        "from importlib.metadata import entry_points\nentry_points()['a.b']\nentry_points().get('c.d', ())\n",
        "x",
        ["a.b", "c.d"],
    ),
    # vial's own spelling: the group follows the package, so a fork reads its own.
    (
        "_PACKAGE = __package__ or __name__.rpartition('.')[0]\nentry_points(group=f'{_PACKAGE}.commands')\n",
        "acme_web.cli",
        ["acme_web.commands"],
    ),
    ("entry_points(group=__name__.split('.')[0] + '.plugins')\n", "acme.sub", ["acme.plugins"]),
    ("entry_points(group='%s.hooks' % __package__)\n", "acme.sub", ["acme.hooks"]),
    ("entry_points(group='{}.x'.format(__spec__.parent))\n", "acme.sub", ["acme.x"]),
    ("def f(name):\n    return entry_points(group=name)\n", "x", ["?"]),
    ("entry_points()\n", "x", []),
    ("entry_points(group='a.b'\n", "x", []),  # does not parse: reads nothing
    ("GROUP: str = 'x.y'\nentry_points(group=GROUP)\n", "m", ["x.y"]),
    # Assigned twice, or in terms of itself: which value a read sees is not known.
    ("G = 'a'\nG = 'b'\nentry_points(group=G)\n", "m", ["?"]),
    ("G = G + '.x'\nentry_points(group=G)\n", "m", ["?"]),
    ("entry_points(group=cfg.group)\n", "m", ["?"]),
    ("entry_points(group=__spec__.origin)\n", "m", ["?"]),
    ("entry_points(group=f'{__name__!r}.x')\n", "m", ["?"]),
    ("entry_points(group=f'{__name__:>9}.x')\n", "m", ["?"]),
    ("entry_points(group=f'{other}.x')\n", "m", ["?"]),
    ("entry_points(group=other + '.x')\n", "m", ["?"]),
    ("entry_points(group=__name__ - 'x')\n", "m", ["?"]),
    ("entry_points(group='%s.%s' % (__name__, other))\n", "m", ["?"]),
    ("entry_points(group='%d.x' % __name__)\n", "m", ["?"]),
    ("entry_points(group='' or __package__)\n", "a.b", ["a"]),
    ("entry_points(group='' or other)\n", "m", ["?"]),
    ("entry_points(group=__name__[0])\n", "m", ["?"]),
    ("entry_points(group=__name__.split('.')[5])\n", "a.b", ["?"]),
    ("entry_points(group=__name__.split()[0])\n", "a.b", ["?"]),
    ("entry_points(group=__name__.rsplit('.', 1)[0] + '.x')\n", "a.b.c", ["a.b.x"]),
    ("entry_points(group='{}.x'.format(__name__, sep='.'))\n", "m", ["?"]),
    ("entry_points(group='{}.x'.format(other))\n", "m", ["?"]),
    ("entry_points(group='{1}.x'.format(__name__))\n", "m", ["?"]),
    ("entry_points(group=str(__name__))\n", "m", ["?"]),
    ("entry_points(group=42)\n", "m", ["?"]),
    ("entry_points(group=[__name__])\n", "m", ["?"]),
]


@pytest.mark.parametrize(("code", "module", "groups"), GROUP_READS)
def test_groups_read(code: str, module: str, groups: list[str]) -> None:
    assert [group for group, _ in groups_read(code, module)] == groups


def test_groups_read_of_a_package_init_uses_the_package_itself() -> None:
    code = "entry_points(group=__package__ + '.commands')\n"
    assert groups_read(code, "acme", is_package=True) == [("acme.commands", 1)]
    assert groups_read(code, "acme.cli") == [("acme.commands", 1)]


MYFLASK_MAP = Renames.parse(["flask=myflask"])


@pytest.mark.parametrize(
    ("group", "reads", "policy", "new", "message"),
    [
        ("flask.commands", None, "rename", "myflask.commands", None),
        ("flask.commands", None, "keep", None, None),
        ("flask.commands", [("myflask.commands", "cli.py:9")], "report", "myflask.commands", None),
        ("flask.commands", [("flask.commands", "cli.py:9")], "report", None, None),
        (
            "flask.commands",
            [("myflask.cmds", "cli.py:9"), ("other.x", "a.py:1")],
            "report",
            None,
            "myflask reads the entry-point group 'myflask.cmds' (cli.py:9); this entry"
            " point registers under 'flask.commands' and will not be found",
        ),
        (
            "flask.commands",
            [(UNRESOLVED, "cli.py:9"), ("other.x", "a.py:1")],
            "report",
            None,
            "myflask reads an entry-point group graft cannot work out (cli.py:9); this"
            " entry point registers under 'flask.commands': check that myflask reads it",
        ),
        (
            "flask.commands",
            [],
            "report",
            None,
            "myflask reads no entry-point group named after it; this entry point registers"
            " under 'flask.commands' and nothing will load it",
        ),
    ],
)
def test_decide_group(
    group: str,
    reads: list[tuple[str, str]] | None,
    policy: str,
    new: str | None,
    message: str | None,
) -> None:
    decision = decide_group(group, MYFLASK_MAP, reads, policy)
    assert decision is not None
    assert (decision.new, decision.message) == (new, message)


def test_groups_of_other_packages_are_not_decided() -> None:
    assert decide_group("pytest11", MYFLASK_MAP, None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("flask.cli:main", "vial.cli:main"),
        ("flask.cli : FlaskGroup [dotenv]", "vial.cli : VialGroup [dotenv]"),
        ("flask.cli", "vial.cli"),
        ("flask_login.cli:main", None),
        ("not a reference!", None),
    ],
)
def test_rename_reference(value: str, expected: str | None) -> None:
    assert rename_reference(value, FLASK_VIAL) == expected


def test_rename_definition() -> None:
    assert rename_definition("serve = flask.cli:main", FLASK_VIAL) == "serve = vial.cli:main"
    assert rename_definition("serve = myapp.cli:main", FLASK_VIAL) is None
    assert rename_definition("no equals sign", FLASK_VIAL) is None
