"""The per-caller rate limiters: in memory, and in a real redis-server shared by two limiters."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

import tests.redis_server
from action_gateway.api.problems import to_problem
from action_gateway.errors import RateLimited
from action_gateway.ratelimit import RateLimiter, memory_rate_limiter, redis_rate_limiter
from tests.e2e_server import free_port
from tests.redis_server import running_redis


@pytest.fixture
async def memory() -> AsyncIterator[RateLimiter]:
    limiter = memory_rate_limiter()
    yield limiter
    await limiter.aclose()


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with running_redis(tmp_path / "redis") as url:
        yield url


def store_warnings(logs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in logs if e["event"] == "rate_limit_store_unavailable"]


async def test_memory_allows_the_budget_then_refuses_with_a_retry_after(
    memory: RateLimiter,
) -> None:
    allowed = [await memory.hit("caller-a", 5) for _ in range(5)]
    refused = await memory.hit("caller-a", 5)

    assert allowed == [None] * 5
    assert refused is not None
    assert 59 < refused <= 60  # the first of the five leaves the window in about a minute


async def test_the_wait_is_until_the_oldest_request_leaves_the_window(
    memory: RateLimiter,
) -> None:
    await memory.hit("caller-a", 2)
    await asyncio.sleep(1.2)
    await memory.hit("caller-a", 2)

    wait = await memory.hit("caller-a", 2)

    assert wait is not None
    assert 57.5 < wait < 58.9  # a minute after the first request, not the second


async def test_callers_have_separate_budgets(memory: RateLimiter) -> None:
    for _ in range(3):
        assert await memory.hit("caller-a", 3) is None

    assert await memory.hit("caller-a", 3) is not None
    assert [await memory.hit("caller-b", 3) for _ in range(3)] == [None] * 3
    assert await memory.hit("caller-b", 3) is not None


async def test_memory_window_moves_exactly_and_refusals_are_not_counted() -> None:
    now = [1000.0]
    limiter = memory_rate_limiter(clock=lambda: now[0])
    assert await limiter.hit("caller-a", 2) is None  # t=1000
    now[0] = 1010.0
    assert await limiter.hit("caller-a", 2) is None  # t=1010
    now[0] = 1030.0
    assert await limiter.hit("caller-a", 2) == pytest.approx(30.0)  # the first leaves at 1060
    now[0] = 1059.9
    assert await limiter.hit("caller-a", 2) == pytest.approx(0.1)  # refusals were not counted
    now[0] = 1060.0
    assert await limiter.hit("caller-a", 2) is None  # the first left: one place free
    assert await limiter.hit("caller-a", 2) == pytest.approx(10.0)  # the second leaves at 1070
    now[0] = 1200.0
    assert [await limiter.hit("caller-a", 2) for _ in range(3)] == [None, None, pytest.approx(60.0)]
    await limiter.aclose()


async def test_memory_limiter_starts_no_task_or_thread_per_request() -> None:
    import threading

    limiter = memory_rate_limiter()
    tasks, threads = len(asyncio.all_tasks()), threading.active_count()
    for _ in range(200):
        await limiter.hit("caller-a", 100_000)
    assert len(asyncio.all_tasks()) == tasks
    assert threading.active_count() == threads
    await limiter.aclose()


async def test_per_minute_must_be_positive(memory: RateLimiter) -> None:
    with pytest.raises(ValueError, match="per_minute"):
        await memory.hit("caller-a", 0)


async def test_two_redis_limiters_share_one_count(redis_url: str) -> None:
    first, second = redis_rate_limiter(redis_url), redis_rate_limiter(redis_url)
    try:
        started = time.time()
        assert [await first.hit("caller-a", 4) for _ in range(2)] == [None, None]
        assert [await second.hit("caller-a", 4) for _ in range(2)] == [None, None]
        refused_by_first = await first.hit("caller-a", 4)
        refused_by_second = await second.hit("caller-a", 4)
        other_caller = await second.hit("caller-b", 4)
    finally:
        await first.aclose()
        await second.aclose()

    for wait in (refused_by_first, refused_by_second):
        assert wait is not None
        assert 60 - (time.time() - started) - 1 < wait <= 60
    assert other_caller is None


async def test_an_unreachable_redis_fails_open_and_warns_once() -> None:
    limiter = redis_rate_limiter(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with capture_logs() as logs:
            answers = [await limiter.hit("caller-a", 1) for _ in range(3)]
    finally:
        await limiter.aclose()

    assert answers == [None, None, None]  # over the budget of 1, yet allowed
    (warning,) = store_warnings(logs)
    assert warning["log_level"] == "warning"
    assert warning["backend"] == "redis"


async def test_redis_going_away_and_coming_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setattr(tests.redis_server, "free_port", lambda: port)
    limiter = redis_rate_limiter(f"redis://127.0.0.1:{port}/0")
    try:
        with capture_logs() as logs:
            before = await limiter.hit("caller-a", 2)  # nothing listens yet
            with running_redis(tmp_path / "redis"):
                up = [await limiter.hit("caller-a", 2) for _ in range(3)]
            after = [await limiter.hit("caller-a", 2) for _ in range(3)]  # stopped again
    finally:
        await limiter.aclose()

    assert before is None
    assert up[:2] == [None, None]
    assert up[2] is not None  # limiting again once Redis is back
    assert after == [None, None, None]
    events = [e["event"] for e in logs if e["event"].startswith("rate_limit_store")]
    assert events == [
        "rate_limit_store_unavailable",
        "rate_limit_store_available",
        "rate_limit_store_unavailable",
    ]


def test_rate_limited_is_a_429_with_retry_after() -> None:
    error = RateLimited(12.2)

    problem = to_problem(error, "/v1/actions")

    assert (problem.status, problem.code, problem.retry_after) == (429, "rate_limited", 13)
    assert error.headers == {"Retry-After": "13"}


def test_a_url_that_is_not_redis_is_refused() -> None:
    with pytest.raises(ValueError, match="redis://"):
        redis_rate_limiter("http://127.0.0.1:6379")
