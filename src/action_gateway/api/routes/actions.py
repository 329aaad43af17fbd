"""POST /v1/actions (guarded by a required Idempotency-Key) and POST /v1/actions/preview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse, Response
from starlette.background import BackgroundTask

from action_gateway.actions.execution import perform_once
from action_gateway.actions.flow import ActionResult, perform_action
from action_gateway.api.deps import JSON_BODY, CallerDep, ServicesDep
from action_gateway.api.problem_catalog import UPSTREAM_CODES
from action_gateway.api.problems import problem_responses, render_problem
from action_gateway.domain.models import ActionName, ActionRequest
from action_gateway.idempotency import (
    KEY_PATTERN,
    StoredResponse,
    parse_idempotency_key,
)

router = APIRouter(prefix="/v1", tags=["actions"])

REPLAY_HEADER = "Idempotent-Replayed"

_EXAMPLE = {
    "connection": "sandbox-shopify",
    "action": "cancel_and_refund_order",
    "target": {"order_id": "5001001"},
    "input": {"reason": "customer", "notify_customer": True, "staff_note": "Changed mind"},
    "context": {
        "agent_id": "agent-42",
        "agent_roles": ["support"],
        "conversation_id": "conv-1",
        "conversation_status": "open",
    },
}


ACTION_PROBLEMS = (
    "connection_forbidden",
    "action_forbidden",
    "role_not_allowed",
    "action_disabled",
    "approval_required",
    "connection_not_found",
    "order_not_found",
    "customer_not_found",
    "subscription_not_found",
    "not_eligible",
    "discount_code_taken",
    "validation_error",
    "action_not_supported",
    "platform_rejected",
    "refund_exceeds_refundable",
    *UPSTREAM_CODES,
)
"""What previewing or performing an action can answer with (besides what every operation can)."""
IDEMPOTENCY_PROBLEMS = (
    "idempotency_key_missing",
    "idempotency_key_invalid",
    "idempotency_request_in_flight",
    "earlier_attempt_unknown",
    "idempotency_key_reused",
    "idempotency_store_unavailable",
)


@router.post(
    "/actions/preview",
    operation_id="previewAction",
    summary="Preview an action: what it would do (e.g. the refund the platform computes), "
    "changing nothing",
    description="Takes the same body as `performAction` and needs no Idempotency-Key; the "
    "answer's `status` is `preview` and `dry_run` is true whatever the body says.",
    response_model=ActionResult,
    responses=problem_responses(*ACTION_PROBLEMS),
    dependencies=[JSON_BODY],
)
async def preview(
    services: ServicesDep,
    caller: CallerDep,
    body: Annotated[ActionRequest, Body(examples=[_EXAMPLE])],
) -> Response:
    caller.require_connection(body.connection)
    caller.require_action(ActionName(body.action))
    request = body.model_copy(update={"dry_run": True})
    result = await perform_action(services, request, caller=caller.id, downstream_key=None)
    return JSONResponse(result.model_dump(mode="json"))


@router.post(
    "/actions",
    operation_id="performAction",
    summary="Perform an action on a platform, exactly once per Idempotency-Key",
    description="`dry_run: true` still previews here (kept for compatibility; "
    "`previewAction` is the preview operation): the Idempotency-Key is then checked but not "
    "recorded.",
    response_model=ActionResult,
    responses=problem_responses(*ACTION_PROBLEMS, *IDEMPOTENCY_PROBLEMS),
    dependencies=[JSON_BODY],
)
async def perform(
    request: Request,
    services: ServicesDep,
    caller: CallerDep,
    body: Annotated[ActionRequest, Body(examples=[_EXAMPLE])],
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            pattern=KEY_PATTERN,
            description="A new key (a UUID) per logical action: the same key and body replay "
            "the first answer, so a retry never performs the action twice.",
            examples=["5f0c7a2e-4b1d-4c8e-9a3f-0d2b6e8c1a47"],
        ),
    ],
) -> Response:
    caller.require_connection(body.connection)
    caller.require_action(ActionName(body.action))
    if body.dry_run:
        result = await perform_action(services, body, caller=caller.id, downstream_key=None)
        return JSONResponse(result.model_dump(mode="json"))
    answer = await perform_once(
        services,
        body,
        caller_id=caller.id,
        idempotency_key=parse_idempotency_key(idempotency_key),
        render_result=_stored,
        render_error=lambda exc: _stored(render_problem(exc, request.url.path)),
    )
    stored = answer.response
    headers = {**stored.headers, REPLAY_HEADER: "true"} if answer.replayed else stored.headers
    return Response(
        stored.body,
        status_code=stored.status_code,
        media_type=stored.media_type,
        headers=headers,
        # An answer that is not kept frees its key once sent (actions/execution.py).
        background=BackgroundTask(answer.release) if answer.release is not None else None,
    )


def _stored(answer: ActionResult | Response) -> StoredResponse:
    """An answer as the idempotency store keeps it (the body as sent, byte for byte)."""
    response = (
        JSONResponse(answer.model_dump(mode="json")) if isinstance(answer, ActionResult) else answer
    )
    return StoredResponse(
        status_code=response.status_code,
        body=bytes(response.body),
        media_type=response.media_type or "application/json",
        headers={k: v for k, v in response.headers.items() if k.lower() not in _BODY_HEADERS},
    )


_BODY_HEADERS = frozenset({"content-length", "content-type"})
