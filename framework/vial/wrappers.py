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


class Request(RequestBase):
    """The request object used by default; ``request`` points to it during a request."""

    json_module: t.Any = json

    #: The rule that matched the request (``None`` until matching, or when it failed).
    url_rule: Rule | None = None

    #: The keyword arguments of the matched rule (``None`` when matching failed).
    view_args: dict[str, t.Any] | None = None

    #: The exception matching raised, re-raised at dispatch (404, 405, redirects...).
    routing_exception: HTTPException | None = None

    # Limits set on this request; None means "ask the app's config".
    _max_content_length = _max_form_memory_size = _max_form_parts = None

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        """The largest body accepted; ``MAX_CONTENT_LENGTH`` unless set on the request."""
        if self._max_content_length is not None:
            return self._max_content_length
        value = _config("MAX_CONTENT_LENGTH")
        if value is _missing:
            return super().max_content_length
        return value  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:  # type: ignore[override]
        """The largest non-file form field; ``MAX_FORM_MEMORY_SIZE`` unless set here."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        value = _config("MAX_FORM_MEMORY_SIZE")
        if value is _missing:
            return super().max_form_memory_size
        return value  # type: ignore[no-any-return]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:  # type: ignore[override]
        """The most multipart parts parsed; ``MAX_FORM_PARTS`` unless set here."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        value = _config("MAX_FORM_PARTS")
        if value is _missing:
            return super().max_form_parts
        return value  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, ``None`` if matching failed."""
        if self.url_rule is not None:
            return self.url_rule.endpoint  # type: ignore[no-any-return]
        return None

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
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as ebr:
            ctx = _cv_app.get(None)
            if ctx is not None and ctx.app.debug:
                raise
            raise BadRequest() from ebr


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

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app, or Werkzeug's default outside an app."""
        value = _config("MAX_COOKIE_SIZE")
        if value is _missing:
            return super().max_cookie_size
        return value  # type: ignore[no-any-return]
