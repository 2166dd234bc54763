"""Routing on Werkzeug's Map/Rule: rules, methods, converters, slashes, hosts, url_for."""

from __future__ import annotations

import warnings

import pytest
from werkzeug.routing import BaseConverter, BuildError

import vial
import vial.app
from vial import Vial


def test_route_and_methods(app: Vial, client) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index():
        return vial.request.method

    @app.route("/more", methods=["put"])
    def more():
        return "put"

    assert client.get("/").data == b"GET"
    assert client.post("/").data == b"POST"
    rv = client.delete("/")
    assert rv.status_code == 405
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS", "POST"]
    assert client.put("/more").data == b"put"
    assert client.get("/more").status_code == 405


def test_methods_as_string_rejected(app: Vial) -> None:
    with pytest.raises(TypeError, match="Allowed methods must be a list"):

        @app.route("/", methods="POST")
        def index():
            return ""


@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "patch"])
def test_method_route_shortcuts(app: Vial, client, method: str) -> None:
    getattr(app, method)("/")(lambda: method)
    assert client.open("/", method=method.upper()).data == method.encode()
    other = "POST" if method != "post" else "PUT"
    assert client.open("/", method=other).status_code == 405


def test_method_route_rejects_methods(app: Vial) -> None:
    with pytest.raises(TypeError, match="fixes the method to"):
        app.get("/", methods=["POST"])


def test_automatic_options_and_head(app: Vial, client) -> None:
    @app.route("/")
    def index():
        return "Hello"

    rv = client.open("/", method="OPTIONS")
    assert rv.status_code == 200
    assert rv.data == b""
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS"]
    rv = client.head("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == "5"


def test_options_handled_by_view_or_disabled(app: Vial, client) -> None:
    @app.route("/own", methods=["OPTIONS"])
    def own():
        return "mine"

    def nope():
        return "x"

    nope.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/nope", view_func=nope)
    app.add_url_rule("/off", "off", lambda: "x", provide_automatic_options=False)

    assert client.open("/own", method="OPTIONS").data == b"mine"
    assert client.open("/nope", method="OPTIONS").status_code == 405
    assert client.open("/off", method="OPTIONS").status_code == 405


def test_provide_automatic_options_config(app: Vial, client) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.add_url_rule("/", "index", lambda: "x")
    assert client.open("/", method="OPTIONS").status_code == 405


def test_view_required_methods(app: Vial, client) -> None:
    def view():
        return vial.request.method

    view.required_methods = ["POST"]  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view, methods=["GET"])
    assert client.post("/").data == b"POST"


def test_options_for_several_rules(app: Vial, client) -> None:
    app.add_url_rule("/", "a", lambda: "a", methods=["GET"])
    app.add_url_rule("/", "b", lambda: "b", methods=["POST"])
    assert sorted(client.open("/", method="OPTIONS").allow) == ["GET", "HEAD", "OPTIONS", "POST"]


def test_endpoint_and_view_functions(app: Vial, client) -> None:
    app.add_url_rule("/", "index")

    @app.endpoint("index")
    def index():
        return vial.request.endpoint

    assert app.view_functions["index"] is index
    assert client.get("/").data == b"index"


def test_endpoint_overwrite_is_an_error(app: Vial) -> None:
    app.add_url_rule("/a", "same", lambda: "a")
    with pytest.raises(
        AssertionError, match="Endpoint 'same' already has a different view function"
    ):
        app.add_url_rule("/b", "same", lambda: "b")


def test_same_function_twice_is_fine(app: Vial, client) -> None:
    def view():
        return vial.request.path

    app.add_url_rule("/a", view_func=view)
    app.add_url_rule("/b", view_func=view)
    assert client.get("/b").data == b"/b"


def test_converters(app: Vial, client) -> None:
    @app.route("/int/<int:n>")
    def integer(n):
        return repr(n)

    @app.route("/float/<float:x>")
    def floating(x):
        return repr(x)

    @app.route("/path/<path:p>")
    def path(p):
        return p

    @app.route("/uuid/<uuid:u>")
    def uuid_(u):
        return type(u).__name__

    assert client.get("/int/42").data == b"42"
    assert client.get("/int/x").status_code == 404
    assert client.get("/float/1.5").data == b"1.5"
    assert client.get("/path/a/b/c").data == b"a/b/c"
    assert client.get("/uuid/12345678-1234-5678-1234-567812345678").data == b"UUID"


