"""Scriptable, deterministic fault injection for the Ordergroove simulator."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import httpx


class FaultKind(StrEnum):
    HTTP_STATUS = "http_status"  # answer with `status` (and `headers`) without executing
    RATE_LIMITED = "rate_limited"  # 429 Too Many Requests, not executed
    DROP_BEFORE = "drop_before"  # the connection fails before the request reaches Ordergroove
    DROP_AFTER = "drop_after"  # Ordergroove executes, then the response is lost


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 503
    headers: tuple[tuple[str, str], ...] = ()
    operation: str | None = None  # only requests for this operation name or "METHOD /template"
    error: type[httpx.TransportError] = httpx.ConnectError
    retry_after: int | None = None  # RATE_LIMITED: a Retry-After to announce (none by default)

    def matches(self, names: Collection[str]) -> bool:
        return self.operation is None or self.operation in names


@dataclass
class FaultPlan:
    """One-shot faults applied, in order, to the next matching requests; plus random ones.

    Operations are named like the spec's operationIds ("subscriptions-list", "skip-subscription",
    "subscriptions-cancel", ...) or by "METHOD /template", e.g.
    "PATCH /orders/{order_id}/skip_subscription/". `random_rate` draws from `random_faults`
    with the simulator's seeded generator, so a run is reproducible for a given `random_seed`.
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

    def rate_limit(self, *, retry_after: int | None = None, operation: str | None = None) -> None:
        self.queue.append(
            Fault(FaultKind.RATE_LIMITED, status=429, operation=operation, retry_after=retry_after)
        )

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
