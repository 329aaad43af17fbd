"""POST /v1/actions (guarded by a required Idempotency-Key) and POST /v1/actions/preview."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse, Response

from action_gateway.api.deps import JSON_BODY, CallerDep, ServicesDep
from action_gateway.api.problem_catalog import UPSTREAM_CODES
from action_gateway.api.problems import problem_responses, render_problem
from action_gateway.domain.flows import ActionResult, perform_action
from action_gateway.domain.models import ActionName, ActionRequest
from action_gateway.errors import (
    DeadlineExceeded,
    GatewayError,
    IdempotencyKeyReused,
    IdempotencyRequestInFlight,
    Outcome,
    UpstreamError,
)
from action_gateway.idempotency import (
    KEY_PATTERN,
    ClaimState,
    StoredResponse,
    downstream_key,
    fingerprint,
    parse_idempotency_key,
)
from action_gateway.metrics import IDEMPOTENCY
from action_gateway.services import Services

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


def _retry_safe(exc: GatewayError) -> bool:
    """Whether an error answer is forgotten, so a retry with the same key is evaluated afresh.

    As Stripe does: an answer given before any write could reach the platform (validation, not
    found, not eligible, disabled, forbidden, approval required, a failed read) is not kept; once
    a write may have been sent it is, unless the chokepoint proved the write never arrived (no
    connection, 429: ``outcome: not_executed``).
    """
    outcome = exc.extensions.get("outcome")
    if outcome == Outcome.UNKNOWN:
        return False  # the platform may have acted, whatever was recorded
    if not exc.write_sent:
        return True
    return isinstance(exc, UpstreamError | DeadlineExceeded) and outcome == Outcome.NOT_EXECUTED


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
    # Keys are per caller: the same key from two callers names two actions, and one caller can
    # never be handed another's stored answer. Caller ids cannot contain ":".
    key = f"{caller.id}:{parse_idempotency_key(idempotency_key)}"
    digest = fingerprint({"caller": caller.id, "request": body.model_dump(mode="json")})
    claim = await services.idempotency.claim(key, digest)
    if claim.state is ClaimState.MISMATCH:
        IDEMPOTENCY.labels("reused").inc()
        raise IdempotencyKeyReused(
            "This Idempotency-Key was first used with a different request; use a new key."
        )
    if claim.state is ClaimState.IN_FLIGHT:
        IDEMPOTENCY.labels("in_flight").inc()
        raise IdempotencyRequestInFlight(
            "The first request with this Idempotency-Key is still running; retry shortly.",
            headers={"Retry-After": "1"},
            retry_after=1,
        )
    if claim.state is ClaimState.REPLAY and claim.response is not None:
        stored = claim.response
        IDEMPOTENCY.labels("replayed").inc()
        return Response(
            stored.body,
            status_code=stored.status_code,
            media_type=stored.media_type,
            headers={**stored.headers, REPLAY_HEADER: "true"},
        )
    # The action runs in its own task, shielded from the caller going away: a request cancelled
    # mid-way (client timeout, disconnect) must not abandon a write that may have reached the
    # platform, nor free its key for a blind second execution. It finishes and stores its answer,
    # which the caller's retry then gets (409 while it runs, the replay after).
    task = asyncio.create_task(
        _execute_and_store(services, body, caller.id, key, digest, instance=request.url.path)
    )
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return await asyncio.shield(task)


_RUNNING: set[asyncio.Task[Response]] = set()
"""Actions whose callers may have gone; kept referenced until they finish."""


async def _execute_and_store(
    services: Services,
    body: ActionRequest,
    caller_id: str,
    key: str,
    digest: str,
    *,
    instance: str,
) -> Response:
    try:
        result = await perform_action(
            services,
            body,
            caller=caller_id,
            downstream_key=downstream_key(f"{body.connection}:{body.action}", key),
            idempotency_key=key,
        )
        response: Response = JSONResponse(result.model_dump(mode="json"))
    except GatewayError as exc:
        response = render_problem(exc, instance)
        if _retry_safe(exc):
            await services.idempotency.release(key, digest)
            return response
    # No release on cancellation (shutdown): the write may have run, so the claim is left to
    # expire after the in-flight lease instead of being freed for a second execution.
    await services.idempotency.complete(
        key,
        digest,
        StoredResponse(
            status_code=response.status_code,
            body=bytes(response.body),
            media_type=response.media_type or "application/json",
            headers={k: v for k, v in response.headers.items() if k.lower() == "retry-after"},
        ),
    )
    return response
