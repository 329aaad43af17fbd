"""An in-process, stateful simulator of Ordergroove's REST API (the sandbox's Ordergroove)."""

from .faults import Fault, FaultKind, FaultPlan
from .seed import (
    MERCHANT_ID,
    SEED_CUSTOMERS,
    SEED_ORDERS,
    SEED_PRODUCTS,
    SEED_SUBSCRIPTIONS,
    SeedCustomer,
    SeedOrder,
    SeedSubscription,
    order_table,
    seed_table,
)
from .simulator import OrdergrooveSimulator, RateLimitWindow
from .state import PERIOD_NAMES, STATUS_NAMES, LedgerEntry, add_interval

__all__ = [
    "MERCHANT_ID",
    "PERIOD_NAMES",
    "SEED_CUSTOMERS",
    "SEED_ORDERS",
    "SEED_PRODUCTS",
    "SEED_SUBSCRIPTIONS",
    "STATUS_NAMES",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "LedgerEntry",
    "OrdergrooveSimulator",
    "RateLimitWindow",
    "SeedCustomer",
    "SeedOrder",
    "SeedSubscription",
    "add_interval",
    "order_table",
    "seed_table",
]
