"""Code inside strings and computed module names: cases 35, 36, 41 and 43 of REWRITE_CASES.md.

The rule, as a table. A string literal (text or bytes, an implicit concatenation, the
literal parts of an f-string) that mentions the old package is

* **renamed as code** when its value parses as Python and is more than a bare dotted
  path (the whole engine rewrites it: imports, the chains they bind, module strings in
  it), or when it reads as Python tokens with an import statement at the start of a
  statement (``"from flask.runtime import "`` + names) or ``__import__('...')``: the
  module paths and the names those imports bind are renamed;
* **reported** (file:line, nothing changed) when it is code but the change cannot be
  made safely: a message that quotes code (print, logging, an exception), a name spelled
  with an escape, a use of the package the code does not import;
* **left alone** when it is not code: prose, log text, protocol keys, lookalike names.

A computed module name whose static head is a module path of the package
(``f"flask.{x}"``, ``"flask." + x``, ``"flask.%s" % x``) has the head renamed in a module
position, or where the head is a module of the tree being rewritten; elsewhere it is
reported with what fails if it stays.

Every row is checked with :func:`assert_rewrite`, which also checks determinism and
idempotence.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rewrite_helpers import assert_rewrite, dedent, kinds

from graft.rewrite import Renames, RewriteOptions, rewrite_source

# (id, before, after): rewritten with flask=myflask.
RENAMED = [
    (
        "module-source-written-by-a-test",
        'path.write_text("import flask\\napp = flask.Flask(__name__)\\n")\n',
        'path.write_text("import myflask\\napp = myflask.Flask(__name__)\\n")\n',
    ),
    (
        "triple-quoted-module-source",
        'SOURCE = """\nfrom flask import Flask\napp = Flask(__name__)\n"""\n',
        'SOURCE = """\nfrom myflask import Flask\napp = Flask(__name__)\n"""\n',
    ),
    (
        "python-c-argv",
        'run([sys.executable, "-c", "import flask; print(flask.__file__)"])\n',
        'run([sys.executable, "-c", "import myflask; print(myflask.__file__)"])\n',
    ),
    (
        "code-generation-fragment",
        'writer.write("from flask.runtime import " + ", ".join(names))\n',
        'writer.write("from myflask.runtime import " + ", ".join(names))\n',
    ),
    (
        "dunder-import-in-generated-code",
        "lines.append(\"__import__('flask._make')\")\n",
        "lines.append(\"__import__('myflask._make')\")\n",
    ),
    (
        "import-module-in-generated-code",
        "code = \"importlib.import_module('flask.json')\"\n",
        "code = \"importlib.import_module('myflask.json')\"\n",
    ),
    (
        "bytes",
        'handle.write(b"import flask\\n")\n',
        'handle.write(b"import myflask\\n")\n',
    ),
    (
        "implicit-concatenation-across-parts",
        'src = ("import flask\\n"\n       "app = flask.Flask(1)\\n")\n',
        'src = ("import myflask\\n"\n       "app = myflask.Flask(1)\\n")\n',
    ),
    (
        "f-string-literal-part",
        'line = f"from flask import {name}\\n"\n',
        'line = f"from myflask import {name}\\n"\n',
    ),
    (
        "template-with-percent-placeholders",
        'src = """\nimport flask\napp = flask.Flask(%r)\n""" % name\n',
        'src = """\nimport myflask\napp = myflask.Flask(%r)\n""" % name\n',
    ),
    (
        "alias-kept-in-code",
        'src = "import flask as f\\nf.Flask"\n',
        'src = "import myflask as f\\nf.Flask"\n',
    ),
    (
        "escaped-quotes-around-the-name",
        "src = 'import flask; flask.x(\\'a\\')'\n",
        "src = 'import myflask; myflask.x(\\'a\\')'\n",
    ),
    (
        "raw-string",
        "src = r\"import flask; flask.x(r'\\d')\"\n",
        "src = r\"import myflask; myflask.x(r'\\d')\"\n",
    ),
    (
        "crlf-inside-a-triple-quoted-string",
        'src = """\r\nimport flask\r\n"""\r\n',
        'src = """\r\nimport myflask\r\n"""\r\n',
    ),
    (
        "exec",
        'exec("from flask import json\\njson.dumps(1)")\n',
        'exec("from myflask import json\\njson.dumps(1)")\n',
    ),
    # Computed module names with a static head, in module positions (case 41).
    (
        "f-string-in-sys-modules",
        'import sys\nsys.modules[f"flask.packages.{mod}"] = module\n',
        'import sys\nsys.modules[f"myflask.packages.{mod}"] = module\n',
    ),
    (
        "concatenated-head-in-import-module",
        'import importlib\nimportlib.import_module("flask." + name)\n',
        'import importlib\nimportlib.import_module("myflask." + name)\n',
    ),
    (
        "percent-head-in-import-module",
        'import importlib\nimportlib.import_module("flask.%s" % name)\n',
        'import importlib\nimportlib.import_module("myflask.%s" % name)\n',
    ),
    # Strings that are module paths by their position (cases 15, 41).
    (
        "find-modules",
        'find_modules("flask.debug", include_packages=True)\n',
        'find_modules("myflask.debug", include_packages=True)\n',
    ),
    (
        "jinja-extensions-keyword",
        'Environment(extensions=["flask.ext.i18n", "other.ext"])\n',
        'Environment(extensions=["myflask.ext.i18n", "other.ext"])\n',
    ),
    (
        "jinja-options-extensions-key",
        'jinja_options = {"extensions": ["flask.ext.do"]}\n',
        'jinja_options = {"extensions": ["myflask.ext.do"]}\n',
    ),
    (
        "add-extension",
        'env.add_extension("flask.ext.loopcontrols")\n',
        'env.add_extension("myflask.ext.loopcontrols")\n',
    ),
    (
        "shared-data-middleware-exports",
        'SharedDataMiddleware(app, {"/static": ("flask", "static")})\n',
        'SharedDataMiddleware(app, {"/static": ("myflask", "static")})\n',
    ),
    (
        "python-dash-m-in-argv",
        'subprocess.run([sys.executable, "-m", "flask", "routes"])\n',
        'subprocess.run([sys.executable, "-m", "myflask", "routes"])\n',
    ),
]

# (id, code): never changed and never reported.
UNTOUCHED = [
    ("url", 'url = "https://flask.palletsprojects.com/api/"\n'),
    ("log-text", 'logger.info("flask %s started", version)\n'),
    ("prose-with-import-word", 'hint = "run pip install flask, then import flask in your app"\n'),
    ("sentence-starting-with-import", 'hint = "import flask to get started"\n'),
    ("lookalike-package-in-code", 'src = "import flask_login\\nflask_login.x"\n'),
    ("relative-import-in-code", 'src = "from .flask import x"\n'),
    ("other-package-in-code", 'src = "import flaskx\\nflaskx.y"\n'),
    ("doctest-looking-text-outside-a-docstring", 'text = """\n>>> import os\n"""\n'),
    ("flask-word-in-fstring-prose", 'msg = f"{name} uses flask"\n'),
]

# (id, code, kinds): left unchanged and reported.
REPORTED = [
    (
        "message-quoting-code",
        'raise RuntimeError("import flask\\nflask.x()")\n',
        [(1, "string")],
    ),
    (
        "print-of-code",
        'print("from flask import Flask")\n',
        [(1, "string")],
    ),
    (
        "code-using-the-package-without-importing-it",
        'eval("flask.Flask(__name__)", namespace)\n',
        [(1, "string")],
    ),
    (
        "name-spelled-with-an-escape",
        'src = "import flask\\nfl\\x61sk.Flask()"\n',
        [(1, "string")],
    ),
    (
        "environ-key",
        'environ["werkzeug.request"]\n',
        [(1, "string")],
    ),
    (
        "f-string-head-in-an-unknown-position",
        'name = f"flask.{mod}"\n',
        [(1, "dynamic-import")],
    ),
    (
        # werkzeug's Local: a name, not an import (reported as a string, not a computed import).
        "f-string-context-variable-name",
        'import contextvars\nvar = contextvars.ContextVar(f"werkzeug.Local<{id(self)}>.storage")\n',
        [(2, "string")],
    ),
    (
        "f-string-logger-name",
        'import logging\nlog = logging.getLogger(f"flask-{name}")\n',
        [(2, "string")],
    ),
]


@pytest.mark.parametrize(("case", "before", "after"), RENAMED, ids=[row[0] for row in RENAMED])
def test_renamed(case: str, before: str, after: str) -> None:
    result = assert_rewrite(before, after)
    assert result.status == "changed", case


@pytest.mark.parametrize(("case", "code"), UNTOUCHED, ids=[row[0] for row in UNTOUCHED])
def test_untouched(case: str, code: str) -> None:
    result = assert_rewrite(code, code, ["flask=myflask", "werkzeug=myzeug"])
    assert result.findings == (), case


@pytest.mark.parametrize(("case", "code", "expected"), REPORTED, ids=[row[0] for row in REPORTED])
def test_reported(case: str, code: str, expected: list[tuple[int, str]]) -> None:
    # flask=vial: a rename that replaces the name rather than prefixing it.
    result = assert_rewrite(code, code, ["flask=vial", "werkzeug=myzeug"])
    assert kinds(result) == expected, case


def test_escaped_name_renamed_where_only_a_prefix_is_added() -> None:
    """``fl\\x61sk`` becomes ``myfl\\x61sk``: the escape is kept, the value is right."""
    assert_rewrite(
        'src = "import flask\\nfl\\x61sk.Flask()"\n',
        'src = "import myflask\\nmyfl\\x61sk.Flask()"\n',
    )


def test_finding_inside_a_long_string_points_at_its_own_line() -> None:
    result = assert_rewrite(
        'src = """\nimport flask\nflask.json.x = __import__(base)\n"""\n',
        'src = """\nimport myflask\nmyflask.json.x = __import__(base)\n"""\n',
    )
    assert kinds(result) == [(3, "dynamic-import")]
    assert result.findings[0].message.startswith("in code in a string: __import__()")


def test_symbol_maps_apply_inside_code() -> None:
    """A symbol map renames the imported name and its uses in the string's code, as in a file."""
    assert_rewrite(
        'src = "from flask import Flask\\napp = Flask(__name__)\\n"\n',
        'src = "from vial import Vial\\napp = Vial(__name__)\\n"\n',
        ["flask=vial", "flask.Flask=vial.Vial"],
    )


