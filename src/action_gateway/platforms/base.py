"""What platform adapters offer the core (lookups, and one capability per action), and the
per-call execution record."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from action_gateway.domain.models import (
    ActionOutcome,
    CancelOrderInput,
    CancelSubscriptionInput,
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
    PartialRefundOrderInput,
    Platform,
    RefundOrderInput,
    RefundSummary,
    RescheduleSubscriptionOrderInput,
    SkipSubscriptionOrderInput,
    StoreCredit,
    Subscription,
    UpdateShippingAddressInput,
)


@dataclass
class ActionCall:
    """One action's execution record, shared by the flow and the adapter's HTTP chokepoint.

    The chokepoint sets ``write_sent`` just before a state-changing request leaves, so that a
    failure after that point is reported as ``outcome: unknown`` rather than ``not_executed``.
    """

    deadline: float
    """``time.monotonic()`` value by which everything must be done."""
    idempotency_key: str | None = None
    """Key derived from the caller's Idempotency-Key, for platforms that deduplicate writes."""
    write_sent: bool = False
    write_may_have_run: bool = False
    """A state-changing request of this action reached the platform (answered or not): a later
    failure of the same action, even of a read, can no longer claim that nothing happened."""
    attempts: int = 0
    upstream_request_ids: list[str] = field(default_factory=list)
    resumed_since: datetime | None = None
    """Set when an earlier attempt of this request claimed its key at this time and never
    answered (its process stopped): it may have acted. A write the platform cannot deduplicate
    looks for that attempt's effect first, or answers outcome unknown; never a blind second."""

    @classmethod
    def within(cls, seconds: float, idempotency_key: str | None = None) -> ActionCall:
        return cls(deadline=time.monotonic() + seconds, idempotency_key=idempotency_key)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class CommerceAdapter(Protocol):
    """A commerce platform (orders, customers) as the core reads it.

    What it can do is not listed here: each action is a capability below, which the adapter
    class names among its bases (``class ShopifyAdapter(RefundsOrders, ...)``); the actions a
    connection offers are derived from them (``actions/specs.py``).

    Every method raises only :class:`action_gateway.errors.GatewayError` subclasses; the
    platform's own messages travel verbatim in ``PlatformRejected.platform_errors``.
    Ids are the platform's short ids as the API exposes them (Shopify: the numeric legacy id).
    """

    platform: Platform

    phone_lookup_matches_text: bool
    """The platform finds a phone number only as the text it was stored as (not normalised)."""

    async def find_customers(
        self, *, email: str | None, phone: str | None, orders_limit: int, call: ActionCall
    ) -> list[CustomerWithOrders]:
        """Customers matching the email and/or phone, each with their newest orders.

        ``phone`` is E.164 (``+14155550101``); a platform that matches stored text is asked with
        the forms stores keep (``domain.phones.text_forms``).
        """
        ...

    async def list_customer_orders(
        self, customer_id: str, *, limit: int, cursor: str | None, call: ActionCall
    ) -> OrderPage | None:
        """A page of the customer's orders, newest first, after ``cursor`` (a
        ``next_orders_cursor`` this adapter gave; None: the first page).

        Answers None when there is no such customer; raises ``ValidationFailed`` for a cursor it
        cannot read.
        """
        ...

    async def get_customer(self, customer_id: str, *, call: ActionCall) -> Customer | None: ...

    async def get_order(self, order_id: str, *, call: ActionCall) -> Order | None: ...

    async def find_order_by_name(self, name: str, *, call: ActionCall) -> Order | None:
        """Manual lookup by the order number the customer knows (e.g. ``#1001``)."""
        ...


class SubscriptionAdapter(Protocol):
    """A subscription platform (Ordergroove, Recharge) as the core reads it; its actions are
    capabilities, as for :class:`CommerceAdapter`.

    Its customers are the linked commerce connection's: lookups take that connection's customer
    (its id and email), never a subscription-platform identity the helpdesk does not have.
    Every method raises only :class:`action_gateway.errors.GatewayError` subclasses.
    """

    platform: Platform

    async def find_subscriptions(
        self, customer: Customer, *, call: ActionCall
    ) -> list[Subscription]:
        """The customer's subscriptions (live or not), each with its next order date."""
        ...

    async def get_subscription(
        self, subscription_id: str, *, call: ActionCall
    ) -> Subscription | None: ...


# --- Capabilities: one per action (or what several actions share) -----------------------------
# runtime_checkable so that a connection's actions can be derived from its adapter once, when
# the connection is built (never per request: such an isinstance check is slow).


@runtime_checkable
class CancelsOrders(Protocol):
    async def cancel_order(
        self, order: Order, data: CancelOrderInput, *, refund: bool, call: ActionCall
    ) -> ActionOutcome:
        """Cancel, refunding everything refundable when ``refund`` is true.

        May answer ``pending`` when the platform accepted the cancel but has not finished it
        before the deadline.
        """
        ...


@runtime_checkable
class PreviewsRefunds(Protocol):
    """Shared by the refunding actions: their dry runs and ceilings quote the amount first."""

    async def preview_refund(
        self, order: Order, data: PartialRefundOrderInput | None, *, call: ActionCall
    ) -> RefundSummary:
        """What a refund would move, computed by the platform; executes nothing.

        ``data=None`` is a full refund including shipping (refund_order, cancel_and_refund_order).
        A partial request is checked with ``domain.refunds.check_partial_refund``.
        """
        ...


