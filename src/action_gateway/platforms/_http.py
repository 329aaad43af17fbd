"""The one way a platform adapter sends a request upstream: deadline-bound retries, one log line.

Every adapter describes a request (:class:`UpstreamRequest`), says how to read the response
(``interpret``: return the parsed result, raise a :class:`TransientFailure` for "try again
later" answers, or raise a final :class:`~action_gateway.errors.GatewayError`) and calls
:func:`send`. The retry rule depends only on the :class:`RequestKind`:

    failure                                   READ   WRITE   WRITE_DEDUPLICATED
    ConnectError / ConnectTimeout / PoolTimeout yes    yes     yes    (never left)
    429 / throttled (rate_limited=True)         yes    yes     yes    (rejected unexecuted)
    ReadTimeout, dropped connection, ...        yes    no      yes    (may have executed)
    502 / 503 / 504                             yes    no      yes
    other 5xx                                   no     no      yes

A write that fails after it may have executed is reported with ``outcome: unknown``.

Every attempt also passes the connection's circuit breaker (:mod:`._breaker`): while it is
open, :func:`send` refuses before sending (503 ``upstream_circuit_open`` with Retry-After),
and retries stop once it opens.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import httpx
import orjson
import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception

from action_gateway.errors import (
    DeadlineExceeded,
    GatewayError,
    Outcome,
    PlatformMessage,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamUnavailable,
    retry_after_headers,
)
from action_gateway.metrics import UPSTREAM_DURATION, UPSTREAM_RETRIES
from action_gateway.platforms._breaker import (
    CircuitBreakers,
    CircuitOpen,
    Verdict,
)
from action_gateway.platforms.base import ActionCall

log = structlog.get_logger(__name__)

T = TypeVar("T")

NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
"""Transport errors raised before any byte of the request reached the platform."""

TRANSIENT_STATUSES = frozenset({502, 503, 504})
REQUEST_ID_HEADER = "X-Request-Id"


class RequestKind(StrEnum):
    """What a request does, which decides what may be retried."""

    READ = "read"
    WRITE = "write"
    """Changes state; the platform does not deduplicate it."""
    WRITE_DEDUPLICATED = "write_deduplicated"
    """Changes state; the platform deduplicates on our idempotency key, so re-sending is safe."""

    @property
    def is_write(self) -> bool:
        return self is not RequestKind.READ


class TransientFailure(Exception):
    """A response that may be different if the request is sent again later.

    Raised by an ``interpret`` callable; :func:`send` retries it or turns it into the
    matching :class:`~action_gateway.errors.UpstreamError`.
    """

    def __init__(
        self,
        detail: str,
        *,
        status: int | None,
        rate_limited: bool,
        retry_after: float | None = None,
        platform_errors: list[PlatformMessage] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.rate_limited = rate_limited
        """The platform refused the request before executing it (429, throttled)."""
        self.retry_after = retry_after
        """Seconds the platform asks us to wait, if it said."""
        self.platform_errors = platform_errors

    @property
    def log_code(self) -> str:
        return "rate_limited" if self.rate_limited else f"http_{self.status}"


def equal_jitter(wait: float) -> float:
    """Half the wait fixed, half random: spreads retries without ever retrying at once."""
    return wait / 2 + random.uniform(0, wait / 2)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry rule; tests pin ``jitter`` and ``sleep``."""

    max_attempts: int = 4
    attempt_timeout: float = 10.0
    connect_timeout: float = 3.0
    backoff_base: float = 0.25
    backoff_max: float = 2.0
    min_attempt_seconds: float = 0.25
    """A retry is only started when at least this much budget is left after its wait."""
    jitter: Callable[[float], float] = equal_jitter
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


DEFAULT_RETRY_POLICY = RetryPolicy()


@dataclass(frozen=True)
class UpstreamRequest:
    """An upstream request; ``headers`` and ``json`` are never logged (tokens, personal data)."""

    platform: str
    connection: str
    operation: str
    kind: RequestKind
    method: str
    url: str
    headers: Mapping[str, str] = field(repr=False, default_factory=dict)
    json: Any = field(repr=False, default=None)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delay-seconds (fractions tolerated) or an HTTP-date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def is_retryable(kind: RequestKind, exc: BaseException) -> bool:
    """The retry rule (see the module docstring)."""
    if isinstance(exc, NOT_SENT_ERRORS):
        return True
    if isinstance(exc, TransientFailure):
        if exc.rate_limited:
            return True
        if kind is RequestKind.READ:
            return exc.status in TRANSIENT_STATUSES
        return kind is RequestKind.WRITE_DEDUPLICATED
    if isinstance(exc, httpx.TransportError):
        return kind is not RequestKind.WRITE
    return False


