"""Eligibility without acting: what may be done to a resource in a given state, and why not."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from action_gateway.actions.views import FactValue, evaluate
from action_gateway.api.deps import JSON_BODY, CallerDep, ServicesDep
from action_gateway.api.problems import problem_responses
from action_gateway.domain.models import (
    CONVERSATION_STATUS_DESCRIPTION,
    ActionName,
    ConversationStatusInput,
    DecimalString,
    Platform,
    ResourceType,
    ResponseModel,
)
from action_gateway.eligibility import Decision, FactsError
from action_gateway.errors import FieldError, NotFound, ValidationFailed

router = APIRouter(prefix="/v1", tags=["eligibility"])


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShopifyOrderFacts(_Facts):
    type: Literal["order"]
    financial_status: Annotated[
        str | None,
        Field(
            max_length=64,
            description="displayFinancialStatus lower-cased (pending, authorized, partially_paid, "
            "paid, partially_refunded, refunded, voided, expired) or null.",
        ),
    ] = None
    fulfillment_status: Annotated[
        str | None,
        Field(
            max_length=64,
            description="displayFulfillmentStatus lower-cased (unfulfilled, partially_fulfilled, "
            "fulfilled, in_progress, ...).",
        ),
    ] = None
    cancelled: StrictBool | None = None
    amount_received: Annotated[
        DecimalString | None, Field(description="Tells a null financial status apart.")
    ] = None


class CustomerFacts(_Facts):
    type: Literal["customer"]


class BigCommerceOrderFacts(_Facts):
    type: Literal["order"]
    status_id: Annotated[
        StrictInt | None, Field(description="0-14; the renamable status label is never used.")
    ] = None


class OrdergrooveSubscriptionFacts(_Facts):
    type: Literal["subscription"]
    live: Annotated[StrictBool | None, Field(description="The subscription is live.")] = None
    prepaid: Annotated[
        StrictBool | None,
        Field(description="Has a prepaid_subscription_context (Ordergroove refuses to cancel)."),
    ] = None
    has_next_order: Annotated[
        StrictBool | None, Field(description="An unsent, unlocked order holds the subscription.")
    ] = None


class RechargeSubscriptionFacts(_Facts):
    type: Literal["subscription"]
    status: Annotated[
        str | None, Field(max_length=32, description="active, cancelled or expired.")
    ] = None
    prepaid: Annotated[
        StrictBool | None,
        Field(description="Recharge's is_prepaid (prepaid subscriptions are not cancelled)."),
    ] = None
    skippable: Annotated[StrictBool | None, Field(description="Recharge's is_skippable.")] = None
    has_next_order: Annotated[
        StrictBool | None, Field(description="A queued charge holds the subscription.")
    ] = None


class EligibilityContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_status: Annotated[
        ConversationStatusInput | None,
        Field(description=CONVERSATION_STATUS_DESCRIPTION, examples=["open"]),
    ] = None


class _EligibilityRequestBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    context: EligibilityContext = EligibilityContext()
    connection: Annotated[
        str | None,
        Field(
            max_length=100,
            description="Apply this connection's switched-off actions and matrix narrowing.",
        ),
    ] = None


class ShopifyEligibilityRequest(_EligibilityRequestBase):
    platform: Literal["shopify"]
    resource: Annotated[ShopifyOrderFacts | CustomerFacts, Field(discriminator="type")]


class BigCommerceEligibilityRequest(_EligibilityRequestBase):
    platform: Literal["bigcommerce"]
    resource: Annotated[BigCommerceOrderFacts | CustomerFacts, Field(discriminator="type")]


class OrdergrooveEligibilityRequest(_EligibilityRequestBase):
    platform: Literal["ordergroove"]
    resource: OrdergrooveSubscriptionFacts


class RechargeEligibilityRequest(_EligibilityRequestBase):
    platform: Literal["recharge"]
    resource: RechargeSubscriptionFacts


EligibilityRequest = Annotated[
    ShopifyEligibilityRequest
    | BigCommerceEligibilityRequest
    | OrdergrooveEligibilityRequest
    | RechargeEligibilityRequest,
    Field(discriminator="platform"),
]


class EligibilityResponse(ResponseModel):
    platform: Platform
    resource_type: ResourceType
    state: dict[str, str | None]
    facts: dict[str, FactValue] = Field(
        default={}, description="Every fact the matrix decided on (null: not given)."
    )
    helpdesk_context: dict[str, FactValue] = Field(
        default={}, description="Every context value the matrix decided on (null: not given)."
    )
    decisions: list[Decision]
    available_actions: list[ActionName]


_EXAMPLE = {
    "platform": "shopify",
    "connection": "sandbox-shopify",
    "resource": {
        "type": "order",
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "cancelled": False,
    },
    "context": {"conversation_status": "open"},
}


@router.post(
    "/eligibility",
    operation_id="evaluateEligibility",
    summary="Decide, for every action of the resource type, whether it is allowed and why",
    responses=problem_responses("connection_forbidden", "connection_not_found", "validation_error"),
    dependencies=[JSON_BODY],
)
async def evaluate_eligibility(
    body: Annotated[EligibilityRequest, Body(examples=[_EXAMPLE])],
    services: ServicesDep,
    caller: CallerDep,
) -> EligibilityResponse:
    platform = Platform(body.platform)
    resource_type = ResourceType(body.resource.type)
    facts: dict[str, Any] = body.resource.model_dump(exclude={"type"}, exclude_none=True)
    if isinstance(body.resource, RechargeSubscriptionFacts) and body.resource.status:
        facts["status"] = body.resource.status.lower()  # Recharge's status case varies
    if isinstance(body.resource, ShopifyOrderFacts) and "financial_status" in (
        body.resource.model_fields_set
    ):
        facts["financial_status"] = body.resource.financial_status  # an explicit null matters
    context = body.context.model_dump(mode="json")
    try:
        if body.connection is not None:
            caller.require_connection(body.connection)
            connection = services.connection(body.connection)
            if connection.platform is not platform:
                raise NotFound(
                    f"Connection {body.connection!r} is not a {platform.value} connection.",
                    code="connection_not_found",
                )
            eligibility = evaluate(connection, resource_type, facts, context)
            state, decisions = eligibility.state, eligibility.decisions
        else:
            matrix = services.matrices[platform]
            evaluation = matrix.evaluate(resource_type, facts, context=context)
            state, decisions = dict(evaluation.state), list(evaluation.decisions)
    except FactsError as exc:
        raise ValidationFailed(
            "; ".join(exc.problems),
            errors=[FieldError(loc=["body", "resource"], message=p) for p in exc.problems],
        ) from None
    fact_names, context_names = services.matrices[platform].inputs(resource_type)
    return EligibilityResponse(
        platform=platform,
        resource_type=resource_type,
        state=state,
        facts={name: facts.get(name) for name in fact_names},
        helpdesk_context={name: context.get(name) for name in context_names},
        decisions=decisions,
        available_actions=[d.action for d in decisions if d.allowed],
    )
