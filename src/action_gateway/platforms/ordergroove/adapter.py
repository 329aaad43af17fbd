"""OrdergrooveAdapter: subscriptions, their next orders, cancel and skip through RestRPC calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

from action_gateway.domain.models import (
    ActionOutcome,
    CancelSubscriptionInput,
    Customer,
    Platform,
    RescheduleSubscriptionOrderInput,
    SkipSubscriptionOrderInput,
    Subscription,
    SubscriptionChange,
)
from action_gateway.errors import (
    GatewayError,
    NotFound,
    Outcome,
    PlatformRejected,
    UpstreamError,
    UpstreamUnavailable,
)
from action_gateway.platforms._outcomes import is_ambiguous, utc_now
from action_gateway.platforms.base import (
    ActionCall,
    CancelsSubscriptions,
    ReschedulesSubscriptionOrders,
    SkipsSubscriptionOrders,
)
from action_gateway.platforms.ordergroove.client import PAGE_SIZE, Node, OrdergrooveClient
from action_gateway.platforms.ordergroove.endpoints import (
    CANCEL_SUBSCRIPTION,
    CHANGE_NEXT_ORDER_DATE,
    GET_PRODUCT,
    GET_SUBSCRIPTION,
    LIST_ITEMS,
    LIST_ORDERS,
    LIST_SUBSCRIPTIONS,
    SKIP_SUBSCRIPTION,
)
from action_gateway.platforms.ordergroove.mapping import (
    UNSENT,
    NextOrder,
    from_ordergroove_subscription,
    is_live,
    is_prepaid,
    next_order,
    orders_holding,
    timestamp,
    to_ordergroove_cancel_reason,
)

RECONCILE_RESERVE = 2.0
"""Seconds of the deadline a write leaves unused, so an ambiguous failure can be re-read."""


class OrdergrooveAdapter(
    CancelsSubscriptions, SkipsSubscriptionOrders, ReschedulesSubscriptionOrders
):
    """An Ordergroove merchant through the RestRPC API (see ``client.py`` for the error layers).

    Customers are the linked commerce store's: Ordergroove keys them by that store's customer
    id (``merchant_user_id``), so ``Customer.id`` is passed as the ``customer`` filter.
    """

    platform: Platform = "ordergroove"

    def __init__(
        self,
        client: OrdergrooveClient,
        *,
        currency: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.client = client
        self.currency = currency
        """Ordergroove prices carry no currency: ``price`` is reported only when this is known."""
        self.clock = clock

    # --- Reads --------------------------------------------------------------------------------

    async def find_subscriptions(
        self, customer: Customer, *, call: ActionCall
    ) -> list[Subscription]:
        customer_id = customer.id
        # Always filter by customer: a key without Bulk Operations sees one customer at a time.
        nodes = await self.client.list_all(
            LIST_SUBSCRIPTIONS, query={"customer": customer_id, "page_size": PAGE_SIZE}, call=call
        )
        # Defensive: keep only this customer's records even if the filter were ignored.
        nodes = [n for n in nodes if str(n.get("customer")) == customer_id and n.get("public_id")]
        live = [str(n["public_id"]) for n in nodes if is_live(n)]
        orders = await self._unsent_orders(customer_id, call) if live else []
        upcoming = {
            public_id: await self._next_order_among(public_id, orders, call) for public_id in live
        }
        names = await self._product_names(nodes, call)
        return [
            from_ordergroove_subscription(
                node,
                upcoming=upcoming.get(str(node["public_id"])),
                product_name=names.get(str(node.get("product"))),
                currency=self.currency,
            )
            for node in nodes
        ]

    async def get_subscription(
        self, subscription_id: str, *, call: ActionCall
    ) -> Subscription | None:
        node = await self._read_subscription(subscription_id, call)
        if node is None:
            return None
        upcoming = None
        customer_id = node.get("customer")
        if is_live(node) and customer_id is not None:
            upcoming = await self._next_order(str(node["public_id"]), str(customer_id), call)
        names = await self._product_names([node], call)
        return from_ordergroove_subscription(
            node,
            upcoming=upcoming,
            product_name=names.get(str(node.get("product"))),
            currency=self.currency,
        )

    async def _read_subscription(self, subscription_id: str, call: ActionCall) -> Node | None:
        try:
            node = await self.client.request(
                GET_SUBSCRIPTION, path={"subscription_id": subscription_id}, call=call
            )
        except NotFound:
            return None
        if not isinstance(node, Mapping) or not node.get("public_id"):
            raise UpstreamError(
                f"Ordergroove answered subscription {subscription_id} without its public_id",
                outcome=Outcome.NOT_EXECUTED,
            )
        return node

    async def _unsent_orders(self, customer_id: str, call: ActionCall) -> list[Node]:
        orders = await self.client.list_all(
            LIST_ORDERS,
            query={"customer": customer_id, "status": UNSENT, "page_size": PAGE_SIZE},
            call=call,
        )
        return [o for o in orders if str(o.get("customer")) == customer_id]

    async def _subscription_items(
        self, subscription_id: str, call: ActionCall, **filters: str | int
    ) -> list[Node]:
        # Whether /items/ takes `customer` is UNCONFIRMED: filter by subscription instead.
        return await self.client.list_all(
            LIST_ITEMS,
            query={"subscription": subscription_id, **filters, "page_size": PAGE_SIZE},
            call=call,
        )

    async def _next_order_among(
        self, subscription_id: str, orders: list[Node], call: ActionCall
    ) -> NextOrder | None:
        if not orders:
            return None
        items = await self._subscription_items(subscription_id, call, status=UNSENT)
        return next_order(subscription_id, orders, items)

    async def _next_order(
        self, subscription_id: str, customer_id: str, call: ActionCall
    ) -> NextOrder | None:
        """The subscription's next order: not on the subscription, derived from unsent orders
        and the subscription's items on them."""
        orders = await self._unsent_orders(customer_id, call)
        return await self._next_order_among(subscription_id, orders, call)

    async def _product_names(self, nodes: list[Node], call: ActionCall) -> dict[str, str]:
        """Product names (not on the subscription) from ``GET /products/{id}/``; a product
        Ordergroove no longer knows just has no name."""
        names: dict[str, str] = {}
        for product_id in dict.fromkeys(str(n["product"]) for n in nodes if n.get("product")):
            try:
                product = await self.client.request(
                    GET_PRODUCT, path={"product_id": product_id}, call=call
                )
            except (NotFound, PlatformRejected):
                continue
            name = product.get("name") if isinstance(product, Mapping) else None
            if isinstance(name, str) and name:
                names[product_id] = name
        return names

    # --- Cancel -------------------------------------------------------------------------------

    async def cancel_subscription(
        self, subscription: Subscription, data: CancelSubscriptionInput, *, call: ActionCall
    ) -> ActionOutcome:
        reason = to_ordergroove_cancel_reason(data)
        public_id = subscription.platform_id
        # Re-read just before the write: the helpdesk's view may be stale.
        node = await self._read_subscription(public_id, call)
        if node is None:
            raise NotFound(
                f"Subscription {public_id} no longer exists on Ordergroove.",
                code="subscription_not_found",
            )
        # Cancelling an inactive subscription is undocumented (UNCONFIRMED, probably 400):
        # it is refused here without calling.
        if not is_live(node):
            raise PlatformRejected(f"Subscription {public_id} is already cancelled on Ordergroove.")
        try:
            body = await self.client.request(
                CANCEL_SUBSCRIPTION,
                path={"subscription_id": public_id},
                json={"cancel_reason": reason},
                call=call,
                reserve=RECONCILE_RESERVE,
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            return await self._reconcile_cancel(public_id, exc, call)
        cancelled = timestamp(body.get("cancelled")) if isinstance(body, Mapping) else None
        return self._cancelled(public_id, cancelled)

    async def _reconcile_cancel(
        self, public_id: str, exc: GatewayError, call: ActionCall
    ) -> ActionOutcome:
        """After an ambiguous cancel: not live any more means it went through."""
        try:
            node = await self._read_subscription(public_id, call)
        except GatewayError:
            raise exc from None  # cannot tell: outcome stays unknown
        if node is None:
            raise exc
        if not is_live(node):
            return self._cancelled(
                public_id,
                timestamp(node.get("cancelled")),
                "The answer to the cancel was lost; a re-read shows the subscription cancelled.",
            )
        raise UpstreamUnavailable(
            f"{exc.detail or exc} A re-read shows subscription {public_id} still live: it was "
            "not cancelled, and the cancel is safe to retry.",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=exc.extensions.get("platform_errors"),
        ) from exc

    def _cancelled(
        self, public_id: str, cancelled: datetime | None, *messages: str
    ) -> ActionOutcome:
        return ActionOutcome(
            status="succeeded",
            subscription=SubscriptionChange(cancelled_at=cancelled or self.clock()),
            platform_reference=public_id,
            messages=list(messages),
        )

    # --- Skip ---------------------------------------------------------------------------------

    async def skip_subscription_order(
        self, subscription: Subscription, data: SkipSubscriptionOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        public_id = subscription.platform_id
        customer_id = subscription.customer_id
        if customer_id is None:
            node = await self._read_subscription(public_id, call)
            if node is None or node.get("customer") is None:
                raise NotFound(
                    f"Subscription {public_id} no longer exists on Ordergroove.",
                    code="subscription_not_found",
                )
            customer_id = str(node["customer"])
        # Re-read the next order right before the skip: order ids are never cached.
        upcoming = await self._next_order(public_id, customer_id, call)
        if upcoming is None:
            raise PlatformRejected(
                f"Subscription {public_id} has no upcoming (unsent) order on Ordergroove to skip."
            )
        if not upcoming.skippable:
            raise PlatformRejected(
                f"Ordergroove order {upcoming.ref} is locked (being placed): it cannot be skipped."
            )
        if subscription.next_order_ref is not None and subscription.next_order_ref != upcoming.ref:
            # The next order changed since it was read (skipped or placed meanwhile): skipping
            # the new one could skip a second cycle.
            raise PlatformRejected(
                f"The next order of subscription {public_id} changed on Ordergroove (from "
                f"{subscription.next_order_ref} to {upcoming.ref}); reload it before skipping."
            )
        try:
            # Only this subscription's items leave the order; the order's others stay.
            await self.client.request(
                SKIP_SUBSCRIPTION,
                path={"order_id": upcoming.ref},
                json={"subscription": public_id},
                call=call,
                reserve=RECONCILE_RESERVE,
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            await self._reconcile_skip(public_id, upcoming, exc, call)
            return await self._skipped(
                public_id,
                customer_id,
                upcoming,
                call,
                "The answer to the skip was lost; a re-read shows the order skipped.",
            )
        return await self._skipped(public_id, customer_id, upcoming, call)

    async def _reconcile_skip(
        self, public_id: str, skipped: NextOrder, exc: GatewayError, call: ActionCall
    ) -> None:
        """After an ambiguous skip: returns when the subscription has left the order, raises
        (not executed) when it is still on it, re-raises (unknown) when that cannot be read."""
        try:
            # No status filter: an order placed meanwhile still shows whether it holds the item.
            items = await self._subscription_items(public_id, call, order=skipped.ref)
        except GatewayError:
            raise exc from None
        if skipped.ref not in orders_holding(public_id, items):
            return
        raise UpstreamUnavailable(
            f"{exc.detail or exc} A re-read shows subscription {public_id} still on order "
            f"{skipped.ref}: it was not skipped, and the skip is safe to retry.",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=exc.extensions.get("platform_errors"),
        ) from exc

    async def _skipped(
        self,
        public_id: str,
        customer_id: str,
        skipped: NextOrder,
        call: ActionCall,
        *messages: str,
    ) -> ActionOutcome:
        """The outcome with the new next order date as Ordergroove generated it (never
        calendar maths); a failed re-read leaves it out and says so."""
        notes = list(messages)
        new_date: date | None = None
        try:
            after = await self._next_order(public_id, customer_id, call)
        except GatewayError as exc:
            notes.append(f"The new next order date could not be read: {exc.detail or exc}")
        else:
            new_date = after.place if after is not None and after.ref != skipped.ref else None
        return ActionOutcome(
            status="succeeded",
            subscription=SubscriptionChange(
                skipped_order_date=skipped.place, next_order_date=new_date
            ),
            platform_reference=skipped.ref,
            messages=notes,
        )

    # --- Reschedule ---------------------------------------------------------------------------

    async def reschedule_subscription_order(
        self,
        subscription: Subscription,
        data: RescheduleSubscriptionOrderInput,
        *,
        call: ActionCall,
    ) -> ActionOutcome:
        public_id = subscription.platform_id
        node = await self._read_subscription(public_id, call)
        if node is None or node.get("customer") is None:
            raise NotFound(
                f"Subscription {public_id} no longer exists on Ordergroove.",
                code="subscription_not_found",
            )
        # Ordergroove's answers for an inactive or prepaid subscription are UNCONFIRMED: gated here.
        if not is_live(node):
            raise PlatformRejected(
                f"Subscription {public_id} is not live on Ordergroove: no next order to move."
            )
        if is_prepaid(node):
            raise PlatformRejected(
                f"Subscription {public_id} is prepaid on Ordergroove: its orders are not moved."
            )
        customer_id = str(node["customer"])
        upcoming = await self._next_order(public_id, customer_id, call)
        if upcoming is None:
            raise PlatformRejected(
                f"Subscription {public_id} has no upcoming (unsent) order on Ordergroove to move."
            )
        if upcoming.locked:
            raise PlatformRejected(
                f"Ordergroove order {upcoming.ref} is locked (being placed): it cannot be moved."
            )
        before = upcoming.place
        if before == data.date:
            return _rescheduled(
                upcoming.ref,
                before,
                before,
                f"The next order was already on {data.date.isoformat()}: nothing was sent.",
            )
        try:
            # The 200 is the subscription, which has no next-date field: the date is re-read.
            await self.client.request(
                CHANGE_NEXT_ORDER_DATE,
                path={"subscription_id": public_id},
                json={"order_date": data.date.isoformat()},
                call=call,
                reserve=RECONCILE_RESERVE,
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            return await self._reconcile_reschedule(
                public_id, customer_id, before, data.date, exc, call
            )
        notes: list[str] = []
        after: NextOrder | None = None
        try:
            after = await self._next_order(public_id, customer_id, call)
        except GatewayError as exc:
            notes.append(f"The new next order date could not be read: {exc.detail or exc}")
        if after is not None and after.place != data.date:
            notes.append(
                f"Ordergroove now shows the next order on "
                f"{after.place.isoformat() if after.place else 'no date'}."
            )
        return _rescheduled(
            after.ref if after else upcoming.ref,
            before,
            after.place if after else None,
            *notes,
        )

    async def _reconcile_reschedule(
        self,
        public_id: str,
        customer_id: str,
        before: date | None,
        requested: date,
        exc: GatewayError,
        call: ActionCall,
    ) -> ActionOutcome:
        """After an ambiguous date change: the next order on the requested date means it went
        through, on the old date that it did not; anything else (or no re-read) stays unknown."""
        try:
            after = await self._next_order(public_id, customer_id, call)
        except GatewayError:
            raise exc from None
        place = after.place if after is not None else None
        if after is not None and place == requested:
            return _rescheduled(
                after.ref,
                before,
                place,
                "The answer to the date change was lost; a re-read shows the next order on "
                f"{requested.isoformat()}.",
            )
        if after is not None and place == before:
            raise UpstreamUnavailable(
                f"{exc.detail or exc} A re-read shows subscription {public_id}'s next order "
                f"still on {place.isoformat() if place else 'its old date'}: it was not moved, "
                "and the change is safe to retry.",
                outcome=Outcome.NOT_EXECUTED,
                platform_errors=exc.extensions.get("platform_errors"),
            ) from exc
        raise exc


def _rescheduled(
    ref: str, before: date | None, after: date | None, *messages: str
) -> ActionOutcome:
    return ActionOutcome(
        status="succeeded",
        subscription=SubscriptionChange(previous_order_date=before, next_order_date=after),
        platform_reference=ref,
        messages=list(messages),
    )
