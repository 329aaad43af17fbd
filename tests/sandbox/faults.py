"""Shared by the simulator tests: seeded random faults, run twice, give the same outcomes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


def status_only(response: httpx.Response) -> str:
    return str(response.status_code)


async def seeded_fault_runs(
    make_simulator: Callable[[], Any],
    base_url: str,
    headers: Mapping[str, str],
    send: Send,
    *,
    requests: int = 24,
    describe: Callable[[httpx.Response], str] = status_only,
) -> list[list[str]]:
    """Two runs of `requests` calls, each on a fresh simulator that faults half at random."""
    runs = []
    for _ in range(2):
        sim = make_simulator()
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
    return runs
