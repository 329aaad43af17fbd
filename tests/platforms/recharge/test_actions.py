"""Cancel and skip: exact requests, re-read gates, and lost answers settled by re-reading."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from action_gateway.domain.models import (
    CancelSubscriptionInput,
    SkipSubscriptionOrderInput,
    Subscription,
    SubscriptionChange,
)
from action_gateway.errors import (
    NotFound,
    Outcome,
    PlatformRejected,
    UpstreamError,
    UpstreamUnavailable,
)
from action_gateway.platforms.recharge import RechargeAdapter
from action_gateway.platforms.recharge.adapter import PREPAID_NOTE, STALE_DATE_NOTE
from action_gateway.platforms.recharge.endpoints import (
    CANCEL_SUBSCRIPTION,
    GET_CHARGE,
    GET_SUBSCRIPTION,
    LIST_CHARGES,
    SKIP_CHARGE,
)
from action_gateway.platforms.recharge.mapping import from_recharge_subscription
from tests.platforms.recharge.helpers import (
    CHARGE_ID,
    SECOND_SUBSCRIPTION_ID,
    SUBSCRIPTION_ID,
    TOKEN,
    RechargeStub,
    call,
    cancelled_body,
    charge_body,
    charges_body,
    error,
    ok,
    subscription_body,
)

SUBSCRIPTION_PATH = f"/subscriptions/{SUBSCRIPTION_ID}"
SKIPPED_DATE = date(2026, 12, 1)
NEXT_DATE = date(2027, 1, 1)


def a_subscription(**changes: Any) -> Subscription:
    """The helpdesk's (possibly stale) copy the flow hands the adapter."""
    return from_recharge_subscription(subscription_body(**changes))


def sub(**changes: Any) -> httpx.Response:
    return ok({"subscription": subscription_body(**changes)})


def cancel_input(details: str | None = "Has too much coffee") -> CancelSubscriptionInput:
    return CancelSubscriptionInput(reason="too_much_product", reason_details=details)


async def cancel(adapter: RechargeAdapter, data: CancelSubscriptionInput | None = None) -> Any:
    return await adapter.cancel_subscription(a_subscription(), data or cancel_input(), call=call())


async def skip(adapter: RechargeAdapter, **changes: Any) -> Any:
    return await adapter.skip_subscription_order(
        a_subscription(**changes), SkipSubscriptionOrderInput(), call=call()
    )


def queued(stub: RechargeStub, *items: int) -> None:
    stub.reply(LIST_CHARGES, ok(charges_body(charge_body(CHARGE_ID, *items))))


