"""Property: on the BigCommerce sandbox, a partial refund's preview total == executed total ==
what the simulator recorded."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.sandbox.refund_totals import refund_once

# Seeded orders open to a partial refund: Shipped, Partially Shipped, Completed, Partially Refunded.
REFUNDABLE = (102, 103, 110, 114)


def _recorded(simulator: Any) -> list[Decimal]:
    return [entry.amount for entry in simulator.ledger if entry.operation == "refund"]


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(order_id=st.sampled_from(REFUNDABLE), data=st.data())
def test_preview_equals_executed_equals_recorded(order_id: int, data: st.DataObject) -> None:
    totals = asyncio.run(refund_once(data.draw, "sandbox-bigcommerce", str(order_id), _recorded))
    assume(totals is not None)  # refused alike by preview and execution, nothing recorded
    assert totals is not None
    preview, executed, recorded = totals
    assert preview == executed
    assert recorded == [executed]
