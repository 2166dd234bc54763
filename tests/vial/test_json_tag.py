"""The tagged JSON serializer round-trips the types sessions need."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

import pytest
from markupsafe import Markup

from vial.json.tag import JSONTag, PassDict, TaggedJSONSerializer


@pytest.mark.parametrize(
    "data",
    [
        {" t": (1, 2, 3)},
        {" t__": b"a"},
        {" di": " di"},
        {"x": (1, 2, 3), "y": 4},
        (1, 2, 3),
        [(1, 2, 3)],
        b"\xff",
        Markup("<html>"),
        uuid4(),
        datetime.now(tz=timezone.utc).replace(microsecond=0),
        {"nested": [{"a": (b"x", Markup("<b>"))}]},
        "plain",
        3,
        None,
    ],
)
def test_round_trip(data: object) -> None:
    s = TaggedJSONSerializer()
    assert s.loads(s.dumps(data)) == data


def test_round_trip_keeps_types() -> None:
    s = TaggedJSONSerializer()
    out = s.loads(s.dumps({"t": (1,), "b": b"x", "m": Markup("<i>")}))
    assert type(out["t"]) is tuple
    assert type(out["b"]) is bytes
    assert type(out["m"]) is Markup


def test_wire_format_is_compact_and_tagged() -> None:
    s = TaggedJSONSerializer()
    assert s.dumps({"a": (1, b"\x00")}) == '{"a":{" t":[1,{" b":"AA=="}]}}'
    # A dict whose only key looks like a tag is escaped, not mistaken for one.
    assert s.dumps({" t": 1}) == '{" di":{" t__":1}}'


def test_html_objects_come_back_as_markup() -> None:
    class Widget:
        def __html__(self) -> str:
            return "<w>"

    s = TaggedJSONSerializer()
    assert s.loads(s.dumps(Widget())) == Markup("<w>")


def test_datetime_is_utc_seconds() -> None:
    s = TaggedJSONSerializer()
    value = datetime(2024, 5, 6, 7, 8, 9, 123, tzinfo=timezone.utc)
    assert s.dumps(value) == '{" d":"Mon, 06 May 2024 07:08:09 GMT"}'
    assert s.loads(s.dumps(value)) == value.replace(microsecond=0)


def test_unknown_tag_keys_are_left_alone() -> None:
    s = TaggedJSONSerializer()
    assert s.loads('{" zz":1}') == {" zz": 1}


def test_duplicate_tag_rejected_unless_forced() -> None:
    class TagDict2(JSONTag):
        __slots__ = ()
        key = " d"

    s = TaggedJSONSerializer()
    with pytest.raises(KeyError, match="already registered"):
        s.register(TagDict2)
    s.register(TagDict2, force=True)
    assert type(s.tags[" d"]) is TagDict2


def test_custom_tag_with_index() -> None:
    class Foo:
        def __init__(self, data: object) -> None:
            self.data = data

    class TagFoo(JSONTag):
        __slots__ = ()
        key = " f"

        def check(self, value: object) -> bool:
            return isinstance(value, Foo)

        def to_json(self, value: Foo) -> object:
            return self.serializer.tag(value.data)

        def to_python(self, value: object) -> Foo:
            return Foo(value)

    s = TaggedJSONSerializer()
    s.register(TagFoo, index=0)
    assert s.order[0].key == " f"
    out = s.loads(s.dumps({"foo": Foo((1, 2))}))
    assert isinstance(out["foo"], Foo)
    assert out["foo"].data == (1, 2)


def test_base_tag_methods_are_abstract() -> None:
    tag = JSONTag(TaggedJSONSerializer())
    for method in (tag.check, tag.to_json, tag.to_python):
        with pytest.raises(NotImplementedError):
            method(None)


def test_pass_tags_have_no_key() -> None:
    s = TaggedJSONSerializer()
    assert "" not in s.tags
    assert any(type(tag) is PassDict for tag in s.order)


def test_custom_tag_for_a_json_scalar_type_is_honoured() -> None:
    class TagNegative(JSONTag):
        __slots__ = ()
        key = " neg"

        def check(self, value: object) -> bool:
            return type(value) is int and value < 0

        def to_json(self, value: int) -> object:
            return -value

        def to_python(self, value: int) -> int:
            return -value

    s = TaggedJSONSerializer()
    s.register(TagNegative, index=0)
    assert s.dumps({"n": -3, "p": 3}) == '{"n":{" neg":3},"p":3}'
    assert s.loads(s.dumps({"n": -3})) == {"n": -3}
