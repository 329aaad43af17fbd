"""A platform offers the actions whose capability its adapter implements, and only those."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fakes import NoteOnlyAdapter, make_order
from tests.helpers import client_over_fake, problem_of


@pytest.fixture
def adapter() -> NoteOnlyAdapter:
    notes = NoteOnlyAdapter()
    notes.orders["1001"] = make_order("1001")
    return notes


@pytest.fixture
async def client(adapter: NoteOnlyAdapter) -> AsyncIterator[httpx.AsyncClient]:
    async with client_over_fake(adapter) as client:
        yield client


def action(name: str, input_: dict[str, str]) -> dict[str, object]:
    return {
        "connection": "acme",
        "action": name,
        "target": {"order_id": "1001"},
        "input": input_,
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def test_a_note_only_platform_lists_and_offers_only_the_note_edit(
    client: httpx.AsyncClient,
) -> None:
    listed = (await client.get("/v1/connections")).json()["connections"]
    assert [c["active_actions"] for c in listed] == [["edit_order_note"]]
    order = (await client.get("/v1/connections/acme/orders/1001")).json()
    assert order["available_actions"] == ["edit_order_note"]
    decisions = {d["action"]: d["code"] for d in order["eligibility"]["decisions"]}
    assert decisions["cancel_order"] == "action_not_supported"


async def test_an_action_without_its_capability_is_not_supported(
    client: httpx.AsyncClient, adapter: NoteOnlyAdapter
) -> None:
    cancel = action("cancel_order", {"reason": "customer"})
    for path, headers in (("/v1/actions", key()), ("/v1/actions/preview", {})):
        refused = await client.post(path, json=cancel, headers=headers)
        problem = problem_of(refused, 422, "action_not_supported")
        assert problem["detail"] == "cancel_order is not available on shopify."
    assert adapter.calls == []

    done = await client.post(
        "/v1/actions", json=action("edit_order_note", {"note": "Called back"}), headers=key()
    )
    assert done.status_code == 200, done.text
    assert done.json()["timeline_event"]["type"] == "order.note_updated"
    assert adapter.calls == [("note", "1001")]
