"""A platform defined under tests/ registers through the same seam as the shipped ones and is
driven end to end: configuration, catalog, lookup, eligibility and one action (nothing in src/
names it)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from action_gateway.config import ConfigError, parse_config
from action_gateway.platforms.registry import PlatformRegistry, with_platforms
from tests.helpers import running_app
from tests.platforms.toy import SPEC as TOY
from tests.platforms.toy.api import LOST_NOTE, ToyStore

TOKEN = "toy-token-1"
DOCUMENT = {
    "connections": [
        {"id": "toy-acme", "platform": "toy", "store_code": "acme", "access_token_env": "TOY"}
    ]
}


@pytest.fixture
def platforms() -> PlatformRegistry:
    return with_platforms(TOY)


@pytest.fixture
def store() -> ToyStore:
    return ToyStore(store_code="acme", token=TOKEN)


@pytest.fixture
async def client(platforms: PlatformRegistry, store: ToyStore) -> AsyncIterator[httpx.AsyncClient]:
    config = parse_config(DOCUMENT, environ={"TOY": TOKEN}, platforms=platforms)
    transports = {"toy-acme": store.transport()}
    async with running_app(config, transports=transports, platforms=platforms) as (client, _):
        yield client


def test_a_toy_connection_is_configured_with_its_own_settings(platforms: PlatformRegistry) -> None:
    config = parse_config(DOCUMENT, environ={"TOY": TOKEN}, platforms=platforms)
    (connection,) = config.connections
    assert connection.spec is TOY
    assert connection.store_code == "acme"  # type: ignore[attr-defined]  # its own key, flat
    assert connection.base_url == "https://acme.toy.test"
    (declared,) = DOCUMENT["connections"]
    without_code = {"connections": [{k: v for k, v in declared.items() if k != "store_code"}]}
    with pytest.raises(ConfigError) as info:
        parse_config(without_code, environ={"TOY": TOKEN}, platforms=platforms)
    assert "  - connections.0.store_code: Field required" in str(info.value)


def test_without_registering_it_the_platform_is_unknown() -> None:
    with pytest.raises(ConfigError, match=r"connections\.0\.platform: Input should be 'shopify'"):
        parse_config(DOCUMENT, environ={"TOY": TOKEN})


async def test_the_catalog_lists_it_with_its_actions(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/v1/platforms")).json()["platforms"]
    toy = next(p for p in listed if p["platform"] == "toy")
    assert [a["name"] for a in toy["actions"]] == ["edit_order_note", "create_discount_code"]
    matrix = (await client.get("/v1/platforms/toy/eligibility")).json()
    assert matrix["resources"]["order"]["facts"] == {"fulfillment_status": "string"}
    document = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert "toy" in document["Platform"]["enum"]
    assert "ToyShopEligibilityRequest" in document


async def test_a_customer_lookup_finds_the_toy_customer_with_orders(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/v1/customers", params={"email": "ava@example.com"})
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    assert (result["connection"], result["platform"], result["status"]) == (
        "toy-acme",
        "toy",
        "ok",
    )
    (customer,) = result["customers"]
    assert customer["display_name"] == "Ava Lindqvist"
    orders = {o["name"]: o for o in customer["orders"]}
    assert orders["#T-1"]["available_actions"] == ["edit_order_note"]
    assert orders["#T-2"]["available_actions"] == []  # shipped: the toy matrix says no


@pytest.mark.parametrize(("status", "allowed"), [("unfulfilled", True), ("fulfilled", False)])
async def test_eligibility_takes_the_toy_facts(
    client: httpx.AsyncClient, status: str, allowed: bool
) -> None:
    body = {"platform": "toy", "resource": {"type": "order", "fulfillment_status": status}}
    answer = await client.post("/v1/eligibility", json=body)
    assert answer.status_code == 200, answer.text
    assert ("edit_order_note" in answer.json()["available_actions"]) is allowed
    wrong = {"platform": "toy", "resource": {"type": "order", "status_id": 2}}
    assert (await client.post("/v1/eligibility", json=wrong)).status_code == 422


def _edit_note(note: str) -> dict[str, Any]:
    return {
        "connection": "toy-acme",
        "action": "edit_order_note",
        "target": {"order_id": "T-1"},
        "input": {"note": note, "mode": "replace"},
        "context": {"agent_id": "agent-7", "conversation_id": "conv-9"},
    }


async def test_an_action_runs_once_and_its_event_names_the_platform(
    client: httpx.AsyncClient, store: ToyStore
) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    answer = await client.post("/v1/actions", json=_edit_note("call back Monday"), headers=headers)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["status"] == "succeeded"
    assert result["timeline_event"]["platform"] == "toy"
    assert store.orders["T-1"]["note"] == "call back Monday"
    replay = await client.post("/v1/actions", json=_edit_note("call back Monday"), headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"

    lost = await client.post(
        "/v1/actions", json=_edit_note(LOST_NOTE), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert lost.json()["outcome"] == "unknown"
    summary = lost.json()["timeline_event"]["summary"]
    assert "Toy Shop did not confirm it. Check on Toy Shop before trying again." in summary


def test_contributing_lists_the_files_the_toy_platform_needed() -> None:
    text = (Path(__file__).parents[3] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Adding a platform", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^- `(tests/platforms/toy/[^`]+)`", section, flags=re.MULTILINE))
    toy = Path(__file__).parent
    written = {
        str(path.relative_to(toy.parents[2]))
        for path in toy.iterdir()
        if path.is_file() and path.suffix in {".py", ".yaml"}
    }
    assert listed == written
