"""Property: on the Shopify sandbox, a partial refund's preview total == executed total == what
the simulator recorded (in the order's presentment currency, EUR on #1030)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.sandbox.refund_totals import (
    REFUND_PROPERTY_SETTINGS,
    assert_totals_agree,
    refund_once,
)

# Seeded orders with money left to refund (PAID, PARTIALLY_PAID, PARTIALLY_REFUNDED, EUR).
REFUNDABLE = (1001, 1002, 1003, 1004, 1006, 1022, 1023, 1024, 1025, 1026, 1030)


def _recorded(simulator: Any) -> list[Decimal]:
    return [entry.amount for entry in simulator.ledger if entry.operation == "refundCreate"]


@REFUND_PROPERTY_SETTINGS
@given(number=st.sampled_from(REFUNDABLE), data=st.data())
def test_preview_equals_executed_equals_recorded(number: int, data: st.DataObject) -> None:
    order_id = str(5_500_000_000 + number)
    totals = asyncio.run(refund_once(data.draw, "sandbox-shopify", order_id, _recorded))
    assert_totals_agree(totals)
