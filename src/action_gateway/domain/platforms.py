"""What the core knows of a platform without naming one: its kind, and how it tells customers.

Each platform package describes itself with a ``PlatformSpec`` (``platforms/spec.py``), which is
a :class:`PlatformProfile`; the layers below the platforms (the timeline) read only this profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PlatformKind(StrEnum):
    """What a platform holds: customers and orders, or subscriptions of a commerce store's
    customers (a subscription connection names its commerce connection)."""

    COMMERCE = "commerce"
    SUBSCRIPTION = "subscription"


class CustomerNotification(StrEnum):
    """How a platform decides whether an action emails the customer."""

    PER_REQUEST = "per_request"
    """The request says (the action's ``notify_customer``)."""
    STORE_SETTINGS = "store_settings"
    """The store's own email settings decide; the platform takes no per-request flag."""


@dataclass(frozen=True)
class PlatformProfile:
    """A platform as the timeline and the views see it."""

    id: str
    """The short id of the API and the configuration (``platform: <id>``)."""
    name: str
    """The display name in summaries."""
    kind: PlatformKind
    notification: CustomerNotification
