from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from action_gateway.domain.models import (
    ActionContext,
    ActionName,
    ActionOutcome,
    CancelOrderInput,
    CreateDiscountCodeInput,
    DiscountCode,
    DiscountType,
    Money,
    PartialRefundOrderInput,
    Platform,
    RefundLine,
    RefundOrderInput,
    RefundSummary,
)
from action_gateway.timeline import TimelineEvent, build_timeline_event, format_money
from tests.fakes import make_customer, make_order

CONTEXT = ActionContext(agent_id="agent-1", conversation_id="conv-1")


def shopify_event(action: ActionName, outcome: ActionOutcome, **fields: Any) -> TimelineEvent:
    """The event of ``action`` on connection "acme" (Shopify) by agent-1 in conv-1."""
    return build_timeline_event(
        connection="acme",
        platform=Platform.SHOPIFY,
        action=action,
        context=fields.pop("context", CONTEXT),
        outcome=outcome,
        **fields,
    )


def test_money_formatting() -> None:
    assert format_money(Money.of("54.2", "USD")) == "$54.20"
    assert format_money(Money.of("100", "SEK")) == "100.00 SEK"


def test_cancel_and_refund_summary_mentions_amount_shipping_reason_and_notice() -> None:
    outcome = ActionOutcome(
        status="succeeded",
        refund=RefundSummary(total=Money.of("54.20", "USD"), shipping=Money.of("5", "USD")),
    )
    event = shopify_event(
        ActionName.CANCEL_AND_REFUND_ORDER,
        outcome,
        order=make_order("1001"),
        data=CancelOrderInput(reason="customer", notify_customer=True),
        occurred_at=datetime(2026, 11, 24, tzinfo=UTC),
    )
    assert event.type == "order.cancelled"
    assert event.summary == (
        "Cancelled order #1001 and refunded $54.20 including shipping; reason: customer; "
        "customer notified."
    )
    assert event.details["refunded"] == {"amount": "54.20", "currency": "USD"}
    assert event.id.startswith("evt_")
    assert event.actor.agent_id == "agent-1"


def test_pending_cancel_says_it_is_still_processing() -> None:
    event = shopify_event(
        ActionName.CANCEL_ORDER,
        ActionOutcome(status="pending", job_id="gid://shopify/Job/1"),
        order=make_order("1001"),
        data=CancelOrderInput(reason="inventory"),
    )
    assert event.type == "order.cancellation_requested"
    assert "Shopify is still processing it" in event.summary
    assert event.details["job_id"] == "gid://shopify/Job/1"


def test_refund_summary() -> None:
    event = shopify_event(
        ActionName.REFUND_ORDER,
        ActionOutcome(status="succeeded", refund=RefundSummary(total=Money.of("20", "EUR"))),
        order=make_order("1001", currency="EUR"),
        data=RefundOrderInput(reason="other", note="damaged"),
    )
    assert event.type == "order.refunded"
    assert event.summary == (
        "Refunded €20.00 on order #1001; reason: other; customer not notified."
    )
    assert event.details["refund"]["total"] == {"amount": "20.00", "currency": "EUR"}


def test_discount_summary() -> None:
    code = DiscountCode(
        id="gid://shopify/DiscountCodeNode/1",
        code="SORRY10",
        type=DiscountType.FIXED_AMOUNT,
        value="10",
        currency="USD",
        applies_to="collection",
        collection_id="77",
        starts_at=datetime(2026, 11, 24, tzinfo=UTC),
        ends_at=datetime(2027, 2, 24, tzinfo=UTC),
    )
    event = shopify_event(
        ActionName.CREATE_DISCOUNT_CODE,
        ActionOutcome(status="succeeded", discount_code=code),
        customer=make_customer(),
        data=CreateDiscountCodeInput(
            code="SORRY10", type="fixed_amount", value="10", expiry="3_months", collection_id="77"
        ),
    )
    assert event.type == "discount_code.created"
    assert event.subject.type == "customer"
    assert event.summary == (
        "Created one-time discount code SORRY10 ($10.00 off one collection, expires 2027-02-24) "
        "for Ava Lindqvist."
    )


def test_partial_refund_and_partial_cancel_summaries() -> None:
    refund = RefundSummary(
        total=Money.of("33", "USD"),
        shipping=Money.of("5", "USD"),
        line_items=[
            RefundLine(line_item_id="11", name="Beanie", quantity=1, restock_type="return"),
        ],
        notes=["BigCommerce does not restock refunded items through its API."],
    )
    outcome = ActionOutcome(status="succeeded", refund=refund)
    order = make_order("1001")
    refunded = shopify_event(
        ActionName.PARTIAL_REFUND_ORDER,
        outcome,
        order=order,
        data=PartialRefundOrderInput(
            reason="customer",
            shipping_amount="5",
            line_items=[{"line_item_id": "11", "quantity": 1}],
        ),
    )
    assert refunded.type == "order.partially_refunded"
    assert refunded.summary == (
        "Refunded $33.00 on order #1001 for 1 × Beanie and $5.00 of shipping; reason: customer; "
        "items restocked; customer not notified. "
        "BigCommerce does not restock refunded items through its API."
    )
    cancelled = shopify_event(
        ActionName.PARTIAL_REFUND_ORDER,
        outcome,
        order=order,
        data=PartialRefundOrderInput(
            reason="inventory",
            cancel_unfulfilled=True,
            line_items=[{"line_item_id": "11", "quantity": 1}],
        ),
    )
    assert cancelled.type == "order.partially_cancelled"
    assert cancelled.summary.startswith(
        "Cancelled and refunded $33.00 on order #1001 for 1 × Beanie"
    )
    assert cancelled.details["partial_cancel"] is True


def test_a_reconciled_action_keeps_the_trace_in_its_event() -> None:
    from action_gateway.domain.models import EditOrderNoteInput

    note = "Shopify's answer to the refund was lost; re-reading the order's refunds shows it."
    event = shopify_event(
        ActionName.EDIT_ORDER_NOTE,
        ActionOutcome(status="succeeded", note="x", messages=[note]),
        context=ActionContext(agent_id="a"),
        order=make_order("1001", financial_status="paid"),
        data=EditOrderNoteInput(note="x"),
    )
    assert event.details["notes"] == [note]
