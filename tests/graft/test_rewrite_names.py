"""The rename map (``Renames``) and the scoping rules of the binding analysis."""

from __future__ import annotations

import pytest
from rewrite_helpers import assert_rewrite

from graft.errors import InvalidNameError
from graft.rewrite import PROFILES, Renames, RewriteOptions


def test_longest_prefix_wins_on_dot_boundaries() -> None:
    renames = Renames.parse(["flask=myflask", "flask.json=myflask.codec"])
    assert renames.rename("flask") == "myflask"
    assert renames.rename("flask.json.provider") == "myflask.codec.provider"
    assert renames.rename("flask.jsonify") == "myflask.jsonify"
    assert renames.rename("flaskx.json") == "flaskx.json"
    assert renames.rename("flask_login") == "flask_login"
    assert renames.rename("my.flask") == "my.flask"


def test_names_with_repeated_substrings() -> None:
    renames = Renames.parse(["flask=flask_app"])
    assert renames.rename("flask.flask.flask") == "flask_app.flask.flask"
    assert renames.mentions(b"import flask_app") is False
    assert renames.mentions("x = flask") is True
    assert renames.mentions(b"x.flask") is True


@pytest.mark.parametrize(
    "item",
    [
        "flask",
        "flask=",
        "=vial",
        "flask=1vial",
        "flask=my-flask",
        "flask=class",
        "flask.=vial",
        "flask=flask",
    ],
)
def test_parse_rejects_bad_maps(item: str) -> None:
    with pytest.raises(InvalidNameError):
        Renames.parse([item])


def test_parse_rejects_contradictions_and_empty_input() -> None:
    with pytest.raises(InvalidNameError, match="contradicts"):
        Renames.parse(["flask=a", "flask=b"])
    with pytest.raises(InvalidNameError):
        Renames.parse([])
    assert Renames.parse(["flask=a", " flask = a "]).to_strings() == ["flask=a"]


def test_reverse_and_to_strings_are_stable() -> None:
    renames = Renames.parse(["flask.Flask=vial.Vial", "flask=vial"])
    assert renames.to_strings() == ["flask=vial", "flask.Flask=vial.Vial"]
    back = renames.reverse()
    assert back.to_strings() == ["vial=flask", "vial.Vial=flask.Flask"]
    assert back.rename("vial.Vial") == "flask.Flask"
    with pytest.raises(InvalidNameError, match="reverse"):
        Renames.parse(["a=c", "b=c"]).reverse()


def test_fingerprint_depends_on_map_and_options_only() -> None:
    one = Renames.parse(["flask=vial", "flask.Flask=vial.Vial"])
    two = Renames.parse(["flask.Flask=vial.Vial", "flask=vial"])
    assert one == two and hash(one) == hash(two)
    assert one.fingerprint() == two.fingerprint()
    assert one.fingerprint().startswith("sha256:")
    assert one.fingerprint() != one.fingerprint(RewriteOptions(docstrings=True))
    assert one.fingerprint() != Renames.parse(["flask=vial"]).fingerprint()


def test_options_round_trip_and_validate() -> None:
    options = RewriteOptions(entry_points="rename", docstrings=True)
    assert RewriteOptions.from_dict({**options.to_dict(), "unknown": 1}) == options
    with pytest.raises(ValueError):
        RewriteOptions(entry_points="drop")  # type: ignore[arg-type]


def test_profile_merges_with_extra_maps() -> None:
    merged = PROFILES["flask-vial"].merged(Renames.parse(["flask_login=vial_login"]))
    assert merged.rename("flask.cli.FlaskGroup") == "vial.cli.VialGroup"
    assert merged.rename("flask_login.utils") == "vial_login.utils"
    assert merged.roots == frozenset({"flask", "flask_login"})


# -- scoping ------------------------------------------------------------------------


def test_class_body_is_not_visible_from_its_methods() -> None:
    assert_rewrite(
        """
        import flask
        class C:
            flask = None
            x = flask
            def m(self):
                return flask.g
        """,
        """
        import myflask
        class C:
            flask = None
            x = flask
            def m(self):
                return myflask.g
        """,
    )


