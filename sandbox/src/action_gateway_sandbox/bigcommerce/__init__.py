"""An in-process, stateful simulator of BigCommerce's REST API (the sandbox's BigCommerce)."""

from .faults import Fault, FaultKind, FaultPlan
from .seed import (
    GUEST_EMAIL,
    SEED_CATEGORIES,
    SEED_CUSTOMERS,
    SEED_ORDERS,
    SeedCustomer,
    SeedOrder,
    seed_table,
)
from .simulator import BigCommerceSimulator, RateLimitWindow
from .state import STATUS_NAMES, LedgerEntry

__all__ = [
    "GUEST_EMAIL",
    "SEED_CATEGORIES",
    "SEED_CUSTOMERS",
    "SEED_ORDERS",
    "STATUS_NAMES",
    "BigCommerceSimulator",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "LedgerEntry",
    "RateLimitWindow",
    "SeedCustomer",
    "SeedOrder",
    "seed_table",
]