def test_symbol_maps_apply_inside_fragments() -> None:
    """The same in a fragment that does not parse (a %-template)."""
    assert_rewrite(
        'src = "from flask import Flask\\napp = Flask(%r)\\n" % name\n',
        'src = "from vial import Vial\\napp = Vial(%r)\\n" % name\n',
        ["flask=vial", "flask.Flask=vial.Vial"],
    )


def test_jinja_generated_runtime_import() -> None:
    """What jinja2's compiler emits: the import prefix and an f-string with the module path."""
    assert_rewrite(
        """
        class CodeGenerator:
            def visit_Template(self, node):
                self.writeline("from jinja2.runtime import " + ", ".join(exported_names))
                self.writeline(f"from jinja2.runtime import {', '.join(names)}")
        """,
        """
        class CodeGenerator:
            def visit_Template(self, node):
                self.writeline("from myjinja.runtime import " + ", ".join(exported_names))
                self.writeline(f"from myjinja.runtime import {', '.join(names)}")
        """,
        "jinja2=myjinja",
    )


def test_attrs_generated_cache_hash() -> None:
    """What attrs generates for ``cache_hash=True``: a module path inside generated code."""
    assert_rewrite(
        """
        def _make_hash(cls):
            hash_def = "def __hash__(self"
            method_lines = [hash_def + "):"]
            type_hash = hash(_generate_unique_filename(cls, "hash"))
            hash_func = "hash(("
            closing_braces = "))"
            method_lines.append(
                "if self.__attrs_hash_cache__ is None:"
            )
            globs = {"_cache_wrapper": __import__('attr._make')}
            code = "__import__('attr._make')._cache_wrapper"
        """,
        """
        def _make_hash(cls):
            hash_def = "def __hash__(self"
            method_lines = [hash_def + "):"]
            type_hash = hash(_generate_unique_filename(cls, "hash"))
            hash_func = "hash(("
            closing_braces = "))"
            method_lines.append(
                "if self.__attrs_hash_cache__ is None:"
            )
            globs = {"_cache_wrapper": __import__('myattr._make')}
            code = "__import__('myattr._make')._cache_wrapper"
        """,
        "attr=myattr",
    )


