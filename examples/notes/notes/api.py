"""The JSON side: the same notes for scripts, registered under ``/api``.

Errors are JSON too (an error handler on the blueprint), so API clients never have to
parse an HTML error page.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import HTTPException

from vial import Blueprint, abort, jsonify, request
from vial.wrappers import Response

from . import store

bp = Blueprint("api", __name__)


@bp.errorhandler(HTTPException)
def json_error(exc: HTTPException) -> tuple[dict[str, t.Any], int]:
    return {"error": exc.name, "message": exc.description}, exc.code or 500


@bp.get("/notes")
def list_notes() -> Response:
    return jsonify(notes=store.all_notes())


@bp.post("/notes")
def create_note() -> tuple[dict[str, str], int]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        abort(400, description='Send JSON like {"text": "..."}.')
    try:
        text = store.add_note(data["text"])
    except ValueError as exc:
        abort(422, description=str(exc))
    return {"text": text}, 201


@bp.delete("/notes/<int:index>")
def delete_note(index: int) -> dict[str, str]:
    try:
        return {"deleted": store.delete_note(index)}
    except IndexError:
        abort(404, description=f"No note {index}.")
