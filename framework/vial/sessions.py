"""Sessions: per-client state kept between requests.

The app asks ``app.session_interface`` to open a session when a request first
uses it and to save it into the response; the default interface keeps the
whole session in a cookie signed with itsdangerous, so the client can read it
but not change it. Swap the interface (on the class or on the app instance) to
store sessions elsewhere.
"""

from __future__ import annotations

import hashlib
import typing as t
from collections.abc import MutableMapping
from datetime import datetime, timezone

from werkzeug.datastructures import CallbackDict

from .json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:  # pragma: no cover
    from itsdangerous import URLSafeTimedSerializer

    from .app import Vial
    from .wrappers import Request, Response


class SessionMixin(MutableMapping[str, t.Any]):
    """What the app expects of a session besides being a mapping."""

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session, lasting
        ``PERMANENT_SESSION_LIFETIME``; stored under the ``_permanent`` key."""
        return self.get("_permanent", False)  # type: ignore[no-any-return]

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    new = False
    """Whether the session was just created. The cookie interface cannot
    tell, so it always says ``False``."""

    modified = True
    """Whether the session changed and must be saved. Mutating a nested value
    (``session["cart"].append(x)``) is not seen: set this to ``True`` then."""

    accessed = False
    """Whether the app read or wrote the session during this request; if so the
    response varies with the ``Cookie`` header. The request context sets it on
    every read of ``session`` (the proxy, templates, ``request_ctx.session``),
    whatever the read does next, so session classes need not track it."""


def _mark_modified(session: SecureCookieSession) -> None:
    # Called by CallbackDict after every write.
    session.modified = True


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """The dict kept in the signed cookie, tracking writes in :attr:`modified`."""

    modified = False

    def __init__(
        self,
        initial: t.Mapping[str, t.Any] | t.Iterable[tuple[str, t.Any]] | None = None,
    ) -> None:
        super().__init__(initial, _mark_modified)


class NullSession(SecureCookieSession):
    """The read-only empty session used when no secret key is set, so reading
    works and writing explains how to fix the problem."""

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable for changes: the app has no secret key to sign its"
            " cookie with. Set app.secret_key (the SECRET_KEY config key) to a long random value"
            " and keep it out of version control."
        )


# Every way of changing the dict explains the missing secret key instead.
for _mutator in ("__setitem__", "__delitem__", "clear", "pop", "popitem", "update", "setdefault"):
    setattr(NullSession, _mutator, NullSession._fail)
del _mutator


class SessionInterface:
    """How the app opens and saves sessions; subclass to store them elsewhere.

    :meth:`open_session` runs when a request first touches ``session`` and
    returns a session object, or ``None`` to fall back to
    :meth:`make_null_session`. :meth:`save_session` runs after the request
    unless the session is a null session. The ``get_cookie_*`` helpers read
    the app's ``SESSION_COOKIE_*`` settings.
    """

    null_session_class: type[NullSession] = NullSession
    """The class :meth:`make_null_session` instantiates."""

    pickle_based = False
    """Whether session data is pickled (informational, for extensions)."""

    def make_null_session(self, app: Vial) -> NullSession:
        """The session used when a real one cannot be opened."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session, which is never saved."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Vial) -> str:
        return app.config["SESSION_COOKIE_NAME"]  # type: ignore[no-any-return]

    def get_cookie_domain(self, app: Vial) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; unset means the cookie is host-only."""
        return app.config["SESSION_COOKIE_DOMAIN"] or None

    def get_cookie_path(self, app: Vial) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]  # type: ignore[no-any-return]

    def get_cookie_httponly(self, app: Vial) -> bool:
        return app.config["SESSION_COOKIE_HTTPONLY"]  # type: ignore[no-any-return]

    def get_cookie_secure(self, app: Vial) -> bool:
        return app.config["SESSION_COOKIE_SECURE"]  # type: ignore[no-any-return]

    def get_cookie_samesite(self, app: Vial) -> str | None:
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: Vial) -> bool:
        return app.config["SESSION_COOKIE_PARTITIONED"]  # type: ignore[no-any-return]

    def get_expiration_time(self, app: Vial, session: SessionMixin) -> datetime | None:
        """When a permanent session's cookie expires; ``None`` (end of the
        browser session) otherwise."""
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Vial, session: SessionMixin) -> bool:
        """Whether to send the cookie: the session changed, or it is permanent
        and ``SESSION_REFRESH_EACH_REQUEST`` slides its expiry forward."""
        return session.modified or (
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def open_session(self, app: Vial, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; ``None`` means use a null session."""
        raise NotImplementedError

    def save_session(self, app: Vial, session: SessionMixin, response: Response) -> None:
        """Persist ``session`` and set whatever cookie ``response`` needs."""
        raise NotImplementedError


session_json_serializer = TaggedJSONSerializer()
"""The tagged JSON serializer shared by cookie sessions."""


