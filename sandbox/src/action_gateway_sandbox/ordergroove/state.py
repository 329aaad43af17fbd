"""The simulated merchant's records, Ordergroove's value formats and its error bodies.

References in brackets point at /work/shared/platforms/subscriptions.md (e.g. [§1.9]).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal("0")
CENT = Decimal("0.01")

# Order status codes [§1.3].
UNSENT, REJECTED, CANCELLED, SUCCESS, SEND_NOW = 1, 3, 4, 5, 6
STATUS_NAMES = {
    1: "UNSENT",
    3: "REJECTED",
    4: "CANCELLED",
    5: "SUCCESS",
    6: "SEND_NOW",
    9: "PENDING_BATCH_RESPONSE",
    10: "PENDING_VERIFICATION",
    11: "PENDING_PLACEMENT",
    12: "EXCEPTION_DURING_PLACEMENT_PREPARATION",
    13: "CONNECTION_ERROR_DURING_PLACEMENT",
    14: "RESPONSE_PROCESSING_ERROR",
    15: "GENERIC_ERROR_RESPONSE",
    17: "MERGED",
    18: "CREDIT_CARD_RETRY",
    19: "AWAITING_RETRY_INSTRUCTIONS",
    20: "AWAITING_RESPONSE_CLASSIFICATION",
}
# every_period codes [§1.3].
DAYS, WEEKS, MONTHS, YEARS = 1, 2, 3, 4
PERIOD_NAMES = {DAYS: "days", WEEKS: "weeks", MONTHS: "months", YEARS: "years"}
_PERIOD_DAYS = {DAYS: 1, WEEKS: 7, MONTHS: 30, YEARS: 365}  # frequency_days approximation


class ApiError(Exception):
    """An HTTP error answer with Ordergroove's documented body `{"detail": "..."}` [§1.12]."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail

    @property
    def body(self) -> dict[str, str]:
        return {"detail": self.detail}


def og_datetime(moment: datetime) -> str:
    # Local calendar date-time without a zone, "YYYY-MM-DD HH:MM:SS" [§1.6][§3.6].
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def og_date(day: date) -> str:
    return day.strftime("%Y-%m-%d")


def money(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def frequency_days(every: int, every_period: int) -> int:
    return every * _PERIOD_DAYS[every_period]


def add_interval(moment: datetime, every: int, every_period: int) -> datetime:
    """`moment` plus one calendar interval (months as months, clamped to the month's end).

    Ordergroove was seen to move a skipped item exactly one calendar interval, not
    `frequency_days` [§1.9][§3.7]. Clamping 31 Jan + 1 month to 28/29 Feb is unverified.
    """
    if every_period == DAYS:
        return moment + timedelta(days=every)
    if every_period == WEEKS:
        return moment + timedelta(weeks=every)
    months = every if every_period == MONTHS else 12 * every
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Product:
    external_product_id: str
    name: str
    price: Decimal


@dataclass(frozen=True)
class Customer:
    merchant_user_id: str
    first_name: str
    last_name: str
    email: str
    phone_number: str
    created: datetime


@dataclass
class Subscription:
    public_id: str
    customer: str
    product: str
    quantity: int
    price: Decimal
    every: int
    every_period: int
    start_date: date
    created: datetime
    updated: datetime
    payment: str
    shipping_address: str
    live: bool = True
    cancelled: datetime | None = None
    cancel_reason: str | None = None
    prepaid_context: dict[str, Any] | None = None

    @property
    def prepaid(self) -> bool:
        return bool(self.prepaid_context)

    @property
    def cancel_reason_code(self) -> str | None:
        if self.cancel_reason is None:
            return None
        return self.cancel_reason.split("|", 1)[0].strip()


@dataclass
class Item:
    public_id: str
    order: str
    subscription: str | None
    product: str
    quantity: int
    price: Decimal
    created: datetime

    @property
    def one_time(self) -> bool:
        return self.subscription is None

    @property
    def total(self) -> Decimal:
        return self.price * self.quantity


@dataclass
class Order:
    public_id: str
    customer: str
    payment: str
    shipping_address: str
    place: datetime
    status: int
    created: datetime
    updated: datetime
    locked: bool = False
    cancelled: datetime | None = None
    shipping_total: Decimal = Decimal("4.95")
    items: list[Item] = field(default_factory=list)

    @property
    def sub_total(self) -> Decimal:
        return sum((i.total for i in self.items), ZERO)

    @property
    def total(self) -> Decimal:
        # No tax or discount in the sandbox; free shipping on an empty order.
        return self.sub_total + (self.shipping_total if self.items else ZERO)


@dataclass(frozen=True)
class LedgerEntry:
    """One executed effect, recorded when it happens (refused or dropped-before: nothing)."""

    # "subscription.cancel", "order.skip_subscription" or "subscription.change_next_order_date"
    operation: str
    at: datetime
    subscription: str
    order: str | None = None  # skip, date change: the source order
    new_order: str | None = None  # skip, date change: the order now holding the moved items
    place: datetime | None = None  # skip, date change: that order's place
    cancel_reason: str | None = None
    orders_changed: tuple[str, ...] = ()  # cancel: the upcoming orders the items left
