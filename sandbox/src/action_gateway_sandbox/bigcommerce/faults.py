"""Fault injection for the BigCommerce simulator: the shared plan plus its rate-limit window."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Any

from .. import _faults
from .._faults import FaultKind

__all__ = ["Fault", "FaultKind", "FaultPlan"]


@dataclass(frozen=True)
class Fault(_faults.Fault):
    _: KW_ONLY
    reset_ms: int | None = None  # RATE_LIMITED: X-Rate-Limit-Time-Reset-Ms to announce


@dataclass
class FaultPlan(_faults.FaultPlan[Fault]):
    """One-shot faults applied, in order, to the next matching requests; plus random ones.

    Operations are named by the spec's operationId (e.g. "createOrderRefund", "updateOrder")
    or by "METHOD /v3/orders/{order_id}/payment_actions/refunds". `random_rate` draws from
    `random_faults` with the simulator's seeded generator, so a run is reproducible for a
    given `random_seed`.
    """

    random_faults: tuple[Fault, ...] = _faults.rest_random_faults(Fault)

    def _fault(self, kind: str, **fields: Any) -> Fault:
        return Fault(FaultKind(kind), **fields)

    def rate_limit(self, *, reset_ms: int | None = None, operation: str | None = None) -> None:
        self.queue.append(
            Fault(FaultKind.RATE_LIMITED, status=429, operation=operation, reset_ms=reset_ms)
        )
