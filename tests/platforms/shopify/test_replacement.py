"""create_replacement_order on Shopify: the adapter's real HTTP code against the simulator.

orderCreate is not deduplicated: each replacement carries a mark derived from the caller's
Idempotency-Key (a tag and its sourceIdentifier) that is searched for before creating and after
a lost answer; when it cannot be found the answer stays outcome unknown, never a second order.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from action_gateway.actions.services import Services
from action_gateway.config import ActionsConfig, ConnectionConfig, GatewayConfig
from action_gateway.domain.models import CreateReplacementOrderInput
from action_gateway.domain.replacements import replacement_marker
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify import ShopifyAdapter
from action_gateway.platforms.shopify.adapter import FOUND_REPLACEMENT
from action_gateway_sandbox.connections import Sandbox, build_sandbox, with_simulators
from action_gateway_sandbox.shopify.store import Store
from tests.helpers import problem_of, running_app
from tests.shared_specs import require_spec

CONNECTION = "sandbox-shopify"
FULFILLED = "5500001002"  # #1002: paid, fulfilled (1 x Trail Running Socks, 2 x Tee)
PARTIALLY_FULFILLED = "5500001004"  # #1004
UNFULFILLED = "5500001001"  # #1001
SOCKS_LINE = "55000010021"
TEE_LINE = "55000010022"


def replacement(
    order_id: str = FULFILLED, *, dry_run: bool = False, **changes: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "line_items": [{"line_item_id": SOCKS_LINE, "quantity": 1}],
        "reason": "damaged",
        "note": "Box arrived crushed",
        "notify_customer": False,
    }
    data.update(changes)
    return {
        "connection": CONNECTION,
        "action": "create_replacement_order",
        "target": {"order_id": order_id},
        "input": data,
        "context": {"agent_id": "agent-7", "agent_roles": ["support"]},
        "dry_run": dry_run,
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def sandbox() -> Sandbox:
    return build_sandbox()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(sandbox=sandbox) as (http, _):
        yield http


def store_of(sandbox: Sandbox) -> Store:
    store: Store = sandbox.simulators[CONNECTION].store
    return store


def creations(store: Store) -> list[Any]:
    return [entry for entry in store.ledger if entry.operation == "orderCreate"]


async def test_a_replacement_is_a_free_order_for_the_customer_marked_and_linked(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    store = store_of(sandbox)
    original = store.orders[int(FULFILLED)]
    socks = original.line_items[0]
    assert socks.variant_id is not None
    stock_before = store.inventory[socks.variant_id]

    response = await client.post("/v1/actions", json=replacement(), headers=key())

    assert response.status_code == 200, response.text
    body = response.json()
    created = body["replacement_order"]
    new = store.orders[int(created["id"])]
    assert created == {
        "id": str(new.id),
        "name": new.name,
        "admin_url": f"https://admin.shopify.com/store/sandbox-shop/orders/{new.id}",
    }
    # The same customer, at no charge (paid: nothing to collect), to the original's address.
    assert new.customer_id == original.customer_id
    assert (new.total, new.financial_status(store.now())) == (0, "PAID")
    assert new.shipping_address == original.shipping_address
    assert [
        (line.variant_id, line.quantity, line.requires_shipping) for line in new.line_items
    ] == [(socks.variant_id, 1, True)]
    # Linked to the original (note, tag, attributes) and marked for this request.
    [marker] = [tag for tag in new.tags if tag.startswith("gw-")]
    assert new.source_identifier == marker
    assert f"replacement-for-{FULFILLED}" in new.tags
    assert new.note == f"Replacement for order #1002 (damaged): Box arrived crushed [{marker}]"
    assert {"key": "replacement_for", "value": "#1002"} in new.custom_attributes
    # Stock is taken as an order takes it.
    assert store.inventory[socks.variant_id] == stock_before - 1
    assert len(creations(store)) == 1
    event = body["timeline_event"]
    assert event["type"] == "order.replacement_created"
    assert event["summary"] == (
        f"Created replacement order {new.name} for order #1002: 1 × Trail Running Socks, at no "
        "charge, to the shipping address of order #1002; reason: arrived damaged; customer "
        "not notified."
    )
    assert event["details"]["replacement_order"] == created


async def test_a_dry_run_says_the_items_and_their_value_and_creates_nothing(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    both = [
        {"line_item_id": SOCKS_LINE, "quantity": 1},
        {"line_item_id": f"gid://shopify/LineItem/{TEE_LINE}", "quantity": 2},
    ]
    response = await client.post(
        "/v1/actions/preview", json=replacement(line_items=both, reason="lost_in_transit")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # 1 x 14.00 + 2 x 32.00: the original's prices after discounts.
    assert body["compensation_value"] == {"amount": "78.00", "currency": "USD"}
    assert body["summary"] == (
        "Would create a replacement order for order #1002: 1 × Trail Running Socks, "
        "2 × Organic Cotton Tee, at no charge (worth $78.00), to Ava Lindqvist, 101 Harbour "
        "Street, Toronto ON M5J 2N8, CA (the shipping address of order #1002); reason: lost in "
        "transit; customer not notified."
    )
    assert creations(store_of(sandbox)) == []


async def test_lines_the_order_does_not_have_are_refused_before_anything_is_sent(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    lines = [
        {"line_item_id": "999", "quantity": 1},
        {"line_item_id": SOCKS_LINE, "quantity": 2},
    ]
    response = await client.post("/v1/actions", json=replacement(line_items=lines), headers=key())
    problem = problem_of(response, 422, "validation_error")
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", "input", "line_items", "0", "line_item_id"],
        ["body", "input", "line_items", "1", "quantity"],
    ]
    assert "2 units of Trail Running Socks asked, but order #1002 has 1" in problem["detail"]
    empty = await client.post("/v1/actions", json=replacement(line_items=[]), headers=key())
    problem_of(empty, 422, "validation_error")
    bad_reason = await client.post("/v1/actions", json=replacement(reason="bored"), headers=key())
    problem_of(bad_reason, 422, "validation_error")
    assert creations(store_of(sandbox)) == []


async def test_only_an_order_with_a_shipment_and_not_cancelled_gets_one(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    unfulfilled = replacement(
        UNFULFILLED, line_items=[{"line_item_id": "55000010011", "quantity": 1}]
    )
    problem = problem_of(
        await client.post("/v1/actions", json=unfulfilled, headers=key()), 409, "not_eligible"
    )
    assert (
        problem["detail"] == "create_replacement_order is not available: the order is unfulfilled."
    )
    partial = replacement(
        PARTIALLY_FULFILLED, line_items=[{"line_item_id": "55000010041", "quantity": 1}]
    )
    assert (await client.post("/v1/actions", json=partial, headers=key())).status_code == 200
    assert len(creations(store_of(sandbox))) == 1


async def test_an_order_without_a_shipping_address_is_refused(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    store_of(sandbox).orders[int(FULFILLED)].shipping_address = None
    response = await client.post("/v1/actions/preview", json=replacement())
    problem = problem_of(response, 409, "not_eligible")
    assert "has no shipping address" in problem["detail"]
    problem_of(
        await client.post("/v1/actions", json=replacement(), headers=key()), 409, "not_eligible"
    )
    assert creations(store_of(sandbox)) == []


async def test_shopify_refusing_the_stock_claim_reaches_the_caller_verbatim(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    store = store_of(sandbox)
    socks = store.orders[int(FULFILLED)].line_items[0]
    assert socks.variant_id is not None
    store.inventory[socks.variant_id] = 0
    response = await client.post("/v1/actions", json=replacement(), headers=key())
    problem = problem_of(response, 422, "platform_rejected")
    assert problem["platform_errors"] == [
        {
            "field": ["order", "lineItems"],
            "message": "Unable to claim inventory: not enough stock for the requested items",
            "code": "INVENTORY_CLAIM_FAILED",
        }
    ]
    assert creations(store) == []


# --- Exactly once -------------------------------------------------------------------------------


async def test_a_lost_answer_is_settled_by_finding_the_mark_never_by_resending(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    simulator = sandbox.simulators[CONNECTION]
    simulator.faults.drop_after(operation="ReplacementOrderCreate", error=httpx.ReadTimeout)
    response = await client.post("/v1/actions", json=replacement(), headers=key())
    assert response.status_code == 200, response.text
    body = response.json()
    [created] = creations(store_of(sandbox))
    assert body["replacement_order"]["id"] == created.order_id.rsplit("/", 1)[-1]
    assert body["warnings"] == [
        "Shopify's answer to the replacement order was lost; searching the store for this "
        f"request's mark found replacement order {body['replacement_order']['name']}."
    ]
    assert body["timeline_event"]["details"]["notes"] == body["warnings"]


async def test_a_lost_answer_that_search_cannot_show_stays_unknown_and_is_not_resent(
    client: httpx.AsyncClient, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(sandbox)
    indexed = store.search_orders
    created_ids: set[int] = set()
    original_create = store.order_create

    def create(data: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
        result = original_create(data, options)
        if result["order"] is not None:
            created_ids.add(result["order"].id)
        return result

    def lagging_search(orders: list[Any], query: str | None) -> list[Any]:
        # Shopify's search can lag a write: the new order is not searchable yet.
        return [o for o in indexed(orders, query) if o.id not in created_ids]

    monkeypatch.setattr(store, "order_create", create)
    monkeypatch.setattr(store, "search_orders", lagging_search)
    sandbox.simulators[CONNECTION].faults.drop_after(
        operation="ReplacementOrderCreate", error=httpx.RemoteProtocolError
    )
    idempotency = key()
    response = await client.post("/v1/actions", json=replacement(), headers=idempotency)

    assert response.status_code in (502, 503, 504), response.text
    problem = response.json()
    assert problem["outcome"] == "unknown"
    assert "found no replacement for order #1002 yet" in problem["detail"]
    assert problem["timeline_event"]["type"] == "action.outcome_unknown"
    assert problem["timeline_event"]["summary"].startswith(
        "The replacement order of order #1002 may have happened"
    )
    # The caller's retry with the same key replays the answer: nothing is sent again.
    again = await client.post("/v1/actions", json=replacement(), headers=idempotency)
    assert again.json()["outcome"] == "unknown"
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(creations(store)) == 1


async def test_a_later_attempt_of_the_same_request_finds_the_first_and_creates_nothing(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    # The process that created it stopped before answering; once the key's lease expired the
    # next attempt runs the action again, with the same downstream key.
    services: Services = client._transport.app.state.services  # type: ignore[attr-defined]
    adapter = services.connections[CONNECTION].adapter
    assert isinstance(adapter, ShopifyAdapter)
    order = await adapter.get_order(FULFILLED, call=ActionCall.within(10))
    assert order is not None
    data = CreateReplacementOrderInput.model_validate(replacement()["input"])
    first = await adapter.create_replacement_order(
        order, data, call=ActionCall.within(10, idempotency_key="same-key")
    )
    second = await adapter.create_replacement_order(
        order, data, call=ActionCall.within(10, idempotency_key="same-key")
    )
    assert first.replacement_order == second.replacement_order
    assert first.replacement_order is not None
    assert second.messages == [FOUND_REPLACEMENT.format(name=first.replacement_order.name)]
    [created] = creations(store_of(sandbox))
    assert created.code == replacement_marker("same-key")
    other = await adapter.create_replacement_order(
        order, data, call=ActionCall.within(10, idempotency_key="another-key")
    )
    assert other.replacement_order != first.replacement_order
    assert len(creations(store_of(sandbox))) == 2


# --- Compensation ceiling, end to end ---------------------------------------------------------


def ceiling_sandbox(limits: dict[str, str]) -> Sandbox:
    actions = ActionsConfig.model_validate(
        {"compensation_ceilings": {"create_replacement_order": limits}}
    )
    connection = ConnectionConfig(id=CONNECTION, platform="shopify", sandbox=True, actions=actions)
    return with_simulators(GatewayConfig(connections=[connection]))


async def test_a_replacement_above_the_agents_ceiling_needs_approval_over_http() -> None:
    sandbox = ceiling_sandbox({"support": "10", "lead": "200"})
    async with running_app(sandbox=sandbox) as (http, _):
        preview = await http.post("/v1/actions/preview", json=replacement())
        assert preview.json()["compensation_value"] == {"amount": "14.00", "currency": "USD"}
        refused = await http.post("/v1/actions", json=replacement(), headers=key())
        problem = problem_of(refused, 403, "approval_required")
        assert (problem["amount"], problem["currency"], problem["ceiling"]) == (
            "14.00",
            "USD",
            "10.00",
        )
        assert problem["detail"].startswith(
            "The replacement order is worth 14.00 USD, above the ceiling of 10.00 USD for "
            "create_replacement_order by an agent with support; nothing was done."
        )
        assert creations(store_of(sandbox)) == []
        lead = replacement()
        lead["context"]["agent_roles"] = ["lead"]
        allowed = await http.post("/v1/actions", json=lead, headers=key())
        assert allowed.status_code == 200, allowed.text
        assert len(creations(store_of(sandbox))) == 1


@pytest.mark.parametrize("version", ["2026-04", "2026-07"])
async def test_the_replacement_documents_and_variables_pass_shopifys_published_schema(
    version: str,
) -> None:
    """The simulator coerces the variables against the real SDL: an input field Shopify does
    not have (or a wrong type) would be refused there as INVALID_VARIABLE."""
    sandbox = build_sandbox(shopify_schema=require_spec(f"shopify/{version}/schema.graphql"))
    async with running_app(sandbox=sandbox) as (http, _):
        preview = await http.post("/v1/actions/preview", json=replacement())
        assert preview.status_code == 200, preview.text
        done = await http.post("/v1/actions", json=replacement(), headers=key())
        assert done.status_code == 200, done.text
    assert len(creations(store_of(sandbox))) == 1


# --- What every action has: catalog, activation, roles, narrowing, metrics, the log line ------


async def test_it_is_in_the_catalog_with_its_input_schema(client: httpx.AsyncClient) -> None:
    platforms = {p["platform"]: p for p in (await client.get("/v1/platforms")).json()["platforms"]}
    actions = {a["name"]: a for a in platforms["shopify"]["actions"]}
    schema = actions["create_replacement_order"]["input_schema"]
    assert set(schema["required"]) == {"line_items", "reason"}
    assert set(schema["properties"]) == {"line_items", "reason", "note", "notify_customer"}
    assert "create_replacement_order" in {a["name"] for a in platforms["bigcommerce"]["actions"]}


def configured_sandbox(**actions: Any) -> Sandbox:
    config = ActionsConfig.model_validate(actions)
    connection = ConnectionConfig(id=CONNECTION, platform="shopify", sandbox=True, actions=config)
    return with_simulators(GatewayConfig(connections=[connection]))


async def test_activation_roles_and_narrowing_apply_per_connection() -> None:
    switched_off = configured_sandbox(allowed=["edit_order_note"])
    async with running_app(sandbox=switched_off) as (http, _):
        answer = await http.post("/v1/actions", json=replacement(), headers=key())
        problem_of(answer, 403, "action_disabled")
    leads_only = configured_sandbox(roles={"create_replacement_order": ["lead"]})
    async with running_app(sandbox=leads_only) as (http, _):
        answer = await http.post("/v1/actions", json=replacement(), headers=key())
        problem_of(answer, 403, "role_not_allowed")
    fully_shipped_only = configured_sandbox(
        narrowing={"create_replacement_order": {"fulfillment": ["fulfilled"]}}
    )
    async with running_app(sandbox=fully_shipped_only) as (http, _):
        partial = replacement(
            PARTIALLY_FULFILLED, line_items=[{"line_item_id": "55000010041", "quantity": 1}]
        )
        problem_of(await http.post("/v1/actions", json=partial, headers=key()), 409, "not_eligible")
        assert (
            await http.post("/v1/actions", json=replacement(), headers=key())
        ).status_code == 200
    for sandbox in (switched_off, leads_only, fully_shipped_only):
        assert len(creations(store_of(sandbox))) == (sandbox is fully_shipped_only)


async def test_it_is_counted_and_logged_like_every_action(client: httpx.AsyncClient) -> None:
    counted = (
        'action_gateway_actions_total{action="create_replacement_order",caller="anonymous",'
        'outcome="succeeded",platform="shopify"} '
    )

    async def count() -> float:
        lines = (await client.get("/metrics")).text.splitlines()
        return sum(float(line.removeprefix(counted)) for line in lines if line.startswith(counted))

    before = await count()
    with capture_logs() as logs:
        done = await client.post("/v1/actions", json=replacement(), headers=key())
    assert done.status_code == 200, done.text
    [line] = [entry for entry in logs if entry.get("event") == "action"]
    assert (line["action"], line["outcome"], line["target_name"]) == (
        "create_replacement_order",
        "succeeded",
        "#1002",
    )
    assert line["event_id"] == done.json()["timeline_event"]["id"]
    assert await count() == before + 1
