"""OrdergrooveClient: the one place Ordergroove REST requests are sent and their failures read.

Failure layers, in the order they are checked (read by ``_rest.interpret_json_response``):

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
from urllib.parse import urlsplit

import httpx

from action_gateway.errors import Outcome, PlatformMessage, UpstreamError
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms._http import RetryPolicy
from action_gateway.platforms._rest import Query, RestApi, RestClient, with_query
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.ordergroove.endpoints import Endpoint
from action_gateway.platforms.spec import PlatformConnection

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


ORDERGROOVE_API = RestApi(
    platform=PLATFORM,
    title="Ordergroove",
    token_header=API_KEY_HEADER,
    # Ordergroove documents 403 for a failed key; 401 is handled the same (UNCONFIRMED).
    credential="API key",
    # 6,000 requests per IP per minute; a 429 ran nothing and is safe to retry.
    rate_limit_scope="connection",
    rejected_statuses=REJECTED_STATUSES,
    messages=platform_messages,
    # Ordergroove: no Retry-After is documented (UNCONFIRMED): a 429's is honoured when sent,
    # a 5xx's never (backoff).
    retry_after_on_5xx=False,
    # Ordergroove: an empty 2xx body is not a success; it is reported as not JSON.
    empty_body_allowed=False,
)


class OrdergrooveClient(RestClient):
    """Sends RestRPC requests for one connection through the shared chokepoint.

    ``http`` carries the base URL (``api_base_url`` or ``https://restapi.ordergroove.com``).
    """

    api = ORDERGROOVE_API

    def __init__(
        self,
        connection: PlatformConnection,
        http: httpx.AsyncClient,
        *,
        policy: RetryPolicy = ORDERGROOVE_RETRY_POLICY,
        breakers: CircuitBreakers | None = None,
    ) -> None:
        super().__init__(connection, http, policy=policy, breakers=breakers)

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
        if url is None:
            target = with_query(target, query)
        return await self.send_endpoint(
            endpoint,
            call=call,
            url=target,
            json=json,
            # Ordergroove: lists are asked for cursor pages (API version 2).
            headers={API_VERSION_HEADER: CURSOR_API_VERSION} if endpoint.paginated else None,
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
