"""Shopify through the GraphQL Admin API."""

from __future__ import annotations

import httpx

from action_gateway.config import ConnectionConfig
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.shopify.adapter import ShopifyAdapter
from action_gateway.platforms.shopify.client import ShopifyClient

__all__ = ["ShopifyAdapter", "ShopifyClient", "build_shopify_adapter"]


def build_shopify_adapter(
    connection: ConnectionConfig,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> ShopifyAdapter:
    """The adapter for one Shopify connection; ``http`` (and its lifecycle) and ``breakers``
    belong to the app."""
    return ShopifyAdapter(ShopifyClient(connection, http, breakers=breakers))
