"""Idempotency-Key handling for action requests (modelled on the IETF draft and Stripe).

Same key and same request: the first answer is replayed without calling the platform again.
Same key, another request: 422. Same key while the first is still running: 409.

Two stores implement one interface:

* ``InMemoryIdempotencyStore``: one process (the default; a restart forgets every key).
* ``RedisIdempotencyStore``: shared by every replica through one Redis
  (``ACTION_GATEWAY_REDIS_URL``). A claim is one atomic ``SET key <in-flight record> NX PX``;
  exactly one request wins it. The final answer replaces the claim through an owner-checked
  compare-and-set (a Lua script) and is kept ``retention_seconds`` (24 h). Keys are
  ``action-gateway:idem:<Idempotency-Key>``. When Redis cannot be reached the claim fails
  closed: the request is answered 503 ``idempotency_store_unavailable`` (with Retry-After) and
  the action is never performed without a claim.

A crashed owner (process killed between claim and answer): its in-flight record carries an
expiry of ``in_flight_seconds`` (the longest connection deadline plus a margin, so it outlives
any request that is still running normally), so the key is never stuck. Until then a retry
gets 409. After it, the next attempt claims the key again and runs the action through the
normal flow, which first re-reads the resource from the platform and checks eligibility:
cancelling an order that is already cancelled is refused (``not_eligible``), and a Shopify
``refundCreate`` carries the same ``@idempotent`` key (derived from ours by
``downstream_key``), so Shopify deduplicates it. That is the whole of the reconciliation: where
the platform neither deduplicates nor shows the first attempt in the state the eligibility
rules read (for example a second partial refund that still fits the refundable amount on a
platform without idempotency keys), the action can run a second time. To let an adapter guard
the writes the platform cannot deduplicate (store credit), every claim also leaves a "tried"
mark that outlives the lease (``retention_seconds``): a claim taken over from an attempt that
never answered says when that attempt began (``Claim.resumed_since``), and a release (the
request provably did nothing) removes the mark only when its own claim made it. A lease is not
a lock either: a process paused for longer than ``in_flight_seconds`` can still finish after another
has claimed the key; its answer is then not stored (the owner check refuses it).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from action_gateway.errors import GatewayError, MalformedRequest, Outcome

log = structlog.get_logger(__name__)

KEY_MAX_LENGTH = 255
KEY_PATTERN = r'^("[!#-~]{1,255}"|[!#-~]{1,255})$'
"""Visible ASCII except the double quote, bare (Stripe) or quoted (the IETF draft's sf-string)."""
_KEY_RE = re.compile(KEY_PATTERN)
RETENTION_SECONDS = 24 * 3600
IN_FLIGHT_MARGIN_SECONDS = 45.0
"""Added to the longest deadline: a claim outlives any request still running normally."""
REDIS_KEY_PREFIX = "action-gateway:idem:"
STORE_RETRY_AFTER_SECONDS = 5
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
    resumed_since: float | None = None
    """On a claim taken over from an earlier attempt that never answered (its process stopped,
    its lease expired): when that attempt claimed the key (Unix time). It may have acted."""


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
    resumed: bool = False


class InMemoryIdempotencyStore:
    """One process's store. Claims are atomic because the event loop runs one task at a time."""

    def __init__(
        self, *, retention_seconds: float = RETENTION_SECONDS, in_flight_seconds: float = 300.0
    ) -> None:
        self._records: dict[str, _Record] = {}
        self._tried: dict[str, float] = {}
        """key -> when its first unanswered claim was made (Unix time)."""
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
                # A mark left by a claim that neither answered nor was released: it expired.
                resumed = self._tried.get(key)
                if resumed is None:
                    self._tried[key] = time.time()
                self._records[key] = _Record(
                    fingerprint, now + self._in_flight, resumed=resumed is not None
                )
                return Claim(ClaimState.CLAIMED, resumed_since=resumed)
            if record.fingerprint != fingerprint:
                return Claim(ClaimState.MISMATCH)
            if record.response is None:
                return Claim(ClaimState.IN_FLIGHT)
            return Claim(ClaimState.REPLAY, record.response)

    async def complete(self, key: str, fingerprint: str, response: StoredResponse) -> None:
        async with self._lock:
            self._records[key] = _Record(fingerprint, time.monotonic() + self._retention, response)
            self._tried.pop(key, None)

    async def release(self, key: str, fingerprint: str) -> None:
        async with self._lock:
            record = self._records.get(key)
            if record is not None and record.fingerprint == fingerprint and record.response is None:
                del self._records[key]
                if not record.resumed:  # an earlier attempt's mark stays: it may have acted
                    self._tried.pop(key, None)

    def _evict(self, now: float) -> None:
        # A full sweep at most once a minute keeps claims O(1); the claimed key is checked itself.
        if now < self._next_sweep:
            return
        self._next_sweep = now + 60.0
        expired = [k for k, r in self._records.items() if r.expires_at <= now]
        for key in expired:
            del self._records[key]
        oldest = time.time() - self._retention
        for key in [k for k, at in self._tried.items() if at < oldest]:
            del self._tried[key]


def in_flight_seconds_for(deadlines: Iterable[float]) -> float:
    """How long a claim lives unanswered: the longest deadline plus a margin."""
    return max(deadlines, default=0.0) + IN_FLIGHT_MARGIN_SECONDS


class IdempotencyStoreUnavailable(GatewayError):
    """The shared store could not be reached: fail closed, nothing was performed."""

    status = 503
    code = "idempotency_store_unavailable"
    title = "The idempotency store is unavailable"


def _unavailable() -> IdempotencyStoreUnavailable:
    return IdempotencyStoreUnavailable(
        "The idempotency store could not be reached, so the action was not performed; "
        "retry with the same Idempotency-Key.",
        headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
        retry_after=STORE_RETRY_AFTER_SECONDS,
        outcome=Outcome.NOT_EXECUTED,
    )


def redis_client(url: str) -> Redis:
    """A client that fails fast: a claim that cannot be made is a 503, not a hung request."""
    client: Redis = Redis.from_url(
        url,
        socket_connect_timeout=2.0,
        socket_timeout=2.0,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
        health_check_interval=30,
    )
    return client


# KEYS[1] the record; ARGV[1] the owner, ARGV[2] the final record, ARGV[3] its expiry (ms).
# Replace only the caller's own claim; a record that expired unclaimed takes the answer too.
_COMPLETE_LUA = """
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, rec = pcall(cjson.decode, cur)
  if not ok or type(rec) ~= 'table' or rec['owner'] ~= ARGV[1] then return 0 end
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 2
"""

# KEYS[1] the record; ARGV[1] the owner. Delete only the caller's own in-flight claim.
_RELEASE_LUA = """
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local ok, rec = pcall(cjson.decode, cur)
if ok and type(rec) == 'table' and rec['owner'] == ARGV[1] and rec['state'] == 'in_flight' then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

# KEYS[1] the tried mark; ARGV[1] the owner. Delete it only when this claim made it: an
# earlier attempt's mark stays, as that attempt may have acted.
_RELEASE_TRIED_LUA = """
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local ok, rec = pcall(cjson.decode, cur)
if ok and type(rec) == 'table' and rec['owner'] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

_IN_FLIGHT = "in_flight"
_DONE = "done"


class RedisIdempotencyStore:
    """The store shared by every replica, in Redis (see the module docstring).

    Which claim a ``complete`` or ``release`` belongs to is remembered per task (a context
    variable), so they must be awaited from the task that made the claim, as the actions route
    does; two requests in one process therefore never finalize each other's claim.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        in_flight_seconds: float,
        retention_seconds: float = RETENTION_SECONDS,
    ) -> None:
        if in_flight_seconds <= 0 or retention_seconds <= 0:
            raise ValueError("in_flight_seconds and retention_seconds must be positive")
        self._redis = redis
        self._in_flight_ms = max(1, round(in_flight_seconds * 1000))
        self._retention_ms = max(1, round(retention_seconds * 1000))
        self._complete = redis.register_script(_COMPLETE_LUA)
        self._release = redis.register_script(_RELEASE_LUA)
        self._release_tried = redis.register_script(_RELEASE_TRIED_LUA)
        self._owners: ContextVar[Mapping[str, str] | None] = ContextVar(
            f"idempotency_owners_{id(self):x}", default=None
        )

    @staticmethod
    def redis_key(key: str) -> str:
        return REDIS_KEY_PREFIX + key

    async def ping(self) -> bool:
        """Whether Redis answers (logged at start-up; requests fail closed on their own)."""
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def claim(self, key: str, fingerprint: str) -> Claim:
        owner = uuid.uuid4().hex
        record = json.dumps(
            {"state": _IN_FLIGHT, "fp": fingerprint, "owner": owner, "claimed_at": time.time()},
            separators=(",", ":"),
        )
        name = self.redis_key(key)
        try:
            for _ in range(3):
                if await self._redis.set(name, record, nx=True, px=self._in_flight_ms):
                    self._remember(key, owner)
                    return await self._claimed(key, owner)
                raw = await self._redis.get(name)
                if raw is None:  # expired or released between SET and GET: try again
                    continue
                current = _decode(raw)
                if current.get("owner") == owner:
                    # Our SET went through but its reply was lost, and the client re-sent it.
                    self._remember(key, owner)
                    return await self._claimed(key, owner)
                if current.get("fp") != fingerprint:
                    return Claim(ClaimState.MISMATCH)
                if current.get("state") == _DONE:
                    return Claim(ClaimState.REPLAY, _response_from(current))
                return Claim(ClaimState.IN_FLIGHT)
        except (RedisError, OSError, ValueError) as exc:
            log.error("idempotency_store_failed", operation="claim", error=type(exc).__name__)
            raise _unavailable() from exc
        return Claim(ClaimState.IN_FLIGHT)  # the key keeps changing hands: retry shortly

    async def _claimed(self, key: str, owner: str) -> Claim:
        """The claim, with the mark of an earlier attempt that never answered, if any (else
        this claim's own mark is left, to outlive its lease)."""
        mark = json.dumps({"owner": owner, "at": time.time()}, separators=(",", ":"))
        tried = self.tried_key(key)
        if await self._redis.set(tried, mark, nx=True, px=self._retention_ms):
            return Claim(ClaimState.CLAIMED)
        raw = await self._redis.get(tried)
        earlier = _decode(raw) if raw is not None else {}
        if earlier.get("owner") == owner:  # our SET's reply was lost and it was re-sent
            return Claim(ClaimState.CLAIMED)
        at = earlier.get("at")
        return Claim(ClaimState.CLAIMED, resumed_since=float(at) if at is not None else None)

    @staticmethod
    def tried_key(key: str) -> str:
        return REDIS_KEY_PREFIX + "tried:" + key

    async def complete(self, key: str, fingerprint: str, response: StoredResponse) -> None:
        """Store the answer over this task's own claim; never raises once the action ran.

        If Redis fails now, the caller still gets the real answer (the action did happen); the
        claim then expires after ``in_flight_seconds`` and a retry is reconciled as above.
        """
        owner = self._forget(key)
        if owner is None:
            log.warning("idempotency_complete_without_claim")
            return
        now = time.time()
        record = json.dumps(
            {
                "state": _DONE,
                "fp": fingerprint,
                "owner": owner,
                "completed_at": now,
                "response": {
                    "status": response.status_code,
                    "body": base64.b64encode(response.body).decode("ascii"),
                    "media_type": response.media_type,
                    "headers": dict(response.headers),
                },
            },
            separators=(",", ":"),
        )
        try:
            outcome = await self._complete(
                keys=[self.redis_key(key)], args=[owner, record, self._retention_ms]
            )
        except (RedisError, OSError) as exc:
            log.error("idempotency_store_failed", operation="complete", error=type(exc).__name__)
            return
        if outcome == 0:
            log.warning("idempotency_claim_lost", reason="another request holds the key now")
        elif outcome == 2:
            log.warning("idempotency_claim_lost", reason="the claim had expired; answer kept")

    async def release(self, key: str, fingerprint: str) -> None:
        """Delete this task's own in-flight claim (the request provably did nothing)."""
        owner = self._forget(key)
        if owner is None:
            return
        try:
            if await self._release(keys=[self.redis_key(key)], args=[owner]):
                await self._release_tried(keys=[self.tried_key(key)], args=[owner])
        except (RedisError, OSError) as exc:
            # The claim then expires by itself; the caller keeps the error that caused this.
            log.error("idempotency_store_failed", operation="release", error=type(exc).__name__)

    def _remember(self, key: str, owner: str) -> None:
        self._owners.set({**(self._owners.get() or {}), key: owner})

    def _forget(self, key: str) -> str | None:
        owners = dict(self._owners.get() or {})
        owner = owners.pop(key, None)
        self._owners.set(owners)
        return owner


def _decode(raw: bytes | str) -> dict[str, Any]:
    record = json.loads(raw)
    if not isinstance(record, dict):
        raise ValueError("an idempotency record is not a JSON object")
    return record


def _response_from(record: Mapping[str, Any]) -> StoredResponse:
    try:
        stored = record["response"]
        return StoredResponse(
            status_code=int(stored["status"]),
            body=base64.b64decode(stored["body"], validate=True),
            media_type=str(stored["media_type"]),
            headers={str(k): str(v) for k, v in stored.get("headers", {}).items()},
        )
    except (KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise ValueError("an idempotency record's answer is unreadable") from exc
