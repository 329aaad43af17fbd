"""Root-field handlers and the GraphQL views of stored objects.

Views are plain dicts keyed by GraphQL field name; fields that take arguments are callables
`(info, **args)`, which graphql-core's default resolver calls. Only fields declared in the
modelled schema subset can be selected, so every key here must exist there and vice versa.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from graphql import GraphQLError, GraphQLResolveInfo, value_from_ast_untyped

from .state import (
    LOCATION_ID,
    LOCATION_NAME,
    SHOP_CURRENCY,
    ZERO,
    Collection,
    Customer,
    Discount,
    LineItem,
    Order,
    Refund,
    RefundLine,
    ShippingLine,
    StoreCreditAccount,
    StoreCreditTransaction,
    Transaction,
    cents,
    gid,
    iso,
    money_str,
    parse_gid,
)
from .store import IdempotencyMismatch, Store

T = TypeVar("T")
Info = GraphQLResolveInfo[Any]
View = dict[str, Any]
MAX_PAGE = 250


class ShopifyError(GraphQLError):
    """A top-level error raised by a resolver (`data.<field>` becomes null)."""

    def __init__(self, message: str, code: str, *, with_locations: bool = True) -> None:
        super().__init__(message, extensions={"code": code})
        self.with_locations = with_locations


def _money(amount: Decimal, currency: str) -> View:
    return {"amount": money_str(amount), "currencyCode": currency}


def money_bag(order: Order | None, amount: Decimal) -> View:
    """A MoneyBag; `amount` is in the shop currency."""
    if order is None:
        return {
            "shopMoney": _money(amount, SHOP_CURRENCY),
            "presentmentMoney": _money(amount, SHOP_CURRENCY),
        }
    return {
        "shopMoney": _money(amount, SHOP_CURRENCY),
        "presentmentMoney": _money(order.presentment(amount), order.presentment_currency),
    }


def _cursor(key: int) -> str:
    return base64.b64encode(f"cursor:{key}".encode()).decode()


def connection(
    items: Sequence[T],
    view: Callable[[T], View],
    key: Callable[[T], int],
    args: dict[str, Any],
    field: str,
) -> View:
    """A Relay connection with Shopify's page-size rules."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise ShopifyError("you must provide one of first or last", "BAD_REQUEST")
    if first is not None and last is not None:
        raise ShopifyError("providing both first and last is not supported", "BAD_REQUEST")
    size = first if first is not None else last
    assert size is not None
    if not 0 <= size <= MAX_PAGE:
        name = "first" if first is not None else "last"
        raise ShopifyError(
            f"Argument '{name}' on Field '{field}' has an invalid value ({size}). "
            f"Expected a page size from 0 to {MAX_PAGE}.",
            "argumentLiteralsIncompatible",
        )
    rows = list(reversed(items)) if args.get("reverse") else list(items)
    cursors = [_cursor(key(item)) for item in rows]
    start, end = 0, len(rows)
    if args.get("after") in cursors:
        start = cursors.index(args["after"]) + 1
    if args.get("before") in cursors:
        end = cursors.index(args["before"])
    lo, hi = (start, min(end, start + size)) if first is not None else (max(start, end - size), end)
    page = [(view(item), cursors[i]) for i, item in zip(range(lo, hi), rows[lo:hi], strict=True)]
    return {
        "nodes": [node for node, _ in page],
        "edges": [{"node": node, "cursor": cursor} for node, cursor in page],
        "pageInfo": {
            "hasNextPage": hi < end,
            "hasPreviousPage": lo > start,
            "startCursor": page[0][1] if page else None,
            "endCursor": page[-1][1] if page else None,
        },
    }


def _order_id(order: Order) -> int:
    return order.id


def _customer_id(customer: Customer) -> int:
    return customer.id


_ORDER_SORT: dict[str, Callable[[Order], Any]] = {
    "CREATED_AT": lambda o: o.created_at,
    "PROCESSED_AT": lambda o: o.created_at,
    "UPDATED_AT": lambda o: o.updated_at,
    "ORDER_NUMBER": lambda o: o.number,
    "TOTAL_PRICE": lambda o: o.total,
    "CURRENT_TOTAL_PRICE": lambda o: o.current_total,
}
_CUSTOMER_SORT: dict[str, Callable[[Customer], Any]] = {
    "NAME": lambda c: (c.first_name, c.last_name),
    "CREATED_AT": lambda c: c.created_at,
    "UPDATED_AT": lambda c: c.created_at,
}


