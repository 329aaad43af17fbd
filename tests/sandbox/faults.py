"""Shared by the simulator tests: seeded random faults, run twice, give the same outcomes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import pytest

Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


def status_only(response: httpx.Response) -> str:
    return str(response.status_code)


async def assert_seeded_faults_reproducible(
    simulator_class: Callable[..., Any],
    token: str,
    base_url: str,
    headers: Mapping[str, str],
    send: Send,
    *,
    requests: int = 24,
    describe: Callable[[httpx.Response], str] = status_only,
) -> None:
    """Two runs of `requests` calls, each on a fresh simulator seeded alike that faults half at
    random, see the same outcomes, and those are a mix of successes and several fault kinds."""
    runs = []
    for _ in range(2):
        sim = simulator_class(access_token=token, random_seed=7)
        sim.faults.random_rate = 0.5
        outcomes: list[str] = []
        async with httpx.AsyncClient(
            transport=sim.transport(), base_url=base_url, headers=dict(headers)
        ) as c:
            for _ in range(requests):
                try:
                    outcomes.append(describe(await send(c)))
                except httpx.ConnectError:
                    outcomes.append("dropped")
        runs.append(outcomes)
    assert runs[0] == runs[1]
    assert len(set(runs[0])) > 2


async def assert_drop_before_does_not_execute(
    sim: Any, operation: str, send: Callable[[], Awaitable[httpx.Response]]
) -> None:
    """A call to ``operation`` dropped before the simulator acts (after a little latency) fails to
    connect and leaves nothing in the ledger."""
    sim.faults.drop_before(operation=operation)
    sim.faults.latency_seconds = 0.01
    with pytest.raises(httpx.ConnectError):
        await send()
    assert sim.ledger == []
