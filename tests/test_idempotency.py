from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from action_gateway.config import GatewayConfig
from action_gateway.errors import MalformedRequest, Outcome, PlatformRejected, UpstreamUnavailable
from action_gateway.idempotency import (
    ClaimState,
    InMemoryIdempotencyStore,
    StoredResponse,
    downstream_key,
    fingerprint,
    parse_idempotency_key,
)
from action_gateway.platforms.base import ActionCall
from tests.fakes import FakeAdapter, fake_connection, make_order
from tests.helpers import running_app


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


@pytest.mark.parametrize("raw", ["abc", '"abc"', "  abc "])
def test_key_forms(raw: str) -> None:
    assert parse_idempotency_key(raw) == "abc"


@pytest.mark.parametrize("raw", ["", '""', "x" * 256, "caf\u00e9", "a\tb", "a b", 'a"b'])
def test_bad_keys(raw: str) -> None:
    with pytest.raises(MalformedRequest):
        parse_idempotency_key(raw)


def test_downstream_key_is_stable_and_scoped() -> None:
    assert downstream_key("acme:refund_order", "k1") == downstream_key("acme:refund_order", "k1")
    assert downstream_key("acme:refund_order", "k1") != downstream_key("acme:refund_order", "k2")
    assert downstream_key("acme:refund_order", "k1") != downstream_key("other:refund_order", "k1")


async def test_claim_lifecycle() -> None:
    store = InMemoryIdempotencyStore()
    assert (await store.claim("k", "fp")).state is ClaimState.CLAIMED
    assert (await store.claim("k", "fp")).state is ClaimState.IN_FLIGHT
    assert (await store.claim("k", "other")).state is ClaimState.MISMATCH
    stored = StoredResponse(status_code=200, body=b"{}", media_type="application/json")
    await store.complete("k", "fp", stored)
    replay = await store.claim("k", "fp")
    assert replay.state is ClaimState.REPLAY
    assert replay.response == stored


async def test_release_frees_only_an_in_flight_claim() -> None:
    store = InMemoryIdempotencyStore()
    await store.claim("k", "fp")
    await store.release("k", "fp")
    assert (await store.claim("k", "fp")).state is ClaimState.CLAIMED
    await store.complete("k", "fp", StoredResponse(200, b"{}", "application/json"))
    await store.release("k", "fp")
    assert (await store.claim("k", "fp")).state is ClaimState.REPLAY


async def test_records_expire() -> None:
    store = InMemoryIdempotencyStore(retention_seconds=0.0, in_flight_seconds=0.0)
    await store.claim("k", "fp")
    assert (await store.claim("k", "fp")).state is ClaimState.CLAIMED


async def test_a_claim_taken_over_from_an_unanswered_attempt_says_when_it_began() -> None:
    store = InMemoryIdempotencyStore(in_flight_seconds=0.0)  # every lease is already over
    began = time.time()
    first = await store.claim("k", "fp")
    assert (first.state, first.resumed_since) == (ClaimState.CLAIMED, None)
    # The first attempt never answered: the next claim says when it began...
    resumed = await store.claim("k", "fp")
    assert resumed.state is ClaimState.CLAIMED
    assert resumed.resumed_since is not None
    assert began <= resumed.resumed_since <= time.time()
    # ...and releasing the resumed claim keeps that mark, as the first attempt may have acted.
    await store.release("k", "fp")
    assert (await store.claim("k", "fp")).resumed_since == resumed.resumed_since
    # A claim released by its own attempt (it provably did nothing) leaves no mark; nor does
    # an answered one.
    await store.claim("clean", "fp")
    await store.release("clean", "fp")
    assert (await store.claim("clean", "fp")).resumed_since is None
    await store.complete("k", "fp", StoredResponse(200, b"{}", "application/json"))
    fresh = InMemoryIdempotencyStore(in_flight_seconds=0.0, retention_seconds=0.0)
    await fresh.claim("done", "fp")
    await fresh.complete("done", "fp", StoredResponse(200, b"{}", "application/json"))
    assert (await fresh.claim("done", "fp")).resumed_since is None


# --- which answers are kept (Stripe's rule) -------------------------------------------------
# An answer given before any write could reach the platform is not kept: a retry with the same
# key is evaluated afresh. Once a write may have been sent, the answer is kept and replayed.

SANDBOX_ORDER = "5500001001"  # #1001: paid, unfulfilled


def sandbox_action(action: str, input_: dict[str, Any], order_id: str = SANDBOX_ORDER) -> Any:
    return {
        "connection": "sandbox-shopify",
        "action": action,
        "target": {"order_id": order_id},
        "input": input_,
        "context": {"agent_id": "agent-42", "conversation_id": "conv-1"},
    }


CANCEL = sandbox_action("cancel_order", {"reason": "customer"})
REFUND = sandbox_action("refund_order", {"reason": "customer"})


