"""Canned Shopify answers for the stand-in, captured from the sandbox simulator.

The gateway runs in process against the sandbox's Shopify simulator and performs what the
benchmark will ask of it (an order read, a refund with its state read and re-read, a customer
profile); the first answer to each GraphQL ``operationName`` is kept. The first is the one from
before the refund, so the stand-in's order stays refundable on every request.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from action_gateway.app import create_app
from action_gateway.settings import Settings
from action_gateway_sandbox.connections import SANDBOX_SHOPIFY_CONNECTION, build_sandbox

ORDER_ID = "5500001001"  # PAID, unfulfilled: refundable
CUSTOMER_EMAIL = "ava.lindqvist@example.com"
REFUND_BODY: dict[str, Any] = {
    "connection": SANDBOX_SHOPIFY_CONNECTION,
    "action": "refund_order",
    "target": {"order_id": ORDER_ID},
    "input": {"reason": "customer", "note": "benchmark", "notify_customer": False},
    "context": {"agent_id": "bench", "agent_roles": ["support"], "conversation_status": "open"},
}


class Recording(httpx.AsyncBaseTransport):
    """Passes requests to the simulator and keeps the first answer per operationName."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answers: dict[str, Any] = {}
        self.sequence: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        operation = json.loads(await request.aread())["operationName"]
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.sequence.append(operation)
        self.answers.setdefault(operation, json.loads(body))
        return httpx.Response(response.status_code, headers=response.headers, content=body)


async def capture() -> tuple[dict[str, Any], list[str]]:
    sandbox = build_sandbox()
    recording = Recording(sandbox.transports[SANDBOX_SHOPIFY_CONNECTION])
    transports = {**sandbox.transports, SANDBOX_SHOPIFY_CONNECTION: recording}
    config = sandbox.config.model_copy(
        update={
            "connections": [
                c for c in sandbox.config.connections if c.id == SANDBOX_SHOPIFY_CONNECTION
            ]
        }
    )
    app = create_app(Settings(config=None), config=config, transports=transports)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as gw,
    ):
        order = await gw.get(f"/v1/connections/{SANDBOX_SHOPIFY_CONNECTION}/orders/{ORDER_ID}")
        order.raise_for_status()
        profile = await gw.get("/v1/customers", params={"email": CUSTOMER_EMAIL})
        profile.raise_for_status()
        refund = await gw.post(
            "/v1/actions", json=REFUND_BODY, headers={"Idempotency-Key": "bench-capture"}
        )
        refund.raise_for_status()
        if refund.json()["status"] != "succeeded":
            raise RuntimeError(f"the sandbox refund did not succeed: {refund.text}")
    return recording.answers, recording.sequence


def write_canned(path: Path) -> list[str]:
    """Write the answers to ``path``; returns the refund's sequence of operations."""
    answers, sequence = asyncio.run(capture())
    path.write_text(json.dumps(answers), encoding="utf-8")
    return sequence
