"""The HTTP transport under each connection's ``httpx.AsyncClient``, chosen by a setting.

The adapters and the chokepoint (:mod:`._http`) speak httpx only; what moves the bytes is a
transport:

* ``httpx``: httpx's own (httpcore) connection pool.
* ``aiohttp``: :class:`AiohttpTransport`, httpx's API over an ``aiohttp`` connection pool,
  several times faster under concurrency on this kind of machine (``make bench``,
  BENCHMARKS.md; encode/httpx#3215).

Whatever moves the bytes, a failure must reach the chokepoint as the httpx exception that says
whether the request may have reached the platform, because that decides whether a write is
retried (money moved twice) or not:

    before any byte was sent     ConnectError, ConnectTimeout            (retried)
    after the request was sent   ReadTimeout, ReadError, RemoteProtocolError (a write is not)

:class:`AiohttpTransport` maps aiohttp's errors to those classes itself rather than using the
``httpx-aiohttp`` package: that package maps every ``ClientConnectionError`` it does not know
better, a connection reset or a server that disconnected after reading the request included,
to ``ConnectTimeout``, which would have the chokepoint re-send a refund that may have run
(``tests/platforms/test_transport.py`` pins the mapping against a real socket).
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.request
from typing import Literal

import aiohttp
import httpx
import yarl

TransportName = Literal["httpx", "aiohttp"]
"""The values of ``Settings.http_transport``."""


def build_transport(name: TransportName, *, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """A fresh transport of the named kind: one per connection, closed with its client."""
    if name == "aiohttp":
        return AiohttpTransport(limits=limits)
    return httpx.AsyncHTTPTransport(limits=limits)


def _translate(exc: Exception) -> httpx.TransportError:
    """The httpx exception for an aiohttp failure, by whether the request may have been sent.

    Order matters: the connect-phase classes are subclasses of the generic ones below them.
    Anything not known to fail before sending is reported as failing after it.
    """
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)  # connecting, or waiting for a pooled connection
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message)  # refused, unreachable, DNS, TLS handshake
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)  # never sent
    if isinstance(exc, aiohttp.ServerTimeoutError | TimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(message)  # closed before a complete answer
    if isinstance(exc, aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message)  # an answer that is not HTTP
    return httpx.ReadError(message)  # reset, broken pipe, ...: it may have been sent


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent through one ``aiohttp.ClientSession`` (created on first use).

    The answer is read whole before it is handed back (the gateway never streams), so every
    failure, headers or body, is translated here. Timeouts come per request from httpx's
    ``timeout`` extension: ``connect`` bounds connecting, ``pool`` waiting for a connection plus
    connecting, ``read`` each wait for bytes of the answer (as httpcore does). Cookies are
    httpx's to keep (aiohttp's jar is off), and so is decompression.

    When every connection is busy, requests wait their turn: aiohttp's connector (and
    httpcore's pool) hand a freed connection to whichever request asks first, so a caller
    sending back to back keeps taking it while another waits until its deadline (measured:
    6 s waits behind 0.2 s requests). A FIFO semaphore of ``max_connections`` in front of the
    pool serves waiters in arrival order; not getting a place within ``pool`` seconds is
    ``httpx.PoolTimeout`` (nothing was sent).
    """

    def __init__(
        self,
        *,
        limits: httpx.Limits | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._limits = limits or httpx.Limits()
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None
        limit = self._limits.max_connections
        self._turns = asyncio.Semaphore(limit) if limit else None
        # HTTP(S)_PROXY / NO_PROXY, read once as httpx's own transport does (aiohttp's
        # trust_env would read them, and ~/.netrc, in a thread on every request).
        self._proxies = urllib.request.getproxies_environment()

    def _proxy_for(self, url: httpx.URL) -> str | None:
        if not self._proxies or urllib.request.proxy_bypass(url.host):  # NO_PROXY
            return None
        return self._proxies.get(url.scheme) or self._proxies.get("all")

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,  # None or 0: no limit, for both
            keepalive_timeout=self._limits.keepalive_expiry,  # None: never, for both
            ssl=self._ssl or httpx.create_ssl_context(),
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        session = self._session
        limits: dict[str, float | None] = request.extensions.get("timeout", {})
        pool_timeout = limits.get("pool")
        if self._turns is None:
            return await self._send(session, request, limits, pool_timeout)
        waiting_since = time.monotonic()
        try:
            async with asyncio.timeout(pool_timeout):
                await self._turns.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection became free in time") from None
        try:
            if pool_timeout is not None:  # what is left of it bounds connecting
                pool_timeout = max(0.0, pool_timeout - (time.monotonic() - waiting_since))
            return await self._send(session, request, limits, pool_timeout)
        finally:
            self._turns.release()

    async def _send(
        self,
        session: aiohttp.ClientSession,
        request: httpx.Request,
        limits: dict[str, float | None],
        pool_timeout: float | None,
    ) -> httpx.Response:
        body = await request.aread()
        try:
            async with session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),  # httpx's bytes, not re-quoted
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                compress=False,
                proxy=self._proxy_for(request.url),
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=pool_timeout,
                    sock_connect=limits.get("connect"),
                    sock_read=limits.get("read"),
                ),
            ) as answer:
                content = await answer.read()
                status, headers, reason = answer.status, answer.raw_headers, answer.reason
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _translate(exc) from exc
        extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
        if reason:
            extensions["reason_phrase"] = reason.encode("latin-1", "replace")
        return httpx.Response(
            status,
            headers=list(headers),
            stream=httpx.ByteStream(content),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
