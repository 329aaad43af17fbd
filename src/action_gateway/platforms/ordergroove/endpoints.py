"""Every Ordergroove REST ("RestRPC") endpoint the adapter calls: name, method, path, kind.

Paths are relative to the connection's base URL (``https://restapi.ordergroove.com``).
Every documented path ends with a slash; the slash is kept (what the server does without it
is UNCONFIRMED).
"""

from __future__ import annotations

from dataclasses import dataclass

from action_gateway.platforms._http import RequestKind
from action_gateway.platforms._rest import RestEndpoint


@dataclass(frozen=True)
class Endpoint(RestEndpoint):
    paginated: bool = False
    """A list: sent with ``X-OG-API-VERSION: 2`` (cursor pages) and followed through ``next``."""


LIST_SUBSCRIPTIONS = Endpoint(
    "list_subscriptions", "GET", "/subscriptions/", RequestKind.READ, paginated=True
)
GET_SUBSCRIPTION = Endpoint(
    "get_subscription", "GET", "/subscriptions/{subscription_id}/", RequestKind.READ
)
# Cancel converges on the platform, but no idempotency key exists: never re-sent blindly;
# an ambiguous failure is reconciled by re-reading the subscription.
CANCEL_SUBSCRIPTION = Endpoint(
    "cancel_subscription", "PATCH", "/subscriptions/{subscription_id}/cancel/", RequestKind.WRITE
)
LIST_ORDERS = Endpoint("list_orders", "GET", "/orders/", RequestKind.READ, paginated=True)
LIST_ITEMS = Endpoint("list_items", "GET", "/items/", RequestKind.READ, paginated=True)
# Skip does not converge (a second one skips the next cycle too): never re-sent blindly.
# Never `/orders/{id}/cancel/`: that cancels the whole order for every subscription on it.
SKIP_SUBSCRIPTION = Endpoint(
    "skip_subscription", "PATCH", "/orders/{order_id}/skip_subscription/", RequestKind.WRITE
)
GET_PRODUCT = Endpoint("get_product", "GET", "/products/{product_id}/", RequestKind.READ)
# Setting a date converges (UNCONFIRMED), but no idempotency key exists: never re-sent blindly;
# an ambiguous failure is settled by re-reading the next order's date and comparing it.
CHANGE_NEXT_ORDER_DATE = Endpoint(
    "change_next_order_date",
    "PATCH",
    "/subscriptions/{subscription_id}/change_next_order_date/",
    RequestKind.WRITE,
)
