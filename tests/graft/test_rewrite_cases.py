"""One test per case of REWRITE_CASES.md (imports, bindings and strings), named after it.

The case number from the specification is in each docstring. Files, encodings and
packaging (cases 27-34) are in ``test_rewrite_files.py``.
"""

from __future__ import annotations

import pytest
from rewrite_helpers import assert_rewrite, dedent, kinds

from graft.rewrite import PROFILES, RewriteOptions, rewrite_source

SYMBOLS = ["flask=vial", "flask.Flask=vial.Vial"]


# -- imports and bindings -------------------------------------------------------


def test_import_and_every_reference_in_scope() -> None:
    """1."""
    assert_rewrite(
        """
        import flask

        app = flask.Flask(__name__)

        def view():
            return flask.jsonify(ok=True)
        """,
        """
        import myflask

        app = myflask.Flask(__name__)

        def view():
            return myflask.jsonify(ok=True)
        """,
    )


def test_dotted_import_binds_the_top_level_name() -> None:
    """2."""
    assert_rewrite(
        """
        import flask.json
        flask.json.dumps({})
        flask.Flask
        """,
        """
        import myflask.json
        myflask.json.dumps({})
        myflask.Flask
        """,
    )


def test_dotted_import_with_alias() -> None:
    """3."""
    assert_rewrite(
        "import flask.json as fj\nfj.dumps(1)\n", "import myflask.json as fj\nfj.dumps(1)\n"
    )


def test_alias_is_kept_and_its_uses_untouched() -> None:
    """4: libcst's RenameCommand turns ``fl.Flask`` into ``myflask.Flask`` (a NameError)."""
    assert_rewrite(
        "import flask as fl\napp = fl.Flask(__name__)\n",
        "import myflask as fl\napp = fl.Flask(__name__)\n",
    )


def test_unused_alias_is_kept() -> None:
    """5."""
    assert_rewrite("import flask as f2\n", "import myflask as f2\n")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("import flask, os\nflask.g\n", "import myflask, os\nmyflask.g\n"),
        ("import os, flask\nflask.g\n", "import os, myflask\nmyflask.g\n"),
        ("import os; import flask\nflask.g\n", "import os; import myflask\nmyflask.g\n"),
        (
            "try: import flask\nexcept ImportError: pass\n",
            "try: import myflask\nexcept ImportError: pass\n",
        ),
        ("if True: import flask; flask.g\n", "if True: import myflask; myflask.g\n"),
    ],
)
def test_import_among_other_imports_and_statements(before: str, after: str) -> None:
    """6: the forms vendoring's line regexes skip."""
    assert_rewrite(before, after)


def test_from_imports_names_aliases_star_and_submodules() -> None:
    """7."""
    assert_rewrite(
        """
        from flask import Flask, request as req
        from flask import *
        from flask.json import dumps
        from flask import (
            g,  # the app globals
            session,
        )
        """,
        """
        from myflask import Flask, request as req
        from myflask import *
        from myflask.json import dumps
        from myflask import (
            g,  # the app globals
            session,
        )
        """,
    )


def test_relative_imports_are_untouched() -> None:
    """8."""
    assert_rewrite(
        "from .app import Flask\nfrom . import flask\nfrom ..flask import x\nflask.x\n",
        "from .app import Flask\nfrom . import flask\nfrom ..flask import x\nflask.x\n",
    )


def test_try_import_except_fallback_renamed_consistently() -> None:
    """9."""
    assert_rewrite(
        """
        try:
            import flask
        except ImportError:
            flask = None

        def has_flask():
            return flask is not None and flask.Flask
        """,
        """
        try:
            import myflask
        except ImportError:
            myflask = None

        def has_flask():
            return myflask is not None and myflask.Flask
        """,
    )


def test_type_checking_and_function_local_imports() -> None:
    """10."""
    assert_rewrite(
        """
        import typing as t

        if t.TYPE_CHECKING:
            from flask import Flask
            import flask.wrappers

        def make() -> "Flask":
            import flask
            return flask.Flask(__name__)

        def response() -> "flask.wrappers.Response":
            ...
        """,
        """
        import typing as t

        if t.TYPE_CHECKING:
            from myflask import Flask
            import myflask.wrappers

        def make() -> "Flask":
            import myflask
            return myflask.Flask(__name__)

        def response() -> "myflask.wrappers.Response":
            ...
        """,
    )


