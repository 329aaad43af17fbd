"""edit_order_tags end to end through the sandbox (the real Shopify adapter against the
simulator): input checks, preview, the change, a lost answer settled by re-reading. The
connection's switches, the metric and the log line: tests/api/test_order_edits.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from action_gateway_sandbox.connections import Sandbox
from tests.helpers import problem_of, running_sandbox

SHOPIFY = "sandbox-shopify"
CANCELLED = "5500001005"  # #1005, already cancelled: tags can still be edited
UNFULFILLED = "5500001007"  # #1007


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, Sandbox]]:
    async with running_sandbox() as (client, sandbox):
        yield client, sandbox


def tags_body(order_id: str, connection: str = SHOPIFY, **data: Any) -> dict[str, Any]:
    return {
        "connection": connection,
        "action": "edit_order_tags",
        "target": {"order_id": order_id},
        "input": data,
        "context": {"agent_id": "agent-7", "agent_roles": ["support"]},
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"add": ["a,b"]}, "add"),
        ({"add": ["x" * 41]}, "add"),
        ({"remove": [""]}, "remove"),
        ({"remove": ["   "]}, "remove"),
        ({}, "input"),
        ({"add": [], "remove": []}, "input"),
        ({"add": ["VIP"], "remove": ["vip"]}, "input"),
        ({"add": ["ok"], "colour": "red"}, "colour"),
    ],
)
async def test_bad_tags_are_422_problems(
    gateway: tuple[httpx.AsyncClient, Sandbox], data: dict[str, Any], loc: str
) -> None:
    client, sandbox = gateway
    response = await client.post("/v1/actions", json=tags_body(UNFULFILLED, **data), headers=key())
    problem = problem_of(response, 422, "validation_error")
    assert any(loc in ".".join(map(str, e["loc"])) for e in problem["errors"]), problem
    assert sandbox.simulators[SHOPIFY].ledger == []


async def test_preview_then_edit_a_cancelled_orders_tags(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, sandbox = gateway
    store = sandbox.simulators[SHOPIFY].store
    store.orders[int(CANCELLED)].tags = ["Gift", "VIP"]

    order = (await client.get(f"/v1/connections/{SHOPIFY}/orders/{CANCELLED}")).json()
    assert order["state"]["cancelled"] is True
    assert order["tags"] == ["Gift", "VIP"]
    assert "edit_order_tags" in order["available_actions"]

    body = tags_body(CANCELLED, add=["vip", "damaged"], remove=["gift"])
    preview = await client.post("/v1/actions/preview", json=body)
    assert preview.status_code == 200, preview.text
    assert preview.json()["summary"] == (
        "Would add “damaged” and remove “Gift” on order #1005; it would be tagged “damaged”, “VIP”."
    )
    assert sandbox.simulators[SHOPIFY].ledger == []

    headers = key()
    done = await client.post("/v1/actions", json=body, headers=headers)
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["status"] == "succeeded"
    assert result["tags"] == {"added": ["damaged"], "removed": ["Gift"], "tags": ["damaged", "VIP"]}
    event = result["timeline_event"]
    assert event["type"] == "order.tags_updated"
    assert event["summary"] == (
        "Tags on order #1005: added “damaged” and removed “Gift”; now tagged “damaged”, “VIP”."
    )
    assert event["details"]["tags"] == ["damaged", "VIP"]
    assert result["resource"]["tags"] == ["damaged", "VIP"]
    assert [(e.operation, e.tags) for e in sandbox.simulators[SHOPIFY].ledger] == [
        ("tagsAdd", ("damaged",)),
        ("tagsRemove", ("Gift",)),  # the order's own casing: tagsRemove is case-sensitive
    ]

    replay = await client.post("/v1/actions", json=body, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == done.content
    assert len(sandbox.simulators[SHOPIFY].ledger) == 2


async def test_a_lost_answer_is_settled_by_re_reading_never_re_sent(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, sandbox = gateway
    simulator = sandbox.simulators[SHOPIFY]
    simulator.faults.drop_after(operation="tagsAdd")  # Shopify adds the tag; the answer is lost
    done = await client.post(
        "/v1/actions", json=tags_body(UNFULFILLED, add=["fragile"]), headers=key()
    )
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["tags"]["added"] == ["fragile"]
    assert any("re-reading the order shows the tags on it" in w for w in result["warnings"])
    assert result["timeline_event"]["details"]["notes"]
    assert [e.operation for e in simulator.ledger] == ["tagsAdd"]


async def test_bigcommerce_does_not_offer_it(gateway: tuple[httpx.AsyncClient, Sandbox]) -> None:
    client, _ = gateway
    body = tags_body("112", connection="sandbox-bigcommerce", add=["vip"])
    response = await client.post("/v1/actions", json=body, headers=key())
    problem_of(response, 422, "action_not_supported")
