"""The catalog: platforms, their actions with input schemas, and the eligibility matrices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field, TypeAdapter

from action_gateway.api.deps import ServicesDep
from action_gateway.api.problems import problem_responses
from action_gateway.domain.models import (
    ACTION_FACTS,
    ActionName,
    Ceiling,
    Platform,
    ResourceType,
    ResponseModel,
)
from action_gateway.errors import NotFound
from action_gateway.platforms.registry import PLATFORMS

router = APIRouter(prefix="/v1", tags=["catalog"])

_PLATFORM_IDS = f"{', '.join(list(PLATFORMS)[:-1])} or {list(PLATFORMS)[-1]}."
"""The shipped platforms' ids, for the path parameter's description."""


class ApprovalInfo(ResponseModel):
    """How an action above an agent's ceiling is approved."""

    ceiling: Ceiling = Field(
        description="The connection setting (`actions.<ceiling>`) whose per-role amounts limit it."
    )
    operation_id: str = Field(
        default="decideApproval",
        description="Above the ceiling, approval_required carries a token; an approver sends it "
        "to this operation.",
    )
    method: str = "POST"
    path: str = "/v1/approvals"


class ActionInfo(ResponseModel):
    name: ActionName
    resource_type: ResourceType
    input_schema: dict[str, Any]
    destructive: bool = Field(
        description="It cancels, or moves money or value to the customer: its MCP tool (of the "
        "same name, at /mcp) is marked destructiveHint, for hosts to confirm it first."
    )
    approval: ApprovalInfo | None = Field(
        default=None, description="Set for an action a per-role ceiling can limit."
    )


class PlatformInfo(ResponseModel):
    platform: Platform
    implemented: bool
    resource_types: list[ResourceType]
    actions: list[ActionInfo]


class PlatformList(ResponseModel):
    platforms: list[PlatformInfo]


class EligibilityMatrix(ResponseModel):
    """A platform's matrix as data: per resource type, its facts, dimensions (status classes),
    guards and the classes each action is allowed in (the matrix file, rules expanded)."""

    platform: Platform
    resources: dict[str, dict[str, Any]] = Field(
        description="By resource type (order, customer, subscription)."
    )


def _input_schema(action: ActionName) -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(ACTION_FACTS[action].input_model).json_schema()
    definitions = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline(schema, definitions)
    return inlined


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema with each ``#/$defs/...`` reference replaced by its definition.

    Self-contained: embedded in an answer (and its example in the OpenAPI document), a local
    reference would point into the document instead, where generators fail to resolve it.
    Input models are not recursive, so this ends.
    """
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {**_inline(definitions[ref.removeprefix("#/$defs/")], definitions), **rest}
    return {key: _inline(value, definitions) for key, value in node.items()}


def _approval(ceiling: Ceiling | None) -> ApprovalInfo | None:
    return ApprovalInfo(ceiling=ceiling) if ceiling is not None else None


@router.get(
    "/platforms",
    operation_id="listPlatforms",
    summary="Platforms and their actions, each with the JSON Schema of its input",
)
async def list_platforms(services: ServicesDep) -> PlatformList:
    platforms = []
    for platform, matrix in services.matrices.items():
        actions = [
            ActionInfo(
                name=action,
                resource_type=ACTION_FACTS[action].resource_type,
                input_schema=_input_schema(action),
                destructive=ACTION_FACTS[action].destructive,
                approval=_approval(ACTION_FACTS[action].ceiling),
            )
            for action in matrix.actions()
        ]
        platforms.append(
            PlatformInfo(
                platform=platform,
                implemented=True,  # a registered platform has its adapter
                resource_types=matrix.resource_types(),
                actions=actions,
            )
        )
    return PlatformList(platforms=platforms)


@router.get(
    "/platforms/{platform}/eligibility",
    operation_id="getEligibilityMatrix",
    summary="The platform's status-to-action matrix, as data",
    responses=problem_responses("platform_not_found"),
)
async def get_matrix(
    platform: Annotated[
        str,
        Path(description=_PLATFORM_IDS, examples=[next(iter(PLATFORMS))]),
    ],
    services: ServicesDep,
) -> EligibilityMatrix:
    try:
        matrix = services.matrices[platform]
    except KeyError:
        raise NotFound(f"There is no platform {platform!r}.", code="platform_not_found") from None
    return EligibilityMatrix.model_validate(matrix.as_document())
