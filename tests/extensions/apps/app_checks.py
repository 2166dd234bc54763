"""Each patched extension doing its job inside a small vial app.

Not collected by the project's own pytest run (the name does not match ``test_*.py``):
``test_ext_apps.py`` copies it next to the patched extensions and runs it with pytest in
the Flask-free environment, so ``import flask_login`` here is the copy ``graft patch`` made.
For the fork run the same file is rewritten with ``--map vial=acme_web`` first.
"""

from __future__ import annotations

import base64
import re

import flask_cors
import flask_httpauth
import flask_login
import flask_wtf
import pytest
import wtforms

import vial
from vial import Vial, jsonify, redirect, render_template_string, request, url_for


def test_no_flask_anywhere() -> None:
    with pytest.raises(ImportError):
        import flask  # noqa: F401


class User(flask_login.UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


def make_login_app() -> Vial:
    app = Vial(__name__)
    app.config.update(SECRET_KEY="test", TESTING=True)
    manager = flask_login.LoginManager(app)
    manager.login_view = "login"
    users = {"alice": User("alice")}

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        return users.get(user_id)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> object:
        if request.method == "POST":
            flask_login.login_user(users[request.form["name"]], remember=True)
            return redirect(request.args.get("next") or url_for("home"))
        return "please log in"

    @app.route("/")
    @flask_login.login_required
    def home() -> str:
        return f"hello {flask_login.current_user.id}"

    @app.route("/logout")
    def logout() -> object:
        flask_login.logout_user()
        return redirect(url_for("login"))

    return app


def test_login_and_logout() -> None:
    app = make_login_app()
    assert isinstance(app.login_manager, flask_login.LoginManager)
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2F"
    response = client.post("/login?next=/", data={"name": "alice"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    assert client.get("/").get_data(as_text=True) == "hello alice"
    with client.session_transaction() as session:
        assert session["_user_id"] == "alice"
        assert session["_fresh"] is True
    assert client.get("/logout").status_code == 302
    client.delete_cookie("remember_token")
    assert client.get("/").status_code == 302


def test_login_required_without_login_view_is_401() -> None:
    app = make_login_app()
    app.login_manager.login_view = None
    assert app.test_client().get("/").status_code == 401


def make_cors_app() -> Vial:
    app = Vial(__name__)
    flask_cors.CORS(app, resources={r"/api/*": {"origins": "https://example.com"}})

    @app.route("/api/items", methods=["GET", "POST"])
    def items() -> object:
        return jsonify(items=[1, 2])

    @app.route("/private")
    def private() -> str:
        return "no cors here"

    return app


def test_cors_preflight() -> None:
    client = make_cors_app().test_client()
    response = client.options(
        "/api/items",
        headers={
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://example.com"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST", "OPTIONS"}


def test_cors_simple_request_and_unlisted_origin() -> None:
    client = make_cors_app().test_client()
    ok = client.get("/api/items", headers={"Origin": "https://example.com"})
    assert ok.json == {"items": [1, 2]}
    assert ok.headers["Access-Control-Allow-Origin"] == "https://example.com"
    other = client.get("/api/items", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/private", headers={"Origin": "https://example.com"}).headers
    )


class NameForm(flask_wtf.FlaskForm):
    name = wtforms.StringField("name", validators=[wtforms.validators.DataRequired()])


def make_csrf_app() -> Vial:
    app = Vial(__name__)
    app.config.update(SECRET_KEY="test")
    flask_wtf.CSRFProtect(app)

    @app.route("/form", methods=["GET", "POST"])
    def form() -> str:
        form = NameForm()
        if form.validate_on_submit():
            return f"saved {form.name.data}"
        return render_template_string(
            '<form method="post">{{ form.csrf_token }}{{ form.name }}</form>', form=form
        )

    return app


def test_csrf_protected_form() -> None:
    app = make_csrf_app()
    assert "csrf" in app.extensions
    client = app.test_client()
    page = client.get("/form").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None, page
    refused = client.post("/form", data={"name": "bob"})
    assert refused.status_code == 400
    assert "The CSRF token is missing." in refused.get_data(as_text=True)
    accepted = client.post("/form", data={"name": "bob", "csrf_token": token.group(1)})
    assert accepted.get_data(as_text=True) == "saved bob"
    forged = client.post("/form", data={"name": "bob", "csrf_token": token.group(1) + "x"})
    assert forged.status_code == 400


def make_auth_app() -> Vial:
    app = Vial(__name__)
    auth = flask_httpauth.HTTPBasicAuth()

    @auth.verify_password
    def verify(username: str, password: str) -> str | None:
        return username if (username, password) == ("alice", "secret") else None

    @app.route("/")
    @auth.login_required
    def index() -> str:
        return f"Hello, {auth.current_user()}"

    return app


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_http_basic_auth() -> None:
    client = make_auth_app().test_client()
    anonymous = client.get("/")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="Authentication Required"'
    assert client.get("/", headers=_basic("alice", "wrong")).status_code == 401
    ok = client.get("/", headers=_basic("alice", "secret"))
    assert ok.status_code == 200
    assert ok.get_data(as_text=True) == "Hello, alice"


def test_patched_extensions_import_the_framework() -> None:
    """The copies refer to the renamed framework, not to Flask, at run time."""
    assert flask_login.login_manager.current_app is vial.current_app
    assert flask_wtf.csrf.current_app is vial.current_app
