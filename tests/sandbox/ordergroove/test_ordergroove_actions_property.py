"""Property: any sequence of cancels and skips keeps the simulated merchant consistent.

Random cancels (with or without a reason) and skips (against any seeded or generated order)
go through HTTP to a fresh simulator. A refused action changes nothing; an accepted one adds
exactly one ledger entry; no item is duplicated and only a cancel removes lines; a cancelled
subscription keeps no line on a changeable upcoming order; a skip moves the lines exactly one
calendar interval.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import datetime
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from action_gateway_sandbox.ordergroove import OrdergrooveSimulator, add_interval
from action_gateway_sandbox.ordergroove.state import UNSENT

KEY = "og-property-key"
BASE = "https://restapi.ordergroove.com"
NOW = datetime(2026, 1, 28, 8, 0)

actions = st.lists(
    st.tuples(
        st.sampled_from(["cancel", "skip"]),
        st.integers(min_value=1, max_value=13),  # subscription
        st.integers(min_value=0, max_value=12),  # order: 1-9 seeded, 10-12 the first generated
        st.sampled_from([None, "4|Overstocked", "Overstocked"]),
    ),
    max_size=12,
)


def _snapshot(sim: OrdergrooveSimulator) -> Any:
    store = sim.store
    return copy.deepcopy((store.subscriptions, store.orders))


def _order_ref(n: int) -> str:
    return f"0d{n if n < 10 else n + 91:030x}"  # 10, 11, 12 -> 101, 102, 103 (generated)


async def _run(steps: list[tuple[str, int, int, str | None]]) -> None:
    sim = OrdergrooveSimulator(access_token=KEY, now=NOW)
    seeded = {i.public_id: i.subscription for i in sim.store.items()}
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE, headers={"x-api-key": KEY}
    ) as client:
        for kind, n, o, reason in steps:
            sub = f"5b{n:030x}"
            before, ledger = _snapshot(sim), len(sim.ledger)
            if kind == "cancel":
                body = None if reason is None else {"cancel_reason": reason}
                answer = await client.patch(f"/subscriptions/{sub}/cancel/", json=body)
            else:
                order = _order_ref(o)
                source = sim.store.orders.get(order)
                place = source.place if source else None
                answer = await client.patch(
                    f"/orders/{order}/skip_subscription/", json={"subscription": sub}
                )
            assert answer.status_code in (200, 400, 404), answer.text
            if answer.status_code != 200:
                assert _snapshot(sim) == before
                assert len(sim.ledger) == ledger
                continue
            assert len(sim.ledger) == ledger + 1
            entry = sim.ledger[-1]
            assert entry.subscription == sub
            s = sim.store.subscriptions[sub]
            if kind == "cancel":
                assert not s.live
                assert not s.prepaid
            else:
                assert place is not None
                assert entry.place == add_interval(place, s.every, s.every_period)
                assert entry.new_order is not None
                moved = sim.store.orders[entry.new_order]
                assert {i.subscription for i in moved.items} == {sub}
        # Every item is on exactly one order, the one it names; only a cancel removes lines.
        pairs = [(i.public_id, o.public_id) for o in sim.store.orders.values() for i in o.items]
        holders = dict(pairs)
        assert len(holders) == len(pairs)
        cancelled = {e.subscription for e in sim.ledger if e.operation == "subscription.cancel"}
        assert set(holders) <= set(seeded)
        assert all(seeded[gone] in cancelled for gone in set(seeded) - set(holders))
        assert all(i.order == holders[i.public_id] for i in sim.store.items())
        for s in sim.store.subscriptions.values():
            if not s.live:
                assert not any(
                    i.subscription == s.public_id
                    for o in sim.store.orders.values()
                    if o.status == UNSENT and not o.locked
                    for i in o.items
                )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions)
def test_actions_keep_the_merchant_consistent(
    steps: list[tuple[str, int, int, str | None]],
) -> None:
    asyncio.run(_run(steps))
