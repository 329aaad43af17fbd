"""End to end: `action-gateway serve` with the sandbox, driven over real HTTP on loopback.

The Shopify adapter runs its real HTTP code against the in-process simulator; when Shopify's
published schema is available the simulator also validates every document against it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e_server import order_action, served_gateway
from tests.shared_specs import shared_specs_dir

AVA = "ava.lindqvist@example.com"
PAID_UNFULFILLED = "5500001001"  # #1001
PAID_FULFILLED = "5500001002"  # #1002: Shopify refuses to cancel it
PAID_PARTIALLY_FULFILLED = "5500001004"  # #1004


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e") / "server.log"


@pytest.fixture(scope="module")
def gateway(server_log: Path) -> Iterator[httpx.Client]:
    schema = shared_specs_dir() / "shopify" / "2026-07" / "schema.graphql"
    env = {"ACTION_GATEWAY_SHOPIFY_SCHEMA": str(schema)} if schema.is_file() else {}
    env["ACTION_GATEWAY_LOG_FORMAT"] = "json"
    with (
        served_gateway(server_log, env=env) as base_url,
        httpx.Client(base_url=base_url, timeout=30) as client,
    ):
        yield client


def _act(client: httpx.Client, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post(
        "/v1/actions", json={"connection": "sandbox-shopify", **body}, headers=headers
    )


def test_lookup_preview_cancel_and_refund_replay(gateway: httpx.Client) -> None:
    found = gateway.get("/v1/customers", params={"email": AVA})
    assert found.status_code == 200, found.text
    results = {r["connection"]: r for r in found.json()["results"]}
    assert set(results) == {"sandbox-shopify", "sandbox-bigcommerce", "sandbox-magento"}
    result = results["sandbox-shopify"]
    assert result["status"] == "ok", result
    [customer] = result["customers"]
    assert customer["display_name"] == "Ava Lindqvist"
    orders = {o["name"]: o for o in customer["orders"]}
    assert "cancel_and_refund_order" in orders["#1001"]["available_actions"]
    assert orders["#1005"]["eligibility"]["state"]["payment"] == "refunded"

    cancel = {
        "action": "cancel_and_refund_order",
        "target": {"order_id": PAID_UNFULFILLED},
        "input": {"reason": "customer", "notify_customer": True, "staff_note": "Changed mind"},
        "context": {"agent_id": "agent-42", "conversation_id": "conv-1"},
    }
    preview = gateway.post("/v1/actions/preview", json={"connection": "sandbox-shopify", **cancel})
    assert preview.status_code == 200, preview.text
    refund_preview = preview.json()["refund"]
    assert refund_preview["total"]["amount"] == orders["#1001"]["totals"]["total"]["amount"]

    key = str(uuid.uuid4())
    done = _act(gateway, cancel, key)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "succeeded"
    event = body["timeline_event"]
    assert event["type"] == "order.cancelled"
    assert event["subject"]["name"] == "#1001"
    assert event["summary"].startswith("Cancelled order #1001 and refunded $")
    assert "customer notified" in event["summary"]
    assert body["resource"]["state"]["cancelled"] is True
    assert body["resource"]["state"]["financial_status"] == "refunded"
    assert "cancel_and_refund_order" not in body["resource"]["available_actions"]

    replay = _act(gateway, cancel, key)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == done.content

    again = _act(gateway, cancel)
    assert again.status_code == 409
    assert again.json()["current_state"]["decision_code"] == "already_cancelled"


def test_shopify_refusal_reaches_the_caller_verbatim(gateway: httpx.Client) -> None:
    response = _act(
        gateway, order_action("cancel_and_refund_order", PAID_FULFILLED, {"reason": "customer"})
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "platform_rejected"
    messages = [e["message"] for e in problem["platform_errors"]]
    assert "Cannot cancel an order that has outstanding fulfillments" in messages


def test_refund_note_and_discount(gateway: httpx.Client) -> None:
    damaged = {"reason": "customer", "note": "Arrived damaged"}
    refund = _act(gateway, order_action("refund_order", PAID_PARTIALLY_FULFILLED, damaged))
    assert refund.status_code == 200, refund.text
    assert refund.json()["timeline_event"]["type"] == "order.refunded"
    assert refund.json()["resource"]["state"]["financial_status"] == "refunded"

    appended = {"note": "Refunded after a call", "mode": "append"}
    note = _act(gateway, order_action("edit_order_note", PAID_PARTIALLY_FULFILLED, appended))
    assert note.status_code == 200, note.text
    assert note.json()["resource"]["note"].endswith("Refunded after a call")

    lookup = gateway.get("/v1/customers", params={"email": AVA}).json()["results"]
    customer_id = next(r for r in lookup if r["connection"] == "sandbox-shopify")["customers"][0][
        "id"
    ]
    code = f"SORRY{uuid.uuid4().hex[:6].upper()}"
    discount = {
        "action": "create_discount_code",
        "target": {"customer_id": customer_id},
        "input": {"code": code, "type": "percentage", "value": "15", "expiry": "3_months"},
    }
    created = _act(gateway, discount)
    assert created.status_code == 200, created.text
    assert created.json()["timeline_event"]["type"] == "discount_code.created"
    assert created.json()["discount_code"]["code"] == code
    taken = _act(gateway, discount)
    assert taken.status_code == 409
    assert taken.json()["code"] == "discount_code_taken"


def test_manual_lookup_by_order_name(gateway: httpx.Client) -> None:
    response = gateway.get("/v1/connections/sandbox-shopify/orders", params={"name": "#1007"})
    assert response.status_code == 200, response.text
    assert response.json()["eligibility"]["state"]["payment"] == "unpaid"
    assert gateway.get("/v1/connections/sandbox-shopify/orders/1").status_code == 404


def test_server_logs_one_json_line_per_action(gateway: httpx.Client, server_log: Path) -> None:
    response = _act(
        gateway,
        {
            "action": "edit_order_note",
            "target": {"order_id": "5500001007"},
            "input": {"note": "log line check"},
            "context": {"agent_id": "agent-log"},
        },
    )
    assert response.status_code == 200, response.text
    lines = [
        json.loads(line) for line in server_log.read_text().splitlines() if line.startswith("{")
    ]
    actions = [line for line in lines if line.get("event") == "action"]
    mine = [line for line in actions if line.get("agent_id") == "agent-log"]
    assert len(mine) == 1
    assert mine[0]["outcome"] == "succeeded"
    assert mine[0]["connection"] == "sandbox-shopify"
    assert "log line check" not in server_log.read_text()


def test_partial_refund_preview_then_partial_cancel(gateway: httpx.Client) -> None:
    order = gateway.get("/v1/connections/sandbox-shopify/orders/5500001003").json()  # #1003
    assert "partial_refund_order" in order["available_actions"]
    line = next(item for item in order["line_items"] if item["unfulfilled_quantity"] > 0)
    body = {
        "action": "partial_refund_order",
        "target": {"order_id": "5500001003"},
        "input": {
            "reason": "inventory",
            "cancel_unfulfilled": True,
            "line_items": [{"line_item_id": line["id"], "quantity": 1}],
            "notify_customer": True,
        },
    }
    preview = gateway.post("/v1/actions/preview", json={"connection": "sandbox-shopify", **body})
    assert preview.status_code == 200, preview.text
    quoted = preview.json()["refund"]
    assert quoted["line_items"][0]["restock_type"] == "cancel"

    done = _act(gateway, body)
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["refund"]["total"] == quoted["total"]
    assert result["timeline_event"]["type"] == "order.partially_cancelled"
    assert f"1 × {line['name']}" in result["timeline_event"]["summary"]
    after = next(i for i in result["resource"]["line_items"] if i["id"] == line["id"])
    assert after["unfulfilled_quantity"] == line["unfulfilled_quantity"] - 1

    too_much = _act(
        gateway,
        {
            "action": "partial_refund_order",
            "target": {"order_id": "5500001003"},
            "input": {"reason": "customer", "amount": "99999.00"},
        },
    )
    assert too_much.status_code == 422, too_much.text
    assert too_much.json()["code"] == "refund_exceeds_refundable"


def test_subscriptions_over_http(gateway: httpx.Client) -> None:
    found = gateway.get("/v1/customers", params={"email": AVA, "conversation_status": "open"})
    shopify = next(r for r in found.json()["results"] if r["connection"] == "sandbox-shopify")
    subscriptions = shopify["customers"][0]["subscriptions"]
    recharge = [s for s in subscriptions if s["connection"] == "sandbox-recharge"]
    target = next(s for s in recharge if "skip_subscription_order" in s["available_actions"])
    response = _act(
        gateway,
        {
            "connection": "sandbox-recharge",
            "action": "skip_subscription_order",
            "target": {"subscription_id": target["id"]},
            "input": {},
            "context": {"conversation_status": "open"},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timeline_event"]["type"] == "subscription.skipped"
    assert body["subscription"]["skipped_order_date"] == target["next_order_date"]
    assert body["resource"]["next_order_date"] > target["next_order_date"]
