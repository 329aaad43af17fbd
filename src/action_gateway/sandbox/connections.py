"""The default sandbox: one simulated connection per implemented platform.

The adapters run their real HTTP code; only the transport is swapped for the simulator's.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from action_gateway.config import ConnectionConfig, GatewayConfig
from action_gateway.domain.models import Platform
from action_gateway.sandbox.bigcommerce import BigCommerceSimulator
from action_gateway.sandbox.ordergroove import OrdergrooveSimulator
from action_gateway.sandbox.recharge import RechargeSimulator
from action_gateway.sandbox.shopify import ShopifySimulator

SANDBOX_SHOPIFY_CONNECTION = "sandbox-shopify"
SANDBOX_SHOP = "sandbox-shop.myshopify.com"
SANDBOX_BIGCOMMERCE_CONNECTION = "sandbox-bigcommerce"
SANDBOX_STORE_HASH = "sandbox"
SANDBOX_RECHARGE_CONNECTION = "sandbox-recharge"
SANDBOX_ORDERGROOVE_CONNECTION = "sandbox-ordergroove"
SANDBOX_LATENCY_ENV = "ACTION_GATEWAY_SANDBOX_LATENCY_SECONDS"
"""Seconds every simulated platform waits before answering (e.g. to test graceful shutdown)."""


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
    tokens = {
        name: secrets.token_urlsafe(24)
        for name in ("shopify", "bigcommerce", "recharge", "ordergroove")
    }
    simulators: dict[str, Any] = {
        SANDBOX_SHOPIFY_CONNECTION: ShopifySimulator(
            shop=SANDBOX_SHOP, access_token=tokens["shopify"], schema_path=shopify_schema
        ),
        SANDBOX_BIGCOMMERCE_CONNECTION: BigCommerceSimulator(
            store_hash=SANDBOX_STORE_HASH, access_token=tokens["bigcommerce"]
        ),
        SANDBOX_RECHARGE_CONNECTION: RechargeSimulator(access_token=tokens["recharge"]),
        SANDBOX_ORDERGROOVE_CONNECTION: OrdergrooveSimulator(access_token=tokens["ordergroove"]),
    }
    latency = float(os.environ.get(SANDBOX_LATENCY_ENV) or 0)
    for simulator in simulators.values():
        simulator.faults.latency_seconds = latency
    connections = [
        _connection(
            id=SANDBOX_SHOPIFY_CONNECTION,
            platform=Platform.SHOPIFY,
            shop=SANDBOX_SHOP,
            token=tokens["shopify"],
        ),
        _connection(
            id=SANDBOX_BIGCOMMERCE_CONNECTION,
            platform=Platform.BIGCOMMERCE,
            store_hash=SANDBOX_STORE_HASH,
            token=tokens["bigcommerce"],
        ),
        # Subscriptions of the Shopify sandbox's customers (matched by email, as Recharge does).
        _connection(
            id=SANDBOX_RECHARGE_CONNECTION,
            platform=Platform.RECHARGE,
            linked_connection=SANDBOX_SHOPIFY_CONNECTION,
            token=tokens["recharge"],
        ),
        # Ordergroove keys customers by the store's own customer id: the Shopify sandbox's.
        _connection(
            id=SANDBOX_ORDERGROOVE_CONNECTION,
            platform=Platform.ORDERGROOVE,
            linked_connection=SANDBOX_SHOPIFY_CONNECTION,
            currency="USD",
            # The sandbox merchant's reason labels (Ordergroove's API lists only the codes).
            cancel_reasons={
                "1": "Other",
                "4": "Overstocked",
                "114": "Cancelled without exit survey response",
            },
            token=tokens["ordergroove"],
        ),
    ]
    return Sandbox(
        config=GatewayConfig(deadline_seconds=deadline_seconds, connections=connections),
        transports={name: sim.transport() for name, sim in simulators.items()},
        simulators=simulators,
    )
