"""BigCommerceAdapter: each action as REST V2/V3 calls, answered in neutral models."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from action_gateway.domain.models import (
    ActionOutcome,
    CancelOrderInput,
    CreateDiscountCodeInput,
    CreateReplacementOrderInput,
    Customer,
    CustomerWithOrders,
    EditOrderNoteInput,
    IssueStoreCreditInput,
    Money,
    Order,
    OrderPage,
    PartialRefundOrderInput,
    Platform,
    RefundOrderInput,
    RefundSummary,
    ShippingAddressChange,
    StoreCredit,
    UpdateShippingAddressInput,
)
from action_gateway.domain.phones import text_forms
from action_gateway.domain.refunds import check_partial_refund
from action_gateway.domain.replacements import (
    ReplacementLine,
    replacement_lines,
    replacement_marker,
)
from action_gateway.errors import (
    DiscountCodeTaken,
    EarlierAttemptUnknown,
    FieldError,
    GatewayError,
    NotEligible,
    NotFound,
    Outcome,
    PlatformRejected,
    RefundExceedsRefundable,
    StoreCreditCurrencyNotSupported,
    UpstreamError,
    ValidationFailed,
)
from action_gateway.platforms._outcomes import (
    is_ambiguous,
    not_executed,
    reconcile_reserve,
    still_unknown,
    utc_now,
)
from action_gateway.platforms._pages import merged_page, offset_of, with_orders
from action_gateway.platforms.base import (
    ActionCall,
    CancelsAndRefundsOrders,
    CreatesDiscountCodes,
    CreatesReplacementOrders,
    EditsOrderNotes,
    IssuesStoreCredit,
    PartiallyRefundsOrders,
    RefundsOrders,
    UpdatesShippingAddresses,
)
from action_gateway.platforms.bigcommerce.client import BigCommerceClient
from action_gateway.platforms.bigcommerce.endpoints import (
    CREATE_COUPON_CODE,
    CREATE_ORDER,
    CREATE_PROMOTION,
    CREATE_REFUND,
    CREATE_REFUND_QUOTE,
    DELETE_PROMOTION,
    FIND_COUPON_CODES,
    GET_ORDER,
    GET_ORDER_SHIPPING_ADDRESS,
    LIST_CUSTOMERS,
    LIST_ORDER_PRODUCTS,
    LIST_ORDER_SHIPPING_ADDRESSES,
    LIST_ORDERS,
    UPDATE_CUSTOMERS,
    UPDATE_ORDER,
    UPDATE_ORDER_SHIPPING_ADDRESS,
)
from action_gateway.platforms.bigcommerce.mapping import (
    CANCELLED_STATUS_ID,
    NO_RESTOCK_NOTE,
    NOTIFY_NOTE,
    Node,
    bigcommerce_address_matches,
    check_coupon_code,
    choose_refund_method,
    decimal_of,
    declined_error,
    from_bigcommerce_address,
    from_bigcommerce_customer,
    from_bigcommerce_order,
    from_bigcommerce_promotion,
    from_bigcommerce_quote,
    from_bigcommerce_refund,
    note_after_edit,
    offline_only_error,
    refund_reason,
    refunded_total,
    remaining_shipping,
    store_credit_of,
    to_bigcommerce_address,
    to_bigcommerce_coupon_code,
    to_bigcommerce_full_refund_items,
    to_bigcommerce_id,
    to_bigcommerce_partial_refund_items,
    to_bigcommerce_promotion,
    to_bigcommerce_refund,
    to_bigcommerce_store_credit,
)
from action_gateway.platforms.bigcommerce.reconcile import (
    RECONCILED_REFUND,
    read_order_refunds,
    reconcile_cancel,
    reconcile_refund,
)
from action_gateway.platforms.bigcommerce.replacement import (
    from_bigcommerce_replacement,
    is_marked,
    replacement_value,
    shipping_address,
    to_bigcommerce_replacement,
)

MAX_PAGE_SIZE = 250
RECONCILE_MARGIN = 3.0
"""Seconds kept back from a write so an ambiguous failure can still be settled by re-reading."""
FOUND_REPLACEMENT = (
    "An earlier attempt of this request had already created replacement order {name}; "
    "nothing new was created."
)
RECONCILED_REPLACEMENT = (
    "BigCommerce's answer to the replacement order was lost; looking up this request's mark "
    "found replacement order {name}."
)
NO_ORDER_EMAIL = (
    "BigCommerce sends no order email for orders created through its API: tell the customer "
    "in the conversation."
)
CANCEL_NOTES = {
    "staff_note": "BigCommerce: the staff note was not recorded (the cancel changes only the "
    "order status).",
    "restock": "BigCommerce adjusts stock on cancellation according to the store's inventory "
    "settings; the API has no restock switch.",
}


@dataclass(frozen=True)
class _Quote:
    """A refund quote with the items it was asked for and the bounds it is checked against."""

    items: list[dict[str, Any]]
    body: Node
    summary: RefundSummary
    earlier: frozenset[str] = frozenset()
    """Ids of the order's refunds read before the quote: any other refund is new."""


