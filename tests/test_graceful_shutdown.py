"""Graceful shutdown: on SIGTERM the server stops accepting, finishes in-flight actions, exits.

The sandbox runs as a real process with every simulated platform answering after a delay
(``ACTION_GATEWAY_SANDBOX_LATENCY_SECONDS``), so a cancel-and-refund takes a few seconds.
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from action_gateway_sandbox.connections import SANDBOX_LATENCY_ENV
from tests.e2e_server import gateway_process
from tests.helpers import sandbox_order_action

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

LATENCY_SECONDS = 0.4
PAID_UNFULFILLED = "5500001001"  # Shopify sandbox order #1001


def _refuses_connections(base_url: str) -> bool:
    url = urlsplit(base_url)
    assert url.hostname is not None
    assert url.port is not None
    try:
        with socket.create_connection((url.hostname, url.port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def _wait_for(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_sigterm_lets_the_in_flight_action_finish(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    env = {
        SANDBOX_LATENCY_ENV: str(LATENCY_SECONDS),
        "ACTION_GATEWAY_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    with gateway_process(log_path, env=env) as (base_url, process):
        responses: list[httpx.Response] = []

        def act() -> None:
            with httpx.Client(base_url=base_url, timeout=60) as client:
                responses.append(
                    client.post(
                        "/v1/actions",
                        json=sandbox_order_action(
                            "cancel_and_refund_order", PAID_UNFULFILLED, {"reason": "customer"}
                        ),
                        headers={"Idempotency-Key": str(uuid.uuid4())},
                    )
                )

        in_flight = threading.Thread(target=act)
        in_flight.start()
        # The action has started once the server logs its first upstream request.
        _wait_for(lambda: '"upstream_request"' in log_path.read_text(), "the action to start")
        assert in_flight.is_alive()

        process.send_signal(signal.SIGTERM)

        # New connections are refused while the action is still running ...
        _wait_for(lambda: _refuses_connections(base_url), "the listener to close", timeout=5)
        assert in_flight.is_alive(), "the action finished before the check; raise the latency"

        # ... and the in-flight action completes, then the process exits cleanly.
        in_flight.join(timeout=30)
        assert not in_flight.is_alive()
        [response] = responses
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "succeeded"
        assert process.wait(timeout=15) == 0, log_path.read_text()

    assert "Waiting for connections to close" in log_path.read_text()
