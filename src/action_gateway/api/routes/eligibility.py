"""Eligibility without acting: what may be done to a resource in a given state, and why not."""

from typing import Annotated, Any, Literal, Union

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, create_model

from action_gateway.actions.services import Services
from action_gateway.actions.views import FactValue, evaluate
from action_gateway.api.deps import JSON_BODY, CallerDep, ServicesDep
from action_gateway.api.problems import problem_responses
from action_gateway.auth import Caller
from action_gateway.domain.models import (
    CONVERSATION_STATUS_DESCRIPTION,
    ActionName,
    ConversationStatusInput,
    Platform,
    ResourceType,
    ResponseModel,
)
from action_gateway.eligibility import Decision, FactsError
from action_gateway.errors import FieldError, NotFound, ValidationFailed
from action_gateway.platforms.registry import PlatformRegistry
from action_gateway.platforms.spec import ResourceFacts


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
    platform: str
    """Each platform's request narrows it to its id (``Literal``)."""
    resource: ResourceFacts
    """Each platform's request narrows it to its facts models."""


def request_model(platforms: PlatformRegistry) -> Any:
    """The body of ``POST /v1/eligibility``: one ``<Name>EligibilityRequest`` per platform, told
    apart by ``platform``, each with its platform's facts told apart by ``type``."""
    models: list[Any] = []
    for spec in platforms.values():
        facts = list(spec.facts.values())
        resource: Any = (
            facts[0]
            if len(facts) == 1
            else Annotated[Union[tuple(facts)], Field(discriminator="type")]  # noqa: UP007
        )
        models.append(
            create_model(
                f"{spec.schema_name}EligibilityRequest",
                __base__=_EligibilityRequestBase,
                platform=(Literal[spec.id], ...),  # type: ignore[arg-type]
                resource=(resource, ...),
            )
        )
    return Annotated[Union[tuple(models)], Field(discriminator="platform")]  # noqa: UP007


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


def _example(platforms: PlatformRegistry) -> dict[str, Any]:
    """A request for the first platform whose facts give an example (its sandbox connection's)."""
    for spec in platforms.values():
        for facts in spec.facts.values():
            if facts.example is not None:
                return {
                    "platform": spec.id,
                    "connection": f"sandbox-{spec.id}",
                    "resource": dict(facts.example),
                    "context": {"conversation_status": "open"},
                }
    return {}


def router_for(platforms: PlatformRegistry) -> APIRouter:
    """The eligibility route, its body validated per platform of ``platforms``."""
    router = APIRouter(prefix="/v1", tags=["eligibility"])
    request = request_model(platforms)
    example = _example(platforms)

    @router.post(
        "/eligibility",
        operation_id="evaluateEligibility",
        summary="Decide, for every action of the resource type, whether it is allowed and why",
        responses=problem_responses(
            "connection_forbidden", "connection_not_found", "validation_error"
        ),
        dependencies=[JSON_BODY],
    )
    async def evaluate_eligibility(
        body: Annotated[request, Body(examples=[example])],  # type: ignore[valid-type]
        services: ServicesDep,
        caller: CallerDep,
    ) -> EligibilityResponse:
        return _evaluate(body, services, caller)

    return router


def _evaluate(
    body: _EligibilityRequestBase, services: Services, caller: Caller
) -> EligibilityResponse:
    platform = body.platform
    resource_type = ResourceType(body.resource.type)
    facts = body.resource.matrix_facts()
    context = body.context.model_dump(mode="json")
    try:
        if body.connection is not None:
            caller.require_connection(body.connection)
            connection = services.connection(body.connection)
            if connection.platform != platform:
                raise NotFound(
                    f"Connection {body.connection!r} is not a {platform} connection.",
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
