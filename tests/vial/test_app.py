"""The app object: return values, limits, swappable classes, attributes, imports."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import typing as t
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WerkzeugResponse

import vial
from vial import Vial


@pytest.mark.parametrize(
    ("rv", "status", "body", "mimetype"),
    [
        ("text", 200, b"text", "text/html"),
        (b"bytes", 200, b"bytes", "text/html"),
        (bytearray(b"ba"), 200, b"ba", "text/html"),
        ({"a": 1}, 200, b'{"a":1}\n', "application/json"),
        ([1, 2], 200, b"[1,2]\n", "application/json"),
        (("created", 201), 201, b"created", "text/html"),
        (("teapot", "418 I'M A TEAPOT"), 418, b"teapot", "text/html"),
        (({"e": 1}, 400), 400, b'{"e":1}\n', "application/json"),
    ],
)
def test_make_response_shapes(app: Vial, client, rv, status, body, mimetype) -> None:
    app.add_url_rule("/", "i", lambda: rv)
    resp = client.get("/")
    assert resp.status_code == status
    assert resp.data == body
    assert resp.mimetype == mimetype


def test_tuple_with_headers(app: Vial, client) -> None:
    app.add_url_rule("/dict", "d", lambda: ("x", {"X-A": "1"}))
    app.add_url_rule("/list", "l", lambda: ("x", [("X-A", "2")]))
    app.add_url_rule("/three", "t", lambda: ("x", 202, Headers({"X-A": "3"})))
    app.add_url_rule("/content-type", "c", lambda: ("x", {"Content-Type": "text/plain"}))
    assert client.get("/dict").headers["X-A"] == "1"
    assert client.get("/list").headers["X-A"] == "2"
    rv = client.get("/three")
    assert (rv.status_code, rv.headers["X-A"]) == (202, "3")
    assert client.get("/content-type").mimetype == "text/plain"


def test_generator_body(app: Vial, client) -> None:
    def gen():
        yield "a"
        yield b"b"

    app.add_url_rule("/", "i", lambda: gen())
    assert client.get("/").data == b"ab"


def test_response_objects_and_wsgi_callables(app: Vial, client) -> None:
    app.add_url_rule("/own", "own", lambda: vial.Response("own", 203))
    app.add_url_rule("/wz", "wz", lambda: WerkzeugResponse("wz", 202))

    def wsgi(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from wsgi ", environ["PATH_INFO"].encode()]

    app.add_url_rule("/wsgi", "wsgi", lambda: wsgi)
    app.add_url_rule("/status-override", "so", lambda: (vial.Response("x"), 404))
    assert client.get("/own").status_code == 203
    rv = client.get("/wz")
    assert (rv.status_code, rv.data) == (202, b"wz")
    assert client.get("/wsgi").data == b"from wsgi /wsgi"
    assert client.get("/status-override").status_code == 404

    with app.test_request_context():
        converted = app.make_response(WerkzeugResponse("x"))
        assert isinstance(converted, app.response_class)


@pytest.mark.parametrize(
    ("rv", "message"),
    [
        (None, "did not return a valid response"),
        ((), "tuple must have the form"),
        (("a", 1, {}, 4), "tuple must have the form"),
        (42, "callable, but it was a int"),
        ((None, 200), "returned None"),
    ],
)
def test_invalid_return_values(app: Vial, client, rv, message) -> None:
    app.add_url_rule("/", "i", lambda: rv)
    with pytest.raises(TypeError, match=message):
        client.get("/")


def test_make_response_helper(app: Vial) -> None:
    with app.test_request_context():
        rv = vial.make_response()
        assert rv.status_code == 200 and rv.data == b""
        rv = vial.make_response("body", 404, {"X": "y"})
        assert (rv.status_code, rv.data, rv.headers["X"]) == (404, b"body", "y")
        rv = vial.make_response(("tuple", 201))
        assert rv.status_code == 201
        rv = vial.make_response({"a": 1})
        assert rv.json == {"a": 1}


def test_default_config(app: Vial) -> None:
    expected = {
        "DEBUG": False,
        "PROPAGATE_EXCEPTIONS": None,
        "SECRET_KEY_FALLBACKS": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "USE_X_SENDFILE": False,
        "TRUSTED_HOSTS": None,
        "SERVER_NAME": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_PARTITIONED": False,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_CONTENT_LENGTH": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        "SEND_FILE_MAX_AGE_DEFAULT": None,
        "TRAP_BAD_REQUEST_ERRORS": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "EXPLAIN_TEMPLATE_LOADING": False,
        "PREFERRED_URL_SCHEME": "http",
        "TEMPLATES_AUTO_RELOAD": None,
        "MAX_COOKIE_SIZE": 4093,
        "PROVIDE_AUTOMATIC_OPTIONS": True,
    }
    for key, value in expected.items():
        assert app.config[key] == value, key


def test_debug_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_DEBUG", "1")
    assert Vial(__name__).debug is True
    monkeypatch.setenv("VIAL_DEBUG", "false")
    assert Vial(__name__).debug is False


def test_config_attributes(app: Vial) -> None:
    app.secret_key = "s"
    assert app.config["SECRET_KEY"] == "s"
    app.permanent_session_lifetime = 60  # type: ignore[assignment]
    assert app.permanent_session_lifetime == timedelta(seconds=60)
    app.testing = False
    assert app.config["TESTING"] is False
    app.debug = True
    assert app.config["DEBUG"] is True


def test_debug_sets_template_auto_reload(app: Vial) -> None:
    app.jinja_env  # noqa: B018
    app.debug = True
    assert app.jinja_env.auto_reload is True
    app.debug = False
    assert app.jinja_env.auto_reload is False
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    app.debug = False
    assert app.jinja_env.auto_reload is False  # unchanged: config takes precedence


def test_app_name() -> None:
    assert Vial("some.module").name == "some.module"
    main_app = Vial("__main__")
    expected = os.path.splitext(os.path.basename(sys.modules["__main__"].__file__ or ""))[0]
    assert main_app.name == (expected or "__main__")


def test_instance_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be absolute"):
        Vial(__name__, instance_path="relative")
    app = Vial(__name__, instance_path=str(tmp_path), instance_relative_config=True)
    (tmp_path / "settings.py").write_text("FROM_INSTANCE = 'yes'\n")
    app.config.from_pyfile("settings.py")
    assert app.config["FROM_INSTANCE"] == "yes"
    with app.open_instance_resource("note.txt", "w") as f:
        f.write("written")
    with app.open_instance_resource("note.txt") as f:
        assert f.read() == b"written"
    with app.open_instance_resource("note.txt", "r") as f:
        assert f.read() == "written"


def test_auto_instance_path_next_to_module(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "instance_mod_app.py").write_text("from vial import Vial\napp = Vial(__name__)\n")
    (tmp_path / "instance_pkg_app").mkdir()
    (tmp_path / "instance_pkg_app" / "__init__.py").write_text(
        "from vial import Vial\napp = Vial(__name__)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import instance_mod_app
    import instance_pkg_app

    assert instance_mod_app.app.instance_path == str(tmp_path / "instance")
    assert instance_pkg_app.app.instance_path == str(tmp_path / "instance")
    monkeypatch.delitem(sys.modules, "instance_mod_app")
    monkeypatch.delitem(sys.modules, "instance_pkg_app")


def test_open_resource(app: Vial, tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("data")
    app.root_path = str(tmp_path)
    with app.open_resource("data.txt") as f:
        assert f.read() == b"data"
    with app.open_resource("data.txt", "r", encoding="utf-8") as f:
        assert f.read() == "data"
    with pytest.raises(ValueError, match="opens files for reading only"):
        app.open_resource("data.txt", "w")


def test_max_content_length(app: Vial, client) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.route("/", methods=["POST"])
    def index():
        return vial.request.get_data()

    @app.route("/form", methods=["POST"])
    def form():
        return vial.request.form.get("a", "")

    assert client.post("/", data=b"small").data == b"small"
    assert client.post("/", data=b"x" * 11).status_code == 413
    assert client.post("/form", data={"a": "y" * 20}).status_code == 413
    with app.test_request_context():
        vial.request.max_content_length = 3
        assert vial.request.max_content_length == 3


def test_max_form_memory_size_and_parts(app: Vial, client) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 300
    app.config["MAX_FORM_PARTS"] = 4

    @app.route("/", methods=["POST"])
    def index():
        return ",".join(sorted(vial.request.form))

    small = {"a": "1"}
    assert client.post("/", data=small, content_type="multipart/form-data").data == b"a"
    rv = client.post("/", data={"a": "x" * 1000}, content_type="multipart/form-data")
    assert rv.status_code == 413
    many = {str(i): "1" for i in range(10)}
    rv = client.post("/", data=many, content_type="multipart/form-data")
    assert rv.status_code == 413
    with app.test_request_context():
        assert vial.request.max_form_memory_size == 300
        assert vial.request.max_form_parts == 4
        vial.request.max_form_parts = 9
        assert vial.request.max_form_parts == 9
    # outside an app the Werkzeug defaults apply
    req = vial.Request.from_values("/")
    assert req.max_form_parts == 1000
    assert req.max_content_length is None


def test_request_json(app: Vial, client) -> None:
    @app.route("/", methods=["POST"])
    def index():
        return {"got": vial.request.json, "is_json": vial.request.is_json}

    @app.route("/silent", methods=["POST"])
    def silent():
        return repr(vial.request.get_json(silent=True))

    @app.route("/force", methods=["POST"])
    def force():
        return repr(vial.request.get_json(force=True))

    assert client.post("/", json={"a": [1, 2]}).json == {"got": {"a": [1, 2]}, "is_json": True}
    rv = client.post("/", data="{bad", content_type="application/json")
    assert rv.status_code == 400
    assert b"Failed to decode" not in rv.data
    assert client.post("/", data="x=1").status_code == 415
    assert client.post("/silent", data="{bad", content_type="application/json").data == b"None"
    assert client.post("/force", data='{"a": 1}').data == b"{'a': 1}"
    app.debug = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    rv = client.post("/", data="{bad", content_type="application/json")
    assert b"Failed to decode JSON object" in rv.data


def test_response_json_and_defaults() -> None:
    rv = vial.Response('{"a": 1}', mimetype="application/json")
    assert rv.json == {"a": 1}
    assert vial.Response("x").mimetype == "text/html"
    assert vial.Response().max_cookie_size == 4093


def test_max_cookie_size_from_config(app: Vial) -> None:
    app.config["MAX_COOKIE_SIZE"] = 80
    with app.test_request_context():
        rv = vial.Response()
        assert rv.max_cookie_size == 80
        with pytest.warns(UserWarning, match="cookie is too large"):
            rv.set_cookie("big", "x" * 100)


def test_swappable_classes(tmp_path: Path) -> None:
    from vial.json.provider import DefaultJSONProvider

    class MyRequest(vial.Request):
        marker = "req"

    class MyResponse(vial.Response):
        default_mimetype = "text/plain"

    class MyJSON(DefaultJSONProvider):
        sort_keys = False

        def dumps(self, obj, **kwargs):
            return "custom:" + super().dumps(obj, **kwargs)

    class MyVial(Vial):
        request_class = MyRequest
        response_class = MyResponse
        json_provider_class = MyJSON

    app = MyVial(__name__)
    app.add_url_rule("/", "i", lambda: vial.request.marker)
    app.add_url_rule("/j", "j", lambda: {"b": 1, "a": 2})
    c = app.test_client()
    rv = c.get("/")
    assert (rv.data, rv.mimetype) == (b"req", "text/plain")
    assert c.get("/j").data.startswith(b"custom:")


def test_json_replaceable_on_instance(app: Vial, client) -> None:
    from vial.json.provider import DefaultJSONProvider

    class Compact(DefaultJSONProvider):
        def response(self, *args, **kwargs):
            rv = super().response(*args, **kwargs)
            rv.headers["X-Provider"] = "instance"
            return rv

    app.json = Compact(app)
    app.add_url_rule("/", "i", lambda: {"a": 1})
    assert client.get("/").headers["X-Provider"] == "instance"


def test_test_client_class_replaceable(app: Vial) -> None:
    from vial.testing import VialClient

    class MyClient(VialClient):
        custom = True

    app.test_client_class = MyClient
    assert isinstance(app.test_client(), MyClient)


def test_wsgi_app_middleware(app: Vial, client) -> None:
    inner = app.wsgi_app

    def middleware(environ, start_response):
        environ["HTTP_X_MIDDLEWARE"] = "1"
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    app.add_url_rule("/", "i", lambda: vial.request.headers["X-Middleware"])
    assert client.get("/").data == b"1"


def test_extensions_and_no_slots(app: Vial) -> None:
    app.extensions["thing"] = object()
    app.login_manager = "set by an extension"  # type: ignore[attr-defined]
    with app.test_request_context():
        vial.request.custom = 1  # type: ignore[attr-defined]
        vial.g.custom = 2
        rv = vial.make_response("x")
        rv.custom = 3  # type: ignore[attr-defined]


def test_make_shell_context(app: Vial) -> None:
    app.shell_context_processor(lambda: {"extra": 1})
    ctx = app.make_shell_context()
    assert ctx["app"] is app and ctx["extra"] == 1 and "g" in ctx


def test_run_is_ignored_under_the_cli(app: Vial, monkeypatch, capsys) -> None:
    monkeypatch.setenv("VIAL_RUN_FROM_CLI", "true")
    app.run()
    assert "Ignoring a call to 'app.run()'" in capsys.readouterr().err


def test_run_passes_options_to_run_simple(app: Vial, monkeypatch) -> None:
    import werkzeug.serving

    calls = []
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *a, **kw: calls.append((a, kw)))
    app.config["SERVER_NAME"] = "pie.dev:8080"
    app.run(load_dotenv=False, debug=False)
    (host, port, served), options = calls[0]
    assert (host, port, served) == ("pie.dev", 8080, app)
    assert options["threaded"] is True and options["use_reloader"] is False
    app.run(host="0.0.0.0", port=0, load_dotenv=False)
    assert calls[1][0][:2] == ("0.0.0.0", 0)


def test_repr_and_version(app: Vial) -> None:
    assert repr(app) == "<Vial 'vial_test'>"
    assert isinstance(vial.__version__, str)


def _run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_is_lazy() -> None:
    loaded = json.loads(
        _run_python(
            "import sys, json, vial; "
            "print(json.dumps([m for m in ('jinja2', 'click', 'itsdangerous', 'vial.templating',"
            " 'vial.cli', 'vial.testing', 'vial.sessions') if m in sys.modules]))"
        )
    )
    assert loaded == []


@pytest.mark.parametrize("module", ["globals", "signals", "typing"])
def test_bottom_layer_imports_no_siblings_at_runtime(module: str) -> None:
    """globals, signals and typing import siblings only under TYPE_CHECKING."""
    import ast

    path = Path(vial.__file__).parent / f"{module}.py"
    tree = ast.parse(path.read_text())
    runtime_relative = [
        node.module
        for node in tree.body  # top level only: TYPE_CHECKING blocks are `if` nodes
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert runtime_relative == []


def test_template_functions_import_on_first_use() -> None:
    assert (
        _run_python(
            "import vial, sys; f = vial.render_template; "
            "print('jinja2' in sys.modules, f is vial.render_template)"
        )
        == "True True"
    )
    with pytest.raises(AttributeError):
        vial.no_such_name  # noqa: B018


def _module_attributes(package: str) -> set[str]:
    """The submodules a bare ``import PACKAGE`` leaves as attributes, in a fresh process."""
    code = (
        f"import types, {package}; "
        f"print(' '.join(k for k, v in vars({package}).items() "
        f"if isinstance(v, types.ModuleType) and v.__name__ == '{package}.' + k))"
    )
    return set(_run_python(code).split())


def test_submodules_flask_binds_are_attributes_on_first_access() -> None:
    """After ``import flask``, ``flask.cli`` and the like are attributes; the same names on
    vial work after a bare ``import vial``, imported on first access so the import of the
    package stays cheap (no click, no Jinja)."""
    pytest.importorskip("flask")
    flask_bound = _module_attributes("flask")
    assert {"cli", "sessions", "templating", "logging", "json"} <= flask_bound
    missing = sorted(flask_bound - _module_attributes("vial"))
    code = (
        "import sys, vial; "
        "print('click' in sys.modules, 'jinja2' in sys.modules, "
        f"all(getattr(vial, name).__name__ == 'vial.' + name for name in {missing!r}), "
        "vial.cli.AppGroup.__module__, vial.json.tag.__name__, vial.sansio.app.App is vial.Vial, "
        "{'cli', 'templating'} <= set(dir(vial)))"
    )
    assert _run_python(code) == "False False True vial.cli vial.json.tag True True"


# -- parity: the same app on Flask (installed as a test dependency) gives the same bytes --


def _parity_app(mod, cls, root: Path, subdomain_matching: bool, config: dict):
    app = cls("parity", root_path=str(root), subdomain_matching=subdomain_matching)
    app.config.update(SECRET_KEY="k", **config)
    bp = mod.Blueprint("bp", "parity", url_prefix="/bp")
    child = mod.Blueprint("child", "parity", url_prefix="/c")

    @child.route("/")
    def child_index():
        r = mod.request
        return f"{r.blueprint} {r.blueprints} {mod.url_for('.child_index')}"

    @bp.route("/err")
    def bp_err():
        mod.abort(403)

    bp.register_error_handler(403, lambda e: ("bp403", 403))
    bp.register_blueprint(child)
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="bp2", url_prefix="/two")

    @app.route("/")
    def index():
        return "hello"

    # The automatic OPTIONS answer's Allow header: its order follows the method sets'
    # iteration order, which differs between processes (hash seed) but must match
    # Flask's within one; compared verbatim below.
    class Resource(importlib.import_module(f"{mod.__name__}.views").MethodView):
        def get(self):
            return "got"

        def post(self):
            return "posted"

    app.add_url_rule("/resource", view_func=Resource.as_view("resource"))
    app.add_url_rule("/put-only", "put_only", lambda: "put", methods=["PUT"])
    app.add_url_rule("/many", "many", lambda: "many", methods=["DELETE", "PATCH", "GET", "POST"])

    @app.route("/dir/")
    def directory():
        return "dir"

    @app.route("/post", methods=["POST"])
    def post():
        return str(len(mod.request.get_data()))

    @app.route("/json")
    def json_view():
        return {"b": 1, "a": [1, 2]}

    @app.route("/abort/<int:code>")
    def abort(code):
        mod.abort(code)

    @app.route("/redirect")
    def redirect():
        return mod.redirect(mod.url_for("index", q="1", _anchor="x"))

    @app.route("/tuple")
    def tuple_view():
        return "t", 201, {"X-A": "b"}

    @app.route("/session")
    def session_view():
        mod.session.permanent = "perm" in mod.request.args
        mod.session["a"] = mod.session.get("a", 0) + 1
        return str(mod.session["a"])

    @app.route("/getjson", methods=["POST"])
    def getjson():
        return {"v": mod.request.get_json()}

    @app.route("/external")
    def external():
        return mod.url_for("index", _external=True)

    @app.route("/form", methods=["POST"])
    def form():
        return mod.request.form["x"]

    @app.route("/boom")
    def boom():
        raise ValueError("x")

    @app.route("/old", redirect_to="/external")
    def old():
        return ""

    @app.route("/sub", subdomain="<s>")
    def sub(s):
        return s

    @app.route("/flash")
    def flash():
        mod.flash("m")
        return ",".join(mod.get_flashed_messages())

    @app.before_request
    def before():
        if mod.request.args.get("stop"):
            return "stopped", 202
        return None

    @app.after_request
    def after(response):
        response.headers["X-After"] = mod.request.endpoint or "none"
        return response

    return app


_PARITY_CASES = [
    ("OPTIONS", "/resource", {}),
    ("OPTIONS", "/put-only", {}),
    ("OPTIONS", "/many", {}),
    ("PUT", "/resource", {}),
    ("GET", "/", {}),
    ("HEAD", "/", {}),
    ("OPTIONS", "/", {}),
    ("POST", "/", {}),
    ("GET", "/dir", {}),
    ("GET", "/dir?x=1", {}),
    ("GET", "/missing", {}),
    ("OPTIONS", "/missing", {}),
    ("GET", "/post", {}),
    ("OPTIONS", "/post", {}),
    ("POST", "/post", {"data": "123456789"}),
    ("GET", "/json", {}),
    ("GET", "/abort/401", {}),
    ("GET", "/abort/418", {}),
    ("GET", "/abort/500", {}),
    ("GET", "/redirect", {}),
    ("GET", "/tuple", {}),
    ("GET", "/session", {}),
    ("GET", "/session?perm=1", {}),
    ("POST", "/getjson", {"json": [1]}),
    ("POST", "/getjson", {"data": "{x", "content_type": "application/json"}),
    ("POST", "/getjson", {"data": "x"}),
    ("GET", "/external", {"base_url": "https://example.org:8443/app"}),
    ("POST", "/form", {"data": {"y": "1"}}),
    ("GET", "/boom", {}),
    ("GET", "/old", {}),
    ("GET", "/flash", {}),
    ("GET", "/?stop=1", {}),
    ("GET", "/bp/c/", {}),
    ("GET", "/two/c/", {}),
    ("GET", "/bp/err", {}),
    ("GET", "/static/a.txt", {}),
    ("GET", "/static/../a.txt", {}),
    ("GET", "/sub", {"base_url": "http://x.srv.test"}),
    ("GET", "/external", {"base_url": "http://www.srv.test"}),
    ("GET", "/external", {"headers": {"Host": "good.test"}}),
    ("GET", "/external", {"headers": {"Host": "evil.test"}}),
    ("GET", "/", {"headers": {"Host": "bad host"}}),
]


def _timeless_header(app: t.Any, name: str, value: str) -> tuple[str, str]:
    """A header with the clock taken out, so two runs a second apart still compare equal.

    The session cookie is signed with a timestamp and a permanent one carries an
    ``Expires`` date; compare what the cookie holds and which attributes it has instead.
    """
    if name != "Set-Cookie" or not value.startswith(app.config["SESSION_COOKIE_NAME"] + "="):
        return name, value
    cookie, *attributes = value.split("; ")
    key, _, token = cookie.partition("=")
    if token:
        payload = app.session_interface.get_signing_serializer(app).loads(token)
        cookie = f"{key}=<{payload!r}>"
    attributes = [a.partition("=")[0] if a.startswith("Expires=") else a for a in attributes]
    return name, "; ".join([cookie, *attributes])


@pytest.mark.parametrize(
    ("config", "subdomain_matching"),
    [
        ({}, False),
        ({"TESTING": True}, False),
        ({"DEBUG": True, "PROPAGATE_EXCEPTIONS": False}, False),
        ({"TRUSTED_HOSTS": ["good.test", "localhost"]}, False),
        ({"MAX_CONTENT_LENGTH": 5}, False),
        ({"SERVER_NAME": "srv.test"}, True),
        ({"SERVER_NAME": "srv.test", "APPLICATION_ROOT": "/root"}, False),
    ],
)
def test_parity_with_flask(tmp_path: Path, config: dict, subdomain_matching: bool) -> None:
    """Status, headers (but Date) and body match Flask 3.1 for the same app and requests."""
    import warnings

    flask = pytest.importorskip("flask")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("static a")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        apps = [
            _parity_app(mod, cls, tmp_path, subdomain_matching, config)
            for mod, cls in ((flask, flask.Flask), (vial, Vial))
        ]
    apps[1].logger.disabled = apps[0].logger.disabled = True  # same logger name: keep quiet
    for method, path, kwargs in _PARITY_CASES:
        results = []
        for parity_app in apps:
            try:
                rv = parity_app.test_client().open(path, method=method, **kwargs)
            except Exception as e:
                results.append(("raised", type(e).__name__, str(e)))
                continue
            headers = sorted(
                _timeless_header(parity_app, k, v)
                for k, v in rv.headers
                if k not in {"Date", "Last-Modified", "ETag"}
            )
            results.append((rv.status, headers, rv.get_data()))
            rv.close()
        assert results[1] == results[0], (method, path, kwargs)


# -- less travelled paths -------------------------------------------------------------


def test_bare_template_decorators(app: Vial) -> None:
    @app.template_test
    def small(n):
        return n < 3

    @app.template_global
    def greeting():
        return "hi"

    with app.app_context():
        assert vial.render_template_string("{{ 1 is small }} {{ greeting() }}") == "True hi"


def test_base_exception_reaches_teardown_and_propagates(app: Vial, client) -> None:
    class Stop(BaseException):
        pass

    seen = []
    app.teardown_request(lambda exc: seen.append(type(exc).__name__))

    @app.route("/")
    def index():
        raise Stop()

    with pytest.raises(Stop):
        client.get("/")
    assert seen == ["Stop"]


def test_should_ignore_error_hides_it_from_teardown(client) -> None:
    class Quiet(Vial):
        def should_ignore_error(self, error):
            return isinstance(error, LookupError)

    app = Quiet(__name__)
    app.testing = False
    seen = []
    app.teardown_request(lambda exc: seen.append(exc))
    app.add_url_rule("/", "i", lambda: {}["missing"])
    assert app.test_client().get("/").status_code == 500
    assert seen == [None]


def test_failure_while_finalizing_an_error_response_is_logged(app: Vial, caplog) -> None:
    app.testing = False

    @app.after_request
    def broken(response):
        if response.status_code == 500:
            raise RuntimeError("after_request broke")
        return response

    app.add_url_rule("/", "i", lambda: 1 / 0)
    rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert "after_request broke" in caplog.text


def test_wsgi_callable_with_wrong_signature(app: Vial, client) -> None:
    app.add_url_rule("/", "i", lambda: lambda: None)
    with pytest.raises(TypeError, match="did not return a valid response"):
        client.get("/")


def test_handle_exception_called_directly_reraises(app: Vial) -> None:
    with app.test_request_context():
        with pytest.raises(ValueError, match="direct"):
            app.handle_exception(ValueError("direct"))


def test_run_reads_debug_from_dotenv(app: Vial, monkeypatch, tmp_path: Path) -> None:
    pytest.importorskip("dotenv")
    import werkzeug.serving

    calls = []
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *a, **kw: calls.append(kw))
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("VIAL_DEBUG=1\n")
    app.run()
    assert app.debug is True
    assert calls[0]["use_reloader"] is True
    monkeypatch.delenv("VIAL_DEBUG", raising=False)


def test_non_ascii_paths_and_hosts(app: Vial, client) -> None:
    app.add_url_rule("/café/<name>", "cafe", lambda name: name)
    app.add_url_rule("/host", "host", lambda: vial.url_for("host", _external=True))
    assert client.get("/caf%C3%A9/cr%C3%A8me").data == "crème".encode()
    host = client.get("/host", headers={"Host": "BIG.Test:8080"}).data
    assert host == b"http://big.test:8080/host"  # lower-cased, port kept, as Werkzeug binds
    assert client.get("/host", headers={"Host": "xn--bcher-kva.test"}).data == (
        b"http://xn--bcher-kva.test/host"
    )
    # a label longer than 63 characters cannot be IDNA-encoded: a 400, not a crash
    assert client.get("/host", headers={"Host": "a" * 64 + ".test"}).status_code == 400


def test_find_package_for_installed_and_namespace_packages(tmp_path: Path, monkeypatch) -> None:
    from vial.scaffold import find_package

    prefix, path = find_package("werkzeug")
    assert prefix == os.path.abspath(sys.prefix)
    assert path.endswith("site-packages")

    (tmp_path / "ns_outer" / "inner").mkdir(parents=True)
    (tmp_path / "ns_outer" / "inner" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert find_package("ns_outer.inner") == (None, str(tmp_path))
    assert find_package("no_such_top_level_pkg") == (None, os.getcwd())


def test_sansio_module_names(app: Vial) -> None:
    """Code importing Flask 3's ``flask.sansio`` modules finds the same classes here."""
    from vial.sansio.app import App
    from vial.sansio.blueprints import Blueprint, BlueprintSetupState
    from vial.sansio.scaffold import Scaffold, T_route, setupmethod

    assert isinstance(app, App) and isinstance(app, Scaffold)
    assert Blueprint is vial.Blueprint
    assert BlueprintSetupState.__name__ == "BlueprintSetupState"
    assert callable(setupmethod) and T_route.__name__ == "T_route"


