"""Settling a BigCommerce write whose answer was lost, by re-reading the order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from action_gateway.domain.models import Order
from action_gateway.errors import GatewayError, Outcome
from action_gateway.platforms._outcomes import still_unknown
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.bigcommerce.client import BigCommerceClient
from action_gateway.platforms.bigcommerce.endpoints import (
    GET_ORDER,
    LIST_ORDER_REFUNDS,
    UPDATE_ORDER,
)
from action_gateway.platforms.bigcommerce.mapping import CANCELLED_STATUS_ID, Node, decimal_of

RECONCILED_REFUND = (
    "BigCommerce's answer to the refund was lost; re-reading the order's refunds shows it was "
    "created."
)
RECONCILED_CANCEL = (
    "BigCommerce's answer to the cancellation was lost; re-reading the order shows it cancelled."
)
RESENT_CANCEL = (
    "BigCommerce's answer to the cancellation was lost and re-reading showed the order not "
    "cancelled, so the status change (which only sets the status) was sent again."
)


async def reconcile_cancel(
    client: BigCommerceClient, order: Order, exc: GatewayError, call: ActionCall
) -> list[str]:
    """After an ambiguous PUT of the Cancelled status: see ``BigCommerceAdapter._set_cancelled``."""
    try:
        node = await client.request(GET_ORDER, path={"order_id": order.platform_id}, call=call)
        status_id = int((node or {})["status_id"])
    except (GatewayError, KeyError, TypeError, ValueError):
        raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
    if status_id == CANCELLED_STATUS_ID:
        return [RECONCILED_CANCEL]
    if status_id != order.state.status_id:
        raise still_unknown(
            exc,
            f"Re-reading shows order {order.name} in status {status_id}, changed since it "
            f"was read (status {order.state.status_id}): check the order before cancelling "
            "again.",
        ) from exc.__cause__
    try:
        await client.request(
            UPDATE_ORDER,
            path={"order_id": order.platform_id},
            json={"status_id": CANCELLED_STATUS_ID},
            call=call,
        )
    except GatewayError as again:
        if again.extensions.get("outcome") is not Outcome.NOT_EXECUTED:
            raise  # its own answer: a refusal, or unknown again
        # Only the second PUT provably did not run; the first may still land.
        raise still_unknown(
            exc,
            f"Re-reading shows order {order.name} not cancelled, and sending the "
            f"cancellation again failed ({again.detail or again}): check the order before "
            "cancelling again.",
        ) from exc.__cause__
    return [RESENT_CANCEL]


async def read_order_refunds(
    client: BigCommerceClient, order: Order, call: ActionCall
) -> list[Node]:
    """The order's refunds so far (V3), as read now."""
    refunds = await client.request(
        LIST_ORDER_REFUNDS, path={"order_id": order.platform_id}, call=call
    )
    return [r for r in (refunds or {}).get("data") or [] if isinstance(r, Mapping)]


async def reconcile_refund(
    client: BigCommerceClient,
    order: Order,
    earlier: frozenset[str],
    request: Mapping[str, Any],
    exc: GatewayError,
    call: ActionCall,
) -> Node:
    """After an ambiguous refund POST: the one new refund that is ours, else unknown.

    BigCommerce has no idempotency key for refunds, so the POST is never re-sent. The
    order's refunds are re-read and compared with those read before the quote: a refund
    that is new (an id not seen before), has exactly our items (each PRODUCT's quantity,
    each SHIPPING / ORDER amount) and exactly our payments (provider, amount, offline) is
    ours; a concurrent refund by someone else would need the same items and payments.

    Not finding it never becomes ``not_executed``: a request whose answer was lost may
    still be running (the provider's refund happens inside the POST), a provider may have
    moved the money before BigCommerce failed to record it, and V2's ``refunded_amount``
    is documented as unreliable, so an unchanged list and total prove nothing about what
    is still to land. Answering ``not_executed`` would let the caller retry, and a second
    refund is the worst failure this service can cause; unknown only asks for a check.
    """
    try:
        refunds = await read_order_refunds(client, order, call)
    except GatewayError:
        raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
    new = [r for r in refunds if str(r.get("id")) not in earlier]
    ours = [r for r in new if _is_our_refund(r, request)]
    if len(ours) == 1:
        return ours[0]
    if not new:
        found = "no new refund yet (BigCommerce may still be processing it)"
    elif not ours:
        found = f"{len(new)} new refund(s), none with this refund's items and payments"
    else:
        found = f"{len(ours)} new refunds matching this one, so which is ours cannot be told"
    raise still_unknown(
        exc,
        f"Re-reading order {order.name} shows {found}: check the order's refunds in "
        "BigCommerce before refunding again.",
    ) from exc.__cause__


def _cents(value: Any) -> Decimal:
    return decimal_of(value).quantize(Decimal("0.01"))


def _item_key(item: Node, amount_key: str) -> tuple[str, int, Decimal | int]:
    """A refund item by what it moves: a product by quantity, anything else by amount."""
    kind = str(item.get("item_type"))
    if kind == "PRODUCT":
        return kind, int(item.get("item_id") or 0), int(item.get("quantity") or 0)
    return kind, int(item.get("item_id") or 0), _cents(item.get(amount_key))


def _is_our_refund(refund: Node, request: Mapping[str, Any]) -> bool:
    """Whether a BigCommerce refund has exactly the items and payments ``request`` asked for."""
    try:
        return _same_items_and_payments(refund, request)
    except (TypeError, ValueError, ArithmeticError):
        return False  # a malformed refund cannot be shown to be ours


def _same_items_and_payments(refund: Node, request: Mapping[str, Any]) -> bool:
    asked_items = Counter(_item_key(item, "amount") for item in request.get("items") or [])
    got_items = Counter(_item_key(item, "requested_amount") for item in refund.get("items") or [])
    asked_payments = Counter(
        (str(p.get("provider_id")), _cents(p.get("amount")), bool(p.get("offline")))
        for p in request.get("payments") or []
    )
    got_payments = Counter(
        (str(p.get("provider_id")), _cents(p.get("amount")), bool(p.get("offline")))
        for p in refund.get("payments") or []
    )
    return asked_items == got_items and asked_payments == got_payments
