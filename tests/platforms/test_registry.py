"""The registry of platforms (``platforms/registry.py``): a spec each, an adapter and API root."""

from __future__ import annotations

import httpx
import pytest

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import Platform
from action_gateway.eligibility import MatrixError
from action_gateway.platforms.registry import PLATFORMS, load_matrices, with_platforms
from action_gateway.platforms.shopify import SPEC as SHOPIFY
from action_gateway.platforms.shopify.settings import ShopifyOrderFacts
from action_gateway.platforms.spec import CustomerFacts, facts_problems
from tests.platforms.bigcommerce import helpers as bigcommerce
from tests.platforms.ordergroove import helpers as ordergroove
from tests.platforms.recharge import helpers as recharge
from tests.platforms.shopify import helpers as shopify

CONNECTIONS = {
    "shopify": shopify.connection,
    "bigcommerce": bigcommerce.connection,
    "ordergroove": ordergroove.connection,
    "recharge": recharge.connection,
}


@pytest.mark.parametrize(
    ("platform", "root"),
    [
        ("shopify", "https://acme.myshopify.com"),
        ("bigcommerce", "https://api.bigcommerce.com/stores/abc123"),
        ("ordergroove", "https://restapi.ordergroove.com"),
        ("recharge", "https://api.rechargeapps.com"),
    ],
)
async def test_every_platform_has_a_factory_and_its_api_root(platform: Platform, root: str) -> None:
    connection = CONNECTIONS[platform]()
    assert connection.base_url == root
    async with httpx.AsyncClient(base_url=root) as http:
        adapter = PLATFORMS[platform].build_adapter(connection, http)
    assert adapter.platform == platform


def test_api_base_url_overrides_the_default() -> None:
    connection: ConnectionConfig = shopify.connection().model_copy(
        update={"api_base_url": "http://127.0.0.1:9999"}
    )
    assert connection.base_url == "http://127.0.0.1:9999"


def test_every_platform_is_registered_under_its_own_id() -> None:
    assert list(PLATFORMS) == ["shopify", "bigcommerce", "ordergroove", "recharge", "magento"]
    assert all(spec.id == platform for platform, spec in PLATFORMS.items())


def test_each_facts_model_agrees_with_its_matrix() -> None:
    matrices = load_matrices()  # raises MatrixError when one does not
    assert set(matrices) == set(PLATFORMS)
    for platform, spec in PLATFORMS.items():
        assert facts_problems(spec, matrices[platform]) == []


def test_a_facts_model_that_drifts_from_its_matrix_stops_start_up() -> None:
    class Drifted(ShopifyOrderFacts):
        cancelled: str | None = None  # type: ignore[assignment]  # the matrix says boolean
        refunded_twice: bool | None = None  # not a fact of the matrix

    from dataclasses import replace

    from action_gateway.domain.models import ResourceType

    drifted = replace(
        SHOPIFY, facts={ResourceType.ORDER: Drifted, ResourceType.CUSTOMER: CustomerFacts}
    )
    problems = facts_problems(drifted, load_matrices()["shopify"])
    assert problems == [
        "shopify: facts: Drifted.cancelled is string, the matrix says boolean",
        "shopify: facts: Drifted.refunded_twice is not a fact of the matrix",
    ]
    with pytest.raises(MatrixError, match="the facts models disagree"):
        load_matrices({"shopify": drifted})


def test_a_platform_id_is_registered_once() -> None:
    with pytest.raises(ValueError, match="'shopify' is already registered"):
        with_platforms(SHOPIFY)
