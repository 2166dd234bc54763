"""JSON providers: how an app turns values into JSON and back.

``app.json`` is an instance of ``app.json_provider_class``; ``jsonify``,
``request.get_json``, the ``tojson`` template filter and the test client all go
through it, so replacing the class (or the instance) changes JSON everywhere in
the app, for example to use orjson.
"""

from __future__ import annotations

import dataclasses
import json
import typing as t
import weakref
from datetime import date

from werkzeug.http import http_date

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Vial
    from ..wrappers import Response


class JSONProvider:
    """The interface a JSON provider offers; subclasses do the work.

    Only :meth:`dumps` and :meth:`loads` must be written; :meth:`dump`,
    :meth:`load` and :meth:`response` are built on them.
    """

    def __init__(self, app: Vial) -> None:
        # A proxy, so the provider does not keep its app alive.
        self._app: Vial = t.cast("Vial", weakref.proxy(app))

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` into the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize a JSON string or bytes."""
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Deserialize JSON read from the file ``fp``."""
        content = fp.read()
        return self.loads(content, **kwargs)

    def _prepare_response_obj(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        # The name is kept for custom providers that call it from response().
        if kwargs:
            if args:
                raise TypeError(
                    "app.json.response() accepts positional or keyword arguments,"
                    " not both (it takes either args or kwargs)."
                )
            return kwargs
        # One value is sent as itself, several as an array, none as null.
        if len(args) == 1:
            return args[0]
        return args if args else None

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Build a JSON response from one value, several values (a list) or
        keyword arguments (an object).

        :raises TypeError: both positional and keyword arguments were given.
        """
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


def _default(o: t.Any) -> t.Any:
    # Called by json only for values it cannot serialize itself, so the rarely
    # needed modules are imported here rather than at ``import vial`` time.
    if isinstance(o, date):
        return http_date(o)
    import decimal
    import uuid

    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    html = getattr(o, "__html__", None)
    if html is not None:
        return str(html())
    kind = type(o).__name__
    raise TypeError(f"Object of type {kind} is not JSON serializable")


class DefaultJSONProvider(JSONProvider):
    """JSON with the standard library, plus a few common types.

    Dates and datetimes become HTTP dates, ``Decimal`` and ``UUID`` become
    strings, dataclasses become objects and anything with ``__html__`` becomes
    its HTML text. Set the attributes below on the class or on ``app.json``.
    """

    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)
    """Called for values ``json`` cannot serialize; raise ``TypeError`` to refuse."""

    ensure_ascii = True
    """Escape non-ASCII characters, so the output is safe in any encoding."""

    sort_keys = True
    """Sort object keys: stable output, cacheable responses, reproducible
    signatures. Keys of mixed types cannot be sorted and raise ``TypeError``."""

    compact: bool | None = None
    """Compact ``response()`` output if true, indented if false; if ``None``,
    indented only in debug mode."""

    mimetype = "application/json"
    """The content type ``response()`` sets."""

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize with this provider's settings as defaults for ``kwargs``."""
        options = {
            "default": self.default,
            "ensure_ascii": self.ensure_ascii,
            "sort_keys": self.sort_keys,
            **kwargs,
        }
        return json.dumps(obj, **options)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize with :func:`json.loads`."""
        return json.loads(s, **kwargs)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Build a JSON response ending in a newline, compact or indented per
        :attr:`compact`."""
        obj = self._prepare_response_obj(args, kwargs)
        app = self._app
        compact = self.compact
        if compact is None:
            compact = not app.debug
        encoder = self._encoder(compact) if type(self).dumps is DefaultJSONProvider.dumps else None
        if encoder is not None:
            body = encoder.encode(obj)
        elif compact:
            body = self.dumps(obj, separators=(",", ":"))
        else:
            body = self.dumps(obj, indent=2)
        return app.response_class(f"{body}\n", mimetype=self.mimetype)

    def _encoder(self, compact: bool) -> json.JSONEncoder | None:
        """The encoder ``dumps`` would build for a response, made once per settings.

        ``json.dumps`` with any non-default option builds a ``JSONEncoder`` per call; one
        encoder serves every call with the same settings (it keeps no state between them).
        """
        key = (self.default, self.ensure_ascii, self.sort_keys, compact)
        cache: dict[tuple[t.Any, ...], json.JSONEncoder] = self.__dict__.setdefault("_encoders", {})
        try:
            encoder = cache.get(key)
        except TypeError:  # an unhashable ``default``: let dumps build one per call
            return None
        if encoder is None:
            if len(cache) >= 8:
                cache.clear()
            layout: dict[str, t.Any] = {"separators": (",", ":")} if compact else {"indent": 2}
            encoder = cache[key] = json.JSONEncoder(
                default=self.default,
                ensure_ascii=self.ensure_ascii,
                sort_keys=self.sort_keys,
                **layout,
            )
        return encoder
