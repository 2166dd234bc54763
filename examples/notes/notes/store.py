"""Where the notes live: a list in the signed session cookie.

Keeping them in the session makes the example stateless on the server (any worker can
answer any request) and shows session use without a database. The cookie is signed, not
encrypted: users can read their notes in it but cannot forge them.
"""

from __future__ import annotations

from vial import current_app, session

KEY = "notes"


def all_notes() -> list[str]:
    """The notes of this browser, oldest first."""
    return list(session.get(KEY, []))


def add_note(text: str) -> str:
    """Store one note; raises ValueError with a message fit for the user."""
    text = " ".join(text.split())
    if not text:
        raise ValueError("A note needs some text.")
    if len(text) > 200:
        raise ValueError("A note is at most 200 characters.")
    notes = all_notes()
    if len(notes) >= current_app.config["MAX_NOTES"]:
        raise ValueError(f"At most {current_app.config['MAX_NOTES']} notes; delete one first.")
    notes.append(text)
    session[KEY] = notes  # assign, so the session knows it changed
    return text


def delete_note(index: int) -> str:
    """Remove note ``index``; raises IndexError when there is no such note."""
    notes = all_notes()
    removed = notes.pop(index)
    session[KEY] = notes
    return removed
