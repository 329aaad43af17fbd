"""The action flow (``actions/flow.py``) driven directly, without HTTP: a fake adapter stands in
for the platform, so each step (activation, eligibility, ceiling, deadline, event) is seen alone."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from action_gateway.actions.flow import perform_action
from action_gateway.config import ActionsConfig
from action_gateway.domain.models import ActionRequest
from action_gateway.errors import (
    ActionDisabled,
    ActionNotSupported,
    ApprovalRequired,
    DeadlineExceeded,
    Forbidden,
    NotEligible,
    NotFound,
    Outcome,
    UpstreamUnavailable,
)
from tests.actions.helpers import services
from tests.fakes import FakeAdapter, make_order

REQUESTS: TypeAdapter[Any] = TypeAdapter(ActionRequest)


def request(action: str, target: dict[str, str], **fields: Any) -> Any:
    body = {
        "connection": "acme",
        "action": action,
        "target": target,
        "input": {"reason": "customer"},
        "context": {"agent_id": "agent-7", "agent_roles": ["support"]},
    } | fields
    return REQUESTS.validate_python(body)


def refund(order_id: str = "1001", **fields: Any) -> Any:
    return request("refund_order", {"order_id": order_id}, **fields)


@pytest.fixture
def adapter() -> FakeAdapter:
    fake = FakeAdapter()
    for order in (
        make_order("1001", financial_status="paid"),
        make_order("1003", financial_status="paid", cancelled=True),
    ):
        fake.orders[order.id] = order
    return fake


async def test_a_success_changes_the_platform_once_and_produces_a_timeline_event(
    adapter: FakeAdapter,
) -> None:
    result = await perform_action(services(adapter), refund(), downstream_key="dk-1")
    assert result.status == "succeeded"
    assert adapter.calls == [("refund", "1001")]
    assert adapter.keys == ["dk-1"]  # the downstream key reaches the platform
    assert result.timeline_event is not None
    assert result.timeline_event.type == "order.refunded"
    assert result.timeline_event.actor.agent_id == "agent-7"
    assert result.refund is not None
    assert result.refund.total.amount == "54.20"
    # The re-read resource is the refunded order: refunding again is no longer offered.
    assert result.resource is not None
    assert "refund_order" not in {a.value for a in result.resource.available_actions}


async def test_a_dry_run_previews_and_changes_nothing(adapter: FakeAdapter) -> None:
    result = await perform_action(services(adapter), refund(dry_run=True), downstream_key=None)
    assert (result.status, result.dry_run) == ("preview", True)
    assert result.refund is not None
    assert result.refund.total.amount == "54.20"
    assert result.timeline_event is None
    assert adapter.calls == []


async def test_an_action_switched_off_is_refused_before_any_read(adapter: FakeAdapter) -> None:
    with pytest.raises(ActionDisabled):
        await perform_action(
            services(adapter, allowed=["cancel_order"]), refund(), downstream_key=None
        )
    assert adapter.calls == []


async def test_an_action_the_adapter_does_not_support(adapter: FakeAdapter) -> None:
    partial = request(
        "partial_refund_order", {"order_id": "1001"}, input={"reason": "customer", "amount": "5"}
    )
    with pytest.raises(ActionNotSupported):
        await perform_action(services(adapter), partial, downstream_key=None)
    assert adapter.calls == []


async def test_a_role_outside_the_allowed_ones_is_forbidden(adapter: FakeAdapter) -> None:
    with pytest.raises(Forbidden) as caught:
        await perform_action(
            services(adapter, roles={"refund_order": ["lead"]}), refund(), downstream_key=None
        )
    assert caught.value.instance_code == "role_not_allowed"
    assert adapter.calls == []


async def test_an_unknown_order_is_not_found(adapter: FakeAdapter) -> None:
    with pytest.raises(NotFound) as caught:
        await perform_action(services(adapter), refund("9999"), downstream_key=None)
    assert caught.value.instance_code == "order_not_found"


async def test_an_ineligible_order_is_refused_with_its_state(adapter: FakeAdapter) -> None:
    cancel = request("cancel_order", {"order_id": "1003"})
    with pytest.raises(NotEligible) as caught:
        await perform_action(services(adapter), cancel, downstream_key=None)
    assert caught.value.extensions["current_state"] == {
        "payment": "paid",
        "fulfillment": "unfulfilled",
        "decision_code": "already_cancelled",
    }
    assert caught.value.extensions["allowed_actions"] == ["refund_order", "edit_order_note"]
    assert adapter.calls == []


async def test_a_refund_above_the_ceiling_needs_approval_and_moves_nothing(
    adapter: FakeAdapter,
) -> None:
    ceilings = ActionsConfig.model_validate({"refund_ceilings": {"refund_order": {"*": "10"}}})
    with pytest.raises(ApprovalRequired) as caught:
        await perform_action(
            services(adapter, **ceilings.model_dump(exclude_unset=True)),
            refund(),
            downstream_key=None,
        )
    assert (caught.value.extensions["ceiling"], caught.value.extensions["amount"]) == (
        "10.00",
        "54.20",
    )
    assert adapter.calls == []


async def test_the_deadline_after_the_write_is_an_unknown_outcome_with_its_event(
    adapter: FakeAdapter,
) -> None:
    adapter.delay = 1.0  # the fake marks the write as sent, then outlasts the deadline
    with pytest.raises(DeadlineExceeded) as caught:
        await perform_action(services(adapter, deadline=0.05), refund(), downstream_key=None)
    assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
    event = caught.value.extensions["timeline_event"]
    assert event.type == "action.outcome_unknown"
    assert event.details["code"] == "deadline_exceeded"


async def test_a_failure_before_any_write_is_not_executed_and_has_no_event(
    adapter: FakeAdapter,
) -> None:
    adapter.fail_with = UpstreamUnavailable("down", outcome=Outcome.NOT_EXECUTED)
    with pytest.raises(UpstreamUnavailable) as caught:
        await perform_action(services(adapter), refund(), downstream_key=None)
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert "timeline_event" not in caught.value.extensions