def test_lookalike_names_stay() -> None:
    """11: ``flask_login``, ``flaskx``, a local module named flask."""
    assert_rewrite(
        """
        import flask_login, flaskx
        from flask_sqlalchemy import SQLAlchemy
        from cliapp.inner import flask
        import cliapp.inner.flask
        flask.create()
        x = "flask_login.utils"
        """,
        """
        import flask_login, flaskx
        from flask_sqlalchemy import SQLAlchemy
        from cliapp.inner import flask
        import cliapp.inner.flask
        flask.create()
        x = "flask_login.utils"
        """,
    )


def test_local_module_named_like_the_package_renamed_only_when_mapped() -> None:
    """11, second half: an explicit map reaches it."""
    assert_rewrite(
        "from cliapp.inner import flask\nflask.create()\n",
        "from cliapp.inner import vial\nvial.create()\n",
        ["flask=myflask", "cliapp.inner.flask=cliapp.inner.vial"],
    )


def test_names_shadowed_by_a_parameter_or_local_stay() -> None:
    """1/11: only references that resolve to the import change."""
    assert_rewrite(
        """
        import flask

        def f(flask):
            return flask.x

        class C:
            flask = 1
            def m(self):
                return flask.g

        def g():
            flask = object()
            return flask
        """,
        """
        import myflask

        def f(flask):
            return flask.x

        class C:
            flask = 1
            def m(self):
                return myflask.g

        def g():
            flask = object()
            return flask
        """,
    )


def test_submodule_reached_as_attribute() -> None:
    """12."""
    assert_rewrite(
        "import flask\nflask.json.dumps(1)\nflask.json.provider.DefaultJSONProvider\n",
        "import myflask\nmyflask.json.dumps(1)\nmyflask.json.provider.DefaultJSONProvider\n",
    )


def test_symbol_map_renames_import_and_bound_name_but_not_unrelated_local() -> None:
    """13."""
    assert_rewrite(
        """
        from flask import Flask, request

        app = Flask(__name__)

        class Custom(Flask):
            pass

        def factory():
            Flask = make_other()
            return Flask
        """,
        """
        from vial import Vial, request

        app = Vial(__name__)

        class Custom(Vial):
            pass

        def factory():
            Flask = make_other()
            return Flask
        """,
        SYMBOLS,
    )


def test_symbol_map_keeps_an_as_alias_and_follows_attribute_chains() -> None:
    """13: ``as`` alias kept; ``flask.Flask`` and ``fl.Flask`` respelled."""
    assert_rewrite(
        """
        from flask import Flask as App
        import flask
        import flask as fl
        a = App(__name__)
        b = flask.Flask(__name__)
        c = fl.Flask
        """,
        """
        from vial import Vial as App
        import vial
        import vial as fl
        a = App(__name__)
        b = vial.Vial(__name__)
        c = fl.Vial
        """,
        SYMBOLS,
    )


def test_symbol_map_reaches_string_annotations_of_the_bound_name() -> None:
    """13 + 18: ``"Flask"`` as an annotation names the imported class, so it follows it."""
    assert_rewrite(
        """
        from flask import Flask
        def create() -> "Flask":
            ...
        def other(x: "t.List[Flask]", y: "FlaskLike") -> None:
            ...
        app = t.cast("Flask", make())
        log("Flask")
        """,
        """
        from vial import Vial
        def create() -> "Vial":
            ...
        def other(x: "t.List[Vial]", y: "FlaskLike") -> None:
            ...
        app = t.cast("Vial", make())
        log("Flask")
        """,
        SYMBOLS,
    )


def test_symbol_map_follows_names_in_dunder_all() -> None:
    """13: a module re-exporting the class keeps a working ``__all__``."""
    result = assert_rewrite(
        """
        from flask import Flask, request
        __all__ = ["Flask", "request", "helper"]
        __all__ += ("Flask",)
        names = ["Flask"]
        """,
        """
        from vial import Vial, request
        __all__ = ["Vial", "request", "helper"]
        __all__ += ("Vial",)
        names = ["Flask"]
        """,
        SYMBOLS,
    )
    assert result.findings == ()


def test_symbol_map_through_a_star_import() -> None:
    """13 with ``from flask import *``: the star provides the renamed class."""
    assert_rewrite(
        "from flask import *\napp = Flask(__name__)\n",
        "from vial import *\napp = Vial(__name__)\n",
        SYMBOLS,
    )


