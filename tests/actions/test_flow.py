"""The action flow (``actions/flow.py``) driven directly, without HTTP: a fake adapter stands in
for the platform, so each step (activation, eligibility, ceiling, deadline, event) is seen alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter

from action_gateway.actions.flow import ActionResult, perform_action
from action_gateway.actions.specs import ACTION_SPECS
from action_gateway.config import ActionsConfig
from action_gateway.domain.models import (
    ACTION_FACTS,
    ActionName,
    ActionRequest,
    Ceiling,
    Money,
    ResourceType,
)
from action_gateway.errors import (
    ActionDisabled,
    ActionNotSupported,
    ApprovalRequired,
    DeadlineExceeded,
    Forbidden,
    NotEligible,
    NotFound,
    Outcome,
    RefundExceedsRefundable,
    UpstreamUnavailable,
)
from tests.actions.helpers import services, subscription_services
from tests.fakes import (
    AN_ADDRESS,
    FakeAdapter,
    FakePartialRefundAdapter,
    FakeSubscriptionAdapter,
    make_customer,
    make_order,
    make_subscription,
)

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


# --- Dispatch through the action table (actions/specs.py) -------------------------------------

OPEN = {"agent_id": "agent-7", "conversation_status": "open"}
DISPATCH: dict[ActionName, tuple[dict[str, str], dict[str, Any], tuple[str, str]]] = {
    ActionName.CANCEL_ORDER: ({"order_id": "1001"}, {"reason": "customer"}, ("cancel", "1001")),
    ActionName.CANCEL_AND_REFUND_ORDER: (
        {"order_id": "1001"},
        {"reason": "customer"},
        ("cancel_and_refund", "1001"),
    ),
    ActionName.REFUND_ORDER: ({"order_id": "1001"}, {"reason": "customer"}, ("refund", "1001")),
    ActionName.PARTIAL_REFUND_ORDER: (
        {"order_id": "1001"},
        {"reason": "customer", "amount": "5"},
        ("partial_refund", "1001"),
    ),
    ActionName.EDIT_ORDER_NOTE: ({"order_id": "1001"}, {"note": "Called back"}, ("note", "1001")),
    ActionName.CREATE_DISCOUNT_CODE: (
        {"customer_id": "501"},
        {"code": "SORRY10", "type": "percentage", "value": "10", "expiry": "never"},
        ("discount", "501"),
    ),
    ActionName.CANCEL_SUBSCRIPTION: (
        {"subscription_id": "sub-1"},
        {"reason": "too_much_product"},
        ("cancel", "sub-1"),
    ),
    ActionName.SKIP_SUBSCRIPTION_ORDER: ({"subscription_id": "sub-1"}, {}, ("skip", "sub-1")),
    ActionName.ISSUE_STORE_CREDIT: (
        {"customer_id": "501"},
        {"amount": "15.00", "currency": "USD"},
        ("store_credit", "501"),
    ),
    ActionName.RESCHEDULE_SUBSCRIPTION_ORDER: (
        {"subscription_id": "sub-1"},
        {"date": (datetime.now(UTC).date() + timedelta(days=30)).isoformat()},
        ("reschedule", "sub-1"),
    ),
    ActionName.CREATE_REPLACEMENT_ORDER: (
        {"order_id": "1001"},
        {"line_items": [{"line_item_id": "1", "quantity": 2}], "reason": "damaged"},
        ("replacement", "1001"),
    ),
    ActionName.EDIT_ORDER_TAGS: ({"order_id": "1001"}, {"add": ["vip"]}, ("tags", "1001")),
    ActionName.UPDATE_SHIPPING_ADDRESS: (
        {"order_id": "1001"},
        {
            "address": {
                "first_name": "Ava",
                "last_name": "Lindqvist",
                "address1": "1 King Street",
                "city": "Toronto",
                "province_code": "ON",
                "postal_code": "M5H 1A1",
                "country_code": "CA",
            }
        },
        ("address", "1001"),
    ),
}


def _fake_for(action: ActionName) -> FakePartialRefundAdapter | FakeSubscriptionAdapter:
    if ACTION_SPECS[action].facts.resource_type is ResourceType.SUBSCRIPTION:
        subscriptions = FakeSubscriptionAdapter()
        subscriptions.subscriptions["sub-1"] = make_subscription("sub-1")
        return subscriptions
    commerce = FakePartialRefundAdapter()
    paid = ACTION_SPECS[action].facts.moves_money  # money moves back from a paid order only
    commerce.orders["1001"] = make_order(
        "1001", financial_status="paid" if paid else "pending", shipping_address=AN_ADDRESS
    )
    if ACTION_SPECS[action].facts.compensates:  # a replacement sends again what was sent
        commerce.orders["1001"] = make_order(
            "1001", fulfillment_status="fulfilled", shipping_address=AN_ADDRESS
        )
    commerce.customers["501"] = make_customer("501")
    return commerce


def _services_for(action: ActionName, adapter: Any) -> Any:
    if ACTION_SPECS[action].facts.resource_type is ResourceType.SUBSCRIPTION:
        return subscription_services(adapter)
    return services(adapter)


async def _perform(action: ActionName, *, dry_run: bool) -> tuple[Any, ActionResult]:
    """``action`` performed (or previewed) on its DISPATCH target and input, over a fresh fake."""
    target, input_, _ = DISPATCH[action]
    adapter = _fake_for(action)
    body = request(action.value, target, input=input_, context=OPEN, dry_run=dry_run)
    key = None if dry_run else "dk"
    return adapter, await perform_action(_services_for(action, adapter), body, downstream_key=key)


def test_every_action_is_driven_below() -> None:
    assert set(DISPATCH) == set(ActionName)


@pytest.mark.parametrize("action", list(ActionName))
async def test_each_action_runs_its_specs_capability_and_is_told_by_its_wording(
    action: ActionName,
) -> None:
    adapter, result = await _perform(action, dry_run=False)
    assert result.status == "succeeded"
    assert adapter.calls == [DISPATCH[action][2]]
    spec = ACTION_SPECS[action]
    assert result.timeline_event is not None
    assert result.timeline_event.type == spec.wording.event_type
    assert (result.refund is not None) is spec.facts.moves_money


@pytest.mark.parametrize("action", list(ActionName))
async def test_each_dry_run_is_previewed_by_its_spec_and_changes_nothing(
    action: ActionName,
) -> None:
    adapter, result = await _perform(action, dry_run=True)
    assert (result.status, result.timeline_event, adapter.calls) == ("preview", None, [])
    assert result.summary is not None
    assert result.summary.startswith("Would ")
    # A money-moving action is quoted by the platform; no other is.
    assert (result.refund is not None) is ACTION_SPECS[action].facts.moves_money


async def test_a_partial_refund_preview_runs_its_specs_quote_check() -> None:
    adapter = _fake_for(ActionName.PARTIAL_REFUND_ORDER)
    above = request(
        "partial_refund_order",
        {"order_id": "1001"},
        input={"reason": "customer", "amount": "54.21"},
        dry_run=True,
    )
    with pytest.raises(RefundExceedsRefundable):
        await perform_action(services(adapter), above, downstream_key=None)
    assert adapter.calls == []


async def test_an_unknown_outcome_is_told_with_the_actions_words(adapter: FakeAdapter) -> None:
    adapter.delay = 1.0
    note = request("edit_order_note", {"order_id": "1001"}, input={"note": "Called back"})
    with pytest.raises(DeadlineExceeded) as caught:
        await perform_action(services(adapter, deadline=0.05), note, downstream_key=None)
    event = caught.value.extensions["timeline_event"]
    assert event.summary.startswith(f"{ACTION_SPECS[ActionName.EDIT_ORDER_NOTE].wording.words} ")
    assert event.summary.startswith("The note change of order #1001 may have happened")


# --- Compensation ceilings (a compensating action stands in until the first one ships) ---------


@pytest.fixture
def discount_as_compensation(monkeypatch: pytest.MonkeyPatch) -> None:
    """create_discount_code made a compensating action worth 15.00 USD, limited by
    compensation_ceilings: the flow and config see it as they will see store credit."""
    facts = replace(
        ACTION_FACTS[ActionName.CREATE_DISCOUNT_CODE],
        compensates=True,
        ceiling=Ceiling.COMPENSATION,
    )

    async def appraise(adapter: Any, customer: Any, data: Any, call: Any) -> Money:
        return Money.of("15.00", "USD")

    spec = replace(ACTION_SPECS[ActionName.CREATE_DISCOUNT_CODE], facts=facts, appraise=appraise)
    monkeypatch.setitem(ACTION_FACTS, ActionName.CREATE_DISCOUNT_CODE, facts)
    monkeypatch.setitem(ACTION_SPECS, ActionName.CREATE_DISCOUNT_CODE, spec)


def _discount(**fields: Any) -> Any:
    target, input_, _ = DISPATCH[ActionName.CREATE_DISCOUNT_CODE]
    return request("create_discount_code", target, input=input_, **fields)


def _compensation_ceiling(limit: str) -> dict[str, Any]:
    actions = ActionsConfig.model_validate(
        {"compensation_ceilings": {"create_discount_code": {"support": limit}}}
    )
    return actions.model_dump(exclude_unset=True)


@pytest.mark.usefixtures("discount_as_compensation")
async def test_a_compensation_above_the_ceiling_needs_approval_and_creates_nothing() -> None:
    adapter = FakeAdapter()
    adapter.customers["501"] = make_customer("501")
    with pytest.raises(ApprovalRequired) as caught:
        await perform_action(
            services(adapter, **_compensation_ceiling("10")), _discount(), downstream_key="dk"
        )
    assert caught.value.extensions["ceiling"] == "10.00"
    assert (caught.value.extensions["amount"], caught.value.extensions["currency"]) == (
        "15.00",
        "USD",
    )
    assert "above the ceiling of 10.00 USD for create_discount_code" in str(caught.value)
    assert adapter.calls == []


@pytest.mark.usefixtures("discount_as_compensation")
async def test_a_compensation_within_the_ceiling_runs_and_its_dry_run_says_the_value() -> None:
    adapter = FakeAdapter()
    adapter.customers["501"] = make_customer("501")
    within = services(adapter, **_compensation_ceiling("20"))
    preview = await perform_action(within, _discount(dry_run=True), downstream_key=None)
    assert preview.compensation_value == Money.of("15.00", "USD")
    assert adapter.calls == []
    done = await perform_action(within, _discount(), downstream_key="dk")
    assert (done.status, adapter.calls) == ("succeeded", [("discount", "501")])
    assert done.compensation_value is None  # said by dry runs; the event tells what was done


def test_compensation_ceilings_apply_to_compensating_actions_only() -> None:
    with pytest.raises(ValueError, match="compensating actions only, not refund_order"):
        ActionsConfig.model_validate({"compensation_ceilings": {"refund_order": {"*": "10"}}})


# --- create_replacement_order's compensation ceiling (its appraisal, not a stand-in) ----------


def _replacement(**fields: Any) -> Any:
    target, input_, _ = DISPATCH[ActionName.CREATE_REPLACEMENT_ORDER]
    return request("create_replacement_order", target, input=input_, **fields)


def _replacement_adapter() -> FakeAdapter:
    adapter = FakeAdapter()
    adapter.orders["1001"] = make_order("1001", fulfillment_status="fulfilled")
    return adapter


def _replacement_ceiling(limit: str) -> dict[str, Any]:
    actions = ActionsConfig.model_validate(
        {"compensation_ceilings": {"create_replacement_order": {"*": limit}}}
    )
    return actions.model_dump(exclude_unset=True)


async def test_a_replacement_above_its_ceiling_needs_approval_and_creates_nothing() -> None:
    adapter = _replacement_adapter()
    with pytest.raises(ApprovalRequired) as caught:
        await perform_action(
            services(adapter, **_replacement_ceiling("20")), _replacement(), downstream_key="dk"
        )
    assert (caught.value.extensions["amount"], caught.value.extensions["ceiling"]) == (
        "25.00",
        "20.00",
    )
    assert "The replacement order is worth 25.00 USD, above the ceiling" in str(caught.value)
    assert adapter.calls == []


async def test_a_replacement_within_its_ceiling_runs_and_answers_the_new_order() -> None:
    adapter = _replacement_adapter()
    within = services(adapter, **_replacement_ceiling("25"))
    preview = await perform_action(within, _replacement(dry_run=True), downstream_key=None)
    assert preview.compensation_value == Money.of("25.00", "USD")
    done = await perform_action(within, _replacement(), downstream_key="dk")
    assert done.replacement_order is not None
    assert (done.replacement_order.name, adapter.calls) == ("#9001", [("replacement", "1001")])
    assert done.timeline_event is not None
    assert done.timeline_event.type == "order.replacement_created"
