"""All 15 BigCommerce status ids against the seed (gladly-bigcommerce-actions.txt)."""

from __future__ import annotations

import pytest

from action_gateway.domain.models import ActionName, ResourceType
from action_gateway.eligibility import PlatformMatrix
from action_gateway.platforms.registry import load_matrices

CANCEL = ActionName.CANCEL_ORDER
CANCEL_REFUND = ActionName.CANCEL_AND_REFUND_ORDER
REFUND = ActionName.REFUND_ORDER
PARTIAL = ActionName.PARTIAL_REFUND_ORDER

# status_id: (BigCommerce's name, the actions the seed offers). Seed: Cancel for "Pending,"
# "Refunded," "Awaiting Payment"; Cancel & Refund for "Awaiting Fulfillment," "Awaiting Shipment,"
# "Awaiting Pickup"; full and partial refunds for "Completed," "Shipped," "Partially Refunded,"
# "Partially Shipped"; nothing else.
SEED: dict[int, tuple[str, set[ActionName]]] = {
    0: ("Incomplete", set()),
    1: ("Pending", {CANCEL}),
    2: ("Shipped", {REFUND, PARTIAL}),
    3: ("Partially Shipped", {REFUND, PARTIAL}),
    4: ("Refunded", {CANCEL}),
    5: ("Cancelled", set()),
    6: ("Declined", set()),
    7: ("Awaiting Payment", {CANCEL}),
    8: ("Awaiting Pickup", {CANCEL_REFUND}),
    9: ("Awaiting Shipment", {CANCEL_REFUND}),
    10: ("Completed", {REFUND, PARTIAL}),
    11: ("Awaiting Fulfillment", {CANCEL_REFUND}),
    12: ("Manual Verification Required", set()),
    13: ("Disputed", set()),
    14: ("Partially Refunded", {REFUND, PARTIAL}),
}
ORDER_ACTIONS = [CANCEL, CANCEL_REFUND, REFUND, PARTIAL]
ADDRESS = ActionName.UPDATE_SHIPPING_ADDRESS
NOTE = ActionName.EDIT_ORDER_NOTE  # beyond the seed: the Orders V2 spec lets staff_notes be written
REPLACEMENT = ActionName.CREATE_REPLACEMENT_ORDER  # issue 15: once something was shipped


@pytest.fixture(scope="module")
def bigcommerce() -> PlatformMatrix:
    return load_matrices()["bigcommerce"]


@pytest.mark.parametrize("action", ORDER_ACTIONS)
@pytest.mark.parametrize("status_id", sorted(SEED))
def test_every_status_id_and_action(
    bigcommerce: PlatformMatrix, status_id: int, action: ActionName
) -> None:
    name, offered = SEED[status_id]
    decision = bigcommerce.evaluate(ResourceType.ORDER, {"status_id": status_id}).decision(action)
    assert decision.allowed is (action in offered), name
    assert decision.code == ("eligible" if action in offered else "status_not_eligible")


def test_the_order_actions_are_the_seeds(bigcommerce: PlatformMatrix) -> None:
    assert bigcommerce.actions_for(ResourceType.ORDER) == [
        *ORDER_ACTIONS,
        NOTE,
        REPLACEMENT,
        ADDRESS,
    ]
    assert bigcommerce.resource_types() == [ResourceType.ORDER, ResourceType.CUSTOMER]


def test_the_label_is_ignored_only_the_id_counts(bigcommerce: PlatformMatrix) -> None:
    renamed = {"status_id": 11, "status_label": "Completed"}
    result = bigcommerce.evaluate(ResourceType.ORDER, renamed)
    assert result.state == {"status": "awaiting_fulfillment"}
    assert result.allowed_actions() == [CANCEL_REFUND, NOTE]


@pytest.mark.parametrize("status_id", sorted(SEED))
def test_the_staff_note_can_be_edited_in_every_known_status(
    bigcommerce: PlatformMatrix, status_id: int
) -> None:
    assert bigcommerce.evaluate(ResourceType.ORDER, {"status_id": status_id}).decision(NOTE).allowed


def test_reasons(bigcommerce: PlatformMatrix) -> None:
    shipped = bigcommerce.evaluate(ResourceType.ORDER, {"status_id": 2})
    assert shipped.decision(CANCEL_REFUND).reason == (
        "cancel_and_refund_order is not available: the order is shipped; use refund_order."
    )
    disputed = bigcommerce.evaluate(ResourceType.ORDER, {"status_id": 13})
    assert (
        disputed.decision(REFUND).reason == "refund_order is not available: the order is disputed."
    )


@pytest.mark.parametrize("status_id", [-1, 15, 99])
def test_ids_outside_the_table_deny(bigcommerce: PlatformMatrix, status_id: int) -> None:
    result = bigcommerce.evaluate(ResourceType.ORDER, {"status_id": status_id})
    assert result.state == {"status": None}
    assert {d.code for d in result.decisions if d.action is not ADDRESS} == {"unknown_status"}
    assert result.decisions[0].reason == (
        f"cancel_order is not available: the order's status_id {status_id} is not recognised."
    )


def test_discount_codes_for_any_linked_customer(bigcommerce: PlatformMatrix) -> None:
    result = bigcommerce.evaluate(ResourceType.CUSTOMER, {})
    assert result.allowed_actions() == [
        ActionName.CREATE_DISCOUNT_CODE,
        ActionName.ISSUE_STORE_CREDIT,
    ]


@pytest.mark.parametrize("status_id", sorted(SEED))
def test_a_replacement_once_something_was_shipped(
    bigcommerce: PlatformMatrix, status_id: int
) -> None:
    name, _ = SEED[status_id]
    decision = bigcommerce.evaluate(ResourceType.ORDER, {"status_id": status_id}).decision(
        REPLACEMENT
    )
    assert decision.allowed is (name in ("Shipped", "Partially Shipped", "Completed")), name


@pytest.mark.parametrize("status_id", range(15))
def test_the_shipping_address_changes_only_before_anything_shipped(
    bigcommerce: PlatformMatrix, status_id: int
) -> None:
    # Pending, Awaiting Payment, Awaiting Fulfillment, Awaiting Shipment, Manual Verification
    # Required; never Awaiting Pickup (8).
    facts = {"status_id": status_id, "has_shipping_address": True}
    result = bigcommerce.evaluate(ResourceType.ORDER, facts)
    assert result.decision(ADDRESS).allowed is (status_id in {1, 7, 9, 11, 12})
    pickup = bigcommerce.evaluate(ResourceType.ORDER, {**facts, "has_shipping_address": False})
    assert pickup.decision(ADDRESS).code == "no_shipping_address"
