"""The failure layers every JSON REST adapter shares (``platforms/_rest.py``), for each platform.

One table row per platform says how to read one resource, how the platform words an error and a
rate limit; every test below runs against BigCommerce, Ordergroove and Recharge alike. What only
one platform does (its error shapes, its write-specific refusals) stays in its own
``test_errors.py``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from action_gateway.api.problems import to_problem
from action_gateway.errors import (
    GatewayError,
    Outcome,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from action_gateway.platforms import bigcommerce, ordergroove, recharge
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.bigcommerce.endpoints import GET_ORDER, LIST_ORDER_PRODUCTS
from action_gateway.platforms.bigcommerce.endpoints import LIST_CUSTOMERS as BC_LIST_CUSTOMERS
from action_gateway.platforms.ordergroove.endpoints import GET_SUBSCRIPTION as OG_GET_SUBSCRIPTION
from action_gateway.platforms.ordergroove.endpoints import LIST_ORDERS as OG_LIST_ORDERS
from action_gateway.platforms.ordergroove.endpoints import (
    LIST_SUBSCRIPTIONS as OG_LIST_SUBSCRIPTIONS,
)
from action_gateway.platforms.recharge.endpoints import GET_SUBSCRIPTION as RC_GET_SUBSCRIPTION
from action_gateway.platforms.recharge.endpoints import LIST_CUSTOMERS as RC_LIST_CUSTOMERS
from tests.platforms.bigcommerce import helpers as bc
from tests.platforms.kit import AdapterKit, Sleeps
from tests.platforms.ordergroove import helpers as og
from tests.platforms.ordergroove.test_adapter import products as og_products
from tests.platforms.recharge import helpers as rc


@dataclass(frozen=True)
class RestPlatform:
    """One REST platform, as the shared tests drive it."""

    name: str
    read_endpoint: Any
    read: Callable[[Any, ActionCall], Awaitable[object]]
    """Reads one resource; None when it is not found."""
    readable: Callable[[Any], None]
    """Queues the answers of a successful read."""
    error: Callable[[int, str], httpx.Response]
    """The platform's documented error body."""
    rate_limited: Callable[[int], httpx.Response]
    """A 429 asking to wait that many seconds, in the platform's own header."""
    call: Callable[[float], ActionCall]
    token: str
    lookup: Callable[[Any, Any], Awaitable[object]]
    """Looks a customer up (by stub, adapter): its last request fails on the token."""
    lookup_operations: list[str]
    personal: str
    """What the lookup sends that identifies the customer (never logged)."""

    @property
    def kit(self) -> AdapterKit:
        helpers = importlib.import_module(f"tests.platforms.{self.name}.helpers")
        kit: AdapterKit = helpers.KIT
        return kit


def _bc_readable(stub: bc.BigCommerceStub) -> None:
    stub.reply(GET_ORDER, bc.ok(bc.order_body()))
    stub.reply(LIST_ORDER_PRODUCTS, bc.ok(bc.products_body()))


def _og_readable(stub: og.OrdergrooveStub) -> None:
    # A subscription that is not live: its read needs no orders.
    stub.reply(OG_GET_SUBSCRIPTION, og.ok(og.subscription_body(live=False)))
    og_products(stub)


def _rc_readable(stub: rc.RechargeStub) -> None:
    stub.reply(RC_GET_SUBSCRIPTION, rc.ok({"subscription": rc.cancelled_body()}))


async def _bc_lookup(stub: bc.BigCommerceStub, adapter: Any) -> object:
    stub.reply(BC_LIST_CUSTOMERS, bc.v3_error(401, "Unauthorized"))
    return await adapter.find_customers(
        email="jane@example.com", phone=None, orders_limit=5, call=bc.call()
    )


async def _og_lookup(stub: og.OrdergrooveStub, adapter: Any) -> object:
    stub.reply(OG_LIST_SUBSCRIPTIONS, og.ok(og.page(og.subscription_body())))
    # The live subscription's next order is read next: the key fails there (documented 403).
    stub.reply(OG_LIST_ORDERS, og.error(403, "Authentication Failed"))
    return await adapter.find_subscriptions(og.customer(), call=og.call())


async def _rc_lookup(stub: rc.RechargeStub, adapter: Any) -> object:
    stub.reply(RC_LIST_CUSTOMERS, rc.error(401, "Invalid API token"))
    return await adapter.find_subscriptions(rc.store_customer(), call=rc.call())


def _bc_rate_limited(seconds: int) -> httpx.Response:
    return httpx.Response(429, headers={"X-Rate-Limit-Time-Reset-Ms": str(seconds * 1000)})


def _retry_after(seconds: int) -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": str(seconds)})


async def _bc_read(adapter: Any, call: ActionCall) -> object:
    return await adapter.get_order(str(bc.ORDER_ID), call=call)


async def _og_read(adapter: Any, call: ActionCall) -> object:
    return await adapter.get_subscription(og.SUB_COFFEE, call=call)


async def _rc_read(adapter: Any, call: ActionCall) -> object:
    return await adapter.get_subscription(str(rc.SUBSCRIPTION_ID), call=call)


