"""reschedule_subscription_order on Ordergroove:
``PATCH /subscriptions/{id}/change_next_order_date/`` with ``{"order_date": "YYYY-MM-DD"}``,
gated before the call, and never re-sent blindly: an ambiguous failure is settled by
re-reading the next order's date."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from action_gateway.domain.models import (
    ActionOutcome,
    RescheduleSubscriptionOrderInput,
    Subscription,
    SubscriptionChange,
)
from action_gateway.errors import NotFound, Outcome, PlatformRejected, UpstreamUnavailable
from action_gateway.platforms.ordergroove import OrdergrooveAdapter
from action_gateway.platforms.ordergroove.endpoints import (
    CHANGE_NEXT_ORDER_DATE,
    GET_SUBSCRIPTION,
    LIST_ORDERS,
)
from tests.platforms.kit import LOST_IN_TRANSIT
from tests.platforms.ordergroove.helpers import (
    ORDER_DEC,
    ORDER_JAN,
    PREPAID_CONTEXT,
    SUB_COFFEE,
    OrdergrooveStub,
    call,
    error,
    item_body,
    ok,
    order_body,
    read_then_answered,
    subscription_body,
)
from tests.platforms.ordergroove.test_adapter import DEC, JAN, load, next_order_read

NEW = date(2026, 12, 19)
NEW_PLACE = "2026-12-19 00:00:00"
LOST = [
    *LOST_IN_TRANSIT,
    pytest.param(error(500, "A server error occurred."), id="500-after-sending"),
]


def to(day: date, reason: str | None = None) -> RescheduleSubscriptionOrderInput:
    # The date's "after today" check is the input model's (tests/domain); not re-run here.
    return RescheduleSubscriptionOrderInput.model_construct(date=day, reason=reason)


def upcoming(stub: OrdergrooveStub, place: str = DEC, **order: Any) -> None:
    """The next order read: the December order (or ``place``) and January's, both holding it."""
    next_order_read(
        stub,
        [order_body(ORDER_DEC, place, **order), order_body(ORDER_JAN, JAN)],
        [item_body("i-dec", ORDER_DEC), item_body("i-jan", ORDER_JAN)],
    )


async def loaded(
    adapter: OrdergrooveAdapter, stub: OrdergrooveStub, **subscription: Any
) -> Subscription:
    """The subscription as the flow read it, then as the adapter re-reads it before the call."""
    found = await load(adapter, stub)
    stub.reply(GET_SUBSCRIPTION, ok(subscription_body(**subscription)))
    return found


async def change_answered(
    adapter: OrdergrooveAdapter, stub: OrdergrooveStub, *answers: Any
) -> Subscription:
    """The subscription loaded, its upcoming orders read, then ``answers`` to the date change."""
    subscription = loaded(adapter, stub)
    return await read_then_answered(subscription, stub, upcoming, CHANGE_NEXT_ORDER_DATE, *answers)


async def reschedule(
    adapter: OrdergrooveAdapter, subscription: Subscription, day: date = NEW
) -> ActionOutcome:
    return await adapter.reschedule_subscription_order(subscription, to(day), call=call())


