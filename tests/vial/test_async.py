"""async views, hooks and error handlers through ensure_sync, with and without asgiref."""

from __future__ import annotations

import asyncio
import sys

import pytest

import vial
from vial import Blueprint, Vial
from vial._async import run_sync
from vial.views import MethodView, View


class AppError(Exception):
    pass


class BlueprintError(Exception):
    pass


def _build(app: Vial) -> Vial:
    @app.route("/home", methods=["GET", "POST"])
    async def home():
        await asyncio.sleep(0)
        return vial.request.method

    @app.errorhandler(AppError)
    async def handle(_):
        return "", 412

    @app.route("/error")
    async def error():
        raise AppError()

    bp = Blueprint("bp", __name__)

    @bp.route("/", methods=["GET", "POST"])
    async def bp_index():
        return vial.request.method

    @bp.errorhandler(BlueprintError)
    async def bp_handle(_):
        return "", 403

    @bp.route("/error")
    async def bp_error():
        raise BlueprintError()

    app.register_blueprint(bp, url_prefix="/bp")

    class Async(View):
        methods = ["GET", "POST"]

        async def dispatch_request(self):
            return vial.request.method

    class AsyncMethods(MethodView):
        async def get(self):
            return "GET"

        async def post(self):
            return "POST"

    app.add_url_rule("/view", view_func=Async.as_view("view"))
    app.add_url_rule("/methodview", view_func=AsyncMethods.as_view("methodview"))
    return app


@pytest.fixture(params=["asgiref", "fallback"])
def runner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which runner ensure_sync uses: asgiref's, or vial's own when asgiref is missing."""
    if request.param == "fallback":
        monkeypatch.setitem(sys.modules, "asgiref.sync", None)  # import fails: use our runner
    return str(request.param)


@pytest.mark.parametrize("path", ["/home", "/bp/", "/view", "/methodview"])
def test_async_route(app: Vial, runner: str, path: str) -> None:
    client = _build(app).test_client()
    assert client.get(path).data == b"GET"
    assert client.post(path).data == b"POST"


@pytest.mark.parametrize(("path", "status"), [("/error", 412), ("/bp/error", 403)])
def test_async_error_handler(app: Vial, runner: str, path: str, status: int) -> None:
    client = _build(app).test_client()
    assert client.get(path).status_code == status


def test_async_hooks(app: Vial, client) -> None:
    calls = []

    @app.before_request
    async def before():
        vial.g.before = True
        calls.append("before")

    @app.after_request
    async def after(response):
        calls.append("after")
        response.headers["X-Async"] = "yes"
        return response

    @app.teardown_request
    async def teardown(exc):
        calls.append("teardown")

    @app.teardown_appcontext
    async def app_teardown(exc):
        calls.append("app_teardown")

    @app.route("/")
    async def index():
        return str(vial.g.before)

    rv = client.get("/")
    assert rv.data == b"True"
    assert rv.headers["X-Async"] == "yes"
    assert calls == ["before", "after", "teardown", "app_teardown"]


def test_async_before_request_short_circuits(app: Vial, client) -> None:
    @app.before_request
    async def stop():
        return "stopped"

    app.add_url_rule("/", "i", lambda: "view")
    assert client.get("/").data == b"stopped"


def test_async_context_processor_and_url_value(app: Vial) -> None:
    @app.context_processor
    async def inject():
        return {"value": "async ctx"}

    with app.test_request_context():
        assert vial.render_template_string("{{ value }}") == "async ctx"


def test_ensure_sync_leaves_sync_callables_alone(app: Vial) -> None:
    def plain():
        return 1

    class Callable:
        def __call__(self):
            return 2

    obj = Callable()
    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(obj) is obj
    assert app.ensure_sync(len) is len

    async def coro():
        return 3

    wrapped = app.ensure_sync(coro)
    assert wrapped is not coro
    assert wrapped() == 3


def test_ensure_sync_sees_through_wraps(app: Vial) -> None:
    import functools

    async def coro():
        return "wrapped ok"

    @functools.wraps(coro)
    async def decorated():
        return await coro()

    assert app.ensure_sync(decorated)() == "wrapped ok"


def test_async_view_sees_request_context(app: Vial, client) -> None:
    @app.route("/<name>")
    async def index(name):
        await asyncio.sleep(0)
        return f"{name} {vial.request.args.get('q')} {vial.current_app.name}"

    assert client.get("/ann?q=1").data == b"ann 1 vial_test"


def test_fallback_runner_runs_in_a_fresh_loop() -> None:
    async def coro(x):
        await asyncio.sleep(0)
        return x * 2

    assert run_sync(coro)(2) == 4

    async def failing():
        raise KeyError("inner")

    with pytest.raises(KeyError, match="inner"):
        run_sync(failing)()


def test_async_view_refused_in_a_thread_running_a_loop(app: Vial, runner: str) -> None:
    """Calling the app from a coroutine would block that loop for the whole request: vial
    refuses, as Flask does (through asgiref), and says what to do instead."""

    @app.route("/")
    async def index():
        return "never"

    ticks = []

    async def ticker():
        while True:
            ticks.append(1)
            await asyncio.sleep(0)

    async def call_the_app():
        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        try:
            with app.test_request_context("/"):
                app.ensure_sync(index)()
        finally:
            task.cancel()

    with pytest.raises(RuntimeError, match=r"'.*index' synchronously here.*ASGI server"):
        asyncio.run(call_the_app())
    assert ticks == [1]  # refused at once, not after blocking the loop


def test_flask_refuses_the_same_call() -> None:
    flask = pytest.importorskip("flask")
    app = flask.Flask(__name__)

    async def index():
        return "never"

    async def call_the_app():
        with app.test_request_context("/"):
            return app.ensure_sync(index)()

    with pytest.raises(RuntimeError):
        asyncio.run(call_the_app())
