"""The circuit breaker per connection, applied by the chokepoint ``send()``."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from action_gateway.errors import (
    Outcome,
    PlatformRejected,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from action_gateway.platforms._breaker import (
    BreakerState,
    CircuitBreakers,
    Verdict,
)
from action_gateway.platforms._http import (
    RequestKind,
    RetryPolicy,
    TransientFailure,
    UpstreamRequest,
    send,
)
from action_gateway.platforms.base import ActionCall
from tests.helpers import running_app

THRESHOLD = 3
COOLDOWN = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Platform:
    """A mock platform answering with ``status`` (or raising ``error``); records requests."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.error: Exception | None = None
        self.requests: list[httpx.Request] = []
        self.gate: asyncio.Event | None = None
        """When set, requests wait for it; ``held`` is set once one is waiting."""
        self.held = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.gate is not None:
            self.held.set()
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return httpx.Response(self.status, text="ok")


def interpret(response: httpx.Response) -> str:
    if response.status_code == 429:
        raise TransientFailure("slow down", status=429, rate_limited=True, retry_after=2)
    if response.status_code >= 500:
        raise TransientFailure("server error", status=response.status_code, rate_limited=False)
    if response.status_code >= 400:
        raise PlatformRejected(f"refused (HTTP {response.status_code})")
    return response.text


async def no_sleep(seconds: float) -> None:
    return None


ONE_ATTEMPT = RetryPolicy(max_attempts=1, sleep=no_sleep)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breakers(clock: Clock) -> CircuitBreakers:
    return CircuitBreakers(failure_threshold=THRESHOLD, cooldown_seconds=COOLDOWN, clock=clock)


async def call(
    platform: Platform,
    breakers: CircuitBreakers,
    *,
    connection: str = "conn-a",
    kind: RequestKind = RequestKind.READ,
    policy: RetryPolicy = ONE_ATTEMPT,
    action: ActionCall | None = None,
) -> str:
    request = UpstreamRequest(
        platform="example",
        connection=connection,
        operation="DoThing",
        kind=kind,
        method="POST",
        url=f"https://{connection}.example.test/thing",
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(platform)) as http:
        return await send(
            http,
            request,
            call=action or ActionCall.within(15),
            interpret=interpret,
            policy=policy,
            breakers=breakers,
        )


async def fail_times(
    n: int, platform: Platform, breakers: CircuitBreakers, connection: str = "conn-a"
) -> None:
    for _ in range(n):
        with pytest.raises(UpstreamError):
            await call(platform, breakers, connection=connection)


def state(breakers: CircuitBreakers, connection: str = "conn-a") -> BreakerState:
    return breakers.states()[connection]


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow")],
)
async def test_transport_failures_open_the_circuit(
    breakers: CircuitBreakers, error: Exception
) -> None:
    platform = Platform()
    platform.error = error
    await fail_times(THRESHOLD, platform, breakers)
    assert state(breakers) is BreakerState.OPEN


async def test_open_circuit_fails_fast_without_sending(
    breakers: CircuitBreakers, clock: Clock
) -> None:
    platform = Platform(503)
    await fail_times(THRESHOLD - 1, platform, breakers)
    assert state(breakers) is BreakerState.CLOSED
    await fail_times(1, platform, breakers)
    assert state(breakers) is BreakerState.OPEN
    sent = len(platform.requests)
    assert sent == THRESHOLD

    clock.now += 10.2
    with pytest.raises(UpstreamUnavailable) as refused:
        await call(platform, breakers, kind=RequestKind.WRITE)
    assert len(platform.requests) == sent  # nothing reached the platform
    error = refused.value
    assert error.status == 503
    assert error.instance_code == "upstream_circuit_open"
    assert error.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert error.headers == {"Retry-After": "20"}  # what is left of the cool-down, rounded up
    assert error.extensions["retry_after"] == 20


async def test_business_errors_and_rate_limits_do_not_open_it(breakers: CircuitBreakers) -> None:
    for status in (400, 404, 409, 422, 429):
        platform = Platform(status)
        for _ in range(THRESHOLD * 2):
            with pytest.raises((PlatformRejected, UpstreamRateLimited)):
                await call(platform, breakers)
        assert state(breakers) is BreakerState.CLOSED, status
        assert len(platform.requests) == THRESHOLD * 2


async def test_a_success_resets_the_count_and_429_does_not(breakers: CircuitBreakers) -> None:
    failing, ok, throttled = Platform(502), Platform(200), Platform(429)
    await fail_times(THRESHOLD - 1, failing, breakers)
    assert await call(ok, breakers) == "ok"
    await fail_times(THRESHOLD - 1, failing, breakers)
    assert state(breakers) is BreakerState.CLOSED
    with pytest.raises(UpstreamRateLimited):
        await call(throttled, breakers)  # neutral: neither counts nor resets
    await fail_times(1, failing, breakers)
    assert state(breakers) is BreakerState.OPEN


async def test_half_open_probe_success_closes_it(breakers: CircuitBreakers, clock: Clock) -> None:
    platform = Platform(500)
    await fail_times(THRESHOLD, platform, breakers)
    clock.now += COOLDOWN
    assert state(breakers) is BreakerState.HALF_OPEN
    platform.status = 200
    assert await call(platform, breakers) == "ok"
    assert state(breakers) is BreakerState.CLOSED
    assert len(platform.requests) == THRESHOLD + 1


