"""MagentoAdapter against the sandbox's stateful Magento simulator, signed as configured."""

from __future__ import annotations

from decimal import Decimal

import pytest

from action_gateway.domain.models import (
    CancelOrderInput,
    CreateDiscountCodeInput,
    EditOrderNoteInput,
    Order,
    PartialRefundLineItem,
    PartialRefundOrderInput,
    RefundOrderInput,
)
from action_gateway.errors import (
    DiscountCodeTaken,
    NotEligible,
    Outcome,
    PlatformRejected,
    RefundExceedsRefundable,
    UpstreamError,
    ValidationFailed,
)
from action_gateway.platforms.magento import MagentoAdapter
from action_gateway_sandbox.magento import GUEST_EMAIL, MagentoSimulator
from tests.platforms.magento.helpers import NEW_ADDRESS, Recorded, call, sent_json

REFUND = RefundOrderInput(reason="customer", note="ticket 42")


async def order_of(magento: MagentoAdapter, order_id: str) -> Order:
    order = await magento.get_order(order_id, call=call())
    assert order is not None
    return order


# --- Reads ------------------------------------------------------------------------------------


async def test_customer_by_email_has_their_orders_and_guest_orders_with_their_email(
    magento: MagentoAdapter, recorded: Recorded
) -> None:
    found = await magento.find_customers(
        email="JANE@example.com", phone=None, orders_limit=50, call=call()
    )
    assert [c.customer.display_name for c in found] == ["Jane Doe"]
    ids = [o.id for o in found[0].orders]
    assert "11" not in ids  # another email's guest order
    assert ids == sorted(ids, key=int, reverse=True)  # newest first
    assert "GET /V1/customers/search" in recorded.operations()
    # Every request carried an OAuth 1.0a HMAC-SHA256 signature, never a bearer token.
    for request, _ in recorded.exchanges:
        assert request.headers["Authorization"].startswith("OAuth ")
        assert 'oauth_signature_method="HMAC-SHA256"' in request.headers["Authorization"]


async def test_guest_orders_are_found_by_the_customer_email(sim: MagentoSimulator) -> None:
    sim.store.customers[3] = {**sim.store.customers[2], "id": 3, "email": GUEST_EMAIL}
    from tests.platforms.magento.helpers import adapter_on, magento_connection

    adapter, _ = adapter_on(sim, magento_connection())
    found = await adapter.find_customers(email=GUEST_EMAIL, phone=None, orders_limit=5, call=call())
    assert [o.id for o in found[0].orders] == ["11"]
    assert found[0].orders[0].customer_id is None


async def test_customer_by_phone_matches_the_default_billing_telephone(
    magento: MagentoAdapter, recorded: Recorded
) -> None:
    found = await magento.find_customers(
        email=None, phone="+14155550101", orders_limit=1, call=call()
    )
    assert [c.customer.id for c in found] == ["1"]
    search = str(recorded.exchanges[0][0].url)
    assert "billing_telephone" in search
    assert "conditionType%5D=in" in search


async def test_order_by_id_and_by_increment_id_reads_items_totals_payment_and_state(
    magento: MagentoAdapter,
) -> None:
    order = await order_of(magento, "6")
    by_number = await magento.find_order_by_name("#000000006", call=call())
    assert by_number == order
    assert order.name == "#000000006"
    # The configurable product is one line (its child row is under it), as people read it.
    assert [line.name for line in order.line_items] == ["Chaz Kangeroo Hoodie", "Gobi HeatTec Tee"]
    assert order.totals.total.amount == "115.00"
    assert order.currency == "USD"
    facts = order.state.as_facts()
    assert facts["state"] == "complete"
    assert facts["shipped"] is True
    assert facts["paid"] is True
    assert facts["uninvoiced"] is False
    assert await magento.get_order("999", call=call()) is None
    assert await magento.get_order("abc", call=call()) is None
    assert await magento.find_order_by_name("#404", call=call()) is None


# --- Cancel -----------------------------------------------------------------------------------


async def test_cancel_of_an_uninvoiced_order_cancels_it(
    magento: MagentoAdapter, sim: MagentoSimulator
) -> None:
    order = await order_of(magento, "1")
    outcome = await magento.cancel_order(
        order, CancelOrderInput(reason="customer"), refund=False, call=call()
    )
    assert outcome.status == "succeeded"
    assert sim.store.orders[1]["state"] == "canceled"
    assert [e.operation for e in sim.ledger] == ["order.cancel"]


