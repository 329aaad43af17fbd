"""The simulated Recharge account's records, its 2021-11 value formats and its error bodies.

Sources are `shared/platforms/subscriptions.md` §2 (cited as [§2.x]). Where the notes say
UNCONFIRMED the simulator takes the strict reading and the line says `# unverified`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

API_VERSION = "2021-11"
CURRENCY = "USD"

# Subscription statuses [§2.4]; 2021-11 renders them lower case by default (case unverified).
ACTIVE, CANCELLED, EXPIRED = "active", "cancelled", "expired"
SUBSCRIPTION_STATUSES = (ACTIVE, CANCELLED, EXPIRED)
# Charge statuses, lower case in Recharge's own 2021-11 types [§2.4].
QUEUED, SKIPPED, SUCCESS = "queued", "skipped", "success"
CHARGE_STATUSES = (
    "queued",
    "skipped",
    "success",
    "error",
    "refunded",
    "partially_refunded",
    "pending",
    "pending_manual_payment",
)
INTERVAL_UNITS = ("day", "week", "month")  # order_interval_unit [§2.3]


class ApiError(Exception):
    """An HTTP error answer. Recharge bodies carry an `errors` member: a string or a field map
    (exact shape unverified [§2.9]); both shapes are used so a client must parse both."""

    def __init__(self, status: int, errors: str | dict[str, list[str]]) -> None:
        super().__init__(status, errors)
        self.status = status
        self.body: dict[str, Any] = {"errors": errors}


def error(status: int, message: str) -> ApiError:
    return ApiError(status, message)


def field_error(field_name: str, message: str, status: int = 422) -> ApiError:
    # 422 for validation [§2.9 SECONDARY]; field-keyed body shape unverified.
    return ApiError(status, {field_name: [message]})


def iso(moment: datetime) -> str:
    # ISO 8601 in UTC [§2.1]; the `+00:00` offset form, seconds precision.
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def add_interval(day: date, frequency: int, unit: str) -> date:
    """Calendar arithmetic on `order_interval_*`: months are added as months [§3.7]."""
    if unit == "day":
        return day + timedelta(days=frequency)
    if unit == "week":
        return day + timedelta(weeks=frequency)
    months = day.month - 1 + frequency
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Customer:
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    external_id: str  # external_customer_id.ecommerce: the Shopify sandbox customer id
    hash: str
    created: datetime
    updated: datetime


@dataclass
class Address:
    id: int
    customer_id: int
    address1: str
    city: str
    province: str
    zip: str
    country_code: str


@dataclass
class Subscription:
    id: int
    customer_id: int
    address_id: int
    product_title: str
    variant_title: str
    sku: str
    external_product_id: str
    external_variant_id: str
    quantity: int
    price: Decimal  # unit price
    order_interval_frequency: int
    order_interval_unit: str
    charge_interval_frequency: int
    status: str
    next_charge: date | None
    created: datetime
    updated: datetime
    is_prepaid: bool = False
    is_skippable: bool = True
    is_swappable: bool = True
    expire_after: int | None = None
    cancelled_at: datetime | None = None
    cancellation_reason: str | None = None
    cancellation_reason_comments: str | None = None


@dataclass
class LineItem:
    """One purchase item (here always a subscription) on a charge [§2.7]."""

    purchase_item_id: int
    title: str
    variant_title: str
    sku: str
    quantity: int
    unit_price: Decimal
    external_product_id: str
    external_variant_id: str
    purchase_item_type: str = "subscription"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class Charge:
    """One scheduled billing for one address on one date; it may hold several subscriptions."""

    id: int
    customer_id: int
    address_id: int
    scheduled_at: date
    status: str
    created: datetime
    updated: datetime
    line_items: list[LineItem] = field(default_factory=list)
    processed_at: datetime | None = None

    def holds(self, subscription_id: int) -> bool:
        return any(item.purchase_item_id == subscription_id for item in self.line_items)


@dataclass(frozen=True)
class LedgerEntry:
    """One executed effect, recorded when it happens (refused or dropped-before: nothing)."""

    operation: str  # "subscription.cancel", "charge.skip", "subscription.set_next_charge_date"
    at: datetime
    subscription_id: int
    charge_id: int | None = None  # skip: the charge named in the request
    skipped_charge_id: int | None = None  # skip: the charge now holding the skipped items
    queued_charge_id: int | None = None  # skip: the regenerated queued charge
    previous_date: date | None = None
    next_date: date | None = None
    cancellation_reason: str | None = None
    cancellation_reason_comments: str | None = None
    send_email: bool | None = None
