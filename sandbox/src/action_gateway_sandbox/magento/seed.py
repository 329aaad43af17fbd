"""The Magento sandbox's seeded store: an order in every state and eligibility cell.

Orders are kept in Magento's own JSON shape (``sales-data-order-interface``): the simulator
answers with them as they are. Amounts are in USD, base and order currency alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

Node = dict[str, Any]

ONLINE_METHOD = "braintree"
"""A gateway method that refunds online (its invoices carry a capture transaction)."""
OFFLINE_METHOD = "checkmo"

CUSTOMERS: list[Node] = [
    {
        "id": 1,
        "group_id": 1,
        "website_id": 1,
        "store_id": 1,
        "email": "jane@example.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "addresses": [
            {
                "id": 11,
                "customer_id": 1,
                "firstname": "Jane",
                "lastname": "Doe",
                "street": ["1 Main St"],
                "city": "Austin",
                "postcode": "78701",
                "country_id": "US",
                "telephone": "+14155550101",
                "default_billing": True,
                "default_shipping": True,
            }
        ],
    },
    {
        "id": 2,
        "group_id": 1,
        "website_id": 1,
        "store_id": 1,
        "email": "omar@example.com",
        "firstname": "Omar",
        "lastname": "Haddad",
        "addresses": [],
    },
]
GUEST_EMAIL = "guest@example.com"


@dataclass(frozen=True)
class Line:
    sku: str
    name: str
    price: float
    qty: int = 1
    configurable_child: str | None = None
    """A configurable product: the child simple row's SKU (price 0, under the parent row)."""


