"""Ambiguous write failures: the request may have run, so the adapter re-reads before answering.

The refund POST (no idempotency key) leaves exactly once. The status PUT sets an absolute value:
the chokepoint re-sends it (WRITE_DEDUPLICATED), and after a re-read showing the order untouched
the adapter sends it once more; never after a re-read showing it cancelled or changed.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from action_gateway.domain.models import (
    ActionOutcome,
    CancelOrderInput,
    CancelReason,
    Money,
    PartialRefundLineItem,
    PartialRefundOrderInput,
    RefundOrderInput,
)
from action_gateway.errors import (
    DeadlineExceeded,
    Outcome,
    PlatformRejected,
    UpstreamError,
    UpstreamUnavailable,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.bigcommerce import BigCommerceAdapter
from action_gateway.platforms.bigcommerce.endpoints import (
    CREATE_REFUND,
    CREATE_REFUND_QUOTE,
    GET_ORDER,
    LIST_ORDER_REFUNDS,
    LIST_ORDER_SHIPPING_ADDRESSES,
    UPDATE_ORDER,
)
from action_gateway.platforms.bigcommerce.mapping import NOTIFY_NOTE
from action_gateway.platforms.bigcommerce.reconcile import (
    RECONCILED_CANCEL,
    RECONCILED_REFUND,
    RESENT_CANCEL,
)
from tests.platforms.bigcommerce.helpers import (
    ADDRESS_ID,
    ORDER_ID,
    PRODUCT_ID,
    BigCommerceStub,
    Sleeps,
    address_body,
    call,
    ok,
    order_body,
    quote_body,
    refund_body,
    refunds_body,
    v2_error,
)
from tests.platforms.bigcommerce.test_adapter import an_order
from tests.platforms.kit import LOST_IN_TRANSIT

REFUNDS = f"/v3/orders/{ORDER_ID}/payment_actions/refunds"
ORDER = f"/v2/orders/{ORDER_ID}"

LOST = [
    *LOST_IN_TRANSIT,
    pytest.param(
        httpx.Response(
            500, json={"data": [{"order_id": ORDER_ID, "status": 500, "error": "Internal"}]}
        ),
        id="500-after-sending",
    ),
]


def refund(refund_id: int = 77, **changes: Any) -> dict[str, Any]:
    body = refund_body(**changes)
    body["data"]["id"] = refund_id
    return body


def earlier_refund() -> dict[str, Any]:
    """A shipping refund made before this action."""
    return refund(
        70,
        items=[{"item_type": "SHIPPING", "item_id": ADDRESS_ID, "requested_amount": 4.0}],
        total=4.0,
    )


def full_refund_quoted(stub: BigCommerceStub, *earlier: dict[str, Any]) -> None:
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body()]))
    stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body(*earlier)))
    left = 60.0 - sum(r["data"]["total_amount"] for r in earlier)
    stub.reply(CREATE_REFUND_QUOTE, ok(quote_body(left), 201))


async def refund_order(adapter: BigCommerceAdapter, action: ActionCall | None = None) -> Any:
    return await adapter.refund_order(
        an_order(status_id=10),
        RefundOrderInput(reason=CancelReason.CUSTOMER),
        call=action or call(),
    )


async def refund_stays_unknown(
    adapter: BigCommerceAdapter, stub: BigCommerceStub, *refunds: Any, match: str | None = None
) -> None:
    """The refund's answer was lost and re-reading the order's ``refunds`` cannot settle it."""
    stub.reply(LIST_ORDER_REFUNDS, *refunds)
    with pytest.raises(UpstreamUnavailable, match=match) as caught:
        await refund_order(adapter)
    assert caught.value.extensions["outcome"] is Outcome.UNKNOWN


class TestRefund:
    @pytest.mark.parametrize("lost", LOST)
    async def test_applied_but_the_answer_was_lost(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub, lost: Any
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, lost)  # BigCommerce refunded; the answer never came
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body(refund())))
        outcome = await refund_order(adapter)
        assert outcome.status == "succeeded"
        assert outcome.platform_reference == "77"
        assert outcome.messages == [NOTIFY_NOTE, RECONCILED_REFUND]
        assert outcome.refund is not None
        assert outcome.refund.total == Money.of("60", "USD")
        assert outcome.refund.refund_id == "77"
        assert [t.status for t in outcome.refund.transactions] == ["scheduled"]
        assert len(stub.sent(CREATE_REFUND)) == 1
        assert stub.calls()[-2:] == [f"POST {REFUNDS}", f"GET {REFUNDS}"]

    @pytest.mark.parametrize(("found", "expected"), [((70,), None), ((70, 71), "71")])
    async def test_only_a_refund_new_since_the_quote_can_be_ours(
        self,
        adapter: BigCommerceAdapter,
        stub: BigCommerceStub,
        found: tuple[int, ...],
        expected: str | None,
    ) -> None:
        # The same mug was refunded once before: that identical refund is never taken for ours.
        one_mug = [{"item_type": "PRODUCT", "item_id": PRODUCT_ID, "quantity": 1}]
        earlier = refund(70, items=one_mug, total=20.0)
        stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body()]))
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body(earlier)))
        stub.reply(CREATE_REFUND_QUOTE, ok(quote_body(20.0), 201))
        stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
        stub.reply(
            LIST_ORDER_REFUNDS,
            ok(refunds_body(*(refund(i, items=one_mug, total=20.0) for i in found))),
        )
        data = PartialRefundOrderInput(
            reason=CancelReason.CUSTOMER,
            line_items=[PartialRefundLineItem(line_item_id=str(PRODUCT_ID), quantity=1)],
        )
        if expected is None:
            with pytest.raises(UpstreamUnavailable, match="no new refund yet") as caught:
                await adapter.partial_refund_order(an_order(), data, call=call())
            assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        else:
            outcome = await adapter.partial_refund_order(an_order(), data, call=call())
            assert outcome.platform_reference == expected
        assert len(stub.sent(CREATE_REFUND)) == 1

    @pytest.mark.parametrize("lost", LOST)
    async def test_no_new_refund_stays_unknown(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub, lost: Any
    ) -> None:
        # BigCommerce may still be processing the POST: an unchanged list proves nothing about
        # what is still to land, so never not_executed (a retry could refund twice).
        full_refund_quoted(stub, earlier_refund())
        stub.reply(CREATE_REFUND, lost)
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body(earlier_refund())))
        with pytest.raises(UpstreamError, match="no new refund yet") as caught:
            await refund_order(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert "before refunding again" in (caught.value.detail or "")
        assert len(stub.sent(CREATE_REFUND)) == 1

    async def test_a_new_refund_of_other_items_is_not_ours(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, httpx.Response(503))
        other = refund(
            items=[{"item_type": "PRODUCT", "item_id": PRODUCT_ID, "quantity": 1}], total=20.0
        )
        await refund_stays_unknown(
            adapter, stub, ok(refunds_body(other)), match="none with this refund's items"
        )

    async def test_a_new_refund_with_other_payments_is_not_ours(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
        other = refund()
        other["data"]["payments"][0].update(provider_id="custom", offline=True)
        await refund_stays_unknown(adapter, stub, ok(refunds_body(other)))

    async def test_two_matching_refunds_stay_unknown(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
        await refund_stays_unknown(
            adapter, stub, ok(refunds_body(refund(77), refund(78))), match="2 new refunds matching"
        )

    async def test_cannot_tell_stays_unknown(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
        await refund_stays_unknown(
            adapter, stub, *[httpx.Response(502)] * 4, match="did not answer in time"
        )
        assert len(stub.sent(CREATE_REFUND)) == 1

    async def test_answered_without_the_refund_is_re_read(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, ok({"data": {}, "meta": {}}, 201))
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body(refund())))
        outcome = await refund_order(adapter)
        assert outcome.platform_reference == "77"
        assert RECONCILED_REFUND in outcome.messages

    async def test_a_found_refund_that_was_declined_is_rejected(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body(refund(declined="Card account closed"))))
        with pytest.raises(PlatformRejected, match="Card account closed"):
            await refund_order(adapter)

    async def test_a_refusal_is_not_reconciled(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        title = "The refund exceeds the remaining amount."
        stub.reply(
            CREATE_REFUND,
            httpx.Response(422, json={"data": [{"status": 422, "title": title, "type": "x"}]}),
        )
        with pytest.raises(PlatformRejected, match="exceeds the remaining amount"):
            await refund_order(adapter)
        assert stub.calls()[-1] == f"POST {REFUNDS}"

    async def test_manual_partial_refund_applied_but_the_answer_was_lost(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body()]))
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body()))
        stub.reply(CREATE_REFUND_QUOTE, ok(quote_body(12.5), 201))
        stub.reply(CREATE_REFUND, httpx.RemoteProtocolError("reset"))
        items = [{"item_type": "ORDER", "item_id": ORDER_ID, "requested_amount": 12.5}]
        other_amount = refund(76, items=[{**items[0], "requested_amount": 12.0}], total=12.0)
        stub.reply(
            LIST_ORDER_REFUNDS, ok(refunds_body(other_amount, refund(77, items=items, total=12.5)))
        )
        data = PartialRefundOrderInput(reason=CancelReason.OTHER, amount="12.50")
        outcome = await adapter.partial_refund_order(an_order(), data, call=call())
        assert outcome.platform_reference == "77"
        assert outcome.refund is not None
        assert outcome.refund.total == Money.of("12.5", "USD")
        assert outcome.messages == [NOTIFY_NOTE, RECONCILED_REFUND]
        assert len(stub.sent(CREATE_REFUND)) == 1


class TestCancel:
    async def cancel(
        self, adapter: BigCommerceAdapter, action: ActionCall | None = None
    ) -> ActionOutcome:
        data = CancelOrderInput(reason=CancelReason.CUSTOMER)
        return await adapter.cancel_order(
            an_order(status_id=11), data, refund=False, call=action or call()
        )

    @pytest.mark.parametrize("lost", LOST)
    async def test_applied_but_every_answer_was_lost(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub, lost: Any
    ) -> None:
        # The chokepoint re-sends the PUT (it only sets the status) as the deadline allows.
        stub.reply(UPDATE_ORDER, *[lost] * 4)
        stub.reply(GET_ORDER, ok(order_body(status_id=5, status="Cancelled")))
        outcome = await self.cancel(adapter)
        assert outcome.status == "succeeded"
        assert RECONCILED_CANCEL in outcome.messages
        # Never sent again after the re-read showed it cancelled.
        assert stub.calls() == [f"PUT {ORDER}"] * 4 + [f"GET {ORDER}"]
        assert stub.bodies(UPDATE_ORDER) == [{"status_id": 5}] * 4

    @pytest.mark.parametrize("lost", LOST)
    async def test_not_applied_is_sent_once_more(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub, lost: Any
    ) -> None:
        stub.reply(UPDATE_ORDER, *[lost] * 4, ok(order_body(status_id=5)))
        stub.reply(GET_ORDER, ok(order_body(status_id=11)))
        outcome = await self.cancel(adapter)
        assert outcome.status == "succeeded"
        assert RESENT_CANCEL in outcome.messages
        assert stub.calls() == [f"PUT {ORDER}"] * 4 + [f"GET {ORDER}", f"PUT {ORDER}"]

    async def test_sent_once_more_and_lost_again_stays_unknown(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        stub.reply(UPDATE_ORDER, *[httpx.Response(503)] * 8)
        stub.reply(GET_ORDER, ok(order_body(status_id=11)))
        with pytest.raises(UpstreamUnavailable) as caught:
            await self.cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert stub.calls().count(f"GET {ORDER}") == 1

    async def test_sent_once_more_and_refused(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        stub.reply(
            UPDATE_ORDER,
            *[httpx.ReadTimeout("timed out")] * 4,
            v2_error(400, "The order status is locked."),
        )
        stub.reply(GET_ORDER, ok(order_body(status_id=11)))
        with pytest.raises(PlatformRejected, match="status is locked"):
            await self.cancel(adapter)

    async def test_sending_again_unsent_stays_unknown(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        # The second PUT never left (connect errors), but the first may still land: that
        # proves nothing, so the answer stays unknown rather than not_executed.
        stub.reply(
            UPDATE_ORDER,
            *[httpx.ReadTimeout("timed out")] * 4,
            *[httpx.ConnectError("refused")] * 4,
        )
        stub.reply(GET_ORDER, ok(order_body(status_id=11)))
        # The chokepoint already reports any failure after a write that may have run as unknown.
        with pytest.raises(UpstreamUnavailable) as caught:
            await self.cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN

    async def test_a_status_changed_meanwhile_stays_unknown(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        stub.reply(UPDATE_ORDER, *[httpx.ReadTimeout("timed out")] * 4)
        stub.reply(GET_ORDER, ok(order_body(status_id=2, status="Shipped")))
        with pytest.raises(UpstreamUnavailable, match="in status 2, changed") as caught:
            await self.cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert stub.calls()[-1] == f"GET {ORDER}"

    async def test_cannot_tell_stays_unknown(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        stub.reply(UPDATE_ORDER, *[httpx.ReadTimeout("timed out")] * 4)
        stub.reply(GET_ORDER, *[httpx.ConnectError("refused")] * 4)
        with pytest.raises(UpstreamUnavailable) as caught:
            await self.cancel(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert len(stub.sent(UPDATE_ORDER)) == 4

    async def test_the_deadline_leaves_room_for_the_re_read(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub, sleeps: Sleeps
    ) -> None:
        # The PUT's retries stop at the deadline minus the reserve, so the re-read still fits.
        action = call(3.0)
        sleeps.call = action
        stub.reply(UPDATE_ORDER, *[httpx.ReadTimeout("timed out")] * 4)
        stub.reply(GET_ORDER, ok(order_body(status_id=5)))
        outcome = await self.cancel(adapter, action)
        assert outcome.status == "succeeded"
        # 3.0 s, 1.0 s kept back: PUT, wait 0.25, PUT, wait 0.5, PUT; no time for a 4th.
        assert len(stub.sent(UPDATE_ORDER)) == 3
        assert action.remaining() > 0.5


class TestCancelAndRefund:
    async def cancel_and_refund(self, adapter: BigCommerceAdapter) -> ActionOutcome:
        data = CancelOrderInput(reason=CancelReason.INVENTORY)
        return await adapter.cancel_order(an_order(), data, refund=True, call=call())

    async def test_a_refund_found_on_re_read_goes_on_to_the_cancel(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body(refund())))
        stub.reply(UPDATE_ORDER, ok(order_body(status_id=5)))
        outcome = await self.cancel_and_refund(adapter)
        assert outcome.status == "succeeded"
        assert outcome.refund is not None
        assert outcome.refund.refund_id == "77"
        assert RECONCILED_REFUND in outcome.messages
        assert stub.calls()[-3:] == [f"POST {REFUNDS}", f"GET {REFUNDS}", f"PUT {ORDER}"]
        assert len(stub.sent(CREATE_REFUND)) == 1

    async def test_a_refund_not_found_cancels_nothing(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body()))
        with pytest.raises(UpstreamUnavailable) as caught:
            await self.cancel_and_refund(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert stub.sent(UPDATE_ORDER) == []

    async def test_both_answers_lost_and_both_applied(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
        stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body(refund())))
        stub.reply(UPDATE_ORDER, *[httpx.ReadTimeout("timed out")] * 4)
        stub.reply(GET_ORDER, ok(order_body(status_id=5)))
        outcome = await self.cancel_and_refund(adapter)
        assert outcome.status == "succeeded"
        assert RECONCILED_REFUND in outcome.messages
        assert RECONCILED_CANCEL in outcome.messages
        assert len(stub.sent(CREATE_REFUND)) == 1

    async def test_the_cancel_unknown_after_the_refund_says_the_refund_went_through(
        self, adapter: BigCommerceAdapter, stub: BigCommerceStub
    ) -> None:
        full_refund_quoted(stub)
        stub.reply(CREATE_REFUND, ok(refund(), 201))
        stub.reply(UPDATE_ORDER, *[httpx.ReadTimeout("timed out")] * 4)
        stub.reply(GET_ORDER, ok(order_body(status_id=2)))
        with pytest.raises(UpstreamError, match=r"refund 77 .* went through") as caught:
            await self.cancel_and_refund(adapter)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN


async def test_writes_keep_time_back_for_the_re_read(
    adapter: BigCommerceAdapter, stub: BigCommerceStub
) -> None:
    reserves: dict[str, float] = {}
    request = adapter.client.request

    async def spy(endpoint: Any, **kwargs: Any) -> Any:
        reserves.setdefault(endpoint.name, kwargs.get("reserve", 0.0))
        return await request(endpoint, **kwargs)

    adapter.client.request = spy  # type: ignore[method-assign]
    full_refund_quoted(stub)
    stub.reply(CREATE_REFUND, ok(refund(), 201))
    stub.reply(UPDATE_ORDER, ok(order_body(status_id=5)))
    await adapter.cancel_order(
        an_order(), CancelOrderInput(reason=CancelReason.CUSTOMER), refund=True, call=call(15.0)
    )
    assert reserves["create_refund"] == pytest.approx(3.0)
    assert reserves["update_order"] == pytest.approx(3.0)
    assert reserves["list_order_refunds"] == 0.0


async def test_a_deadline_timeout_is_reported_as_deadline_exceeded(
    adapter: BigCommerceAdapter, stub: BigCommerceStub
) -> None:
    # With less than an attempt's timeout left, the refund's timeout is the deadline's.
    full_refund_quoted(stub)
    stub.reply(CREATE_REFUND, httpx.ReadTimeout("timed out"))
    stub.reply(LIST_ORDER_REFUNDS, ok(refunds_body()))
    with pytest.raises(DeadlineExceeded) as caught:
        await refund_order(adapter, call(6.0))
    assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
