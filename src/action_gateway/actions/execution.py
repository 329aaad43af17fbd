"""Exactly once per Idempotency-Key: claim the key, run the action shielded, keep its answer.

The HTTP layer hands in how an answer is rendered; what is kept and replayed is the rendered
answer (status, body, media type), byte for byte.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from action_gateway.actions.flow import ActionResult, perform_action
from action_gateway.actions.services import Services
from action_gateway.domain.models import ActionRequest
from action_gateway.errors import (
    DeadlineExceeded,
    GatewayError,
    IdempotencyKeyReused,
    IdempotencyRequestInFlight,
    Outcome,
    UpstreamError,
)
from action_gateway.idempotency import (
    ClaimState,
    StoredResponse,
    downstream_key,
    fingerprint,
)
from action_gateway.metrics import IDEMPOTENCY

RenderResult = Callable[[ActionResult], StoredResponse]
RenderError = Callable[[GatewayError], StoredResponse]

_RUNNING: set[asyncio.Task[Answer]] = set()
"""Actions whose callers may have gone; kept referenced until they finish."""


def retry_safe(exc: GatewayError) -> bool:
    """Whether an error answer is forgotten, so a retry with the same key is evaluated afresh.

    As Stripe does: an answer given before any write could reach the platform (validation, not
    found, not eligible, disabled, forbidden, approval required, a failed read) is not kept; once
    a write may have been sent it is, unless the chokepoint proved the write never arrived (no
    connection, 429: ``outcome: not_executed``).
    """
    outcome = exc.extensions.get("outcome")
    if outcome == Outcome.UNKNOWN:
        return False  # the platform may have acted, whatever was recorded
    if not exc.write_sent:
        return True
    return isinstance(exc, UpstreamError | DeadlineExceeded) and outcome == Outcome.NOT_EXECUTED


async def perform_once(
    services: Services,
    body: ActionRequest,
    *,
    caller_id: str,
    idempotency_key: str,
    render_result: RenderResult,
    render_error: RenderError,
) -> Answer:
    """The answer to ``body`` under the caller's key (a replay, or a new one; a new answer that
    is not kept comes with the release of the key, for the caller to run once it is delivered).

    Raises :class:`IdempotencyKeyReused` for the key with another request and
    :class:`IdempotencyRequestInFlight` while the first request with it runs.
    """
    # Keys are per caller: the same key from two callers names two actions, and one caller can
    # never be handed another's stored answer. Caller ids cannot contain ":".
    key = f"{caller_id}:{idempotency_key}"
    digest = fingerprint({"caller": caller_id, "request": body.model_dump(mode="json")})
    claim = await services.idempotency.claim(key, digest)
    if claim.state is ClaimState.MISMATCH:
        IDEMPOTENCY.labels("reused").inc()
        raise IdempotencyKeyReused(
            "This Idempotency-Key was first used with a different request; use a new key."
        )
    if claim.state is ClaimState.IN_FLIGHT:
        IDEMPOTENCY.labels("in_flight").inc()
        raise IdempotencyRequestInFlight(
            "The first request with this Idempotency-Key is still running; retry shortly.",
            headers={"Retry-After": "1"},
            retry_after=1,
        )
    if claim.state is ClaimState.REPLAY and claim.response is not None:
        IDEMPOTENCY.labels("replayed").inc()
        return Answer(claim.response, replayed=True)
    # The action runs in its own task, shielded from the caller going away: a request cancelled
    # mid-way (client timeout, disconnect) must not abandon a write that may have reached the
    # platform, nor free its key for a blind second execution. It finishes and stores its answer,
    # which the caller's retry then gets (409 while it runs, the replay after).
    task = asyncio.create_task(
        _execute_and_store(
            services,
            body,
            caller_id,
            key,
            digest,
            render_result,
            render_error,
            resumed_since=claim.resumed_since,
        )
    )
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        # Nobody waits for the answer now: a forgettable one is forgotten as soon as it is ready.
        task.add_done_callback(_release_unanswered)
        raise


@dataclass(frozen=True)
class Answer:
    response: StoredResponse
    replayed: bool = False
    release: Callable[[], Awaitable[None]] | None = None
    """For an answer that is not kept (nothing may have run): frees the key. Called once the
    answer has reached the caller, so a concurrent copy of the request that takes the key
    afterwards can never act before this answer ("not executed") is delivered."""


def _release_unanswered(task: asyncio.Task[Answer]) -> None:
    if task.cancelled() or task.exception() is not None:
        return
    release = task.result().release
    if release is not None:
        releasing = asyncio.ensure_future(release())
        _RELEASING.add(releasing)
        releasing.add_done_callback(_RELEASING.discard)


_RELEASING: set[asyncio.Future[None]] = set()


async def _execute_and_store(
    services: Services,
    body: ActionRequest,
    caller_id: str,
    key: str,
    digest: str,
    render_result: RenderResult,
    render_error: RenderError,
    *,
    resumed_since: float | None = None,
) -> Answer:
    try:
        result = await perform_action(
            services,
            body,
            caller=caller_id,
            downstream_key=downstream_key(f"{body.connection}:{body.action}", key),
            idempotency_key=key,
            resumed_since=resumed_since,
        )
        response = render_result(result)
    except GatewayError as exc:
        response = render_error(exc)
        if retry_safe(exc):
            return Answer(
                response, release=functools.partial(services.idempotency.release, key, digest)
            )
    # No release on cancellation (shutdown): the write may have run, so the claim is left to
    # expire after the in-flight lease instead of being freed for a second execution.
    kept_headers = {k: v for k, v in response.headers.items() if k.lower() == "retry-after"}
    await services.idempotency.complete(
        key, digest, dataclasses.replace(response, headers=kept_headers)
    )
    return Answer(response)
