"""Flask internals that real extensions use, exercised the way those extensions call them.

Each test names the extension (and version) whose source does this; the decisions and the
survey behind them are in docs/vial/private-api.md.
"""

from __future__ import annotations

import copy
import os
import typing as t

import pytest

import vial
import vial.globals
import vial.sansio.scaffold
from vial import Vial
from vial.sessions import SessionMixin


class _ManagedSession(dict, SessionMixin):  # type: ignore[type-arg]
    """What flask-socketio 5.7.0 swaps in for the user's session during its events."""


def test_client_request_from_builder_args_builds_with_the_client_environ(app: Vial) -> None:
    """flask-socketio 5.7.0 ``SocketIOTestClient.connect``: the app's client builds the
    environ, then its cookies are added with Werkzeug's ``_add_cookies_to_wsgi``."""

    @app.get("/login")
    def login() -> str:
        vial.session["user"] = "ada"
        return ""

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    client.get("/login")
    req = client._request_from_builder_args(
        args=(), kwargs={"path": "/socket.io?x=1", "headers": {"X-Test": "1"}}
    )
    environ = req.environ
    assert (environ["PATH_INFO"], environ["QUERY_STRING"]) == ("/socket.io", "x=1")
    assert environ["HTTP_X_TEST"] == "1"
    assert environ["REMOTE_ADDR"] == "10.0.0.7"
    assert "HTTP_COOKIE" not in environ
    client._add_cookies_to_wsgi(environ)
    with app.request_context(environ):
        assert vial.session["user"] == "ada"


def test_request_context_session_is_replaceable_through_private_attribute(app: Vial) -> None:
    """flask-socketio 5.7.0 ``_handle_event``: ``hasattr(ctx, '_session')`` (Flask 3.1.3's
    spelling), then ``ctx._session = session_obj`` replaces the request's session."""
    with app.test_request_context():
        # app_ctx has no session on Flask 3.1, so the extension takes the request context.
        assert not hasattr(vial.globals.app_ctx, "session")
        ctx = vial.globals.request_ctx._get_current_object()  # type: ignore[attr-defined]
        assert hasattr(ctx, "_session")
        managed = _ManagedSession(copy.copy(dict(vial.session)))
        managed["sid"] = "abc"
        ctx._session = managed
        assert vial.session._get_current_object() is managed  # type: ignore[attr-defined]
        assert vial.session["sid"] == "abc" and managed.accessed


def test_request_context_private_session_does_not_mark_it_accessed(app: Vial) -> None:
    """Flask 3.1.3's ``_session`` is the session without the read that varies the response."""
    with app.test_request_context() as ctx:
        assert isinstance(ctx._session, SessionMixin)
        assert not ctx._session.accessed


def test_extensions_keep_their_own_attributes_on_contexts_and_g(app: Vial) -> None:
    """flask-limiter 4.1.1 keeps ``ctx._limiter_request_context`` on the request context;
    flask-login, flask-babel, flask-jwt-extended keep ``g._name`` values."""
    with app.test_request_context():
        ctx = vial.globals.request_ctx._get_current_object()  # type: ignore[attr-defined]
        assert not hasattr(ctx, "_limiter_request_context")
        ctx._limiter_request_context = {"limits": 1}
        assert vial.globals.request_ctx._limiter_request_context == {"limits": 1}
        vial.g._login_user = "ada"
        assert vial.g._login_user == "ada" and vial.g.get("_login_user") == "ada"


def test_app_context_variable_and_replaced_g(app: Vial) -> None:
    """Flask-Executor 1.0.0 ``push_app_context``: ``flask.globals._cv_app.get(None)`` gives
    the app context, and assigning its ``g`` carries a copy of the caller's ``g``."""
    assert vial.globals._cv_app.get(None) is None
    with app.app_context():
        vial.g.user = "ada"
        saved = copy.copy(vial.g._get_current_object())  # type: ignore[attr-defined]
    with app.app_context():
        ctx = vial.globals._cv_app.get(None)
        assert ctx is not None and ctx.app is app
        ctx.g = saved
        assert vial.g.user == "ada"


def test_local_proxies_give_the_objects_behind_them(app: Vial) -> None:
    """flask-login, flask-sqlalchemy, flask-debugtoolbar, flask-security and others send
    signals with ``current_app._get_current_object()``."""
    with app.test_request_context("/p"):
        assert vial.current_app._get_current_object() is app  # type: ignore[attr-defined]
        req = vial.request._get_current_object()  # type: ignore[attr-defined]
        assert type(req) is app.request_class and req.path == "/p"
        assert isinstance(vial.session._get_current_object(), SessionMixin)  # type: ignore[attr-defined]


def test_endpoint_from_view_func_under_its_flask_3_module() -> None:
    """flask-restx 1.3.2 imports ``_endpoint_from_view_func`` from ``flask.sansio.scaffold``
    on Flask 3 (it picks the module from ``importlib.metadata.version("flask")``)."""

    def list_users() -> str:
        return ""

    assert vial.sansio.scaffold._endpoint_from_view_func(list_users) == "list_users"


def test_static_folder_raw_value_for_open_resource(tmp_path: t.Any) -> None:
    """flask-static-digest 0.4.1 joins ``scaffold._static_folder`` (the configured, relative
    value) with a file name and reads it with ``open_resource``."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "cache_manifest.json").write_text("{}")
    app = Vial(__name__, root_path=os.fspath(tmp_path))
    bp = vial.Blueprint("bp", __name__, static_folder="static", root_path=os.fspath(tmp_path))
    for scaffold in (app, bp):
        assert scaffold._static_folder == "static"
        path = os.path.join(scaffold._static_folder, "cache_manifest.json")
        with scaffold.open_resource(path, "r") as f:
            assert f.read() == "{}"


def test_client_cookie_store_is_werkzeugs(app: Vial) -> None:
    """flask-security 5.9.2's tests count ``client._cookies`` (Werkzeug's cookie store)."""

    @app.get("/")
    def index() -> str:
        vial.session["x"] = 1
        return ""

    client = app.test_client()
    client.get("/")
    assert len(client._cookies) == 1


def test_context_stacks_removed_in_flask_3_are_absent_too() -> None:
    """flask-limiter 4.1.1, flask-socketio 5.7.0 and Flask-Assets 2.1.0 fall back to
    ``_request_ctx_stack``/``_app_ctx_stack`` only when ``flask.globals.request_ctx`` is
    missing; Flask 3.1.3 has neither stack, and neither does vial."""
    assert vial.globals.request_ctx is not None and vial.globals.app_ctx is not None
    for name in ("_request_ctx_stack", "_app_ctx_stack"):
        with pytest.raises(AttributeError):
            getattr(vial, name)
        assert not hasattr(vial.globals, name)
