"""Convenience functions over the current app and request.

Each one reads the context variables and delegates to the app (``url_for``, ``redirect``,
``abort``, ``make_response``) or to Werkzeug (``send_file``), so the behaviour can be
customised by overriding the app's method.
"""

from __future__ import annotations

import contextvars
import importlib.util
import os
import sys
import typing as t
from functools import update_wrapper

import werkzeug.utils
from werkzeug.exceptions import abort as _wz_abort
from werkzeug.utils import redirect as _wz_redirect

from .ctx import _stream_holds
from .globals import _cv_app, _cv_request, current_app, request, request_ctx, session
from .signals import message_flashed

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response as BaseResponse

    from .ctx import AppContext, RequestContext, _StreamHolds
    from .wrappers import Response

_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")

# Environment variables follow the package's own name (VIAL_DEBUG for vial).
_ENV_PREFIX = __name__.rpartition(".")[0].rpartition(".")[2].upper()


def get_debug_flag() -> bool:
    """Whether debug mode is requested by the ``VIAL_DEBUG`` environment variable."""
    value = os.environ.get(f"{_ENV_PREFIX}_DEBUG", "")
    return value != "" and not _means_no(value)


def _means_no(value: str) -> bool:
    """Environment switches read "0", "false" and "no" (any case) as off."""
    return value.lower() in _OFF_WORDS


_OFF_WORDS = frozenset({"0", "false", "no"})


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files; ``VIAL_SKIP_DOTENV`` turns it off."""
    skip = os.environ.get(f"{_ENV_PREFIX}_SKIP_DOTENV")
    # Only an explicit "don't skip" turns loading back on over a False default.
    return _means_no(skip) if skip else default


@t.overload
def stream_with_context(generator_or_function: t.Iterator[_T]) -> t.Iterator[_T]: ...
@t.overload
def stream_with_context(
    generator_or_function: t.Callable[_P, t.Iterator[_T]],
) -> t.Callable[_P, t.Iterator[_T]]: ...
def stream_with_context(generator_or_function: t.Any) -> t.Any:
    """Keep the request context available while a streamed response is being iterated.

    Usable on a generator object or as a decorator on a generator function. The body runs
    in a copy of the view's context, so ``request``, ``session``, ``g`` and the app's own
    context variables work on whichever thread or task iterates or closes it, and nothing
    is pushed or popped across threads. The request's and the app context's teardown
    functions run once, after the stream ends (when it is exhausted or closed).
    """
    try:
        gen = iter(generator_or_function)
    except TypeError:

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return stream_with_context(generator_or_function(*args, **kwargs))

        return update_wrapper(decorator, generator_or_function)

    def generator() -> t.Iterator[t.Any]:
        req_ctx = _cv_request.get(None)
        if req_ctx is None:
            raise RuntimeError(
                "'stream_with_context' needs an active request context: call it from a"
                " view function while building the response."
            )
        app_ctx = _cv_app.get()
        run_in = contextvars.copy_context()
        req_holds = _stream_holds(req_ctx)
        app_holds = _stream_holds(app_ctx)
        req_holds.count += 1
        app_holds.count += 1
        try:
            # The first ``next`` below runs up to here, while the view still runs.
            yield None
            while True:
                try:
                    item = run_in.run(next, gen)
                except StopIteration:
                    return
                yield item
        finally:
            run_in.run(_end_stream, gen, req_ctx, req_holds, app_ctx, app_holds)

    wrapped = generator()
    next(wrapped)
    return wrapped


def _end_stream(
    gen: t.Iterator[t.Any],
    req_ctx: RequestContext,
    req_holds: _StreamHolds,
    app_ctx: AppContext,
    app_holds: _StreamHolds,
) -> None:
    """Close a stream's iterator, then run the teardown its contexts deferred, if any."""
    try:
        close = getattr(gen, "close", None)
        if close is not None:
            close()
    finally:
        try:
            req_holds.release(is_pushed=bool(req_ctx._pushes))
        finally:
            app_holds.release(is_pushed=bool(app_ctx._tokens))


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value into a response object, to set headers on it.

    No argument gives an empty response; one is converted as a view's return value; several
    are treated as a tuple ``(body, status, headers)``.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build a URL for an endpoint; see :meth:`Vial.url_for`."""
    return current_app.url_for(
        endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external, **values
    )


def redirect(
    location: str, code: int = 302, Response: type[BaseResponse] | None = None
) -> BaseResponse:
    """A redirect response; uses ``current_app.redirect`` when an app is active."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.redirect(location, code=code)
    return _wz_redirect(location, code=code, Response=Response)


