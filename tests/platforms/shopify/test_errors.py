"""Every failure layer of the GraphQL Admin API, mapped to the gateway's errors."""

from __future__ import annotations

import httpx
import pytest
from structlog.testing import capture_logs

from action_gateway.api.problems import to_problem
from action_gateway.domain.models import (
    CancelOrderInput,
    CancelReason,
    EditOrderNoteInput,
    RefundOrderInput,
)
from action_gateway.errors import (
    GatewayError,
    Outcome,
    PlatformMessage,
    PlatformRejected,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify import ShopifyAdapter
from action_gateway.platforms.shopify.mapping import from_shopify_order
from tests.platforms.shopify.helpers import (
    TOKEN,
    ShopifyStub,
    Sleeps,
    order_node,
    throttled,
    top_level_errors,
)


def call(seconds: float = 15.0) -> ActionCall:
    return ActionCall.within(seconds, idempotency_key="idem-1")


async def read(adapter: ShopifyAdapter, action: ActionCall | None = None) -> object:
    return await adapter.get_order("5501", call=action or call())


class TestHttpLayer:
    @pytest.mark.parametrize("status", [401, 403])
    async def test_auth_failures(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, status: int
    ) -> None:
        body = {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }
        stub.reply("OrderForAction", httpx.Response(status, json=body))
        with pytest.raises(UpstreamAuthFailed) as caught:
            await read(adapter)
        error = caught.value
        assert error.status == 502
        assert f"HTTP {status}" in str(error)
        assert TOKEN not in str(to_problem(error).model_dump())
        assert error.extensions["platform_errors"] == [PlatformMessage(message=body["errors"])]
        assert len(stub.requests) == 1

    @pytest.mark.parametrize(
        ("status", "message", "state"),
        [(402, "Unavailable Shop", "frozen"), (423, "This shop is locked", "locked")],
    )
    async def test_shop_frozen_or_locked(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, status: int, message: str, state: str
    ) -> None:
        stub.reply("OrderForAction", httpx.Response(status, json={"errors": message}))
        with pytest.raises(PlatformRejected) as caught:
            await read(adapter)
        assert state in str(caught.value)
        assert caught.value.extensions["platform_errors"] == [PlatformMessage(message=message)]

    async def test_not_found(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply("OrderForAction", httpx.Response(404, text="Not Found"))
        with pytest.raises(UpstreamError, match="shop or API version not found") as caught:
            await read(adapter)
        assert type(caught.value) is UpstreamError

    async def test_429_with_retry_after_is_retried(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, sleeps: Sleeps
    ) -> None:
        stub.reply(
            "OrderForAction",
            httpx.Response(429, headers={"Retry-After": "2.0"}, json={"errors": "Throttled"}),
            {"order": order_node()},
        )
        assert await read(adapter) is not None
        assert sleeps.waits == [2.0]

    @pytest.mark.parametrize(
        ("status", "error", "wait"),
        [(429, UpstreamRateLimited, 20), (503, UpstreamUnavailable, 30)],
        ids=["429_beyond_the_deadline", "503_keeps_its_retry_after"],
    )
    async def test_a_wait_beyond_the_deadline_is_reported_at_once(
        self,
        adapter: ShopifyAdapter,
        stub: ShopifyStub,
        status: int,
        error: type[GatewayError],
        wait: int,
    ) -> None:
        stub.reply("OrderForAction", httpx.Response(status, headers={"Retry-After": str(wait)}))
        with pytest.raises(error) as caught:
            await read(adapter, call(5.0))
        assert caught.value.extensions["retry_after"] == wait
        assert caught.value.headers == {"Retry-After": str(wait)}
        assert len(stub.requests) == 1

    async def test_500_on_a_read_is_not_retried(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderForAction", httpx.Response(500, text="<html>oops</html>"))
        with pytest.raises(UpstreamError, match="HTTP 500") as caught:
            await read(adapter)
        assert type(caught.value) is UpstreamError
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED

    @pytest.mark.parametrize("status", [502, 503])
    async def test_gateway_errors_on_a_read_are_retried_then_reported(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, status: int
    ) -> None:
        stub.reply("OrderForAction", *[httpx.Response(status)] * 4)
        with pytest.raises(UpstreamUnavailable):
            await read(adapter)
        assert len(stub.requests) == 4

    async def test_502_then_success(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, sleeps: Sleeps
    ) -> None:
        stub.reply("OrderForAction", httpx.Response(502), {"order": order_node()})
        action = call()
        assert await read(adapter, action) is not None
        # The read was sent again after one backoff wait (jitter pinned), and only once.
        assert stub.operations() == ["OrderForAction", "OrderForAction"]
        assert sleeps.waits == [0.25]
        assert action.attempts == 2
        assert action.upstream_request_ids == ["req-ok"]

    async def test_502_on_a_mutation_is_not_retried(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderUpdateNote", httpx.Response(502))
        order = from_shopify_order(order_node(), handle="acme")
        with pytest.raises(UpstreamUnavailable) as caught:
            await adapter.edit_order_note(order, EditOrderNoteInput(note="x"), call=call())
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.requests) == 1

    async def test_a_body_that_is_not_json(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderForAction", httpx.Response(200, text="<html>maintenance</html>"))
        with pytest.raises(UpstreamError, match="not a JSON object"):
            await read(adapter)


class TestGraphQLLayer:
    async def test_throttled_is_retried_after_the_restore_time(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, sleeps: Sleeps
    ) -> None:
        stub.reply("OrderForAction", throttled(), {"order": order_node()})
        assert await read(adapter) is not None
        # (requestedQueryCost 70 - currentlyAvailable 66) / restoreRate 50
        assert sleeps.waits == [pytest.approx(0.08)]

    async def test_a_throttled_mutation_is_retried(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "OrderUpdateNote",
            throttled(),
            {
                "orderUpdate": {
                    "order": {"id": "gid://shopify/Order/5501", "note": "x"},
                    "userErrors": [],
                }
            },
        )
        order = from_shopify_order(order_node(), handle="acme")
        outcome = await adapter.edit_order_note(order, EditOrderNoteInput(note="x"), call=call())
        assert outcome.note == "x"
        assert len(stub.requests) == 2

    async def test_throttled_beyond_the_deadline(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderForAction", throttled(requested=900, available=0, restore_rate=100))
        with pytest.raises(UpstreamRateLimited) as caught:
            await read(adapter, call(5.0))
        assert caught.value.extensions["retry_after"] == 9
        assert caught.value.headers == {"Retry-After": "9"}
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert caught.value.extensions["platform_errors"][0].code == "THROTTLED"

    async def test_access_denied_names_the_missing_access(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "OrderForAction",
            top_level_errors(
                {
                    "message": "Access denied for order field.",
                    "locations": [{"line": 2, "column": 3}],
                    "path": ["order"],
                    "extensions": {
                        "code": "ACCESS_DENIED",
                        "documentation": "https://shopify.dev/api/usage/access-scopes",
                        "requiredAccess": "`read_orders` access scope.",
                    },
                },
                data={"order": None},
            ),
        )
        with pytest.raises(UpstreamAuthFailed, match="`read_orders` access scope") as caught:
            await read(adapter)
        assert caught.value.extensions["platform_errors"] == [
            PlatformMessage(
                message="Access denied for order field.", field=["order"], code="ACCESS_DENIED"
            )
        ]

    async def test_invalid_variable_is_passed_verbatim(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        message = (
            "Variable $input of type OrderInput! was provided invalid value for x "
            "(Field is not defined on OrderInput)"
        )
        stub.reply(
            "OrderUpdateNote",
            top_level_errors(
                {
                    "message": message,
                    "extensions": {
                        "code": "INVALID_VARIABLE",
                        "value": {"id": "gid://shopify/Order/5501", "x": 1},
                        "problems": [{"path": ["x"], "explanation": "Field is not defined"}],
                    },
                }
            ),
        )
        order = from_shopify_order(order_node(), handle="acme")
        with pytest.raises(UpstreamError) as caught:
            await adapter.edit_order_note(order, EditOrderNoteInput(note="x"), call=call())
        error = caught.value
        assert type(error) is UpstreamError
        assert error.extensions["platform_errors"] == [
            PlatformMessage(message=message, code="INVALID_VARIABLE")
        ]
        # Rejected during validation (no data): the mutation did not run.
        assert error.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert len(stub.requests) == 1

    async def test_missing_idempotent_directive_is_bad_request(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        message = "The @idempotent directive is required for this mutation but was not provided."
        stub.reply_to_refund(
            top_level_errors(
                {
                    "message": message,
                    "extensions": {"code": "BAD_REQUEST"},
                    "path": ["refundCreate"],
                },
                data={"refundCreate": None},
            ),
        )
        order = from_shopify_order(order_node(), handle="acme")
        data = RefundOrderInput(reason=CancelReason.CUSTOMER)
        with pytest.raises(UpstreamError, match="required for this mutation") as caught:
            await adapter.refund_order(order, data, call=call())
        error = caught.value
        assert error.extensions["platform_errors"] == [
            PlatformMessage(message=message, field=["refundCreate"], code="BAD_REQUEST")
        ]
        assert error.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert len(stub.bodies("RefundCreate")) == 1

    async def test_undefined_field(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        message = "Field 'code' doesn't exist on type 'UserError'"
        stub.reply(
            "OrderForAction",
            top_level_errors({"message": message, "extensions": {"code": "undefinedField"}}),
        )
        with pytest.raises(UpstreamError, match="doesn't exist on type 'UserError'"):
            await read(adapter)

    async def test_partial_data_from_a_mutation_means_outcome_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "OrderUpdateNote",
            top_level_errors(
                {"message": "Internal error resolving order", "path": ["orderUpdate", "order"]},
                data={"orderUpdate": {"order": None, "userErrors": []}},
            ),
        )
        order = from_shopify_order(order_node(), handle="acme")
        with pytest.raises(UpstreamError) as caught:
            await adapter.edit_order_note(order, EditOrderNoteInput(note="x"), call=call())
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN

    async def test_internal_server_error_in_a_200_is_not_retried_for_a_write(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "OrderCancel",
            top_level_errors(
                {
                    "message": "Internal error. Looks like something went wrong on our end.",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "abc"},
                }
            ),
        )
        # The ambiguous cancel is settled by re-reading the order, never by re-sending it.
        stub.reply("OrderForAction", *[{"order": order_node()}] * 3)
        order = from_shopify_order(order_node(), handle="acme")
        data = CancelOrderInput(reason=CancelReason.CUSTOMER)
        with pytest.raises(UpstreamError) as caught:
            await adapter.cancel_order(order, data, refund=False, call=call())
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert stub.operations() == ["OrderCancel"] + ["OrderForAction"] * 3


async def test_the_token_never_appears_in_logs_or_errors(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply(
        "OrderForAction",
        httpx.Response(401, json={"errors": "[API] Invalid API key or access token"}),
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"data": {"order": order_node()}}, headers={"X-Request-Id": "r1"}),
    )
    errors: list[GatewayError] = []
    with capture_logs() as logs:
        for _ in range(2):
            try:
                await read(adapter)
            except GatewayError as exc:
                errors.append(exc)
        assert await read(adapter) is not None
    assert len(errors) == 2
    assert [entry["operation"] for entry in logs] == ["OrderForAction"] * 6
    assert logs[-1]["upstream_request_id"] == "r1"
    assert all(entry["platform"] == "shopify" and entry["connection"] == "acme" for entry in logs)
    text = repr(logs) + "".join(
        repr(e) + str(e) + to_problem(e).model_dump_json() + repr(e.headers) for e in errors
    )
    assert TOKEN not in text
    assert "gid://shopify/Order/5501" not in repr(logs)
