from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from action_gateway.platforms.shopify import ShopifyAdapter, ShopifyClient
from tests.platforms.shopify.helpers import NOW, ShopifyStub, Sleeps, connection, policy


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def stub(router: respx.MockRouter) -> ShopifyStub:
    return ShopifyStub(router)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def adapter(http: httpx.AsyncClient, sleeps: Sleeps) -> ShopifyAdapter:
    client = ShopifyClient(connection(), http, policy=policy(sleeps))
    return ShopifyAdapter(client, clock=lambda: NOW, sleep=sleeps)
