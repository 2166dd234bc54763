"""App and request contexts: proxies, nesting, helpers, and isolation between workers."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import typing as t

import pytest

import vial
from vial import Vial
from vial.globals import _cv_app, _cv_request, app_ctx, request_ctx


def test_unbound_proxies_say_how_to_fix() -> None:
    with pytest.raises(RuntimeError, match=r"with app.app_context\(\):"):
        vial.current_app.name  # noqa: B018
    with pytest.raises(RuntimeError, match="No application context is active"):
        vial.g.x  # noqa: B018
    with pytest.raises(RuntimeError, match=r"with app.test_request_context\(\):"):
        vial.request.path  # noqa: B018
    with pytest.raises(RuntimeError, match="No request context is active"):
        vial.session.get("x")
    assert not vial.current_app
    assert not vial.has_app_context()
    assert not vial.has_request_context()


def test_app_context_binds_current_app_and_g(app: Vial) -> None:
    with app.app_context() as ctx:
        assert vial.current_app._get_current_object() is app
        assert app_ctx._get_current_object() is ctx
        vial.g.value = 1
        assert vial.g.get("value") == 1
        assert "value" in vial.g
        assert list(vial.g) == ["value"]
        assert vial.g.setdefault("other", 2) == 2
        assert vial.g.pop("other") == 2
        assert vial.g.pop("missing", None) is None
        with pytest.raises(KeyError):
            vial.g.pop("missing")
        with pytest.raises(AttributeError):
            vial.g.missing  # noqa: B018
        assert repr(vial.g) == "<vial.g of 'vial_test'>"
        assert vial.has_app_context() and not vial.has_request_context()
    assert not vial.has_app_context()


def test_g_is_per_app_context(app: Vial) -> None:
    with app.app_context():
        vial.g.x = 1
        with app.app_context():
            assert "x" not in vial.g
        assert vial.g.x == 1


def test_request_context_pushes_app_context(app: Vial) -> None:
    with app.test_request_context("/path?a=1", method="POST") as ctx:
        assert vial.request.path == "/path"
        assert vial.request.args["a"] == "1"
        assert vial.request.method == "POST"
        assert request_ctx._get_current_object() is ctx
        assert vial.current_app._get_current_object() is app
        assert vial.has_request_context()
    assert _cv_app.get(None) is None
    assert _cv_request.get(None) is None


def test_request_context_reuses_active_app_context(app: Vial) -> None:
    with app.app_context() as outer:
        outer.g.marker = True
        with app.test_request_context():
            assert vial.g.marker is True
        assert _cv_app.get() is outer


def test_nested_pushes_and_teardown_once(app: Vial) -> None:
    calls = []
    app.teardown_request(lambda exc: calls.append("request"))
    app.teardown_appcontext(lambda exc: calls.append("app"))
    ctx = app.test_request_context()
    ctx.push()
    ctx.push()
    ctx.pop()
    assert calls == []
    assert vial.has_request_context()
    ctx.pop()
    assert calls == ["request", "app"]
    assert not vial.has_request_context()


def test_popping_the_wrong_context_is_an_error(app: Vial) -> None:
    outer = app.app_context()
    inner = app.app_context()
    outer.push()
    inner.push()
    with pytest.raises(AssertionError, match="reverse push order"):
        outer.pop()
    # the stack is unwound anyway: inner's token was reset by outer.pop()
    inner._tokens.clear()
    while _cv_app.get(None) is not None:
        _cv_app.get().pop()


def test_teardown_gets_the_exception(app: Vial) -> None:
    seen = []
    app.teardown_request(lambda exc: seen.append(exc))
    app.teardown_appcontext(lambda exc: seen.append(exc))
    with pytest.raises(ZeroDivisionError):
        with app.test_request_context():
            1 / 0  # noqa: B018
    assert [type(e) for e in seen] == [ZeroDivisionError, ZeroDivisionError]


def test_after_this_request(app: Vial, client) -> None:
    @app.route("/")
    def index():
        @vial.after_this_request
        def add_header(response):
            response.headers["X-Foo"] = "a"
            return response

        return "ok"

    assert client.get("/").headers["X-Foo"] == "a"
    with pytest.raises(RuntimeError, match="'after_this_request' needs an active request"):
        vial.after_this_request(lambda r: r)


def test_after_this_request_runs_before_after_request(app: Vial, client) -> None:
    order = []

    @app.after_request
    def after(response):
        order.append("after_request")
        return response

    @app.route("/")
    def index():
        vial.after_this_request(lambda r: order.append("this") or r)
        return ""

    client.get("/")
    assert order == ["this", "after_request"]


def test_copy_current_request_context_in_thread(app: Vial, client) -> None:
    results = []

    @app.route("/")
    def index():
        vial.g.marker = "g ok"
        vial.session["k"] = "v"

        @vial.copy_current_request_context
        def work():
            results.append((vial.request.path, vial.request.args["x"], vial.session["k"]))

        t = threading.Thread(target=work)
        t.start()
        t.join()
        return "ok"

    assert client.get("/?x=1").data == b"ok"
    assert results == [("/", "1", "v")]
    with pytest.raises(RuntimeError, match="copy_current_request_context"):
        vial.copy_current_request_context(lambda: None)


def test_stream_with_context(app: Vial, client) -> None:
    torn_down = []
    app.teardown_request(lambda exc: torn_down.append(True))

    @app.route("/")
    def index():
        def generate():
            yield "Hello "
            yield vial.request.args["name"]
            yield "!"

        return vial.stream_with_context(generate())

    @app.route("/decorated")
    def decorated():
        @vial.stream_with_context
        def generate():
            yield vial.request.path

        return generate()

    rv = client.get("/?name=World")
    assert rv.data == b"Hello World!"
    assert torn_down == [True]
    assert client.get("/decorated").data == b"/decorated"
    with pytest.raises(RuntimeError, match="stream_with_context"):
        vial.stream_with_context(iter(["x"]))


def _streaming_app(app: Vial, events: list[object]) -> None:
    """A view whose streamed body reads the request, the session and g."""
    app.teardown_request(lambda exc: events.append(("teardown_request", vial.request.path)))
    app.teardown_appcontext(lambda exc: events.append(("teardown_app", vial.g.get("mark"))))

    @app.route("/stream")
    def stream() -> vial.Response:
        vial.g.mark = "g"
        vial.session["user"] = "ada"

        @vial.stream_with_context
        def body() -> t.Iterator[str]:
            try:
                yield vial.request.args.get("a", "")
                yield vial.session["user"]
                yield vial.g.mark
            finally:
                events.append(("closed", vial.request.path, vial.has_request_context()))

        return vial.Response(body())


def _in_thread(func: t.Callable[[], object]) -> object:
    result: list[object] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(func())
        except BaseException as e:  # re-raised in the test's thread
            errors.append(e)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def test_stream_closed_on_another_thread_tears_down_once_there(app: Vial) -> None:
    """Iterated on one thread, closed on another: the body still sees the request, and
    the teardown runs once, on the closing thread, with nothing left bound anywhere."""
    events: list[object] = []
    _streaming_app(app, events)
    unraisable: list[object] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        response = app.test_client().get("/stream?a=x")
        it = iter(response.response)
        assert _in_thread(lambda: next(it)) == b"x"
        assert _in_thread(lambda: next(it)) == b"ada"
        assert events == []  # the teardown waits for the stream
        assert _cv_request.get(None) is None and _cv_app.get(None) is None
        _in_thread(response.close)
        gc.collect()
    finally:
        sys.unraisablehook = previous_hook
    assert unraisable == []
    assert events == [
        ("closed", "/stream", True),
        ("teardown_request", "/stream"),
        ("teardown_app", "g"),
    ]


def test_stream_read_to_the_end_on_another_thread(app: Vial) -> None:
    events: list[object] = []
    _streaming_app(app, events)
    response = app.test_client().get("/stream?a=x")
    assert _in_thread(lambda: response.get_data()) == b"xadag"
    response.close()
    assert events[1:] == [("teardown_request", "/stream"), ("teardown_app", "g")]


def test_stream_from_an_async_view_closed_unread(app: Vial) -> None:
    """The async view runs on an event loop in a copy of the context; the stream it
    returns is closed (or read) back on the server's thread, with no LookupError."""
    events: list[object] = []
    app.teardown_request(lambda exc: events.append("teardown"))

    @app.route("/")
    async def index() -> vial.Response:
        vial.session["test"] = "value"

        @vial.stream_with_context
        def gen() -> t.Iterator[str]:
            yield vial.session["test"]

        return vial.Response(gen())

    unraisable: list[object] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        client = app.test_client()
        client.get().close()
        assert client.get().text == "value"
        with client:
            client.get().close()
        with client:
            assert client.get().text == "value"
        gc.collect()
    finally:
        sys.unraisablehook = previous_hook
    assert unraisable == []
    assert events == ["teardown"] * 4


