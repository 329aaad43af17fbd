"""Per-caller rate limiting: at most N requests in any 60 s, per caller id.

Built on the ``limits`` library's async moving-window strategy (in Redis; in memory, the same
window is kept by :class:`_InProcessLimiter`). It keeps one timestamp per
request in the window, so it is exact (a fixed window lets 2N through across a window edge;
the sliding-window counter only estimates, and so does its reset time) and the oldest
timestamp says exactly when one more request fits: that is the Retry-After. Its cost, N
timestamps per caller, is small at per-minute budgets.

Two limiters implement one interface:

* ``memory_rate_limiter()``: one process.
* ``redis_rate_limiter(url)``: shared by every replica through one Redis (keys
  ``action-gateway:ratelimit:...``; the timestamps come from each replica's clock, so replicas
  need synchronised clocks, as NTP gives).

Rate limiting must never take the service down: when Redis cannot be reached the limiter fails
OPEN (the request is allowed) and logs ``rate_limit_store_unavailable`` once per outage. (The
idempotency store, which guards money, fails closed instead.) The limiter is not wired into the
app here: whoever identifies the caller calls ``hit`` and raises ``RateLimited`` on a refusal.
"""

from __future__ import annotations

import functools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import structlog
from limits import RateLimitItemPerMinute
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

REDIS_KEY_PREFIX = "action-gateway:ratelimit"
WINDOW_SECONDS = 60.0
STORE_TIMEOUT_SECONDS = 0.5
"""Short: a slow Redis delays every request by up to this before the limiter gives up."""
_LIMITS_SCHEMES = {"redis": "async+redis", "rediss": "async+rediss", "unix": "async+redis+unix"}


class RateLimiter(Protocol):
    async def hit(self, caller_id: str, per_minute: int) -> float | None:
        """Count one request; None when allowed, else the seconds to wait (Retry-After)."""
        ...

    async def aclose(self) -> None:
        """Release the store's connections."""
        ...


@functools.lru_cache(maxsize=64)
def _per_minute(limit: int) -> RateLimitItemPerMinute:
    """One item per configured limit, not one per request (limits are few: one per caller)."""
    return RateLimitItemPerMinute(limit)


def _require_positive(per_minute: int) -> None:
    if per_minute < 1:
        raise ValueError(f"per_minute must be at least 1, not {per_minute}")


class _MovingWindowLimiter:
    def __init__(
        self, storage: Storage, *, backend: str, close: Callable[[], Awaitable[None]]
    ) -> None:
        self._strategy = MovingWindowRateLimiter(storage)
        self._backend = backend
        self._close = close
        self._store_down = False

    async def hit(self, caller_id: str, per_minute: int) -> float | None:
        _require_positive(per_minute)
        item = _per_minute(per_minute)
        try:
            if await self._strategy.hit(item, caller_id):
                wait = None
            else:
                stats = await self._strategy.get_window_stats(item, caller_id)
                # At least 1 s: the window may have moved on between the two calls.
                wait = max(1.0, stats.reset_time - time.time())
        except (RedisError, OSError) as exc:
            if not self._store_down:
                self._store_down = True
                log.warning(
                    "rate_limit_store_unavailable",
                    backend=self._backend,
                    error=f"{type(exc).__name__}: {exc}",
                    effect="requests are not rate limited until it is back",
                )
            return None
        if self._store_down:
            self._store_down = False
            log.info("rate_limit_store_available", backend=self._backend)
        return wait

    async def aclose(self) -> None:
        await self._close()


class _InProcessLimiter:
    """The same moving window, kept in this process: per caller, its requests of the last minute.

    Not ``limits``' in-memory storage: its async flavour starts a sweep of expired entries (a
    new task and a worker thread) on nearly every hit, and inserts each entry at the head of a
    list, which profiling showed on every request (BENCHMARKS.md). Here each caller's times are
    a deque, oldest first: expired ones leave from the left, a hit appends on the right. Like
    the Redis limiter, a refused request is not counted, and the wait is until the request that
    holds the budget leaves the window.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    async def hit(self, caller_id: str, per_minute: int) -> float | None:
        _require_positive(per_minute)
        now = self._clock()
        hits = self._hits.get(caller_id)
        if hits is None:
            hits = self._hits[caller_id] = deque()
        horizon = now - WINDOW_SECONDS
        while hits and hits[0] <= horizon:
            hits.popleft()
        if len(hits) < per_minute:
            hits.append(now)
            return None
        return hits[len(hits) - per_minute] + WINDOW_SECONDS - now

    async def aclose(self) -> None:
        self._hits.clear()


def memory_rate_limiter(clock: Callable[[], float] = time.monotonic) -> RateLimiter:
    """Counts in this process only: each replica would allow the whole budget."""
    return _InProcessLimiter(clock)


def redis_rate_limiter(redis_url: str) -> RateLimiter:
    """Counts in Redis (``redis://``, ``rediss://`` or ``unix://`` URL), shared by replicas.

    No connection is made until the first ``hit``; an unreachable Redis is not an error here.
    """
    scheme, separator, rest = redis_url.partition("://")
    if not separator or scheme not in _LIMITS_SCHEMES:
        raise ValueError("the rate limiter's Redis URL must start redis://, rediss:// or unix://")
    # Our own pool: fail fast, without redis-py's default retries with back-off (seconds per
    # request while Redis is down).
    pool = ConnectionPool.from_url(
        redis_url,
        socket_connect_timeout=STORE_TIMEOUT_SECONDS,
        socket_timeout=STORE_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
    # limits hands connection_pool on to redis-py (its annotation only admits scalars).
    options: dict[str, Any] = {"connection_pool": pool}
    storage = RedisStorage(
        f"{_LIMITS_SCHEMES[scheme]}://{rest}",
        implementation="redispy",
        key_prefix=REDIS_KEY_PREFIX,
        **options,
    )
    return _MovingWindowLimiter(storage, backend="redis", close=pool.aclose)