def test_requests_packages_aliases() -> None:
    """requests registers ``requests.packages.*`` aliases with f-strings in sys.modules."""
    assert_rewrite(
        """
        import sys
        for package in ("urllib3", "idna"):
            for mod in list(sys.modules):
                if mod == package or mod.startswith(f"{package}."):
                    sys.modules[f"requests.packages.{mod}"] = sys.modules[mod]
        """,
        """
        import sys
        for package in ("urllib3", "idna"):
            for mod in list(sys.modules):
                if mod == package or mod.startswith(f"{package}."):
                    sys.modules[f"myrequests.packages.{mod}"] = sys.modules[mod]
        """,
        "requests=myrequests",
    )


def test_static_head_in_an_unknown_position_renamed_when_it_is_a_module_of_the_tree() -> None:
    """``name = f"requests.packages.{mod}"``: renamed where the tree has requests.packages."""
    code = 'name = f"requests.packages.{mod}"\nother = "requests.adapters." + mod\n'
    renames = Renames.parse(["requests=myrequests"])
    known = frozenset({"requests", "requests.packages", "requests.adapters"})
    result = rewrite_source(code, renames, known_modules=known)
    assert result.code == (
        'name = f"myrequests.packages.{mod}"\nother = "myrequests.adapters." + mod\n'
    )
    # The fork's own module names (already renamed) count as well.
    renamed_known = frozenset({"myrequests", "myrequests.packages", "myrequests.adapters"})
    assert rewrite_source(code, renames, known_modules=renamed_known).code == result.code
    assert rewrite_source(code, renames).code == code, "unknown tree: reported, not renamed"


