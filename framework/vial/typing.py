"""Type aliases for the shapes views and callbacks may take (imported internally as ``ft``)."""

from __future__ import annotations

import collections.abc as cabc
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.datastructures import Headers
    from werkzeug.sansio.response import Response

# What a view may return as the body: a response, text, JSON data or a stream of chunks.
# Kept as written: one argument per line would repeat Flask's own lines.
# fmt: off
ResponseValue = t.Union[
    str, bytes, "Response",
    t.Mapping[str, t.Any], t.List[t.Any],  # sent as JSON
    t.Iterator[str], t.Iterator[bytes], cabc.AsyncIterable[str], cabc.AsyncIterable[bytes],
]
# fmt: on

# One header's value: a string, or several values for a repeated header.
HeaderValue = t.Union[str, t.List[str], t.Tuple[str, ...]]

# Headers in a view's return tuple: a Headers object, a mapping or (name, value) pairs.
HeadersValue = t.Union[
    "Headers",
    t.Mapping[str, HeaderValue],
    t.Sequence[t.Tuple[str, HeaderValue]],
]

# Everything a view may return: a body alone, a tuple with status and/or headers, or a
# WSGI application to call.
ResponseReturnValue = t.Union[
    ResponseValue,
    t.Tuple[ResponseValue, HeadersValue],
    t.Tuple[ResponseValue, int],
    t.Tuple[ResponseValue, int, HeadersValue],
    "WSGIApplication",
]

ResponseClass = t.TypeVar("ResponseClass", bound="Response")

AppOrBlueprintKey = t.Optional[str]  # None means the app itself.

_T = t.TypeVar("_T")
_SyncOrAsync = t.Union[_T, t.Awaitable[_T]]
"""A callback's result: the value itself, or an awaitable of it from an ``async def``.

Views, hooks and error handlers may all be coroutine functions (``app.ensure_sync`` runs
them), so each callback type below returns ``_SyncOrAsync[...]`` of its value.
"""

AfterRequestCallable = t.Callable[[ResponseClass], _SyncOrAsync[ResponseClass]]
BeforeFirstRequestCallable = t.Callable[[], _SyncOrAsync[None]]
BeforeRequestCallable = t.Callable[[], _SyncOrAsync[t.Optional[ResponseReturnValue]]]
ShellContextProcessorCallable = t.Callable[[], t.Dict[str, t.Any]]
TeardownCallable = t.Callable[[t.Optional[BaseException]], _SyncOrAsync[None]]
TemplateContextProcessorCallable = t.Callable[[], _SyncOrAsync[t.Dict[str, t.Any]]]
# Jinja calls filters, globals and tests synchronously with what the template passes.
TemplateFilterCallable: t.TypeAlias = t.Callable[..., t.Any]
TemplateGlobalCallable: t.TypeAlias = t.Callable[..., t.Any]
TemplateTestCallable = t.Callable[..., bool]
URLDefaultCallable = t.Callable[[str, t.Dict[str, t.Any]], None]
URLValuePreprocessorCallable = t.Callable[[t.Optional[str], t.Optional[t.Dict[str, t.Any]]], None]

# Error handlers take the exception; the bound is loose so handlers for a subclass type-check.
ErrorHandlerCallable = t.Callable[[t.Any], _SyncOrAsync[ResponseReturnValue]]

RouteCallable = t.Callable[..., _SyncOrAsync[ResponseReturnValue]]
