"""A client of a simulator whose every request and response is checked against a contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx


def contract_checked_client(
    transport: httpx.AsyncBaseTransport,
    base_url: str,
    headers: Mapping[str, str],
    *,
    validate_request: Callable[[httpx.Request], None] | None,
    validate_response: Callable[[str, str, int, Any], None],
    empty_bodies: bool = False,
) -> httpx.AsyncClient:
    """Responses always checked; requests too unless ``validate_request`` is None (for requests
    the spec itself refuses). ``empty_bodies``: a response without content is checked as None."""

    async def check_request(request: httpx.Request) -> None:
        assert validate_request is not None
        validate_request(request)

    async def check_response(response: httpx.Response) -> None:
        await response.aread()
        body = response.json() if response.content or not empty_bodies else None
        request = response.request
        validate_response(request.method, str(request.url), response.status_code, body)

    hooks: dict[str, list[Callable[..., Any]]] = {"response": [check_response]}
    if validate_request is not None:
        hooks["request"] = [check_request]
    return httpx.AsyncClient(
        transport=transport, base_url=base_url, headers=dict(headers), event_hooks=hooks
    )
