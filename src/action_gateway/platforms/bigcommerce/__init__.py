"""BigCommerce through the REST V2 (orders) and V3 (payment actions, promotions, customers) APIs."""

from __future__ import annotations

from importlib import resources

import httpx

from action_gateway.domain.models import ResourceType
from action_gateway.domain.platforms import CustomerNotification, PlatformKind
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.bigcommerce.adapter import BigCommerceAdapter
from action_gateway.platforms.bigcommerce.client import BigCommerceClient
from action_gateway.platforms.bigcommerce.settings import (
    BigCommerceOrderFacts,
    BigCommerceSettings,
)
from action_gateway.platforms.spec import CustomerFacts, PlatformConnection, PlatformSpec

__all__ = ["SPEC", "BigCommerceAdapter", "BigCommerceClient", "build_bigcommerce_adapter"]


def build_bigcommerce_adapter(
    connection: PlatformConnection,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> BigCommerceAdapter:
    """The adapter for one BigCommerce connection; ``http`` (with its base URL) and
    ``breakers`` are the app's."""
    return BigCommerceAdapter(BigCommerceClient(connection, http, breakers=breakers))


SPEC = PlatformSpec(
    id="bigcommerce",
    name="BigCommerce",
    kind=PlatformKind.COMMERCE,
    # No per-request notification flag: the store's status-email settings decide.
    notification=CustomerNotification.STORE_SETTINGS,
    settings=BigCommerceSettings,
    default_api_version=None,
    matrix=resources.files("action_gateway.eligibility") / "data" / "bigcommerce.yaml",
    facts={ResourceType.ORDER: BigCommerceOrderFacts, ResourceType.CUSTOMER: CustomerFacts},
    build_adapter=build_bigcommerce_adapter,
)
