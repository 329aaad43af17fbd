"""Property: on BigCommerce, a partial refund never exceeds what BigCommerce says is refundable.

Random partial refunds (lines and quantities, shipping, manual totals) go through the real adapter
to a fresh simulator. Either the gateway refuses before sending (nothing in the ledger) or exactly
one refund is recorded, no larger than what the order had left to refund.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from pydantic import ValidationError as ModelValidationError

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import PartialRefundLineItem, PartialRefundOrderInput
from action_gateway.errors import RefundExceedsRefundable, ValidationFailed
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.bigcommerce import build_bigcommerce_adapter
from action_gateway_sandbox.bigcommerce import BigCommerceSimulator

TOKEN = "bc-property-token"
BASE = "https://api.bigcommerce.com/stores/sandbox"
# Seeded orders whose payment was captured online: Shipped, Partially Shipped, Awaiting Pickup,
# Awaiting Shipment, Completed, Awaiting Fulfillment, Disputed, Partially Refunded, guest.
REFUNDABLE = (102, 103, 108, 109, 110, 111, 113, 114, 115)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2)


@st.composite
def requests(draw: st.DrawFn) -> tuple[int, PartialRefundOrderInput | None]:
    order_id = draw(st.sampled_from(REFUNDABLE))
    lines = draw(
        st.lists(
            st.builds(
                PartialRefundLineItem,
                line_item_id=st.sampled_from([f"{order_id}1", f"{order_id}2"]),
                quantity=st.integers(min_value=1, max_value=3),
            ),
            max_size=2,
            unique_by=lambda item: item.line_item_id,
        )
    )
    shipping = draw(st.none() | st.decimals(min_value=0, max_value=12, places=2))
    manual = draw(st.none() | amounts) if not lines and shipping is None else None
    try:
        return order_id, PartialRefundOrderInput(
            reason="customer",
            line_items=lines,
            shipping_amount=None if shipping is None else str(shipping),
            amount=None if manual is None else str(manual),
        )
    except ModelValidationError:
        return order_id, None


async def _refund_on_a_fresh_simulator(order_id: int, data: PartialRefundOrderInput) -> None:
    sim = BigCommerceSimulator(access_token=TOKEN)
    connection = ConnectionConfig(
        id="bc", platform="bigcommerce", store_hash="sandbox", access_token_env="BC_TOKEN"
    ).model_copy(update={"access_token": SecretStr(TOKEN)})
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE) as http:
        adapter = build_bigcommerce_adapter(connection, http)
        order = await adapter.get_order(str(order_id), call=ActionCall.within(15))
        assert order is not None
        refunded_before = order.totals.refunded.value if order.totals.refunded else Decimal(0)
        refundable = order.totals.total.value - refunded_before
        try:
            outcome = await adapter.partial_refund_order(order, data, call=ActionCall.within(15))
        except (RefundExceedsRefundable, ValidationFailed):
            assert [e for e in sim.ledger if e.operation == "refund"] == []
            return
    refunds = [e for e in sim.ledger if e.operation == "refund"]
    assert len(refunds) == 1
    assert refunds[0].amount is not None
    assert refunds[0].amount <= refundable
    assert outcome.refund is not None
    assert outcome.refund.total.value == refunds[0].amount


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(requests())
def test_a_partial_refund_never_exceeds_what_bigcommerce_says_is_refundable(
    request: tuple[int, PartialRefundOrderInput | None],
) -> None:
    order_id, data = request
    if data is not None:
        asyncio.run(_refund_on_a_fresh_simulator(order_id, data))