async def test_half_open_probe_failure_reopens_it(breakers: CircuitBreakers, clock: Clock) -> None:
    platform = Platform(504)
    await fail_times(THRESHOLD, platform, breakers)
    clock.now += COOLDOWN + 1
    await fail_times(1, platform, breakers)  # the probe
    assert state(breakers) is BreakerState.OPEN
    with pytest.raises(UpstreamUnavailable) as refused:
        await call(platform, breakers)
    assert refused.value.headers == {"Retry-After": "30"}  # a fresh cool-down
    assert len(platform.requests) == THRESHOLD + 1


async def probe_held(
    platform: Platform, breakers: CircuitBreakers, clock: Clock, *, status: int | None = None
) -> asyncio.Task[str]:
    """Open the circuit, let the cool-down pass, and hold the probe at the platform (which then
    answers ``status``, if given)."""
    await fail_times(THRESHOLD, platform, breakers)
    clock.now += COOLDOWN
    if status is not None:
        platform.status = status
    platform.gate = asyncio.Event()
    probe = asyncio.create_task(call(platform, breakers))
    await platform.held.wait()
    return probe


async def test_half_open_lets_only_one_probe_through(
    breakers: CircuitBreakers, clock: Clock
) -> None:
    platform = Platform(503)
    probe = await probe_held(platform, breakers, clock, status=200)
    with pytest.raises(UpstreamUnavailable) as refused:
        await call(platform, breakers)
    assert refused.value.instance_code == "upstream_circuit_open"
    assert refused.value.headers == {"Retry-After": "1"}
    platform.gate.set()
    assert await probe == "ok"
    assert state(breakers) is BreakerState.CLOSED


async def test_a_cancelled_probe_frees_the_probe_slot(
    breakers: CircuitBreakers, clock: Clock
) -> None:
    platform = Platform(503)
    probe = await probe_held(platform, breakers, clock)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert state(breakers) is BreakerState.HALF_OPEN
    platform.gate, platform.status = None, 200
    assert await call(platform, breakers) == "ok"
    assert state(breakers) is BreakerState.CLOSED


async def test_connections_are_independent(breakers: CircuitBreakers) -> None:
    failing, healthy = Platform(503), Platform(200)
    await fail_times(THRESHOLD, failing, breakers, connection="conn-a")
    assert await call(healthy, breakers, connection="conn-b") == "ok"
    assert breakers.states() == {"conn-a": BreakerState.OPEN, "conn-b": BreakerState.CLOSED}


async def test_retries_stop_once_the_circuit_opens(breakers: CircuitBreakers) -> None:
    platform = Platform(503)
    await fail_times(THRESHOLD - 2, platform, breakers)
    retrying = RetryPolicy(max_attempts=4, sleep=no_sleep)
    with pytest.raises(UpstreamUnavailable) as failed:
        await call(platform, breakers, policy=retrying)
    # The real failure is reported (not "circuit open") after the attempt that opened it.
    assert failed.value.instance_code == "upstream_unavailable"
    assert len(platform.requests) == THRESHOLD


async def test_refusal_after_a_write_keeps_the_outcome_unknown(breakers: CircuitBreakers) -> None:
    platform = Platform(503)
    await fail_times(THRESHOLD, platform, breakers)
    action = ActionCall.within(15)
    action.write_sent = True  # an earlier request of this action changed state
    with pytest.raises(UpstreamUnavailable) as refused:
        await call(platform, breakers, kind=RequestKind.READ, action=action)
    assert refused.value.extensions["outcome"] is Outcome.UNKNOWN


async def test_late_answers_do_not_disturb_an_open_circuit(breakers: CircuitBreakers) -> None:
    breaker = breakers.for_connection("conn-a")
    early = breaker.admit()
    for _ in range(THRESHOLD):
        breaker.record(breaker.admit(), Verdict.FAILURE)
    breaker.record(early, Verdict.SUCCESS)
    assert breaker.state is BreakerState.OPEN


async def test_the_gateway_answers_503_with_retry_after() -> None:
    """Through the app: the app's breaker of a sandbox connection, forced open."""
    async with running_app() as (client, app):
        breakers = app.state.services.breakers
        breaker = breakers.for_connection("sandbox-shopify")
        for _ in range(breaker.failure_threshold):
            breaker.record(breaker.admit(), Verdict.FAILURE)
        assert breakers.states() == {"sandbox-shopify": BreakerState.OPEN}
        response = await client.get("/v1/connections/sandbox-shopify/orders/5500001001")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    problem = response.json()
    assert problem["code"] == "upstream_circuit_open"
    assert problem["outcome"] == "not_executed"
    assert problem["retry_after"] == int(response.headers["Retry-After"])


async def test_two_apps_in_one_process_never_share_breakers() -> None:
    """Each app owns its breakers: one app's open circuit leaves the other's closed."""
    async with running_app() as (_, first), running_app() as (client, second):
        assert first.state.services.breakers is not second.state.services.breakers
        breaker = first.state.services.breakers.for_connection("sandbox-shopify")
        for _ in range(breaker.failure_threshold):
            breaker.record(breaker.admit(), Verdict.FAILURE)
        response = await client.get("/v1/connections/sandbox-shopify/orders/5500001001")
        assert second.state.services.breakers.states() == {"sandbox-shopify": BreakerState.CLOSED}
    assert response.status_code == 200, response.text