async def test_cancel_answered_false_is_a_refusal_never_a_success(
    magento: MagentoAdapter, sim: MagentoSimulator
) -> None:
    order = await order_of(magento, "9")  # on hold: canCancel() is false
    with pytest.raises(PlatformRejected) as refused:
        await magento._cancel(order, sim.store.orders[9], call())
    assert "answered false" in str(refused.value.detail)
    assert "on hold" in str(refused.value.detail)
    assert sim.ledger == []


async def test_cancel_of_a_fully_invoiced_order_is_refused_before_sending(
    magento: MagentoAdapter, recorded: Recorded
) -> None:
    order = await order_of(magento, "4")
    with pytest.raises(PlatformRejected, match="every item is invoiced"):
        await magento.cancel_order(
            order, CancelOrderInput(reason="customer"), refund=False, call=call()
        )
    assert not any("cancel" in op for op in recorded.operations())


async def test_cancel_and_refund_refunds_online_then_cancels_the_uninvoiced_rest(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded
) -> None:
    order = await order_of(magento, "13")  # half invoiced (paid online), half not
    outcome = await magento.cancel_order(
        order, CancelOrderInput(reason="customer"), refund=True, call=call()
    )
    assert outcome.refund is not None
    assert outcome.refund.total.amount == "34.00"
    assert outcome.refund.transactions[0].status == "online"
    assert "POST /V1/invoice/130/refund" in recorded.operations()
    assert [e.operation for e in sim.ledger] == ["creditmemo", "order.cancel"]
    assert sim.ledger[0].online is True
    # Refunded in full, then its uninvoiced rest canceled: nothing is left to refund.
    assert sim.store.orders[13]["state"] == "canceled"


# --- Refunds ----------------------------------------------------------------------------------


async def test_refund_of_an_online_payment_goes_through_its_invoice_online(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded
) -> None:
    order = await order_of(magento, "3")
    outcome = await magento.refund_order(order, REFUND, call=call())
    assert outcome.refund is not None
    assert outcome.refund.total.amount == "78.00"  # 2 × 29 + 15 + 5 shipping
    assert outcome.refund.notes == []
    body = sent_json(recorded, "POST", "/refund")
    assert body["isOnline"] is True
    assert body["arguments"]["shipping_amount"] == 5.0  # always sent
    assert body["comment"]["is_visible_on_front"] == 0
    assert sim.store.orders[3]["base_total_online_refunded"] == 78
    assert outcome.platform_reference == str(sim.ledger[0].reference)


async def test_refund_of_an_offline_payment_is_recorded_offline_and_says_so(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded
) -> None:
    order = await order_of(magento, "4")
    outcome = await magento.refund_order(order, REFUND, call=call())
    assert "POST /V1/order/4/refund" in recorded.operations()
    assert outcome.refund is not None
    assert outcome.refund.transactions[0].status == "offline"
    assert "outside Magento" in outcome.refund.notes[0]
    assert sim.ledger[0].online is False
    assert sim.store.orders[4]["state"] == "closed"  # nothing left to invoice, ship or refund


async def test_partial_refund_lists_every_row_and_sends_shipping_in_base_currency(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded
) -> None:
    order = await order_of(magento, "6")
    hoodie = order.line_items[0]
    data = PartialRefundOrderInput(
        reason="customer",
        line_items=[PartialRefundLineItem(line_item_id=hoodie.id, quantity=1, restock=True)],
        shipping_amount="2.50",
    )
    preview = await magento.preview_refund(order, data, call=call())
    assert preview.total.amount == "54.50"
    outcome = await magento.partial_refund_order(order, data, call=call())
    assert outcome.refund is not None
    assert outcome.refund.total == preview.total
    body = sent_json(recorded, "POST", "/refund")
    # Unasked rows at 0: an empty list would refund everything.
    assert {i["order_item_id"]: i["qty"] for i in body["items"]} == {601: 1, 603: 0}
    assert body["arguments"]["extension_attributes"] == {"return_to_stock_items": [601]}
    assert sim.ledger[0].amount == Decimal("54.50")


async def test_partial_refund_of_an_amount_uses_an_adjustment(
    magento: MagentoAdapter, sim: MagentoSimulator
) -> None:
    order = await order_of(magento, "6")
    data = PartialRefundOrderInput(reason="other", amount="10")
    outcome = await magento.partial_refund_order(order, data, call=call())
    assert outcome.refund is not None
    assert outcome.refund.total.amount == "10.00"
    assert sim.ledger[0].amount == Decimal(10)


