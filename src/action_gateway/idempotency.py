"""Idempotency-Key handling for action requests (modelled on the IETF draft and Stripe).

Same key and same request: the first answer is replayed without calling the platform again.
Same key, another request: 422. Same key while the first is still running: 409.
The store is in memory for now (one process); the interface is what a shared store implements.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from action_gateway.errors import MalformedRequest

KEY_MAX_LENGTH = 255
KEY_PATTERN = r'^("[!#-~]{1,255}"|[!#-~]{1,255})$'
"""Visible ASCII except the double quote, bare (Stripe) or quoted (the IETF draft's sf-string)."""
_KEY_RE = re.compile(KEY_PATTERN)
RETENTION_SECONDS = 24 * 3600
_DOWNSTREAM_NAMESPACE = uuid.UUID("6f1c1d2e-5b0a-4c55-9b5e-2f8a3c7d9e10")


def parse_idempotency_key(raw: str) -> str:
    """The key, accepting both the draft's quoted sf-string form and Stripe's bare form."""
    key = raw.strip()
    if not _KEY_RE.match(key):
        raise MalformedRequest(
            f"Idempotency-Key must be 1 to {KEY_MAX_LENGTH} visible ASCII characters "
            "(no spaces or double quotes), optionally in double quotes",
            code="idempotency_key_invalid",
        )
    return key.strip('"')


def fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 of the request's canonical JSON (key order and whitespace do not matter)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def downstream_key(scope: str, key: str) -> str:
    """A stable key for platforms that deduplicate (Shopify ``@idempotent``)."""
    return str(uuid.uuid5(_DOWNSTREAM_NAMESPACE, f"{scope}\x1f{key}"))


class ClaimState(StrEnum):
    CLAIMED = "claimed"
    REPLAY = "replay"
    IN_FLIGHT = "in_flight"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    response: StoredResponse | None = None


class IdempotencyStore(Protocol):
    async def claim(self, key: str, fingerprint: str) -> Claim: ...

    async def complete(self, key: str, fingerprint: str, response: StoredResponse) -> None: ...

    async def release(self, key: str, fingerprint: str) -> None:
        """Forget an in-flight claim whose request provably did nothing (safe to retry)."""
        ...


@dataclass
class _Record:
    fingerprint: str
    expires_at: float
    response: StoredResponse | None = None


class InMemoryIdempotencyStore:
    """One process's store. Claims are atomic because the event loop runs one task at a time."""

    def __init__(
        self, *, retention_seconds: float = RETENTION_SECONDS, in_flight_seconds: float = 300.0
    ) -> None:
        self._records: dict[str, _Record] = {}
        self._retention = retention_seconds
        self._in_flight = in_flight_seconds
        self._lock = asyncio.Lock()
        self._next_sweep = 0.0

    async def claim(self, key: str, fingerprint: str) -> Claim:
        async with self._lock:
            now = time.monotonic()
            self._evict(now)
            record = self._records.get(key)
            if record is not None and record.expires_at <= now:
                del self._records[key]
                record = None
            if record is None:
                self._records[key] = _Record(fingerprint, now + self._in_flight)
                return Claim(ClaimState.CLAIMED)
            if record.fingerprint != fingerprint:
                return Claim(ClaimState.MISMATCH)
            if record.response is None:
                return Claim(ClaimState.IN_FLIGHT)
            return Claim(ClaimState.REPLAY, record.response)

    async def complete(self, key: str, fingerprint: str, response: StoredResponse) -> None:
        async with self._lock:
            self._records[key] = _Record(fingerprint, time.monotonic() + self._retention, response)

    async def release(self, key: str, fingerprint: str) -> None:
        async with self._lock:
            record = self._records.get(key)
            if record is not None and record.fingerprint == fingerprint and record.response is None:
                del self._records[key]

    def _evict(self, now: float) -> None:
        # A full sweep at most once a minute keeps claims O(1); the claimed key is checked itself.
        if now < self._next_sweep:
            return
        self._next_sweep = now + 60.0
        expired = [k for k, r in self._records.items() if r.expires_at <= now]
        for key in expired:
            del self._records[key]
