"""Every failure layer of BigCommerce's REST APIs, mapped to the gateway's errors."""

from __future__ import annotations

import httpx
import pytest

from action_gateway.domain.models import (
    CancelOrderInput,
    CancelReason,
    PartialRefundLineItem,
    PartialRefundOrderInput,
    RefundOrderInput,
    RefundReason,
)
from action_gateway.errors import (
    NotFound,
    Outcome,
    PlatformMessage,
    PlatformRejected,
    UpstreamUnavailable,
)
from action_gateway.platforms.bigcommerce import BigCommerceAdapter
from action_gateway.platforms.bigcommerce.client import platform_messages
from action_gateway.platforms.bigcommerce.endpoints import (
    CREATE_REFUND,
    CREATE_REFUND_QUOTE,
    GET_ORDER,
    LIST_ORDER_PRODUCTS,
    LIST_ORDER_REFUNDS,
    LIST_ORDER_SHIPPING_ADDRESSES,
    UPDATE_ORDER,
)
from action_gateway.platforms.bigcommerce.mapping import from_bigcommerce_order
from tests.platforms.bigcommerce.helpers import (
    BigCommerceStub,
    Sleeps,
    address_body,
    call,
    ok,
    order_body,
    products_body,
    quote_body,
    refund_body,
    refunds_body,
    v2_error,
    v3_error,
)

RATE_LIMITED = {"X-Rate-Limit-Time-Reset-Ms": "1500", "X-Rate-Limit-Requests-Left": "0"}


async def read(adapter: BigCommerceAdapter, seconds: float = 15.0) -> object:
    return await adapter.get_order("120", call=call(seconds))


async def refund(adapter: BigCommerceAdapter, stub: BigCommerceStub, *replies: object) -> object:
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body()]))
    stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body()))
    stub.reply(CREATE_REFUND_QUOTE, ok(quote_body(), 201))
    stub.reply(CREATE_REFUND, *replies)  # type: ignore[arg-type]
    order = from_bigcommerce_order(order_body(status_id=10), products_body())
    return await adapter.refund_order(
        order, RefundOrderInput(reason=RefundReason.CUSTOMER), call=call()
    )


