"""The test client, the environ builder and the CLI runner."""

from __future__ import annotations

import importlib.metadata
import typing as t

import click
import pytest
import werkzeug.test
from werkzeug.wrappers import Request as WerkzeugRequest

from vial import Vial, g, redirect, request, session, url_for
from vial.cli import ScriptInfo
from vial.globals import _cv_request
from vial.testing import EnvironBuilder, VialClient, VialCliRunner


def test_test_client_class(app: Vial) -> None:
    client = app.test_client()
    assert type(client) is VialClient
    assert client.application is app


def test_environ_defaults(app: Vial) -> None:
    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {
            "addr": request.remote_addr,
            "agent": request.user_agent.string,
            "url": request.url,
        }

    rv = app.test_client().get("/")
    assert rv.json == {
        "addr": "127.0.0.1",
        "agent": f"Werkzeug/{importlib.metadata.version('werkzeug')}",
        "url": "http://localhost/",
    }


def test_environ_base_can_be_overridden(app: Vial) -> None:
    @app.get("/")
    def index() -> str:
        return f"{request.remote_addr} {request.user_agent.string}"

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    assert client.get("/").data.startswith(b"10.0.0.1 Werkzeug/")
    rv = client.get("/", environ_base={"HTTP_USER_AGENT": "bot"})
    assert rv.data == b"10.0.0.1 bot"


def test_server_name_and_application_root(app: Vial) -> None:
    app.config.update(SERVER_NAME="example.test", APPLICATION_ROOT="/base")

    @app.get("/here")
    def here() -> str:
        return f"{request.url} {url_for('here', _external=True)}"

    rv = app.test_client().get("/here")
    assert rv.data == b"http://example.test/base/here http://example.test/base/here"


def test_preferred_scheme_and_subdomain(app: Vial) -> None:
    app.config.update(SERVER_NAME="example.test", PREFERRED_URL_SCHEME="https")
    app.subdomain_matching = True

    with app.test_request_context("/x", subdomain="api") as ctx:
        assert ctx.request.url == "https://api.example.test/x"
    with app.test_request_context("/x", url_scheme="http") as ctx:
        assert ctx.request.url == "http://example.test/x"
    # A full URL as the path keeps its own scheme and host.
    with app.test_request_context("http://api.example.test/y?q=1") as ctx:
        assert ctx.request.url == "http://api.example.test/y?q=1"


def test_base_url_excludes_subdomain_and_scheme(app: Vial) -> None:
    with pytest.raises(AssertionError, match="subdomain"):
        EnvironBuilder(app, "/", base_url="http://a.test", subdomain="x")
    with pytest.raises(AssertionError, match="url_scheme"):
        EnvironBuilder(app, "/", base_url="http://a.test", url_scheme="https")
    builder = EnvironBuilder(app, "/p", base_url="https://a.test/root")
    try:
        assert builder.get_request().url == "https://a.test/root/p"
    finally:
        builder.close()


def test_environ_builder_json_uses_app_provider(app: Vial) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]
    builder = EnvironBuilder(app, json={"b": 1, "a": 2})
    try:
        assert builder.get_request().get_data() == b'{"b": 1, "a": 2}'
    finally:
        builder.close()


def test_open_accepts_builder_environ_and_request(app: Vial) -> None:
    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> str:
        return f"{request.method} {request.remote_addr} {request.get_data(as_text=True)}"

    client = app.test_client()
    builder = werkzeug.test.EnvironBuilder("/echo", method="POST", data="b")
    assert client.open(builder).data == b"POST 127.0.0.1 b"
    environ = werkzeug.test.create_environ("/echo")
    environ.pop("REMOTE_ADDR", None)
    assert client.open(environ).data == b"GET 127.0.0.1 "
    req = WerkzeugRequest(werkzeug.test.create_environ("/echo", method="PUT"))
    req.environ.pop("REMOTE_ADDR", None)
    assert client.open(req).status_code == 405
    assert client.open("/echo", method="POST", data="x").data == b"POST 127.0.0.1 x"


def test_follow_redirects(app: Vial) -> None:
    @app.get("/start")
    def start() -> t.Any:
        return redirect(url_for("middle"))

    @app.get("/middle")
    def middle() -> t.Any:
        return redirect("/end", code=307)

    @app.get("/end")
    def end() -> str:
        return f"end {request.remote_addr}"

    client = app.test_client()
    rv = client.get("/start", follow_redirects=True)
    assert rv.data == b"end 127.0.0.1"
    assert [r.status_code for r in rv.history] == [302, 307]
    assert rv.request.path == "/end"
    assert client.get("/start").status_code == 302


def test_response_json_uses_app_provider(app: Vial) -> None:
    class Loads:
        def loads(self, s: t.Any, **kw: t.Any) -> t.Any:
            return ("custom", s)

    @app.get("/")
    def index() -> t.Any:
        return {"a": 1}

    client = app.test_client()
    assert client.get("/").json == {"a": 1}
    app.json.loads = Loads().loads  # type: ignore[method-assign]
    assert client.get("/").json == ("custom", b'{"a":1}\n')


# -- keeping the context with `with client:` ----------------------------------------------


def test_with_client_keeps_last_request_context(app: Vial) -> None:
    @app.get("/")
    def index() -> str:
        g.value = request.args.get("v")
        return "ok"

    client = app.test_client()
    with client:
        client.get("/?v=1")
        assert request.args["v"] == "1"
        assert g.value == "1"
        client.get("/?v=2")
        assert request.args["v"] == "2"
        assert g.value == "2"
    assert _cv_request.get(None) is None


