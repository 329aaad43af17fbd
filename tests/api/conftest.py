"""The API tests' shared fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fakes import FakeAdapter
from tests.helpers import client_over_fake


@pytest.fixture
async def client(adapter: FakeAdapter) -> AsyncIterator[httpx.AsyncClient]:
    """The app over the test module's fake "acme" ``adapter`` (modules that need another app
    define their own ``client``)."""
    async with client_over_fake(adapter) as client:
        yield client
