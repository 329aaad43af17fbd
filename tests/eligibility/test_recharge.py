"""Recharge (beyond the seeds): an active subscription in an open conversation, never prepaid;
skip also needs Recharge's is_skippable and a queued charge. Reschedule: active, not prepaid,
with a queued charge, in any conversation (only Ordergroove's rule names the conversation)."""

from __future__ import annotations

from typing import Any

import pytest

from action_gateway.domain.models import ActionName, ResourceType
from action_gateway.eligibility import PlatformMatrix
from action_gateway.platforms.registry import load_matrices

ACTIONS = [ActionName.CANCEL_SUBSCRIPTION, ActionName.SKIP_SUBSCRIPTION_ORDER]
RESCHEDULE = ActionName.RESCHEDULE_SUBSCRIPTION_ORDER
OPEN = {"conversation_status": "open"}


@pytest.fixture(scope="module")
def recharge() -> PlatformMatrix:
    return load_matrices()["recharge"]


# An active subscription Recharge lets be skipped, with a queued charge holding it.
PLAIN = {"status": "active", "prepaid": False, "skippable": True, "has_next_order": True}


@pytest.mark.parametrize(
    ("facts", "context", "code"),
    [
        ({}, OPEN, "eligible"),
        ({}, {"conversation_status": "closed"}, "conversation_not_open"),
        ({}, {"conversation_status": "pending"}, "conversation_not_open"),
        ({}, {"conversation_status": None}, "conversation_not_open"),
        ({}, None, "conversation_not_open"),
        ({"prepaid": True}, OPEN, "subscription_prepaid"),
        ({"prepaid": True, "skippable": False}, OPEN, "subscription_prepaid"),
        ({"status": "cancelled"}, OPEN, "status_not_eligible"),
        ({"status": "expired"}, OPEN, "status_not_eligible"),
        ({"status": "paused"}, OPEN, "unknown_status"),
    ],
)
def test_both_actions(
    recharge: PlatformMatrix, facts: dict[str, Any], context: dict[str, Any] | None, code: str
) -> None:
    result = recharge.evaluate(ResourceType.SUBSCRIPTION, {**PLAIN, **facts}, context=context)
    assert [d.action for d in result.decisions] == [*ACTIONS, RESCHEDULE]
    decisions = [d for d in result.decisions if d.action in ACTIONS]
    assert {(d.allowed, d.code) for d in decisions} == {(code == "eligible", code)}


@pytest.mark.parametrize(
    ("facts", "context", "code"),
    [
        ({}, OPEN, "eligible"),
        ({}, {"conversation_status": "closed"}, "eligible"),
        ({}, {"conversation_status": "pending"}, "eligible"),
        ({}, None, "eligible"),
        ({"skippable": False}, None, "eligible"),
        ({"prepaid": True}, OPEN, "subscription_prepaid"),
        ({"has_next_order": False}, OPEN, "no_upcoming_order"),
        ({"status": "cancelled"}, None, "status_not_eligible"),
        ({"status": "paused"}, OPEN, "unknown_status"),
    ],
)
def test_reschedule_in_any_conversation(
    recharge: PlatformMatrix, facts: dict[str, Any], context: dict[str, Any] | None, code: str
) -> None:
    result = recharge.evaluate(ResourceType.SUBSCRIPTION, {**PLAIN, **facts}, context=context)
    decision = result.decision(RESCHEDULE)
    assert (decision.allowed, decision.code) == (code == "eligible", code)


def test_prepaid_is_refused_with_its_reason(recharge: PlatformMatrix) -> None:
    prepaid = recharge.evaluate(ResourceType.SUBSCRIPTION, {**PLAIN, "prepaid": True}, context=OPEN)
    for action in ACTIONS:
        assert prepaid.decision(action).reason == (
            f"{action} is not available: the subscription is prepaid (its shipments are "
            "paid in advance), which the gateway neither cancels nor skips."
        )
    assert prepaid.decision(RESCHEDULE).reason == (
        "reschedule_subscription_order is not available: the subscription is prepaid, so its "
        "next charge is the renewal, not the next shipment; the gateway does not move it."
    )


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        ({"skippable": False}, "subscription_not_skippable"),
        ({"has_next_order": False}, "no_upcoming_order"),
    ],
)
def test_skip_alone_needs_skippable_and_a_queued_charge(
    recharge: PlatformMatrix, facts: dict[str, Any], code: str
) -> None:
    result = recharge.evaluate(ResourceType.SUBSCRIPTION, {**PLAIN, **facts}, context=OPEN)
    assert result.decision(ActionName.CANCEL_SUBSCRIPTION).allowed
    skip = result.decision(ActionName.SKIP_SUBSCRIPTION_ORDER)
    assert (skip.allowed, skip.code) == (False, code)


def test_missing_facts_deny(recharge: PlatformMatrix) -> None:
    # prepaid unknown: fail closed rather than offer a cancel Recharge may not honour.
    unknown = recharge.evaluate(
        ResourceType.SUBSCRIPTION, {"status": "active", "skippable": True}, context=OPEN
    )
    assert not any(d.allowed for d in unknown.decisions)
    assert recharge.evaluate(ResourceType.SUBSCRIPTION, {"status": "active"}).state == {
        "status": "active"
    }


def test_inputs_name_every_fact_and_context_value(recharge: PlatformMatrix) -> None:
    assert recharge.inputs(ResourceType.SUBSCRIPTION) == (
        ("status", "prepaid", "skippable", "has_next_order"),
        ("conversation_status",),
    )
