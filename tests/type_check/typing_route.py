"""Views as users write them: every documented return shape must type-check.

Only mypy reads this file (``[tool.mypy] files``); pytest collects ``test_*.py`` and never
imports it. A ``# type: ignore[...]`` here is an assertion: strict mypy reports it as unused
if vial starts accepting what it marks as wrong.
"""

from __future__ import annotations

import typing as t
from http import HTTPStatus

from typing_extensions import assert_type

from vial import Response, Vial, jsonify, redirect, stream_with_context
from vial.typing import ResponseReturnValue
from vial.views import MethodView, View

app = Vial(__name__)


@app.route("/text")
def text() -> str:
    return "plain text"


@app.route("/bytes")
def raw() -> bytes:
    return b"\x00\x01"


@app.route("/json-object")
def json_object() -> dict[str, t.Any]:
    return {"id": 1, "tags": ["a", "b"]}


@app.route("/json-list")
def json_list() -> list[int]:
    return [1, 2, 3]


@app.route("/jsonify")
def json_response() -> Response:
    return jsonify(ok=True)


@app.route("/status")
def with_status() -> tuple[str, int]:
    return "created", HTTPStatus.CREATED


@app.route("/headers")
def with_headers() -> tuple[str, dict[str, str]]:
    return "cached", {"Cache-Control": "max-age=60"}


@app.route("/everything")
def with_status_and_headers() -> tuple[dict[str, str], int, list[tuple[str, str]]]:
    return {"error": "gone"}, 410, [("X-Reason", "retired")]


@app.route("/stream")
def stream() -> t.Iterator[str]:
    def chunks() -> t.Iterator[str]:
        yield "one,"
        yield "two"

    return stream_with_context(chunks())


@app.route("/elsewhere")
def elsewhere() -> ResponseReturnValue:
    return redirect("/text")


@app.get("/async")
async def async_view() -> str:
    return "awaited"


@app.post("/items/<int:item_id>")
def typed_args(item_id: int) -> tuple[str, int]:
    return f"item {item_id}", 201


# The decorators hand the function back unchanged, with its own type.
assert_type(text, t.Callable[[], str])
assert_type(typed_args(1), tuple[str, int])


class Hello(View):
    methods = ["GET"]

    def dispatch_request(self) -> ResponseReturnValue:
        return "hello"


class Items(MethodView):
    def get(self) -> list[str]:
        return ["a"]

    def post(self) -> tuple[str, int]:
        return "made", 201


app.add_url_rule("/hello", view_func=Hello.as_view("hello"))
app.add_url_rule("/items", view_func=Items.as_view("items"))


# A view must return something vial can send.
@app.route("/none")  # type: ignore[type-var]
def returns_none() -> None:
    pass


@app.route("/number")  # type: ignore[type-var]
def returns_number() -> int:
    return 3


@app.route("/generated")
@stream_with_context
def generated() -> t.Iterator[str]:
    yield "streamed with the request context"


assert_type(generated, t.Callable[[], t.Iterator[str]])
