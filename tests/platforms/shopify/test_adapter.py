"""ShopifyAdapter happy paths: what each action sends and what it answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from action_gateway.actions.specs import supported_actions
from action_gateway.domain.models import (
    ActionName,
    ActionOutcome,
    CancelOrderInput,
    CancelReason,
    CreateDiscountCodeInput,
    DiscountExpiry,
    DiscountType,
    EditOrderNoteInput,
    Money,
    NoteMode,
    Order,
    OrderState,
    RefundOrderInput,
)
from action_gateway.errors import (
    DiscountCodeTaken,
    NotFound,
    PlatformMessage,
    PlatformRejected,
    UpstreamUnavailable,
    ValidationFailed,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify import ShopifyAdapter, ShopifyClient, build_shopify_adapter
from action_gateway.platforms.shopify.mapping import from_shopify_customer, from_shopify_order
from tests.platforms.kit import ORDER_ACTIONS
from tests.platforms.shopify.helpers import (
    END_CURSOR,
    ENDPOINT,
    NOW,
    TOKEN,
    ShopifyStub,
    Sleeps,
    connection,
    customer_node,
    customer_with_orders,
    endpoint,
    order_node,
    payload,
    policy,
)

ORDER_GID = "gid://shopify/Order/5501"
JOB_GID = "gid://shopify/Job/6c2f0f4a-3d1e-4c55-9a55-3f0f1f3b7e21"


def assert_refund_4401(outcome: ActionOutcome) -> None:
    """The outcome of REFUND_CREATED: refund 4401 of $54.20 over a gift card and a card."""
    assert outcome.status == "succeeded"
    assert outcome.platform_reference == "gid://shopify/Refund/4401"
    assert outcome.refund is not None
    assert outcome.refund.refund_id == "4401"
    assert outcome.refund.total == Money.of("54.2", "USD")
    assert [(t.gateway, t.amount.amount, t.status) for t in outcome.refund.transactions] == [
        ("gift_card", "20.00", "success"),
        ("shopify_payments", "34.20", "success"),
    ]


def an_order(**changes: Any) -> Order:
    return from_shopify_order(order_node(**changes), handle="acme")


def call(seconds: float = 15.0) -> ActionCall:
    return ActionCall.within(seconds, idempotency_key="idem-7f3k9q")


class TestReads:
    async def test_get_order_request_and_mapping(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderForAction", {"order": order_node()})
        order = await adapter.get_order("5501", call=call())

        request = stub.requests[0]
        assert str(request.url) == ENDPOINT
        assert request.headers["X-Shopify-Access-Token"] == TOKEN
        body = json.loads(request.content)
        assert body["operationName"] == "OrderForAction"
        assert body["variables"] == {"id": ORDER_GID}
        assert "query OrderForAction" in body["query"]

        assert order is not None
        assert (order.id, order.name, order.platform_id) == ("5501", "#1001", ORDER_GID)
        assert order.customer_id == "7001"
        assert order.admin_url == "https://admin.shopify.com/store/acme/orders/5501"
        assert order.state == OrderState(
            financial_status="paid",
            fulfillment_status="unfulfilled",
            cancelled=False,
            amount_received="54.20",
        )
        assert order.totals.total == Money.of("54.20", "USD")
        assert order.totals.shipping == Money.of("5", "USD")
        assert order.note == "Gift wrap please"
        [item] = order.line_items
        assert (item.id, item.sku, item.quantity, item.refundable_quantity) == (
            "9001",
            "MUG-BLUE",
            2,
            2,
        )
        assert item.unit_price == Money.of("24.60", "USD")

    async def test_get_order_accepts_a_gid_and_answers_none_when_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        # A well-formed unknown id answers `order: null`, not an error.
        stub.reply("OrderForAction", {"order": None})
        assert await adapter.get_order(ORDER_GID, call=call()) is None
        assert stub.bodies()[0]["variables"] == {"id": ORDER_GID}

    @pytest.mark.parametrize("bad_id", ["abc", "gid://shopify/Customer/1", "12a", "#1001"])
    async def test_get_order_with_a_malformed_id_sends_nothing(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, bad_id: str
    ) -> None:
        assert await adapter.get_order(bad_id, call=call()) is None
        assert stub.requests == []

    async def test_unpaid_order_keeps_a_null_financial_status(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        zero = {"shopMoney": {"amount": "0.0", "currencyCode": "USD"}}
        stub.reply(
            "OrderForAction",
            {"order": order_node(displayFinancialStatus=None, totalReceivedSet=zero)},
        )
        order = await adapter.get_order("5501", call=call())
        assert order is not None
        assert order.state.financial_status is None
        assert order.state.amount_received == "0.00"

    @pytest.mark.parametrize("typed", ["1001", "#1001", " #1001 "])
    async def test_find_order_by_name(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, typed: str
    ) -> None:
        stub.reply("OrderByName", {"orders": {"nodes": [order_node()]}})
        order = await adapter.find_order_by_name(typed, call=call())
        assert order is not None
        assert order.name == "#1001"
        assert stub.bodies()[0]["variables"] == {"query": 'name:"#1001"'}

    async def test_find_order_by_name_ignores_a_fuzzy_match(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderByName", {"orders": {"nodes": [order_node(name="#10012")]}})
        assert await adapter.find_order_by_name("1001", call=call()) is None

    async def test_find_customers_by_email_exact(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("CustomerByIdentifier", {"customerByIdentifier": customer_with_orders()})
        [found] = await adapter.find_customers(
            email="bo@example.com", phone=None, orders_limit=10, call=call()
        )
        assert stub.bodies()[0]["variables"] == {
            "identifier": {"emailAddress": "bo@example.com"},
            "ordersFirst": 10,
        }
        assert (
            "orders(first: $ordersFirst, sortKey: PROCESSED_AT, reverse: true)"
            in (stub.bodies()[0]["query"])
        )
        assert found.customer.id == "7001"
        assert found.customer.email == "bo@example.com"
        assert found.customer.orders_count == 3
        assert found.customer.admin_url == "https://admin.shopify.com/store/acme/customers/7001"
        assert [order.name for order in found.orders] == ["#1001"]
        assert found.has_more_orders
        assert found.next_orders_cursor == END_CURSOR

    async def test_find_customers_falls_back_to_an_escaped_search(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        email = 'o"brien\\x@example.com'
        stub.reply("CustomerByIdentifier", {"customerByIdentifier": None})
        stub.reply(
            "CustomersSearch",
            {
                "customers": {
                    "nodes": [
                        {
                            "id": "gid://shopify/Customer/7002",
                            "defaultEmailAddress": {"emailAddress": 'O"Brien\\x@example.com'},
                        },
                        {
                            "id": "gid://shopify/Customer/7003",
                            "defaultEmailAddress": {"emailAddress": "brien@example.com"},
                        },
                    ]
                }
            },
        )
        stub.reply("CustomerWithOrders", {"customer": customer_with_orders(7002, email)})
        [found] = await adapter.find_customers(email=email, phone=None, orders_limit=5, call=call())
        assert stub.bodies("CustomersSearch")[0]["variables"] == {
            "query": 'email:"o\\"brien\\\\x@example.com"',
            "first": 5,
        }
        assert stub.bodies("CustomerWithOrders")[0]["variables"] == {
            "id": "gid://shopify/Customer/7002",
            "ordersFirst": 5,
        }
        assert found.customer.id == "7002"

    async def test_find_customers_by_email_and_phone_dedupes(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "CustomerByIdentifier",
            {"customerByIdentifier": customer_with_orders()},
            {"customerByIdentifier": customer_with_orders()},
        )
        found = await adapter.find_customers(
            email="bo@example.com", phone="+16135551234", orders_limit=500, call=call()
        )
        assert [c.customer.id for c in found] == ["7001"]
        identifiers = [body["variables"] for body in stub.bodies()]
        assert identifiers == [
            {"identifier": {"emailAddress": "bo@example.com"}, "ordersFirst": 250},
            {"identifier": {"phoneNumber": "+16135551234"}, "ordersFirst": 250},
        ]

    async def test_list_customer_orders_goes_on_after_shopifys_cursor(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        summary = {key: value for key, value in order_node().items() if key != "lineItems"}
        last_page = {"pageInfo": {"hasNextPage": False, "endCursor": "b"}, "nodes": [summary]}
        stub.reply(
            "CustomerOrders",
            {"customer": {"id": "gid://shopify/Customer/7001", "orders": last_page}},
            {"customer": None},
        )
        page = await adapter.list_customer_orders("7001", limit=5, cursor=END_CURSOR, call=call())
        assert page is not None
        assert [order.name for order in page.orders] == ["#1001"]
        assert (page.has_more_orders, page.next_orders_cursor) == (False, None)
        assert stub.bodies()[0]["variables"] == {
            "id": "gid://shopify/Customer/7001",
            "ordersFirst": 5,
            "after": END_CURSOR,
        }
        assert await adapter.list_customer_orders("7009", limit=5, cursor=None, call=call()) is None
        assert stub.bodies()[1]["variables"]["after"] is None

    async def test_get_customer(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply("Customer", {"customer": customer_node()}, {"customer": None})
        customer = await adapter.get_customer("gid://shopify/Customer/7001", call=call())
        assert customer is not None
        assert (customer.id, customer.phone) == ("7001", "+16135551234")
        assert await adapter.get_customer("7009", call=call()) is None
        assert stub.bodies()[1]["variables"] == {"id": "gid://shopify/Customer/7009"}


class TestCancel:
    def job(self, done: bool = False) -> dict[str, Any]:
        return {"orderCancel": {"job": {"id": JOB_GID, "done": done}, "orderCancelUserErrors": []}}

    def poll(self, *, done: bool, cancelled: bool, refunded: str = "0.0") -> dict[str, Any]:
        return {
            "job": {"id": JOB_GID, "done": done},
            "order": {
                "id": ORDER_GID,
                "cancelledAt": "2026-11-23T10:15:02Z" if cancelled else None,
                "displayFinancialStatus": "REFUNDED" if cancelled else "PAID",
                "totalRefundedSet": {"shopMoney": {"amount": refunded, "currencyCode": "USD"}},
            },
        }

    async def test_cancel_without_refund(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply("OrderCancel", self.job())
        stub.reply("CancelJobPoll", self.poll(done=True, cancelled=True))
        data = CancelOrderInput(reason=CancelReason.CUSTOMER, restock=True, staff_note="Asked")
        outcome = await adapter.cancel_order(an_order(), data, refund=False, call=call())

        variables = stub.bodies("OrderCancel")[0]["variables"]
        # The deprecated `refund` argument is never sent; no refundMethod means no refund.
        assert variables == {
            "orderId": ORDER_GID,
            "reason": "CUSTOMER",
            "restock": True,
            "notifyCustomer": False,
            "staffNote": "Asked",
        }
        assert "orderCancelUserErrors { field message code }" in stub.bodies()[0]["query"]
        assert stub.bodies("CancelJobPoll")[0]["variables"] == {
            "jobId": JOB_GID,
            "orderId": ORDER_GID,
        }
        assert outcome.status == "succeeded"
        assert outcome.job_id == JOB_GID
        assert outcome.refund is None

    async def test_cancel_and_refund_reports_what_was_refunded(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", self.job())
        stub.reply("CancelJobPoll", self.poll(done=False, cancelled=True, refunded="64.2"))
        already = {"shopMoney": {"amount": "10.0", "currencyCode": "USD"}}
        data = CancelOrderInput(reason=CancelReason.FRAUD, notify_customer=True)
        outcome = await adapter.cancel_order(
            an_order(totalRefundedSet=already), data, refund=True, call=call()
        )
        variables = stub.bodies("OrderCancel")[0]["variables"]
        assert variables["refundMethod"] == {"originalPaymentMethodsRefund": True}
        assert variables["reason"] == "FRAUD"
        assert variables["notifyCustomer"] is True
        assert "staffNote" not in variables
        assert "refund" not in variables
        assert outcome.refund is not None
        assert outcome.refund.total == Money.of("54.20", "USD")

    async def test_polls_until_cancelled(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, sleeps: Sleeps
    ) -> None:
        stub.reply("OrderCancel", self.job())
        stub.reply(
            "CancelJobPoll",
            self.poll(done=False, cancelled=False),
            self.poll(done=False, cancelled=False),
            self.poll(done=True, cancelled=True),
        )
        data = CancelOrderInput(reason=CancelReason.OTHER)
        outcome = await adapter.cancel_order(an_order(), data, refund=False, call=call())
        assert outcome.status == "succeeded"
        assert sleeps.waits == [0.5, 0.5]

    async def test_pending_when_the_deadline_nears(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, sleeps: Sleeps
    ) -> None:
        action = call(3.0)
        sleeps.call = action
        stub.reply("OrderCancel", self.job())
        stub.reply("CancelJobPoll", *[self.poll(done=False, cancelled=False)] * 3)
        data = CancelOrderInput(reason=CancelReason.INVENTORY)
        outcome = await adapter.cancel_order(an_order(), data, refund=False, call=action)
        assert outcome.status == "pending"
        assert outcome.job_id == JOB_GID
        assert outcome.messages
        # 3.0 s: poll, wait, poll, wait, poll; the next wait would eat the 1.5 s margin.
        assert len(stub.bodies("CancelJobPoll")) == 3
        assert action.remaining() > 1.5

    async def test_pending_when_the_progress_cannot_be_read(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", self.job())
        stub.reply("CancelJobPoll", *[httpx.Response(502)] * 4)
        data = CancelOrderInput(reason=CancelReason.STAFF)
        outcome = await adapter.cancel_order(an_order(), data, refund=False, call=call())
        assert outcome.status == "pending"

    async def test_job_done_but_order_not_cancelled(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", self.job())
        stub.reply(
            "CancelJobPoll",
            self.poll(done=True, cancelled=False),
            self.poll(done=True, cancelled=False),
        )
        data = CancelOrderInput(reason=CancelReason.CUSTOMER)
        with pytest.raises(PlatformRejected, match="finished but the order is not cancelled"):
            await adapter.cancel_order(an_order(), data, refund=False, call=call())
        assert len(stub.bodies("CancelJobPoll")) == 2

    async def test_job_done_then_cancelled_on_the_re_read(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", self.job())
        stub.reply(
            "CancelJobPoll",
            self.poll(done=True, cancelled=False),
            self.poll(done=True, cancelled=True),
        )
        data = CancelOrderInput(reason=CancelReason.CUSTOMER)
        outcome = await adapter.cancel_order(an_order(), data, refund=False, call=call())
        assert outcome.status == "succeeded"

    async def test_user_errors_are_passed_verbatim(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        message = "Cannot cancel an order that has outstanding fulfillments"
        stub.reply(
            "OrderCancel",
            {
                "orderCancel": {
                    "job": None,
                    "orderCancelUserErrors": [
                        {"field": ["orderId"], "message": message, "code": "INVALID"}
                    ],
                }
            },
        )
        data = CancelOrderInput(reason=CancelReason.CUSTOMER)
        with pytest.raises(PlatformRejected) as caught:
            await adapter.cancel_order(an_order(), data, refund=False, call=call())
        error = caught.value
        assert error.status == 422
        assert error.extensions["platform_errors"] == [
            PlatformMessage(message=message, field=["orderId"], code="INVALID")
        ]
        assert stub.operations() == ["OrderCancel"]

    async def test_a_connect_error_on_the_mutation_is_retried(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", httpx.ConnectError("refused"), self.job())
        stub.reply("CancelJobPoll", self.poll(done=True, cancelled=True))
        action = call()
        data = CancelOrderInput(reason=CancelReason.CUSTOMER)
        outcome = await adapter.cancel_order(an_order(), data, refund=False, call=action)
        assert outcome.status == "succeeded"
        assert stub.operations() == ["OrderCancel", "OrderCancel", "CancelJobPoll"]
        assert action.write_sent

    async def test_a_read_timeout_on_the_mutation_is_not_retried(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", httpx.ReadTimeout("timed out"), self.job())
        # The ambiguous cancel is settled by re-reading the order (test_reconcile.py), never
        # by re-sending it: not cancelled on any re-read stays unknown.
        stub.reply("OrderForAction", *[{"order": order_node()}] * 3)
        data = CancelOrderInput(reason=CancelReason.CUSTOMER)
        with pytest.raises(UpstreamUnavailable) as caught:
            await adapter.cancel_order(an_order(), data, refund=False, call=call())
        assert caught.value.extensions["outcome"] == "unknown"
        assert stub.operations() == ["OrderCancel"] + ["OrderForAction"] * 3


REFUND_CREATED = {
    "refundCreate": {
        "refund": {
            "id": "gid://shopify/Refund/4401",
            "createdAt": "2026-11-23T10:15:03Z",
            "note": "Reason: customer",
            "totalRefundedSet": {
                "shopMoney": {"amount": "54.2", "currencyCode": "USD"},
                "presentmentMoney": {"amount": "54.2", "currencyCode": "USD"},
            },
            "refundLineItems": {
                "nodes": [
                    {
                        "lineItem": {"id": "gid://shopify/LineItem/9001", "name": "Ceramic mug"},
                        "quantity": 2,
                        "restockType": "NO_RESTOCK",
                        "subtotalSet": {
                            "shopMoney": {"amount": "49.2", "currencyCode": "USD"},
                            "presentmentMoney": {"amount": "49.2", "currencyCode": "USD"},
                        },
                    }
                ]
            },
            "transactions": {
                "nodes": [
                    {
                        "id": "gid://shopify/OrderTransaction/8003",
                        "kind": "REFUND",
                        "status": "SUCCESS",
                        "gateway": "gift_card",
                        "amountSet": {"shopMoney": {"amount": "20.0", "currencyCode": "USD"}},
                    },
                    {
                        "id": "gid://shopify/OrderTransaction/8004",
                        "kind": "REFUND",
                        "status": "SUCCESS",
                        "gateway": "shopify_payments",
                        "amountSet": {"shopMoney": {"amount": "34.2", "currencyCode": "USD"}},
                    },
                ]
            },
        },
        "order": {"id": ORDER_GID, "displayFinancialStatus": "REFUNDED"},
        "userErrors": [],
    }
}


class TestRefund:
    async def test_refund_from_a_multi_gateway_suggestion(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply_to_refund(REFUND_CREATED)
        data = RefundOrderInput(
            reason=CancelReason.CUSTOMER, note="Arrived broken", notify_customer=True
        )
        outcome = await adapter.refund_order(an_order(), data, call=call())

        body = stub.bodies("RefundCreate")[0]
        assert "@idempotent(key: $idempotencyKey)" in body["query"]
        assert "userErrors { field message }" in body["query"]
        assert body["variables"]["idempotencyKey"] == "idem-7f3k9q"
        assert body["variables"]["input"] == {
            "orderId": ORDER_GID,
            "notify": True,
            "note": "Reason: customer\nArrived broken",
            "shipping": {"fullRefund": True},
            "refundLineItems": [
                {
                    "lineItemId": "gid://shopify/LineItem/9001",
                    "quantity": 2,
                    "restockType": "NO_RESTOCK",
                }
            ],
            "transactions": [
                {
                    "orderId": ORDER_GID,
                    "gateway": "gift_card",
                    "kind": "REFUND",
                    "amount": "20.0",
                    "parentId": "gid://shopify/OrderTransaction/8002",
                },
                {
                    "orderId": ORDER_GID,
                    "gateway": "shopify_payments",
                    "kind": "REFUND",
                    "amount": "34.2",
                    "parentId": "gid://shopify/OrderTransaction/8001",
                },
            ],
        }
        assert_refund_4401(outcome)
        assert outcome.refund.line_items[0].restock_type == "no_restock"

    async def test_refund_in_the_presentment_currency(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("SuggestedRefund", {"order": payload("suggested_refund_presentment.json")})
        stub.reply("RefundCreate", REFUND_CREATED)
        data = RefundOrderInput(reason=CancelReason.OTHER)
        await adapter.refund_order(an_order(), data, call=call())
        refund_input = stub.bodies("RefundCreate")[0]["variables"]["input"]
        # Shop in USD, customer paid in EUR: currency is required, amounts are EUR.
        assert refund_input["currency"] == "EUR"
        assert [t["amount"] for t in refund_input["transactions"]] == ["30.0"]
        assert refund_input["note"] == "Reason: other"

    async def test_preview_refund(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply("SuggestedRefund", {"order": payload("suggested_refund_presentment.json")})
        summary = await adapter.preview_refund(an_order(), None, call=call())
        assert stub.bodies()[0]["variables"] == {"id": ORDER_GID}
        assert (
            "suggestedRefund(suggestFullRefund: true, refundShipping: true)"
            in (stub.bodies()[0]["query"])
        )
        assert summary.total == Money.of("30", "EUR")
        assert summary.shipping == Money.of("5", "EUR")
        assert summary.maximum_refundable == Money.of("30", "EUR")
        [line] = summary.line_items
        assert (line.line_item_id, line.name, line.quantity) == ("9101", "Linen apron", 1)
        assert line.amount == Money.of("25", "EUR")
        [transaction] = summary.transactions
        assert (transaction.gateway, transaction.kind) == ("shopify_payments", "suggested_refund")
        assert transaction.amount == Money.of("30", "EUR")

    async def test_legacy_version_sends_no_idempotent_directive(
        self, http: httpx.AsyncClient, router: Any
    ) -> None:
        stub = ShopifyStub(router, endpoint("2025-10"))
        legacy = ShopifyAdapter(ShopifyClient(connection("2025-10"), http, policy=policy(Sleeps())))
        stub.reply_to_refund(REFUND_CREATED)
        await legacy.refund_order(
            an_order(), RefundOrderInput(reason=CancelReason.CUSTOMER), call=call()
        )
        body = stub.bodies("RefundCreate")[0]
        assert "@idempotent" not in body["query"]
        assert "idempotencyKey" not in body["variables"]

    async def test_nothing_to_refund(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        node = payload("suggested_refund_multi_gateway.json")
        zero = {
            "shopMoney": {"amount": "0.0", "currencyCode": "USD"},
            "presentmentMoney": {"amount": "0.0", "currencyCode": "USD"},
        }
        node["suggestedRefund"].update(
            maximumRefundableSet=zero, amountSet=zero, suggestedTransactions=[]
        )
        stub.reply("SuggestedRefund", {"order": node})
        with pytest.raises(PlatformRejected, match="nothing is left to refund"):
            await adapter.refund_order(
                an_order(), RefundOrderInput(reason=CancelReason.CUSTOMER), call=call()
            )
        assert stub.operations() == ["SuggestedRefund"]

    async def test_order_gone(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply("SuggestedRefund", {"order": None})
        with pytest.raises(NotFound):
            await adapter.preview_refund(an_order(), None, call=call())

    async def test_a_read_timeout_is_retried_with_the_same_key(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply_to_refund(httpx.ReadTimeout("timed out"), REFUND_CREATED)
        outcome = await adapter.refund_order(
            an_order(), RefundOrderInput(reason=CancelReason.CUSTOMER), call=call()
        )
        assert outcome.status == "succeeded"
        first, second = stub.bodies("RefundCreate")
        assert first == second
        assert first["variables"]["idempotencyKey"] == "idem-7f3k9q"

    async def test_over_refund_user_error_with_null_field(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        message = "Refund amount $999.00 is greater than net payment received $35.00"
        stub.reply_to_refund(
            {
                "refundCreate": {
                    "refund": None,
                    "order": None,
                    "userErrors": [{"field": None, "message": message}],
                }
            },
        )
        with pytest.raises(PlatformRejected) as caught:
            await adapter.refund_order(
                an_order(), RefundOrderInput(reason=CancelReason.CUSTOMER), call=call()
            )
        assert type(caught.value) is PlatformRejected
        assert caught.value.extensions["platform_errors"] == [PlatformMessage(message=message)]
        assert message in str(caught.value)


class TestNote:
    @pytest.mark.parametrize(
        ("mode", "expected"),
        [
            (NoteMode.REPLACE, "Call back Monday"),
            (NoteMode.APPEND, "Gift wrap please\nCall back Monday"),
        ],
    )
    async def test_edit_note(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, mode: NoteMode, expected: str
    ) -> None:
        stub.reply(
            "OrderUpdateNote",
            {"orderUpdate": {"order": {"id": ORDER_GID, "note": expected}, "userErrors": []}},
        )
        data = EditOrderNoteInput(note="Call back Monday", mode=mode)
        outcome = await adapter.edit_order_note(an_order(), data, call=call())
        assert stub.bodies()[0]["variables"] == {"input": {"id": ORDER_GID, "note": expected}}
        assert (outcome.note, outcome.previous_note) == (expected, "Gift wrap please")

    async def test_append_to_an_empty_note(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "OrderUpdateNote",
            {"orderUpdate": {"order": {"id": ORDER_GID, "note": "Hi"}, "userErrors": []}},
        )
        data = EditOrderNoteInput(note="Hi", mode=NoteMode.APPEND)
        await adapter.edit_order_note(an_order(note=None), data, call=call())
        assert stub.bodies()[0]["variables"]["input"]["note"] == "Hi"

    async def test_user_errors(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply(
            "OrderUpdateNote",
            {
                "orderUpdate": {
                    "order": None,
                    "userErrors": [{"field": ["id"], "message": "Order does not exist"}],
                }
            },
        )
        with pytest.raises(PlatformRejected) as caught:
            await adapter.edit_order_note(an_order(), EditOrderNoteInput(note="x"), call=call())
        assert caught.value.extensions["platform_errors"] == [
            PlatformMessage(message="Order does not exist", field=["id"])
        ]


def discount_created(
    value: dict[str, Any], items: dict[str, Any], ends_at: str | None
) -> dict[str, Any]:
    return {
        "discountCodeBasicCreate": {
            "codeDiscountNode": {
                "id": "gid://shopify/DiscountCodeNode/1201",
                "codeDiscount": {
                    "__typename": "DiscountCodeBasic",
                    "title": "Helpdesk code SORRY15",
                    "status": "ACTIVE",
                    "startsAt": "2026-11-23T10:15:00Z",
                    "endsAt": ends_at,
                    "usageLimit": 1,
                    "appliesOncePerCustomer": True,
                    "codes": {
                        "nodes": [{"id": "gid://shopify/DiscountRedeemCode/1", "code": "SORRY15"}]
                    },
                    "customerGets": {"value": value, "items": items},
                },
            },
            "userErrors": [],
        }
    }


PERCENT = {"__typename": "DiscountPercentage", "percentage": 0.3}
ALL_ITEMS = {"__typename": "AllDiscountItems", "allItems": True}


class TestDiscount:
    def customer(self) -> Any:
        return from_shopify_customer(customer_node(), handle="acme")

    async def test_percentage_code_for_one_customer(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("CodeDiscountByCode", {"codeDiscountNodeByCode": None})
        stub.reply(
            "DiscountCodeBasicCreate",
            discount_created(PERCENT, ALL_ITEMS, "2027-02-23T10:15:00Z"),
        )
        data = CreateDiscountCodeInput(
            code="SORRY15",
            type=DiscountType.PERCENTAGE,
            value="30",
            expiry=DiscountExpiry.THREE_MONTHS,
        )
        outcome = await adapter.create_discount_code(self.customer(), data, call=call())

        assert stub.bodies("CodeDiscountByCode")[0]["variables"] == {"code": "SORRY15"}
        sent = stub.bodies("DiscountCodeBasicCreate")[0]["variables"]["basicCodeDiscount"]
        assert sent == {
            "title": "Helpdesk code SORRY15",
            "code": "SORRY15",
            "startsAt": "2026-11-23T10:15:00Z",
            "endsAt": "2027-02-23T10:15:00Z",
            "context": {"customers": {"add": ["gid://shopify/Customer/7001"]}},
            "customerGets": {"value": {"percentage": 0.3}, "items": {"all": True}},
            "usageLimit": 1,
            "appliesOncePerCustomer": True,
            "combinesWith": {
                "productDiscounts": False,
                "orderDiscounts": False,
                "shippingDiscounts": False,
            },
        }
        code = outcome.discount_code
        assert code is not None
        assert (code.id, code.code, code.value, code.applies_to) == (
            "1201",
            "SORRY15",
            "30.00",
            "all",
        )
        assert code.starts_at == NOW
        assert code.status == "active"
        assert code.admin_url == "https://admin.shopify.com/store/acme/discounts/1201"

    async def test_fixed_amount_on_a_collection_never_expiring(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        amount = {
            "__typename": "DiscountAmount",
            "amount": {"amount": "15.0", "currencyCode": "USD"},
            "appliesOnEachItem": False,
        }
        collections = {
            "__typename": "DiscountCollections",
            "collections": {"nodes": [{"id": "gid://shopify/Collection/456"}]},
        }
        stub.reply("CodeDiscountByCode", {"codeDiscountNodeByCode": None})
        stub.reply("DiscountCodeBasicCreate", discount_created(amount, collections, None))
        data = CreateDiscountCodeInput(
            code="SORRY15",
            type=DiscountType.FIXED_AMOUNT,
            value="15",
            collection_id="456",
            expiry=DiscountExpiry.NEVER,
            title="Goodwill (ticket 1234)",
        )
        outcome = await adapter.create_discount_code(self.customer(), data, call=call())
        sent = stub.bodies("DiscountCodeBasicCreate")[0]["variables"]["basicCodeDiscount"]
        assert sent["customerGets"] == {
            "value": {"discountAmount": {"amount": "15", "appliesOnEachItem": False}},
            "items": {"collections": {"add": ["gid://shopify/Collection/456"]}},
        }
        assert "endsAt" not in sent
        assert sent["title"] == "Goodwill (ticket 1234)"
        code = outcome.discount_code
        assert code is not None
        assert (code.value, code.currency, code.applies_to, code.collection_id) == (
            "15.00",
            "USD",
            "collection",
            "456",
        )
        assert code.ends_at is None

    async def test_month_end_is_clamped(self, http: httpx.AsyncClient, stub: ShopifyStub) -> None:
        jan31 = datetime(2027, 1, 31, 8, 0, tzinfo=UTC)
        client = ShopifyClient(connection(), http, policy=policy(Sleeps()))
        clamped = ShopifyAdapter(client, clock=lambda: jan31)
        stub.reply("CodeDiscountByCode", {"codeDiscountNodeByCode": None})
        stub.reply("DiscountCodeBasicCreate", discount_created(PERCENT, ALL_ITEMS, None))
        data = CreateDiscountCodeInput(
            code="SORRY15",
            type=DiscountType.PERCENTAGE,
            value="15.5",
            expiry=DiscountExpiry.ONE_MONTH,
        )
        await clamped.create_discount_code(self.customer(), data, call=call())
        sent = stub.bodies("DiscountCodeBasicCreate")[0]["variables"]["basicCodeDiscount"]
        assert (sent["startsAt"], sent["endsAt"]) == (
            "2027-01-31T08:00:00Z",
            "2027-02-28T08:00:00Z",
        )
        assert sent["customerGets"]["value"] == {"percentage": 0.155}

    async def test_a_code_that_exists_is_refused_before_creating(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "CodeDiscountByCode",
            {"codeDiscountNodeByCode": {"id": "gid://shopify/DiscountCodeNode/99"}},
        )
        data = CreateDiscountCodeInput(
            code="SORRY15", type=DiscountType.PERCENTAGE, value="10", expiry=DiscountExpiry.NEVER
        )
        with pytest.raises(DiscountCodeTaken) as caught:
            await adapter.create_discount_code(self.customer(), data, call=call())
        assert caught.value.status == 409
        assert stub.operations() == ["CodeDiscountByCode"]

    async def test_taken_user_error_is_a_conflict(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        message = "Code must be unique. Please try a different code."
        stub.reply("CodeDiscountByCode", {"codeDiscountNodeByCode": None})
        stub.reply(
            "DiscountCodeBasicCreate",
            {
                "discountCodeBasicCreate": {
                    "codeDiscountNode": None,
                    "userErrors": [
                        {
                            "field": ["basicCodeDiscount", "code"],
                            "message": message,
                            "code": "TAKEN",
                            "extraInfo": None,
                        }
                    ],
                }
            },
        )
        data = CreateDiscountCodeInput(
            code="SORRY15", type=DiscountType.PERCENTAGE, value="10", expiry=DiscountExpiry.NEVER
        )
        with pytest.raises(DiscountCodeTaken) as caught:
            await adapter.create_discount_code(self.customer(), data, call=call())
        assert caught.value.status == 409
        assert caught.value.extensions["platform_errors"] == [
            PlatformMessage(message=message, field=["basicCodeDiscount", "code"], code="TAKEN")
        ]

    async def test_other_user_errors_are_rejections(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("CodeDiscountByCode", {"codeDiscountNodeByCode": None})
        stub.reply(
            "DiscountCodeBasicCreate",
            {
                "discountCodeBasicCreate": {
                    "codeDiscountNode": None,
                    "userErrors": [
                        {
                            "field": [
                                "basicCodeDiscount",
                                "customerGets",
                                "items",
                                "collections",
                                "add",
                            ],
                            "message": "Collection with id: 999 is invalid",
                            "code": "INVALID",
                            "extraInfo": None,
                        }
                    ],
                }
            },
        )
        data = CreateDiscountCodeInput(
            code="SORRY15",
            type=DiscountType.FIXED_AMOUNT,
            value="5",
            collection_id="999",
            expiry=DiscountExpiry.SIX_MONTHS,
        )
        with pytest.raises(PlatformRejected) as caught:
            await adapter.create_discount_code(self.customer(), data, call=call())
        assert type(caught.value) is PlatformRejected
        assert "Collection with id: 999 is invalid" in str(caught.value)

    async def test_a_malformed_collection_id_is_refused(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        data = CreateDiscountCodeInput(
            code="SORRY15",
            type=DiscountType.FIXED_AMOUNT,
            value="5",
            collection_id="gid://shopify/Product/1",
            expiry=DiscountExpiry.NEVER,
        )
        with pytest.raises(ValidationFailed):
            await adapter.create_discount_code(self.customer(), data, call=call())
        assert stub.requests == []


async def test_build_shopify_adapter(http: httpx.AsyncClient) -> None:
    adapter = build_shopify_adapter(connection(), http)
    assert adapter.platform == "shopify"
    assert adapter.client.endpoint == ENDPOINT
    assert supported_actions(adapter) == ORDER_ACTIONS | {
        ActionName.EDIT_ORDER_TAGS,
        ActionName.UPDATE_SHIPPING_ADDRESS,
    }


async def test_api_base_url_overrides_the_shop_host(http: httpx.AsyncClient) -> None:
    overridden = connection().model_copy(update={"api_base_url": "http://127.0.0.1:8080/shopify"})
    adapter = build_shopify_adapter(overridden, http)
    assert adapter.client.endpoint == "http://127.0.0.1:8080/shopify/admin/api/2026-07/graphql.json"