class Views:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- connections ------------------------------------------------------------------------
    def orders(self, orders: list[Order], args: dict[str, Any], field: str) -> View:
        found = self.store.search_orders(orders, args.get("query"))
        sort_key = _ORDER_SORT.get(args.get("sortKey") or "ID", _order_id)
        found.sort(key=lambda o: (sort_key(o), o.id))
        return connection(found, self.order, lambda o: o.id, args, field)

    def customers(self, args: dict[str, Any]) -> View:
        found = self.store.search_customers(args.get("query"))
        sort_key = _CUSTOMER_SORT.get(args.get("sortKey") or "ID", _customer_id)
        found.sort(key=lambda c: (sort_key(c), c.id))
        return connection(found, self.customer, lambda c: c.id, args, "customers")

    # -- objects ----------------------------------------------------------------------------
    def customer(self, c: Customer) -> View:
        orders = self.store.customer_orders(c)
        return {
            "id": gid("Customer", c.id),
            "legacyResourceId": str(c.id),
            "displayName": f"{c.first_name} {c.last_name}",
            "firstName": c.first_name,
            "lastName": c.last_name,
            "defaultEmailAddress": {"emailAddress": c.email},
            "defaultPhoneNumber": {"phoneNumber": c.phone},
            "numberOfOrders": str(len(orders)),  # UnsignedInt64 serialises as a string
            "createdAt": iso(c.created_at),
            "updatedAt": iso(c.created_at),
            "orders": lambda _info, **args: self.orders(orders, args, "orders"),
            "storeCreditAccounts": lambda _info, **args: connection(
                self.store.store_credit_accounts_of(c, args.get("query")),
                self.store_credit_account,
                lambda a: a.id,
                args,
                "storeCreditAccounts",
            ),
        }

    def store_credit_account(self, a: StoreCreditAccount) -> View:
        def transactions(_info: Info, **args: Any) -> View:
            # Only credits are modelled; "type:credit" (or no filter) keeps them all.
            kinds = (args.get("query") or "type:credit").replace("type:", "").split(" OR ")
            found = a.transactions if "credit" in kinds else []
            return connection(
                found,
                lambda t: self.store_credit_transaction(a, t),
                lambda t: t.id,
                args,
                "transactions",
            )

        return {
            "id": gid("StoreCreditAccount", a.id),
            "balance": _money(a.balance, a.currency),
            "transactions": transactions,
        }

    def store_credit_transaction(self, a: StoreCreditAccount, t: StoreCreditTransaction) -> View:
        return {
            "__typename": "StoreCreditAccountCreditTransaction",
            "id": gid("StoreCreditAccountCreditTransaction", t.id),
            "amount": _money(t.amount, a.currency),
            "balanceAfterTransaction": _money(t.balance_after, a.currency),
            "createdAt": iso(t.created_at),
            "event": t.event,
            "expiresAt": iso(t.expires_at) if t.expires_at else None,
            "remainingAmount": _money(t.amount, a.currency),  # nothing of it spent here
            "account": lambda _info: self.store_credit_account(a),
        }

    def order(self, o: Order) -> View:
        now = self.store.now()
        customer = self.store.customers.get(o.customer_id)

        def bag(amount: Decimal) -> View:
            return money_bag(o, amount)

        return {
            "id": gid("Order", o.id),
            "legacyResourceId": str(o.id),
            "name": o.name,
            "note": o.note,
            "tags": list(o.tags),
            "shippingAddress": None if o.shipping_address is None else dict(o.shipping_address),
            "email": o.email,
            "phone": None,
            "createdAt": iso(o.created_at),
            "processedAt": iso(o.created_at),
            "updatedAt": iso(o.updated_at),
            "cancelledAt": iso(o.cancelled_at),
            "cancelReason": o.cancel_reason,
            "cancellation": None if o.cancelled_at is None else {"staffNote": o.staff_note},
            # Captured: cancelling closes the order, with closedAt == cancelledAt.
            "closed": o.cancelled_at is not None,
            "closedAt": iso(o.cancelled_at),
            "displayFinancialStatus": o.financial_status(now),
            "displayFulfillmentStatus": o.fulfillment_status(),
            "refundable": o.net_payment > 0,
            "fullyPaid": o.received >= o.total,
            "unpaid": o.received == 0,
            "currencyCode": SHOP_CURRENCY,
            "presentmentCurrencyCode": o.presentment_currency,
            "totalPriceSet": bag(o.total),
            "currentTotalPriceSet": bag(o.current_total),
            "subtotalPriceSet": bag(o.subtotal),
            "currentSubtotalPriceSet": bag(ZERO if o.cancelled_at else o.current_subtotal),
            "totalTaxSet": bag(ZERO),
            "totalReceivedSet": bag(o.received),
            "totalRefundedSet": bag(o.refunded),
            "netPaymentSet": bag(o.net_payment),
            "totalOutstandingSet": bag(o.outstanding),
            "totalShippingPriceSet": bag(o.shipping_total),
            "totalRefundedShippingSet": bag(o.refunded_shipping),
            "customer": None if customer is None else self.customer(customer),
            "lineItems": lambda _info, **args: connection(
                o.line_items, lambda li: self.line_item(o, li), lambda li: li.id, args, "lineItems"
            ),
            "shippingLines": lambda _info, **args: connection(
                o.shipping_lines,
                lambda s: self.shipping_line(o, s),
                lambda s: s.id,
                args,
                "shippingLines",
            ),
            "transactions": lambda _info, first=None: [
                self.transaction(o, t)
                for t in o.transactions[: first if first is not None else None]
            ],
            "refunds": lambda _info, first=None: [
                self.refund(o, r) for r in o.refunds[: first if first is not None else None]
            ],
            "suggestedRefund": lambda _info, **args: self.suggested_refund(o, args),
            "sourceIdentifier": o.source_identifier,
        }

    def line_item(self, o: Order, li: LineItem) -> View:
        return {
            "id": gid("LineItem", li.id),
            "name": li.title,
            "title": li.title,
            "sku": li.sku,
            "quantity": li.quantity,
            "currentQuantity": li.refundable_quantity,
            "refundableQuantity": li.refundable_quantity,
            "unfulfilledQuantity": li.unfulfilled_quantity,
            "restockable": li.refundable_quantity > 0,
            "originalUnitPriceSet": money_bag(o, li.unit_price),
            "discountedUnitPriceAfterAllDiscountsSet": money_bag(o, li.unit_price),
            "originalTotalSet": money_bag(o, li.unit_price * li.quantity),
            "requiresShipping": li.requires_shipping,
            "variant": None
            if li.variant_id is None
            else {"id": gid("ProductVariant", li.variant_id)},
        }

    def shipping_line(self, o: Order, s: ShippingLine) -> View:
        return {
            "id": gid("ShippingLine", s.id),
            "title": s.title,
            "code": s.code,
            "isRemoved": False,
            "originalPriceSet": money_bag(o, s.price),
            "discountedPriceSet": money_bag(o, s.price),
        }

    def transaction(self, o: Order, t: Transaction) -> View:
        parent = next((p for p in o.transactions if p.id == t.parent_id), None)
        return {
            "id": gid("OrderTransaction", t.id),
            "kind": t.kind,
            "status": t.status,
            "gateway": t.gateway,
            "test": t.test,
            "createdAt": iso(t.created_at),
            "processedAt": iso(t.created_at),
            "amountSet": money_bag(o, t.amount),
            "parentTransaction": None if parent is None else self.transaction(o, parent),
        }

    def _location(self, restock_type: str) -> View | None:
        if restock_type == "NO_RESTOCK":
            return None
        return {"id": gid("Location", LOCATION_ID), "name": LOCATION_NAME}

    def refund_line(self, o: Order, line: RefundLine) -> View:
        return {
            "lineItem": self.line_item(o, line.line_item),
            "quantity": line.quantity,
            "restockType": line.restock_type,
            "restocked": line.restocked,
            "location": self._location(line.restock_type),
            "priceSet": money_bag(o, line.line_item.unit_price),
            "subtotalSet": money_bag(o, line.subtotal),
            "totalTaxSet": money_bag(o, ZERO),
        }

    def refund(self, o: Order, r: Refund) -> View:
        return {
            "id": gid("Refund", r.id),
            "createdAt": iso(r.created_at),
            "note": r.note,
            "totalRefundedSet": money_bag(o, r.total),
            "refundLineItems": lambda _info, **args: connection(
                r.lines,
                lambda line: self.refund_line(o, line),
                lambda line: line.line_item.id,
                args,
                "refundLineItems",
            ),
            "transactions": lambda _info, **args: connection(
                r.transactions,
                lambda t: self.transaction(o, t),
                lambda t: t.id,
                args,
                "transactions",
            ),
        }

    def suggested_refund(self, o: Order, args: dict[str, Any]) -> View:
        lines: list[RefundLine] = []
        if args.get("suggestFullRefund"):
            lines = [
                RefundLine(li, li.refundable_quantity, "NO_RESTOCK", False)
                for li in o.line_items
                if li.refundable_quantity
            ]
        else:
            taken: dict[int, int] = {}
            for item in args.get("refundLineItems") or []:
                li = next(
                    (x for x in o.line_items if x.id == parse_gid(item["lineItemId"], "LineItem")),
                    None,
                )
                if li is None:
                    continue
                # Quantities are capped at what is refundable, summed over repeated lines.
                quantity = min(item["quantity"], li.refundable_quantity - taken.get(li.id, 0))
                if quantity > 0:
                    taken[li.id] = taken.get(li.id, 0) + quantity
                    restock = item.get("restockType") or "NO_RESTOCK"
                    lines.append(RefundLine(li, quantity, restock, False))
        shipping_max = o.shipping_total - o.refunded_shipping
        if args.get("shippingAmount") is not None:
            shipping = min(o.to_shop(Decimal(str(args["shippingAmount"]))), shipping_max)
        else:
            shipping = shipping_max if args.get("refundShipping") else ZERO
        subtotal = sum((line.subtotal for line in lines), ZERO)
        amount = min(subtotal + shipping, o.net_payment)
        suggested, left = [], amount
        for parent, available in o.refundable_parents():
            share = min(left, available)
            if share <= 0:
                break
            left -= share
            suggested.append(
                {
                    "kind": "SUGGESTED_REFUND",
                    "gateway": parent.gateway,
                    "parentTransaction": self.transaction(o, parent),
                    "amountSet": money_bag(o, share),
                    "maximumRefundableSet": money_bag(o, available),
                }
            )
        return {
            "amountSet": money_bag(o, amount),
            "maximumRefundableSet": money_bag(o, o.net_payment),
            "subtotalSet": money_bag(o, subtotal),
            "discountedSubtotalSet": money_bag(o, subtotal),
            "totalTaxSet": money_bag(o, ZERO),
            "totalCartDiscountAmountSet": money_bag(o, ZERO),
            "shipping": {
                "amountSet": money_bag(o, shipping),
                "maximumRefundableSet": money_bag(o, shipping_max),
                "taxSet": money_bag(o, ZERO),
            },
            "refundLineItems": [
                {**self.refund_line(o, line), "location": self._location(line.restock_type)}
                for line in lines
            ],
            "suggestedTransactions": suggested,
        }

    def collection(self, c: Collection) -> View:
        return {
            "id": gid("Collection", c.id),
            "legacyResourceId": str(c.id),
            "title": c.title,
            "handle": c.handle,
        }

    def discount_node(self, d: Discount) -> View:
        now = self.store.now()
        if d.percentage is not None:
            value: View = {"__typename": "DiscountPercentage", "percentage": d.percentage}
        else:
            amount = cents(d.amount or ZERO)
            value = {
                "__typename": "DiscountAmount",
                "amount": {"amount": money_str(amount), "currencyCode": SHOP_CURRENCY},
                "appliesOnEachItem": d.applies_on_each_item,
            }
        if d.collection_ids is None:
            items: View = {"__typename": "AllDiscountItems", "allItems": True}
        else:
            chosen = [self.store.collections[i] for i in d.collection_ids]
            items = {
                "__typename": "DiscountCollections",
                "collections": lambda _info, **args: connection(
                    chosen, self.collection, lambda c: c.id, args, "collections"
                ),
            }
        code = {"id": gid("DiscountRedeemCode", d.code_id), "code": d.code}
        basic = {
            "__typename": "DiscountCodeBasic",
            "title": d.title,
            "status": d.status(now),
            "startsAt": iso(d.starts_at),
            "endsAt": iso(d.ends_at),
            "usageLimit": d.usage_limit,
            "appliesOncePerCustomer": d.applies_once_per_customer,
            # Captured: a discount on all items is an ORDER discount, on collections PRODUCT.
            "discountClasses": ["ORDER" if d.collection_ids is None else "PRODUCT"],
            "codes": lambda _info, **args: connection(
                [code], lambda c: c, lambda _c: d.code_id, args, "codes"
            ),
            "customerGets": {
                "value": value,
                "items": items,
                "appliesOnOneTimePurchase": True,
                "appliesOnSubscription": False,
            },
            "createdAt": iso(d.created_at),
            "updatedAt": iso(d.created_at),
        }
        return {"id": gid("DiscountCodeNode", d.id), "codeDiscount": basic}