def test_text_bodies_keep_the_content_type_of_a_custom_response_class() -> None:
    """Plain bodies get their Content-Type passed ready-made only to Werkzeug's own
    constructor; a response class with its own ``__init__`` or mimetype is honoured."""

    class Text(vial.Response):
        default_mimetype = "text/plain"

    class Wrapped(vial.Response):
        def __init__(self, response: t.Any = None, status: t.Any = None, headers: t.Any = None):
            super().__init__(response, status, headers)
            self.headers["X-Wrapped"] = "1"

    for cls, expected in (
        (Text, "text/plain; charset=utf-8"),
        (Wrapped, "text/html; charset=utf-8"),
    ):
        app = Vial(__name__)
        app.response_class = cls
        app.add_url_rule("/", "i", lambda: "hi")
        app.add_url_rule("/h", "h", lambda: ("hi", {"Content-Type": "text/csv"}))
        rv = app.test_client().get("/")
        assert (rv.headers["Content-Type"], rv.data) == (expected, b"hi")
        assert app.test_client().get("/h").headers["Content-Type"] == "text/csv"
    assert rv.headers["X-Wrapped"] == "1"
    Text.default_mimetype = "text/markdown"  # changed after use: followed
    app = Vial(__name__)
    app.response_class = Text
    app.add_url_rule("/", "i", lambda: "hi")
    assert app.test_client().get("/").headers["Content-Type"] == "text/markdown; charset=utf-8"