def test_custom_converter(app: Vial, client) -> None:
    class ListConverter(BaseConverter):
        def to_python(self, value):
            return value.split(",")

        def to_url(self, value):
            return ",".join(super(ListConverter, self).to_url(x) for x in value)

    app.url_map.converters["list"] = ListConverter

    @app.route("/<list:args>")
    def index(args):
        return "|".join(args)

    assert client.get("/1,2,3").data == b"1|2|3"
    with app.test_request_context():
        assert vial.url_for("index", args=["a", "b"]) == "/a,b"


def test_strict_slashes(app: Vial, client) -> None:
    @app.route("/dir/")
    def directory():
        return "dir"

    @app.route("/file")
    def file():
        return "file"

    @app.route("/loose", strict_slashes=False)
    def loose():
        return "loose"

    rv = client.get("/dir")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/dir/"
    assert client.get("/dir/").data == b"dir"
    assert client.get("/file/").status_code == 404
    assert client.get("/loose/").data == b"loose"
    assert client.get("/dir", follow_redirects=True).data == b"dir"


def test_slash_redirect_keeps_query_string(app: Vial, client) -> None:
    app.add_url_rule("/dir/", "d", lambda: vial.request.args["q"])
    rv = client.get("/dir?q=1")
    assert rv.headers["Location"] == "http://localhost/dir/?q=1"


def test_redirect_to(app: Vial, client) -> None:
    app.add_url_rule("/old/<int:id>", "old", redirect_to="/new/<id>")
    app.add_url_rule("/new/<int:id>", "new", lambda id: str(id))
    rv = client.get("/old/3")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/new/3"


def test_defaults(app: Vial, client) -> None:
    @app.route("/page/", defaults={"n": 1})
    @app.route("/page/<int:n>")
    def page(n):
        return str(n)

    assert client.get("/page/").data == b"1"
    assert client.get("/page/5").data == b"5"
    # the default is the canonical URL: Werkzeug redirects /page/1 to /page/
    assert client.get("/page/1").status_code == 308


def test_request_url_rule_and_view_args(app: Vial, client) -> None:
    @app.route("/u/<name>")
    def user(name):
        r = vial.request
        return f"{r.url_rule.rule} {r.view_args} {r.endpoint} {r.blueprint}"

    assert client.get("/u/ann").data == b"/u/<name> {'name': 'ann'} user None"


def test_routing_exception_on_request(app: Vial) -> None:
    with app.test_request_context("/nothing"):
        assert vial.request.routing_exception.code == 404
        assert vial.request.url_rule is None
        assert vial.request.endpoint is None


def test_url_for_basics(app: Vial) -> None:
    @app.route("/")
    def index():
        return ""

    @app.route("/u/<name>", methods=["GET", "POST"])
    def user(name):
        return ""

    app.add_url_rule("/u/<name>", "user_put", methods=["PUT"])

    with app.test_request_context():
        assert vial.url_for("index") == "/"
        assert vial.url_for("user", name="a b") == "/u/a%20b"
        assert vial.url_for("user", name="x", q="1", _anchor="top bit") == "/u/x?q=1#top%20bit"
        assert vial.url_for("index", _external=True) == "http://localhost/"
        assert vial.url_for("index", _scheme="https") == "https://localhost/"
        assert vial.url_for("index", _anchor="a/b?c") == "/#a/b?c"
        assert vial.url_for("user", name="x", _method="POST") == "/u/x"
        with pytest.raises(ValueError, match="_scheme"):
            vial.url_for("index", _scheme="https", _external=False)
        with pytest.raises(BuildError):
            vial.url_for("missing")


def test_url_for_a_rule_variable_named_self(app: Vial) -> None:
    @app.route("/<self>")
    def index(self: str) -> str:
        return self

    with app.test_request_context():
        assert vial.url_for("index", self="2") == "/2"
        assert app.url_for("index", self="3") == "/3"
    assert app.test_client().get("/x").data == b"x"


def test_url_for_outside_request(app: Vial) -> None:
    app.add_url_rule("/x", "x", lambda: "")
    with app.app_context():
        with pytest.raises(RuntimeError, match="SERVER_NAME"):
            vial.url_for("x")
    app.config.update(
        SERVER_NAME="example.org", APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https"
    )
    with app.app_context():
        assert vial.url_for("x") == "https://example.org/app/x"
        assert vial.url_for("x", _external=False) == "/app/x"
    assert app.url_for("x") == "https://example.org/app/x"


