"""Magento payloads to the neutral models, and the request bodies the adapter sends.

Amounts are read in the base currency (the store's), which is what credit memos take
(magento.md §3, §4.5); the order currency's totals are the presentment totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from action_gateway.domain.countries import province_name
from action_gateway.domain.models import (
    Address,
    AddressInput,
    CurrencySide,
    Customer,
    LineItem,
    Money,
    Order,
    OrderState,
    OrderTotals,
    RefundLine,
    RefundSummary,
    RefundTransaction,
)

Node = dict[str, Any]
PAID_INVOICE = 2
"""An invoice's state once paid (magento.md §3, the invoice tutorial)."""
CENT = Decimal("0.01")


def decimal_of(value: Any) -> Decimal:
    """A Magento amount (a JSON number, missing or null on unpaid orders) as a Decimal."""
    return Decimal(0) if value is None else Decimal(str(value))


def parse_time(value: Any) -> datetime | None:
    """Magento's ``2017-08-21 22:36:02`` (UTC)."""
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace(" ", "T")).replace(tzinfo=UTC)


def top_items(node: Node) -> list[Node]:
    """The rows people read: a configurable's child row (price 0) sits under its parent."""
    return [i for i in node.get("items") or [] if not i.get("parent_item_id")]


def _qty(item: Node, key: str) -> Decimal:
    return decimal_of(item.get(key))


def qty_to_invoice(item: Node) -> Decimal:
    return max(
        _qty(item, "qty_ordered") - _qty(item, "qty_invoiced") - _qty(item, "qty_canceled"),
        Decimal(0),
    )


def qty_to_refund(item: Node) -> Decimal:
    return max(_qty(item, "qty_invoiced") - _qty(item, "qty_refunded"), Decimal(0))


def order_facts(node: Node) -> dict[str, Any]:
    """The matrix's predicates, from Magento's own rules (magento.md §4.8)."""
    paid = decimal_of(node.get("base_total_paid")).quantize(CENT) - decimal_of(
        node.get("base_total_refunded")
    )
    return {
        "state": node.get("state"),
        "uninvoiced": any(qty_to_invoice(i) > 0 for i in top_items(node)),
        "paid": paid > 0,
        "shipped": any(_qty(i, "qty_shipped") > 0 for i in node.get("items") or []),
        # A virtual order has nothing to ship, so no shipping address (magento.md §3).
        "has_shipping_address": shipping_address_of(node) is not None,
    }


def shipping_address_of(node: Node) -> Node | None:
    """Not a top-level field: ``extension_attributes.shipping_assignments[0].shipping.address``."""
    assignments = (node.get("extension_attributes") or {}).get("shipping_assignments") or []
    if not assignments:
        return None
    address = (assignments[0].get("shipping") or {}).get("address")
    return address if isinstance(address, dict) and address else None


def from_magento_address(node: Node) -> Address:
    street = [str(line) for line in node.get("street") or [] if line]
    return Address(
        first_name=node.get("firstname") or None,
        last_name=node.get("lastname") or None,
        company=node.get("company") or None,
        address1=street[0] if street else None,
        address2=", ".join(street[1:]) or None,
        city=node.get("city") or None,
        province_code=node.get("region_code") or None,
        province=node.get("region") or None,
        postal_code=node.get("postcode") or None,
        country_code=node.get("country_id") or None,
        phone=node.get("telephone") or None,
    )


def to_magento_address(current: Node, address: AddressInput, order_id: str) -> Node:
    """The whole current address with the change applied: its ``entity_id`` kept (without it
    Magento saves a new row), the email and other columns as they were (magento.md §6)."""
    entity: Node = {
        **current,
        "entity_id": current["entity_id"],
        "parent_id": int(order_id),
        "address_type": "shipping",
        "firstname": address.first_name,
        "lastname": address.last_name,
        "company": address.company or "",
        "street": [line for line in (address.address1, address.address2) if line],
        "city": address.city,
        "postcode": address.postal_code,
        "country_id": address.country_code,
        # Required by the schema: the current number stays when none is given.
        "telephone": address.phone or current.get("telephone") or "",
    }
    for stale in ("region_id", "region", "region_code"):
        entity.pop(stale, None)  # a region id belongs to the old country's list
    if address.province_code:
        entity["region_code"] = address.province_code
        entity["region"] = (
            province_name(address.country_code, address.province_code) or address.province_code
        )
    return entity


def address_matches(node: Node | None, sent: Node) -> bool:
    """Whether a re-read address is the one sent."""
    if node is None:
        return False
    keys = ("firstname", "lastname", "street", "city", "postcode", "country_id", "region_code")
    return all(node.get(key) == sent.get(key) for key in keys)


def newest_comment(node: Node) -> str | None:
    """The newest order comment (``status_histories`` come newest first)."""
    for history in node.get("status_histories") or []:
        if history.get("comment"):
            return str(history["comment"])
    return None


def _totals(node: Node, prefix: str, currency: str) -> OrderTotals:
    def money(key: str) -> Money:
        return Money.of(decimal_of(node.get(prefix + key)), currency)

    return OrderTotals(
        total=money("grand_total"),
        received=money("total_paid"),
        refunded=money("total_refunded"),
        outstanding=money("total_due"),
        shipping=money("shipping_amount"),
        refunded_shipping=money("shipping_refunded"),
    )


