"""MagentoAdapter: each action as Magento 2.4 Admin REST calls, answered in neutral models."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from action_gateway.domain.dates import add_months
from action_gateway.domain.models import (
    ActionOutcome,
    CancelOrderInput,
    CreateDiscountCodeInput,
    Customer,
    CustomerWithOrders,
    DiscountCode,
    DiscountType,
    EditOrderNoteInput,
    Order,
    OrderPage,
    PartialRefundOrderInput,
    Platform,
    RefundLine,
    RefundOrderInput,
    RefundSummary,
    ShippingAddressChange,
    UpdateShippingAddressInput,
    format_decimal,
)
from action_gateway.domain.phones import text_forms
from action_gateway.domain.refunds import check_partial_refund
from action_gateway.errors import (
    DiscountCodeTaken,
    GatewayError,
    NotEligible,
    NotFound,
    Outcome,
    PlatformMessage,
    PlatformRejected,
    UpstreamError,
    ValidationFailed,
)
from action_gateway.platforms._outcomes import (
    is_ambiguous,
    reconcile_reserve,
    still_unknown,
    utc_now,
)
from action_gateway.platforms._pages import merged_page, offset_of, with_orders
from action_gateway.platforms._rest import RestEndpoint
from action_gateway.platforms.base import (
    ActionCall,
    CancelsAndRefundsOrders,
    CreatesDiscountCodes,
    EditsOrderNotes,
    PartiallyRefundsOrders,
    RefundsOrders,
    UpdatesShippingAddresses,
)
from action_gateway.platforms.magento.client import Filter, MagentoClient, search_criteria
from action_gateway.platforms.magento.endpoints import (
    ADD_COMMENT,
    CANCEL_ORDER,
    CREATE_COUPON,
    CREATE_RULE,
    DELETE_RULE,
    GET_CUSTOMER,
    GET_ORDER,
    LIST_COMMENTS,
    REFUND_INVOICE,
    REFUND_ORDER,
    SAVE_ORDER_ADDRESS,
    SEARCH_COUPONS,
    SEARCH_CREDITMEMOS,
    SEARCH_CUSTOMERS,
    SEARCH_INVOICES,
    SEARCH_ORDERS,
)
from action_gateway.platforms.magento.mapping import (
    Node,
    RefundPlan,
    address_matches,
    from_magento_address,
    from_magento_customer,
    from_magento_order,
    order_facts,
    paid_invoice,
    qty_to_refund,
    refund_summary,
    refundable_total,
    shipping_address_of,
    shipping_left,
    to_magento_address,
    to_magento_id,
    top_items,
    unit_refund,
)

MAX_PAGE_SIZE = 100
RECONCILE_MARGIN = 3.0
"""Seconds kept back from a write so an ambiguous failure can still be settled by re-reading."""
COULD_NOT_SAVE_CREDITMEMO = "Could not save a Creditmemo, see error log for details"
OFFLINE_NOTE = (
    "Magento recorded an offline refund (payment method {method}): no money was sent back "
    "through Magento; return {amount} to the customer outside Magento."
)
RECONCILED_REFUND = (
    "Magento's answer to the refund was lost; re-reading the order's credit memos shows it was "
    "created."
)
RECONCILED_CANCEL = (
    "Magento's answer to the cancellation was lost; re-reading the order shows it canceled."
)
RECONCILED_NOTE = (
    "Magento's answer to the comment was lost; re-reading the order's comments shows it added."
)
NOTE_HISTORY = (
    "Magento keeps order comments as a history: the note was added as the newest comment "
    "(not notified, not visible to the customer); earlier comments stay."
)
NO_CANCEL_EMAIL = (
    "notify_customer: Magento's API cancels without an email; tell the customer in the "
    "conversation (cancel_and_refund_order emails the credit memo)"
)
RESTOCK_NOTE = "Magento returns canceled items to stock according to the store's settings."
NO_RESTOCK_ON_CANCEL = "Magento's cancel has no restock switch; the store's settings decide."
CANCEL_REFUSALS = {
    "holded": "the order is on hold (release the hold in Magento first)",
    "payment_review": "the order is in payment review",
    "complete": "the order is complete",
    "closed": "the order is closed",
    "canceled": "the order is already canceled",
}
NO_RECALCULATION = (
    "Magento does not recalculate shipping, tax or other order amounts after an address change "
    '("Changing address information will not recalculate shipping, tax or other order amount.").'
)
ADDRESS_REFUSED_HINT = (
    "Magento replaces every reason it refuses an address for with this one sentence; check the "
    "address's required parts (a region the country's list knows, the postcode) in Magento."
)
RECONCILED_ADDRESS = (
    "Magento's answer to the address change was lost; re-reading the order shows the new address."
)
WHERE_THE_REASON_IS = (
    "Magento hides the reason of this refusal: the store's log (var/log/exception.log) has it. "
    "For an online refund a decline by the payment gateway ends here too: check the payment "
    "before trying again."
)


def _marker(call: ActionCall, order: Order, what: str) -> str:
    """A short reference of this request, written into what it creates, to find it again."""
    seed = f"{call.idempotency_key or ''}:{order.platform_id}:{what}"
    return "ag-" + hashlib.sha256(seed.encode()).hexdigest()[:12]


class MagentoAdapter(
    CancelsAndRefundsOrders,
    RefundsOrders,
    PartiallyRefundsOrders,
    # An order comment (POST /V1/orders/{id}/comments), never notified or visible.
    EditsOrderNotes,
    # A cart price rule with one specific coupon, one use (magento.md §7.2).
    CreatesDiscountCodes,
    # PUT /V1/orders/{parent_id} of the address row (magento.md §6).
    UpdatesShippingAddresses,
):
    """A Magento 2.4 store through its Admin REST API (see ``client.py`` for the error layers)."""

    platform: Platform = "magento"
    # billing_telephone is compared as stored text (magento.md §2.2).
    phone_lookup_matches_text: bool = True

    def __init__(
        self,
        client: MagentoClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        reconcile_margin: float = RECONCILE_MARGIN,
    ) -> None:
        self.client = client
        self.clock = clock
        self.reconcile_margin = reconcile_margin

    # --- Reads --------------------------------------------------------------------------------

    async def _search(
        self, endpoint: RestEndpoint, filters: list[Filter], call: ActionCall, **paging: Any
    ) -> list[Node]:
        body = await self.client.request(
            endpoint, query=search_criteria(filters, **paging), call=call
        )
        return list((body or {}).get("items") or [])

    async def find_customers(
        self, *, email: str | None, phone: str | None, orders_limit: int, call: ActionCall
    ) -> list[CustomerWithOrders]:
        found: dict[str, Customer] = {}
        searches: list[Filter] = []
        if email:
            searches.append(("email", email.strip(), "eq"))
        if phone:
            # Only the default billing address's telephone is searchable, as typed: ask for
            # every form a store commonly keeps (magento.md §2.2). Guests cannot be found by
            # phone: sales orders have no telephone column.
            searches.append(("billing_telephone", ",".join(text_forms(phone)), "in"))
        for search in searches:
            for node in await self._search(SEARCH_CUSTOMERS, [search], call, sort=None):
                customer = from_magento_customer(node)
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
        """The customer's orders and the guest orders placed with their email (the
        ``customer_email`` column is set on guest orders too), newest first."""
        limit = max(1, min(limit, MAX_PAGE_SIZE - 1))
        wanted = min(offset + limit + 1, MAX_PAGE_SIZE)
        searches: list[Filter] = [("customer_id", customer.id, "eq")]
        if customer.email:
            searches.append(("customer_email", customer.email, "eq"))
        found: list[Order] = []
        more = False
        for search in searches:
            nodes = await self._search(SEARCH_ORDERS, [search], call, page_size=wanted)
            more |= len(nodes) >= wanted
            found.extend(from_magento_order(node) for node in nodes)
        return merged_page(customer, found, offset=offset, limit=limit, more=more)

    async def get_customer(self, customer_id: str, *, call: ActionCall) -> Customer | None:
        node = await self._customer_node(customer_id, call)
        return None if node is None else from_magento_customer(node)

    async def _customer_node(self, customer_id: str, call: ActionCall) -> Node | None:
        number = to_magento_id(customer_id)
        if number is None:
            return None
        try:
            node: Node = await self.client.request(
                GET_CUSTOMER, path={"customerId": number}, call=call
            )
        except NotFound:
            return None
        return node

    async def _order_node(self, order_id: str, call: ActionCall) -> Node | None:
        number = to_magento_id(order_id)
        if number is None:
            return None
        try:
            node: Node = await self.client.request(GET_ORDER, path={"id": number}, call=call)
        except NotFound:
            return None
        return node

    async def _fresh(self, order: Order, call: ActionCall) -> Node:
        """The order as Magento has it now (every action decides on a fresh read)."""
        node = await self._order_node(order.platform_id, call)
        if node is None:
            raise NotFound(f"order {order.name} is no longer in Magento")
        return node

    async def get_order(self, order_id: str, *, call: ActionCall) -> Order | None:
        node = await self._order_node(order_id, call)
        return None if node is None else from_magento_order(node)

    async def find_order_by_name(self, name: str, *, call: ActionCall) -> Order | None:
        # increment_id is a string (zero-padded, maybe prefixed), unique per store view only.
        number = name.strip().removeprefix("#")
        nodes = await self._search(SEARCH_ORDERS, [("increment_id", number, "eq")], call)
        if len(nodes) > 1:
            raise ValidationFailed(
                f"{len(nodes)} orders have the number {number} (one per store view): look the "
                "order up by the customer instead"
            )
        return from_magento_order(nodes[0]) if nodes else None

    # --- Cancel -------------------------------------------------------------------------------

    async def cancel_order(
        self, order: Order, data: CancelOrderInput, *, refund: bool, call: ActionCall
    ) -> ActionOutcome:
        messages: list[str] = []
        if data.notify_customer and not refund:
            raise ValidationFailed(NO_CANCEL_EMAIL)
        if data.restock:
            messages.append(NO_RESTOCK_ON_CANCEL)
        node = await self._fresh(order, call)
        refunded: RefundSummary | None = None
        if refund:
            # Refund first (a credit memo per paid invoice), then cancel what is not invoiced.
            plan = await self._full_plan(order, node, call)
            if plan.total > 0:
                refunded, notes = await self._refund(
                    order, node, plan, _reason(data), call, notify=data.notify_customer
                )
                messages.extend(notes)
                node = await self._fresh(order, call)
            else:
                messages.append(f"Nothing was left to refund on order {order.name}.")
        if order_facts(node)["uninvoiced"]:
            try:
                messages.extend(await self._cancel(order, node, call))
            except GatewayError as exc:
                if refunded is None:
                    raise
                raise _cancel_failed_after_refund(order, refunded, exc) from exc
        elif refunded is None:
            raise _cancel_refused(order, node)
        else:
            messages.append(
                f"Everything on order {order.name} was invoiced: the refund closed it, nothing "
                "was left to cancel."
            )
        if data.staff_note:
            await self._comment(order, data.staff_note, call)
        return ActionOutcome(
            status="succeeded",
            refund=refunded,
            platform_reference=refunded.refund_id if refunded else order.platform_id,
            messages=messages,
        )

    async def _cancel(self, order: Order, node: Node, call: ActionCall) -> list[str]:
        try:
            answer = await self.client.request(
                CANCEL_ORDER,
                path={"id": order.platform_id},
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            again = await self._order_node(order.platform_id, call)
            if again is not None and again.get("state") == "canceled":
                return [RECONCILED_CANCEL]
            raise still_unknown(
                exc,
                f"Re-reading order {order.name} does not show it canceled; the cancel was not "
                "sent again: check the order before canceling again.",
            ) from exc.__cause__
        # Magento answers 200 `false` when canCancel() refuses, without a reason.
        if answer is not True:
            raise _cancel_refused(order, node)
        return [RESTOCK_NOTE]

    # --- Refunds ------------------------------------------------------------------------------

    async def _invoices(self, order: Order, call: ActionCall) -> list[Node]:
        return await self._search(
            SEARCH_INVOICES, [("order_id", order.platform_id, "eq")], call, sort=None
        )

    async def _creditmemos(self, order: Order, call: ActionCall) -> list[Node]:
        return await self._search(
            SEARCH_CREDITMEMOS, [("order_id", order.platform_id, "eq")], call, sort=None
        )

    def _is_online(self, node: Node) -> tuple[bool, str]:
        method = str((node.get("payment") or {}).get("method") or "")
        return method not in self.client.settings.offline_refund_methods, method

    async def _full_plan(self, order: Order, node: Node, call: ActionCall) -> RefundPlan:
        """Everything still refundable, shipping included: ``items: []`` refunds every
        refundable quantity (magento.md §4.5)."""
        online, method = self._is_online(node)
        invoice = paid_invoice(await self._invoices(order, call)) if online else None
        lines = [
            RefundLine(line_item_id=str(i["item_id"]), name=i.get("name"), quantity=int(q))
            for i in top_items(node)
            if (q := qty_to_refund(i)) > 0
        ]
        return RefundPlan(
            online=online,
            method=method,
            items=[],
            shipping=shipping_left(node),
            adjustment_positive=Decimal(0),
            adjustment_negative=Decimal(0),
            total=refundable_total(node),
            lines=lines,
            invoice_id=int(invoice["entity_id"]) if invoice else None,
        )

    async def _partial_plan(
        self, order: Order, node: Node, data: PartialRefundOrderInput, call: ActionCall
    ) -> RefundPlan:
        if data.cancel_unfulfilled:
            raise ValidationFailed(
                "cancel_unfulfilled is a Shopify option; a Magento credit memo does not remove "
                "items from the order"
            )
        online, method = self._is_online(node)
        rows = {str(i["item_id"]): i for i in top_items(node)}
        asked = {line.line_item_id: line for line in data.line_items}
        items = []
        lines = []
        subtotal = Decimal(0)
        for item_id, row in rows.items():
            line = asked.get(item_id)
            qty = line.quantity if line is not None else 0
            # Every row is listed (unasked ones at 0): an empty list would refund them all.
            items.append({"order_item_id": int(item_id), "qty": qty})
            if line is not None:
                amount = (unit_refund(row) * qty).quantize(Decimal("0.01"))
                subtotal += amount
                lines.append(
                    RefundLine(
                        line_item_id=item_id,
                        name=row.get("name"),
                        quantity=qty,
                        amount=None,
                    )
                )
        shipping = Decimal(data.shipping_amount or 0)
        computed = subtotal + shipping
        positive = negative = Decimal(0)
        if data.amount is not None:
            # A total asked for is reached with Magento's adjustments (base currency).
            difference = Decimal(data.amount) - computed
            positive, negative = max(difference, Decimal(0)), max(-difference, Decimal(0))
        plan = RefundPlan(
            online=online,
            method=method,
            items=items,
            shipping=shipping,
            adjustment_positive=positive,
            adjustment_negative=negative,
            total=computed + positive - negative,
            lines=lines,
            restock=[int(line.line_item_id) for line in data.line_items if line.restock],
        )
        check_partial_refund(order, data, refund_summary(plan, node))
        if online:
            invoice = paid_invoice(await self._invoices(order, call))
            plan = dataclasses.replace(plan, invoice_id=_entity(invoice))
        return plan

    async def preview_refund(
        self, order: Order, data: PartialRefundOrderInput | None, *, call: ActionCall
    ) -> RefundSummary:
        node = await self._fresh(order, call)
        if data is None:
            plan = await self._full_plan(order, node, call)
        else:
            plan = await self._partial_plan(order, node, data, call)
        return refund_summary(plan, node, notes=_plan_notes(plan))

    async def refund_order(
        self, order: Order, data: RefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        node = await self._fresh(order, call)
        plan = await self._full_plan(order, node, call)
        if plan.total <= 0:
            raise PlatformRejected(
                f"nothing is left to refund on order {order.name}",
                platform_errors=[
                    PlatformMessage(message="The order does not allow a creditmemo to be created.")
                ],
            )
        return await self._refunded(order, node, plan, data, call)

    async def partial_refund_order(
        self, order: Order, data: PartialRefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        node = await self._fresh(order, call)
        plan = await self._partial_plan(order, node, data, call)
        return await self._refunded(order, node, plan, data, call)

    async def _refunded(
        self,
        order: Order,
        node: Node,
        plan: RefundPlan,
        data: RefundOrderInput | PartialRefundOrderInput,
        call: ActionCall,
    ) -> ActionOutcome:
        refunded, notes = await self._refund(
            order, node, plan, _reason(data), call, notify=data.notify_customer
        )
        return ActionOutcome(
            status="succeeded",
            refund=refunded,
            platform_reference=refunded.refund_id,
            messages=notes,
        )

    async def _refund(
        self,
        order: Order,
        node: Node,
        plan: RefundPlan,
        reason: str,
        call: ActionCall,
        *,
        notify: bool,
    ) -> tuple[RefundSummary, list[str]]:
        """Create the credit memo: online through the paid invoice when the payment method
        refunds online, else offline through the order. Never re-sent: an ambiguous failure
        (or Magento's opaque "Could not save a Creditmemo") is settled by re-reading the
        order's credit memos for this request's marker."""
        if plan.online and plan.invoice_id is None:
            raise PlatformRejected(
                f"order {order.name} has no paid invoice left to refund online",
                platform_errors=[
                    PlatformMessage(message="We can't create creditmemo for the invoice.")
                ],
            )
        marker = _marker(call, order, "refund")
        earlier = {str(memo.get("entity_id")) for memo in await self._creditmemos(order, call)}
        # `notify` emails the credit memo; its comment stays on the credit memo only.
        body = plan.body(f"{reason} [{marker}]", notify=notify)
        notes = _plan_notes(plan)
        try:
            if plan.invoice_id is not None:
                answer = await self.client.request(
                    REFUND_INVOICE,
                    path={"invoiceId": plan.invoice_id},
                    json=body,
                    call=call,
                    reserve=reconcile_reserve(call, self.reconcile_margin),
                )
            else:
                answer = await self.client.request(
                    REFUND_ORDER,
                    path={"orderId": order.platform_id},
                    json=body,
                    call=call,
                    reserve=reconcile_reserve(call, self.reconcile_margin),
                )
        except GatewayError as exc:
            opaque = _is_opaque_refusal(exc)
            if not (is_ambiguous(exc) or opaque):
                raise
            memo = await self._find_creditmemo(order, earlier, marker, exc, call)
            if memo is None:
                if opaque:
                    raise PlatformRejected(
                        f"Magento refused the refund of order {order.name}: "
                        f"{COULD_NOT_SAVE_CREDITMEMO}. {WHERE_THE_REASON_IS}",
                        platform_errors=exc.extensions.get("platform_errors"),
                    ) from exc
                raise still_unknown(
                    exc,
                    f"Re-reading the credit memos of order {order.name} finds none from this "
                    "request; Magento has no idempotency key, so the refund was not sent again: "
                    "check the order (and, for an online refund, the payment) before refunding "
                    "again.",
                ) from exc.__cause__
            answer = memo.get("entity_id")
            notes.append(RECONCILED_REFUND)
        # The answer is the credit memo's entity_id, a bare integer.
        return refund_summary(plan, node, refund_id=str(answer), notes=notes), notes

    async def _find_creditmemo(
        self, order: Order, earlier: set[str], marker: str, exc: GatewayError, call: ActionCall
    ) -> Node | None:
        try:
            memos = await self._creditmemos(order, call)
        except GatewayError:
            raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
        for memo in memos:
            if str(memo.get("entity_id")) in earlier:
                continue
            comments = [str(c.get("comment") or "") for c in memo.get("comments") or []]
            if any(marker in comment for comment in comments):
                return memo
        return None

    # --- Note ---------------------------------------------------------------------------------

    async def edit_order_note(
        self, order: Order, data: EditOrderNoteInput, *, call: ActionCall
    ) -> ActionOutcome:
        await self._comment(order, data.note, call)
        return ActionOutcome(
            status="succeeded", note=data.note, previous_note=order.note, messages=[NOTE_HISTORY]
        )

    async def _comment(self, order: Order, text: str, call: ActionCall) -> None:
        """Add an order comment, never notified or visible, with the order's current status:
        the service sets the order's status to the comment's (magento/magento2#34180)."""
        node = await self._fresh(order, call)
        history = {
            "comment": text,
            "is_customer_notified": 0,
            "is_visible_on_front": 0,
            "parent_id": int(order.platform_id),
            "status": node.get("status"),
            "entity_name": "order",
        }
        started = self.clock()
        try:
            await self.client.request(
                ADD_COMMENT,
                path={"id": order.platform_id},
                json={"statusHistory": history},
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            try:
                body = await self.client.request(
                    LIST_COMMENTS, path={"id": order.platform_id}, call=call
                )
            except GatewayError:
                raise exc from exc.__cause__
            for item in (body or {}).get("items") or []:
                created = item.get("created_at") or ""
                if item.get("comment") == text and created >= started.strftime("%Y-%m-%d %H:%M"):
                    return
            raise still_unknown(
                exc,
                f"Re-reading the comments of order {order.name} does not show it; it was not "
                "sent again.",
            ) from exc.__cause__

    # --- Shipping address -----------------------------------------------------------------------

    async def update_shipping_address(
        self, order: Order, data: UpdateShippingAddressInput, *, call: ActionCall
    ) -> ActionOutcome:
        node = await self._fresh(order, call)
        current = shipping_address_of(node)
        if current is None:
            raise NotEligible(
                f"Order {order.name} has no shipping address (a virtual order): there is none "
                "to change.",
                current_state={"decision_code": "no_shipping_address"},
            )
        if order_facts(node)["shipped"]:
            # Magento does not stop it; an address changed after shipping misleads (our rule).
            raise NotEligible(
                f"Items of order {order.name} have shipped to its address already.",
                current_state={"decision_code": "already_shipped"},
            )
        entity = to_magento_address(current, data.address, order.platform_id)
        messages = [NO_RECALCULATION]
        try:
            saved = await self.client.request(
                SAVE_ORDER_ADDRESS,
                path={"parent_id": order.platform_id},
                json={"entity": entity},
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
        except GatewayError as exc:
            if isinstance(exc, PlatformRejected):
                raise PlatformRejected(
                    f"{exc.detail} {ADDRESS_REFUSED_HINT}",
                    platform_errors=exc.extensions.get("platform_errors"),
                ) from exc
            if not is_ambiguous(exc):
                raise
            again = await self._order_node(order.platform_id, call)
            saved = shipping_address_of(again) if again is not None else None
            if not address_matches(saved, entity):
                raise still_unknown(
                    exc,
                    f"Re-reading order {order.name} does not show the new address; it was not "
                    "sent again.",
                ) from exc.__cause__
            messages.append(RECONCILED_ADDRESS)
        return ActionOutcome(
            status="succeeded",
            shipping_address=ShippingAddressChange(
                before=from_magento_address(current), after=from_magento_address(saved or entity)
            ),
            platform_reference=str(current["entity_id"]),
            messages=messages,
        )

    # --- Discount codes -----------------------------------------------------------------------

    async def discount_currency(self, *, call: ActionCall) -> str | None:
        # A cart_fixed amount is in the website's base currency, which every order states.
        nodes = await self._search(SEARCH_ORDERS, [], call, page_size=1)
        for node in nodes:
            if node.get("base_currency_code"):
                return str(node["base_currency_code"])
        return None

    async def create_discount_code(
        self, customer: Customer, data: CreateDiscountCodeInput, *, call: ActionCall
    ) -> ActionOutcome:
        if data.collection_id is not None:
            raise ValidationFailed(
                "Magento: a code limited to one category is not supported; omit collection_id"
            )
        if await self._search(SEARCH_COUPONS, [("code", data.code, "eq")], call, sort=None):
            raise DiscountCodeTaken(f"the coupon code {data.code} already exists on Magento")
        node = await self._customer_node(customer.id, call)
        if node is None:
            raise NotFound(f"customer {customer.id} is no longer in Magento")
        starts = self.clock()
        months = data.expiry.months
        ends = add_months(starts, months) if months is not None else None
        rule = {
            "name": data.title or f"action-gateway {data.code}",
            "description": f"One code for customer {customer.id}",
            "is_active": True,
            # A rule cannot name one customer: the narrowest is their group and website.
            "website_ids": [int(node.get("website_id") or 1)],
            "customer_group_ids": [int(node.get("group_id") or 1)],
            "from_date": starts.date().isoformat(),
            **({"to_date": ends.date().isoformat()} if ends else {}),
            "uses_per_customer": 1,
            "uses_per_coupon": 1,
            "coupon_type": "SPECIFIC_COUPON",
            "use_auto_generation": False,
            "simple_action": "by_percent" if data.type is DiscountType.PERCENTAGE else "cart_fixed",
            "discount_amount": float(Decimal(data.value)),
            "discount_qty": 0,
            "discount_step": 0,
            "apply_to_shipping": False,
            "stop_rules_processing": False,
            "is_advanced": True,
            "sort_order": 0,
            "times_used": 0,
            "is_rss": False,
        }
        created = await self.client.request(CREATE_RULE, json={"rule": rule}, call=call)
        rule_id = (created or {}).get("rule_id")
        if rule_id is None:
            raise UpstreamError("Magento answered the rule without its id", outcome=Outcome.UNKNOWN)
        coupon = {
            "rule_id": rule_id,
            "code": data.code,
            "type": 0,
            "is_primary": True,
            "times_used": 0,
            "usage_limit": 1,
            "usage_per_customer": 1,
        }
        try:
            saved = await self.client.request(CREATE_COUPON, json={"coupon": coupon}, call=call)
        except GatewayError as exc:
            if is_ambiguous(exc):
                found = await self._search(
                    SEARCH_COUPONS, [("code", data.code, "eq")], call, sort=None
                )
                if found:
                    saved = found[0]
                    return self._discount_outcome(data, saved, starts, ends, call)
                raise
            # Compensation: never leave a code-less rule behind.
            await self.client.request(DELETE_RULE, path={"ruleId": rule_id}, call=call)
            messages = exc.extensions.get("platform_errors") or []
            if any("already exists" in m.message for m in messages):
                raise DiscountCodeTaken(
                    f"the coupon code {data.code} already exists on Magento",
                    platform_errors=exc.extensions.get("platform_errors"),
                ) from exc
            raise
        return self._discount_outcome(data, saved, starts, ends, call)

    def _discount_outcome(
        self,
        data: CreateDiscountCodeInput,
        coupon: Node,
        starts: datetime,
        ends: datetime | None,
        call: ActionCall,
    ) -> ActionOutcome:
        return ActionOutcome(
            status="succeeded",
            discount_code=DiscountCode(
                id=str(coupon.get("coupon_id")),
                code=str(coupon.get("code") or data.code),
                type=data.type,
                value=format_decimal(Decimal(data.value)),
                currency=None,
                applies_to="all",
                starts_at=starts,
                ends_at=ends,
                usage_limit=1,
                status="active",
            ),
            platform_reference=str(coupon.get("rule_id") or ""),
        )


def _entity(node: Node | None) -> int | None:
    return int(node["entity_id"]) if node else None


def _reason(data: CancelOrderInput | RefundOrderInput | PartialRefundOrderInput) -> str:
    note = getattr(data, "note", None) or getattr(data, "staff_note", None)
    text = f"Refund ({data.reason.value})"
    return f"{text}: {note}" if note else text


def _plan_notes(plan: RefundPlan) -> list[str]:
    if plan.online:
        return []
    return [OFFLINE_NOTE.format(method=plan.method or "unknown", amount=format_decimal(plan.total))]


def _is_opaque_refusal(exc: GatewayError) -> bool:
    return isinstance(exc, PlatformRejected) and any(
        COULD_NOT_SAVE_CREDITMEMO in m.message for m in exc.extensions.get("platform_errors") or []
    )


def _cancel_refused(order: Order, node: Node) -> PlatformRejected:
    state = str(node.get("state"))
    why = CANCEL_REFUSALS.get(state) or (
        "every item is invoiced: Magento cancels only what is not invoiced; refund it instead"
        if not order_facts(node)["uninvoiced"]
        else "Magento gave no reason"
    )
    return PlatformRejected(
        f"Magento refused to cancel order {order.name} (its cancel answered false, which "
        f"carries no reason): {why}",
        platform_errors=[PlatformMessage(message="false")],
    )


def _cancel_failed_after_refund(
    order: Order, refunded: RefundSummary, exc: GatewayError
) -> GatewayError:
    detail = (
        f"Order {order.name} was refunded ({refunded.total}, credit memo {refunded.refund_id}) "
        f"but the cancel failed: {exc.detail or exc}"
    )
    return type(exc)(detail, code=exc.instance_code, headers=exc.headers, **exc.extensions)
