"""Cookie sessions: semantics, cookie attributes and signature checks.

Every test drives real requests through the app with Werkzeug's test client;
cookies are signed and verified by real itsdangerous.
"""

from __future__ import annotations

import re
import time
import typing as t
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.http import parse_date

from vial import Vial, flash, get_flashed_messages, session
from vial.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    session_json_serializer,
)


def make_app(**config: object) -> Vial:
    app = Vial(__name__)
    app.config.update({"SECRET_KEY": "test key", **config})

    @app.post("/set")
    def set_value() -> str:
        from vial import request

        for key, value in request.form.items():
            session[key] = value
        return "set"

    @app.get("/get/<key>")
    def get_value(key: str) -> str:
        return repr(session.get(key))

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    @app.get("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.get("/permanent")
    def make_permanent() -> str:
        session["x"] = 1
        session.permanent = True
        return "permanent"

    return app


def set_cookie_headers(response: object) -> list[str]:
    return response.headers.getlist("Set-Cookie")  # type: ignore[attr-defined, no-any-return]


def signing_serializer(app: Vial) -> URLSafeTimedSerializer:
    s = app.session_interface.get_signing_serializer(app)
    assert s is not None
    return s


# -- semantics ------------------------------------------------------------------------


def test_value_survives_between_requests() -> None:
    client = make_app().test_client()
    assert client.post("/set", data={"name": "ada"}).data == b"set"
    assert client.get("/get/name").data == b"'ada'"


def test_untouched_session_sends_no_cookie_and_no_vary() -> None:
    client = make_app().test_client()
    rv = client.get("/plain")
    assert "Set-Cookie" not in rv.headers
    assert "Vary" not in rv.headers


def test_read_only_access_varies_on_cookie_without_setting_it() -> None:
    client = make_app().test_client()
    rv = client.get("/get/missing")
    assert rv.data == b"None"
    assert rv.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in rv.headers


def test_write_sets_cookie_with_default_attributes() -> None:
    client = make_app().test_client()
    rv = client.post("/set", data={"a": "1"})
    (cookie,) = set_cookie_headers(rv)
    assert re.fullmatch(r"session=[\w.-]+; HttpOnly; Path=/", cookie)
    assert rv.headers["Vary"] == "Cookie"


def test_cookie_attributes_follow_config() -> None:
    app = make_app(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    rv = app.test_client().post("/set", data={"a": "1"})
    (cookie,) = set_cookie_headers(rv)
    assert re.fullmatch(
        r"sid=[\w.-]+; Domain=example.test; Secure; Path=/app; SameSite=Lax; Partitioned",
        cookie,
    )


def test_cookie_path_defaults_to_application_root() -> None:
    app = make_app(APPLICATION_ROOT="/root")
    # The test client mounts the app under APPLICATION_ROOT, like a real server.
    rv = app.test_client().post("/set", data={"a": "1"})
    assert "; Path=/root" in rv.headers["Set-Cookie"]


def test_clearing_deletes_the_cookie() -> None:
    client = make_app().test_client()
    client.post("/set", data={"a": "1"})
    rv = client.get("/clear")
    assert set_cookie_headers(rv) == [
        "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/"
    ]
    assert rv.headers["Vary"] == "Cookie"
    assert client.get("/get/a").data == b"None"


def test_clearing_an_empty_session_sends_nothing() -> None:
    app = make_app()

    @app.get("/noop")
    def noop() -> str:
        session.pop("missing", None)
        return ""

    rv = app.test_client().get("/noop")
    assert "Set-Cookie" not in rv.headers


def test_unchanged_session_is_not_resent() -> None:
    client = make_app().test_client()
    client.post("/set", data={"a": "1"})
    rv = client.get("/get/a")
    assert rv.data == b"'1'"
    assert "Set-Cookie" not in rv.headers
    assert rv.headers["Vary"] == "Cookie"


def test_nested_mutation_needs_modified_flag() -> None:
    app = make_app()

    @app.get("/init")
    def init() -> str:
        session["items"] = []
        return ""

    @app.get("/append/<flag>")
    def append(flag: str) -> str:
        session["items"].append(len(session["items"]))
        assert session.modified is False
        if flag == "mark":
            session.modified = True
        return ""

    client = app.test_client()
    client.get("/init")
    assert "Set-Cookie" not in client.get("/append/silent").headers
    assert client.get("/get/items").data == b"[]"
    assert "Set-Cookie" in client.get("/append/mark").headers
    assert client.get("/get/items").data == b"[0]"


def test_permanent_session_expires_after_lifetime() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(days=3))
    before = datetime.now(timezone.utc)
    rv = app.test_client().get("/permanent")
    match = re.search(r"Expires=([^;]+)", rv.headers["Set-Cookie"])
    assert match is not None
    expires = parse_date(match.group(1))
    assert expires is not None
    delta = expires - before
    assert timedelta(days=3) - timedelta(seconds=5) <= delta <= timedelta(days=3, seconds=5)


def test_lifetime_accepts_seconds() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=60)
    rv = app.test_client().get("/permanent")
    match = re.search(r"Expires=([^;]+)", rv.headers["Set-Cookie"])
    assert match is not None
    expires = parse_date(match.group(1))
    assert expires is not None
    assert expires - datetime.now(timezone.utc) <= timedelta(seconds=61)


