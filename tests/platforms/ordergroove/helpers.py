"""A respx-backed stand-in for Ordergroove's RestRPC API, and Ordergroove-shaped bodies.

Every request the stub receives for an operation the shared spec covers is validated against it,
and every JSON reply whose status the operation documents is validated against its schema.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import respx

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import Customer, Subscription
from action_gateway.platforms._http import RetryPolicy
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.ordergroove import OrdergrooveAdapter, OrdergrooveClient
from action_gateway.platforms.ordergroove.endpoints import Endpoint
from tests.contracts import ordergroove as contract
from tests.platforms import kit
from tests.platforms.kit import (
    AdapterKit,
    QueueStub,
    Reply,
    linked_connection_config,
    template_pattern,
)
from tests.platforms.kit import Sleeps as Sleeps

BASE_URL = "https://restapi.ordergroove.com"
TOKEN = "og_app_key_5f0c9e1d2b3a49c8b7e6d5c4"
NOW = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
MERCHANT = "0e5de2bedc5e11e3a2e4bc764e106cf4"
CUSTOMER_ID = "7219848528033"  # the linked Shopify store's customer id (merchant_user_id)
SUB_COFFEE = "8f14e45fceea167a5a36dedd4bea2543"
SUB_FILTERS = "c9f0f895fb98ab9159f51fd0297e236d"
SUB_OLD = "45c48cce2e2d7fbdea1afc51c7c6ad26"
ORDER_DEC = "d3d9446802a44259755d38e6d163e820"
ORDER_JAN = "6512bd43d9caa6e02c990b0a82652dca"
ORDER_FEB = "c20ad4d76fe97759aa27a0c99bff6710"
PRODUCT_COFFEE = "COFFEE-12OZ"
PRODUCT_FILTERS = "FILTERS-100"


def customer(customer_id: str = CUSTOMER_ID) -> Customer:
    return Customer(id=customer_id, platform_id=f"gid://shopify/Customer/{customer_id}")


def policy(sleeps: Sleeps) -> RetryPolicy:
    return kit.policy(sleeps, attempt_timeout=5.0)


def call(seconds: float = 15.0) -> ActionCall:
    return ActionCall.within(seconds)


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def error(status: int, detail: str) -> httpx.Response:
    """Ordergroove's documented error body."""
    return httpx.Response(status, json={"detail": detail})


@dataclass
class _Queue:
    method: str
    pattern: re.Pattern[str]
    when: dict[str, str]
    replies: deque[Reply] = field(default_factory=deque)


class OrdergrooveStub(QueueStub):
    """Answers each endpoint (optionally only for some query values) from its own queue of
    replies, and records what was sent."""

    def __init__(self, router: respx.MockRouter) -> None:
        super().__init__(router.route(url__startswith=BASE_URL))
        self.queues: list[_Queue] = []

    def reply(
        self,
        endpoint: Endpoint,
        *replies: Reply,
        path: dict[str, str] | None = None,
        **when: str | int,
    ) -> None:
        """Queue replies for ``endpoint``; ``path`` pins placeholders, ``when`` query values."""
        template = endpoint.url(**path) if path else endpoint.path
        pattern = template_pattern(template)
        wanted = {k: str(v) for k, v in when.items()}
        for queue in self.queues:
            if (queue.method, queue.pattern.pattern, queue.when) == (
                endpoint.method,
                pattern.pattern,
                wanted,
            ):
                queue.replies.extend(replies)
                return
        self.queues.append(_Queue(endpoint.method, pattern, wanted, deque(replies)))

    def sent(self, endpoint: Endpoint | None = None) -> list[httpx.Request]:
        if endpoint is None:
            return list(self.requests)
        pattern = template_pattern(endpoint.path)
        return [
            r
            for r in self.requests
            if r.method == endpoint.method and pattern.fullmatch(r.url.path)
        ]

    def bodies(self, endpoint: Endpoint) -> list[Any]:
        return [json.loads(r.content) for r in self.sent(endpoint)]

    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]

    def _check(self, request: httpx.Request) -> None:
        if contract.covers(request.method, str(request.url)):
            contract.validate_httpx_request(request)

    def _queue(self, request: httpx.Request) -> deque[Reply]:
        query = dict(request.url.params.multi_items())
        queues = [
            q
            for q in self.queues
            if q.method == request.method
            and q.pattern.fullmatch(request.url.path)
            and all(query.get(k) == v for k, v in q.when.items())
            and q.replies
        ]
        assert queues, f"no reply left for {request.method} {request.url}"
        # The most specific query match answers first.
        return max(queues, key=lambda q: len(q.when)).replies

    def _respond(self, request: httpx.Request, reply: Any) -> httpx.Response:
        return contract.validated_reply(request, reply)


def connection() -> ConnectionConfig:
    return linked_connection_config("acme-og", "ordergroove", TOKEN, token_env="ACME_OG_KEY")


