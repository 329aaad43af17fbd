"""Shared fixtures: nothing may leak from one test to the next."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from action_gateway.platforms._breaker import reset_breakers


@pytest.fixture(autouse=True)
def _fresh_circuit_breakers() -> Iterator[None]:
    """The circuit breakers are per process; start every test with none."""
    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """A test that configures logging (often onto capsys's stream, closed after it) undoes it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)
