"""A circuit breaker per connection, applied by :func:`~action_gateway.platforms._http.send`.

    state      a request ...                               then
    closed     is sent                                     ``threshold`` failures in a row -> open
    open       is refused before sending (503, Retry-After) after ``cooldown`` -> half_open
    half_open  is sent as the one probe; others refused    probe ok -> closed; failed -> open

A *failure* is an answer that says the platform is unhealthy: a transport error (connect
error, timeout, dropped connection) or a 5xx. A *success* is any answer the platform gave
on its own terms, 4xx business errors included. A 429 / throttled answer and a cancelled
request are *neutral*: they neither count nor reset (the platform throttles with its own
Retry-After). The breaker only refuses new requests; it never re-sends anything, so it
cannot turn an unknown outcome into a retry.

Home-made rather than a library, on purpose (reliability notes §3.3): ``purgatory`` 3.0.1
and ``circuitbreaker`` 2.1.3 both let *every* request through while half-open (no single
probe), count every non-failure exception as a success (a 429 would reset the count), and
treat a cancelled probe as a success (``circuitbreaker``) or a failure (``purgatory``);
``purgatory`` also runs an async unit-of-work and message bus for an in-memory dict and
uses the wall clock. Working around that needs as much code as this module; ``aiobreaker``
is stale and ``pybreaker`` has no asyncio support.

State is per connection id and owned by the app: its lifespan creates one
:class:`CircuitBreakers` (held by ``Services``) and hands it to each connection's client through
the adapter factories, so two apps in one process never share a breaker. No I/O, so no lock: it
is only touched from the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_COOLDOWN_SECONDS = 30.0
PROBE_RETRY_AFTER_SECONDS = 1.0
"""What to tell callers refused while the half-open probe is in flight."""


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Verdict(StrEnum):
    """What one upstream request says about the platform's health."""

    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"


class CircuitOpen(Exception):
    """The breaker refused the request; nothing was sent."""

    def __init__(self, connection: str, retry_after: float) -> None:
        super().__init__(f"the circuit of {connection} is open")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Admission:
    """A request the breaker let through; hand it back to :meth:`CircuitBreaker.record`."""

    probe: bool


class CircuitBreaker:
    """The breaker of one connection."""

    def __init__(
        self,
        connection: str,
        *,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connection = connection
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        """The state a new request would meet (open turns half-open once cooled down)."""
        if self._state is BreakerState.OPEN and self._remaining() <= 0:
            return BreakerState.HALF_OPEN
        return self._state

    @property
    def failures(self) -> int:
        return self._failures

    def refuses(self) -> bool:
        """Whether :meth:`admit` would refuse a request now (changes nothing)."""
        state = self.state
        return state is BreakerState.OPEN or (
            state is BreakerState.HALF_OPEN and self._probe_in_flight
        )

    def admit(self) -> Admission:
        """Let one request through or raise :class:`CircuitOpen`."""
        if self._state is BreakerState.OPEN:
            remaining = self._remaining()
            if remaining > 0:
                raise CircuitOpen(self.connection, remaining)
            self._state = BreakerState.HALF_OPEN
            self._probe_in_flight = False
        if self._state is BreakerState.HALF_OPEN:
            if self._probe_in_flight:
                raise CircuitOpen(self.connection, PROBE_RETRY_AFTER_SECONDS)
            self._probe_in_flight = True
            return Admission(probe=True)
        return Admission(probe=False)

    def record(self, admission: Admission, verdict: Verdict) -> None:
        """The result of an admitted request. Must be called once per admission."""
        if admission.probe:
            self._probe_in_flight = False
            if verdict is Verdict.SUCCESS:
                self._close()
            elif verdict is Verdict.FAILURE:
                self._open()
            return
        if self._state is not BreakerState.CLOSED:
            return  # a late answer to a request admitted before the circuit opened
        if verdict is Verdict.SUCCESS:
            self._failures = 0
        elif verdict is Verdict.FAILURE:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()

    def _remaining(self) -> float:
        return self._opened_at + self.cooldown_seconds - self._clock()

    def _open(self) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()

    def _close(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0


class CircuitBreakers:
    """The breakers of one app, one per connection id, created on first use."""

    def __init__(
        self,
        *,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self.clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}

    def for_connection(self, connection: str) -> CircuitBreaker:
        breaker = self._breakers.get(connection)
        if breaker is None:
            breaker = CircuitBreaker(
                connection,
                failure_threshold=self.failure_threshold,
                cooldown_seconds=self.cooldown_seconds,
                clock=self.clock,
            )
            self._breakers[connection] = breaker
        return breaker

    def states(self) -> dict[str, BreakerState]:
        """``{connection: state}`` of every connection that has sent a request (for metrics)."""
        return {connection: b.state for connection, b in self._breakers.items()}

    def reset(self) -> None:
        self._breakers.clear()
