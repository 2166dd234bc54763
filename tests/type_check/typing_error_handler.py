"""Error handlers as users write them, for status codes and exception classes.

Only mypy reads this file; see ``typing_route.py``.
"""

from __future__ import annotations

from http import HTTPStatus

from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from vial import Blueprint, Response, Vial, jsonify

app = Vial(__name__)


class QuotaError(Exception):
    """An application error with its own handler."""

    def __init__(self, remaining: int) -> None:
        super().__init__(f"{remaining} left")
        self.remaining = remaining


@app.errorhandler(400)
@app.errorhandler(HTTPStatus.BAD_REQUEST)
@app.errorhandler(BadRequest)
def bad_request(e: BadRequest) -> tuple[str, int]:
    return str(e.description), e.code or 400


@app.errorhandler(NotFound)
def not_found(e: NotFound) -> Response:
    response = jsonify(error=e.name)
    response.status_code = 404
    return response


@app.errorhandler(HTTPException)
def any_http(e: HTTPException) -> tuple[dict[str, str], int]:
    return {"error": e.name}, e.code or 500


@app.errorhandler(QuotaError)
async def quota(e: QuotaError) -> tuple[str, int, dict[str, str]]:
    return "slow down", 429, {"X-Remaining": str(e.remaining)}


def generic(e: Exception) -> str:
    return f"failed: {e}"


app.register_error_handler(500, generic)
app.register_error_handler(KeyError, generic)

bp = Blueprint("admin", __name__)


@bp.errorhandler(PermissionError)
def forbidden(e: PermissionError) -> tuple[str, int]:
    return "forbidden", 403


@bp.app_errorhandler(418)
def teapot(e: HTTPException) -> str:
    return "short and stout"


# Only exception classes and status codes name what a handler handles.
app.register_error_handler("404", generic)  # type: ignore[arg-type]
app.register_error_handler(ValueError(), generic)  # type: ignore[arg-type]
