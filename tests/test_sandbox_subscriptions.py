"""Subscriptions end to end through the sandbox (the real adapters against the simulators).

Includes the case the platforms make dangerous: a skip whose response is lost after the platform
applied it, retried by the helpdesk with the same Idempotency-Key, skips exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from action_gateway.timeline import format_date
from action_gateway_sandbox.connections import Sandbox
from action_gateway_sandbox.ordergroove import OrdergrooveSimulator
from action_gateway_sandbox.recharge import RechargeSimulator
from tests.helpers import running_sandbox

AVA = "ava.lindqvist@example.com"
OG = "sandbox-ordergroove"
RC = "sandbox-recharge"
OG_ESPRESSO, OG_FILTERS, OG_DESCALER = (f"5b{n:030d}" for n in (1, 2, 3))
OG_PREPAID = f"5b{5:030d}"
RC_OAT_MILK, RC_BEANS = "66300102", "66300101"
RC_PREPAID = "66300301"  # Carmen's tea sampler: is_prepaid, not skippable


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, Sandbox]]:
    async with running_sandbox() as (client, sandbox):
        yield client, sandbox


async def _read_subscription(
    client: httpx.AsyncClient, connection: str, subscription_id: str, conversation_status: str
) -> httpx.Response:
    """The gateway's answer for one subscription, checked to be a 200."""
    response = await client.get(
        f"/v1/connections/{connection}/subscriptions/{subscription_id}",
        params={"conversation_status": conversation_status},
    )
    assert response.status_code == 200, response.text
    return response


def _body(connection: str, action: str, subscription_id: str) -> dict[str, Any]:
    data = {"reason": "1", "reason_details": "Moving abroad"} if "cancel" in action else {}
    return {
        "connection": connection,
        "action": action,
        "target": {"subscription_id": subscription_id},
        "input": data,
        "context": {"agent_id": "agent-9", "conversation_status": "open"},
    }


async def act(
    client: httpx.AsyncClient, connection: str, action: str, subscription_id: str
) -> httpx.Response:
    """POST ``action`` on the subscription, under a fresh Idempotency-Key."""
    body = _body(connection, action, subscription_id)
    return await client.post(
        "/v1/actions", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )


