"""action-gateway: let helpdesks act on commerce platforms, safely and explainably."""

__version__ = "0.1.0"
