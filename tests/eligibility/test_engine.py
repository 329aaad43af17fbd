"""Fail-closed behaviour, fact typing, connection narrowing and the rendered document."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from action_gateway.domain.models import ActionName, OrderState, Platform, ResourceType
from action_gateway.eligibility import FactsError, PlatformMatrix
from action_gateway.eligibility.engine import Evaluation
from action_gateway.platforms.registry import PLATFORMS, load_matrices

MATRICES = load_matrices()
SHOPIFY = MATRICES["shopify"]
BIGCOMMERCE = MATRICES["bigcommerce"]
ORDERGROOVE = MATRICES["ordergroove"]
PAID = {"financial_status": "paid", "fulfillment_status": "unfulfilled", "cancelled": False}
KUSTOMER = {
    ActionName.CANCEL_ORDER: {"fulfillment": ["unfulfilled"]},
    ActionName.CANCEL_AND_REFUND_ORDER: {"fulfillment": ["unfulfilled"]},
    ActionName.REFUND_ORDER: {"fulfillment": ["unfulfilled"]},
}


def order(**changes: Any) -> dict[str, Any]:
    facts = {**PAID, **changes}
    return {k: v for k, v in facts.items() if v is not ...}


def denial_beside_allowed(
    result: Evaluation, denied: ActionName, allowed: ActionName
) -> tuple[str, str]:
    """The (code, reason) refusing ``denied``, checking that ``allowed`` is still allowed."""
    decision = result.decision(denied)
    assert result.decision(allowed).allowed
    return decision.code, decision.reason


# --- Fail closed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "detail"),
    [
        (order(financial_status="PAID"), "financial_status 'PAID' is not recognised"),
        (order(financial_status="chargeback"), "financial_status 'chargeback' is not recognised"),
        (order(fulfillment_status="lost"), "fulfillment_status 'lost' is not recognised"),
        (order(fulfillment_status=...), "fulfillment_status is missing"),
        (order(fulfillment_status=None), "fulfillment_status is missing"),
        (order(financial_status=None), "financial_status is null and amount_received is missing"),
        (
            order(financial_status=None, amount_received="12.50"),
            "financial_status is null while amount_received is 12.50",
        ),
    ],
)
def test_unknown_or_missing_statuses_deny_every_action(facts: dict[str, Any], detail: str) -> None:
    result = SHOPIFY.evaluate(ResourceType.ORDER, facts)
    assert None in result.state.values()
    assert result.allowed_actions() == []
    for decision in result.decisions:
        if decision.action is ActionName.UPDATE_SHIPPING_ADDRESS:
            # Its own guard comes first: the facts do not say the order ships anywhere.
            assert decision.code == "no_shipping_address"
            continue
        assert decision.code == "unknown_status"
        assert decision.reason == f"{decision.action} is not available: the order's {detail}."


def test_a_missing_cancelled_flag_denies_only_the_cancel_actions() -> None:
    result = SHOPIFY.evaluate(ResourceType.ORDER, order(cancelled=...))
    denied, allowed = ActionName.CANCEL_AND_REFUND_ORDER, ActionName.REFUND_ORDER
    assert denial_beside_allowed(result, denied, allowed) == (
        "unknown_status",
        "cancel_and_refund_order is not available: the order's cancelled is missing.",
    )


def test_a_guard_outranks_an_unknown_status() -> None:
    result = SHOPIFY.evaluate(ResourceType.ORDER, order(cancelled=True, fulfillment_status="x"))
    assert result.decision(ActionName.CANCEL_ORDER).code == "already_cancelled"
    assert result.decision(ActionName.REFUND_ORDER).code == "unknown_status"


def test_the_domain_order_state_feeds_the_engine() -> None:
    state = OrderState(financial_status=None, fulfillment_status="unfulfilled", amount_received="0")
    result = SHOPIFY.evaluate(ResourceType.ORDER, state.as_facts())
    assert result.state == {"payment": "unpaid", "fulfillment": "unfulfilled"}
    assert result.decision(ActionName.CANCEL_ORDER).allowed


def test_unknown_extra_facts_are_ignored() -> None:
    result = SHOPIFY.evaluate(ResourceType.ORDER, order(status_id="not mine", colour=[1]))
    assert result.decision(ActionName.REFUND_ORDER).allowed


def test_string_subclasses_are_strings() -> None:
    class Status(StrEnum):
        PAID = "paid"

    result = SHOPIFY.evaluate(ResourceType.ORDER, order(financial_status=Status.PAID))
    assert result.state["payment"] == "paid"


@pytest.mark.parametrize(
    ("matrix", "resource", "facts", "context", "problems"),
    [
        (
            SHOPIFY,
            ResourceType.ORDER,
            order(cancelled="yes"),
            None,
            ["cancelled: expected a boolean, got string 'yes'"],
        ),
        (
            SHOPIFY,
            ResourceType.ORDER,
            order(financial_status=3, amount_received="abc"),
            None,
            [
                "financial_status: expected a string, got integer 3",
                "amount_received: expected a decimal number as a string, got string 'abc'",
            ],
        ),
        (
            SHOPIFY,
            ResourceType.ORDER,
            order(amount_received=0),
            None,
            ["amount_received: expected a decimal number as a string, got integer 0"],
        ),
        (
            BIGCOMMERCE,
            ResourceType.ORDER,
            {"status_id": "abc"},
            None,
            ["status_id: expected an integer, got string 'abc'"],
        ),
        (
            BIGCOMMERCE,
            ResourceType.ORDER,
            {"status_id": True},
            None,
            ["status_id: expected an integer, got boolean True"],
        ),
        (
            BIGCOMMERCE,
            ResourceType.ORDER,
            {"status_id": 1.0},
            None,
            ["status_id: expected an integer, got number 1.0"],
        ),
        (
            ORDERGROOVE,
            ResourceType.SUBSCRIPTION,
            {"live": "true"},
            {"conversation_status": ["open"]},
            [
                "live: expected a boolean, got string 'true'",
                "context.conversation_status: expected a string, got array ['open']",
            ],
        ),
    ],
)
def test_facts_of_the_wrong_type_raise(
    matrix: PlatformMatrix,
    resource: ResourceType,
    facts: dict[str, Any],
    context: dict[str, Any] | None,
    problems: list[str],
) -> None:
    with pytest.raises(FactsError) as caught:
        matrix.evaluate(resource, facts, context=context)
    assert caught.value.problems == problems
    assert isinstance(caught.value, ValueError)


def test_a_resource_type_the_platform_lacks_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="ordergroove has no order resource"):
        ORDERGROOVE.evaluate(ResourceType.ORDER, {})


# --- Narrowing -----------------------------------------------------------------------------


def test_kustomer_narrowing_denies_once_fulfilled() -> None:
    fulfilled = SHOPIFY.evaluate(
        ResourceType.ORDER, order(fulfillment_status="fulfilled"), narrowing=KUSTOMER
    )
    refund = fulfilled.decision(ActionName.REFUND_ORDER)
    assert (refund.allowed, refund.code) == (False, "narrowed_by_connection")
    assert refund.reason == (
        "refund_order is not available for this connection: the order is fulfilled."
    )
    # Not narrowed: still the matrix's answer.
    assert fulfilled.decision(ActionName.PARTIAL_REFUND_ORDER).allowed
    # A status denial keeps its own code; narrowing only explains denials it alone causes.
    assert fulfilled.decision(ActionName.CANCEL_ORDER).code == "status_not_eligible"

    unfulfilled = SHOPIFY.evaluate(ResourceType.ORDER, order(), narrowing=KUSTOMER)
    assert unfulfilled.decision(ActionName.REFUND_ORDER).allowed


def test_narrowing_cannot_widen_at_evaluation_either() -> None:
    widening = {ActionName.REFUND_ORDER: {"payment": ["unpaid", "paid"]}}
    result = SHOPIFY.evaluate(
        ResourceType.ORDER, order(financial_status="pending"), narrowing=widening
    )
    assert result.decision(ActionName.REFUND_ORDER).code == "status_not_eligible"


def test_narrowing_on_a_dimension_the_resource_lacks_denies() -> None:
    odd = {"cancel_subscription": {"status": ["live"]}}
    result = ORDERGROOVE.evaluate(
        ResourceType.SUBSCRIPTION,
        {"live": True, "prepaid": False, "has_next_order": True},
        context={"conversation_status": "open"},
        narrowing=odd,  # type: ignore[arg-type]  # string keys, as read from configuration
    )
    denied, allowed = ActionName.CANCEL_SUBSCRIPTION, ActionName.SKIP_SUBSCRIPTION_ORDER
    assert denial_beside_allowed(result, denied, allowed) == (
        "narrowed_by_connection",
        "cancel_subscription is not available for this connection.",
    )


def test_a_suggested_sibling_must_survive_the_narrowing() -> None:
    result = SHOPIFY.evaluate(
        ResourceType.ORDER, order(fulfillment_status="fulfilled"), narrowing=KUSTOMER
    )
    assert result.decision(ActionName.CANCEL_ORDER).reason == (
        "cancel_order is not available: the order is paid."
    )


def test_validate_narrowing_accepts_a_true_narrowing() -> None:
    assert SHOPIFY.validate_narrowing(KUSTOMER) == []
    assert SHOPIFY.validate_narrowing({}) == []
    assert (
        BIGCOMMERCE.validate_narrowing(
            {ActionName.REFUND_ORDER: {"status": ["completed", "shipped"]}}
        )
        == []
    )


@pytest.mark.parametrize(
    ("matrix", "narrowing", "problems"),
    [
        (
            SHOPIFY,
            {"refund_order": {"payment": ["paid", "unpaid"]}},
            [
                "refund_order.payment: 'unpaid' would widen the matrix, which allows "
                "refund_order only in partially_paid, paid, partially_refunded"
            ],
        ),
        (SHOPIFY, {"refund_everything": {}}, ["unknown action 'refund_everything'"]),
        (SHOPIFY, {"cancel_subscription": {}}, ["cancel_subscription is not an action of shopify"]),
        (
            BIGCOMMERCE,
            {"cancel_subscription": {}},
            ["cancel_subscription is not an action of bigcommerce"],
        ),
        (
            SHOPIFY,
            {"cancel_order": {"fulfilment": ["unfulfilled"]}},
            ["cancel_order.fulfilment: unknown dimension (known: payment, fulfillment)"],
        ),
        (
            SHOPIFY,
            {"cancel_order": {"fulfillment": ["unshipped"]}},
            [
                "cancel_order.fulfillment: unknown class 'unshipped' (known: unfulfilled, "
                "partially_fulfilled, fulfilled, in_progress)"
            ],
        ),
        (
            SHOPIFY,
            {"cancel_order": {"fulfillment": "unfulfilled"}},
            ["cancel_order.fulfillment: expected a list of classes"],
        ),
        (
            SHOPIFY,
            {"cancel_order": ["unfulfilled"]},
            ["cancel_order: expected a mapping of dimension to classes"],
        ),
        (SHOPIFY, ["cancel_order"], ["narrowing must map actions to {dimension: [classes]}"]),
    ],
)
def test_validate_narrowing_reports_problems(
    matrix: PlatformMatrix, narrowing: Any, problems: list[str]
) -> None:
    assert matrix.validate_narrowing(narrowing) == problems


ORDER_FACTS = st.fixed_dictionaries(
    {
        "financial_status": st.sampled_from(
            [None, "pending", "paid", "partially_paid", "partially_refunded", "refunded", "odd"]
        ),
        "fulfillment_status": st.sampled_from(
            ["unfulfilled", "partially_fulfilled", "fulfilled", "in_progress", "on_hold", "?"]
        ),
        "cancelled": st.booleans(),
        "amount_received": st.sampled_from(["0", "0.00", "5.00"]),
    }
)
NARROWINGS = st.dictionaries(
    st.sampled_from(list(ActionName)),
    st.dictionaries(
        st.sampled_from(["payment", "fulfillment", "status", "nonsense"]),
        st.lists(
            st.sampled_from(
                ["unpaid", "paid", "refunded", "unfulfilled", "fulfilled", "in_progress", "x"]
            )
        ),
    ),
)


@given(facts=ORDER_FACTS, narrowing=NARROWINGS)
def test_narrowing_never_allows_what_the_matrix_denies(
    facts: dict[str, Any], narrowing: Mapping[ActionName, Mapping[str, Sequence[str]]]
) -> None:
    plain = SHOPIFY.evaluate(ResourceType.ORDER, facts)
    narrowed = SHOPIFY.evaluate(ResourceType.ORDER, facts, narrowing=narrowing)
    assert narrowed.state == plain.state
    for before, after in zip(plain.decisions, narrowed.decisions, strict=True):
        assert after.action == before.action
        if not before.allowed:
            # Same code; the reason may drop a sibling suggestion the narrowing denied.
            assert (after.allowed, after.code) == (False, before.code)
        elif not after.allowed:
            assert after.code == "narrowed_by_connection"


@given(status_id=st.integers(min_value=-2, max_value=16), narrowing=NARROWINGS)
def test_narrowing_never_widens_bigcommerce(
    status_id: int, narrowing: Mapping[ActionName, Mapping[str, Sequence[str]]]
) -> None:
    plain = BIGCOMMERCE.evaluate(ResourceType.ORDER, {"status_id": status_id})
    narrowed = BIGCOMMERCE.evaluate(
        ResourceType.ORDER, {"status_id": status_id}, narrowing=narrowing
    )
    assert set(narrowed.allowed_actions()) <= set(plain.allowed_actions())


# --- The public surface --------------------------------------------------------------------


def test_every_platform_has_its_matrix() -> None:
    assert set(MATRICES) == set(PLATFORMS)
    assert SHOPIFY.platform == "shopify"
    assert SHOPIFY.resource_types() == [ResourceType.ORDER, ResourceType.CUSTOMER]
    assert ORDERGROOVE.resource_types() == [ResourceType.SUBSCRIPTION]
    # Shopify and BigCommerce offer the same order actions first, in the same order.
    order_actions = [
        ActionName.CANCEL_ORDER,
        ActionName.CANCEL_AND_REFUND_ORDER,
        ActionName.REFUND_ORDER,
        ActionName.PARTIAL_REFUND_ORDER,
        ActionName.EDIT_ORDER_NOTE,
        ActionName.CREATE_REPLACEMENT_ORDER,
    ]
    assert SHOPIFY.actions_for(ResourceType.ORDER) == [
        *order_actions,
        ActionName.EDIT_ORDER_TAGS,
        ActionName.UPDATE_SHIPPING_ADDRESS,
    ]
    assert SHOPIFY.actions()[-2:] == [
        ActionName.CREATE_DISCOUNT_CODE,
        ActionName.ISSUE_STORE_CREDIT,
    ]
    assert BIGCOMMERCE.actions() == [
        *order_actions,
        ActionName.UPDATE_SHIPPING_ADDRESS,
        ActionName.CREATE_DISCOUNT_CODE,
        ActionName.ISSUE_STORE_CREDIT,
    ]
    assert ORDERGROOVE.actions() == [
        ActionName.CANCEL_SUBSCRIPTION,
        ActionName.SKIP_SUBSCRIPTION_ORDER,
        ActionName.RESCHEDULE_SUBSCRIPTION_ORDER,
    ]


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_the_document_is_json(platform: Platform) -> None:
    document = MATRICES[platform].as_document()
    assert json.loads(json.dumps(document)) == document
    assert document["platform"] == platform


def test_the_document_expands_the_rules() -> None:
    order_document = SHOPIFY.as_document()["resources"]["order"]
    assert order_document["actions"]["refund_order"]["allowed_in"] == {
        "payment": ["partially_paid", "paid", "partially_refunded"],
        "fulfillment": ["unfulfilled", "partially_fulfilled", "fulfilled", "in_progress"],
    }
    assert order_document["guards"][0] == {
        "code": "already_cancelled",
        "input": "cancelled",
        "deny_if": True,
        "actions": ["cancel_order", "cancel_and_refund_order", "create_replacement_order"],
        "reason": "the order is already cancelled",
    }
    status = BIGCOMMERCE.as_document()["resources"]["order"]["dimensions"]["status"]
    assert status["classes"]["awaiting_fulfillment"] == {
        "label": "awaiting fulfillment",
        "values": [11],
    }
    guards = ORDERGROOVE.as_document()["resources"]["subscription"]["guards"]
    assert [(g["input"], g.get("require", g.get("deny_if"))) for g in guards] == [
        ("live", True),
        ("context.conversation_status", "open"),
        ("prepaid", True),
        ("has_next_order", True),
        ("prepaid", True),
        ("has_next_order", True),
    ]


def test_the_evaluation_helpers() -> None:
    result = SHOPIFY.evaluate(ResourceType.ORDER, order())
    assert result.decision(ActionName.EDIT_ORDER_NOTE).allowed
    with pytest.raises(KeyError):
        result.decision(ActionName.CANCEL_SUBSCRIPTION)


def test_a_memoised_evaluation_is_shared_read_only_and_copies_freely() -> None:
    first = SHOPIFY.evaluate(ResourceType.ORDER, order())
    second = SHOPIFY.evaluate(ResourceType.ORDER, order())
    assert first is second
    with pytest.raises(TypeError, match="read-only"):
        first.state["payment"] = "unpaid"
    with pytest.raises(TypeError, match="read-only"):
        first.decisions.clear()
    assert copy.deepcopy(first) == first
    assert pickle.loads(pickle.dumps(first)) == first
    assert json.loads(first.model_dump_json())["state"] == {
        "payment": "paid",
        "fulfillment": "unfulfilled",
    }
