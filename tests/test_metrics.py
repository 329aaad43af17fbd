"""/metrics after sandbox actions: names follow Prometheus conventions and the counts move."""

from __future__ import annotations

import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import running_app, sandbox_note_edit


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def _scrape(
    client: httpx.AsyncClient,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return _samples(answer.text)


NOTE = sandbox_note_edit("5500001007", "metrics", "agent-m")


async def test_metrics_count_requests_actions_upstream_calls_and_replays() -> None:
    async with running_app() as (client, app):
        before = await _scrape(client)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        assert (await client.post("/v1/actions", json=NOTE, headers=key)).status_code == 200
        assert (await client.post("/v1/actions", json=NOTE, headers=key)).status_code == 200
        refused = {
            **NOTE,
            "action": "cancel_order",
            "input": {"reason": "customer"},
            "target": {"order_id": "5500001005"},
        }  # already cancelled
        assert (
            await client.post("/v1/actions", json=refused, headers={"Idempotency-Key": "m-2"})
        ).status_code == 409
        after = await _scrape(client)
        breaker_states = app.state.services.breakers.states()

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert (
        delta(
            "action_gateway_actions_total",
            platform="shopify",
            action="edit_order_note",
            outcome="succeeded",
            caller="anonymous",
        )
        == 1
    )
    assert (
        delta(
            "action_gateway_actions_total",
            platform="shopify",
            action="cancel_order",
            outcome="not_eligible",
            caller="anonymous",
        )
        == 1
    )
    assert delta("action_gateway_idempotency_total", result="replayed") == 1
    assert (
        delta(
            "action_gateway_http_requests_total", route="/v1/actions", method="POST", status="200"
        )
        == 2
    )
    assert (
        delta(
            "action_gateway_http_requests_total", route="/v1/actions", method="POST", status="409"
        )
        == 1
    )
    shopify_calls = sum(
        after[key] - before.get(key, 0.0)
        for key in after
        if key[0] == "action_gateway_upstream_request_duration_seconds_count"
        and dict(key[1]).get("platform") == "shopify"
    )
    assert shopify_calls >= 3  # read, write and re-read of the note action, at least
    assert _value(after, "action_gateway_actions_in_flight") == 0
    assert "sandbox-shopify" in breaker_states
    assert _value(after, "action_gateway_circuit_breaker_state", connection="sandbox-shopify") == 0


async def test_unmatched_paths_share_one_route_label() -> None:
    async with running_app() as (client, _):
        for n in range(3):
            assert (await client.get(f"/scanner/{n}")).status_code == 404
        samples = await _scrape(client)
    routes = {
        dict(labels).get("route")
        for name, labels in samples
        if name == "action_gateway_http_requests_total"
    }
    assert "unmatched" in routes
    assert not any(route and route.startswith("/scanner") for route in routes)


async def test_every_metric_name_follows_prometheus_conventions() -> None:
    async with running_app() as (client, _):
        text = (await client.get("/metrics")).text
    ours = [f for f in text_string_to_metric_families(text) if f.name.startswith("action_gateway_")]
    assert len(ours) >= 9
    for family in ours:
        assert family.name == family.name.lower()
        if family.type == "counter" and family.samples:
            assert any(s.name.endswith("_total") for s in family.samples), family.name
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
