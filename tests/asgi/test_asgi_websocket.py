"""WebSockets against real uvicorn and hypercorn processes, with the ``websockets`` client.

Covers text, bytes and JSON frames, hooks and the session on the handshake, close codes,
refusals before the handshake (a hook's 403, a returned 401), an error after it (1011), a
blueprint route with a subprotocol, and a chat room broadcasting to every client. About
5 s for both servers.
"""

from __future__ import annotations

import asyncio
import json
import typing as t

import httpx
import pytest
import servers
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

pytestmark = pytest.mark.slow


def run(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def session_cookie(server: servers.Server, user: str) -> str:
    with httpx.Client(base_url=server.url) as c:
        c.get("/login", params={"user": user})
        return f"session={c.cookies['session']}"


def test_echo_text_bytes_json_and_close_code(asgi_server: servers.Server) -> None:
    cookie = session_cookie(asgi_server, "ada")

    async def talk() -> tuple[object, ...]:
        async with websockets.connect(
            f"{asgi_server.ws_url}/ws/echo/bob", additional_headers={"Cookie": cookie}
        ) as ws:
            await ws.send("hi")
            text = await ws.recv()
            await ws.send(b"\x01\x02\x03")
            data = await ws.recv()
            await ws.send("json")
            document = await ws.recv()
            await ws.send("close")
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            return text, data, document, closed.value.rcvd

    text, data, document, close = run(talk())
    assert text == "bob: hi"
    assert data == b"\x03\x02\x01"
    # before_request ran for the handshake, on the loop; the session came from the cookie.
    assert json.loads(t.cast(str, document)) == {"g": "MainThread", "name": "bob", "user": "ada"}
    assert close is not None and (close.code, close.reason) == (4001, "asked to")


def test_refused_before_the_handshake(asgi_server: servers.Server) -> None:
    async def connect(path: str, cookie: str | None = None) -> int:
        headers = {"Cookie": cookie} if cookie else {}
        try:
            async with websockets.connect(
                asgi_server.ws_url + path, additional_headers=headers
            ) as ws:
                await ws.recv()
        except InvalidStatus as e:
            return int(e.response.status_code)
        return 101

    assert run(connect("/ws/private")) == 403  # abort(403) in the handler, before accepting
    assert run(connect("/ws/refuse")) == 401  # the handler returned a response
    assert run(connect("/ws/nowhere")) == 404
    assert run(connect("/ws/private", session_cookie(asgi_server, "ada"))) == 101


def test_session_read_by_a_handler(asgi_server: servers.Server) -> None:
    cookie = session_cookie(asgi_server, "grace")

    async def greet() -> object:
        async with websockets.connect(
            f"{asgi_server.ws_url}/ws/private", additional_headers={"Cookie": cookie}
        ) as ws:
            return await ws.recv()

    assert run(greet()) == "hello grace"


def test_error_after_accepting_closes_with_1011(asgi_server: servers.Server) -> None:
    async def fail() -> object:
        async with websockets.connect(f"{asgi_server.ws_url}/ws/fail") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            return closed.value.rcvd

    close = run(fail())
    assert close is not None and close.code == 1011
    assert close.reason == ""  # nothing of the error reaches the client


def test_blueprint_route_and_subprotocol(asgi_server: servers.Server) -> None:
    async def join() -> tuple[object, object]:
        async with websockets.connect(
            f"{asgi_server.ws_url}/rooms/lobby", subprotocols=["chat.v2"]
        ) as ws:
            return await ws.recv(), ws.subprotocol

    message, subprotocol = run(join())
    assert message == "room lobby via rooms"
    assert subprotocol == "chat.v2"


def test_http_request_to_a_websocket_route_is_refused(asgi_server: servers.Server) -> None:
    with httpx.Client(base_url=asgi_server.url) as c:
        assert c.get("/ws/echo/bob").status_code == 400


def test_chat_broadcast(asgi_server: servers.Server) -> None:
    """Five clients in one room: every message reaches all of them, in order; one leaves."""

    async def chat() -> list[list[object]]:
        clients = []
        for _ in range(5):
            ws = await websockets.connect(f"{asgi_server.ws_url}/ws/chat")
            await ws.recv()  # {"joined": n}
            clients.append(ws)
        heard: list[list[object]] = [[] for _ in clients]

        async def hear(i: int) -> object:
            message = json.loads(await asyncio.wait_for(clients[i].recv(), 5))
            heard[i].append(message)
            return message

        for i, ws in enumerate(clients):
            await ws.send(f'{{"from": {i}}}')
            # The sender hears its own message last: then everyone has been sent it.
            while await hear(i) != {"from": i}:
                pass
        for i in range(5):
            while len(heard[i]) < 5:
                await hear(i)
        await clients[0].close()
        await clients[1].send('{"from": "after"}')
        for i in range(1, 5):
            await hear(i)
        for ws in clients[1:]:
            await ws.close()
        return heard

    heard = run(chat())
    expected = [{"from": i} for i in range(5)]
    assert heard == [expected] + [[*expected, {"from": "after"}]] * 4
