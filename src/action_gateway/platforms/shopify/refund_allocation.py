"""How a Shopify partial refund is allocated: units to restock locations, money to payments."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from action_gateway.domain.models import Money, PartialRefundOrderInput, format_decimal
from action_gateway.errors import FieldError, RefundExceedsRefundable

if TYPE_CHECKING:
    from action_gateway.platforms.shopify.mapping import Node

_RESTOCKED = frozenset({"RETURN", "CANCEL"})


def with_locations(lines: list[dict[str, Any]], suggestion: Node) -> list[dict[str, Any]]:
    """The refund lines with the restock location Shopify chose for each in its suggestion."""
    locations: dict[tuple[str, str], str] = {}
    for line in suggestion.get("refundLineItems") or []:
        location = (line.get("location") or {}).get("id")
        item = (line.get("lineItem") or {}).get("id")
        if location and item:
            locations.setdefault((item, line.get("restockType") or ""), location)
            locations.setdefault((item, ""), location)
    out = []
    for line in lines:
        restock = line["restockType"]
        location = locations.get((line["lineItemId"], restock)) or locations.get(
            (line["lineItemId"], "")
        )
        # locationId must stay empty for NO_RESTOCK; RETURN/CANCEL restock there.
        if restock in _RESTOCKED and location:
            out.append({**line, "locationId": location})
        else:
            out.append(dict(line))
    return out


def presentment_amount(bag: Node | None) -> Decimal:
    """A MoneyBag's presentment amount (refunds move presentment money), else its shop amount."""
    money = (bag or {}).get("presentmentMoney") or (bag or {}).get("shopMoney")
    return Money.of(str(money["amount"]), money["currencyCode"]).value if money else Decimal(0)


def split_refund_amount(amount: Decimal, suggestion: Node) -> list[tuple[Node, Decimal]]:
    """``amount`` spread over the suggested transactions in order, each ≤ its maximum.

    Raises RefundExceedsRefundable when the suggested payments cannot carry it.
    """
    left = amount
    out: list[tuple[Node, Decimal]] = []
    capacity = Decimal(0)
    for transaction in suggestion.get("suggestedTransactions") or []:
        maximum = presentment_amount(transaction.get("maximumRefundableSet"))
        capacity += maximum
        share = min(left, maximum)
        if share > 0:
            out.append((transaction, share))
            left -= share
    if left > 0:
        raise RefundExceedsRefundable(
            f"a refund of {format_decimal(amount)} asked, the payments Shopify suggests refunding "
            f"to can take {format_decimal(capacity)}",
            errors=[
                FieldError(
                    loc=["body", "input", "amount"],
                    message=f"at most {format_decimal(capacity)} can be refunded "
                    "to the suggested payments",
                    type="refund_exceeds_refundable",
                )
            ],
        )
    return out


def refund_transactions(
    suggestion: Node, data: PartialRefundOrderInput
) -> list[tuple[Node, Decimal]]:
    """(suggested transaction, amount) to refund: Shopify's own, or the manual amount split."""
    if data.amount is not None:
        return split_refund_amount(Decimal(data.amount), suggestion)
    return [
        (transaction, presentment_amount(transaction.get("amountSet")))
        for transaction in suggestion.get("suggestedTransactions") or []
        if presentment_amount(transaction.get("amountSet")) > 0
    ]