async def _subscriptions(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get(
        "/v1/customers", params={"email": AVA, "conversation_status": "open"}
    )
    shopify = next(r for r in response.json()["results"] if r["connection"] == "sandbox-shopify")
    [customer] = shopify["customers"]
    assert customer["subscription_errors"] == []
    return {s["id"]: s for s in customer["subscriptions"]}


async def test_the_customer_context_shows_both_platforms_subscriptions(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, _ = gateway
    subs = await _subscriptions(client)
    assert {s["connection"] for s in subs.values()} == {OG, RC}
    assert subs[OG_ESPRESSO]["available_actions"] == [
        "cancel_subscription",
        "skip_subscription_order",
        "reschedule_subscription_order",
    ]
    assert subs[OG_ESPRESSO]["next_order_date"] == subs[OG_FILTERS]["next_order_date"]
    assert subs[RC_OAT_MILK]["next_order_ref"] == subs[RC_BEANS]["next_order_ref"]


async def test_ordergroove_skip_moves_only_this_subscription(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, _ = gateway
    before = await _subscriptions(client)
    response = await act(client, OG, "skip_subscription_order", OG_ESPRESSO)
    assert response.status_code == 200, response.text
    event = response.json()["timeline_event"]
    assert event["type"] == "subscription.skipped"
    skipped = before[OG_ESPRESSO]["next_order_date"]
    after = await _subscriptions(client)
    moved = after[OG_ESPRESSO]["next_order_date"]
    assert moved > skipped
    assert event["summary"] == (
        f"Skipped the {format_date(date.fromisoformat(skipped))} order of 2 × House Espresso "
        f"Beans 1 kg; the next one is on {format_date(date.fromisoformat(moved))}."
    )
    assert event["details"]["next_order_date"] == moved  # ISO kept in details
    # The other subscriptions of the same upcoming order did not move.
    assert after[OG_FILTERS]["next_order_date"] == before[OG_FILTERS]["next_order_date"]
    assert after[OG_DESCALER]["next_order_date"] == before[OG_DESCALER]["next_order_date"]


@pytest.mark.parametrize(
    ("connection", "subscription_id", "operation"),
    [
        (OG, OG_FILTERS, "PATCH /orders/{order_id}/skip_subscription/"),
        (RC, RC_OAT_MILK, "skipCharge"),
    ],
)
async def test_a_retried_skip_after_a_lost_response_skips_exactly_once(
    gateway: tuple[httpx.AsyncClient, Sandbox],
    connection: str,
    subscription_id: str,
    operation: str,
) -> None:
    client, sandbox = gateway
    simulator: OrdergrooveSimulator | RechargeSimulator = sandbox.simulators[connection]
    simulator.faults.drop_after(operation=operation)  # applied, then the response is lost
    body = _body(connection, "skip_subscription_order", subscription_id)
    headers = {"Idempotency-Key": str(uuid.uuid4())}

    first = await client.post("/v1/actions", json=body, headers=headers)
    retried = await client.post("/v1/actions", json=body, headers=headers)

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "succeeded"  # reconciled by re-reading the platform
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.content == first.content
    skips = [entry for entry in simulator.ledger if "skip" in entry.operation]
    assert len(skips) == 1


@pytest.mark.parametrize("action", ["cancel_subscription", "skip_subscription_order"])
@pytest.mark.parametrize(("connection", "subscription_id"), [(OG, OG_PREPAID), (RC, RC_PREPAID)])
async def test_prepaid_cancel_and_skip_are_refused_before_the_platform(
    gateway: tuple[httpx.AsyncClient, Sandbox], connection: str, subscription_id: str, action: str
) -> None:
    client, sandbox = gateway
    response = await act(client, connection, action, subscription_id)
    assert response.status_code == 409, response.text
    assert response.json()["current_state"]["decision_code"] == "subscription_prepaid"
    assert sandbox.simulators[connection].ledger == []


async def test_a_prepaid_recharge_subscription_is_offered_nothing_and_says_why(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, _ = gateway
    response = await _read_subscription(client, RC, RC_PREPAID, conversation_status="open")
    body = response.json()
    assert body["available_actions"] == []
    assert {d["code"] for d in body["eligibility"]["decisions"]} == {"subscription_prepaid"}
    assert "prepaid" in body["eligibility"]["decisions"][0]["reason"]
    # The answer echoes the facts and context it was decided on.
    assert body["eligibility"]["facts"]["prepaid"] is True
    assert body["eligibility"]["facts"]["status"] == "active"
    assert body["eligibility"]["helpdesk_context"] == {"conversation_status": "open"}


async def test_ordergroove_eligibility_echoes_its_facts(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, _ = gateway
    response = await _read_subscription(client, OG, OG_PREPAID, conversation_status="OPEN")
    eligibility = response.json()["eligibility"]
    assert eligibility["state"] == {}  # Ordergroove's matrix has no status dimension
    assert eligibility["facts"] == {"live": True, "prepaid": True, "has_next_order": True}
    assert eligibility["helpdesk_context"] == {"conversation_status": "open"}


@pytest.mark.parametrize(("connection", "subscription_id"), [(OG, OG_DESCALER), (RC, RC_BEANS)])
async def test_cancel_on_each_platform(
    gateway: tuple[httpx.AsyncClient, Sandbox], connection: str, subscription_id: str
) -> None:
    client, _ = gateway
    response = await act(client, connection, "cancel_subscription", subscription_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timeline_event"]["type"] == "subscription.cancelled"
    assert body["resource"]["available_actions"] == []
    again = await act(client, connection, "cancel_subscription", subscription_id)
    assert again.status_code == 409


async def test_an_ordergroove_reason_must_be_the_merchants_code(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, _ = gateway
    body = _body(OG, "cancel_subscription", OG_ESPRESSO)
    body["input"] = {"reason": "too_much_coffee"}
    response = await client.post(
        "/v1/actions", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 422
    assert "numeric reason codes" in response.json()["detail"]
