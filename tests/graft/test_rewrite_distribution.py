"""Distribution metadata of a package that is not installed: case 37 and 38 of REWRITE_CASES.md.

A fork (or a vendored patch) carries ``_graft_distribution.py``: the upstream's metadata
under the package's import name, answered through a ``sys.meta_path`` finder added when
the package is imported. The rewriter points lookups of the old distribution
(``version("werkzeug")``, ``metadata("attrs")``, ``pkg_resources.get_distribution(...)``)
at that name, in the fork and in its clients; what cannot be answered (files) is
reported. These tests run the generated module in real interpreters where the original
is not installed, and the lookups through ``importlib.metadata`` and ``pkg_resources``.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rewrite_helpers import assert_rewrite, kinds

import vial
from graft.rewrite import Renames, RewriteOptions, rewrite_tree
from graft.rewrite.distribution import (
    REGISTRATION,
    add_registration,
    metadata_for,
    metadata_headers,
    module_source,
    normalize,
    recorded_upstream,
)

WERKZEUG = RewriteOptions(distribution_names=(("Werkzeug", "mywerk"),))
ATTRS = RewriteOptions(distribution_names=(("attrs", "myattr"),))

# (id, before, after) with werkzeug=mywerk and the Werkzeug distribution answered by mywerk.
RENAMED = [
    (
        "version",
        'import importlib.metadata\nimportlib.metadata.version("werkzeug")\n',
        'import importlib.metadata\nimportlib.metadata.version("mywerk")\n',
    ),
    (
        "capitalised-name",
        'from importlib.metadata import version\nversion("Werkzeug")\n',
        'from importlib.metadata import version\nversion("mywerk")\n',
    ),
    (
        "metadata-and-requires",
        'from importlib import metadata\nmetadata.metadata("werkzeug")\nmetadata.requires("werkzeug")\n',
        'from importlib import metadata\nmetadata.metadata("mywerk")\nmetadata.requires("mywerk")\n',
    ),
    (
        "distribution-from-name",
        "from importlib.metadata import Distribution, distribution\n"
        'Distribution.from_name("werkzeug")\ndistribution("werkzeug").version\n',
        "from importlib.metadata import Distribution, distribution\n"
        'Distribution.from_name("mywerk")\ndistribution("mywerk").version\n',
    ),
    (
        "backport",
        'import importlib_metadata\nimportlib_metadata.version("werkzeug")\n',
        'import importlib_metadata\nimportlib_metadata.version("mywerk")\n',
    ),
    (
        "pkg-resources",
        'import pkg_resources\npkg_resources.get_distribution("werkzeug").version\n',
        'import pkg_resources\npkg_resources.get_distribution("mywerk").version\n',
    ),
]

# Code that must not change.
KEPT = [
    (
        "another-distribution",
        'import importlib.metadata\nimport werkzeug\nimportlib.metadata.version("markupsafe")\n',
    ),
    ("not-a-lookup", 'import werkzeug\nNAME = "Werkzeug"\n'),
]


@pytest.mark.parametrize(("case", "before", "after"), RENAMED, ids=[r[0] for r in RENAMED])
def test_lookups_point_at_the_package_that_answers(case: str, before: str, after: str) -> None:
    assert_rewrite(before, after, "werkzeug=mywerk", options=WERKZEUG)


@pytest.mark.parametrize(("case", "code"), KEPT, ids=[r[0] for r in KEPT])
def test_other_strings_kept(case: str, code: str) -> None:
    result = assert_rewrite(
        code, code.replace("import werkzeug", "import mywerk"), "werkzeug=mywerk", options=WERKZEUG
    )
    assert result.findings == ()


def test_distribution_named_unlike_the_package() -> None:
    """attrs is the distribution of ``attr``: found by name from the upstream's metadata."""
    assert_rewrite(
        """
        from importlib.metadata import metadata

        def __getattr__(name):
            return metadata("attrs")["version"]
        """,
        """
        from importlib.metadata import metadata

        def __getattr__(name):
            return metadata("myattr")["version"]
        """,
        "attr=myattr",
        options=ATTRS,
    )


def test_files_cannot_be_answered() -> None:
    result = assert_rewrite(
        'import importlib.metadata\nimportlib.metadata.files("werkzeug")\n',
        'import importlib.metadata\nimportlib.metadata.files("mywerk")\n',
        "werkzeug=mywerk",
        options=WERKZEUG,
    )
    assert kinds(result) == [(2, "distribution")]
    assert "gives None" in result.findings[0].message


