"""Helpers over the current app: flash, redirect, url_for, template attributes, env flags."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from werkzeug.wrappers import Response as WerkzeugResponse

import vial
from vial import Vial
from vial.helpers import get_debug_flag, get_load_dotenv, get_root_path


def test_flash_and_get_flashed_messages(app: Vial, client) -> None:
    @app.route("/flash")
    def flash():
        vial.flash("plain")
        vial.flash("careful", "warning")
        vial.flash("bad", "error")
        return ""

    @app.route("/show")
    def show():
        first = vial.get_flashed_messages()
        again = vial.get_flashed_messages(with_categories=True)
        errors = vial.get_flashed_messages(category_filter=["error", "warning"])
        return {"first": first, "again": again, "errors": errors}

    client.get("/flash")
    data = client.get("/show").json
    assert data["first"] == ["plain", "careful", "bad"]
    assert data["again"] == [["message", "plain"], ["warning", "careful"], ["error", "bad"]]
    assert data["errors"] == ["careful", "bad"]
    # popped from the session: the next request sees nothing
    assert client.get("/show").json["first"] == []


def test_flash_in_template(app: Vial, client) -> None:
    @app.route("/")
    def index():
        vial.flash("<hi>")
        return vial.render_template_string(
            "{% for m in get_flashed_messages() %}{{ m }}{% endfor %}"
        )

    assert client.get("/").data == b"&lt;hi&gt;"


def test_flash_without_secret_key_explains(app: Vial, client) -> None:
    app.secret_key = None

    @app.route("/")
    def index():
        vial.flash("x")
        return ""

    with pytest.raises(RuntimeError, match="secret key"):
        client.get("/")


def test_redirect(app: Vial, client) -> None:
    @app.route("/")
    def index():
        return vial.redirect(vial.url_for("target"))

    @app.route("/target")
    def target():
        return "arrived"

    @app.route("/permanent")
    def permanent():
        return vial.redirect("/target", 301)

    rv = client.get("/")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/target"  # not made absolute
    assert isinstance(rv, app.response_class)
    assert client.get("/permanent").status_code == 301
    assert client.get("/", follow_redirects=True).data == b"arrived"


def test_redirect_outside_app() -> None:
    rv = vial.redirect("/x", 303)
    assert isinstance(rv, WerkzeugResponse)
    assert (rv.status_code, rv.location) == (303, "/x")


def test_redirect_uses_app_method(app: Vial) -> None:
    class MyVial(Vial):
        def redirect(self, location, code=302):
            rv = super().redirect(location, code)
            rv.headers["X-Custom"] = "1"
            return rv

    custom = MyVial(__name__)
    with custom.app_context():
        assert vial.redirect("/x").headers["X-Custom"] == "1"


def test_get_template_attribute(app: Vial, tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "macros.html").write_text(
        "{% macro hello(name) %}Hello {{ name }}!{% endmacro %}{% set value = 42 %}"
    )
    app.root_path = str(tmp_path)
    with app.app_context():
        assert vial.get_template_attribute("macros.html", "hello")("World") == "Hello World!"
        assert vial.get_template_attribute("macros.html", "value") == 42


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", False), ("0", False), ("false", False), ("No", False), ("1", True), ("yes", True)],
)
def test_get_debug_flag(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("VIAL_DEBUG", value)
    assert get_debug_flag() is expected


def test_get_load_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_load_dotenv() is True
    assert get_load_dotenv(False) is False
    monkeypatch.setenv("VIAL_SKIP_DOTENV", "1")
    assert get_load_dotenv() is False
    monkeypatch.setenv("VIAL_SKIP_DOTENV", "0")
    assert get_load_dotenv() is True


def test_get_root_path(tmp_path: Path, monkeypatch) -> None:
    assert get_root_path(__name__) == os.path.dirname(os.path.abspath(__file__))
    (tmp_path / "unimported_mod.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert get_root_path("unimported_mod") == str(tmp_path)
    assert get_root_path("no_such_module_anywhere") == os.getcwd()


def test_helpers_need_contexts() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        vial.url_for("x")
    with pytest.raises(RuntimeError, match="application context"):
        vial.make_response("x")


def test_url_for_in_app_context_uses_server_name(app: Vial) -> None:
    app.config["SERVER_NAME"] = "example.test:8080"
    app.add_url_rule("/p/<int:n>", "page", lambda n: "")
    with app.app_context():
        assert vial.url_for("page", n=2) == "http://example.test:8080/p/2"
        assert vial.url_for("page", n=2, _external=False) == "/p/2"
