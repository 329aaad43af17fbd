"""A customer's orders, paged by an offset cursor over lists merged by the adapter.

REST platforms find a customer's orders in several lists (their account's, and the guest
orders placed with their email); each page re-reads the lists from their start up to one past
the page, merges them newest first and cuts the page out, its end being the next cursor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from action_gateway.domain.models import Customer, CustomerWithOrders, Order, OrderPage
from action_gateway.errors import ValidationFailed

MAX_ORDERS_OFFSET = 10_000
"""How deep a customer's order history is paged (each page re-reads the lists up to it)."""


def offset_of(cursor: str | None) -> int:
    """Where a page starts: 0 for the first, else the cursor an earlier page gave."""
    if cursor is None:
        return 0
    if not cursor.isdigit() or int(cursor) > MAX_ORDERS_OFFSET:
        raise ValidationFailed("The orders cursor is not one this connection gave.")
    return int(cursor)


def newest_first_key(order: Order) -> tuple[datetime, int]:
    created = order.created_at or datetime.min.replace(tzinfo=UTC)
    return created, int(order.id)


def merged_page(
    customer: Customer, found: Iterable[Order], *, offset: int, limit: int, more: bool
) -> OrderPage:
    """The page of ``found`` from ``offset``, newest first, once each; an email match that
    belongs to another account is dropped (guests and the customer's own are kept). ``more``:
    a list read had more than was asked."""
    orders: dict[str, Order] = {}
    for order in found:
        if order.customer_id in (None, customer.id):
            orders.setdefault(order.id, order)
    ordered = sorted(orders.values(), key=newest_first_key, reverse=True)
    end = offset + limit
    more = more or len(ordered) > end
    return OrderPage(
        orders=ordered[offset:end],
        has_more_orders=more,
        next_orders_cursor=str(end) if more else None,
    )


def with_orders(customer: Customer, page: OrderPage) -> CustomerWithOrders:
    return CustomerWithOrders(
        customer=customer,
        orders=page.orders,
        has_more_orders=page.has_more_orders,
        next_orders_cursor=page.next_orders_cursor,
    )