def test_symbol_map_clash_keeps_old_local_name_with_alias() -> None:
    """13: a module that already binds ``Vial`` keeps ``Flask`` through ``as``, and says so."""
    result = assert_rewrite(
        """
        from flask import Flask
        Vial = "a local name"
        app = Flask(__name__)
        """,
        """
        from vial import Vial as Flask
        Vial = "a local name"
        app = Flask(__name__)
        """,
        SYMBOLS,
    )
    assert kinds(result) == [(1, "alias")]


def test_symbol_map_profile_reaches_submodule_paths() -> None:
    """13: the flask-vial profile's maps for ``flask.testing``, ``flask.cli``, ``flask.app``."""
    assert_rewrite(
        """
        from flask.testing import FlaskClient, FlaskCliRunner
        from flask.cli import FlaskGroup, with_appcontext
        import flask.app
        flask.app.Flask
        """,
        """
        from vial.testing import VialClient, VialCliRunner
        from vial.cli import VialGroup, with_appcontext
        import vial.app
        vial.app.Vial
        """,
        PROFILES["flask-vial"],
    )


def test_flask_vial_profile_maps_the_flask_version_to_the_api_level() -> None:
    """``flask.__version__`` means the Flask API level (extensions' suites branch on it), which
    vial names ``__flask_version__``; ``vial.__version__`` is vial's own release (VIAL_GAPS.md #1)."""
    assert_rewrite(
        """
        import flask
        from flask import __version__
        from flask import __version__ as fv
        old = version.parse(flask.__version__) < version.parse("1.1")
        print(__version__, fv)
        """,
        """
        import vial
        from vial import __flask_version__
        from vial import __flask_version__ as fv
        old = version.parse(vial.__flask_version__) < version.parse("1.1")
        print(__flask_version__, fv)
        """,
        PROFILES["flask-vial"],
    )


def test_flask_vial_profile_composed_with_a_vial_fork_keeps_the_api_level() -> None:
    """A fork of vial (``vial=acme_web``) answers ``flask.__version__`` with its own API level."""
    from graft.patch import compose
    from graft.rewrite import Renames

    fork = compose(PROFILES["flask-vial"], Renames({"vial": "acme_web"}))
    assert_rewrite(
        """
        import flask
        from flask import __version__
        flask.__version__
        """,
        """
        import acme_web
        from acme_web import __flask_version__
        acme_web.__flask_version__
        """,
        fork,
    )


def test_symbol_map_to_a_different_module_splits_the_import() -> None:
    """13: names that now come from two modules need two imports, on the same line."""
    result = assert_rewrite(
        "from flask import Flask, request\napp = Flask(__name__)\n",
        "from vial import Vial; from flask import request\napp = Vial(__name__)\n",
        ["flask.Flask=vial.Vial"],
    )
    assert kinds(result) == [(1, "split")]


def test_dotted_map_renames_only_that_subtree() -> None:
    """14."""
    assert_rewrite(
        """
        import flask
        from flask.json import dumps
        from flask import json, Flask
        import flask.json.provider
        flask.json.dumps(1)
        flask.Flask
        json.loads
        """,
        """
        import myflask
        from myflask.codec import dumps
        from myflask import codec, Flask
        import myflask.codec.provider
        myflask.codec.dumps(1)
        myflask.Flask
        codec.loads
        """,
        ["flask=myflask", "flask.json=myflask.codec"],
    )


def test_dotted_map_to_a_longer_path_rebuilds_the_chain() -> None:
    """14: ``flask.json`` -> ``myflask.compat.codec`` changes the chain's length."""
    assert_rewrite(
        "import flask\nflask.json.dumps(1)\nimport flask.json\n",
        "import myflask\nmyflask.compat.codec.dumps(1)\nimport myflask.compat.codec\n",
        ["flask=myflask", "flask.json=myflask.compat.codec"],
    )


# -- strings --------------------------------------------------------------------


