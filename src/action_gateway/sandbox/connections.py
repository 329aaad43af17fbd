"""The default sandbox: one simulated connection per implemented platform.

The adapters run their real HTTP code; only the transport is swapped for the simulator's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from action_gateway.config import ConnectionConfig, GatewayConfig
from action_gateway.domain.models import Platform
from action_gateway.sandbox.bigcommerce import BigCommerceSimulator
from action_gateway.sandbox.shopify import ShopifySimulator

SANDBOX_SHOPIFY_CONNECTION = "sandbox-shopify"
SANDBOX_SHOP = "sandbox-shop.myshopify.com"
SANDBOX_BIGCOMMERCE_CONNECTION = "sandbox-bigcommerce"
SANDBOX_STORE_HASH = "sandbox"


@dataclass(frozen=True)
class Sandbox:
    config: GatewayConfig
    transports: dict[str, httpx.AsyncBaseTransport]
    simulators: dict[str, Any]
    """ShopifySimulator / BigCommerceSimulator by connection id (for fault injection)."""


def _connection(**fields: Any) -> ConnectionConfig:
    # A fresh random token per process: each simulator checks it like its platform would.
    token = fields.pop("token")
    return ConnectionConfig.model_validate(
        {**fields, "access_token_env": "ACTION_GATEWAY_SANDBOX_TOKEN"}
    ).model_copy(update={"access_token": SecretStr(token)})


def build_sandbox(*, deadline_seconds: float = 15.0, shopify_schema: Path | None = None) -> Sandbox:
    shopify_token, bigcommerce_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    shopify = ShopifySimulator(
        shop=SANDBOX_SHOP, access_token=shopify_token, schema_path=shopify_schema
    )
    bigcommerce = BigCommerceSimulator(
        store_hash=SANDBOX_STORE_HASH, access_token=bigcommerce_token
    )
    connections = [
        _connection(
            id=SANDBOX_SHOPIFY_CONNECTION,
            platform=Platform.SHOPIFY,
            shop=SANDBOX_SHOP,
            token=shopify_token,
        ),
        _connection(
            id=SANDBOX_BIGCOMMERCE_CONNECTION,
            platform=Platform.BIGCOMMERCE,
            store_hash=SANDBOX_STORE_HASH,
            token=bigcommerce_token,
        ),
    ]
    return Sandbox(
        config=GatewayConfig(deadline_seconds=deadline_seconds, connections=connections),
        transports={
            SANDBOX_SHOPIFY_CONNECTION: shopify.transport(),
            SANDBOX_BIGCOMMERCE_CONNECTION: bigcommerce.transport(),
        },
        simulators={
            SANDBOX_SHOPIFY_CONNECTION: shopify,
            SANDBOX_BIGCOMMERCE_CONNECTION: bigcommerce,
        },
    )