def _outcome(kind: RequestKind, may_have_executed: bool) -> Outcome:
    return Outcome.UNKNOWN if kind.is_write and may_have_executed else Outcome.NOT_EXECUTED


def classify_transport_error(
    exc: httpx.TransportError,
    *,
    platform: str,
    kind: RequestKind,
    may_have_executed: bool = False,
    deadline_reached: bool = False,
) -> GatewayError:
    """The gateway error for a transport failure we gave up on.

    ``may_have_executed`` says an earlier attempt of the same request failed ambiguously;
    ``deadline_reached`` says the timeout that fired was the action's deadline.
    """
    if isinstance(exc, NOT_SENT_ERRORS):
        return UpstreamUnavailable(
            f"{platform} could not be reached", outcome=_outcome(kind, may_have_executed)
        )
    outcome = _outcome(kind, True)
    if isinstance(exc, httpx.TimeoutException) and deadline_reached:
        return DeadlineExceeded(f"{platform} did not answer before the deadline", outcome=outcome)
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamUnavailable(f"{platform} did not answer in time", outcome=outcome)
    return UpstreamUnavailable(
        f"the connection to {platform} failed during the request", outcome=outcome
    )


def classify_transient_failure(
    exc: TransientFailure, *, kind: RequestKind, may_have_executed: bool, wait: float | None
) -> UpstreamError:
    """The gateway error for a rate-limit or server-error answer we gave up on."""
    retry_after = exc.retry_after
    if retry_after is None and exc.rate_limited:
        retry_after = wait
    headers, whole = retry_after_headers(retry_after)
    if exc.rate_limited:
        error_cls: type[UpstreamError] = UpstreamRateLimited
    elif exc.status in TRANSIENT_STATUSES:
        error_cls = UpstreamUnavailable
    else:
        error_cls = UpstreamError
    return error_cls(
        exc.detail,
        headers=headers,
        retry_after=whole,
        outcome=_outcome(kind, may_have_executed),
        platform_errors=exc.platform_errors,
    )


def circuit_open_error(
    request: UpstreamRequest, retry_after: float, *, outcome: Outcome
) -> UpstreamUnavailable:
    """The refusal of a request the connection's open circuit breaker did not let through."""
    headers, whole = retry_after_headers(retry_after)
    log.warning(
        "upstream_request_refused",
        platform=request.platform,
        connection=request.connection,
        operation=request.operation,
        kind=str(request.kind),
        reason="circuit_open",
        retry_after=whole,
    )
    return UpstreamUnavailable(
        f"{request.platform} failed repeatedly for this connection; requests are paused "
        f"for {whole} s",
        code="upstream_circuit_open",
        headers=headers,
        retry_after=whole,
        outcome=outcome,
    )


def encode_json(value: Any) -> bytes:
    """A request body as httpx's ``json=`` encodes it (compact UTF-8), several times faster.

    Unlike the standard library, orjson writes a float NaN as ``null`` rather than refusing it;
    the adapters send amounts as decimal strings, never floats.
    """
    encoded = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    # orjson's bytes keep the capacity of its output buffer (16 KiB for a 2 KiB document) for
    # as long as the request is in flight; an exact copy costs under a microsecond.
    return bytes(memoryview(encoded))


def decode_json(response: httpx.Response) -> Any:
    """``response.json()``, by orjson; the standard library's for what orjson refuses.

    orjson refuses integers beyond 64 bits, lone surrogates, NaN and non-UTF-8 encodings that
    the standard library reads; either way an invalid body raises ``ValueError``.
    """
    content = response.content
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


def merge_url(base_url: httpx.URL, url: str) -> httpx.URL:
    """``url`` against a client's ``base_url``, by httpx's rule for ``AsyncClient.request``.

    A relative URL's raw path (with its query) is appended to the base URL's raw path, which
    httpx always ends with "/"; an absolute URL is used as it is.
    """
    merging = httpx.URL(url)
    if merging.is_relative_url:
        return base_url.copy_with(raw_path=base_url.raw_path + merging.raw_path.lstrip(b"/"))
    return merging


