"""An in-process, stateful simulator of Recharge's API, version 2021-11 (the sandbox's Recharge)."""

from .faults import Fault, FaultKind, FaultPlan
from .seed import (
    SEED_CHARGES,
    SEED_CUSTOMERS,
    SEED_SUBSCRIPTIONS,
    SeedCharge,
    SeedCustomer,
    SeedSubscription,
    charge_table,
    seed_table,
)
from .simulator import LeakyBucket, RechargeSimulator
from .state import API_VERSION, LedgerEntry, add_interval

__all__ = [
    "API_VERSION",
    "SEED_CHARGES",
    "SEED_CUSTOMERS",
    "SEED_SUBSCRIPTIONS",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "LeakyBucket",
    "LedgerEntry",
    "RechargeSimulator",
    "SeedCharge",
    "SeedCustomer",
    "SeedSubscription",
    "add_interval",
    "charge_table",
    "seed_table",
]
