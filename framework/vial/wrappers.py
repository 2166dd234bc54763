"""The request and response objects: Werkzeug's, plus what routing and config add.

This is the only module that extends Werkzeug's HTTP objects. Limits such as
``max_content_length`` come from the current app's config unless set on the object itself.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Request as RequestBase
from werkzeug.wrappers import Response as ResponseBase

from . import json
from .globals import _cv_app

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import Rule


def _config(key: str) -> t.Any:
    """Return a config value of the current app, or the sentinel ``_missing``."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return _missing
    return ctx.app.config[key]


_missing: t.Any = object()


class _RequestLimit:
    """A size limit of one request: its own value if set, else the app's config key.

    Outside an app context Werkzeug's class default applies. Assigning sets the value for
    this request only (say, a larger ``max_content_length`` in one upload view).
    """

    def __init__(self, config_key: str, doc: str) -> None:
        self.config_key = config_key
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.werkzeug_default = getattr(RequestBase, name)
        self.storage = f"_{name}_override"

    def __get__(self, request: t.Any, owner: type | None = None) -> t.Any:
        if request is None:
            return self
        own = request.__dict__.get(self.storage)
        if own is not None:
            return own
        configured = _config(self.config_key)
        return self.werkzeug_default if configured is _missing else configured

    def __set__(self, request: t.Any, value: int | None) -> None:
        request.__dict__[self.storage] = value


class Request(RequestBase):
    """The request object used by default; ``request`` points to it during a request."""

    json_module: t.Any = json

    #: The rule that matched the request (``None`` until matching, or when it failed).
    url_rule: Rule | None = None

    #: The keyword arguments of the matched rule (``None`` when matching failed).
    view_args: dict[str, t.Any] | None = None

    #: The exception matching raised, re-raised at dispatch (404, 405, redirects...).
    routing_exception: HTTPException | None = None

    max_content_length = _RequestLimit(
        "MAX_CONTENT_LENGTH", "The largest body accepted (``MAX_CONTENT_LENGTH``)."
    )
    max_form_memory_size = _RequestLimit(
        "MAX_FORM_MEMORY_SIZE", "The largest non-file form field (``MAX_FORM_MEMORY_SIZE``)."
    )
    max_form_parts = _RequestLimit(
        "MAX_FORM_PARTS", "The most multipart parts parsed (``MAX_FORM_PARTS``)."
    )

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, ``None`` if matching failed."""
        rule = self.url_rule
        return None if rule is None else rule.endpoint

    @property
    def blueprint(self) -> str | None:
        """The registered name of the blueprint the endpoint belongs to (dotted when nested)."""
        name, dot, _ = (self.endpoint or "").rpartition(".")
        return name if dot else None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        return list(_split_blueprint_path(name))

    def _load_form_data(self) -> None:
        super()._load_form_data()
        # In debug mode, explain why request.files is empty for a form without the
        # multipart encoding instead of raising a bare KeyError.
        ctx = _cv_app.get(None)
        if (
            ctx is not None
            and ctx.app.debug
            and self.mimetype != "multipart/form-data"
            and not self.files
        ):
            from .debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Raise a 400; the parser's message is shown only in debug mode."""
        ctx = _cv_app.get(None)
        if e is None or (ctx is not None and ctx.app.debug):
            # Not JSON at all (Werkzeug answers 415), or debugging: the 400 names the error.
            return super().on_json_loading_failed(e)
        # Otherwise a plain 400: the parser's message may echo the client's data.
        raise BadRequest() from e


def _encode_items(items: t.Iterator[t.Any]) -> t.Iterator[bytes]:
    """Encode text items as UTF-8, closing ``items`` when the body is closed."""
    try:
        for item in items:
            yield item.encode() if isinstance(item, str) else item
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


_split_cache: dict[str, tuple[str, ...]] = {}


def _split_blueprint_path(name: str) -> tuple[str, ...]:
    """``"a.b.c"`` -> ``("a.b.c", "a.b", "a")``, cached since names are few."""
    rv = _split_cache.get(name)
    if rv is None:
        parts = name.split(".")
        rv = tuple(".".join(parts[:i]) for i in range(len(parts), 0, -1))
        if len(_split_cache) < 4096:
            _split_cache[name] = rv
    return rv


class Response(ResponseBase):
    """The response object used by default: HTML unless told otherwise."""

    default_mimetype: str | None = "text/html"

    json_module = json

    autocorrect_location_header = False

    def iter_encoded(self) -> t.Iterator[bytes]:
        """The body as bytes; an async iterable body (from an async generator) included."""
        body = self.response
        if hasattr(body, "__aiter__"):
            from ._bridge import iterate_async

            return _encode_items(iterate_async(t.cast("t.AsyncIterable[t.Any]", body)))
        return super().iter_encoded()

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app, or Werkzeug's default outside an app."""
        value = _config("MAX_COOKIE_SIZE")
        if value is _missing:
            return super().max_cookie_size
        return value  # type: ignore[no-any-return]
