"""MagentoClient: the one place Magento REST requests are sent and their failures read.

Failure layers (``_rest.interpret_json_response``), after Magento's ``ErrorProcessor``:

    HTTP 401                        UpstreamAuthFailed (bad signature or token, missing ACL)
    HTTP 404                        NotFound (unknown entity or route)
    HTTP 429                        retried within the deadline, then UpstreamRateLimited
    HTTP 5xx                        retried per request kind ("Internal Error ... Report ID")
    HTTP 400                        PlatformRejected (every LocalizedException)
    any other non-2xx               UpstreamError

An error body is ``{"message": "... %1 ...", "parameters": [...] | {...}, "errors": [...]}``:
each message reaches the caller with its placeholders filled as Magento renders them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from action_gateway.errors import PlatformMessage
from action_gateway.platforms._rest import RestApi, RestClient, RestEndpoint
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.magento.settings import MagentoAuth, MagentoSettings

PLATFORM = "magento"
_PLACEHOLDER = re.compile(r"%(\d+|[A-Za-z_][A-Za-z0-9_]*)")

Filter = tuple[str, str | int, str]
"""One searchCriteria filter: field, value, condition type (eq, in, like, ...)."""


def render_phrase(message: str, parameters: Any) -> str:
    """``message`` with its placeholders filled as Magento's ``Phrase\\Renderer\\Placeholder``:
    list index ``i`` fills ``%{i+1}``, a key ``k`` fills ``%k``; unknown ones stay as written."""
    if isinstance(parameters, list):
        values = {str(i + 1): value for i, value in enumerate(parameters)}
    elif isinstance(parameters, dict):
        values = {str(key): value for key, value in parameters.items()}
    else:
        return message

    def fill(match: re.Match[str]) -> str:
        value = values.get(match[1])
        return match[0] if value is None else str(value)

    return _PLACEHOLDER.sub(fill, message)


def platform_messages(body: Any) -> list[PlatformMessage]:
    """Every message of a Magento error body, rendered: the main one, then ``errors[]``."""
    if not isinstance(body, dict):
        return []
    messages = []
    for item in [body, *(body.get("errors") or [])]:
        if isinstance(item, dict) and isinstance(item.get("message"), str):
            code = str(item["code"]) if item.get("code") else None
            text = render_phrase(item["message"], item.get("parameters"))
            messages.append(PlatformMessage(message=text, code=code))
    return messages


def search_criteria(
    filters: Sequence[Filter],
    *,
    page_size: int = 20,
    page: int = 1,
    sort: tuple[str, str] | None = ("created_at", "DESC"),
) -> list[tuple[str, str]]:
    """A ``searchCriteria`` query as the Admin schema names its parameters (camelCase; each
    filter its own group, so the groups are ANDed); the page size is always sent, since
    Magento returns every match without one (magento.md §2.1)."""
    query: list[tuple[str, str]] = []
    for group, (field, value, condition) in enumerate(filters):
        prefix = f"searchCriteria[filterGroups][{group}][filters][0]"
        query += [
            (f"{prefix}[field]", field),
            (f"{prefix}[value]", str(value)),
            (f"{prefix}[conditionType]", condition),
        ]
    if sort is not None:
        query += [
            ("searchCriteria[sortOrders][0][field]", sort[0]),
            ("searchCriteria[sortOrders][0][direction]", sort[1]),
        ]
    query += [
        ("searchCriteria[pageSize]", str(page_size)),
        ("searchCriteria[currentPage]", str(page)),
    ]
    return query


MAGENTO_API = RestApi(
    platform=PLATFORM,
    title="Magento",
    token_header="Authorization",
    credential="integration credentials",
    rate_limit_scope="store",
    rejected_statuses=frozenset({400}),
    messages=platform_messages,
    summary_on_unexpected_status=True,
)


class MagentoClient(RestClient):
    """Sends REST requests for one connection through the shared chokepoint.

    ``http`` carries the base URL (``https://host/rest/{store_code}``); with ``auth: oauth1``
    its transport signs every request (``oauth.py``), so no token header is added here.
    """

    api = MAGENTO_API

    @property
    def settings(self) -> MagentoSettings:
        return MagentoSettings.of(self.connection)

    def auth_headers(self) -> dict[str, str]:
        if self.settings.auth is MagentoAuth.BEARER:
            return {"Authorization": f"Bearer {self.connection.token.get_secret_value()}"}
        return {}

    async def request(
        self,
        endpoint: RestEndpoint,
        *,
        call: ActionCall,
        path: Mapping[str, str | int] | None = None,
        query: Sequence[tuple[str, str]] | None = None,
        json: Any = None,
        reserve: float = 0.0,
    ) -> Any:
        """Send ``endpoint``, answer its parsed JSON body; raises only GatewayError subclasses."""
        url = endpoint.url(**(path or {}))
        return await self.send_endpoint(
            endpoint,
            call=call,
            url=f"{url}?{urlencode(query)}" if query else url,
            json=json,
            reserve=reserve,
        )
