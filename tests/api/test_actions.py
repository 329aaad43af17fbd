"""POST /v1/actions in-process, with a fake adapter standing in for the platform."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from action_gateway.config import GatewayConfig
from action_gateway.errors import (
    DeadlineExceeded,
    GatewayError,
    Outcome,
    PlatformMessage,
    PlatformRejected,
    UpstreamAuthFailed,
    UpstreamUnavailable,
)
from tests.fakes import FakeAdapter, fake_connection, make_customer, make_order
from tests.helpers import client_over_fake, problem_of, running_app, timeline_event_of

PROBLEM = "application/problem+json"


def cancel_and_refund(order_id: str = "1001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "connection": "acme",
        "action": "cancel_and_refund_order",
        "target": {"order_id": order_id},
        "input": {"reason": "customer", "notify_customer": True},
        "context": {"agent_id": "agent-7", "conversation_id": "conv-9"},
    }
    body.update(overrides)
    return body


def acme_action(action: str, target: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    """A request for ``action`` on connection "acme", with no helpdesk context."""
    return {"connection": "acme", "action": action, "target": target, "input": data}


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def adapter() -> FakeAdapter:
    fake = FakeAdapter()
    for order in (
        make_order("1001", financial_status="paid"),
        make_order("1002", financial_status="pending"),
        make_order("1003", financial_status="paid", cancelled=True),
        make_order("1004", financial_status="refunded", fulfillment_status="fulfilled"),
    ):
        fake.orders[order.id] = order
    fake.customers["501"] = make_customer("501")
    return fake


async def test_cancel_and_refund_answers_event_and_refreshed_order(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    response = await client.post("/v1/actions", json=cancel_and_refund(), headers=key())

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    event = body["timeline_event"]
    assert event["type"] == "order.cancelled"
    assert event["subject"] == {"type": "order", "id": "1001", "name": "#1001", "admin_url": None}
    assert event["actor"]["agent_id"] == "agent-7"
    assert event["conversation_id"] == "conv-9"
    assert event["summary"] == (
        "Cancelled order #1001 and refunded $54.20; reason: customer request; customer notified."
    )
    assert body["resource"]["eligibility"]["state"]["payment"] == "refunded"
    assert "cancel_order" not in body["resource"]["available_actions"]
    assert adapter.calls == [("cancel_and_refund", "1001")]


async def test_same_key_and_body_replays_without_calling_the_platform(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    headers = key()
    first = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
    second = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(adapter.calls) == 1


async def test_same_key_other_body_is_422(client: httpx.AsyncClient, adapter: FakeAdapter) -> None:
    headers = key()
    await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
    other = cancel_and_refund(input={"reason": "fraud"})
    response = await client.post("/v1/actions", json=other, headers=headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "idempotency_key_reused"
    assert len(adapter.calls) == 1


async def test_same_key_while_in_flight_is_409(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    adapter.delay = 0.3
    headers = key()
    first, second = await asyncio.gather(
        client.post("/v1/actions", json=cancel_and_refund(), headers=headers),
        client.post("/v1/actions", json=cancel_and_refund(), headers=headers),
    )

    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409]
    conflict = first if first.status_code == 409 else second
    assert conflict.json()["code"] == "idempotency_request_in_flight"
    assert conflict.headers["Retry-After"] == "1"
    assert len(adapter.calls) == 1


async def test_missing_idempotency_key_is_400(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    response = await client.post("/v1/actions", json=cancel_and_refund())

    problem_of(response, 400, "idempotency_key_missing")
    assert adapter.calls == []


async def test_quoted_key_form_is_the_same_key(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    raw = str(uuid.uuid4())
    await client.post("/v1/actions", json=cancel_and_refund(), headers={"Idempotency-Key": raw})
    replay = await client.post(
        "/v1/actions", json=cancel_and_refund(), headers={"Idempotency-Key": f'"{raw}"'}
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert len(adapter.calls) == 1


async def test_preview_needs_no_key_and_executes_nothing(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    response = await client.post("/v1/actions/preview", json=cancel_and_refund())

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "preview"
    assert body["dry_run"] is True
    assert body["timeline_event"] is None
    assert body["refund"]["total"] == {"amount": "54.20", "currency": "USD"}
    assert adapter.calls == []


async def test_dry_run_on_perform_previews_with_a_key_it_does_not_record(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    # Kept for compatibility: dry_run still previews on POST /v1/actions, where the key is now
    # a required header (so no schema-valid request is refused for lacking it).
    without_key = await client.post("/v1/actions", json=cancel_and_refund(dry_run=True))
    headers = key()
    preview = await client.post(
        "/v1/actions", json=cancel_and_refund(dry_run=True), headers=headers
    )
    performed = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)

    problem_of(without_key, 400, "idempotency_key_missing")
    assert preview.status_code == 200
    assert preview.json()["status"] == "preview"
    # The preview did not claim the key: the same key then performs the action, once.
    assert performed.status_code == 200, performed.text
    assert performed.json()["status"] == "succeeded"
    assert "Idempotent-Replayed" not in performed.headers
    assert len(adapter.calls) == 1


async def test_not_eligible_names_state_and_allowed_actions(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    body = cancel_and_refund("1002")  # pending: the seed offers cancel_order only
    response = await client.post("/v1/actions", json=body, headers=key())

    problem = problem_of(response, 409, "not_eligible")
    assert problem["current_state"]["payment"] == "unpaid"
    assert "cancel_order" in problem["allowed_actions"]
    assert "unpaid" in problem["detail"]
    assert adapter.calls == []


async def test_already_cancelled_order_is_not_cancelled_again(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    response = await client.post("/v1/actions", json=cancel_and_refund("1003"), headers=key())

    assert response.status_code == 409
    assert response.json()["current_state"]["decision_code"] == "already_cancelled"
    assert adapter.calls == []


async def test_unknown_order_and_connection_are_404(client: httpx.AsyncClient) -> None:
    missing_order = await client.post("/v1/actions", json=cancel_and_refund("999"), headers=key())
    missing_connection = await client.post(
        "/v1/actions", json=cancel_and_refund(connection="nope"), headers=key()
    )

    problem_of(missing_order, 404, "order_not_found")
    problem_of(missing_connection, 404, "connection_not_found")


async def test_platform_messages_reach_the_caller_verbatim(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    message = "Cannot cancel an order that has outstanding fulfillments"
    adapter.fail_with = PlatformRejected(
        message,
        platform_errors=[PlatformMessage(message=message, field=["orderId"], code="INVALID")],
    )
    response = await client.post("/v1/actions", json=cancel_and_refund(), headers=key())

    problem = problem_of(response, 422, "platform_rejected")
    assert problem["platform_errors"] == [
        {"message": message, "field": ["orderId"], "code": "INVALID"}
    ]


async def _failed_then_sent_again(
    client: httpx.AsyncClient, adapter: FakeAdapter, failure: GatewayError
) -> tuple[httpx.Response, httpx.Response]:
    """The answers to the same request under one key: first while the platform fails with
    ``failure``, then again once it would succeed."""
    headers = key()
    adapter.fail_with = failure
    first = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
    adapter.fail_with = None
    second = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
    return first, second


async def test_not_executed_failure_frees_the_key_for_a_retry(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    failure = UpstreamUnavailable("down", outcome=Outcome.NOT_EXECUTED)
    failed, retried = await _failed_then_sent_again(client, adapter, failure)

    assert failed.status_code == 503
    assert failed.json()["outcome"] == "not_executed"
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers
    assert len(adapter.calls) == 1


async def test_unknown_outcome_is_remembered_and_never_retried_blindly(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    failure = UpstreamUnavailable("lost", outcome=Outcome.UNKNOWN)
    first, second = await _failed_then_sent_again(client, adapter, failure)

    assert first.json()["outcome"] == "unknown"
    assert second.headers["Idempotent-Replayed"] == "true"
    assert adapter.calls == []
    # The answer carries the event to post: the helpdesk's timeline says it may have happened.
    event = first.json()["timeline_event"]
    assert event["type"] == "action.outcome_unknown"
    assert event["subject"]["id"] == "1001"
    assert event["summary"].startswith(
        "The cancellation and refund of order #1001 may have happened"
    )
    assert event["details"]["outcome"] == "unknown"
    assert event["actor"]["agent_id"] == "agent-7"
    assert second.json()["timeline_event"] == event


async def test_deadline_after_the_write_reports_outcome_unknown(adapter: FakeAdapter) -> None:
    adapter.delay = 2.0
    async with client_over_fake(adapter, deadline_seconds=0.3) as client:
        response = await client.post("/v1/actions", json=cancel_and_refund(), headers=key())

    problem = problem_of(response, 504, "deadline_exceeded")
    assert problem["outcome"] == "unknown"
    assert problem["timeline_event"]["type"] == "action.outcome_unknown"
    assert problem["timeline_event"]["details"]["code"] == "deadline_exceeded"


async def test_a_not_executed_failure_carries_no_event(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    adapter.fail_with = UpstreamUnavailable("down", outcome=Outcome.NOT_EXECUTED)
    failed = await client.post("/v1/actions", json=cancel_and_refund(), headers=key())
    assert failed.json()["outcome"] == "not_executed"
    assert "timeline_event" not in failed.json()


async def test_disabled_action_and_roles(adapter: FakeAdapter) -> None:
    connection = fake_connection(
        "acme", allowed=["cancel_order", "refund_order"], roles={"refund_order": ["lead"]}
    )
    async with running_app(GatewayConfig(connections=[connection]), adapters={"acme": adapter}) as (
        client,
        _,
    ):
        disabled = await client.post("/v1/actions", json=cancel_and_refund(), headers=key())
        refund = {
            "connection": "acme",
            "action": "refund_order",
            "target": {"order_id": "1001"},
            "input": {"reason": "customer"},
            "context": {"agent_roles": ["support"]},
        }
        forbidden = await client.post("/v1/actions", json=refund, headers=key())
        refund["context"] = {"agent_roles": ["lead"]}
        allowed = await client.post("/v1/actions", json=refund, headers=key())

    problem_of(disabled, 403, "action_disabled")
    problem_of(forbidden, 403, "role_not_allowed")
    assert allowed.status_code == 200
    assert adapter.calls == [("refund", "1001")]


async def test_narrowing_denies_what_the_matrix_allows(adapter: FakeAdapter) -> None:
    adapter.orders["1005"] = make_order("1005", fulfillment_status="fulfilled")
    connection = fake_connection(
        "acme", narrowing={"cancel_and_refund_order": {"fulfillment": ["unfulfilled"]}}
    )
    async with running_app(GatewayConfig(connections=[connection]), adapters={"acme": adapter}) as (
        client,
        _,
    ):
        narrowed = await client.post("/v1/actions", json=cancel_and_refund("1005"), headers=key())
        fine = await client.post("/v1/actions", json=cancel_and_refund("1001"), headers=key())

    assert narrowed.status_code == 409
    assert narrowed.json()["current_state"]["decision_code"] == "narrowed_by_connection"
    assert fine.status_code == 200


async def test_note_and_discount_events(client: httpx.AsyncClient) -> None:
    append = {"note": "Customer called", "mode": "append"}
    note_edit = acme_action("edit_order_note", {"order_id": "1001"}, append)
    note = await client.post("/v1/actions", json=note_edit, headers=key())
    sorry15 = {"code": "SORRY15", "type": "percentage", "value": "15", "expiry": "never"}
    discount_creation = acme_action("create_discount_code", {"customer_id": "501"}, sorry15)
    discount = await client.post("/v1/actions", json=discount_creation, headers=key())

    assert note.status_code == 200, note.text
    assert note.json()["timeline_event"]["type"] == "order.note_updated"
    assert note.json()["timeline_event"]["details"]["note"] == "first note\nCustomer called"
    event = timeline_event_of(discount, "discount_code.created")
    assert event["summary"] == (
        "Created one-time discount code SORRY15 (15% off all items, never expires) "
        "for Ava Lindqvist."
    )


@pytest.mark.parametrize(
    ("patch", "loc"),
    [
        ({"action": "teleport_order"}, "action"),
        ({"input": {"reason": "bored"}}, "reason"),
        ({"input": {"reason": "customer", "staff_note": "x" * 256}}, "staff_note"),
        ({"target": {"customer_id": "1"}}, "order_id"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_invalid_bodies_are_422_problems(
    client: httpx.AsyncClient, patch: dict[str, Any], loc: str
) -> None:
    response = await client.post("/v1/actions", json=cancel_and_refund(**patch), headers=key())

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert any(loc in ".".join(e["loc"]) for e in problem["errors"]), problem


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/actions",
        content=b'{"connection": ',
        headers={**key(), "Content-Type": "application/json"},
    )
    problem_of(response, 400, "malformed_request")


async def test_a_caller_going_away_does_not_abandon_the_action_or_free_its_key(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    adapter.delay = 0.3
    headers = key()
    first = asyncio.create_task(
        client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
    )
    await asyncio.sleep(0.1)
    first.cancel()  # the helpdesk's request times out while the platform is working
    with pytest.raises(asyncio.CancelledError):
        await first
    in_flight = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
    await asyncio.sleep(0.4)
    retried = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)

    assert in_flight.status_code == 409
    assert retried.status_code == 200
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert adapter.calls == [("cancel_and_refund", "1001")]


@pytest.mark.parametrize(
    "reread_error",
    [
        DeadlineExceeded("no time was left to call shopify", outcome=Outcome.NOT_EXECUTED),
        UpstreamAuthFailed("token revoked", outcome=Outcome.NOT_EXECUTED),
        UpstreamUnavailable("paused", code="upstream_circuit_open", outcome=Outcome.NOT_EXECUTED),
    ],
    ids=["deadline", "auth", "circuit_open"],
)
async def test_a_failed_reread_after_the_write_never_turns_success_into_failure(
    client: httpx.AsyncClient, adapter: FakeAdapter, reread_error: GatewayError
) -> None:
    # Found by the fault suite: a re-read out of budget answered 504 not_executed, which freed
    # the key, and the caller's retry wrote the note a second time.
    headers = key()
    original_get_order = adapter.get_order
    reads = 0

    async def get_order(order_id: str, *, call: Any) -> Any:
        nonlocal reads
        reads += 1
        if reads > 1:
            raise reread_error
        return await original_get_order(order_id, call=call)

    adapter.get_order = get_order  # type: ignore[method-assign]
    body = cancel_and_refund(action="edit_order_note", input={"note": "call back"})
    first = await client.post("/v1/actions", json=body, headers=headers)
    second = await client.post("/v1/actions", json=body, headers=headers)

    assert first.status_code == 200, first.text
    assert first.json()["resource"] is None
    assert "re-reading the resource failed" in first.json()["warnings"][0]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert adapter.calls == [("note", "1001")]