async def test_partial_refund_above_what_is_refundable_is_refused_before_sending(
    magento: MagentoAdapter, recorded: Recorded
) -> None:
    order = await order_of(magento, "6")
    data = PartialRefundOrderInput(
        reason="customer",
        line_items=[PartialRefundLineItem(line_item_id=order.line_items[0].id, quantity=2)],
    )
    with pytest.raises((RefundExceedsRefundable, ValidationFailed)):
        await magento.partial_refund_order(order, data, call=call())
    assert not any(op.endswith("/refund") for op in recorded.operations())


async def test_magentos_validation_message_reaches_the_caller_verbatim(
    magento: MagentoAdapter, sim: MagentoSimulator
) -> None:
    order = await order_of(magento, "6")
    sim.store.orders[6]["state"] = "holded"  # held after it was read
    sim.store.orders[6]["status"] = "holded"
    with pytest.raises(PlatformRejected) as refused:
        await magento.refund_order(order, REFUND, call=call())
    messages = [m.message for m in refused.value.extensions["platform_errors"]]
    assert messages == [
        "Creditmemo Document Validation Error(s):\n"
        "A creditmemo can not be created when an order has a status of holded"
    ]


async def test_opaque_could_not_save_is_a_refusal_pointing_at_the_stores_log(
    magento: MagentoAdapter, sim: MagentoSimulator
) -> None:
    sim.decline_online_refunds = True
    order = await order_of(magento, "3")
    with pytest.raises(PlatformRejected) as refused:
        await magento.refund_order(order, REFUND, call=call())
    assert "exception.log" in str(refused.value.detail)
    assert refused.value.extensions["platform_errors"][0].message == (
        "Could not save a Creditmemo, see error log for details"
    )
    assert sim.ledger == []


async def test_a_refund_lost_before_magento_saved_it_stays_unknown_and_is_not_resent(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded
) -> None:
    sim.faults.http_status(500, operation="PostV1OrderOrderIdRefund")
    order = await order_of(magento, "4")
    with pytest.raises(UpstreamError) as lost:
        await magento.refund_order(order, REFUND, call=call())
    assert lost.value.extensions["outcome"] is Outcome.UNKNOWN
    assert "not sent again" in str(lost.value.detail)
    assert sum(op.endswith("/refund") for op in recorded.operations()) == 1
    assert sim.ledger == []


# --- Note and discount --------------------------------------------------------------------------


async def test_note_is_a_private_comment_sent_with_the_orders_current_status(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded
) -> None:
    order = await order_of(magento, "14")
    outcome = await magento.edit_order_note(
        order, EditOrderNoteInput(note="Customer called"), call=call()
    )
    assert outcome.note == "Customer called"
    history = sent_json(recorded, "POST")["statusHistory"]
    assert history["status"] == "processing"
    assert (history["is_customer_notified"], history["is_visible_on_front"]) == (0, 0)
    # Without the status Magento would have cleared the order's (magento/magento2#34180).
    assert sim.store.orders[14]["status"] == "processing"
    assert (await order_of(magento, "14")).note == "Customer called"


async def test_discount_code_is_a_rule_and_one_specific_coupon_for_one_use(
    magento: MagentoAdapter, sim: MagentoSimulator
) -> None:
    customer = await magento.get_customer("1", call=call())
    assert customer is not None
    data = CreateDiscountCodeInput(
        code="SORRY10", type="fixed_amount", value="10", expiry="1_month"
    )
    outcome = await magento.create_discount_code(customer, data, call=call())
    assert outcome.discount_code is not None
    assert outcome.discount_code.code == "SORRY10"
    (rule,) = sim.store.rules.values()
    assert rule["coupon_type"] == "SPECIFIC_COUPON"
    assert rule["uses_per_coupon"] == 1
    assert rule["simple_action"] == "cart_fixed"
    (coupon,) = sim.store.coupons.values()
    assert coupon["usage_limit"] == 1
    assert coupon["rule_id"] == rule["rule_id"]
    with pytest.raises(DiscountCodeTaken):
        await magento.create_discount_code(customer, data, call=call())