def test_static_head_kept_when_a_deeper_map_decides() -> None:
    """With ``flask.json=myflask.codec`` the computed tail may be ``json``: reported."""
    code = 'import importlib\nimportlib.import_module(f"flask.{name}")\n'
    result = assert_rewrite(code, code, ["flask=myflask", "flask.json=myflask.codec"])
    assert kinds(result) == [(2, "dynamic-import")]
    assert "a deeper map" in result.findings[0].message


def test_symbol_maps_do_not_block_a_static_head() -> None:
    """flask-vial's class maps are not modules a computed name can reach."""
    assert_rewrite(
        'import importlib\nimportlib.import_module(f"flask.{name}")\n',
        'import importlib\nimportlib.import_module(f"vial.{name}")\n',
        ["flask=vial", "flask.Flask=vial.Vial", "flask.__version__=vial.__flask_version__"],
    )


def test_report_says_what_fails() -> None:
    result = rewrite_source('name = f"flask.{mod}"\n', Renames.parse(["flask=myflask"]))
    message = result.findings[0].message
    assert "ModuleNotFoundError once flask is uninstalled" in message
    assert "a second copy" in message


# -- docstrings of a fork (case 43) ---------------------------------------------------

DOCSTRING_BEFORE = '''
def view():
    """Return a JSON response with :func:`flask.json.dumps`.

    flask is a microframework; see https://flask.palletsprojects.com and flask.cfg.
    Use ``flask.json`` or :mod:`flask`, not ``flask_login``.

    >>> import flask
    >>> app = flask.Flask("x")
    >>> app.name
    'flask.app'

    Example::

        from flask import json
        json.dumps(1)

    .. code-block:: python

        import flask.json as fj

    .. code-block:: bash

        $ python -c "import flask"
    """
'''

DOCSTRING_AFTER = '''
def view():
    """Return a JSON response with :func:`myflask.json.dumps`.

    flask is a microframework; see https://flask.palletsprojects.com and flask.cfg.
    Use ``myflask.json`` or :mod:`myflask`, not ``flask_login``.

    >>> import myflask
    >>> app = myflask.Flask("x")
    >>> app.name
    'myflask.app'

    Example::

        from myflask import json
        json.dumps(1)

    .. code-block:: python

        import myflask.json as fj

    .. code-block:: bash

        $ python -c "import flask"
    """
'''


def test_fork_docstrings_follow_the_code_not_the_prose() -> None:
    """``docstrings="code"``: doctests, Python code blocks, module paths; not prose, URLs, files, shell."""
    assert_rewrite(DOCSTRING_BEFORE, DOCSTRING_AFTER, options=RewriteOptions(docstrings="code"))


def test_graft_rewrite_keeps_docstrings_by_default() -> None:
    """Application code keeps today's default: docstrings are prose (case 26)."""
    assert_rewrite(DOCSTRING_BEFORE, DOCSTRING_BEFORE)


def test_docstrings_all_renames_every_mention() -> None:
    result = rewrite_source(
        dedent(DOCSTRING_BEFORE),
        Renames.parse(["flask=myflask"]),
        options=RewriteOptions(docstrings="all"),
    )
    assert "myflask is a microframework" in result.code


