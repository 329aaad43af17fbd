"""Ordergroove through its REST ("RestRPC") API with an Application API key."""

from __future__ import annotations

from importlib import resources

import httpx

from action_gateway.domain.models import ResourceType
from action_gateway.domain.platforms import CustomerNotification, PlatformKind
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.ordergroove.adapter import OrdergrooveAdapter
from action_gateway.platforms.ordergroove.client import OrdergrooveClient
from action_gateway.platforms.ordergroove.settings import (
    OrdergrooveSettings,
    OrdergrooveSubscriptionFacts,
)
from action_gateway.platforms.spec import PlatformConnection, PlatformSpec

__all__ = ["SPEC", "OrdergrooveAdapter", "OrdergrooveClient", "build_ordergroove_adapter"]


def build_ordergroove_adapter(
    connection: PlatformConnection,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> OrdergrooveAdapter:
    """The adapter for one Ordergroove connection; ``http`` (with its base URL) and
    ``breakers`` are the app's."""
    client = OrdergrooveClient(connection, http, breakers=breakers)
    return OrdergrooveAdapter(client, currency=OrdergrooveSettings.of(connection).currency)


SPEC = PlatformSpec(
    id="ordergroove",
    name="Ordergroove",
    kind=PlatformKind.SUBSCRIPTION,
    notification=CustomerNotification.PER_REQUEST,
    settings=OrdergrooveSettings,
    default_api_version=None,
    matrix=resources.files("action_gateway.eligibility") / "data" / "ordergroove.yaml",
    facts={ResourceType.SUBSCRIPTION: OrdergrooveSubscriptionFacts},
    build_adapter=build_ordergroove_adapter,
)
