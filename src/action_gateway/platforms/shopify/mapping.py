"""Translation between the neutral models and Shopify's GraphQL shapes (to_/from_shopify_*)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from action_gateway.domain.countries import same_address_part
from action_gateway.domain.dates import add_months
from action_gateway.domain.models import (
    Address,
    AddressInput,
    CancelOrderInput,
    CreateDiscountCodeInput,
    CurrencySide,
    Customer,
    CustomerWithOrders,
    DiscountCode,
    DiscountType,
    EditOrderNoteInput,
    IssueStoreCreditInput,
    LineItem,
    Money,
    NoteMode,
    Order,
    OrderPage,
    OrderState,
    OrderTotals,
    PartialRefundLineItem,
    PartialRefundOrderInput,
    RefundLine,
    RefundOrderInput,
    RefundSummary,
    RefundTransaction,
    StoreCredit,
    format_decimal,
)
from action_gateway.errors import (
    DiscountCodeTaken,
    FieldError,
    PlatformMessage,
    PlatformRejected,
    RefundExceedsRefundable,
    ValidationFailed,
)
from action_gateway.platforms.shopify.refund_allocation import (
    presentment_amount,
    refund_transactions,
    split_refund_amount,
    with_locations,
)

Node = Mapping[str, Any]

GID_PREFIX = "gid://shopify/"
ADMIN_BASE = "https://admin.shopify.com/store"


# --- Ids and URLs ---------------------------------------------------------------------------


def to_shopify_gid(resource: str, value: str) -> str | None:
    """A numeric legacy id or a full gid of ``resource`` as a gid; ``None`` when it is neither."""
    value = value.strip()
    prefix = f"{GID_PREFIX}{resource}/"
    number = value.removeprefix(prefix)
    return f"{prefix}{number}" if number.isdigit() else None


def legacy_id(gid: str) -> str:
    """The numeric id at the end of a gid (``gid://shopify/Order/123`` → ``123``)."""
    return gid.rsplit("/", 1)[-1].split("?", 1)[0]


def shop_handle(shop: str) -> str:
    """``acme.myshopify.com`` → ``acme``, the store's name in admin.shopify.com URLs."""
    return shop.split(".", 1)[0]


def admin_url(handle: str, section: str, resource_id: str) -> str:
    return f"{ADMIN_BASE}/{handle}/{section}/{resource_id}"


def search_value(text: str) -> str:
    """A quoted search-syntax value: exact, and immune to operators inside ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def normalize_order_name(name: str) -> str:
    """What the customer typed (``1001``, ``#1001``) as Shopify's order name (``#1001``)."""
    name = name.strip()
    return f"#{name}" if name.isdigit() else name


# --- Money ----------------------------------------------------------------------------------


def _money(bag: Node | None, side: str = "shopMoney") -> Money | None:
    if not bag:
        return None
    money = bag.get(side) or bag.get("shopMoney")
    if not money:
        return None
    return Money.of(str(money["amount"]), money["currencyCode"])


def _required_money(bag: Node | None, currency: str, side: str = "shopMoney") -> Money:
    return _money(bag, side) or Money.of("0", currency)


# Refund money moves in the customer's (presentment) currency; equal to shop money otherwise.
_REFUND_SIDE = "presentmentMoney"


# --- Orders and customers ---------------------------------------------------------------------


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None


def from_shopify_line_item(node: Node) -> LineItem:
    return LineItem(
        id=legacy_id(node["id"]),
        name=node["name"],
        sku=node.get("sku") or None,
        quantity=node["quantity"],
        refundable_quantity=node.get("refundableQuantity"),
        unfulfilled_quantity=node.get("unfulfilledQuantity"),
        unit_price=_money(node.get("originalUnitPriceSet")),
    )


def _totals(node: Node, currency: str, side: str) -> OrderTotals:
    return OrderTotals(
        total=_required_money(node.get("totalPriceSet"), currency, side),
        received=_money(node.get("totalReceivedSet"), side),
        refunded=_money(node.get("totalRefundedSet"), side),
        outstanding=_money(node.get("totalOutstandingSet"), side),
        shipping=_money(node.get("totalShippingPriceSet"), side),
        refunded_shipping=_money(node.get("totalRefundedShippingSet"), side),
    )


def from_shopify_order(node: Node, *, handle: str) -> Order:
    currency: str = node["currencyCode"]
    presentment: str = node.get("presentmentCurrencyCode") or currency
    received = _money(node.get("totalReceivedSet"))
    order_id = str(node.get("legacyResourceId") or legacy_id(node["id"]))
    customer = node.get("customer")
    return Order(
        id=order_id,
        name=node["name"],
        platform_id=node["id"],
        customer_id=legacy_id(customer["id"]) if customer else None,
        created_at=node.get("createdAt"),
        cancelled_at=node.get("cancelledAt"),
        cancel_reason=_lower(node.get("cancelReason")),
        state=OrderState(
            # displayFinancialStatus is nullable (an order without transactions).
            financial_status=_lower(node.get("displayFinancialStatus")),
            fulfillment_status=_lower(node.get("displayFulfillmentStatus")),
            cancelled=node.get("cancelledAt") is not None,
            amount_received=received.amount if received else None,
            has_shipping_address=(
                node.get("shippingAddress") is not None if "shippingAddress" in node else None
            ),
        ),
        currency=currency,
        totals=_totals(node, currency, "shopMoney"),
        presentment_currency=presentment if presentment != currency else None,
        presentment_totals=(
            _totals(node, presentment, _REFUND_SIDE) if presentment != currency else None
        ),
        note=node.get("note"),
        line_items=[from_shopify_line_item(item) for item in _nodes(node.get("lineItems"))],
        admin_url=admin_url(handle, "orders", order_id),
        tags=order_tags(node) if "tags" in node else None,
        shipping_address=from_shopify_address(node.get("shippingAddress")),
    )


def from_shopify_address(node: Node | None) -> Address | None:
    """A ``MailingAddress`` (``countryCodeV2``: ``countryCode`` is deprecated)."""
    if not node:
        return None
    return Address(
        first_name=node.get("firstName"),
        last_name=node.get("lastName"),
        company=node.get("company"),
        address1=node.get("address1"),
        address2=node.get("address2"),
        city=node.get("city"),
        province_code=node.get("provinceCode"),
        province=node.get("province"),
        postal_code=node.get("zip"),
        country_code=node.get("countryCodeV2"),
        phone=node.get("phone"),
    )


def to_shopify_address(address: AddressInput) -> dict[str, str | None]:
    """A whole ``MailingAddressInput``: parts the caller left out are sent as null so none of
    the old address survives (whether an omitted field is kept is UNCONFIRMED)."""
    return {
        "firstName": address.first_name,
        "lastName": address.last_name,
        "company": address.company,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "provinceCode": address.province_code,
        "countryCode": address.country_code,
        "zip": address.postal_code,
        "phone": address.phone,
    }


_READ_BACK = {"countryCode": "countryCodeV2"}


def shopify_address_matches(node: Node | None, sent: Mapping[str, str | None]) -> bool:
    """Whether a re-read ``MailingAddress`` is the address sent, as Shopify may format it
    (case, spaces in a ZIP, a phone's punctuation)."""
    if not node:
        return False
    return all(
        same_address_part(key, node.get(_READ_BACK.get(key, key)), value)
        for key, value in sent.items()
    )


def order_tags(node: Node) -> list[str]:
    """``Order.tags`` (a non-null list of strings)."""
    return [str(tag) for tag in node.get("tags") or []]


def from_shopify_customer(node: Node, *, handle: str) -> Customer:
    customer_id = str(node.get("legacyResourceId") or legacy_id(node["id"]))
    email = node.get("defaultEmailAddress") or {}
    phone = node.get("defaultPhoneNumber") or {}
    orders_count = node.get("numberOfOrders")
    return Customer(
        id=customer_id,
        platform_id=node["id"],
        display_name=node.get("displayName"),
        email=email.get("emailAddress"),
        phone=phone.get("phoneNumber"),
        # numberOfOrders is an UnsignedInt64, serialized as a string.
        orders_count=int(orders_count) if orders_count is not None else None,
        admin_url=admin_url(handle, "customers", customer_id),
    )


def from_shopify_customer_with_orders(node: Node, *, handle: str) -> CustomerWithOrders:
    page = from_shopify_order_page(node.get("orders"), handle=handle)
    return CustomerWithOrders(
        customer=from_shopify_customer(node, handle=handle),
        orders=page.orders,
        has_more_orders=page.has_more_orders,
        next_orders_cursor=page.next_orders_cursor,
    )


def from_shopify_order_page(orders: Node | None, *, handle: str) -> OrderPage:
    """A customer's ``orders`` connection; its ``endCursor`` is where the next page starts."""
    page_info = (orders or {}).get("pageInfo") or {}
    more = bool(page_info.get("hasNextPage"))
    return OrderPage(
        orders=[from_shopify_order(order, handle=handle) for order in _nodes(orders)],
        has_more_orders=more,
        next_orders_cursor=page_info.get("endCursor") if more else None,
    )


def _nodes(connection: Node | None) -> list[Node]:
    return list((connection or {}).get("nodes") or [])


# --- Cancel -----------------------------------------------------------------------------------


def to_shopify_cancel_variables(
    order_gid: str, data: CancelOrderInput, *, refund: bool
) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "orderId": order_gid,
        "reason": data.reason.value.upper(),
        "restock": data.restock,
        "notifyCustomer": data.notify_customer,
    }
    if data.staff_note:
        variables["staffNote"] = data.staff_note
    if refund:
        variables["refundMethod"] = {"originalPaymentMethodsRefund": True}
    return variables


# --- Refunds ----------------------------------------------------------------------------------


def from_shopify_suggested_refund(suggestion: Node, *, currency: str) -> RefundSummary:
    return RefundSummary(
        total=_required_money(suggestion.get("amountSet"), currency, _REFUND_SIDE),
        shipping=_money((suggestion.get("shipping") or {}).get("amountSet"), _REFUND_SIDE),
        line_items=[
            _from_shopify_refund_line(line) for line in suggestion.get("refundLineItems") or []
        ],
        transactions=[
            RefundTransaction(
                gateway=transaction["gateway"],
                amount=_required_money(transaction.get("amountSet"), currency, _REFUND_SIDE),
                kind=transaction["kind"].lower(),
            )
            for transaction in suggestion.get("suggestedTransactions") or []
        ],
        maximum_refundable=_money(suggestion.get("maximumRefundableSet"), _REFUND_SIDE),
        currency_side=CurrencySide.PRESENTMENT,
        shipping_refundable=_money(
            (suggestion.get("shipping") or {}).get("maximumRefundableSet"), _REFUND_SIDE
        ),
    )


def _from_shopify_refund_line(line: Node) -> RefundLine:
    item = line.get("lineItem") or {}
    return RefundLine(
        line_item_id=legacy_id(item["id"]),
        name=item.get("name"),
        quantity=line["quantity"],
        amount=_money(line.get("subtotalSet"), _REFUND_SIDE),
        restock_type=_lower(line.get("restockType")),
    )


def refundable_maximum(suggestion: Node) -> Decimal:
    maximum = _money(suggestion.get("maximumRefundableSet"), _REFUND_SIDE)
    return maximum.value if maximum else Decimal(0)


def refunded_since(order: Order, polled: Node) -> RefundSummary:
    """What the order's refunded totals grew by since ``order`` was read (shop currency)."""
    after = _required_money(polled.get("totalRefundedSet"), order.currency)
    before = order.totals.refunded.value if order.totals.refunded else Decimal(0)
    shipping_after = _money(polled.get("totalRefundedShippingSet"))
    shipping = None
    if shipping_after is not None and order.totals.refunded_shipping is not None:
        shipping_before = order.totals.refunded_shipping.value
        shipping = Money.of(shipping_after.value - shipping_before, shipping_after.currency)
    return RefundSummary(
        total=Money.of(after.value - before, after.currency),
        shipping=shipping,
        currency_side=CurrencySide.SHOP,
    )


def refund_note(data: RefundOrderInput | PartialRefundOrderInput) -> str:
    reason = f"Reason: {data.reason.value}"
    return f"{reason}\n{data.note}" if data.note else reason


def to_shopify_refund_input(
    order_gid: str,
    suggestion: Node,
    data: RefundOrderInput,
    *,
    shop_currency: str,
    presentment_currency: str,
) -> dict[str, Any]:
    """A full refund exactly as Shopify suggested it, never restocking."""
    refund_input: dict[str, Any] = {
        "orderId": order_gid,
        "notify": data.notify_customer,
        "note": refund_note(data),
        "shipping": {"fullRefund": True},
        "refundLineItems": [
            {
                "lineItemId": line["lineItem"]["id"],
                "quantity": line["quantity"],
                "restockType": "NO_RESTOCK",
            }
            for line in suggestion.get("refundLineItems") or []
            if line["quantity"] > 0
        ],
        "transactions": [
            {
                "orderId": order_gid,
                # Shopify silently records a wrong gateway string, so copy the suggested one.
                "gateway": transaction["gateway"],
                "kind": "REFUND",
                "amount": transaction["amountSet"][_REFUND_SIDE]["amount"],
                "parentId": (transaction.get("parentTransaction") or {}).get("id"),
            }
            for transaction in suggestion.get("suggestedTransactions") or []
        ],
    }
    # Required when the customer paid in another currency; amounts are then presentment money.
    if presentment_currency != shop_currency:
        refund_input["currency"] = presentment_currency
    return refund_input


# --- Partial refunds --------------------------------------------------------------------------


def with_legacy_line_ids(data: PartialRefundOrderInput) -> PartialRefundOrderInput:
    """``data`` with each line item id as the numeric id the neutral Order uses.

    Raises ValidationFailed for an id that is neither a number nor a LineItem gid.
    """
    items: list[PartialRefundLineItem] = []
    problems: list[FieldError] = []
    for index, item in enumerate(data.line_items):
        gid = to_shopify_gid("LineItem", item.line_item_id)
        if gid is None:
            problems.append(
                FieldError(
                    loc=["body", "input", "line_items", str(index), "line_item_id"],
                    message=f"{item.line_item_id} is not a Shopify line item id "
                    "(a number or gid://shopify/LineItem/…)",
                )
            )
            continue
        items.append(item.model_copy(update={"line_item_id": legacy_id(gid)}))
    if problems:
        raise ValidationFailed("; ".join(p.message for p in problems), errors=problems)
    return data.model_copy(update={"line_items": items})


def to_shopify_refund_lines(order: Order, data: PartialRefundOrderInput) -> list[dict[str, Any]]:
    """RefundLineItemInput per request line, split by restock type (``data`` has legacy ids).

    restock false → NO_RESTOCK. restock true → CANCEL for the unfulfilled units first (what has
    not shipped yet is what an agent takes back first), RETURN for the rest: a line spanning both
    becomes two refund lines with the same lineItemId, as Shopify's own refund page splits
    unfulfilled and fulfilled units. cancel_unfulfilled → every asked unit is CANCELled, and a
    line asking for more units than are unfulfilled is refused.
    """
    lines = {line.id: line for line in order.line_items}
    problems: list[FieldError] = []
    out: list[dict[str, Any]] = []
    for index, item in enumerate(data.line_items):
        loc = ["body", "input", "line_items", str(index)]
        line = lines.get(item.line_item_id)
        if line is None:
            problems.append(
                FieldError(
                    loc=[*loc, "line_item_id"],
                    message=f"order {order.name} has no line item {item.line_item_id}",
                )
            )
            continue
        gid = f"{GID_PREFIX}LineItem/{item.line_item_id}"
        unfulfilled = line.unfulfilled_quantity or 0
        if data.cancel_unfulfilled:
            if item.quantity > unfulfilled:
                problems.append(
                    FieldError(
                        loc=[*loc, "quantity"],
                        message=f"{item.quantity} x {line.name} to cancel, "
                        f"{unfulfilled} unfulfilled",
                    )
                )
                continue
            # CANCEL takes unfulfilled units off the order (a partial cancel), restocking them.
            out.append({"lineItemId": gid, "quantity": item.quantity, "restockType": "CANCEL"})
        elif not item.restock:
            out.append({"lineItemId": gid, "quantity": item.quantity, "restockType": "NO_RESTOCK"})
        else:
            # CANCEL restocks unfulfilled units, RETURN fulfilled ones; never the other way round.
            cancelled = min(item.quantity, unfulfilled)
            if cancelled:
                out.append({"lineItemId": gid, "quantity": cancelled, "restockType": "CANCEL"})
            if item.quantity - cancelled:
                out.append(
                    {
                        "lineItemId": gid,
                        "quantity": item.quantity - cancelled,
                        "restockType": "RETURN",
                    }
                )
    if problems:
        raise ValidationFailed("; ".join(p.message for p in problems), errors=problems)
    return out


def suggested_partial_refund_variables(
    order_gid: str, lines: list[dict[str, Any]], data: PartialRefundOrderInput
) -> dict[str, Any]:
    variables: dict[str, Any] = {"id": order_gid, "refundLineItems": lines}
    if data.shipping_amount is not None:
        variables["shippingAmount"] = data.shipping_amount
    else:
        # shippingAmount overrides refundShipping; without one, ask for no shipping explicitly.
        variables["refundShipping"] = False
    return variables


def from_shopify_partial_suggestion(
    suggestion: Node, data: PartialRefundOrderInput, *, currency: str
) -> RefundSummary:
    """The suggestion as a preview; with a manual amount, that amount and its split."""
    summary = from_shopify_suggested_refund(suggestion, currency=currency)
    if data.amount is None:
        return summary
    try:
        split = split_refund_amount(Decimal(data.amount), suggestion)
    except RefundExceedsRefundable:
        split = []  # reported after check_partial_refund, which names the order's own limit
    return summary.model_copy(
        update={
            "total": Money.of(data.amount, summary.total.currency),
            "transactions": [
                RefundTransaction(
                    gateway=transaction["gateway"],
                    amount=Money.of(share, summary.total.currency),
                    kind=transaction["kind"].lower(),
                )
                for transaction, share in split
            ],
        }
    )


def discrepancy_reason(data: PartialRefundOrderInput) -> str:
    """OrderAdjustmentInputDiscrepancyReason (RESTOCK | DAMAGE | CUSTOMER | OTHER)."""
    return "CUSTOMER" if data.reason.value == "customer" else "OTHER"


def to_shopify_partial_refund_input(
    order_gid: str,
    suggestion: Node,
    lines: list[dict[str, Any]],
    data: PartialRefundOrderInput,
    *,
    shop_currency: str,
    presentment_currency: str,
) -> dict[str, Any]:
    refund_input: dict[str, Any] = {
        "orderId": order_gid,
        "notify": data.notify_customer,
        "note": refund_note(data),
        "refundLineItems": with_locations(lines, suggestion),
        "transactions": [
            {
                "orderId": order_gid,
                # Shopify silently records a wrong gateway string, so copy the suggested one.
                "gateway": transaction["gateway"],
                "kind": "REFUND",
                "amount": format_decimal(amount),
                "parentId": (transaction.get("parentTransaction") or {}).get("id"),
            }
            for transaction, amount in refund_transactions(suggestion, data)
        ],
    }
    if data.shipping_amount is not None:
        refund_input["shipping"] = {"amount": data.shipping_amount}
    suggested = presentment_amount(suggestion.get("amountSet"))
    if data.amount is not None and Decimal(data.amount) != suggested:
        # Shopify records an order adjustment for a manual amount; the reason labels it.
        refund_input["discrepancyReason"] = discrepancy_reason(data)
    # Required when the customer paid in another currency; amounts are then presentment money.
    if presentment_currency != shop_currency:
        refund_input["currency"] = presentment_currency
    return refund_input


def from_shopify_partial_refund(
    refund: Node, suggestion: Node, data: PartialRefundOrderInput, *, currency: str
) -> RefundSummary:
    """What refundCreate recorded; shipping is the suggestion's (the payload has no shipping)."""
    summary = from_shopify_refund(refund, currency=currency)
    if data.shipping_amount is None:
        return summary
    shipping = _money((suggestion.get("shipping") or {}).get("amountSet"), _REFUND_SIDE)
    return summary.model_copy(update={"shipping": shipping})


def from_shopify_refund(refund: Node, *, currency: str) -> RefundSummary:
    lines = _nodes(refund.get("refundLineItems"))
    return RefundSummary(
        total=_required_money(refund.get("totalRefundedSet"), currency, _REFUND_SIDE),
        line_items=[_from_shopify_refund_line(line) for line in lines],
        transactions=[
            RefundTransaction(
                gateway=transaction["gateway"],
                amount=_required_money(transaction.get("amountSet"), currency, _REFUND_SIDE),
                kind=transaction["kind"].lower(),
                status=_lower(transaction.get("status")),
            )
            for transaction in _nodes(refund.get("transactions"))
        ],
        refund_id=legacy_id(refund["id"]),
        currency_side=CurrencySide.PRESENTMENT,
    )


# --- Note -------------------------------------------------------------------------------------


def note_after_edit(previous: str | None, data: EditOrderNoteInput) -> str:
    if data.mode is NoteMode.APPEND and previous:
        return f"{previous}\n{data.note}"
    return data.note


# --- Discount codes ---------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def discount_title(data: CreateDiscountCodeInput) -> str:
    return data.title or f"Helpdesk code {data.code}"


def to_shopify_discount_input(
    customer_gid: str,
    data: CreateDiscountCodeInput,
    *,
    starts_at: datetime,
    collection_gid: str | None,
) -> dict[str, Any]:
    """A one-time code for one customer, on line items only, combining with nothing."""
    if data.type is DiscountType.PERCENTAGE:
        # Shopify takes a percentage as a 0-1 fraction.
        value: dict[str, Any] = {"percentage": float(Decimal(data.value) / 100)}
    else:
        value = {"discountAmount": {"amount": data.value, "appliesOnEachItem": False}}
    items: dict[str, Any] = (
        {"collections": {"add": [collection_gid]}} if collection_gid else {"all": True}
    )
    discount: dict[str, Any] = {
        "title": discount_title(data),
        "code": data.code,
        "startsAt": _iso(starts_at),
        # `context` replaces the deprecated customerSelection; sending both is an error.
        "context": {"customers": {"add": [customer_gid]}},
        "customerGets": {"value": value, "items": items},
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "combinesWith": {
            "productDiscounts": False,
            "orderDiscounts": False,
            "shippingDiscounts": False,
        },
    }
    months = data.expiry.months
    if months is not None:
        discount["endsAt"] = _iso(add_months(starts_at, months))
    return discount


def from_shopify_discount(
    node: Node, data: CreateDiscountCodeInput, *, handle: str
) -> DiscountCode:
    discount = node.get("codeDiscount") or {}
    gets = discount.get("customerGets") or {}
    value = gets.get("value") or {}
    codes = _nodes(discount.get("codes"))
    collections = _nodes((gets.get("items") or {}).get("collections"))
    amount = value.get("amount") or {}
    if value.get("__typename") == "DiscountPercentage":
        shown = format_decimal(Decimal(str(value["percentage"])) * 100)
    else:
        shown = format_decimal(Decimal(str(amount.get("amount", data.value))))
    discount_id = legacy_id(node["id"])
    return DiscountCode(
        id=discount_id,
        code=codes[0]["code"] if codes else data.code,
        type=data.type,
        value=shown,
        currency=amount.get("currencyCode"),
        applies_to="collection" if collections else "all",
        collection_id=legacy_id(collections[0]["id"]) if collections else None,
        collection_title=collections[0].get("title") if collections else None,
        starts_at=discount["startsAt"],
        ends_at=discount.get("endsAt"),
        usage_limit=discount.get("usageLimit") or 1,
        status=_lower(discount.get("status")),
        admin_url=admin_url(handle, "discounts", discount_id),
    )


# --- User errors ------------------------------------------------------------------------------


def platform_messages(user_errors: Sequence[Node]) -> list[PlatformMessage]:
    """Shopify's user errors verbatim; ``field`` may be null and ``code`` absent."""
    return [
        PlatformMessage(
            message=error["message"],
            field=[str(part) for part in error["field"]] if error.get("field") else None,
            code=error.get("code"),
        )
        for error in user_errors
    ]


def from_shopify_user_errors(user_errors: Sequence[Node], *, action: str) -> PlatformRejected:
    messages = platform_messages(user_errors)
    detail = f"Shopify refused to {action}: " + "; ".join(m.message for m in messages)
    if any(m.code == "TAKEN" for m in messages):
        return DiscountCodeTaken(detail, platform_errors=messages)
    return PlatformRejected(detail, platform_errors=messages)


# --- Store credit ------------------------------------------------------------------------------


def to_shopify_credit_input(data: IssueStoreCreditInput) -> dict[str, Any]:
    """StoreCreditAccountCreditInput: no reason, note or reference field exists (C11)."""
    credit: dict[str, Any] = {
        "creditAmount": {"amount": data.amount, "currencyCode": data.currency},
        "notify": data.notify_customer,
    }
    if data.expires_at is not None:
        credit["expiresAt"] = data.expires_at.isoformat()
    return credit


def shopify_money(node: Node) -> Money:
    # Store credit amounts may come back as "2.0" (C11): read them as decimals.
    return Money.of(Decimal(str(node["amount"])), str(node["currencyCode"]))


def store_credit_account(customer_node: Node | None) -> Node | None:
    """The customer's account in the currency asked (CustomerStoreCredit), if it has one."""
    accounts = ((customer_node or {}).get("storeCreditAccounts") or {}).get("nodes") or []
    return accounts[0] if accounts else None


def credit_transactions(account: Node | None) -> list[Node]:
    return list(((account or {}).get("transactions") or {}).get("nodes") or [])


def from_shopify_credit(
    transaction: Node, *, previous_balance: Money | None, notified: bool
) -> StoreCredit:
    expires = transaction.get("expiresAt")
    account = transaction.get("account") or {}
    return StoreCredit(
        amount=shopify_money(transaction["amount"]),
        balance=shopify_money(transaction["balanceAfterTransaction"]),
        previous_balance=previous_balance,
        expires_at=datetime.fromisoformat(expires) if expires else None,
        notified=notified,
        transaction_id=transaction.get("id"),
        account_id=account.get("id"),
    )
