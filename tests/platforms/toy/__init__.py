"""A toy commerce platform defined outside ``src/``: it registers through the same seam."""

from __future__ import annotations

from pathlib import Path

import httpx

from action_gateway.domain.models import ResourceType
from action_gateway.domain.platforms import CustomerNotification, PlatformKind
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.spec import CustomerFacts, PlatformConnection, PlatformSpec
from tests.platforms.toy.adapter import ToyAdapter
from tests.platforms.toy.settings import ToyOrderFacts, ToySettings


def build_toy_adapter(
    connection: PlatformConnection,
    http: httpx.AsyncClient,
    *,
    breakers: CircuitBreakers | None = None,
) -> ToyAdapter:
    return ToyAdapter(connection, http)


SPEC = PlatformSpec(
    id="toy",
    name="Toy Shop",
    kind=PlatformKind.COMMERCE,
    notification=CustomerNotification.STORE_SETTINGS,
    settings=ToySettings,
    default_api_version=None,
    matrix=Path(__file__).with_name("toy.yaml"),
    facts={ResourceType.ORDER: ToyOrderFacts, ResourceType.CUSTOMER: CustomerFacts},
    build_adapter=build_toy_adapter,
)
