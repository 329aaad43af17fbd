"""Summaries an agent can paste: a dry run says what would happen, the event what did, in words.

Driven over the sandbox, so the wording is checked against what the adapters really return.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from action_gateway.timeline import format_date
from tests.helpers import running_app

OPEN = {"conversation_status": "open"}


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    async with running_app() as (client, app):
        yield client, app


async def _preview_then_execute(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    preview = await client.post("/v1/actions/preview", json=body)
    assert preview.status_code == 200, preview.text
    executed = await client.post(
        "/v1/actions", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert executed.status_code == 200, executed.text
    return preview.json(), executed.json()


@pytest.mark.parametrize(
    ("body", "would", "did"),
    [
        (
            {
                "connection": "sandbox-shopify",
                "action": "cancel_and_refund_order",
                "target": {"order_id": "5500001001"},
                "input": {"reason": "customer", "notify_customer": True},
            },
            "Would cancel order #1001 and refund $130.00 including shipping; "
            "reason: customer request; customer notified.",
            "Cancelled order #1001 and refunded $130.00 including shipping; "
            "reason: customer request; customer notified.",
        ),
        (
            {
                "connection": "sandbox-shopify",
                "action": "refund_order",
                "target": {"order_id": "5500001002"},
                "input": {"reason": "customer"},
            },
            "Would refund $84.50 on order #1002 including shipping; reason: customer request; "
            "customer not notified.",
            "Refunded $84.50 on order #1002 including shipping; reason: customer request; "
            "customer not notified.",
        ),
        (
            {
                "connection": "sandbox-bigcommerce",
                "action": "partial_refund_order",
                "target": {"order_id": "102"},
                "input": {
                    "reason": "customer",
                    "line_items": [{"line_item_id": "1022", "quantity": 1}],
                    "shipping_amount": "3.00",
                },
            },
            "Would refund $27.00 on order #102 for 1 × Linen Napkins (Set of 4) and $3.00 of "
            "shipping; reason: customer request; customer emails per the store's settings.",
            "Refunded $27.00 on order #102 for 1 × Linen Napkins (Set of 4) and $3.00 of "
            "shipping; reason: customer request; customer emails per the store's settings.",
        ),
        (
            {
                "connection": "sandbox-shopify",
                "action": "edit_order_note",
                "target": {"order_id": "5500001001"},
                "input": {"note": "Refunded after a call", "mode": "append"},
            },
            "Would add “Refunded after a call” to the note on order #1001.",
            "Added to the note on order #1001: “Refunded after a call”.",
        ),
        (
            {
                "connection": "sandbox-shopify",
                "action": "create_discount_code",
                "target": {"customer_id": "7410001"},
                "input": {
                    "code": "WINTER15",
                    "type": "percentage",
                    "value": "15",
                    "expiry": "never",
                    "collection_id": "4420001",
                },
            },
            "Would create one-time discount code WINTER15 (15% off one collection, never "
            "expires) for Ava Lindqvist.",
            # Shopify gives the collection's title back with the discount.
            "Created one-time discount code WINTER15 (15% off the Winter Essentials collection, "
            "never expires) for Ava Lindqvist.",
        ),
        (
            {
                "connection": "sandbox-ordergroove",
                "action": "cancel_subscription",
                "target": {"subscription_id": f"5b{3:030d}"},
                "input": {"reason": "4"},
                "context": OPEN,
            },
            "Would cancel the subscription to Citric Descaler 250 g (every 3 months); no later "
            "shipments would be sent; reason: overstocked.",
            "Cancelled the subscription to Citric Descaler 250 g (every 3 months); no later "
            "shipments will be sent; reason: overstocked.",
        ),
        (
            {
                "connection": "sandbox-ordergroove",
                "action": "skip_subscription_order",
                "target": {"subscription_id": f"5b{1:030d}"},
                "context": OPEN,
            },
            "Would skip the {next} order of 2 × House Espresso Beans 1 kg.",
            "Skipped the {next} order of 2 × House Espresso Beans 1 kg; the next one is on {then}.",
        ),
        (
            {
                "connection": "sandbox-recharge",
                "action": "cancel_subscription",
                "target": {"subscription_id": "66300101"},
                "input": {"reason": "too_much_product"},
                "context": OPEN,
            },
            "Would cancel the subscription to 2 × Single-Origin Coffee Beans (every 2 weeks); no "
            "later shipments would be sent; reason: too much product.",
            "Cancelled the subscription to 2 × Single-Origin Coffee Beans (every 2 weeks); no "
            "later shipments will be sent; reason: too much product.",
        ),
    ],
    ids=lambda value: value["action"] if isinstance(value, dict) else "",
)
async def test_a_preview_says_what_would_happen_and_the_event_what_did(
    gateway: tuple[httpx.AsyncClient, FastAPI], body: dict[str, Any], would: str, did: str
) -> None:
    client, _ = gateway
    preview, executed = await _preview_then_execute(client, body)

    event = executed["timeline_event"]
    if "{next}" in would:  # sandbox dates move with the clock: read them back in ISO
        skipped = date.fromisoformat(event["details"]["skipped_order_date"])
        then = date.fromisoformat(event["details"]["next_order_date"])
        would = would.format(next=format_date(skipped))
        did = did.format(next=format_date(skipped), then=format_date(then))
    assert preview["summary"] == would
    assert executed["summary"] is None  # an executed action says it in its timeline event
    assert event["summary"] == did