def test_stream_made_in_a_copied_context_on_a_worker_thread(app: Vial) -> None:
    @app.route("/")
    def index() -> vial.Response:
        @vial.copy_current_request_context
        def build() -> t.Iterator[str]:
            return vial.stream_with_context(iter([vial.request.path, "!"]))

        return vial.Response(_in_thread(build))  # type: ignore[arg-type]

    assert app.test_client().get("/").data == b"/!"


def test_preserved_client_context_and_stream_release_in_any_order(app: Vial) -> None:
    """The client keeps the request's contexts after a `with client:` block's request;
    whichever of the client and the stream lets go last runs the teardown, once."""
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))

    @app.route("/")
    def index() -> t.Iterator[str]:
        return vial.stream_with_context(iter(["hello"]))

    client = app.test_client()
    with app.test_request_context("/outer") as outer:
        with client:
            rv = client.get("/")
            assert vial.request.path == "/"
        assert events == []
        rv.close()
        assert events == ["teardown"]
        assert _cv_request.get(None) is outer
        events.clear()
        with client:
            rv = client.get("/")
            rv.close()
            assert events == []  # the client still holds the context
        assert events == ["teardown"]
    assert events == ["teardown", "teardown"]  # the outer context's own


def test_context_isolated_across_threads(app: Vial) -> None:
    barrier = threading.Barrier(4)
    seen: dict[int, str] = {}
    errors = []

    def worker(i: int) -> None:
        try:
            with app.test_request_context(f"/thread/{i}"):
                barrier.wait(timeout=5)  # all four contexts pushed at once
                seen[i] = vial.request.path
                barrier.wait(timeout=5)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert seen == {i: f"/thread/{i}" for i in range(4)}
    assert not vial.has_request_context()


