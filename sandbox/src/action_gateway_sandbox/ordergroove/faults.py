"""Fault injection for the Ordergroove simulator: the shared plan plus a scripted Retry-After."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Any

from .. import _faults
from .._faults import FaultKind

__all__ = ["Fault", "FaultKind", "FaultPlan"]


@dataclass(frozen=True)
class Fault(_faults.Fault):
    _: KW_ONLY
    retry_after: int | None = None  # RATE_LIMITED: a Retry-After to announce (none by default)


@dataclass
class FaultPlan(_faults.FaultPlan[Fault]):
    """One-shot faults applied, in order, to the next matching requests; plus random ones.

    Operations are named like the spec's operationIds ("subscriptions-list", "skip-subscription",
    "subscriptions-cancel", ...) or by "METHOD /template", e.g.
    "PATCH /orders/{order_id}/skip_subscription/". `random_rate` draws from `random_faults`
    with the simulator's seeded generator, so a run is reproducible for a given `random_seed`.
    """

    random_faults: tuple[Fault, ...] = _faults.rest_random_faults(Fault)

    def _fault(self, kind: str, **fields: Any) -> Fault:
        return Fault(FaultKind(kind), **fields)

    def rate_limit(self, *, retry_after: int | None = None, operation: str | None = None) -> None:
        self.queue.append(
            Fault(FaultKind.RATE_LIMITED, status=429, operation=operation, retry_after=retry_after)
        )
