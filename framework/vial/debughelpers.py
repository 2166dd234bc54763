"""Errors and log output that explain common mistakes; used in debug mode only.

The errors subclass ``AssertionError`` so no error handler catches them by accident: they
are meant to reach the debugger with a message that says what to change.
"""

from __future__ import annotations

import typing as t

from werkzeug.routing import RequestRedirect

from .globals import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Request


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Text came where bytes were expected, or the other way round."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` failed because the form was not sent as multipart data."""

    def __init__(self, request: Request, key: str) -> None:
        sent_names = request.form.getlist(key)
        lines = [
            f"request.files has no {key!r}: the form was sent as {request.mimetype!r}, so"
            " no file contents were transmitted (only 'multipart/form-data' carries them).",
            'Add enctype="multipart/form-data" to the <form> element.',
        ]
        if sent_names:
            lines.append(
                "Only the file names came with the form. This was submitted: "
                + ", ".join(repr(name) for name in sent_names)
            )
        self.msg = "\n".join(lines)

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A routing redirect would make the browser re-send the request without its body."""

    def __init__(self, request: Request) -> None:
        redirect = request.routing_exception
        assert isinstance(redirect, RequestRedirect)
        target = redirect.new_url
        lines = [f"{request.method} {request.url} was redirected by the router to {target}."]
        if target.partition("?")[0] == f"{request.base_url}/":
            lines.append(
                "The rule ends with a slash, so the URL without it redirects to the URL with it."
            )
        lines.append(
            f"A browser follows a {redirect.code} redirect with a GET and drops the form"
            f" data. Send the request to the canonical URL {target!r}, or make routing"
            " redirects use 307 or 308. (Raised in debug mode only.)"
        )
        super().__init__(" ".join(lines))


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` explain a missing multipart encoding (debug mode)."""
    files = request.files
    base = type(files)

    def __getitem__(self: t.Any, key: str) -> t.Any:
        try:
            return base.__getitem__(self, key)
        except KeyError as e:
            if key in request.form:
                raise DebugFilesKeyError(request, key).with_traceback(e.__traceback__) from None
            raise

    explained = type(
        base.__name__, (base,), {"__getitem__": __getitem__, "__module__": base.__module__}
    )
    files.__class__ = explained


def _describe_loader(loader: t.Any) -> list[str]:
    """The loader's class and its simple public attributes (search paths and the like)."""
    lines = [f"class: {type(loader).__module__}.{type(loader).__name__}"]
    for name, value in sorted(vars(loader).items()):
        if name.startswith("_"):
            continue
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            lines.append(f"{name}:")
            lines.extend(f"  - {v}" for v in value)
        elif isinstance(value, (str, int, float, bool)):
            lines.append(f"{name}: {value!r}")
    return lines


def explain_template_loading_attempts(app: t.Any, template: str, attempts: t.Any) -> None:
    """Log where a template was searched for (``EXPLAIN_TEMPLATE_LOADING``).

    :param attempts: ``(loader, app or blueprint, result)`` triples in search order, the
        result being ``None`` when that loader did not have the template.
    """
    from .blueprints import Blueprint

    report = [f"Locating template {template!r}, loader by loader:"]
    hits = 0
    for number, (loader, owner, result) in enumerate(attempts, start=1):
        if isinstance(owner, Blueprint):
            source = f"blueprint {owner.name!r} (import name {owner.import_name})"
        else:
            source = f"application {owner.import_name!r}"
        report.append(f"  {number}. loader of {source}")
        report.extend(f"       {line}" for line in _describe_loader(loader))
        if result is None:
            report.append("       => not found here")
        else:
            hits += 1
            report.append(f"       => found: {result[1] or '<string>'!r}")
    if hits == 1:
        app.logger.info("\n".join(report))
        return
    if hits == 0:
        report.append("The template could not be found by any loader.")
    else:
        report.append(f"{hits} loaders (multiple loaders) have this template; the first wins.")
    req_ctx = _cv_request.get(None)
    blueprint = req_ctx.request.blueprint if req_ctx is not None else None
    if blueprint is not None:
        report.append(
            f"The current endpoint belongs to the blueprint {blueprint!r}: is the template"
            " in that blueprint's template folder?"
        )
    app.logger.info("\n".join(report))
