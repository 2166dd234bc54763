"""An app with async views, served by real servers in the async tests."""

from __future__ import annotations

import asyncio
import os

from vial import Vial, g, request

app = Vial(__name__)


@app.before_request
async def remember_the_query() -> None:
    g.number = request.args.get("i", "")


@app.route("/async")
async def async_view() -> str:
    await asyncio.sleep(float(os.environ.get("ASYNC_VIEW_DELAY", "0.05")))
    return f"async {g.number} {request.args.get('i', '')}"


@app.route("/sync")
def sync_view() -> str:
    return "sync"
