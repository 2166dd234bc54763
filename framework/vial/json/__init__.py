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


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` to a JSON string with the app's provider, if any."""
    # The context variable directly, not the proxy: the session serializer
    # calls this on every request that writes the session.
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)  # type: ignore[no-any-return]
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` into the text file ``fp``."""
    if current_app:
        current_app.json.dump(obj, fp, **kwargs)
    else:
        kwargs.setdefault("default", _default)
        _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Deserialize JSON text or bytes with the app's provider, if any."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Deserialize JSON read from the file ``fp``."""
    if current_app:
        return current_app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """Return a ``application/json`` response for the arguments.

    One positional argument is serialized as is, several become a list and
    keyword arguments become an object. Output is compact and ends with a
    newline, indented in debug mode (see ``DefaultJSONProvider.compact``).

    :raises RuntimeError: no app context is active.
    """
    return current_app.json.response(*args, **kwargs)  # type: ignore[no-any-return]