async def not_eligible_then_evaluated_afresh(client: httpx.AsyncClient, key: str) -> None:
    """cancel_order on a paid order is refused; once the order is refunded the same key runs."""
    headers = {"Idempotency-Key": key}
    refused = await client.post("/v1/actions", json=CANCEL, headers=headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "not_eligible"
    # The order changes on the platform (here: refunded through the gateway with another key).
    refunded = await client.post("/v1/actions", json=REFUND, headers={"Idempotency-Key": "other"})
    assert refunded.status_code == 200, refunded.text
    retried = await client.post("/v1/actions", json=CANCEL, headers=headers)
    assert retried.status_code == 200, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json()["status"] == "succeeded"
    # That answer came after a write: it is kept.
    replayed = await client.post("/v1/actions", json=CANCEL, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.content == retried.content


async def test_not_eligible_is_not_kept_and_the_retry_is_evaluated_afresh() -> None:
    async with running_app() as (client, _):
        await not_eligible_then_evaluated_afresh(client, "cancel-1")


def fake_action(action: str, order_id: str = "1001", **context: Any) -> dict[str, Any]:
    inputs: dict[str, dict[str, Any]] = {
        "edit_order_note": {"note": "hello"},
        "refund_order": {"reason": "customer"},
        "cancel_and_refund_order": {"reason": "customer"},
        "cancel_order": {"reason": "customer"},
    }
    return {
        "connection": "acme",
        "action": action,
        "target": {"order_id": order_id},
        "input": inputs[action],
        "context": {"agent_id": "agent-7", **context},
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (fake_action("cancel_and_refund_order", order_id="9999"), "order_not_found"),
        (fake_action("cancel_and_refund_order", order_id="1003"), "not_eligible"),
        (fake_action("cancel_order"), "action_disabled"),
        (fake_action("edit_order_note", agent_roles=["support"]), "role_not_allowed"),
        (fake_action("refund_order", agent_roles=["support"]), "approval_required"),
        (fake_action("refund_order", order_id="1005"), "upstream_unavailable"),
    ],
)
async def test_refusals_before_any_write_are_not_kept(body: dict[str, Any], code: str) -> None:
    adapter = FakeAdapter()
    for order in (make_order("1001"), make_order("1003", cancelled=True), make_order("1005")):
        adapter.orders[order.id] = order
    connection = fake_connection(
        allowed=["cancel_and_refund_order", "refund_order", "edit_order_note"],
        roles={"edit_order_note": ["lead"]},
        refund_ceilings={"refund_order": {"*": "10.00"}},
    )
    if code == "upstream_unavailable":  # the platform was not reached; a write was attempted
        adapter.fail_with = UpstreamUnavailable("connect failed", outcome=Outcome.NOT_EXECUTED)
        connection = fake_connection()
    config = GatewayConfig(connections=[connection])
    async with running_app(config, adapters={"acme": adapter}) as (client, app):
        headers = {"Idempotency-Key": "k-1"}
        first = await client.post("/v1/actions", json=body, headers=headers)
        again = await client.post("/v1/actions", json=body, headers=headers)
        store = app.state.services.idempotency
        claim = await store.claim("anonymous:k-1", "another request")
    assert first.json()["code"] == code, first.text
    assert again.json()["code"] == code
    assert "Idempotent-Replayed" not in again.headers  # evaluated afresh, not replayed
    assert claim.state is ClaimState.CLAIMED  # nothing is kept against the key
    assert adapter.calls == []


@dataclass
class WritesThenFails(FakeAdapter):
    """A write leaves for the platform, then ``error`` is raised (a rejection, or a bug)."""

    error: Exception | None = None

    async def _act(self, name: str, target: str, call: ActionCall) -> None:
        call.write_sent = True
        self.calls.append((name, target))
        if self.error is not None:
            raise self.error


@pytest.mark.parametrize(
    ("error", "status", "outcome"),
    [
        (PlatformRejected("Order cannot be refunded"), 422, None),
        (RuntimeError("a bug after the write"), 500, "unknown"),
    ],
)
async def test_an_answer_after_a_write_may_have_been_sent_is_kept(
    error: Exception, status: int, outcome: str | None
) -> None:
    adapter = WritesThenFails(error=error)
    adapter.orders["1001"] = make_order("1001")
    config = GatewayConfig(connections=[fake_connection()])
    async with running_app(config, adapters={"acme": adapter}) as (client, _):
        headers = {"Idempotency-Key": "k-2"}
        first = await client.post("/v1/actions", json=fake_action("refund_order"), headers=headers)
        adapter.error = None
        again = await client.post("/v1/actions", json=fake_action("refund_order"), headers=headers)
    assert first.status_code == status, first.text
    assert first.json().get("outcome") == outcome
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert adapter.calls == [("refund", "1001")]  # never sent a second time


async def test_a_bug_before_any_write_frees_the_key() -> None:
    adapter = FakeAdapter()
    adapter.orders["1001"] = make_order("1001")
    config = GatewayConfig(connections=[fake_connection()])
    async with running_app(config, adapters={"acme": adapter}) as (client, _):
        broken = FakeAdapter.refund_order

        async def fail_before_sending(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a bug before the write")

        adapter.refund_order = fail_before_sending  # type: ignore[method-assign]
        headers = {"Idempotency-Key": "k-3"}
        first = await client.post("/v1/actions", json=fake_action("refund_order"), headers=headers)
        adapter.refund_order = broken.__get__(adapter)  # type: ignore[method-assign]
        again = await client.post("/v1/actions", json=fake_action("refund_order"), headers=headers)
    assert first.status_code == 500
    assert first.json()["outcome"] == "not_executed"
    assert again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert adapter.calls == [("refund", "1001")]
