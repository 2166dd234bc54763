"""Tagged JSON: a compact, lossless encoding for the session cookie.

Plain JSON cannot tell a tuple from a list, bytes from text or a ``Markup``
string from a plain one, yet a cookie session must give back what was stored.
Each non-JSON value is wrapped in a one-key object whose key is a tag such as
``" t"``; the leading space keeps the tags out of the way of real keys.

Extensions register their own types by subclassing :class:`JSONTag` and calling
:meth:`TaggedJSONSerializer.register`::

    class TagOrderedDict(JSONTag):
        __slots__ = ("serializer",)
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)

    app.session_interface.serializer.register(TagOrderedDict, index=0)
"""

from __future__ import annotations

import typing as t
from base64 import b64decode, b64encode
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


class TagDict(JSONTag):
    """A one-key dict whose key looks like a tag.

    Without this, ``{" t": [1]}`` would come back as the tuple ``(1,)``. The key
    gets a ``__`` suffix on the way out, removed on the way in.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        (key, item), = value.items()
        return {f"{key}__": self.serializer.tag(item)}

    def to_python(self, value: t.Any) -> t.Any:
        (key, item), = value.items()
        return {key[:-2]: item}


class PassDict(JSONTag):
    """Any other dict: keep it, tag its values."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return {k: tag(v) for k, v in value.items()}

    tag = to_json  # type: ignore[assignment]


class TagTuple(JSONTag):
    """Tuples come back as tuples, not lists."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """Lists stay lists; their items are tagged."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json  # type: ignore[assignment]


class TagBytes(JSONTag):
    """Bytes as base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with ``__html__`` comes back as :class:`~markupsafe.Markup`.

    Only the HTML text survives, so a custom class is restored as ``Markup``.
    """

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    """UUIDs as their 32-digit hex form."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """Datetimes as HTTP dates (whole seconds, UTC)."""

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

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
        self.order: list[JSONTag] = []
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
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` with the first tag that accepts it."""
        # Plain JSON scalars are by far the most common session values, and
        # no default tag claims them, so skip the tag checks for them.
        if value.__class__ in _JSON_SCALARS and self._only_default_tags:
            return value
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Undo one tag object; other dicts are returned unchanged."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        # Inner values first, so a tag's to_python sees Python values.
        if isinstance(value, dict):
            scan = self._untag_scan
            return self.untag({k: scan(v) for k, v in value.items()})
        if isinstance(value, list):
            scan = self._untag_scan
            return [scan(item) for item in value]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and dump it as compact JSON."""
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> t.Any:
        """Load JSON and undo the tags."""
        return self._untag_scan(loads(value))
