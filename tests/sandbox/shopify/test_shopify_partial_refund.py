"""Partial refunds on the simulator: restock types, partial cancels, and never above refundable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from pydantic import ValidationError as ModelValidationError

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import (
    CancelReason,
    PartialRefundLineItem,
    PartialRefundOrderInput,
)
from action_gateway.errors import RefundExceedsRefundable, ValidationFailed
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify import ShopifyAdapter, build_shopify_adapter
from action_gateway_sandbox.shopify import ShopifySimulator
from tests.sandbox.shopify.test_shopify_simulator import (
    BASE,
    REFUND_CREATE,
    TOKEN,
    gql,
    order,
    order_gid,
)

SUGGESTED = """
query Suggested($id: ID!, $lines: [RefundLineItemInput!], $shipping: Money) {
  order(id: $id) {
    suggestedRefund(refundLineItems: $lines, shippingAmount: $shipping) {
      amountSet { presentmentMoney { amount currencyCode } }
      shipping { amountSet { shopMoney { amount } } maximumRefundableSet { shopMoney { amount } } }
      refundLineItems { lineItem { id } quantity restockType location { id } }
    }
  }
}
"""

# Seeded orders with money left to refund (PAID, PARTIALLY_PAID, PARTIALLY_REFUNDED, EUR).
REFUNDABLE = (1001, 1002, 1003, 1004, 1006, 1022, 1023, 1024, 1025, 1026, 1030)


def line_gid(number: int, index: int) -> str:
    return f"gid://shopify/LineItem/{(5_500_000_000 + number) * 10 + index}"


@pytest.fixture
def sim() -> ShopifySimulator:
    return ShopifySimulator(access_token=TOKEN)


@pytest.fixture
async def client(sim: ShopifySimulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"X-Shopify-Access-Token": TOKEN}
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE, headers=headers) as c:
        yield c


async def refund(client: httpx.AsyncClient, number: int, **data: Any) -> dict[str, Any]:
    variables = {"input": {"orderId": order_gid(number), **data}, "idempotencyKey": str(data)}
    payload: dict[str, Any] = (await gql(client, REFUND_CREATE, variables))["data"]["refundCreate"]
    return payload


async def cancel_units(
    client: httpx.AsyncClient, number: int, line: int, quantity: int
) -> dict[str, Any]:
    """Refunds ``quantity`` units of the order's ``line`` (1-based) with restockType CANCEL."""
    item = {"lineItemId": line_gid(number, line), "quantity": quantity, "restockType": "CANCEL"}
    return await refund(client, number, refundLineItems=[item])


def connection() -> ConnectionConfig:
    return ConnectionConfig(
        id="sandbox",
        platform="shopify",
        shop="sandbox-shop.myshopify.com",
        api_version="2026-07",
        access_token_env="SANDBOX_SHOPIFY_TOKEN",
        access_token=SecretStr(TOKEN),
    )


def adapter_for(http: httpx.AsyncClient) -> ShopifyAdapter:
    return build_shopify_adapter(connection(), http)


