"""Every failure layer of Recharge's API, mapped to the gateway's errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from action_gateway.domain.models import CancelSubscriptionInput
from action_gateway.errors import (
    NotFound,
    Outcome,
    PlatformMessage,
    PlatformRejected,
    UpstreamError,
)
from action_gateway.platforms.recharge import RechargeAdapter
from action_gateway.platforms.recharge.client import platform_messages
from action_gateway.platforms.recharge.endpoints import (
    CANCEL_SUBSCRIPTION,
    GET_SUBSCRIPTION,
)
from action_gateway.platforms.recharge.mapping import from_recharge_subscription
from tests.platforms.recharge.helpers import (
    SUBSCRIPTION_ID,
    TOKEN,
    RechargeStub,
    call,
    cancelled_body,
    error,
    ok,
    subscription_body,
)


async def read(adapter: RechargeAdapter, seconds: float = 15.0) -> Any:
    return await adapter.get_subscription(str(SUBSCRIPTION_ID), call=call(seconds))


def cancelled() -> httpx.Response:
    return ok({"subscription": cancelled_body()})


async def cancel(adapter: RechargeAdapter) -> Any:
    return await adapter.cancel_subscription(
        from_recharge_subscription(subscription_body()),
        CancelSubscriptionInput(reason="moving"),
        call=call(),
    )


async def cancel_calls_sent(
    adapter: RechargeAdapter, stub: RechargeStub, *answers: Any, reread: Any = None
) -> int:
    """How many cancel calls went out while they were answered ``answers`` in turn (and the
    subscription re-read as ``reread``), checked to end with the subscription cancelled."""
    reads = [ok({"subscription": subscription_body()}), *([reread] if reread is not None else [])]
    stub.reply(GET_SUBSCRIPTION, *reads)
    stub.reply(CANCEL_SUBSCRIPTION, *answers)
    assert (await cancel(adapter)).status == "succeeded"
    return len(stub.sent(CANCEL_SUBSCRIPTION))


class TestErrorShapes:
    def test_a_string(self) -> None:
        assert platform_messages({"errors": "Invalid charge id"}) == [
            PlatformMessage(message="Invalid charge id")
        ]

    def test_a_list_of_strings_and_objects(self) -> None:
        body = {"errors": ["first", {"message": "second", "code": "invalid", "field": "date"}]}
        assert platform_messages(body) == [
            PlatformMessage(message="first"),
            PlatformMessage(message="second", field=["date"], code="invalid"),
        ]

    def test_a_field_map(self) -> None:
        body = {
            "errors": {
                "cancellation_reason": ["can't be blank"],
                "line_items": {"0": {"quantity": "must be positive"}},
            }
        }
        assert platform_messages(body) == [
            PlatformMessage(message="can't be blank", field=["cancellation_reason"]),
            PlatformMessage(message="must be positive", field=["line_items", "0", "quantity"]),
        ]

    def test_an_error_string_and_odd_bodies(self) -> None:
        assert platform_messages({"error": "Not Found"}) == [PlatformMessage(message="Not Found")]
        assert platform_messages({"errors": None}) == []
        assert platform_messages({"errors": 42}) == [PlatformMessage(message="42")]
        assert platform_messages("plain text") == [PlatformMessage(message="plain text")]
        assert platform_messages(None) == []
        assert platform_messages([]) == []

    @pytest.mark.parametrize("status", [400, 422])
    async def test_rejections_carry_the_messages_verbatim(
        self, adapter: RechargeAdapter, stub: RechargeStub, status: int
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"subscription": subscription_body()}))
        stub.reply(CANCEL_SUBSCRIPTION, error(status, "Subscription is locked"))
        with pytest.raises(PlatformRejected, match=rf"\(HTTP {status}\): Subscription is locked"):
            await cancel(adapter)

    async def test_a_rejection_without_a_body(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"subscription": subscription_body()}))
        stub.reply(CANCEL_SUBSCRIPTION, httpx.Response(400))
        with pytest.raises(PlatformRejected) as caught:
            await cancel(adapter)
        assert caught.value.extensions["platform_errors"] == [PlatformMessage(message="HTTP 400")]

    async def test_another_4xx_is_an_upstream_error_not_executed(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, httpx.Response(409, json={"errors": "Conflict"}))
        with pytest.raises(UpstreamError, match="Conflict") as caught:
            await read(adapter)
        assert type(caught.value) is UpstreamError
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED


class TestHttpLayer:
    async def test_404_on_a_write_is_not_found(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"subscription": subscription_body()}))
        stub.reply(CANCEL_SUBSCRIPTION, error(404, "Not Found"))
        with pytest.raises(NotFound):
            await cancel(adapter)

    async def test_429_on_the_cancel_is_retried(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        # A rate-limited request was refused before it ran, so even a write is re-sent.
        assert await cancel_calls_sent(adapter, stub, httpx.Response(429), cancelled()) == 2

    async def test_5xx_on_the_cancel_is_not_retried(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        unavailable = error(503, "Service unavailable")
        # Settled by the re-read, never by re-sending.
        assert await cancel_calls_sent(adapter, stub, unavailable, reread=cancelled()) == 1

    async def test_connect_error_on_the_cancel_is_retried(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        refused = httpx.ConnectError("refused")
        assert await cancel_calls_sent(adapter, stub, refused, cancelled()) == 2

    async def test_one_log_line_per_request(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"subscription": subscription_body()}), cancelled())
        stub.reply(CANCEL_SUBSCRIPTION, httpx.ReadTimeout("lost"))
        with capture_logs() as logs:
            await cancel(adapter)
        assert [(e["operation"], e["kind"], e["outcome"]) for e in logs] == [
            ("get_subscription", "read", "ok"),
            ("cancel_subscription", "write", "ReadTimeout"),
            ("get_subscription", "read", "ok"),
        ]
        assert TOKEN not in repr(logs)
