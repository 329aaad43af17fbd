"""Dependencies shared by the routes: the app's services and the authenticated caller.

Authentication and rate limiting run once per request in :class:`AuthenticationMiddleware`
(pure ASGI, every ``/v1`` path), before any route is matched; the routes read its result. A
dependency tree solved by FastAPI on every request cost more than the rest of a route's
plumbing (BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import Depends, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from action_gateway.actions.services import Services
from action_gateway.api.limits import is_json_media_type
from action_gateway.api.problems import render_problem
from action_gateway.auth import Caller
from action_gateway.errors import GatewayError, UnsupportedMediaType

API_PREFIX = "/v1/"
"""Every path under it needs a key; probes, /metrics and the OpenAPI document do not."""

_CALLER = "caller"
"""The key in the ASGI scope's ``state`` under which the middleware leaves the caller."""

SECURITY_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "description": "The caller's API key. Required once the config names `callers`.",
}


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_caller(request: Request) -> Caller:
    """The caller :class:`AuthenticationMiddleware` authenticated for this request."""
    caller: Caller = request.scope["state"][_CALLER]
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


async def require_json_body(request: Request) -> None:
    """A body is JSON, said so by its Content-Type; refused before it is read as anything."""
    if not is_json_media_type(request.headers.get("content-type")):
        raise UnsupportedMediaType("Send the body as JSON, with `Content-Type: application/json`.")


JSON_BODY = Depends(require_json_body)
"""Route dependency of every operation with a body (dependencies run before the body is
validated, so a form or text body is a 415, not a 422 about its fields)."""


def requires_key(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


class AuthenticationMiddleware:
    """The caller of every ``/v1`` request, its log context and its rate limit (pure ASGI).

    A refusal (401, 429) is rendered by the one problem renderer; a request that passes leaves
    its :class:`Caller` in the scope's state for :data:`CallerDep`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not requires_key(scope["path"]):
            await self.app(scope, receive, send)
            return
        services: Services = scope["app"].state.services
        try:
            client = scope.get("client")
            caller = services.authenticator.authenticate(
                Headers(scope=scope).get("authorization"), client[0] if client else None
            )
            structlog.contextvars.bind_contextvars(caller=caller.id)
            await services.rate_limit(caller)
        except GatewayError as exc:
            response = render_problem(exc, scope["path"])
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[_CALLER] = caller
        await self.app(scope, receive, send)