def idempotency_key(info: Info) -> str | None:
    """The key of an `@idempotent(key:)` directive on the current field, if any."""
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value == "idempotent":
            for argument in directive.arguments or ():
                if argument.name.value == "key":
                    key = value_from_ast_untyped(argument.value, info.variable_values.coerced)
                    return key if isinstance(key, str) and key.strip() else None
    return None


def root_resolvers(
    store: Store, api_version: str, cancel_job_seconds: float
) -> dict[str, Callable[..., Any]]:
    views = Views(store)

    def customer_by_identifier(_info: Info, identifier: dict[str, Any]) -> View | None:
        found = store.customer_by_identifier(identifier)
        return None if found is None else views.customer(found)

    def customer(_info: Info, id: str) -> View | None:
        found = store.customer_by_gid(id)
        return None if found is None else views.customer(found)

    def order(_info: Info, id: str) -> View | None:
        found = store.order_by_gid(id)
        return None if found is None else views.order(found)

    def job(_info: Info, id: str) -> View | None:
        found = store.jobs.get(id)
        return None if found is None else {"id": found.id, "done": found.done}

    def code_discount(_info: Info, code: str) -> View | None:
        found = store.discount_by_code(code)
        return None if found is None else views.discount_node(found)

    def collections(_info: Info, **args: Any) -> View:
        terms = (args.get("query") or "").lower().replace("title:", "").strip().strip('"')
        found = [c for c in store.collections.values() if terms in c.title.lower()]
        return connection(found, views.collection, lambda c: c.id, args, "collections")

    def order_cancel(_info: Info, **args: Any) -> View:
        result = store.cancel(args, cancel_job_seconds)
        job_obj = result["job"]
        errors = result["errors"]
        return {
            "job": None if job_obj is None else {"id": job_obj.id, "done": job_obj.done},
            "orderCancelUserErrors": errors,
            "userErrors": [{"field": e["field"], "message": e["message"]} for e in errors],
        }

    def refund_create(info: Info, input: dict[str, Any]) -> View:
        key = idempotency_key(info)
        if key is None and api_version >= "2026-04":
            # Required at runtime from 2026-04 although the schema cannot express it (§3).
            raise ShopifyError(
                "The @idempotent directive is required for this mutation but was not provided.",
                "BAD_REQUEST",
                with_locations=False,
            )
        try:
            result = store.refund_create(input, key)
        except IdempotencyMismatch:
            raise ShopifyError(
                "The same idempotency key cannot be used with different operation parameters.",
                "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                with_locations=False,
            ) from None
        o = result["order"]
        refund = result["refund"]
        return {
            "refund": None if refund is None else views.refund(o, refund),
            "order": None if o is None else views.order(o),
            "userErrors": result["userErrors"],
        }

    def order_update(_info: Info, input: dict[str, Any]) -> View:
        result = store.order_update(input)
        o = result["order"]
        return {"order": None if o is None else views.order(o), "userErrors": result["userErrors"]}

    def tags_change(operation: str, args: dict[str, Any]) -> View:
        result = store.tags_change(operation, args)
        o = result["order"]
        node = None if o is None else {"__typename": "Order", **views.order(o)}
        return {"node": node, "userErrors": result["userErrors"]}

    def discount_create(_info: Info, basicCodeDiscount: dict[str, Any]) -> View:
        result = store.discount_create(basicCodeDiscount)
        node = result["codeDiscountNode"]
        return {
            "codeDiscountNode": None if node is None else views.discount_node(node),
            "userErrors": result["userErrors"],
        }

    def store_credit_credit(_info: Info, id: str, creditInput: dict[str, Any]) -> View:
        result = store.store_credit_credit(id, creditInput)
        account, transaction = result["account"], result["transaction"]
        return {
            "storeCreditAccountTransaction": None
            if transaction is None
            else views.store_credit_transaction(account, transaction),
            "userErrors": result["userErrors"],
        }

    def order_create(
        _info: Info, order: dict[str, Any], options: dict[str, Any] | None = None
    ) -> View:
        result = store.order_create(order, options or {})
        created = result["order"]
        return {
            "order": None if created is None else views.order(created),
            "userErrors": result["userErrors"],
        }

    return {
        "orderCreate": order_create,
        "customerByIdentifier": customer_by_identifier,
        "customers": lambda _info, **args: views.customers(args),
        "customer": customer,
        "order": order,
        "orders": lambda _info, **args: views.orders(list(store.orders.values()), args, "orders"),
        "job": job,
        "codeDiscountNodeByCode": code_discount,
        "shop": lambda _info: {"currencyCode": SHOP_CURRENCY},
        "collections": collections,
        "orderCancel": order_cancel,
        "refundCreate": refund_create,
        "orderUpdate": order_update,
        "discountCodeBasicCreate": discount_create,
        "storeCreditAccountCredit": store_credit_credit,
        "tagsAdd": lambda _info, **args: tags_change("tagsAdd", args),
        "tagsRemove": lambda _info, **args: tags_change("tagsRemove", args),
    }
