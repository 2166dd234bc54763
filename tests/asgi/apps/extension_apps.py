"""flask-login, flask-cors, flask-wtf and flask-httpauth in vial apps served by uvicorn.

The extensions imported here are the copies ``graft patch`` made for vial (the server runs
with Flask and asgiref unimportable). The views mix ``async def`` and plain ``def`` on
purpose: the extensions' decorators and hooks must work around both under ASGI.
"""

from __future__ import annotations

import asyncio

import flask_cors
import flask_httpauth
import flask_login
import flask_wtf
import wtforms

from vial import Vial, jsonify, redirect, render_template_string, request, url_for


class User(flask_login.UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


USERS = {"alice": User("alice")}

login_app = Vial("login_app")
login_app.config.update(SECRET_KEY="login")
manager = flask_login.LoginManager(login_app)
manager.login_view = "login"


@manager.user_loader
def load_user(user_id: str) -> User | None:
    return USERS.get(user_id)


@login_app.route("/login", methods=["GET", "POST"])
def login() -> object:
    if request.method == "POST":
        flask_login.login_user(USERS[request.form["name"]], remember=True)
        return redirect(request.args.get("next") or url_for("home"))
    return "please log in"


@login_app.route("/")
@flask_login.login_required
async def home() -> str:
    await asyncio.sleep(0.01)
    return f"hello {flask_login.current_user.id}"


@login_app.route("/sync")
@flask_login.login_required
def sync_home() -> str:
    return f"sync hello {flask_login.current_user.id}"


@login_app.route("/logout")
def logout() -> object:
    flask_login.logout_user()
    return redirect(url_for("login"))


cors_app = Vial("cors_app")
flask_cors.CORS(cors_app, resources={r"/api/*": {"origins": "https://example.com"}})


@cors_app.route("/api/items", methods=["GET", "POST"])
async def items() -> object:
    await asyncio.sleep(0)
    return jsonify(items=[1, 2])


@cors_app.route("/private")
def private() -> str:
    return "no cors here"


class NameForm(flask_wtf.FlaskForm):
    name = wtforms.StringField("name", validators=[wtforms.validators.DataRequired()])


csrf_app = Vial("csrf_app")
csrf_app.config.update(SECRET_KEY="csrf")
flask_wtf.CSRFProtect(csrf_app)


@csrf_app.route("/form", methods=["GET", "POST"])
async def form() -> str:
    name_form = NameForm()
    if name_form.validate_on_submit():
        return f"saved {name_form.name.data}"
    return render_template_string(
        '<form method="post">{{ form.csrf_token }}{{ form.name }}</form>', form=name_form
    )


auth_app = Vial("auth_app")
auth = flask_httpauth.HTTPBasicAuth()


@auth.verify_password
def verify(username: str, password: str) -> str | None:
    return username if (username, password) == ("alice", "secret") else None


@auth_app.route("/")
@auth.login_required
async def index() -> str:
    await asyncio.sleep(0)
    return f"Hello, {auth.current_user()}"


@auth_app.route("/sync")
@auth.login_required
def sync_index() -> str:
    return f"Sync hello, {auth.current_user()}"
