"""Both HTTP transports against a real loopback socket: answers, timeouts and failure classes.

The chokepoint retries a write only when the failure proves nothing was sent (ConnectError,
ConnectTimeout); a failure after sending (ReadTimeout, ReadError, RemoteProtocolError) is
never retried for a write. Whatever transport moves the bytes must keep that distinction, so
each misbehaviour is staged by a raw asyncio server and checked under both transports.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from action_gateway.app import create_app
from action_gateway.errors import Outcome, UpstreamUnavailable
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms._http import (
    NOT_SENT_ERRORS,
    RequestKind,
    RetryPolicy,
    UpstreamRequest,
    send,
)
from action_gateway.platforms._transport import AiohttpTransport, TransportName, build_transport
from action_gateway.platforms.base import ActionCall
from action_gateway.settings import Settings

TRANSPORTS: tuple[TransportName, ...] = ("httpx", "aiohttp")
BODY = json.dumps({"data": {"ok": True}}).encode()


class Staged:
    """A loopback HTTP/1.1 server whose answer depends on the request path."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                target = head.split(b" ", 2)[1].decode()
                self.requests.append(target)
                if not await self._answer(target.split("?")[0], writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, path: str, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection is to end here."""
        ok = (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"x-request-id: up-1\r\ncontent-length: %d\r\n\r\n%s" % (len(BODY), BODY)
        )
        if path == "/ok":
            writer.write(ok)
            await writer.drain()
            return True
        if path == "/hold":  # a short wait, then the answer on a kept-alive connection
            await asyncio.sleep(0.1)
            writer.write(ok)
            await writer.drain()
            return True
        if path == "/slow":
            await asyncio.sleep(2)
            writer.write(ok)
            return False
        if path == "/reset":  # read the request, then RST: it may have been executed
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if path == "/partial":  # headers and part of the body, then the connection ends
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n" + BODY[:10])
            await writer.drain()
            return False
        if path == "/garbage":
            writer.write(b"THIS IS NOT HTTP\r\n\r\n")
            await writer.drain()
            return False
        return False  # "/close": read the request and hang up without a word


@pytest.fixture
async def staged() -> AsyncIterator[Staged]:
    server = Staged()
    await server.start()
    yield server
    await server.stop()


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/ok"  # nothing listens there any more


@pytest.fixture
def unaccepting_url() -> Iterator[str]:
    """A port whose accept queue is full: a SYN gets no answer, so connecting times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # the kernel queues backlog + 1; the rest hang in SYN_SENT
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/ok"
    for filler in fillers:
        filler.close()
    listener.close()


def client(name: TransportName) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=build_transport(name, limits=httpx.Limits()))


async def get(name: TransportName, url: str, limits: httpx.Timeout) -> httpx.Response:
    async with client(name) as http:
        return await http.post(url, json={"query": "{ ok }"}, timeout=limits)


QUICK = httpx.Timeout(0.3, connect=0.3)


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_an_answer_reads_the_same_through_both(name: TransportName, staged: Staged) -> None:
    async with client(name) as http:
        first = await http.post(staged.url("/ok"), json={"a": 1}, headers={"X-Token": "t"})
        second = await http.post(staged.url("/ok"), json={"a": 2})
    assert first.status_code == 200
    assert first.json() == {"data": {"ok": True}}
    assert first.headers["x-request-id"] == "up-1"
    assert first.headers["content-type"] == "application/json"
    assert second.json() == first.json()
    assert staged.requests == ["/ok", "/ok"]


