"""Every problem type the gateway answers with, documented once.

The OpenAPI document lists them under ``components.examples`` (one per problem ``code``); each
operation documents, per HTTP status, only the codes it can answer with, referring to those
examples. A test checks that every ``code`` the source can raise is listed here with its status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from action_gateway.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    title: str
    when: str


PROBLEM_TYPES: tuple[ProblemType, ...] = (
    ProblemType("malformed_request", 400, "The request could not be read",
                "The body is not strict JSON (unreadable, duplicate keys, NaN), a header is "
                "malformed, or a query parameter is repeated."),
    ProblemType("idempotency_key_missing", 400, "Idempotency-Key is required",
                "POST /v1/actions was sent without an Idempotency-Key (previews need none)."),
    ProblemType("idempotency_key_invalid", 400, "The Idempotency-Key is not valid",
                "The key is not 1-255 visible ASCII characters (bare, or quoted)."),
    ProblemType("unauthenticated", 401, "The caller is not authenticated",
                "No `Authorization: Bearer <key>`, or a key no caller has (see WWW-Authenticate); "
                "without configured callers, a request from a peer that is not on loopback."),
    ProblemType("connection_forbidden", 403, "Not allowed",
                "The connection is outside the caller's scopes."),
    ProblemType("action_forbidden", 403, "Not allowed",
                "The action is outside the caller's scopes (a read-only caller performs none)."),
    ProblemType("role_not_allowed", 403, "Not allowed",
                "None of the agent's roles may perform this action on this connection."),
    ProblemType("action_disabled", 403, "The action is disabled for this connection",
                "The connection's configuration switches the action off."),
    ProblemType("approval_required", 403,
                "The refund is above the agent's ceiling and needs approval",
                "The refund the platform computed is above the agent's refund ceiling; nothing "
                "was refunded. `ceiling`, `amount` and `currency` say by how much."),
    ProblemType("forbidden", 403, "Not allowed", "Any other refusal on authority grounds."),
    ProblemType("connection_not_found", 404, "Not found",
                "No connection with this id (or not of the kind the operation needs)."),
    ProblemType("order_not_found", 404, "Not found", "The platform has no such order."),
    ProblemType("customer_not_found", 404, "Not found", "The platform has no such customer."),
    ProblemType("subscription_not_found", 404, "Not found",
                "The platform has no such subscription."),
    ProblemType("platform_not_found", 404, "Not found", "No platform with this name."),
    ProblemType("route_not_found", 404, "Not found", "Nothing is served at this path."),
    ProblemType("not_found", 404, "Not found", "Any other missing resource."),
    ProblemType("method_not_allowed", 405, "The method is not allowed on this path",
                "The path exists but not with this method; `Allow` lists the methods it has."),
    ProblemType("not_eligible", 409, "The action is not allowed in the current state",
                "The eligibility matrix refuses the action; `current_state` and "
                "`allowed_actions` say why and what is possible."),
    ProblemType("idempotency_request_in_flight", 409, "A request with this key is in flight",
                "The first request with this Idempotency-Key is still running; retry after "
                "Retry-After."),
    ProblemType("earlier_attempt_unknown", 409, "An earlier attempt of this request may have acted",
                "An earlier attempt with this Idempotency-Key stopped without answering (its "
                "process died) and the platform cannot show whether it acted; nothing was sent "
                "again (`outcome: unknown`)."),
    ProblemType("discount_code_taken", 409, "The discount code already exists",
                "The platform already has a discount with this code."),
    ProblemType("request_body_too_large", 413, "The request body is too large",
                "The body is over the configured limit (64 KiB by default)."),
    ProblemType("unsupported_media_type", 415, "The request body must be JSON",
                "The body came without `Content-Type: application/json` (or a `+json` type)."),
    ProblemType("validation_error", 422, "The request is not valid",
                "A field is missing or invalid; `errors` lists each one."),
    ProblemType("action_not_supported", 422, "The action is not available on this platform",
                "The connection's platform (or its adapter) has no such action."),
    ProblemType("idempotency_key_reused", 422, "The Idempotency-Key was used for another request",
                "The same key came with a different body; use a new key per logical action."),
    ProblemType("platform_rejected", 422, "The platform refused the action",
                "The platform said no; its own messages are in `platform_errors`, verbatim."),
    ProblemType("refund_exceeds_refundable", 422,
                "The refund asks for more than the platform says is refundable",
                "Checked against the platform's own computation before anything is sent."),
    ProblemType("store_credit_currency_not_supported", 422,
                "The platform holds no store credit in this currency",
                "BigCommerce keeps store credit in the store's default currency only; the "
                "answer names it. Nothing is sent."),
    ProblemType("amount_precision", 422, "The amount has more decimals than its currency",
                "A money input is finer than its currency's minor units (ISO 4217: USD 2, JPY 0, "
                "KWD 3); `currency` and `allowed_decimals` say what is allowed. Nothing is sent."),
    ProblemType("rate_limited", 429, "Too many requests from this caller",
                "The caller's rate limit is spent; retry after Retry-After."),
    ProblemType("request_headers_too_large", 431, "The request headers are too large",
                "The headers are over the configured limit (16 KiB by default)."),
    ProblemType("internal_error", 500, "Internal error",
                "A bug; logged with the request id, no internals disclosed. `outcome` says "
                "whether an action may have run."),
    ProblemType("upstream_error", 502, "The platform answered with an error",
                "The platform failed; `outcome` says whether the action may have run."),
    ProblemType("upstream_auth_failed", 502, "The platform refused the connection's credentials",
                "The connection's token is wrong, revoked or lacks a permission."),
    ProblemType("upstream_unavailable", 503, "The platform could not be reached",
                "Connection failures or 5xx after retries; `outcome` and Retry-After say more."),
    ProblemType("upstream_rate_limited", 503, "The platform is rate limiting this connection",
                "The platform's own limit (429 / THROTTLED) outlasted the deadline."),
    ProblemType("upstream_circuit_open", 503, "The platform could not be reached",
                "The connection failed repeatedly; requests are paused until Retry-After."),
    ProblemType("idempotency_store_unavailable", 503, "The idempotency store is unavailable",
                "Redis cannot be reached, so no action runs unguarded; retry after Retry-After."),
    ProblemType("deadline_exceeded", 504, "The action did not complete within its deadline",
                "The deadline ran out; `outcome` says whether the action may have run."),
)  # fmt: skip
"""The framework's own refusals (404, 405, an unreadable body) map to these codes too."""

