"""An in-process, stateful simulator of Shopify's Admin GraphQL API (the sandbox's Shopify)."""

from .faults import Fault, FaultKind, FaultPlan
from .seed import SEED_COLLECTIONS, SEED_CUSTOMERS, SEED_ORDERS, SeedCustomer, SeedOrder, seed_table
from .simulator import ShopifySimulator, ThrottleBucket
from .state import LedgerEntry

__all__ = [
    "SEED_COLLECTIONS",
    "SEED_CUSTOMERS",
    "SEED_ORDERS",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "LedgerEntry",
    "SeedCustomer",
    "SeedOrder",
    "ShopifySimulator",
    "ThrottleBucket",
    "seed_table",
]
