"""RechargeClient: the one place Recharge (API 2021-11) requests are sent and their failures read.

Failure layers, in the order they are checked (read by ``_rest.interpret_json_response``):

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

from action_gateway.errors import PlatformMessage
from action_gateway.platforms._rest import Query, RestApi, RestClient, with_query
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.recharge.endpoints import Endpoint
from action_gateway.platforms.recharge.settings import API_VERSION

PLATFORM = "recharge"
TOKEN_HEADER = "X-Recharge-Access-Token"
VERSION_HEADER = "X-Recharge-Version"
REJECTED_STATUSES = frozenset({400, 422})


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


RECHARGE_API = RestApi(
    platform=PLATFORM,
    title="Recharge",
    token_header=TOKEN_HEADER,
    credential="access token",
    # Leaky bucket per token (40 deep, drains 2/s); a Retry-After header is UNCONFIRMED, so
    # without one the chokepoint's backoff applies.
    rate_limit_scope="token",
    rejected_statuses=REJECTED_STATUSES,
    messages=platform_messages,
    # Recharge: an unexpected status's detail ends with Recharge's own messages.
    summary_on_unexpected_status=True,
)


class RechargeClient(RestClient):
    """Sends Recharge requests for one connection through the shared chokepoint.

    ``http`` carries the base URL (``api_base_url`` or ``https://api.rechargeapps.com``).
    """

    api = RECHARGE_API

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
        return await self.send_endpoint(
            endpoint,
            call=call,
            url=with_query(endpoint.url(**(path or {})), query),
            json=json,
            # Recharge: without the version header it answers in the token's default version,
            # whose field names, status case and skip body differ quietly.
            headers={VERSION_HEADER: API_VERSION},
            reserve=reserve,
        )
