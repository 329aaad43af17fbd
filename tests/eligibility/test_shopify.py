"""Every cell of the seed's Shopify tables (gladly-shopify-actions.txt), transcribed literally."""

from __future__ import annotations

from typing import Any

import pytest

from action_gateway.domain.models import ActionName, ResourceType
from action_gateway.eligibility import Evaluation, PlatformMatrix
from action_gateway.platforms.registry import load_matrices

# "Cancel an order" availability, as printed in the seed (rows: fulfillment; columns: payment).
SEED_CANCEL = """
                     Unpaid  Partially-Paid  Fully-Paid     Partially-Refunded  Fully-Refunded
Unfulfilled          Cancel  Cancel&Refund   Cancel&Refund  Cancel&Refund       Cancel
Partially-Fulfilled  Cancel  Cancel&Refund   Cancel&Refund  Cancel&Refund       Cancel
Fully-Fulfilled      Cancel  Cancel&Refund   Cancel&Refund  Cancel&Refund       Cancel
"""

# "Refund an order" availability, as printed in the seed.
SEED_REFUND = """
                     Unpaid  Partially-Paid  Fully-Paid  Partially-Refunded  Fully-Refunded
Unfulfilled          --      Refund          Refund      Refund              --
Partially-Fulfilled  --      Refund          Refund      Refund              --
Fully-Fulfilled      --      Refund          Refund      Refund              --
"""

# The seed's columns and rows in Shopify's raw values (shopify.md §4.4); None is a null status.
COLUMN_FACTS: dict[str, list[dict[str, Any]]] = {
    "Unpaid": [
        {"financial_status": "pending"},
        {"financial_status": "authorized"},
        {"financial_status": "expired"},
        {"financial_status": "voided"},
        {"financial_status": None, "amount_received": "0.00"},
        {"amount_received": "0"},
    ],
    "Partially-Paid": [{"financial_status": "partially_paid"}],
    "Fully-Paid": [{"financial_status": "paid"}],
    "Partially-Refunded": [{"financial_status": "partially_refunded"}],
    "Fully-Refunded": [{"financial_status": "refunded"}],
}
ROW_FACTS = {
    "Unfulfilled": "unfulfilled",
    "Partially-Fulfilled": "partially_fulfilled",
    "Fully-Fulfilled": "fulfilled",
}


def parse_seed(table: str) -> dict[tuple[str, str], str]:
    header, *rows = table.strip().splitlines()
    columns = header.split()
    cells = {}
    for row in rows:
        name, *values = row.split()
        assert len(values) == len(columns)
        for column, value in zip(columns, values, strict=True):
            cells[(name, column)] = value
    return cells


CANCEL = parse_seed(SEED_CANCEL)
REFUND = parse_seed(SEED_REFUND)
CELLS = [
    pytest.param(row, column, payment, id=f"{row}-{column}-{i}")
    for row in ROW_FACTS
    for column, payments in COLUMN_FACTS.items()
    for i, payment in enumerate(payments)
]


@pytest.fixture(scope="module")
def shopify() -> PlatformMatrix:
    return load_matrices()["shopify"]


def evaluate(matrix: PlatformMatrix, **facts: Any) -> Evaluation:
    """The order's decisions; it ships somewhere unless the facts say otherwise."""
    return matrix.evaluate(ResourceType.ORDER, {"has_shipping_address": True, **facts})


