"""What the app holds for its lifetime: connections with their adapters, matrices, stores."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import cast

from action_gateway.actions.approvals import ApprovalTokens
from action_gateway.actions.specs import supported_actions
from action_gateway.auth import Authenticator, Caller
from action_gateway.config import ConnectionConfig, GatewayConfig
from action_gateway.domain.models import ActionName, Platform
from action_gateway.domain.phones import DEFAULT_PHONE_REGION
from action_gateway.domain.platforms import PlatformKind, PlatformProfile
from action_gateway.eligibility import PlatformMatrix
from action_gateway.errors import DeadlineExceeded, NotFound, Outcome, RateLimited
from action_gateway.idempotency import IdempotencyStore
from action_gateway.metrics import RATE_LIMITED
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.base import ActionCall, CommerceAdapter, SubscriptionAdapter
from action_gateway.ratelimit import RateLimiter


@dataclass(frozen=True)
class Connection:
    config: ConnectionConfig
    adapter: CommerceAdapter | SubscriptionAdapter
    matrix: PlatformMatrix
    deadline_seconds: float
    phone_region: str = DEFAULT_PHONE_REGION
    """Reads a looked-up phone number written without its country code."""
    profile: PlatformProfile = field(init=False, repr=False)
    """Its platform's name and ways, for the timeline (read once from its spec)."""
    is_commerce: bool = field(init=False, repr=False)
    reason_labels: Mapping[str, str] = field(init=False, repr=False)
    """The merchant's cancel reason codes and their labels, from its settings."""
    supported_actions: frozenset[ActionName] = field(init=False)
    """The actions whose capability the adapter implements, derived once, when it is built."""

    def __post_init__(self) -> None:
        # Read once, not per request: the spec and settings sit behind the config's properties.
        spec = self.config.spec
        object.__setattr__(self, "profile", spec)
        object.__setattr__(self, "is_commerce", spec.kind is PlatformKind.COMMERCE)
        object.__setattr__(self, "reason_labels", self.config.settings.reason_labels())
        object.__setattr__(self, "supported_actions", supported_actions(self.adapter))

    @property
    def commerce(self) -> CommerceAdapter:
        """The adapter of a commerce connection (orders, customers)."""
        if not self.is_commerce:
            raise TypeError(f"{self.id} is a {self.platform} connection")
        return cast(CommerceAdapter, self.adapter)

    @property
    def subscriptions(self) -> SubscriptionAdapter:
        """The adapter of a subscription connection."""
        if self.is_commerce:
            raise TypeError(f"{self.id} is a {self.platform} connection")
        return cast(SubscriptionAdapter, self.adapter)

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def platform(self) -> Platform:
        return self.config.platform


@dataclass
class Services:
    config: GatewayConfig
    matrices: dict[Platform, PlatformMatrix]
    connections: dict[str, Connection]
    idempotency: IdempotencyStore
    authenticator: Authenticator = field(default_factory=lambda: Authenticator(None))
    rate_limiter: RateLimiter | None = None
    approvals: ApprovalTokens | None = None
    """Signs the approval token of an approval_required answer, and reads it back."""
    breakers: CircuitBreakers = field(default_factory=CircuitBreakers)
    """The circuit breaker of each connection, handed to its client (see platforms/_breaker.py)."""

    async def rate_limit(self, caller: Caller) -> None:
        """Count one request of ``caller``; :class:`RateLimited` (429) once its budget is spent."""
        if self.rate_limiter is None or caller.requests_per_minute is None:
            return
        wait = await self.rate_limiter.hit(caller.id, caller.requests_per_minute)
        if wait is not None:
            RATE_LIMITED.labels(caller.id).inc()
            raise RateLimited(wait)

    def visible_connections(self, caller: Caller) -> list[Connection]:
        """The connections ``caller`` may use, in configuration order."""
        return [c for c in self.connections.values() if caller.may_use(c.id)]

    def linked_subscriptions(self, commerce_connection_id: str) -> list[Connection]:
        return [
            self.connections[c.id]
            for c in self.config.linked_to(commerce_connection_id)
            if c.id in self.connections
        ]

    def commerce_connection(self, connection_id: str) -> Connection:
        connection = self.connection(connection_id)
        if not connection.is_commerce:
            raise NotFound(
                f"{connection_id!r} is a {connection.platform} (subscription) connection; "
                "orders live on its linked commerce connection.",
                code="connection_not_found",
                connection=connection_id,
            )
        return connection

    def subscription_connection(self, connection_id: str) -> Connection:
        connection = self.connection(connection_id)
        if connection.is_commerce:
            raise NotFound(
                f"{connection_id!r} is a {connection.platform} connection, which has no "
                "subscriptions.",
                code="connection_not_found",
                connection=connection_id,
            )
        return connection

    def connection(self, connection_id: str) -> Connection:
        connection = self.connections.get(connection_id)
        if connection is None:
            raise NotFound(
                f"There is no connection {connection_id!r}.",
                code="connection_not_found",
                connection=connection_id,
            )
        return connection


@asynccontextmanager
async def read_deadline(connection: Connection) -> AsyncIterator[ActionCall]:
    """A read bounded by the connection's deadline; running out is a clear 504, not a 500."""
    call = ActionCall.within(connection.deadline_seconds)
    try:
        async with asyncio.timeout(call.remaining()):
            yield call
    except TimeoutError:
        raise DeadlineExceeded(
            f"Connection {connection.id} did not answer within {connection.deadline_seconds:g} s.",
            outcome=Outcome.NOT_EXECUTED,
            connection=connection.id,
        ) from None
