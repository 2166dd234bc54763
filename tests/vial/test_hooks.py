"""The request lifecycle: before/after/teardown hooks on the app and on blueprints."""

from __future__ import annotations

import pytest

import vial
from vial import Blueprint, Vial


def test_hook_order(app: Vial, client) -> None:
    calls = []

    @app.before_request
    def before1():
        calls.append("before1")

    @app.before_request
    def before2():
        calls.append("before2")

    @app.after_request
    def after1(response):
        calls.append("after1")
        return response

    @app.after_request
    def after2(response):
        calls.append("after2")
        return response

    @app.teardown_request
    def teardown1(exc):
        calls.append("teardown1")

    @app.teardown_request
    def teardown2(exc):
        calls.append("teardown2")

    @app.teardown_appcontext
    def app_teardown(exc):
        calls.append("app_teardown")

    @app.route("/")
    def index():
        calls.append("view")
        return "x"

    client.get("/")
    assert calls == [
        "before1",
        "before2",
        "view",
        "after2",
        "after1",
        "teardown2",
        "teardown1",
        "app_teardown",
    ]


def test_before_request_return_value_short_circuits(app: Vial, client) -> None:
    calls = []

    @app.before_request
    def stop():
        return "stopped", 403

    @app.before_request
    def never():
        calls.append("never")

    @app.route("/")
    def index():
        calls.append("view")
        return ""

    @app.after_request
    def after(response):
        response.headers["X-After"] = "yes"
        return response

    rv = client.get("/")
    assert rv.status_code == 403
    assert rv.data == b"stopped"
    assert rv.headers["X-After"] == "yes"
    assert calls == []


def test_after_request_can_replace_response(app: Vial, client) -> None:
    app.add_url_rule("/", "i", lambda: "original")

    @app.after_request
    def replace(response):
        return app.response_class("replaced")

    assert client.get("/").data == b"replaced"


def test_after_request_not_called_on_unhandled_error(app: Vial) -> None:
    calls = []
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.after_request(lambda r: calls.append("after") or r)
    app.teardown_request(lambda exc: calls.append(type(exc).__name__))

    @app.route("/")
    def index():
        raise ValueError

    rv = app.test_client().get("/")
    assert rv.status_code == 500
    # the 500 response is finalized (after_request runs on it), teardown sees the error
    assert calls == ["after", "ValueError"]


def test_teardown_runs_with_propagated_exception(app: Vial, client) -> None:
    seen = []
    app.teardown_request(lambda exc: seen.append(exc))

    @app.route("/")
    def index():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        client.get("/")
    assert isinstance(seen[0], KeyError)


def test_teardown_exc_is_none_on_success(app: Vial, client) -> None:
    seen = []
    app.teardown_request(lambda exc: seen.append(exc))
    app.teardown_appcontext(lambda exc: seen.append(exc))
    app.add_url_rule("/", "i", lambda: "")
    client.get("/")
    assert seen == [None, None]


def test_handled_error_is_not_given_to_teardown(app: Vial, client) -> None:
    seen = []
    app.teardown_request(lambda exc: seen.append(exc))
    app.register_error_handler(ValueError, lambda e: ("handled", 400))

    @app.route("/")
    def index():
        raise ValueError

    assert client.get("/").status_code == 400
    assert seen == [None]


def test_blueprint_hooks_are_scoped(app: Vial, client) -> None:
    calls = []
    bp = Blueprint("bp", __name__)

    @bp.before_request
    def bp_before():
        calls.append("bp_before")

    @bp.after_request
    def bp_after(response):
        calls.append("bp_after")
        return response

    @bp.teardown_request
    def bp_teardown(exc):
        calls.append("bp_teardown")

    @bp.before_app_request
    def bp_before_app():
        calls.append("before_app")

    @bp.after_app_request
    def bp_after_app(response):
        calls.append("after_app")
        return response

    @bp.teardown_app_request
    def bp_teardown_app(exc):
        calls.append("teardown_app")

    @app.before_request
    def app_before():
        calls.append("app_before")

    @app.after_request
    def app_after(response):
        calls.append("app_after")
        return response

    bp.add_url_rule("/bp", "view", lambda: calls.append("view") or "")
    app.register_blueprint(bp)
    app.add_url_rule("/app", "app_view", lambda: calls.append("app_view") or "")

    # app-level functions run in registration order (the blueprint's were added when it
    # was registered, after app_before); after_request functions in reverse.
    client.get("/bp")
    assert calls == [
        "app_before",
        "before_app",
        "bp_before",
        "view",
        "bp_after",
        "after_app",
        "app_after",
        "bp_teardown",
        "teardown_app",
    ]
    calls.clear()
    client.get("/app")
    assert calls == [
        "app_before",
        "before_app",
        "app_view",
        "after_app",
        "app_after",
        "teardown_app",
    ]


def test_nested_blueprint_hook_order(app: Vial, client) -> None:
    calls = []
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    parent.before_request(lambda: calls.append("parent_before"))
    child.before_request(lambda: calls.append("child_before"))
    parent.after_request(lambda r: calls.append("parent_after") or r)
    child.after_request(lambda r: calls.append("child_after") or r)
    child.add_url_rule("/", "index", lambda: vial.request.blueprint)
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert client.get("/p/c/").data == b"parent.child"
    assert calls == ["parent_before", "child_before", "child_after", "parent_after"]


def test_before_request_can_read_view_args(app: Vial, client) -> None:
    @app.before_request
    def check():
        if vial.request.view_args and vial.request.view_args.get("id") == 0:
            vial.abort(404)

    app.add_url_rule("/<int:id>", "item", lambda id: str(id))
    assert client.get("/0").status_code == 404
    assert client.get("/1").data == b"1"


def test_setup_after_first_request_is_an_error(app: Vial, client) -> None:
    app.add_url_rule("/", "i", lambda: "")
    client.get("/")
    with pytest.raises(AssertionError, match="already handled its first request"):
        app.add_url_rule("/x", "x", lambda: "")
    with pytest.raises(AssertionError, match="setup method 'before_request'"):
        app.before_request(lambda: None)


def test_blueprint_setup_after_registration_is_an_error(app: Vial) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="after it was registered"):
        bp.add_url_rule("/", "i", lambda: "")


def test_hooks_can_be_registered_on_the_dicts(app: Vial, client) -> None:
    # extensions append to the dicts directly, keyed by None for the app
    app.before_request_funcs.setdefault(None, []).append(lambda: None)
    app.after_request_funcs[None].append(lambda r: r.headers.set("X-Ext", "1") or r)
    app.add_url_rule("/", "i", lambda: "")
    assert client.get("/").headers["X-Ext"] == "1"