class TestReschedule:
    async def test_sends_the_date_and_reads_it_back(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await change_answered(adapter, stub, ok(subscription_body()))
        upcoming(stub, NEW_PLACE)

        outcome = await reschedule(adapter, subscription)

        assert outcome.status == "succeeded"
        assert outcome.subscription == SubscriptionChange(
            previous_order_date=date(2026, 12, 5), next_order_date=NEW
        )
        assert outcome.messages == []
        [sent] = stub.sent(CHANGE_NEXT_ORDER_DATE)
        assert sent.url.path == f"/subscriptions/{SUB_COFFEE}/change_next_order_date/"
        assert stub.bodies(CHANGE_NEXT_ORDER_DATE) == [{"order_date": "2026-12-19"}]

    async def test_the_platforms_own_date_is_reported_when_it_differs(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await change_answered(adapter, stub, ok(subscription_body()))
        upcoming(stub, "2026-12-20 00:00:00")
        outcome = await reschedule(adapter, subscription)
        assert outcome.subscription is not None
        assert outcome.subscription.next_order_date == date(2026, 12, 20)
        assert outcome.messages == ["Ordergroove now shows the next order on 2026-12-20."]

    async def test_already_on_that_date_sends_nothing(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await loaded(adapter, stub)
        upcoming(stub)
        outcome = await reschedule(adapter, subscription, date(2026, 12, 5))
        assert outcome.status == "succeeded"
        assert "nothing was sent" in outcome.messages[0]
        assert stub.sent(CHANGE_NEXT_ORDER_DATE) == []

    @pytest.mark.parametrize(
        ("subscription", "order", "match"),
        [
            ({"live": False}, None, "not live"),
            ({"prepaid_subscription_context": PREPAID_CONTEXT}, None, "prepaid"),
            ({}, {"locked": True}, "locked"),
            ({}, {"status": 6}, "no upcoming"),
        ],
        ids=["not_live", "prepaid", "locked_order", "order_in_flight"],
    )
    async def test_gated_before_the_call(
        self,
        adapter: OrdergrooveAdapter,
        stub: OrdergrooveStub,
        subscription: dict[str, Any],
        order: dict[str, Any] | None,
        match: str,
    ) -> None:
        found = await loaded(adapter, stub, **subscription)
        if order is not None:
            next_order_read(stub, [order_body(ORDER_DEC, DEC, **order)], [item_body("i-dec")])
        with pytest.raises(PlatformRejected, match=match):
            await reschedule(adapter, found)
        assert stub.sent(CHANGE_NEXT_ORDER_DATE) == []

    async def test_a_vanished_subscription_is_not_found(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        stub.reply(GET_SUBSCRIPTION, error(404, "Unable to find requested asset."))
        with pytest.raises(NotFound) as caught:
            await reschedule(adapter, subscription)
        assert caught.value.instance_code == "subscription_not_found"

    async def test_a_refusal_reaches_the_caller_verbatim_and_is_not_retried(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await change_answered(
            adapter, stub, error(400, "order_date must be in the future.")
        )
        with pytest.raises(PlatformRejected, match=r"order_date must be in the future\."):
            await reschedule(adapter, subscription)
        assert len(stub.sent(CHANGE_NEXT_ORDER_DATE)) == 1


class TestLostAnswer:
    @pytest.mark.parametrize("lost", LOST)
    async def test_the_date_moved_means_it_went_through(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub, lost: Any
    ) -> None:
        subscription = await change_answered(adapter, stub, lost)
        upcoming(stub, NEW_PLACE)
        outcome = await reschedule(adapter, subscription)
        assert outcome.status == "succeeded"
        assert outcome.subscription == SubscriptionChange(
            previous_order_date=date(2026, 12, 5), next_order_date=NEW
        )
        assert "lost" in outcome.messages[0]
        assert len(stub.sent(CHANGE_NEXT_ORDER_DATE)) == 1  # settled by reading, not re-sending

    @pytest.mark.parametrize("lost", LOST)
    async def test_the_old_date_means_not_executed(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub, lost: Any
    ) -> None:
        subscription = await change_answered(adapter, stub, lost)
        upcoming(stub)
        with pytest.raises(UpstreamUnavailable, match="not moved") as caught:
            await reschedule(adapter, subscription)
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert len(stub.sent(CHANGE_NEXT_ORDER_DATE)) == 1

    @pytest.mark.parametrize(
        "reread",
        [
            pytest.param([httpx.ConnectError("refused")] * 4, id="cannot_be_read"),
            pytest.param([ok({"next": None, "previous": None, "results": []})], id="no_order_left"),
        ],
    )
    async def test_when_the_reread_cannot_tell_the_outcome_stays_unknown(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub, reread: list[Any]
    ) -> None:
        subscription = await change_answered(adapter, stub, httpx.ReadTimeout("timed out"))
        stub.reply(LIST_ORDERS, *reread)
        with pytest.raises(UpstreamUnavailable) as caught:
            await reschedule(adapter, subscription)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.sent(CHANGE_NEXT_ORDER_DATE)) == 1
