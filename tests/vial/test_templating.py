"""Templates: loading, autoescape, context, signals, streaming, blueprints."""

from __future__ import annotations

import logging
import typing as t
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from vial import (
    Blueprint,
    Vial,
    before_render_template,
    flash,
    g,
    get_template_attribute,
    render_template,
    render_template_string,
    request,
    session,
    stream_template,
    stream_template_string,
    template_rendered,
)
from vial.templating import DispatchingJinjaLoader, Environment


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "templates/hello.html": "Hello {{ name }}!",
            "templates/value.txt": "{{ value }}",
            "templates/value.html": "{{ value }}",
            "templates/value.htm": "{{ value }}",
            "templates/value.xml": "<v>{{ value }}</v>",
            "templates/value.xhtml": "<v>{{ value }}</v>",
            "templates/context.html": "{{ g.user }}|{{ request.path }}|{{ session.get('k') }}|{{ config.MARK }}",
            "templates/loop.html": "{% for i in items %}<li>{{ i }}</li>{% endfor %}",
            "templates/macros.html": "{% macro hi(n) %}hi {{ n }}{% endmacro %}{% set answer = 42 %}",
            "templates/shared.html": "app version",
        },
    )
    return tmp_path


@pytest.fixture
def app(root: Path) -> Vial:
    app = Vial(__name__, root_path=str(root))
    app.config.update(SECRET_KEY="k", TESTING=True)
    return app


def test_environment_is_ours_and_created_once(app: Vial) -> None:
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.app is app
    assert isinstance(env.loader, DispatchingJinjaLoader)
    assert app.jinja_env is env


def test_render_template(app: Vial) -> None:
    with app.app_context():
        assert render_template("hello.html", name="World") == "Hello World!"


def test_render_template_needs_app_context(app: Vial) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        render_template("hello.html")


def test_render_first_existing_of_a_list(app: Vial) -> None:
    with app.app_context():
        assert render_template(["missing.html", "hello.html"], name="x") == "Hello x!"
        with pytest.raises(jinja2.TemplatesNotFound):
            render_template(["missing.html", "gone.html"])
        with pytest.raises(jinja2.TemplateNotFound):
            render_template("missing.html")


def test_render_template_object(app: Vial) -> None:
    with app.app_context():
        template = app.jinja_env.from_string("{{ 1 + n }}")
        assert render_template(template, n=1) == "2"


# -- autoescape (security) ------------------------------------------------------------

PAYLOAD = "<script>alert('x')</script>&"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"


@pytest.mark.parametrize("name", ["value.html", "value.htm", "value.xml", "value.xhtml"])
def test_markup_templates_autoescape(app: Vial, name: str) -> None:
    with app.app_context():
        assert ESCAPED in render_template(name, value=PAYLOAD)
        assert PAYLOAD not in render_template(name, value=PAYLOAD)


def test_text_templates_do_not_autoescape(app: Vial) -> None:
    with app.app_context():
        assert render_template("value.txt", value=PAYLOAD) == PAYLOAD


def test_render_template_string_autoescapes(app: Vial) -> None:
    with app.app_context():
        assert render_template_string("{{ v }}", v=PAYLOAD) == ESCAPED
        assert render_template_string("{{ v|safe }}", v=PAYLOAD) == PAYLOAD
        assert render_template_string("{{ v }}", v=Markup("<b>ok</b>")) == "<b>ok</b>"
        assert (
            render_template_string("{% autoescape false %}{{ v }}{% endautoescape %}", v=PAYLOAD)
            == PAYLOAD
        )


def test_escaping_in_a_response(app: Vial) -> None:
    @app.get("/")
    def index() -> str:
        return render_template("value.html", value=request.args["q"])

    rv = app.test_client().get("/", query_string={"q": PAYLOAD})
    assert rv.data.decode() == ESCAPED


def test_select_autoescape_can_be_overridden(root: Path) -> None:
    class TextOnly(Vial):
        def select_jinja_autoescape(self, filename: str | None) -> bool:
            return False

    app = TextOnly(__name__, root_path=str(root))
    with app.app_context():
        assert render_template("value.html", value="<b>") == "<b>"
        assert render_template_string("{{ v }}", v="<b>") == "<b>"


# -- context --------------------------------------------------------------------------


def test_default_context_has_g_request_session_config(app: Vial) -> None:
    app.config["MARK"] = "m"

    @app.get("/ctx")
    def ctx() -> str:
        g.user = "ada"
        session["k"] = "v"
        return render_template("context.html")

    assert app.test_client().get("/ctx").data == b"ada|/ctx|v|m"


