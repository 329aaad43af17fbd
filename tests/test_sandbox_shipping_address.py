"""update_shipping_address end to end through the sandbox (the real adapters against the
Shopify and BigCommerce simulators): input checks, the matrix's gates, preview, the change, the
platforms' refusals verbatim, and a lost answer settled by re-reading."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from action_gateway_sandbox.connections import Sandbox
from tests.helpers import problem_of, running_sandbox

SHOPIFY, BIGCOMMERCE = "sandbox-shopify", "sandbox-bigcommerce"
UNFULFILLED = "5500001007"  # #1007
FULFILLED = "5500001009"  # #1009
CANCELLED = "5500001005"  # #1005
PICKUP = "5500001016"  # #1016: picked up in store, no shipping address
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address1": "190 MacLaren",
    "address2": "Suite 200",
    "city": "Sudbury",
    "province_code": "ON",
    "postal_code": "K2P 0V6",
    "country_code": "CA",
}


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, Sandbox]]:
    async with running_sandbox() as (client, sandbox):
        yield client, sandbox


def body(order_id: str, connection: str = SHOPIFY, **data: Any) -> dict[str, Any]:
    return {
        "connection": connection,
        "action": "update_shipping_address",
        "target": {"order_id": order_id},
        "input": {"address": ADDRESS, **data},
        "context": {"agent_id": "agent-7"},
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.mark.parametrize(
    ("address", "loc"),
    [
        ({"country_code": "XX"}, "country_code"),
        ({"country_code": "CAN"}, "country_code"),
        ({"postal_code": ""}, "postal_code"),
        ({"first_name": None}, "first_name"),
        ({"province_code": "O-N"}, "province_code"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_addresses_are_422_problems(
    gateway: tuple[httpx.AsyncClient, Sandbox], address: dict[str, Any], loc: str
) -> None:
    client, sandbox = gateway
    request = body(UNFULFILLED)
    request["input"]["address"] = {**ADDRESS, **address}
    response = await client.post("/v1/actions", json=request, headers=key())
    problem = problem_of(response, 422, "validation_error")
    assert any(loc in ".".join(map(str, e["loc"])) for e in problem["errors"]), problem
    long_reason = await client.post(
        "/v1/actions", json=body(UNFULFILLED, reason="x" * 256), headers=key()
    )
    problem_of(long_reason, 422, "validation_error")
    assert sandbox.simulators[SHOPIFY].ledger == []


@pytest.mark.parametrize(
    ("order_id", "code"),
    [
        (FULFILLED, "status_not_eligible"),
        (CANCELLED, "order_cancelled"),
        (PICKUP, "no_shipping_address"),
    ],
)
async def test_only_before_anything_shipped_and_only_where_it_ships(
    gateway: tuple[httpx.AsyncClient, Sandbox], order_id: str, code: str
) -> None:
    client, sandbox = gateway
    response = await client.post("/v1/actions", json=body(order_id), headers=key())
    problem = problem_of(response, 409, "not_eligible")
    assert problem["current_state"]["decision_code"] == code
    assert sandbox.simulators[SHOPIFY].ledger == []


async def test_shopify_preview_then_change(gateway: tuple[httpx.AsyncClient, Sandbox]) -> None:
    client, sandbox = gateway
    order = (await client.get(f"/v1/connections/{SHOPIFY}/orders/{UNFULFILLED}")).json()
    before = order["shipping_address"]
    assert before["country_code"] == "CA"
    assert "update_shipping_address" in order["available_actions"]

    request = body(UNFULFILLED, reason="Customer moved")
    preview = await client.post("/v1/actions/preview", json=request)
    assert preview.status_code == 200, preview.text
    assert preview.json()["summary"].startswith(
        "Would change the shipping address of order #1007 to Ada Lovelace, 190 MacLaren, "
        "Suite 200, Sudbury ON K2P 0V6, CA (now: "
    )
    assert sandbox.simulators[SHOPIFY].ledger == []

    done = await client.post("/v1/actions", json=request, headers=key())
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["shipping_address"]["before"] == before
    assert result["shipping_address"]["after"]["province"] == "Ontario"
    event = result["timeline_event"]
    assert event["type"] == "order.shipping_address_updated"
    assert event["summary"].startswith(
        "Changed the shipping address of order #1007 to Ada Lovelace, 190 MacLaren, Suite 200, "
        "Sudbury ON K2P 0V6, CA (was: "
    )
    assert event["summary"].endswith("; reason: “Customer moved”.")
    assert event["details"]["before"] == before
    assert event["details"]["after"]["address1"] == "190 MacLaren"
    assert result["resource"]["shipping_address"]["address1"] == "190 MacLaren"
    assert [e.operation for e in sandbox.simulators[SHOPIFY].ledger] == ["orderUpdate"]


async def test_shopifys_refusal_reaches_the_caller_verbatim(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, sandbox = gateway
    request = body(UNFULFILLED)
    request["input"]["address"] = {**ADDRESS, "country_code": "US", "province_code": "ON"}
    response = await client.post("/v1/actions", json=request, headers=key())
    problem = problem_of(response, 422, "platform_rejected")
    assert [e["message"] for e in problem["platform_errors"]] == [
        "State is not a valid state in United States"
    ]
    assert sandbox.simulators[SHOPIFY].ledger == []


@pytest.mark.parametrize("connection", [SHOPIFY, BIGCOMMERCE])
async def test_a_lost_answer_is_settled_by_re_reading_never_re_sent(
    gateway: tuple[httpx.AsyncClient, Sandbox], connection: str
) -> None:
    client, sandbox = gateway
    simulator = sandbox.simulators[connection]
    if connection == SHOPIFY:
        simulator.faults.drop_after(operation="orderUpdate")
        order_id = UNFULFILLED
    else:
        simulator.faults.drop_after(operation="updateOrderShippingAddress")
        order_id = "109"  # Awaiting Shipment
    done = await client.post("/v1/actions", json=body(order_id, connection), headers=key())
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["shipping_address"]["after"]["address1"] == "190 MacLaren"
    assert any("re-reading" in warning for warning in result["warnings"])
    writes = [
        e for e in simulator.ledger if e.operation in ("orderUpdate", "order.shipping_address")
    ]
    assert len(writes) == 1


async def test_bigcommerce_change_and_its_gates(gateway: tuple[httpx.AsyncClient, Sandbox]) -> None:
    client, sandbox = gateway
    done = await client.post("/v1/actions", json=body("101", BIGCOMMERCE), headers=key())
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["shipping_address"]["before"]["province"] == "Texas"
    assert result["shipping_address"]["before"]["province_code"] == "TX"
    assert result["shipping_address"]["after"]["province_code"] == "ON"
    assert result["timeline_event"]["type"] == "order.shipping_address_updated"
    [entry] = sandbox.simulators[BIGCOMMERCE].ledger
    assert (entry.operation, entry.street_1) == ("order.shipping_address", "190 MacLaren")
    # Awaiting Pickup (8) and Shipped (2): refused by the matrix before any call.
    for order_id in ("108", "102"):
        refused = await client.post("/v1/actions", json=body(order_id, BIGCOMMERCE), headers=key())
        assert problem_of(refused, 409, "not_eligible")["current_state"]["decision_code"] == (
            "status_not_eligible"
        )
