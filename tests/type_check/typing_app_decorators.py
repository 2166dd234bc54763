"""Hooks and registration decorators on apps and blueprints, as users write them.

Only mypy reads this file; see ``typing_route.py``.
"""

from __future__ import annotations

import typing as t

from typing_extensions import assert_type

from vial import Blueprint, Response, Vial, g, request

app = Vial(__name__)


@app.before_request
def load_user() -> None:
    g.user = request.headers.get("X-User")


@app.before_request
def maybe_refuse() -> tuple[str, int] | None:
    return ("maintenance", 503) if request.args.get("down") else None


@app.before_request
async def async_before() -> None:
    pass


@app.after_request
def add_header(response: Response) -> Response:
    response.headers["X-Served-By"] = "vial"
    return response


@app.after_request
async def async_after(response: Response) -> Response:
    return response


@app.teardown_request
def close_request(exc: BaseException | None) -> None:
    pass


@app.teardown_appcontext
def close_db(exc: BaseException | None) -> None:
    pass


@app.context_processor
def inject_version() -> dict[str, t.Any]:
    return {"version": "1.0"}


@app.shell_context_processor
def shell_names() -> dict[str, t.Any]:
    return {"app": app}


@app.url_defaults
def default_lang(endpoint: str, values: dict[str, t.Any]) -> None:
    values.setdefault("lang", "en")


@app.url_value_preprocessor
def pop_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
    if values is not None:
        g.lang = values.pop("lang", None)


def reverse(s: str) -> str:
    return s[::-1]


def is_even(n: int) -> bool:
    return n % 2 == 0


app.add_template_filter(reverse)
app.add_template_filter(reverse, name="rev")
app.add_template_global(reverse, name="backwards")
app.add_template_test(is_even)

# The decorators hand each function back unchanged, with its own type.
assert_type(load_user, t.Callable[[], None])
assert_type(add_header(Response()), Response)
assert_type(close_db(None), None)

bp = Blueprint("shop", __name__, url_prefix="/shop")


@bp.route("/")
def index() -> str:
    return "shop"


@bp.before_request
def bp_before() -> None:
    pass


@bp.after_request
def bp_after(response: Response) -> Response:
    return response


@bp.before_app_request
def every_request() -> None:
    pass


@bp.app_context_processor
def shop_name() -> dict[str, str]:
    return {"shop": "corner"}


bp.add_app_template_filter(reverse, name="shop_reverse")

nested = Blueprint("cart", __name__)
bp.register_blueprint(nested, url_prefix="/cart")
app.register_blueprint(bp)
app.register_blueprint(bp, name="shop2", url_prefix="/shop2")

assert_type(bp.name, str)
assert_type(app.name, str)


# Hooks are called with what vial passes them: after_request with the response.
@app.after_request  # type: ignore[type-var]
def wrong_after() -> None:
    pass


@app.teardown_request  # type: ignore[type-var]
def wrong_teardown() -> None:
    pass


@app.template_filter()
def shout(s: str) -> str:
    return s.upper()


@app.template_filter
def whisper(s: str) -> str:
    return s.lower()


@app.template_global("site_name")
def site_name() -> str:
    return "vial"


@app.template_test()
def is_odd(n: int) -> bool:
    return n % 2 == 1


@bp.app_template_filter("money")
def money(n: int) -> str:
    return f"${n}"


assert_type(shout("x"), str)
assert_type(site_name(), str)
