from __future__ import annotations

import pytest

from action_gateway.errors import MalformedRequest
from action_gateway.idempotency import (
    ClaimState,
    InMemoryIdempotencyStore,
    StoredResponse,
    downstream_key,
    fingerprint,
    parse_idempotency_key,
)


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