class BigCommerceAdapter(
    CancelsAndRefundsOrders,
    RefundsOrders,
    PartiallyRefundsOrders,
    # order_Put in the Orders V2 spec documents `staff_notes` as writable.
    EditsOrderNotes,
    CreatesDiscountCodes,
    # customer_Put's store_credit_amounts holds the balance (set, not added to) [CU3].
    IssuesStoreCredit,
    CreatesReplacementOrders,
    UpdatesShippingAddresses,
):
    """A BigCommerce store through REST V2 and V3 (see ``client.py`` for the error layers)."""

    platform: Platform = "bigcommerce"
    phone_lookup_matches_text: bool = True  # `phone:in` compares the stored string [§6]

    def __init__(
        self,
        client: BigCommerceClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        reconcile_margin: float = RECONCILE_MARGIN,
    ) -> None:
        self.client = client
        self.clock = clock
        self.reconcile_margin = reconcile_margin

    # --- Reads --------------------------------------------------------------------------------

    async def find_customers(
        self, *, email: str | None, phone: str | None, orders_limit: int, call: ActionCall
    ) -> list[CustomerWithOrders]:
        found: dict[str, Customer] = {}
        filters = {"email:in": email.strip() if email else None, "phone:in": None}
        if phone:
            # `phone:in` matches the stored text exactly [bigcommerce.md §6]: ask for every
            # form a store commonly keeps, as the comma-separated list the filter takes.
            filters["phone:in"] = ",".join(text_forms(phone))
        for filter_name, value in filters.items():
            if not value:
                continue
            body = await self.client.request(LIST_CUSTOMERS, query={filter_name: value}, call=call)
            for node in (body or {}).get("data") or []:
                customer = from_bigcommerce_customer(node)
                found.setdefault(customer.id, customer)
        return [
            with_orders(customer, await self._orders_page(customer, orders_limit, 0, call))
            for customer in found.values()
        ]

    async def list_customer_orders(
        self, customer_id: str, *, limit: int, cursor: str | None, call: ActionCall
    ) -> OrderPage | None:
        offset = offset_of(cursor)
        customer = await self.get_customer(customer_id, call=call)
        if customer is None:
            return None
        return await self._orders_page(customer, limit, offset, call)

    async def _orders_page(
        self, customer: Customer, limit: int, offset: int, call: ActionCall
    ) -> OrderPage:
        """The customer's orders and the guest orders placed with their email, newest first,
        from ``offset`` in that merged list (its position is the next page's cursor)."""
        limit = max(1, min(limit, MAX_PAGE_SIZE - 1))
        # Both lists are read from their start up to one past the page: that one tells whether
        # there are more, and the merge stays in date order across pages.
        wanted = offset + limit + 1
        queries: list[dict[str, str | int]] = [{"customer_id": customer.id}]
        if customer.email:
            queries.append({"email": customer.email})
        found: list[Order] = []
        more = False
        for query in queries:
            nodes = await self._newest_orders(query, wanted, call)
            more |= len(nodes) >= wanted
            found.extend(from_bigcommerce_order(node) for node in nodes)
        # The email filter also matches other accounts' orders: merged_page keeps guests and ours.
        return merged_page(customer, found, offset=offset, limit=limit, more=more)

    async def _newest_orders(
        self, query: Mapping[str, str | int], count: int, call: ActionCall
    ) -> list[Node]:
        """The first ``count`` orders matching ``query``, newest first, page by page (V2 lists
        page with ``page`` and ``limit``, at most 250 a page)."""
        size = min(count, MAX_PAGE_SIZE)
        nodes: list[Node] = []
        page = 1
        while len(nodes) < count:
            batch = await self.client.request(
                LIST_ORDERS,
                query={**query, "sort": "date_created:desc", "limit": size, "page": page},
                call=call,
            )
            nodes.extend(batch or [])
            if len(batch or []) < size:
                break
            page += 1
        return nodes[:count]

    async def get_customer(self, customer_id: str, *, call: ActionCall) -> Customer | None:
        number = to_bigcommerce_id(customer_id)
        if number is None:
            return None
        body = await self.client.request(LIST_CUSTOMERS, query={"id:in": number}, call=call)
        nodes = (body or {}).get("data") or []
        return from_bigcommerce_customer(nodes[0]) if nodes else None

    async def get_order(self, order_id: str, *, call: ActionCall) -> Order | None:
        number = to_bigcommerce_id(order_id)
        if number is None:
            return None
        try:
            node = await self.client.request(GET_ORDER, path={"order_id": number}, call=call)
        except NotFound:
            return None
        products: list[Node] = []
        page = 1
        while True:
            batch = await self.client.request(
                LIST_ORDER_PRODUCTS,
                path={"order_id": number},
                query={"page": page, "limit": MAX_PAGE_SIZE},
                call=call,
            )
            products.extend(batch or [])
            if len(batch or []) < MAX_PAGE_SIZE:
                break
            page += 1
        addresses: list[Node] = []
        if int(node.get("shipping_address_count") or 0) > 0:  # none on pickup/digital orders
            path = {"order_id": number}
            addresses = await self.client.request(
                LIST_ORDER_SHIPPING_ADDRESSES, path=path, call=call
            )
        return from_bigcommerce_order(node, products, addresses or [])

    async def find_order_by_name(self, name: str, *, call: ActionCall) -> Order | None:
        # BigCommerce's order number is its id.
        return await self.get_order(name, call=call)

    # --- Cancel -------------------------------------------------------------------------------

    async def cancel_order(
        self, order: Order, data: CancelOrderInput, *, refund: bool, call: ActionCall
    ) -> ActionOutcome:
        messages = [NOTIFY_NOTE]
        if data.staff_note:
            messages.append(CANCEL_NOTES["staff_note"])
        if data.restock:
            messages.append(CANCEL_NOTES["restock"])
        refunded: RefundSummary | None = None
        if refund:
            # Refund first: a failed refund leaves the order untouched, never cancelled unpaid.
            # A refund whose answer was lost but that re-reading finds goes on to the cancel.
            quote = await self._full_quote(order, refund_reason_text(data), call)
            if quote.items and quote.summary.total.value > 0:
                refunded, notes = await self._refund(order, quote, call)
                messages.extend(notes)
            else:
                messages.append(f"Nothing was left to refund on order {order.name}.")
        try:
            messages.extend(await self._set_cancelled(order, call))
        except GatewayError as exc:
            if refunded is None:
                raise
            raise _cancel_failed_after_refund(order, refunded, exc) from exc
        return ActionOutcome(
            status="succeeded",
            refund=refunded,
            platform_reference=refunded.refund_id if refunded else order.platform_id,
            messages=messages,
        )

    async def _set_cancelled(self, order: Order, call: ActionCall) -> list[str]:
        """Set the order's status to Cancelled; answers messages for the caller.

        The PUT sets an absolute value, so the chokepoint re-sends it (WRITE_DEDUPLICATED)
        after a timeout or 5xx. If it still ends ambiguous the order is re-read:
        Cancelled → succeeded; still in the status it was read in → the PUT is sent once more
        (sending it twice cannot cancel twice), its own failure then answering; any other
        status (changed by someone meanwhile) or an unreadable order → outcome unknown.
        """
        try:
            await self.client.request(
                UPDATE_ORDER,
                path={"order_id": order.platform_id},
                json={"status_id": CANCELLED_STATUS_ID},
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            return await reconcile_cancel(self.client, order, exc, call)
        return []

    # --- Refunds ------------------------------------------------------------------------------

    async def preview_refund(
        self, order: Order, data: PartialRefundOrderInput | None, *, call: ActionCall
    ) -> RefundSummary:
        if data is None:
            return (await self._full_quote(order, "Preview", call)).summary
        quote = await self._partial_quote(order, data, call)
        return quote.summary

    async def refund_order(
        self, order: Order, data: RefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        quote = await self._full_quote(order, refund_reason(data), call)
        if not quote.items or quote.summary.total.value <= 0:
            raise PlatformRejected(f"nothing is left to refund on order {order.name}")
        refunded, notes = await self._refund(order, quote, call)
        return ActionOutcome(
            status="succeeded",
            refund=refunded,
            platform_reference=refunded.refund_id,
            messages=[NOTIFY_NOTE, *notes],
        )

    async def partial_refund_order(
        self, order: Order, data: PartialRefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        quote = await self._partial_quote(order, data, call)
        refunded, notes = await self._refund(order, quote, call)
        return ActionOutcome(
            status="succeeded",
            refund=refunded,
            platform_reference=refunded.refund_id,
            messages=[NOTIFY_NOTE, *notes],
        )

    async def _refund_bounds(
        self, order: Order, call: ActionCall
    ) -> tuple[list[tuple[int, Decimal]], Decimal, frozenset[str]]:
        """Shipping left per order address, the order total not yet refunded, and the ids of
        the order's refunds so far."""
        addresses = await self.client.request(
            LIST_ORDER_SHIPPING_ADDRESSES, path={"order_id": order.platform_id}, call=call
        )
        earlier = await read_order_refunds(self.client, order, call)
        # V2's refunded_amount is documented as unreliable: sum the V3 refunds instead.
        left = order.totals.total.value - refunded_total(earlier)
        return (
            remaining_shipping(addresses or [], earlier),
            max(Decimal(0), left),
            frozenset(str(refund.get("id")) for refund in earlier),
        )

    async def _full_quote(self, order: Order, reason: str, call: ActionCall) -> _Quote:
        shipping, maximum, earlier = await self._refund_bounds(order, call)
        items = to_bigcommerce_full_refund_items(order, shipping, reason)
        return await self._quote(order, items, shipping, maximum, (), call, earlier)

    async def _partial_quote(
        self, order: Order, data: PartialRefundOrderInput, call: ActionCall
    ) -> _Quote:
        if data.cancel_unfulfilled:
            raise ValidationFailed(
                "cancel_unfulfilled is a Shopify option; BigCommerce refunds do not remove "
                "items from the order"
            )
        shipping, maximum, earlier = await self._refund_bounds(order, call)
        # Quantities and shipping are refused before even the quote is asked for.
        check_partial_refund(order, data, _bounds_summary(order, shipping, maximum))
        items = to_bigcommerce_partial_refund_items(order, data, shipping)
        notes = [NO_RESTOCK_NOTE] if any(line.restock for line in data.line_items) else []
        quote = await self._quote(order, items, shipping, maximum, notes, call, earlier)
        check_partial_refund(order, data, quote.summary)
        return quote

    async def _quote(
        self,
        order: Order,
        items: list[dict[str, Any]],
        shipping: Sequence[tuple[int, Decimal]],
        maximum: Decimal,
        notes: Sequence[str],
        call: ActionCall,
        earlier: frozenset[str] = frozenset(),
    ) -> _Quote:
        shipping_left = sum((amount for _, amount in shipping), Decimal(0))
        if not items:
            summary = RefundSummary(
                total=Money.of("0", order.currency),
                maximum_refundable=Money.of(maximum, order.currency),
                shipping_refundable=Money.of(shipping_left, order.currency),
                notes=list(notes),
            )
            return _Quote(items, {}, summary, earlier)
        body = await self.client.request(
            CREATE_REFUND_QUOTE,
            path={"order_id": order.platform_id},
            json={"items": items},
            call=call,
        )
        quote: Node = (body or {}).get("data") or {}
        # A negative adjustment is BigCommerce trimming a request above what is refundable.
        if decimal_of(quote.get("adjustment")) < 0:
            raise RefundExceedsRefundable(
                f"BigCommerce's quote for order {order.name} is {quote.get('adjustment')} "
                "below the amount asked: more was asked than is refundable."
            )
        summary = from_bigcommerce_quote(
            quote,
            items,
            order,
            maximum_refundable=maximum,
            shipping_refundable=shipping_left,
            notes=notes,
        )
        return _Quote(items, quote, summary, earlier)

    async def _refund(
        self, order: Order, quote: _Quote, call: ActionCall
    ) -> tuple[RefundSummary, list[str]]:
        """The refund made, and messages for the caller (set when it had to be re-read)."""
        method = choose_refund_method(quote.body)
        if method is None:
            raise offline_only_error(quote.body, order)
        request = to_bigcommerce_refund(quote.items, method)
        messages: list[str] = []
        # Refunds on one order must be sequential (BigCommerce); the flow holds one action
        # per order through its idempotency record.
        try:
            body = await self.client.request(
                CREATE_REFUND,
                path={"order_id": order.platform_id},
                json=request,
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
            refund: Node = (body or {}).get("data") or {}
            if not refund:
                raise UpstreamError(
                    "BigCommerce answered the refund without the refund", outcome=Outcome.UNKNOWN
                )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            refund = await reconcile_refund(self.client, order, quote.earlier, request, exc, call)
            messages.append(RECONCILED_REFUND)
        # A 201 only schedules the refund; the provider may already have declined it.
        declined = declined_error(refund, order)
        if declined is not None:
            raise declined
        return from_bigcommerce_refund(refund, order, notes=quote.summary.notes), messages

    # --- Note ---------------------------------------------------------------------------------

    async def edit_order_note(
        self, order: Order, data: EditOrderNoteInput, *, call: ActionCall
    ) -> ActionOutcome:
        note = note_after_edit(order.note, data)
        body = await self.client.request(
            UPDATE_ORDER,
            path={"order_id": order.platform_id},
            json={"staff_notes": note},
            call=call,
        )
        return ActionOutcome(
            status="succeeded",
            note=(body or {}).get("staff_notes", note),
            previous_note=order.note,
        )

    # --- Shipping address ---------------------------------------------------------------------

    async def update_shipping_address(
        self, order: Order, data: UpdateShippingAddressInput, *, call: ActionCall
    ) -> ActionOutcome:
        addresses: list[Node] = (
            await self.client.request(
                LIST_ORDER_SHIPPING_ADDRESSES, path={"order_id": order.platform_id}, call=call
            )
            or []
        )
        if not addresses:
            raise NotEligible(
                f"Order {order.name} has no shipping address (a pickup or digital order): "
                "there is none to change.",
                current_state={"decision_code": "no_shipping_address"},
            )
        if len(addresses) > 1:
            raise NotEligible(
                f"Order {order.name} ships to {len(addresses)} addresses; change them in "
                "BigCommerce, where each can be picked.",
                current_state={"decision_code": "several_shipping_addresses"},
            )
        current = addresses[0]
        if int(current.get("items_shipped") or 0) > 0:
            raise NotEligible(
                f"Items of order {order.name} have shipped to its address already.",
                current_state={"decision_code": "already_shipped"},
            )
        body = to_bigcommerce_address(data.address)
        path = {"order_id": order.platform_id, "id": current["id"]}
        messages: list[str] = []
        try:
            node: Node | None = await self.client.request(
                UPDATE_ORDER_SHIPPING_ADDRESS,
                path=path,
                json=body,
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
            if not node:
                raise UpstreamError(
                    "BigCommerce answered the address change without the address",
                    outcome=Outcome.UNKNOWN,
                )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            node = await self._settle_address(order, path, body, exc, call)
            messages.append(
                "BigCommerce's answer to the address change was lost; re-reading the address "
                "shows the new one."
            )
        return ActionOutcome(
            status="succeeded",
            shipping_address=ShippingAddressChange(
                before=from_bigcommerce_address(current), after=from_bigcommerce_address(node)
            ),
            platform_reference=str(current["id"]),
            messages=messages,
        )

    async def _settle_address(
        self,
        order: Order,
        path: Mapping[str, str | int],
        body: Mapping[str, str],
        exc: GatewayError,
        call: ActionCall,
    ) -> Node:
        """After an ambiguous PUT: re-read the address and compare, never re-send."""
        try:
            node: Node | None = await self.client.request(
                GET_ORDER_SHIPPING_ADDRESS, path=path, call=call
            )
        except GatewayError:
            raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
        if node and bigcommerce_address_matches(node, body):
            return node
        raise not_executed(
            exc,
            f"Re-reading order {order.name}'s shipping address shows another address than the "
            "one sent: it was not changed.",
        ) from exc

    # --- Discount codes -----------------------------------------------------------------------

    async def discount_currency(self, *, call: ActionCall) -> str | None:
        # Promotions default to the store's default currency (promotions.v3 currency_code), and
        # every V2 order states that currency; a store without orders leaves it unknown.
        nodes = await self.client.request(LIST_ORDERS, query={"limit": "1"}, call=call) or []
        for node in nodes:
            currency = node.get("store_default_currency_code") or node.get("default_currency_code")
            if currency:
                return str(currency)
        return None

    async def create_discount_code(
        self, customer: Customer, data: CreateDiscountCodeInput, *, call: ActionCall
    ) -> ActionOutcome:
        check_coupon_code(data.code)
        category_id = None
        if data.collection_id is not None:
            category_id = to_bigcommerce_id(data.collection_id)
            if category_id is None:
                raise ValidationFailed("collection_id must be a numeric BigCommerce category id")
        existing = await self.client.request(
            FIND_COUPON_CODES, query={"code": data.code}, call=call
        )
        if (existing or {}).get("data"):
            raise DiscountCodeTaken(f"the coupon code {data.code} already exists on BigCommerce")
        starts_at = self.clock()
        created = await self.client.request(
            CREATE_PROMOTION,
            json=to_bigcommerce_promotion(data, starts_at=starts_at, category_id=category_id),
            call=call,
        )
        promotion: Node = (created or {}).get("data") or {}
        if promotion.get("id") is None:
            raise UpstreamError(
                "BigCommerce answered the promotion without its id", outcome=Outcome.UNKNOWN
            )
        try:
            code_body = await self.client.request(
                CREATE_COUPON_CODE,
                path={"promotion_id": promotion["id"]},
                json=to_bigcommerce_coupon_code(data.code),
                call=call,
            )
        except GatewayError as exc:
            # Compensation: never leave a code-less promotion behind.
            if not await self._delete_promotion(promotion["id"], call):
                raise UpstreamError(
                    f"{exc.detail or exc} The code-less promotion {promotion['id']} could not "
                    "be deleted; delete it in BigCommerce.",
                    outcome=Outcome.UNKNOWN,
                    platform_errors=exc.extensions.get("platform_errors"),
                ) from exc
            raise
        return ActionOutcome(
            status="succeeded",
            discount_code=from_bigcommerce_promotion(
                promotion,
                (code_body or {}).get("data") or {},
                data,
                category_id=category_id,
                starts_at=starts_at,
            ),
            platform_reference=str(promotion["id"]),
        )

    async def _delete_promotion(self, promotion_id: int, call: ActionCall) -> bool:
        """Whether the promotion is gone (deleted now, or already absent)."""
        try:
            await self.client.request(
                DELETE_PROMOTION, path={"promotion_id": promotion_id}, call=call
            )
        except NotFound:
            return True
        except GatewayError:
            return False
        return True

    # --- Store credit -------------------------------------------------------------------------

    async def _store_credit_currency(self, data: IssueStoreCreditInput, call: ActionCall) -> str:
        """The store's default currency, the only one BigCommerce holds store credit in
        [D-CUR]; refuses another currency, or an expiry, before anything is sent."""
        if data.expires_at is not None:
            raise ValidationFailed(
                "BigCommerce store credit does not expire: leave expires_at out.",
                errors=[
                    FieldError(
                        loc=["body", "input", "expires_at"],
                        message="BigCommerce store credit has no expiry",
                    )
                ],
            )
        currency = await self.discount_currency(call=call)
        if currency is None:
            raise StoreCreditCurrencyNotSupported(
                "BigCommerce keeps store credit in the store's default currency only, and the "
                "store's currency cannot be read (it has no orders yet); nothing was sent."
            )
        if data.currency != currency:
            raise StoreCreditCurrencyNotSupported(
                f"BigCommerce keeps store credit in the store's default currency only "
                f"({currency}), not {data.currency}; nothing was sent.",
                currency=currency,
            )
        return currency

    async def _store_credit_balance(self, customer: Customer, call: ActionCall) -> Decimal:
        number = to_bigcommerce_id(customer.platform_id)
        body = None
        if number is not None:
            body = await self.client.request(
                LIST_CUSTOMERS, query={"id:in": number, "include": "storecredit"}, call=call
            )
        nodes = (body or {}).get("data") or []
        if not nodes:
            raise NotFound(f"customer {customer.id} was not found on BigCommerce")
        return store_credit_of(nodes[0])

    async def preview_store_credit(
        self, customer: Customer, data: IssueStoreCreditInput, *, call: ActionCall
    ) -> StoreCredit:
        currency = await self._store_credit_currency(data, call)
        before = await self._store_credit_balance(customer, call)
        return StoreCredit(
            amount=Money.of(data.amount, currency),
            balance=Money.of(before + Decimal(data.amount), currency),
            previous_balance=Money.of(before, currency),
        )

    async def issue_store_credit(
        self, customer: Customer, data: IssueStoreCreditInput, *, call: ActionCall
    ) -> ActionOutcome:
        """Read, add, write the new balance, re-read (the PUT sets the balance, no delta exists).

        The absolute target is computed once, here, and every send of this call carries that
        same body: re-sending it converges, recomputing it from a later read would add twice.
        It lives as long as the call that owns the Idempotency-Key claim, which is every attempt
        that may send it: a retry with the same key after a possible write replays the stored
        answer (outcome unknown included) and never reaches here. Only a process killed between
        its write and its answer leaves the key to be claimed again once its lease expires
        (``idempotency.py``); the stateless gateway keeps no target for that attempt, and none
        can be derived (the balance read then already holds the first credit or not, nothing on
        the customer says which): that attempt is reported as outcome unknown, never re-sent.
        """
        currency = await self._store_credit_currency(data, call)
        before = await self._store_credit_balance(customer, call)
        if call.resumed_since is not None:
            raise EarlierAttemptUnknown(
                f"An earlier attempt of this request began at {call.resumed_since.isoformat()} "
                "and stopped before it answered. BigCommerce keeps the balance "
                f"({Money.of(before, currency)} now), not a record of each credit, so whether "
                "that attempt credited cannot be told. Nothing was sent again: check the "
                "customer's store credit in BigCommerce before issuing it again.",
                outcome=Outcome.UNKNOWN,
            )
        target = before + Decimal(data.amount)
        body = to_bigcommerce_store_credit(int(customer.platform_id), target)
        messages: list[str] = []
        try:
            await self.client.request(
                UPDATE_CUSTOMERS,
                json=body,
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            messages.append(
                await self._settle_store_credit(customer, currency, before, target, body, exc, call)
            )
        try:
            balance = await self._store_credit_balance(customer, call)
        except GatewayError as exc:
            balance = target
            messages.append(
                f"The store credit was set, but re-reading the balance failed: {exc.detail or exc}"
            )
        if balance != target:
            messages.append(
                f"BigCommerce now shows a balance of {Money.of(balance, currency)}, not the "
                f"{Money.of(target, currency)} written: it was changed by someone else in "
                "between (an order paid with store credit, another agent); check it in "
                "BigCommerce."
            )
        if data.notify_customer:
            messages.append(
                "BigCommerce sends no email for store credit set through the API: the customer "
                "was not notified."
            )
        return ActionOutcome(
            status="succeeded",
            store_credit=StoreCredit(
                amount=Money.of(data.amount, currency),
                balance=Money.of(balance, currency),
                previous_balance=Money.of(before, currency),
            ),
            platform_reference=customer.platform_id,
            messages=messages,
        )

    async def _settle_store_credit(
        self,
        customer: Customer,
        currency: str,
        before: Decimal,
        target: Decimal,
        body: list[dict[str, Any]],
        exc: GatewayError,
        call: ActionCall,
    ) -> str:
        """After a PUT whose answer was lost: the balance at the target means it was set; still
        at the balance read before means it was not (yet), and the same absolute target is sent
        once more (if the first lands late, it sets the same value); anything else cannot be
        told apart from someone else's change: outcome unknown, never a second credit."""
        try:
            balance = await self._store_credit_balance(customer, call)
        except GatewayError:
            raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
        if balance == target:
            return RECONCILED_STORE_CREDIT
        if balance != before:
            raise still_unknown(
                exc,
                f"Re-reading shows a balance of {Money.of(balance, currency)}, neither the "
                f"{Money.of(before, currency)} read before nor the {Money.of(target, currency)} "
                "written: check the customer's store credit before issuing it again.",
            ) from exc.__cause__
        try:
            await self.client.request(UPDATE_CUSTOMERS, json=body, call=call)
        except GatewayError as again:
            raise still_unknown(
                exc,
                "The same balance was sent again after a lost answer and was not confirmed "
                "either: check the customer's store credit before issuing it again.",
            ) from again
        return RESENT_STORE_CREDIT

    # --- Replacement orders -------------------------------------------------------------------

    async def _replacement_source(
        self, order: Order, data: CreateReplacementOrderInput, call: ActionCall
    ) -> tuple[Node, list[Node], list[Node], list[ReplacementLine]]:
        """The original (its customer and billing address), its products and shipping
        addresses, and the request's lines checked against it."""
        lines = replacement_lines(order, data)
        path = {"order_id": order.platform_id}
        node = await self.client.request(GET_ORDER, path=path, call=call)
        products = await self.client.request(
            LIST_ORDER_PRODUCTS, path=path, query={"limit": MAX_PAGE_SIZE}, call=call
        )
        addresses = await self.client.request(LIST_ORDER_SHIPPING_ADDRESSES, path=path, call=call)
        return node or {}, list(products or []), list(addresses or []), lines

    async def appraise_replacement(
        self, order: Order, data: CreateReplacementOrderInput, *, call: ActionCall
    ) -> Money:
        _, products, addresses, lines = await self._replacement_source(order, data, call)
        shipping_address(order, addresses)  # a dry run refuses what the execution would
        return replacement_value(order, products, lines)

    async def create_replacement_order(
        self, order: Order, data: CreateReplacementOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        node, products, addresses, lines = await self._replacement_source(order, data, call)
        marker = replacement_marker(call.idempotency_key or uuid.uuid4().hex)
        notes = [NO_ORDER_EMAIL] if data.notify_customer else []
        # An earlier attempt of this request (its process stopped after the write) may have
        # created it already: never a second one.
        found = await self._find_replacement(marker, call)
        if found is not None:
            return _replacement_outcome(found, [*notes, FOUND_REPLACEMENT])
        body = to_bigcommerce_replacement(
            order, node, products, addresses, lines, data, marker=marker
        )
        try:
            created = await self.client.request(
                CREATE_ORDER,
                json=body,
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
            if not isinstance(created, dict) or "id" not in created:
                raise UpstreamError(
                    "BigCommerce answered POST /v2/orders without the order",
                    outcome=Outcome.UNKNOWN,
                )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            try:
                found = await self._find_replacement(marker, call)
            except GatewayError:
                raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
            if found is None:
                raise still_unknown(
                    exc,
                    f"Looking up this request's mark ({marker}) found no replacement for order "
                    f"{order.name}: check the customer's orders for external order id "
                    f"{marker} before creating another replacement.",
                ) from exc.__cause__
            return _replacement_outcome(found, [*notes, RECONCILED_REPLACEMENT])
        return _replacement_outcome(created, notes)

    async def _find_replacement(self, marker: str, call: ActionCall) -> Node | None:
        # GET /v2/orders filters on the writable external_order_id; 204 (nothing) reads as [].
        found = await self.client.request(
            LIST_ORDERS, query={"external_order_id": marker}, call=call
        )
        return next((n for n in found or [] if is_marked(n, marker)), None)


RECONCILED_STORE_CREDIT = (
    "BigCommerce's answer to the store credit was lost; re-reading the customer shows the new "
    "balance."
)
RESENT_STORE_CREDIT = (
    "BigCommerce's answer to the store credit was lost and the balance was unchanged; the same "
    "new balance was sent again (a balance is set, not added to, so it cannot count twice)."
)


def refund_reason_text(data: CancelOrderInput) -> str:
    return f"Cancelled: {data.reason.value}"


def _bounds_summary(
    order: Order, shipping: Sequence[tuple[int, Decimal]], maximum: Decimal
) -> RefundSummary:
    """What is left to refund, before any quote: checked against the request's own figures."""
    return RefundSummary(
        total=Money.of("0", order.currency),
        maximum_refundable=Money.of(maximum, order.currency),
        shipping_refundable=Money.of(
            sum((amount for _, amount in shipping), Decimal(0)), order.currency
        ),
    )


def _cancel_failed_after_refund(
    order: Order, refunded: RefundSummary, exc: GatewayError
) -> GatewayError:
    """The refund went through but the cancel did not: say both, precisely."""
    detail = (
        f"The refund {refunded.refund_id} of {refunded.total} on order {order.name} went "
        f"through, but BigCommerce did not cancel the order: {exc.detail or exc}. "
        "Cancel it in BigCommerce; do not refund again."
    )
    platform_errors = exc.extensions.get("platform_errors")
    if isinstance(exc, PlatformRejected | NotFound):
        return PlatformRejected(detail, platform_errors=platform_errors)
    return UpstreamError(detail, outcome=Outcome.UNKNOWN, platform_errors=platform_errors)


def _replacement_outcome(node: Node, messages: list[str]) -> ActionOutcome:
    replacement = from_bigcommerce_replacement(node)
    return ActionOutcome(
        status="succeeded",
        replacement_order=replacement,
        platform_reference=str(node["id"]),
        messages=[m.format(name=replacement.name) for m in messages],
    )