async def test_both_send_the_same_request_target(staged: Staged) -> None:
    """Query values travel as httpx encoded them (a phone's "+", an email's "@")."""
    params = {"phone": "+1 415 555 0101", "email": "a+b@example.com", "q": "name:#1001 é"}
    for name in TRANSPORTS:
        async with client(name) as http:
            await http.get(staged.url("/ok"), params=params)
    httpx_target, aiohttp_target = staged.requests
    assert aiohttp_target == httpx_target
    assert "%2B1" in httpx_target


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_a_per_request_read_timeout_fires(name: TransportName, staged: Staged) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        await get(name, staged.url("/slow"), httpx.Timeout(0.2, connect=1.0))
    assert time.monotonic() - started < 1.5  # the 0.2 s of this request, not a default
    assert staged.requests == ["/slow"]


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_a_refused_connection_is_a_connect_error(name: TransportName) -> None:
    with pytest.raises(httpx.ConnectError) as raised:
        await get(name, refused_url(), QUICK)
    assert isinstance(raised.value, NOT_SENT_ERRORS)


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_an_unanswered_connect_is_a_connect_timeout(
    name: TransportName, unaccepting_url: str
) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ConnectTimeout) as raised:
        await get(name, unaccepting_url, httpx.Timeout(5.0, connect=0.3))
    assert isinstance(raised.value, NOT_SENT_ERRORS)
    assert time.monotonic() - started < 2.0


# After the request was sent: the same class as httpx's own transport raises, none "not sent".
AFTER_SENDING: dict[str, type[httpx.TransportError] | tuple[type[httpx.TransportError], ...]] = {
    "/close": httpx.RemoteProtocolError,
    # A reset can reach the client while it is still writing (a loaded machine): WriteError,
    # which is as much "may have been sent" as ReadError.
    "/reset": (httpx.ReadError, httpx.WriteError),
    "/partial": httpx.RemoteProtocolError,
    "/garbage": httpx.RemoteProtocolError,
}


@pytest.mark.parametrize("name", TRANSPORTS)
@pytest.mark.parametrize("path", sorted(AFTER_SENDING))
async def test_a_failure_after_sending_is_never_a_connect_failure(
    name: TransportName, path: str, staged: Staged
) -> None:
    with pytest.raises(httpx.TransportError) as raised:
        await get(name, staged.url(path), QUICK)
    assert isinstance(raised.value, AFTER_SENDING[path]), repr(raised.value)
    assert not isinstance(raised.value, NOT_SENT_ERRORS)
    assert staged.requests == [path]


def no_sleep_policy() -> RetryPolicy:
    async def sleep(_: float) -> None:
        return None

    return RetryPolicy(max_attempts=3, attempt_timeout=0.5, connect_timeout=0.3, sleep=sleep)


def write(url: str) -> UpstreamRequest:
    return UpstreamRequest(
        platform="shopify",
        connection="transport-test",
        operation="RefundCreate",
        kind=RequestKind.WRITE,
        method="POST",
        url=url,
        json={"query": "mutation { refundCreate }"},
    )


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_the_chokepoint_never_resends_a_write_that_may_have_run(
    name: TransportName, staged: Staged
) -> None:
    call = ActionCall.within(10)
    async with client(name) as http:
        with pytest.raises(UpstreamUnavailable) as raised:
            await send(
                http,
                write(staged.url("/reset")),
                call=call,
                interpret=lambda r: r.text,
                policy=no_sleep_policy(),
                breakers=CircuitBreakers(),
            )
    assert staged.requests == ["/reset"]  # sent once, never again
    assert raised.value.extensions["outcome"] is Outcome.UNKNOWN
    assert call.write_may_have_run


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_the_chokepoint_retries_a_write_that_never_left(name: TransportName) -> None:
    call = ActionCall.within(10)
    async with client(name) as http:
        with pytest.raises(UpstreamUnavailable) as raised:
            await send(
                http,
                write(refused_url()),
                call=call,
                interpret=lambda r: r.text,
                policy=no_sleep_policy(),
                breakers=CircuitBreakers(),
            )
    assert call.attempts == 3
    assert raised.value.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert not call.write_may_have_run


async def test_the_aiohttp_transport_closes_its_session(staged: Staged) -> None:
    transport = AiohttpTransport()
    async with httpx.AsyncClient(transport=transport) as http:
        assert (await http.get(staged.url("/ok"))).status_code == 200
        session = transport._session
        assert session is not None
    assert session.closed
    assert transport._session is None


