"""The HTTP face of the simulator: hosts, routing, `x-api-key`, rate limit, faults, paging."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import random
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from action_gateway_sandbox._routes import Route, route

from . import render, validation
from .faults import Fault, FaultKind, FaultPlan
from .state import ApiError, Item, LedgerEntry, Order, Subscription
from .store import NOT_FOUND, Store

HOSTS = ("restapi.ordergroove.com", "staging.restapi.ordergroove.com")  # [§1.1]
AUTH_FAILED = "Authentication Failed"  # 403 [§1.2][§1.12]
# A key without Bulk Operations sees one customer at a time [§1.2]; whether an unscoped list
# errors or comes back partial is unconfirmed [§3.9]: the simulator refuses it (unverified).
NEEDS_SCOPE = "This API key lacks the Bulk Operations permission: filter the list to one customer."
NOT_FOUND_PATH = "Not found."  # Django REST framework's 404 text (unverified)
THROTTLED = "Request was throttled."  # unverified wording; 429 documented [§1.13]
INVALID_CURSOR = "Invalid cursor"  # Django REST framework's cursor 404 (unverified)
INVALID_PAGE = "Invalid page."  # Django REST framework's page 404 (unverified)
_FAULT_TEXT = {500: "A server error occurred.", 502: "Bad Gateway", 503: "Service Unavailable",
               504: "Gateway Timeout", 429: THROTTLED}  # fmt: skip
T = TypeVar("T")


class RateLimitWindow:
    """A request quota refreshed every minute: 6,000 per IP per minute, then 429 [§1.13].

    The sandbox counts every request it receives (it has one client "IP"). No rate-limit
    headers are documented, so none are sent.
    """

    def __init__(self, quota: int = 6000, window_seconds: float = 60.0) -> None:
        self.quota = quota
        self.window_seconds = window_seconds
        self.left = quota
        self._started = time.monotonic()

    def take(self) -> bool:
        if time.monotonic() - self._started >= self.window_seconds:
            self._started, self.left = time.monotonic(), self.quota
        if self.left <= 0:
            return False
        self.left -= 1
        return True


# Every documented path ends with a slash [§1.1].
_ROUTES = (
    route("GET", "/customers/", "customers-list"),
    route("GET", "/customers/{merchant_user_id}/", "customers-retrieve"),
    route("GET", "/products/{product_id}/", "products-retrieve"),
    route("GET", "/subscriptions/", "subscriptions-list"),
    route("GET", "/subscriptions/{subscription_id}/", "subscriptions-retrieve"),
    route("PATCH", "/subscriptions/{subscription_id}/cancel/", "subscriptions-cancel"),
    route(
        "PATCH",
        "/subscriptions/{subscription_id}/change_next_order_date/",
        "subscriptions-change-next-order-date",
    ),
    route("GET", "/orders/", "orders-list"),
    route("GET", "/orders/{order_id}/", "orders-retrieve"),
    route("PATCH", "/orders/{order_id}/skip_subscription/", "skip-subscription"),
    route("GET", "/items/", "items-list"),
    route("GET", "/items/{item_id}/", "items-retrieve"),
)


def _utc_now() -> datetime:
    # The sandbox merchant's local time is UTC; Ordergroove dates carry no zone [§3.6].
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class OrdergrooveSimulator:
    """A stateful, in-process Ordergroove REST ("RestRPC") API for `httpx.MockTransport`.

    Application scope only: requests must carry `x-api-key: <access_token>`. The key has no
    Bulk Operations permission unless `bulk_operations` is set, so lists must be scoped to
    one customer (`customer=` on subscriptions and orders, `subscription=`/`order=` on items).
    """

    def __init__(
        self,
        *,
        access_token: str,
        seed: bool = True,
        random_seed: int = 0,
        now: datetime | None = None,
        bulk_operations: bool = False,
    ) -> None:
        self._token = access_token
        self.bulk_operations = bulk_operations
        self.faults = FaultPlan()
        self.rate_limit = RateLimitWindow()
        started = now or _utc_now()
        # The clock for executed effects: real time, or frozen at `now` when one is given.
        self.clock: Callable[[], datetime] = (lambda: started) if now else _utc_now
        self.store = Store.seeded(started) if seed else Store()
        self._rng = random.Random(random_seed)

    @property
    def ledger(self) -> list[LedgerEntry]:
        """Every executed cancel and skip, with its subscription, order(s) and time."""
        return self.store.ledger

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.faults.latency_seconds:
            await asyncio.sleep(self.faults.latency_seconds)
        path = request.url.path
        if request.url.host not in HOSTS:
            return self._json(404, {"detail": NOT_FOUND_PATH})
        known = [(r, m) for r in _ROUTES if (m := r.pattern.match(path)) is not None]
        if not known:
            # Includes every path without its trailing slash (unverified: 404, not a redirect).
            return self._json(404, {"detail": NOT_FOUND_PATH})
        chosen = next(((r, m) for r, m in known if r.method == request.method), None)
        if chosen is None:
            return self._json(405, {"detail": f'Method "{request.method}" not allowed.'})
        route, match = chosen
        fault = self.faults.take(route.fault_names, self._rng)
        if fault is not None and fault.kind != FaultKind.DROP_AFTER:
            return self._fault(fault, request)
        if not self.rate_limit.take():
            return self._json(429, {"detail": THROTTLED})
        key = request.headers.get("x-api-key", "")
        if not hmac.compare_digest(key.encode(), self._token.encode()):
            return self._json(403, {"detail": AUTH_FAILED})
        try:
            response = self._dispatch(route, match, request)
        except ApiError as error:
            response = self._json(error.status, error.body)
        if fault is not None:
            # The effect ran and is in the ledger; only the answer is lost.
            raise fault.error("connection lost after the request was processed", request=request)
        return response

    # -- plumbing -------------------------------------------------------------------------

    @staticmethod
    def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    def _fault(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind == FaultKind.DROP_BEFORE:
            raise fault.error("connection failed before the request was sent", request=request)
        if fault.kind == FaultKind.RATE_LIMITED:
            # No Retry-After is documented [§1.13]; only a scripted one is sent.
            after = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            return self._json(429, {"detail": THROTTLED}, after)
        text = _FAULT_TEXT.get(fault.status, "Error")
        return self._json(fault.status, {"detail": text}, dict(fault.headers))

    def _dispatch(
        self, route: Route, match: re.Match[str], request: httpx.Request
    ) -> httpx.Response:
        params = dict(request.url.params.items())
        op = route.operation
        store = self.store
        if op == "customers-retrieve":
            found = store.customers.get(match[1])
            if found is None:
                raise ApiError(404, NOT_FOUND)
            return self._json(200, render.customer(found))
        if op == "products-retrieve":
            product = store.products.get(match[1])
            if product is None:
                raise ApiError(404, NOT_FOUND)
            return self._json(200, render.product(product))
        if op == "subscriptions-retrieve":
            return self._json(200, render.subscription(store.subscription(match[1])))
        if op == "orders-retrieve":
            return self._json(200, render.order(store.order(match[1])))
        if op == "items-retrieve":
            item = next((i for i in store.items() if i.public_id == match[1]), None)
            if item is None:
                raise ApiError(404, NOT_FOUND)
            return self._json(200, render.item(item))
        if op == "subscriptions-cancel":
            sub = store.subscription(match[1])
            body = validation.json_body(
                request.headers.get("Content-Type", ""), request.content, required=False
            )
            store.cancel(sub, validation.cancel_reason(body), self.clock())
            return self._json(200, render.subscription(sub))
        if op == "subscriptions-change-next-order-date":
            sub = store.subscription(match[1])
            body = validation.json_body(
                request.headers.get("Content-Type", ""), request.content, required=True
            )
            store.change_next_order_date(sub, validation.change_next_order_date(body), self.clock())
            # The subscription, with no next-date field [next-actions §5.1].
            return self._json(200, render.subscription(sub))
        if op == "skip-subscription":
            order = store.order(match[1])
            body = validation.json_body(
                request.headers.get("Content-Type", ""), request.content, required=True
            )
            sub = store.subscription(validation.skip_subscription(body))
            store.skip(order, sub, self.clock())
            return self._json(200, render.order(order))  # the source order [§1.9]
        if op == "customers-list":
            if not self.bulk_operations:
                # unverified: even the one-customer email search needs the permission [§1.4].
                raise ApiError(403, NEEDS_SCOPE)
            live = validation.boolean(params, "live")
            email = params.get("email")
            customers = [
                c
                for c in store.customers.values()
                if (email is None or c.email.casefold() == email.casefold())
                and live in (None, True)
            ]
            return self._page(request, params, customers, render.customer)
        if op == "subscriptions-list":
            return self._page(request, params, self._subscriptions(params), render.subscription)
        if op == "orders-list":
            return self._page(request, params, self._orders(params), render.order)
        return self._page(request, params, self._items(params), render.item)

    def _scoped(self, params: dict[str, str], *names: str) -> None:
        if not self.bulk_operations and not any(params.get(n) for n in names):
            raise ApiError(403, NEEDS_SCOPE)

    def _subscriptions(self, params: dict[str, str]) -> list[Subscription]:
        self._scoped(params, "customer")
        live = validation.boolean(params, "live")
        created = validation.date_filter(params, "created")
        updated = validation.date_filter(params, "updated")
        found = [
            s
            for s in self.store.subscriptions.values()
            if params.get("customer", s.customer) == s.customer
            and params.get("product", s.product) == s.product
            and params.get("shipping_address", s.shipping_address) == s.shipping_address
            and live in (None, s.live)
            and created(s.created)
            and updated(s.updated)
        ]
        return sorted(found, key=lambda s: (s.created, s.public_id))

    def _orders(self, params: dict[str, str]) -> list[Order]:
        self._scoped(params, "customer", "subscription")
        status = validation.status(params)
        place = validation.date_filter(params, "place")
        sub = params.get("subscription")
        found = [
            o
            for o in self.store.orders.values()
            if params.get("customer", o.customer) == o.customer
            and status in (None, o.status)
            and (sub is None or any(i.subscription == sub for i in o.items))
            and place(o.place)
        ]
        return sorted(found, key=lambda o: (o.place, o.public_id))

    def _items(self, params: dict[str, str]) -> list[Item]:
        # unverified: `customer` is not an items filter [§1.10], so it does not scope the list.
        self._scoped(params, "order", "subscription")
        status = validation.status(params)
        one_time = validation.boolean(params, "one_time")
        orders = {o.public_id: o for o in self.store.orders.values()}
        place = validation.date_filter(params, "place")
        found = [
            i
            for i in self.store.items()
            if params.get("order", i.order) == i.order
            and params.get("subscription", i.subscription) == i.subscription
            and params.get("product", i.product) == i.product
            and one_time in (None, i.one_time)
            and status in (None, orders[i.order].status)
            and place(orders[i.order].place)
        ]
        return sorted(found, key=lambda i: (orders[i.order].place, i.order, i.public_id))

    def _page(
        self,
        request: httpx.Request,
        params: dict[str, str],
        records: Sequence[T],
        shape: Callable[[T], dict[str, Any]],
    ) -> httpx.Response:
        """The v2 cursor page (with `X-OG-API-VERSION: 2`) or the legacy numbered page [§1.11]."""
        size = validation.page_size(params)
        version = request.headers.get("X-OG-API-VERSION")
        if version not in (None, "1", "2"):
            raise ApiError(400, 'Invalid version in "X-OG-API-VERSION" header.')  # unverified
        url = request.url
        if version == "2":
            start = _decode_cursor(params.get("cursor"), len(records))
            end = start + size
            nxt = str(url.copy_set_param("cursor", _cursor(end))) if end < len(records) else None
            prev = (
                str(url.copy_set_param("cursor", _cursor(max(start - size, 0))))
                if start > 0
                else None
            )
            results = [shape(r) for r in records[start:end]]
            return self._json(200, {"next": nxt, "previous": prev, "results": results})
        raw = params.get("page", "1")
        pages = max(1, -(-len(records) // size))
        if not raw.isdigit() or not 1 <= int(raw) <= pages:
            raise ApiError(404, INVALID_PAGE)
        page = int(raw)
        nxt = str(url.copy_set_param("page", str(page + 1))) if page < pages else None
        if page <= 1:
            prev = None
        elif page == 2:
            prev = str(url.copy_remove_param("page"))
        else:
            prev = str(url.copy_set_param("page", str(page - 1)))
        results = [shape(r) for r in records[(page - 1) * size : page * size]]
        body = {"count": len(records), "next": nxt, "previous": prev, "results": results}
        return self._json(200, body)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o={offset}".encode()).decode().rstrip("=")


def _decode_cursor(raw: str | None, total: int) -> int:
    if raw is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(404, INVALID_CURSOR) from None
    if not text.startswith("o=") or not text[2:].isdigit() or int(text[2:]) > total:
        raise ApiError(404, INVALID_CURSOR)
    return int(text[2:])
