"""OrdergrooveClient: the one place Ordergroove REST requests are sent and their failures read.

Failure layers, in the order they are checked:

    HTTP 401 / 403                  UpstreamAuthFailed (bad or revoked Application API key)
    HTTP 404                        NotFound (the adapter turns it into ``None`` for reads)
    HTTP 429                        retried within the deadline, then UpstreamRateLimited
    HTTP 5xx                        retried per request kind, then UpstreamUnavailable/UpstreamError
    HTTP 400 / 409 / 422 / 423      PlatformRejected (e.g. cancelling a prepaid subscription)
    any other non-2xx               UpstreamError
    2xx body not JSON               UpstreamError

Error bodies are ``{"detail": "..."}``; a field-keyed Django REST body (``{"field": ["msg"]}``)
is UNCONFIRMED but read too. Every message travels verbatim as a ``PlatformMessage``; only the
status code is branched on (Ordergroove says its messages may change).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

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
    RequestKind,
    RetryPolicy,
    TransientFailure,
    UpstreamRequest,
    parse_retry_after,
    send,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.ordergroove.endpoints import Endpoint

PLATFORM = "ordergroove"
DEFAULT_BASE_URL = "https://restapi.ordergroove.com"
API_KEY_HEADER = "x-api-key"
API_VERSION_HEADER = "X-OG-API-VERSION"
# Version 2 switches lists to cursor pages whose `next` is a full URL.
CURSOR_API_VERSION = "2"
PAGE_SIZE = 100  # Ordergroove's cap (default 10)
MAX_PAGES = 50
REJECTED_STATUSES = frozenset({400, 409, 422, 423})  # 423 (locked) is UNCONFIRMED
# Ordergroove recommends a 3 s client timeout; 5 s leaves a slow write time to answer, so an
# ambiguous (reconciled) failure stays rare.
ORDERGROOVE_RETRY_POLICY = RetryPolicy(attempt_timeout=5.0)

Node = Mapping[str, Any]
Query = Mapping[str, str | int]


class OrdergrooveClient:
    """Sends RestRPC requests for one connection through the shared chokepoint.

    ``http`` carries the base URL (``api_base_url`` or ``https://restapi.ordergroove.com``).
    """

    def __init__(
        self,
        connection: ConnectionConfig,
        http: httpx.AsyncClient,
        *,
        policy: RetryPolicy = ORDERGROOVE_RETRY_POLICY,
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
        url: str | None = None,
        reserve: float = 0.0,
    ) -> Any:
        """Send ``endpoint`` (or a ``next`` page ``url`` of it), answer its parsed JSON body.

        Raises only GatewayError subclasses.
        """
        target = url or endpoint.url(**(path or {}))
        if query and url is None:
            target = f"{target}?{urlencode(query)}"
        # The key is read at send time and only ever travels in the (never logged) headers.
        headers = {
            API_KEY_HEADER: self.connection.token.get_secret_value(),
            "Accept": "application/json",
        }
        if endpoint.paginated:
            headers[API_VERSION_HEADER] = CURSOR_API_VERSION
        if json is not None:
            headers["Content-Type"] = "application/json"
        request = UpstreamRequest(
            platform=PLATFORM,
            connection=self.connection.id,
            operation=endpoint.name,
            kind=endpoint.kind,
            method=endpoint.method,
            url=target,
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

    async def list_all(self, endpoint: Endpoint, *, query: Query, call: ActionCall) -> list[Node]:
        """Every result of a cursor-paginated list, following ``next`` until it is null."""
        results: list[Node] = []
        seen: set[str] = set()
        url: str | None = None
        for _ in range(MAX_PAGES):
            body = await self.request(endpoint, query=query, url=url, call=call)
            if not isinstance(body, Mapping):
                raise UpstreamError(
                    f"Ordergroove answered {endpoint.method} {endpoint.path} without a page",
                    outcome=Outcome.NOT_EXECUTED,
                )
            results.extend(node for node in body.get("results") or [] if isinstance(node, Mapping))
            following = body.get("next")
            if not following or not isinstance(following, str) or following in seen:
                return results
            seen.add(following)
            url = self.next_url(following)
        raise UpstreamError(
            f"Ordergroove's {endpoint.path} list did not end within {MAX_PAGES} pages",
            outcome=Outcome.NOT_EXECUTED,
        )

    def next_url(self, following: str) -> str:
        """``next`` as given when it is on our base URL's origin; otherwise its path and query
        relative to the base URL, so the API key never travels to another host."""
        parts = urlsplit(following)
        base = self.http.base_url
        if not parts.scheme or (parts.scheme, parts.netloc) == (base.scheme, base.netloc.decode()):
            return following
        return f"{parts.path}?{parts.query}" if parts.query else parts.path


def interpret_response(response: httpx.Response, *, endpoint: Endpoint) -> Any:
    """The parsed body of a successful answer, or the exception its failure layer maps to."""
    status = response.status_code
    body = _json_or_none(response)
    messages = [] if 200 <= status < 300 else platform_messages(body)
    summary = "; ".join(m.message for m in messages)
    suffix = f": {summary}" if summary else ""
    where = f"{endpoint.method} {endpoint.path}"
    if status in (401, 403):
        # Ordergroove documents 403 for a failed key; 401 is handled the same (UNCONFIRMED).
        raise UpstreamAuthFailed(
            f"Ordergroove refused the connection's API key (HTTP {status}){suffix}",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if status == 404:
        raise NotFound(f"Ordergroove answered 404 for {where}{suffix}", platform_errors=messages)
    if status == 429:
        # 6,000 requests per IP per minute; a 429 ran nothing and is safe to retry.
        # No Retry-After is documented (UNCONFIRMED): honoured when sent, else backoff.
        raise TransientFailure(
            "Ordergroove is rate limiting this connection (HTTP 429)",
            status=status,
            rate_limited=True,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            platform_errors=messages,
        )
    if status >= 500:
        raise TransientFailure(
            f"Ordergroove answered HTTP {status}{suffix}",
            status=status,
            rate_limited=False,
            platform_errors=messages,
        )
    if status in REJECTED_STATUSES:
        raise PlatformRejected(
            f"Ordergroove refused {where} (HTTP {status}){suffix}",
            platform_errors=messages or [PlatformMessage(message=f"HTTP {status}")],
        )
    if not 200 <= status < 300:
        raise UpstreamError(
            f"Ordergroove answered HTTP {status} for {where}",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if body is None:
        raise UpstreamError(
            f"Ordergroove answered {where} with a body that is not JSON",
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
    """Every message in an Ordergroove error body, verbatim.

    Documented: ``{"detail": "..."}``. Read defensively (UNCONFIRMED shapes): Django REST
    field errors ``{"field": ["msg", ...]}``, ``non_field_errors``, a bare list of strings.
    """
    if isinstance(body, str):
        return [PlatformMessage(message=body)] if body.strip() else []
    if isinstance(body, list):
        return [m for item in body for m in platform_messages(item)]
    if not isinstance(body, dict):
        return []
    messages: list[PlatformMessage] = []
    detail = body.get("detail")
    if isinstance(detail, str) and detail:
        messages.append(PlatformMessage(message=detail))
    for name, value in body.items():
        if name == "detail":
            continue
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and text:
                field = None if name == "non_field_errors" else [str(name)]
                messages.append(PlatformMessage(message=text, field=field))
    return messages
