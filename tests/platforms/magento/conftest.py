from __future__ import annotations

import pytest

from action_gateway.platforms.magento import MagentoAdapter
from action_gateway_sandbox.magento import MagentoSimulator
from tests.platforms.magento.helpers import Recorded, adapter_on, magento_connection, simulator


@pytest.fixture
def sim() -> MagentoSimulator:
    return simulator()


@pytest.fixture
def wired(sim: MagentoSimulator) -> tuple[MagentoAdapter, Recorded]:
    return adapter_on(sim, magento_connection())


@pytest.fixture
def magento(wired: tuple[MagentoAdapter, Recorded]) -> MagentoAdapter:
    return wired[0]


@pytest.fixture
def recorded(wired: tuple[MagentoAdapter, Recorded]) -> Recorded:
    return wired[1]