@runtime_checkable
class CancelsAndRefundsOrders(CancelsOrders, PreviewsRefunds, Protocol):
    """``cancel_order(refund=True)``, quoted first by ``preview_refund``."""


@runtime_checkable
class RefundsOrders(PreviewsRefunds, Protocol):
    async def refund_order(
        self, order: Order, data: RefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome: ...


@runtime_checkable
class PartiallyRefundsOrders(PreviewsRefunds, Protocol):
    async def partial_refund_order(
        self, order: Order, data: PartialRefundOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        """Refund line items by quantity, shipping, or a manual total; never above refundable.

        Runs ``domain.refunds.check_partial_refund`` on the platform's own calculation before the
        money-moving request is sent.
        """
        ...


@runtime_checkable
class EditsOrderNotes(Protocol):
    async def edit_order_note(
        self, order: Order, data: EditOrderNoteInput, *, call: ActionCall
    ) -> ActionOutcome: ...


@runtime_checkable
class CreatesDiscountCodes(Protocol):
    async def discount_currency(self, *, call: ActionCall) -> str | None:
        """The currency a fixed discount amount is in (the store's), or None when unknown."""
        ...

    async def create_discount_code(
        self, customer: Customer, data: CreateDiscountCodeInput, *, call: ActionCall
    ) -> ActionOutcome: ...


@runtime_checkable
class CancelsSubscriptions(Protocol):
    async def cancel_subscription(
        self, subscription: Subscription, data: CancelSubscriptionInput, *, call: ActionCall
    ) -> ActionOutcome:
        """Cancel it and every later shipment; other subscriptions are untouched."""
        ...


@runtime_checkable
class SkipsSubscriptionOrders(Protocol):
    async def skip_subscription_order(
        self, subscription: Subscription, data: SkipSubscriptionOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        """Skip this subscription (only this one) in its next order.

        The platform does not deduplicate a skip: after an ambiguous failure the adapter re-reads
        the next order before anything else, so one request never skips twice.
        """
        ...


@runtime_checkable
class IssuesStoreCredit(Protocol):
    async def preview_store_credit(
        self, customer: Customer, data: IssueStoreCreditInput, *, call: ActionCall
    ) -> StoreCredit:
        """The credit and the balance it would make (the current balance read); executes
        nothing. Refuses what the platform would refuse before sending (a currency it does not
        hold credit in, an expiry it cannot keep)."""
        ...

    async def issue_store_credit(
        self, customer: Customer, data: IssueStoreCreditInput, *, call: ActionCall
    ) -> ActionOutcome:
        """Add ``data.amount`` to the customer's balance, once.

        No platform deduplicates it: after an ambiguous failure the adapter looks for its own
        credit (Shopify: a matching transaction since the send; BigCommerce: the balance at the
        target it wrote) before anything else, and never re-sends blind.
        """
        ...


@runtime_checkable
class ReschedulesSubscriptionOrders(Protocol):
    async def reschedule_subscription_order(
        self,
        subscription: Subscription,
        data: RescheduleSubscriptionOrderInput,
        *,
        call: ActionCall,
    ) -> ActionOutcome:
        """Move this subscription's next order to ``data.date``; the outcome names the date
        before (``previous_order_date``) and the date the platform now has.

        Setting a date converges but is not deduplicated: after an ambiguous failure the
        adapter re-reads the next order date and compares it with the requested one, never
        re-sending blindly.
        """
        ...


@runtime_checkable
class CreatesReplacementOrders(Protocol):
    async def appraise_replacement(
        self, order: Order, data: CreateReplacementOrderInput, *, call: ActionCall
    ) -> Money:
        """What the replacement gives: its items at the original's prices after discounts, in
        the currency the customer paid in; executes nothing. Raises ValidationFailed for lines
        the order does not have (or has fewer units of)."""
        ...

    async def create_replacement_order(
        self, order: Order, data: CreateReplacementOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        """A new order for the same customer, at no charge, to the original's shipping address,
        marked with a value derived from ``call.idempotency_key``.

        No platform deduplicates order creation: the adapter looks for its marker before
        creating and after an ambiguous failure, and never sends a second create; when it
        cannot tell, the failure keeps ``outcome: unknown``.
        """
        ...


@runtime_checkable
class EditsOrderTags(Protocol):
    async def edit_order_tags(
        self, order: Order, data: EditOrderTagsInput, *, call: ActionCall
    ) -> ActionOutcome:
        """Add and remove tags, leaving the order's other tags as they are (never a rewrite of
        the whole list, which loses tags written meanwhile).

        The platform does not deduplicate it: after an ambiguous failure the adapter re-reads
        the order's tags and compares them with the request instead of re-sending.
        """
        ...


@runtime_checkable
class UpdatesShippingAddresses(Protocol):
    async def update_shipping_address(
        self, order: Order, data: UpdateShippingAddressInput, *, call: ActionCall
    ) -> ActionOutcome:
        """Replace the order's shipping address with the whole address given.

        The platform does not deduplicate it: after an ambiguous failure the adapter re-reads
        the address and compares it with the request instead of re-sending.
        """
        ...
