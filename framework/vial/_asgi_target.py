"""What ``vial run --asgi --reload`` tells the ASGI server to import: the app, found again.

The server's reloader starts a fresh process for every change and imports ``app`` from
here, so the app is looked up as the command line did (``VIAL_APP``, set from ``--app``,
or ``wsgi.py``/``app.py`` in the working directory).
"""

from __future__ import annotations

import os

from .asgi_serving import APP_VARIABLE
from .cli import ScriptInfo

app = ScriptInfo(app_import_path=os.environ.get(APP_VARIABLE) or None).load_app()
