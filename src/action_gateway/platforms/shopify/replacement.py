"""A free replacement order on Shopify (``orderCreate``): its shapes, and how one is found again.

``orderCreate`` is not ``@idempotent`` (shared/platforms/next-actions.md §3.3): every order it
creates carries the request's marker (``domain.replacements.replacement_marker``) as a tag and
as its ``sourceIdentifier``, both searchable, so a later attempt (or the settling of a lost
answer) can find it instead of creating a second one.
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
from action_gateway.platforms.shopify.mapping import (
    Node,
    admin_url,
    legacy_id,
    search_value,
)

REPLACEMENT_TAG = "replacement"
FOR_TAG_PREFIX = "replacement-for-"
"""With the original's numeric id: the original's replacements are one tag search away."""
_ADDRESS_FIELDS = {
    "firstName": "firstName",
    "lastName": "lastName",
    "company": "company",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "provinceCode": "provinceCode",
    "zip": "zip",
    "countryCodeV2": "countryCode",  # read as countryCodeV2, written as countryCode
    "phone": "phone",
}


def source_lines(node: Node) -> dict[str, Node]:
    """The original's line items by numeric id."""
    return {
        legacy_id(line["id"]): line for line in (node.get("lineItems") or {}).get("nodes") or []
    }


def replacement_value(order: Order, node: Node, lines: Sequence[ReplacementLine]) -> Money:
    """The items at the original's unit prices after all discounts, in the customer's currency."""
    currency = str(node.get("presentmentCurrencyCode") or node["currencyCode"])
    by_id = source_lines(node)
    total = Decimal(0)
    for wanted in lines:
        bag = by_id[wanted.line.id].get("discountedUnitPriceAfterAllDiscountsSet") or {}
        money = bag.get("presentmentMoney") or bag.get("shopMoney") or {}
        total += Decimal(str(money.get("amount") or 0)) * wanted.quantity
    return Money.of(total, currency)


def shipping_address(order: Order, node: Node) -> dict[str, Any]:
    """The original's shipping address as a MailingAddressInput; refused when there is none."""
    address = node.get("shippingAddress")
    if not address:
        raise NotEligible(
            f"order {order.name} has no shipping address (a pickup or digital order): a "
            "replacement has nowhere to be sent",
            code="not_eligible",
        )
    return {
        target: address[source]
        for source, target in _ADDRESS_FIELDS.items()
        if address.get(source) not in (None, "")
    }


def to_shopify_replacement_variables(
    order: Order,
    node: Node,
    lines: Sequence[ReplacementLine],
    data: CreateReplacementOrderInput,
    *,
    marker: str,
) -> dict[str, Any]:
    """orderCreate's variables: zero-priced lines, free shipping, paid (nothing to collect),
    stock taken as for any order, marked and linked to the original."""
    currency = str(node["currencyCode"])
    zero = {"shopMoney": {"amount": "0.00", "currencyCode": currency}}
    by_id = source_lines(node)
    line_inputs: list[dict[str, Any]] = []
    for wanted in lines:
        source = by_id[wanted.line.id]
        line: dict[str, Any] = {
            "quantity": wanted.quantity,
            "priceSet": zero,
            # OrderCreateLineItemInput.requiresShipping defaults to false: say it.
            "requiresShipping": bool(source.get("requiresShipping", True)),
        }
        variant = source.get("variant")
        if variant:
            line["variantId"] = variant["id"]
        else:  # a custom item, or its product was deleted: send it by title
            line["title"] = source.get("title") or source["name"]
            if source.get("sku"):
                line["sku"] = source["sku"]
        line_inputs.append(line)
    customer = node.get("customer")
    note = f"Replacement for order {order.name} ({data.reason.value})"
    if data.note:
        note += f": {data.note}"
    order_input: dict[str, Any] = {
        "lineItems": line_inputs,
        "shippingAddress": shipping_address(order, node),
        "shippingLines": [{"title": "Replacement", "priceSet": zero}],
        # Nothing to collect: a zero total is paid (next-actions.md §3.1).
        "financialStatus": "PAID",
        "note": f"{note} [{marker}]",
        "tags": [REPLACEMENT_TAG, f"{FOR_TAG_PREFIX}{legacy_id(order.platform_id)}", marker],
        "sourceIdentifier": marker,
        "customAttributes": [
            {"key": "replacement_for", "value": order.name},
            {"key": "replacement_reason", "value": data.reason.value},
        ],
    }
    if customer:
        order_input["customer"] = {"toAssociate": {"id": customer["id"]}}
    elif node.get("email"):
        order_input["email"] = node["email"]
    return {
        "order": order_input,
        "options": {
            # The default (BYPASS) would not touch stock; obeying the policy refuses to oversell.
            "inventoryBehaviour": "DECREMENT_OBEYING_POLICY",
            "sendReceipt": data.notify_customer,
        },
    }


def marker_query(marker: str) -> str:
    return f"tag:{search_value(marker)}"


def is_marked(node: Node, marker: str) -> bool:
    """Search ignores unknown filters and matches loosely: check the mark itself."""
    return node.get("sourceIdentifier") == marker or marker in (node.get("tags") or [])


def from_shopify_replacement(node: Node, *, handle: str) -> ReplacementOrder:
    order_id = str(node.get("legacyResourceId") or legacy_id(node["id"]))
    return ReplacementOrder(
        id=order_id, name=node["name"], admin_url=admin_url(handle, "orders", order_id)
    )
