"""BigCommerceClient: the one place REST V2/V3 requests are sent and their failures read.

Failure layers, in the order they are checked (read by ``_rest.interpret_json_response``):

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

import httpx

from action_gateway.errors import PlatformMessage
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms._http import DEFAULT_RETRY_POLICY, RetryPolicy, parse_retry_after
from action_gateway.platforms._rest import Query, RestApi, RestClient, with_query
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.bigcommerce.endpoints import Endpoint
from action_gateway.platforms.bigcommerce.settings import BigCommerceSettings
from action_gateway.platforms.spec import PlatformConnection

PLATFORM = "bigcommerce"
TOKEN_HEADER = "X-Auth-Token"
RESET_MS_HEADER = "X-Rate-Limit-Time-Reset-Ms"
RETRY_AFTER_HEADER = "X-Retry-After"
REJECTED_STATUSES = frozenset({400, 409, 422})


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


BIGCOMMERCE_API = RestApi(
    platform=PLATFORM,
    title="BigCommerce",
    token_header=TOKEN_HEADER,
    credential="access token",
    rate_limit_scope="store",
    rejected_statuses=REJECTED_STATUSES,
    messages=platform_messages,
    # BigCommerce: the wait is in X-Rate-Limit-Time-Reset-Ms or X-Retry-After, on 429 and 5xx.
    retry_after=rate_limit_wait,
)


class BigCommerceClient(RestClient):
    """Sends REST requests for one connection through the shared chokepoint.

    ``http`` carries the base URL (``api_base_url`` or ``https://api.bigcommerce.com/stores/{hash}``);
    every path here starts with ``/v2`` or ``/v3``.
    """

    api = BIGCOMMERCE_API

    def __init__(
        self,
        connection: PlatformConnection,
        http: httpx.AsyncClient,
        *,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        breakers: CircuitBreakers | None = None,
    ) -> None:
        super().__init__(connection, http, policy=policy, breakers=breakers)
        self.store_hash = BigCommerceSettings.of(connection).store_hash or ""

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
        return await self.send_endpoint(
            endpoint,
            call=call,
            # BigCommerce documents its filters with literal `:` and `,` (`email:in=a,b`).
            url=with_query(endpoint.url(**(path or {})), query, safe=":,"),
            json=json,
            reserve=reserve,
            # BigCommerce: a 409 is the endpoint's own conflict (a taken coupon code).
            on_conflict=endpoint.on_conflict,
            # BigCommerce: V2 answers a list filter that matches nothing with 204 and no body.
            empty_value=[] if endpoint.empty_list_on_204 else None,
        )