def test_the_transport_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().http_transport == "aiohttp"
    monkeypatch.setenv("ACTION_GATEWAY_HTTP_TRANSPORT", "httpx")
    assert Settings().http_transport == "httpx"
    monkeypatch.setenv("ACTION_GATEWAY_HTTP_TRANSPORT", "curl")
    with pytest.raises(ValueError, match="http_transport"):
        Settings()


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_the_app_builds_the_chosen_transport_unless_one_is_injected(
    name: TransportName,
) -> None:
    from action_gateway.platforms.registry import PLATFORMS
    from action_gateway_sandbox.connections import build_sandbox

    built: dict[str, httpx.AsyncBaseTransport] = {}

    def recording(factory: Any) -> Any:
        def build(connection: Any, http: httpx.AsyncClient, **options: Any) -> Any:
            built[connection.id] = http._transport
            return factory(connection, http, **options)

        return build

    platforms = {
        p: replace(spec, build_adapter=recording(spec.build_adapter))
        for p, spec in PLATFORMS.items()
    }
    sandbox = build_sandbox(deadline_seconds=15.0, shopify_schema=None)
    injected = dict(sandbox.transports)
    left_out = sandbox.config.connections[0].id
    del injected[left_out]
    app = create_app(
        Settings(config=None, http_transport=name),
        config=sandbox.config,
        transports=injected,
        platforms=platforms,
    )
    expected = AiohttpTransport if name == "aiohttp" else httpx.AsyncHTTPTransport
    async with app.router.lifespan_context(app):
        assert isinstance(built.pop(left_out), expected)
        # The sandbox's own, untouched (inside the platform's signing wrapper, where it has one).
        assert {c: getattr(t, "inner", t) for c, t in built.items()} == injected


def test_the_aiohttp_transport_honours_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("https_proxy", "http_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    assert AiohttpTransport()._proxy_for(httpx.URL("https://shop.myshopify.com/x")) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://egress.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    transport = AiohttpTransport()
    assert transport._proxy_for(httpx.URL("https://shop.myshopify.com/x")) == (
        "http://egress.internal:3128"
    )
    assert transport._proxy_for(httpx.URL("https://127.0.0.1:8443/x")) is None


async def test_a_full_pool_serves_waiting_requests_in_turn(staged: Staged) -> None:
    """Three callers back to back on two connections: none waits for long (no barging past it).

    Only the aiohttp transport: httpcore's pool lets the caller that frees a connection take it
    again, so under the httpx transport the third caller here waits the whole 1.5 s.
    """
    durations: list[float] = []
    transport = build_transport("aiohttp", limits=httpx.Limits(max_connections=2))
    async with httpx.AsyncClient(transport=transport) as http:

        async def caller() -> None:
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                started = time.monotonic()
                answer = await http.get(staged.url("/hold"), timeout=5.0)
                assert answer.status_code == 200
                durations.append(time.monotonic() - started)

        await asyncio.gather(caller(), caller(), caller())
    # Each request holds a connection 0.1 s; in turn, a wait is one other request at most.
    assert len(durations) >= 15
    assert max(durations) < 0.6, sorted(durations)[-5:]


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_no_free_connection_in_time_is_a_pool_timeout(
    name: TransportName, staged: Staged
) -> None:
    transport = build_transport(name, limits=httpx.Limits(max_connections=1))
    async with httpx.AsyncClient(transport=transport) as http:
        holder = asyncio.create_task(http.get(staged.url("/slow"), timeout=5.0))
        await asyncio.sleep(0.2)
        with pytest.raises(httpx.PoolTimeout) as raised:
            await http.get(staged.url("/ok"), timeout=httpx.Timeout(5.0, pool=0.3))
        assert isinstance(raised.value, NOT_SENT_ERRORS)  # nothing was sent: safe to retry
        assert staged.requests == ["/slow"]
        holder.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await holder
