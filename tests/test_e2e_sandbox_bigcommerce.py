"""End to end on the BigCommerce sandbox over real HTTP: every status, and every action."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e_server import order_action, served_gateway

CONNECTION = "sandbox-bigcommerce"

# The seed has one order in each of BigCommerce's 15 statuses: order 100 + status_id.
EXPECTED_ACTIONS = {
    0: [],
    1: ["cancel_order"],
    2: ["refund_order", "partial_refund_order", "create_replacement_order"],
    3: ["refund_order", "partial_refund_order", "create_replacement_order"],
    4: ["cancel_order"],
    5: [],
    6: [],
    7: ["cancel_order"],
    8: ["cancel_and_refund_order"],
    9: ["cancel_and_refund_order"],
    10: ["refund_order", "partial_refund_order", "create_replacement_order"],
    11: ["cancel_and_refund_order"],
    12: [],
    13: [],
    14: ["refund_order", "partial_refund_order"],
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    log = tmp_path_factory.mktemp("e2e-bc") / "server.log"
    with (
        served_gateway(log, env={"ACTION_GATEWAY_LOG_FORMAT": "json"}) as base_url,
        httpx.Client(base_url=base_url, timeout=30) as client,
    ):
        yield client


def _act(client: httpx.Client, body: dict[str, Any], *, dry_run: bool = False) -> httpx.Response:
    if dry_run:
        return client.post("/v1/actions/preview", json={"connection": CONNECTION, **body})
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    return client.post("/v1/actions", json={"connection": CONNECTION, **body}, headers=headers)


def _order(client: httpx.Client, order_id: int) -> dict[str, Any]:
    response = client.get(f"/v1/connections/{CONNECTION}/orders/{order_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("status_id", sorted(EXPECTED_ACTIONS))
def test_every_status_offers_the_seed_actions(gateway: httpx.Client, status_id: int) -> None:
    order = _order(gateway, 100 + status_id)
    assert order["state"]["status_id"] == status_id
    beyond_the_seed = {"edit_order_note", "update_shipping_address"}
    order_actions = [a for a in order["available_actions"] if a not in beyond_the_seed]
    assert order_actions == EXPECTED_ACTIONS[status_id]
    # The address changes only before anything shipped; never Awaiting Pickup (8).
    offered = "update_shipping_address" in order["available_actions"]
    assert offered is (status_id in {1, 7, 9, 11, 12})


def test_partial_refund_with_its_preview_first(gateway: httpx.Client) -> None:
    order = _order(gateway, 110)
    line = order["line_items"][0]
    body = {
        "action": "partial_refund_order",
        "target": {"order_id": "110"},
        "input": {
            "reason": "customer",
            "line_items": [{"line_item_id": line["id"], "quantity": 1}],
            "shipping_amount": "2.00",
        },
    }
    preview = _act(gateway, body, dry_run=True)
    assert preview.status_code == 200, preview.text
    quoted = preview.json()["refund"]
    assert quoted["line_items"][0]["quantity"] == 1
    assert quoted["shipping"]["amount"] == "2.00"
    assert _order(gateway, 110)["state"]["status_id"] == 10  # the preview changed nothing

    done = _act(gateway, body)
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["refund"]["total"] == quoted["total"]
    assert result["timeline_event"]["type"] == "order.partially_refunded"
    assert result["resource"]["state"]["status_id"] == 14


def test_above_refundable_is_refused_before_sending(gateway: httpx.Client) -> None:
    response = _act(
        gateway,
        order_action(
            "partial_refund_order", "102", {"reason": "customer", "shipping_amount": "9999.00"}
        ),
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "refund_exceeds_refundable"
    assert _order(gateway, 102)["state"]["status_id"] == 2


def test_cancel_and_refund_refunds_then_cancels(gateway: httpx.Client) -> None:
    response = _act(gateway, order_action("cancel_and_refund_order", "111", {"reason": "customer"}))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timeline_event"]["type"] == "order.cancelled"
    assert "refunded $" in body["timeline_event"]["summary"]
    assert body["resource"]["state"]["status_id"] == 5


def test_cancel_and_full_refund(gateway: httpx.Client) -> None:
    cancel = _act(gateway, order_action("cancel_order", "101", {"reason": "customer"}))
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["resource"]["state"]["status_id"] == 5
    refund = _act(gateway, order_action("refund_order", "103", {"reason": "other"}))
    assert refund.status_code == 200, refund.text
    assert refund.json()["resource"]["state"]["status_id"] == 4


def test_offline_only_provider_is_a_clear_refusal(gateway: httpx.Client) -> None:
    response = _act(gateway, order_action("refund_order", "116", {"reason": "customer"}))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "refund_not_supported_by_provider"
    assert problem["platform_errors"]


def test_discount_code_on_a_bigcommerce_customer(gateway: httpx.Client) -> None:
    lookup = gateway.get("/v1/customers", params={"email": "carmen.ortiz@example.com"})
    results = {r["connection"]: r for r in lookup.json()["results"]}
    assert results["sandbox-shopify"]["status"] == "ok"
    [customer] = results[CONNECTION]["customers"]
    assert customer["available_actions"] == ["create_discount_code", "issue_store_credit"]
    code = f"SORRY-{uuid.uuid4().hex[:6].upper()}"
    body = {
        "action": "create_discount_code",
        "target": {"customer_id": customer["id"]},
        "input": {"code": code, "type": "fixed_amount", "value": "10", "expiry": "1_month"},
    }
    created = _act(gateway, body)
    assert created.status_code == 200, created.text
    assert created.json()["discount_code"]["code"] == code
    assert _act(gateway, body).json()["code"] == "discount_code_taken"


def test_staff_note_edit(gateway: httpx.Client) -> None:
    response = _act(
        gateway,
        order_action("edit_order_note", "112", {"note": "Checked with the customer by phone"}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["resource"]["note"] == "Checked with the customer by phone"
    assert response.json()["timeline_event"]["type"] == "order.note_updated"
