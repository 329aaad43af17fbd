"""A real ``redis-server`` on a free loopback port, started and stopped by the tests.

Without the binary the tests that need it skip with a reason; with
ACTION_GATEWAY_REQUIRE_REDIS=1 (set by .ci/run, whose ``make test`` installs Debian's
redis-server) the absence is a failure instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e_server import free_port, stop


def redis_server_binary() -> str:
    """The path of ``redis-server``, or skip (fail in CI) without it."""
    path = shutil.which("redis-server")
    if path is not None:
        return path
    reason = (
        "redis-server is not on PATH: install it (`apt-get install redis-server`; "
        "`make test` does) to test the Redis idempotency store"
    )
    if os.environ.get("ACTION_GATEWAY_REQUIRE_REDIS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _answers_ping(port: int, password: str | None) -> bool:
    command = b""
    if password is not None:
        secret = password.encode()
        command += b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (len(secret), secret)
    command += b"*1\r\n$4\r\nPING\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(command)
            received = b""
            while b"PONG" not in received:
                chunk = sock.recv(256)
                if not chunk:
                    return False
                received += chunk
            return True
    except OSError:
        return False


@contextmanager
def running_redis(workdir: Path, *, password: str | None = None) -> Iterator[str]:
    """Start ``redis-server`` (no persistence, loopback only) and yield its URL."""
    binary = redis_server_binary()
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(workdir),
    ]  # fmt: skip
    if password is not None:
        command += ["--requirepass", password]
    log_path = workdir / "redis-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 15
            while not _answers_ping(port, password):
                if process.poll() is not None:
                    raise RuntimeError(f"redis-server exited: {log_path.read_text()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {log_path.read_text()}")
                time.sleep(0.05)
            auth = f":{password}@" if password is not None else ""
            yield f"redis://{auth}127.0.0.1:{port}/0"
        finally:
            stop(process)
