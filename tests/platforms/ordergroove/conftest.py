from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from action_gateway.platforms.ordergroove import OrdergrooveAdapter, OrdergrooveClient
from tests.platforms.ordergroove.helpers import (
    BASE_URL,
    NOW,
    OrdergrooveStub,
    Sleeps,
    connection,
    policy,
)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def stub(router: respx.MockRouter) -> OrdergrooveStub:
    return OrdergrooveStub(router)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # The app hands adapters a client whose base_url is the API root.
    async with httpx.AsyncClient(base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def adapter(http: httpx.AsyncClient, sleeps: Sleeps) -> OrdergrooveAdapter:
    client = OrdergrooveClient(connection(), http, policy=policy(sleeps))
    return OrdergrooveAdapter(client, currency="USD", clock=lambda: NOW)