@dataclass(frozen=True)
class SeedOrder:
    """One seeded order; what it shows in the matrix is in ``cell``."""

    entity_id: int
    state: str
    cell: str
    lines: tuple[Line, ...]
    method: str = OFFLINE_METHOD
    customer_id: int | None = 1
    email: str = "jane@example.com"
    invoiced: float = 0.0
    """Fraction of each line's quantity invoiced (and paid)."""
    shipped: bool = False
    refunded: bool = False
    canceled: bool = False
    shipping: float = 5.0
    virtual: bool = False
    status: str | None = None
    hold_before: tuple[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


HOODIE = Line("MH01", "Chaz Kangeroo Hoodie", 52.0, 1, configurable_child="MH01-XS-Black")
TEE = Line("MS04", "Gobi HeatTec Tee", 29.0, 2)
MUG = Line("UG07", "Overnight Duffle Mug", 15.0, 1)
EBOOK = Line("EB01", "Yoga e-book", 12.0, 1)

SEED_ORDERS: tuple[SeedOrder, ...] = (
    SeedOrder(1, "new", "cancel: nothing invoiced or paid", (TEE,)),
    SeedOrder(2, "pending_payment", "cancel: awaiting payment", (MUG,), method=ONLINE_METHOD),
    SeedOrder(
        3,
        "processing",
        "refund online, cancel_and_refund",
        (TEE, MUG),
        method=ONLINE_METHOD,
        invoiced=1,
    ),
    SeedOrder(4, "processing", "refund offline (check / money order)", (TEE,), invoiced=1),
    SeedOrder(5, "processing", "authorised only: cancel voids", (MUG,), method=ONLINE_METHOD),
    SeedOrder(
        6,
        "complete",
        "configurable product, shipped: refund / partial",
        (HOODIE, TEE),
        method=ONLINE_METHOD,
        invoiced=1,
        shipped=True,
    ),
    SeedOrder(7, "closed", "fully refunded", (MUG,), invoiced=1, shipped=True, refunded=True),
    SeedOrder(8, "canceled", "canceled", (TEE,), canceled=True),
    SeedOrder(
        9,
        "holded",
        "on hold",
        (MUG,),
        method=ONLINE_METHOD,
        invoiced=1,
        hold_before=("processing", "processing"),
    ),
    SeedOrder(10, "payment_review", "payment review", (TEE,), method=ONLINE_METHOD),
    SeedOrder(
        11,
        "processing",
        "guest order, paid offline",
        (MUG,),
        customer_id=None,
        email=GUEST_EMAIL,
        invoiced=1,
    ),
    SeedOrder(
        12,
        "processing",
        "virtual order, paid online",
        (EBOOK,),
        method=ONLINE_METHOD,
        invoiced=1,
        virtual=True,
        shipping=0.0,
    ),
    SeedOrder(
        13,
        "processing",
        "partly invoiced and paid: cancel_and_refund, not cancel",
        (TEE, MUG),
        method=ONLINE_METHOD,
        invoiced=0.5,
    ),
    SeedOrder(
        14,
        "processing",
        "shipped, not complete: refund, not cancel_and_refund",
        (TEE,),
        invoiced=1,
        shipped=True,
        status="processing",
    ),
)

_DEFAULT_STATUS = {"new": "pending", "holded": "holded"}


def _address(order_id: int, kind: str, entity_id: int, email: str) -> Node:
    return {
        "entity_id": entity_id,
        "parent_id": order_id,
        "address_type": kind,
        "firstname": "Jane" if email != GUEST_EMAIL else "Guest",
        "lastname": "Doe" if email != GUEST_EMAIL else "Shopper",
        "street": ["1 Main St"],
        "city": "Austin",
        "region": "Texas",
        "region_id": 57,
        "region_code": "TX",
        "postcode": "78701",
        "country_id": "US",
        "telephone": "+14155550101",
        "email": email,
    }


def build_order(seed: SeedOrder, now: datetime) -> tuple[Node, list[Node]]:
    """The order in Magento's shape, and its invoices."""
    created = (now - timedelta(days=30 - seed.entity_id)).strftime("%Y-%m-%d %H:%M:%S")
    items: list[Node] = []
    item_id = seed.entity_id * 100
    for line in seed.lines:
        item_id += 1
        invoiced = line.qty * seed.invoiced if not seed.canceled else 0
        row = line.price * line.qty
        parent = {
            "item_id": item_id,
            "order_id": seed.entity_id,
            "sku": line.sku,
            "name": line.name,
            "product_type": "configurable"
            if line.configurable_child
            else ("virtual" if seed.virtual else "simple"),
            "price": line.price,
            "base_price": line.price,
            "row_total": row,
            "base_row_total": row,
            "tax_amount": 0,
            "base_tax_amount": 0,
            "discount_amount": 0,
            "base_discount_amount": 0,
            "qty_ordered": line.qty,
            "qty_invoiced": int(invoiced),
            "qty_shipped": line.qty if seed.shipped else 0,
            "qty_refunded": line.qty if seed.refunded else 0,
            "qty_canceled": line.qty if seed.canceled else 0,
            "is_virtual": 1 if seed.virtual else 0,
            "amount_refunded": row if seed.refunded else 0,
            "base_amount_refunded": row if seed.refunded else 0,
        }
        items.append(parent)
        if line.configurable_child:
            item_id += 1
            items.append(
                {
                    **parent,
                    "item_id": item_id,
                    "sku": line.configurable_child,
                    "product_type": "simple",
                    "parent_item_id": parent["item_id"],
                    "price": 0,
                    "base_price": 0,
                    "row_total": 0,
                    "base_row_total": 0,
                    "amount_refunded": 0,
                    "base_amount_refunded": 0,
                }
            )
    subtotal = sum(line.price * line.qty for line in seed.lines)
    grand = subtotal + seed.shipping
    invoiced_subtotal = sum(
        line.price * int(line.qty * seed.invoiced) for line in seed.lines if not seed.canceled
    )
    paid = invoiced_subtotal + (seed.shipping if invoiced_subtotal else 0)
    refunded = paid if seed.refunded else 0
    status = seed.status or _DEFAULT_STATUS.get(seed.state, seed.state)
    guest = seed.customer_id is None
    order: Node = {
        "entity_id": seed.entity_id,
        "increment_id": f"{seed.entity_id:09d}",
        "state": seed.state,
        "status": status,
        "store_id": 1,
        "created_at": created,
        "updated_at": created,
        "customer_email": seed.email,
        "customer_firstname": "Guest" if guest else "Jane",
        "customer_lastname": "Shopper" if guest else "Doe",
        "customer_is_guest": 1 if guest else 0,
        "customer_group_id": 0 if guest else 1,
        "is_virtual": 1 if seed.virtual else 0,
        "base_currency_code": "USD",
        "order_currency_code": "USD",
        "global_currency_code": "USD",
        "store_currency_code": "USD",
        "base_to_order_rate": 1,
        "total_item_count": len(seed.lines),
        "total_qty_ordered": sum(line.qty for line in seed.lines),
        "items": items,
        "payment": {
            "entity_id": seed.entity_id,
            "parent_id": seed.entity_id,
            "method": seed.method,
            "additional_information": [
                "Check / Money order" if seed.method == OFFLINE_METHOD else "Credit Card"
            ],
            "amount_ordered": grand,
            "base_amount_ordered": grand,
            "amount_paid": paid,
            "base_amount_paid": paid,
        },
        "billing_address": _address(seed.entity_id, "billing", seed.entity_id * 10 + 1, seed.email),
        "status_histories": [],
        **seed.extra,
    }
    if not guest:
        order["customer_id"] = seed.customer_id
    if seed.hold_before:
        order["hold_before_state"], order["hold_before_status"] = seed.hold_before
    for prefix in ("", "base_"):
        order |= {
            f"{prefix}subtotal": subtotal,
            f"{prefix}grand_total": grand,
            f"{prefix}shipping_amount": seed.shipping,
            f"{prefix}tax_amount": 0,
            f"{prefix}discount_amount": 0,
            f"{prefix}total_paid": paid,
            f"{prefix}total_invoiced": paid,
            f"{prefix}total_refunded": refunded,
            f"{prefix}total_offline_refunded": refunded,
            f"{prefix}total_online_refunded": 0,
            f"{prefix}shipping_refunded": seed.shipping if seed.refunded else 0,
            f"{prefix}total_canceled": grand if seed.canceled else 0,
            f"{prefix}total_due": max(grand - paid, 0) if not seed.canceled else 0,
        }
    if not seed.virtual:
        order["shipping_description"] = "Flat Rate - Fixed"
        order["extension_attributes"] = {
            "shipping_assignments": [
                {
                    "shipping": {
                        "address": _address(
                            seed.entity_id, "shipping", seed.entity_id * 10 + 2, seed.email
                        ),
                        "method": "flatrate_flatrate",
                    },
                    "items": [i for i in items if not i.get("parent_item_id")],
                }
            ]
        }
    invoices: list[Node] = []
    if paid:
        invoices.append(
            {
                "entity_id": seed.entity_id * 10,
                "order_id": seed.entity_id,
                "state": 2,
                "increment_id": f"{seed.entity_id:09d}",
                "grand_total": paid,
                "base_grand_total": paid,
                "base_total_refunded": refunded,
                "total_qty": sum(int(line.qty * seed.invoiced) for line in seed.lines),
                "transaction_id": f"txn-{seed.entity_id}"
                if seed.method != OFFLINE_METHOD
                else None,
                "items": [
                    {
                        "entity_id": i["item_id"],
                        "order_item_id": i["item_id"],
                        "sku": i["sku"],
                        "qty": i["qty_invoiced"],
                    }
                    for i in items
                    if not i.get("parent_item_id") and i["qty_invoiced"]
                ],
            }
        )
        if invoices[0]["transaction_id"] is None:
            del invoices[0]["transaction_id"]
    return order, invoices
