"""Running the app in-process for tests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from action_gateway.app import create_app
from action_gateway.config import GatewayConfig
from action_gateway.services import Services
from action_gateway.settings import Settings


@asynccontextmanager
async def running_app(
    config: GatewayConfig | None = None,
    *,
    adapters: Mapping[str, Any] | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    settings: Settings | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """The app with its lifespan running; ``adapters`` replace built ones after start-up."""
    app = create_app(settings or Settings(config=None), config=config, transports=transports)
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        for connection_id, adapter in (adapters or {}).items():
            connection = services.connections[connection_id]
            services.connections[connection_id] = dataclasses.replace(connection, adapter=adapter)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client, app
