"""Blueprints: prefixes, subdomains, defaults, nesting, double registration, app_* hooks."""

from __future__ import annotations

from pathlib import Path

import pytest

import vial
from vial import Blueprint, Vial


def test_url_prefix_and_endpoints(app: Vial, client) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/")
    def index():
        return f"{vial.request.endpoint} {vial.request.blueprint} {vial.request.blueprints}"

    @bp.route("/users")
    def users():
        return vial.url_for(".index") + " " + vial.url_for("admin.users")

    app.register_blueprint(bp)
    assert client.get("/admin/").data == b"admin.index admin ['admin']"
    assert client.get("/admin/users").data == b"/admin/ /admin/users"
    assert app.blueprints["admin"] is bp
    assert "admin.index" in app.view_functions


def test_register_options_override(app: Vial, client) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/ignored")
    bp.add_url_rule("/x", "x", lambda: vial.request.path)
    app.register_blueprint(bp, url_prefix="/used")
    assert client.get("/used/x").data == b"/used/x"
    assert client.get("/ignored/x").status_code == 404


def test_prefix_joining(app: Vial, client) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/pre/")
    bp.add_url_rule("/a", "a", lambda: "a")
    bp.add_url_rule("", "root", lambda: "root")
    app.register_blueprint(bp)
    assert client.get("/pre/a").data == b"a"
    # an empty rule is the prefix itself, trailing slash included
    assert client.get("/pre/").data == b"root"
    assert client.get("/pre").status_code == 308


def test_url_defaults(app: Vial, client) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"page": 1})

    @bp.route("/list")
    def listing(page):
        return str(page)

    @bp.route("/other", defaults={"page": 5, "extra": "e"})
    def other(page, extra):
        return f"{page}{extra}"

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="bp2", url_prefix="/two", url_defaults={"page": 2})
    assert client.get("/list").data == b"1"
    assert client.get("/other").data == b"5e"
    assert client.get("/two/list").data == b"2"


def test_register_twice_under_different_names(app: Vial, client) -> None:
    bp = Blueprint("bp", __name__)
    calls = []
    bp.before_request(lambda: calls.append(vial.request.blueprint))

    @bp.route("/")
    def index():
        return vial.url_for(".index")

    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="bp_b")
    assert client.get("/a/").data == b"/a/"
    assert client.get("/b/").data == b"/b/"
    assert calls == ["bp", "bp_b"]
    assert set(app.blueprints) == {"bp", "bp_b"}


def test_duplicate_name_is_an_error(app: Vial) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="already registered for this blueprint"):
        app.register_blueprint(bp)
    other = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="another blueprint"):
        app.register_blueprint(other)


def test_invalid_names(app: Vial) -> None:
    with pytest.raises(ValueError, match="non-empty name"):
        Blueprint("", __name__)
    with pytest.raises(ValueError, match="may not contain a dot"):
        Blueprint("a.b", __name__)
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="endpoint 'a.b' may not contain a dot"):
        bp.add_url_rule("/", "a.b", lambda: "")

    def dotted():
        return ""

    dotted.__name__ = "a.b"
    with pytest.raises(ValueError, match="view function name 'a.b' may not contain a dot"):
        bp.add_url_rule("/", view_func=dotted)
    with pytest.raises(ValueError, match="nested in itself"):
        bp.register_blueprint(bp)


def test_nested_blueprints(app: Vial, client) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    grandchild = Blueprint("grandchild", __name__, url_prefix="/grandchild")

    @grandchild.route("/")
    def index():
        r = vial.request
        return f"{r.blueprint}|{','.join(r.blueprints)}|{vial.url_for('.index')}"

    @parent.route("/")
    def parent_index():
        return vial.url_for("parent.child.grandchild.index")

    child.register_blueprint(grandchild)
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    rv = client.get("/parent/child/grandchild/")
    assert rv.data == (
        b"parent.child.grandchild|parent.child.grandchild,parent.child,parent"
        b"|/parent/child/grandchild/"
    )
    assert client.get("/parent/").data == b"/parent/child/grandchild/"
    assert set(app.blueprints) == {"parent", "parent.child", "parent.child.grandchild"}


