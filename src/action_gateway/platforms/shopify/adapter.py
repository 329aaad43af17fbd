"""ShopifyAdapter: each action as GraphQL Admin API calls, answered in neutral models."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from action_gateway.domain.models import (
    ActionOutcome,
    CancelOrderInput,
    CreateDiscountCodeInput,
    CreateReplacementOrderInput,
    Customer,
    CustomerWithOrders,
    EditOrderNoteInput,
    EditOrderTagsInput,
    IssueStoreCreditInput,
    Money,
    Order,
    OrderPage,
    OrderTagsChange,
    PartialRefundOrderInput,
    Platform,
    RefundOrderInput,
    RefundSummary,
    ShippingAddressChange,
    StoreCredit,
    UpdateShippingAddressInput,
    tags_after_edit,
)
from action_gateway.domain.refunds import check_partial_refund
from action_gateway.domain.replacements import (
    ReplacementLine,
    replacement_lines,
    replacement_marker,
)
from action_gateway.errors import (
    DeadlineExceeded,
    DiscountCodeTaken,
    GatewayError,
    NotFound,
    Outcome,
    PlatformRejected,
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
from action_gateway.platforms.base import (
    ActionCall,
    CancelsAndRefundsOrders,
    CreatesDiscountCodes,
    CreatesReplacementOrders,
    EditsOrderNotes,
    EditsOrderTags,
    IssuesStoreCredit,
    PartiallyRefundsOrders,
    RefundsOrders,
    UpdatesShippingAddresses,
)
from action_gateway.platforms.shopify.client import ShopifyClient
from action_gateway.platforms.shopify.mapping import (
    Node,
    credit_transactions,
    from_shopify_address,
    from_shopify_credit,
    from_shopify_customer,
    from_shopify_customer_with_orders,
    from_shopify_discount,
    from_shopify_order,
    from_shopify_order_page,
    from_shopify_partial_refund,
    from_shopify_partial_suggestion,
    from_shopify_refund,
    from_shopify_suggested_refund,
    from_shopify_user_errors,
    legacy_id,
    normalize_order_name,
    note_after_edit,
    order_tags,
    refundable_maximum,
    refunded_since,
    search_value,
    shop_handle,
    shopify_address_matches,
    shopify_money,
    store_credit_account,
    suggested_partial_refund_variables,
    to_shopify_address,
    to_shopify_cancel_variables,
    to_shopify_credit_input,
    to_shopify_discount_input,
    to_shopify_gid,
    to_shopify_partial_refund_input,
    to_shopify_refund_input,
    to_shopify_refund_lines,
    with_legacy_line_ids,
)
from action_gateway.platforms.shopify.operations import (
    CANCEL_JOB_POLL,
    CODE_DISCOUNT_BY_CODE,
    CUSTOMER,
    CUSTOMER_BY_IDENTIFIER,
    CUSTOMER_ORDERS,
    CUSTOMER_STORE_CREDIT,
    CUSTOMER_WITH_ORDERS,
    CUSTOMERS_SEARCH,
    DISCOUNT_CODE_BASIC_CREATE,
    FIND_REPLACEMENT,
    ORDER,
    ORDER_BY_NAME,
    ORDER_CANCEL,
    ORDER_SHIPPING_ADDRESS,
    ORDER_TAGS,
    ORDER_TAGS_ADD,
    ORDER_TAGS_REMOVE,
    ORDER_UPDATE_NOTE,
    ORDER_UPDATE_SHIPPING_ADDRESS,
    REPLACEMENT_ORDER_CREATE,
    REPLACEMENT_SOURCE,
    SHOP_CURRENCY,
    STORE_CREDIT_ACCOUNT_CREDIT,
    SUGGESTED_PARTIAL_REFUND,
    SUGGESTED_REFUND,
    Operation,
    refund_create,
    supports_idempotent,
)
from action_gateway.platforms.shopify.reconcile import (
    FOUND_EARLIER_STORE_CREDIT,
    RECONCILED_REFUND,
    RECONCILED_STORE_CREDIT,
    earlier_store_credit,
    reconcile_cancel,
    reconcile_refund,
    reconcile_store_credit,
)
from action_gateway.platforms.shopify.refund_allocation import refund_transactions
from action_gateway.platforms.shopify.replacement import (
    from_shopify_replacement,
    is_marked,
    marker_query,
    replacement_value,
    shipping_address,
    to_shopify_replacement_variables,
)

MAX_PAGE_SIZE = 250
PENDING_CANCEL_MESSAGE = "Shopify accepted the cancellation and is still processing it."
RECONCILE_MARGIN = 3.0
"""Seconds kept back from a write so an ambiguous failure can still be settled by re-reading."""
RECONCILE_READS = 3
"""Re-reads of an order after an ambiguous orderCancel (poll_interval apart, budget allowing)."""
FOUND_REPLACEMENT = (
    "An earlier attempt of this request had already created replacement order {name}; "
    "nothing new was created."
)
RECONCILED_REPLACEMENT = (
    "Shopify's answer to the replacement order was lost; searching the store for this "
    "request's mark found replacement order {name}."
)


class ShopifyAdapter(
    CancelsAndRefundsOrders,
    RefundsOrders,
    PartiallyRefundsOrders,
    EditsOrderNotes,
    CreatesDiscountCodes,
    IssuesStoreCredit,
    CreatesReplacementOrders,
    EditsOrderTags,
    UpdatesShippingAddresses,
):
    """A Shopify store through the GraphQL Admin API (see ``client.py`` for the error layers)."""

    platform: Platform = "shopify"
    # customerByIdentifier takes E.164 and Shopify keeps customers' phones in E.164.
    phone_lookup_matches_text: bool = False

    def __init__(
        self,
        client: ShopifyClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        poll_interval: float = 0.5,
        poll_margin: float = 1.5,
        search_limit: int = 5,
        reconcile_margin: float = RECONCILE_MARGIN,
        reconcile_reads: int = RECONCILE_READS,
    ) -> None:
        self.client = client
        self.handle = shop_handle(client.shop)
        self.clock = clock
        self.sleep = sleep
        self.poll_interval = poll_interval
        self.poll_margin = poll_margin
        """Budget left unused when polling a cancel job, for the caller's re-read."""
        self.search_limit = search_limit
        self.reconcile_margin = reconcile_margin
        self.reconcile_reads = reconcile_reads

    # --- Reads --------------------------------------------------------------------------------

    async def find_customers(
        self, *, email: str | None, phone: str | None, orders_limit: int, call: ActionCall
    ) -> list[CustomerWithOrders]:
        orders_first = max(1, min(orders_limit, MAX_PAGE_SIZE))
        found: dict[str, CustomerWithOrders] = {}
        lookups = (("emailAddress", "email", email), ("phoneNumber", "phone", phone))
        for identifier, search_field, value in lookups:
            if not value or not value.strip():
                continue
            matches = await self._find_customer(
                identifier, search_field, value.strip(), orders_first, call
            )
            for match in matches:
                found.setdefault(match.customer.id, match)
        return list(found.values())

    async def _find_customer(
        self, identifier: str, search_field: str, value: str, orders_first: int, call: ActionCall
    ) -> list[CustomerWithOrders]:
        data = await self.client.execute(
            CUSTOMER_BY_IDENTIFIER,
            {"identifier": {identifier: value}, "ordersFirst": orders_first},
            call=call,
        )
        node = data.get("customerByIdentifier")
        if node:
            return [from_shopify_customer_with_orders(node, handle=self.handle)]
        # The exact lookup can miss what search finds (e.g. a phone stored in another format).
        data = await self.client.execute(
            CUSTOMERS_SEARCH,
            {"query": f"{search_field}:{search_value(value)}", "first": self.search_limit},
            call=call,
        )
        matches = []
        for hit in (data.get("customers") or {}).get("nodes") or []:
            # Search tokenizes email, so keep only exact (case-insensitive) email matches.
            hit_email = (hit.get("defaultEmailAddress") or {}).get("emailAddress") or ""
            if search_field == "email" and hit_email.casefold() != value.casefold():
                continue
            detail = await self.client.execute(
                CUSTOMER_WITH_ORDERS, {"id": hit["id"], "ordersFirst": orders_first}, call=call
            )
            if detail.get("customer"):
                matches.append(
                    from_shopify_customer_with_orders(detail["customer"], handle=self.handle)
                )
        return matches

    async def list_customer_orders(
        self, customer_id: str, *, limit: int, cursor: str | None, call: ActionCall
    ) -> OrderPage | None:
        gid = to_shopify_gid("Customer", customer_id)
        if gid is None:
            return None
        data = await self.client.execute(
            CUSTOMER_ORDERS,
            {"id": gid, "ordersFirst": max(1, min(limit, MAX_PAGE_SIZE)), "after": cursor},
            call=call,
        )
        node = data.get("customer")
        if not node:
            return None
        return from_shopify_order_page(node.get("orders"), handle=self.handle)

    async def get_customer(self, customer_id: str, *, call: ActionCall) -> Customer | None:
        gid = to_shopify_gid("Customer", customer_id)
        if gid is None:
            return None
        data = await self.client.execute(CUSTOMER, {"id": gid}, call=call)
        node = data.get("customer")
        return from_shopify_customer(node, handle=self.handle) if node else None

    async def get_order(self, order_id: str, *, call: ActionCall) -> Order | None:
        gid = to_shopify_gid("Order", order_id)
        if gid is None:
            return None
        data = await self.client.execute(ORDER, {"id": gid}, call=call)
        # A well-formed but unknown id answers `order: null`, not an error.
        node = data.get("order")
        return from_shopify_order(node, handle=self.handle) if node else None

    async def find_order_by_name(self, name: str, *, call: ActionCall) -> Order | None:
        wanted = normalize_order_name(name)
        if not wanted:
            return None
        data = await self.client.execute(
            ORDER_BY_NAME, {"query": f"name:{search_value(wanted)}"}, call=call
        )
        for node in (data.get("orders") or {}).get("nodes") or []:
            if str(node.get("name", "")).casefold() == wanted.casefold():
                return from_shopify_order(node, handle=self.handle)
        return None

    # --- Cancel -------------------------------------------------------------------------------

    async def cancel_order(
        self, order: Order, data: CancelOrderInput, *, refund: bool, call: ActionCall
    ) -> ActionOutcome:
        try:
            result = await self.client.execute(
                ORDER_CANCEL,
                to_shopify_cancel_variables(order.platform_id, data, refund=refund),
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
            payload = result.get("orderCancel") or {}
            errors = payload.get("orderCancelUserErrors") or []
            if errors:
                raise from_shopify_user_errors(errors, action="cancel the order")
            job = payload.get("job")
            if not job:
                raise UpstreamError(
                    "Shopify accepted the cancellation without a job to follow",
                    outcome=Outcome.UNKNOWN,
                )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            return await reconcile_cancel(self, order, exc, refund=refund, call=call)
        return await self._await_cancel(order, str(job["id"]), refund=refund, call=call)

    async def _await_cancel(
        self, order: Order, job_id: str, *, refund: bool, call: ActionCall
    ) -> ActionOutcome:
        """Poll the asynchronous cancel job until the order is cancelled or the budget runs low."""
        pending = ActionOutcome(status="pending", job_id=job_id, messages=[PENDING_CANCEL_MESSAGE])
        job_done_seen = False
        while call.remaining() > self.poll_margin:
            try:
                data = await self.client.execute(
                    CANCEL_JOB_POLL,
                    {"jobId": job_id, "orderId": order.platform_id},
                    call=call,
                    reserve=self.poll_margin,
                )
            except (UpstreamError, DeadlineExceeded):
                # The cancel was accepted; failing to read its progress does not undo it.
                return pending
            polled: Node = data.get("order") or {}
            if polled.get("cancelledAt"):
                return ActionOutcome(
                    status="succeeded",
                    job_id=job_id,
                    refund=refunded_since(order, polled) if refund else None,
                )
            if (data.get("job") or {}).get("done"):
                if job_done_seen:
                    # On 2026-07 the generic Job carries no error detail for a failed cancel.
                    raise PlatformRejected("the cancel job finished but the order is not cancelled")
                job_done_seen = True
                continue
            if call.remaining() - self.poll_interval <= self.poll_margin:
                break
            await self.sleep(self.poll_interval)
        return pending

    # --- Refunds ------------------------------------------------------------------------------

    async def _suggested_refund(
        self,
        order: Order,
        call: ActionCall,
        operation: Operation = SUGGESTED_REFUND,
        variables: dict[str, Any] | None = None,
    ) -> tuple[Node, Node]:
        data = await self.client.execute(
            operation, variables or {"id": order.platform_id}, call=call
        )
        node = data.get("order")
        if not node:
            raise NotFound(f"order {order.name} was not found on Shopify")
        return node, node.get("suggestedRefund") or {}

    async def _suggested_partial_refund(
        self, order: Order, data: PartialRefundOrderInput, call: ActionCall
    ) -> tuple[PartialRefundOrderInput, list[dict[str, Any]], Node, Node, RefundSummary]:
        """Shopify's calculation of a partial refund, checked against what is refundable."""
        data = with_legacy_line_ids(data)
        lines = to_shopify_refund_lines(order, data)
        node, suggestion = await self._suggested_refund(
            order,
            call,
            SUGGESTED_PARTIAL_REFUND,
            suggested_partial_refund_variables(order.platform_id, lines, data),
        )
        if data.amount is not None and not suggestion.get("suggestedTransactions"):
            # A goodwill amount without lines or shipping suggests nothing to refund, so the
            # suggestion may name no payment to carry it; the full suggestion lists every
            # refundable payment with its maximumRefundableSet.
            _, full = await self._suggested_refund(order, call)
            suggestion = {**suggestion, "suggestedTransactions": full.get("suggestedTransactions")}
        summary = from_shopify_partial_suggestion(
            suggestion, data, currency=node["presentmentCurrencyCode"]
        )
        check_partial_refund(order, data, summary)
        # A manual amount must also fit the payments Shopify routes this refund to.
        refund_transactions(suggestion, data)
        return data, lines, node, suggestion, summary

    async def preview_refund(
        self, order: Order, data: PartialRefundOrderInput | None = None, *, call: ActionCall
    ) -> RefundSummary:
        if data is None:
            node, suggestion = await self._suggested_refund(order, call)
            return from_shopify_suggested_refund(
                suggestion, currency=node["presentmentCurrencyCode"]
            )
        *_, summary = await self._suggested_partial_refund(order, data, call)
        return summary

    async def refund_order(
        self, order: Order, data: RefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        node, suggestion = await self._suggested_refund(order, call)
        if refundable_maximum(suggestion) <= 0 or not suggestion.get("suggestedTransactions"):
            raise PlatformRejected(
                f"nothing is left to refund on order {order.name} "
                "(Shopify's maximum refundable amount is 0)"
            )
        refund_input = to_shopify_refund_input(
            order.platform_id,
            suggestion,
            data,
            shop_currency=node["currencyCode"],
            presentment_currency=node["presentmentCurrencyCode"],
        )
        refund, messages = await self._refund_create(order, refund_input, call)
        summary = from_shopify_refund(refund, currency=node["presentmentCurrencyCode"])
        # The refund payload has no shipping: it is the suggestion's, refunded in full.
        shipping = from_shopify_suggested_refund(
            suggestion, currency=node["presentmentCurrencyCode"]
        ).shipping
        return ActionOutcome(
            status="succeeded",
            refund=summary.model_copy(update={"shipping": shipping}),
            platform_reference=refund["id"],
            messages=messages,
        )

    async def partial_refund_order(
        self, order: Order, data: PartialRefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        data, lines, node, suggestion, _ = await self._suggested_partial_refund(order, data, call)
        refund_input = to_shopify_partial_refund_input(
            order.platform_id,
            suggestion,
            lines,
            data,
            shop_currency=node["currencyCode"],
            presentment_currency=node["presentmentCurrencyCode"],
        )
        refund, messages = await self._refund_create(order, refund_input, call)
        return ActionOutcome(
            status="succeeded",
            refund=from_shopify_partial_refund(
                refund, suggestion, data, currency=node["presentmentCurrencyCode"]
            ),
            platform_reference=refund["id"],
            messages=messages,
        )

    async def _refund_create(
        self, order: Order, refund_input: dict[str, Any], call: ActionCall
    ) -> tuple[Node, list[str]]:
        """The created refund, and messages for the caller (set when it had to be re-read)."""
        operation = refund_create(self.client.api_version)
        variables: dict[str, Any] = {"input": refund_input}
        if supports_idempotent(self.client.api_version):
            # Without the caller's key, a fresh one still makes our own retries safe.
            variables["idempotencyKey"] = call.idempotency_key or str(uuid.uuid4())
        sent_at = self.clock()
        try:
            # Deduplicated on the key from 2026-01: the chokepoint re-sends it with the same key.
            result = await self.client.execute(
                operation,
                variables,
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
            payload = result.get("refundCreate") or {}
            errors = payload.get("userErrors") or []
            if errors:
                raise from_shopify_user_errors(errors, action="refund the order")
            refund: Node | None = payload.get("refund")
            if not refund:
                raise UpstreamError(
                    "Shopify answered refundCreate without the refund", outcome=Outcome.UNKNOWN
                )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            found = await reconcile_refund(self.client, order, refund_input, sent_at, exc, call)
            return found, [RECONCILED_REFUND]
        return refund, []

    # --- Note ---------------------------------------------------------------------------------

    async def edit_order_note(
        self, order: Order, data: EditOrderNoteInput, *, call: ActionCall
    ) -> ActionOutcome:
        note = note_after_edit(order.note, data)
        result = await self.client.execute(
            ORDER_UPDATE_NOTE, {"input": {"id": order.platform_id, "note": note}}, call=call
        )
        payload = result.get("orderUpdate") or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise from_shopify_user_errors(errors, action="update the order note")
        updated = payload.get("order") or {}
        return ActionOutcome(
            status="succeeded", note=updated.get("note", note), previous_note=order.note
        )

    # --- Tags ---------------------------------------------------------------------------------

    async def edit_order_tags(
        self, order: Order, data: EditOrderTagsInput, *, call: ActionCall
    ) -> ActionOutcome:
        # tagsRemove is case-sensitive on orders: each tag is named as a fresh read spells it.
        before = await self._order_tags(order, call)
        added, removed, _ = tags_after_edit(before, data)
        tags, messages = before, []
        done: list[str] = []
        steps = (
            (ORDER_TAGS_ADD, "tagsAdd", added, "add"),
            (ORDER_TAGS_REMOVE, "tagsRemove", removed, "remove"),
        )
        for operation, field, names, verb in steps:
            if not names:
                continue  # already as asked: nothing is sent
            try:
                tags = await self._change_tags(operation, field, order, names, verb, call)
            except GatewayError as exc:
                if done and not is_ambiguous(exc):
                    # The earlier change stands: the caller must not read this as nothing done.
                    partly = still_unknown(exc, f"Already done: {'; '.join(done)}.")
                    partly.extensions["outcome"] = Outcome.UNKNOWN
                    raise partly from exc
                if not is_ambiguous(exc):
                    raise
                tags = await self._settle_tags(order, exc, names, verb, done, call)
                messages.append(
                    f"Shopify's answer to {field} was lost; re-reading the order shows the "
                    f"tags {'on it' if verb == 'add' else 'gone'}."
                )
            done.append(f"{'added' if verb == 'add' else 'removed'} {', '.join(names)}")
        present = {tag.casefold() for tag in tags}
        dropped = [tag for tag in added if tag.casefold() not in present]
        if dropped:
            # Shopify has been seen dropping some tags without a userError: say so.
            messages.append(f"Shopify did not keep the tags: {', '.join(dropped)}.")
        return ActionOutcome(
            status="succeeded",
            tags=OrderTagsChange(
                added=[tag for tag in added if tag not in dropped],
                removed=[tag for tag in removed if tag.casefold() not in present],
                tags=tags,
            ),
            platform_reference=order.platform_id,
            messages=messages,
        )

    async def _order_tags(self, order: Order, call: ActionCall) -> list[str]:
        data = await self.client.execute(ORDER_TAGS, {"id": order.platform_id}, call=call)
        node: Node | None = data.get("order")
        if not node:
            raise NotFound(f"order {order.name} was not found on Shopify")
        return order_tags(node)

    async def _change_tags(
        self,
        operation: Operation,
        field: str,
        order: Order,
        names: list[str],
        verb: str,
        call: ActionCall,
    ) -> list[str]:
        result = await self.client.execute(
            operation,
            {"id": order.platform_id, "tags": names},
            call=call,
            reserve=reconcile_reserve(call, self.reconcile_margin),
        )
        payload = result.get(field) or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise from_shopify_user_errors(errors, action=f"{verb} the order's tags")
        node: Node | None = payload.get("node")
        if not node or "tags" not in node:
            raise UpstreamError(
                f"Shopify answered {field} without the order's tags", outcome=Outcome.UNKNOWN
            )
        return order_tags(node)

    async def _settle_tags(
        self,
        order: Order,
        exc: GatewayError,
        names: list[str],
        verb: str,
        done: list[str],
        call: ActionCall,
    ) -> list[str]:
        """After an ambiguous tagsAdd / tagsRemove: re-read the tags and compare, never re-send.

        Both converge (set semantics) and Shopify applies them before answering, so the re-read
        tells: the tags as asked means it happened; otherwise it did not. A re-read that fails
        leaves the write's own failure (outcome unknown) as it was.
        """
        try:
            tags = await self._order_tags(order, call)
        except GatewayError:
            raise exc from exc.__cause__
        present = {tag.casefold() for tag in tags}
        if verb == "add":
            applied = all(name.casefold() in present for name in names)
        else:
            applied = not any(name in tags for name in names)  # removal is case-sensitive
        if applied:
            return tags
        shown = (
            f"Re-reading order {order.name} shows the tags unchanged ({verb}: {', '.join(names)})"
        )
        if done:
            raise still_unknown(exc, f"{shown}; already done: {'; '.join(done)}.") from exc
        raise not_executed(exc, f"{shown}: nothing was changed.") from exc

    # --- Shipping address ---------------------------------------------------------------------

    async def update_shipping_address(
        self, order: Order, data: UpdateShippingAddressInput, *, call: ActionCall
    ) -> ActionOutcome:
        address = to_shopify_address(data.address)
        messages: list[str] = []
        try:
            result = await self.client.execute(
                ORDER_UPDATE_SHIPPING_ADDRESS,
                {"input": {"id": order.platform_id, "shippingAddress": address}},
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
            payload = result.get("orderUpdate") or {}
            errors = payload.get("userErrors") or []
            if errors:
                raise from_shopify_user_errors(errors, action="update the shipping address")
            node: Node | None = (payload.get("order") or {}).get("shippingAddress")
            if not node:
                raise UpstreamError(
                    "Shopify answered orderUpdate without the shipping address",
                    outcome=Outcome.UNKNOWN,
                )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            node = await self._settle_address(order, address, exc, call)
            messages.append(
                "Shopify's answer to the address change was lost; re-reading the order shows "
                "the new address."
            )
        after = from_shopify_address(node)
        if after is None:
            raise UpstreamError("Shopify answered without the shipping address")
        return ActionOutcome(
            status="succeeded",
            shipping_address=ShippingAddressChange(before=order.shipping_address, after=after),
            platform_reference=order.platform_id,
            messages=messages,
        )

    async def _settle_address(
        self, order: Order, address: dict[str, str | None], exc: GatewayError, call: ActionCall
    ) -> Node:
        """After an ambiguous orderUpdate: re-read the address and compare, never re-send.

        Shopify applies orderUpdate before answering: the address as sent means it happened;
        another one means it did not. A re-read that fails leaves the write's own failure
        (outcome unknown) as it was.
        """
        try:
            data = await self.client.execute(
                ORDER_SHIPPING_ADDRESS, {"id": order.platform_id}, call=call
            )
        except GatewayError:
            raise exc from exc.__cause__
        node: Node | None = (data.get("order") or {}).get("shippingAddress")
        if node and shopify_address_matches(node, address):
            return node
        raise not_executed(
            exc,
            f"Re-reading order {order.name} shows another shipping address than the one sent: "
            "it was not changed.",
        ) from exc

    # --- Discount codes -----------------------------------------------------------------------

    async def discount_currency(self, *, call: ActionCall) -> str | None:
        data = await self.client.execute(SHOP_CURRENCY, {}, call=call)
        return str((data.get("shop") or {}).get("currencyCode") or "") or None

    async def create_discount_code(
        self, customer: Customer, data: CreateDiscountCodeInput, *, call: ActionCall
    ) -> ActionOutcome:
        collection_gid = None
        if data.collection_id is not None:
            collection_gid = to_shopify_gid("Collection", data.collection_id)
            if collection_gid is None:
                raise ValidationFailed(
                    "collection_id must be a numeric Shopify id or a gid://shopify/Collection/… id"
                )
        existing = await self.client.execute(CODE_DISCOUNT_BY_CODE, {"code": data.code}, call=call)
        if existing.get("codeDiscountNodeByCode"):
            raise DiscountCodeTaken(f"the discount code {data.code} already exists on Shopify")
        discount = to_shopify_discount_input(
            customer.platform_id, data, starts_at=self.clock(), collection_gid=collection_gid
        )
        result = await self.client.execute(
            DISCOUNT_CODE_BASIC_CREATE, {"basicCodeDiscount": discount}, call=call
        )
        payload = result.get("discountCodeBasicCreate") or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise from_shopify_user_errors(errors, action="create the discount code")
        node = payload.get("codeDiscountNode")
        if not node:
            raise UpstreamError(
                "Shopify answered discountCodeBasicCreate without the discount",
                outcome=Outcome.UNKNOWN,
            )
        return ActionOutcome(
            status="succeeded",
            discount_code=from_shopify_discount(node, data, handle=self.handle),
            platform_reference=node["id"],
        )

    # --- Store credit -------------------------------------------------------------------------

    async def _store_credit(
        self, customer: Customer, currency: str, call: ActionCall
    ) -> tuple[Node | None, Money]:
        """The customer's account in ``currency`` (None: the first credit creates it) and its
        balance."""
        data = await self.client.execute(
            CUSTOMER_STORE_CREDIT,
            {"id": customer.platform_id, "accounts": f"currency_code:{currency}"},
            call=call,
        )
        if not data.get("customer"):
            raise NotFound(f"customer {customer.id} was not found on Shopify")
        account = store_credit_account(data["customer"])
        if account is None:
            return None, Money.of("0", currency)
        return account, shopify_money(account["balance"])

    async def preview_store_credit(
        self, customer: Customer, data: IssueStoreCreditInput, *, call: ActionCall
    ) -> StoreCredit:
        account, balance = await self._store_credit(customer, data.currency, call)
        return StoreCredit(
            amount=Money.of(data.amount, data.currency),
            balance=Money.of(
                balance.value + Money.of(data.amount, data.currency).value, data.currency
            ),
            previous_balance=balance,
            expires_at=data.expires_at,
            notified=data.notify_customer,
            account_id=account.get("id") if account else None,
        )

    async def issue_store_credit(
        self, customer: Customer, data: IssueStoreCreditInput, *, call: ActionCall
    ) -> ActionOutcome:
        # Not idempotent and no reference field: the balance, the credits already there and the
        # time are recorded first, so that a lost answer can be settled by re-reading.
        account, before = await self._store_credit(customer, data.currency, call)
        if call.resumed_since is not None:
            found = earlier_store_credit(account, data, since=call.resumed_since)
            if found is not None:
                credit = from_shopify_credit(found, previous_balance=None, notified=False)
                return ActionOutcome(
                    status="succeeded",
                    store_credit=credit,
                    platform_reference=credit.transaction_id,
                    messages=[FOUND_EARLIER_STORE_CREDIT],
                )
        seen = {t.get("id") for t in credit_transactions(account)}
        sent_at = self.clock()
        try:
            result = await self.client.execute(
                STORE_CREDIT_ACCOUNT_CREDIT,
                {"id": customer.platform_id, "creditInput": to_shopify_credit_input(data)},
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
            payload = result.get("storeCreditAccountCredit") or {}
            errors = payload.get("userErrors") or []
            if errors:
                raise from_shopify_user_errors(errors, action="issue the store credit")
            transaction: Node | None = payload.get("storeCreditAccountTransaction")
            if not transaction:
                raise UpstreamError(
                    "Shopify answered storeCreditAccountCredit without the transaction",
                    outcome=Outcome.UNKNOWN,
                )
            messages: list[str] = []
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            transaction = await reconcile_store_credit(
                self, customer, data, seen=seen, sent_at=sent_at, exc=exc, call=call
            )
            messages = [RECONCILED_STORE_CREDIT]
        credit = from_shopify_credit(
            transaction, previous_balance=before, notified=data.notify_customer
        )
        return ActionOutcome(
            status="succeeded",
            store_credit=credit,
            platform_reference=credit.transaction_id,
            messages=messages,
        )

    # --- Replacement orders -------------------------------------------------------------------

    async def _replacement_source(
        self, order: Order, data: CreateReplacementOrderInput, call: ActionCall
    ) -> tuple[Node, list[ReplacementLine]]:
        """The original as a replacement needs it, and the request's lines checked against it."""
        ids = []
        for item in data.line_items:
            gid = to_shopify_gid("LineItem", item.line_item_id)
            ids.append(legacy_id(gid) if gid is not None else item.line_item_id)
        lines = replacement_lines(order, data, ids)
        result = await self.client.execute(REPLACEMENT_SOURCE, {"id": order.platform_id}, call=call)
        node = result.get("order")
        if not node:
            raise NotFound(f"order {order.name} was not found on Shopify")
        return node, lines

    async def appraise_replacement(
        self, order: Order, data: CreateReplacementOrderInput, *, call: ActionCall
    ) -> Money:
        node, lines = await self._replacement_source(order, data, call)
        shipping_address(order, node)  # a dry run refuses what the execution would
        return replacement_value(order, node, lines)

    async def create_replacement_order(
        self, order: Order, data: CreateReplacementOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        node, lines = await self._replacement_source(order, data, call)
        # Without the caller's key (a direct call), a fresh one still guards our own retries.
        marker = replacement_marker(call.idempotency_key or uuid.uuid4().hex)
        # An attempt of this request may already have created it (its process stopped after
        # the write; the key's lease expired and this is the next attempt): never a second one.
        found = await self._find_replacement(marker, call)
        if found is not None:
            return self._replacement_outcome(found, FOUND_REPLACEMENT)
        variables = to_shopify_replacement_variables(order, node, lines, data, marker=marker)
        try:
            result = await self.client.execute(
                REPLACEMENT_ORDER_CREATE,
                variables,
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
            payload = result.get("orderCreate") or {}
            errors = payload.get("userErrors") or []
            if errors:
                raise from_shopify_user_errors(errors, action="create the replacement order")
            created = payload.get("order")
            if not created:
                raise UpstreamError(
                    "Shopify answered orderCreate without the order", outcome=Outcome.UNKNOWN
                )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            return await self._reconcile_replacement(order, marker, exc, call)
        return self._replacement_outcome(created, None)

    def _replacement_outcome(self, node: Node, message: str | None) -> ActionOutcome:
        replacement = from_shopify_replacement(node, handle=self.handle)
        return ActionOutcome(
            status="succeeded",
            replacement_order=replacement,
            platform_reference=str(node["id"]),
            messages=[message.format(name=replacement.name)] if message else [],
        )

    async def _find_replacement(self, marker: str, call: ActionCall) -> Node | None:
        result = await self.client.execute(
            FIND_REPLACEMENT, {"query": marker_query(marker)}, call=call
        )
        nodes = (result.get("orders") or {}).get("nodes") or []
        return next((n for n in nodes if is_marked(n, marker)), None)

    async def _reconcile_replacement(
        self, order: Order, marker: str, exc: GatewayError, call: ActionCall
    ) -> ActionOutcome:
        """After an ambiguous orderCreate: search for the mark a few times (search can lag a
        write); found answers succeeded, never found stays outcome unknown. Never re-sent."""
        reads = 0
        while True:
            try:
                found = await self._find_replacement(marker, call)
            except GatewayError:
                raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
            if found is not None:
                return self._replacement_outcome(found, RECONCILED_REPLACEMENT)
            reads += 1
            if (
                reads >= self.reconcile_reads
                or call.remaining() - self.poll_interval <= self.poll_margin
            ):
                break
            await self.sleep(self.poll_interval)
        raise still_unknown(
            exc,
            f"Searching the store for this request's mark ({marker}) found no replacement for "
            f"order {order.name} yet, but Shopify's search can lag a new order: look for the "
            f"tag {marker} before creating another replacement.",
        ) from exc.__cause__
