"""Error handling: handlers by code and class, blueprints, propagation and trapping."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    HTTPException,
    InternalServerError,
    NotFound,
)
from werkzeug.routing import RequestRedirect

import vial
from vial import Blueprint, Vial


def test_default_error_bodies_are_werkzeugs(app: Vial, client) -> None:
    app.add_url_rule("/", "i", lambda: "", methods=["POST"])
    rv = client.get("/missing")
    assert rv.status_code == 404
    assert rv.data == NotFound().get_body().encode()
    assert rv.mimetype == "text/html"
    rv = client.get("/")
    assert rv.status_code == 405
    assert b"<title>405 Method Not Allowed</title>" in rv.data
    assert sorted(rv.allow) == ["OPTIONS", "POST"]


def test_handler_by_code(app: Vial, client) -> None:
    @app.errorhandler(404)
    def not_found(e):
        assert isinstance(e, NotFound)
        return "custom 404", 404

    @app.errorhandler(403)
    def forbidden(e):
        return {"error": e.description}, 403

    @app.route("/forbidden")
    def f():
        vial.abort(403, description="no way")

    rv = client.get("/nothing")
    assert (rv.status_code, rv.data) == (404, b"custom 404")
    rv = client.get("/forbidden")
    assert rv.status_code == 403
    assert rv.json == {"error": "no way"}


def test_handler_by_class_uses_mro(app: Vial, client) -> None:
    class ParentError(Exception):
        pass

    class ChildError(ParentError):
        pass

    class GrandchildError(ChildError):
        pass

    @app.errorhandler(ParentError)
    def parent(e):
        return "parent"

    @app.errorhandler(ChildError)
    def child(e):
        return "child"

    @app.route("/<name>")
    def raise_(name):
        raise {"p": ParentError, "c": ChildError, "g": GrandchildError}[name]()

    assert client.get("/p").data == b"parent"
    assert client.get("/c").data == b"child"
    assert client.get("/g").data == b"child"


def test_http_exception_catch_all(app: Vial, client) -> None:
    @app.errorhandler(HTTPException)
    def any_http(e):
        return f"{e.code} {e.name}", e.code

    @app.errorhandler(404)
    def specific(e):
        return "specific", 404

    app.add_url_rule("/bad", "bad", lambda: vial.abort(400))
    assert client.get("/bad").data == b"400 Bad Request"
    assert client.get("/missing").data == b"specific"  # the code wins over the class
    assert client.post("/bad").data == b"405 Method Not Allowed"


def test_code_handler_registered_by_class(app: Vial, client) -> None:
    app.register_error_handler(NotFound, lambda e: ("by class", 404))
    assert client.get("/x").data == b"by class"


def test_custom_http_exception_subclass(app: Vial, client) -> None:
    class Teapot(HTTPException):
        code = 418
        description = "I am a teapot"

    app.register_error_handler(Teapot, lambda e: (e.description, 418))

    @app.route("/")
    def index():
        raise Teapot()

    assert client.get("/").data == b"I am a teapot"


def test_abort_with_response(app: Vial, client) -> None:
    @app.route("/")
    def index():
        vial.abort(vial.make_response("short", 401))

    rv = client.get("/")
    assert (rv.status_code, rv.data) == (401, b"short")


def test_abort_outside_app() -> None:
    with pytest.raises(NotFound):
        vial.abort(404)


def test_custom_aborter(app: Vial) -> None:
    class Gone(HTTPException):
        code = 499

    class MyVial(Vial):
        def make_aborter(self):
            aborter = super().make_aborter()
            aborter.mapping[499] = Gone
            return aborter

    app2 = MyVial(__name__)
    with app2.app_context():
        with pytest.raises(Gone):
            vial.abort(499)


def test_invalid_error_handler_registrations(app: Vial) -> None:
    with pytest.raises(ValueError, match="not an HTTP error code Werkzeug knows"):
        app.register_error_handler(999, lambda e: "")
    with pytest.raises(TypeError, match="is an instance, not a class"):
        app.register_error_handler(ValueError(), lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not a subclass of Exception"):
        app.register_error_handler(int, lambda e: "")  # type: ignore[arg-type]


def test_unhandled_exception_gives_500_when_not_propagating(app: Vial) -> None:
    app.testing = False

    @app.route("/")
    def index():
        raise ZeroDivisionError

    rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert rv.data == InternalServerError().get_body().encode()


def test_500_handler_gets_original_exception(app: Vial) -> None:
    app.testing = False
    seen = []

    @app.errorhandler(500)
    def internal(e):
        seen.append(e)
        return f"500: {type(e.original_exception).__name__}", 500

    @app.route("/")
    def index():
        raise KeyError("k")

    @app.route("/abort")
    def aborted():
        vial.abort(500)

    rv = app.test_client().get("/")
    assert rv.data == b"500: KeyError"
    assert isinstance(seen[0], InternalServerError)
    rv = app.test_client().get("/abort")
    assert rv.data == b"500: NoneType"


def test_exception_handler_catches_before_500(app: Vial) -> None:
    app.testing = False
    app.register_error_handler(Exception, lambda e: ("generic", 500))
    app.register_error_handler(500, lambda e: ("five hundred", 500))

    @app.route("/")
    def index():
        raise RuntimeError

    assert app.test_client().get("/").data == b"generic"
    # HTTP errors are Exceptions too: the catch-all handles them as well
    assert app.test_client().get("/missing").data == b"generic"


def test_propagate_exceptions(app: Vial) -> None:
    @app.route("/")
    def index():
        raise LookupError("up")

    with pytest.raises(LookupError):  # TESTING propagates
        app.test_client().get("/")
    app.testing = False
    assert app.test_client().get("/").status_code == 500
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(LookupError):
        app.test_client().get("/")
    app.config["PROPAGATE_EXCEPTIONS"] = None
    app.debug = True
    with pytest.raises(LookupError):
        app.test_client().get("/")


def test_error_in_error_handler(app: Vial) -> None:
    app.testing = False

    @app.errorhandler(500)
    def broken(e):
        raise RuntimeError("handler broke")

    @app.route("/")
    def index():
        raise ValueError

    with pytest.raises(RuntimeError, match="handler broke"):
        app.test_client().get("/")


def test_trap_http_exceptions(app: Vial, client) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.add_url_rule("/", "i", lambda: vial.abort(403))
    with pytest.raises(Forbidden):
        client.get("/")
    with pytest.raises(NotFound):
        client.get("/missing")


def test_trap_bad_request_errors(app: Vial, client) -> None:
    @app.route("/key", methods=["POST"])
    def key():
        return vial.request.form["missing"]

    @app.route("/bad")
    def bad():
        vial.abort(400)

    rv = client.post("/key")
    assert rv.status_code == 400
    assert b"missing" not in rv.data  # the key is not shown outside debug mode
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    with pytest.raises(KeyError):
        client.post("/key")
    with pytest.raises(BadRequest):
        client.get("/bad")


def test_bad_request_key_error_in_debug(app: Vial, client) -> None:
    app.debug = True

    @app.route("/key", methods=["POST"])
    def key():
        return vial.request.form["missing"]

    with pytest.raises(KeyError) as exc_info:
        client.post("/key")
    assert "missing" in str(exc_info.value)
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    rv = client.post("/key")
    assert rv.status_code == 400
    assert b"missing" in rv.data


def test_blueprint_error_handlers(app: Vial, client) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(403)
    def bp_forbidden(e):
        return "bp forbidden", 403

    @bp.errorhandler(ValueError)
    def bp_value(e):
        return "bp value", 400

    @bp.app_errorhandler(418)
    def everywhere(e):
        return "teapot everywhere", 418

    @app.errorhandler(403)
    def app_forbidden(e):
        return "app forbidden", 403

    bp.add_url_rule("/forbidden", "f", lambda: vial.abort(403))
    bp.add_url_rule("/value", "v", lambda: (_ for _ in ()).throw(ValueError()))
    bp.add_url_rule("/teapot", "t", lambda: vial.abort(418))
    app.register_blueprint(bp)
    app.add_url_rule("/forbidden", "f", lambda: vial.abort(403))
    app.add_url_rule("/teapot", "t", lambda: vial.abort(418))

    assert client.get("/bp/forbidden").data == b"bp forbidden"
    assert client.get("/forbidden").data == b"app forbidden"
    assert client.get("/bp/value").data == b"bp value"
    assert client.get("/teapot").data == b"teapot everywhere"
    assert client.get("/bp/teapot").data == b"teapot everywhere"


def test_blueprint_404_handler_only_for_its_own_aborts(app: Vial, client) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.register_error_handler(404, lambda e: ("bp 404", 404))
    bp.add_url_rule("/gone", "gone", lambda: vial.abort(404))
    app.register_blueprint(bp)
    assert client.get("/bp/gone").data == b"bp 404"
    # an unmatched URL has no endpoint, so no blueprint: the app's handling applies
    assert client.get("/bp/unknown").data == NotFound().get_body().encode()


def test_nested_blueprint_error_handler_falls_back_to_parent(app: Vial, client) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__, url_prefix="/c")
    parent.register_error_handler(403, lambda e: ("parent handled", 403))
    child.add_url_rule("/", "i", lambda: vial.abort(403))
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/c/").data == b"parent handled"


def test_redirects_are_not_errors(app: Vial, client) -> None:
    app.register_error_handler(HTTPException, lambda e: ("caught", 500))
    app.add_url_rule("/dir/", "d", lambda: "")
    rv = client.get("/dir")
    assert rv.status_code == 308


def test_got_request_exception_and_logging(app: Vial, caplog) -> None:
    app.testing = False
    received = []

    def record(sender, exception, **extra):
        received.append((sender, exception))

    @app.route("/")
    def index():
        raise ArithmeticError("logged")

    with vial.got_request_exception.connected_to(record, app):
        app.test_client().get("/")
    assert received[0][0] is app
    assert isinstance(received[0][1], ArithmeticError)
    assert "Exception on / [GET]" in caplog.text
    assert "ArithmeticError: logged" in caplog.text


def test_form_data_routing_redirect_in_debug(app: Vial) -> None:
    from vial.debughelpers import FormDataRoutingRedirect

    app.debug = True
    with app.test_request_context("/x", method="POST") as ctx:
        exc = RequestRedirect("http://localhost/x/")
        exc.code = 301
        ctx.request.routing_exception = exc
        with pytest.raises(FormDataRoutingRedirect, match="The rule ends with a slash") as info:
            app.raise_routing_exception(ctx.request)
        assert "canonical URL 'http://localhost/x/'" in str(info.value)
    app.debug = False
    with app.test_request_context("/x", method="POST") as ctx:
        ctx.request.routing_exception = exc
        with pytest.raises(RequestRedirect):
            app.raise_routing_exception(ctx.request)


def test_handle_exception_replaceable_on_instance(app: Vial, client) -> None:
    original = app.handle_user_exception

    def wrapped(e):
        if isinstance(e, ValueError):
            return "intercepted", 409
        return original(e)

    app.handle_user_exception = wrapped  # type: ignore[method-assign]

    @app.route("/")
    def index():
        raise ValueError

    rv = client.get("/")
    assert (rv.status_code, rv.data) == (409, b"intercepted")


def test_error_handler_return_shapes(app: Vial, client) -> None:
    app.register_error_handler(404, lambda e: ({"missing": True}, 404, {"X-Reason": "gone"}))
    rv = client.get("/x")
    assert rv.json == {"missing": True}
    assert rv.headers["X-Reason"] == "gone"


def test_files_key_error_explained_in_debug(app: Vial, client) -> None:
    from vial.debughelpers import DebugFilesKeyError

    app.debug = True

    @app.route("/upload", methods=["POST"])
    def upload():
        return vial.request.files["file"].filename

    with pytest.raises(DebugFilesKeyError, match='enctype="multipart/form-data"') as exc_info:
        client.post("/upload", data={"file": "photo.jpg"})
    assert "no file contents were transmitted" in str(exc_info.value)
    assert "This was submitted: 'photo.jpg'" in str(exc_info.value)
    assert isinstance(exc_info.value, KeyError)


def test_explain_template_loading(app: Vial, caplog, tmp_path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("x")
    app.root_path = str(tmp_path)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level("INFO", logger=app.logger.name), app.test_request_context():
        vial.render_template("page.html")
        with pytest.raises(Exception, match="missing.html"):
            vial.render_template("missing.html")
    assert "Locating template 'page.html'" in caplog.text
    assert "=> found" in caplog.text
    assert "could not be found by any loader" in caplog.text


# -- parity: handler precedence across the app and nested blueprints matches Flask 3.1 --


class _Base(Exception):
    pass


class _Child(_Base):
    pass


class _ForbiddenChild(Forbidden):
    pass


def _precedence_app(mod, cls):
    app = cls("precedence", static_folder=None)
    app.config.update(SECRET_KEY="k", PROPAGATE_EXCEPTIONS=False)
    app.logger.disabled = True
    bp = mod.Blueprint("bp", "precedence", url_prefix="/bp")
    inner = mod.Blueprint("inner", "precedence", url_prefix="/in")
    app.register_error_handler(_Base, lambda e: ("app base", 500))
    app.register_error_handler(HTTPException, lambda e: (f"app http {e.code}", e.code))
    app.register_error_handler(403, lambda e: ("app 403", 403))
    bp.register_error_handler(_Child, lambda e: ("bp child", 500))
    bp.register_error_handler(HTTPException, lambda e: (f"bp http {e.code}", e.code))
    inner.register_error_handler(_ForbiddenChild, lambda e: ("inner forbidden child", 403))

    def make_view(kind):
        def view():
            if kind == "base":
                raise _Base()
            if kind == "child":
                raise _Child()
            if kind == "forbidden_child":
                raise _ForbiddenChild()
            if kind == "key":
                return mod.request.args["nope"]
            if kind == "type":
                raise TypeError()
            mod.abort(int(kind))

        view.__name__ = f"view_{kind}"
        return view

    for kind in ("base", "child", "forbidden_child", "403", "404", "key", "type"):
        for scaffold in (app, bp, inner):
            scaffold.add_url_rule(f"/{kind}", view_func=make_view(kind))
    bp.register_blueprint(inner)
    app.register_blueprint(bp)
    return app


def test_error_handler_precedence_matches_flask() -> None:
    import warnings

    flask = pytest.importorskip("flask")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        apps = [_precedence_app(flask, flask.Flask), _precedence_app(vial, Vial)]
    kinds = ("base", "child", "forbidden_child", "403", "404", "key", "type", "missing")
    for prefix in ("", "/bp", "/bp/in"):
        for kind in kinds:
            for method in ("GET", "HEAD", "POST"):
                results = []
                for precedence_app in apps:
                    rv = precedence_app.test_client().open(f"{prefix}/{kind}", method=method)
                    results.append((rv.status, sorted(rv.headers), rv.get_data()))
                assert results[1] == results[0], (method, prefix, kind)
    # and the expected winners, spelled out for a few cases
    client = apps[1].test_client()
    assert client.get("/bp/in/child").data == b"bp child"
    assert client.get("/bp/in/forbidden_child").data == b"inner forbidden child"
    # a handler for the code (the app's 403) beats class handlers, even a blueprint's
    assert client.get("/bp/forbidden_child").data == b"app 403"
    assert client.get("/forbidden_child").data == b"app 403"


def _error_responses(module: t.Any) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    from werkzeug.exceptions import NotFound

    class Teapot(NotFound):
        code = 418
        description = "Short and stout."

    app_class = module.Flask if module.__name__ == "flask" else module.Vial
    app = app_class(__name__)

    @app.route("/only-post", methods=["POST"])
    def only_post() -> str:
        return ""

    @app.route("/custom")
    def custom() -> str:
        module.abort(404, description="No <such> thing")
        return ""

    @app.route("/teapot")
    def teapot() -> str:
        raise Teapot()

    client = app.test_client()
    seen = []
    for _ in range(2):  # the second time from vial's cache of rendered pages
        for path in ("/missing", "/only-post", "/custom", "/teapot", "/missing/again"):
            rv = client.get(path)
            seen.append((rv.status_code, sorted(rv.headers.items()), rv.data))
    return seen


def test_http_error_pages_match_flask_including_cached_ones() -> None:
    """vial renders a default HTTP error page once per class, code and description; the
    pages, their headers (Allow for a 405) and custom descriptions are Flask's."""
    flask = pytest.importorskip("flask")
    assert _error_responses(vial) == _error_responses(flask)
