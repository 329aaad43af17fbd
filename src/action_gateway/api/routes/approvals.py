"""POST /v1/approvals: approve or decline, by its signed token, an action above its agent's
ceiling (actions/approvals.py)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from pydantic import RootModel

from action_gateway.actions.approvals import Approval, ApprovalDecisionRequest, ApprovalGrant
from action_gateway.actions.execution import Answer, decline_once, perform_once
from action_gateway.actions.flow import ActionResult, action_ceilings, agent_ceiling
from action_gateway.actions.services import Connection, Services
from action_gateway.actions.specs import ACTION_SPECS
from action_gateway.api.deps import JSON_BODY, CallerDep, ServicesDep
from action_gateway.api.problems import problem_responses, render_problem
from action_gateway.api.routes.actions import (
    ACTION_PROBLEMS,
    answer_response,
    idempotency_key_header,
    stored,
)
from action_gateway.auth import Caller
from action_gateway.domain.models import ACTION_FACTS, ActionName, Platform, ResponseModel
from action_gateway.errors import (
    ApprovalAlreadyDecided,
    ApprovalForbidden,
    ApprovalTokenInvalid,
    IdempotencyKeyReused,
    IdempotencyRequestInFlight,
)
from action_gateway.idempotency import parse_idempotency_key
from action_gateway.timeline import TimelineEvent, build_approval_declined_event

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/v1", tags=["approvals"])

WAIT_STEP_SECONDS = 0.05
WAIT_MARGIN_SECONDS = 5.0
"""A decision of the same token running elsewhere is waited for (its deadline and this), so
the second answer is the first's replay rather than a 409."""

APPROVAL_PROBLEMS = (
    "approval_token_invalid",
    "approval_expired",
    "approval_forbidden",
    "approval_stale",
    "approval_already_decided",
    "idempotency_key_missing",
    "idempotency_key_invalid",
    "idempotency_request_in_flight",
    "idempotency_store_unavailable",
)

_EXAMPLE = {
    "token": "eyJjYWxsZXIiOiJoZWxwZGVzayIsLi4ufQ.c2lnbmF0dXJl",
    "decision": "approve",
    "context": {"agent_id": "agent-9", "agent_roles": ["lead"], "conversation_id": "conv-1"},
    "note": "Long-standing customer",
}


class ApprovalDeclined(ResponseModel):
    """A declined approval: nothing ran; the event names the requester and the approver."""

    status: Literal["declined"] = "declined"
    action: ActionName
    connection: str
    platform: Platform
    timeline_event: TimelineEvent


class ApprovalDecisionResult(RootModel[ActionResult | ApprovalDeclined]):
    """The answer of a decision: the action's own answer when approved, or the decline."""


@router.post(
    "/approvals",
    operation_id="decideApproval",
    summary="Approve or decline an action above its agent's ceiling, by its approval token",
    description="The token is the `approval.token` of an `approval_required` answer. `approve` "
    "re-reads the resource, re-checks eligibility and re-previews the amount, then performs "
    "the action once (its answer is the action's own); `decline` runs nothing. Every decision "
    "of one token is kept under a key derived from it: the same decision again (any "
    "Idempotency-Key, any replica) replays the first answer, the other decision is "
    "`approval_already_decided`.",
    response_model=ApprovalDecisionResult,
    responses=problem_responses(*ACTION_PROBLEMS, *APPROVAL_PROBLEMS),
    dependencies=[JSON_BODY],
)
async def decide(
    request: Request,
    services: ServicesDep,
    caller: CallerDep,
    body: Annotated[ApprovalDecisionRequest, Body(examples=[_EXAMPLE])],
    idempotency_key: Annotated[
        str,
        idempotency_key_header(
            "Required as on every write. The decision itself is keyed by the token, so "
            "retrying with another key cannot run the action twice."
        ),
    ],
) -> Response:
    parse_idempotency_key(idempotency_key)
    if services.approvals is None:
        raise ApprovalTokenInvalid("This gateway signs no approvals (no ceiling is configured).")
    grant = services.approvals.read(body.token)
    connection = _check_authority(services, caller, grant, body)
    approval = Approval(grant=grant, approver=body.context, note=body.note)
    answer = await _decided(services, connection, approval, body.decision, caller, request)
    log.info(
        "approval",
        decision=body.decision,
        connection=connection.id,
        action=grant.request.action,
        requested_by=grant.requester.agent_id,
        approver=body.context.agent_id,
        status=answer.response.status_code,
        replayed=answer.replayed,
    )
    return answer_response(answer)