def test_app_context_only_has_g_and_config(app: Vial) -> None:
    with app.app_context():
        g.user = "x"
        out = render_template_string("{{ g.user }}|{{ request is defined }}|{{ config.TESTING }}")
    # ``request`` is a global proxy, but unbound outside a request.
    assert out.startswith("x|")
    assert out.endswith("|True")


def test_context_processors_and_caller_precedence(app: Vial) -> None:
    @app.context_processor
    def extra() -> dict[str, t.Any]:
        return {"who": "processor", "shared": "processor"}

    with app.test_request_context():
        assert render_template_string("{{ who }} {{ shared }}", shared="caller") == (
            "processor caller"
        )


def test_blueprint_context_processors_apply_to_its_requests(app: Vial) -> None:
    bp = Blueprint("bp", __name__)

    @bp.context_processor
    def bp_values() -> dict[str, str]:
        return {"where": "blueprint"}

    @bp.app_context_processor
    def everywhere() -> dict[str, str]:
        return {"all": "yes"}

    @bp.get("/in")
    def inside() -> str:
        return render_template_string("{{ where }} {{ all }}")

    @app.get("/out")
    def outside() -> str:
        return render_template_string("{{ where|default('none') }} {{ all }}")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/in").data == b"blueprint yes"
    assert client.get("/out").data == b"none yes"


def test_template_globals_filters_tests(app: Vial) -> None:
    @app.template_filter()
    def shout(s: str) -> str:
        return s.upper()

    @app.template_test("short")
    def is_short(s: str) -> bool:
        return len(s) < 3

    @app.template_global()
    def answer() -> int:
        return 42

    with app.app_context():
        out = render_template_string("{{ 'hi'|shout }} {{ 'hi' is short }} {{ answer() }}")
    assert out == "HI True 42"


def test_url_for_and_flashed_messages_in_templates(app: Vial) -> None:
    @app.get("/page/<int:n>")
    def page(n: int) -> str:
        flash("saved", "info")
        return render_template_string(
            "{{ url_for('page', n=n + 1) }} {{ get_flashed_messages(with_categories=true) }}",
            n=n,
        )

    assert app.test_client().get("/page/1").data == b"/page/2 [(&#39;info&#39;, &#39;saved&#39;)]"


def test_rendering_does_not_open_the_session(app: Vial) -> None:
    @app.get("/")
    def index() -> str:
        return render_template("hello.html", name="x")

    rv = app.test_client().get("/")
    assert "Vary" not in rv.headers


def test_get_template_attribute(app: Vial) -> None:
    with app.app_context():
        hi = get_template_attribute("macros.html", "hi")
        assert hi("you") == "hi you"
        assert get_template_attribute("macros.html", "answer") == 42


def test_jinja_options(root: Path) -> None:
    class Custom(Vial):
        jinja_options = {"trim_blocks": True, "extensions": ["jinja2.ext.do"]}

    app = Custom(__name__, root_path=str(root))
    assert app.jinja_env.trim_blocks is True
    with app.app_context():
        assert render_template_string("{% set l = [] %}{% do l.append(1) %}{{ l }}") == "[1]"


# -- caching and reloading ------------------------------------------------------------


def test_template_string_compiled_once_per_source(app: Vial) -> None:
    compiled: list[str] = []
    original = app.jinja_env.from_string

    def counting_from_string(source: str, *args: t.Any, **kwargs: t.Any) -> t.Any:
        compiled.append(source)
        return original(source, *args, **kwargs)

    app.jinja_env.from_string = counting_from_string  # type: ignore[method-assign]
    with app.app_context():
        for i in range(3):
            assert render_template_string("{{ n }}!", n=i) == f"{i}!"
        # Filters added later are still found: lookups happen at render time.
        app.add_template_filter(lambda s: s[::-1], "rev")
        assert render_template_string("{{ 'ab'|rev }}") == "ba"
        assert render_template_string("{{ 'cd'|rev }}") == "dc"
    assert compiled == ["{{ n }}!", "{{ 'ab'|rev }}", "{{ 'cd'|rev }}"]


@pytest.mark.parametrize(
    ("setting", "debug", "expected"),
    [(None, False, False), (None, True, True), (True, False, True), (False, True, False)],
)
def test_auto_reload_setting(root: Path, setting: bool | None, debug: bool, expected: bool) -> None:
    app = Vial(__name__, root_path=str(root))
    app.config["TEMPLATES_AUTO_RELOAD"] = setting
    app.debug = debug
    assert app.jinja_env.auto_reload is expected


