"""Tagged JSON: a compact, lossless encoding for the session cookie.

Plain JSON cannot tell a tuple from a list, bytes from text or a ``Markup``
string from a plain one, yet a cookie session must give back what was stored.
Each non-JSON value is wrapped in a one-key object whose key is a tag such as
``" t"``; the leading space keeps the tags out of the way of real keys.

Extensions register their own types by subclassing :class:`JSONTag` and calling
:meth:`TaggedJSONSerializer.register`, for example to keep ``Decimal`` exact::

    class TagDecimal(JSONTag):
        __slots__ = ()
        key = " dec"

        def check(self, value):
            return isinstance(value, Decimal)

        def to_json(self, value):
            return str(value)

        def to_python(self, value):
            return Decimal(value)

    app.session_interface.serializer.register(TagDecimal)
"""

from __future__ import annotations

import base64
import typing as t
from datetime import datetime
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date, parse_date

from ..json import dumps, loads


class JSONTag:
    """One type's rule for :class:`TaggedJSONSerializer`.

    ``key`` is the tag written to JSON; a tag with an empty key only rewrites
    the value (as :class:`PassDict` and :class:`PassList` do) and is never
    looked up when loading.
    """

    __slots__ = ("serializer",)

    key: str = ""
    """The tag marking a value of this type; empty for pass-through tags."""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Turn ``value`` into something JSON can hold (without the tag)."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Rebuild the Python value from what :meth:`to_json` produced."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> dict[str, t.Any]:
        """Wrap the converted value in its tag object."""
        return {self.key: self.to_json(value)}


class _InstanceTag(JSONTag):
    """A tag for the instances of one type (``kind``)."""

    __slots__ = ()
    kind: t.ClassVar[type | tuple[type, ...]] = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, self.kind)


class TagDict(JSONTag):
    """A one-key dict whose key looks like a tag.

    Without this, ``{" t": [1]}`` would come back as the tuple ``(1,)``. The key
    gets a ``__`` suffix on the way out, removed on the way in.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        if not isinstance(value, dict) or len(value) != 1:
            return False
        (only_key,) = value
        return only_key in self.serializer.tags

    def to_json(self, value: t.Any) -> t.Any:
        ((inner_key, inner_value),) = value.items()
        return {inner_key + "__": self.serializer.tag(inner_value)}

    def to_python(self, value: t.Any) -> t.Any:
        ((escaped_key, inner_value),) = value.items()
        return {escaped_key.removesuffix("__"): inner_value}


class PassDict(_InstanceTag):
    """Any other dict: keep it, tag its values."""

    __slots__ = ()
    kind = dict

    def to_json(self, value: t.Any) -> t.Any:
        convert = self.serializer.tag
        return {name: convert(item) for name, item in value.items()}

    tag = to_json


class TagTuple(_InstanceTag):
    """Tuples come back as tuples, not lists."""

    __slots__ = ()
    key = " t"
    kind = tuple

    def to_json(self, value: t.Any) -> t.Any:
        return list(map(self.serializer.tag, value))

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(_InstanceTag):
    """Lists stay lists; their items are tagged."""

    __slots__ = ()
    kind = list

    def to_json(self, value: t.Any) -> t.Any:
        return list(map(self.serializer.tag, value))

    tag = to_json


class TagBytes(_InstanceTag):
    """Bytes as base64 text."""

    __slots__ = ()
    key = " b"
    kind = bytes

    def to_json(self, value: t.Any) -> t.Any:
        return base64.b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return base64.b64decode(value)


class TagMarkup(JSONTag):
    """Anything with ``__html__`` comes back as :class:`~markupsafe.Markup`.

    Only the HTML text survives, so a custom class is restored as ``Markup``.
    """

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        html = getattr(value, "__html__", None)
        return callable(html)

    def to_json(self, value: t.Any) -> t.Any:
        html: str = value.__html__()
        return str(html)

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(_InstanceTag):
    """UUIDs as their 32-digit hex form."""

    __slots__ = ()
    key = " u"
    kind = UUID

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(hex=value)


class TagDateTime(_InstanceTag):
    """Datetimes as HTTP dates (whole seconds, UTC)."""

    __slots__ = ()
    key = " d"
    kind = datetime

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        return parse_date(value)


_JSON_SCALARS = frozenset((str, int, float, bool, type(None)))


class TaggedJSONSerializer:
    """Dump and load values with tags, trying tags in :attr:`order`.

    The session interface uses one instance as its itsdangerous serializer, so
    it offers ``dumps`` and ``loads``.
    """

    __slots__ = ("tags", "order", "_only_default_tags")

    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]
    """Tags every new serializer starts with, in checking order."""

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        """Tags by key, for loading."""
        self.order: list[JSONTag] = []
        """Tags in the order :meth:`tag` tries them."""
        self._only_default_tags = True
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
    ) -> None:
        """Add a tag; ``index`` puts it earlier in the checking order.

        :raises KeyError: the key is taken and ``force`` is false.
        """
        if tag_class not in TaggedJSONSerializer.default_tags:
            self._only_default_tags = False
        new_tag = tag_class(self)
        if new_tag.key:
            if new_tag.key in self.tags and not force:
                raise KeyError(
                    f"Tag {new_tag.key!r} is already registered; pass force=True to replace it."
                )
            self.tags[new_tag.key] = new_tag
        self.order.insert(len(self.order) if index is None else index, new_tag)

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` with the first tag that accepts it."""
        # Plain JSON scalars are by far the most common session values, and
        # no default tag claims them, so skip the tag checks for them.
        if value.__class__ in _JSON_SCALARS and self._only_default_tags:
            return value
        claimed = next((rule for rule in self.order if rule.check(value)), None)
        return value if claimed is None else claimed.tag(value)

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Undo one tag object; other dicts are returned unchanged."""
        if len(value) == 1:
            ((key, payload),) = value.items()
            rule = self.tags.get(key)
            if rule is not None:
                return rule.to_python(payload)
        return value

    def _untag_scan(self, value: t.Any) -> t.Any:
        # Depth first, so a tag's to_python receives already rebuilt values.
        if isinstance(value, list):
            return [self._untag_scan(item) for item in value]
        if isinstance(value, dict):
            return self.untag({key: self._untag_scan(item) for key, item in value.items()})
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and dump it as compact JSON."""
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> t.Any:
        """Load JSON and undo the tags."""
        return self._untag_scan(loads(value))