@pytest.mark.parametrize(("refresh", "expect_cookie"), [(True, True), (False, False)])
def test_permanent_session_refresh_each_request(refresh: bool, expect_cookie: bool) -> None:
    app = make_app(SESSION_REFRESH_EACH_REQUEST=refresh)
    client = app.test_client()
    client.get("/permanent")
    # A request that does not touch the session still slides the expiry.
    rv = client.get("/plain")
    assert ("Set-Cookie" in rv.headers) is expect_cookie


def test_non_permanent_session_is_not_refreshed() -> None:
    client = make_app().test_client()
    client.post("/set", data={"a": "1"})
    assert "Set-Cookie" not in client.get("/plain").headers


def test_permanent_flag_is_stored_in_session() -> None:
    app = make_app()

    @app.get("/flag")
    def flag() -> str:
        return repr(session.permanent)

    client = app.test_client()
    assert client.get("/flag").data == b"False"
    client.get("/permanent")
    assert client.get("/flag").data == b"True"
    assert client.get("/get/_permanent").data == b"True"


def test_tagged_values_round_trip_through_the_cookie() -> None:
    app = make_app()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    ident = uuid.uuid4()
    values = {
        "t": (1, 2, 3),
        "b": b"\x00\xff",
        "m": Markup("<b>hi</b>"),
        "u": ident,
        "d": now,
        "nested": {" t": [(1,)]},
    }

    @app.get("/store")
    def store() -> str:
        session.update(values)
        return ""

    @app.get("/load")
    def load() -> str:
        assert {k: session[k] for k in values} == values
        assert type(session["m"]) is Markup
        return "ok"

    client = app.test_client()
    client.get("/store")
    assert client.get("/load").data == b"ok"


def test_session_attribute_flags() -> None:
    s = SecureCookieSession({"a": 1})
    assert not s.modified and not s.accessed
    assert s.get("a") == 1
    assert not s.modified
    s2 = SecureCookieSession()
    s2.setdefault("x", 1)
    assert s2.modified
    s3 = SecureCookieSession()
    s3["y"] = 2
    assert s3.modified
    assert s3.new is False


def test_context_marks_every_read_accessed() -> None:
    app = make_app()
    with app.test_request_context():
        from vial.globals import request_ctx

        # The framework's own read (saving, copying) does not count...
        assert not request_ctx._session.accessed
        assert not request_ctx.copy()._session.accessed
        # ...any read by the app does, before anything is done with the value.
        session.modified  # noqa: B018
        assert request_ctx._session.accessed


# -- no secret key --------------------------------------------------------------------


def test_without_secret_key_session_is_null_and_read_only() -> None:
    app = Vial(__name__)

    @app.get("/read")
    def read() -> str:
        assert isinstance(session._get_current_object(), NullSession)  # type: ignore[attr-defined]
        return repr(session.get("x"))

    @app.get("/write")
    def write() -> str:
        session["x"] = 1
        return ""

    app.testing = True
    client = app.test_client()
    assert client.get("/read").data == b"None"
    with pytest.raises(RuntimeError, match="has no secret key.*SECRET_KEY"):
        client.get("/write")


@pytest.mark.parametrize("method", ["clear", "pop", "popitem", "update", "setdefault"])
def test_null_session_refuses_every_mutation(method: str) -> None:
    with pytest.raises(RuntimeError, match="secret key"):
        getattr(NullSession(), method)("x")


# -- signatures (security) ------------------------------------------------------------


def cookie_value(client: object) -> str:
    cookie = client.get_cookie("session")  # type: ignore[attr-defined]
    assert cookie is not None
    return cookie.value  # type: ignore[no-any-return]


