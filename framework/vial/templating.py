"""Jinja integration: the app's environment, its loader and the render helpers.

The environment is created once per app (``app.jinja_env``, lazily); templates
are compiled once and cached by Jinja, and so are templates rendered from
strings, so rendering a page does only the rendering itself plus the context
processors. Signals are sent only when something listens.
"""

from __future__ import annotations

import typing as t

from jinja2 import BaseLoader
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template, TemplateNotFound
from jinja2.utils import LRUCache

from .globals import current_app, request
from .signals import before_render_template, template_rendered

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Vial
    from .scaffold import Scaffold

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]

_STRING_CACHE_SIZE = 64


class Environment(BaseEnvironment):
    """A Jinja environment that knows its app and loads templates from the
    app's and its blueprints' template folders."""

    def __init__(self, app: Vial, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app
        self._string_templates: LRUCache | None = None

    def _template_from_string(self, source: str) -> Template:
        # ``from_string`` compiles every time; the source text is a fine cache
        # key because template globals and filters are looked up at render time.
        if self.cache is None:
            return self.from_string(source)
        cache = self._string_templates
        if cache is None:
            cache = self._string_templates = LRUCache(_STRING_CACHE_SIZE)
        template = cache.get(source)
        if template is None:
            template = cache[source] = self.from_string(source)
        return template  # type: ignore[no-any-return]


class DispatchingJinjaLoader(BaseLoader):
    """Look a template up in the app's folder, then in each blueprint's, in
    registration order; the first match wins.

    With ``EXPLAIN_TEMPLATE_LOADING`` set, every loader is tried and the
    attempts are logged to ``app.logger``, to debug a template that resolves
    to the wrong file.
    """

    def __init__(self, app: Vial) -> None:
        self.app = app

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _, loader in self._iter_loaders(template):
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        attempts = []
        found = None
        for srcobj, loader in self._iter_loaders(template):
            try:
                rv = loader.get_source(environment, template)
            except TemplateNotFound:
                rv = None
            if found is None:
                found = rv
            attempts.append((loader, srcobj, rv))
        from .debughelpers import explain_template_loading_attempts

        explain_template_loading_attempts(self.app, template, attempts)
        if found is None:
            raise TemplateNotFound(template)
        return found

    def _iter_loaders(self, template: str) -> t.Iterator[tuple[Scaffold, BaseLoader]]:
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        loader = self.app.jinja_loader
        if loader is not None:
            names.update(loader.list_templates())
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                names.update(loader.list_templates())
        return list(names)


def _render(app: Vial, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if template_rendered.receivers:
        template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def render_template(
    template_name_or_list: str | Template | list[str | Template],
    **context: t.Any,
) -> str:
    """Render a template by name with ``context``; given a list, the first
    template that exists is used.

    Context processors add their values under the names the caller did not
    pass. Needs an app context.
    """
    app: Vial = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render template source text with ``context``; always autoescaped."""
    app: Vial = current_app._get_current_object()  # type: ignore[attr-defined]
    template = _from_string(app, source)
    return _render(app, template, context)


def _from_string(app: Vial, source: str) -> Template:
    env = app.jinja_env
    if isinstance(env, Environment):
        return env._template_from_string(source)
    return env.from_string(source)


def _stream(app: Vial, template: Template, context: dict[str, t.Any]) -> t.Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    rv = generate()
    if request:
        # Keep the request context alive while the response body streams.
        from .helpers import stream_with_context

        rv = stream_with_context(rv)
    return rv


def stream_template(
    template_name_or_list: str | Template | list[str | Template],
    **context: t.Any,
) -> t.Iterator[str]:
    """Like :func:`render_template`, but yield the output in pieces, for a
    streaming response. Inside a request the request context stays available
    until the stream ends."""
    app: Vial = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Like :func:`render_template_string`, streamed (see :func:`stream_template`)."""
    app: Vial = current_app._get_current_object()  # type: ignore[attr-defined]
    template = _from_string(app, source)
    return _stream(app, template, context)
