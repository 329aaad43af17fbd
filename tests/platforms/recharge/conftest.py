from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from action_gateway.platforms.recharge import RechargeAdapter, RechargeClient
from tests.platforms.recharge.helpers import BASE_URL, RechargeStub, Sleeps, connection, policy


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def stub(router: respx.MockRouter) -> RechargeStub:
    return RechargeStub(router)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # The app hands adapters a client whose base_url is Recharge's API root.
    async with httpx.AsyncClient(base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def adapter(http: httpx.AsyncClient, sleeps: Sleeps) -> RechargeAdapter:
    return RechargeAdapter(RechargeClient(connection(), http, policy=policy(sleeps)))
