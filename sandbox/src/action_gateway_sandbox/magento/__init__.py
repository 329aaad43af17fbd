"""An in-process, stateful simulator of Magento 2.4's Admin REST API (the sandbox's Magento)."""

from .seed import CUSTOMERS, GUEST_EMAIL, OFFLINE_METHOD, ONLINE_METHOD, SEED_ORDERS, SeedOrder
from .simulator import Fault, FaultPlan, MagentoSimulator
from .store import LedgerEntry

__all__ = [
    "CUSTOMERS",
    "GUEST_EMAIL",
    "OFFLINE_METHOD",
    "ONLINE_METHOD",
    "SEED_ORDERS",
    "Fault",
    "FaultPlan",
    "LedgerEntry",
    "MagentoSimulator",
    "SeedOrder",
]
