"""Running the app in-process for tests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from action_gateway.actions.services import Services
from action_gateway.app import create_app
from action_gateway.config import GatewayConfig
from action_gateway.platforms.registry import PLATFORMS, PlatformRegistry
from action_gateway.settings import Settings
from action_gateway_sandbox.connections import Sandbox, build_sandbox
from tests.fakes import fake_connection

# An eligibility request for a Shopify order that is paid and not yet fulfilled.
SHOPIFY_PAID_UNFULFILLED = {
    "platform": "shopify",
    "resource": {
        "type": "order",
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "cancelled": False,
    },
}


def sandbox_order_action(action: str, order_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """An action request on an order of the sandbox Shopify shop, with ``data`` as its input."""
    return {
        "connection": "sandbox-shopify",
        "action": action,
        "target": {"order_id": order_id},
        "input": data,
    }


def sandbox_note_edit(order_id: str, note: str, agent_id: str) -> dict[str, Any]:
    """An action request that sets the note of a sandbox Shopify order."""
    body = sandbox_order_action("edit_order_note", order_id, {"note": note})
    return {**body, "context": {"agent_id": agent_id}}


def problem_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The RFC 9457 body of ``response``, checked to be a ``code`` problem with ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    return body


def timeline_event_of(response: httpx.Response, event_type: str) -> dict[str, Any]:
    """The timeline event of an executed action's answer, checked to be an ``event_type``."""
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()["timeline_event"]
    assert event["type"] == event_type
    return event


@asynccontextmanager
async def running_app(
    config: GatewayConfig | None = None,
    *,
    adapters: Mapping[str, Any] | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    settings: Settings | None = None,
    sandbox: Sandbox | None = None,
    platforms: PlatformRegistry = PLATFORMS,
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """The app with its lifespan running; ``adapters`` replace built ones after start-up."""
    app = create_app(
        settings or Settings(config=None),
        config=config,
        transports=transports,
        sandbox=sandbox,
        platforms=platforms,
    )
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        for connection_id, adapter in (adapters or {}).items():
            connection = services.connections[connection_id]
            services.connections[connection_id] = dataclasses.replace(connection, adapter=adapter)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client, app


@asynccontextmanager
async def running_sandbox() -> AsyncIterator[tuple[httpx.AsyncClient, Sandbox]]:
    """The app over a fresh default sandbox, with the sandbox's handle: the test reaches the
    simulators through it (faults to inject, ledgers to read), as the app gives no access."""
    sandbox = build_sandbox()
    async with running_app(sandbox=sandbox) as (client, _):
        yield client, sandbox


@asynccontextmanager
async def client_over_fake(adapter: Any, **config: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with one fake connection, "acme", served by ``adapter``; ``config`` adds settings."""
    gateway_config = GatewayConfig(connections=[fake_connection("acme")], **config)
    async with running_app(gateway_config, adapters={"acme": adapter}) as (client, _):
        yield client