class SecureCookieSessionInterface(SessionInterface):
    """Sessions stored in a cookie signed with the app's secret key.

    Keys in ``SECRET_KEY_FALLBACKS`` still verify old cookies, so a key can be
    rotated without logging everyone out; new cookies are always signed with
    ``SECRET_KEY``. Cookies older than ``PERMANENT_SESSION_LIFETIME`` are
    rejected whatever their ``Expires`` said.
    """

    salt = "cookie-session"
    """Separates session signatures from other signatures made with the key."""

    digest_method = staticmethod(hashlib.sha1)
    """The HMAC hash."""

    key_derivation = "hmac"
    """How itsdangerous derives the signing key from the secret key."""

    serializer: t.Any = session_json_serializer
    """Turns the session into the cookie's payload; needs ``dumps``/``loads``."""

    session_class: type[SecureCookieSession] = SecureCookieSession

    _serializer_cache_size = 16

    def get_signing_serializer(self, app: Vial) -> URLSafeTimedSerializer | None:
        """The itsdangerous serializer for the app's keys, or ``None`` without
        a secret key.

        Built once per key set and reused, since sessions are read and written
        on hot paths; changing the keys (or this object's settings) simply
        selects a new one.
        """
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        cache_key = (
            secret_key,
            tuple(fallbacks) if fallbacks else (),
            self.salt,
            self.serializer,
            self.key_derivation,
            self.digest_method,
        )
        try:
            cache = self.__dict__["_serializers"]
        except KeyError:
            cache = self.__dict__["_serializers"] = {}
        try:
            return cache[cache_key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        except TypeError:  # an unhashable key or setting: build without caching
            return self._make_serializer(secret_key, fallbacks)
        if len(cache) >= self._serializer_cache_size:
            cache.clear()
        rv = cache[cache_key] = self._make_serializer(secret_key, fallbacks)
        return rv

    def _make_serializer(
        self, secret_key: str | bytes, fallbacks: t.Iterable[str | bytes] | None
    ) -> URLSafeTimedSerializer:
        # itsdangerous signs with the last key and verifies with all of them.
        keys: list[t.Any] = [*(fallbacks or ()), secret_key]
        signing = dict(key_derivation=self.key_derivation, digest_method=self.digest_method)
        return _serializer_class()(
            keys, salt=self.salt, serializer=self.serializer, signer_kwargs=signing
        )

    def open_session(self, app: Vial, request: Request) -> SecureCookieSession | None:
        """Verify and load the cookie; a missing, tampered or expired cookie
        gives a new empty session."""
        verifier = self.get_signing_serializer(app)
        if verifier is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        contents = None
        if cookie:
            from itsdangerous import BadSignature

            # Cookies older than the permanent lifetime are refused, whatever
            # Expires the browser was given.
            oldest = app.permanent_session_lifetime.total_seconds()
            try:
                contents = verifier.loads(cookie, max_age=int(oldest))
            except BadSignature:  # also SignatureExpired
                contents = None
        return self.session_class(contents)

    def save_session(self, app: Vial, session: SessionMixin, response: Response) -> None:
        """Write, refresh or delete the cookie as the session requires.

        The response varies on ``Cookie`` whenever the session was read or
        the cookie changes, so caches do not share one user's page.
        """
        vary = session.accessed
        if vary:
            _vary_on_cookie(response)

        if not session:
            # An emptied session deletes the cookie; an untouched empty one
            # sends nothing.
            if session.modified:
                response.delete_cookie(
                    self.get_cookie_name(app),
                    domain=self.get_cookie_domain(app),
                    path=self.get_cookie_path(app),
                    secure=self.get_cookie_secure(app),
                    partitioned=self.get_cookie_partitioned(app),
                    samesite=self.get_cookie_samesite(app),
                    httponly=self.get_cookie_httponly(app),
                )
                if not vary:
                    _vary_on_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return

        serializer = self.get_signing_serializer(app)
        assert serializer is not None, "save_session needs a secret key"
        response.set_cookie(
            self.get_cookie_name(app),
            serializer.dumps(dict(session)),
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
        )
        if not vary:
            _vary_on_cookie(response)


def _vary_on_cookie(response: Response) -> None:
    # Same result as ``response.vary.add("Cookie")``, without parsing the
    # header into a set in the usual case where there is no Vary yet.
    headers = response.headers
    if "Vary" not in headers:
        headers["Vary"] = "Cookie"
    else:
        response.vary.add("Cookie")


_SERIALIZER_CLASS: type[URLSafeTimedSerializer] | None = None
_PER_OBJECT_CACHE_SIZE = 32


def _serializer_class() -> type[URLSafeTimedSerializer]:
    """itsdangerous's URL-safe timed serializer, minus repeated set-up work.

    Stock itsdangerous builds a new signer for every ``dumps``/``loads`` and
    derives the HMAC key from the secret key on every signature. Both depend
    only on the keys and the salt, which are fixed for one serializer, so
    these subclasses compute them once. Signing and verifying are unchanged.
    Built on first use so ``import vial`` does not import itsdangerous.
    """
    global _SERIALIZER_CLASS
    if _SERIALIZER_CLASS is not None:
        return _SERIALIZER_CLASS

    from itsdangerous import Signer, TimestampSigner, URLSafeTimedSerializer

    class KeyCachingSigner(TimestampSigner):
        def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
            cache: dict[t.Any, bytes] = self.__dict__.setdefault("_derived_keys", {})
            try:
                return cache[secret_key]
            except KeyError:
                pass
            if len(cache) >= _PER_OBJECT_CACHE_SIZE:
                cache.clear()
            key = cache[secret_key] = super().derive_key(secret_key)
            return key

    class SignerCachingSerializer(URLSafeTimedSerializer):
        default_signer = KeyCachingSigner

        def make_signer(self, salt: str | bytes | None = None) -> Signer:
            cache: dict[t.Any, Signer] = self.__dict__.setdefault("_signers", {})
            try:
                return cache[salt]
            except KeyError:
                pass
            if len(cache) >= _PER_OBJECT_CACHE_SIZE:
                cache.clear()
            signer = cache[salt] = super().make_signer(salt)
            return signer

    _SERIALIZER_CLASS = SignerCachingSerializer
    return _SERIALIZER_CLASS
