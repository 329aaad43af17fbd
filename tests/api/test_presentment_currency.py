"""The customer's currency: a Shopify order presented in EUR (sandbox #1030) shows shop and
presentment totals, and its refunds and timeline events say which currency they state."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.helpers import running_app, sandbox_order_action

ORDER_1030 = "5500001030"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with running_app() as (client, _):
        yield client


async def test_the_order_view_shows_shop_and_presentment_totals(client: httpx.AsyncClient) -> None:
    order = (await client.get(f"/v1/connections/sandbox-shopify/orders/{ORDER_1030}")).json()

    assert order["currency"] == "USD"
    assert order["totals"]["total"] == {"amount": "84.50", "currency": "USD"}
    assert order["presentment_currency"] == "EUR"
    assert order["presentment_totals"]["total"] == {"amount": "76.05", "currency": "EUR"}
    assert order["presentment_totals"]["shipping"] == {"amount": "5.85", "currency": "EUR"}
    one_currency = (await client.get("/v1/connections/sandbox-shopify/orders/5500001001")).json()
    assert one_currency["presentment_currency"] is None
    assert one_currency["presentment_totals"] is None


async def test_a_refund_says_it_states_the_customers_currency(client: httpx.AsyncClient) -> None:
    body = {
        "connection": "sandbox-shopify",
        "action": "partial_refund_order",
        "target": {"order_id": ORDER_1030},
        "input": {"reason": "customer", "amount": "10.00"},
    }
    preview = await client.post("/v1/actions/preview", json=body)
    executed = await client.post(
        "/v1/actions", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )

    assert preview.status_code == 200, preview.text
    assert executed.status_code == 200, executed.text
    for answer in (preview.json(), executed.json()):
        assert answer["refund"]["total"] == {"amount": "10.00", "currency": "EUR"}
        assert answer["refund"]["currency_side"] == "presentment"
    assert preview.json()["summary"].startswith("Would refund €10.00 (in the customer's currency)")
    event = executed.json()["timeline_event"]
    assert event["summary"].startswith(
        "Refunded €10.00 (in the customer's currency) on order #1030"
    )
    assert event["details"]["refund"]["currency_side"] == "presentment"
    refreshed = executed.json()["resource"]
    assert refreshed["presentment_totals"]["refunded"] == {"amount": "10.00", "currency": "EUR"}
    assert refreshed["totals"]["refunded"] == {"amount": "11.11", "currency": "USD"}


async def test_a_cancel_and_refund_says_it_states_the_shop_currency(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/actions",
        json=sandbox_order_action("cancel_and_refund_order", ORDER_1030, {"reason": "customer"}),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )

    assert response.status_code == 200, response.text
    event = response.json()["timeline_event"]
    # orderCancel answers no refund: it is read back from the order's totals, in shop money.
    assert event["details"]["refunded"] == {"amount": "84.50", "currency": "USD"}
    assert event["details"]["refunded_currency_side"] == "shop"
    assert "refunded $84.50 (in the shop's currency)" in event["summary"]