async def test_a_coupon_refused_deletes_its_rule(
    magento: MagentoAdapter, sim: MagentoSimulator
) -> None:
    customer = await magento.get_customer("1", call=call())
    assert customer is not None
    sim.faults.http_status(400, operation="PostV1Coupons")
    data = CreateDiscountCodeInput(code="SORRY5", type="percentage", value="5", expiry="never")
    with pytest.raises(PlatformRejected):
        await magento.create_discount_code(customer, data, call=call())
    assert sim.store.rules == {}
    assert [e.operation for e in sim.ledger] == ["rule.create", "rule.delete"]


# --- Shipping address ---------------------------------------------------------------------------


async def test_address_change_saves_the_same_row_with_the_whole_address(
    magento: MagentoAdapter, recorded: Recorded
) -> None:
    outcome = await magento.update_shipping_address(
        await order_of(magento, "4"), NEW_ADDRESS, call=call()
    )
    change = outcome.shipping_address
    assert change is not None
    assert change.before is not None
    assert (change.before.city, change.after.province) == ("Austin", "Ontario")
    entity = sent_json(recorded, "PUT", "/V1/orders/4")["entity"]
    # The row's entity_id (else Magento inserts a new row), its email, the phone kept.
    assert (entity["entity_id"], entity["parent_id"], entity["address_type"]) == (42, 4, "shipping")
    assert entity["email"] == "jane@example.com"
    assert entity["telephone"] == "+14155550101"
    assert "region_id" not in entity  # the old country's region id
    assert "will not recalculate shipping, tax" in outcome.messages[0]
    assert (await order_of(magento, "4")).shipping_address == change.after


async def test_a_virtual_or_shipped_order_keeps_its_address(magento: MagentoAdapter) -> None:
    for order_id, code in (("12", "no_shipping_address"), ("14", "already_shipped")):
        order = await order_of(magento, order_id)
        with pytest.raises(NotEligible) as refused:
            await magento.update_shipping_address(order, NEW_ADDRESS, call=call())
        assert refused.value.extensions["current_state"]["decision_code"] == code


async def test_magentos_opaque_address_refusal_travels_verbatim_with_a_hint(
    magento: MagentoAdapter, sim: MagentoSimulator
) -> None:
    sim.store.orders[4]["extension_attributes"]["shipping_assignments"][0]["shipping"][
        "address"
    ].pop("email")  # Magento's validator wants an email: it answers one sentence for all
    order = await order_of(magento, "4")
    with pytest.raises(PlatformRejected) as refused:
        await magento.update_shipping_address(order, NEW_ADDRESS, call=call())
    assert refused.value.extensions["platform_errors"][0].message == "Could not save order address"
    assert "replaces every reason" in str(refused.value.detail)


async def test_notifying_goes_with_the_credit_memo_and_a_bare_cancel_cannot(
    magento: MagentoAdapter, recorded: Recorded
) -> None:
    with pytest.raises(ValidationFailed, match="cancels without an email"):
        await magento.cancel_order(
            await order_of(magento, "1"),
            CancelOrderInput(reason="customer", notify_customer=True),
            refund=False,
            call=call(),
        )
    notified = RefundOrderInput(reason="customer", notify_customer=True)
    await magento.refund_order(await order_of(magento, "4"), notified, call=call())
    assert sent_json(recorded, "POST", "/refund")["notify"] is True


LOST_ANSWERS = {
    # operation whose answer is lost: (order, the action, what the answer tells, the effect)
    "PostV1InvoiceInvoiceIdRefund": (
        "3",
        lambda adapter, order: adapter.refund_order(order, REFUND, call=call()),
        "credit memos shows it was created",
        "creditmemo",
    ),
    "PutV1OrdersParent_id": (
        "4",
        lambda adapter, order: adapter.update_shipping_address(order, NEW_ADDRESS, call=call()),
        "shows the new address",
        "address.save",
    ),
    "PostV1OrdersIdComments": (
        "1",
        lambda adapter, order: adapter.edit_order_note(
            order, EditOrderNoteInput(note="Called back"), call=call()
        ),
        "",
        "comment",
    ),
}


@pytest.mark.parametrize("operation", sorted(LOST_ANSWERS))
async def test_a_lost_answer_is_settled_by_re_reading_never_by_sending_again(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded, operation: str
) -> None:
    order_id, perform, told, effect = LOST_ANSWERS[operation]
    sim.faults.drop_after(operation=operation)
    outcome = await perform(magento, await order_of(magento, order_id))
    assert [e.operation for e in sim.ledger] == [effect]
    assert sum(r.method != "GET" for r in recorded.sent) == 1
    assert told in " ".join(outcome.messages)
