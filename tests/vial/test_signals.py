"""Signals on blinker: what is sent, with which arguments, and only with receivers."""

from __future__ import annotations

import pytest

import vial
from vial import Vial, signals


def test_namespace_and_names() -> None:
    from blinker import Namespace

    assert signals.Namespace is Namespace
    names = {
        "template_rendered": "template-rendered",
        "before_render_template": "before-render-template",
        "request_started": "request-started",
        "request_finished": "request-finished",
        "request_tearing_down": "request-tearing-down",
        "got_request_exception": "got-request-exception",
        "appcontext_tearing_down": "appcontext-tearing-down",
        "appcontext_pushed": "appcontext-pushed",
        "appcontext_popped": "appcontext-popped",
        "message_flashed": "message-flashed",
    }
    for attr, name in names.items():
        assert getattr(vial, attr) is getattr(signals, attr)
        assert getattr(signals, attr).name == name


def test_request_signals(app: Vial, client) -> None:
    calls = []

    def started(sender, **extra):
        calls.append(("started", sender, vial.request.path))

    def finished(sender, response, **extra):
        calls.append(("finished", sender, response.status_code))

    def tearing_down(sender, exc, **extra):
        calls.append(("tearing_down", sender, exc))

    app.add_url_rule("/", "i", lambda: calls.append(("view",)) or "ok")
    with (
        vial.request_started.connected_to(started, app),
        vial.request_finished.connected_to(finished, app),
        vial.request_tearing_down.connected_to(tearing_down, app),
    ):
        client.get("/")
    assert calls == [
        ("started", app, "/"),
        ("view",),
        ("finished", app, 200),
        ("tearing_down", app, None),
    ]


def test_appcontext_signals(app: Vial) -> None:
    calls = []
    with (
        vial.appcontext_pushed.connected_to(lambda s, **kw: calls.append(("pushed", s)), app),
        vial.appcontext_popped.connected_to(lambda s, **kw: calls.append(("popped", s)), app),
        vial.appcontext_tearing_down.connected_to(
            lambda s, exc, **kw: calls.append(("tearing_down", exc)), app
        ),
    ):
        with app.app_context():
            calls.append(("inside",))
    assert calls == [("pushed", app), ("inside",), ("tearing_down", None), ("popped", app)]


def test_appcontext_pushed_can_set_g(app: Vial, client) -> None:
    def set_user(sender, **extra):
        vial.g.user = "ann"

    app.add_url_rule("/", "i", lambda: vial.g.user)
    with vial.appcontext_pushed.connected_to(set_user, app):
        assert client.get("/").data == b"ann"


def test_got_request_exception(app: Vial) -> None:
    app.testing = False
    seen = []

    @app.route("/")
    def index():
        raise ValueError("nope")

    with vial.got_request_exception.connected_to(
        lambda s, exception, **kw: seen.append(exception), app
    ):
        assert app.test_client().get("/").status_code == 500
    assert isinstance(seen[0], ValueError)


def test_message_flashed(app: Vial, client) -> None:
    seen = []

    @app.route("/")
    def index():
        vial.flash("hello", "info")
        return ""

    with vial.message_flashed.connected_to(
        lambda s, message, category, **kw: seen.append((s, message, category)), app
    ):
        client.get("/")
    assert seen == [(app, "hello", "info")]


def test_template_signals(app: Vial) -> None:
    seen = []

    def before(sender, template, context, **extra):
        context["added"] = "by signal"
        seen.append(("before", sender))

    def rendered(sender, template, context, **extra):
        seen.append(("rendered", template.name, context["added"]))

    with (
        vial.before_render_template.connected_to(before, app),
        vial.template_rendered.connected_to(rendered, app),
        app.test_request_context(),
    ):
        out = vial.render_template_string("{{ added }}")
    assert out == "by signal"
    assert seen == [("before", app), ("rendered", None, "by signal")]


def test_signals_without_receivers_are_not_sent(app: Vial, client, monkeypatch) -> None:
    """The request path checks ``receivers`` and skips ``send`` entirely."""
    sent = []
    for name in (
        "request_started",
        "request_finished",
        "request_tearing_down",
        "appcontext_pushed",
        "appcontext_popped",
        "appcontext_tearing_down",
    ):
        signal = getattr(signals, name)
        assert not signal.receivers
        monkeypatch.setattr(signal, "send", lambda *a, _n=name, **kw: sent.append(_n))
    app.add_url_rule("/", "i", lambda: "")
    client.get("/")
    assert sent == []


def test_async_receiver(app: Vial, client) -> None:
    seen = []

    async def started(sender, **extra):
        seen.append(vial.request.path)

    app.add_url_rule("/", "i", lambda: "")
    with vial.request_started.connected_to(started, app):
        client.get("/")
    assert seen == ["/"]


def test_receiver_for_another_app_not_called(app: Vial, client) -> None:
    other = Vial("other")
    seen = []
    app.add_url_rule("/", "i", lambda: "")
    with vial.request_started.connected_to(lambda s, **kw: seen.append(s), other):
        client.get("/")
    assert seen == []


@pytest.mark.parametrize("signal_name", ["request_started", "request_finished"])
def test_receiver_errors_propagate(app: Vial, client, signal_name: str) -> None:
    def broken(sender, **extra):
        raise RuntimeError("receiver failed")

    app.add_url_rule("/", "i", lambda: "")
    with getattr(vial, signal_name).connected_to(broken, app):
        with pytest.raises(RuntimeError, match="receiver failed"):
            client.get("/")
