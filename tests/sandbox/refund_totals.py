"""Shared by the Shopify and BigCommerce money properties: one random valid partial refund, driven
through the app over a fresh sandbox, previewed, executed and read back from the simulator.

The property: preview total == executed total == what the simulator recorded, to the cent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from tests.helpers import running_sandbox

Recorded = Callable[[Any], list[Decimal]]
Totals = tuple[Decimal, Decimal, list[Decimal]]

# Seeded and bounded: each example runs the app over a fresh sandbox, which is slow.
REFUND_PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _cents(low: Decimal, high: Decimal) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=low, max_value=high, places=2)


def _amount(totals: dict[str, Any], key: str) -> Decimal:
    return Decimal(totals[key]["amount"]) if totals.get(key) else Decimal(0)


def _draw_input(draw: st.DrawFn, order: dict[str, Any]) -> dict[str, Any] | None:
    """A partial refund within what the order says is refundable, or None when nothing is."""
    if "partial_refund_order" not in order["available_actions"]:
        return None
    totals = order.get("presentment_totals") or order["totals"]
    paid = _amount(totals, "received") if totals.get("received") else _amount(totals, "total")
    left = paid - _amount(totals, "refunded")
    shipping_left = _amount(totals, "shipping") - _amount(totals, "refunded_shipping")
    refundable_lines = [line for line in order["line_items"] if line["refundable_quantity"]]
    kinds = ["amount"] if left >= Decimal("0.01") else []
    if refundable_lines:
        kinds.append("lines")
    if shipping_left >= Decimal("0.01") and left >= Decimal("0.01"):
        kinds.append("shipping")
    if not kinds:
        return None
    kind = draw(st.sampled_from(kinds))
    if kind == "amount":
        return {"amount": str(draw(_cents(Decimal("0.01"), left)))}
    data: dict[str, Any] = {}
    if (kind == "shipping" or draw(st.booleans())) and shipping_left >= Decimal("0.01"):
        data["shipping_amount"] = str(draw(_cents(Decimal("0.01"), shipping_left)))
    if refundable_lines:
        chosen = draw(
            st.lists(
                st.sampled_from(refundable_lines),
                min_size=1 if kind == "lines" else 0,
                unique_by=lambda line: line["id"],
            )
        )
        data["line_items"] = [
            {
                "line_item_id": line["id"],
                "quantity": draw(st.integers(1, line["refundable_quantity"])),
            }
            for line in chosen
        ]
    return data if data.get("line_items") or "shipping_amount" in data else None


async def refund_once(
    draw: st.DrawFn, connection: str, order_id: str, recorded: Recorded
) -> Totals | None:
    """(preview total, executed total, amounts the simulator recorded), or None if refused.

    A refusal must be the same for the preview and the execution, with nothing recorded.
    """
    async with running_sandbox() as (client, sandbox):
        simulator = sandbox.simulators[connection]
        read = await client.get(f"/v1/connections/{connection}/orders/{order_id}")
        assert read.status_code == 200, read.text
        data = _draw_input(draw, read.json())
        if data is None:
            return None
        body = {
            "connection": connection,
            "action": "partial_refund_order",
            "target": {"order_id": order_id},
            "input": {"reason": "customer", **data},
        }
        preview = await client.post("/v1/actions/preview", json=body)
        executed = await client.post(
            "/v1/actions", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        if preview.status_code != 200:
            assert preview.status_code == 422, preview.text
            assert executed.status_code == 422, executed.text
            assert executed.json()["code"] == preview.json()["code"]
            assert recorded(simulator) == []
            return None
        assert executed.status_code == 200, executed.text
        preview_total = Decimal(preview.json()["refund"]["total"]["amount"])
        executed_total = Decimal(executed.json()["refund"]["total"]["amount"])
        assert (
            preview.json()["refund"]["total"]["currency"]
            == (executed.json()["refund"]["total"]["currency"])
        )
        return preview_total, executed_total, recorded(simulator)


def assert_totals_agree(totals: Totals | None) -> None:
    """The preview's total is the executed one, and the simulator recorded exactly that."""
    assume(totals is not None)  # refused alike by preview and execution, nothing recorded
    assert totals is not None
    preview, executed, recorded = totals
    assert preview == executed
    assert recorded == [executed]