@pytest.mark.parametrize(("row", "column", "payment"), CELLS)
def test_every_cell_of_the_seed_tables(
    shopify: PlatformMatrix, row: str, column: str, payment: dict[str, Any]
) -> None:
    result = evaluate(shopify, fulfillment_status=ROW_FACTS[row], cancelled=False, **payment)
    expected = {
        ActionName.CANCEL_ORDER: CANCEL[(row, column)] == "Cancel",
        ActionName.CANCEL_AND_REFUND_ORDER: CANCEL[(row, column)] == "Cancel&Refund",
        ActionName.REFUND_ORDER: REFUND[(row, column)] == "Refund",
        ActionName.PARTIAL_REFUND_ORDER: REFUND[(row, column)] == "Refund",
        ActionName.EDIT_ORDER_NOTE: True,
        # Something was sent to replace: partially or fully fulfilled, whatever was paid.
        ActionName.CREATE_REPLACEMENT_ORDER: row != "Unfulfilled",
        ActionName.EDIT_ORDER_TAGS: True,
        ActionName.UPDATE_SHIPPING_ADDRESS: row == "Unfulfilled",
    }
    assert {d.action: d.allowed for d in result.decisions} == expected
    for decision in result.decisions:
        assert decision.code == ("eligible" if decision.allowed else "status_not_eligible")


@pytest.mark.parametrize(("row", "column", "payment"), CELLS)
def test_an_already_cancelled_order_cannot_be_cancelled_again(
    shopify: PlatformMatrix, row: str, column: str, payment: dict[str, Any]
) -> None:
    result = evaluate(shopify, fulfillment_status=ROW_FACTS[row], cancelled=True, **payment)
    for action in (ActionName.CANCEL_ORDER, ActionName.CANCEL_AND_REFUND_ORDER):
        decision = result.decision(action)
        assert (decision.allowed, decision.code) == (False, "already_cancelled")
        assert decision.reason == f"{action} is not available: the order is already cancelled."
    # The cancelled flag leaves the refund table and note edits alone.
    assert result.decision(ActionName.REFUND_ORDER).allowed is (REFUND[(row, column)] == "Refund")
    assert result.decision(ActionName.EDIT_ORDER_NOTE).allowed


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("unfulfilled", "unfulfilled"),
        ("open", "unfulfilled"),
        ("restocked", "unfulfilled"),
        ("scheduled", "unfulfilled"),
        ("on_hold", "unfulfilled"),
        ("request_declined", "unfulfilled"),
        ("partially_fulfilled", "partially_fulfilled"),
        ("fulfilled", "fulfilled"),
        ("in_progress", "in_progress"),
        ("pending_fulfillment", "in_progress"),
    ],
)
def test_fulfillment_values_classify_into_the_seed_rows(
    shopify: PlatformMatrix, raw: str, expected: str
) -> None:
    result = evaluate(shopify, financial_status="paid", fulfillment_status=raw, cancelled=False)
    assert result.state == {"payment": "paid", "fulfillment": expected}
    # The seed's table is the same in every fulfillment row; a replacement needs a shipment.
    shipped = expected in ("partially_fulfilled", "fulfilled")
    allowed = [a for a in result.allowed_actions() if a is not ActionName.UPDATE_SHIPPING_ADDRESS]
    assert allowed == [
        ActionName.CANCEL_AND_REFUND_ORDER,
        ActionName.REFUND_ORDER,
        ActionName.PARTIAL_REFUND_ORDER,
        ActionName.EDIT_ORDER_NOTE,
        *([ActionName.CREATE_REPLACEMENT_ORDER] if shipped else []),
        ActionName.EDIT_ORDER_TAGS,
    ]


def test_reasons_name_the_state_and_the_sibling_action(shopify: PlatformMatrix) -> None:
    unfulfilled = {"fulfillment_status": "unfulfilled", "cancelled": False}
    paid = evaluate(shopify, financial_status="paid", **unfulfilled)
    assert paid.decision(ActionName.CANCEL_ORDER).reason == (
        "cancel_order is not available: the order is paid; use cancel_and_refund_order."
    )
    assert paid.decision(ActionName.CANCEL_AND_REFUND_ORDER).reason == (
        "cancel_and_refund_order is available."
    )
    unpaid = evaluate(shopify, financial_status="pending", **unfulfilled)
    assert unpaid.decision(ActionName.REFUND_ORDER).reason == (
        "refund_order is not available: the order is unpaid."
    )
    assert unpaid.decision(ActionName.CANCEL_AND_REFUND_ORDER).reason == (
        "cancel_and_refund_order is not available: the order is unpaid; use cancel_order."
    )


