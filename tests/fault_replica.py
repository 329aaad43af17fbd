"""The fault suite's wiring: simulators served over HTTP, gateway replicas as OS processes.

The test process keeps the one set of platform simulators (their ledgers are what the suite
checks) and serves them on loopback with :func:`serving_simulators`: ``/<connection-id>`` +
the platform's original path and query, with the platform's original scheme and host in
``X-Fault-Origin``. The stand-in rebuilds the original request (method, URL on the platform's
own host, headers with the token, body) and calls ``simulator.handle``. A simulator's fault may
*raise* an httpx transport error (a connection dropped before or after the platform executed);
that cannot cross a socket as such, so it is answered as status 599 with ``X-Fault-Error``
naming the exception class.

Each gateway replica is this module run as a script (``python -m tests.fault_replica``, started
by :func:`gateway_replicas`): the same ``GatewayConfig`` (tokens carried per connection id in
environment variables, never printed), the shared Redis, the suite's deadline and breaker
cool-down, and per connection a :class:`ForwardingTransport` to the stand-in that raises the
named httpx exception again when it sees the mark. The gateway code itself is unchanged: only
its transports are injected, as the in-process sandbox does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, BinaryIO

import httpx

FAULT_STATUS = 599
FAULT_HEADER = "X-Fault-Error"
ORIGIN_HEADER = "X-Fault-Origin"

CONFIG_ENV = "FAULT_REPLICA_CONFIG"
TOKEN_ENV_PREFIX = "FAULT_REPLICA_TOKEN_"
STAND_IN_ENV = "FAULT_REPLICA_STAND_IN"
REDIS_ENV = "FAULT_REPLICA_REDIS_URL"
PORT_ENV = "FAULT_REPLICA_PORT"
DEADLINE_ENV = "FAULT_REPLICA_DEADLINE_SECONDS"
COOLDOWN_ENV = "FAULT_REPLICA_BREAKER_COOLDOWN_SECONDS"

KEEP_ALIVE_SECONDS = 120  # longer than the run: no idle connection is closed under a request
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0

REPO_ROOT = Path(__file__).resolve().parent.parent

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def token_env(connection_id: str) -> str:
    return TOKEN_ENV_PREFIX + connection_id.upper().replace("-", "_")


# --- the stand-in: the test process's simulators over HTTP -----------------------------------


def stand_in_app(
    simulators: Mapping[str, Any], errors: list[str]
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app routing ``/<connection-id>/...`` to that connection's simulator.

    An exception other than an httpx transport error (a simulator refusing what it was sent)
    is noted in ``errors`` and answered 500: in process it would have reached the gateway.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        parts = raw_path.split(b"/", 2)  # b"", connection id, the platform's path
        simulator = simulators.get(parts[1].decode("latin-1")) if len(parts) == 3 else None
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name.lower() not in (b"host", ORIGIN_HEADER.lower().encode())
        ]
        origin = dict(scope["headers"]).get(ORIGIN_HEADER.lower().encode())
        if simulator is None or origin is None:
            await _answer(send, 404, [], b"no such connection")
            return
        query: bytes = scope.get("query_string") or b""
        target = origin + b"/" + parts[2] + (b"?" + query if query else b"")
        url = httpx.URL(target.decode("ascii"))
        request = httpx.Request(
            scope["method"], url, headers=[(b"Host", url.netloc), *headers], content=body
        )
        try:
            response = await simulator.handle(request)
        except httpx.TransportError as exc:
            await _answer(
                send, FAULT_STATUS, [(FAULT_HEADER.encode(), type(exc).__name__.encode())]
            )
            return
        except Exception as exc:
            errors.append(f"{scope['method']} {url}: {type(exc).__name__}: {exc}")
            await _answer(send, 500, [], b"stand-in: the simulator raised")
            return
        content = await response.aread()
        kept = [
            (name, value)
            for name, value in response.headers.raw
            if name.lower() not in (b"content-length", b"transfer-encoding", b"connection")
        ]
        await _answer(send, response.status_code, kept, content)

    return app


async def _answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def serving_simulators(
    simulators: Mapping[str, Any],
) -> AsyncIterator[tuple[str, list[str]]]:
    """Serve ``simulators`` on loopback from this event loop; yield (base URL, errors)."""
    from tests.e2e_server import serving_app

    errors: list[str] = []
    async with serving_app(
        stand_in_app(simulators, errors),
        lifespan="off",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=5,
    ) as base_url:
        yield base_url, errors


# --- a gateway replica: one OS process ------------------------------------------------------


def _transport_error(name: str) -> type[httpx.TransportError]:
    error = getattr(httpx, name, None)
    if isinstance(error, type) and issubclass(error, httpx.TransportError):
        return error
    raise RuntimeError(f"the stand-in named no httpx transport error: {name!r}")


class ForwardingTransport(httpx.AsyncBaseTransport):
    """Sends a connection's requests to the stand-in; a 599 mark raises the named error."""

    def __init__(self, stand_in: str, connection_id: str) -> None:
        self._stand_in = httpx.URL(stand_in)
        self._prefix = f"/{connection_id}".encode()
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        headers = [(name, value) for name, value in request.headers.raw if name.lower() != b"host"]
        forwarded = httpx.Request(
            request.method,
            self._stand_in.copy_with(raw_path=self._prefix + request.url.raw_path),
            # Given a stream, httpx adds no Host header: name the stand-in's (Content-Length
            # comes with the original headers).
            headers=[
                (b"Host", self._stand_in.netloc),
                *headers,
                (ORIGIN_HEADER.encode(), origin.encode()),
            ],
            stream=request.stream,
            extensions=request.extensions,
        )
        response = await self._inner.handle_async_request(forwarded)
        error = response.headers.get(FAULT_HEADER)
        if response.status_code == FAULT_STATUS and error:
            await response.aclose()
            raise _transport_error(error)(f"simulated fault: {error}", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def replica_env(
    config: Any,
    *,
    stand_in: str,
    redis_url: str,
    port: int,
    deadline_seconds: float,
    breaker_cooldown_seconds: float,
) -> dict[str, str]:
    """The environment a replica reads: the config, and each connection's token apart."""
    env = {
        CONFIG_ENV: config.model_dump_json(),
        STAND_IN_ENV: stand_in,
        REDIS_ENV: redis_url,
        PORT_ENV: str(port),
        DEADLINE_ENV: repr(deadline_seconds),
        COOLDOWN_ENV: repr(breaker_cooldown_seconds),
        "PYTHONUNBUFFERED": "1",
    }
    for connection in config.connections:
        env[token_env(connection.id)] = connection.token.get_secret_value()
        for name, secret in connection.secrets.items():  # a platform's other credentials
            env[f"{token_env(connection.id)}__{name.upper()}"] = secret.get_secret_value()
    return env


@asynccontextmanager
async def gateway_replicas(
    count: int,
    log_dir: Path,
    config: Any,
    *,
    stand_in: str,
    redis_url: str,
    deadline_seconds: float,
    breaker_cooldown_seconds: float,
) -> AsyncIterator[list[str]]:
    """Start ``count`` replica processes, wait for ``/healthz``; yield their base URLs.

    Waits without blocking the event loop (the stand-in serves the replicas from it); stops
    every replica with SIGTERM (then SIGKILL) on the way out, failure or not.
    """
    from tests.e2e_server import free_port

    processes: list[tuple[asyncio.subprocess.Process, Path]] = []
    urls: list[str] = []
    try:
        for number in range(count):
            port = free_port()
            log_path = log_dir / f"replica-{number}.log"
            env = replica_env(
                config,
                stand_in=stand_in,
                redis_url=redis_url,
                port=port,
                deadline_seconds=deadline_seconds,
                breaker_cooldown_seconds=breaker_cooldown_seconds,
            )
            with _open_log(log_path) as log:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.fault_replica",
                    cwd=REPO_ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, **env},
                )
            processes.append((process, log_path))
            urls.append(f"http://127.0.0.1:{port}")
        async with httpx.AsyncClient(timeout=1) as client:
            for (process, log_path), url in zip(processes, urls, strict=True):
                deadline = time.monotonic() + START_TIMEOUT_SECONDS
                while True:
                    if process.returncode is not None:
                        raise RuntimeError(f"a replica exited: {_log_text(log_path)}")
                    with contextlib.suppress(httpx.TransportError):
                        if (await client.get(f"{url}/healthz")).status_code == 200:
                            break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"a replica did not start: {_log_text(log_path)}")
                    await asyncio.sleep(0.05)
        yield urls
    finally:
        for process, _ in processes:
            if process.returncode is None:
                process.terminate()
        for process, _ in processes:
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()