def test_global_and_nonlocal_declarations() -> None:
    assert_rewrite(
        """
        flask = None
        def load():
            global flask
            import flask
        def use():
            return flask.g
        def outer():
            import flask
            def inner():
                nonlocal flask
                flask = None
            return flask.g
        """,
        """
        myflask = None
        def load():
            global myflask
            import myflask
        def use():
            return myflask.g
        def outer():
            import myflask
            def inner():
                nonlocal myflask
                myflask = None
            return myflask.g
        """,
    )


def test_comprehension_lambda_and_walrus_scopes() -> None:
    assert_rewrite(
        """
        import flask
        a = [flask.g for flask in range(3)]
        b = [x for x in flask.things]
        c = lambda flask: flask.g
        d = lambda: flask.g
        e = [(y := flask.g) for _ in ()]
        """,
        """
        import myflask
        a = [flask.g for flask in range(3)]
        b = [x for x in myflask.things]
        c = lambda flask: flask.g
        d = lambda: myflask.g
        e = [(y := myflask.g) for _ in ()]
        """,
    )


def test_keyword_arguments_and_attributes_named_like_the_module_stay() -> None:
    assert_rewrite(
        """
        import flask
        f(flask=1)
        obj.flask.g
        flask.flask
        """,
        """
        import myflask
        f(flask=1)
        obj.flask.g
        myflask.flask
        """,
    )


def test_function_parameter_defaults_see_the_enclosing_scope() -> None:
    assert_rewrite(
        """
        import flask
        def view(app=flask.current_app, flask=None) -> flask.Response:
            return flask
        """,
        """
        import myflask
        def view(app=myflask.current_app, flask=None) -> myflask.Response:
            return flask
        """,
    )


def test_name_bound_by_for_with_and_except_is_not_the_import() -> None:
    assert_rewrite(
        """
        def f():
            for flask in items:
                flask.x
        def g():
            with open() as flask:
                flask.read()
        def h():
            try:
                pass
            except E as flask:
                flask.args
        import flask
        """,
        """
        def f():
            for flask in items:
                flask.x
        def g():
            with open() as flask:
                flask.read()
        def h():
            try:
                pass
            except E as flask:
                flask.args
        import myflask
        """,
    )


def test_module_name_that_clashes_is_kept_with_an_alias() -> None:
    """A module binding both ``flask`` by import and otherwise keeps ``flask`` via ``as``."""
    result = assert_rewrite(
        """
        import flask
        def flask_view(): ...
        for flask in []: pass
        """,
        """
        import myflask as flask
        def flask_view(): ...
        for flask in []: pass
        """,
    )
    assert [f.kind for f in result.findings] == ["alias"]


def test_two_modules_under_one_name_in_one_scope() -> None:
    """Django's ``trans``: either branch binds a different module; uses without attributes stay."""
    assert_rewrite(
        """
        def f(cond):
            if cond:
                from flask import json as codec
            else:
                from flask import cli as codec
            return codec
        """,
        """
        def f(cond):
            if cond:
                from myflask import json as codec
            else:
                from myflask import cli as codec
            return codec
        """,
    )


def test_match_statement_captures() -> None:
    """A capture pattern binds in the enclosing scope: inside a function it is a local."""
    assert_rewrite(
        """
        import flask
        def dispatch(command):
            match command:
                case [flask]:
                    flask.x
                case {"k": v, **flask}:
                    pass
        flask.g
        """,
        """
        import myflask
        def dispatch(command):
            match command:
                case [flask]:
                    flask.x
                case {"k": v, **flask}:
                    pass
        myflask.g
        """,
    )


def test_match_capture_at_module_level_rebinds_the_module_name() -> None:
    """At module level ``case [flask]`` rebinds the import, so the local name is kept by alias."""
    result = assert_rewrite(
        """
        import flask
        match command:
            case [flask]:
                pass
        flask.g
        """,
        """
        import myflask as flask
        match command:
            case [flask]:
                pass
        flask.g
        """,
    )
    assert [f.kind for f in result.findings] == ["alias"]