def test_tampered_cookie_is_rejected() -> None:
    app = make_app()
    client = app.test_client()
    client.post("/set", data={"user": "alice"})
    value = cookie_value(client)
    payload, timestamp, signature = value.split(".")
    forged_payload = signing_serializer(app).dump_payload({"user": "mallory"}).decode()
    forged = ".".join((forged_payload, timestamp, signature))
    client.set_cookie("session", forged)
    assert client.get("/get/user").data == b"None"
    # Changing one character of the signature is enough too. (The first one:
    # the low bits of the last base64 character are padding and may not count.)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie("session", ".".join((payload, timestamp, flipped)))
    assert client.get("/get/user").data == b"None"


@pytest.mark.parametrize("garbage", ["", "x", "a.b.c", "....", "\u00e9t\u00e9"])
def test_garbage_cookie_gives_empty_session(garbage: str) -> None:
    client = make_app().test_client()
    client.set_cookie("session", garbage)
    assert client.get("/get/user").data == b"None"


def test_cookie_signed_with_another_key_is_rejected() -> None:
    app = make_app()
    other = make_app()
    other.secret_key = "another key"
    client = app.test_client()
    client.set_cookie("session", signing_serializer(other).dumps({"user": "mallory"}))
    assert client.get("/get/user").data == b"None"


def test_cookie_with_another_salt_is_rejected() -> None:
    app = make_app()
    client = app.test_client()
    forged = URLSafeTimedSerializer(
        app.secret_key, salt="other-salt", serializer=session_json_serializer
    ).dumps({"user": "mallory"})
    client.set_cookie("session", forged)
    assert client.get("/get/user").data == b"None"


class _OldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def test_expired_cookie_is_rejected() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(minutes=30))
    real = signing_serializer(app)
    old = URLSafeTimedSerializer(
        app.secret_key,
        salt=real.salt,
        serializer=session_json_serializer,
        signer=_OldSigner,
        signer_kwargs=real.signer_kwargs,
    )
    client = app.test_client()
    client.set_cookie("session", old.dumps({"user": "alice"}))
    assert client.get("/get/user").data == b"None"
    # The same hour-old cookie is fine while the lifetime allows it.
    app.permanent_session_lifetime = timedelta(hours=2)
    assert client.get("/get/user").data == b"'alice'"


def test_fallback_keys_verify_old_cookies_and_new_key_signs() -> None:
    old_app = make_app()
    old_app.secret_key = "old key"
    client = old_app.test_client()
    client.post("/set", data={"user": "alice"})
    old_cookie = cookie_value(client)

    app = make_app(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["older key", "old key"])
    client = app.test_client()
    client.set_cookie("session", old_cookie)
    assert client.get("/get/user").data == b"'alice'"
    client.post("/set", data={"other": "x"})
    new_cookie = cookie_value(client)
    assert URLSafeTimedSerializer(
        "new key",
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1},
    ).loads(new_cookie) == {"user": "alice", "other": "x"}

    # Without the fallback, the old cookie is just an empty session.
    app.config["SECRET_KEY_FALLBACKS"] = []
    client.set_cookie("session", old_cookie)
    assert client.get("/get/user").data == b"None"


def test_signing_serializer_is_cached_per_key_set() -> None:
    app = make_app()
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    app.secret_key = "rotated"
    second = interface.get_signing_serializer(app)
    assert second is not first
    assert second.loads(second.dumps({"a": 1})) == {"a": 1}
    app.config["SECRET_KEY_FALLBACKS"] = ["test key"]
    third = interface.get_signing_serializer(app)
    assert third is not second
    assert third.loads(first.dumps({"a": 2})) == {"a": 2}
    app.secret_key = None
    assert interface.get_signing_serializer(app) is None


# -- swapping the interface -----------------------------------------------------------


