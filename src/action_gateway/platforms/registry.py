"""The explicit registry of platform adapters: platform → factory."""

from __future__ import annotations

from typing import Protocol

import httpx

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import Platform
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.base import CommerceAdapter, SubscriptionAdapter
from action_gateway.platforms.bigcommerce import build_bigcommerce_adapter
from action_gateway.platforms.ordergroove import build_ordergroove_adapter
from action_gateway.platforms.recharge import build_recharge_adapter
from action_gateway.platforms.shopify import build_shopify_adapter


class AdapterFactory(Protocol):
    """Builds one connection's adapter on the app's HTTP client and circuit breakers."""

    def __call__(
        self,
        connection: ConnectionConfig,
        http: httpx.AsyncClient,
        *,
        breakers: CircuitBreakers | None = None,
    ) -> CommerceAdapter | SubscriptionAdapter: ...


ADAPTER_FACTORIES: dict[Platform, AdapterFactory] = {
    Platform.SHOPIFY: build_shopify_adapter,
    Platform.BIGCOMMERCE: build_bigcommerce_adapter,
    Platform.ORDERGROOVE: build_ordergroove_adapter,
    Platform.RECHARGE: build_recharge_adapter,
}


def default_base_url(connection: ConnectionConfig) -> str:
    """Where a connection's API lives unless ``api_base_url`` overrides it."""
    if connection.api_base_url:
        return connection.api_base_url
    if connection.platform is Platform.SHOPIFY:
        return f"https://{connection.shop}"
    if connection.platform is Platform.BIGCOMMERCE:
        return f"https://api.bigcommerce.com/stores/{connection.store_hash}"
    if connection.platform is Platform.ORDERGROOVE:
        return "https://restapi.ordergroove.com"
    if connection.platform is Platform.RECHARGE:
        return "https://api.rechargeapps.com"
    raise ValueError(f"no default base URL for {connection.platform}")
