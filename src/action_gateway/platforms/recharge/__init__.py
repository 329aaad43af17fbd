"""Recharge through its admin API, version 2021-11 (subscriptions, charges, customers)."""

from __future__ import annotations

import httpx

from action_gateway.config import ConnectionConfig
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.recharge.adapter import RechargeAdapter
from action_gateway.platforms.recharge.client import RechargeClient

__all__ = ["RechargeAdapter", "RechargeClient", "build_recharge_adapter"]


def build_recharge_adapter(
    connection: ConnectionConfig,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> RechargeAdapter:
    """The adapter for one Recharge connection; ``http`` (with its base URL) and
    ``breakers`` are the app's."""
    return RechargeAdapter(RechargeClient(connection, http, breakers=breakers))
