from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from action_gateway.platforms.bigcommerce import BigCommerceAdapter, BigCommerceClient
from tests.platforms.bigcommerce.helpers import (
    BASE_URL,
    NOW,
    BigCommerceStub,
    Sleeps,
    connection,
    policy,
)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def stub(router: respx.MockRouter) -> BigCommerceStub:
    return BigCommerceStub(router)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # The app hands adapters a client whose base_url is the store's API root.
    async with httpx.AsyncClient(base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def adapter(http: httpx.AsyncClient, sleeps: Sleeps) -> BigCommerceAdapter:
    client = BigCommerceClient(connection(), http, policy=policy(sleeps))
    return BigCommerceAdapter(client, clock=lambda: NOW)