async def test_cancel_takes_unfulfilled_units_off_the_order(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    # #1004: line 1 fulfilled, line 2 (2 units) unfulfilled → PARTIALLY_FULFILLED.
    payload = await cancel_units(client, 1004, line=2, quantity=2)
    assert payload["userErrors"] == []
    after = await order(client, 1004)
    line = after["lineItems"]["nodes"][1]
    assert (line["currentQuantity"], line["refundableQuantity"], line["unfulfilledQuantity"]) == (
        0,
        0,
        0,
    )
    assert after["displayFulfillmentStatus"] == "FULFILLED"


async def test_cancel_on_fulfilled_units_is_refused(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    payload = await cancel_units(client, 1002, line=1, quantity=1)
    assert payload["refund"] is None
    assert payload["userErrors"] == [
        {
            "field": ["refundLineItems", "0", "restockType"],
            "message": "Cannot cancel more items than are unfulfilled",
        }
    ]
    assert sim.ledger == []


async def test_return_on_never_fulfilled_units_is_accepted(client: httpx.AsyncClient) -> None:
    # Captured (shopify.md §6.3): RETURN + locationId on an unfulfilled order, restocked: true.
    payload = await refund(
        client,
        1001,
        refundLineItems=[
            {
                "lineItemId": line_gid(1001, 2),
                "quantity": 1,
                "restockType": "RETURN",
                "locationId": "gid://shopify/Location/64880001",
            }
        ],
    )
    assert payload["userErrors"] == []
    assert payload["refund"]["refundLineItems"]["nodes"][0]["restocked"] is True
    assert (await order(client, 1001))["lineItems"]["nodes"][1]["unfulfilledQuantity"] == 1


async def test_a_line_repeated_counts_its_units_together(client: httpx.AsyncClient) -> None:
    lines = [
        {"lineItemId": line_gid(1001, 2), "quantity": 2, "restockType": "CANCEL"},
        {"lineItemId": line_gid(1001, 2), "quantity": 1, "restockType": "RETURN"},
    ]
    payload = await refund(client, 1001, refundLineItems=lines)
    assert payload["userErrors"] == [
        {
            "field": ["refundLineItems", "1", "quantity"],
            "message": "Quantity cannot refund more items than were purchased",
        }
    ]


async def test_shipping_amount_above_refundable_and_manual_amount_below_suggestion(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    over = await refund(client, 1001, shipping={"amount": "99.00"})
    assert over["userErrors"][0]["field"] == ["shipping", "amount"]
    parent = f"gid://shopify/OrderTransaction/{order_gid(1001).rsplit('/', 1)[1]}5"
    transaction = {
        "orderId": order_gid(1001),
        "parentId": parent,
        "gateway": "shopify_payments",
        "kind": "REFUND",
        "amount": "3.00",
    }
    below = await refund(
        client,
        1001,
        refundLineItems=[{"lineItemId": line_gid(1001, 1), "quantity": 1}],
        transactions=[transaction],
        discrepancyReason="CUSTOMER",
    )
    assert below["userErrors"] == []
    assert below["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "3.0"
    assert [entry.amount for entry in sim.ledger] == [Decimal("3.00")]


async def test_suggested_refund_for_lines_and_shipping(client: httpx.AsyncClient) -> None:
    lines = [
        {"lineItemId": line_gid(1004, 1), "quantity": 1, "restockType": "RETURN"},
        {"lineItemId": line_gid(1004, 2), "quantity": 1, "restockType": "NO_RESTOCK"},
    ]
    body = await gql(client, SUGGESTED, {"id": order_gid(1004), "lines": lines, "shipping": "2"})
    suggestion = body["data"]["order"]["suggestedRefund"]
    assert [(line["restockType"], line["location"]) for line in suggestion["refundLineItems"]] == [
        ("RETURN", {"id": "gid://shopify/Location/64880001"}),
        ("NO_RESTOCK", None),
    ]
    assert suggestion["shipping"]["amountSet"]["shopMoney"]["amount"] == "2.0"


async def test_adapter_splits_a_restocked_line_on_the_simulator(sim: ShopifySimulator) -> None:
    stored = sim.store.orders[5_500_001_001]
    stored.line_items[0].fulfilled = 1
    stored.line_items[1].fulfilled = 1  # 2 units: one shipped, one not
    assert stored.fulfillment_status() == "PARTIALLY_FULFILLED"
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE) as http:
        adapter = adapter_for(http)
        action = ActionCall.within(15, idempotency_key="split")
        target = await adapter.get_order("5500001001", call=action)
        assert target is not None
        data = PartialRefundOrderInput(
            reason=CancelReason.CUSTOMER,
            line_items=[
                PartialRefundLineItem(
                    line_item_id=str(stored.line_items[1].id), quantity=2, restock=True
                )
            ],
        )
        outcome = await adapter.partial_refund_order(target, data, call=action)
    assert outcome.refund is not None
    assert [(line.quantity, line.restock_type) for line in outcome.refund.line_items] == [
        (1, "cancel"),
        (1, "return"),
    ]
    assert (
        stored.line_items[1].refundable_quantity,
        stored.line_items[1].unfulfilled_quantity,
    ) == (
        0,
        0,
    )
    # The cancelled unit left the order: everything that remains has shipped.
    assert stored.fulfillment_status() == "FULFILLED"
    [entry] = sim.ledger
    assert entry.amount == stored.line_items[1].unit_price * 2


async def test_a_goodwill_amount_without_lines_is_refunded_on_the_orders_payments(
    sim: ShopifySimulator,
) -> None:
    # Nothing to suggest for no lines: the payments come from the full suggestion instead.
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE) as http:
        adapter = adapter_for(http)
        action = ActionCall.within(15, idempotency_key="goodwill")
        target = await adapter.get_order("5500001006", call=action)
        assert target is not None
        data = PartialRefundOrderInput(reason=CancelReason.CUSTOMER, amount="5.00")
        preview = await adapter.preview_refund(target, data, call=action)
        outcome = await adapter.partial_refund_order(target, data, call=action)
    assert preview.total.amount == "5.00"
    assert [t.amount.amount for t in preview.transactions] == ["5.00"]
    assert outcome.refund is not None
    assert outcome.refund.total.amount == "5.00"
    [entry] = sim.ledger
    assert entry.amount == Decimal("5.00")


# -- property: never above what the platform said was refundable --------------------------------

_MONEY = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200"), places=2)


@st.composite
def requests(draw: st.DrawFn) -> tuple[int, PartialRefundOrderInput | None]:
    number = draw(st.sampled_from(REFUNDABLE))
    indexes = draw(st.lists(st.sampled_from([1, 2]), unique=True, max_size=2))
    items = [
        PartialRefundLineItem(
            line_item_id=str((5_500_000_000 + number) * 10 + index),
            quantity=draw(st.integers(1, 3)),
            restock=draw(st.booleans()),
        )
        for index in indexes
    ]
    shipping = draw(st.none() | _MONEY.map(lambda d: d / 10))
    amount = draw(st.none() | _MONEY)
    try:
        data = PartialRefundOrderInput(
            reason=draw(st.sampled_from(list(CancelReason))),
            line_items=items,
            shipping_amount=None if shipping is None else f"{shipping:.2f}",
            amount=None if amount is None else f"{amount:.2f}",
            cancel_unfulfilled=draw(st.booleans()),
        )
    except ModelValidationError:
        return number, None
    return number, data


async def _refund_on_a_fresh_simulator(number: int, data: PartialRefundOrderInput) -> None:
    sim = ShopifySimulator(access_token=TOKEN)
    stored = sim.store.orders[5_500_000_000 + number]
    net_before = stored.presentment(stored.net_payment)
    shipping_before = stored.shipping_total - stored.refunded_shipping
    refunded_shipping_before = stored.refunded_shipping
    refundable_before = {li.id: li.refundable_quantity for li in stored.line_items}
    refunded_before = stored.refunded
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE) as http:
        adapter = adapter_for(http)
        action = ActionCall.within(15, idempotency_key=f"prop-{number}")
        target = await adapter.get_order(str(stored.id), call=action)
        assert target is not None
        try:
            outcome = await adapter.partial_refund_order(target, data, call=action)
        except (RefundExceedsRefundable, ValidationFailed):
            assert sim.ledger == []  # refused before anything was sent
            assert stored.refunded == refunded_before
            return
    assert outcome.status == "succeeded"
    [entry] = sim.ledger
    assert entry.operation == "refundCreate"
    assert entry.amount is not None
    assert entry.amount <= net_before
    if data.amount is not None:
        assert entry.amount == Decimal(data.amount)
    assert stored.refunded <= stored.received
    assert stored.refunded_shipping - refunded_shipping_before <= shipping_before
    for line in stored.line_items:
        refunded_now = refundable_before[line.id] - line.refundable_quantity
        assert 0 <= refunded_now <= refundable_before[line.id]
        assert line.unfulfilled_quantity >= 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_a_partial_refund_never_exceeds_what_shopify_says_is_refundable(
    request: tuple[int, PartialRefundOrderInput | None],
) -> None:
    number, data = request
    assume(data is not None)
    assert data is not None
    asyncio.run(_refund_on_a_fresh_simulator(number, data))