def test_import_function_strings() -> None:
    """15."""
    assert_rewrite(
        """
        import importlib, importlib.util
        from werkzeug.utils import import_string
        importlib.import_module("flask.json")
        __import__("flask")
        importlib.util.find_spec("flask")
        import_string("flask.json.provider.DefaultJSONProvider")
        import_string("flask.json.provider:DefaultJSONProvider")
        """,
        """
        import importlib, importlib.util
        from werkzeug.utils import import_string
        importlib.import_module("myflask.json")
        __import__("myflask")
        importlib.util.find_spec("myflask")
        import_string("myflask.json.provider.DefaultJSONProvider")
        import_string("myflask.json.provider:DefaultJSONProvider")
        """,
    )


def test_mock_patch_and_monkeypatch_strings() -> None:
    """16."""
    assert_rewrite(
        """
        import sys
        from unittest import mock
        from unittest.mock import patch

        @mock.patch("flask.helpers.url_for")
        def test(m, monkeypatch):
            with patch("flask.cli.load_dotenv"), mock.patch.dict(sys.modules, {"flask": None}):
                monkeypatch.setattr("flask.cli.x", 1)
                monkeypatch.setattr(obj, "flask", 1)
                monkeypatch.delitem(sys.modules, "flask")
        """,
        """
        import sys
        from unittest import mock
        from unittest.mock import patch

        @mock.patch("myflask.helpers.url_for")
        def test(m, monkeypatch):
            with patch("myflask.cli.load_dotenv"), mock.patch.dict(sys.modules, {"flask": None}):
                monkeypatch.setattr("myflask.cli.x", 1)
                monkeypatch.setattr(obj, "flask", 1)
                monkeypatch.delitem(sys.modules, "flask")
        """,
    )
    # patch.dict(sys.modules, {"flask": None}) is an import guard of the old package (case 17):
    # renamed, it would block the new package, so it is kept and reported, and so is the
    # delitem that undoes it in the same file.


def test_sys_modules_strings() -> None:
    """17."""
    assert_rewrite(
        """
        import sys
        sys.modules["flask"]
        sys.modules.get("flask.app")
        if "flask" in sys.modules and "flask.cli" not in sys.modules:
            del sys.modules["flask.json"]
        """,
        """
        import sys
        sys.modules["myflask"]
        sys.modules.get("myflask.app")
        if "myflask" in sys.modules and "myflask.cli" not in sys.modules:
            del sys.modules["myflask.json"]
        """,
    )


def test_sys_modules_guard_that_blocks_the_old_package_is_kept() -> None:
    """17: ``sys.modules[OLD] = None`` blocks the old package; renaming it would block the new one."""
    code = """
        import sys
        sys.modules["flask"] = None
        sys.modules["flask.json"] = sys.modules["flask.cli"] = None

        def test(monkeypatch):
            monkeypatch.setitem(sys.modules, "flask", None)
            sys.modules.setdefault("flask.app", None)
            yield
            del sys.modules["flask"]
            sys.modules.pop("flask.json", None)
            monkeypatch.delitem(sys.modules, "flask.cli")
        """
    result = assert_rewrite(code, code)
    assert kinds(result) == [
        (2, "string"),
        (3, "string"),
        (3, "string"),
        (6, "string"),
        (7, "string"),
        (9, "string"),
        (10, "string"),
        (11, "string"),
    ]
    assert "blocks the old package" in result.findings[0].message
    assert "kept on purpose" in result.findings[0].message
    # A guard under the profile's --target is kept as well, and lookups are still renamed.
    assert_rewrite(
        """
        import sys
        sys.modules["flask"] = None
        sys.modules["flask.app"] = object()
        del sys.modules["flask.json"]
        assert sys.modules.get("flask") is None and "flask" in sys.modules
        """,
        """
        import sys
        sys.modules["flask"] = None
        sys.modules["acme_web.app"] = object()
        del sys.modules["acme_web.json"]
        assert sys.modules.get("acme_web") is None and "acme_web" in sys.modules
        """,
        PROFILES["flask-vial"].redirect("vial", "acme_web"),
    )


