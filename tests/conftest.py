"""Shared fixtures: nothing may leak from one test to the next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from action_gateway.platforms._breaker import reset_breakers


@pytest.fixture(autouse=True)
def _fresh_circuit_breakers() -> Iterator[None]:
    """The circuit breakers are per process; start every test with none."""
    reset_breakers()
    yield
    reset_breakers()
