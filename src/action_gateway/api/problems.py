"""The one renderer of errors: every failure leaves as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from action_gateway.api.problem_catalog import status_description
from action_gateway.api.request_context import current_request_id
from action_gateway.errors import (
    PROBLEM_MEDIA_TYPE,
    FieldError,
    GatewayError,
    MalformedRequest,
    NotFound,
    Problem,
    ValidationFailed,
    retry_after_headers,
)

log = structlog.get_logger(__name__)


class InternalServerError(GatewayError):
    """Anything unexpected; the details go to the log, never to the caller."""


def render_problem(exc: GatewayError, instance: str | None) -> JSONResponse:
    problem = exc.to_problem(instance)
    problem.request_id = current_request_id()
    headers = dict(exc.headers)
    if problem.retry_after is not None and "Retry-After" not in headers:
        headers.update(retry_after_headers(problem.retry_after)[0])
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=exc.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _validation_error(exc: RequestValidationError) -> GatewayError:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return MalformedRequest("The request body is not valid JSON.")
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
        else:
            error = _HTTPProblem(exc.status_code, str(exc.detail))
        error.headers.update(exc.headers or {})  # e.g. Allow on 405 (RFC 9110)
        return render_problem(error, request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return render_problem(
            InternalServerError("An unexpected error occurred; it has been logged."),
            request.url.path,
        )

    app.add_exception_handler(GatewayError, on_gateway_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


class _HTTPProblem(GatewayError):
    """The framework's own HTTP errors (405, 413, ...), with their status kept."""

    title = "HTTP error"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail, code=f"http_{status}")
        self.status = status


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the given statuses.

    The app's OpenAPI document replaces each with a reference to the one documented response of
    its status (:mod:`api.problem_catalog`); the description here is the same text.
    """
    return {
        status: {
            "description": status_description(status),
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
