"""JSON helpers that follow the current app's provider.

Inside an app context every function here delegates to ``current_app.json``
(see :mod:`.provider`); outside one they fall back to the standard library with
the default provider's extra types, so code that runs in both places behaves
the same.
"""

from __future__ import annotations

import json as _json
import typing as t

from ..globals import _cv_app, current_app
from .provider import _default

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response
    from .provider import JSONProvider


def _app_provider() -> JSONProvider | None:
    # The context variable rather than the proxy: the session serializer goes
    # through here on every request that reads or writes the session.
    app_context = _cv_app.get(None)
    return None if app_context is None else app_context.app.json


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` to a JSON string with the app's provider, if any."""
    provider = _app_provider()
    if provider is not None:
        return provider.dumps(obj, **kwargs)
    return _json.dumps(obj, **{"default": _default, **kwargs})


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` into the text file ``fp``."""
    provider = _app_provider()
    if provider is not None:
        provider.dump(obj, fp, **kwargs)
        return
    _json.dump(obj, fp, **{"default": _default, **kwargs})


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Deserialize JSON text or bytes with the app's provider, if any."""
    provider = _app_provider()
    if provider is not None:
        return provider.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Deserialize JSON read from the file ``fp``."""
    provider = _app_provider()
    if provider is not None:
        return provider.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """Return a ``application/json`` response for the arguments.

    One positional argument is serialized as is, several become a list and
    keyword arguments become an object. Output is compact and ends with a
    newline, indented in debug mode (see ``DefaultJSONProvider.compact``).

    :raises RuntimeError: no app context is active.
    """
    # The proxy, so that without an app context the error says how to fix it.
    return current_app.json.response(*args, **kwargs)


def __getattr__(name: str) -> t.Any:
    # ``import flask`` leaves ``flask.json.tag`` bound (its sessions import it); here it is
    # imported on first access.
    if name == "tag":
        import importlib

        return importlib.import_module(".tag", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
