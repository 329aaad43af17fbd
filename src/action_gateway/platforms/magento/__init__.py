"""Adobe Commerce / Magento Open Source 2.4 through its Admin REST API (``/rest/{store}/V1``)."""

from __future__ import annotations

from importlib import resources

import httpx

from action_gateway.domain.models import ResourceType
from action_gateway.domain.platforms import CustomerNotification, PlatformKind
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.magento.adapter import MagentoAdapter
from action_gateway.platforms.magento.client import MagentoClient
from action_gateway.platforms.magento.oauth import OAuth1SigningTransport
from action_gateway.platforms.magento.settings import (
    MagentoAuth,
    MagentoOrderFacts,
    MagentoSettings,
)
from action_gateway.platforms.spec import CustomerFacts, PlatformConnection, PlatformSpec

__all__ = [
    "SPEC",
    "MagentoAdapter",
    "MagentoClient",
    "build_magento_adapter",
    "sign_magento_requests",
]


def build_magento_adapter(
    connection: PlatformConnection,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> MagentoAdapter:
    """The adapter for one Magento connection; ``http`` (with its base URL and, for OAuth, its
    signing transport) and ``breakers`` are the app's."""
    return MagentoAdapter(MagentoClient(connection, http, breakers=breakers))


def sign_magento_requests(
    connection: PlatformConnection, transport: httpx.AsyncBaseTransport
) -> httpx.AsyncBaseTransport:
    """With ``auth: oauth1`` every request is signed on its way out (``oauth.py``)."""
    if MagentoSettings.of(connection).auth is MagentoAuth.OAUTH1:
        return OAuth1SigningTransport(connection, transport)
    return transport


SPEC = PlatformSpec(
    id="magento",
    name="Adobe Commerce",
    kind=PlatformKind.COMMERCE,
    settings=MagentoSettings,
    build_adapter=build_magento_adapter,
    wrap_transport=sign_magento_requests,
    matrix=resources.files("action_gateway.eligibility") / "data" / "magento.yaml",
    facts={ResourceType.ORDER: MagentoOrderFacts, ResourceType.CUSTOMER: CustomerFacts},
    # Unversioned: the endpoints used are the same from 2.4.6 to 2.4.9 (magento.md §9).
    default_api_version=None,
    # A credit memo's `notify` emails it; a cancel through the API emails nothing (the adapter
    # refuses notify_customer there), and comments are never notified.
    notification=CustomerNotification.PER_REQUEST,
    phone_lookup_limits=(
        "Magento searches a customer's default billing telephone only (billing_telephone): a "
        "number kept on another address, or given on a guest order, is not found; look the "
        "customer up by email or order number."
    ),
)
