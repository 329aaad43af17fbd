"""Magento's matrix, cell by cell (shared/platforms/magento.md §4.8): the eight states × the
actions, the predicates read from Magento's own rules, and the why-nots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from action_gateway.domain.models import ActionName, ResourceType
from action_gateway.eligibility import PlatformMatrix
from action_gateway.platforms.magento.mapping import from_magento_order
from action_gateway.platforms.registry import load_matrices
from action_gateway_sandbox.magento.seed import SEED_ORDERS, build_order

CANCEL = ActionName.CANCEL_ORDER
CANCEL_REFUND = ActionName.CANCEL_AND_REFUND_ORDER
REFUND = ActionName.REFUND_ORDER
PARTIAL = ActionName.PARTIAL_REFUND_ORDER
NOTE = ActionName.EDIT_ORDER_NOTE
ADDRESS = ActionName.UPDATE_SHIPPING_ADDRESS
STATES = [
    "new", "pending_payment", "processing", "complete",
    "closed", "canceled", "holded", "payment_review",
]  # fmt: skip
# An order with nothing invoiced, paid or shipped; then one paid in full and not shipped.
UNPAID = {"uninvoiced": True, "paid": False, "shipped": False, "has_shipping_address": True}
PAID = {"uninvoiced": False, "paid": True, "shipped": False, "has_shipping_address": True}
MAGENTO_WORDING = "A creditmemo can not be created when an order has a status of"

# (state, facts) → per action: the decision code ("eligible" or the why-not's code).
CELLS = [
    ("new", UNPAID, {CANCEL: "eligible", CANCEL_REFUND: "nothing_paid", REFUND: "nothing_paid"}),
    ("new", PAID, {CANCEL: "nothing_to_cancel", CANCEL_REFUND: "eligible", REFUND: "eligible"}),
    ("pending_payment", UNPAID,
     {CANCEL: "eligible", CANCEL_REFUND: "nothing_paid", REFUND: "nothing_paid"}),
    ("processing", UNPAID,
     {CANCEL: "eligible", CANCEL_REFUND: "nothing_paid", PARTIAL: "nothing_paid"}),
    ("processing", PAID,
     {CANCEL: "nothing_to_cancel", CANCEL_REFUND: "eligible", PARTIAL: "eligible"}),
    # Partly invoiced: Magento would cancel the rest and keep the money (our rule: refund too).
    ("processing", {**PAID, "uninvoiced": True}, {CANCEL: "money_captured",
                                                  CANCEL_REFUND: "eligible"}),
    ("processing", {**PAID, "shipped": True},
     {CANCEL_REFUND: "already_shipped", REFUND: "eligible", PARTIAL: "eligible"}),
    ("complete", {**PAID, "shipped": True}, {CANCEL: "order_complete",
                                             CANCEL_REFUND: "order_complete_shipped",
                                             REFUND: "eligible", PARTIAL: "eligible"}),
    ("complete", {**PAID, "paid": False, "shipped": True}, {REFUND: "nothing_paid"}),
    ("closed", {**PAID, "paid": False}, dict.fromkeys((CANCEL, CANCEL_REFUND, REFUND, PARTIAL),
                                                      "order_closed")),
    ("canceled", UNPAID, dict.fromkeys((CANCEL, CANCEL_REFUND, REFUND, PARTIAL),
                                       "order_canceled")),
    ("holded", PAID, dict.fromkeys((CANCEL, CANCEL_REFUND, REFUND, PARTIAL), "order_on_hold")),
    ("payment_review", UNPAID, dict.fromkeys((CANCEL, CANCEL_REFUND, REFUND, PARTIAL),
                                             "order_in_payment_review")),
    # The address: before anything ships, where there is one (our rules; Magento allows all).
    ("new", UNPAID, {ADDRESS: "eligible"}),
    ("pending_payment", UNPAID, {ADDRESS: "eligible"}),
    ("processing", PAID, {ADDRESS: "eligible"}),
    ("holded", PAID, {ADDRESS: "eligible"}),
    ("processing", {**PAID, "has_shipping_address": False}, {ADDRESS: "no_shipping_address"}),
    ("processing", {**PAID, "shipped": True}, {ADDRESS: "shipped_to_address"}),
    ("payment_review", UNPAID, {ADDRESS: "address_in_payment_review"}),
    ("complete", {**PAID, "shipped": True}, {ADDRESS: "shipped_to_address"}),
    ("canceled", UNPAID, {ADDRESS: "status_not_eligible"}),
    ("closed", {**PAID, "paid": False}, {ADDRESS: "status_not_eligible"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def magento() -> PlatformMatrix:
    return load_matrices()["magento"]


@pytest.mark.parametrize(("state", "facts", "expected"), CELLS)
def test_each_cell(
    magento: PlatformMatrix, state: str, facts: dict[str, bool], expected: dict[ActionName, str]
) -> None:
    evaluation = magento.evaluate(ResourceType.ORDER, {"state": state, **facts})
    for action, code in expected.items():
        decision = evaluation.decision(action)
        assert decision.code == code, (state, action, decision.reason)
        assert decision.allowed is (code == "eligible")
    # A comment can always be added (the REST service does not even check canComment()).
    assert evaluation.decision(NOTE).allowed


@pytest.mark.parametrize("state", ["closed", "canceled", "holded", "payment_review"])
def test_magentos_refusals_quote_magentos_wording(magento: PlatformMatrix, state: str) -> None:
    evaluation = magento.evaluate(ResourceType.ORDER, {"state": state, **PAID})
    assert f'"{MAGENTO_WORDING} {state}"' in evaluation.decision(REFUND).reason


def test_our_own_rules_say_so(magento: PlatformMatrix) -> None:
    shipped = magento.evaluate(ResourceType.ORDER, {"state": "processing", **PAID, "shipped": True})
    assert "(our rule)" in shipped.decision(CANCEL_REFUND).reason
    paid = magento.evaluate(ResourceType.ORDER, {"state": "new", **PAID, "uninvoiced": True})
    assert "(our rule)" in paid.decision(CANCEL).reason


def test_an_unknown_state_is_not_guessed(magento: PlatformMatrix) -> None:
    decision = magento.evaluate(ResourceType.ORDER, {"state": "fraud", **PAID}).decision(REFUND)
    assert decision.code == "unknown_status"


def test_the_sandbox_seeds_every_state_and_every_cell() -> None:
    """Each state, each action offered somewhere and each why-not code shown by some order."""
    matrix = load_matrices()["magento"]
    now = datetime.now(UTC)
    seen_states, offered, refusals = set(), set(), set()
    for seed in SEED_ORDERS:
        order = from_magento_order(build_order(seed, now)[0])
        facts = order.state.as_facts()
        assert facts["state"] == seed.state
        seen_states.add(seed.state)
        for decision in matrix.evaluate(ResourceType.ORDER, facts).decisions:
            (offered if decision.allowed else refusals).add(
                decision.action if decision.allowed else decision.code
            )
    assert seen_states == set(STATES)
    assert offered == {CANCEL, CANCEL_REFUND, REFUND, PARTIAL, NOTE, ADDRESS}
    assert {
        "order_closed", "order_canceled", "order_on_hold", "order_in_payment_review",
        "order_complete", "order_complete_shipped", "nothing_to_cancel", "money_captured",
        "nothing_paid", "already_shipped", "no_shipping_address", "shipped_to_address",
        "address_in_payment_review",
    } <= refusals  # fmt: skip
