"""reschedule_subscription_order on Recharge: ``POST /subscriptions/{id}/set_next_charge_date``
with ``{"date": "YYYY-MM-DD"}``, gated before the call (active, not prepaid, a next charge), and
never re-sent blindly: an ambiguous failure is settled by re-reading ``next_charge_scheduled_at``
(``updated_at`` does not move with it)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from action_gateway.domain.models import (
    ActionOutcome,
    RescheduleSubscriptionOrderInput,
    SubscriptionChange,
)
from action_gateway.errors import GatewayError, Outcome, PlatformRejected, UpstreamUnavailable
from action_gateway.platforms.recharge import RechargeAdapter
from action_gateway.platforms.recharge.adapter import STALE_DATE_NOTE
from action_gateway.platforms.recharge.endpoints import GET_SUBSCRIPTION, SET_NEXT_CHARGE_DATE
from tests.platforms.kit import LOST_IN_TRANSIT
from tests.platforms.recharge.helpers import RechargeStub, call, error, ok
from tests.platforms.recharge.test_actions import SUBSCRIPTION_PATH, a_subscription, sub

BEFORE = date(2026, 12, 1)
NEW = date(2026, 12, 15)
LOST = [*LOST_IN_TRANSIT, pytest.param(error(500, "Internal Server Error"), id="500")]


async def reschedule(adapter: RechargeAdapter, day: date = NEW) -> ActionOutcome:
    # The date's "after today" check is the input model's (tests/domain); not re-run here.
    data = RescheduleSubscriptionOrderInput.model_construct(date=day, reason=None)
    return await adapter.reschedule_subscription_order(a_subscription(), data, call=call())


class TestReschedule:
    async def test_sends_the_date_and_takes_recharges_answer(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        stub.reply(SET_NEXT_CHARGE_DATE, sub(next_charge_scheduled_at="2026-12-15"))
        outcome = await reschedule(adapter)

        assert stub.calls() == [
            f"GET {SUBSCRIPTION_PATH}",
            f"POST {SUBSCRIPTION_PATH}/set_next_charge_date",
        ]
        [post] = stub.sent(SET_NEXT_CHARGE_DATE)
        assert json.loads(post.content) == {"date": "2026-12-15"}
        assert post.headers["Content-Type"] == "application/json"
        assert outcome.status == "succeeded"
        assert outcome.subscription == SubscriptionChange(
            previous_order_date=BEFORE, next_order_date=NEW
        )
        assert outcome.messages == []

    async def test_an_answer_without_the_date_says_so(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        stub.reply(SET_NEXT_CHARGE_DATE, ok({}))
        outcome = await reschedule(adapter)
        assert outcome.subscription == SubscriptionChange(previous_order_date=BEFORE)
        assert outcome.messages == [STALE_DATE_NOTE]

    async def test_already_on_that_date_sends_nothing(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        outcome = await reschedule(adapter, BEFORE)
        assert outcome.status == "succeeded"
        assert "nothing was sent" in outcome.messages[0]
        assert stub.sent(SET_NEXT_CHARGE_DATE) == []

    @pytest.mark.parametrize(
        ("changes", "match"),
        [
            ({"status": "cancelled"}, "only an active subscription"),
            ({"status": "EXPIRED"}, "only an active subscription"),
            ({"is_prepaid": True}, "prepaid"),
            ({"next_charge_scheduled_at": None}, "no next charge"),
        ],
        ids=["cancelled", "expired", "prepaid", "no_next_charge"],
    )
    async def test_gated_before_the_call(
        self, adapter: RechargeAdapter, stub: RechargeStub, changes: dict[str, Any], match: str
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(**changes))
        with pytest.raises(PlatformRejected, match=match):
            await reschedule(adapter)
        assert stub.sent(SET_NEXT_CHARGE_DATE) == []

    async def test_a_422_reaches_the_caller_verbatim_and_is_not_retried(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        stub.reply(SET_NEXT_CHARGE_DATE, error(422, {"date": ["Must be a date in the future."]}))
        with pytest.raises(PlatformRejected, match=r"Must be a date in the future\.") as caught:
            await reschedule(adapter)
        assert caught.value.status == 422
        assert len(stub.sent(SET_NEXT_CHARGE_DATE)) == 1


class TestLostAnswer:
    @pytest.mark.parametrize("lost", LOST)
    async def test_the_new_date_means_it_went_through(
        self, adapter: RechargeAdapter, stub: RechargeStub, lost: Any
    ) -> None:
        # updated_at unchanged: Recharge does not bump it for a date change.
        stub.reply(GET_SUBSCRIPTION, sub(), sub(next_charge_scheduled_at="2026-12-15"))
        stub.reply(SET_NEXT_CHARGE_DATE, lost)
        outcome = await reschedule(adapter)
        assert outcome.status == "succeeded"
        assert outcome.subscription == SubscriptionChange(
            previous_order_date=BEFORE, next_order_date=NEW
        )
        assert "answer was lost" in outcome.messages[0]
        assert len(stub.sent(SET_NEXT_CHARGE_DATE)) == 1

    @pytest.mark.parametrize("lost", LOST)
    async def test_the_old_date_means_not_executed(
        self, adapter: RechargeAdapter, stub: RechargeStub, lost: Any
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), sub())
        stub.reply(SET_NEXT_CHARGE_DATE, lost)
        with pytest.raises(GatewayError, match="still on 2026-12-01") as caught:
            await reschedule(adapter)
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert len(stub.sent(SET_NEXT_CHARGE_DATE)) == 1

    @pytest.mark.parametrize(
        "reread",
        [
            pytest.param([httpx.ConnectError("refused")] * 4, id="cannot_be_read"),
            pytest.param([sub(next_charge_scheduled_at="2027-01-01")], id="another_date"),
        ],
    )
    async def test_when_the_reread_cannot_tell_the_outcome_stays_unknown(
        self, adapter: RechargeAdapter, stub: RechargeStub, reread: list[Any]
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), *reread)
        stub.reply(SET_NEXT_CHARGE_DATE, httpx.ReadTimeout("timed out"))
        with pytest.raises(UpstreamUnavailable) as caught:
            await reschedule(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.sent(SET_NEXT_CHARGE_DATE)) == 1