def test_docstring_options_read_old_booleans() -> None:
    """Manifests written before the three-way policy recorded a boolean."""
    assert RewriteOptions.from_dict({"docstrings": True}).docstrings == "all"
    assert RewriteOptions.from_dict({"docstrings": False}).docstrings == "keep"
    with pytest.raises(ValueError, match="docstrings must be"):
        RewriteOptions(docstrings="some")  # type: ignore[arg-type]


def test_doctest_examples_share_one_namespace() -> None:
    """An import in one example binds the name for the next ones, as doctest runs them."""
    assert_rewrite(
        '''
        """
        >>> import flask
        >>> with flask.Flask("a").app_context():
        ...     flask.current_app.name
        'a'
        """
        ''',
        '''
        """
        >>> import myflask
        >>> with myflask.Flask("a").app_context():
        ...     myflask.current_app.name
        'a'
        """
        ''',
        options=RewriteOptions(docstrings="code"),
    )


def test_markdown_fences_in_docstrings() -> None:
    assert_rewrite(
        '"""Usage:\n\n```python\nimport flask\n```\n\n```console\n$ flask run\n```\n"""\n',
        '"""Usage:\n\n```python\nimport myflask\n```\n\n```console\n$ flask run\n```\n"""\n',
        options=RewriteOptions(docstrings="code"),
    )


# -- module paths of the renamed tree, reprs (found on werkzeug's and bottle's suites) -------


def test_exact_submodule_of_the_renamed_tree_is_a_module_path() -> None:
    """werkzeug's suite: expected find_modules() results, an exports tuple built by a helper."""
    known = frozenset({"werkzeug", "werkzeug.debug", "werkzeug.debug.console"})
    code = dedent(
        """
        assert list(find_modules("werkzeug.debug")) == ["werkzeug.debug.console"]
        exports = t([("/pkg", ("werkzeug.debug", "shared"))])
        environ["werkzeug.request"] = request
        session["framework"] = "werkzeug"
        """
    )
    result = rewrite_source(code, Renames.parse(["werkzeug=myzeug"]), known_modules=known)
    assert result.code == code.replace('"werkzeug.debug', '"myzeug.debug')
    # Not modules: an environ key and a bare top-level name stay, reported as before.
    assert kinds(result) == [(3, "string"), (4, "string")]


def test_unknown_tree_keeps_reporting_exact_paths() -> None:
    code = 'EXPECTED = ["werkzeug.debug.console"]\n'
    result = assert_rewrite(code, code, "werkzeug=myzeug")
    assert kinds(result) == [(1, "string")]


def test_graft_rewrite_knows_the_modules_of_the_installed_original(tmp_path: Path) -> None:
    """The CLI hands the engine the modules of the installed package (found, not imported)."""
    from click.testing import CliRunner

    from graft.cli import main

    (tmp_path / "test_x.py").write_text('MODS = ["jinja2.sandbox", "jinja2.request"]\n')
    result = CliRunner().invoke(main, ["rewrite", str(tmp_path), "--map", "jinja2=myjinja"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "test_x.py").read_text() == (
        'MODS = ["myjinja.sandbox", "jinja2.request"]\n'
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "self.assertBody(\"<class 'bottle.HTTPError'>\", '/')\n",
            "self.assertBody(\"<class 'mybottle.HTTPError'>\", '/')\n",
        ),
        (
            "assert repr(m).startswith(\"<module 'bottle.ext'\")\n",
            "assert repr(m).startswith(\"<module 'mybottle.ext'\")\n",
        ),
        (
            'expected = f"<function bottle.route at {hex(id(f))}>"\n',
            'expected = f"<function mybottle.route at {hex(id(f))}>"\n',
        ),
    ],
)
def test_reprs_in_expectations_follow_the_rename(before: str, after: str) -> None:
    """bottle's suite compares a class's repr: the fork's classes print their new module."""
    assert_rewrite(before, after, "bottle=mybottle")


def test_escaped_module_paths_in_patterns() -> None:
    """jinja2's suite matches tracebacks with ``(jinja2\\.exceptions\\.)?``: the module follows."""
    renames = Renames.parse(["jinja2=myjinja"])
    known = frozenset({"jinja2", "jinja2.exceptions"})
    code = dedent(
        r"""
        assert re.search(r"(jinja2\.exceptions\.)?TemplateSyntaxError: wtf", tb)
        assert re.search("(jinja2\\.exceptions\\.)?TemplateSyntaxError", tb)
        NOT_A_MODULE = r"jinja2\.unknown\.thing"
        """
    )
    result = rewrite_source(code, renames, known_modules=known)
    assert result.code == code.replace("(jinja2", "(myjinja")
    assert rewrite_source(code, renames).code == code, "unknown tree: left alone"
    assert rewrite_source(result.code, renames, known_modules=known).code == result.code


