"""Translation between the neutral models and BigCommerce's REST shapes (to_/from_bigcommerce_*)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from action_gateway.domain.countries import (
    country_name,
    province_code,
    province_name,
    same_address_part,
)
from action_gateway.domain.dates import add_months
from action_gateway.domain.models import (
    Address,
    AddressInput,
    CreateDiscountCodeInput,
    Customer,
    DiscountCode,
    DiscountType,
    EditOrderNoteInput,
    LineItem,
    Money,
    NoteMode,
    Order,
    OrderState,
    OrderTotals,
    PartialRefundOrderInput,
    RefundLine,
    RefundOrderInput,
    RefundSummary,
    RefundTransaction,
    format_decimal,
)
from action_gateway.errors import FieldError, PlatformMessage, PlatformRejected, ValidationFailed

Node = Mapping[str, Any]

CANCELLED_STATUS_ID = 5
NO_RESTOCK_NOTE = (
    "BigCommerce does not restock refunded items through its API; adjust stock in BigCommerce."
)
NOTIFY_NOTE = (
    "BigCommerce has no per-request notification switch: the store's order status email "
    "settings decide whether the customer is emailed."
)
COUPON_CODE_PATTERN = re.compile(r"^[A-Za-z0-9 _-]{1,50}$")
REFUND_NOT_SUPPORTED = "refund_not_supported_by_provider"


# --- Ids --------------------------------------------------------------------------------------


def to_bigcommerce_id(value: str) -> int | None:
    """A BigCommerce numeric id; the order number customers know is the id (``#123`` or ``123``)."""
    value = value.strip().removeprefix("#").strip()
    return int(value) if value.isascii() and value.isdigit() else None


# --- Money and dates --------------------------------------------------------------------------


def decimal_of(value: Any) -> Decimal:
    """V2 money is a 4-decimal string (``"225.0000"``), V3 money a JSON number."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


def money(value: Any, currency: str) -> Money:
    return Money.of(decimal_of(value), currency)


def to_bigcommerce_amount(value: Decimal) -> float:
    """V3 payment actions take amounts as JSON numbers rounded to 2 decimals."""
    return float(value.quantize(Decimal("0.01")))


def parse_rfc2822(value: Any) -> datetime | None:
    """V2 dates are RFC 2822 strings (``Tue, 05 Mar 2026 14:10:00 +0000``)."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None


def iso(moment: datetime) -> str:
    """ISO 8601 with an explicit offset, as Promotions V3 expects."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# --- Orders and customers ---------------------------------------------------------------------


def from_bigcommerce_line_item(product: Node, currency: str) -> LineItem:
    quantity = int(product.get("quantity") or 0)
    return LineItem(
        id=str(product["id"]),
        name=str(product.get("name") or product.get("name_merchant") or ""),
        sku=product.get("sku") or None,
        quantity=quantity,
        refundable_quantity=max(0, quantity - int(product.get("quantity_refunded") or 0)),
        unfulfilled_quantity=max(0, quantity - int(product.get("quantity_shipped") or 0)),
        unit_price=money(product.get("price_inc_tax"), currency),
    )


def from_bigcommerce_order(
    node: Node, products: Sequence[Node] = (), addresses: Sequence[Node] = ()
) -> Order:
    """A V2 order (and its products and shipping addresses, when read) as the neutral Order;
    eligibility reads ``status_id`` only."""
    currency = str(node.get("currency_code") or node.get("default_currency_code") or "USD")
    order_id = str(node["id"])
    customer_id = int(node.get("customer_id") or 0)
    status_id = int(node["status_id"])
    return Order(
        id=order_id,
        name=f"#{order_id}",
        platform_id=order_id,
        # customer_id 0 is a guest order.
        customer_id=str(customer_id) if customer_id else None,
        created_at=parse_rfc2822(node.get("date_created")),
        state=OrderState(
            status_id=status_id,
            # `status` is the merchant-renamable label: shown, never decided on.
            status_label=node.get("custom_status") or node.get("status"),
            cancelled=status_id == CANCELLED_STATUS_ID,
            has_shipping_address=(
                int(node["shipping_address_count"]) > 0
                if node.get("shipping_address_count") is not None
                else None
            ),
        ),
        currency=currency,
        totals=OrderTotals(
            total=money(node.get("total_inc_tax"), currency),
            # The spec says refunded_amount may read 0; refunds re-derive it from V3 refunds.
            refunded=money(node.get("refunded_amount"), currency),
            shipping=money(node.get("shipping_cost_inc_tax"), currency),
        ),
        note=node.get("staff_notes") or None,
        # An order can ship to several addresses; the gateway's actions use the first.
        shipping_address=from_bigcommerce_address(addresses[0]) if addresses else None,
        line_items=[from_bigcommerce_line_item(product, currency) for product in products],
        # The notes document no control-panel URL pattern for an order, so none is invented.
        admin_url=None,
    )


def from_bigcommerce_customer(node: Node) -> Customer:
    name = " ".join(part for part in (node.get("first_name"), node.get("last_name")) if part)
    return Customer(
        id=str(node["id"]),
        platform_id=str(node["id"]),
        display_name=name or None,
        email=node.get("email") or None,
        phone=node.get("phone") or None,
        admin_url=None,
    )


# --- Notes ------------------------------------------------------------------------------------


def note_after_edit(previous: str | None, data: EditOrderNoteInput) -> str:
    if data.mode is NoteMode.APPEND and previous:
        return f"{previous}\n{data.note}"
    return data.note


def refund_reason(data: RefundOrderInput | PartialRefundOrderInput) -> str:
    reason = f"Reason: {data.reason.value}"
    return f"{reason}. {data.note}" if data.note else reason


# --- Refund quotes ----------------------------------------------------------------------------


def refunded_shipping_by_address(refunds: Iterable[Node]) -> dict[int, Decimal]:
    """Shipping already refunded per order address, summed over the order's V3 refunds."""
    refunded: dict[int, Decimal] = {}
    for refund in refunds:
        for item in refund.get("items") or []:
            if item.get("item_type") == "SHIPPING":
                address_id = int(item["item_id"])
                refunded[address_id] = refunded.get(address_id, Decimal(0)) + decimal_of(
                    item.get("requested_amount")
                )
    return refunded


def remaining_shipping(
    addresses: Iterable[Node], refunds: Iterable[Node]
) -> list[tuple[int, Decimal]]:
    """``(order address id, shipping still refundable)`` for each address with some left."""
    refunded = refunded_shipping_by_address(refunds)
    left = []
    for address in addresses:
        address_id = int(address["id"])
        remaining = decimal_of(address.get("cost_inc_tax")) - refunded.get(address_id, Decimal(0))
        if remaining > 0:
            left.append((address_id, remaining))
    return left


def refunded_total(refunds: Iterable[Node]) -> Decimal:
    return sum((decimal_of(refund.get("total_amount")) for refund in refunds), Decimal(0))


def to_bigcommerce_full_refund_items(
    order: Order, shipping: Sequence[tuple[int, Decimal]], reason: str
) -> list[dict[str, Any]]:
    """Every line's remaining quantity, and each address's remaining shipping."""
    items: list[dict[str, Any]] = [
        {
            "item_type": "PRODUCT",
            "item_id": int(line.id),
            "quantity": line.refundable_quantity,
            "reason": reason,
        }
        for line in order.line_items
        if line.refundable_quantity
    ]
    items.extend(
        {"item_type": "SHIPPING", "item_id": address_id, "amount": to_bigcommerce_amount(amount)}
        for address_id, amount in shipping
    )
    return items


def to_bigcommerce_partial_refund_items(
    order: Order,
    data: PartialRefundOrderInput,
    shipping: Sequence[tuple[int, Decimal]],
) -> list[dict[str, Any]]:
    """PRODUCT items by quantity and SHIPPING amounts, or one ORDER item for a manual total.

    A manual total is an ``ORDER`` item (``item_id`` = the order id): BigCommerce quotes it like
    any other item (without recalculating tax), so the refund's payment still equals a quoted
    amount. BigCommerce cannot scale PRODUCT items to a custom total, so a manual total is
    accepted only on its own.
    """
    reason = refund_reason(data)
    if data.amount is not None:
        if data.line_items or data.shipping_amount is not None:
            raise ValidationFailed(
                "BigCommerce refunds a manual amount as an order-level amount: send `amount` "
                "without line items or a shipping amount",
                errors=[
                    FieldError(
                        loc=["body", "input", "amount"],
                        message="a manual amount cannot be combined with line items or shipping",
                    )
                ],
            )
        return [
            {
                "item_type": "ORDER",
                "item_id": int(order.platform_id),
                "amount": to_bigcommerce_amount(Decimal(data.amount)),
                "reason": reason,
            }
        ]
    # check_partial_refund has matched every line to the order, whose ids are numeric.
    items: list[dict[str, Any]] = [
        {
            "item_type": "PRODUCT",
            "item_id": int(line.line_item_id),
            "quantity": line.quantity,
            "reason": reason,
        }
        for line in data.line_items
    ]
    if data.shipping_amount is not None:
        items.extend(_shipping_items(Decimal(data.shipping_amount), shipping))
    return items


def _shipping_items(
    asked: Decimal, shipping: Sequence[tuple[int, Decimal]]
) -> list[dict[str, Any]]:
    """The shipping amount spread over the order's addresses, each up to what it has left.

    The adapter has already refused an amount above the total left, so it always fits.
    """
    items: list[dict[str, Any]] = []
    left = asked
    for address_id, remaining in shipping:
        part = min(left, remaining)
        if part > 0:
            items.append(
                {
                    "item_type": "SHIPPING",
                    "item_id": address_id,
                    "amount": to_bigcommerce_amount(part),
                }
            )
        left -= part
    return items


STORE_CREDIT_PROVIDER = "storecredit"


def _refunds_original_payment(option: Node) -> bool:
    # Store credit is "online" in a quote, but it is not the customer's money back: an agent
    # asking for a refund must never issue store credit without saying so.
    return option.get("offline") is False and option.get("provider_id") != STORE_CREDIT_PROVIDER


def choose_refund_method(quote: Node) -> list[Node] | None:
    """The first quoted method that refunds the original payment online, if any."""
    for method in quote.get("refund_methods") or []:
        if method and all(_refunds_original_payment(option) for option in method):
            return list(method)
    return None


def offline_only_error(quote: Node, order: Order) -> PlatformRejected:
    """BigCommerce can only record this refund; the money would have to move elsewhere."""
    reasons = [
        PlatformMessage(
            message=str(
                option.get("offline_reason")
                or (
                    "store credit only"
                    if option.get("provider_id") == STORE_CREDIT_PROVIDER
                    else "offline only"
                )
            ),
            field=[str(option.get("provider_id") or "")],
        )
        for method in quote.get("refund_methods") or []
        for option in method
    ]
    detail = (
        f"BigCommerce cannot refund order {order.name} to the original payment; only offline "
        "or store-credit refund methods are offered"
    )
    summary = "; ".join(dict.fromkeys(m.message for m in reasons))
    return PlatformRejected(
        f"{detail}: {summary}" if summary else detail,
        code=REFUND_NOT_SUPPORTED,
        platform_errors=reasons,
    )


def to_bigcommerce_refund(items: Sequence[Node], method: Sequence[Node]) -> dict[str, Any]:
    """The refund request: the quoted items, and the chosen method's payments copied exactly."""
    return {
        "items": [dict(item) for item in items],
        "payments": [
            {
                "provider_id": option["provider_id"],
                "amount": option["amount"],
                "offline": option["offline"],
            }
            for option in method
        ],
    }


def _refund_lines(order: Order, items: Iterable[Node], currency: str) -> list[RefundLine]:
    names = {line.id: line.name for line in order.line_items}
    return [
        RefundLine(
            line_item_id=str(item["item_id"]),
            name=names.get(str(item["item_id"])),
            quantity=int(item.get("quantity") or 0),
            amount=money(item["requested_amount"], currency)
            if item.get("requested_amount") is not None
            else None,
            # BigCommerce's refunds API never restocks.
            restock_type=None,
        )
        for item in items
        if item.get("item_type") == "PRODUCT"
    ]


def _shipping_of(items: Iterable[Node], key: str, currency: str) -> Money | None:
    amounts = [decimal_of(item.get(key)) for item in items if item.get("item_type") == "SHIPPING"]
    return Money.of(sum(amounts, Decimal(0)), currency) if amounts else None


def _transactions(method: Iterable[Node], currency: str) -> list[RefundTransaction]:
    return [
        RefundTransaction(
            gateway=str(option["provider_id"]),
            amount=money(option.get("amount"), currency),
            kind="offline_refund" if option.get("offline") else "refund",
        )
        for option in method
    ]


def from_bigcommerce_quote(
    quote: Node,
    items: Sequence[Node],
    order: Order,
    *,
    maximum_refundable: Decimal,
    shipping_refundable: Decimal,
    notes: Sequence[str] = (),
) -> RefundSummary:
    """A refund quote as a preview: what each item, shipping and payment option would move."""
    currency = order.currency
    method = choose_refund_method(quote)
    extra = list(notes)
    if method is None:
        methods = quote.get("refund_methods") or [[]]
        method = list(methods[0])
        extra.append(offline_only_error(quote, order).detail or "")
    return RefundSummary(
        total=money(quote.get("total_refund_amount"), currency),
        shipping=_shipping_of(items, "amount", currency),
        line_items=_refund_lines(order, items, currency),
        transactions=_transactions(method, currency),
        maximum_refundable=Money.of(maximum_refundable, currency),
        shipping_refundable=Money.of(shipping_refundable, currency),
        notes=extra,
    )


def from_bigcommerce_refund(
    refund: Node, order: Order, *, notes: Sequence[str] = ()
) -> RefundSummary:
    currency = order.currency
    items = refund.get("items") or []
    return RefundSummary(
        total=money(refund.get("total_amount"), currency),
        shipping=_shipping_of(items, "requested_amount", currency),
        line_items=_refund_lines(order, items, currency),
        transactions=[
            RefundTransaction(
                gateway=str(payment.get("provider_id")),
                amount=money(payment.get("amount"), currency),
                kind="offline_refund" if payment.get("offline") else "refund",
                status="declined" if payment.get("is_declined") else "scheduled",
            )
            for payment in refund.get("payments") or []
        ],
        refund_id=str(refund["id"]) if refund.get("id") is not None else None,
        notes=list(notes),
    )


def declined_error(refund: Node, order: Order) -> PlatformRejected | None:
    """A refund whose payment the provider declined, with BigCommerce's message verbatim."""
    declined = [payment for payment in refund.get("payments") or [] if payment.get("is_declined")]
    if not declined:
        return None
    messages = [
        PlatformMessage(
            message=str(payment.get("declined_message") or "declined"),
            field=[str(payment.get("provider_id") or "")],
        )
        for payment in declined
    ]
    return PlatformRejected(
        f"the payment provider declined refund {refund.get('id')} of order {order.name}: "
        + "; ".join(m.message for m in messages),
        platform_errors=messages,
    )


# --- Discount codes ---------------------------------------------------------------------------


def check_coupon_code(code: str) -> None:
    if not COUPON_CODE_PATTERN.fullmatch(code):
        raise ValidationFailed(
            "a BigCommerce coupon code has at most 50 letters, digits, spaces, `_` or `-`",
            errors=[
                FieldError(
                    loc=["body", "input", "code"],
                    message="letters, digits, spaces, `_` and `-` only, at most 50 characters",
                )
            ],
        )


def discount_name(data: CreateDiscountCodeInput) -> str:
    return data.title or f"Helpdesk code {data.code}"


def to_bigcommerce_promotion(
    data: CreateDiscountCodeInput, *, starts_at: datetime, category_id: int | None
) -> dict[str, Any]:
    """A single-use COUPON promotion with one rule, on the whole cart or on one category."""
    value = format_decimal(Decimal(data.value))
    # Promotions V3 takes both discount kinds as strings.
    discount = (
        {"percentage_amount": value}
        if data.type is DiscountType.PERCENTAGE
        else {"fixed_amount": value}
    )
    action: dict[str, Any] = (
        {"cart_items": {"discount": discount, "items": {"categories": [category_id]}}}
        if category_id is not None
        else {"cart_value": {"discount": discount}}
    )
    promotion: dict[str, Any] = {
        "name": discount_name(data),
        "redemption_type": "COUPON",
        "rules": [{"action": action}],
        "start_date": iso(starts_at),
        "max_uses": 1,
        "status": "ENABLED",
    }
    months = data.expiry.months
    # end_date is not nullable in the spec: leaving it out is how a promotion never expires.
    if months is not None:
        promotion["end_date"] = iso(add_months(starts_at, months))
    return promotion


def to_bigcommerce_coupon_code(code: str) -> dict[str, Any]:
    return {"code": code, "max_uses": 1, "max_uses_per_customer": 1}


def from_bigcommerce_promotion(
    promotion: Node,
    code: Node,
    data: CreateDiscountCodeInput,
    *,
    category_id: int | None,
    starts_at: datetime,
) -> DiscountCode:
    currency = promotion.get("currency_code")
    start = promotion.get("start_date")
    return DiscountCode(
        id=str(promotion["id"]),
        code=str(code.get("code") or data.code),
        type=data.type,
        value=format_decimal(Decimal(data.value)),
        # `*` means every currency; a fixed amount is in the store's default currency then.
        currency=currency if currency and currency != "*" else None,
        applies_to="collection" if category_id is not None else "all",
        collection_id=str(category_id) if category_id is not None else None,
        starts_at=start or starts_at,
        ends_at=promotion.get("end_date") or None,
        usage_limit=int(code.get("max_uses") or promotion.get("max_uses") or 1),
        status=str(promotion["status"]).lower() if promotion.get("status") else None,
        admin_url=None,
    )


# --- Store credit ------------------------------------------------------------------------------


def store_credit_of(node: Node) -> Decimal:
    """The customer's balance: ``store_credit_amounts`` (GET with include=storecredit) [CU3]."""
    return sum(
        (decimal_of(entry.get("amount")) for entry in node.get("store_credit_amounts") or []),
        Decimal(0),
    )


def to_bigcommerce_store_credit(customer_id: int, balance: Decimal) -> list[dict[str, Any]]:
    """PUT /v3/customers body: an array of customer_Put; the amount is the whole new balance
    (one entry: several entries' meaning is unconfirmed)."""
    return [{"id": customer_id, "store_credit_amounts": [{"amount": float(balance)}]}]


def from_bigcommerce_address(node: Node) -> Address:
    """An ``orderShippingAddress`` (V2): ``state`` is the province's name."""
    country = node.get("country_iso2") or None
    state = node.get("state") or None
    return Address(
        first_name=node.get("first_name") or None,
        last_name=node.get("last_name") or None,
        company=node.get("company") or None,
        address1=node.get("street_1") or None,
        address2=node.get("street_2") or None,
        city=node.get("city") or None,
        province_code=province_code(country, state) if country and state else None,
        province=state,
        postal_code=node.get("zip") or None,
        country_code=country,
        phone=node.get("phone") or None,
    )


def to_bigcommerce_address(address: AddressInput) -> dict[str, str]:
    """A ``shippingAddress_Put``: ``state`` takes the name (every example in the spec), both
    ``country`` and ``country_iso2`` are sent; empty strings clear what the caller left out."""
    return {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company or "",
        "street_1": address.address1,
        "street_2": address.address2 or "",
        "city": address.city,
        "state": (
            province_name(address.country_code, address.province_code)
            if address.province_code
            else None
        )
        or address.province_code
        or "",
        "zip": address.postal_code,
        "country": country_name(address.country_code) or "",
        "country_iso2": address.country_code,
        "phone": address.phone or "",
    }


def bigcommerce_address_matches(node: Node | None, sent: Mapping[str, str]) -> bool:
    """Whether a re-read address is the one sent (the country compared by its code)."""
    if not node:
        return False
    return all(
        same_address_part(key, node.get(key), value)
        for key, value in sent.items()
        if key != "country"
    )
