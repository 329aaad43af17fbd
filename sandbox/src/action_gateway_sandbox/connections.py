"""The default sandbox: one simulated connection per implemented platform.

The adapters run their real HTTP code; only the transport is swapped for the simulator's.
A :class:`Sandbox` is the handle to it: pass it to ``create_app(..., sandbox=handle)`` and keep
it to reach the simulators (fault injection, ledgers).
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
from action_gateway.platforms.bigcommerce.settings import BigCommerceSettings
from action_gateway.platforms.magento.settings import OAUTH_SECRETS, MagentoSettings
from action_gateway.platforms.ordergroove.settings import OrdergrooveSettings
from action_gateway.platforms.shopify.settings import ShopifySettings
from action_gateway_sandbox.bigcommerce import BigCommerceSimulator
from action_gateway_sandbox.magento import MagentoSimulator
from action_gateway_sandbox.ordergroove import OrdergrooveSimulator
from action_gateway_sandbox.recharge import RechargeSimulator
from action_gateway_sandbox.shopify import ShopifySimulator

SANDBOX_SHOPIFY_CONNECTION = "sandbox-shopify"
SANDBOX_SHOP = "sandbox-shop.myshopify.com"
SANDBOX_BIGCOMMERCE_CONNECTION = "sandbox-bigcommerce"
SANDBOX_STORE_HASH = "sandbox"
SANDBOX_RECHARGE_CONNECTION = "sandbox-recharge"
SANDBOX_ORDERGROOVE_CONNECTION = "sandbox-ordergroove"
SANDBOX_MAGENTO_CONNECTION = "sandbox-magento"
SANDBOX_MAGENTO_URL = "https://sandbox-magento.test"
SANDBOX_CANCEL_REASONS = {
    "1": "Other",
    "4": "Overstocked",
    "114": "Cancelled without exit survey response",
}
"""The sandbox Ordergroove merchant's cancel reason labels, by code."""
SANDBOX_LATENCY_ENV = "ACTION_GATEWAY_SANDBOX_LATENCY_SECONDS"
"""Seconds every simulated platform waits before answering (e.g. to test graceful shutdown)."""


Simulator = (
    ShopifySimulator
    | BigCommerceSimulator
    | RechargeSimulator
    | OrdergrooveSimulator
    | MagentoSimulator
)


@dataclass(frozen=True)
class Sandbox:
    """Simulated connections: the config that names them, and each one's transport and simulator."""

    config: GatewayConfig
    """The config, its ``sandbox: true`` connections given their simulators' shop and token."""
    transports: dict[str, httpx.AsyncBaseTransport]
    """Each simulator's transport, by connection id (the app's clients send through them)."""
    simulators: dict[str, Simulator]
    """Each simulator, by connection id: its ``faults`` to inject, its ``ledger`` to read."""


def build_sandbox(*, deadline_seconds: float = 15.0, shopify_schema: Path | None = None) -> Sandbox:
    """The default sandbox: the five simulated connections, open to every caller."""
    connections = [
        ConnectionConfig(id=SANDBOX_SHOPIFY_CONNECTION, platform="shopify", sandbox=True),
        ConnectionConfig(id=SANDBOX_BIGCOMMERCE_CONNECTION, platform="bigcommerce", sandbox=True),
        # Subscriptions of the Shopify sandbox's customers (matched by email, as Recharge does).
        ConnectionConfig(
            id=SANDBOX_RECHARGE_CONNECTION,
            platform="recharge",
            linked_connection=SANDBOX_SHOPIFY_CONNECTION,
            sandbox=True,
        ),
        # Ordergroove keys customers by the store's own customer id: the Shopify sandbox's.
        ConnectionConfig(
            id=SANDBOX_ORDERGROOVE_CONNECTION,
            platform="ordergroove",
            linked_connection=SANDBOX_SHOPIFY_CONNECTION,
            sandbox=True,
        ),
        ConnectionConfig(id=SANDBOX_MAGENTO_CONNECTION, platform="magento", sandbox=True),
    ]
    config = GatewayConfig(deadline_seconds=deadline_seconds, connections=connections)
    return with_simulators(config, shopify_schema=shopify_schema)


def with_simulators(config: GatewayConfig, *, shopify_schema: Path | None = None) -> Sandbox:
    """``config`` with each ``sandbox: true`` connection served by a fresh simulator.

    Each simulator holds its platform's seeded data and checks a random token made for it, as its
    platform would; the other connections are left as they are.
    """
    latency = float(os.environ.get(SANDBOX_LATENCY_ENV) or 0)
    simulators: dict[str, Simulator] = {}
    connections: list[ConnectionConfig] = []
    for connection in config.connections:
        if not connection.sandbox:
            connections.append(connection)
            continue
        token = secrets.token_urlsafe(24)
        simulator: Simulator
        update: dict[str, Any] = {"access_token": SecretStr(token)}
        if connection.platform == "shopify":
            update["shop"] = ShopifySettings.of(connection).shop or SANDBOX_SHOP
            simulator = ShopifySimulator(
                shop=update["shop"], access_token=token, schema_path=shopify_schema
            )
        elif connection.platform == "bigcommerce":
            store_hash = BigCommerceSettings.of(connection).store_hash
            update["store_hash"] = store_hash or SANDBOX_STORE_HASH
            simulator = BigCommerceSimulator(store_hash=update["store_hash"], access_token=token)
        elif connection.platform == "recharge":
            simulator = RechargeSimulator(access_token=token)
        elif connection.platform == "magento":
            # An integration's four credentials: every request is signed (OAuth 1.0a).
            magento = MagentoSettings.of(connection)
            made = {name: secrets.token_urlsafe(24) for name in OAUTH_SECRETS}
            update["secrets"] = {name: SecretStr(value) for name, value in made.items()}
            update["store_url"] = magento.store_url or SANDBOX_MAGENTO_URL
            simulator = MagentoSimulator(
                consumer_key=made["consumer_key"],
                consumer_secret=made["consumer_secret"],
                access_token=token,
                access_token_secret=made["access_token_secret"],
                store_code=magento.store_code,
            )
        else:
            settings = OrdergrooveSettings.of(connection)
            update["currency"] = settings.currency or "USD"  # the simulator's prices are USD
            # The sandbox merchant's reason labels (Ordergroove's API lists only the codes).
            update["cancel_reasons"] = settings.cancel_reasons or SANDBOX_CANCEL_REASONS
            simulator = OrdergrooveSimulator(access_token=token)
        simulator.faults.latency_seconds = latency
        simulators[connection.id] = simulator
        connections.append(connection.model_copy(update=update))
    return Sandbox(
        config=config.model_copy(update={"connections": connections}),
        transports={name: sim.transport() for name, sim in simulators.items()},
        simulators=simulators,
    )
