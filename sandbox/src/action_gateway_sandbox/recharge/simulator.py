"""The HTTP face of the simulator: token, version header, routing, leaky bucket and faults."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import httpx

from action_gateway_sandbox._routes import Route, route

from . import render, validation
from .faults import Fault, FaultKind, FaultPlan
from .state import (
    API_VERSION,
    ApiError,
    Charge,
    Customer,
    LedgerEntry,
    Subscription,
    error,
    field_error,
)
from .store import Store

HOST = "api.rechargeapps.com"
_NOT_FOUND = "Not Found"  # unverified wording
_FAULT_MESSAGES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                   504: "Gateway Timeout", 429: "Too Many Requests"}  # fmt: skip

T = TypeVar("T")
R = TypeVar("R", Customer, Subscription, Charge)


class LeakyBucket:
    """Recharge's per-token leaky bucket: holds 40 calls, drains 2 per second; a call that
    would overflow it is answered 429 and not executed [§2.10]."""

    def __init__(
        self,
        capacity: int = 40,
        leak_per_second: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.leak_per_second = leak_per_second
        self.clock = clock
        self.level = 0.0
        self._at = clock()

    def _drain(self) -> None:
        now = self.clock()
        self.level = max(0.0, self.level - (now - self._at) * self.leak_per_second)
        self._at = now

    def take(self) -> bool:
        self._drain()
        if self.level + 1 > self.capacity:
            return False
        self.level += 1
        return True


_ROUTES = (
    route("GET", "/customers", "listCustomers"),
    route("GET", "/customers/{customer_id}", "getCustomer"),
    route("GET", "/subscriptions", "listSubscriptions"),
    route("GET", "/subscriptions/{subscription_id}", "getSubscription"),
    route("POST", "/subscriptions/{subscription_id}/cancel", "cancelSubscription"),
    route("POST", "/subscriptions/{subscription_id}/set_next_charge_date", "setNextChargeDate"),
    route("GET", "/charges", "listCharges"),
    route("GET", "/charges/{charge_id}", "getCharge"),
    route("POST", "/charges/{charge_id}/skip", "skipCharge"),
)


class RechargeSimulator:
    """A stateful, in-process Recharge API (version 2021-11: customers, subscriptions, cancel,
    charges, per-subscription skip) for `httpx.MockTransport`."""

    def __init__(self, *, access_token: str, seed: bool = True, random_seed: int = 0) -> None:
        self._token = access_token
        self.faults = FaultPlan()
        self.rate_limit = LeakyBucket()
        self.store = Store.seeded(datetime.now(UTC)) if seed else Store()
        # The case subscription statuses are rendered in: unverified for 2021-11 [§2.4].
        self.status_case: Literal["lower", "upper"] = "lower"
        self._rng = random.Random(random_seed)

    @property
    def ledger(self) -> list[LedgerEntry]:
        """Every executed effect: subscription cancels and charge skips."""
        return self.store.ledger

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.faults.latency_seconds:
            await asyncio.sleep(self.faults.latency_seconds)
        if request.url.host != HOST:
            return self._json(404, error(404, _NOT_FOUND).body)
        if request.headers.get("X-Recharge-Access-Token") != self._token:
            return self._json(401, error(401, "Invalid or missing API token.").body)  # [§2.1]
        version = request.headers.get("X-Recharge-Version")
        if version != API_VERSION:
            # Without the header Recharge answers in the account's default version (2021-01
            # shapes) [§2.1]; the sandbox refuses instead (status unverified).
            message = f"X-Recharge-Version must be {API_VERSION} (got {version or 'none'})."
            return self._json(400, error(400, message).body)
        path = request.url.path
        known = [(r, m) for r in _ROUTES if (m := r.pattern.match(path)) is not None]
        if not known:
            return self._json(404, error(404, _NOT_FOUND).body)
        chosen = next(((r, m) for r, m in known if r.method == request.method), None)
        if chosen is None:
            return self._json(405, error(405, "Method Not Allowed").body)
        route, match = chosen
        fault = self.faults.take(route.fault_names, self._rng)
        if fault is not None and fault.kind != FaultKind.DROP_AFTER:
            return self._fault(fault, request)
        if not self.rate_limit.take():
            return self._too_many()
        try:
            response = self._dispatch(route, match, request)
        except ApiError as failure:
            response = self._json(failure.status, failure.body)
        if fault is not None:
            # The effect ran and is in the ledger; only the answer is lost.
            raise fault.error("connection lost after the request was processed", request=request)
        return response

    # -- plumbing -------------------------------------------------------------------------

    @staticmethod
    def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    def _too_many(self) -> httpx.Response:
        # 429 past the bucket [§2.10]; no rate-limit header is documented (unverified).
        return self._json(429, error(429, "Too Many Requests").body)

    def _fault(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind == FaultKind.DROP_BEFORE:
            raise fault.error("connection failed before the request was sent", request=request)
        if fault.kind == FaultKind.RATE_LIMITED:
            return self._too_many()
        message = _FAULT_MESSAGES.get(fault.status, "Error")
        return self._json(fault.status, error(fault.status, message).body, dict(fault.headers))

    @staticmethod
    def _find(records: dict[int, T], raw: str) -> T:
        record = records.get(int(raw)) if raw.isascii() and raw.isdigit() else None
        if record is None:
            raise error(404, _NOT_FOUND)
        return record

    def _dispatch(
        self, route: Route, match: re.Match[str], request: httpx.Request
    ) -> httpx.Response:
        items = list(request.url.params.multi_items())
        op = route.operation
        now = datetime.now(UTC)
        store = self.store
        if op == "listCustomers":
            query = validation.list_query("customers", items, validation.CUSTOMER_FILTERS)
            return self._page(query, "customers", self._customers(query), self._customer)
        if op == "listSubscriptions":
            query = validation.list_query("subscriptions", items, validation.SUBSCRIPTION_FILTERS)
            return self._page(query, "subscriptions", self._subscriptions(query), self._sub)
        if op == "listCharges":
            query = validation.list_query("charges", items, validation.CHARGE_FILTERS)
            return self._page(query, "charges", self._charges(query), self._charge)
        if items:
            raise field_error(items[0][0], "Unknown query parameter.")  # unverified
        if op == "getCustomer":
            customer = self._find(store.customers, match[1])
            return self._json(200, {"customer": self._customer(customer)})
        if op == "getCharge":
            return self._json(200, {"charge": self._charge(self._find(store.charges, match[1]))})
        if op == "skipCharge":
            charge = self._find(store.charges, match[1])
            body = validation.json_object(request.content, request.headers.get("Content-Type", ""))
            skipped = store.skip(charge, validation.skip_body(body), now)
            return self._json(200, {"charge": self._charge(skipped)})
        subscription = self._find(store.subscriptions, match[1])
        if op == "cancelSubscription":
            body = validation.json_object(request.content, request.headers.get("Content-Type", ""))
            cancel = validation.cancel_body(body)
            store.cancel(subscription, cancel.reason, cancel.comments, cancel.send_email, now)
        if op == "setNextChargeDate":
            body = validation.json_object(request.content, request.headers.get("Content-Type", ""))
            store.set_next_charge_date(subscription, validation.next_charge_date_body(body), now)
        return self._json(200, {"subscription": self._sub(subscription)})

    # -- rendering and lists --------------------------------------------------------------

    def _customer(self, c: Customer) -> dict[str, Any]:
        return render.customer(c, self.store)

    def _sub(self, s: Subscription) -> dict[str, Any]:
        return render.subscription(s, self.store, self.status_case)

    def _charge(self, c: Charge) -> dict[str, Any]:
        return render.charge(c, self.store)

    def _page(
        self,
        query: validation.ListQuery,
        key: str,
        records: Sequence[T],
        render_one: Callable[[T], dict[str, Any]],
    ) -> httpx.Response:
        """One page; `next_cursor` / `previous_cursor` are absent at the ends [§2.8]."""
        page = records[query.offset : query.offset + query.limit]
        body: dict[str, Any] = {key: [render_one(r) for r in page]}
        if query.offset + query.limit < len(records):
            body["next_cursor"] = validation.encode_cursor(
                query.resource, query.filters, query.offset + query.limit
            )
        if query.offset > 0:
            body["previous_cursor"] = validation.encode_cursor(
                query.resource, query.filters, max(0, query.offset - query.limit)
            )
        return self._json(200, body)

    def _customers(self, query: validation.ListQuery) -> list[Customer]:
        f = query.filters
        ids = validation.int_list(f["ids"], "ids") if "ids" in f else None
        email = f.get("email")
        found = [
            c
            for c in self.store.customers.values()
            # unverified: the email compared case-insensitively
            if (email is None or c.email.casefold() == email.strip().casefold())
            and (ids is None or c.id in ids)
        ]
        return _sorted(found, query, validation.SORTS)

    def _subscriptions(self, query: validation.ListQuery) -> list[Subscription]:
        f = query.filters
        customer_id = validation.positive_int(f["customer_id"], "customer_id") if (
            "customer_id" in f) else None  # fmt: skip
        address_id = validation.positive_int(f["address_id"], "address_id") if (
            "address_id" in f) else None  # fmt: skip
        status = validation.subscription_status(f["status"]) if "status" in f else None
        ids = validation.int_list(f["ids"], "ids") if "ids" in f else None
        found = [
            s
            for s in self.store.subscriptions.values()
            if (customer_id is None or s.customer_id == customer_id)
            and (address_id is None or s.address_id == address_id)
            and (status is None or s.status == status)
            and (ids is None or s.id in ids)
        ]
        return _sorted(found, query, validation.SORTS)

    def _charges(self, query: validation.ListQuery) -> list[Charge]:
        f = query.filters
        customer_id = validation.positive_int(f["customer_id"], "customer_id") if (
            "customer_id" in f) else None  # fmt: skip
        address_id = validation.positive_int(f["address_id"], "address_id") if (
            "address_id" in f) else None  # fmt: skip
        status = validation.charge_status(f["status"]) if "status" in f else None
        ids = validation.int_list(f["ids"], "ids") if "ids" in f else None
        items: set[int] | None = None
        if "purchase_item_id" in f:
            items = {validation.positive_int(f["purchase_item_id"], "purchase_item_id")}
        if "purchase_item_ids" in f:
            listed = validation.int_list(f["purchase_item_ids"], "purchase_item_ids")
            items = listed if items is None else items & listed
        on = validation.day(f["scheduled_at"], "scheduled_at") if "scheduled_at" in f else None
        low = validation.day(f["scheduled_at_min"], "scheduled_at_min") if (
            "scheduled_at_min" in f) else None  # fmt: skip
        high = validation.day(f["scheduled_at_max"], "scheduled_at_max") if (
            "scheduled_at_max" in f) else None  # fmt: skip
        found = [
            c
            for c in self.store.charges.values()
            if (customer_id is None or c.customer_id == customer_id)
            and (address_id is None or c.address_id == address_id)
            and (status is None or c.status == status)
            and (ids is None or c.id in ids)
            and (items is None or any(c.holds(i) for i in items))
            and (on is None or c.scheduled_at == on)
            # unverified: both bounds inclusive
            and (low is None or c.scheduled_at >= low)
            and (high is None or c.scheduled_at <= high)
        ]
        return _sorted(found, query, validation.CHARGE_SORTS)


def _sorted(records: list[R], query: validation.ListQuery, allowed: Sequence[str]) -> list[R]:
    key, descending = query.sort(allowed)
    attribute = {"created_at": "created", "updated_at": "updated"}.get(key, key)
    return sorted(records, key=lambda r: (getattr(r, attribute), r.id), reverse=descending)