def _open_log(path: Path) -> BinaryIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("wb")


def _log_text(path: Path) -> str:
    return path.read_text(errors="replace")


def main() -> None:
    """One replica: the suite's gateway, its platforms reached through the stand-in."""
    import uvicorn
    from pydantic import SecretStr

    from action_gateway.app import create_app
    from action_gateway.config import GatewayConfig
    from action_gateway.logging import configure_logging
    from action_gateway.platforms._breaker import CircuitBreakers
    from action_gateway.settings import LogFormat, Settings

    env = os.environ
    config = GatewayConfig.model_validate_json(env[CONFIG_ENV])
    config = config.model_copy(
        update={
            "connections": [
                connection.model_copy(
                    update={
                        "access_token": SecretStr(env[token_env(connection.id)]),
                        "secrets": {
                            name.removeprefix(f"{token_env(connection.id)}__").lower(): (
                                SecretStr(value)
                            )
                            for name, value in env.items()
                            if name.startswith(f"{token_env(connection.id)}__")
                        },
                    }
                )
                for connection in config.connections
            ]
        }
    )
    configure_logging(LogFormat.CONSOLE, "warning")
    settings = Settings(
        config=None,
        deadline_seconds=float(env[DEADLINE_ENV]),
        redis_url=SecretStr(env[REDIS_ENV]),
    )
    stand_in = env[STAND_IN_ENV]
    transports: dict[str, httpx.AsyncBaseTransport] = {
        connection.id: ForwardingTransport(stand_in, connection.id)
        for connection in config.connections
    }
    # The app's breakers with a short cool-down, so an opened one does not stall the run.
    breakers = CircuitBreakers(cooldown_seconds=float(env[COOLDOWN_ENV]))
    app = create_app(settings, config=config, transports=transports, breakers=breakers)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(env[PORT_ENV]),
        access_log=False,
        log_level="warning",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=int(float(env[DEADLINE_ENV])) + 5,
    )


if __name__ == "__main__":
    main()