def test_patch_dict_sys_modules_guard_is_kept() -> None:
    """17: ``patch.dict(sys.modules, {OLD: None})`` is the same guard; only keys mapped to None are kept."""
    code = """
        import sys
        import unittest.mock
        from unittest import mock

        @mock.patch.dict(sys.modules, {"flask": None})
        def test_a():
            with mock.patch.dict(sys.modules, {"flask.json": None, "flask.app": fake, "flask.cli": None}):
                pass
            with unittest.mock.patch.dict("sys.modules", {"flask.views": None}):
                pass
            with mock.patch.dict("sys.modules", values={"flask.ctx": None, "flask.wrappers": sys}):
                pass
        """
    result = assert_rewrite(
        code,
        """
        import sys
        import unittest.mock
        from unittest import mock

        @mock.patch.dict(sys.modules, {"flask": None})
        def test_a():
            with mock.patch.dict(sys.modules, {"flask.json": None, "myflask.app": fake, "flask.cli": None}):
                pass
            with unittest.mock.patch.dict("sys.modules", {"flask.views": None}):
                pass
            with mock.patch.dict("sys.modules", values={"flask.ctx": None, "myflask.wrappers": sys}):
                pass
        """,
    )
    assert kinds(result) == [
        (5, "string"),
        (7, "string"),
        (7, "string"),
        (9, "string"),
        (11, "string"),
    ]
    assert all("kept on purpose" in finding.message for finding in result.findings)
    # A key mapped to a module object is renamed, with either spelling of the target.
    assert_rewrite(
        """
        import sys
        from unittest.mock import patch
        with patch.dict("sys.modules", {"flask": fake}), patch.dict(sys.modules, {"flask.json": json}):
            pass
        """,
        """
        import sys
        from unittest.mock import patch
        with patch.dict("sys.modules", {"myflask": fake}), patch.dict(sys.modules, {"myflask.json": json}):
            pass
        """,
    )


def test_monkeypatch_setitem_sys_modules_guard_is_kept() -> None:
    """17: ``monkeypatch.setitem(sys.modules, OLD, None)`` is kept; with a module object it is renamed."""
    result = assert_rewrite(
        """
        import sys

        def test(monkeypatch):
            monkeypatch.setitem(sys.modules, "flask", None)
            monkeypatch.setitem(sys.modules, "flask.json", fake)
        """,
        """
        import sys

        def test(monkeypatch):
            monkeypatch.setitem(sys.modules, "flask", None)
            monkeypatch.setitem(sys.modules, "myflask.json", fake)
        """,
    )
    assert kinds(result) == [(4, "string")]
    assert "kept on purpose" in result.findings[0].message


def test_string_annotations_and_forward_references() -> None:
    """18."""
    assert_rewrite(
        """
        import typing as t
        T = t.TypeVar("T", bound="flask.Flask")
        def f(app: "flask.Flask") -> "t.Optional[flask.Response]":
            return t.cast("flask.Flask", app)
        x: list["flask.Flask"] = []
        """,
        """
        import typing as t
        T = t.TypeVar("T", bound="myflask.Flask")
        def f(app: "myflask.Flask") -> "t.Optional[myflask.Response]":
            return t.cast("myflask.Flask", app)
        x: list["myflask.Flask"] = []
        """,
    )


def test_data_locating_package_names() -> None:
    """19."""
    assert_rewrite(
        """
        import pkgutil
        from importlib import resources
        from jinja2 import PackageLoader
        PackageLoader("flask", "templates")
        resources.files("flask")
        pkgutil.get_data("flask", "x.txt")
        """,
        """
        import pkgutil
        from importlib import resources
        from jinja2 import PackageLoader
        PackageLoader("myflask", "templates")
        resources.files("myflask")
        pkgutil.get_data("myflask", "x.txt")
        """,
    )


def test_module_keyed_names() -> None:
    """20, and the ContextVar names STYLE.md lists among the fork hazards."""
    assert_rewrite(
        """
        import logging, warnings
        from contextvars import ContextVar
        logging.getLogger("flask.app")
        warnings.filterwarnings("ignore", module="flask.app")
        _cv_app = ContextVar("flask.app_ctx")
        """,
        """
        import logging, warnings
        from contextvars import ContextVar
        logging.getLogger("myflask.app")
        warnings.filterwarnings("ignore", module="myflask.app")
        _cv_app = ContextVar("myflask.app_ctx")
        """,
    )


def test_module_identity_comparisons() -> None:
    """21."""
    assert_rewrite(
        """
        if __name__ == "flask":
            pass
        ok = obj.__module__.startswith("flask.")
        same = type(x).__module__ == "flask.app"
        """,
        """
        if __name__ == "myflask":
            pass
        ok = obj.__module__.startswith("myflask.")
        same = type(x).__module__ == "myflask.app"
        """,
    )