def test_context_isolated_across_greenlets(app: Vial) -> None:
    greenlet = pytest.importorskip("greenlet")
    seen = []

    def run(name: str, other: list) -> None:
        with app.test_request_context(f"/{name}"):
            seen.append((name, vial.request.path))
            other[0].switch()  # the other greenlet pushes its own context meanwhile
            seen.append((name, vial.request.path))

    holder_a: list = [None]
    holder_b: list = [None]
    main = greenlet.getcurrent()
    a = greenlet.greenlet(lambda: run("a", holder_b))
    b = greenlet.greenlet(lambda: run("b", holder_a))
    holder_a[0] = a
    holder_b[0] = b
    a.switch()  # a pushes, switches to b; b pushes, switches back to a; a finishes
    if not b.dead:
        b.switch()
    assert main is greenlet.getcurrent()
    assert ("a", "/a") in seen and ("b", "/b") in seen
    assert [p for n, p in seen if n == "a"] == ["/a", "/a"]
    assert [p for n, p in seen if n == "b"] == ["/b", "/b"]
    assert not vial.has_request_context()


def test_context_isolated_across_asyncio_tasks(app: Vial) -> None:
    async def handle(i: int) -> str:
        with app.test_request_context(f"/task/{i}"):
            await asyncio.sleep(0.001 * (3 - i))
            vial.g.i = i
            await asyncio.sleep(0)
            return f"{vial.request.path} {vial.g.i}"

    async def main() -> list[str]:
        return await asyncio.gather(*(handle(i) for i in range(3)))

    assert asyncio.run(main()) == [f"/task/{i} {i}" for i in range(3)]
    assert not vial.has_request_context()


def test_request_context_repr_and_copy(app: Vial) -> None:
    with app.test_request_context("/x") as ctx:
        assert repr(ctx) == "<RequestContext 'http://localhost/x' [GET] of vial_test>"
        copied = ctx.copy()
        assert copied.request is ctx.request
        assert copied.session is ctx.session


def test_request_environ_released_after_pop(app: Vial) -> None:
    ctx = app.test_request_context()
    with ctx:
        environ = vial.request.environ
    assert environ["werkzeug.request"] is None


def test_session_opened_lazily(app: Vial, client) -> None:
    @app.route("/plain")
    def plain():
        return str(request_ctx.session_opened)

    @app.route("/uses")
    def uses():
        vial.session["x"] = 1
        return str(request_ctx.session_opened)

    assert client.get("/plain").data == b"False"
    rv = client.get("/uses")
    assert rv.data == b"True"
    assert "session=" in rv.headers["Set-Cookie"]


def test_permanent_session_refreshed_without_being_used(app: Vial, client) -> None:
    @app.route("/login")
    def login():
        vial.session.permanent = True
        vial.session["user"] = "ann"
        return ""

    @app.route("/plain")
    def plain():
        return ""

    client.get("/login")
    rv = client.get("/plain")
    assert "Expires=" in rv.headers["Set-Cookie"]  # refreshed, as SESSION_REFRESH_EACH_REQUEST says
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert "Set-Cookie" not in client.get("/plain").headers


def test_non_permanent_unused_session_sets_no_cookie(app: Vial, client) -> None:
    @app.route("/set")
    def set_():
        vial.session["a"] = 1
        return ""

    app.add_url_rule("/plain", "plain", lambda: "")
    client.get("/set")
    assert "Set-Cookie" not in client.get("/plain").headers


def test_custom_session_interface_opened_eagerly(app: Vial, client) -> None:
    from vial.sessions import SecureCookieSessionInterface

    opened = []

    class Interface(SecureCookieSessionInterface):
        def open_session(self, app, request):
            opened.append(request.path)
            return super().open_session(app, request)

    app.session_interface = Interface()
    app.add_url_rule("/", "i", lambda: "")
    client.get("/")
    assert opened == ["/"]


def test_lazy_session_with_preserved_context(app: Vial, client) -> None:
    """``with client:`` keeps the request context; the session reads as in the view."""

    @app.route("/set")
    def set_():
        vial.session["user"] = "ann"
        return ""

    @app.route("/plain")
    def plain():
        return ""

    client.get("/set")
    # (with refreshing on, a request carrying the cookie opens it at the end to refresh it)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    with client:
        client.get("/plain")  # the view never touched the session
        assert not request_ctx.session_opened
        assert vial.session["user"] == "ann"  # opened now, from the request's cookie
        assert vial.request.path == "/plain"
    assert not vial.has_request_context()
