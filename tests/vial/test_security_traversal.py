"""Path traversal: the static route and send_from_directory never serve outside their folder.

A fixed list of known tricks (encoded dots and slashes, double encoding, backslashes,
absolute and drive paths, NUL bytes, overlong UTF-8) plus a hypothesis fuzz over the same
alphabet. A secret file sits next to the static folder; no request may return it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound

import vial
from vial import Vial

SECRET = b"TOP-SECRET-CONTENT"

DOTDOT = [
    "..",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%2e.",
    "%252e%252e",
    "%c0%ae%c0%ae",
    "%uff0e%uff0e",
    "...",
    "....",
    ".. ",
    "..;",
]
SEPARATORS = ["/", "%2f", "%2F", "%252f", "\\", "%5c", "%5C", "//", "/./", "%c0%af"]
TARGETS = ["secret.txt", "secret.txt%00.css", "secret.txt%00", "static/../secret.txt"]


def _fuzzed_paths() -> list[str]:
    paths = []
    for dots in DOTDOT:
        for sep in SEPARATORS:
            for target in TARGETS:
                paths.append(f"{dots}{sep}{target}")
                paths.append(f"sub{sep}{dots}{sep}{dots}{sep}{target}")
    return paths


ABSOLUTE = [
    "/secret.txt",
    "//secret.txt",
    "\\secret.txt",
    "C:\\secret.txt",
    "C:/secret.txt",
    "\\\\server\\share\\secret.txt",
    "file:///secret.txt",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "%00",
    "index.html%00",
    "index.html\x00.txt",
]


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_bytes(SECRET)
    static = tmp_path / "static"
    (static / "sub").mkdir(parents=True)
    (static / "index.html").write_text("public")
    (static / "sub" / "ok.txt").write_text("public too")
    return tmp_path


@pytest.fixture
def traversal_app(layout: Path) -> Vial:
    app = Vial(__name__, root_path=str(layout))

    @app.route("/files/<path:name>")
    def files(name):
        return vial.send_from_directory(layout / "static", name)

    return app


def _assert_refused(client, url: str) -> None:
    rv = client.get(url)
    try:
        assert SECRET not in rv.get_data(), url
        assert rv.status_code in {400, 404, 308}, (url, rv.status_code)
        if rv.status_code == 308:  # a slash redirect must stay on the static route
            assert rv.headers["Location"].startswith("http://localhost/"), url
    finally:
        rv.close()


def test_public_files_are_served(traversal_app: Vial) -> None:
    c = traversal_app.test_client()
    for url in ("/static/index.html", "/static/sub/ok.txt", "/files/sub/ok.txt"):
        rv = c.get(url)
        assert rv.status_code == 200, url
        rv.close()


@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
def test_fuzzed_traversal_over_http(traversal_app: Vial, prefix: str) -> None:
    c = traversal_app.test_client()
    paths = _fuzzed_paths() + ABSOLUTE
    assert len(paths) > 900
    for path in paths:
        _assert_refused(c, prefix + path.replace("\x00", "%00"))


@pytest.mark.parametrize(
    "name",
    [
        "../secret.txt",
        "..\\secret.txt",
        "sub/../../secret.txt",
        "sub/../../static/../secret.txt",
        "./../secret.txt",
        "..",
        "../",
        "/secret.txt",
        "//secret.txt",
        "\\\\server\\share",
        "C:\\secret.txt",
        "index.html\x00",
        "\x00../secret.txt",
        "%2e%2e/secret.txt",
    ],
)
def test_send_from_directory_refuses_raw_names(
    traversal_app: Vial, layout: Path, name: str
) -> None:
    with traversal_app.test_request_context():
        with pytest.raises(NotFound):
            vial.send_from_directory(layout / "static", name)


def test_absolute_path_of_the_secret_refused(traversal_app: Vial, layout: Path) -> None:
    with traversal_app.test_request_context():
        with pytest.raises(NotFound):
            vial.send_from_directory(layout / "static", str(layout / "secret.txt"))
        with pytest.raises(NotFound):
            traversal_app.send_static_file(
                os.path.relpath(layout / "secret.txt", layout / "static")
            )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.sampled_from(DOTDOT + SEPARATORS + ["secret.txt", "sub", "static", "%00", "."]),
        min_size=1,
        max_size=8,
    )
)
def test_hypothesis_traversal(traversal_app: Vial, parts: list[str]) -> None:
    c = traversal_app.test_client()
    path = "".join(parts)
    for prefix in ("/static/", "/files/"):
        rv = c.get(prefix + path)
        try:
            assert SECRET not in rv.get_data(), prefix + path
        finally:
            rv.close()
