"""Every failure layer of Ordergroove's RestRPC API, mapped to the gateway's errors."""

from __future__ import annotations

import httpx
import pytest

from action_gateway.domain.models import CancelSubscriptionInput, SkipSubscriptionOrderInput
from action_gateway.errors import (
    NotFound,
    PlatformMessage,
    PlatformRejected,
)
from action_gateway.platforms.ordergroove import OrdergrooveAdapter
from action_gateway.platforms.ordergroove.client import platform_messages
from action_gateway.platforms.ordergroove.endpoints import (
    CANCEL_SUBSCRIPTION,
    GET_SUBSCRIPTION,
    SKIP_SUBSCRIPTION,
)
from tests.platforms.ordergroove.helpers import (
    ORDER_DEC,
    PREPAID_CONTEXT,
    SUB_COFFEE,
    OrdergrooveStub,
    Sleeps,
    call,
    error,
    ok,
    order_body,
    subscription_body,
)
from tests.platforms.ordergroove.test_adapter import load, next_order_read
from tests.platforms.ordergroove.test_reconcile import before_skip

PREPAID_DETAIL = "Prepaid subscriptions cannot be cancelled."


async def read(adapter: OrdergrooveAdapter, seconds: float = 15.0) -> object:
    return await adapter.get_subscription(SUB_COFFEE, call=call(seconds))


class TestErrorShapes:
    def test_detail(self) -> None:
        assert platform_messages({"detail": "Authentication Failed"}) == [
            PlatformMessage(message="Authentication Failed")
        ]

    def test_field_keyed_and_non_field_errors(self) -> None:
        body = {
            "subscription": ["This field is required."],
            "non_field_errors": ["Order is locked."],
        }
        assert platform_messages(body) == [
            PlatformMessage(message="This field is required.", field=["subscription"]),
            PlatformMessage(message="Order is locked."),
        ]

    def test_a_list_and_nothing_readable(self) -> None:
        assert platform_messages(["Invalid order."]) == [PlatformMessage(message="Invalid order.")]
        assert platform_messages(None) == []
        assert platform_messages(42) == []

    async def test_prepaid_cancel_400_is_platform_rejected_verbatim(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        prepaid = subscription_body(prepaid_subscription_context=PREPAID_CONTEXT)
        stub.reply(GET_SUBSCRIPTION, ok(prepaid))
        stub.reply(CANCEL_SUBSCRIPTION, error(400, PREPAID_DETAIL))
        with pytest.raises(
            PlatformRejected, match=r"\(HTTP 400\): Prepaid subscriptions"
        ) as caught:
            await adapter.cancel_subscription(
                subscription, CancelSubscriptionInput(reason="4"), call=call()
            )
        assert caught.value.extensions["platform_errors"] == [
            PlatformMessage(message=PREPAID_DETAIL)
        ]
        assert len(stub.sent(CANCEL_SUBSCRIPTION)) == 1  # a refusal is final, never retried

    async def test_a_skip_400_without_detail(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        before_skip(stub)
        stub.reply(SKIP_SUBSCRIPTION, httpx.Response(400, text="Bad Request"))
        with pytest.raises(PlatformRejected) as caught:
            await adapter.skip_subscription_order(
                subscription, SkipSubscriptionOrderInput(), call=call()
            )
        assert caught.value.extensions["platform_errors"] == [PlatformMessage(message="HTTP 400")]


class TestHttpLayer:
    async def test_404_on_a_read_is_none_and_on_a_write_not_found(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, error(404, "Unable to find requested asset."))
        assert await read(adapter) is None
        subscription = await load(adapter, stub)
        before_skip(stub)
        stub.reply(SKIP_SUBSCRIPTION, error(404, "Unable to find requested asset."))
        with pytest.raises(NotFound, match="Unable to find requested asset"):
            await adapter.skip_subscription_order(
                subscription, SkipSubscriptionOrderInput(), call=call()
            )

    async def test_429_on_the_cancel_is_retried(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub, sleeps: Sleeps
    ) -> None:
        # A rate-limited request ran nothing, so even the write is re-sent.
        subscription = await load(adapter, stub)
        stub.reply(GET_SUBSCRIPTION, ok(subscription_body()))
        stub.reply(
            CANCEL_SUBSCRIPTION,
            error(429, "Request was throttled."),
            ok(subscription_body(live=False, cancelled="2026-11-23 05:15:00")),
        )
        outcome = await adapter.cancel_subscription(
            subscription, CancelSubscriptionInput(reason="4"), call=call()
        )
        assert outcome.status == "succeeded"
        assert len(stub.sent(CANCEL_SUBSCRIPTION)) == 2
        assert sleeps.waits == [0.25]

    async def test_429_on_the_skip_is_retried(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        before_skip(stub)
        stub.reply(SKIP_SUBSCRIPTION, httpx.Response(429), ok(order_body(ORDER_DEC)))
        next_order_read(stub, [], [])
        await adapter.skip_subscription_order(
            subscription, SkipSubscriptionOrderInput(), call=call()
        )
        assert len(stub.sent(SKIP_SUBSCRIPTION)) == 2
