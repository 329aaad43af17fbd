"""Eligibility without acting: what may be done to a resource in a given state, and why not."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from action_gateway.api.deps import ServicesDep
from action_gateway.api.problems import problem_responses
from action_gateway.domain.models import DECIMAL_PATTERN, ActionName, Platform, ResourceType
from action_gateway.domain.views import evaluate
from action_gateway.eligibility import Decision, FactsError
from action_gateway.errors import FieldError, NotFound, ValidationFailed

router = APIRouter(prefix="/v1", tags=["eligibility"])


class ResourceState(BaseModel):
    """A resource's status facts, in the platform's vocabulary."""

    model_config = ConfigDict(extra="forbid")

    type: ResourceType
    financial_status: Annotated[
        str | None,
        Field(
            max_length=64,
            description="Shopify: displayFinancialStatus lower-cased (pending, authorized, "
            "partially_paid, paid, partially_refunded, refunded, voided, expired) or null.",
        ),
    ] = None
    fulfillment_status: Annotated[
        str | None,
        Field(
            max_length=64,
            description="Shopify: displayFulfillmentStatus lower-cased (unfulfilled, "
            "partially_fulfilled, fulfilled, in_progress, ...).",
        ),
    ] = None
    cancelled: StrictBool | None = None
    amount_received: Annotated[
        str | None,
        Field(pattern=DECIMAL_PATTERN, description="Shopify: tells a null financial status apart."),
    ] = None
    status_id: Annotated[StrictInt | None, Field(description="BigCommerce: 0-14.")] = None
    live: Annotated[
        StrictBool | None, Field(description="Ordergroove: the subscription is live.")
    ] = None


class EligibilityContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_status: Annotated[str | None, Field(max_length=50, examples=["open"])] = None


class EligibilityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: Platform
    resource: ResourceState
    context: EligibilityContext = EligibilityContext()
    connection: Annotated[
        str | None,
        Field(
            max_length=100,
            description="Apply this connection's switched-off actions and matrix narrowing.",
        ),
    ] = None


class EligibilityResponse(BaseModel):
    platform: Platform
    resource_type: ResourceType
    state: dict[str, str | None]
    decisions: list[Decision]
    available_actions: list[ActionName]


@router.post(
    "/eligibility",
    operation_id="evaluateEligibility",
    summary="Decide, for every action of the resource type, whether it is allowed and why",
    responses=problem_responses(400, 404, 422),
)
async def evaluate_eligibility(
    body: EligibilityRequest, services: ServicesDep
) -> EligibilityResponse:
    matrix = services.matrices[body.platform]
    if body.resource.type not in matrix.resource_types():
        raise ValidationFailed(
            f"{body.platform.value} has no {body.resource.type.value} resources; "
            f"it has: {', '.join(t.value for t in matrix.resource_types())}.",
            errors=[FieldError(loc=["body", "resource", "type"], message="not on this platform")],
        )
    facts: dict[str, Any] = body.resource.model_dump(exclude={"type"}, exclude_none=True)
    if "financial_status" in body.resource.model_fields_set:
        facts["financial_status"] = body.resource.financial_status  # an explicit null matters
    context = body.context.model_dump()
    try:
        if body.connection is not None:
            connection = services.connection(body.connection)
            if connection.platform is not body.platform:
                raise NotFound(
                    f"Connection {body.connection!r} is not a {body.platform.value} connection.",
                    code="connection_not_found",
                )
            eligibility = evaluate(connection, body.resource.type, facts, context)
            state, decisions = eligibility.state, eligibility.decisions
        else:
            evaluation = matrix.evaluate(body.resource.type, facts, context=context)
            state, decisions = dict(evaluation.state), list(evaluation.decisions)
    except FactsError as exc:
        raise ValidationFailed(
            "; ".join(exc.problems),
            errors=[FieldError(loc=["body", "resource"], message=p) for p in exc.problems],
        ) from None
    return EligibilityResponse(
        platform=body.platform,
        resource_type=body.resource.type,
        state=state,
        decisions=decisions,
        available_actions=[d.action for d in decisions if d.allowed],
    )
