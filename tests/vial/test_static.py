"""Static files, send_file and send_from_directory, with caching headers."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.exceptions import NotFound

import vial
from vial import Vial


@pytest.fixture
def static_app(tmp_path: Path) -> Vial:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "index.html").write_text("<h1>static</h1>")
    (tmp_path / "static" / "sub").mkdir()
    (tmp_path / "static" / "sub" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("secret")
    app = Vial(__name__, root_path=str(tmp_path))
    app.testing = True
    return app


def test_static_route(static_app: Vial) -> None:
    c = static_app.test_client()
    rv = c.get("/static/index.html")
    assert rv.status_code == 200
    assert rv.data == b"<h1>static</h1>"
    assert rv.mimetype == "text/html"
    assert "max-age" not in rv.headers.get("Cache-Control", "")
    rv.close()
    rv = c.get("/static/sub/app.js")
    assert rv.mimetype in {"text/javascript", "application/javascript"}
    rv.close()
    assert c.get("/static/missing.txt").status_code == 404
    assert c.get("/static/").status_code == 404
    with static_app.test_request_context():
        assert vial.url_for("static", filename="sub/app.js") == "/static/sub/app.js"


def test_static_conditional_request(static_app: Vial) -> None:
    c = static_app.test_client()
    rv = c.get("/static/index.html")
    etag = rv.headers["ETag"]
    rv.close()
    rv = c.get("/static/index.html", headers={"If-None-Match": etag})
    assert rv.status_code == 304
    rv.close()
    rv = c.get("/static/index.html", headers={"Range": "bytes=0-3"})
    assert rv.status_code == 206
    assert rv.data == b"<h1>"
    rv.close()


def test_static_max_age(static_app: Vial) -> None:
    static_app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    rv = static_app.test_client().get("/static/index.html")
    assert rv.cache_control.max_age == 3600
    rv.close()
    static_app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(hours=2)
    with static_app.test_request_context():
        assert static_app.get_send_file_max_age("x") == 7200


def test_get_send_file_max_age_override(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.css").write_text("a")

    class MyVial(Vial):
        def get_send_file_max_age(self, filename):
            return 10 if filename and filename.endswith(".css") else None

    app = MyVial(__name__, root_path=str(tmp_path))
    rv = app.test_client().get("/static/a.css")
    assert rv.cache_control.max_age == 10
    rv.close()


def test_custom_static_url_path_and_folder(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "x.txt").write_text("x")
    app = Vial(__name__, root_path=str(tmp_path), static_folder="assets", static_url_path="/s/")
    assert app.static_url_path == "/s"
    rv = app.test_client().get("/s/x.txt")
    assert rv.data == b"x"
    rv.close()
    default = Vial(__name__, root_path=str(tmp_path), static_folder="assets")
    assert default.static_url_path == "/assets"
    empty = Vial(__name__, root_path=str(tmp_path), static_folder="assets", static_url_path="")
    rv = empty.test_client().get("/x.txt")
    assert rv.data == b"x"
    rv.close()


def test_no_static_folder(tmp_path: Path) -> None:
    app = Vial(__name__, root_path=str(tmp_path), static_folder=None)
    assert not app.has_static_folder
    assert "static" not in app.view_functions
    with app.test_request_context():
        with pytest.raises(RuntimeError, match="has no static folder"):
            app.send_static_file("x")


def test_send_file_path_and_stream(static_app: Vial, tmp_path: Path) -> None:
    with static_app.test_request_context():
        rv = vial.send_file(str(tmp_path / "secret.txt"))
        rv.direct_passthrough = False
        assert rv.data == b"secret"
        assert rv.mimetype == "text/plain"
        rv.close()
        rv = vial.send_file("secret.txt")  # relative to root_path
        rv.direct_passthrough = False
        assert rv.data == b"secret"
        rv.close()
        rv = vial.send_file(
            io.BytesIO(b"in memory"),
            mimetype="application/octet-stream",
            as_attachment=True,
            download_name="data.bin",
        )
        rv.direct_passthrough = False
        assert rv.data == b"in memory"
        assert rv.headers["Content-Disposition"] == "attachment; filename=data.bin"
        rv.close()
        rv = vial.send_file(str(tmp_path / "secret.txt"), max_age=5)
        assert rv.cache_control.max_age == 5
        rv.close()


def test_send_file_x_sendfile(static_app: Vial, tmp_path: Path) -> None:
    static_app.config["USE_X_SENDFILE"] = True
    with static_app.test_request_context():
        rv = vial.send_file(str(tmp_path / "secret.txt"))
        assert rv.headers["X-Sendfile"] == str(tmp_path / "secret.txt")
        assert rv.data == b""
        rv.close()


def test_send_from_directory(static_app: Vial, tmp_path: Path) -> None:
    @static_app.route("/files/<path:name>")
    def files(name):
        return vial.send_from_directory(tmp_path / "static", name)

    c = static_app.test_client()
    rv = c.get("/files/sub/app.js")
    assert rv.data == b"console.log(1)"
    rv.close()
    assert c.get("/files/nope.js").status_code == 404
    with static_app.test_request_context():
        with pytest.raises(NotFound):
            vial.send_from_directory(str(tmp_path / "static"), "../secret.txt")