def test_with_client_after_redirects_keeps_final_request(app: Vial) -> None:
    @app.get("/a")
    def a() -> t.Any:
        return redirect("/b")

    @app.get("/b")
    def b() -> str:
        return "b"

    client = app.test_client()
    with client:
        client.get("/a", follow_redirects=True)
        assert request.path == "/b"


def test_without_with_no_context_is_kept(app: Vial) -> None:
    @app.get("/")
    def index() -> str:
        return "ok"

    app.test_client().get("/")
    assert _cv_request.get(None) is None


def test_teardown_runs_when_client_block_ends(app: Vial) -> None:
    torn: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn.append(request.path)

    @app.get("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    with client:
        client.get("/")
        assert torn == ["/"]  # the request itself ended normally
        torn.clear()
    # The re-pushed context is popped again when the block ends.
    assert torn == ["/"]


def test_nested_with_client_is_an_error(app: Vial) -> None:
    client = app.test_client()
    with client:
        with pytest.raises(RuntimeError, match="Cannot nest client invocations"):
            with client:
                pass


def test_session_is_inspectable_inside_with_client(app: Vial) -> None:
    @app.get("/")
    def index() -> str:
        session["n"] = session.get("n", 0) + 1
        return ""

    client = app.test_client()
    with client:
        client.get("/")
        client.get("/")
        assert session["n"] == 2


# -- session_transaction ----------------------------------------------------------------


def make_session_app(app: Vial) -> Vial:
    @app.get("/read")
    def read() -> str:
        return repr(dict(session))

    @app.get("/write")
    def write() -> str:
        session["from_view"] = True
        return ""

    return app


def test_session_transaction_sets_values_for_next_request(app: Vial) -> None:
    client = make_session_app(app).test_client()
    with client.session_transaction() as sess:
        sess["user"] = "ada"
    assert client.get("/read").data == b"{'user': 'ada'}"


def test_session_transaction_sees_values_from_requests(app: Vial) -> None:
    client = make_session_app(app).test_client()
    client.get("/write")
    with client.session_transaction() as sess:
        assert sess["from_view"] is True
        sess["extra"] = 1
    # Keys come back sorted: the app's JSON provider sorts them.
    assert client.get("/read").data == b"{'extra': 1, 'from_view': True}"


def test_session_transaction_is_not_a_request(app: Vial) -> None:
    client = make_session_app(app).test_client()
    with client.session_transaction() as sess:
        sess["a"] = 1
        # No request context is left pushed while the test body runs.
        assert _cv_request.get(None) is None


def test_session_transaction_honours_cookie_scope(app: Vial) -> None:
    app.config.update(SESSION_COOKIE_DOMAIN="example.test", SERVER_NAME="example.test")
    client = make_session_app(app).test_client()
    with client.session_transaction() as sess:
        sess["scoped"] = 1
    cookie = client.get_cookie("session", domain="example.test")
    assert cookie is not None
    assert client.get("/read").data == b"{'scoped': 1}"


def test_session_transaction_permanent(app: Vial) -> None:
    client = make_session_app(app).test_client()
    with client.session_transaction() as sess:
        sess.permanent = True
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None


def test_session_transaction_needs_cookies(app: Vial) -> None:
    client = app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match="Cookies are disabled"):
        with client.session_transaction():
            pass


def test_session_transaction_without_secret_key() -> None:
    app = Vial(__name__)
    client = app.test_client()
    with pytest.raises(RuntimeError, match="did not open a session: session_transaction"):
        with client.session_transaction():
            pass


def test_subclassed_client_uses_session_transaction(app: Vial) -> None:
    # Flask-Login's FlaskLoginClient: log a user in at construction time.
    class LoginClient(VialClient):
        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            user = kwargs.pop("user", None)
            super().__init__(*args, **kwargs)
            if user:
                with self.session_transaction() as sess:
                    sess["_user_id"] = user
                    sess["_fresh"] = True

    make_session_app(app)
    app.test_client_class = LoginClient
    client = app.test_client(user="7")
    assert isinstance(client, LoginClient)
    assert client.get("/read").data == b"{'_fresh': True, '_user_id': '7'}"


# -- the CLI runner ---------------------------------------------------------------------


def test_cli_runner_invokes_app_commands(app: Vial) -> None:
    @app.cli.command("hello")
    @click.option("--name", default="world")
    def hello(name: str) -> None:
        from vial import current_app

        click.echo(f"hello {name} from {current_app.name}")

    runner = app.test_cli_runner()
    assert isinstance(runner, VialCliRunner)
    result = runner.invoke(args=["hello", "--name", "ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello ada from vial_test\n"


def test_cli_runner_passes_script_info(app: Vial) -> None:
    @click.command()
    @click.pass_obj
    def show(info: ScriptInfo) -> None:
        click.echo(info.load_app().name)

    result = app.test_cli_runner().invoke(show)
    assert result.output == "vial_test\n"


def test_cli_runner_obj_can_be_overridden(app: Vial) -> None:
    @click.command()
    @click.pass_obj
    def show(obj: t.Any) -> None:
        click.echo(repr(obj))

    assert app.test_cli_runner().invoke(show, obj="mine").output == "'mine'\n"


def test_custom_cli_runner_class(app: Vial) -> None:
    class MyRunner(VialCliRunner):
        pass

    app.test_cli_runner_class = MyRunner
    assert type(app.test_cli_runner()) is MyRunner
