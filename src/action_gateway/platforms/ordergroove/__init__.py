"""Ordergroove through its REST ("RestRPC") API with an Application API key."""

from __future__ import annotations

import httpx

from action_gateway.config import ConnectionConfig
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.ordergroove.adapter import OrdergrooveAdapter
from action_gateway.platforms.ordergroove.client import OrdergrooveClient

__all__ = ["OrdergrooveAdapter", "OrdergrooveClient", "build_ordergroove_adapter"]


def build_ordergroove_adapter(
    connection: ConnectionConfig,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> OrdergrooveAdapter:
    """The adapter for one Ordergroove connection; ``http`` (with its base URL) and
    ``breakers`` are the app's."""
    client = OrdergrooveClient(connection, http, breakers=breakers)
    return OrdergrooveAdapter(client, currency=connection.currency)
