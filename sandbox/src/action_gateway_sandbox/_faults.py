"""Scriptable, deterministic fault injection shared by the platform simulators.

Each platform's `faults` module subclasses these for what only it has: how a rate-limit
fault is described (BigCommerce's reset window, Ordergroove's Retry-After, Shopify's
THROTTLED kind) and how its operations are named. How a fault is rendered stays in the
platform's simulator.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from dataclasses import KW_ONLY, dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

import httpx


class FaultKind(StrEnum):
    """The REST simulators' kinds (Shopify has its own: a rate limit there is a 200)."""

    HTTP_STATUS = "http_status"  # answer with `status` (and `headers`) without executing
    RATE_LIMITED = "rate_limited"  # 429 in the platform's own shape, not executed
    DROP_BEFORE = "drop_before"  # the connection fails before the request reaches the platform
    DROP_AFTER = "drop_after"  # the platform executes, then the response is lost


KindT = TypeVar("KindT", bound=StrEnum)


@dataclass(frozen=True)
class BaseFault(Generic[KindT]):
    kind: KindT
    status: int = 503
    # Keyword-only from here: subclasses append fields, so positions would not be stable.
    _: KW_ONLY
    operation: str | None = None  # only requests carrying this operation name
    error: type[httpx.TransportError] = httpx.ConnectError

    def matches(self, names: Collection[str]) -> bool:
        return self.operation is None or self.operation in names


FaultT = TypeVar("FaultT", bound=BaseFault[Any])


@dataclass
class BaseFaultPlan(Generic[FaultT]):
    """One-shot faults applied, in order, to the next matching requests; plus random ones.

    `random_rate` draws from `random_faults` with the simulator's seeded generator, so a run
    is reproducible for a given `random_seed`.
    """

    latency_seconds: float = 0.0
    queue: list[FaultT] = field(default_factory=list)
    random_rate: float = 0.0
    random_faults: tuple[FaultT, ...] = ()  # each platform's plan sets its own default

    def _fault(self, kind: str, **fields: Any) -> FaultT:
        """A fault of the platform's own class; `kind` is the FaultKind value."""
        raise NotImplementedError

    def drop_before(
        self,
        *,
        operation: str | None = None,
        error: type[httpx.TransportError] = httpx.ConnectError,
    ) -> None:
        self.queue.append(self._fault("drop_before", operation=operation, error=error))

    def drop_after(
        self, *, operation: str | None = None, error: type[httpx.TransportError] = httpx.ReadError
    ) -> None:
        self.queue.append(self._fault("drop_after", operation=operation, error=error))

    def take(self, names: Collection[str], rng: random.Random) -> FaultT | None:
        """The fault for a request with these operation names, consuming it."""
        for index, fault in enumerate(self.queue):
            if fault.matches(names):
                return self.queue.pop(index)
        if self.random_rate and self.random_faults and rng.random() < self.random_rate:
            return rng.choice(self.random_faults)
        return None


@dataclass(frozen=True)
class Fault(BaseFault[FaultKind]):
    """A REST simulator's fault; HTTP_STATUS answers also carry `headers`."""

    _: KW_ONLY
    headers: tuple[tuple[str, str], ...] = ()


RestFaultT = TypeVar("RestFaultT", bound=Fault)


@dataclass
class FaultPlan(BaseFaultPlan[RestFaultT]):
    """A REST simulator's plan; the platform adds `rate_limit` with its own parameters."""

    def http_status(
        self,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        operation: str | None = None,
    ) -> None:
        self.queue.append(
            self._fault(
                "http_status",
                status=status,
                headers=tuple((headers or {}).items()),
                operation=operation,
            )
        )


def rest_random_faults(fault: type[RestFaultT]) -> tuple[RestFaultT, ...]:
    """The REST simulators' default `random_faults`, as the platform's Fault class."""
    return (
        fault(FaultKind.HTTP_STATUS, status=503),
        fault(FaultKind.HTTP_STATUS, status=500),
        fault(FaultKind.RATE_LIMITED, status=429),
        fault(FaultKind.DROP_BEFORE),
    )
