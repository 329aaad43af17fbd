"""Who is calling: API keys checked against configured hashes, and what each caller may touch.

A caller presents ``Authorization: Bearer <key>``; the gateway hashes the key (SHA-256) and
compares it, in constant time, with every configured hash, so neither the key nor the time taken
tells which caller (if any) nearly matched. Keys are never stored, only their hashes.

Without configured callers the gateway is *open*: every request acts as the ``anonymous``
caller with every scope. That mode is for the sandbox and local development only; ``serve``
refuses to bind a non-loopback address in it, and requests from non-loopback peers are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from action_gateway.config import CallerConfig
from action_gateway.domain.models import ActionName
from action_gateway.errors import Forbidden, Unauthenticated

ANONYMOUS_CALLER_ID = "anonymous"
_LOOPBACK_NAMES = frozenset({"localhost", "testclient"})
"""Host names that mean this machine (``testclient`` is Starlette's in-process client)."""


def hash_key(key: str) -> str:
    """The hex SHA-256 of an API key, as configured in ``callers[].key_sha256``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (an address or a name) is this machine."""
    if not host:
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Caller:
    """An authenticated caller and its scopes (``None`` means every one)."""

    id: str
    connections: frozenset[str] | None
    actions: frozenset[ActionName] | None
    requests_per_minute: int | None = None
    """None: not rate limited (the open, local mode)."""

    @classmethod
    def from_config(cls, config: CallerConfig) -> Caller:
        return cls(
            id=config.id,
            connections=None if config.connections == "*" else frozenset(config.connections),
            actions=None if config.actions == "*" else frozenset(config.actions),
            requests_per_minute=config.requests_per_minute,
        )

    def may_use(self, connection_id: str) -> bool:
        return self.connections is None or connection_id in self.connections

    def may_perform(self, action: ActionName) -> bool:
        return self.actions is None or action in self.actions

    def require_connection(self, connection_id: str) -> None:
        if not self.may_use(connection_id):
            raise Forbidden(
                f"Caller {self.id!r} may not use connection {connection_id!r}.",
                code="connection_forbidden",
                connection=connection_id,
            )

    def require_action(self, action: ActionName) -> None:
        if not self.may_perform(action):
            raise Forbidden(
                f"Caller {self.id!r} may not perform {action.value}"
                + (" (its key is read-only)." if not self.actions else "."),
                code="action_forbidden",
            )


ANONYMOUS = Caller(id=ANONYMOUS_CALLER_ID, connections=None, actions=None)

_WWW_AUTHENTICATE = 'Bearer realm="action-gateway"'


class Authenticator:
    """Maps a request's credentials to a :class:`Caller`."""

    def __init__(self, callers: Iterable[CallerConfig] | None) -> None:
        self.open = callers is None
        self._by_hash: list[tuple[bytes, Caller]] = [
            (bytes.fromhex(digest), Caller.from_config(config))
            for config in callers or []
            for digest in config.key_sha256
        ]

    def authenticate(self, authorization: str | None, peer: str | None) -> Caller:
        """The caller, or :class:`Unauthenticated` (401) when the key is missing or wrong."""
        if self.open:
            if not is_loopback(peer):
                # Open mode serves this machine only, even if it was bound wider by hand.
                raise Unauthenticated(
                    "This gateway has no callers configured and answers local requests only; "
                    "configure `callers` to accept requests from other hosts.",
                    headers={"WWW-Authenticate": _WWW_AUTHENTICATE},
                )
            return ANONYMOUS
        scheme, _, key = (authorization or "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise Unauthenticated(
                "Send the caller's API key as `Authorization: Bearer <key>`.",
                headers={"WWW-Authenticate": _WWW_AUTHENTICATE},
            )
        presented = hashlib.sha256(key.encode("utf-8")).digest()
        found: Caller | None = None
        for digest, caller in self._by_hash:  # every hash compared: no early exit to time
            if hmac.compare_digest(presented, digest):
                found = caller
        if found is None:
            raise Unauthenticated(
                "The API key is not valid.",
                headers={"WWW-Authenticate": f'{_WWW_AUTHENTICATE}, error="invalid_token"'},
            )
        return found
