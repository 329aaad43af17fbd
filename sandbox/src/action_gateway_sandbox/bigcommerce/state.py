"""The simulated store's records, BigCommerce's value formats and its error bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from email.utils import format_datetime
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0")
STORE_CURRENCY = "USD"
STATUS_CODES_URL = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

# V2 order status ids and their default names [O2 GET /order_statuses].
STATUS_NAMES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}
REFUNDED, PARTIALLY_REFUNDED = 4, 14


class ApiError(Exception):
    """An HTTP error answer, already in the shape of the API family that raised it."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def v2_error(status: int, message: str) -> ApiError:
    # V2 errors are a JSON array of {status, message} [O2 404_Resp].
    return ApiError(status, [{"status": status, "message": message}])


def v3_error(status: int, title: str, errors: dict[str, str] | None = None) -> ApiError:
    # V3 generic error object {status, title, type, errors} [O3 422_UnprocessableEntity][C3].
    return ApiError(
        status, {"status": status, "title": title, "type": STATUS_CODES_URL, "errors": errors or {}}
    )


def refund_error(status: int, title: str) -> ApiError:
    # Create-refund 422 is wrapped in a data list [O3 POST .../refunds responses.422].
    return ApiError(
        status, {"data": [{"status": status, "title": title, "type": STATUS_CODES_URL}]}
    )


def promotions_error(status: int, title: str) -> ApiError:
    # Promotions 4xx: {"errors": [{status, title}]} [P3 schemas/ErrorResponse].
    return ApiError(status, {"errors": [{"status": status, "title": title}]})


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def v2_money(value: Decimal) -> str:
    # V2 money is a string with four decimals, e.g. "225.0000" [O2 order_Shared].
    return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):f}"


def v3_money(value: Decimal) -> float:
    # V3 amounts are JSON numbers rounded to two decimals [O3 Amount].
    return float(cents(value))


def rfc2822(moment: datetime | None) -> str:
    # V2 dates are RFC 2822; an unset date is "" [O2 order_Resp example date_shipped].
    return "" if moment is None else format_datetime(moment)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass(frozen=True)
class Category:
    id: int
    name: str


@dataclass
class Customer:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    created: datetime
    company: str = ""
    store_credit: Decimal = ZERO


@dataclass
class OrderProduct:
    id: int  # the order product id: item_id of PRODUCT refund items [O3 QuantityBoundItem]
    product_id: int
    variant_id: int
    name: str
    sku: str
    quantity: int
    price: Decimal  # per unit; the sandbox store charges no tax, so ex == inc
    order_address_id: int
    quantity_shipped: int = 0
    quantity_refunded: int = 0
    refund_amount: Decimal = ZERO

    @property
    def refundable_quantity(self) -> int:
        return self.quantity - self.quantity_refunded


@dataclass
class ShippingAddress:
    id: int  # the order address id: item_id of SHIPPING/HANDLING refund items [O3]
    first_name: str
    last_name: str
    street_1: str
    city: str
    state: str
    zip: str
    email: str
    phone: str
    shipping_method: str
    cost: Decimal
    handling: Decimal = ZERO
    refunded_shipping: Decimal = ZERO
    refunded_handling: Decimal = ZERO
    company: str = ""
    street_2: str = ""
    country: str = "United States"
    country_iso2: str = "US"


@dataclass(frozen=True)
class Gateway:
    """How an order was paid and what refunds BigCommerce can offer for it."""

    provider_id: str
    description: str
    payment_method: str  # the order's display `payment_method`
    offline_provider: bool = False  # e.g. cash on delivery: refunds are recorded, never sent
    declines_refunds: bool = False  # the gateway declines refund payments (is_declined)


@dataclass
class RefundItem:
    item_type: str
    item_id: int
    quantity: int | None
    requested_amount: Decimal | None
    reason: str


@dataclass
class RefundPayment:
    id: int
    provider_id: str
    amount: Decimal
    offline: bool
    is_declined: bool
    declined_message: str
    transaction_id: str


@dataclass
class Refund:
    id: int
    order_id: int
    created: datetime
    reason: str
    total_amount: Decimal
    items: list[RefundItem]
    payments: list[RefundPayment]
    user_id: int = 0


@dataclass
class Order:
    id: int
    customer_id: int  # 0 = guest [D-orders FAQ]
    email: str
    first_name: str
    last_name: str
    status_id: int
    created: datetime
    modified: datetime
    gateway: Gateway
    payment_status: str
    products: list[OrderProduct]
    addresses: list[ShippingAddress]
    shipped: datetime | None = None
    staff_notes: str = ""
    customer_message: str = ""
    refunds: list[Refund] = field(default_factory=list)
    external_source: str | None = None
    external_order_id: str = ""

    @property
    def subtotal(self) -> Decimal:
        return sum((p.price * p.quantity for p in self.products), ZERO)

    @property
    def shipping(self) -> Decimal:
        return sum((a.cost for a in self.addresses), ZERO)

    @property
    def handling(self) -> Decimal:
        return sum((a.handling for a in self.addresses), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping + self.handling

    @property
    def refunded_amount(self) -> Decimal:
        # Declined refund payments moved no money (unverified: BigCommerce's bookkeeping).
        return sum((p.amount for r in self.refunds for p in r.payments if not p.is_declined), ZERO)

    @property
    def refundable_amount(self) -> Decimal:
        return self.total - self.refunded_amount

    @property
    def captured(self) -> bool:
        # A refund needs captured or settled funds [D-refunds troubleshooting][KB-refunds].
        return self.payment_status in ("captured", "paid", "partially refunded", "refunded")


@dataclass
class CouponCode:
    id: int
    promotion_id: int
    code: str
    max_uses: int
    max_uses_per_customer: int
    created: datetime
    current_uses: int = 0


@dataclass
class Promotion:
    id: int
    body: dict[str, Any]  # the saved promotion, as GET /v3/promotions/{id} shows it
    codes: list[CouponCode] = field(default_factory=list)


@dataclass(frozen=True)
class LedgerEntry:
    """One executed effect, recorded when it happens (refused or dropped-before: nothing)."""

    operation: str  # "order.update", "refund", "promotion.create", "promotion.code", ...
    at: datetime
    order_id: int | None = None
    status_id: int | None = None
    amount: Decimal | None = None
    refund_id: int | None = None
    provider_id: str | None = None
    declined: bool = False
    promotion_id: int | None = None
    code: str | None = None
    customer_id: int | None = None
    address_id: int | None = None
    street_1: str | None = None
    """order.shipping_address: the address line it was set to."""
