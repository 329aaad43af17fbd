"""The partial refund check every adapter runs before anything leaves (``domain/refunds.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from action_gateway.domain.models import (
    LineItem,
    Money,
    Order,
    PartialRefundOrderInput,
    RefundSummary,
)
from action_gateway.domain.refunds import check_partial_refund
from action_gateway.errors import RefundExceedsRefundable, ValidationFailed
from tests.fakes import make_order


def order() -> Order:
    lines = [
        LineItem(id="L1", name="Mug", quantity=2, refundable_quantity=1),
        LineItem(id="L2", name="Tea", quantity=3),  # the platform did not say: not checked here
    ]
    return make_order("1001", total="50.00").model_copy(update={"line_items": lines})


def computed(total: str = "20.00", maximum: str = "50.00", shipping: str = "5.00") -> RefundSummary:
    return RefundSummary(
        total=Money.of(total, "USD"),
        maximum_refundable=Money.of(maximum, "USD"),
        shipping_refundable=Money.of(shipping, "USD"),
    )


def asked(**fields: Any) -> PartialRefundOrderInput:
    return PartialRefundOrderInput.model_validate({"reason": "customer", **fields})


@pytest.mark.parametrize(
    "data",
    [
        asked(line_items=[{"line_item_id": "L1", "quantity": 1}]),
        asked(line_items=[{"line_item_id": "L2", "quantity": 3}]),
        asked(shipping_amount="5.00"),
        asked(amount="50.00"),
    ],
)
def test_what_is_refundable_passes(data: PartialRefundOrderInput) -> None:
    check_partial_refund(order(), data, computed())


def test_an_unknown_line_is_invalid_input() -> None:
    data = asked(line_items=[{"line_item_id": "L9", "quantity": 1}])
    with pytest.raises(ValidationFailed, match="order #1001 has no line item L9") as caught:
        check_partial_refund(order(), data, computed())
    assert [e.loc for e in caught.value.extensions["errors"]] == [
        ["body", "input", "line_items", "0", "line_item_id"]
    ]


def test_each_excess_is_named_in_one_refusal() -> None:
    data = asked(
        line_items=[{"line_item_id": "L1", "quantity": 2}], shipping_amount="6", amount="60"
    )
    with pytest.raises(RefundExceedsRefundable) as caught:
        check_partial_refund(order(), data, computed())
    assert [(e.loc[-1], e.type) for e in caught.value.extensions["errors"]] == [
        ("quantity", "refund_exceeds_refundable"),
        ("shipping_amount", "refund_exceeds_refundable"),
        ("amount", "refund_exceeds_refundable"),
    ]
    assert "2 × Mug asked, 1 refundable" in caught.value.detail
    assert caught.value.detail.endswith("(order #1001).")


def test_without_a_manual_amount_the_platforms_total_is_held_to_the_maximum() -> None:
    data = asked(line_items=[{"line_item_id": "L2", "quantity": 3}])
    with pytest.raises(RefundExceedsRefundable) as caught:
        check_partial_refund(order(), data, computed(total="70.00"))
    assert caught.value.extensions["errors"][0].loc == ["body", "input", "line_items"]
