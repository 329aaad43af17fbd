"""Ordergroove through its REST ("RestRPC") API with an Application API key."""

from __future__ import annotations

import httpx

from action_gateway.config import ConnectionConfig
from action_gateway.platforms.ordergroove.adapter import OrdergrooveAdapter
from action_gateway.platforms.ordergroove.client import OrdergrooveClient

__all__ = ["OrdergrooveAdapter", "OrdergrooveClient", "build_ordergroove_adapter"]


def build_ordergroove_adapter(
    connection: ConnectionConfig, http: httpx.AsyncClient
) -> OrdergrooveAdapter:
    """The adapter for one Ordergroove connection; ``http`` (with its base URL) is the app's."""
    return OrdergrooveAdapter(OrdergrooveClient(connection, http), currency=connection.currency)
