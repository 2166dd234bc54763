"""The Werkzeug routing coupling: rule classes, binding a request to the map, building URLs.

Matching and building are Werkzeug's (``Map``/``Rule``/``MapAdapter``); this module only
decides how a request is bound to the map (host, subdomain, ``TRUSTED_HOSTS``) and keeps
that decision in one place.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote as _url_quote

from werkzeug.exceptions import BadHost
from werkzeug.routing import BaseConverter, BuildError, Map, MapAdapter, Rule
from werkzeug.wsgi import get_host

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Vial
    from .wrappers import Request

__all__ = [
    "BaseConverter",
    "BuildError",
    "Map",
    "MapAdapter",
    "Rule",
    "bind_for_app",
    "bind_for_request",
    "quote_anchor",
]


def bind_for_app(app: Vial) -> MapAdapter | None:
    """An adapter for building URLs with no request, from ``SERVER_NAME``; else ``None``."""
    config = app.config
    server_name = config["SERVER_NAME"]
    if server_name is None:
        return None
    return app.url_map.bind(
        server_name,
        script_name=config["APPLICATION_ROOT"],
        url_scheme=config["PREFERRED_URL_SCHEME"],
    )


def bind_for_request(app: Vial, request: Request) -> MapAdapter | tuple[str | None, str | None]:
    """Bind the map to a request: check its Host against ``TRUSTED_HOSTS`` first.

    ``SERVER_NAME`` does not restrict which hosts are served. Without
    ``subdomain_matching`` the subdomain is forced to the map's default, so an unknown
    subdomain still reaches the app's routes. An untrusted Host raises
    :class:`~werkzeug.exceptions.SecurityError` (a 400).

    Returns the adapter, or, when Werkzeug's own ``Map.bind_to_environ`` must bind (a
    ``SERVER_NAME``, host or subdomain matching, a WebSocket upgrade), the
    ``(server_name, subdomain)`` to call it with. The app makes that call itself, because
    Werkzeug names the caller's module in its "server name does not match" warning and
    apps filter that warning by the app module's name.
    """
    config = app.config
    environ = request.environ
    trusted_hosts = config["TRUSTED_HOSTS"]
    if trusted_hosts is not None:
        request.trusted_hosts = trusted_hosts
        # Cache the checked host on the request so later reads agree.
        request.host = get_host(environ, trusted_hosts)
    url_map = app.url_map
    server_name = config["SERVER_NAME"]
    if url_map.host_matching:
        # The actual Host must be matched, so SERVER_NAME must not replace it.
        return (None, None)
    if app.subdomain_matching:
        return (server_name, None)
    subdomain = url_map.default_subdomain or ""
    if server_name is not None or "HTTP_UPGRADE" in environ:
        return (server_name, subdomain)
    # The common case, done here with the host's normalisation cached: what
    # ``bind_to_environ(environ, subdomain=...)`` computes, minus the repeated IDNA work.
    scheme = environ["wsgi.url_scheme"]
    key = (scheme, environ.get("HTTP_HOST"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"))
    host = _host_cache.get(key)
    if host is None:
        host = _normalise_host(get_host(environ))
        if len(_host_cache) >= 512:  # Host is client-controlled: keep the cache bounded
            _host_cache.clear()
        _host_cache[key] = host
    script_name = environ.get("SCRIPT_NAME")
    path_info = environ.get("PATH_INFO")
    query_args = environ.get("QUERY_STRING")
    return MapAdapter(
        url_map,
        host,
        "/" if script_name is None else _wsgi_decode(script_name),
        subdomain,
        scheme,
        "/" if path_info is None else _wsgi_decode(path_info),
        environ["REQUEST_METHOD"],
        None if query_args is None else _wsgi_decode(query_args),
    )


_host_cache: dict[tuple[t.Any, ...], str] = {}


def _normalise_host(host: str) -> str:
    """Lower-case and IDNA-encode a host name, keeping its port (as ``Map.bind`` does)."""
    name, port_sep, port = host.lower().partition(":")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError as e:
        raise BadHost() from e
    return f"{name}{port_sep}{port}"


def _wsgi_decode(value: str) -> str:
    """WSGI strings are latin-1 decoded bytes; re-decode them as UTF-8."""
    if value.isascii():
        return value
    return value.encode("latin1").decode(errors="replace")


def quote_anchor(anchor: str) -> str:
    """Quote a URL fragment the way browsers expect (keeps ``/``, ``?``, ``#``...)."""
    return _url_quote(anchor, safe="%!#$&'()*+,/:;=?@")