def test_fstring_names_are_not_called_imports() -> None:
    """A logger's or context variable's f-string name imports nothing, and says so; an
    f-string module name whose literal parts name no old package is a computed name like
    any other, and says that."""
    result = assert_rewrite(
        'import contextvars\nv = contextvars.ContextVar(f"werkzeug.Local<{x}>")\n',
        'import contextvars\nv = contextvars.ContextVar(f"werkzeug.Local<{x}>")\n',
        "werkzeug=myzeug",
    )
    assert result.findings[0].message == (
        "a context variable name built with an f-string keeps the old package's name; left "
        "unchanged (a name, not an import: it no longer follows the package's name)"
    )
    # requests' packages.py, forked: the alias it registers names the fork already.
    code = 'import sys\n# requests\nsys.modules[f"myrequests.packages.{mod}"] = m\n'
    result = assert_rewrite(code, code, "requests=myrequests")
    assert [f.message for f in result.findings] == [
        "an f-string with a computed module name cannot be renamed; left as is, it may import "
        "the original package: check it by hand"
    ]
    code = 'import importlib\nimportlib.import_module(f"x werkzeug.{mod}")\n'
    result = assert_rewrite(code, code, "werkzeug=myzeug")
    assert result.findings[0].message.startswith("a module name built with an f-string cannot")


# Code in strings that does not parse as a whole (a fragment: tier 2), and maps whose new
# name has more parts than the old one.
FRAGMENTS = [
    (
        "import-module-call-in-a-fragment",
        "flask=myflask",
        "CODE = \"import flask.json; x = (importlib.import_module('flask.cli')\"\n",
        "CODE = \"import myflask.json; x = (importlib.import_module('myflask.cli')\"\n",
    ),
    (
        "dunder-import-after-a-from-import",
        "flask=myflask",
        "CODE = \"from flask import json; __import__('flask.cli') + (\"\n",
        "CODE = \"from myflask import json; __import__('myflask.cli') + (\"\n",
    ),
    (
        "aliases-and-the-chains-they-bind",
        "flask=myflask",
        'CODE = "import flask.json as j, flask; j.x + flask.cli.main() + ("\n',
        'CODE = "import myflask.json as j, myflask; j.x + myflask.cli.main() + ("\n',
    ),
    (
        "deeper-name-in-a-fragment",
        "flask=my.flask",
        'CODE = "import flask\\nflask.json.dumps(1) + ("\n',
        'CODE = "import my.flask\\nmy.flask.json.dumps(1) + ("\n',
    ),
    (
        # The import gains a part: no stray space may be left before the old name.
        "deeper-name-in-parsed-code",
        "flask=my.flask",
        'CODE = "import flask\\nflask.json.dumps(1)"\n',
        'CODE = "import my.flask\\nmy.flask.json.dumps(1)"\n',
    ),
    (
        "relative-import-is-not-the-package",
        "flask=myflask",
        'CODE = "from . import flask; ("\n',
        'CODE = "from . import flask; ("\n',
    ),
]


@pytest.mark.parametrize(
    ("case", "maps", "before", "after"), FRAGMENTS, ids=[row[0] for row in FRAGMENTS]
)
def test_fragments(case: str, maps: str, before: str, after: str) -> None:
    result = assert_rewrite(before, after, maps)
    assert result.findings == (), case


def test_a_chain_spelled_with_spaces_is_reported() -> None:
    """``flask . json`` cannot be respelled as ``my.flask.json`` in place: said, not left silently."""
    result = assert_rewrite(
        'CODE = "import flask\\nflask . json.dumps(1) + ("\n',
        'CODE = "import my.flask\\nflask . json.dumps(1) + ("\n',
        "flask=my.flask",
    )
    [finding] = result.findings
    assert (finding.line, finding.kind) == (1, "string")
    assert finding.message == (
        "code in a string spells flask.json.dumps with spaces around its dots; "
        "it must read my.flask.json.dumps after the rename: edit it by hand"
    )
