"""Capture each operation's 200 example for the OpenAPI document from the sandbox.

Run from the repository root after an API change:
``.venv/bin/python scripts/capture_openapi_examples.py``, then ``.venv/bin/action-gateway openapi``.
The answers are real sandbox answers, trimmed (long lists shortened) and with volatile values
(event ids, timestamps) fixed, so the file is stable; tests/api/test_openapi_document.py checks
every example against its schema.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from action_gateway.app import create_app
from action_gateway.config import ActionsConfig
from action_gateway.settings import Settings
from action_gateway_sandbox.connections import build_sandbox

OUTPUT = Path("src/action_gateway/api/openapi_examples.json")
FIXED_TIME = "2026-11-24T09:30:00Z"
CANCEL_AND_REFUND = {
    "connection": "sandbox-shopify",
    "action": "cancel_and_refund_order",
    "target": {"order_id": "5500001001"},
    "input": {"reason": "customer", "notify_customer": True},
    "context": {"agent_id": "agent-42", "conversation_id": "conv-1"},
}
"""The previewed and then performed action of the examples."""


def _trim(value: Any, depth: int = 0) -> Any:
    if isinstance(value, list):
        keep = 2 if depth > 0 else 3
        return [_trim(item, depth + 1) for item in value[:keep]]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "id" and isinstance(item, str) and item.startswith("evt_"):
                item = "evt_5f1b2c3d4e5f40718293a4b5c6d7e8f9"
            elif key in ("occurred_at",) and isinstance(item, str):
                item = FIXED_TIME
            out[key] = _trim(item, depth + 1)
        return out
    return value


async def capture() -> dict[str, Any]:
    app = create_app(Settings(config=None))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answers: dict[str, Any] = {}

            async def take(operation: str, method: str, url: str, **kwargs: Any) -> None:
                response = await client.request(method, url, **kwargs)
                assert response.status_code == 200, (operation, response.text)
                answers[operation] = _trim(response.json())

            await take("listPlatforms", "GET", "/v1/platforms")
            await take("getEligibilityMatrix", "GET", "/v1/platforms/shopify/eligibility")
            await take(
                "evaluateEligibility",
                "POST",
                "/v1/eligibility",
                json={
                    "platform": "shopify",
                    "resource": {
                        "type": "order",
                        "financial_status": "paid",
                        "fulfillment_status": "unfulfilled",
                        "cancelled": False,
                    },
                },
            )
            await take("listConnections", "GET", "/v1/connections")
            await take(
                "findCustomers",
                "GET",
                "/v1/customers",
                params={"email": "ava.lindqvist@example.com"},
            )
            shopify = next(
                r for r in answers["findCustomers"]["results"] if r["platform"] == "shopify"
            )
            customer_id = shopify["customers"][0]["id"]
            await take(
                "listCustomerOrders",
                "GET",
                f"/v1/connections/sandbox-shopify/customers/{customer_id}/orders",
                params={"limit": 2},
            )
            await take("getOrder", "GET", "/v1/connections/sandbox-shopify/orders/5500001001")
            await take(
                "findOrderByName",
                "GET",
                "/v1/connections/sandbox-shopify/orders",
                params={"name": "#1001"},
            )
            await take(
                "getSubscription",
                "GET",
                "/v1/connections/sandbox-recharge/subscriptions/66300101",
            )
            await take(
                "previewAction",
                "POST",
                "/v1/actions/preview",
                json=CANCEL_AND_REFUND,
            )
            await take(
                "performAction",
                "POST",
                "/v1/actions",
                headers={"Idempotency-Key": str(uuid.uuid4())},
                json=CANCEL_AND_REFUND,
            )
    answers["decideApproval"] = _trim(await _approved())
    return answers


async def _approved() -> Any:
    """A partial refund above its agent's ceiling, approved by a lead (a sandbox with ceilings)."""
    sandbox = build_sandbox()
    ceilings = ActionsConfig.model_validate(
        {"refund_ceilings": {"partial_refund_order": {"*": "20.00", "lead": "500.00"}}}
    )
    connections = [
        c.model_copy(update={"actions": ceilings}) if c.id == "sandbox-shopify" else c
        for c in sandbox.config.connections
    ]
    config = sandbox.config.model_copy(update={"connections": connections})
    app = create_app(Settings(config=None), config=config, sandbox=sandbox)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            refused = await client.post(
                "/v1/actions",
                headers={"Idempotency-Key": str(uuid.uuid4())},
                json={
                    **CANCEL_AND_REFUND,
                    "action": "partial_refund_order",
                    "input": {"reason": "customer", "amount": "25.00"},
                    "context": {"agent_id": "agent-7", "agent_roles": ["support"]},
                },
            )
            assert refused.status_code == 403, refused.text
            approved = await client.post(
                "/v1/approvals",
                headers={"Idempotency-Key": str(uuid.uuid4())},
                json={
                    "token": refused.json()["approval"]["token"],
                    "decision": "approve",
                    "context": {"agent_id": "agent-9", "agent_roles": ["lead"]},
                },
            )
            assert approved.status_code == 200, approved.text
            return approved.json()


if __name__ == "__main__":
    answers = asyncio.run(capture())
    OUTPUT.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(answers)} operations)")