def test_url_for_with_application_root_in_request(app: Vial, client) -> None:
    app.add_url_rule("/x", "x", lambda: vial.url_for("x"))
    assert client.get("/x", environ_overrides={"SCRIPT_NAME": "/mount"}).data == b"/mount/x"


def test_build_error_handlers(app: Vial) -> None:
    def handler(error, endpoint, values):
        if endpoint == "external":
            return f"https://elsewhere/{values['id']}"
        return None

    app.url_build_error_handlers.append(handler)
    with app.test_request_context():
        assert vial.url_for("external", id=3) == "https://elsewhere/3"
        with pytest.raises(BuildError):
            vial.url_for("other")


def test_build_error_handler_reraises_new_error(app: Vial) -> None:
    def handler(error, endpoint, values):
        raise BuildError("replaced", values, None)

    app.url_build_error_handlers.append(handler)
    with app.test_request_context():
        with pytest.raises(BuildError) as exc_info:
            vial.url_for("missing")
    assert exc_info.value.endpoint == "replaced"


def test_url_defaults_and_value_preprocessor(app: Vial, client) -> None:
    @app.url_defaults
    def add_lang(endpoint, values):
        if "lang" in app.url_map._rules_by_endpoint.get(endpoint, [None])[0].arguments:
            values.setdefault("lang", vial.g.get("lang", "en"))

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        vial.g.lang = values.pop("lang", None)

    @app.route("/<lang>/")
    def index():
        return vial.url_for("about")

    @app.route("/<lang>/about")
    def about():
        return vial.g.lang

    assert client.get("/de/").data == b"/de/about"
    assert client.get("/fr/about").data == b"fr"


def test_subdomains_with_server_name(client) -> None:
    app = Vial(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/", subdomain="<user>")
    def user_home(user):
        return f"home of {user}"

    @app.route("/")
    def index():
        return "main"

    c = app.test_client()
    assert c.get("/", base_url="http://ann.example.test").data == b"home of ann"
    assert c.get("/", base_url="http://example.test").data == b"main"
    with app.app_context():
        assert vial.url_for("user_home", user="bob") == "http://bob.example.test/"


def test_subdomain_ignored_without_subdomain_matching(app: Vial, client) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "index", lambda: "main")
    assert client.get("/", base_url="http://www.example.test").data == b"main"
    # SERVER_NAME does not restrict which hosts are served
    assert client.get("/", base_url="http://other.test").data == b"main"


def test_host_matching() -> None:
    app = Vial(__name__, host_matching=True, static_host="static.test")
    app.add_url_rule("/", "a", lambda: "a", host="a.test")
    app.add_url_rule("/", "b", lambda sub: sub, host="<sub>.b.test")
    c = app.test_client()
    assert c.get("/", base_url="http://a.test").data == b"a"
    assert c.get("/", base_url="http://x.b.test").data == b"x"
    assert c.get("/", base_url="http://c.test").status_code == 404


def test_static_host_required_with_host_matching() -> None:
    with pytest.raises(AssertionError, match="static_host"):
        Vial(__name__, host_matching=True)
    Vial(__name__, host_matching=True, static_folder=None)


def test_url_for_method_in_template(app: Vial) -> None:
    app.add_url_rule("/x", "x", lambda: "")
    with app.test_request_context():
        assert vial.render_template_string("{{ url_for('x', a=1) }}") == "/x?a=1"


def test_server_name_mismatch_warning_names_the_app_module() -> None:
    """Werkzeug warns when the Host is not under SERVER_NAME with subdomain matching on;
    as with Flask, the warning comes from the app module, so it can be filtered by it."""
    app = Vial(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "localhost.localdomain:3000"

    @app.route("/")
    def index() -> tuple[str, int]:
        return "", 204

    client = app.test_client()
    with pytest.warns(UserWarning, match="Current server name") as record:
        assert client.get("/", "http://127.0.0.1:3000/").status_code == 404
    assert record[0].filename == vial.app.__file__
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Current server name", UserWarning, "vial.app")
        assert client.get("/", "http://127.0.0.1:3000/").status_code == 404
    assert client.get("/", "http://localhost.localdomain:3000/").status_code == 204
