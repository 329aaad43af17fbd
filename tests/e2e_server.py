"""Run ``action-gateway serve`` as a real process on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tests.shared_specs import REPO_ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def order_action(action: str, order_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The body of ``action`` on an order, without its connection."""
    return {"action": action, "target": {"order_id": order_id}, "input": data}


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process`` (killed when it does not exit within 10 s) and reap it."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_ready(
    process: subprocess.Popen[bytes], base_url: str, log_path: Path, *, timeout: float
) -> None:
    """Poll ``/readyz`` until it answers 200; fail with the server's log if it exits or stalls."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}): {log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the server did not become ready in {timeout:g} s: {log_path.read_text()}"
            )
        time.sleep(0.1)


@contextmanager
def served_gateway(log_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start the server (the sandbox unless ``--config`` is given) and yield its base URL."""
    with gateway_process(log_path, *args, env=env) as (base_url, _process):
        yield base_url


@contextmanager
def gateway_process(
    log_path: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like :func:`served_gateway`, also yielding the process (to signal it); stops it if alive."""
    port = free_port()
    command = [
        sys.executable, "-m", "action_gateway", "serve", "--host", "127.0.0.1",
        "--port", str(port), *args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(process, base_url, log_path, timeout=30)
            yield base_url, process
        finally:
            stop(process)


SERVER_START_SECONDS = 30.0


@asynccontextmanager
async def serving_app(app: Any, **options: Any) -> AsyncIterator[str]:
    """Serve the ASGI ``app`` with uvicorn on a free loopback port from this event loop (its
    lifespan runs unless ``lifespan="off"``); yield its base URL. ``options`` go to
    ``uvicorn.Config``."""

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # pytest keeps its own SIGINT / SIGTERM handlers

    port = free_port()
    config = uvicorn.Config(
        app,
        **{
            "host": "127.0.0.1",
            "port": port,
            "ws": "none",
            "log_config": None,
            "log_level": "warning",
            "access_log": False,
            **options,
        },
    )
    server = Server(config)
    task = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not server.started:
            if task.done():
                task.result()  # raises why it stopped
                raise RuntimeError("the server stopped at start-up")
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
