"""The Redis idempotency store against a real redis-server the tests start on loopback."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from action_gateway.idempotency import (
    REDIS_KEY_PREFIX,
    ClaimState,
    IdempotencyStoreUnavailable,
    RedisIdempotencyStore,
    StoredResponse,
    redis_client,
)
from action_gateway.settings import Settings
from action_gateway_sandbox.connections import build_sandbox
from tests.e2e_server import free_port, served_gateway
from tests.helpers import running_app
from tests.redis_server import running_redis
from tests.test_idempotency import CANCEL, not_eligible_then_evaluated_afresh

PROBLEM = "application/problem+json"
ANSWER = StoredResponse(
    status_code=201,
    body=b'{"ok":true}\xff\x00',  # any bytes survive the round trip (stored as base64)
    media_type="application/json",
    headers={"Retry-After": "3"},
)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = redis_client(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


def store_on(client: Redis, **kwargs: float) -> RedisIdempotencyStore:
    return RedisIdempotencyStore(client, **{"in_flight_seconds": 60.0, **kwargs})


async def record(client: Redis, key: str) -> dict[str, Any] | None:
    raw = await client.get(REDIS_KEY_PREFIX + key)
    return None if raw is None else dict(json.loads(raw))


# --- the store -------------------------------------------------------------------------------


async def test_claim_in_flight_mismatch_replay(redis: Redis) -> None:
    store = store_on(redis)
    assert (await store.claim("k", "fp")).state is ClaimState.CLAIMED
    assert (await store.claim("k", "fp")).state is ClaimState.IN_FLIGHT
    assert (await store.claim("k", "other")).state is ClaimState.MISMATCH
    await store.complete("k", "fp", ANSWER)
    replay = await store.claim("k", "fp")
    assert replay.state is ClaimState.REPLAY
    assert replay.response == ANSWER
    assert (await store.claim("k", "other")).state is ClaimState.MISMATCH


async def test_records_are_namespaced_with_a_lease_then_kept_24_hours(redis: Redis) -> None:
    store = store_on(redis, in_flight_seconds=60.0)
    await store.claim("order-1", "fp")
    assert sorted(await redis.keys("*")) == [
        b"action-gateway:idem:order-1",
        b"action-gateway:idem:tried:order-1",  # outlives the lease: kept as long as an answer
    ]
    tried = RedisIdempotencyStore.tried_key("order-1")
    assert 86_000_000 < await redis.pttl(tried) <= 86_400_000
    claimed = await record(redis, "order-1")
    assert claimed is not None
    assert claimed.keys() == {"state", "fp", "owner", "claimed_at"}
    assert (claimed["state"], claimed["fp"]) == ("in_flight", "fp")
    assert 55_000 < await redis.pttl(REDIS_KEY_PREFIX + "order-1") <= 60_000
    await store.complete("order-1", "fp", ANSWER)
    done = await record(redis, "order-1")
    assert done is not None
    assert (done["state"], done["owner"]) == ("done", claimed["owner"])
    assert done["response"]["status"] == 201
    assert 86_000_000 < await redis.pttl(REDIS_KEY_PREFIX + "order-1") <= 86_400_000


async def test_release_deletes_only_its_own_in_flight_claim(redis: Redis) -> None:
    store, other_replica = store_on(redis), store_on(redis)
    await store.claim("k", "fp")
    await other_replica.release("k", "fp")  # not its claim
    assert (await other_replica.claim("k", "fp")).state is ClaimState.IN_FLIGHT
    await store.release("k", "fp")
    assert await record(redis, "k") is None
    assert (await store.claim("k", "fp")).state is ClaimState.CLAIMED
    await store.complete("k", "fp", ANSWER)
    await store.release("k", "fp")  # a finished answer is never released
    assert (await store.claim("k", "fp")).state is ClaimState.REPLAY


async def test_a_crashed_owners_claim_expires(redis: Redis) -> None:
    crashed = store_on(redis, in_flight_seconds=0.3)
    assert (await crashed.claim("k", "fp")).state is ClaimState.CLAIMED
    # The owner never answers (its process died): the key is held, then free again.
    assert (await store_on(redis).claim("k", "fp")).state is ClaimState.IN_FLIGHT
    await asyncio.sleep(0.5)
    assert (await store_on(redis).claim("k", "fp")).state is ClaimState.CLAIMED


async def test_a_claim_taken_over_from_a_crashed_owner_says_when_it_began(redis: Redis) -> None:
    began = time.time()
    crashed = store_on(redis, in_flight_seconds=0.2)
    assert (await crashed.claim("k", "fp")).resumed_since is None
    await asyncio.sleep(0.3)
    replica = store_on(redis, in_flight_seconds=0.2)
    resumed = await replica.claim("k", "fp")
    assert resumed.state is ClaimState.CLAIMED
    assert resumed.resumed_since is not None
    assert began <= resumed.resumed_since <= time.time()
    # Its release keeps the crashed attempt's mark (that attempt may have acted)...
    await replica.release("k", "fp")
    assert (await store_on(redis).claim("k", "fp")).resumed_since == resumed.resumed_since
    # ...while an attempt that releases its own claim leaves none behind.
    clean = store_on(redis)
    await clean.claim("clean", "fp")
    await clean.release("clean", "fp")
    assert await redis.get(RedisIdempotencyStore.tried_key("clean")) is None
    assert (await clean.claim("clean", "fp")).resumed_since is None


async def test_answers_expire_after_the_retention(redis: Redis) -> None:
    store = store_on(redis, retention_seconds=0.3)
    await store.claim("k", "fp")
    await store.complete("k", "fp", ANSWER)
    assert (await store.claim("k", "other")).state is ClaimState.MISMATCH
    await asyncio.sleep(0.5)
    assert (await store.claim("k", "other")).state is ClaimState.CLAIMED


async def test_twenty_concurrent_claims_have_one_winner(redis_url: str, redis: Redis) -> None:
    clients = [redis_client(redis_url) for _ in range(4)]  # four "replicas"
    try:
        stores = [store_on(clients[i % 4]) for i in range(20)]
        claims = await asyncio.gather(*(s.claim("race", "fp") for s in stores))
    finally:
        for client in clients:
            await client.aclose()
    states = [c.state for c in claims]
    assert states.count(ClaimState.CLAIMED) == 1
    assert states.count(ClaimState.IN_FLIGHT) == 19


async def test_a_stale_owner_cannot_overwrite_the_new_claim(redis: Redis) -> None:
    """Two requests in one process: the first outlives its lease, the second claims."""
    store = store_on(redis, in_flight_seconds=0.6)
    stale_may_finish = asyncio.Event()
    stale_answer = StoredResponse(200, b'{"stale":true}', "application/json")
    fresh_answer = StoredResponse(200, b'{"fresh":true}', "application/json")

    async def stale_request() -> None:
        assert (await store.claim("k", "fp")).state is ClaimState.CLAIMED
        await stale_may_finish.wait()
        await store.complete("k", "fp", stale_answer)
        await store.release("k", "fp")  # and a late release cannot drop the new claim either

    fresh_owner_known: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def fresh_request(may_finish: asyncio.Event) -> None:
        assert (await store.claim("k", "fp")).state is ClaimState.CLAIMED
        fresh_owner_known.set_result(str((await record(redis, "k") or {}).get("owner")))
        await may_finish.wait()
        await store.complete("k", "fp", fresh_answer)

    stale = asyncio.create_task(stale_request())
    await asyncio.sleep(0.8)  # the stale request's lease runs out
    fresh_may_finish = asyncio.Event()
    fresh = asyncio.create_task(fresh_request(fresh_may_finish))
    fresh_owner = await asyncio.wait_for(fresh_owner_known, 5)
    stale_may_finish.set()
    await stale
    held = await record(redis, "k")
    assert held is not None
    assert (held["state"], held["owner"]) == ("in_flight", fresh_owner)
    # Another replica's owner (a different store) cannot finalize it either.
    await store_on(redis).complete("k", "fp", stale_answer)
    assert (await record(redis, "k") or {}).get("state") == "in_flight"
    fresh_may_finish.set()
    await fresh
    replay = await store.claim("k", "fp")
    assert (replay.state, replay.response) == (ClaimState.REPLAY, fresh_answer)


async def test_the_owner_finalizes_after_a_stale_one_tried(redis: Redis) -> None:
    first, second = store_on(redis, in_flight_seconds=0.3), store_on(redis)
    await first.claim("k", "fp")
    await asyncio.sleep(0.5)
    assert (await second.claim("k", "fp")).state is ClaimState.CLAIMED
    await first.complete("k", "fp", StoredResponse(500, b"stale", "text/plain"))
    await second.complete("k", "fp", ANSWER)
    replay = await first.claim("k", "fp")
    assert (replay.state, replay.response) == (ClaimState.REPLAY, ANSWER)


async def test_an_answer_after_an_unclaimed_expiry_is_kept(redis: Redis) -> None:
    store = store_on(redis, in_flight_seconds=0.3)
    await store.claim("k", "fp")
    await asyncio.sleep(0.5)
    await store.complete("k", "fp", ANSWER)
    replay = await store.claim("k", "fp")
    assert (replay.state, replay.response) == (ClaimState.REPLAY, ANSWER)


async def test_a_corrupt_record_fails_closed(redis: Redis) -> None:
    await redis.set(REDIS_KEY_PREFIX + "k", b"not json")
    with pytest.raises(IdempotencyStoreUnavailable):
        await store_on(redis).claim("k", "fp")


async def test_redis_down_fails_closed_on_claim_and_never_raises_after_execution(
    tmp_path: Path,
) -> None:
    with running_redis(tmp_path) as url:
        client = redis_client(url)
        store = store_on(client)
        assert (await store.claim("k", "fp")).state is ClaimState.CLAIMED
    # The server is stopped now.
    try:
        started = time.monotonic()
        with pytest.raises(IdempotencyStoreUnavailable) as raised:
            await store.claim("other", "fp")
        assert time.monotonic() - started < 5
        error = raised.value
        assert (error.status, error.instance_code) == (503, "idempotency_store_unavailable")
        assert error.headers == {"Retry-After": "5"}
        assert error.extensions["outcome"] == "not_executed"
        # The action already ran: the caller keeps its real answer.
        await store.complete("k", "fp", ANSWER)
        await store.release("k", "fp")
    finally:
        await client.aclose()


# --- the app, in process ---------------------------------------------------------------------


def test_the_redis_url_is_a_secret_and_blank_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_GATEWAY_REDIS_URL", "redis://:hunter2@redis:6379/0")
    settings = Settings()
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value() == "redis://:hunter2@redis:6379/0"
    assert "hunter2" not in repr(settings)
    monkeypatch.setenv("ACTION_GATEWAY_REDIS_URL", " ")
    assert Settings().redis_url is None


def note_edit(note: str, order_id: str = "5500001007") -> dict[str, Any]:
    return {
        "connection": "sandbox-shopify",
        "action": "edit_order_note",
        "target": {"order_id": order_id},
        "input": {"note": note},
        "context": {"agent_id": "agent-42", "conversation_id": "conv-1"},
    }


def cancel_and_refund(order_id: str = "5500001001") -> dict[str, Any]:
    return {
        "connection": "sandbox-shopify",
        "action": "cancel_and_refund_order",
        "target": {"order_id": order_id},
        "input": {"reason": "customer", "notify_customer": True, "staff_note": "Changed mind"},
        "context": {"agent_id": "agent-42", "conversation_id": "conv-1"},
    }


def redis_settings(url: str) -> Settings:
    return Settings(config=None, redis_url=SecretStr(url))


async def order(client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    answer = await client.get(f"/v1/connections/sandbox-shopify/orders/{order_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_actions_replay_from_redis(redis_url: str, redis: Redis) -> None:
    async with running_app(settings=redis_settings(redis_url)) as (client, _):
        headers = {"Idempotency-Key": "note-1"}
        first = await client.post("/v1/actions", json=note_edit("first"), headers=headers)
        assert first.status_code == 200, first.text
        assert "Idempotent-Replayed" not in first.headers
        again = await client.post("/v1/actions", json=note_edit("first"), headers=headers)
        assert again.status_code == 200
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == first.content
        other = await client.post("/v1/actions", json=note_edit("second"), headers=headers)
        assert other.status_code == 422
        assert other.json()["code"] == "idempotency_key_reused"
        assert (await order(client, "5500001007"))["note"] == "first"
    # Keys are namespaced by caller ("anonymous" without configured callers); the tried mark
    # outlives the lease.
    assert sorted(await redis.keys("*")) == [
        b"action-gateway:idem:anonymous:note-1",
        b"action-gateway:idem:tried:anonymous:note-1",
    ]


async def test_a_crashed_claim_gives_409_then_the_retry_re_reads_the_platform(
    redis_url: str, redis: Redis
) -> None:
    """The order was cancelled, then the owner died before storing the answer."""
    async with running_app(settings=redis_settings(redis_url)) as (client, _):
        headers = {"Idempotency-Key": "crash-1"}
        done = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
        assert done.status_code == 200, done.text
        # Put the record back to "in flight, owned by a process that died".
        crashed = await record(redis, "anonymous:crash-1")
        assert crashed is not None
        lease = {"state": "in_flight", "fp": crashed["fp"], "owner": "dead", "claimed_at": 0}
        await redis.set(REDIS_KEY_PREFIX + "anonymous:crash-1", json.dumps(lease), px=300)
        busy = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
        assert busy.status_code == 409
        assert busy.json()["code"] == "idempotency_request_in_flight"
        assert busy.headers["Retry-After"] == "1"
        await asyncio.sleep(0.5)
        # The next attempt runs through the normal flow, which reads the order first.
        retry = await client.post("/v1/actions", json=cancel_and_refund(), headers=headers)
        assert retry.status_code == 409, retry.text
        assert retry.json()["code"] == "not_eligible"
        state = (await order(client, "5500001001"))["state"]
        assert (state["cancelled"], state["financial_status"]) == (True, "refunded")


STORE_CREDIT = {"sandbox-shopify": "7410001", "sandbox-bigcommerce": "2"}
CREDIT_WRITES = {
    "sandbox-shopify": "storeCreditAccountCredit",
    "sandbox-bigcommerce": "customer.store_credit",
}


@pytest.mark.parametrize("connection", sorted(STORE_CREDIT))
async def test_store_credit_is_never_issued_again_after_its_process_died(
    redis_url: str, redis: Redis, connection: str
) -> None:
    """The credit was issued, then the owner died before storing the answer; the next attempt
    knows (the tried mark) and looks before crediting, or says it cannot tell."""
    body = {
        "connection": connection,
        "action": "issue_store_credit",
        "target": {"customer_id": STORE_CREDIT[connection]},
        "input": {"amount": "15.00", "currency": "USD"},
        "context": {"agent_id": "agent-42"},
    }
    sandbox = build_sandbox()
    async with running_app(settings=redis_settings(redis_url), sandbox=sandbox) as (client, _):
        headers = {"Idempotency-Key": "credit-crash"}
        done = await client.post("/v1/actions", json=body, headers=headers)
        assert done.status_code == 200, done.text
        # Put the record back to "in flight, owned by a process that died", its lease over.
        crashed = await record(redis, "anonymous:credit-crash")
        assert crashed is not None
        await redis.delete(REDIS_KEY_PREFIX + "anonymous:credit-crash")
        retry = await client.post("/v1/actions", json=body, headers=headers)
    writes = [
        e for e in sandbox.simulators[connection].ledger if e.operation == CREDIT_WRITES[connection]
    ]
    assert len(writes) == 1  # never a second credit
    if connection == "sandbox-shopify":  # the credit transaction is there to be found
        assert retry.status_code == 200, retry.text
        assert retry.json()["store_credit"]["amount"] == {"amount": "15.00", "currency": "USD"}
        assert any("earlier attempt" in w for w in retry.json()["warnings"])
    else:  # BigCommerce keeps only a balance: it cannot be told
        assert retry.status_code == 409, retry.text
        problem = retry.json()
        assert (problem["code"], problem["outcome"]) == ("earlier_attempt_unknown", "unknown")
        assert "Nothing was sent again" in problem["detail"]
        assert problem["timeline_event"]["type"] == "action.outcome_unknown"


async def test_a_refusal_is_not_kept_in_redis_and_the_retry_is_evaluated_afresh(
    redis_url: str, redis: Redis
) -> None:
    async with running_app(settings=redis_settings(redis_url)) as (client, _):
        refused = await client.post("/v1/actions", json=CANCEL, headers={"Idempotency-Key": "k"})
        assert refused.json()["code"] == "not_eligible"
        assert await record(redis, "anonymous:k") is None  # released, not stored
        await not_eligible_then_evaluated_afresh(client, "cancel-1")
    kept = await record(redis, "anonymous:cancel-1")
    assert kept is not None
    assert (kept["state"], kept["response"]["status"]) == ("done", 200)


async def test_redis_down_answers_503_and_performs_nothing() -> None:
    settings = redis_settings(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    async with running_app(settings=settings) as (client, _):
        before = await order(client, "5500001007")
        answer = await client.post(
            "/v1/actions", json=note_edit("never"), headers={"Idempotency-Key": "down-1"}
        )
        assert answer.status_code == 503
        assert answer.headers["content-type"] == PROBLEM
        assert answer.headers["Retry-After"] == "5"
        problem = answer.json()
        assert problem["code"] == "idempotency_store_unavailable"
        assert problem["outcome"] == "not_executed"
        assert await order(client, "5500001007") == before
        # Reads and previews do not need the store.
        preview = await client.post("/v1/actions/preview", json=cancel_and_refund())
        assert preview.status_code == 200, preview.text


# --- two gateway processes sharing one Redis -------------------------------------------------

PASSWORD = "s3cret-" + uuid.uuid4().hex


def _executed(answer: httpx.Response) -> bool:
    return answer.status_code == 200 and "Idempotent-Replayed" not in answer.headers


def _assert_one_execution(answers: list[httpx.Response]) -> httpx.Response:
    executed = [a for a in answers if _executed(a)]
    assert len(executed) == 1, [(a.status_code, a.text[:200]) for a in answers]
    (winner,) = executed
    for answer in answers:
        if answer is winner:
            continue
        if answer.status_code == 409:
            assert answer.json()["code"] == "idempotency_request_in_flight"
        else:
            assert answer.headers.get("Idempotent-Replayed") == "true", answer.text
            assert (answer.status_code, answer.content) == (winner.status_code, winner.content)
    return winner


async def test_two_gateway_processes_never_execute_one_key_twice(tmp_path: Path) -> None:
    with (
        running_redis(tmp_path / "redis", password=PASSWORD) as url,
        served_gateway(tmp_path / "a.log", env={"ACTION_GATEWAY_REDIS_URL": url}) as a,
        served_gateway(tmp_path / "b.log", env={"ACTION_GATEWAY_REDIS_URL": url}) as b,
    ):
        clients = [httpx.AsyncClient(base_url=a), httpx.AsyncClient(base_url=b)]
        try:
            last_note: dict[httpx.AsyncClient, str | None] = dict.fromkeys(clients)
            for round_ in range(6):
                note = f"round {round_}"
                headers = {"Idempotency-Key": str(uuid.uuid4())}
                answers = list(
                    await asyncio.gather(
                        *(c.post("/v1/actions", json=note_edit(note), headers=headers)
                          for c in clients)
                    )
                )  # fmt: skip
                winner = _assert_one_execution(answers)
                last_note[clients[answers.index(winner)]] = note
                # Once answered, both processes replay the same bytes.
                for client in clients:
                    again = await client.post("/v1/actions", json=note_edit(note), headers=headers)
                    assert again.headers.get("Idempotent-Replayed") == "true"
                    assert again.content == winner.content
                # The same key with another body is refused by either process.
                reused = await clients[1].post(
                    "/v1/actions", json=note_edit(note + " changed"), headers=headers
                )
                assert reused.status_code == 422
                assert reused.json()["code"] == "idempotency_key_reused"

            headers = {"Idempotency-Key": str(uuid.uuid4())}
            answers = list(
                await asyncio.gather(
                    *(c.post("/v1/actions", json=cancel_and_refund(), headers=headers)
                      for c in clients)
                )
            )  # fmt: skip
            _assert_one_execution(answers)

            # Each process has its own sandbox, so a second execution would show in its state.
            cancelled = 0
            for client in clients:
                cancelled += (await order(client, "5500001001"))["state"]["cancelled"]
                note = (await order(client, "5500001007"))["note"]
                if last_note[client] is not None:
                    assert note == last_note[client]
                else:
                    assert not str(note or "").startswith("round ")
            assert cancelled == 1
        finally:
            for client in clients:
                await client.aclose()
    for log_name in ("a.log", "b.log"):
        log = (tmp_path / log_name).read_text()
        assert "backend=redis" in log
        assert "reachable=True" in log
        assert PASSWORD not in log