class MemorySessionInterface(SessionInterface):
    """A server-side store keyed by a plain cookie, to prove the hooks are used."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, object]] = {}

    def open_session(self, app: Vial, request: object) -> SecureCookieSession:
        sid = request.cookies.get(self.get_cookie_name(app))  # type: ignore[attr-defined]
        sess = SecureCookieSession(self.store.get(sid or "", {}))
        sess.sid = sid or uuid.uuid4().hex  # type: ignore[attr-defined]
        return sess

    def save_session(self, app: Vial, session: SecureCookieSession, response: object) -> None:
        if self.should_set_cookie(app, session):
            self.store[session.sid] = dict(session)  # type: ignore[attr-defined]
            response.set_cookie(self.get_cookie_name(app), session.sid)  # type: ignore[attr-defined]


def test_custom_interface_on_the_instance() -> None:
    app = make_app()
    interface = MemorySessionInterface()
    app.session_interface = interface
    client = app.test_client()
    client.post("/set", data={"k": "v"})
    assert client.get("/get/k").data == b"'v'"
    assert list(interface.store.values()) == [{"k": "v"}]


def test_open_session_returning_none_gives_null_session() -> None:
    class NoSessions(SecureCookieSessionInterface):
        def open_session(self, app: Vial, request: object) -> None:  # type: ignore[override]
            return None

    app = make_app()
    app.session_interface = NoSessions()

    @app.get("/kind")
    def kind() -> str:
        return type(session._get_current_object()).__name__  # type: ignore[attr-defined]

    assert app.test_client().get("/kind").data == b"NullSession"


def test_base_interface_is_abstract() -> None:
    app = make_app()
    with pytest.raises(NotImplementedError):
        SessionInterface().open_session(app, None)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError):
        SessionInterface().save_session(app, SecureCookieSession(), None)  # type: ignore[arg-type]


# -- flashing -------------------------------------------------------------------------


def make_flash_app() -> Vial:
    app = make_app()

    @app.get("/flash")
    def add() -> str:
        flash("plain")
        flash("careful", "warning")
        flash(Markup("<b>bold</b>"), "error")
        return ""

    @app.get("/show")
    def show() -> str:
        return repr(get_flashed_messages())

    @app.get("/show/categories")
    def show_categories() -> str:
        return repr(get_flashed_messages(with_categories=True))

    @app.get("/show/filtered")
    def show_filtered() -> str:
        return repr(get_flashed_messages(category_filter=["warning", "error"]))

    @app.get("/show/twice")
    def show_twice() -> str:
        first = get_flashed_messages(with_categories=True)
        second = get_flashed_messages(category_filter=["message"])
        return repr((first, second))

    return app


def test_flash_messages_are_consumed() -> None:
    client = make_flash_app().test_client()
    client.get("/flash")
    assert client.get("/show").data == (b"['plain', 'careful', Markup('<b>bold</b>')]")
    assert client.get("/show").data == b"[]"


def test_flash_with_categories() -> None:
    client = make_flash_app().test_client()
    client.get("/flash")
    assert client.get("/show/categories").data == (
        b"[('message', 'plain'), ('warning', 'careful'), ('error', Markup('<b>bold</b>'))]"
    )


def test_flash_category_filter() -> None:
    client = make_flash_app().test_client()
    client.get("/flash")
    assert client.get("/show/filtered").data == b"['careful', Markup('<b>bold</b>')]"


def test_flashes_are_cached_for_the_request() -> None:
    client = make_flash_app().test_client()
    client.get("/flash")
    assert client.get("/show/twice").data == (
        b"([('message', 'plain'), ('warning', 'careful'),"
        b" ('error', Markup('<b>bold</b>'))], ['plain'])"
    )


# -- same wire behaviour as Flask ------------------------------------------------------


def _strip_value(header: str) -> str:
    name, _, rest = header.partition("=")
    value, sep, attrs = rest.partition(";")
    return f"{name}=<{'value' if value else ''}>{sep}{attrs}"


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"SESSION_COOKIE_SAMESITE": "Strict", "SESSION_COOKIE_SECURE": True},
        {"SESSION_COOKIE_DOMAIN": "example.test", "SESSION_COOKIE_PARTITIONED": True},
        {"SESSION_COOKIE_PATH": "/x", "SESSION_COOKIE_HTTPONLY": False},
    ],
)
def test_headers_match_flask(config: dict[str, object]) -> None:
    flask = pytest.importorskip("flask")

    def build(module: object) -> object:
        app = module.Flask(__name__) if module is flask else Vial(__name__)  # type: ignore[attr-defined]
        app.config.update(SECRET_KEY="k", **config)
        sess = module.session  # type: ignore[attr-defined]

        @app.get("/w")
        def w() -> str:
            sess["a"] = (1, b"x")
            return ""

        @app.get("/r")
        def r() -> str:
            return repr(sess.get("a"))

        @app.get("/c")
        def c() -> str:
            sess.clear()
            return ""

        return app

    import vial

    seen = []
    for module in (flask, vial):
        client = build(module).test_client()  # type: ignore[attr-defined]
        responses = [client.get(p) for p in ("/w", "/r", "/c")]
        seen.append(
            [
                (
                    r.data,
                    r.headers.get("Vary"),
                    [_strip_value(h) for h in r.headers.getlist("Set-Cookie")],
                )
                for r in responses
            ]
        )
    assert seen[0] == seen[1]
    assert seen[1][0][2] != []


def test_vary_merges_with_existing_header() -> None:
    app = make_app()

    @app.get("/negotiated")
    def negotiated() -> tuple[str, dict[str, str]]:
        session["seen"] = True
        return "", {"Vary": "Accept-Encoding"}

    rv = app.test_client().get("/negotiated")
    assert rv.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


def test_serializer_reuses_signers_and_derived_keys() -> None:
    app = make_app(SECRET_KEY_FALLBACKS=["old"])
    s = signing_serializer(app)
    assert isinstance(s, URLSafeTimedSerializer)
    assert s.make_signer() is s.make_signer()
    assert s.make_signer("other") is not s.make_signer()
    signer = s.make_signer()
    assert signer.derive_key() == signer.derive_key()
    assert signer.derive_key("old") != signer.derive_key()
    # A value signed by the cached machinery verifies with stock itsdangerous.
    stock = URLSafeTimedSerializer(
        "test key",
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1},
    )
    assert stock.loads(s.dumps({"a": 1})) == {"a": 1}
    assert s.loads(stock.dumps({"b": 2})) == {"b": 2}


# Every way a view or a template can read the session. Flask 3.1.3 marks the session
# accessed on any of them, so the response varies on Cookie and a shared cache keeps
# one user's page from another; vial must send the same headers for each.
_SESSION_READS: dict[str, t.Callable[[t.Any], object]] = {
    "get": lambda s: s.get("a"),
    "getitem": lambda s: s["a"],
    "contains": lambda s: "a" in s,
    "len": lambda s: len(s),
    "bool": lambda s: bool(s),
    "iter": lambda s: list(iter(s)),
    "keys": lambda s: list(s.keys()),
    "items": lambda s: list(s.items()),
    "values": lambda s: list(s.values()),
    "copy": lambda s: s.copy(),
    "eq": lambda s: s == {"a": 1},
    "ne": lambda s: s != {},
    "dict": lambda s: dict(s),
    "repr": lambda s: repr(s),
    "setdefault": lambda s: s.setdefault("a", 0),
    "pop_default": lambda s: s.pop("missing", None),
    "permanent": lambda s: s.permanent,
    "modified_flag": lambda s: s.modified,
}

_TEMPLATE_READS = {
    "tpl_if": "{% if session %}yes{% endif %}",
    "tpl_in": "{{ 'a' in session }}",
    "tpl_get": "{{ session.get('a') }}",
    "tpl_for": "{% for k in session %}{{ k }}{% endfor %}",
    "tpl_length": "{{ session|length }}",
    "tpl_none": "{{ 1 + 1 }}",
}


def _session_read_responses(module: t.Any, with_cookie: bool) -> dict[str, object]:
    """Headers and bodies of every read kind on ``module`` (flask or vial)."""
    app_class = module.Flask if module.__name__ == "flask" else module.Vial
    app = app_class(__name__)
    app.config["SECRET_KEY"] = "k"
    sess = module.session

    @app.post("/seed")
    def seed() -> str:
        sess["a"] = 1
        return ""

    @app.get("/read/<kind>")
    def read(kind: str) -> str:
        return repr(_SESSION_READS[kind](sess))

    @app.get("/tpl/<kind>")
    def tpl(kind: str) -> str:
        return module.render_template_string(_TEMPLATE_READS[kind])  # type: ignore[no-any-return]

    @app.get("/nothing")
    def nothing() -> str:
        return "n"

    client = app.test_client()
    if with_cookie:
        client.post("/seed")
    paths = [f"/read/{k}" for k in _SESSION_READS]
    paths += [f"/tpl/{k}" for k in _TEMPLATE_READS]
    paths.append("/nothing")
    seen: dict[str, object] = {}
    for path in paths:
        rv = client.get(path)
        cookies = [_strip_value(h) for h in rv.headers.getlist("Set-Cookie")]
        seen[path] = (rv.status_code, rv.data, rv.headers.get("Vary"), cookies)
    return seen


@pytest.mark.parametrize("with_cookie", [True, False], ids=["cookie", "no-cookie"])
def test_every_session_read_varies_on_cookie_like_flask(with_cookie: bool) -> None:
    flask = pytest.importorskip("flask")
    import vial

    expected = _session_read_responses(flask, with_cookie)
    actual = _session_read_responses(vial, with_cookie)
    assert actual == expected
    # What the comparison protects: every read varies, and only a read does.
    for path, (_, _, vary, _) in actual.items():  # type: ignore[misc]
        reads = path not in ("/nothing", "/tpl/tpl_none")
        assert (vary == "Cookie") is reads, path
