"""Dependencies shared by the routes: the app's services and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from action_gateway.auth import Caller
from action_gateway.services import Services


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_bearer = HTTPBearer(
    auto_error=False,
    description="The caller's API key. Required once the config names `callers`.",
)


async def authenticate(
    request: Request,
    services: ServicesDep,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The calling system; every route but health depends on it (see ``create_app``)."""
    peer = request.client.host if request.client else None
    caller = services.authenticator.authenticate(request.headers.get("Authorization"), peer)
    structlog.contextvars.bind_contextvars(caller=caller.id)
    await services.rate_limit(caller)
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]
