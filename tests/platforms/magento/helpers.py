"""What the Magento tests share: a connection as configured, the simulator behind its signing
transport, and the exchanges that went through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from action_gateway.config import ConnectionConfig, parse_config
from action_gateway.domain.models import AddressInput, UpdateShippingAddressInput
from action_gateway.platforms._http import upstream_client
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.magento import (
    MagentoAdapter,
    build_magento_adapter,
    sign_magento_requests,
)
from action_gateway_sandbox.magento import MagentoSimulator
from tests.fakes import AN_ADDRESS

CREDENTIALS = {
    "MAGENTO_TOKEN": "access-token",
    "MAGENTO_CONSUMER_KEY": "consumer-key",
    "MAGENTO_CONSUMER_SECRET": "consumer-secret",
    "MAGENTO_TOKEN_SECRET": "token-secret",
}
OAUTH_CONNECTION = {
    "id": "magento-eu",
    "platform": "magento",
    "base_url": "https://shop.example.com",
    "access_token_env": "MAGENTO_TOKEN",
    "consumer_key_env": "MAGENTO_CONSUMER_KEY",
    "consumer_secret_env": "MAGENTO_CONSUMER_SECRET",
    "access_token_secret_env": "MAGENTO_TOKEN_SECRET",
}


NEW_ADDRESS = UpdateShippingAddressInput(
    address=AddressInput.model_validate(AN_ADDRESS.model_dump(exclude={"province"}))
)
"""An address in Ontario, Canada: every seeded order ships to Austin, Texas."""


def sent_json(recorded: Recorded, method: str, path_end: str = "") -> Any:
    """The JSON body of the first ``method`` request sent to a path ending ``path_end``."""
    request = next(r for r in recorded.sent if r.method == method and r.url.path.endswith(path_end))
    return httpx.Response(200, content=request.content).json()


def magento_connection(**fields: Any) -> ConnectionConfig:
    """The connection as ``parse_config`` loads it: settings checked, secrets from the env
    (a field given as None is left out)."""
    merged = {**OAUTH_CONNECTION, **fields}
    document = {key: value for key, value in merged.items() if value is not None}
    return parse_config({"connections": [document]}, environ=CREDENTIALS).connections[0]


def simulator(**options: Any) -> MagentoSimulator:
    return MagentoSimulator(
        consumer_key="consumer-key",
        consumer_secret="consumer-secret",
        access_token="access-token",
        access_token_secret="token-secret",
        **options,
    )


@dataclass
class Recorded(httpx.AsyncBaseTransport):
    """The simulator's transport, keeping each exchange (request as signed, its answer)."""

    inner: httpx.AsyncBaseTransport
    exchanges: list[tuple[httpx.Request, httpx.Response]] = field(default_factory=list)
    sent: list[httpx.Request] = field(default_factory=list)
    """Every request sent, answered or not."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.exchanges.append((request, response))
        return response

    def operations(self) -> list[str]:
        """``METHOD /V1/...`` of each request sent, in order."""
        return [f"{r.method} {r.url.path.split('/rest/default', 1)[1]}" for r in self.sent]


def adapter_on(
    sim: MagentoSimulator, connection: ConnectionConfig
) -> tuple[MagentoAdapter, Recorded]:
    """The adapter as the app builds it: the connection's transport wrapped by the spec."""
    recorded = Recorded(sim.transport())
    http = upstream_client(
        base_url=connection.base_url,
        transport=sign_magento_requests(connection, recorded),
        timeout=httpx.Timeout(5.0),
        headers={},
    )
    return build_magento_adapter(connection, http), recorded


def call() -> ActionCall:
    return ActionCall.within(10, idempotency_key="key-1")
