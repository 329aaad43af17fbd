"""Scriptable, deterministic fault injection for the Recharge simulator."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import httpx


class FaultKind(StrEnum):
    HTTP_STATUS = "http_status"  # answer with `status` (and `headers`) without executing
    RATE_LIMITED = "rate_limited"  # 429 as from the leaky bucket, not executed
    DROP_BEFORE = "drop_before"  # the connection fails before the request reaches Recharge
    DROP_AFTER = "drop_after"  # Recharge executes, then the response is lost


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 503
    headers: tuple[tuple[str, str], ...] = ()
    operation: str | None = None  # only requests for this operation or "METHOD /template"
    error: type[httpx.TransportError] = httpx.ConnectError

    def matches(self, names: Collection[str]) -> bool:
        return self.operation is None or self.operation in names


@dataclass
class FaultPlan:
    """One-shot faults applied, in order, to the next matching requests; plus random ones.

    Operations are named "listCustomers", "getCustomer", "listSubscriptions",
    "getSubscription", "cancelSubscription", "listCharges", "getCharge", "skipCharge", or by
    "METHOD /template", e.g. "POST /charges/{charge_id}/skip". `random_rate` draws from
    `random_faults` with the simulator's seeded generator, so a run is reproducible for a
    given `random_seed`.
    """

    latency_seconds: float = 0.0
    queue: list[Fault] = field(default_factory=list)
    random_rate: float = 0.0
    random_faults: tuple[Fault, ...] = (
        Fault(FaultKind.HTTP_STATUS, status=503),
        Fault(FaultKind.HTTP_STATUS, status=500),
        Fault(FaultKind.RATE_LIMITED, status=429),
        Fault(FaultKind.DROP_BEFORE),
    )

    def http_status(
        self,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        operation: str | None = None,
    ) -> None:
        self.queue.append(
            Fault(
                FaultKind.HTTP_STATUS,
                status=status,
                headers=tuple((headers or {}).items()),
                operation=operation,
            )
        )

    def rate_limit(self, *, operation: str | None = None) -> None:
        self.queue.append(Fault(FaultKind.RATE_LIMITED, status=429, operation=operation))

    def drop_before(
        self,
        *,
        operation: str | None = None,
        error: type[httpx.TransportError] = httpx.ConnectError,
    ) -> None:
        self.queue.append(Fault(FaultKind.DROP_BEFORE, operation=operation, error=error))

    def drop_after(
        self, *, operation: str | None = None, error: type[httpx.TransportError] = httpx.ReadError
    ) -> None:
        self.queue.append(Fault(FaultKind.DROP_AFTER, operation=operation, error=error))

    def take(self, names: Collection[str], rng: random.Random) -> Fault | None:
        """The fault for a request with these operation names, consuming it."""
        for index, fault in enumerate(self.queue):
            if fault.matches(names):
                return self.queue.pop(index)
        if self.random_rate and self.random_faults and rng.random() < self.random_rate:
            return rng.choice(self.random_faults)
        return None
