"""A connection and the services around a fake adapter, for driving the actions layer directly."""

from __future__ import annotations

from pydantic import SecretStr

from action_gateway.actions.services import Connection, Services
from action_gateway.config import ConnectionConfig, GatewayConfig
from action_gateway.domain.models import Platform
from action_gateway.idempotency import InMemoryIdempotencyStore
from action_gateway.platforms.base import CommerceAdapter, SubscriptionAdapter
from action_gateway.platforms.registry import load_matrices
from tests.fakes import fake_connection

MATRICES = load_matrices()


def connection(
    adapter: CommerceAdapter | SubscriptionAdapter,
    *,
    deadline: float = 15.0,
    matrix: Platform = "shopify",
    **actions: object,
) -> Connection:
    """Connection "acme" judged by ``matrix``'s eligibility, with the ``actions`` settings given."""
    return Connection(
        config=fake_connection("acme", **actions),
        adapter=adapter,
        matrix=MATRICES[matrix],
        deadline_seconds=deadline,
    )


def services(
    adapter: CommerceAdapter | SubscriptionAdapter, *, deadline: float = 15.0, **actions: object
) -> Services:
    acme = connection(adapter, deadline=deadline, **actions)
    return Services(
        config=GatewayConfig(connections=[acme.config]),
        matrices=MATRICES,
        connections={acme.id: acme},
        idempotency=InMemoryIdempotencyStore(),
    )


def subscription_services(adapter: SubscriptionAdapter) -> Services:
    """Services whose connection "acme" is an Ordergroove one (linked to the store "shop")."""
    ordergroove = ConnectionConfig(
        id="acme", platform="ordergroove", access_token_env="OG_TOKEN", linked_connection="shop"
    ).model_copy(update={"access_token": SecretStr("og_canary_key")})
    acme = Connection(
        config=ordergroove,
        adapter=adapter,
        matrix=MATRICES["ordergroove"],
        deadline_seconds=15.0,
    )
    return Services(
        config=GatewayConfig(connections=[fake_connection("shop"), ordergroove]),
        matrices=MATRICES,
        connections={acme.id: acme},
        idempotency=InMemoryIdempotencyStore(),
    )
