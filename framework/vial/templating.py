"""Jinja integration: the app's environment, its loader and the render helpers.

The environment is created once per app (``app.jinja_env``, lazily); templates
are compiled once and cached by Jinja, and so are templates rendered from
strings, so rendering a page does only the rendering itself plus the context
processors. Signals are sent only when something listens.
"""

from __future__ import annotations

import typing as t

import markupsafe
from jinja2 import BaseLoader, TemplateNotFound
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template as BaseTemplate
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

_escape_inner: t.Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)
_new_str = str.__new__
_Markup = markupsafe.Markup
_escape = markupsafe.escape


def _escape_output(value: t.Any) -> markupsafe.Markup:
    """``markupsafe.escape`` for a template's output, the same ``Markup`` for every input.

    The two commonest inputs, ``str`` and ``int``, skip the Python-level ``Markup``
    constructor (an escaped ``str`` needs no ``__html__`` check, and an ``int``'s text has
    nothing to escape); every other value goes through ``markupsafe.escape`` itself.
    """
    cls = value.__class__
    if cls is str:
        return _new_str(_Markup, _escape_inner(value))  # type: ignore[misc]
    if cls is int:
        return _new_str(_Markup, str(value))
    return _escape(value)


class Template(BaseTemplate):
    """The templates of vial's environment: Jinja's, with a faster autoescape.

    Jinja's compiled template module looks ``escape`` up as a module global each time it
    writes a value; here that global is :func:`_escape_output`, which returns what
    ``markupsafe.escape`` returns, with less work for strings and integers.
    """

    @classmethod
    def _from_namespace(
        cls,
        environment: BaseEnvironment,
        namespace: t.MutableMapping[str, t.Any],
        globals: t.MutableMapping[str, t.Any],
    ) -> BaseTemplate:
        if _escape_inner is not None and namespace.get("escape") is _escape:
            namespace["escape"] = _escape_output
        return super()._from_namespace(environment, namespace, globals)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(BaseEnvironment):
    """A Jinja environment that knows its app and loads templates from the
    app's and its blueprints' template folders."""

    template_class = Template

    def __init__(self, app: Vial, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app
        self._string_templates: tuple[Environment, LRUCache] | None = None

    def getattr(self, obj: t.Any, attribute: str) -> t.Any:
        """``obj.attribute`` in a template: the attribute, else the item (as Jinja does).

        A plain ``dict`` has no attribute but its class's, so for any other name the item
        is looked up first, without raising and catching the ``AttributeError`` Jinja's
        order would cost: ``row.name`` on a dict row is the commonest lookup in templates.
        """
        if (
            obj.__class__ is dict
            and attribute.__class__ is str
            and attribute not in _DICT_ATTRIBUTES
        ):
            try:
                return obj[attribute]
            except KeyError:
                pass
        return BaseEnvironment.getattr(self, obj, attribute)

    def _template_from_string(self, source: str) -> BaseTemplate:
        # ``from_string`` compiles every time; the source text is a fine cache
        # key because template globals and filters are looked up at render time.
        if self.cache is None:
            return self.from_string(source)
        held = self._string_templates
        # overlay() copies attributes: an overlay must not reuse the templates
        # compiled for its parent, whose settings may differ.
        if held is None or held[0] is not self:
            held = self._string_templates = (self, LRUCache(_STRING_CACHE_SIZE))
        cache = held[1]
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

    def _owned_loaders(self) -> list[tuple[Scaffold, BaseLoader]]:
        """``(owner, loader)`` for the app and every blueprint that has a
        template folder, in lookup order."""
        owners: list[Scaffold] = [self.app, *self.app.iter_blueprints()]
        pairs = [(owner, owner.jinja_loader) for owner in owners]
        return [(owner, found) for owner, found in pairs if found is not None]

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        explain = self.app.config["EXPLAIN_TEMPLATE_LOADING"]
        attempts: list[tuple[BaseLoader, Scaffold, t.Any]] = []
        first = None
        for owner, candidate in self._owned_loaders():
            try:
                source = candidate.get_source(environment, template)
            except TemplateNotFound:
                source = None
            if not explain:
                if source is not None:
                    return source
                continue
            # Explaining: keep trying, so duplicates show up in the report.
            attempts.append((candidate, owner, source))
            if first is None:
                first = source
        if explain:
            from .debughelpers import explain_template_loading_attempts

            explain_template_loading_attempts(self.app, template, attempts)
        if first is None:
            raise TemplateNotFound(template)
        return first

    def list_templates(self) -> list[str]:
        names = {
            name for _, candidate in self._owned_loaders() for name in candidate.list_templates()
        }
        return sorted(names)


def _notify(signal: t.Any, app: Vial, template: BaseTemplate, context: dict[str, t.Any]) -> None:
    # Checking receivers first keeps unused signals free on the request path.
    if signal.receivers:
        signal.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)


def _render(app: Vial, template: BaseTemplate, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    _notify(before_render_template, app, template, context)
    html = template.render(context)
    _notify(template_rendered, app, template, context)
    return html


def _current_app() -> Vial:
    return current_app._get_current_object()  # type: ignore[attr-defined, no-any-return]


def _named(app: Vial, name_or_list: str | BaseTemplate | list[str | BaseTemplate]) -> BaseTemplate:
    return app.jinja_env.get_or_select_template(name_or_list)  # type: ignore[no-any-return]


def _from_string(app: Vial, source: str) -> BaseTemplate:
    env = app.jinja_env
    if isinstance(env, Environment):
        return env._template_from_string(source)
    return env.from_string(source)  # type: ignore[no-any-return]


def render_template(
    template_name_or_list: str | BaseTemplate | list[str | BaseTemplate],
    **context: t.Any,
) -> str:
    """Render a template by name with ``context``; given a list, the first
    template that exists is used.

    Context processors add their values under the names the caller did not
    pass. Needs an app context.
    """
    app = _current_app()
    return _render(app, _named(app, template_name_or_list), context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render template source text with ``context``; always autoescaped."""
    app = _current_app()
    return _render(app, _from_string(app, source), context)


def _stream(app: Vial, template: BaseTemplate, context: dict[str, t.Any]) -> t.Iterator[str]:
    app.update_template_context(context)
    _notify(before_render_template, app, template, context)

    def chunks() -> t.Iterator[str]:
        yield from template.generate(context)
        _notify(template_rendered, app, template, context)

    if not request:
        return chunks()
    # Keep the request context alive while the response body streams.
    from .helpers import stream_with_context

    return stream_with_context(chunks())


def stream_template(
    template_name_or_list: str | BaseTemplate | list[str | BaseTemplate],
    **context: t.Any,
) -> t.Iterator[str]:
    """Like :func:`render_template`, but yield the output in pieces, for a
    streaming response. Inside a request the request context stays available
    until the stream ends."""
    app = _current_app()
    return _stream(app, _named(app, template_name_or_list), context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Like :func:`render_template_string`, streamed (see :func:`stream_template`)."""
    app = _current_app()
    return _stream(app, _from_string(app, source), context)