class _ClientPlan:
    """What :func:`exchange` reuses from one client: its default headers and merged URLs.

    ``transport`` is the one the client was built with by :func:`upstream_client`; a client
    built otherwise has none here and its requests go through ``AsyncClient.send``.
    """

    MAX_URLS = 256

    def __init__(
        self, http: httpx.AsyncClient, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.base_url = http.base_url
        self.transport = transport
        self.headers = {name.lower(): (name, value) for name, value in http.headers.items()}
        self.urls: dict[str, httpx.URL] = {}

    def url(self, url: str) -> httpx.URL:
        merged = self.urls.get(url)
        if merged is None:
            merged = merge_url(self.base_url, url)  # parsed once per path
            if len(self.urls) >= self.MAX_URLS:
                self.urls.clear()  # REST paths with ids: a bounded memo, not an index
            self.urls[url] = merged
        return merged

    def merge_headers(
        self, headers: Mapping[str, str], *, content_type: str | None = None
    ) -> list[tuple[str, str]]:
        merged = dict(self.headers)
        if content_type is not None:
            merged["content-type"] = ("Content-Type", content_type)
        for name, value in headers.items():
            merged[name.lower()] = (name, value)
        return list(merged.values())


_PLANS: weakref.WeakKeyDictionary[httpx.AsyncClient, _ClientPlan] = weakref.WeakKeyDictionary()


def upstream_client(
    *,
    base_url: str,
    transport: httpx.AsyncBaseTransport,
    timeout: httpx.Timeout,
    headers: Mapping[str, str],
) -> httpx.AsyncClient:
    """A client for one connection whose requests :func:`exchange` hands straight to ``transport``.

    Without mounts or proxies (a client given a transport never reads proxy settings from the
    environment), ``transport`` is the one ``AsyncClient.send`` would choose for every URL.
    """
    http = httpx.AsyncClient(
        base_url=base_url, transport=transport, timeout=timeout, headers=headers
    )
    _PLANS[http] = _ClientPlan(http, transport)
    return http


async def exchange(
    http: httpx.AsyncClient, request: UpstreamRequest, limits: httpx.Timeout
) -> httpx.Response:
    """Send one request through ``http``'s transport and read its answer whole.

    The request is what ``http.request`` would build (the client's base URL and default
    headers, httpx's JSON encoding, the per-request timeout). For a client built by
    :func:`upstream_client` it is handed to the client's transport: ``AsyncClient.send``'s own
    layers are skipped, they do nothing here (no cookies are kept between customers'
    requests, credentials are headers, redirects are never followed, no event hooks) and cost
    about a third of an upstream call's CPU (BENCHMARKS.md). Any other client sends it with
    ``AsyncClient.send``. Transport errors are the transport's own httpx exceptions, as before.
    """
    plan = _PLANS.get(http)
    if plan is None:
        plan = _PLANS[http] = _ClientPlan(http)
    # What httpx's json= sends (compact UTF-8, application/json unless the adapter names its
    # own content type), encoded by orjson.
    has_body = request.json is not None
    outgoing = httpx.Request(
        request.method,
        plan.url(request.url),
        headers=plan.merge_headers(
            request.headers, content_type="application/json" if has_body else None
        ),
        content=encode_json(request.json) if has_body else None,
        extensions={"timeout": limits.as_dict()},  # enforced by the transport
    )
    if plan.transport is None:
        return await http.send(outgoing)  # reads the body whole and closes the stream
    response = await plan.transport.handle_async_request(outgoing)
    response.request = outgoing
    try:
        await response.aread()
    finally:
        await response.aclose()
    return response


@dataclass
class _SendState:
    attempt: int = 0
    may_have_executed: bool = False
    deadline_timeout: bool = False
    next_wait: float | None = None


async def send(
    http: httpx.AsyncClient,
    request: UpstreamRequest,
    *,
    call: ActionCall,
    interpret: Callable[[httpx.Response], T],
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    reserve: float = 0.0,
    breakers: CircuitBreakers,
) -> T:
    """Send ``request`` under the retry rule within ``call``'s deadline, minus ``reserve`` seconds.

    Raises only :class:`~action_gateway.errors.GatewayError` subclasses.
    """
    state = _SendState()
    breaker = breakers.for_connection(request.connection)
    wrote_before = call.write_sent

    def remaining() -> float:
        return call.deadline - reserve - time.monotonic()

    if remaining() <= 0:
        # Nothing is sent now; but an earlier write of this action may have run.
        outcome = Outcome.UNKNOWN if call.write_may_have_run else Outcome.NOT_EXECUTED
        raise DeadlineExceeded(f"no time was left to call {request.platform}", outcome=outcome)

    def wait(retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, TransientFailure) and exc.retry_after is not None:
            return exc.retry_after
        backoff = policy.backoff_base * 2 ** (retry_state.attempt_number - 1)
        return policy.jitter(min(policy.backoff_max, backoff))

    def stop(retry_state: RetryCallState) -> bool:
        # Like stop_before_delay, but against the action's deadline: never sleep past it.
        state.next_wait = retry_state.upcoming_sleep
        return (
            retry_state.attempt_number >= policy.max_attempts
            or retry_state.upcoming_sleep + policy.min_attempt_seconds > remaining()
            or breaker.refuses()  # report the real failure rather than "circuit open"
        )

    async def attempt() -> T:
        try:
            admission = breaker.admit()
        except CircuitOpen as exc:
            # Nothing is sent now; but an earlier write of this action may have run.
            may_have_executed = wrote_before or (request.kind.is_write and state.may_have_executed)
            outcome = Outcome.UNKNOWN if may_have_executed else Outcome.NOT_EXECUTED
            raise circuit_open_error(request, exc.retry_after, outcome=outcome) from None
        verdict = Verdict.NEUTRAL  # cancelled, or a bug in interpret: says nothing
        budget = remaining()
        state.deadline_timeout = budget < policy.attempt_timeout
        timeout = httpx.Timeout(
            min(policy.attempt_timeout, budget), connect=min(policy.connect_timeout, budget)
        )
        state.attempt += 1
        call.attempts += 1
        if state.attempt > 1:
            UPSTREAM_RETRIES.labels(request.platform, request.operation).inc()
        status: int | None = None
        request_id: str | None = None
        result = "ok"
        started = time.perf_counter()
        if request.kind.is_write:
            call.write_sent = True
        try:
            response = await exchange(http, request, timeout)
            status = response.status_code
            request_id = response.headers.get(REQUEST_ID_HEADER)
            if request_id:
                call.upstream_request_ids.append(request_id)
            parsed = interpret(response)
            verdict = Verdict.SUCCESS
            return parsed
        except TransientFailure as exc:
            result = exc.log_code
            state.may_have_executed |= not exc.rate_limited
            verdict = Verdict.NEUTRAL if exc.rate_limited else Verdict.FAILURE
            raise
        except GatewayError as exc:
            result = exc.instance_code
            verdict = Verdict.SUCCESS  # the platform answered on its own terms (4xx, ...)
            raise
        except httpx.TransportError as exc:
            result = type(exc).__name__
            state.may_have_executed |= not isinstance(exc, NOT_SENT_ERRORS)
            verdict = Verdict.FAILURE
            raise
        finally:
            breaker.record(admission, verdict)
            elapsed = time.perf_counter() - started
            UPSTREAM_DURATION.labels(request.platform, request.operation, result).observe(elapsed)
            (log.info if result == "ok" else log.warning)(
                "upstream_request",
                platform=request.platform,
                connection=request.connection,
                operation=request.operation,
                kind=str(request.kind),
                attempt=state.attempt,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
                upstream_request_id=request_id,
                outcome=result,
            )

    # tenacity decides (retry, wait, stop); its synchronous engine is driven here and its waits
    # are awaited between attempts. AsyncRetrying makes the same decisions through per-step
    # coroutine wrappers that cost ~60 µs per request (BENCHMARKS.md).
    waits: list[float] = []
    retrying = Retrying(
        retry=retry_if_exception(lambda exc: is_retryable(request.kind, exc)),
        wait=wait,
        stop=stop,
        sleep=waits.append,
        reraise=True,
    )
    effect_before = call.write_may_have_run
    try:
        for attempt_manager in retrying:
            if waits:
                await policy.sleep(waits.pop())
            with attempt_manager:
                answer: T = await attempt()
    except TransientFailure as exc:
        error: GatewayError = classify_transient_failure(
            exc,
            kind=request.kind,
            may_have_executed=state.may_have_executed,
            wait=state.next_wait,
        )
        raise _after_effects(error, call, request, state, effect_before) from exc
    except httpx.TransportError as exc:
        error = classify_transport_error(
            exc,
            platform=request.platform,
            kind=request.kind,
            may_have_executed=state.may_have_executed,
            deadline_reached=state.deadline_timeout,
        )
        raise _after_effects(error, call, request, state, effect_before) from exc
    except GatewayError as exc:
        raise _after_effects(exc, call, request, state, effect_before) from None
    if request.kind.is_write:
        call.write_may_have_run = True
    return answer


def _after_effects(
    error: GatewayError,
    call: ActionCall,
    request: UpstreamRequest,
    state: _SendState,
    effect_before: bool,
) -> GatewayError:
    """Record whether this write may have run, and never call an action unexecuted once it may.

    A read that fails after an earlier write of the same action (a re-read, a poll) is classified
    as a read; the action as a whole, though, may have happened.
    """
    if request.kind.is_write and state.may_have_executed:
        call.write_may_have_run = True
    if effect_before and error.extensions.get("outcome") == Outcome.NOT_EXECUTED:
        error.extensions["outcome"] = Outcome.UNKNOWN
    return error