def test_auto_reload_picks_up_edits(app: Vial, root: Path) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    path = root / "templates" / "edit.html"
    path.write_text("one", encoding="utf-8")
    with app.app_context():
        assert render_template("edit.html") == "one"
        path.write_text("two!", encoding="utf-8")
        import os

        st = path.stat()
        os.utime(path, (st.st_atime, st.st_mtime + 5))
        assert render_template("edit.html") == "two!"


# -- signals --------------------------------------------------------------------------


def test_signals_are_sent_with_template_and_context(app: Vial) -> None:
    events: list[tuple[str, t.Any, str, dict[str, t.Any]]] = []

    def before(sender: Vial, template: jinja2.Template, context: dict[str, t.Any]) -> None:
        context["injected"] = "by signal"
        events.append(("before", sender, template.name or "", dict(context)))

    def rendered(sender: Vial, template: jinja2.Template, context: dict[str, t.Any]) -> None:
        events.append(("rendered", sender, template.name or "", dict(context)))

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(rendered, app),
    ):
        with app.app_context():
            out = render_template_string("{{ injected }}", a=1)
    assert out == "by signal"
    assert [e[0] for e in events] == ["before", "rendered"]
    assert all(e[1] is app for e in events)
    assert events[1][3]["a"] == 1 and "g" in events[1][3]


def test_signals_for_named_templates(app: Vial) -> None:
    names: list[str | None] = []

    def rendered(sender: Vial, template: jinja2.Template, context: dict[str, t.Any]) -> None:
        names.append(template.name)

    with template_rendered.connected_to(rendered):
        with app.app_context():
            render_template("hello.html", name="x")
    assert names == ["hello.html"]


# -- streaming ------------------------------------------------------------------------


def test_stream_template_in_a_response(app: Vial) -> None:
    @app.get("/")
    def index() -> t.Any:
        # The request context must still be alive while the body streams.
        return app.response_class(
            stream_template_string(
                "{{ request.args['a'] }}{% for i in items %}-{{ i }}{% endfor %}", items=range(3)
            )
        )

    assert app.test_client().get("/?a=x").data == b"x-0-1-2"


def test_stream_template_by_name_sends_rendered_after_the_end(app: Vial) -> None:
    seen: list[str] = []

    def rendered(sender: Vial, template: jinja2.Template, context: dict[str, t.Any]) -> None:
        seen.append("rendered")

    with template_rendered.connected_to(rendered), app.app_context():
        stream = stream_template("loop.html", items=[1, 2])
        assert seen == []
        assert "".join(stream) == "<li>1</li><li>2</li>"
    assert seen == ["rendered"]


# -- blueprints and loading -----------------------------------------------------------


def make_blueprint_app(root: Path) -> Vial:
    write(
        root,
        {
            "bp_a/templates/a/page.html": "page of a",
            "bp_a/templates/shared.html": "a version",
            "bp_b/templates/b/page.html": "page of b",
            "bp_b/templates/shared.html": "b version",
        },
    )
    app = Vial(__name__, root_path=str(root))
    app.register_blueprint(
        Blueprint("a", __name__, root_path=str(root / "bp_a"), template_folder="templates")
    )
    app.register_blueprint(
        Blueprint("b", __name__, root_path=str(root / "bp_b"), template_folder="templates")
    )
    return app


def test_blueprint_template_folders(root: Path) -> None:
    app = make_blueprint_app(root)
    with app.app_context():
        assert render_template("a/page.html") == "page of a"
        assert render_template("b/page.html") == "page of b"
        # The app's own folder wins, then blueprints in registration order.
        assert render_template("shared.html") == "app version"
        (root / "templates" / "shared.html").unlink()
        app.jinja_env.cache.clear()
        assert render_template("shared.html") == "a version"


def test_list_templates_covers_app_and_blueprints(root: Path) -> None:
    app = make_blueprint_app(root)
    names = app.jinja_env.list_templates()
    assert {"hello.html", "a/page.html", "b/page.html", "shared.html"} <= set(names)
    assert len(names) == len(set(names))


def test_app_without_template_folder(root: Path) -> None:
    app = Vial(__name__, root_path=str(root), template_folder=None)
    with app.app_context():
        with pytest.raises(jinja2.TemplateNotFound):
            render_template("hello.html")
        assert render_template_string("ok") == "ok"


def test_explain_template_loading(root: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = make_blueprint_app(root)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger=app.logger.name), app.app_context():
        assert render_template("shared.html") == "app version"
        with pytest.raises(jinja2.TemplateNotFound):
            render_template("nowhere.html")
    messages = [r.getMessage() for r in caplog.records]
    assert "Locating template 'shared.html'" in messages[0]
    assert "application 'test_templating'" in messages[0]
    assert "blueprint 'a'" in messages[0] and "blueprint 'b'" in messages[0]
    assert "multiple loaders" in messages[0]
    assert "could not be found" in messages[1]


