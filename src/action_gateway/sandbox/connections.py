"""The default sandbox: one simulated connection per implemented platform.

The adapters run their real HTTP code; only the transport is swapped for the simulator's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

from action_gateway.config import ConnectionConfig, GatewayConfig
from action_gateway.domain.models import Platform
from action_gateway.sandbox.shopify import ShopifySimulator

SANDBOX_SHOPIFY_CONNECTION = "sandbox-shopify"
SANDBOX_SHOP = "sandbox-shop.myshopify.com"


@dataclass(frozen=True)
class Sandbox:
    config: GatewayConfig
    transports: dict[str, httpx.AsyncBaseTransport]
    simulators: dict[str, ShopifySimulator]


def build_sandbox(*, deadline_seconds: float = 15.0, shopify_schema: Path | None = None) -> Sandbox:
    # A fresh random token per process: the simulator checks it like Shopify would.
    token = secrets.token_urlsafe(24)
    shopify = ShopifySimulator(shop=SANDBOX_SHOP, access_token=token, schema_path=shopify_schema)
    connection = ConnectionConfig(
        id=SANDBOX_SHOPIFY_CONNECTION,
        platform=Platform.SHOPIFY,
        shop=SANDBOX_SHOP,
        access_token_env="ACTION_GATEWAY_SANDBOX_TOKEN",
    ).model_copy(update={"access_token": SecretStr(token)})
    return Sandbox(
        config=GatewayConfig(deadline_seconds=deadline_seconds, connections=[connection]),
        transports={SANDBOX_SHOPIFY_CONNECTION: shopify.transport()},
        simulators={SANDBOX_SHOPIFY_CONNECTION: shopify},
    )
