"""Deterministic seed: customers whose orders cover every cell of the Shopify action matrix.

Columns (financial status): PENDING, AUTHORIZED, EXPIRED, VOIDED, none (null, no transactions),
PARTIALLY_PAID, PAID, PARTIALLY_REFUNDED, REFUNDED; rows (fulfillment): UNFULFILLED,
PARTIALLY_FULFILLED, FULFILLED. Plus an already-cancelled order, an IN_PROGRESS order and one
order presented in EUR. Ids are fixed; timestamps are relative to when the store is built.
`SEED_ORDERS` / `seed_table()` describe it for the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from .state import (
    Collection,
    Customer,
    LineItem,
    Order,
    Refund,
    RefundLine,
    ShippingLine,
    Transaction,
)
from .store import Store


@dataclass(frozen=True)
class SeedCustomer:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str


@dataclass(frozen=True)
class SeedOrder:
    number: int
    customer_id: int
    financial_status: str | None  # what displayFinancialStatus shows
    fulfillment_status: str  # what displayFulfillmentStatus shows
    cancelled: bool = False
    presentment_currency: str = "USD"
    comment: str = ""

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def id(self) -> int:
        return 5_500_000_000 + self.number


SEED_CUSTOMERS = (
    SeedCustomer(7_410_001, "Ava", "Lindqvist", "ava.lindqvist@example.com", "+14155550101"),
    SeedCustomer(7_410_002, "Bo", "Wang", "bo.wang@example.com", "+16135551234"),
    SeedCustomer(7_410_003, "Carmen", "Ortiz", "carmen.ortiz@example.com", "+447700900123"),
    SeedCustomer(7_410_004, "Dmitri", "Petrov", "dmitri.petrov@example.com", "+4915123456789"),
    SeedCustomer(7_410_005, "Emeka", "Obi", "emeka.obi@example.com", "+61491570156"),
)

_AVA, _BO, _CARMEN, _DMITRI, _EMEKA = (c.id for c in SEED_CUSTOMERS)
_U, _P, _F = "UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED"

SEED_ORDERS = (
    SeedOrder(1001, _AVA, "PAID", _U, comment="main demo: cancel & refund succeeds"),
    SeedOrder(1002, _AVA, "PAID", _F, comment="Shopify refuses the cancel (fulfilled)"),
    SeedOrder(1003, _AVA, "PARTIALLY_REFUNDED", _U),
    SeedOrder(1004, _AVA, "PAID", _P),
    SeedOrder(1005, _AVA, "REFUNDED", _U, cancelled=True, comment="already cancelled"),
    SeedOrder(1006, _AVA, "PAID", "IN_PROGRESS"),
    SeedOrder(1007, _BO, "PENDING", _U),
    SeedOrder(1008, _BO, "PENDING", _P),
    SeedOrder(1009, _BO, "PENDING", _F),
    SeedOrder(1010, _BO, "AUTHORIZED", _U),
    SeedOrder(1011, _BO, "AUTHORIZED", _P),
    SeedOrder(1012, _BO, "AUTHORIZED", _F),
    SeedOrder(1013, _CARMEN, "EXPIRED", _U),
    SeedOrder(1014, _CARMEN, "EXPIRED", _P),
    SeedOrder(1015, _CARMEN, "EXPIRED", _F),
    SeedOrder(1016, _CARMEN, "VOIDED", _U),
    SeedOrder(1017, _CARMEN, "VOIDED", _P),
    SeedOrder(1018, _CARMEN, "VOIDED", _F),
    SeedOrder(1019, _DMITRI, None, _U, comment="no transactions"),
    SeedOrder(1020, _DMITRI, None, _P, comment="no transactions"),
    SeedOrder(1021, _DMITRI, None, _F, comment="no transactions"),
    SeedOrder(1022, _DMITRI, "PARTIALLY_PAID", _U),
    SeedOrder(1023, _DMITRI, "PARTIALLY_PAID", _P),
    SeedOrder(1024, _DMITRI, "PARTIALLY_PAID", _F),
    SeedOrder(1025, _EMEKA, "PARTIALLY_REFUNDED", _P),
    SeedOrder(1026, _EMEKA, "PARTIALLY_REFUNDED", _F),
    SeedOrder(1027, _EMEKA, "REFUNDED", _U),
    SeedOrder(1028, _EMEKA, "REFUNDED", _P),
    SeedOrder(1029, _EMEKA, "REFUNDED", _F),
    SeedOrder(1030, _EMEKA, "PAID", _U, presentment_currency="EUR", comment="presented in EUR"),
)

SEED_COLLECTIONS = (
    Collection(4_420_001, "Winter Essentials", "winter-essentials"),
    Collection(4_420_002, "Kitchen", "kitchen"),
)

_PRODUCTS = (
    ("Merino Wool Beanie", "MWB-CHAR-OS", Decimal("28.00")),
    ("Trail Running Socks", "TRS-BLK-M", Decimal("14.00")),
    ("Waxed Canvas Tote", "WCT-OLV", Decimal("62.00")),
    ("Ceramic Pour-Over Set", "CPO-WHT", Decimal("45.00")),
    ("Organic Cotton Tee", "OCT-NVY-L", Decimal("32.00")),
    ("Linen Napkins (Set of 4)", "LNP-SND", Decimal("24.00")),
    ("Insulated Water Bottle", "IWB-750-STL", Decimal("38.00")),
)
_EUR_RATE = Decimal("0.9")
_VARIANT_BASE = 4_450_000_001
"""The products' variant ids: _VARIANT_BASE + the product's index."""
STOCK_PER_VARIANT = 500
"""Units on hand per variant (replacement orders take stock as any order does)."""


def seed_table() -> list[dict[str, str | int | bool | None]]:
    """One row per seeded order, with its customer, for documentation."""
    customers = {c.id: c for c in SEED_CUSTOMERS}
    return [
        {
            "customer": f"{customers[o.customer_id].first_name} "
            f"{customers[o.customer_id].last_name}",
            "email": customers[o.customer_id].email,
            "phone": customers[o.customer_id].phone,
            "order": o.name,
            "order_id": o.id,
            "financial_status": o.financial_status,
            "fulfillment_status": o.fulfillment_status,
            "cancelled": o.cancelled,
            "note": o.comment,
        }
        for o in SEED_ORDERS
    ]


def populate(store: Store, now: datetime) -> None:
    for c in SEED_CUSTOMERS:
        store.customers[c.id] = Customer(
            c.id, c.first_name, c.last_name, c.email, c.phone, now - timedelta(days=90)
        )
    for col in SEED_COLLECTIONS:
        store.collections[col.id] = col
    for index, spec in enumerate(SEED_ORDERS):
        store.orders[spec.id] = _order(spec, index, now)
    _add_variants(store)
    store.ledger.clear()


def _order(spec: SeedOrder, index: int, now: datetime) -> Order:
    """Two lines (1 x A, 2 x B) and one shipping line; statuses come from the records below."""
    created = now - timedelta(days=30 - index % 28, hours=index)
    base = spec.id * 10
    first, second = _PRODUCTS[index % 7], _PRODUCTS[(index + 3) % 7]
    a = LineItem(base + 1, first[0], first[1], 1, first[2])
    b = LineItem(base + 2, second[0], second[1], 2, second[2])
    express = index % 3 == 0
    shipping = ShippingLine(
        base + 3,
        "Express" if express else "Standard Shipping",
        "EXPRESS" if express else "STANDARD",
        Decimal("12.00") if express else Decimal("6.50"),
    )
    customer = next(c for c in SEED_CUSTOMERS if c.id == spec.customer_id)
    order = Order(
        id=spec.id,
        number=spec.number,
        customer_id=spec.customer_id,
        email=customer.email,
        created_at=created,
        updated_at=created,
        line_items=[a, b],
        shipping_lines=[shipping],
        presentment_currency=spec.presentment_currency,
        rate=_EUR_RATE if spec.presentment_currency == "EUR" else Decimal(1),
        in_progress=spec.fulfillment_status == "IN_PROGRESS",
        shipping_address=None if spec.number in PICKUP_ORDERS else _address(customer, index),
    )
    if spec.fulfillment_status == "PARTIALLY_FULFILLED":
        a.fulfilled = 1
    elif spec.fulfillment_status == "FULFILLED":
        a.fulfilled, b.fulfilled = 1, 2
    _payments(order, spec, base + 5, created, now)
    if spec.cancelled:
        order.cancelled_at = order.updated_at = created + timedelta(hours=2)
        order.cancel_reason, order.staff_note = "CUSTOMER", "Customer changed their mind"
    return order


PICKUP_ORDERS = {1016}
"""Picked up in store: no shipping address."""


def _address(customer: SeedCustomer, index: int) -> dict[str, str | None]:
    return {
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "company": None,
        "address1": f"{100 + index} Harbour Street",
        "address2": None,
        "city": "Toronto",
        "province": "Ontario",
        "provinceCode": "ON",
        "countryCodeV2": "CA",
        "zip": "M5J 2N8",
        "phone": customer.phone,
    }


def _payments(order: Order, spec: SeedOrder, next_id: int, at: datetime, now: datetime) -> None:
    total, status = order.total, spec.financial_status
    card = "shopify_payments"

    def add(
        kind: str, amount: Decimal, parent: Transaction | None = None, state: str = "SUCCESS"
    ) -> Transaction:
        txn = Transaction(
            next_id + len(order.transactions),
            kind,
            state,
            parent.gateway if parent else card,
            amount,
            at,
            parent.id if parent else None,
        )
        order.transactions.append(txn)
        return txn

    if status == "PENDING":
        add("SALE", total, state="PENDING").gateway = "manual"
    elif status in ("AUTHORIZED", "EXPIRED", "VOIDED"):
        auth = add("AUTHORIZATION", total)
        # Authorizations lapse after a while; EXPIRED ones already have.
        auth.authorization_expires_at = now + timedelta(days=-1 if status == "EXPIRED" else 5)
        if status == "VOIDED":
            add("VOID", total, auth)
    elif status == "PARTIALLY_PAID":
        add("SALE", (total / 2).quantize(Decimal("0.01")), state="SUCCESS").gateway = "manual"
    elif status in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED"):
        if spec.number % 2:
            sale = add("SALE", total)
        else:
            sale = add("CAPTURE", total, add("AUTHORIZATION", total))
        if status == "PARTIALLY_REFUNDED":
            # One unit of the second line refunded, not restocked.
            line = order.line_items[1]
            if line.fulfilled:
                line.refunded_fulfilled += 1
            else:
                line.refunded_unfulfilled += 1
            refund_txn = add("REFUND", line.unit_price, sale)
            refund_lines = [RefundLine(line, 1, "NO_RESTOCK", False)]
            order.refunds.append(
                Refund(
                    next_id + 50, at, "Damaged in transit", refund_lines, [refund_txn], Decimal(0)
                )
            )
        elif status == "REFUNDED":
            refund_txn = add("REFUND", total, sale)
            refund_lines = (
                []
                if not spec.cancelled
                else [RefundLine(li, li.quantity, "CANCEL", True) for li in order.line_items]
            )
            for rl in refund_lines:
                rl.line_item.refunded_unfulfilled += rl.quantity
            shipping = order.shipping_total if spec.cancelled else Decimal(0)
            order.refunds.append(
                Refund(next_id + 50, at, None, refund_lines, [refund_txn], shipping)
            )


def _add_variants(store: Store) -> None:
    """Each line's product variant (and its stock)."""
    skus = {sku: index for index, (_, sku, _) in enumerate(_PRODUCTS)}
    for index in range(len(_PRODUCTS)):
        store.inventory[_VARIANT_BASE + index] = STOCK_PER_VARIANT
    for order in store.orders.values():
        for line in order.line_items:
            line.variant_id = _VARIANT_BASE + skus[line.sku]
