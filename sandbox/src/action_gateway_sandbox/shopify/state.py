"""The simulated store: customers, orders, discounts, and Shopify's business rules on them.

Amounts are kept in the shop currency (USD); an order may have another presentment currency,
converted with a fixed per-order rate. Statuses are derived from the records (transactions,
fulfilled and refunded units) rather than stored, so they can never disagree with the money.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0")
SHOP_CURRENCY = "USD"
LOCATION_ID = 64880001
LOCATION_NAME = "Main warehouse"
_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£"}


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str, kind: str) -> int | None:
    prefix = f"gid://shopify/{kind}/"
    tail = value[len(prefix) :] if value.startswith(prefix) else ""
    return int(tail) if tail.isdigit() else None


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal) -> str:
    """Shopify's Money/Decimal scalars drop trailing zeros but keep one decimal: "54.2", "10.0"."""
    text = f"{cents(value):f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Collection:
    id: int
    title: str
    handle: str


@dataclass
class Customer:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    created_at: datetime


@dataclass
class LineItem:
    id: int
    title: str
    sku: str
    quantity: int
    unit_price: Decimal
    fulfilled: int = 0
    refunded_unfulfilled: int = 0
    refunded_fulfilled: int = 0
    removed: int = 0  # units removed by a cancellation without a refund line
    variant_id: int | None = None
    requires_shipping: bool = True

    @property
    def refundable_quantity(self) -> int:
        return self.quantity - self.refunded_unfulfilled - self.refunded_fulfilled - self.removed

    @property
    def unfulfilled_quantity(self) -> int:
        return self.quantity - self.fulfilled - self.refunded_unfulfilled - self.removed


@dataclass
class ShippingLine:
    id: int
    title: str
    code: str
    price: Decimal


@dataclass
class Transaction:
    id: int
    kind: str  # OrderTransactionKind
    status: str  # OrderTransactionStatus
    gateway: str
    amount: Decimal  # shop currency
    created_at: datetime
    parent_id: int | None = None
    authorization_expires_at: datetime | None = None
    test: bool = True


@dataclass
class RefundLine:
    line_item: LineItem
    quantity: int
    restock_type: str
    restocked: bool

    @property
    def subtotal(self) -> Decimal:
        return self.line_item.unit_price * self.quantity


@dataclass
class Refund:
    id: int
    created_at: datetime
    note: str | None
    lines: list[RefundLine]
    transactions: list[Transaction]
    shipping: Decimal

    @property
    def total(self) -> Decimal:
        return sum((t.amount for t in self.transactions if t.status == "SUCCESS"), ZERO)


