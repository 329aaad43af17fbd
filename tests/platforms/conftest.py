"""The adapter tests' fixtures, one set for every platform.

Each platform's package declares ``KIT`` (a :class:`tests.platforms.kit.AdapterKit`) in its
``helpers.py``; the fixtures below build that platform's stub and adapter from it.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from tests.platforms.kit import AdapterKit, Sleeps


@pytest.fixture
def platform_kit(request: pytest.FixtureRequest) -> AdapterKit:
    """The ``KIT`` of the test's platform package (``tests.platforms.<platform>.helpers``)."""
    package = request.module.__name__.rpartition(".")[0]
    kit = importlib.import_module(f"{package}.helpers").KIT
    assert isinstance(kit, AdapterKit)
    return kit


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def stub(router: respx.MockRouter, platform_kit: AdapterKit) -> Any:
    return platform_kit.stub(router)


@pytest.fixture
async def http(platform_kit: AdapterKit) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform_kit.base_url) as client:
        yield client


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def adapter(http: httpx.AsyncClient, sleeps: Sleeps, platform_kit: AdapterKit) -> Any:
    return platform_kit.adapter(http, sleeps)