def test_nested_prefix_override_and_subdomains() -> None:
    app = Vial(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    parent = Blueprint("parent", __name__, subdomain="api")
    child = Blueprint("child", __name__, subdomain="v1")
    child.add_url_rule("/", "i", lambda: "child")
    parent.add_url_rule("/", "i", lambda: "parent")
    parent.register_blueprint(child, url_prefix="/kid")
    app.register_blueprint(parent)
    c = app.test_client()
    assert c.get("/", base_url="http://api.example.test").data == b"parent"
    assert c.get("/kid/", base_url="http://v1.api.example.test").data == b"child"
    assert c.get("/kid/", base_url="http://api.example.test").status_code == 404


def test_nested_blueprint_registered_twice(app: Vial, client) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    child.add_url_rule("/", "i", lambda: vial.request.blueprint)
    parent.register_blueprint(child, url_prefix="/one")
    parent.register_blueprint(child, name="again", url_prefix="/two")
    app.register_blueprint(parent)
    assert client.get("/one/").data == b"parent.child"
    assert client.get("/two/").data == b"parent.again"


def test_blueprint_subdomain_option(client) -> None:
    app = Vial(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/", "i", lambda: "sub")
    app.register_blueprint(bp, subdomain="shop")
    c = app.test_client()
    assert c.get("/", base_url="http://shop.example.test").data == b"sub"
    with app.app_context():
        assert vial.url_for("bp.i") == "http://shop.example.test/"


def test_record_and_record_once(app: Vial) -> None:
    bp = Blueprint("bp", __name__)
    every, once = [], []
    bp.record(lambda state: every.append((state.app, state.name, state.url_prefix)))
    bp.record_once(lambda state: once.append(state.first_registration))
    app.register_blueprint(bp, url_prefix="/1")
    app.register_blueprint(bp, url_prefix="/2", name="second")
    other = Vial("other")
    other.register_blueprint(bp)
    assert every == [(app, "bp", "/1"), (app, "second", "/2"), (other, "bp", None)]
    assert once == [True, True]


def test_app_template_registrations(app: Vial) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter()
    def reverse(s):
        return s[::-1]

    @bp.app_template_filter("shout")
    def shout_filter(s):
        return s.upper()

    @bp.app_template_test()
    def boolean(value):
        return isinstance(value, bool)

    @bp.app_template_test("even")
    def is_even(n):
        return n % 2 == 0

    @bp.app_template_global()
    def triple(n):
        return n * 3

    bp.add_app_template_global(lambda: "g", name="gee")

    @bp.app_context_processor
    def inject():
        return {"injected": "yes"}

    app.register_blueprint(bp)
    with app.test_request_context():
        rv = vial.render_template_string(
            "{{ 'abc'|reverse }} {{ 'x'|shout }} {{ True is boolean }} {{ 4 is even }}"
            " {{ triple(2) }} {{ gee() }} {{ injected }}"
        )
    assert rv == "cba X True True 6 g yes"


def test_blueprint_template_filters_local(app: Vial) -> None:
    app.template_filter()(lambda s: s + "!")  # named "<lambda>"; just must not break
    app.add_template_filter(str.upper, name="up")
    app.add_template_test(lambda n: n > 1, name="big")
    app.add_template_global(42, name="answer")

    @app.template_filter
    def bare(s):
        return f"[{s}]"

    with app.app_context():
        assert (
            vial.render_template_string("{{ 'a'|up }}{{ 3 is big }}{{ answer }}{{ 'b'|bare }}")
            == "ATrue42[b]"
        )


def test_app_url_defaults_and_preprocessors(app: Vial, client) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/<lang>")

    @bp.url_defaults
    def add_lang(endpoint, values):
        values.setdefault("lang", vial.g.lang)

    @bp.url_value_preprocessor
    def pull_lang(endpoint, values):
        vial.g.lang = values.pop("lang")

    @bp.route("/")
    def index():
        return vial.url_for(".about")

    @bp.route("/about")
    def about():
        return vial.g.lang

    seen = []

    @bp.app_url_value_preprocessor
    def everywhere(endpoint, values):
        seen.append(endpoint)

    @bp.app_url_defaults
    def app_defaults(endpoint, values):
        if endpoint == "home":
            values.setdefault("tab", "main")

    app.add_url_rule("/home", "home", lambda: vial.url_for("home"))
    app.register_blueprint(bp)
    assert client.get("/de/").data == b"/de/about"
    assert client.get("/fr/about").data == b"fr"
    assert client.get("/home").data == b"/home?tab=main"
    assert seen == ["bp.index", "bp.about", "home"]


def test_blueprint_static_and_templates(app: Vial, client, tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body {}")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bp_page.html").write_text("bp {{ value }}")
    bp = Blueprint(
        "bp",
        __name__,
        static_folder="static",
        static_url_path="/assets",
        template_folder="templates",
        url_prefix="/bp",
        root_path=str(tmp_path),
    )

    @bp.route("/page")
    def page():
        return vial.render_template("bp_page.html", value="<b>")

    app.register_blueprint(bp)
    rv = client.get("/bp/assets/style.css")
    assert rv.data == b"body {}"
    assert rv.mimetype == "text/css"
    rv.close()
    assert client.get("/bp/page").data == b"bp &lt;b&gt;"
    with app.test_request_context():
        assert vial.url_for("bp.static", filename="style.css") == "/bp/assets/style.css"


def test_blueprint_static_url_path_defaults_to_folder_name(tmp_path: Path) -> None:
    bp = Blueprint("bp", __name__, static_folder=str(tmp_path / "files"))
    assert bp.static_url_path == "/files"
    assert bp.has_static_folder
    assert Blueprint("b2", __name__).static_url_path is None


def test_blueprint_view_functions_merged(app: Vial, client) -> None:
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/", "index")

    @bp.endpoint("bp.index")
    def index():
        return "via endpoint"

    app.register_blueprint(bp)
    assert client.get("/").data == b"via endpoint"


def test_blueprint_cli_group(app: Vial) -> None:
    bp = Blueprint("tools", __name__)

    @bp.cli.command("hello")
    def hello():
        print("hi from bp")

    app.register_blueprint(bp)
    assert "tools" in app.cli.commands
    result = app.test_cli_runner().invoke(args=["tools", "hello"])
    assert result.output == "hi from bp\n"

    flat = Blueprint("flat", __name__, cli_group=None)
    flat.cli.command("top")(lambda: print("top level"))
    app.register_blueprint(flat)
    assert app.test_cli_runner().invoke(args=["top"]).output == "top level\n"


def test_isinstance_and_repr() -> None:
    bp = Blueprint("bp", __name__)
    assert repr(bp) == "<Blueprint 'bp'>"
    assert bp.import_name == __name__
    bp.custom_attribute = 1  # extensions set attributes: no __slots__
