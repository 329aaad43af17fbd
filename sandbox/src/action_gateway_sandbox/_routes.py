"""Route tables of the REST simulators: a documented path template matched against a request."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    """The path as the platform's docs spell it, e.g. ``/orders/{order_id}/skip_subscription/``."""
    operation: str
    """The operation's name (the spec's operationId where it has one); faults may target it."""
    pattern: re.Pattern[str]

    @property
    def fault_names(self) -> set[str]:
        """The names a fault may target this route by: the operation, or ``METHOD template``."""
        return {self.operation, f"{self.method} {self.template}"}


def route(method: str, template: str, operation: str) -> Route:
    regex = re.sub(r"\{[A-Za-z_]+\}", r"([^/]+)", template)
    return Route(method, template, operation, re.compile(f"^{regex}$"))
