"""Property: any sequence of skips and cancels keeps the account consistent.

Every active subscription with a queued charge is held by exactly one queued charge, whose
`scheduled_at` is the subscription's `next_charge_scheduled_at`; a skip moves exactly one
subscription by exactly one interval; refused requests change nothing.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from action_gateway_sandbox.recharge import (
    SEED_SUBSCRIPTIONS,
    LeakyBucket,
    RechargeSimulator,
    add_interval,
)

TOKEN = "rc-property-token"
HEADERS = {"X-Recharge-Access-Token": TOKEN, "X-Recharge-Version": "2021-11"}
SUB_IDS = [s.id for s in SEED_SUBSCRIPTIONS]

actions = st.lists(
    st.tuples(st.sampled_from(["skip", "cancel"]), st.sampled_from(SUB_IDS)), max_size=12
)


async def _state(c: httpx.AsyncClient) -> tuple[dict[int, Any], list[dict[str, Any]]]:
    subs = (await c.get("/subscriptions", params={"limit": 250})).json()["subscriptions"]
    charges = (await c.get("/charges", params={"status": "queued", "limit": 250})).json()
    return {s["id"]: s for s in subs}, charges["charges"]


def _holding(charges: list[dict[str, Any]], sub_id: int) -> list[dict[str, Any]]:
    return [c for c in charges if sub_id in [i["purchase_item_id"] for i in c["line_items"]]]


async def _run(steps: list[tuple[str, int]]) -> None:
    sim = RechargeSimulator(access_token=TOKEN)
    sim.rate_limit = LeakyBucket(capacity=10**6)  # this test is about state, not throttling
    async with httpx.AsyncClient(
        base_url="https://api.rechargeapps.com", transport=sim.transport(), headers=HEADERS
    ) as c:
        for action, sub_id in steps:
            subs, charges = await _state(c)
            ledger = len(sim.ledger)
            if action == "cancel":
                response = await c.post(
                    f"/subscriptions/{sub_id}/cancel", json={"cancellation_reason": "test"}
                )
                assert (response.status_code == 200) == (subs[sub_id]["status"] == "active")
            else:
                holding = _holding(charges, sub_id)
                if not holding:
                    continue
                response = await c.post(
                    f"/charges/{holding[0]['id']}/skip", json={"purchase_item_ids": [sub_id]}
                )
                assert (response.status_code == 200) == subs[sub_id]["is_skippable"]
                after, _ = await _state(c)
                for other, before in subs.items():
                    if other != sub_id:
                        assert after[other] == before
                if response.status_code == 200:
                    old = date.fromisoformat(holding[0]["scheduled_at"])
                    sub = subs[sub_id]
                    expected = add_interval(
                        old, sub["charge_interval_frequency"], sub["order_interval_unit"]
                    )
                    assert after[sub_id]["next_charge_scheduled_at"] == expected.isoformat()
            if response.status_code != 200:
                assert len(sim.ledger) == ledger
                assert (await _state(c)) == (subs, charges)
            # Invariant after every step.
            subs, charges = await _state(c)
            for s in subs.values():
                held = _holding(charges, s["id"])
                assert len(held) <= 1
                assert s["has_queued_charges"] == bool(held)
                if held:
                    assert s["status"] == "active"
                    assert held[0]["scheduled_at"] == s["next_charge_scheduled_at"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions)
def test_skips_and_cancels_keep_the_account_consistent(steps: list[tuple[str, int]]) -> None:
    asyncio.run(_run(steps))