def _adapter(http: httpx.AsyncClient, sleeps: Sleeps) -> OrdergrooveAdapter:
    client = OrdergrooveClient(connection(), http, policy=policy(sleeps))
    return OrdergrooveAdapter(client, currency="USD", clock=lambda: NOW)


# The app hands adapters a client whose base_url is the API root.
KIT = AdapterKit(stub=OrdergrooveStub, adapter=_adapter, base_url=BASE_URL)


# --- Bodies (fields from Ordergroove's reference pages) ----------------------------------------


def page(*results: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    """An API-v2 cursor page."""
    return {"next": next_url, "previous": None, "results": list(results)}


def next_page_url(path: str, cursor: str, **query: str | int) -> str:
    return f"{BASE_URL}{path}?{urlencode({**query, 'cursor': cursor})}"


def subscription_body(public_id: str = SUB_COFFEE, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": CUSTOMER_ID,
        "merchant": MERCHANT,
        "product": PRODUCT_COFFEE,
        "payment": "1f0e3dad99908345f7439f8ffabdffc4",
        "shipping_address": "98f13708210194c475687be6106a3b84",
        "offer": "3c59dc048e8850243be8079a5c74d079",
        "subscription_type": "Replenish",
        "components": [],
        "extra_data": None,
        "public_id": public_id,
        "product_attribute": None,
        "quantity": 2,
        "price": "18.00",
        "frequency_days": 30,
        "reminder_days": 3,
        "every": 1,
        "every_period": 3,
        "start_date": "2026-06-05",
        "cancelled": None,
        "cancel_reason": None,
        "cancel_reason_code": None,
        "merchant_order_id": None,
        "created": "2026-06-05 14:02:11",
        "updated": "2026-11-05 09:00:00",
        "live": True,
    }
    body.update(changes)
    return body


def cancelled_body(public_id: str = SUB_COFFEE, **changes: Any) -> dict[str, Any]:
    """The subscription as the cancel answers it (and as it reads afterwards)."""
    return subscription_body(
        public_id,
        live=False,
        cancelled="2026-11-23 05:15:00",
        cancel_reason="4|Overstocked",
        cancel_reason_code="4",
        updated="2026-11-23 05:15:00",
        **changes,
    )


PREPAID_CONTEXT = {
    "prepaid_orders_remaining": 2,
    "prepaid_orders_per_billing": 3,
    "renewal_behavior": "autorenew",
    "last_renewal_revenue": "54.00",
    "prepaid_origin_merchant_order_id": "1043",
}


def order_body(
    public_id: str = ORDER_DEC, place: str = "2026-12-05 00:00:00", **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "merchant": MERCHANT,
        "customer": CUSTOMER_ID,
        "payment": "1f0e3dad99908345f7439f8ffabdffc4",
        "shipping_address": "98f13708210194c475687be6106a3b84",
        "public_id": public_id,
        "sub_total": "36.00",
        "tax_total": "0.00",
        "shipping_total": "0.00",
        "discount_total": "0.00",
        "total": "36.00",
        "created": "2026-11-05 09:00:00",
        "updated": "2026-11-05 09:00:00",
        "place": place,
        "cancelled": None,
        "tries": 0,
        "generic_error_count": 0,
        "status": 1,
        "type": 1,
        "merchant_order_id": None,
        "extra_data": None,
        "locked": False,
        "oos_free_shipping": False,
    }
    body.update(changes)
    return body


def item_body(
    public_id: str,
    order: str = ORDER_DEC,
    subscription: str | None = SUB_COFFEE,
    product: str = PRODUCT_COFFEE,
    **changes: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "public_id": public_id,
        "order": order,
        "subscription": subscription,
        "product": product,
        "offer": "3c59dc048e8850243be8079a5c74d079",
        "quantity": 2,
        "price": "18.00",
        "total_cost": "36.00",
        "extra_cost": "0.00",
        "one_time": subscription is None,
        "components": [],
    }
    body.update(changes)
    return body


def product_body(
    product_id: str = PRODUCT_COFFEE, name: str = "House Blend Coffee 12oz"
) -> dict[str, Any]:
    return {
        "merchant": MERCHANT,
        "external_product_id": product_id,
        "name": name,
        "price": "18.00",
        "autoship_enabled": True,
        "discontinued": False,
    }


async def read_then_answered(
    read: Awaitable[Subscription],
    stub: OrdergrooveStub,
    reads_before_the_call: Callable[[OrdergrooveStub], None],
    endpoint: Endpoint,
    *answers: Reply,
) -> Subscription:
    """The subscription as ``read`` returns it; then what the adapter reads before its call, and
    ``answers`` to the call to ``endpoint``."""
    subscription = await read
    reads_before_the_call(stub)
    stub.reply(endpoint, *answers)
    return subscription
