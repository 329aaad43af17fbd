"""Resources as the API shows them: the platform's data plus what an agent may do right now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from action_gateway.actions.services import Connection
from action_gateway.domain.models import (
    ActionName,
    Customer,
    Order,
    Platform,
    ResourceType,
    ResponseModel,
    Subscription,
)
from action_gateway.eligibility import Decision

FactValue = bool | int | str | None


class Eligibility(ResponseModel):
    state: dict[str, str | None] = Field(
        description="The matrix classes the resource's statuses fall in (why, not just what)."
    )
    facts: dict[str, FactValue] = Field(
        default={},
        description="Every fact the matrix decided on, as read from the platform (null: unknown).",
    )
    helpdesk_context: dict[str, FactValue] = Field(
        default={},
        description="Every helpdesk context value the matrix decided on (null: not given).",
    )
    decisions: list[Decision]


class OrderView(Order):
    type: Literal["order"] = "order"
    connection: str
    platform: Platform
    available_actions: list[ActionName]
    eligibility: Eligibility


class SubscriptionView(Subscription):
    type: Literal["subscription"] = "subscription"
    connection: str
    platform: Platform
    available_actions: list[ActionName]
    eligibility: Eligibility


class CustomerView(Customer):
    type: Literal["customer"] = "customer"
    connection: str
    platform: Platform
    available_actions: list[ActionName]
    eligibility: Eligibility


def evaluate(
    connection: Connection,
    resource_type: ResourceType,
    facts: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> Eligibility:
    """The matrix decision, then what this connection switches off or cannot do yet."""
    evaluation = connection.matrix.evaluate(
        resource_type, facts, context=context, narrowing=connection.config.actions.narrowing
    )
    decisions: list[Decision] = []
    for decision in evaluation.decisions:
        action = decision.action
        if not connection.config.actions.is_active(action):
            decision = Decision(
                action=action,
                allowed=False,
                code="action_disabled",
                reason=f"{action.value} is switched off for connection {connection.id}.",
            )
        elif action not in connection.supported_actions:
            decision = Decision(
                action=action,
                allowed=False,
                code="action_not_supported",
                reason=f"{action.value} is not supported on {connection.platform} yet.",
            )
        decisions.append(decision)
    fact_names, context_names = connection.matrix.inputs(resource_type)
    given = context or {}
    return Eligibility(
        state=dict(evaluation.state),
        facts={name: facts.get(name) for name in fact_names},
        helpdesk_context={name: given.get(name) for name in context_names},
        decisions=decisions,
    )


def _fields(model: BaseModel, exclude: str | None = None) -> dict[str, Any]:
    """A model's fields as they are, for the view that extends it.

    Not ``model_dump()``: the nested models (line items, money) are passed on as the validated
    instances they are instead of dicts validated again (a third of an order view's cost).
    """
    return {name: value for name, value in model if name != exclude}


def _available(eligibility: Eligibility) -> list[ActionName]:
    return [d.action for d in eligibility.decisions if d.allowed]


def order_view(
    connection: Connection, order: Order, context: Mapping[str, Any] | None = None
) -> OrderView:
    eligibility = evaluate(connection, ResourceType.ORDER, order.state.as_facts(), context)
    return OrderView(
        **_fields(order),
        connection=connection.id,
        platform=connection.platform,
        available_actions=_available(eligibility),
        eligibility=eligibility,
    )


def subscription_view(
    connection: Connection, subscription: Subscription, context: Mapping[str, Any] | None = None
) -> SubscriptionView:
    facts = subscription.state.as_facts()
    eligibility = evaluate(connection, ResourceType.SUBSCRIPTION, facts, context)
    return SubscriptionView(
        **_fields(subscription, exclude="frequency"),
        connection=connection.id,
        platform=connection.platform,
        available_actions=_available(eligibility),
        eligibility=eligibility,
    )


def customer_view(
    connection: Connection, customer: Customer, context: Mapping[str, Any] | None = None
) -> CustomerView:
    eligibility = evaluate(connection, ResourceType.CUSTOMER, {}, context)
    return CustomerView(
        **_fields(customer),
        connection=connection.id,
        platform=connection.platform,
        available_actions=_available(eligibility),
        eligibility=eligibility,
    )
