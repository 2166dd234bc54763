"""A minimal HTTP/1.1 client on asyncio streams, for holding hundreds of requests open.

httpx is used for everything else; this exists because the concurrency tests open
hundreds of connections at once, and the client's own overhead must stay small next to
what the server does. It understands ``Content-Length`` and chunked bodies, nothing more.
"""

from __future__ import annotations

import asyncio
import json
import typing as t


async def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One GET on a fresh connection: ``(status, body)``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        return await read_response(reader)
    finally:
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    if b"content-length" in fields:
        return status, await reader.readexactly(int(fields[b"content-length"]))
    if fields.get(b"transfer-encoding") == b"chunked":
        body = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            if size == 0:
                await reader.readline()
                return status, body
            body += await reader.readexactly(size)
            await reader.readline()
    return status, await reader.read()


async def get_json(port: int, path: str, headers: dict[str, str] | None = None) -> t.Any:
    status, body = await get(port, path, headers)
    assert status == 200, (status, body[:500])
    return json.loads(body)