# Ordergroove's lookup leaks no customer id: query strings are never logged.
PLATFORMS = [
    # name, read endpoint, read, readable, error, rate limited, call, token,
    # lookup, lookup operations, personal
    RestPlatform("bigcommerce", GET_ORDER, _bc_read, _bc_readable, bc.v3_error, _bc_rate_limited,
                 bc.call, bc.TOKEN, _bc_lookup, ["list_customers"], "jane@example.com"),
    RestPlatform("ordergroove", OG_GET_SUBSCRIPTION, _og_read, _og_readable, og.error, _retry_after,
                 og.call, og.TOKEN, _og_lookup, ["list_subscriptions", "list_orders"],
                 og.CUSTOMER_ID),
    RestPlatform("recharge", RC_GET_SUBSCRIPTION, _rc_read, _rc_readable, rc.error, _retry_after,
                 rc.call, rc.TOKEN, _rc_lookup, ["list_customers"], rc.EMAIL),
]  # fmt: skip
ADAPTERS = {
    "bigcommerce": bigcommerce.BigCommerceAdapter,
    "ordergroove": ordergroove.OrdergrooveAdapter,
    "recharge": recharge.RechargeAdapter,
}


@pytest.fixture(params=PLATFORMS, ids=lambda platform: platform.name)
def rest(request: pytest.FixtureRequest) -> RestPlatform:
    platform: RestPlatform = request.param
    return platform


@pytest.fixture
def platform_kit(rest: RestPlatform) -> AdapterKit:
    """The shared fixtures (``tests/platforms/conftest.py``) build this platform's adapter."""
    return rest.kit


async def read(rest: RestPlatform, adapter: Any, seconds: float = 15.0) -> object:
    assert isinstance(adapter, ADAPTERS[rest.name])
    return await rest.read(adapter, rest.call(seconds))


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failures(rest: RestPlatform, adapter: Any, stub: Any, status: int) -> None:
    stub.reply(rest.read_endpoint, rest.error(status, "Invalid API token"))
    with pytest.raises(UpstreamAuthFailed, match="Invalid API token") as caught:
        await read(rest, adapter)
    assert f"HTTP {status}" in str(caught.value)
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert rest.token not in str(to_problem(caught.value).model_dump())
    assert len(stub.requests) == 1


async def test_429_is_retried_with_backoff(
    rest: RestPlatform, adapter: Any, stub: Any, sleeps: Sleeps
) -> None:
    stub.reply(rest.read_endpoint, httpx.Response(429), httpx.Response(429))
    rest.readable(stub)
    assert await read(rest, adapter) is not None
    assert len(stub.sent(rest.read_endpoint)) == 3
    # No wait in the answer: the chokepoint's backoff (jitter pinned) applies.
    assert sleeps.waits == [0.25, 0.5]


async def test_429_honours_the_platforms_wait(
    rest: RestPlatform, adapter: Any, stub: Any, sleeps: Sleeps
) -> None:
    stub.reply(rest.read_endpoint, rest.rate_limited(2))
    rest.readable(stub)
    assert await read(rest, adapter) is not None
    assert sleeps.waits == [2.0]


async def test_429_beyond_the_deadline(rest: RestPlatform, adapter: Any, stub: Any) -> None:
    stub.reply(rest.read_endpoint, rest.rate_limited(20))
    with pytest.raises(UpstreamRateLimited) as caught:
        await read(rest, adapter, 5.0)
    assert caught.value.extensions["retry_after"] == 20
    assert caught.value.headers == {"Retry-After": "20"}
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert len(stub.requests) == 1


async def test_5xx_on_a_read_is_retried(rest: RestPlatform, adapter: Any, stub: Any) -> None:
    stub.reply(rest.read_endpoint, httpx.Response(503, text="busy"))
    rest.readable(stub)
    assert await read(rest, adapter) is not None
    assert len(stub.sent(rest.read_endpoint)) == 2


@pytest.mark.parametrize("with_body", [True, False], ids=["message", "empty"])
async def test_5xx_on_a_read_reported_after_the_attempts(
    rest: RestPlatform, adapter: Any, stub: Any, with_body: bool
) -> None:
    bad_gateway = rest.error(502, "Bad gateway") if with_body else httpx.Response(502)
    stub.reply(rest.read_endpoint, *[bad_gateway] * 4)
    with pytest.raises(UpstreamUnavailable, match="Bad gateway" if with_body else None) as caught:
        await read(rest, adapter)
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert len(stub.sent(rest.read_endpoint)) == 4
    assert len(stub.requests) == 4


async def test_500_on_a_read_is_not_retried(rest: RestPlatform, adapter: Any, stub: Any) -> None:
    stub.reply(rest.read_endpoint, rest.error(500, "A server error occurred."))
    with pytest.raises(UpstreamError, match="A server error occurred"):
        await read(rest, adapter)
    assert len(stub.requests) == 1


async def test_non_json_success_body(rest: RestPlatform, adapter: Any, stub: Any) -> None:
    stub.reply(rest.read_endpoint, httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(UpstreamError, match="not JSON") as caught:
        await read(rest, adapter)
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED


async def test_the_token_never_reaches_logs_or_errors(
    rest: RestPlatform, adapter: Any, stub: Any
) -> None:
    with capture_logs() as logs, pytest.raises(GatewayError) as caught:
        await rest.lookup(stub, adapter)
    assert [entry["operation"] for entry in logs] == rest.lookup_operations
    assert {entry["platform"] for entry in logs} == {rest.name}
    assert rest.token not in repr(logs)
    assert rest.token not in repr(caught.value) + str(to_problem(caught.value).model_dump())
    assert rest.personal not in repr(logs)
