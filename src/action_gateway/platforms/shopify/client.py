"""ShopifyClient: the one place requests to the GraphQL Admin API are sent and their failures read.

Failure layers, in the order they are checked:

    HTTP 401 / 403                  UpstreamAuthFailed
    HTTP 402 (frozen) / 423 (locked) PlatformRejected, the body's message verbatim
    HTTP 404                        UpstreamError "shop or API version not found"
    HTTP 429                        retried, then UpstreamRateLimited (+ Retry-After)
    HTTP 5xx                        retried per request kind, then UpstreamUnavailable/UpstreamError
    body not JSON                   UpstreamError
    errors[] THROTTLED              retried (a throttled mutation did not run), then rate limited
    errors[] ACCESS_DENIED          UpstreamAuthFailed naming the missing access
    errors[] anything else          UpstreamError, messages verbatim
Mutation ``userErrors`` are the adapter's to read (their shape differs per mutation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from action_gateway.errors import (
    Outcome,
    PlatformMessage,
    PlatformRejected,
    UpstreamAuthFailed,
    UpstreamError,
)
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms._http import (
    DEFAULT_RETRY_POLICY,
    RequestKind,
    RetryPolicy,
    TransientFailure,
    UpstreamRequest,
    decode_json,
    parse_retry_after,
    send,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify.operations import Operation
from action_gateway.platforms.shopify.settings import DEFAULT_API_VERSION, ShopifySettings
from action_gateway.platforms.spec import PlatformConnection

PLATFORM = "shopify"
TOKEN_HEADER = "X-Shopify-Access-Token"


class ShopifyClient:
    """Sends GraphQL operations for one connection through the shared chokepoint."""

    def __init__(
        self,
        connection: PlatformConnection,
        http: httpx.AsyncClient,
        *,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        breakers: CircuitBreakers | None = None,
    ) -> None:
        self.connection = connection
        self.http = http
        self.policy = policy
        # The app's breakers; a client built on its own (tests) gets its own.
        self.breakers = breakers if breakers is not None else CircuitBreakers()
        self.api_version = connection.api_version or DEFAULT_API_VERSION
        self.shop = ShopifySettings.of(connection).shop or ""
        base = connection.api_base_url or f"https://{self.shop}"
        self.endpoint = f"{base}/admin/api/{self.api_version}/graphql.json"

    async def execute(
        self,
        operation: Operation,
        variables: Mapping[str, Any],
        *,
        call: ActionCall,
        reserve: float = 0.0,
    ) -> dict[str, Any]:
        """Run ``operation`` and answer its ``data``; raises only GatewayError subclasses.

        ``reserve`` seconds of the call's budget are left unused for the caller's own work.
        """
        request = UpstreamRequest(
            platform=PLATFORM,
            connection=self.connection.id,
            operation=operation.name,
            kind=operation.kind,
            method="POST",
            url=self.endpoint,
            headers={
                TOKEN_HEADER: self.connection.token.get_secret_value(),
                "Accept": "application/json",
            },
            json={
                "query": operation.document,
                "variables": dict(variables),
                "operationName": operation.name,
            },
        )
        return await send(
            self.http,
            request,
            call=call,
            interpret=lambda response: interpret_response(response, kind=operation.kind),
            policy=self.policy,
            reserve=reserve,
            breakers=self.breakers,
        )


def interpret_response(response: httpx.Response, *, kind: RequestKind) -> dict[str, Any]:
    """The ``data`` of a successful answer, or the exception its failure layer maps to."""
    status = response.status_code
    body = _json_or_none(response)
    if status in (401, 403):
        raise UpstreamAuthFailed(
            f"Shopify refused the connection's access token (HTTP {status})",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=_messages(body),
        )
    if status in (402, 423):
        messages = _messages(body) or [PlatformMessage(message=f"HTTP {status}")]
        state = "frozen (unpaid)" if status == 402 else "locked"
        raise PlatformRejected(
            f"the shop is {state}: " + "; ".join(m.message for m in messages),
            platform_errors=messages,
        )
    if status == 404:
        raise UpstreamError(
            "Shopify answered 404: shop or API version not found",
            outcome=Outcome.NOT_EXECUTED,
        )
    if status == 429:
        raise TransientFailure(
            "Shopify is rate limiting this connection (HTTP 429)",
            status=status,
            rate_limited=True,
            retry_after=_max_wait(_header_wait(response), _throttle_wait(body)),
            platform_errors=_messages(body),
        )
    if status >= 500:
        raise TransientFailure(
            f"Shopify answered HTTP {status}",
            status=status,
            rate_limited=False,
            retry_after=_header_wait(response),
            platform_errors=_messages(body),
        )
    if not 200 <= status < 300:
        raise UpstreamError(
            f"Shopify answered HTTP {status}",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=_messages(body),
        )
    if not isinstance(body, dict):
        raise UpstreamError(
            "Shopify answered with a body that is not a JSON object",
            outcome=_outcome(kind, may_have_executed=True),
        )
    if body.get("errors"):
        raise _top_level_error(response, body, kind)
    data = body.get("data")
    if not isinstance(data, dict):
        raise UpstreamError(
            "Shopify answered without data", outcome=_outcome(kind, may_have_executed=True)
        )
    return data


def _top_level_error(
    response: httpx.Response, body: dict[str, Any], kind: RequestKind
) -> Exception:
    errors = body["errors"]
    messages = _messages(body)
    codes = {m.code for m in messages}
    summary = "; ".join(m.message for m in messages)
    if "THROTTLED" in codes:
        # A throttled request was refused before it ran, mutations included.
        return TransientFailure(
            "Shopify throttled the request (query cost over the available budget)",
            status=response.status_code,
            rate_limited=True,
            retry_after=_max_wait(_header_wait(response), _throttle_wait(body)),
            platform_errors=messages,
        )
    if "ACCESS_DENIED" in codes:
        required = [
            str(error["extensions"]["requiredAccess"])
            for error in errors
            if isinstance(error, dict) and (error.get("extensions") or {}).get("requiredAccess")
        ]
        detail = "the connection's access token lacks a permission Shopify requires"
        return UpstreamAuthFailed(
            f"{detail}: {'; '.join(required) or summary}",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if "INTERNAL_SERVER_ERROR" in codes:
        return TransientFailure(
            f"Shopify failed while running the request: {summary}",
            status=response.status_code,
            rate_limited=False,
            platform_errors=messages,
        )
    data = body.get("data")
    # Partial data from a mutation means it ran before a later field failed.
    ran = isinstance(data, dict) and any(value is not None for value in data.values())
    return UpstreamError(
        f"Shopify rejected the request: {summary}",
        outcome=_outcome(kind, may_have_executed=ran),
        platform_errors=messages,
    )


def _outcome(kind: RequestKind, *, may_have_executed: bool) -> Outcome:
    return Outcome.UNKNOWN if kind.is_write and may_have_executed else Outcome.NOT_EXECUTED


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return decode_json(response)
    except ValueError:
        return None


def _messages(body: Any) -> list[PlatformMessage]:
    """Top-level ``errors`` verbatim: a list of GraphQL errors, or a REST-style string/object."""
    if not isinstance(body, dict):
        return []
    errors = body.get("errors")
    if isinstance(errors, str):
        return [PlatformMessage(message=errors)]
    if isinstance(errors, dict):
        return [
            PlatformMessage(message=f"{key}: {value}", field=[str(key)])
            for key, value in errors.items()
        ]
    if not isinstance(errors, list):
        return []
    messages = []
    for error in errors:
        if not isinstance(error, dict):
            messages.append(PlatformMessage(message=str(error)))
            continue
        extensions = error.get("extensions") or {}
        path = error.get("path")
        messages.append(
            PlatformMessage(
                message=str(error.get("message", "")),
                field=[str(part) for part in path] if path else None,
                code=extensions.get("code"),
            )
        )
    return messages


def _header_wait(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


def _throttle_wait(body: Any) -> float | None:
    """Seconds until the bucket holds the query's cost: (requested - available) / restore rate."""
    if not isinstance(body, dict):
        return None
    cost = (body.get("extensions") or {}).get("cost") or {}
    throttle = cost.get("throttleStatus") or {}
    try:
        requested = float(cost["requestedQueryCost"])
        available = float(throttle["currentlyAvailable"])
        restore_rate = float(throttle["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if restore_rate <= 0:
        return None
    return max(0.0, (requested - available) / restore_rate)


def _max_wait(*waits: float | None) -> float | None:
    known = [wait for wait in waits if wait is not None]
    return max(known) if known else None