def test_overlay_environment_compiles_its_own_string_templates(app: Vial) -> None:
    with app.app_context():
        assert render_template_string("{{ v }}", v="<b>") == "&lt;b&gt;"
        parent = app.jinja_env
        app.jinja_env = parent.overlay(autoescape=False)  # type: ignore[method-assign]
        try:
            assert render_template_string("{{ v }}", v="<b>") == "<b>"
        finally:
            app.jinja_env = parent  # type: ignore[method-assign]
        assert render_template_string("{{ v }}", v="<b>") == "&lt;b&gt;"


# -- the faster attribute lookup and autoescape give Jinja's output, byte for byte ------


class _Html:
    def __html__(self) -> str:
        return "<i>own html</i>"


class _Obj:
    name = "attr <wins>"

    def __getitem__(self, key: str) -> str:
        return f"item {key}"


_PARITY_SOURCES = {
    "dict_items": "{% for r in rows %}{{ r.name }}|{{ r.email }}|{{ r.missing }};{% endfor %}",
    "dict_methods_win": "{{ d.items }} {{ d.keys()|list }} {{ d.get('name') }} {{ d.copy }}",
    "dict_subclass": "{{ sub.name }} {{ sub.upper }}",
    "values": "{{ s }} {{ i }} {{ neg }} {{ f }} {{ b }} {{ n }} {{ m }} {{ h }} {{ big }}",
    "objects": "{{ o.name }} {{ o.other }} {{ o['k'] }}",
    "undefined": "{{ d.nope is defined }}|{{ d.nope }}|{{ d['nope'] }}|{{ d.nope|default('-') }}",
    "macro_and_call": (
        "{% macro row(x) %}<td>{{ x }}{{ caller() if caller }}</td>{% endmacro %}"
        "{{ row(s) }}{% call row(m) %}{{ s }}{% endcall %}{% set cap %}{{ s }}{% endset %}"
        "[{{ cap }}]"
    ),
    "autoescape_off": "{% autoescape false %}{{ s }}{% endautoescape %} {{ s }}",
    "filters": "{{ s|upper }} {{ s|e }} {{ s|safe }} {{ i|string }} {{ rows|length }}",
    "cycle": "{% for r in rows %}{{ loop.cycle('a', 'b') }}{{ loop.index }}{% endfor %}",
}


def _parity_context() -> dict[str, t.Any]:
    class Sub(dict):  # type: ignore[type-arg]
        pass

    return {
        "rows": [{"name": f"<n{i}>", "email": f"e{i}&x"} for i in range(3)],
        "d": {"name": "<dn>", "items": "shadowed", "copy": "shadowed too"},
        "sub": Sub(name="<sub>"),
        "s": "<s> & 'q' \"dq\"",
        "i": 42,
        "neg": -7,
        "f": 1.5,
        "b": True,
        "n": None,
        "m": Markup("<b>safe</b>"),
        "h": _Html(),
        "big": 10**30,
        "o": _Obj(),
    }


@pytest.mark.parametrize("name", sorted(_PARITY_SOURCES))
def test_vial_environment_renders_as_jinja_and_flask(app: Vial, name: str) -> None:
    source = _PARITY_SOURCES[name]
    context = _parity_context()
    plain = jinja2.Environment(autoescape=True).from_string(source).render(context)
    with app.app_context():
        ours = app.jinja_env.from_string(source).render(context)
        assert type(app.jinja_env.from_string(source)).__module__ == "vial.templating"
    assert ours == plain
    flask = pytest.importorskip("flask")
    flask_app = flask.Flask(__name__)
    with flask_app.app_context():
        assert flask_app.jinja_env.from_string(source).render(context) == ours


def test_fast_escape_returns_markup_like_markupsafe() -> None:
    from markupsafe import escape

    from vial.templating import _escape_output

    for value in ["<a href='x'>&</a>", "", 0, -5, 2**70, True, None, 1.25, Markup("<b>"), _Html()]:
        ours, theirs = _escape_output(value), escape(value)
        assert (type(ours), ours) == (type(theirs), theirs)


def test_debug_run_turns_template_auto_reload_on(
    app: Vial, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``app.run(debug=True)`` reloads changed templates, even with the environment made."""
    import werkzeug.serving

    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *a, **kw: None)
    app.run()
    assert not app.jinja_env.auto_reload
    app.run(debug=True)
    assert app.jinja_env.auto_reload
