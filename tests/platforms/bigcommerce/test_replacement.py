"""create_replacement_order on BigCommerce: POST /v2/orders, marked by external_order_id.

The adapter runs against the simulator through a client that checks every request and answer
against BigCommerce's published OpenAPI files; the action also runs end to end over HTTP.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from action_gateway.domain.models import CreateReplacementOrderInput
from action_gateway.domain.replacements import replacement_marker
from action_gateway.errors import GatewayError, ValidationFailed
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.bigcommerce import BigCommerceAdapter, BigCommerceClient
from action_gateway.platforms.bigcommerce.adapter import (
    FOUND_REPLACEMENT,
    RECONCILED_REPLACEMENT,
)
from action_gateway_sandbox.bigcommerce import BigCommerceSimulator
from tests.contracts.bigcommerce import validate_httpx_request, validate_response
from tests.contracts.hooks import contract_checked_client
from tests.helpers import problem_of, running_sandbox
from tests.platforms.bigcommerce.helpers import TOKEN, connection

SIMULATED_STORE = "https://api.bigcommerce.com/stores/sandbox"
SHIPPED = "102"  # Shipped (2): 1 x Waxed Canvas Tote (62.00), 2 x Linen Napkins (24.00)
TOTE = "1021"
NAPKINS = "1022"


def data(**changes: Any) -> CreateReplacementOrderInput:
    fields: dict[str, Any] = {
        "line_items": [{"line_item_id": TOTE, "quantity": 1}],
        "reason": "missing_item",
        "note": "Tote missing from the parcel",
        "notify_customer": True,
    }
    fields.update(changes)
    return CreateReplacementOrderInput.model_validate(fields)


@pytest.fixture
def sim() -> BigCommerceSimulator:
    return BigCommerceSimulator(access_token=TOKEN)


@pytest.fixture
async def adapter(sim: BigCommerceSimulator) -> Any:
    http = contract_checked_client(
        sim.transport(),
        SIMULATED_STORE,
        {"Accept": "application/json"},
        validate_request=validate_httpx_request,
        validate_response=validate_response,
        empty_bodies=True,
    )
    async with http:
        yield BigCommerceAdapter(BigCommerceClient(connection(), http))


def call(key: str = "key-1") -> ActionCall:
    return ActionCall.within(15, idempotency_key=key)


def creations(sim: BigCommerceSimulator) -> list[Any]:
    return [e for e in sim.store.ledger if e.operation == "order.create"]


async def test_a_free_order_for_the_customer_to_the_original_address_marked_and_noted(
    adapter: BigCommerceAdapter, sim: BigCommerceSimulator
) -> None:
    order = await adapter.get_order(SHIPPED, call=call())
    assert order is not None
    value = await adapter.appraise_replacement(order, data(), call=call())
    assert str(value) == "62.00 USD"
    outcome = await adapter.create_replacement_order(order, data(), call=call())

    assert outcome.replacement_order is not None
    created = sim.store.orders[int(outcome.replacement_order.id)]
    original = sim.store.orders[int(SHIPPED)]
    marker = replacement_marker("key-1")
    assert outcome.replacement_order.name == f"#{created.id}"
    assert (created.customer_id, created.status_id, created.total) == (original.customer_id, 11, 0)
    assert created.external_order_id == marker
    assert created.staff_notes == (
        f"Replacement for order #{SHIPPED} (missing_item): Tote missing from the parcel [{marker}]"
    )
    assert [(p.product_id, p.variant_id, p.quantity) for p in created.products] == [
        (original.products[0].product_id, original.products[0].variant_id, 1)
    ]
    assert created.addresses[0].street_1 == original.addresses[0].street_1
    # BigCommerce sends no order email for API-created orders: the answer says so.
    assert outcome.messages == [
        "BigCommerce sends no order email for orders created through its API: tell the "
        "customer in the conversation."
    ]
    assert len(creations(sim)) == 1


async def test_a_second_attempt_of_the_same_request_finds_the_first(
    adapter: BigCommerceAdapter, sim: BigCommerceSimulator
) -> None:
    order = await adapter.get_order(SHIPPED, call=call())
    assert order is not None
    first = await adapter.create_replacement_order(order, data(notify_customer=False), call=call())
    again = await adapter.create_replacement_order(order, data(notify_customer=False), call=call())
    assert first.replacement_order == again.replacement_order
    assert first.replacement_order is not None
    assert again.messages == [FOUND_REPLACEMENT.format(name=first.replacement_order.name)]
    assert len(creations(sim)) == 1


async def test_a_lost_answer_is_settled_by_the_mark_never_resent(
    adapter: BigCommerceAdapter, sim: BigCommerceSimulator
) -> None:
    order = await adapter.get_order(SHIPPED, call=call())
    assert order is not None
    sim.faults.drop_after(operation="createOrder", error=httpx.ReadTimeout)
    outcome = await adapter.create_replacement_order(
        order, data(notify_customer=False), call=call()
    )
    assert outcome.replacement_order is not None
    assert outcome.messages == [RECONCILED_REPLACEMENT.format(name=outcome.replacement_order.name)]
    assert len(creations(sim)) == 1


async def test_a_lost_answer_that_cannot_be_looked_up_stays_unknown(
    adapter: BigCommerceAdapter, sim: BigCommerceSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await adapter.get_order(SHIPPED, call=call())
    assert order is not None
    sim.faults.drop_after(operation="createOrder", error=httpx.ReadTimeout)
    create = sim.store.create_order

    def created_then_unreachable(body: dict[str, Any], now: Any) -> Any:
        # The look-up after the lost answer fails too (BigCommerce unreachable).
        for _ in range(10):
            sim.faults.http_status(503, operation="getOrders")
        return create(body, now)

    monkeypatch.setattr(sim.store, "create_order", created_then_unreachable)
    with pytest.raises(GatewayError) as caught:
        await adapter.create_replacement_order(order, data(), call=call("key-2"))
    assert caught.value.extensions["outcome"] == "unknown"
    assert "found no replacement for order #102" not in str(caught.value)  # it could not look
    assert len(creations(sim)) == 1


async def test_lines_are_checked_against_the_order_before_anything_is_sent(
    adapter: BigCommerceAdapter, sim: BigCommerceSimulator
) -> None:
    order = await adapter.get_order(SHIPPED, call=call())
    assert order is not None
    too_many = data(line_items=[{"line_item_id": NAPKINS, "quantity": 3}])
    with pytest.raises(ValidationFailed, match="3 units of Linen Napkins"):
        await adapter.create_replacement_order(order, too_many, call=call())
    assert creations(sim) == []


def body(order_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "connection": "sandbox-bigcommerce",
        "action": "create_replacement_order",
        "target": {"order_id": order_id},
        "input": {
            "line_items": [{"line_item_id": f"{order_id}1", "quantity": 1}],
            "reason": "damaged",
        },
        "context": {"agent_id": "agent-bc"},
        **fields,
    }


async def test_over_http_shipped_orders_only_with_a_preview_of_the_value() -> None:
    async with running_sandbox() as (client, sandbox):
        preview = await client.post("/v1/actions/preview", json=body(SHIPPED))
        assert preview.status_code == 200, preview.text
        assert preview.json()["compensation_value"] == {"amount": "62.00", "currency": "USD"}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        done = await client.post("/v1/actions", json=body(SHIPPED), headers=key)
        assert done.status_code == 200, done.text
        event = done.json()["timeline_event"]
        assert event["type"] == "order.replacement_created"
        assert event["summary"].startswith(
            f"Created replacement order {done.json()['replacement_order']['name']} for order #102"
        )
        store = sandbox.simulators["sandbox-bigcommerce"].store
        pending = next(o for o in store.orders.values() if o.status_id == 1)
        refused = await client.post(
            "/v1/actions", json=body(str(pending.id)), headers={"Idempotency-Key": "bc-r-2"}
        )
        problem = problem_of(refused, 409, "not_eligible")
        assert problem["detail"] == (
            "create_replacement_order is not available: the order is pending."
        )