def abort(code: int | BaseResponse, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the HTTP exception for ``code`` (through ``current_app.aborter`` if active)."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _wz_abort(code, *args, **kwargs)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """Return a macro or variable a template exports, to call it from Python."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


def flash(message: str, category: str = "message") -> None:
    """Store a message in the session for the next request to show.

    :param category: any string; ``"message"``, ``"error"``, ``"info"`` and ``"warning"``
        are the conventional ones.
    """
    # Reassign the list so the session sees a change and is saved.
    session["_flashes"] = [*session.get("_flashes", ()), (category, message)]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if message_flashed.receivers:
        message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Pop the flashed messages from the session; repeated calls in a request agree.

    :param with_categories: return ``(category, message)`` pairs instead of messages.
    :param category_filter: keep only these categories.
    """
    req_ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
    if req_ctx.flashes is None:
        # Taken out of the session once; later calls in this request reuse the list.
        # "in" first: reading an absent key must not mark the session modified.
        req_ctx.flashes = list(session.pop("_flashes") if "_flashes" in session else ())
    flashes = req_ctx.flashes
    if category_filter:
        flashes = [f for f in flashes if f[0] in category_filter]
    return flashes if with_categories else [message for _, message in flashes]


def _prepare_send_file_kwargs(**kwargs: t.Any) -> dict[str, t.Any]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = app.get_send_file_max_age
    kwargs.update(
        environ=request.environ,
        use_x_sendfile=app.config["USE_X_SENDFILE"],
        response_class=app.response_class,
        _root_path=app.root_path,
    )
    return kwargs


def send_file(
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: None | (int | t.Callable[[str | None], int | None]) = None,
) -> Response:
    """Send a file's contents, with conditional and range support.

    A relative path is resolved against the app's root path. Never pass a path taken from
    the user: use :func:`send_from_directory` for that.
    """
    options = {
        "mimetype": mimetype,
        "as_attachment": as_attachment,
        "download_name": download_name,
        "conditional": conditional,
        "etag": etag,
        "last_modified": last_modified,
        "max_age": max_age,
    }
    return werkzeug.utils.send_file(path_or_file, **_prepare_send_file_kwargs(**options))  # type: ignore[return-value]


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **kwargs: t.Any,
) -> Response:
    """Send a file from inside ``directory``; paths that escape it give a 404.

    ``path`` may come from the user: it is joined with Werkzeug's ``safe_join``, which
    refuses ``..`` segments, absolute paths and other separators.
    """
    return werkzeug.utils.send_from_directory(  # type: ignore[return-value]
        directory, path, **_prepare_send_file_kwargs(**kwargs)
    )


def get_root_path(import_name: str) -> str:
    """The folder of a module or package, the base of ``static`` and ``templates``.

    Falls back to the working directory when the module cannot be found (``__main__`` in
    an interactive shell), and raises when its loader knows no file (a namespace package).
    """
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None)
    if filename is None:
        filename = _module_filename(import_name)
        if filename is None:
            return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))


def _module_filename(import_name: str) -> str | None:
    """The file of a module that may not be imported yet, or ``None`` if it is not found."""
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.loader is None:
        return None
    get_filename = getattr(spec.loader, "get_filename", None)
    if get_filename is not None:
        return get_filename(import_name)  # type: ignore[no-any-return]
    module = importlib.import_module(import_name)
    filename = getattr(module, "__file__", None)
    if filename is None:
        raise RuntimeError(
            f"Cannot find the folder of {import_name!r}: its loader gives no file name"
            " (a namespace package, or a module from an import hook). Pass root_path"
            " explicitly."
        )
    return filename  # type: ignore[no-any-return]
