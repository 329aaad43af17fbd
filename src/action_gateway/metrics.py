"""Prometheus metrics: what the gateway did, how the platforms answered, and what it refused.

Metric objects live in prometheus-client's process registry, as that library intends; they hold
counts, not clients or connections. ``api/metrics.py`` counts HTTP answers into them and renders
them for ``/metrics``.
With several uvicorn workers in one pod, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's
multiprocess mode) so a scrape sums every worker; one worker per pod needs nothing.

Labels are bounded: routes are templates (``/v1/connections/{connection}/orders/{order_id}``),
connections and callers come from the configuration, operations from the adapters' code.
"""

from __future__ import annotations

from prometheus_client import (
    Counter,
    Gauge,
    Histogram,
)

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
MCP_TOOL_CALLS = Counter(
    "action_gateway_mcp_tool_calls_total",
    "MCP tool calls (/mcp) by tool, outcome (ok, or the problem code of a tool error) and caller.",
    ["tool", "outcome", "caller"],
)
