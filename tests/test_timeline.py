from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from action_gateway import timeline
from action_gateway.actions.specs import ACTION_SPECS
from action_gateway.domain.models import (
    ActionContext,
    ActionName,
    ActionOutcome,
    CancelOrderInput,
    CancelReason,
    CreateDiscountCodeInput,
    DiscountCode,
    DiscountType,
    EditOrderNoteInput,
    IssueStoreCreditInput,
    Money,
    PartialRefundOrderInput,
    RefundLine,
    RefundOrderInput,
    RefundSummary,
    StoreCredit,
)
from action_gateway.platforms.shopify import SPEC as SHOPIFY
from action_gateway.timeline import (
    REASON_LABELS,
    TimelineEvent,
    format_date,
    format_money,
    subscription_reason,
)
from tests.fakes import AN_ADDRESS, make_customer, make_order

CONTEXT = ActionContext(agent_id="agent-1", conversation_id="conv-1")


def build_timeline_event(**fields: Any) -> TimelineEvent:
    """The timeline's builder with the action's wording, as the flow calls it."""
    wording = ACTION_SPECS[fields["action"]].wording
    return timeline.build_timeline_event(wording=wording, **fields)


def shopify_event(action: ActionName, outcome: ActionOutcome, **fields: Any) -> TimelineEvent:
    """The event of ``action`` on connection "acme" (Shopify) by agent-1 in conv-1."""
    return build_timeline_event(
        connection="acme",
        platform=SHOPIFY,
        action=action,
        context=fields.pop("context", CONTEXT),
        outcome=outcome,
        **fields,
    )


def collection_discount(**fields: Any) -> DiscountCode:
    """A discount code on one collection, starting Nov 24, 2026."""
    return DiscountCode(
        applies_to="collection", starts_at=datetime(2026, 11, 24, tzinfo=UTC), **fields
    )


