"""Ordergroove (gladly-ordergroove-actions.txt): a live subscription and an open conversation."""

from __future__ import annotations

from typing import Any

import pytest

from action_gateway.domain.models import ActionName, ResourceType
from action_gateway.eligibility import PlatformMatrix
from action_gateway.platforms.registry import load_matrices

ACTIONS = [
    ActionName.CANCEL_SUBSCRIPTION,
    ActionName.SKIP_SUBSCRIPTION_ORDER,
    ActionName.RESCHEDULE_SUBSCRIPTION_ORDER,
]


@pytest.fixture(scope="module")
def ordergroove() -> PlatformMatrix:
    return load_matrices()["ordergroove"]


# A subscription that is neither prepaid nor without an upcoming order: the seed's own columns.
PLAIN = {"prepaid": False, "has_next_order": True}


@pytest.mark.parametrize(
    ("facts", "context", "code"),
    [
        ({"live": True}, {"conversation_status": "open"}, "eligible"),
        ({"live": True}, {"conversation_status": "closed"}, "conversation_not_open"),
        ({"live": True}, {"conversation_status": None}, "conversation_not_open"),
        ({"live": True}, {}, "conversation_not_open"),
        ({"live": True}, None, "conversation_not_open"),
        ({"live": False}, {"conversation_status": "open"}, "subscription_not_live"),
        ({"live": False}, {"conversation_status": "closed"}, "subscription_not_live"),
        ({"live": False}, None, "subscription_not_live"),
        ({}, {"conversation_status": "open"}, "subscription_not_live"),
        ({}, {"conversation_status": "closed"}, "subscription_not_live"),
        ({}, None, "subscription_not_live"),
        ({"live": True, "prepaid": True}, {"conversation_status": "open"}, "subscription_prepaid"),
    ],
)
def test_live_and_conversation(
    ordergroove: PlatformMatrix,
    facts: dict[str, Any],
    context: dict[str, Any] | None,
    code: str,
) -> None:
    result = ordergroove.evaluate(ResourceType.SUBSCRIPTION, {**PLAIN, **facts}, context=context)
    assert [d.action for d in result.decisions] == ACTIONS
    assert {(d.allowed, d.code) for d in result.decisions} == {(code == "eligible", code)}


def test_reasons(ordergroove: PlatformMatrix) -> None:
    closed = ordergroove.evaluate(
        ResourceType.SUBSCRIPTION,
        {**PLAIN, "live": True},
        context={"conversation_status": "closed"},
    )
    assert closed.decisions[0].reason == (
        "cancel_subscription is not available: the conversation is not open."
    )
    paused = ordergroove.evaluate(
        ResourceType.SUBSCRIPTION, {**PLAIN, "live": False}, context={"conversation_status": "open"}
    )
    assert paused.decisions[1].reason == (
        "skip_subscription_order is not available: the subscription is not live."
    )


def test_skip_needs_an_upcoming_order_and_missing_facts_deny(ordergroove: PlatformMatrix) -> None:
    open_ = {"conversation_status": "open"}
    nothing_upcoming = ordergroove.evaluate(
        ResourceType.SUBSCRIPTION, {**PLAIN, "live": True, "has_next_order": False}, context=open_
    )
    assert nothing_upcoming.decision(ActionName.CANCEL_SUBSCRIPTION).allowed
    skip = nothing_upcoming.decision(ActionName.SKIP_SUBSCRIPTION_ORDER)
    assert (skip.allowed, skip.code) == (False, "no_upcoming_order")
    unknown = ordergroove.evaluate(ResourceType.SUBSCRIPTION, {"live": True}, context=open_)
    assert not any(d.allowed for d in unknown.decisions)  # prepaid unknown: fail closed


def test_reschedule_needs_an_upcoming_order_and_says_why_not_prepaid(
    ordergroove: PlatformMatrix,
) -> None:
    open_ = {"conversation_status": "open"}
    nothing_upcoming = ordergroove.evaluate(
        ResourceType.SUBSCRIPTION, {**PLAIN, "live": True, "has_next_order": False}, context=open_
    )
    reschedule = nothing_upcoming.decision(ActionName.RESCHEDULE_SUBSCRIPTION_ORDER)
    assert (reschedule.allowed, reschedule.code, reschedule.reason) == (
        False,
        "no_upcoming_order",
        "reschedule_subscription_order is not available: the subscription has no upcoming "
        "order to move.",
    )
    prepaid = ordergroove.evaluate(
        ResourceType.SUBSCRIPTION, {**PLAIN, "live": True, "prepaid": True}, context=open_
    )
    assert prepaid.decision(ActionName.RESCHEDULE_SUBSCRIPTION_ORDER).reason == (
        "reschedule_subscription_order is not available: the subscription is prepaid, whose "
        "orders the gateway does not move."
    )
