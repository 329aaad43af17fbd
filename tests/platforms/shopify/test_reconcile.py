"""Ambiguous write failures: the request may have run, so the adapter re-reads before answering.

orderCancel (not deduplicated) leaves exactly once; refundCreate is only ever re-sent by the
chokepoint with the same @idempotent key, and never after the re-read.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from action_gateway.domain.models import (
    CancelOrderInput,
    CancelReason,
    IssueStoreCreditInput,
    Money,
    PartialRefundLineItem,
    PartialRefundOrderInput,
    RefundOrderInput,
)
from action_gateway.errors import (
    DeadlineExceeded,
    GatewayError,
    Outcome,
    PlatformRejected,
    UpstreamError,
    UpstreamUnavailable,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify import ShopifyAdapter, ShopifyClient
from action_gateway.platforms.shopify.mapping import from_shopify_customer, from_shopify_order
from action_gateway.platforms.shopify.reconcile import (
    RECONCILED_CANCEL,
    RECONCILED_REFUND,
    RECONCILED_STORE_CREDIT,
)
from tests.platforms.kit import LOST_IN_TRANSIT
from tests.platforms.shopify.helpers import (
    NOW,
    ShopifyStub,
    Sleeps,
    connection,
    customer_node,
    endpoint,
    order_node,
    policy,
    top_level_errors,
)
from tests.platforms.shopify.test_adapter import (
    JOB_GID,
    ORDER_GID,
    REFUND_CREATED,
    an_order,
    assert_refund_4401,
)
from tests.platforms.shopify.test_partial_refund import CARD, created, suggestion

KEY = "idem-reconcile"
INTERNAL_ERROR = {
    "message": "Internal error. Looks like something went wrong on our end.",
    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "abc"},
}

TIMED_OUT = httpx.ReadTimeout("timed out")
LOST = [
    *LOST_IN_TRANSIT,
    pytest.param(httpx.Response(500, text="<html>oops</html>"), id="500-after-sending"),
    pytest.param(top_level_errors(INTERNAL_ERROR), id="internal-error-in-a-200"),
]


def call(seconds: float = 15.0) -> ActionCall:
    return ActionCall.within(seconds, idempotency_key=KEY)


def bag(amount: str) -> dict[str, Any]:
    return {
        "shopMoney": {"amount": amount, "currencyCode": "USD"},
        "presentmentMoney": {"amount": amount, "currencyCode": "USD"},
    }


def cancelled_order(refunded: str = "0.0") -> dict[str, Any]:
    return order_node(
        cancelledAt="2026-11-23T10:15:02Z",
        cancelReason="CUSTOMER",
        displayFinancialStatus="REFUNDED" if refunded != "0.0" else "PAID",
        totalRefundedSet=bag(refunded),
        totalRefundedShippingSet=bag("5.0" if refunded != "0.0" else "0.0"),
    )


def refund_node(**changes: Any) -> dict[str, Any]:
    """The refund REFUND_CREATED reports, as the order's refunds list shows it."""
    node: dict[str, Any] = copy.deepcopy(REFUND_CREATED["refundCreate"]["refund"])
    node.update(changes)
    return node


def refunds(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"order": {"id": ORDER_GID, "refunds": list(nodes)}}


