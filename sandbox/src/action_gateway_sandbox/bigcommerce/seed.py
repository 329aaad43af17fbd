"""Deterministic seed: customers, and orders in every one of BigCommerce's 15 statuses.

Ids are fixed. Order `N` has order products `N*10+1` (1 unit) and `N*10+2` (2 units) and one
shipping address `N*10+5` (the item_id for SHIPPING/HANDLING refunds). Money is USD with no tax.
Timestamps are relative to when the store is built. `SEED_ORDERS` / `seed_table()` describe it
for the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from .state import (
    STATUS_NAMES,
    Category,
    Customer,
    Gateway,
    Order,
    OrderProduct,
    Refund,
    RefundItem,
    RefundPayment,
    ShippingAddress,
)

BRAINTREE = Gateway("braintree", "Braintree", "Credit Card")
# A strictly offline provider: the quote offers offline options only [O3 PaymentOption].
CASH_ON_DELIVERY = Gateway("cod", "Cash on Delivery", "Cash on Delivery", offline_provider=True)
BRAINTREE_DECLINING = Gateway("braintree", "Braintree", "Credit Card", declines_refunds=True)


@dataclass(frozen=True)
class SeedCustomer:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str


@dataclass(frozen=True)
class SeedOrder:
    id: int
    customer_id: int  # 0 = guest
    status_id: int
    payment_status: str  # the V2 order's payment_status
    gateway: Gateway = BRAINTREE
    handling: Decimal = Decimal("0")
    comment: str = ""

    @property
    def status(self) -> str:
        return STATUS_NAMES[self.status_id]


SEED_CUSTOMERS = (
    SeedCustomer(1, "Ava", "Lindqvist", "ava.lindqvist@example.com", "+1 415-555-0101"),
    SeedCustomer(2, "Bo", "Wang", "bo.wang@example.com", "613-555-1234"),
    SeedCustomer(3, "Carmen", "Ortiz", "carmen.ortiz@example.com", "+44 7700 900123"),
    SeedCustomer(4, "Dmitri", "Petrov", "dmitri.petrov@example.com", "+49 151 23456789"),
)
GUEST_EMAIL = "sam.guest@example.com"

SEED_CATEGORIES = (
    Category(18, "Apparel"),
    Category(23, "Kitchen"),
    Category(24, "Outdoor"),
)

_AVA, _BO, _CARMEN, _DMITRI = (c.id for c in SEED_CUSTOMERS)

SEED_ORDERS = (
    SeedOrder(100, _AVA, 0, "", comment="checkout not finished"),
    SeedOrder(101, _AVA, 1, "pending", comment="cancel"),
    SeedOrder(102, _AVA, 2, "captured", comment="full / partial refund"),
    SeedOrder(103, _AVA, 3, "captured", comment="full / partial refund"),
    SeedOrder(104, _AVA, 4, "refunded", comment="fully refunded earlier; cancel"),
    SeedOrder(105, _BO, 5, "void", comment="already cancelled"),
    SeedOrder(106, _BO, 6, "declined", comment="payment declined at checkout"),
    SeedOrder(107, _BO, 7, "authorized", comment="authorized only: no online refund"),
    SeedOrder(108, _BO, 8, "captured", comment="cancel & refund"),
    SeedOrder(109, _BO, 9, "captured", comment="cancel & refund"),
    SeedOrder(110, _CARMEN, 10, "captured", comment="full / partial refund"),
    SeedOrder(
        111,
        _CARMEN,
        11,
        "captured",
        handling=Decimal("2.00"),
        comment="main demo: cancel & refund",
    ),
    SeedOrder(112, _CARMEN, 12, "held for review"),
    SeedOrder(113, _CARMEN, 13, "captured", comment="disputed"),
    SeedOrder(114, _DMITRI, 14, "partially refunded", comment="1 unit of line 2 refunded"),
    SeedOrder(115, 0, 11, "captured", comment="guest order: no store credit"),
    SeedOrder(116, _DMITRI, 10, "paid", gateway=CASH_ON_DELIVERY, comment="offline-only refunds"),
    SeedOrder(
        117,
        _DMITRI,
        10,
        "captured",
        gateway=BRAINTREE_DECLINING,
        comment="the gateway declines refund payments",
    ),
)

# (name, sku, product_id, variant_id, unit price)
_PRODUCTS = (
    ("Merino Wool Beanie", "MWB-CHAR-OS", 131, 201, Decimal("28.00")),
    ("Trail Running Socks", "TRS-BLK-M", 132, 202, Decimal("14.00")),
    ("Waxed Canvas Tote", "WCT-OLV", 133, 203, Decimal("62.00")),
    ("Ceramic Pour-Over Set", "CPO-WHT", 134, 204, Decimal("45.00")),
    ("Organic Cotton Tee", "OCT-NVY-L", 135, 205, Decimal("32.00")),
    ("Linen Napkins (Set of 4)", "LNP-SND", 136, 206, Decimal("24.00")),
    ("Insulated Water Bottle", "IWB-750-STL", 137, 207, Decimal("38.00")),
)


def seed_table() -> list[dict[str, str | int | None]]:
    """One row per seeded order, with its customer, for documentation."""
    customers = {c.id: c for c in SEED_CUSTOMERS}
    rows: list[dict[str, str | int | None]] = []
    for o in SEED_ORDERS:
        c = customers.get(o.customer_id)
        rows.append(
            {
                "order_id": o.id,
                "status_id": o.status_id,
                "status": o.status,
                "payment_status": o.payment_status,
                "provider": o.gateway.provider_id,
                "customer_id": o.customer_id,
                "customer": f"{c.first_name} {c.last_name}" if c else "(guest)",
                "email": c.email if c else GUEST_EMAIL,
                "phone": c.phone if c else None,
                "note": o.comment,
            }
        )
    return rows


def customers(now: datetime) -> list[Customer]:
    return [
        Customer(c.id, c.first_name, c.last_name, c.email, c.phone, now - timedelta(days=120))
        for c in SEED_CUSTOMERS
    ]


def orders(now: datetime) -> list[Order]:
    return [_order(spec, index, now) for index, spec in enumerate(SEED_ORDERS)]


def _order(spec: SeedOrder, index: int, now: datetime) -> Order:
    """Two lines (1 x A, 2 x B) and one shipping address; history from the seed row."""
    created = now - timedelta(days=40 - index, hours=index)
    customer = next((c for c in SEED_CUSTOMERS if c.id == spec.customer_id), None)
    first, last = (customer.first_name, customer.last_name) if customer else ("Sam", "Guest")
    email = customer.email if customer else GUEST_EMAIL
    phone = customer.phone if customer else ""
    address_id = spec.id * 10 + 5
    express = index % 3 == 0
    address = ShippingAddress(
        address_id,
        first,
        last,
        "666 Sussex St",
        "Austin",
        "Texas",
        "78751",
        email,
        phone,
        "Express" if express else "Standard Shipping",
        Decimal("12.00") if express else Decimal("6.50"),
        spec.handling,
    )
    a, b = _PRODUCTS[index % 7], _PRODUCTS[(index + 3) % 7]
    products = [
        OrderProduct(spec.id * 10 + 1, a[2], a[3], a[0], a[1], 1, a[4], address_id),
        OrderProduct(spec.id * 10 + 2, b[2], b[3], b[0], b[1], 2, b[4], address_id),
    ]
    order = Order(
        id=spec.id,
        customer_id=spec.customer_id,
        email=email,
        first_name=first,
        last_name=last,
        status_id=spec.status_id,
        created=created,
        modified=created,
        gateway=spec.gateway,
        payment_status=spec.payment_status,
        products=products,
        addresses=[address],
    )
    if spec.status_id in (2, 10, 13, 4, 14) or spec.id == 117:
        order.shipped = created + timedelta(days=1)
        for p in products:
            p.quantity_shipped = p.quantity
    elif spec.status_id == 3:
        order.shipped = created + timedelta(days=1)
        products[0].quantity_shipped = 1
    at = created + timedelta(days=3)
    if spec.status_id == 14:
        line = products[1]
        line.quantity_refunded, line.refund_amount = 1, line.price
        order.refunds.append(
            _refund(order, at, "Damaged in transit", [RefundItem("PRODUCT", line.id, 1, None, "")])
        )
    elif spec.status_id == 4:
        for p in products:
            p.quantity_refunded, p.refund_amount = p.quantity, p.price * p.quantity
        address.refunded_shipping, address.refunded_handling = address.cost, address.handling
        items = [RefundItem("PRODUCT", p.id, p.quantity, None, "") for p in products]
        items.append(RefundItem("SHIPPING", address.id, None, address.cost, ""))
        order.refunds.append(_refund(order, at, "Customer returned everything", items))
    return order


def _refund(order: Order, at: datetime, reason: str, items: list[RefundItem]) -> Refund:
    products = {p.id: p for p in order.products}
    total = sum(
        (
            products[i.item_id].price * (i.quantity or 0)
            if i.item_type == "PRODUCT"
            else (i.requested_amount or Decimal(0))
            for i in items
        ),
        Decimal(0),
    )
    refund_id = order.id * 10 + 9
    payment = RefundPayment(
        refund_id, order.gateway.provider_id, total, False, False, "", f"txn-{refund_id}"
    )
    return Refund(refund_id, order.id, at, reason, total, items, [payment])
