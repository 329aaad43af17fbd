"""The one renderer of errors: every failure leaves as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from action_gateway.actions.approvals import ApprovalDecision, ApprovalOffer
from action_gateway.api.problem_catalog import BY_CODE, status_description
from action_gateway.api.request_context import current_request_id
from action_gateway.domain.models import NamedSchema
from action_gateway.errors import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_PREFIX,
    FieldError,
    GatewayError,
    IdempotencyKeyMissing,
    InternalError,
    MalformedRequest,
    MethodNotAllowed,
    NotFound,
    Outcome,
    PlatformMessage,
    ValidationFailed,
    retry_after_headers,
)
from action_gateway.timeline import TimelineEvent

log = structlog.get_logger(__name__)


class Problem(BaseModel):
    """RFC 9457 problem details, with the gateway's extension members."""

    type: str = Field(examples=[f"{PROBLEM_TYPE_PREFIX}not_eligible"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = Field(description="Stable machine-readable code; equals the end of `type`.")
    errors: list[FieldError] | None = Field(
        default=None, description="Field-level validation errors."
    )
    platform_errors: list[PlatformMessage] | None = Field(
        default=None, description="The platform's own messages, verbatim."
    )
    outcome: Outcome | None = Field(
        default=None, description="For upstream and deadline failures: may the action have run?"
    )
    current_state: (
        Annotated[
            dict[str, Any],
            Field(description="not_eligible: the matrix classes the resource is in, and why."),
            NamedSchema("CurrentState"),
        ]
        | None
    ) = None
    allowed_actions: list[str] | None = None
    retry_after: int | None = Field(default=None, description="Seconds; mirrors Retry-After.")
    connection: str | None = None
    platform: str | None = None
    ceiling: str | None = Field(
        default=None, description="approval_required: the agent's refund ceiling (decimal)."
    )
    amount: str | None = Field(
        default=None,
        description="approval_required, approval_stale: the amount the action would move.",
    )
    currency: str | None = Field(
        default=None,
        description="approval_required, approval_stale, amount_precision: the currency of the "
        "amounts.",
    )
    approval: ApprovalOffer | None = Field(
        default=None,
        description="approval_required: the token an approver approves or declines with "
        "POST /v1/approvals.",
    )
    approved_amount: str | None = Field(
        default=None, description="approval_stale: the amount that was approved."
    )
    approved_currency: str | None = Field(
        default=None, description="approval_stale: the currency of the amount approved."
    )
    decision: ApprovalDecision | None = Field(
        default=None,
        description="approval_already_decided: how the approval was decided first "
        "(`approve` or `decline`).",
    )
    allowed_decimals: int | None = Field(
        default=None,
        description="amount_precision: the decimals the currency allows (ISO 4217 minor units).",
    )
    request_id: str | None = Field(
        default=None, description="The request's X-Request-Id, to quote when reporting it."
    )
    timeline_event: TimelineEvent | None = Field(
        default=None,
        description="With `outcome: unknown`: an event to post to the conversation saying the "
        "action may have happened and should be checked on the platform.",
    )


def to_problem(exc: GatewayError, instance: str | None = None) -> Problem:
    """The problem details of ``exc``: its class's title and status, its code and extensions."""
    return Problem(
        type=f"{PROBLEM_TYPE_PREFIX}{exc.instance_code}",
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        instance=instance,
        code=exc.instance_code,
        **exc.extensions,
    )


def render_problem(exc: GatewayError, instance: str | None) -> JSONResponse:
    problem = to_problem(exc, instance)
    problem.request_id = current_request_id()
    headers = dict(exc.headers)
    if problem.retry_after is not None and "Retry-After" not in headers:
        headers.update(retry_after_headers(problem.retry_after)[0])
    # Unset members are left out at the top level only: a nested object (a timeline event)
    # keeps every field, as its schema says.
    body = {k: v for k, v in problem.model_dump(mode="json").items() if v is not None}
    return JSONResponse(
        body,
        status_code=exc.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


IDEMPOTENCY_HEADER = "Idempotency-Key"


def _validation_error(exc: RequestValidationError) -> GatewayError:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return MalformedRequest("The request body is not valid JSON.")
    key_errors = [e for e in errors if tuple(e.get("loc", ())) == ("header", IDEMPOTENCY_HEADER)]
    if any(e.get("type") == "missing" for e in key_errors):
        return IdempotencyKeyMissing(
            "Send an Idempotency-Key header (a UUID per logical action) so a retry can never "
            "perform the action twice; POST /v1/actions/preview previews without one."
        )
    if key_errors:
        return MalformedRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces or double "
            "quotes), optionally in double quotes.",
            code="idempotency_key_invalid",
        )
    field_errors = [
        FieldError(loc=_location(e), message=str(e.get("msg", "invalid")), type=e.get("type"))
        for e in errors
    ]
    summary = "; ".join(f"{'.'.join(f.loc)}: {f.message}" for f in field_errors[:5])
    return ValidationFailed(summary or None, errors=field_errors)


def _location(error: Any) -> list[str]:
    loc = [str(part) for part in error.get("loc", ())]
    if error.get("type") in {"union_tag_invalid", "union_tag_not_found"}:
        # pydantic reports a bad discriminator at the parent; name the field itself.
        loc.append(str(error.get("ctx", {}).get("discriminator", "")).strip("'"))
    return loc


def install_problem_handlers(app: FastAPI) -> None:
    async def on_gateway_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GatewayError)
        if exc.status >= 500 and not exc.extensions.get("outcome"):
            log.warning("request_failed", code=exc.instance_code, path=request.url.path)
        return render_problem(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return render_problem(_validation_error(exc), request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        error: GatewayError
        if exc.status_code == 404:
            error = NotFound(f"There is nothing at {request.url.path}.", code="route_not_found")
        elif exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            error = MethodNotAllowed(
                f"{request.method} is not allowed on {request.url.path}; it allows {allowed}.",
                headers={"Allow": allowed},  # RFC 9110: a 405 names the methods it has
            )
        elif exc.status_code == 400:  # the framework could not read the body
            error = MalformedRequest(str(exc.detail))
        else:
            log.error("unexpected_http_exception", status=exc.status_code, path=request.url.path)
            error = InternalError("An unexpected error occurred; it has been logged.")
        return render_problem(error, request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return render_problem(
            InternalError("An unexpected error occurred; it has been logged."),
            request.url.path,
        )

    app.add_exception_handler(GatewayError, on_gateway_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


PROBLEM_CODES = "x-problem-codes"
"""Carries an operation's problem codes from its route to the OpenAPI document's builder."""


def problem_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problem codes an operation can answer with.

    The app's OpenAPI document (:mod:`api.openapi`) turns each into a problem+json response that
    lists exactly these codes, adding the ones every operation shares (limits, auth).
    """
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(BY_CODE[code].status, []).append(code)
    return {
        status: {
            "description": status_description(status, listed),
            "model": Problem,
            PROBLEM_CODES: listed,
        }
        for status, listed in by_status.items()
    }