ENTRY_POINTS = """
from importlib.metadata import entry_points
for ep in entry_points(group="flask.commands"):
    pass
setup(entry_points={"flask.commands": ["x = ext.cli:cli"]})
"""


def test_entry_point_groups_reported_by_default() -> None:
    """22: reported, not renamed, unless the user chooses."""
    result = assert_rewrite(ENTRY_POINTS, ENTRY_POINTS)
    assert kinds(result) == [(2, "entry-point"), (4, "entry-point")]


def test_entry_point_groups_renamed_or_kept_on_request() -> None:
    """22: ``entry_points="rename"`` renames, ``"keep"`` keeps quietly."""
    renamed = assert_rewrite(
        ENTRY_POINTS,
        ENTRY_POINTS.replace('"flask.', '"myflask.'),
        options=RewriteOptions(entry_points="rename"),
    )
    assert renamed.findings == ()
    kept = assert_rewrite(ENTRY_POINTS, ENTRY_POINTS, options=RewriteOptions(entry_points="keep"))
    assert kept.findings == ()


def test_distribution_names_reported() -> None:
    """23: ``importlib.metadata.version("flask")`` stays and is reported."""
    code = """
    import importlib.metadata
    from importlib import metadata
    __version__ = importlib.metadata.version("flask")
    v = metadata.version("flask")
    """
    result = assert_rewrite(code, code)
    assert kinds(result) == [(3, "distribution"), (4, "distribution")]


def test_dynamic_names_reported() -> None:
    """24 and 41: a wholly computed name is reported; a static module-path head is renamed."""
    result = assert_rewrite(
        """
        import importlib
        importlib.import_module(base + ".json")
        importlib.import_module("flask." + name)
        importlib.import_module(f"flask.{name}")
        """,
        """
        import importlib
        importlib.import_module(base + ".json")
        importlib.import_module("myflask." + name)
        importlib.import_module(f"myflask.{name}")
        """,
    )
    assert kinds(result) == [(2, "dynamic-import")]


def test_strings_that_are_not_module_paths_never_renamed() -> None:
    """25: environ keys, a session value, a CLI group name, file names."""
    code = """
    environ["werkzeug.request"]
    codecs.register_error("werkzeug.url_quote", handler)
    session["framework"] = "flask"
    group = click.Group(name="flask")
    load_dotenv(".flaskenv")
    message = "flask is not installed"
    """
    result = assert_rewrite(code, code, ["flask=myflask", "werkzeug=myzeug"])
    assert {kind for _, kind in kinds(result)} == {"string"}, "module-looking strings are reported"
    assert [line for line, _ in kinds(result)] == [1, 2, 3, 4]


def test_docstrings_and_comments_untouched_by_default() -> None:
    """26."""
    code = '''
    """Helpers for flask.json users.

    >>> import flask
    >>> flask.json.dumps(1)
    """
    import flask  # the flask package
    '''
    after = code.replace("import flask  #", "import myflask  #")
    result = assert_rewrite(code, after)
    assert result.findings == ()


def test_docstrings_and_doctests_renamed_on_request() -> None:
    """26: the opt-in renames module paths in docstrings and doctests, not comments."""
    code = '''
    def f():
        """Use flask.json.

        >>> import flask
        >>> flask.json.dumps(1)
        """
        # flask stays in comments
    '''
    after = (
        code.replace("Use flask.json", "Use myflask.json")
        .replace(">>> import flask", ">>> import myflask")
        .replace(">>> flask.json", ">>> myflask.json")
    )
    assert_rewrite(code, after, options=RewriteOptions(docstrings=True))


def test_serialized_class_paths_reported() -> None:
    """34: ``module.qualname`` strings in data are reported, never silently renamed."""
    code = 'PICKLE_ALIASES = {"flask.app.Flask": "legacy"}\n'
    result = assert_rewrite(code, code)
    assert kinds(result) == [(1, "string")]


def test_code_without_the_old_name_is_not_parsed() -> None:
    """Fast path: not even a syntax error is noticed when the name is absent."""
    result = rewrite_source(b"def (:\n", PROFILES["flask-vial"])
    assert result.status == "unchanged" and not result.parsed and result.code == b"def (:\n"


def test_dedent_helper_keeps_inner_indentation() -> None:
    assert dedent("\n    a\n      b\n") == "a\n  b\n"