def test_without_an_answer_the_lookup_is_reported() -> None:
    """Nothing declared: the lookup stays and the report says what it does after the rename."""
    code = 'import importlib.metadata\nimportlib.metadata.version("werkzeug")\n'
    result = assert_rewrite(code, code, "werkzeug=mywerk")
    assert kinds(result) == [(2, "distribution")]
    assert "answers for the original" in result.findings[0].message


def test_option_names_are_normalized() -> None:
    assert RewriteOptions(distribution_names=(("Flask-Login", "x"),)).distribution_names == (
        ("flask_login", "x"),
    )
    assert normalize("Jinja2") == "jinja2" and normalize("zope.interface") == "zope_interface"


# -- the generated module ------------------------------------------------------------

WERKZEUG_METADATA = textwrap.dedent(
    """\
    Metadata-Version: 2.1
    Name: Werkzeug
    Version: 3.1.3
    Summary: The comprehensive WSGI web application library.
    Requires-Python: >=3.9
    Requires-Dist: MarkupSafe>=2.1.1
    Requires-Dist: watchdog>=2.3 ; extra == "watchdog"
    Project-URL: Source, https://github.com/pallets/werkzeug/
    Classifier: Development Status :: 5 - Production/Stable
      continued

    # Werkzeug

    The long description is not carried.
    """
)


def test_metadata_keeps_the_headers_under_the_new_name() -> None:
    text = metadata_for("mywerk", "3.1.3", WERKZEUG_METADATA)
    headers = metadata_headers(text)
    assert ("Name", "mywerk") in headers and ("Version", "3.1.3") in headers
    assert ("Requires-Dist", "MarkupSafe>=2.1.1") in headers
    assert "long description" not in text
    assert metadata_for("x", "1.0", None) == "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"", REGISTRATION.encode() + b"\n"),
        (b"import os\n", REGISTRATION.encode() + b"\nimport os\n"),
        (
            b'"""Doc."""\nfrom __future__ import annotations\n\nimport os\n',
            b'"""Doc."""\nfrom __future__ import annotations\n'
            + REGISTRATION.encode()
            + b"\n\nimport os\n",
        ),
        (
            b"# -*- coding: utf-8 -*-\r\nimport os\r\n",
            b"# -*- coding: utf-8 -*-\r\n" + REGISTRATION.encode() + b"\r\nimport os\r\n",
        ),
        (b'"""Only a docstring."""', b'"""Only a docstring."""\n' + REGISTRATION.encode() + b"\n"),
    ],
)
def test_registration_goes_before_the_package_code(before: bytes, after: bytes) -> None:
    assert add_registration(before) == after
    assert add_registration(after) == after, "idempotent"


def _package(root: Path, name: str, init: str, metadata: str, upstream: str) -> None:
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_bytes(add_registration(init.encode()))
    (package / "_graft_distribution.py").write_bytes(
        module_source(name, name, upstream, metadata_for(name, "0", metadata))
    )


