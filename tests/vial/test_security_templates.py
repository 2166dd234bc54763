"""Templates autoescape by extension and for strings; the framework never trusts input."""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import Markup

import vial
from vial import Vial

PAYLOAD = "<script>alert('x')</script>"


@pytest.fixture
def template_app(tmp_path: Path) -> Vial:
    templates = tmp_path / "templates"
    templates.mkdir()
    for ext in ("html", "htm", "xml", "xhtml", "svg", "txt", "js"):
        (templates / f"page.{ext}").write_text("{{ value }}")
    return Vial(__name__, root_path=str(tmp_path))


@pytest.mark.parametrize("ext", ["html", "htm", "xml", "xhtml", "svg"])
def test_autoescaped_extensions(template_app: Vial, ext: str) -> None:
    with template_app.test_request_context():
        out = vial.render_template(f"page.{ext}", value=PAYLOAD)
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


@pytest.mark.parametrize("ext", ["txt", "js"])
def test_other_extensions_not_escaped(template_app: Vial, ext: str) -> None:
    with template_app.test_request_context():
        assert vial.render_template(f"page.{ext}", value=PAYLOAD) == PAYLOAD


def test_strings_are_autoescaped(template_app: Vial) -> None:
    with template_app.test_request_context():
        assert "<script>" not in vial.render_template_string("{{ v }}", v=PAYLOAD)
        assert vial.render_template_string("{{ v }}", v=Markup("<b>ok</b>")) == "<b>ok</b>"
        assert (
            vial.render_template_string("{% autoescape false %}{{ v }}{% endautoescape %}", v="<i>")
            == "<i>"
        )


def test_request_data_escaped_in_views(template_app: Vial) -> None:
    @template_app.route("/")
    def index():
        return vial.render_template("page.html", value=vial.request.args["q"])

    rv = template_app.test_client().get("/", query_string={"q": PAYLOAD})
    assert b"<script>" not in rv.data


def test_select_jinja_autoescape(template_app: Vial) -> None:
    assert template_app.select_jinja_autoescape(None) is True
    assert template_app.select_jinja_autoescape("a.HTML") is False  # case-sensitive, as Flask
    assert template_app.select_jinja_autoescape("a.html") is True
