"""The simulated merchant and Ordergroove's business rules on it (cancel, skip)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from . import seed
from .state import (
    CANCELLED,
    UNSENT,
    ApiError,
    Customer,
    Item,
    LedgerEntry,
    Order,
    Product,
    Subscription,
    add_interval,
)

NOT_FOUND = "Unable to find requested asset."  # counterfact/apis wording [§1.12]
# Wordings below are the simulator's own: Ordergroove documents the statuses, not the texts.
PREPAID_CANCEL = "Prepaid subscriptions cannot be cancelled."  # 400 documented [§1.8]
ALREADY_CANCELLED = "This subscription is already cancelled."  # unverified: 400 [§1.8]
PREPAID_SKIP = "Prepaid subscriptions cannot be skipped."  # unverified [§3.2]
NOT_LIVE_SKIP = "This subscription is not active."  # unverified
ORDER_NOT_UNSENT = "Only unsent orders can be changed."  # unverified: 400 (or 423?) [§1.9]
ORDER_LOCKED = "This order is locked for placement and cannot be changed."  # unverified [§1.9]
NOT_IN_ORDER = "The subscription has no items in this order."  # unverified [§1.9][§1.14]
PREPAID_CHANGE = "Prepaid subscriptions cannot be changed."  # unverified: 400 [next-actions §5.1]
NOT_IN_FUTURE = "order_date must be in the future."  # the rule is documented, not its wording
NO_UPCOMING_ORDER = "This subscription has no upcoming order."  # unverified [next-actions §5.1]
FIRST_GENERATED_ORDER = 101


@dataclass
class Store:
    customers: dict[str, Customer] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    next_order: int = FIRST_GENERATED_ORDER

    @classmethod
    def seeded(cls, now: datetime) -> Store:
        return cls(
            customers={c.merchant_user_id: c for c in seed.customers(now)},
            products={p.external_product_id: p for p in seed.SEED_PRODUCTS},
            subscriptions={s.public_id: s for s in seed.subscriptions(now)},
            orders={o.public_id: o for o in seed.orders(now)},
        )

    def items(self) -> list[Item]:
        return [i for o in self.orders.values() for i in o.items]

    def subscription(self, public_id: str) -> Subscription:
        found = self.subscriptions.get(public_id)
        if found is None:
            raise ApiError(404, NOT_FOUND)
        return found

    def order(self, public_id: str) -> Order:
        found = self.orders.get(public_id)
        if found is None:
            raise ApiError(404, NOT_FOUND)
        return found

    def cancel(self, sub: Subscription, reason: str | None, now: datetime) -> None:
        """Cancel `sub` together with every later shipment [§1.8]."""
        if sub.prepaid:
            raise ApiError(400, PREPAID_CANCEL)
        if not sub.live:
            raise ApiError(400, ALREADY_CANCELLED)  # unverified: the strict reading
        sub.live, sub.cancelled, sub.updated = False, now, now
        sub.cancel_reason = reason
        changed = []
        # Its lines leave every upcoming order; orders already in flight keep them.
        for order in sorted(self.orders.values(), key=lambda o: (o.place, o.public_id)):
            if order.status != UNSENT or order.locked:
                continue
            kept = [i for i in order.items if i.subscription != sub.public_id]
            if len(kept) == len(order.items):
                continue
            order.items, order.updated = kept, now
            changed.append(order.public_id)
            if not kept:
                # unverified: an upcoming order left empty by a cancel is cancelled with it.
                order.status, order.cancelled = CANCELLED, now
        self.ledger.append(
            LedgerEntry(
                "subscription.cancel",
                now,
                sub.public_id,
                cancel_reason=reason,
                orders_changed=tuple(changed),
            )
        )

    def skip(self, order: Order, sub: Subscription, now: datetime) -> Order:
        """Move `sub`'s items from `order` to a new UNSENT order one interval later [§1.9].

        The source order keeps its other items and stays UNSENT even when emptied [§1.9].
        Returns the generated order.
        """
        if order.status != UNSENT:
            raise ApiError(400, ORDER_NOT_UNSENT)  # unverified: refused, status 400
        if order.locked:
            raise ApiError(400, ORDER_LOCKED)  # unverified: refused, status 400
        moving = [i for i in order.items if i.subscription == sub.public_id]
        if not moving:
            raise ApiError(400, NOT_IN_ORDER)  # also the answer to a repeated skip [§1.9]
        if not sub.live:
            raise ApiError(400, NOT_LIVE_SKIP)  # unverified
        if sub.prepaid:
            raise ApiError(400, PREPAID_SKIP)  # unverified: the strict reading [§3.2]
        place = add_interval(order.place, sub.every, sub.every_period)
        generated = self._split_off(
            order, sub, place, now, payment=sub.payment, shipping_address=sub.shipping_address
        )
        self.ledger.append(
            LedgerEntry(
                "order.skip_subscription",
                now,
                sub.public_id,
                order=order.public_id,
                new_order=generated.public_id,
                place=place,
            )
        )
        return generated

    def _split_off(
        self,
        order: Order,
        sub: Subscription,
        place: datetime,
        now: datetime,
        *,
        payment: str,
        shipping_address: str,
    ) -> Order:
        """A new unsent order at `place` taking `sub`'s items out of `order`."""
        generated = Order(
            public_id=seed.order_id(self.next_order),
            customer=order.customer,
            payment=payment,
            shipping_address=shipping_address,
            place=place,
            status=UNSENT,
            created=now,
            updated=now,
            shipping_total=order.shipping_total,
        )
        self.next_order += 1
        for item in order.items:
            if item.subscription == sub.public_id:
                item.order = generated.public_id  # unverified: items keep their public ids
                generated.items.append(item)
        order.items = [i for i in order.items if i.subscription != sub.public_id]
        order.updated = now
        self.orders[generated.public_id] = generated
        return generated

    def change_next_order_date(self, sub: Subscription, order_date: date, now: datetime) -> Order:
        """Move `sub`'s next (earliest unsent) order to `order_date`, time of day kept.

        Only `sub` moves (unverified whether the order's other subscriptions move too
        [next-actions §5.1]): an order holding others keeps them, and `sub`'s items move to a
        new order on that date. Returns the order now holding them.
        """
        if not sub.live:
            raise ApiError(400, NOT_LIVE_SKIP)  # unverified
        if sub.prepaid:
            raise ApiError(400, PREPAID_CHANGE)  # unverified: the strict reading
        if order_date <= now.date():
            raise ApiError(400, NOT_IN_FUTURE)  # "must be in the future" [§1.9]
        holding = sorted(
            (
                o
                for o in self.orders.values()
                if o.status == UNSENT and any(i.subscription == sub.public_id for i in o.items)
            ),
            key=lambda o: (o.place, o.public_id),
        )
        if not holding:
            raise ApiError(400, NO_UPCOMING_ORDER)  # unverified
        order = holding[0]
        if order.locked:
            raise ApiError(400, ORDER_LOCKED)  # unverified: refused, status 400
        place = datetime.combine(order_date, order.place.time())
        moving = [i for i in order.items if i.subscription == sub.public_id]
        if len(moving) == len(order.items):
            order.place, order.updated = place, now
            target = order
        else:
            target = self._split_off(
                order,
                sub,
                place,
                now,
                payment=order.payment,
                shipping_address=order.shipping_address,
            )
        sub.updated = now
        self.ledger.append(
            LedgerEntry(
                "subscription.change_next_order_date",
                now,
                sub.public_id,
                order=order.public_id,
                new_order=target.public_id,
                place=place,
            )
        )
        return target