def _run(root: Path, code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
        cwd=root,
        env={**env, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_generated_module_answers_in_a_real_interpreter(tmp_path: Path) -> None:
    """``import mywerk`` where no Werkzeug-named ``mywerk`` is installed: every lookup answers."""
    _package(
        tmp_path,
        "mywerk",
        '"""A fork."""\n\ndef __getattr__(name):\n    import importlib.metadata\n'
        '    return importlib.metadata.version("mywerk")\n',
        WERKZEUG_METADATA,
        "Werkzeug",
    )
    out = _run(
        tmp_path,
        """
        import importlib.metadata as m
        import mywerk
        print(mywerk.__version__)
        print(m.metadata("mywerk")["Summary"])
        print(m.requires("mywerk")[0])
        print(m.files("mywerk"))
        print(m.packages_distributions()["mywerk"])
        print(sum(d.metadata["Name"] == "mywerk" for d in m.distributions()))
        import pkg_resources
        print(pkg_resources.get_distribution("mywerk").version)
        """,
    )
    assert out.split("\n")[:7] == [
        "3.1.3",
        "The comprehensive WSGI web application library.",
        "MarkupSafe>=2.1.1",
        "None",
        "['mywerk']",
        "1",
        "3.1.3",
    ]


def test_pkg_resources_imported_first(tmp_path: Path) -> None:
    _package(tmp_path, "myattr", "", "Name: attrs\nVersion: 24.2.0\n", "attrs")
    out = _run(
        tmp_path,
        """
        import pkg_resources
        import myattr
        print(pkg_resources.get_distribution("myattr").version)
        """,
    )
    assert out.strip() == "24.2.0"


def test_an_installed_distribution_of_the_same_name_wins(tmp_path: Path) -> None:
    """The finder comes after the real ones: a vendored patch never hides its installed original."""
    _package(tmp_path, "pytest", "", "Name: pytest\nVersion: 0.0.1\n", "pytest")
    out = _run(
        tmp_path,
        """
        import importlib.metadata as m, sys
        sys.path.insert(0, ".")
        import pytest
        print(m.version("pytest") != "0.0.1")
        """,
    )
    assert out.strip() == "True"


def test_recorded_upstream_is_read_back(tmp_path: Path) -> None:
    _package(tmp_path, "myattr", "", "Name: attrs\nVersion: 24.2.0\n", "attrs")
    assert recorded_upstream(tmp_path / "myattr") == "attrs"
    assert recorded_upstream(tmp_path) is None


def test_module_source_is_deterministic() -> None:
    text = metadata_for("mywerk", "3.1.3", WERKZEUG_METADATA)
    assert module_source("mywerk", "mywerk", "Werkzeug", text) == module_source(
        "mywerk", "mywerk", "Werkzeug", text
    )
    compile(module_source("mywerk", "mywerk", "Werkzeug", text), "<generated>", "exec")


# -- vial answers as the Flask API it follows --------------------------------------------


def test_vial_answers_as_the_flask_api_level(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        """
        import importlib.metadata as m
        import vial
        print(m.version("vial"), vial.__flask_version__)
        """,
    )
    version, flask_version = out.split()
    assert version == flask_version == vial.__flask_version__


def test_a_fork_of_vial_answers_for_its_own_name(tmp_path: Path) -> None:
    """The module derives its name from the package: a renamed copy answers for the new name."""
    fork = tmp_path / "acme_web"
    shutil.copytree(Path(vial.__file__).parent, fork)
    rewrite_tree([fork], Renames.parse(["vial=acme_web"]))
    out = _run(
        tmp_path,
        """
        import importlib.metadata as m
        import acme_web
        print(m.version("acme_web"))
        """,
    )
    assert out.strip() == vial.__flask_version__


def test_profile_client_reads_the_flask_api_level(tmp_path: Path) -> None:
    """A Flask extension's test, rewritten with the profile, runs where Flask is not installed."""
    from click.testing import CliRunner

    from graft.cli import main

    test = tmp_path / "check.py"
    test.write_text(
        "import importlib.metadata\nimport flask\n"
        'FLASK_VERSION = importlib.metadata.version("flask")\nprint(FLASK_VERSION)\n'
    )
    result = CliRunner().invoke(main, ["rewrite", str(test), "--profile", "flask-vial"])
    assert result.exit_code == 0, result.stderr
    assert 'version("vial")' in test.read_text()
    blocker = "import sys; sys.modules['flask'] = None; exec(open('check.py').read())"
    assert _run(tmp_path, blocker).strip() == vial.__flask_version__


# -- vial's own module and the template stay one finder ----------------------------------


def _finder_parts(source: str | bytes) -> dict[str, str]:
    """The parts of a ``_graft_distribution`` module that find and answer lookups, dumped.

    Those are the same in graft's template and in the copy vial ships; what each answers
    with (the metadata, the module's prose) is not compared.
    """
    tree = ast.parse(source)
    parts: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in ("_normalize", "locate_file"):
            parts[node.name] = ast.dump(node)
        elif isinstance(node, ast.ClassDef) and node.name == "_Finder":
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("find_"):
                    parts[f"_Finder.{item.name}"] = ast.dump(item)
                elif isinstance(item, ast.Assign):
                    parts[f"_Finder.{ast.unparse(item.targets[0])}"] = ast.dump(item)
        elif isinstance(node, ast.If):
            # The guard against a second finder for the same name (on a re-import).
            test = ast.unparse(node.test).removeprefix("not ")
            if test.startswith("any(") and "graft_distribution" in test:
                parts["registered"] = test
    return parts


def test_vial_module_keeps_the_template_s_finder() -> None:
    """vial ships its own ``_graft_distribution.py`` (graft keeps it when forking vial): it
    answers with the Flask API level read from the package when asked, not with metadata
    written in. Its finder is the template's, part for part, so a fix to one reaches both."""
    shipped = (Path(vial.__file__).parent / "_graft_distribution.py").read_text("utf-8")
    text = metadata_for("mywerk", "3.1.3", WERKZEUG_METADATA)
    generated = module_source("mywerk", "mywerk", "Werkzeug", text)
    parts = _finder_parts(generated)
    assert set(parts) == {
        "_normalize",
        "locate_file",
        "_Finder.graft_distribution",
        "_Finder.find_spec",
        "_Finder.find_distributions",
        "registered",
    }
    assert _finder_parts(shipped) == parts
