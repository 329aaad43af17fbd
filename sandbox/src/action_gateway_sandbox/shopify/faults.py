"""Fault injection for the Shopify simulator: the shared plan with Shopify's own kinds."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from enum import StrEnum
from typing import Any

from .._faults import BaseFault, BaseFaultPlan

__all__ = ["Fault", "FaultKind", "FaultPlan"]


class FaultKind(StrEnum):
    # Its own enum: Shopify's rate limit is THROTTLED in a 200, not the REST RATE_LIMITED 429.
    HTTP_STATUS = "http_status"  # answer with `status` (and Retry-After) without executing
    THROTTLED = "throttled"  # HTTP 200 with a THROTTLED error, not executed
    DROP_BEFORE = "drop_before"  # the connection fails before the request reaches Shopify
    DROP_AFTER = "drop_after"  # Shopify executes, then the response is lost


@dataclass(frozen=True)
class Fault(BaseFault[FaultKind]):
    """`operation` matches a request's operationName or one of its root fields."""

    _: KW_ONLY
    retry_after: float | None = None


@dataclass
class FaultPlan(BaseFaultPlan[Fault]):
    """One-shot faults applied, in order, to the next matching requests; plus random ones.

    `random_rate` draws from `random_faults` with the simulator's seeded generator, so a run
    is reproducible for a given `random_seed`.
    """

    random_faults: tuple[Fault, ...] = (
        Fault(FaultKind.HTTP_STATUS, status=503),
        Fault(FaultKind.HTTP_STATUS, status=429, retry_after=1.0),
        Fault(FaultKind.THROTTLED),
        Fault(FaultKind.DROP_BEFORE),
    )

    def _fault(self, kind: str, **fields: Any) -> Fault:
        return Fault(FaultKind(kind), **fields)

    def http_status(
        self, status: int, *, retry_after: float | None = None, operation: str | None = None
    ) -> None:
        self.queue.append(
            Fault(
                FaultKind.HTTP_STATUS, status=status, retry_after=retry_after, operation=operation
            )
        )

    def throttle(self, *, operation: str | None = None) -> None:
        self.queue.append(Fault(FaultKind.THROTTLED, operation=operation))
