"""The action table (``actions/specs.py`` over ``domain.models.ACTION_FACTS``): one spec per
action, each performed by a capability some platform implements."""

from __future__ import annotations

import typing
from dataclasses import replace
from typing import Any

import pytest

from action_gateway.actions.specs import ACTION_SPECS, ActionSpec, supported_actions
from action_gateway.domain.models import (
    ACTION_FACTS,
    ActionName,
    ActionRequest,
    Ceiling,
    Money,
    ResourceType,
)
from action_gateway.platforms.bigcommerce import BigCommerceAdapter
from action_gateway.platforms.ordergroove.adapter import OrdergrooveAdapter
from action_gateway.platforms.recharge.adapter import RechargeAdapter
from action_gateway.platforms.shopify.adapter import ShopifyAdapter
from tests.fakes import (
    FakeAdapter,
    FakePartialRefundAdapter,
    FakeSubscriptionAdapter,
    NoteOnlyAdapter,
)

BUILT_IN_ADAPTERS = (ShopifyAdapter, BigCommerceAdapter, OrdergrooveAdapter, RechargeAdapter)


def test_every_action_has_exactly_one_spec_over_its_facts() -> None:
    assert list(ACTION_FACTS) == list(ActionName)
    assert list(ACTION_SPECS) == list(ActionName)
    for name, spec in ACTION_SPECS.items():
        assert spec.name is name
        assert spec.facts is ACTION_FACTS[name]
        assert ACTION_FACTS[name].name is name


def test_each_request_model_is_the_actions_own_and_in_the_request_union() -> None:
    members = set(typing.get_args(typing.get_args(ActionRequest)[0]))
    assert members == {facts.request_model for facts in ACTION_FACTS.values()}
    for name, facts in ACTION_FACTS.items():
        action = facts.request_model.model_fields["action"].annotation
        assert typing.get_args(action) == (name.value,)
        assert facts.input_model is facts.request_model.model_fields["input"].annotation


def test_every_capability_is_implemented_by_a_built_in_adapter() -> None:
    for name, spec in ACTION_SPECS.items():
        implementers = [a for a in BUILT_IN_ADAPTERS if issubclass(a, spec.capability)]
        assert implementers, f"no platform implements {name}"


SUBSCRIPTION = ResourceType.SUBSCRIPTION


def test_the_actions_an_adapter_supports_are_those_it_has_the_capability_of() -> None:
    assert ActionName.PARTIAL_REFUND_ORDER not in supported_actions(FakeAdapter())
    # Every order and customer action: the fake has each one's capability.
    assert supported_actions(FakePartialRefundAdapter()) == {
        name for name, facts in ACTION_FACTS.items() if facts.resource_type is not SUBSCRIPTION
    }
    assert supported_actions(FakeSubscriptionAdapter()) == {
        ActionName.CANCEL_SUBSCRIPTION,
        ActionName.SKIP_SUBSCRIPTION_ORDER,
        ActionName.RESCHEDULE_SUBSCRIPTION_ORDER,
    }
    assert supported_actions(NoteOnlyAdapter()) == {ActionName.EDIT_ORDER_NOTE}


def test_money_moving_actions_are_quoted_and_only_they() -> None:
    for spec in ACTION_SPECS.values():
        assert (spec.quote is not None) is spec.facts.moves_money
    refund = ACTION_SPECS[ActionName.REFUND_ORDER]
    with pytest.raises(TypeError, match="moves money"):
        replace(refund, quote=None)
    note = ACTION_SPECS[ActionName.EDIT_ORDER_NOTE]
    with pytest.raises(TypeError, match="moves money"):
        replace(note, quote=refund.quote)


def test_a_ceiling_is_held_against_a_quote() -> None:
    note: ActionSpec[object, Any, object] = ACTION_SPECS[ActionName.EDIT_ORDER_NOTE]
    capped = replace(
        note.facts, ceiling=ACTION_FACTS[ActionName.REFUND_ORDER].ceiling, moves_money=False
    )
    with pytest.raises(TypeError, match="ceiling"):
        replace(note, facts=capped)


def test_compensating_actions_are_appraised_and_their_ceiling_held_against_it() -> None:
    note: ActionSpec[object, Any, object] = ACTION_SPECS[ActionName.EDIT_ORDER_NOTE]

    async def appraise(*args: Any) -> Money:
        return Money.of("1", "USD")

    for spec in ACTION_SPECS.values():
        assert (spec.appraise is not None) is spec.facts.compensates
    compensating = replace(note.facts, compensates=True)
    with pytest.raises(TypeError, match="appraised"):
        replace(note, facts=compensating)
    with pytest.raises(TypeError, match="appraised"):
        replace(note, appraise=appraise)
    capped = replace(compensating, ceiling=Ceiling.COMPENSATION)
    assert replace(note, facts=capped, appraise=appraise).appraise is appraise
    with pytest.raises(TypeError, match="compensation ceiling"):
        replace(note, facts=replace(note.facts, ceiling=Ceiling.COMPENSATION))
