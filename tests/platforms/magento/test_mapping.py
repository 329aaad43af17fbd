"""Magento's payload shapes as the gateway reads them: refund amounts stated in base currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from action_gateway.domain.models import CurrencySide
from action_gateway.platforms.magento.mapping import RefundPlan, refund_summary

PLAN = RefundPlan(
    online=False,
    method="checkmo",
    items=[],
    shipping=Decimal("5"),
    adjustment_positive=Decimal("10"),
    adjustment_negative=Decimal(0),
    total=Decimal("15"),
    lines=[],
)


@pytest.mark.parametrize(
    ("order_currency", "side"), [("EUR", CurrencySide.SHOP), ("USD", None), (None, None)]
)
def test_a_refund_says_it_is_in_the_base_currency_when_the_order_has_two(
    order_currency: str | None, side: CurrencySide | None
) -> None:
    node = {
        "base_currency_code": "USD",
        "order_currency_code": order_currency,
        "base_total_paid": 40,
        "base_total_refunded": 0,
        "base_shipping_amount": 5,
    }
    summary = refund_summary(PLAN, node)
    assert (summary.total.amount, summary.total.currency) == ("15.00", "USD")
    assert summary.maximum_refundable is not None
    assert summary.maximum_refundable.amount == "40.00"
    assert summary.currency_side is side
