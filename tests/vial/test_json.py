"""JSON: jsonify's output format, the default provider's types, swapping providers."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import io
import json as std_json
import typing as t
import uuid

import pytest
from markupsafe import Markup

from vial import Vial, jsonify, render_template_string, request
from vial import json as vjson
from vial.json.provider import DefaultJSONProvider, JSONProvider


@pytest.fixture
def app() -> Vial:
    app = Vial(__name__)
    app.testing = True
    return app


def respond(app: Vial, view: t.Callable[[], t.Any]) -> t.Any:
    app.add_url_rule("/", view_func=view, endpoint="view")
    return app.test_client().get("/")


# -- jsonify ------------------------------------------------------------------------


def test_jsonify_dict_is_compact_sorted_with_newline(app: Vial) -> None:
    rv = respond(app, lambda: jsonify({"b": 1, "a": [1, 2], "c": {"z": 0, "y": None}}))
    assert rv.status_code == 200
    assert rv.mimetype == "application/json"
    assert rv.headers["Content-Type"] == "application/json"
    assert rv.data == b'{"a":[1,2],"b":1,"c":{"y":null,"z":0}}\n'


@pytest.mark.parametrize(
    ("args", "kwargs", "body"),
    [
        ((), {}, b"null\n"),
        ((1,), {}, b"1\n"),
        (("x",), {}, b'"x"\n'),
        ((1, 2, "3"), {}, b'[1,2,"3"]\n'),
        (([1, 2],), {}, b"[1,2]\n"),
        ((), {"b": 2, "a": 1}, b'{"a":1,"b":2}\n'),
    ],
)
def test_jsonify_argument_shapes(
    app: Vial, args: tuple[t.Any, ...], kwargs: dict[str, t.Any], body: bytes
) -> None:
    assert respond(app, lambda: jsonify(*args, **kwargs)).data == body


def test_jsonify_rejects_args_and_kwargs(app: Vial) -> None:
    with app.app_context(), pytest.raises(TypeError, match="either args or kwargs"):
        jsonify(1, a=2)


def test_jsonify_is_indented_in_debug(app: Vial) -> None:
    app.debug = True
    rv = respond(app, lambda: jsonify(b=1, a=[1]))
    assert rv.data == b'{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


@pytest.mark.parametrize(("compact", "debug"), [(True, True), (False, False)])
def test_compact_setting_overrides_debug(app: Vial, compact: bool, debug: bool) -> None:
    app.debug = debug
    app.json.compact = compact  # type: ignore[attr-defined]
    body = respond(app, lambda: jsonify(a=1)).data
    assert body == (b'{"a":1}\n' if compact else b'{\n  "a": 1\n}\n')


def test_jsonify_needs_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        jsonify(a=1)


def test_jsonify_escapes_non_ascii_by_default(app: Vial) -> None:
    assert respond(app, lambda: jsonify("\u00e9\u2603")).data == b'"\\u00e9\\u2603"\n'


def test_jsonify_non_ascii_when_allowed(app: Vial) -> None:
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    assert respond(app, lambda: jsonify("\u00e9")).data == '"\u00e9"\n'.encode()


def test_unsorted_keys_when_disabled(app: Vial) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]
    assert respond(app, lambda: jsonify({"b": 1, "a": 2})).data == b'{"b":1,"a":2}\n'


def test_custom_mimetype(app: Vial) -> None:
    app.json.mimetype = "application/vnd.api+json"  # type: ignore[attr-defined]
    assert respond(app, lambda: jsonify(1)).headers["Content-Type"] == "application/vnd.api+json"


def test_dict_and_list_returns_use_the_provider(app: Vial) -> None:
    @app.get("/d")
    def d() -> dict[str, int]:
        return {"b": 1, "a": 2}

    @app.get("/l")
    def li() -> list[int]:
        return [3, 2]

    client = app.test_client()
    assert client.get("/d").data == b'{"a":2,"b":1}\n'
    assert client.get("/l").data == b"[3,2]\n"


# -- the default provider's types -----------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: int


class HTMLThing:
    def __html__(self) -> str:
        return "<p>hi</p>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            '"Tue, 02 Jan 2024 03:04:05 GMT"',
        ),
        (datetime.datetime(2024, 1, 2, 3, 4, 5), '"Tue, 02 Jan 2024 03:04:05 GMT"'),
        (datetime.date(2024, 1, 2), '"Tue, 02 Jan 2024 00:00:00 GMT"'),
        (decimal.Decimal("1.10"), '"1.10"'),
        (
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            '"12345678-1234-5678-1234-567812345678"',
        ),
        (Point(1, 2), '{"x": 1, "y": 2}'),
        (HTMLThing(), '"<p>hi</p>"'),
        (Markup("<b>x</b>"), '"<b>x</b>"'),
    ],
)
def test_default_provider_types(app: Vial, value: object, expected: str) -> None:
    assert app.json.dumps(value) == expected
    with app.app_context():
        assert vjson.dumps(value) == expected
    # Outside an app context the same types are handled.
    assert vjson.dumps(value) == expected


def test_unknown_type_raises_type_error(app: Vial) -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        app.json.dumps(object())
    with pytest.raises(TypeError, match="not JSON serializable"):
        vjson.dumps(object())
    with pytest.raises(TypeError, match="not JSON serializable"):
        # A dataclass *class* is not an instance.
        app.json.dumps(Point)


def test_custom_default_function(app: Vial) -> None:
    def default(o: object) -> object:
        if isinstance(o, complex):
            return [o.real, o.imag]
        return DefaultJSONProvider.default(o)

    app.json.default = default  # type: ignore[attr-defined]
    assert respond(app, lambda: jsonify(1 + 2j)).data == b"[1.0,2.0]\n"


def test_module_functions_follow_current_app(app: Vial) -> None:
    data = {"b": 1, "a": "\u00e9"}
    assert vjson.dumps(data) == std_json.dumps(data)
    with app.app_context():
        assert vjson.dumps(data) == '{"a": "\\u00e9", "b": 1}'
        assert vjson.loads(b'{"a": [1]}') == {"a": [1]}
        buf = io.StringIO()
        vjson.dump(data, buf)
        assert buf.getvalue() == '{"a": "\\u00e9", "b": 1}'
        assert vjson.load(io.StringIO('{"x": 1}')) == {"x": 1}
    assert vjson.loads('{"x": 1}') == {"x": 1}
    buf = io.StringIO()
    vjson.dump({"d": datetime.date(2020, 1, 1)}, buf)
    assert buf.getvalue() == '{"d": "Wed, 01 Jan 2020 00:00:00 GMT"}'
    assert vjson.load(io.BytesIO(b"[1]")) == [1]


# -- swapping the provider ------------------------------------------------------------


class UpperProvider(JSONProvider):
    """A provider that writes everything upper-cased; proves each route uses it."""

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        return std_json.dumps(obj, **kwargs).upper()

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        value = std_json.loads(s, **kwargs)
        return {"loaded_by": "upper", "value": value}


def test_json_provider_class_on_a_subclass() -> None:
    class MyVial(Vial):
        json_provider_class = UpperProvider

    app = MyVial(__name__)

    @app.post("/")
    def echo() -> t.Any:
        return jsonify(request.get_json())

    rv = app.test_client().post("/", json={"a": "b"})
    assert rv.data == b'{"LOADED_BY": "UPPER", "VALUE": {"A": "B"}}'
    assert rv.headers["Content-Type"] == "application/json"
    with app.app_context():
        assert vjson.dumps("x") == '"X"'
        assert render_template_string("{{ v|tojson }}", v="x") == '"X"'


def test_provider_instance_replaced_on_app(app: Vial) -> None:
    app.json = UpperProvider(app)
    assert respond(app, lambda: jsonify("abc")).data == b'"ABC"'


def test_base_provider_is_abstract_but_dump_load_build_on_it(app: Vial) -> None:
    provider = JSONProvider(app)
    with pytest.raises(NotImplementedError):
        provider.dumps(1)
    with pytest.raises(NotImplementedError):
        provider.loads("1")
    up = UpperProvider(app)
    buf = io.StringIO()
    up.dump("a", buf)
    assert buf.getvalue() == '"A"'
    assert up.load(io.StringIO("1")) == {"loaded_by": "upper", "value": 1}


def test_provider_does_not_keep_app_alive() -> None:
    import gc
    import weakref

    app = Vial(__name__)
    provider = app.json
    ref = weakref.ref(app)
    del app
    gc.collect()
    assert ref() is None
    with pytest.raises(ReferenceError):
        provider.response(1)


# -- request side and templates -------------------------------------------------------


def test_request_get_json(app: Vial) -> None:
    @app.post("/")
    def echo() -> t.Any:
        return jsonify(got=request.get_json(), json=request.json, is_json=request.is_json)

    rv = app.test_client().post("/", data='{"x": [1, 2]}', content_type="application/json")
    assert rv.json == {"got": {"x": [1, 2]}, "json": {"x": [1, 2]}, "is_json": True}


def test_request_get_json_wrong_type_is_415(app: Vial) -> None:
    @app.post("/")
    def echo() -> t.Any:
        return jsonify(request.get_json())

    assert app.test_client().post("/", data="{}", content_type="text/plain").status_code == 415


def test_request_bad_json_is_400(app: Vial) -> None:
    @app.post("/")
    def echo() -> t.Any:
        return jsonify(request.get_json())

    rv = app.test_client().post("/", data="{nope", content_type="application/json")
    assert rv.status_code == 400


def test_test_client_json_uses_app_provider(app: Vial) -> None:
    app.json.sort_keys = True  # type: ignore[attr-defined]

    @app.post("/")
    def echo() -> bytes:
        return request.get_data()

    rv = app.test_client().post("/", json={"b": datetime.date(2020, 1, 1), "a": 1})
    assert rv.data == b'{"a": 1, "b": "Wed, 01 Jan 2020 00:00:00 GMT"}'


def test_tojson_filter_is_html_safe_and_sorted(app: Vial) -> None:
    with app.app_context():
        out = render_template_string(
            "<script>var x = {{ x|tojson }};</script>", x={"z": "</script>", "a": "'&"}
        )
    assert out == (
        '<script>var x = {"a": "\\u0027\\u0026", "z": "\\u003c/script\\u003e"};</script>'
    )


@pytest.mark.parametrize("debug", [False, True])
def test_jsonify_output_matches_flask(debug: bool) -> None:
    flask = pytest.importorskip("flask")
    import vial

    value = {
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "id": uuid.UUID(int=7),
        "n": decimal.Decimal("2.50"),
        "p": Point(1, 2),
        "text": "\u00e9<&>",
        "nested": [{"b": 1, "a": None}],
    }
    bodies = []
    for module, cls in ((flask, flask.Flask), (vial, Vial)):
        app = cls(__name__)
        app.debug = debug
        app.add_url_rule("/", "v", lambda m=module: m.jsonify(value))
        rv = app.test_client().get("/")
        bodies.append((rv.data, rv.headers["Content-Type"], rv.headers["Content-Length"]))
    assert bodies[0] == bodies[1]


def test_response_follows_provider_settings_changed_between_requests(app: Vial) -> None:
    """The encoder a response reuses is per settings: changing one takes effect at once."""
    with app.app_context():
        assert jsonify(b=1, a=2).get_data() == b'{"a":2,"b":1}\n'
        app.json.sort_keys = False  # type: ignore[attr-defined]
        assert jsonify(b=1, a=2).get_data() == b'{"b":1,"a":2}\n'
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        assert jsonify(x="é").get_data() == '{"x":"é"}\n'.encode()
        app.json.default = lambda o: "custom"  # type: ignore[attr-defined]
        assert jsonify(x=object()).get_data() == b'{"x":"custom"}\n'

        class Unhashable:
            __hash__ = None  # type: ignore[assignment]

            def __call__(self, o: object) -> str:
                return "unhashable default"

        app.json.default = Unhashable()  # type: ignore[attr-defined]
        assert jsonify(x=object()).get_data() == b'{"x":"unhashable default"}\n'


def test_response_uses_a_subclass_dumps(app: Vial) -> None:
    class Shouting(DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    app.json = Shouting(app)
    with app.app_context():
        assert jsonify(a="b").get_data() == b'{"A":"B"}\n'
