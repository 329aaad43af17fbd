"""Malformed matrix files fail at load with MatrixError naming the file and every problem."""

from __future__ import annotations

from importlib import resources

import pytest

from action_gateway.domain.models import ActionName, ResourceType
from action_gateway.eligibility import MatrixError, load_matrix_text

VALID = """
platform: shopify
resources:
  order:
    facts:
      financial_status: string
      cancelled: boolean
      amount_received: decimal
    dimensions:
      payment:
        label: payment status
        fact: financial_status
        classes:
          unpaid: {label: unpaid, values: [pending]}
          paid: {label: paid, values: [paid]}
        when_absent: {fact: amount_received, if_zero: unpaid}
    guards:
      - code: already_cancelled
        fact: cancelled
        deny_if: true
        actions: [cancel_order]
        reason: the order is already cancelled
    rules:
      cancel_order:
        allow: {payment: [unpaid]}
        alternatives: [refund_order]
      refund_order:
        allow: {payment: [paid]}
"""


def load(text: str) -> None:
    load_matrix_text("shopify", text, source="broken.yaml")


def test_the_sample_is_valid() -> None:
    matrix = load_matrix_text("shopify", VALID, source="sample.yaml")
    result = matrix.evaluate(ResourceType.ORDER, {"financial_status": "paid", "cancelled": False})
    assert result.allowed_actions() == [ActionName.REFUND_ORDER]
    assert result.decision(ActionName.CANCEL_ORDER).reason == (
        "cancel_order is not available: the order is paid; use refund_order."
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      refund_order:\n", "      refund_orders:\n", "rules.refund_orders: unknown action"),
        (
            "      refund_order:\n",
            "      create_discount_code:\n",
            "rules.create_discount_code: create_discount_code acts on a customer, not a order",
        ),
        (
            "allow: {payment: [paid]}",
            "allow: {payments: [paid]}",
            "rules.refund_order.allow: unknown dimension 'payments'",
        ),
        (
            "allow: {payment: [paid]}",
            "allow: {payment: [settled]}",
            "rules.refund_order.allow.payment: unknown class 'settled'",
        ),
        (
            "allow: {payment: [paid]}",
            "allow: {payment: [paid, paid]}",
            "rules.refund_order.allow.payment: a class is listed twice",
        ),
        (
            "allow: {payment: [paid]}",
            "allow: {payment: []}",
            "rules.refund_order.allow.payment: allows no class; remove the rule instead",
        ),
        (
            "alternatives: [refund_order]",
            "alternatives: [cancel_order]",
            "rules.cancel_order.alternatives: 'cancel_order' is not another action",
        ),
        (
            "fact: financial_status",
            "fact: payment_status",
            "dimensions.payment.fact: 'payment_status' is not declared in facts",
        ),
        (
            "values: [paid]}",
            "values: [paid, pending]}",
            "dimensions.payment.classes.paid: value 'pending' is already in class 'unpaid'",
        ),
        (
            "values: [paid]}",
            "values: [3]}",
            "dimensions.payment.classes.paid: value 3 is not of type string",
        ),
        (
            "values: [pending]}",
            "values: []}\n          void: {label: void, values: []}",
            "dimensions.payment.classes.void: no value leads to this class",
        ),
        (
            "if_zero: unpaid",
            "if_zero: free",
            "dimensions.payment.when_absent.if_zero: unknown class 'free'",
        ),
        (
            "      amount_received: decimal\n",
            "      amount_received: string\n",
            "when_absent.fact: 'amount_received' must be declared as a decimal fact",
        ),
        (
            "        fact: cancelled\n",
            "        fact: canceled\n",
            "guards[0]: 'canceled' is not declared in facts",
        ),
        (
            "deny_if: true",
            "deny_if: 'yes'",
            "guards[0]: 'yes' cannot be compared with boolean 'cancelled'",
        ),
        (
            "deny_if: true",
            "deny_if: true\n        require: false",
            "guards.0: Value error, a guard has exactly one of 'deny_if' or 'require'",
        ),
        (
            "code: already_cancelled",
            "code: eligible",
            "guards[0].code: 'eligible' is reserved for the engine",
        ),
        (
            "actions: [cancel_order]",
            "actions: [cancel_subscription]",
            "guards[0].actions: 'cancel_subscription' is not an action with a rule here",
        ),
        (
            "      cancelled: boolean\n",
            "      cancelled: boolean\n      closed: boolean\n",
            "resources.order.facts.closed: declared but never used",
        ),
        (
            "      cancelled: boolean\n",
            "      cancelled: bool\n",
            "resources.order.facts.cancelled: Input should be 'string', 'integer', 'boolean'",
        ),
        (
            "        alternatives:",
            "        alternative:",
            "rules.cancel_order.alternative: Extra inputs are not permitted",
        ),
        ("  order:\n", "  orders:\n", "resources.orders: unknown resource type"),
        ("platform: shopify", "platform: bigcommerce", "the file is for 'bigcommerce'"),
        (
            "      refund_order:\n",
            "      cancel_order:\n",
            "found duplicate key 'cancel_order'",
        ),
        ("    facts:\n", "    facts:\n   - oops\n", "broken.yaml: not valid YAML"),
    ],
)
def test_malformed_matrices_are_refused(old: str, new: str, message: str) -> None:
    assert old in VALID
    with pytest.raises(MatrixError) as caught:
        load(VALID.replace(old, new, 1))
    text = str(caught.value)
    assert text.startswith("broken.yaml: ")
    assert message in text


def test_every_problem_is_reported_at_once() -> None:
    broken = VALID.replace("values: [paid]}", "values: [paid, 3]}").replace(
        "refund_order:\n", "refund:\n"
    )
    with pytest.raises(MatrixError) as caught:
        load(broken)
    assert "value 3 is not of type string" in str(caught.value)
    assert "rules.refund: unknown action" in str(caught.value)


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "platform: shopify\n"])
def test_documents_of_the_wrong_shape(text: str) -> None:
    with pytest.raises(MatrixError, match=r"^broken\.yaml: invalid eligibility matrix"):
        load(text)


OPEN_GUARD = """      - code: conversation_not_open
        context: conversation_status
        require: open
"""


@pytest.mark.parametrize(
    ("old", "new", "unguarded"),
    [
        # No open-conversation guard at all: neither subscription action is guarded.
        (OPEN_GUARD + "        reason: the conversation is not open\n", "", 2),
        # A guard for one action only leaves the other unguarded.
        (OPEN_GUARD, OPEN_GUARD + "        actions: [cancel_subscription]\n", 1),
        # A guard that asks for another status does not make a conversation open.
        ("        require: open\n", "        require: pending\n", 2),
    ],
    ids=["no_guard", "a_guard_for_one_action", "a_guard_for_another_status"],
)
def test_an_action_that_needs_an_open_conversation_must_be_guarded_so(
    old: str, new: str, unguarded: int
) -> None:
    text = (
        resources.files("action_gateway.eligibility")
        .joinpath("data/ordergroove.yaml")
        .read_text(encoding="utf-8")
    )
    load_matrix_text("ordergroove", text, source="ordergroove.yaml")  # as shipped: valid
    assert old in text
    with pytest.raises(MatrixError) as caught:
        load_matrix_text("ordergroove", text.replace(old, new, 1), source="og.yaml")
    problems = str(caught.value).count("needs an open conversation")
    assert problems == unguarded
    assert "rules.skip_subscription_order: skip_subscription_order needs an open conversation" in (
        str(caught.value)
    )
