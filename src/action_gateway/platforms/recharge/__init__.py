"""Recharge through its admin API, version 2021-11 (subscriptions, charges, customers)."""

from __future__ import annotations

from importlib import resources

import httpx

from action_gateway.domain.models import ResourceType
from action_gateway.domain.platforms import CustomerNotification, PlatformKind
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.recharge.adapter import RechargeAdapter
from action_gateway.platforms.recharge.client import RechargeClient
from action_gateway.platforms.recharge.settings import (
    API_VERSION,
    RechargeSettings,
    RechargeSubscriptionFacts,
)
from action_gateway.platforms.spec import PlatformConnection, PlatformSpec

__all__ = ["SPEC", "RechargeAdapter", "RechargeClient", "build_recharge_adapter"]


def build_recharge_adapter(
    connection: PlatformConnection,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> RechargeAdapter:
    """The adapter for one Recharge connection; ``http`` (with its base URL) and
    ``breakers`` are the app's."""
    return RechargeAdapter(RechargeClient(connection, http, breakers=breakers))


SPEC = PlatformSpec(
    id="recharge",
    name="Recharge",
    kind=PlatformKind.SUBSCRIPTION,
    notification=CustomerNotification.PER_REQUEST,
    settings=RechargeSettings,
    default_api_version=API_VERSION,
    matrix=resources.files("action_gateway.eligibility") / "data" / "recharge.yaml",
    facts={ResourceType.SUBSCRIPTION: RechargeSubscriptionFacts},
    build_adapter=build_recharge_adapter,
)