class TestCancel:
    async def test_sends_the_reason_and_details(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        stub.reply(CANCEL_SUBSCRIPTION, ok({"subscription": cancelled_body()}))
        outcome = await cancel(adapter)

        assert stub.calls() == [f"GET {SUBSCRIPTION_PATH}", f"POST {SUBSCRIPTION_PATH}/cancel"]
        post = stub.sent(CANCEL_SUBSCRIPTION)[0]
        assert json.loads(post.content) == {
            "cancellation_reason": "too_much_product",
            "cancellation_reason_comments": "Has too much coffee",
        }
        assert post.headers["Content-Type"] == "application/json"
        assert all(r.headers["X-Recharge-Version"] == "2021-11" for r in stub.requests)
        assert all(r.headers["X-Recharge-Access-Token"] == TOKEN for r in stub.requests)
        assert outcome.status == "succeeded"
        assert outcome.subscription == SubscriptionChange(
            cancelled_at=datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
        )
        assert outcome.platform_reference == str(SUBSCRIPTION_ID)

    async def test_a_blank_reason_gets_the_default_text(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        stub.reply(CANCEL_SUBSCRIPTION, ok({"subscription": cancelled_body()}))
        await cancel(adapter, CancelSubscriptionInput(reason="   "))
        assert stub.bodies(CANCEL_SUBSCRIPTION) == [
            {"cancellation_reason": "Cancelled by a support agent"}
        ]

    async def test_already_cancelled_is_refused_without_calling(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"subscription": cancelled_body()}))
        with pytest.raises(PlatformRejected, match="already cancelled") as caught:
            await cancel(adapter)
        assert caught.value.extensions["current_state"] == {"status": "cancelled"}
        assert stub.sent(CANCEL_SUBSCRIPTION) == []

    async def test_expired_is_refused_without_calling(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(status="EXPIRED"))
        with pytest.raises(PlatformRejected, match="is expired"):
            await cancel(adapter)
        assert stub.sent(CANCEL_SUBSCRIPTION) == []

    async def test_a_vanished_subscription_is_not_found(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, error(404, "Not Found"))
        with pytest.raises(NotFound):
            await cancel(adapter)

    async def test_lost_answer_but_cancelled_is_succeeded(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), ok({"subscription": cancelled_body()}))
        stub.reply(CANCEL_SUBSCRIPTION, httpx.ReadTimeout("lost"))
        outcome = await cancel(adapter)
        assert outcome.status == "succeeded"
        assert outcome.subscription is not None
        assert outcome.subscription.cancelled_at is not None
        assert "re-reading" in outcome.messages[0]
        assert len(stub.sent(CANCEL_SUBSCRIPTION)) == 1

    async def test_lost_answer_and_still_active_is_not_executed(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), sub())
        stub.reply(CANCEL_SUBSCRIPTION, httpx.Response(503, json={"errors": "Try again"}))
        with pytest.raises(UpstreamUnavailable, match="still active") as caught:
            await cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert caught.value.extensions["platform_errors"][0].message == "Try again"
        assert len(stub.sent(CANCEL_SUBSCRIPTION)) == 1

    async def test_lost_answer_and_an_unreadable_state_is_unknown(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), httpx.Response(500))
        stub.reply(CANCEL_SUBSCRIPTION, httpx.ReadError("reset"))
        with pytest.raises(UpstreamUnavailable) as caught:
            await cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.sent(CANCEL_SUBSCRIPTION)) == 1

    async def test_a_rejection_is_not_reconciled(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        stub.reply(
            CANCEL_SUBSCRIPTION,
            error(422, {"cancellation_reason": ["can't be blank"]}),
        )
        with pytest.raises(PlatformRejected, match="can't be blank") as caught:
            await cancel(adapter)
        assert caught.value.extensions["platform_errors"][0].field == ["cancellation_reason"]
        assert stub.calls() == [f"GET {SUBSCRIPTION_PATH}", f"POST {SUBSCRIPTION_PATH}/cancel"]


class TestSkip:
    async def test_skips_only_this_subscription_in_the_queued_charge(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), sub(next_charge_scheduled_at="2027-01-01"))
        queued(stub, SUBSCRIPTION_ID, SECOND_SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, ok({"charge": charge_body(status="skipped")}))
        outcome = await skip(adapter)

        # The queued charge is looked up right before the skip (charges regenerate).
        assert stub.calls() == [
            f"GET {SUBSCRIPTION_PATH}",
            "GET /charges",
            f"POST /charges/{CHARGE_ID}/skip",
            f"GET {SUBSCRIPTION_PATH}",
        ]
        assert stub.bodies(SKIP_CHARGE) == [{"purchase_item_ids": [SUBSCRIPTION_ID]}]
        assert all(r.headers["X-Recharge-Version"] == "2021-11" for r in stub.requests)
        assert outcome.status == "succeeded"
        assert outcome.subscription == SubscriptionChange(
            skipped_order_date=SKIPPED_DATE, next_order_date=NEXT_DATE
        )
        assert outcome.platform_reference == str(CHARGE_ID)
        assert outcome.messages == []

    async def test_the_stale_copy_does_not_decide_the_charge(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        # The helpdesk copy names an old charge; the fresh lookup's charge is the one skipped.
        stale = a_subscription().model_copy(update={"next_order_ref": "1"})
        stub.reply(GET_SUBSCRIPTION, sub(), sub(next_charge_scheduled_at="2027-01-01"))
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, ok({"charge": charge_body(status="skipped")}))
        await adapter.skip_subscription_order(stale, SkipSubscriptionOrderInput(), call=call())
        assert [r.url.path for r in stub.sent(SKIP_CHARGE)] == [f"/charges/{CHARGE_ID}/skip"]

    async def test_a_prepaid_skip_says_so(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(is_prepaid=True), sub(next_charge_scheduled_at=None))
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, ok({"charge": charge_body(status="skipped")}))
        outcome = await skip(adapter)
        assert outcome.messages == [PREPAID_NOTE, STALE_DATE_NOTE]
        assert outcome.subscription is not None
        assert outcome.subscription.next_order_date is None

    async def test_lost_answer_after_recharge_applied_it_is_succeeded(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        # Recharge applied the skip, then the connection dropped before its answer arrived.
        stub.reply(GET_SUBSCRIPTION, sub(), sub(next_charge_scheduled_at="2027-01-01"))
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, httpx.ReadTimeout("response lost"))
        outcome = await skip(adapter)

        assert len(stub.sent(SKIP_CHARGE)) == 1
        assert outcome.status == "succeeded"
        assert outcome.subscription == SubscriptionChange(
            skipped_order_date=SKIPPED_DATE, next_order_date=NEXT_DATE
        )
        assert "re-reading" in outcome.messages[-1]
        assert stub.calls()[-1] == f"GET {SUBSCRIPTION_PATH}"

    async def test_the_deadline_leaves_room_to_settle_a_lost_answer(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        # The skip's attempt ends at the deadline minus the reconcile margin, so the re-read
        # still fits and turns a deadline timeout into an answer.
        stub.reply(GET_SUBSCRIPTION, sub(), sub(next_charge_scheduled_at="2027-01-01"))
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, httpx.ReadTimeout("deadline"))
        outcome = await adapter.skip_subscription_order(
            a_subscription(), SkipSubscriptionOrderInput(), call=call(5.0)
        )
        assert outcome.status == "succeeded"
        assert len(stub.sent(SKIP_CHARGE)) == 1

    async def test_lost_answer_and_the_charge_shows_it_skipped(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        # The subscription's date has not moved yet, but the charge says skipped.
        stub.reply(GET_SUBSCRIPTION, sub(), sub())
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, httpx.Response(502))
        stub.reply(GET_CHARGE, ok({"charge": charge_body(status="skipped")}))
        outcome = await skip(adapter)
        assert outcome.status == "succeeded"
        assert outcome.subscription == SubscriptionChange(skipped_order_date=SKIPPED_DATE)
        assert len(stub.sent(SKIP_CHARGE)) == 1

    async def test_lost_answer_not_applied_is_not_executed(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), sub())
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, httpx.ReadTimeout("response lost"))
        stub.reply(GET_CHARGE, ok({"charge": charge_body()}))
        with pytest.raises(UpstreamUnavailable, match="still queued") as caught:
            await skip(adapter)
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
        assert len(stub.sent(SKIP_CHARGE)) == 1
        assert stub.calls()[-2:] == [f"GET {SUBSCRIPTION_PATH}", f"GET /charges/{CHARGE_ID}"]

    async def test_lost_answer_and_the_charge_regenerated_is_unknown(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), sub())
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, httpx.ReadTimeout("response lost"))
        stub.reply(GET_CHARGE, error(404, "Not Found"))
        with pytest.raises(UpstreamUnavailable) as caught:
            await skip(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.sent(SKIP_CHARGE)) == 1

    async def test_a_non_json_success_is_settled_by_the_re_read(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(), sub())
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, httpx.Response(200, text="<html>proxy</html>"))
        stub.reply(GET_CHARGE, error(404, "Not Found"))
        with pytest.raises(UpstreamError, match="not JSON") as caught:
            await skip(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN

    async def test_not_skippable_is_refused_without_calling(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub(is_skippable=False))
        with pytest.raises(PlatformRejected, match="not skippable"):
            await skip(adapter)
        assert stub.calls() == [f"GET {SUBSCRIPTION_PATH}"]

    async def test_cancelled_meanwhile_is_refused(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"subscription": cancelled_body()}))
        with pytest.raises(PlatformRejected, match="is cancelled"):
            await skip(adapter)
        assert stub.sent(SKIP_CHARGE) == []

    async def test_no_queued_charge_holding_it(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        # Only another subscription's charge comes back: nothing of ours to skip.
        queued(stub, SECOND_SUBSCRIPTION_ID)
        with pytest.raises(PlatformRejected, match="No queued Recharge charge"):
            await skip(adapter)
        assert stub.sent(SKIP_CHARGE) == []

    async def test_a_charge_not_queued_422_is_rejected_verbatim(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, sub())
        queued(stub, SUBSCRIPTION_ID)
        stub.reply(SKIP_CHARGE, error(422, "Charge must be queued to be skipped"))
        with pytest.raises(PlatformRejected, match="Charge must be queued") as caught:
            await skip(adapter)
        assert [m.message for m in caught.value.extensions["platform_errors"]] == [
            "Charge must be queued to be skipped"
        ]
        assert len(stub.sent(SKIP_CHARGE)) == 1
        assert stub.sent(GET_CHARGE) == []