class TestCancel:
    async def cancel(
        self, adapter: ShopifyAdapter, *, refund: bool = False, action: ActionCall | None = None
    ) -> Any:
        data = CancelOrderInput(reason=CancelReason.CUSTOMER)
        return await adapter.cancel_order(an_order(), data, refund=refund, call=action or call())

    @pytest.mark.parametrize("lost", LOST)
    async def test_applied_but_the_answer_was_lost(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, lost: Any
    ) -> None:
        stub.reply("OrderCancel", lost)  # Shopify queued the cancel; the answer never came
        stub.reply("OrderForAction", {"order": cancelled_order()})
        outcome = await self.cancel(adapter)
        assert outcome.status == "succeeded"
        assert outcome.messages == [RECONCILED_CANCEL]
        assert outcome.refund is None
        assert outcome.job_id is None
        assert stub.operations() == ["OrderCancel", "OrderForAction"]
        assert stub.bodies("OrderForAction")[0]["variables"] == {"id": ORDER_GID}

    async def test_cancel_and_refund_reports_what_was_refunded(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", httpx.ReadTimeout("timed out"))
        stub.reply("OrderForAction", {"order": cancelled_order(refunded="54.2")})
        outcome = await self.cancel(adapter, refund=True)
        assert outcome.status == "succeeded"
        assert outcome.refund is not None
        assert outcome.refund.total == Money.of("54.2", "USD")
        assert outcome.refund.shipping == Money.of("5", "USD")
        assert len(stub.bodies("OrderCancel")) == 1

    async def test_cancelled_on_a_later_re_read(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, sleeps: Sleeps
    ) -> None:
        # orderCancel only queues a job: the order may turn cancelled a moment later.
        stub.reply("OrderCancel", httpx.Response(502))
        stub.reply("OrderForAction", {"order": order_node()}, {"order": cancelled_order()})
        outcome = await self.cancel(adapter)
        assert outcome.status == "succeeded"
        assert sleeps.waits == [0.5]
        assert stub.operations() == ["OrderCancel", "OrderForAction", "OrderForAction"]

    @pytest.mark.parametrize("lost", LOST)
    async def test_not_cancelled_yet_stays_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, lost: Any
    ) -> None:
        # Not cancelled proves nothing: the queued job may still cancel it, so never
        # not_executed (a retry would then send a second cancel, or a second refund).
        stub.reply("OrderCancel", lost)
        stub.reply("OrderForAction", *[{"order": order_node()}] * 3)
        with pytest.raises(UpstreamError, match="not cancelled yet") as caught:
            await self.cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert stub.operations() == ["OrderCancel"] + ["OrderForAction"] * 3

    async def test_re_reads_stop_before_the_budget_runs_out(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, sleeps: Sleeps
    ) -> None:
        # 2.25 s keeps every decision 0.25 s away from its threshold, so real elapsed time on a
        # loaded machine cannot change which branch runs.
        action = call(2.25)
        sleeps.call = action
        stub.reply("OrderCancel", httpx.ReadTimeout("timed out"))
        stub.reply("OrderForAction", *[{"order": order_node()}] * 3)
        # The cancel's budget ended before the reserve (a deadline timeout): deadline_exceeded.
        with pytest.raises(DeadlineExceeded, match="not cancelled yet") as caught:
            await self.cancel(adapter, action=action)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        # Read, wait 0.5, read; a further wait would eat the 1.5 s poll margin.
        assert stub.operations() == ["OrderCancel", "OrderForAction", "OrderForAction"]
        assert action.remaining() > 1.5

    async def test_cannot_tell_stays_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", httpx.ReadTimeout("timed out"))
        stub.reply("OrderForAction", *[httpx.Response(503)] * 4)
        with pytest.raises(UpstreamUnavailable, match="did not answer in time") as caught:
            await self.cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert stub.operations().count("OrderCancel") == 1

    async def test_an_order_gone_stays_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", httpx.Response(502))
        stub.reply("OrderForAction", {"order": None})
        with pytest.raises(UpstreamUnavailable) as caught:
            await self.cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert stub.operations() == ["OrderCancel", "OrderForAction"]

    async def test_accepted_without_a_job_is_re_read(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderCancel", {"orderCancel": {"job": None, "orderCancelUserErrors": []}})
        stub.reply("OrderForAction", {"order": cancelled_order()})
        outcome = await self.cancel(adapter)
        assert outcome.status == "succeeded"
        assert outcome.messages == [RECONCILED_CANCEL]

    async def test_a_clear_refusal_is_not_reconciled(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "OrderCancel",
            top_level_errors({"message": "Invalid id", "extensions": {"code": "BAD_REQUEST"}}),
        )
        with pytest.raises(UpstreamError) as caught:
            await self.cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert stub.operations() == ["OrderCancel"]

    async def test_the_normal_path_is_unchanged(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "OrderCancel",
            {"orderCancel": {"job": {"id": JOB_GID, "done": False}, "orderCancelUserErrors": []}},
        )
        stub.reply(
            "CancelJobPoll",
            {"job": {"id": JOB_GID, "done": True}, "order": {**cancelled_order(), "id": ORDER_GID}},
        )
        outcome = await self.cancel(adapter)
        assert (outcome.status, outcome.job_id, outcome.messages) == ("succeeded", JOB_GID, [])


class TestReserve:
    @pytest.mark.parametrize(("seconds", "expected"), [(15.0, 3.0), (3.0, 1.0)])
    async def test_writes_keep_time_back_for_the_re_read(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, seconds: float, expected: float
    ) -> None:
        reserves: dict[str, float] = {}
        execute = adapter.client.execute

        async def spy(
            operation: Any, variables: Any, *, call: ActionCall, reserve: float = 0.0
        ) -> dict[str, Any]:
            reserves.setdefault(operation.name, reserve)
            return await execute(operation, variables, call=call, reserve=reserve)

        adapter.client.execute = spy  # type: ignore[method-assign]
        stub.reply("OrderCancel", httpx.ReadTimeout("timed out"))
        stub.reply("OrderForAction", {"order": cancelled_order()})
        await adapter.cancel_order(
            an_order(),
            CancelOrderInput(reason=CancelReason.CUSTOMER),
            refund=False,
            call=call(seconds),
        )
        stub.reply_to_refund(REFUND_CREATED)
        await adapter.refund_order(
            an_order(), RefundOrderInput(reason=CancelReason.CUSTOMER), call=call(seconds)
        )
        assert reserves["OrderCancel"] == pytest.approx(expected, abs=0.05)
        assert reserves["RefundCreate"] == pytest.approx(expected, abs=0.05)
        assert reserves["OrderForAction"] == 0.0


class TestRefund:
    async def refund(self, adapter: ShopifyAdapter, stub: ShopifyStub, *replies: Any) -> Any:
        stub.reply_to_refund(*replies)
        return await adapter.refund_order(
            an_order(), RefundOrderInput(reason=CancelReason.CUSTOMER), call=call()
        )

    async def assert_stays_unknown(
        self,
        adapter: ShopifyAdapter,
        stub: ShopifyStub,
        lost: Any,
        *,
        error: type[Exception] = UpstreamUnavailable,
        match: str | None = None,
    ) -> None:
        """Every answer to the refund is lost and re-reading cannot settle it: unknown."""
        with pytest.raises(error, match=match) as caught:
            await self.refund(adapter, stub, *[lost] * 4)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN

    def assert_same_key(self, stub: ShopifyStub, attempts: int) -> None:
        bodies = stub.bodies("RefundCreate")
        assert len(bodies) == attempts
        assert all(body == bodies[0] for body in bodies)
        assert bodies[0]["variables"]["idempotencyKey"] == KEY

    @pytest.mark.parametrize("lost", LOST)
    async def test_applied_but_every_answer_was_lost(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, lost: Any
    ) -> None:
        # The chokepoint re-sends the deduplicated refund with the same key, then gives up.
        earlier = refund_node(
            id="gid://shopify/Refund/4300",
            createdAt="2026-11-21T08:00:00Z",
            note="Reason: other",
            totalRefundedSet=bag("5.0"),
        )
        stub.reply("OrderRefunds", refunds(earlier, refund_node()))
        outcome = await self.refund(adapter, stub, *[lost] * 4)
        assert_refund_4401(outcome)
        assert outcome.messages == [RECONCILED_REFUND]
        self.assert_same_key(stub, 4)
        assert stub.operations()[-1] == "OrderRefunds"
        assert stub.bodies("OrderRefunds")[0]["variables"] == {"id": ORDER_GID}

    async def test_answered_without_the_refund_is_re_read(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderRefunds", refunds(refund_node()))
        outcome = await self.refund(
            adapter,
            stub,
            {"refundCreate": {"refund": None, "order": None, "userErrors": []}},
        )
        assert outcome.status == "succeeded"
        assert outcome.messages == [RECONCILED_REFUND]
        self.assert_same_key(stub, 1)

    async def test_no_matching_refund_stays_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        # An identical refund from days ago is not ours; a refund now of another amount is
        # someone else's. Neither proves ours did not happen (it may still be processing).
        older = refund_node(id="gid://shopify/Refund/4300", createdAt="2026-11-20T08:00:00Z")
        other = refund_node(
            id="gid://shopify/Refund/4402",
            transactions={
                "nodes": [
                    {
                        "id": "gid://shopify/OrderTransaction/8009",
                        "kind": "REFUND",
                        "status": "SUCCESS",
                        "gateway": "shopify_payments",
                        "amountSet": bag("10.0"),
                    }
                ]
            },
        )
        stub.reply("OrderRefunds", refunds(older, other))
        await self.assert_stays_unknown(
            adapter, stub, httpx.ReadTimeout("timed out"), match="no refund matching this one"
        )
        self.assert_same_key(stub, 4)

    async def test_other_note_or_lines_are_not_ours(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        other_note = refund_node(id="gid://shopify/Refund/4402", note="Reason: fraud")
        fewer = refund_node(id="gid://shopify/Refund/4403")
        fewer["refundLineItems"]["nodes"][0]["quantity"] = 1
        stub.reply("OrderRefunds", refunds(other_note, fewer))
        await self.assert_stays_unknown(adapter, stub, httpx.Response(503), error=UpstreamError)

    async def test_two_matching_refunds_stay_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "OrderRefunds",
            refunds(refund_node(), refund_node(id="gid://shopify/Refund/4402")),
        )
        await self.assert_stays_unknown(
            adapter, stub, httpx.ReadTimeout("timed out"), match="2 refunds matching"
        )

    async def test_cannot_tell_stays_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderRefunds", *[httpx.ConnectError("refused")] * 4)
        await self.assert_stays_unknown(
            adapter, stub, httpx.ReadTimeout("timed out"), match="did not answer in time"
        )
        self.assert_same_key(stub, 4)

    async def test_a_refusal_is_not_reconciled(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        message = "Refund amount $999.00 is greater than net payment received $35.00"
        with pytest.raises(PlatformRejected, match="greater than net payment"):
            await self.refund(
                adapter,
                stub,
                {
                    "refundCreate": {
                        "refund": None,
                        "order": None,
                        "userErrors": [{"field": None, "message": message}],
                    }
                },
            )
        assert stub.operations() == ["SuggestedRefund", "RefundCreate"]

    async def test_legacy_version_sends_the_refund_exactly_once(
        self, http: httpx.AsyncClient, router: Any
    ) -> None:
        # Before 2026-01 there is no @idempotent key: a lost answer is never re-sent.
        stub = ShopifyStub(router, endpoint("2025-10"))
        client = ShopifyClient(connection("2025-10"), http, policy=policy(Sleeps()))
        legacy = ShopifyAdapter(client, clock=lambda: NOW)
        stub.reply_to_refund(httpx.ReadTimeout("timed out"), REFUND_CREATED)
        stub.reply("OrderRefunds", refunds(refund_node()))
        outcome = await legacy.refund_order(
            an_order(), RefundOrderInput(reason=CancelReason.CUSTOMER), call=call()
        )
        assert outcome.status == "succeeded"
        assert outcome.messages == [RECONCILED_REFUND]
        [body] = stub.bodies("RefundCreate")
        assert "idempotencyKey" not in body["variables"]

    async def test_a_refund_without_its_time_is_not_ours(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply("OrderRefunds", refunds(refund_node(createdAt=None)))
        await self.assert_stays_unknown(adapter, stub, httpx.ReadTimeout("timed out"))


class TestPartialRefund:
    async def test_applied_but_the_answer_was_lost(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        # A restocked unit is split into CANCEL and RETURN lines; Shopify's record is matched
        # on the quantity per line item, whatever the split.
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(lines=[(1, "RETURN")], amount="24.6", transactions=[(CARD, "24.6", "54.2")]),
        )
        stub.reply("RefundCreate", *[httpx.ReadTimeout("timed out")] * 4)
        node = created(
            lines=[(1, "RETURN")], total="24.6", transactions=[("shopify_payments", "24.6")]
        )["refundCreate"]["refund"]
        stub.reply("OrderRefunds", refunds({**node, "note": "Reason: customer\nChipped"}))
        data = PartialRefundOrderInput(
            line_items=[PartialRefundLineItem(line_item_id="9001", quantity=1, restock=True)],
            reason=CancelReason.CUSTOMER,
            note="Chipped",
        )
        node_order = order_node()
        [line] = node_order["lineItems"]["nodes"]
        node_order["lineItems"]["nodes"] = [
            {**line, "unfulfilledQuantity": 0, "refundableQuantity": 2}
        ]
        order = from_shopify_order(node_order, handle="acme")
        outcome = await adapter.partial_refund_order(order, data, call=call())
        assert outcome.status == "succeeded"
        assert outcome.messages == [RECONCILED_REFUND]
        assert outcome.refund is not None
        assert outcome.refund.refund_id == "4402"
        assert outcome.refund.total == Money.of("24.6", "USD")
        bodies = stub.bodies("RefundCreate")
        assert len(bodies) == 4
        assert all(body == bodies[0] for body in bodies)

    async def test_manual_amount_not_found_stays_unknown(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(amount="0.0", transactions=[(CARD, "0.0", "54.2")]),
        )
        stub.reply("RefundCreate", *[httpx.Response(502)] * 4)
        stub.reply("OrderRefunds", refunds())
        data = PartialRefundOrderInput(amount="12.00", reason=CancelReason.CUSTOMER)
        with pytest.raises(GatewayError) as caught:
            await adapter.partial_refund_order(an_order(), data, call=call())
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert "check the order's refunds" in (caught.value.detail or "")


class TestStoreCredit:
    """storeCreditAccountCredit is neither deduplicated nor marked: the credits read before the
    send are recorded, and after a lost answer only a new credit of the same amount is ours."""

    CUSTOMER = "gid://shopify/Customer/7001"
    ACCOUNT = "gid://shopify/StoreCreditAccount/31"

    def credit(self, number: int, amount: str, created: str, balance: str) -> dict[str, Any]:
        return {
            "__typename": "StoreCreditAccountCreditTransaction",
            "id": f"gid://shopify/StoreCreditAccountCreditTransaction/{number}",
            "createdAt": created,
            "event": "ADJUSTMENT",
            "amount": {"amount": amount, "currencyCode": "USD"},
            "balanceAfterTransaction": {"amount": balance, "currencyCode": "USD"},
            "expiresAt": None,
        }

    def account(self, balance: str, *credits: dict[str, Any]) -> dict[str, Any]:
        node = {
            "id": self.ACCOUNT,
            "balance": {"amount": balance, "currencyCode": "USD"},
            "transactions": {"nodes": list(credits)},
        }
        return {"customer": {"id": self.CUSTOMER, "storeCreditAccounts": {"nodes": [node]}}}

    async def issue(self, adapter: ShopifyAdapter, **input_: Any) -> Any:
        customer = from_shopify_customer(customer_node(), handle="acme")
        data = IssueStoreCreditInput(**{"amount": "15.00", "currency": "USD", **input_})
        return await adapter.issue_store_credit(customer, data, call=call())

    @pytest.mark.parametrize("lost", LOST)
    async def test_the_new_credit_of_that_amount_is_ours(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, lost: Any
    ) -> None:
        earlier = self.credit(1, "15.0", "2026-11-23T10:14:30Z", "15.0")  # same amount, older
        ours = self.credit(2, "15.0", "2026-11-23T10:15:01Z", "30.0")
        stub.reply("CustomerStoreCredit", self.account("15.0", earlier))
        stub.reply("StoreCreditAccountCredit", lost)
        stub.reply("CustomerStoreCredit", self.account("30.0", ours, earlier))
        outcome = await self.issue(adapter, notify_customer=True)
        assert outcome.status == "succeeded"
        assert outcome.messages == [RECONCILED_STORE_CREDIT]
        credit = outcome.store_credit
        assert credit.transaction_id == ours["id"]
        assert (credit.previous_balance, credit.balance) == (
            Money.of("15", "USD"),
            Money.of("30", "USD"),
        )
        assert stub.operations().count("StoreCreditAccountCredit") == 1
        [sent] = stub.bodies("StoreCreditAccountCredit")
        assert sent["variables"] == {
            "id": self.CUSTOMER,
            "creditInput": {
                "creditAmount": {"amount": "15.00", "currencyCode": "USD"},
                "notify": True,
            },
        }
        read = stub.bodies("CustomerStoreCredit")[0]["variables"]
        assert read == {"id": self.CUSTOMER, "accounts": "currency_code:USD"}

    @pytest.mark.parametrize(
        "after",
        [
            pytest.param([], id="no-new-credit"),
            pytest.param([("3", "15.0"), ("4", "15.0")], id="two-new-credits"),
            pytest.param([("3", "9.0")], id="another-amount"),
        ],
    )
    async def test_anything_else_stays_unknown_and_is_never_sent_again(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, after: list[tuple[str, str]]
    ) -> None:
        earlier = self.credit(1, "15.0", "2026-11-23T10:14:30Z", "15.0")
        new = [self.credit(int(n), a, "2026-11-23T10:15:01Z", "0") for n, a in after]
        stub.reply("CustomerStoreCredit", self.account("15.0", earlier))
        stub.reply("StoreCreditAccountCredit", httpx.ReadTimeout("timed out"))
        stub.reply("CustomerStoreCredit", self.account("15.0", *new, earlier))
        with pytest.raises(GatewayError, match="before issuing it again") as caught:
            await self.issue(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert stub.operations().count("StoreCreditAccountCredit") == 1

    async def test_a_refusal_is_passed_on_with_its_code(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "CustomerStoreCredit",
            {"customer": {"id": self.CUSTOMER, "storeCreditAccounts": {"nodes": []}}},
        )
        refused = {
            "field": ["creditInput", "creditAmount", "amount"],
            "message": "The operation would cause the account's credit limit to be exceeded",
            "code": "CREDIT_LIMIT_EXCEEDED",
        }
        stub.reply(
            "StoreCreditAccountCredit",
            {
                "storeCreditAccountCredit": {
                    "storeCreditAccountTransaction": None,
                    "userErrors": [refused],
                }
            },
        )
        with pytest.raises(PlatformRejected) as caught:
            await self.issue(adapter, amount="100000.00")
        [message] = caught.value.extensions["platform_errors"]
        assert (message.message, message.code) == (refused["message"], "CREDIT_LIMIT_EXCEEDED")
        assert caught.value.extensions.get("outcome") is not Outcome.UNKNOWN
