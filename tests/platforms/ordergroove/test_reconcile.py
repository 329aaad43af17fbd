"""Ambiguous write failures: the request may have run, so the adapter re-reads before answering.

Neither cancel nor skip is ever re-sent blindly (no idempotency keys; a second skip would skip
the next cycle too): each PATCH leaves exactly once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from action_gateway.domain.models import (
    ActionOutcome,
    CancelSubscriptionInput,
    SkipSubscriptionOrderInput,
    Subscription,
)
from action_gateway.errors import (
    DeadlineExceeded,
    GatewayError,
    Outcome,
    UpstreamError,
    UpstreamUnavailable,
)
from action_gateway.platforms.ordergroove import OrdergrooveAdapter
from action_gateway.platforms.ordergroove.endpoints import (
    CANCEL_SUBSCRIPTION,
    GET_SUBSCRIPTION,
    LIST_ITEMS,
    LIST_ORDERS,
    SKIP_SUBSCRIPTION,
)
from tests.platforms.kit import LOST_IN_TRANSIT
from tests.platforms.ordergroove.helpers import (
    ORDER_DEC,
    ORDER_JAN,
    SUB_COFFEE,
    OrdergrooveStub,
    call,
    cancelled_body,
    error,
    item_body,
    ok,
    order_body,
    page,
    read_then_answered,
    subscription_body,
)
from tests.platforms.ordergroove.test_adapter import DEC, JAN, load, next_order_read

LOST = [
    *LOST_IN_TRANSIT,
    pytest.param(error(500, "A server error occurred."), id="500-after-sending"),
]


def before_skip(stub: OrdergrooveStub) -> None:
    next_order_read(
        stub,
        [order_body(ORDER_DEC, DEC), order_body(ORDER_JAN, JAN)],
        [item_body("i-dec", ORDER_DEC), item_body("i-jan", ORDER_JAN)],
    )


async def skip(adapter: OrdergrooveAdapter, subscription: Subscription) -> ActionOutcome:
    return await adapter.skip_subscription_order(
        subscription, SkipSubscriptionOrderInput(), call=call()
    )


async def loaded_for_skip(
    adapter: OrdergrooveAdapter, stub: OrdergrooveStub, *answers: Any
) -> Subscription:
    """The subscription, read; the skip it is about to get is answered with ``answers``."""
    return await read_then_answered(
        load(adapter, stub), stub, before_skip, SKIP_SUBSCRIPTION, *answers
    )


def items_after_skip(stub: OrdergrooveStub, *replies: Any) -> None:
    """What the December order's items read answers when the skip is reconciled."""
    stub.reply(LIST_ITEMS, *replies, subscription=SUB_COFFEE, order=ORDER_DEC)


