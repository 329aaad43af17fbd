"""RechargeClient: the one place Recharge (API 2021-11) requests are sent and their failures read.

Failure layers, in the order they are checked:

    HTTP 401 / 403                  UpstreamAuthFailed (bad or revoked token, missing scope)
    HTTP 404                        NotFound (the adapter turns it into ``None`` for reads)
    HTTP 429                        retried within the deadline, then UpstreamRateLimited
    HTTP 5xx                        retried per request kind, then UpstreamUnavailable/UpstreamError
    HTTP 400 / 422                  PlatformRejected (422: validation, e.g. a charge not queued)
    any other non-2xx               UpstreamError
    2xx with an empty body          ``None``
    2xx body not JSON               UpstreamError
Error bodies carry an ``errors`` member whose shape is UNCONFIRMED (a string, a list, or a field
map); every message travels verbatim as a ``PlatformMessage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from action_gateway.config import RECHARGE_API_VERSION, ConnectionConfig
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
from action_gateway.platforms.recharge.endpoints import Endpoint

PLATFORM = "recharge"
TOKEN_HEADER = "X-Recharge-Access-Token"
VERSION_HEADER = "X-Recharge-Version"
API_VERSION = RECHARGE_API_VERSION
REJECTED_STATUSES = frozenset({400, 422})

Query = Mapping[str, str | int]


class RechargeClient:
    """Sends Recharge requests for one connection through the shared chokepoint.

    ``http`` carries the base URL (``api_base_url`` or ``https://api.rechargeapps.com``).
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
        """Send ``endpoint``, answer its parsed JSON body; raises only GatewayError subclasses.

        ``reserve`` seconds of the call's budget are kept back for the caller's own work.
        """
        url = endpoint.url(**(path or {}))
        if query:
            url = f"{url}?{urlencode(query)}"
        # The token is read at send time and only ever travels in the (never logged) headers.
        headers = {
            TOKEN_HEADER: self.connection.token.get_secret_value(),
            # Without the version header Recharge answers in the token's default version, whose
            # field names, status case and skip body differ quietly.
            VERSION_HEADER: API_VERSION,
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
    suffix = f": {summary}" if summary else ""
    where = f"{endpoint.method} {endpoint.path}"
    if status in (401, 403):
        raise UpstreamAuthFailed(
            f"Recharge refused the connection's access token (HTTP {status}){suffix}",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if status == 404:
        raise NotFound(f"Recharge answered 404 for {where}{suffix}", platform_errors=messages)
    if status == 429:
        # Leaky bucket per token (40 deep, drains 2/s); a Retry-After header is UNCONFIRMED, so
        # without one the chokepoint's backoff applies.
        raise TransientFailure(
            "Recharge is rate limiting this token (HTTP 429)",
            status=status,
            rate_limited=True,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            platform_errors=messages,
        )
    if status >= 500:
        raise TransientFailure(
            f"Recharge answered HTTP {status}{suffix}",
            status=status,
            rate_limited=False,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            platform_errors=messages,
        )
    if status in REJECTED_STATUSES:
        raise PlatformRejected(
            f"Recharge refused {where} (HTTP {status}){suffix}",
            platform_errors=messages or [PlatformMessage(message=f"HTTP {status}")],
        )
    if not 200 <= status < 300:
        raise UpstreamError(
            f"Recharge answered HTTP {status} for {where}{suffix}",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if not response.content.strip():
        return None
    if body is None:
        raise UpstreamError(
            f"Recharge answered {where} with a body that is not JSON",
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
    """Every message in a Recharge error body, verbatim.

    The ``errors`` member's shape is UNCONFIRMED: a string, a list (of strings or objects), or a
    field map whose values are strings, lists or nested maps are all read. A bare ``error`` or
    ``message`` string is read too (older API versions).
    """
    if isinstance(body, str):
        return [PlatformMessage(message=body)] if body.strip() else []
    if isinstance(body, list):
        return _messages(body, [])
    if not isinstance(body, dict):
        return []
    messages: list[PlatformMessage] = []
    for key in ("error", "message"):
        if isinstance(body.get(key), str) and body[key].strip():
            messages.append(PlatformMessage(message=body[key]))
    if "errors" in body:
        messages.extend(_messages(body["errors"], []))
    return messages


def _messages(value: Any, field: list[str]) -> list[PlatformMessage]:
    at = field or None
    if isinstance(value, str):
        return [PlatformMessage(message=value, field=at)] if value.strip() else []
    if isinstance(value, (int, float, bool)):
        return [PlatformMessage(message=str(value), field=at)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item, field)]
    if not isinstance(value, dict):
        return []
    texts = [
        str(value[key])
        for key in ("message", "title", "detail", "error", "description")
        if isinstance(value.get(key), str) and value[key].strip()
    ]
    if texts:
        code = value.get("code") if value.get("code") is not None else value.get("status")
        named = value.get("field") or value.get("param")
        return [
            PlatformMessage(
                message=text,
                field=[str(named)] if named else at,
                code=str(code) if code is not None else None,
            )
            for text in texts
        ]
    return [
        message for name, item in value.items() for message in _messages(item, [*field, str(name)])
    ]