def from_magento_order(node: Node) -> Order:
    base = str(node.get("base_currency_code") or node.get("order_currency_code") or "USD")
    shown = str(node.get("order_currency_code") or base)
    entity_id = str(node["entity_id"])
    customer_id = node.get("customer_id")
    lines = [
        LineItem(
            id=str(item["item_id"]),
            name=str(item.get("name") or item.get("sku") or item["item_id"]),
            sku=item.get("sku"),
            quantity=int(_qty(item, "qty_ordered")),
            refundable_quantity=int(qty_to_refund(item)),
            unfulfilled_quantity=int(
                max(
                    _qty(item, "qty_ordered")
                    - _qty(item, "qty_shipped")
                    - _qty(item, "qty_refunded")
                    - _qty(item, "qty_canceled"),
                    Decimal(0),
                )
            ),
            unit_price=Money.of(decimal_of(item.get("base_price")), base),
        )
        for item in top_items(node)
    ]
    return Order(
        id=entity_id,
        name=f"#{node.get('increment_id') or entity_id}",
        platform_id=entity_id,
        customer_id=None if node.get("customer_is_guest") or not customer_id else str(customer_id),
        created_at=parse_time(node.get("created_at")),
        cancelled_at=None,
        state=OrderState(
            status_label=node.get("status"),
            cancelled=node.get("state") == "canceled",
            **order_facts(node),
        ),
        currency=base,
        totals=_totals(node, "base_", base),
        presentment_currency=shown if shown != base else None,
        presentment_totals=_totals(node, "", shown) if shown != base else None,
        note=newest_comment(node),
        line_items=lines,
        shipping_address=(
            from_magento_address(shipping) if (shipping := shipping_address_of(node)) else None
        ),
    )


def from_magento_customer(node: Node) -> Customer:
    name = " ".join(part for part in (node.get("firstname"), node.get("lastname")) if part)
    billing = next((a for a in node.get("addresses") or [] if a.get("default_billing")), None)
    return Customer(
        id=str(node["id"]),
        platform_id=str(node["id"]),
        display_name=name or None,
        email=node.get("email") or None,
        phone=(billing or {}).get("telephone") or None,
    )


def to_magento_id(value: str) -> int | None:
    """An entity id from a caller's id (digits only), else None."""
    text = value.strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


# --- Refunds ----------------------------------------------------------------------------------


def unit_refund(item: Node) -> Decimal:
    """What one unit of a row refunds: its row total with tax, less its discount, per unit."""
    ordered = _qty(item, "qty_ordered") or Decimal(1)
    row = (
        decimal_of(item.get("base_row_total"))
        + decimal_of(item.get("base_tax_amount"))
        - decimal_of(item.get("base_discount_amount"))
    )
    return row / ordered


def shipping_left(node: Node) -> Decimal:
    return max(
        decimal_of(node.get("base_shipping_amount"))
        - decimal_of(node.get("base_shipping_refunded")),
        Decimal(0),
    )


def refundable_total(node: Node) -> Decimal:
    """Magento's bound: "The most money available to refund" (paid less refunded, base)."""
    return max(
        decimal_of(node.get("base_total_paid")) - decimal_of(node.get("base_total_refunded")),
        Decimal(0),
    )


@dataclass(frozen=True)
class RefundPlan:
    """One credit memo to ask for, and what it will refund (in base currency)."""

    online: bool
    method: str
    items: list[Node]
    shipping: Decimal
    adjustment_positive: Decimal
    adjustment_negative: Decimal
    total: Decimal
    lines: list[RefundLine]
    restock: list[int] = field(default_factory=list)
    invoice_id: int | None = None

    def body(self, comment: str, *, notify: bool) -> Node:
        """The credit memo request: ``shipping_amount`` always sent (omitted, Magento refunds
        all remaining shipping), a comment on the credit memo only, never on the storefront."""
        arguments: Node = {
            "shipping_amount": float(self.shipping),
            "adjustment_positive": float(self.adjustment_positive),
            "adjustment_negative": float(self.adjustment_negative),
        }
        if self.restock:
            arguments["extension_attributes"] = {"return_to_stock_items": self.restock}
        body: Node = {
            "items": self.items,
            "notify": notify,
            "appendComment": False,
            "comment": {"comment": comment, "is_visible_on_front": 0},
            "arguments": arguments,
        }
        if self.invoice_id is not None:
            body["isOnline"] = self.online
        return body


def paid_invoice(invoices: list[Node]) -> Node | None:
    """The first paid invoice with something left to refund (one credit memo per invoice)."""
    for invoice in invoices:
        left = decimal_of(invoice.get("base_grand_total")) - decimal_of(
            invoice.get("base_total_refunded")
        )
        if invoice.get("state") == PAID_INVOICE and left > 0:
            return invoice
    return None


def refund_summary(
    plan: RefundPlan, node: Node, *, refund_id: str | None = None, notes: list[str] | None = None
) -> RefundSummary:
    currency = str(node.get("base_currency_code") or node.get("order_currency_code"))
    shown = node.get("order_currency_code")
    kind = "online" if plan.online else "offline"
    return RefundSummary(
        # Credit memo amounts are base currency (magento.md 4.5): say so on a two-currency order.
        currency_side=CurrencySide.SHOP if shown and shown != currency else None,
        total=Money.of(plan.total, currency),
        shipping=Money.of(plan.shipping, currency),
        line_items=plan.lines,
        transactions=[
            RefundTransaction(
                gateway=plan.method, amount=Money.of(plan.total, currency), status=kind
            )
        ],
        maximum_refundable=Money.of(refundable_total(node), currency),
        shipping_refundable=Money.of(shipping_left(node), currency),
        refund_id=refund_id,
        notes=notes or [],
    )