@dataclass
class Order:
    id: int
    number: int
    customer_id: int
    email: str
    created_at: datetime
    line_items: list[LineItem]
    shipping_lines: list[ShippingLine]
    transactions: list[Transaction] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    presentment_currency: str = SHOP_CURRENCY
    rate: Decimal = Decimal(1)  # presentment units per shop unit
    note: str | None = None
    in_progress: bool = False  # a fulfillment order is being worked on, nothing shipped yet
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    staff_note: str | None = None
    cancel_pending: bool = False
    tags: list[str] = field(default_factory=list)
    source_identifier: str | None = None
    shipping_address: dict[str, str | None] | None = None
    """A MailingAddress by its GraphQL field names (countryCodeV2...); None: a pickup or digital
    order, nothing to ship."""
    custom_attributes: list[dict[str, str]] = field(default_factory=list)
    declared_financial_status: str | None = None
    """orderCreate's financialStatus: it persists while the order has no transactions."""

    @property
    def name(self) -> str:
        return f"#{self.number}"

    # -- money ------------------------------------------------------------------------------
    def _sum(self, kinds: Iterable[str]) -> Decimal:
        wanted = set(kinds)
        return sum(
            (t.amount for t in self.transactions if t.kind in wanted and t.status == "SUCCESS"),
            ZERO,
        )

    @property
    def subtotal(self) -> Decimal:
        return sum((li.unit_price * li.quantity for li in self.line_items), ZERO)

    @property
    def shipping_total(self) -> Decimal:
        return sum((s.price for s in self.shipping_lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_total

    @property
    def received(self) -> Decimal:
        return self._sum(("SALE", "CAPTURE"))

    @property
    def refunded(self) -> Decimal:
        return self._sum(("REFUND",))

    @property
    def net_payment(self) -> Decimal:
        return self.received - self.refunded

    @property
    def refunded_shipping(self) -> Decimal:
        return sum((r.shipping for r in self.refunds), ZERO)

    @property
    def current_subtotal(self) -> Decimal:
        return sum((li.unit_price * li.refundable_quantity for li in self.line_items), ZERO)

    @property
    def refund_discrepancy(self) -> Decimal:
        """Money refunded beyond the refunded items and shipping (a money-only refund)."""
        value = sum((line.subtotal for r in self.refunds for line in r.lines), ZERO)
        return max(ZERO, self.refunded - value - self.refunded_shipping)

    @property
    def current_total(self) -> Decimal:
        if self.cancelled_at is not None:
            return ZERO
        shipping = self.shipping_total - self.refunded_shipping
        return max(ZERO, self.current_subtotal + shipping - self.refund_discrepancy)

    @property
    def outstanding(self) -> Decimal:
        # Positive: the customer owes; negative: the merchant owes (Shopify's sign convention).
        return self.current_total - self.net_payment

    def presentment(self, amount: Decimal) -> Decimal:
        return cents(amount * self.rate)

    def to_shop(self, presentment_amount: Decimal) -> Decimal:
        return cents(presentment_amount / self.rate)

    # -- statuses ---------------------------------------------------------------------------
    def financial_status(self, now: datetime) -> str | None:
        if not self.transactions:
            # captured: an order without transactions has a null financial status, unless
            # orderCreate was told one (it persists until an operation recalculates it)
            return self.declared_financial_status
        received, refunded = self.received, self.refunded
        if refunded > 0:
            return "REFUNDED" if refunded >= received else "PARTIALLY_REFUNDED"
        if received > 0:
            return "PAID" if received >= self.total else "PARTIALLY_PAID"
        if any(t.kind == "VOID" and t.status == "SUCCESS" for t in self.transactions):
            return "VOIDED"
        auth = self.open_authorizations()
        if auth:
            expiry = auth[0].authorization_expires_at
            return "EXPIRED" if expiry is not None and expiry <= now else "AUTHORIZED"
        return "PENDING"

    def fulfillment_status(self) -> str:
        fulfilled = sum(li.fulfilled for li in self.line_items)
        unfulfilled = sum(li.unfulfilled_quantity for li in self.line_items)
        if fulfilled and unfulfilled:
            return "PARTIALLY_FULFILLED"
        if fulfilled:
            return "FULFILLED"
        return "IN_PROGRESS" if self.in_progress and unfulfilled else "UNFULFILLED"

    def open_authorizations(self) -> list[Transaction]:
        settled = {t.parent_id for t in self.transactions if t.status == "SUCCESS"}
        return [
            t
            for t in self.transactions
            if t.kind == "AUTHORIZATION" and t.status == "SUCCESS" and t.id not in settled
        ]

    def refundable_parents(self) -> list[tuple[Transaction, Decimal]]:
        """Captured payments with what is left to refund on each, oldest first."""
        out = []
        for parent in self.transactions:
            if parent.kind in ("SALE", "CAPTURE") and parent.status == "SUCCESS":
                left = parent.amount - sum(
                    (
                        t.amount
                        for t in self.transactions
                        if t.parent_id == parent.id and t.kind == "REFUND" and t.status == "SUCCESS"
                    ),
                    ZERO,
                )
                if left > 0:
                    out.append((parent, left))
        return out


@dataclass
class Discount:
    id: int
    code_id: int
    title: str
    code: str
    starts_at: datetime
    ends_at: datetime | None
    usage_limit: int | None
    applies_once_per_customer: bool
    percentage: float | None
    amount: Decimal | None
    applies_on_each_item: bool
    collection_ids: list[int] | None  # None: all items
    created_at: datetime

    def status(self, now: datetime) -> str:
        if self.ends_at is not None and self.ends_at <= now:
            return "EXPIRED"
        return "SCHEDULED" if self.starts_at > now else "ACTIVE"


@dataclass(frozen=True)
class LedgerEntry:
    """One executed mutation, recorded when its effect happens (replays record nothing)."""

    operation: str
    at: datetime
    order_id: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    idempotency_key: str | None = None
    code: str | None = None
    customer_id: str | None = None
    tags: tuple[str, ...] | None = None
    """tagsAdd / tagsRemove: the tags it was sent."""


@dataclass
class StoreCreditTransaction:
    """A credit (storeCreditAccountCredit records event ADJUSTMENT, origin null; C11)."""

    id: int
    amount: Decimal
    balance_after: Decimal
    created_at: datetime
    expires_at: datetime | None
    event: str = "ADJUSTMENT"


@dataclass
class StoreCreditAccount:
    """One per owner and currency (Shopify creates it with the first credit)."""

    id: int
    customer_id: int
    currency: str
    balance: Decimal = Decimal("0")
    transactions: list[StoreCreditTransaction] = field(default_factory=list)


@dataclass
class Job:
    id: str
    order_id: int
    due: datetime
    refund: bool
    restock: bool
    reason: str
    staff_note: str | None
    done: bool = False


def user_error(
    field_path: list[str] | None, message: str, code: str | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"field": field_path, "message": message}
    if code is not None:
        error["code"] = code
    return error


def fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def money_message(amount: Decimal, currency: str) -> str:
    return f"{_SYMBOLS.get(currency, '')}{cents(amount):f}"
