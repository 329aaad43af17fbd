"""Shopify through the GraphQL Admin API."""

from __future__ import annotations

from importlib import resources

import httpx

from action_gateway.domain.models import ResourceType
from action_gateway.domain.platforms import CustomerNotification, PlatformKind
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.shopify.adapter import ShopifyAdapter
from action_gateway.platforms.shopify.client import ShopifyClient
from action_gateway.platforms.shopify.settings import (
    DEFAULT_API_VERSION,
    ShopifyOrderFacts,
    ShopifySettings,
)
from action_gateway.platforms.spec import CustomerFacts, PlatformConnection, PlatformSpec

__all__ = ["SPEC", "ShopifyAdapter", "ShopifyClient", "build_shopify_adapter"]


def build_shopify_adapter(
    connection: PlatformConnection,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> ShopifyAdapter:
    """The adapter for one Shopify connection; ``http`` (and its lifecycle) and ``breakers``
    belong to the app."""
    return ShopifyAdapter(ShopifyClient(connection, http, breakers=breakers))


SPEC = PlatformSpec(
    id="shopify",
    name="Shopify",
    kind=PlatformKind.COMMERCE,
    notification=CustomerNotification.PER_REQUEST,
    settings=ShopifySettings,
    default_api_version=DEFAULT_API_VERSION,
    matrix=resources.files("action_gateway.eligibility") / "data" / "shopify.yaml",
    facts={ResourceType.ORDER: ShopifyOrderFacts, ResourceType.CUSTOMER: CustomerFacts},
    build_adapter=build_shopify_adapter,
)
