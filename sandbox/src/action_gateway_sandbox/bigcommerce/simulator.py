"""The HTTP face of the simulator: store hash, auth, routing, rate-limit window and faults."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from action_gateway_sandbox._routes import Route, route

from . import render, validation
from .faults import Fault, FaultKind, FaultPlan
from .state import (
    ApiError,
    LedgerEntry,
    Order,
    Promotion,
    promotions_error,
    v2_error,
    v3_error,
)
from .store import Store, code_json

_NOT_FOUND = "The requested resource was not found."  # [O2 404_Resp]
_UNAUTHORIZED = "You are not authorized to access this resource."  # unverified wording
_FAULT_TITLES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                 504: "Gateway Timeout", 429: "Too Many Requests"}  # fmt: skip

Handler = Callable[[httpx.Request, "re.Match[str]"], Awaitable[httpx.Response]]


class RateLimitWindow:
    """A per-store request quota refreshed every window (Standard plan: 150 per 30 s) [D-rate]."""

    def __init__(self, quota: int = 150, window_ms: int = 30_000) -> None:
        self.quota = quota
        self.window_ms = window_ms
        self.left = quota
        self._started = time.monotonic()

    def reset_ms(self) -> int:
        elapsed = int((time.monotonic() - self._started) * 1000)
        if elapsed >= self.window_ms:
            self._started, self.left, elapsed = time.monotonic(), self.quota, 0
        return self.window_ms - elapsed

    def take(self) -> bool:
        self.reset_ms()
        if self.left <= 0:
            return False
        self.left -= 1
        return True

    def headers(self, reset_ms: int | None = None) -> dict[str, str]:
        # The four X-Rate-Limit-* headers on every response [D-rate][D-about].
        return {
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(self.reset_ms() if reset_ms is None else reset_ms),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(self.left),
        }


_ROUTES = (
    route("GET", "/v2/orders", "getOrders"),
    route("POST", "/v2/orders", "createOrder"),
    route("GET", "/v2/orders/{order_id}", "getOrder"),
    route("PUT", "/v2/orders/{order_id}", "updateOrder"),
    route("GET", "/v2/orders/{order_id}/products", "getOrderProducts"),
    route("GET", "/v2/orders/{order_id}/shipping_addresses", "getOrderShippingAddresses"),
    route("GET", "/v2/order_statuses", "getOrderStatuses"),
    route("GET", "/v2/orders/{order_id}/shipping_addresses/{id}", "getOrderShippingAddress"),
    route("PUT", "/v2/orders/{order_id}/shipping_addresses/{id}", "updateOrderShippingAddress"),
    route("GET", "/v3/customers", "getCustomers"),
    route("PUT", "/v3/customers", "updateCustomers"),
    route("POST", "/v3/orders/{order_id}/payment_actions/refund_quotes", "createOrderRefundQuotes"),
    route("POST", "/v3/orders/{order_id}/payment_actions/refunds", "createOrderRefund"),
    route("GET", "/v3/orders/{order_id}/payment_actions/refunds", "getOrderRefunds"),
    route("POST", "/v3/promotions", "createPromotion"),
    route("GET", "/v3/promotions/codes", "getCouponCodeByCode"),
    route("GET", "/v3/promotions/{id}", "getPromotion"),
    route("DELETE", "/v3/promotions/{id}", "deletePromotion"),
    route("GET", "/v3/promotions/{promotion_id}/codes", "getPromotionCodes"),
    route("POST", "/v3/promotions/{promotion_id}/codes", "createPromotionCode"),
)


class BigCommerceSimulator:
    """A stateful, in-process BigCommerce REST API (V2 orders, V3 refunds, promotions,
    customers) for `httpx.MockTransport`."""

    def __init__(
        self,
        *,
        store_hash: str = "sandbox",
        access_token: str,
        seed: bool = True,
        random_seed: int = 0,
    ) -> None:
        self.store_hash = store_hash
        self._token = access_token
        self.faults = FaultPlan()
        self.rate_limit = RateLimitWindow()
        self.store = Store.seeded(datetime.now(UTC)) if seed else Store()
        self._rng = random.Random(random_seed)

    @property
    def ledger(self) -> list[LedgerEntry]:
        """Every executed effect: order updates, refunds, promotions and codes."""
        return self.store.ledger

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.faults.latency_seconds:
            await asyncio.sleep(self.faults.latency_seconds)
        prefix = f"/stores/{self.store_hash}/"
        path = request.url.path
        if request.url.host != "api.bigcommerce.com" or not path.startswith(prefix):
            # Unknown store hash (unverified body: the V3 generic error).
            return self._json(404, v3_error(404, "Store not found.").body)
        path = "/" + path[len(prefix) :].rstrip("/")
        v2 = path.startswith("/v2/")
        if request.headers.get("X-Auth-Token") != self._token:
            # 401 for missing or bad credentials [D-status]; body shape per family, unverified.
            error = v2_error(401, _UNAUTHORIZED) if v2 else v3_error(401, _UNAUTHORIZED)
            return self._json(401, error.body)
        matches = [(r, r.pattern.match(path)) for r in _ROUTES]
        known = [(r, m) for r, m in matches if m is not None]
        if not known:
            error = v2_error(404, _NOT_FOUND) if v2 else v3_error(404, _NOT_FOUND)
            return self._json(404, error.body)
        chosen = next(((r, m) for r, m in known if r.method == request.method), None)
        if chosen is None:
            # 405 Method Not Allowed [D-status].
            error = (
                v2_error(405, "Method Not Allowed") if v2 else v3_error(405, "Method Not Allowed")
            )
            return self._json(405, error.body)
        route, match = chosen
        names = route.fault_names
        fault = self.faults.take(names, self._rng)
        if fault is not None and fault.kind != FaultKind.DROP_AFTER:
            return self._fault(fault, request, v2)
        if not self.rate_limit.take():
            return self._too_many(v2)
        try:
            response = await self._dispatch(route, match, request)
        except ApiError as error:
            response = self._json(error.status, error.body)
        if fault is not None:
            # The effect ran and is in the ledger; only the answer is lost.
            raise fault.error("connection lost after the request was processed", request=request)
        return response

    # -- plumbing -------------------------------------------------------------------------

    def _json(
        self, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        all_headers = self.rate_limit.headers() | (headers or {})
        if body is None:
            return httpx.Response(status, headers=all_headers)
        return httpx.Response(status, json=body, headers=all_headers)

    def _too_many(self, v2: bool, reset_ms: int | None = None) -> httpx.Response:
        # 429 with the window headers: wait X-Rate-Limit-Time-Reset-Ms [D-rate].
        error = v2_error(429, "Too Many Requests") if v2 else v3_error(429, "Too Many Requests")
        headers = self.rate_limit.headers(reset_ms)
        return httpx.Response(429, json=error.body, headers=headers)

    def _fault(self, fault: Fault, request: httpx.Request, v2: bool) -> httpx.Response:
        if fault.kind == FaultKind.DROP_BEFORE:
            raise fault.error("connection failed before the request was sent", request=request)
        if fault.kind == FaultKind.RATE_LIMITED:
            return self._too_many(v2, fault.reset_ms)
        title = _FAULT_TITLES.get(fault.status, "Error")
        error = v2_error(fault.status, title) if v2 else v3_error(fault.status, title)
        return self._json(fault.status, error.body, dict(fault.headers))

    def _body(self, request: httpx.Request, v2: bool, promotions: bool = False) -> object:
        content_type = request.headers.get("Content-Type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            # 415 for a missing or wrong Content-Type [D-status][O2/O3 ContentType required].
            title = "The request Content-Type must be application/json."
            raise v2_error(415, title) if v2 else v3_error(415, title)
        try:
            return json.loads(request.content)
        except ValueError:
            if v2:
                raise v2_error(400, "The request body is not valid JSON.") from None  # unverified
            if promotions:
                # Promotions 400 body: {status (a string), title, type, detail} [P3 400].
                raise ApiError(
                    400,
                    {
                        "status": "400",
                        "title": "Bad Request",
                        "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
                        "detail": "The request body is not valid JSON.",
                    },
                ) from None
            raise v3_error(422, "JSON data is missing or invalid") from None

    def _order(self, raw: str, v2: bool) -> Order:
        order = self.store.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            raise v2_error(404, _NOT_FOUND) if v2 else v3_error(404, _NOT_FOUND)
        return order

    async def _dispatch(
        self, route: Route, match: re.Match[str], request: httpx.Request
    ) -> httpx.Response:
        params = dict(request.url.params.items())
        now = datetime.now(UTC)
        op = route.operation
        if op == "getOrders":
            return self._list_orders(params)
        if op == "createOrder":
            created = self.store.create_order(
                validation.order_create(self._body(request, v2=True)), now
            )
            # The spec declares 200 for POST /v2/orders [O2 568].
            return self._json(200, render.order(created, self.store_hash))
        if op == "getOrderStatuses":
            return self._json(200, render.order_statuses(self.store))
        if op in ("getOrder", "getOrderProducts", "getOrderShippingAddresses", "updateOrder"):
            order = self._order(match[1], v2=True)
            if op == "getOrder":
                return self._json(200, render.order(order, self.store_hash))
            if op == "getOrderProducts":
                return self._json(200, [render.product(order, p) for p in order.products])
            if op == "getOrderShippingAddresses":
                return self._json(200, [render.address(order, a, self.store_hash)
                                        for a in order.addresses])  # fmt: skip
            changes = validation.order_update(self._body(request, v2=True))
            self.store.update_order(order, changes, now)
            return self._json(200, render.order(order, self.store_hash))
        if op in ("getOrderShippingAddress", "updateOrderShippingAddress"):
            order = self._order(match[1], v2=True)
            found = next((a for a in order.addresses if str(a.id) == match[2]), None)
            if found is None:
                raise v2_error(404, _NOT_FOUND)
            if op == "updateOrderShippingAddress":
                changes = validation.shipping_address_update(self._body(request, v2=True))
                self.store.update_shipping_address(order, found, changes, now)
            return self._json(200, render.address(order, found, self.store_hash))
        if op == "getCustomers":
            return self._json(200, render.customers(self.store, validation.customer_query(params)))
        if op == "updateCustomers":
            updates = validation.customer_updates(self._body(request, v2=False))
            updated = self.store.update_customers(updates, now)
            # The answer lists the updated customers; store credit is shown as on GET [CU3].
            data = [render.customer(c, {"storecredit"}) for c in updated]
            return self._json(200, {"data": data, "meta": {}})
        if op == "createOrderRefundQuotes":
            order = self._order(match[1], v2=False)
            items = validation.refund_items(self._body(request, v2=False), for_refund=False)
            quote = self.store.quote(order, items)
            return self._json(201, {"data": quote.json(), "meta": {}})
        if op == "createOrderRefund":
            order = self._order(match[1], v2=False)
            body = self._body(request, v2=False)
            items = validation.refund_items(body, for_refund=True)
            assert isinstance(body, dict)
            payments = validation.refund_payments(body)
            refund = self.store.refund(order, items, payments, now)
            return self._json(201, {"data": render.refund(refund), "meta": {}})
        if op == "getOrderRefunds":
            order = self._order(match[1], v2=False)
            refunds = [render.refund(r) for r in order.refunds]
            if "transaction_id" in params:
                refunds = [r for r in refunds if any(
                    p["transaction_id"] == params["transaction_id"] for p in r["payments"]
                )]  # fmt: skip
            return self._json(200, {"data": refunds, "meta": {}})
        return self._promotions(op, match, request, params, now)

    def _list_orders(self, params: dict[str, str]) -> httpx.Response:
        """GET /v2/orders: a bare array, or 204 with no body when nothing matches [§3]."""
        customer_id = validation.v2_int(params, "customer_id")
        status_id = validation.v2_int(params, "status_id")
        min_id = validation.v2_int(params, "min_id")
        max_id = validation.v2_int(params, "max_id")
        page = validation.v2_int(params, "page", minimum=1) or 1
        limit = validation.v2_int(params, "limit", minimum=1) or 50  # default 50 [O2]
        if limit > 250:
            raise v2_error(400, "The field 'limit' is invalid.")  # unverified
        sort, descending = validation.order_sort(params.get("sort"))
        email = params.get("email")
        external_order_id = params.get("external_order_id")
        orders = [
            o
            for o in self.store.orders.values()
            if (customer_id is None or o.customer_id == customer_id)
            and (status_id is None or o.status_id == status_id)
            and (min_id is None or o.id >= min_id)
            and (max_id is None or o.id <= max_id)
            # unverified: `email` compared with the billing email, case-insensitively
            and (email is None or o.email.casefold() == email.casefold())
            and (external_order_id is None or o.external_order_id == external_order_id)
        ]
        key: Callable[[Order], Any] = {
            "customer_id": lambda o: (o.customer_id, o.id),
            "date_created": lambda o: (o.created, o.id),
            "date_modified": lambda o: (o.modified, o.id),
            "status_id": lambda o: (o.status_id, o.id),
        }.get(sort, lambda o: o.id)
        orders.sort(key=key, reverse=descending)
        window = orders[(page - 1) * limit : page * limit]
        if not window:
            return self._json(204, None)
        return self._json(200, [render.order(o, self.store_hash) for o in window])

    def _promotion(self, raw: str) -> Promotion:
        promotion = self.store.promotions.get(int(raw)) if raw.isdigit() else None
        if promotion is None:
            raise promotions_error(404, "Promotion not found.")  # [P3 GET 404 ErrorResponse]
        return promotion

    def _promotions(
        self,
        op: str,
        match: re.Match[str],
        request: httpx.Request,
        params: dict[str, str],
        now: datetime,
    ) -> httpx.Response:
        if op == "createPromotion":
            body = validation.promotion(
                self._body(request, v2=False, promotions=True), set(self.store.categories)
            )
            promotion = self.store.create_promotion(body, now)
            return self._json(201, {"data": promotion.body, "meta": {}})
        if op == "getCouponCodeByCode":
            if not params.get("code"):
                raise promotions_error(422, "The query parameter 'code' is required.")  # [P3]
            found = self.store.find_code(params["code"])
            codes = [code_json(found)] if found else []
            return self._json(200, {"data": codes, "meta": render.pagination(len(codes), 1, 50)})
        if op == "getPromotion":
            return self._json(200, {"data": self._promotion(match[1]).body, "meta": {}})
        if op == "deletePromotion":
            if match[1].isdigit():
                self.store.delete_promotion(int(match[1]), now)
            return self._json(204, None)
        promotion = self._promotion(match[1])
        if op == "getPromotionCodes":
            codes = [code_json(c) for c in promotion.codes]
            return self._json(200, {"data": codes, "meta": render.pagination(len(codes), 1, 50)})
        code, max_uses, per_customer = validation.coupon_code(
            self._body(request, v2=False, promotions=True)
        )
        coupon = self.store.add_code(promotion, code, max_uses, per_customer, now)
        return self._json(201, {"data": code_json(coupon), "meta": {}})
