"""Python carried by files that are not Python modules: case 40 of REWRITE_CASES.md.

Templates that render Python (Alembic's ``script.py.mako``, ``*.py.j2``) have their
import statements of the old package renamed, markup untouched; whatever still names
the old package afterwards is reported for a human. Other template files
(``alembic.ini.mako``) are reported, as every text file naming the package is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rewrite_helpers import dedent

from graft.rewrite import Renames, rewrite_items, rewrite_tree
from graft.rewrite.templates import is_template

FLASK_VIAL = Renames.parse(["flask=vial"])

MULTIDB_BEFORE = dedent(
    '''
    <%!
    import re

    %>"""${message}

    Revision ID: ${up_revision}
    Revises: ${down_revision | comma,n}

    """
    from alembic import op
    import sqlalchemy as sa
    ${imports if imports else ""}

    revision = ${repr(up_revision)}

    <%
        from flask import current_app
        bind_names = []
        if current_app.config.get('SQLALCHEMY_BINDS') is not None:
            bind_names = list(current_app.config['SQLALCHEMY_BINDS'].keys())
    %>

    ## generate an "upgrade_<xyz>() / downgrade_<xyz>()" function
    % for db_name in db_names:

    def upgrade_${db_name}():
        ${context.get("%s_upgrades" % db_name, "pass")}

    % endfor
    '''
)


def test_alembic_multidb_template(tmp_path: Path) -> None:
    """flask-migrate's multidb template: the import in the Mako block follows the rename."""
    path = tmp_path / "script.py.mako"
    path.write_text(MULTIDB_BEFORE)
    tree = rewrite_tree([tmp_path], FLASK_VIAL)
    assert [f.path.name for f in tree.changed] == ["script.py.mako"]
    assert path.read_text() == MULTIDB_BEFORE.replace(
        "    from flask import current_app", "    from vial import current_app"
    )
    assert tree.findings == []


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        (
            "models.py.j2",
            "{# generated #}\nimport flask\n{% for m in models %}\napp = flask.Flask({{ m|repr }})\n{% endfor %}\n",
            "{# generated #}\nimport vial\n{% for m in models %}\napp = vial.Flask({{ m|repr }})\n{% endfor %}\n",
        ),
        (
            "app.py.jinja",
            "from flask import {{ names|join(', ') }}\n",
            "from vial import {{ names|join(', ') }}\n",
        ),
        (
            "env.py.mako",
            "from flask import current_app\nconfig = ${config}\ncurrent_app.logger\n",
            "from vial import current_app\nconfig = ${config}\ncurrent_app.logger\n",
        ),
    ],
)
def test_templates_of_python(name: str, before: str, after: str) -> None:
    [result] = rewrite_items([(f"pkg/templates/{name}", before.encode())], FLASK_VIAL)
    assert result.status == "changed"
    assert result.new_bytes == after.encode()
    # Idempotent and deterministic like every rewrite.
    [again] = rewrite_items([(f"pkg/templates/{name}", after.encode())], FLASK_VIAL)
    assert again.status == "unchanged"


def test_template_leftovers_are_reported() -> None:
    """A mention outside an import statement cannot be settled: reported with its line."""
    [result] = rewrite_items(
        [("t/x.py.j2", b"import flask\nNAME = 'flask'\n{{ flask_thing }}\n")], FLASK_VIAL
    )
    assert result.new_bytes == b"import vial\nNAME = 'flask'\n{{ flask_thing }}\n"
    assert [(f.line, f.kind) for f in result.findings] == [(2, "file")]


def test_untouched_template_is_byte_identical(tmp_path: Path) -> None:
    data = b"<%! import re %>\nimport os\r\n${x}\n"
    (tmp_path / "script.py.mako").write_bytes(data)
    tree = rewrite_tree([tmp_path], FLASK_VIAL)
    assert tree.changed == []
    assert (tmp_path / "script.py.mako").read_bytes() == data


def test_other_mako_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini.mako").write_text("[alembic]\nscript_location = flask_app\n# flask\n")
    tree = rewrite_tree([tmp_path], FLASK_VIAL)
    assert [(f.line, f.kind) for f in tree.findings] == [(3, "file")]


def test_template_names() -> None:
    assert is_template("script.py.mako") and is_template("models.py.j2")
    assert is_template("stub.pyi.jinja2")
    assert not is_template("alembic.ini.mako") and not is_template("page.html.j2")