class TestSkip:
    @pytest.mark.parametrize("lost", LOST)
    async def test_applied_but_the_answer_was_lost(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub, lost: Exception
    ) -> None:
        subscription = await loaded_for_skip(
            adapter, stub, lost
        )  # the platform applied it; the answer never came
        items_after_skip(stub, ok(page()))
        next_order_read(
            stub,
            [order_body(ORDER_DEC, DEC), order_body(ORDER_JAN, JAN)],
            [item_body("i-jan", ORDER_JAN)],
        )
        outcome = await skip(adapter, subscription)
        assert outcome.status == "succeeded"
        change = outcome.subscription
        assert change is not None
        assert (change.skipped_order_date, change.next_order_date) == (
            date(2026, 12, 5),
            date(2027, 1, 5),
        )
        assert "lost" in outcome.messages[0]
        assert len(stub.sent(SKIP_SUBSCRIPTION)) == 1
        check = stub.sent(LIST_ITEMS)[1]
        # The check reads the order itself (no status filter: it may have been placed since).
        assert dict(check.url.params) == {
            "subscription": SUB_COFFEE,
            "order": ORDER_DEC,
            "page_size": "100",
        }

    @pytest.mark.parametrize(
        ("lost", "items", "outcome", "match"),
        [
            *[
                pytest.param(
                    case.values[0],
                    [ok(page(item_body("i-dec", ORDER_DEC)))],
                    Outcome.NOT_EXECUTED,
                    "still on order",
                    id=f"not_applied_is_not_executed-{case.id}",
                )
                for case in LOST
            ],
            pytest.param(
                httpx.ReadTimeout("timed out"),
                [httpx.ConnectError("refused")] * 4,
                Outcome.UNKNOWN,
                None,
                id="cannot_tell_stays_unknown",
            ),
        ],
    )
    async def test_a_lost_answer_is_settled_by_the_orders_items(
        self,
        adapter: OrdergrooveAdapter,
        stub: OrdergrooveStub,
        lost: Exception,
        items: list[Any],
        outcome: Outcome,
        match: str | None,
    ) -> None:
        subscription = await loaded_for_skip(adapter, stub, lost)
        items_after_skip(stub, *items)
        with pytest.raises(UpstreamUnavailable, match=match) as caught:
            await skip(adapter, subscription)
        assert caught.value.extensions["outcome"] is outcome
        assert len(stub.sent(SKIP_SUBSCRIPTION)) == 1

    async def test_applied_but_the_new_date_cannot_be_read(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await loaded_for_skip(adapter, stub, ok(order_body(ORDER_DEC, DEC)))
        stub.reply(LIST_ORDERS, error(403, "Authentication Failed"))
        outcome = await skip(adapter, subscription)
        change = outcome.subscription
        assert change is not None
        assert change.skipped_order_date == date(2026, 12, 5)
        assert change.next_order_date is None
        assert "could not be read" in outcome.messages[0]

    async def test_a_clear_refusal_is_not_reconciled(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await loaded_for_skip(
            adapter, stub, error(400, "Subscription is not part of this order.")
        )
        with pytest.raises(GatewayError, match="Subscription is not part of this order"):
            await skip(adapter, subscription)
        assert stub.calls()[-1] == f"PATCH /orders/{ORDER_DEC}/skip_subscription/"


class TestCancel:
    async def cancel(
        self,
        adapter: OrdergrooveAdapter,
        stub: OrdergrooveStub,
        answer: httpx.Response | Exception,
        *rereads: httpx.Response | Exception,
    ) -> ActionOutcome:
        subscription = await load(adapter, stub)
        stub.reply(GET_SUBSCRIPTION, ok(subscription_body()), *rereads)
        stub.reply(CANCEL_SUBSCRIPTION, answer)
        return await adapter.cancel_subscription(
            subscription,
            CancelSubscriptionInput(reason="4", reason_details="Overstocked"),
            call=call(),
        )

    @pytest.mark.parametrize("lost", LOST)
    async def test_applied_but_the_answer_was_lost(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub, lost: Exception
    ) -> None:
        outcome = await self.cancel(adapter, stub, lost, ok(cancelled_body()))
        assert outcome.status == "succeeded"
        change = outcome.subscription
        assert change is not None
        assert change.cancelled_at == datetime(2026, 11, 23, 5, 15, tzinfo=UTC)
        assert len(stub.sent(CANCEL_SUBSCRIPTION)) == 1

    @pytest.mark.parametrize("lost", LOST)
    async def test_still_live_is_not_executed(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub, lost: Exception
    ) -> None:
        with pytest.raises(UpstreamUnavailable, match="still live") as caught:
            await self.cancel(adapter, stub, lost, ok(subscription_body()))
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert len(stub.sent(CANCEL_SUBSCRIPTION)) == 1

    async def test_cannot_tell_stays_unknown(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        with pytest.raises(UpstreamError, match="A server error occurred") as caught:
            await self.cancel(
                adapter, stub, error(500, "A server error occurred."), *[httpx.Response(503)] * 4
            )
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.sent(CANCEL_SUBSCRIPTION)) == 1

    async def test_time_is_kept_for_the_re_read(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        # With less budget than the reserve left, the cancel is not even sent.
        subscription = await load(adapter, stub)
        stub.reply(GET_SUBSCRIPTION, ok(subscription_body()))
        with pytest.raises(DeadlineExceeded) as caught:
            await adapter.cancel_subscription(
                subscription, CancelSubscriptionInput(reason="4"), call=call(1.5)
            )
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert stub.sent(CANCEL_SUBSCRIPTION) == []