def _check_authority(
    services: Services, caller: Caller, grant: ApprovalGrant, body: ApprovalDecisionRequest
) -> Connection:
    """403 ``approval_forbidden`` unless this caller and approver may decide ``grant``."""
    action = ActionName(grant.request.action)
    if caller.id != grant.caller:
        raise ApprovalForbidden(
            f"Caller {caller.id!r} did not ask for this approval; only the caller that did may "
            "decide it."
        )
    if not caller.may_use(grant.request.connection) or not caller.may_perform(action):
        raise ApprovalForbidden(
            f"Caller {caller.id!r} may not perform {action.value} on connection "
            f"{grant.request.connection!r}.",
            connection=grant.request.connection,
        )
    connection = services.connection(grant.request.connection)
    approver = body.context
    if approver.agent_id == grant.requester.agent_id:
        raise ApprovalForbidden(
            f"{approver.agent_id} asked for this approval and cannot decide it; another agent "
            "with a high enough ceiling must.",
            connection=connection.id,
        )
    ceilings = action_ceilings(connection.config.actions, ACTION_FACTS[action]) or {}
    if Decimal(grant.amount) > agent_ceiling(ceilings, approver.agent_roles):
        roles = ", ".join(sorted(approver.agent_roles)) or "no role"
        raise ApprovalForbidden(
            f"An agent with {roles} has no {grant.ceiling.value} ceiling of "
            f"{grant.amount} {grant.currency} or more for {action.value} on connection "
            f"{connection.id}; an approver needs one.",
            connection=connection.id,
        )
    return connection


async def _decided(
    services: Services,
    connection: Connection,
    approval: Approval,
    decision: Literal["approve", "decline"],
    caller: Caller,
    request: Request,
) -> Answer:
    """The answer of the token's decision, the first one's replay when it was already made
    (waiting while it is being made, on this replica or another)."""
    grant = approval.grant
    give_up_at = time.monotonic() + connection.deadline_seconds + WAIT_MARGIN_SECONDS
    while True:
        try:
            if decision == "approve":
                return await perform_once(
                    services,
                    grant.request,
                    caller_id=caller.id,
                    idempotency_key=grant.decision_key(),
                    render_result=stored,
                    render_error=lambda exc: stored(render_problem(exc, request.url.path)),
                    approval=approval,
                )
            return await decline_once(
                services,
                approval,
                caller_id=caller.id,
                render_declined=lambda: stored(_declined(connection, approval, caller)),
            )
        except IdempotencyRequestInFlight:
            if time.monotonic() >= give_up_at:
                raise
            await asyncio.sleep(WAIT_STEP_SECONDS)
        except IdempotencyKeyReused:
            # The decision's key only ever holds this request: the other decision holds it.
            first = "decline" if decision == "approve" else "approve"
            raise ApprovalAlreadyDecided(
                "This approval was already "
                + (
                    "declined; nothing was done. Send the action again with a new "
                    "Idempotency-Key to ask for a new approval."
                    if first == "decline"
                    else "approved and the action was performed; nothing more was done."
                ),
                decision=first,
                connection=connection.id,
            ) from None


def _declined(connection: Connection, approval: Approval, caller: Caller) -> ApprovalDeclined:
    grant = approval.grant
    action = ActionName(grant.request.action)
    event = build_approval_declined_event(
        connection=connection.id,
        platform=connection.profile,
        action=action,
        wording=ACTION_SPECS[action].wording,
        subject=grant.subject,
        amount=grant.money,
        requested_by=grant.requester,
        declined_by=approval.approver.as_action_context(),
        note=approval.note,
        caller=caller.id,
    )
    return ApprovalDeclined(
        action=action, connection=connection.id, platform=connection.platform, timeline_event=event
    )
