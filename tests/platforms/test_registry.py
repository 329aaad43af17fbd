"""The registry of platform adapters (``platforms/registry.py``): a factory and an API root each."""

from __future__ import annotations

import httpx
import pytest

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import Platform
from action_gateway.platforms.registry import ADAPTER_FACTORIES, default_base_url
from tests.platforms.bigcommerce import helpers as bigcommerce
from tests.platforms.ordergroove import helpers as ordergroove
from tests.platforms.recharge import helpers as recharge
from tests.platforms.shopify import helpers as shopify

CONNECTIONS = {
    Platform.SHOPIFY: shopify.connection,
    Platform.BIGCOMMERCE: bigcommerce.connection,
    Platform.ORDERGROOVE: ordergroove.connection,
    Platform.RECHARGE: recharge.connection,
}


@pytest.mark.parametrize(
    ("platform", "root"),
    [
        (Platform.SHOPIFY, "https://acme.myshopify.com"),
        (Platform.BIGCOMMERCE, "https://api.bigcommerce.com/stores/abc123"),
        (Platform.ORDERGROOVE, "https://restapi.ordergroove.com"),
        (Platform.RECHARGE, "https://api.rechargeapps.com"),
    ],
)
async def test_every_platform_has_a_factory_and_its_api_root(platform: Platform, root: str) -> None:
    connection = CONNECTIONS[platform]()
    assert default_base_url(connection) == root
    async with httpx.AsyncClient(base_url=root) as http:
        adapter = ADAPTER_FACTORIES[platform](connection, http)
    assert adapter.platform is platform


def test_api_base_url_overrides_the_default() -> None:
    connection: ConnectionConfig = shopify.connection().model_copy(
        update={"api_base_url": "http://127.0.0.1:9999"}
    )
    assert default_base_url(connection) == "http://127.0.0.1:9999"


def test_every_platform_is_registered() -> None:
    assert set(ADAPTER_FACTORIES) == set(Platform)
