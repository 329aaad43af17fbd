"""A fake commerce adapter: in-memory orders, recorded calls, scripted failures and delays."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import (
    ActionOutcome,
    Address,
    CancelOrderInput,
    CancelSubscriptionInput,
    CreateDiscountCodeInput,
    CreateReplacementOrderInput,
    Customer,
    CustomerWithOrders,
    DiscountCode,
    EditOrderNoteInput,
    EditOrderTagsInput,
    IssueStoreCreditInput,
    Money,
    Order,
    OrderPage,
    OrderState,
    OrderTagsChange,
    OrderTotals,
    PartialRefundOrderInput,
    Platform,
    RefundOrderInput,
    RefundSummary,
    ReplacementOrder,
    RescheduleSubscriptionOrderInput,
    ShippingAddressChange,
    SkipSubscriptionOrderInput,
    StoreCredit,
    Subscription,
    SubscriptionChange,
    SubscriptionState,
    UpdateShippingAddressInput,
    tags_after_edit,
)
from action_gateway.domain.refunds import check_partial_refund
from action_gateway.errors import GatewayError
from action_gateway.platforms.base import ActionCall


def make_order(
    order_id: str = "1001",
    *,
    financial_status: str | None = "paid",
    fulfillment_status: str = "unfulfilled",
    cancelled: bool = False,
    total: str = "54.20",
    currency: str = "USD",
    customer_id: str = "501",
    shipping_address: Address | None = None,
) -> Order:
    return Order(
        id=order_id,
        name=f"#{order_id}",
        platform_id=f"gid://fake/Order/{order_id}",
        customer_id=customer_id,
        state=OrderState(
            financial_status=financial_status,
            fulfillment_status=fulfillment_status,
            cancelled=cancelled,
            amount_received=total if financial_status == "paid" else "0.00",
            has_shipping_address=shipping_address is not None,
        ),
        currency=currency,
        totals=OrderTotals(total=Money.of(total, currency)),
        note="first note",
        shipping_address=shipping_address,
    )


AN_ADDRESS = Address(
    first_name="Ava",
    last_name="Lindqvist",
    address1="190 MacLaren Street",
    city="Ottawa",
    province_code="ON",
    postal_code="K2P 0L6",
    country_code="CA",
)


def make_customer(customer_id: str = "501") -> Customer:
    return Customer(
        id=customer_id,
        platform_id=f"gid://fake/Customer/{customer_id}",
        display_name="Ava Lindqvist",
        email="ava@example.com",
    )


@dataclass
class FakeAdapter:
    """Implements ``CommerceAdapter`` and the capabilities of every order and customer action
    but partial refunds (``FakePartialRefundAdapter``); ``calls`` records every state-changing
    call."""

    platform: Platform = "shopify"
    orders: dict[str, Order] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    store_credit: dict[str, Decimal] = field(default_factory=dict)
    delay: float = 0.0
    fail_with: GatewayError | None = None
    keys: list[str | None] = field(default_factory=list)
    phone_lookup_matches_text: bool = False

    async def _act(self, name: str, target: str, call: ActionCall) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        call.write_sent = True
        self.calls.append((name, target))
        self.keys.append(call.idempotency_key)
        if self.delay:
            await asyncio.sleep(self.delay)

    async def find_customers(
        self, *, email: str | None, phone: str | None, orders_limit: int, call: ActionCall
    ) -> list[CustomerWithOrders]:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_with is not None:
            raise self.fail_with
        found = []
        for c in self.customers.values():
            if (email and c.email == email) or (phone and c.phone == phone):
                page = self._page(c.id, orders_limit, 0)
                found.append(CustomerWithOrders(customer=c, **page.model_dump()))
        return found

    def _page(self, customer_id: str, limit: int, offset: int) -> OrderPage:
        """Orders in insertion order; the cursor is the offset of the next one."""
        mine = [o for o in self.orders.values() if o.customer_id == customer_id]
        more = len(mine) > offset + limit
        return OrderPage(
            orders=mine[offset : offset + limit],
            has_more_orders=more,
            next_orders_cursor=str(offset + limit) if more else None,
        )

    async def list_customer_orders(
        self, customer_id: str, *, limit: int, cursor: str | None, call: ActionCall
    ) -> OrderPage | None:
        if customer_id not in self.customers:
            return None
        return self._page(customer_id, limit, int(cursor or 0))

    async def get_customer(self, customer_id: str, *, call: ActionCall) -> Customer | None:
        return self.customers.get(customer_id)

    async def get_order(self, order_id: str, *, call: ActionCall) -> Order | None:
        return self.orders.get(order_id)

    async def find_order_by_name(self, name: str, *, call: ActionCall) -> Order | None:
        wanted = name if name.startswith("#") else f"#{name}"
        return next((o for o in self.orders.values() if o.name == wanted), None)

    async def cancel_order(
        self, order: Order, data: CancelOrderInput, *, refund: bool, call: ActionCall
    ) -> ActionOutcome:
        await self._act("cancel_and_refund" if refund else "cancel", order.id, call)
        state = order.state.model_copy(
            update={"cancelled": True, "financial_status": "refunded" if refund else None}
        )
        self.orders[order.id] = order.model_copy(update={"state": state})
        summary = RefundSummary(total=order.totals.total) if refund else None
        return ActionOutcome(status="succeeded", refund=summary)

    async def preview_refund(
        self, order: Order, data: PartialRefundOrderInput | None, *, call: ActionCall
    ) -> RefundSummary:
        if data is None:
            return RefundSummary(total=order.totals.total, maximum_refundable=order.totals.total)
        total = Decimal(data.amount or data.shipping_amount or "10.00")
        return RefundSummary(
            total=Money.of(total, order.currency),
            maximum_refundable=order.totals.total,
            shipping_refundable=Money.of("5.00", order.currency),
        )

    async def refund_order(
        self, order: Order, data: RefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        await self._act("refund", order.id, call)
        state = order.state.model_copy(update={"financial_status": "refunded"})
        self.orders[order.id] = order.model_copy(update={"state": state})
        return ActionOutcome(status="succeeded", refund=RefundSummary(total=order.totals.total))

    async def edit_order_note(
        self, order: Order, data: EditOrderNoteInput, *, call: ActionCall
    ) -> ActionOutcome:
        await self._act("note", order.id, call)
        note = data.note if data.mode.value == "replace" else f"{order.note}\n{data.note}"
        self.orders[order.id] = order.model_copy(update={"note": note})
        return ActionOutcome(status="succeeded", note=note, previous_note=order.note)

    async def discount_currency(self, *, call: ActionCall) -> str | None:
        return "USD"

    async def create_discount_code(
        self, customer: Customer, data: CreateDiscountCodeInput, *, call: ActionCall
    ) -> ActionOutcome:
        await self._act("discount", customer.id, call)
        code = DiscountCode(
            id="gid://fake/DiscountCodeNode/1",
            code=data.code,
            type=data.type,
            value=str(Decimal(data.value)),
            currency="USD",
            applies_to="all" if data.collection_id is None else "collection",
            collection_id=data.collection_id,
            starts_at=datetime(2026, 11, 24, tzinfo=UTC),
            ends_at=None,
        )
        return ActionOutcome(status="succeeded", discount_code=code)

    async def preview_store_credit(
        self, customer: Customer, data: IssueStoreCreditInput, *, call: ActionCall
    ) -> StoreCredit:
        before = self.store_credit.get(customer.id, Decimal(0))
        return StoreCredit(
            amount=Money.of(data.amount, data.currency),
            balance=Money.of(before + Decimal(data.amount), data.currency),
            previous_balance=Money.of(before, data.currency),
            notified=data.notify_customer,
        )

    async def issue_store_credit(
        self, customer: Customer, data: IssueStoreCreditInput, *, call: ActionCall
    ) -> ActionOutcome:
        credit = await self.preview_store_credit(customer, data, call=call)
        await self._act("store_credit", customer.id, call)
        self.store_credit[customer.id] = credit.balance.value
        return ActionOutcome(status="succeeded", store_credit=credit)

    async def appraise_replacement(
        self, order: Order, data: CreateReplacementOrderInput, *, call: ActionCall
    ) -> Money:
        """12.50 per unit, in the order's currency."""
        units = sum(item.quantity for item in data.line_items)
        return Money.of(Decimal("12.50") * units, order.currency)

    async def create_replacement_order(
        self, order: Order, data: CreateReplacementOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        await self._act("replacement", order.id, call)
        created = ReplacementOrder(id="9001", name="#9001", admin_url=None)
        return ActionOutcome(status="succeeded", replacement_order=created)


@dataclass
class FakePartialRefundAdapter(FakeAdapter):
    """A ``FakeAdapter`` that partially refunds orders (``PartiallyRefundsOrders``), edits
    their tags (``EditsOrderTags``) and changes their shipping address
    (``UpdatesShippingAddresses``) too."""

    async def partial_refund_order(
        self, order: Order, data: PartialRefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        summary = await self.preview_refund(order, data, call=call)
        check_partial_refund(order, data, summary)
        await self._act("partial_refund", order.id, call)
        return ActionOutcome(status="succeeded", refund=summary)

    async def edit_order_tags(
        self, order: Order, data: EditOrderTagsInput, *, call: ActionCall
    ) -> ActionOutcome:
        await self._act("tags", order.id, call)
        added, removed, tags = tags_after_edit(order.tags or [], data)
        self.orders[order.id] = order.model_copy(update={"tags": tags})
        change = OrderTagsChange(added=added, removed=removed, tags=tags)
        return ActionOutcome(status="succeeded", tags=change)

    async def update_shipping_address(
        self, order: Order, data: UpdateShippingAddressInput, *, call: ActionCall
    ) -> ActionOutcome:
        await self._act("address", order.id, call)
        after = Address(**data.address.model_dump())
        self.orders[order.id] = order.model_copy(update={"shipping_address": after})
        change = ShippingAddressChange(before=order.shipping_address, after=after)
        return ActionOutcome(status="succeeded", shipping_address=change)


def fake_connection(connection_id: str = "acme", **actions: object) -> ConnectionConfig:
    from pydantic import SecretStr

    return ConnectionConfig.model_validate(
        {
            "id": connection_id,
            "platform": "shopify",
            "shop": f"{connection_id}.myshopify.com",
            "access_token_env": "ACME_TOKEN",
            "actions": actions or {},
        }
    ).model_copy(update={"access_token": SecretStr("shpat_canary_token_do_not_log")})


def unused_client() -> httpx.AsyncClient:
    return httpx.AsyncClient()


def make_subscription(
    subscription_id: str = "sub-1",
    *,
    live: bool = True,
    prepaid: bool = False,
    next_order: date | None = date(2026, 12, 1),
    customer_id: str = "501",
) -> Subscription:
    return Subscription(
        id=subscription_id,
        platform_id=subscription_id,
        customer_id=customer_id,
        state=SubscriptionState(live=live, prepaid=prepaid, has_next_order=next_order is not None),
        product="Morning Blend Coffee",
        quantity=2,
        every=2,
        period="week",
        next_order_date=next_order,
        next_order_ref="order-9" if next_order else None,
    )


@dataclass
class FakeSubscriptionAdapter:
    """Implements ``SubscriptionAdapter``, ``CancelsSubscriptions``, ``SkipsSubscriptionOrders``
    and ``ReschedulesSubscriptionOrders`` over in-memory subscriptions keyed by customer id."""

    platform: Platform = "ordergroove"
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    fail_with: GatewayError | None = None

    async def find_subscriptions(
        self, customer: Customer, *, call: ActionCall
    ) -> list[Subscription]:
        if self.fail_with is not None:
            raise self.fail_with
        return [s for s in self.subscriptions.values() if s.customer_id == customer.id]

    async def get_subscription(
        self, subscription_id: str, *, call: ActionCall
    ) -> Subscription | None:
        return self.subscriptions.get(subscription_id)

    async def cancel_subscription(
        self, subscription: Subscription, data: CancelSubscriptionInput, *, call: ActionCall
    ) -> ActionOutcome:
        self.calls.append(("cancel", subscription.id))
        state = subscription.state.model_copy(update={"live": False})
        self.subscriptions[subscription.id] = subscription.model_copy(update={"state": state})
        return ActionOutcome(status="succeeded", subscription=SubscriptionChange())

    async def skip_subscription_order(
        self, subscription: Subscription, data: SkipSubscriptionOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        self.calls.append(("skip", subscription.id))
        skipped = subscription.next_order_date
        assert skipped is not None
        following = skipped + timedelta(weeks=2)
        self.subscriptions[subscription.id] = subscription.model_copy(
            update={"next_order_date": following}
        )
        return ActionOutcome(
            status="succeeded",
            subscription=SubscriptionChange(skipped_order_date=skipped, next_order_date=following),
        )

    async def reschedule_subscription_order(
        self,
        subscription: Subscription,
        data: RescheduleSubscriptionOrderInput,
        *,
        call: ActionCall,
    ) -> ActionOutcome:
        self.calls.append(("reschedule", subscription.id))
        before = subscription.next_order_date
        self.subscriptions[subscription.id] = subscription.model_copy(
            update={"next_order_date": data.date}
        )
        return ActionOutcome(
            status="succeeded",
            subscription=SubscriptionChange(previous_order_date=before, next_order_date=data.date),
        )


@dataclass
class NoteOnlyAdapter:
    """A commerce platform whose one action is editing order notes: ``CommerceAdapter``'s
    lookups and ``EditsOrderNotes``, no other capability."""

    platform: Platform = "shopify"
    phone_lookup_matches_text: bool = False
    orders: dict[str, Order] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def find_customers(
        self, *, email: str | None, phone: str | None, orders_limit: int, call: ActionCall
    ) -> list[CustomerWithOrders]:
        return []

    async def list_customer_orders(
        self, customer_id: str, *, limit: int, cursor: str | None, call: ActionCall
    ) -> OrderPage | None:
        return None

    async def get_customer(self, customer_id: str, *, call: ActionCall) -> Customer | None:
        return None

    async def get_order(self, order_id: str, *, call: ActionCall) -> Order | None:
        return self.orders.get(order_id)

    async def find_order_by_name(self, name: str, *, call: ActionCall) -> Order | None:
        return None

    async def edit_order_note(
        self, order: Order, data: EditOrderNoteInput, *, call: ActionCall
    ) -> ActionOutcome:
        call.write_sent = True
        self.calls.append(("note", order.id))
        self.orders[order.id] = order.model_copy(update={"note": data.note})
        return ActionOutcome(status="succeeded", note=data.note, previous_note=order.note)
