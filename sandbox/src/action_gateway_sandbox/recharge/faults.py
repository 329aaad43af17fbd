"""Fault injection for the Recharge simulator: the shared plan; its 429 carries nothing extra."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import _faults
from .._faults import Fault, FaultKind

__all__ = ["Fault", "FaultKind", "FaultPlan"]


@dataclass
class FaultPlan(_faults.FaultPlan[Fault]):
    """One-shot faults applied, in order, to the next matching requests; plus random ones.

    Operations are named "listCustomers", "getCustomer", "listSubscriptions",
    "getSubscription", "cancelSubscription", "listCharges", "getCharge", "skipCharge", or by
    "METHOD /template", e.g. "POST /charges/{charge_id}/skip". `random_rate` draws from
    `random_faults` with the simulator's seeded generator, so a run is reproducible for a
    given `random_seed`.
    """

    random_faults: tuple[Fault, ...] = _faults.rest_random_faults(Fault)

    def _fault(self, kind: str, **fields: Any) -> Fault:
        return Fault(FaultKind(kind), **fields)

    def rate_limit(self, *, operation: str | None = None) -> None:
        self.queue.append(Fault(FaultKind.RATE_LIMITED, status=429, operation=operation))
