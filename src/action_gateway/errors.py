"""The gateway's error family; ``api/problems.py`` renders each as RFC 9457 problem+json.

    GatewayError                      status  code
    ├── ValidationFailed               422    validation_error
    ├── MalformedRequest               400    malformed_request
    ├── NotFound                       404    not_found (connection_not_found, ...)
    ├── ActionDisabled                 403    action_disabled
    ├── Unauthenticated                401    unauthenticated     (+ WWW-Authenticate)
    ├── Forbidden                      403    forbidden (connection_forbidden, action_forbidden)
    │   └── ApprovalRequired           403    approval_required   (+ ceiling, amount)
    ├── ActionNotSupported             422    action_not_supported
    ├── NotEligible                    409    not_eligible
    ├── IdempotencyKeyMissing          400    idempotency_key_missing
    ├── IdempotencyKeyReused           422    idempotency_key_reused
    ├── IdempotencyRequestInFlight     409    idempotency_request_in_flight
    ├── PlatformRejected               422    platform_rejected   (the platform's own messages)
    │   └── DiscountCodeTaken          409    discount_code_taken
    ├── RefundExceedsRefundable        422    refund_exceeds_refundable (checked before sending)
    ├── AmountPrecision                422    amount_precision    (+ currency, allowed_decimals)
    ├── UpstreamError                  502    upstream_error      (+ outcome)
    │   ├── UpstreamUnavailable        503    upstream_unavailable
    │   ├── UpstreamRateLimited        503    upstream_rate_limited (+ Retry-After)
    │   └── UpstreamAuthFailed         502    upstream_auth_failed
    ├── RequestBodyTooLarge            413    request_body_too_large
    ├── UnsupportedMediaType           415    unsupported_media_type
    ├── MethodNotAllowed               405    method_not_allowed  (+ Allow)
    ├── RequestHeadersTooLarge         431    request_headers_too_large
    ├── RateLimited                    429    rate_limited        (+ Retry-After)
    ├── DeadlineExceeded               504    deadline_exceeded   (+ outcome)
    └── InternalError                  500    internal_error      (+ outcome, from the action flow)

Route code raises these; nothing else builds an error response.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:action-gateway:problem:"


class Outcome(StrEnum):
    """Whether a failed action may have happened on the platform."""

    NOT_EXECUTED = "not_executed"
    UNKNOWN = "unknown"


class PlatformMessage(BaseModel):
    """One message from the platform, verbatim."""

    message: str
    field: list[str] | None = None
    code: str | None = None


class FieldError(BaseModel):
    loc: list[str]
    message: str
    type: str | None = None


class GatewayError(Exception):
    """Base of every error the gateway reports to a caller."""

    status: int = 500
    code: str = "internal_error"
    title: str = "Internal error"
    write_sent: bool = False
    """Set by the action flow: a state-changing request of the action had left for the platform
    (answered or not) before this was raised. Not rendered; it decides whether the answer is kept
    against the Idempotency-Key (api/routes/actions.py)."""

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.instance_code = code or self.code
        self.headers = dict(headers or {})
        self.extensions = {k: v for k, v in extensions.items() if v is not None}


class ValidationFailed(GatewayError):
    status = 422
    code = "validation_error"
    title = "The request is not valid"


class MalformedRequest(GatewayError):
    status = 400
    code = "malformed_request"
    title = "The request could not be read"


class NotFound(GatewayError):
    status = 404
    code = "not_found"
    title = "Not found"


class ActionDisabled(GatewayError):
    status = 403
    code = "action_disabled"
    title = "The action is disabled for this connection"


class Forbidden(GatewayError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class Unauthenticated(GatewayError):
    status = 401
    code = "unauthenticated"
    title = "The caller is not authenticated"


class ApprovalRequired(Forbidden):
    code = "approval_required"
    title = "The refund is above the agent's ceiling and needs approval"


class ActionNotSupported(GatewayError):
    status = 422
    code = "action_not_supported"
    title = "The platform does not support this action"


class NotEligible(GatewayError):
    status = 409
    code = "not_eligible"
    title = "The action is not available in the resource's current state"


class IdempotencyKeyMissing(GatewayError):
    status = 400
    code = "idempotency_key_missing"
    title = "An Idempotency-Key header is required"


class IdempotencyKeyReused(GatewayError):
    status = 422
    code = "idempotency_key_reused"
    title = "The Idempotency-Key was used with a different request"


class IdempotencyRequestInFlight(GatewayError):
    status = 409
    code = "idempotency_request_in_flight"
    title = "A request with this Idempotency-Key is still running"


class PlatformRejected(GatewayError):
    status = 422
    code = "platform_rejected"
    title = "The platform refused the action"


class RefundExceedsRefundable(GatewayError):
    status = 422
    code = "refund_exceeds_refundable"
    title = "The refund asks for more than the platform says is refundable"


class AmountPrecision(GatewayError):
    status = 422
    code = "amount_precision"
    title = "The amount has more decimals than its currency"


class StoreCreditCurrencyNotSupported(ValidationFailed):
    code = "store_credit_currency_not_supported"
    title = "The platform holds no store credit in this currency"


class DiscountCodeTaken(PlatformRejected):
    status = 409
    code = "discount_code_taken"
    title = "The discount code is already in use"


class UpstreamError(GatewayError):
    status = 502
    code = "upstream_error"
    title = "The platform answered with an error"


class UpstreamUnavailable(UpstreamError):
    status = 503
    code = "upstream_unavailable"
    title = "The platform could not be reached"


class UpstreamRateLimited(UpstreamError):
    status = 503
    code = "upstream_rate_limited"
    title = "The platform is rate limiting this connection"


class UpstreamAuthFailed(UpstreamError):
    status = 502
    code = "upstream_auth_failed"
    title = "The platform refused the connection's credentials"


class EarlierAttemptUnknown(GatewayError):
    """An earlier attempt of the same request (same Idempotency-Key) stopped without answering,
    and the platform cannot show whether it acted: nothing is sent again."""

    status = 409
    code = "earlier_attempt_unknown"
    title = "An earlier attempt of this request may have acted"


class DeadlineExceeded(GatewayError):
    status = 504
    code = "deadline_exceeded"
    title = "The action did not complete within its deadline"


class InternalError(GatewayError):
    """A bug, reported without internals; the details go to the log, never to the caller.

    From the action flow, ``outcome`` says whether the platform may have acted.
    """

    status = 500
    code = "internal_error"
    title = "Internal error"


class RequestBodyTooLarge(GatewayError):
    status = 413
    code = "request_body_too_large"
    title = "The request body is too large"


class UnsupportedMediaType(GatewayError):
    status = 415
    code = "unsupported_media_type"
    title = "The request body must be JSON"


class MethodNotAllowed(GatewayError):
    status = 405
    code = "method_not_allowed"
    title = "The method is not allowed on this path"


class RequestHeadersTooLarge(GatewayError):
    status = 431
    code = "request_headers_too_large"
    title = "The request header fields are too large"


class RateLimited(GatewayError):
    status = 429
    code = "rate_limited"
    title = "Too many requests from this caller"

    def __init__(self, retry_after: float, detail: str | None = None) -> None:
        headers, whole = retry_after_headers(retry_after)
        super().__init__(
            detail or f"The caller's request budget is spent; retry in {whole} s.",
            headers=headers,
            retry_after=whole,
        )


def retry_after_headers(seconds: float | None) -> tuple[dict[str, str], int | None]:
    """Retry-After as whole seconds (RFC 9110 delay-seconds), never below one."""
    if seconds is None:
        return {}, None
    whole = max(1, math.ceil(seconds))
    return {"Retry-After": str(whole)}, whole
