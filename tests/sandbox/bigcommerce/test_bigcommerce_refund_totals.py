"""Property: on the BigCommerce sandbox, a partial refund's preview total == executed total ==
what the simulator recorded."""

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

# Seeded orders open to a partial refund: Shipped, Partially Shipped, Completed, Partially Refunded.
REFUNDABLE = (102, 103, 110, 114)


def _recorded(simulator: Any) -> list[Decimal]:
    return [entry.amount for entry in simulator.ledger if entry.operation == "refund"]


@REFUND_PROPERTY_SETTINGS
@given(order_id=st.sampled_from(REFUNDABLE), data=st.data())
def test_preview_equals_executed_equals_recorded(order_id: int, data: st.DataObject) -> None:
    totals = asyncio.run(refund_once(data.draw, "sandbox-bigcommerce", str(order_id), _recorded))
    assert_totals_agree(totals)
