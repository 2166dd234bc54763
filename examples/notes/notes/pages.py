"""The HTML side: a page with the notes and a form, with flash messages after each post.

Post/redirect/get: every POST answers with a redirect, so reloading the page never
re-submits the form, and the flash message carries the outcome across the redirect.
"""

from __future__ import annotations

from vial import Blueprint, flash, redirect, render_template, request, url_for
from vial.wrappers import Response

from . import store

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html", notes=store.all_notes())


@bp.post("/")
def add() -> Response:
    try:
        text = store.add_note(request.form.get("text", ""))
    except ValueError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Added “{text}”.", "success")
    return redirect(url_for(".index"))


@bp.post("/delete/<int:index>")
def delete(index: int) -> Response:
    try:
        store.delete_note(index)
    except IndexError:
        flash("No such note.", "error")
    else:
        flash("Deleted.", "success")
    return redirect(url_for(".index"))
