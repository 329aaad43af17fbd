"""A free replacement order on BigCommerce (``POST /v2/orders``): its body, its value, its mark.

Order creation is not deduplicated (shared/platforms/next-actions.md §3.4): the new order
carries the request's mark as its writable ``external_order_id`` (a filter of ``GET
/v2/orders``) and in its staff notes, so it can be found again instead of created twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from action_gateway.domain.models import (
    CreateReplacementOrderInput,
    Money,
    Order,
    ReplacementOrder,
)
from action_gateway.domain.replacements import ReplacementLine
from action_gateway.errors import NotEligible
from action_gateway.platforms.bigcommerce.mapping import Node

EXTERNAL_SOURCE = "action-gateway replacement"
"""``external_source``: "type + vendor", as the spec recommends [O2 4055]."""
AWAITING_FULFILLMENT = 11
_ADDRESS_FIELDS = ("first_name", "last_name", "company", "street_1", "street_2", "city",
                   "state", "zip", "country", "country_iso2", "email", "phone")  # fmt: skip


def _address(node: Node) -> dict[str, Any]:
    return {name: node[name] for name in _ADDRESS_FIELDS if node.get(name) not in (None, "")}


def unit_price(product: Node) -> Decimal:
    """What one unit cost the customer after discounts (tax included)."""
    quantity = int(product.get("quantity") or 1)
    discounted = product.get("discounted_total_inc_tax")
    if discounted not in (None, ""):
        return Decimal(str(discounted)) / quantity
    return Decimal(str(product.get("price_inc_tax") or 0))


def replacement_value(
    order: Order, products: Sequence[Node], lines: Sequence[ReplacementLine]
) -> Money:
    by_id = {str(p["id"]): p for p in products}
    total = sum((unit_price(by_id[w.line.id]) * w.quantity for w in lines), Decimal(0))
    return Money.of(total.quantize(Decimal("0.01")), order.currency)


def shipping_address(order: Order, addresses: Sequence[Node]) -> dict[str, Any]:
    if not addresses:
        raise NotEligible(
            f"order {order.name} has no shipping address (a pickup or digital order): a "
            "replacement has nowhere to be sent",
            code="not_eligible",
        )
    return _address(addresses[0])


def to_bigcommerce_replacement(
    order: Order,
    node: Node,
    products: Sequence[Node],
    addresses: Sequence[Node],
    lines: Sequence[ReplacementLine],
    data: CreateReplacementOrderInput,
    *,
    marker: str,
) -> dict[str, Any]:
    """The POST /v2/orders body: the same customer, zero prices (both ex and inc, or totals
    go wrong [D-orders 305]), free shipping, Awaiting Fulfillment, marked and noted."""
    by_id = {str(p["id"]): p for p in products}
    items = []
    for wanted in lines:
        product = by_id[wanted.line.id]
        item: dict[str, Any] = {
            "product_id": int(product["product_id"]),
            "quantity": wanted.quantity,
            "price_inc_tax": 0,
            "price_ex_tax": 0,
        }
        if product.get("variant_id"):
            item["variant_id"] = int(product["variant_id"])
        items.append(item)
    note = f"Replacement for order {order.name} ({data.reason.value})"
    if data.note:
        note += f": {data.note}"
    billing = _address(node.get("billing_address") or {})
    return {
        "customer_id": int(node.get("customer_id") or 0),
        "status_id": AWAITING_FULFILLMENT,
        "billing_address": billing,
        "shipping_addresses": [shipping_address(order, addresses)],
        "products": items,
        "shipping_cost_ex_tax": "0",
        "shipping_cost_inc_tax": "0",
        "staff_notes": f"{note} [{marker}]",
        "external_source": EXTERNAL_SOURCE,
        "external_order_id": marker,
    }


def is_marked(node: Node, marker: str) -> bool:
    return node.get("external_order_id") == marker or f"[{marker}]" in (
        node.get("staff_notes") or ""
    )


def from_bigcommerce_replacement(node: Node) -> ReplacementOrder:
    # The notes document no control-panel URL pattern for an order, so none is invented.
    return ReplacementOrder(id=str(node["id"]), name=f"#{node['id']}", admin_url=None)
