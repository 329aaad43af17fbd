"""The one check every adapter runs before a partial refund leaves: never above refundable."""

from __future__ import annotations

from decimal import Decimal

from action_gateway.domain.models import Order, PartialRefundOrderInput, RefundSummary
from action_gateway.errors import FieldError, RefundExceedsRefundable, ValidationFailed


def check_partial_refund(
    order: Order, data: PartialRefundOrderInput, computed: RefundSummary
) -> None:
    """Refuse, before anything is sent, a request above what the platform says is refundable.

    ``computed`` is the platform's own calculation for this request (Shopify's suggestedRefund,
    BigCommerce's refund quote); ``order`` gives the refundable quantity of each line.
    """
    lines = {line.id: line for line in order.line_items}
    problems: list[FieldError] = []
    for index, item in enumerate(data.line_items):
        line = lines.get(item.line_item_id)
        loc = ["body", "input", "line_items", str(index)]
        if line is None:
            problems.append(
                FieldError(
                    loc=[*loc, "line_item_id"],
                    message=f"order {order.name} has no line item {item.line_item_id}",
                )
            )
        elif line.refundable_quantity is not None and item.quantity > line.refundable_quantity:
            problems.append(
                FieldError(
                    loc=[*loc, "quantity"],
                    message=f"{item.quantity} × {line.name} asked, "
                    f"{line.refundable_quantity} refundable",
                    type="refund_exceeds_refundable",
                )
            )
    unknown = [p for p in problems if p.type != "refund_exceeds_refundable"]
    if unknown:
        raise ValidationFailed("; ".join(p.message for p in unknown), errors=unknown)
    if data.shipping_amount is not None and computed.shipping_refundable is not None:
        asked = Decimal(data.shipping_amount)
        if asked > computed.shipping_refundable.value:
            problems.append(
                FieldError(
                    loc=["body", "input", "shipping_amount"],
                    message=f"shipping {asked} asked, {computed.shipping_refundable} refundable",
                    type="refund_exceeds_refundable",
                )
            )
    maximum = computed.maximum_refundable
    if maximum is not None:
        asked_total = Decimal(data.amount) if data.amount is not None else computed.total.value
        if asked_total > maximum.value:
            problems.append(
                FieldError(
                    loc=["body", "input", "amount" if data.amount is not None else "line_items"],
                    message=f"refund of {asked_total} {maximum.currency} asked, "
                    f"{maximum} refundable",
                    type="refund_exceeds_refundable",
                )
            )
    if problems:
        raise RefundExceedsRefundable(
            "; ".join(p.message for p in problems) + f" (order {order.name}).", errors=problems
        )
