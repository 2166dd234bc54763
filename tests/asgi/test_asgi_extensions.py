"""flask-login, flask-cors, flask-wtf and flask-httpauth, patched by graft, under uvicorn.

The extensions are patched to vial exactly as the extension harness does
(``tests/extensions/patched.py``: ``graft patch`` into an app repository); the server runs
in the harness's Flask-free environment, with uvicorn and greenlet added as an overlay and
Flask and asgiref made unimportable. Every check goes over real HTTP. About 40 s (patching
four extensions, four servers), plus the harness's downloads the first time (cached under
``.cache/extensions``).
"""

from __future__ import annotations

import base64
import importlib.metadata
import re
import subprocess
import sys
import typing as t
from pathlib import Path

import httpx
import pytest
import servers

pytestmark = pytest.mark.slow

sys.path.insert(0, str(servers.REPO / "tests" / "extensions"))

import patched  # noqa: E402
import suites  # noqa: E402

EXTENSIONS = ("flask-login", "flask-cors", "flask-wtf", "flask-httpauth")


def _pins(*names: str) -> list[str]:
    return [f"{name}=={importlib.metadata.version(name)}" for name in names]


def patch_extensions(cache: Path, workdir: Path) -> Path:
    """An app repository with the four extensions patched to vial by ``graft patch``.

    What ``patched.make_app("vial", ...)`` does, less the two extensions only flask-wtf's
    test suite needs and the wheels: those cost a minute and prove nothing here.
    """
    root, home = workdir / "app", workdir / "home"
    root.mkdir()
    home.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1.0"\n')
    env = patched.git_env(home)
    for args in (["init", "-q", "-b", "main"], ["add", "pyproject.toml"], ["commit", "-qm", "app"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    overlay = suites.ensure_flask_overlay(cache)
    for dist in EXTENSIONS:
        patched.graft("patch", dist, "--search-path", str(overlay), cwd=root, home=home)
    return root


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[Path, ...]]:
    """The suites' Flask-free python, and the path: patched extensions, uvicorn, vial."""
    cache = suites.cache_dir()
    root = patch_extensions(cache, tmp_path_factory.mktemp("ext-asgi"))
    overlay = suites.ensure_overlay(cache, _pins("uvicorn", "h11", "greenlet"), kind="asgi")
    return suites.ensure_venv(cache), (root, servers.REPO / "framework", overlay)


def serve(name: str, environment: tuple[Path, tuple[Path, ...]], workdir: Path) -> servers.Server:
    python, path = environment
    blocker = workdir / "blocker"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(
        'import sys\nsys.modules["flask"] = None\nsys.modules["asgiref"] = None\n'
    )
    return servers.start(
        "uvicorn",
        f"extension_apps:{name}",
        workdir,
        path=(blocker, *path),
        python=str(python),
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def check_flask_is_absent(server: servers.Server) -> None:
    log = server.log.read_text()
    assert "Traceback" not in log, log


def test_flask_login(environment: t.Any, workdir: Path) -> None:
    server = serve("login_app", environment, workdir)
    try:
        with httpx.Client(base_url=server.url) as c:
            anonymous = c.get("/")
            assert anonymous.status_code == 302
            assert anonymous.headers["location"] == "/login?next=%2F"
            logged_in = c.post("/login?next=/", data={"name": "alice"})
            assert logged_in.status_code == 302 and logged_in.headers["location"] == "/"
            assert "remember_token" in c.cookies
            assert c.get("/").text == "hello alice"
            assert c.get("/sync").text == "sync hello alice"
            assert c.get("/logout").status_code == 302
            c.cookies.delete("remember_token")
            assert c.get("/").status_code == 302
    finally:
        server.stop()
    check_flask_is_absent(server)


def test_flask_cors(environment: t.Any, workdir: Path) -> None:
    server = serve("cors_app", environment, workdir)
    try:
        with httpx.Client(base_url=server.url) as c:
            preflight = c.options(
                "/api/items",
                headers={
                    "Origin": "https://example.com",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "Content-Type",
                },
            )
            assert preflight.status_code == 200
            assert preflight.headers["access-control-allow-origin"] == "https://example.com"
            assert "POST" in preflight.headers["access-control-allow-methods"]
            ok = c.get("/api/items", headers={"Origin": "https://example.com"})
            assert ok.json() == {"items": [1, 2]}
            assert ok.headers["access-control-allow-origin"] == "https://example.com"
            other = c.get("/api/items", headers={"Origin": "https://evil.example"})
            assert "access-control-allow-origin" not in other.headers
            private = c.get("/private", headers={"Origin": "https://example.com"})
            assert "access-control-allow-origin" not in private.headers
    finally:
        server.stop()
    check_flask_is_absent(server)


def test_flask_wtf_csrf(environment: t.Any, workdir: Path) -> None:
    server = serve("csrf_app", environment, workdir)
    try:
        with httpx.Client(base_url=server.url) as c:
            page = c.get("/form").text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
            assert token is not None, page
            refused = c.post("/form", data={"name": "bob"})
            assert refused.status_code == 400
            assert "The CSRF token is missing." in refused.text
            accepted = c.post("/form", data={"name": "bob", "csrf_token": token.group(1)})
            assert accepted.text == "saved bob"
            forged = c.post("/form", data={"name": "bob", "csrf_token": token.group(1) + "x"})
            assert forged.status_code == 400
    finally:
        server.stop()
    check_flask_is_absent(server)


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_flask_httpauth(environment: t.Any, workdir: Path) -> None:
    server = serve("auth_app", environment, workdir)
    try:
        with httpx.Client(base_url=server.url) as c:
            anonymous = c.get("/")
            assert anonymous.status_code == 401
            assert anonymous.headers["www-authenticate"] == 'Basic realm="Authentication Required"'
            assert c.get("/", headers=_basic("alice", "wrong")).status_code == 401
            assert c.get("/", headers=_basic("alice", "secret")).text == "Hello, alice"
            assert c.get("/sync", headers=_basic("alice", "secret")).text == "Sync hello, alice"
    finally:
        server.stop()
    check_flask_is_absent(server)