def discount_event(code: DiscountCode, data: CreateDiscountCodeInput) -> TimelineEvent:
    """The event of creating ``code`` for the fake customer Ava Lindqvist."""
    return shopify_event(
        ActionName.CREATE_DISCOUNT_CODE,
        ActionOutcome(status="succeeded", discount_code=code),
        customer=make_customer(),
        data=data,
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
        "Cancelled order #1001 and refunded $54.20 including shipping; reason: customer request; "
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
    code = collection_discount(
        id="gid://shopify/DiscountCodeNode/1",
        code="SORRY10",
        type=DiscountType.FIXED_AMOUNT,
        value="10",
        currency="USD",
        collection_id="77",
        ends_at=datetime(2027, 2, 24, tzinfo=UTC),
    )
    event = discount_event(
        code,
        CreateDiscountCodeInput(
            code="SORRY10", type="fixed_amount", value="10", expiry="3_months", collection_id="77"
        ),
    )
    assert event.type == "discount_code.created"
    assert event.subject.type == "customer"
    assert event.summary == (
        "Created one-time discount code SORRY10 ($10.00 off one collection, expires Feb 24, 2027) "
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
        "Refunded $33.00 on order #1001 for 1 × Beanie and $5.00 of shipping; "
        "reason: customer request; items restocked; customer not notified. "
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


def test_reasons_read_as_words() -> None:
    assert REASON_LABELS[CancelReason.CUSTOMER] == "customer request"
    assert set(CancelReason) == set(REASON_LABELS)
    labels = {"1": "Other", "4": "Overstocked"}
    assert subscription_reason("4", labels) == "overstocked"  # Ordergroove: the merchant's label
    assert subscription_reason(" 1 ", labels) == "other"
    assert subscription_reason("7", labels) == "reason code 7"  # no label known: never "7"
    assert subscription_reason("too_much_product") == "too much product"  # Recharge free text
    assert subscription_reason("USPS-lost-it") == "USPS lost it"


def test_dates_read_as_people_write_them() -> None:
    assert format_date(date(2026, 12, 8)) == "Dec 8, 2026"
    assert format_date(datetime(2027, 2, 24, 23, 0, tzinfo=UTC)) == "Feb 24, 2027"


def test_a_note_edit_quotes_the_new_note_shortened() -> None:
    long_note = "Customer called about the delivery.\n" + "Left at the door, " * 10
    event = shopify_event(
        ActionName.EDIT_ORDER_NOTE,
        ActionOutcome(status="succeeded", note=long_note, previous_note=None),
        order=make_order("1001"),
        data=EditOrderNoteInput(note=long_note),
    )
    prefix = "Updated the note on order #1001: “Customer called about the delivery. Left at"
    assert event.summary.startswith(prefix)
    assert event.summary.endswith("…”.")
    assert len(event.summary) < len("Updated the note on order #1001: ") + 85
    assert event.details["note"] == long_note  # the whole note stays in details
    short = shopify_event(
        ActionName.EDIT_ORDER_NOTE,
        ActionOutcome(status="succeeded", note="old\nCalled back"),
        order=make_order("1001"),
        data=EditOrderNoteInput(note="Called back", mode="append"),
    )
    assert short.summary == "Added to the note on order #1001: “Called back”."


def test_a_discount_names_its_collection_when_the_platform_gives_the_title() -> None:
    code = collection_discount(
        id="1",
        code="WINTER15",
        type=DiscountType.PERCENTAGE,
        value="15",
        collection_id="4420001",
        collection_title="Winter Essentials",
        ends_at=datetime(2026, 12, 8, tzinfo=UTC),
    )
    event = discount_event(
        code,
        CreateDiscountCodeInput(
            code="WINTER15", type="percentage", value="15", expiry="1_month", collection_id="1"
        ),
    )
    assert event.summary == (
        "Created one-time discount code WINTER15 (15% off the Winter Essentials collection, "
        "expires Dec 8, 2026) for Ava Lindqvist."
    )
    assert event.details["discount_code"]["ends_at"] == "2026-12-08T00:00:00Z"  # ISO in details


def test_a_refund_on_a_two_currency_order_says_which_currency_it_states() -> None:
    order = make_order("1030").model_copy(update={"presentment_currency": "EUR"})
    refund = RefundSummary(total=Money.of("20", "EUR"), currency_side="presentment")
    event = shopify_event(
        ActionName.REFUND_ORDER,
        ActionOutcome(status="succeeded", refund=refund),
        order=order,
        data=RefundOrderInput(reason="customer"),
    )
    assert event.summary == (
        "Refunded €20.00 (in the customer's currency) on order #1030; reason: customer request; "
        "customer not notified."
    )
    assert event.details["refund"]["currency_side"] == "presentment"
    shop_side = RefundSummary(total=Money.of("22.22", "USD"), currency_side="shop")
    cancelled = shopify_event(
        ActionName.CANCEL_AND_REFUND_ORDER,
        ActionOutcome(status="succeeded", refund=shop_side),
        order=order,
        data=CancelOrderInput(reason="fraud"),
    )
    assert cancelled.summary == (
        "Cancelled order #1030 and refunded $22.22 (in the shop's currency); "
        "reason: suspected fraud; customer not notified."
    )
    assert cancelled.details["refunded_currency_side"] == "shop"
    one_currency = shopify_event(
        ActionName.REFUND_ORDER,
        ActionOutcome(
            status="succeeded",
            refund=RefundSummary(total=Money.of("20", "USD"), currency_side="presentment"),
        ),
        order=make_order("1001"),
        data=RefundOrderInput(reason="customer"),
    )
    assert "currency" not in one_currency.summary  # one currency: nothing to tell apart


def test_store_credit_summary_and_preview() -> None:
    credit = StoreCredit(
        amount=Money.of("12.5", "EUR"),
        balance=Money.of("40", "EUR"),
        previous_balance=Money.of("27.5", "EUR"),
        expires_at=datetime(2027, 3, 1, tzinfo=UTC),
        notified=False,
    )
    data = IssueStoreCreditInput(
        amount="12.50", currency="EUR", reason="Damaged parcel", notify_customer=False
    )
    event = shopify_event(
        ActionName.ISSUE_STORE_CREDIT,
        ActionOutcome(status="succeeded", store_credit=credit),
        customer=make_customer(),
        data=data,
    )
    assert event.type == "customer.store_credit_issued"
    assert event.subject.type == "customer"
    assert event.summary == (
        "Issued €12.50 of store credit to Ava Lindqvist (expires Mar 1, 2027); new balance "
        "€40.00; customer not notified; reason: Damaged parcel."
    )
    assert event.details["balance"] == {"amount": "40.00", "currency": "EUR"}
    assert event.details["reason"] == "Damaged parcel"
    preview = timeline.build_preview_summary(
        platform=SHOPIFY,
        wording=ACTION_SPECS[ActionName.ISSUE_STORE_CREDIT].wording,
        data=data,
        customer=make_customer(),
        foreseen=ActionOutcome(status="preview", store_credit=credit),
    )
    assert preview == (
        "Would issue €12.50 of store credit to Ava Lindqvist (does not expire); the balance "
        "would go from €27.50 to €40.00; no notification."
    )


def test_a_reschedule_names_both_dates_and_the_reason() -> None:
    from action_gateway.domain.models import RescheduleSubscriptionOrderInput, SubscriptionChange
    from action_gateway.platforms.ordergroove import SPEC as ORDERGROOVE
    from tests.fakes import make_subscription

    subscription = make_subscription(next_order=date(2026, 12, 8))
    data = RescheduleSubscriptionOrderInput.model_construct(
        date=date(2027, 1, 15), reason="Away over the holidays"
    )
    outcome = ActionOutcome(
        status="succeeded",
        subscription=SubscriptionChange(
            previous_order_date=date(2026, 12, 8), next_order_date=date(2027, 1, 15)
        ),
    )
    event = build_timeline_event(
        connection="og",
        platform=ORDERGROOVE,
        action=ActionName.RESCHEDULE_SUBSCRIPTION_ORDER,
        context=CONTEXT,
        outcome=outcome,
        subscription=subscription,
        data=data,
    )
    assert event.type == "subscription.rescheduled"
    assert event.summary == (
        "Moved the next order of 2 × Morning Blend Coffee from Dec 8, 2026 to Jan 15, 2027; "
        "reason: “Away over the holidays”."
    )
    assert event.details["previous_order_date"] == "2026-12-08"
    assert event.details["next_order_date"] == "2027-01-15"
    assert event.details["reason"] == "Away over the holidays"
    wording = ACTION_SPECS[ActionName.RESCHEDULE_SUBSCRIPTION_ORDER].wording
    told = timeline.Described(subscription, data, ORDERGROOVE)
    assert wording.preview(told, None) == (
        "Would move the next order of 2 × Morning Blend Coffee from Dec 8, 2026 to Jan 15, 2027."
    )


def test_a_replacement_names_the_new_order_its_items_and_reason() -> None:
    from action_gateway.domain.models import (
        CreateReplacementOrderInput,
        LineItem,
        ReplacementOrder,
    )

    order = make_order("1002", financial_status="paid", fulfillment_status="fulfilled")
    order = order.model_copy(
        update={"line_items": [LineItem(id="11", name="Trail Running Socks", quantity=2)]}
    )
    data = CreateReplacementOrderInput.model_validate(
        {"line_items": [{"line_item_id": "11", "quantity": 1}], "reason": "lost_in_transit"}
    )
    created = ReplacementOrder(id="9100000002", name="#1031", admin_url=None)
    event = shopify_event(
        ActionName.CREATE_REPLACEMENT_ORDER,
        ActionOutcome(status="succeeded", replacement_order=created),
        order=order,
        data=data,
    )
    assert event.type == "order.replacement_created"
    assert event.summary == (
        "Created replacement order #1031 for order #1002: 1 × Trail Running Socks, at no "
        "charge, to the shipping address of order #1002; reason: lost in transit; customer not "
        "notified."
    )
    assert event.details["replacement_order"]["name"] == "#1031"
    assert event.details["line_items"] == [
        {"line_item_id": "11", "name": "Trail Running Socks", "quantity": 1}
    ]
    preview = timeline.build_preview_summary(
        platform=SHOPIFY,
        wording=ACTION_SPECS[ActionName.CREATE_REPLACEMENT_ORDER].wording,
        data=data,
        order=order,
        value=Money.of("14.00", "USD"),
    )
    assert preview.startswith("Would create a replacement order for order #1002: 1 × Trail")
    assert "(worth $14.00)" in preview


def test_a_tag_edit_names_what_changed_and_what_is_now_on_the_order() -> None:
    from action_gateway.domain.models import EditOrderTagsInput, OrderTagsChange

    data = EditOrderTagsInput(add=["damaged", "vip"], remove=["gift"])
    change = OrderTagsChange(added=["damaged"], removed=["Gift"], tags=["damaged", "VIP"])
    event = shopify_event(
        ActionName.EDIT_ORDER_TAGS,
        ActionOutcome(status="succeeded", tags=change),
        order=make_order("1001"),
        data=data,
    )
    assert event.type == "order.tags_updated"
    assert event.summary == (
        "Tags on order #1001: added “damaged” and removed “Gift”; now tagged “damaged”, “VIP”."
    )
    assert event.details == {
        "added": ["damaged"],
        "removed": ["Gift"],
        "tags": ["damaged", "VIP"],
        "requested_add": ["damaged", "vip"],
        "requested_remove": ["gift"],
    }
    unchanged = shopify_event(
        ActionName.EDIT_ORDER_TAGS,
        ActionOutcome(status="succeeded", tags=OrderTagsChange(added=[], removed=[], tags=[])),
        order=make_order("1001"),
        data=EditOrderTagsInput(remove=["gone"]),
    )
    assert unchanged.summary == (
        "The tags on order #1001 already matched the request; nothing changed (no tags left)."
    )


def test_a_tag_preview_says_the_tags_the_order_would_have() -> None:
    from action_gateway.domain.models import EditOrderTagsInput
    from action_gateway.timeline import build_preview_summary

    wording = ACTION_SPECS[ActionName.EDIT_ORDER_TAGS].wording
    order = make_order("1001").model_copy(update={"tags": ["Gift", "VIP"]})
    data = EditOrderTagsInput(add=["vip", "damaged"], remove=["gift"])
    summary = build_preview_summary(platform=SHOPIFY, wording=wording, data=data, order=order)
    assert summary == (
        "Would add “damaged” and remove “Gift” on order #1001; it would be tagged “damaged”, “VIP”."
    )
    same = EditOrderTagsInput(add=["VIP"])
    assert build_preview_summary(platform=SHOPIFY, wording=wording, data=same, order=order) == (
        "Would change nothing on order #1001: now tagged “Gift”, “VIP” already."
    )


def test_an_address_change_names_the_address_before_and_after() -> None:
    from action_gateway.domain.models import Address, ShippingAddressChange
    from action_gateway.domain.models import UpdateShippingAddressInput as Data

    old_road = {"address1": "1 Old Road", "city": "Austin", "province_code": "TX"}
    before = AN_ADDRESS.model_copy(
        update={**old_road, "postal_code": "78751", "country_code": "US"}
    )
    data = Data.model_validate(
        {
            "address": {
                "first_name": "Ava",
                "last_name": "Lindqvist",
                "company": "Acme",
                "address1": "190 MacLaren",
                "city": "Sudbury",
                "province_code": "on",
                "postal_code": "K2P 0V6",
                "country_code": "ca",
            },
            "reason": "Customer moved",
        }
    )
    after = Address(**data.address.model_dump())
    event = shopify_event(
        ActionName.UPDATE_SHIPPING_ADDRESS,
        ActionOutcome(
            status="succeeded",
            shipping_address=ShippingAddressChange(before=before, after=after),
        ),
        order=make_order("1001"),
        data=data,
    )
    assert event.type == "order.shipping_address_updated"
    assert event.summary == (
        "Changed the shipping address of order #1001 to Ava Lindqvist, Acme, 190 MacLaren, "
        "Sudbury ON K2P 0V6, CA (was: Ava Lindqvist, 1 Old Road, Austin TX 78751, US); "
        "reason: “Customer moved”."
    )
    assert event.details["before"]["address1"] == "1 Old Road"
    assert event.details["after"]["country_code"] == "CA"
    assert event.details["reason"] == "Customer moved"
