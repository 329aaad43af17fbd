"""Catalog, eligibility endpoint, health and the problem+json rendering of routing errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from action_gateway.config import GatewayConfig
from tests.fakes import FakeAdapter, fake_connection
from tests.helpers import SHOPIFY_PAID_UNFULFILLED, running_app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    connection = fake_connection(
        "kustomer-like",
        narrowing={
            "cancel_and_refund_order": {"fulfillment": ["unfulfilled"]},
            "refund_order": {"fulfillment": ["unfulfilled"]},
        },
    )
    config = GatewayConfig(connections=[connection])
    async with running_app(config, adapters={"kustomer-like": FakeAdapter()}) as (client, _):
        yield client


async def _decide(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/eligibility", json=body)
    assert response.status_code == 200, response.text
    return {d["action"]: d for d in response.json()["decisions"]}


async def test_eligibility_shopify_paid_unfulfilled(client: httpx.AsyncClient) -> None:
    decisions = await _decide(client, SHOPIFY_PAID_UNFULFILLED)
    assert decisions["cancel_and_refund_order"]["allowed"] is True
    assert decisions["refund_order"]["allowed"] is True
    assert decisions["cancel_order"]["allowed"] is False
    assert decisions["cancel_order"]["code"] == "status_not_eligible"


async def test_eligibility_unknown_status_fails_closed(client: httpx.AsyncClient) -> None:
    decisions = await _decide(
        client,
        {
            "platform": "shopify",
            "resource": {"type": "order", "financial_status": "mystery", "fulfillment_status": "x"},
        },
    )
    assert not any(d["allowed"] for d in decisions.values())
    assert {d["code"] for d in decisions.values()} == {"unknown_status"}


async def test_eligibility_bigcommerce_and_ordergroove(client: httpx.AsyncClient) -> None:
    bigcommerce = await _decide(
        client, {"platform": "bigcommerce", "resource": {"type": "order", "status_id": 11}}
    )
    allowed = [a for a, d in bigcommerce.items() if d["allowed"]]
    assert allowed == ["cancel_and_refund_order", "edit_order_note"]
    closed = await _decide(
        client,
        {
            "platform": "ordergroove",
            "resource": {"type": "subscription", "live": True},
            "context": {"conversation_status": "closed"},
        },
    )
    assert {d["code"] for d in closed.values()} == {"conversation_not_open"}
    open_ = await _decide(
        client,
        {
            "platform": "ordergroove",
            "resource": {
                "type": "subscription",
                "live": True,
                "prepaid": False,
                "has_next_order": True,
            },
            "context": {"conversation_status": "open"},
        },
    )
    assert all(d["allowed"] for d in open_.values())


async def test_eligibility_with_a_connection_applies_its_narrowing(
    client: httpx.AsyncClient,
) -> None:
    decisions = await _decide(
        client,
        {
            "platform": "shopify",
            "connection": "kustomer-like",
            "resource": {
                "type": "order",
                "financial_status": "paid",
                "fulfillment_status": "fulfilled",
                "cancelled": False,
            },
        },
    )
    assert decisions["cancel_and_refund_order"]["code"] == "narrowed_by_connection"
    assert decisions["refund_order"]["allowed"] is False


@pytest.mark.parametrize(
    "resource",
    [
        {"type": "order", "cancelled": "yes"},
        {"type": "subscription", "live": True},
        {"type": "order", "status_id": "eleven"},
    ],
)
async def test_eligibility_rejects_bad_facts(
    client: httpx.AsyncClient, resource: dict[str, Any]
) -> None:
    response = await client.post(
        "/v1/eligibility", json={"platform": "shopify", "resource": resource}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_catalog_lists_platforms_actions_and_input_schemas(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/platforms")
    platforms = {p["platform"]: p for p in response.json()["platforms"]}

    assert set(platforms) == {"shopify", "bigcommerce", "ordergroove", "recharge", "magento"}
    assert platforms["shopify"]["implemented"] is True
    actions = {a["name"]: a for a in platforms["shopify"]["actions"]}
    assert "reason" in actions["cancel_order"]["input_schema"]["properties"]
    assert actions["create_discount_code"]["resource_type"] == "customer"
    # An action a ceiling limits names the operation that approves it above the ceiling.
    assert actions["cancel_order"]["approval"] is None
    for action, ceiling in (
        ("partial_refund_order", "refund_ceilings"),
        ("issue_store_credit", "compensation_ceilings"),
    ):
        assert actions[action]["approval"] == {
            "ceiling": ceiling,
            "operation_id": "decideApproval",
            "method": "POST",
            "path": "/v1/approvals",
        }
    for platform in ("ordergroove", "recharge"):
        offered = {a["name"]: a for a in platforms[platform]["actions"]}
        schema = offered["reschedule_subscription_order"]["input_schema"]
        assert schema["required"] == ["date"]
        assert schema["properties"]["date"]["format"] == "date"
        assert offered["reschedule_subscription_order"]["resource_type"] == "subscription"
    matrix = await client.get("/v1/platforms/shopify/eligibility")
    assert matrix.status_code == 200
    json.dumps(matrix.json())
    missing = await client.get("/v1/platforms/nope/eligibility")
    assert missing.status_code == 404


async def test_health_and_routing_errors(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "connections": None}
    assert (await client.get("/readyz")).json()["status"] == "ok"
    not_found = await client.get("/v1/nothing-here")
    assert not_found.status_code == 404
    assert not_found.headers["content-type"] == "application/problem+json"
    wrong_method = await client.delete("/v1/actions")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["allow"]
    assert wrong_method.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("resource", "context", "allowed"),
    [
        (
            {"status": "ACTIVE", "prepaid": False, "skippable": True, "has_next_order": True},
            "OPEN",
            ["cancel_subscription", "skip_subscription_order", "reschedule_subscription_order"],
        ),
        (
            {"status": "active", "prepaid": False, "skippable": False, "has_next_order": True},
            "open",
            ["cancel_subscription", "reschedule_subscription_order"],
        ),
        (
            {"status": "active", "prepaid": True, "skippable": True, "has_next_order": True},
            "open",
            [],
        ),
        # Whether it is prepaid unknown: fail closed.
        ({"status": "active", "skippable": True, "has_next_order": True}, "open", []),
        (
            {"status": "cancelled", "prepaid": False, "skippable": True, "has_next_order": False},
            "open",
            [],
        ),
        # Only Ordergroove's reschedule needs an open conversation.
        (
            {"status": "active", "prepaid": False, "skippable": True, "has_next_order": True},
            "closed",
            ["reschedule_subscription_order"],
        ),
    ],
)
async def test_eligibility_recharge(
    client: httpx.AsyncClient, resource: dict[str, Any], context: str, allowed: list[str]
) -> None:
    decisions = await _decide(
        client,
        {
            "platform": "recharge",
            "resource": {"type": "subscription", **resource},
            "context": {"conversation_status": context},
        },
    )
    assert [a for a, d in decisions.items() if d["allowed"]] == allowed
