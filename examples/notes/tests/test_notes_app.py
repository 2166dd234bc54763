"""Tests of the notes example, written the way the vial guide recommends.

One app per test from the factory, driven through the real test client: the form
round trip with its flash message, the session cookie, the JSON API and its errors.
"""

from __future__ import annotations

import pytest
from notes import create_app

from vial import Vial
from vial.testing import VialClient


@pytest.fixture
def app() -> Vial:
    return create_app({"TESTING": True, "SECRET_KEY": "test", "MAX_NOTES": 3})


@pytest.fixture
def client(app: Vial) -> VialClient:
    return app.test_client()


def test_empty_page(client: VialClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "No notes yet." in response.get_data(as_text=True)


def test_form_post_redirects_and_flashes(client: VialClient) -> None:
    response = client.post("/", data={"text": "  buy   milk "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert '<p class="flash success">Added “buy milk”.</p>' in page
    assert "<li>buy milk" in page
    # The flash message is shown once; the note stays.
    again = client.get("/").get_data(as_text=True)
    assert "flash" not in again and "<li>buy milk" in again


def test_form_errors_are_flashed(client: VialClient) -> None:
    page = client.post("/", data={"text": "   "}, follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash error">A note needs some text.</p>' in page


def test_notes_are_escaped(client: VialClient) -> None:
    page = client.post("/", data={"text": "<script>x</script>"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "<script>x" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_notes_live_in_the_signed_session(app: Vial, client: VialClient) -> None:
    client.post("/", data={"text": "one"})
    with client.session_transaction() as session:
        assert session["notes"] == ["one"]
    # Another browser (no cookie) sees nothing: the state is in the cookie, not the server.
    assert app.test_client().get("/api/notes").get_json() == {"notes": []}
    # A cookie signed with another key is ignored.
    other = create_app({"SECRET_KEY": "another"}).test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    other.set_cookie("session", cookie.value)
    assert other.get("/api/notes").get_json() == {"notes": []}


def test_delete_from_the_page(client: VialClient) -> None:
    client.post("/", data={"text": "one"})
    client.post("/", data={"text": "two"})
    page = client.post("/delete/0", follow_redirects=True).get_data(as_text=True)
    assert "Deleted." in page and "<li>one" not in page and "<li>two" in page
    page = client.post("/delete/7", follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash error">No such note.</p>' in page


def test_api_round_trip(client: VialClient) -> None:
    created = client.post("/api/notes", json={"text": "from a script"})
    assert created.status_code == 201
    assert created.get_json() == {"text": "from a script"}
    assert client.get("/api/notes").get_json() == {"notes": ["from a script"]}
    assert client.delete("/api/notes/0").get_json() == {"deleted": "from a script"}
    assert client.get("/api/notes").get_json() == {"notes": []}


@pytest.mark.parametrize(
    ("request_kwargs", "status", "message"),
    [
        ({"data": "not json"}, 400, 'Send JSON like {"text": "..."}.'),
        ({"json": {"text": 3}}, 400, 'Send JSON like {"text": "..."}.'),
        ({"json": {"text": "x" * 201}}, 422, "A note is at most 200 characters."),
    ],
)
def test_api_errors_are_json(
    client: VialClient, request_kwargs: dict[str, object], status: int, message: str
) -> None:
    response = client.post("/api/notes", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.get_json()["message"] == message


def test_api_limit_and_missing_note(client: VialClient) -> None:
    for n in range(3):
        assert client.post("/api/notes", json={"text": f"n{n}"}).status_code == 201
    full = client.post("/api/notes", json={"text": "one more"})
    assert full.status_code == 422
    assert full.get_json() == {
        "error": "Unprocessable Entity",
        "message": "At most 3 notes; delete one first.",
    }
    missing = client.delete("/api/notes/9")
    assert missing.status_code == 404 and missing.get_json()["message"] == "No note 9."


def test_routes_and_blueprints(app: Vial) -> None:
    assert set(app.blueprints) == {"pages", "api"}
    rules = {(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()}
    assert {
        ("/api/notes", "api.list_notes"),
        ("/api/notes", "api.create_note"),
        ("/", "pages.index"),
        ("/", "pages.add"),
    } <= rules


def test_config_from_prefixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_MAX_NOTES", "5")
    assert create_app().config["MAX_NOTES"] == 5