BY_CODE = {problem.code: problem for problem in PROBLEM_TYPES}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}},
    405: {"Allow": {"$ref": "#/components/headers/Allow"}},
    409: {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
    429: {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
    503: {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
}
COMPONENT_HEADERS: dict[str, Any] = {
    "X-Request-Id": {
        "description": "The request's id: the caller's X-Request-Id when usable, else generated. "
        "Quoted in problems and on every log line.",
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": 'The authentication scheme: `Bearer realm="action-gateway"`.',
        "schema": {"type": "string"},
    },
    "Allow": {
        "description": "The methods the path has (RFC 9110).",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier request with the "
        "same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}

UPSTREAM_CODES = (
    "upstream_error",
    "upstream_auth_failed",
    "upstream_unavailable",
    "upstream_rate_limited",
    "upstream_circuit_open",
    "deadline_exceeded",
)
"""What a call to a platform can fail with, read or write."""
CALLER_CODES = frozenset({"connection_forbidden", "action_forbidden", "rate_limited"})
"""Answered only when the config names callers (scopes and rate limits are theirs)."""


def example_ref(code: str) -> dict[str, str]:
    return {"$ref": f"#/components/examples/{code}"}


def component_examples() -> dict[str, Any]:
    """The whole catalog, one example per problem code (operations refer to theirs)."""
    return {
        p.code: {
            "summary": p.when,
            "value": {
                "type": f"{PROBLEM_TYPE_PREFIX}{p.code}",
                "title": p.title,
                "status": p.status,
                "code": p.code,
                "detail": p.when,
                "request_id": "7c1f0a9e-5d3b-4f7a-9a51-2b0f3c8d6e41",
            },
        }
        for p in PROBLEM_TYPES
    }


def status_description(status: int, codes: Iterable[str]) -> str:
    """``Not Found: `connection_not_found`, `order_not_found```: what a status may carry."""
    return f"{HTTPStatus(status).phrase}: " + ", ".join(f"`{code}`" for code in codes)


def problem_answers(codes: Iterable[str]) -> dict[str, Any]:
    """OpenAPI responses, one per status, documenting exactly ``codes`` (catalog order)."""
    wanted = set(codes)
    unknown = wanted - set(BY_CODE)
    if unknown:
        raise ValueError(f"not in the problem catalog: {sorted(unknown)}")
    answers: dict[str, Any] = {}
    for status in sorted({BY_CODE[code].status for code in wanted}):
        listed = [p.code for p in PROBLEM_TYPES if p.status == status and p.code in wanted]
        answers[str(status)] = {
            "description": status_description(status, listed),
            "headers": {
                "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
                **_HEADERS.get(status, {}),
            },
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "examples": {code: example_ref(code) for code in listed},
                }
            },
        }
    return answers