def test_no_sibling_is_suggested_when_it_is_denied_too(shopify: PlatformMatrix) -> None:
    result = evaluate(
        shopify, financial_status="refunded", fulfillment_status="fulfilled", cancelled=True
    )
    assert result.decision(ActionName.CANCEL_AND_REFUND_ORDER).code == "already_cancelled"
    assert result.decision(ActionName.REFUND_ORDER).reason == (
        "refund_order is not available: the order is refunded."
    )


def test_notes_of_cancelled_orders_can_be_edited(shopify: PlatformMatrix) -> None:
    result = evaluate(
        shopify, financial_status="refunded", fulfillment_status="unfulfilled", cancelled=True
    )
    assert result.decision(ActionName.EDIT_ORDER_NOTE).allowed


@pytest.mark.parametrize(("row", "column", "payment"), CELLS)
def test_tags_of_any_order_can_be_edited_cancelled_included(
    shopify: PlatformMatrix, row: str, column: str, payment: dict[str, Any]
) -> None:
    for cancelled in (False, True):
        result = evaluate(
            shopify, fulfillment_status=ROW_FACTS[row], cancelled=cancelled, **payment
        )
        decision = result.decision(ActionName.EDIT_ORDER_TAGS)
        assert (decision.allowed, decision.code) == (True, "eligible")


def test_discount_codes_for_any_linked_customer(shopify: PlatformMatrix) -> None:
    result = shopify.evaluate(ResourceType.CUSTOMER, {})
    assert result.state == {}
    assert result.allowed_actions() == [
        ActionName.CREATE_DISCOUNT_CODE,
        ActionName.ISSUE_STORE_CREDIT,
    ]
    assert result.decisions[0].reason == "create_discount_code is available."


def test_a_replacement_needs_a_shipment_and_an_order_not_cancelled(
    shopify: PlatformMatrix,
) -> None:
    action = ActionName.CREATE_REPLACEMENT_ORDER
    for fulfillment in ("fulfilled", "partially_fulfilled"):
        shipped = evaluate(
            shopify, financial_status="paid", fulfillment_status=fulfillment, cancelled=False
        )
        assert shipped.decision(action).allowed
    unshipped = evaluate(
        shopify, financial_status="paid", fulfillment_status="in_progress", cancelled=False
    )
    assert unshipped.decision(action).reason == (
        "create_replacement_order is not available: the order is being fulfilled."
    )
    cancelled = evaluate(
        shopify, financial_status="refunded", fulfillment_status="fulfilled", cancelled=True
    )
    decision = cancelled.decision(action)
    assert (decision.allowed, decision.code) == (False, "already_cancelled")
    assert decision.reason == (
        "create_replacement_order is not available: the order is already cancelled."
    )


def test_the_shipping_address_changes_only_before_anything_shipped(shopify: PlatformMatrix) -> None:
    def decision(**facts: Any) -> tuple[bool, str]:
        found = evaluate(shopify, financial_status="paid", **facts).decision(
            ActionName.UPDATE_SHIPPING_ADDRESS
        )
        return found.allowed, found.code

    assert decision(fulfillment_status="unfulfilled", cancelled=False) == (True, "eligible")
    assert decision(fulfillment_status="on_hold", cancelled=False) == (True, "eligible")
    for shipped in ("partially_fulfilled", "fulfilled", "in_progress"):
        assert decision(fulfillment_status=shipped, cancelled=False) == (
            False,
            "status_not_eligible",
        )
    assert decision(fulfillment_status="unfulfilled", cancelled=True) == (False, "order_cancelled")
    pickup = evaluate(
        shopify,
        financial_status="paid",
        fulfillment_status="unfulfilled",
        cancelled=False,
        has_shipping_address=False,
    ).decision(ActionName.UPDATE_SHIPPING_ADDRESS)
    assert (pickup.allowed, pickup.code) == (False, "no_shipping_address")
    assert pickup.reason == (
        "update_shipping_address is not available: the order has no shipping address "
        "(a pickup or digital order)."
    )
