"""Resources as the API shows them (``actions/views.py``): data plus what an agent may do now."""

from __future__ import annotations

from action_gateway.actions.views import customer_view, order_view, subscription_view
from action_gateway.domain.models import ActionName
from tests.actions.helpers import connection
from tests.fakes import (
    FakeAdapter,
    FakeSubscriptionAdapter,
    make_customer,
    make_order,
    make_subscription,
)


def decision(view: object, action: ActionName) -> tuple[bool, str]:
    found = next(d for d in view.eligibility.decisions if d.action is action)  # type: ignore[attr-defined]
    return found.allowed, found.code


def test_an_order_view_keeps_the_order_and_adds_its_actions() -> None:
    order = make_order("1001")
    view = order_view(connection(FakeAdapter()), order)
    assert view.model_dump(include=set(type(order).model_fields)) == order.model_dump()
    assert (view.connection, view.platform) == ("acme", "shopify")
    assert ActionName.REFUND_ORDER in view.available_actions
    assert view.available_actions == [d.action for d in view.eligibility.decisions if d.allowed]
    assert view.eligibility.state["payment"] == "paid"


def test_a_switched_off_action_is_refused_by_the_connection() -> None:
    view = order_view(connection(FakeAdapter(), allowed=["cancel_order"]), make_order("1001"))
    assert decision(view, ActionName.REFUND_ORDER) == (False, "action_disabled")
    others = [d for d in view.eligibility.decisions if d.action is not ActionName.CANCEL_ORDER]
    assert {d.code for d in others} == {"action_disabled"}
    assert set(view.available_actions) <= {ActionName.CANCEL_ORDER}


def test_an_action_the_adapter_lacks_is_not_supported_yet() -> None:
    view = order_view(connection(FakeAdapter()), make_order("1001"))
    assert decision(view, ActionName.PARTIAL_REFUND_ORDER) == (False, "action_not_supported")
    assert ActionName.PARTIAL_REFUND_ORDER not in view.available_actions


def test_customer_and_subscription_views() -> None:
    customer = customer_view(connection(FakeAdapter()), make_customer("501"))
    assert customer.id == "501"
    assert customer.available_actions == [
        ActionName.CREATE_DISCOUNT_CODE,
        ActionName.ISSUE_STORE_CREDIT,
    ]
    ordergroove = connection(FakeSubscriptionAdapter(), matrix="ordergroove")
    open_conversation = {"conversation_status": "open"}
    subscription = subscription_view(ordergroove, make_subscription("sub-1"), open_conversation)
    assert subscription.id == "sub-1"
    assert subscription.product == "Morning Blend Coffee"
    assert set(subscription.available_actions) == {
        ActionName.CANCEL_SUBSCRIPTION,
        ActionName.SKIP_SUBSCRIPTION_ORDER,
        ActionName.RESCHEDULE_SUBSCRIPTION_ORDER,
    }
