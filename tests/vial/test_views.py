"""Class-based views: View, MethodView, as_view, init_every_request, decorators."""

from __future__ import annotations

import pytest

import vial
from vial import Vial
from vial.views import MethodView, View


def test_view_dispatch_and_attributes(app: Vial, client) -> None:
    class Greeting(View):
        """Says hello."""

        methods = ["GET", "POST"]

        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def dispatch_request(self, name):
            return f"{self.greeting}, {name} ({vial.request.method})"

    view = Greeting.as_view("greet", "Hello")
    app.add_url_rule("/<name>", view_func=view)
    assert client.get("/ann").data == b"Hello, ann (GET)"
    assert client.post("/bob").data == b"Hello, bob (POST)"
    assert client.put("/bob").status_code == 405
    assert app.view_functions["greet"].view_class is Greeting
    assert view.__name__ == "greet"
    assert view.__doc__ == "Says hello."
    assert view.methods == ["GET", "POST"]


def test_init_every_request(app: Vial, client) -> None:
    instances = []

    class PerRequest(View):
        def __init__(self):
            instances.append(self)

        def dispatch_request(self):
            return str(len(instances))

    class Shared(PerRequest):
        init_every_request = False

    app.add_url_rule("/per", view_func=PerRequest.as_view("per"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))
    assert instances and isinstance(instances[0], Shared)  # created by as_view
    instances.clear()
    assert client.get("/per").data == b"1"
    assert client.get("/per").data == b"2"
    instances.clear()
    assert client.get("/shared").data == b"0"
    assert client.get("/shared").data == b"0"


def test_view_decorators(app: Vial, client) -> None:
    def add_header(f):
        def wrapper(**kwargs):
            rv = vial.make_response(f(**kwargs))
            rv.headers["X-Decorated"] = f.__name__
            return rv

        return wrapper

    class Decorated(View):
        decorators = [add_header]

        def dispatch_request(self):
            return "body"

    view = Decorated.as_view("decorated")
    app.add_url_rule("/", view_func=view)
    rv = client.get("/")
    assert rv.headers["X-Decorated"] == "decorated"
    assert view.view_class is Decorated


def test_method_view(app: Vial, client) -> None:
    class Items(MethodView):
        def get(self, id=None):
            return f"get {id}"

        def post(self):
            return "post", 201

        def delete(self, id):
            return "", 204

    assert Items.methods == {"GET", "POST", "DELETE"}
    view = Items.as_view("items")
    app.add_url_rule("/items/", view_func=view, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:id>", view_func=view, methods=["GET", "DELETE"])
    assert client.get("/items/").data == b"get None"
    assert client.get("/items/3").data == b"get 3"
    assert client.post("/items/").status_code == 201
    assert client.delete("/items/3").status_code == 204
    rv = client.head("/items/3")
    assert (rv.status_code, rv.data) == (200, b"")
    assert sorted(client.open("/items/3", method="OPTIONS").allow) == [
        "DELETE",
        "GET",
        "HEAD",
        "OPTIONS",
    ]


def test_method_view_inherits_methods(app: Vial, client) -> None:
    class Base(MethodView):
        def get(self):
            return "base get"

    class Child(Base):
        def post(self):
            return "child post"

    class Explicit(Child):
        methods = ["GET"]

    assert Child.methods == {"GET", "POST"}
    assert Explicit.methods == ["GET"]
    app.add_url_rule("/", view_func=Child.as_view("child"))
    assert client.post("/").data == b"child post"
    assert client.get("/").data == b"base get"


def test_method_view_unimplemented_method(app: Vial, client) -> None:
    class OnlyGet(MethodView):
        def get(self):
            return "x"

    app.add_url_rule("/", view_func=OnlyGet.as_view("g"), methods=["GET", "PUT"])
    with pytest.raises(AssertionError, match="Unimplemented method 'PUT'"):
        client.put("/")


def test_view_provide_automatic_options(app: Vial, client) -> None:
    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self):
            return "x"

    app.add_url_rule("/", view_func=NoOptions.as_view("n"))
    assert client.open("/", method="OPTIONS").status_code == 405


def test_async_method_view(app: Vial, client) -> None:
    class AsyncItems(MethodView):
        async def get(self):
            return "async get"

    app.add_url_rule("/", view_func=AsyncItems.as_view("a"))
    assert client.get("/").data == b"async get"


def test_view_requires_dispatch_request() -> None:
    with pytest.raises(NotImplementedError):
        View().dispatch_request()