class TestErrorShapes:
    def test_v2_array(self) -> None:
        body = [{"status": 400, "message": "The field 'custom_status' is not supported."}]
        assert platform_messages(body) == [
            PlatformMessage(message="The field 'custom_status' is not supported.", code="400")
        ]

    def test_v3_object_with_field_errors(self) -> None:
        body = {
            "status": 422,
            "title": "JSON data is missing or invalid",
            "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
            "errors": {"items": "must not be empty"},
        }
        assert platform_messages(body) == [
            PlatformMessage(message="JSON data is missing or invalid", code="422"),
            PlatformMessage(message="must not be empty", field=["items"]),
        ]

    def test_v3_data_wrapped_and_promotions_lists(self) -> None:
        wrapped = {"data": [{"order_id": 1, "status": 503, "error": "Tax service gone away"}]}
        assert platform_messages(wrapped) == [
            PlatformMessage(message="Tax service gone away", code="503")
        ]
        promotions = {"errors": [{"status": 422, "title": "Name already in use"}]}
        assert platform_messages(promotions)[0].message == "Name already in use"

    async def test_v2_rejection_is_platform_rejected_verbatim(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        stub.reply(UPDATE_ORDER, v2_error(400, "The order status is locked."))
        order = from_bigcommerce_order(order_body(status_id=1))
        with pytest.raises(
            PlatformRejected, match=r"\(HTTP 400\): The order status is locked\."
        ) as caught:
            await adapter.cancel_order(
                order, CancelOrderInput(reason=CancelReason.CUSTOMER), refund=False, call=call()
            )
        assert caught.value.extensions["platform_errors"] == [
            PlatformMessage(message="The order status is locked.", code="400")
        ]

    async def test_v3_quote_422(self, adapter: BigCommerceAdapter, stub: BigCommerceStub) -> None:
        stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body()]))
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body()))
        stub.reply(
            CREATE_REFUND_QUOTE,
            v3_error(422, "JSON data is missing or invalid", {"items.0.quantity": "too many"}),
        )
        order = from_bigcommerce_order(order_body(status_id=10), products_body())
        data = PartialRefundOrderInput(
            reason=RefundReason.CUSTOMER,
            line_items=[PartialRefundLineItem(line_item_id="8", quantity=1)],
        )
        with pytest.raises(PlatformRejected) as caught:
            await adapter.partial_refund_order(order, data, call=call())
        assert [m.message for m in caught.value.extensions["platform_errors"]] == [
            "JSON data is missing or invalid",
            "too many",
        ]

    async def test_refund_422_data_wrapped(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        title = "Unable to provide store credit for a guest customer."
        body = {"data": [{"status": 422, "title": title, "type": "x"}]}
        with pytest.raises(PlatformRejected, match=title):
            await refund(adapter, stub, httpx.Response(422, json=body))

    async def test_v2_204_is_an_empty_list(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        stub.reply(GET_ORDER, ok(order_body()))
        stub.reply(LIST_ORDER_PRODUCTS, httpx.Response(204))
        order = await adapter.get_order("120", call=call())
        assert order is not None
        assert order.line_items == []


class TestHttpLayer:
    async def test_404_on_a_write_is_not_found(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        stub.reply(CREATE_REFUND, v2_error(404, "The requested resource was not found."))
        with pytest.raises(NotFound):
            await refund(adapter, stub)

    @pytest.mark.parametrize(
        ("headers", "wait"),
        [(RATE_LIMITED, 1.5), ({"X-Retry-After": "2"}, 2.0)],
        ids=["after_the_reset_window", "with_x_retry_after"],
    )
    async def test_429_is_retried_after_the_platforms_wait(
        self,
        adapter: BigCommerceAdapter,
        stub: BigCommerceStub,
        sleeps: Sleeps,
        headers: dict[str, str],
        wait: float,
    ) -> None:
        stub.reply(GET_ORDER, httpx.Response(429, headers=headers), ok(order_body()))
        stub.reply(LIST_ORDER_PRODUCTS, ok(products_body()))
        assert await read(adapter) is not None
        assert sleeps.waits == [wait]

    async def test_429_on_the_refund_is_retried(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub, sleeps: Sleeps
    ) -> None:
        # A rate-limited request was refused before it ran, so even the refund is re-sent.
        await refund(
            adapter, stub, httpx.Response(429, headers=RATE_LIMITED), ok(refund_body(), 201)
        )
        assert len(stub.sent(CREATE_REFUND)) == 2
        assert sleeps.waits == [1.5]

    async def test_503_on_the_refund_is_not_retried(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        body = {
            "data": [{"order_id": 120, "status": 503, "error": "Tax service gone away"}],
            "meta": {},
        }
        # The ambiguous refund is re-read (test_reconcile.py): no new refund stays unknown.
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body()))
        with pytest.raises(UpstreamUnavailable, match="Tax service gone away") as caught:
            await refund(adapter, stub, httpx.Response(503, json=body))
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.sent(CREATE_REFUND)) == 1

    async def test_read_timeout_on_the_refund_is_not_retried(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        # The ambiguous refund is re-read (test_reconcile.py): no new refund stays unknown.
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body()))
        with pytest.raises(UpstreamUnavailable) as caught:
            await refund(adapter, stub, httpx.ReadTimeout("timed out"))
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.sent(CREATE_REFUND)) == 1

    async def test_connect_error_on_the_refund_is_retried(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        await refund(adapter, stub, httpx.ConnectError("refused"), ok(refund_body(), 201))
        assert len(stub.sent(CREATE_REFUND)) == 2
