"""BigCommerce through the REST V2 (orders) and V3 (payment actions, promotions, customers) APIs."""

from __future__ import annotations

import httpx

from action_gateway.config import ConnectionConfig
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.bigcommerce.adapter import BigCommerceAdapter
from action_gateway.platforms.bigcommerce.client import BigCommerceClient

__all__ = ["BigCommerceAdapter", "BigCommerceClient", "build_bigcommerce_adapter"]


def build_bigcommerce_adapter(
    connection: ConnectionConfig,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> BigCommerceAdapter:
    """The adapter for one BigCommerce connection; ``http`` (with its base URL) and
    ``breakers`` are the app's."""
    return BigCommerceAdapter(BigCommerceClient(connection, http, breakers=breakers))
