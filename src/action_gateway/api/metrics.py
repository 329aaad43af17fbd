"""The HTTP side of the metrics: the middleware counting every answer, and the ``/metrics`` text
(the process's counters plus the app's circuit breakers, read at scrape time)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from action_gateway.metrics import HTTP_DURATION, HTTP_REQUESTS
from action_gateway.platforms._breaker import BreakerState, CircuitBreakers

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
