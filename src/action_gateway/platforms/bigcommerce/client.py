"""BigCommerceClient: the one place REST V2/V3 requests are sent and their failures read.

Failure layers, in the order they are checked:

    HTTP 401 / 403                  UpstreamAuthFailed (bad token, missing scope, wrong store hash)
    HTTP 404                        NotFound (the adapter turns it into ``None`` for reads)
    HTTP 429                        retried within the deadline, then UpstreamRateLimited
    HTTP 5xx                        retried per request kind, then UpstreamUnavailable/UpstreamError
    HTTP 400 / 409 / 422            PlatformRejected (409: the endpoint's conflict error)
    any other non-2xx               UpstreamError
    HTTP 204, empty body            ``[]`` for V2 lists, ``None`` otherwise
    2xx body not JSON               UpstreamError
Error bodies differ by API family (V2 array, V3 object, V3 ``data``-wrapped, Promotions
``errors`` list); every message travels verbatim as a ``PlatformMessage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from action_gateway.config import ConnectionConfig
from action_gateway.errors import (
    NotFound,
    Outcome,
    PlatformMessage,
    PlatformRejected,
    UpstreamAuthFailed,
    UpstreamError,
)
from action_gateway.platforms._http import (
    DEFAULT_RETRY_POLICY,
    RequestKind,
    RetryPolicy,
    TransientFailure,
    UpstreamRequest,
    parse_retry_after,
    send,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.bigcommerce.endpoints import Endpoint

PLATFORM = "bigcommerce"
TOKEN_HEADER = "X-Auth-Token"
RESET_MS_HEADER = "X-Rate-Limit-Time-Reset-Ms"
RETRY_AFTER_HEADER = "X-Retry-After"
REJECTED_STATUSES = frozenset({400, 409, 422})

Query = Mapping[str, str | int]


class BigCommerceClient:
    """Sends REST requests for one connection through the shared chokepoint.

    ``http`` carries the base URL (``api_base_url`` or ``https://api.bigcommerce.com/stores/{hash}``);
    every path here starts with ``/v2`` or ``/v3``.
    """

    def __init__(
        self,
        connection: ConnectionConfig,
        http: httpx.AsyncClient,
        *,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    ) -> None:
        self.connection = connection
        self.http = http
        self.policy = policy
        self.store_hash = connection.store_hash or ""

    async def request(
        self,
        endpoint: Endpoint,
        *,
        call: ActionCall,
        path: Mapping[str, str | int] | None = None,
        query: Query | None = None,
        json: Any = None,
        reserve: float = 0.0,
    ) -> Any:
        """Send ``endpoint``, answer its parsed JSON body; raises only GatewayError subclasses."""
        url = endpoint.url(**(path or {}))
        if query:
            # BigCommerce documents its filters with literal `:` and `,` (`email:in=a,b`).
            url = f"{url}?{urlencode(query, safe=':,')}"
        # The token is read at send time and only ever travels in the (never logged) headers.
        headers = {
            TOKEN_HEADER: self.connection.token.get_secret_value(),
            "Accept": "application/json",
        }
        if json is not None:
            headers["Content-Type"] = "application/json"
        request = UpstreamRequest(
            platform=PLATFORM,
            connection=self.connection.id,
            operation=endpoint.name,
            kind=endpoint.kind,
            method=endpoint.method,
            url=url,
            headers=headers,
            json=json,
        )
        return await send(
            self.http,
            request,
            call=call,
            interpret=lambda response: interpret_response(response, endpoint=endpoint),
            policy=self.policy,
            reserve=reserve,
        )


def interpret_response(response: httpx.Response, *, endpoint: Endpoint) -> Any:
    """The parsed body of a successful answer, or the exception its failure layer maps to."""
    status = response.status_code
    body = _json_or_none(response)
    messages = platform_messages(body)
    summary = "; ".join(m.message for m in messages)
    where = f"{endpoint.method} {endpoint.path}"
    if status in (401, 403):
        raise UpstreamAuthFailed(
            f"BigCommerce refused the connection's access token (HTTP {status})"
            + (f": {summary}" if summary else ""),
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if status == 404:
        raise NotFound(
            f"BigCommerce answered 404 for {where}" + (f": {summary}" if summary else ""),
            platform_errors=messages,
        )
    if status == 429:
        raise TransientFailure(
            "BigCommerce is rate limiting this store (HTTP 429)",
            status=status,
            rate_limited=True,
            retry_after=rate_limit_wait(response),
            platform_errors=messages,
        )
    if status >= 500:
        raise TransientFailure(
            f"BigCommerce answered HTTP {status}" + (f": {summary}" if summary else ""),
            status=status,
            rate_limited=False,
            retry_after=rate_limit_wait(response),
            platform_errors=messages,
        )
    if status in REJECTED_STATUSES:
        error_cls = endpoint.on_conflict if status == 409 else PlatformRejected
        raise error_cls(
            f"BigCommerce refused {where} (HTTP {status})" + (f": {summary}" if summary else ""),
            platform_errors=messages or [PlatformMessage(message=f"HTTP {status}")],
        )
    if not 200 <= status < 300:
        raise UpstreamError(
            f"BigCommerce answered HTTP {status} for {where}",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if not response.content.strip():
        # V2 answers a list filter that matches nothing with 204 and no body at all.
        return [] if endpoint.empty_list_on_204 else None
    if body is None:
        raise UpstreamError(
            f"BigCommerce answered {where} with a body that is not JSON",
            outcome=_outcome(endpoint.kind),
        )
    return body


def _outcome(kind: RequestKind) -> Outcome:
    return Outcome.UNKNOWN if kind.is_write else Outcome.NOT_EXECUTED


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return None


def platform_messages(body: Any) -> list[PlatformMessage]:
    """Every message in a BigCommerce error body, verbatim, whatever its API family's shape.

    V2: ``[{status, message}]``; V3: ``{status, title, type, errors: {field: msg}}``;
    V3 refunds: ``{data: [{status, title | error}]}``; Promotions: ``{errors: [{status, title}]}``,
    ``{status, title, detail}`` (400) and ``{status, title, error}`` (403).
    """
    if isinstance(body, list):
        return [message for item in body for message in _item_messages(item)]
    if not isinstance(body, dict):
        return []
    messages = _item_messages(body)
    errors = body.get("errors")
    if isinstance(errors, dict):
        messages.extend(
            PlatformMessage(message=str(text), field=[str(name)]) for name, text in errors.items()
        )
    elif isinstance(errors, list):
        messages.extend(message for item in errors for message in _item_messages(item))
    data = body.get("data")
    if isinstance(data, list):
        messages.extend(message for item in data for message in _item_messages(item))
    return messages


def _item_messages(item: Any) -> list[PlatformMessage]:
    if isinstance(item, str):
        return [PlatformMessage(message=item)]
    if not isinstance(item, dict):
        return []
    code = str(item["status"]) if item.get("status") is not None else None
    return [
        PlatformMessage(message=str(item[key]), code=code)
        for key in ("message", "title", "detail", "error")
        if isinstance(item.get(key), str) and item[key]
    ]


def rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds to wait: ``X-Rate-Limit-Time-Reset-Ms`` (milliseconds) or ``X-Retry-After``."""
    reset_ms = response.headers.get(RESET_MS_HEADER)
    if reset_ms:
        try:
            return max(0.0, float(reset_ms) / 1000)
        except ValueError:
            pass
    return parse_retry_after(
        response.headers.get(RETRY_AFTER_HEADER) or response.headers.get("Retry-After")
    )
