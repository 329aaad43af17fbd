"""Prometheus metrics: what the gateway did, how the platforms answered, and what it refused.

Metric objects live in prometheus-client's process registry, as that library intends; they hold
counts, not clients or connections. ``/metrics`` renders them (see ``api/routes/health.py``).
With several uvicorn workers in one pod, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's
multiprocess mode) so a scrape sums every worker; one worker per pod needs nothing.

Labels are bounded: routes are templates (``/v1/connections/{connection}/orders/{order_id}``),
connections and callers come from the configuration, operations from the adapters' code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from action_gateway.platforms._breaker import BreakerState, CircuitBreakers

HTTP_REQUESTS = Counter(
    "action_gateway_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "action_gateway_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30),
)
ACTIONS = Counter(
    "action_gateway_actions_total",
    "Actions by platform, action, outcome (succeeded, pending, preview, rejected, not_eligible, "
    "approval_required, failed, unknown, error) and caller.",
    ["platform", "action", "outcome", "caller"],
)
ACTIONS_IN_FLIGHT = Gauge(
    "action_gateway_actions_in_flight",
    "Actions running now (including those whose caller went away).",
    multiprocess_mode="livesum",
)
UPSTREAM_DURATION = Histogram(
    "action_gateway_upstream_request_duration_seconds",
    "Duration of one request to a platform, by platform, operation and result.",
    ["platform", "operation", "result"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15),
)
UPSTREAM_RETRIES = Counter(
    "action_gateway_upstream_retries_total",
    "Requests to a platform sent again under the retry rule, by platform and operation.",
    ["platform", "operation"],
)
IDEMPOTENCY = Counter(
    "action_gateway_idempotency_total",
    "Idempotency-Key outcomes: replayed, in_flight (409), reused (422).",
    ["result"],
)
RATE_LIMITED = Counter(
    "action_gateway_rate_limited_total",
    "Requests refused because the caller's rate limit was spent.",
    ["caller"],
)

_BREAKER_VALUES = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


class BreakerCollector(Collector):
    """Each connection's circuit breaker, read at scrape time (0 closed, 1 half-open, 2 open)."""

    def __init__(self, breakers: CircuitBreakers | None) -> None:
        self.breakers = breakers

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "action_gateway_circuit_breaker_state",
            "Circuit breaker per connection: 0 closed, 1 half-open, 2 open.",
            labels=["connection"],
        )
        states = self.breakers.states() if self.breakers is not None else {}
        for connection, state in sorted(states.items()):
            family.add_metric([connection], _BREAKER_VALUES[state])
        yield family


def render_latest(breakers: CircuitBreakers | None) -> tuple[bytes, str]:
    """The exposition text, summed over workers in multiprocess mode, with the state of the
    app's circuit ``breakers`` (None while the app is starting)."""
    app_state = CollectorRegistry()
    app_state.register(BreakerCollector(breakers))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(BreakerCollector(breakers))
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY) + generate_latest(app_state), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts and times every HTTP answer by its route template (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception escaping the app is what the server answers 500 for

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = _route_template(scope)
            method = str(scope.get("method", ""))
            HTTP_REQUESTS.labels(route, method, str(status)).inc()
            HTTP_DURATION.labels(route, method).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths share one label: a scanner must not create a series per URL.
    return path if isinstance(path, str) else "unmatched"
