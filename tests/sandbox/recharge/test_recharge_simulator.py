"""The Recharge simulator through HTTP, as the adapter sees it (httpx on `sim.transport()`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from action_gateway_sandbox.recharge import (
    SEED_CHARGES,
    SEED_CUSTOMERS,
    SEED_SUBSCRIPTIONS,
    LeakyBucket,
    RechargeSimulator,
    add_interval,
    charge_table,
    seed_table,
)
from tests.sandbox.faults import (
    assert_drop_before_does_not_execute,
    assert_seeded_faults_reproducible,
)

TOKEN = "rc-test-token"
BASE = "https://api.rechargeapps.com"
HEADERS = {"X-Recharge-Access-Token": TOKEN, "X-Recharge-Version": "2021-11"}
AVA, BO, CARMEN, EMEKA = (c.id for c in SEED_CUSTOMERS)
COFFEE, OAT_MILK, FILTERS = 66300101, 66300102, 66300103
VITAMIN, PROTEIN = 66300201, 66300202
PREPAID_TEA, SLEEP_TEA, MATCHA = 66300301, 66300302, 66300303
DOG_FOOD, CHEWS = 66300501, 66300502
AVA_CHARGE, AVA_PAST, BO_CHARGE, CARMEN_CHARGE = 55400101, 55400100, 55400201, 55400301


@pytest.fixture
def sim() -> RechargeSimulator:
    return RechargeSimulator(access_token=TOKEN)


@pytest.fixture
def today(sim: RechargeSimulator) -> date:
    assert sim.store.seeded_at is not None
    return sim.store.seeded_at.date()


@pytest.fixture
async def client(sim: RechargeSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=BASE, transport=sim.transport(), headers=HEADERS) as c:
        yield c


async def get_json(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def subscription(client: httpx.AsyncClient, sub_id: int) -> dict[str, Any]:
    body = await get_json(client, f"/subscriptions/{sub_id}")
    sub: dict[str, Any] = body["subscription"]
    return sub


async def queued(client: httpx.AsyncClient, sub_id: int) -> list[dict[str, Any]]:
    body = await get_json(
        client, "/charges", status="queued", purchase_item_id=sub_id, sort_by="scheduled_at-asc"
    )
    charges: list[dict[str, Any]] = body["charges"]
    return charges


def item_ids(charge: dict[str, Any]) -> list[int]:
    return [i["purchase_item_id"] for i in charge["line_items"]]


def assert_error(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    if field is None:
        assert isinstance(errors, str)
        assert errors
    else:
        assert isinstance(errors, dict)
        assert field in errors


# -- protocol -----------------------------------------------------------------------------------


async def test_token_is_checked(client: httpx.AsyncClient) -> None:
    missing = await client.get("/customers", headers={"X-Recharge-Access-Token": ""})
    assert_error(missing, 401)
    wrong = await client.get("/subscriptions/66300101", headers={"X-Recharge-Access-Token": "x"})
    assert_error(wrong, 401)


@pytest.mark.parametrize("version", [None, "", "2021-01", "2099-01"])
async def test_version_header_is_required(
    sim: RechargeSimulator, client: httpx.AsyncClient, version: str | None
) -> None:
    headers = {"X-Recharge-Access-Token": TOKEN}
    if version is not None:
        headers["X-Recharge-Version"] = version
    async with httpx.AsyncClient(base_url=BASE, transport=sim.transport(), headers=headers) as c:
        response = await c.post(
            f"/subscriptions/{COFFEE}/cancel", json={"cancellation_reason": "too much"}
        )
    assert_error(response, 400)
    assert sim.ledger == []
    assert (await subscription(client, COFFEE))["status"] == "active"


async def test_unknown_paths_methods_and_hosts(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/orders"), 404)
    assert_error(await client.get("/subscriptions/66300101/"), 404)
    assert_error(await client.get("/subscriptions/abc"), 404)
    assert_error(await client.get("/subscriptions/1"), 404)
    assert_error(await client.get("/customers/1"), 404)
    assert_error(await client.get("/charges/1"), 404)
    assert_error(await client.delete("/subscriptions/66300101"), 405)
    assert_error(await client.get(f"/charges/{AVA_CHARGE}/skip"), 405)
    assert_error(await client.get("https://api.example.com/customers"), 404)


async def test_leaky_bucket_rate_limit(client: httpx.AsyncClient, sim: RechargeSimulator) -> None:
    clock = [100.0]
    sim.rate_limit = LeakyBucket(clock=lambda: clock[0])
    for _ in range(40):  # the bucket holds 40 calls
        assert (await client.get(f"/customers/{AVA}")).status_code == 200
    limited = await client.post(
        f"/subscriptions/{COFFEE}/cancel", json={"cancellation_reason": "Too much coffee"}
    )
    assert_error(limited, 429)
    assert sim.ledger == []  # not executed
    clock[0] += 0.5  # drains 2 calls per second: one slot back
    assert (await client.get(f"/customers/{AVA}")).status_code == 200
    assert (await client.get(f"/customers/{AVA}")).status_code == 429
    clock[0] += 20  # drained
    assert (await subscription(client, COFFEE))["status"] == "active"


async def test_unauthenticated_calls_do_not_fill_the_bucket(
    client: httpx.AsyncClient, sim: RechargeSimulator
) -> None:
    for _ in range(45):
        await client.get("/customers", headers={"X-Recharge-Access-Token": "nope"})
    assert sim.rate_limit.level == 0


# -- customers ----------------------------------------------------------------------------------


async def test_customers_by_email_and_id(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/customers", email="bo.wang@example.com")
    assert [c["id"] for c in body["customers"]] == [BO]
    customer = body["customers"][0]
    assert customer["external_customer_id"] == {"ecommerce": "7410002"}
    assert (customer["subscriptions_active_count"], customer["subscriptions_total_count"]) == (1, 2)
    assert "next_cursor" not in body
    assert "previous_cursor" not in body
    assert (await get_json(client, "/customers", email="nobody@example.com"))["customers"] == []
    one = await get_json(client, f"/customers/{EMEKA}")
    assert one["customer"]["email"] == "emeka.obi@example.com"
    assert one["customer"]["external_customer_id"]["ecommerce"] == "7410005"
    assert one["customer"]["created_at"].endswith("+00:00")
    everyone = await get_json(client, "/customers")
    assert [c["id"] for c in everyone["customers"]] == [EMEKA, CARMEN, BO, AVA]  # id desc


def test_seed_links_to_the_shopify_sandbox() -> None:
    from action_gateway_sandbox.shopify.seed import SEED_CUSTOMERS as SHOPIFY

    shopify = {c.email: str(c.id) for c in SHOPIFY}
    for c in SEED_CUSTOMERS:
        assert shopify[c.email] == c.shopify_customer_id


# -- subscriptions ------------------------------------------------------------------------------


async def test_subscription_fields(client: httpx.AsyncClient, today: date) -> None:
    sub = await subscription(client, COFFEE)
    assert sub["customer_id"] == AVA
    assert sub["status"] == "active"
    assert sub["next_charge_scheduled_at"] == (today + timedelta(days=5)).isoformat()
    assert (sub["order_interval_frequency"], sub["order_interval_unit"]) == (2, "week")
    assert sub["charge_interval_frequency"] == 2
    assert (sub["quantity"], sub["price"]) == (2, "24.00")
    assert sub["external_variant_id"] == {"ecommerce": "8300101"}
    assert (sub["is_prepaid"], sub["is_skippable"], sub["has_queued_charges"]) == (
        False,
        True,
        True,
    )
    prepaid = await subscription(client, PREPAID_TEA)
    assert (prepaid["is_prepaid"], prepaid["is_skippable"]) == (True, False)
    assert (prepaid["order_interval_frequency"], prepaid["charge_interval_frequency"]) == (1, 3)
    horizon = await subscription(client, SLEEP_TEA)
    assert horizon["status"] == "active"
    assert horizon["has_queued_charges"] is False
    assert horizon["next_charge_scheduled_at"] == (today + timedelta(days=75)).isoformat()
    cancelled = await subscription(client, PROTEIN)
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelled_at"] is not None
    assert cancelled["next_charge_scheduled_at"] is None
    assert (await subscription(client, MATCHA))["status"] == "expired"


async def test_list_subscriptions_filters(client: httpx.AsyncClient) -> None:
    ava = await get_json(client, "/subscriptions", customer_id=AVA)
    assert [s["id"] for s in ava["subscriptions"]] == [FILTERS, OAT_MILK, COFFEE]
    active = await get_json(client, "/subscriptions", customer_id=CARMEN, status="active")
    assert [s["id"] for s in active["subscriptions"]] == [SLEEP_TEA, PREPAID_TEA]
    upper = await get_json(client, "/subscriptions", customer_id=BO, status="CANCELLED")
    assert [s["id"] for s in upper["subscriptions"]] == [PROTEIN]
    by_ids = await get_json(client, "/subscriptions", ids=f"{DOG_FOOD},{CHEWS}", sort_by="id-asc")
    assert [s["id"] for s in by_ids["subscriptions"]] == [DOG_FOOD, CHEWS]


async def test_status_case_knob(client: httpx.AsyncClient, sim: RechargeSimulator) -> None:
    sim.status_case = "upper"
    assert (await subscription(client, COFFEE))["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"customer_id": "ava"}, "customer_id"),
        ({"status": "paused"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "251"}, "limit"),
        ({"sort_by": "price-asc"}, "sort_by"),
        ({"email": "ava.lindqvist@example.com"}, "email"),  # not a subscription filter
        ({"cursor": "garbage"}, "cursor"),
    ],
)
async def test_list_subscriptions_refusals(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    assert_error(await client.get("/subscriptions", params=params), 422, field)


async def test_cursor_pagination(client: httpx.AsyncClient) -> None:
    seen: list[int] = []
    first = await get_json(client, "/subscriptions", limit=4)
    assert len(first["subscriptions"]) == 4
    assert "previous_cursor" not in first
    seen += [s["id"] for s in first["subscriptions"]]
    page = first
    while "next_cursor" in page:
        page = await get_json(client, "/subscriptions", cursor=page["next_cursor"], limit=4)
        seen += [s["id"] for s in page["subscriptions"]]
    assert seen == sorted((s.id for s in SEED_SUBSCRIPTIONS), reverse=True)
    assert len(page["subscriptions"]) == 2  # 10 subscriptions: 4 + 4 + 2
    back = await get_json(client, "/subscriptions", cursor=page["previous_cursor"], limit=4)
    assert [s["id"] for s in back["subscriptions"]] == seen[4:8]
    # Filters travel inside the cursor.
    active = await get_json(client, "/subscriptions", status="active", limit=2)
    rest = await get_json(client, "/subscriptions", cursor=active["next_cursor"])
    assert all(s["status"] == "active" for s in rest["subscriptions"])
    assert len(active["subscriptions"]) + len(rest["subscriptions"]) == 8
    # Filters next to a cursor, or a cursor of another resource, are refused.
    mixed = await client.get(
        "/subscriptions", params={"cursor": active["next_cursor"], "status": "active"}
    )
    assert_error(mixed, 422, "cursor")
    assert_error(
        await client.get("/charges", params={"cursor": active["next_cursor"]}), 422, "cursor"
    )


# -- cancel -------------------------------------------------------------------------------------


async def test_cancel(client: httpx.AsyncClient, sim: RechargeSimulator) -> None:
    body = {
        "cancellation_reason": "Too much coffee",
        "cancellation_reason_comments": "Will come back in spring",
        "send_email": False,
    }
    response = await client.post(f"/subscriptions/{COFFEE}/cancel", json=body)
    assert response.status_code == 200
    sub = response.json()["subscription"]
    assert sub["status"] == "cancelled"
    assert sub["cancellation_reason"] == "Too much coffee"
    assert sub["cancellation_reason_comments"] == "Will come back in spring"
    assert sub["cancelled_at"].endswith("+00:00")
    assert (sub["has_queued_charges"], sub["next_charge_scheduled_at"]) == (False, None)
    [entry] = sim.ledger
    assert (entry.operation, entry.subscription_id, entry.send_email) == (
        "subscription.cancel",
        COFFEE,
        False,
    )
    # Its line left the shared charge; the others stayed.
    charge = (await get_json(client, f"/charges/{AVA_CHARGE}"))["charge"]
    assert item_ids(charge) == [OAT_MILK, FILTERS]
    assert charge["total_price"] == "24.50"
    # The active count follows.
    ava = (await get_json(client, f"/customers/{AVA}"))["customer"]
    assert ava["subscriptions_active_count"] == 2


async def test_cancel_removes_an_emptied_charge(client: httpx.AsyncClient) -> None:
    ok = await client.post(f"/subscriptions/{VITAMIN}/cancel", json={"cancellation_reason": "x"})
    assert ok.status_code == 200
    assert_error(await client.get(f"/charges/{BO_CHARGE}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "cancellation_reason"),
        ({"cancellation_reason": ""}, "cancellation_reason"),
        ({"cancellation_reason": "   "}, "cancellation_reason"),
        ({"cancellation_reason": 3}, "cancellation_reason"),
        ({"cancellation_reason_comments": "no reason"}, "cancellation_reason"),
        ({"cancellation_reason": "x", "cancellation_reason_comments": "y" * 1025},
         "cancellation_reason_comments"),
        ({"cancellation_reason": "x", "send_email": "no"}, "send_email"),
        ({"cancellation_reason": "x", "cancel_reason": "4|Overstocked"}, "cancel_reason"),
    ],
)  # fmt: skip
async def test_cancel_refusals(
    client: httpx.AsyncClient, sim: RechargeSimulator, body: dict[str, Any], field: str
) -> None:
    assert_error(await client.post(f"/subscriptions/{COFFEE}/cancel", json=body), 422, field)
    assert sim.ledger == []
    assert (await subscription(client, COFFEE))["status"] == "active"


async def test_cancel_body_format_refusals(client: httpx.AsyncClient) -> None:
    path = f"/subscriptions/{COFFEE}/cancel"
    assert_error(await client.post(path), 422, "cancellation_reason")  # no body at all
    form = await client.post(path, data={"cancellation_reason": "x"})
    assert_error(form, 415)
    broken = await client.post(path, content=b"{", headers={"Content-Type": "application/json"})
    assert_error(broken, 400)
    listed = await client.post(path, json=["cancellation_reason"])
    assert_error(listed, 400)
    assert_error(await client.post("/subscriptions/1/cancel", json={"cancellation_reason": "x"}),
                 404)  # fmt: skip


@pytest.mark.parametrize("sub_id", [PROTEIN, MATCHA])
async def test_cancel_an_inactive_subscription_is_refused(
    client: httpx.AsyncClient, sim: RechargeSimulator, sub_id: int
) -> None:
    before = await subscription(client, sub_id)
    response = await client.post(
        f"/subscriptions/{sub_id}/cancel", json={"cancellation_reason": "again"}
    )
    assert_error(response, 422)
    assert sim.ledger == []
    assert await subscription(client, sub_id) == before


async def test_second_cancel_is_refused(client: httpx.AsyncClient, sim: RechargeSimulator) -> None:
    path, body = f"/subscriptions/{DOG_FOOD}/cancel", {"cancellation_reason": "Moving"}
    assert (await client.post(path, json=body)).status_code == 200
    assert_error(await client.post(path, json=body), 422)
    assert len(sim.ledger) == 1


async def test_cancel_a_prepaid_subscription(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/subscriptions/{PREPAID_TEA}/cancel", json={"cancellation_reason": "Gift ended"}
    )
    assert response.json()["subscription"]["status"] == "cancelled"


# -- charges ------------------------------------------------------------------------------------


async def test_charge_fields(client: httpx.AsyncClient, today: date) -> None:
    charge = (await get_json(client, f"/charges/{AVA_CHARGE}"))["charge"]
    assert charge["status"] == "queued"
    assert charge["scheduled_at"] == (today + timedelta(days=5)).isoformat()
    assert charge["customer"]["id"] == AVA
    assert charge["customer"]["external_customer_id"] == {"ecommerce": "7410001"}
    assert item_ids(charge) == [COFFEE, OAT_MILK, FILTERS]
    assert {i["purchase_item_type"] for i in charge["line_items"]} == {"subscription"}
    # 2 x 24.00 + 18.50 + 6.00
    assert (charge["subtotal_price"], charge["total_price"]) == ("72.50", "72.50")
    assert charge["line_items"][0]["total_price"] == "48.00"


async def test_list_charges_filters(client: httpx.AsyncClient, today: date) -> None:
    ava = await get_json(client, "/charges", customer_id=AVA)
    assert [c["id"] for c in ava["charges"]] == [AVA_CHARGE, AVA_PAST]
    assert [c["status"] for c in ava["charges"]] == ["queued", "success"]
    only_queued = await get_json(client, "/charges", customer_id=AVA, status="queued")
    assert [c["id"] for c in only_queued["charges"]] == [AVA_CHARGE]
    holding = await get_json(client, "/charges", purchase_item_id=OAT_MILK)
    assert [c["id"] for c in holding["charges"]] == [AVA_CHARGE, AVA_PAST]
    several = await get_json(
        client, "/charges", purchase_item_ids=f"{DOG_FOOD},{CHEWS}", sort_by="scheduled_at-asc"
    )
    assert [c["id"] for c in several["charges"]] == [55400501, 55400502]
    window = await get_json(
        client,
        "/charges",
        status="queued",
        scheduled_at_min=(today + timedelta(days=4)).isoformat(),
        scheduled_at_max=f"{(today + timedelta(days=20)).isoformat()}T00:00:00+00:00",
        sort_by="scheduled_at-asc",
    )
    assert [c["id"] for c in window["charges"]] == [AVA_CHARGE, BO_CHARGE, CARMEN_CHARGE]
    on = await get_json(client, "/charges", scheduled_at=(today + timedelta(days=3)).isoformat())
    assert [c["id"] for c in on["charges"]] == [55400501]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"subscription_id": str(COFFEE)}, "subscription_id"),  # 2021-01 name: not in 2021-11
        ({"status": "QUEUEDD"}, "status"),
        ({"scheduled_at_min": "next week"}, "scheduled_at_min"),
        ({"purchase_item_ids": "1,x"}, "purchase_item_ids"),
        ({"sort_by": "price-desc"}, "sort_by"),
    ],
)
async def test_list_charges_refusals(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    assert_error(await client.get("/charges", params=params), 422, field)


async def test_repeated_and_stray_query_parameters(client: httpx.AsyncClient) -> None:
    repeated = await client.get("/charges", params=[("status", "queued"), ("status", "skipped")])
    assert_error(repeated, 422, "status")
    assert_error(await client.get(f"/charges/{AVA_CHARGE}", params={"x": "1"}), 422, "x")


# -- skip ---------------------------------------------------------------------------------------


async def test_skip_moves_only_that_subscription(
    client: httpx.AsyncClient, sim: RechargeSimulator, today: date
) -> None:
    before = {s: await subscription(client, s) for s in (COFFEE, OAT_MILK, FILTERS)}
    response = await client.post(
        f"/charges/{AVA_CHARGE}/skip", json={"purchase_item_ids": [OAT_MILK]}
    )
    assert response.status_code == 200
    skipped = response.json()["charge"]
    assert skipped["status"] == "skipped"
    assert item_ids(skipped) == [OAT_MILK]
    assert skipped["scheduled_at"] == (today + timedelta(days=5)).isoformat()
    # The source charge keeps the other two subscriptions, still queued on the same date.
    source = (await get_json(client, f"/charges/{AVA_CHARGE}"))["charge"]
    assert (source["status"], item_ids(source)) == ("queued", [COFFEE, FILTERS])
    assert source["scheduled_at"] == (today + timedelta(days=5)).isoformat()
    assert source["total_price"] == "54.00"
    # Only the skipped subscription's next date moved, by one interval (2 weeks).
    after = {s: await subscription(client, s) for s in (COFFEE, OAT_MILK, FILTERS)}
    moved = (today + timedelta(days=5 + 14)).isoformat()
    assert after[OAT_MILK]["next_charge_scheduled_at"] == moved
    for other in (COFFEE, FILTERS):
        assert after[other]["next_charge_scheduled_at"] == before[other]["next_charge_scheduled_at"]
        assert after[other]["updated_at"] == before[other]["updated_at"]
    # A queued charge was regenerated for it on the new date.
    [regenerated] = await queued(client, OAT_MILK)
    assert regenerated["scheduled_at"] == moved
    assert item_ids(regenerated) == [OAT_MILK]
    assert after[OAT_MILK]["has_queued_charges"] is True
    [entry] = sim.ledger
    assert (entry.operation, entry.subscription_id, entry.charge_id) == (
        "charge.skip",
        OAT_MILK,
        AVA_CHARGE,
    )
    assert (entry.skipped_charge_id, entry.queued_charge_id) == (skipped["id"], regenerated["id"])
    assert (entry.previous_date, entry.next_date) == (
        today + timedelta(days=5),
        today + timedelta(days=19),
    )
    # The skipped charge is listed as skipped.
    listed = await get_json(client, "/charges", status="skipped", customer_id=AVA)
    assert [c["id"] for c in listed["charges"]] == [skipped["id"]]


async def test_skip_a_monthly_subscription_adds_a_calendar_month(
    client: httpx.AsyncClient, today: date
) -> None:
    response = await client.post(
        f"/charges/{AVA_CHARGE}/skip", json={"purchase_item_ids": [FILTERS]}
    )
    assert response.status_code == 200
    expected = add_interval(today + timedelta(days=5), 1, "month")
    assert (await subscription(client, FILTERS))["next_charge_scheduled_at"] == expected.isoformat()


async def test_skip_every_line_skips_the_charge_itself(
    client: httpx.AsyncClient, today: date
) -> None:
    response = await client.post(
        f"/charges/{BO_CHARGE}/skip", json={"purchase_item_ids": [VITAMIN]}
    )
    charge = response.json()["charge"]
    assert (charge["id"], charge["status"]) == (BO_CHARGE, "skipped")
    [regenerated] = await queued(client, VITAMIN)
    expected = add_interval(today + timedelta(days=12), 1, "month")
    assert regenerated["scheduled_at"] == expected.isoformat()
    # Skipping the skipped charge again is refused.
    again = await client.post(f"/charges/{BO_CHARGE}/skip", json={"purchase_item_ids": [VITAMIN]})
    assert_error(again, 422)


async def test_skips_on_the_same_date_join_one_queued_charge(client: httpx.AsyncClient) -> None:
    for sub_id in (COFFEE, OAT_MILK):
        response = await client.post(
            f"/charges/{AVA_CHARGE}/skip", json={"purchase_item_ids": [sub_id]}
        )
        assert response.status_code == 200
    [coffee] = await queued(client, COFFEE)
    [oat] = await queued(client, OAT_MILK)
    assert coffee["id"] == oat["id"]
    assert item_ids(coffee) == [COFFEE, OAT_MILK]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "purchase_item_ids"),
        ({"purchase_item_ids": []}, "purchase_item_ids"),
        ({"purchase_item_ids": str(COFFEE)}, "purchase_item_ids"),
        ({"purchase_item_ids": [str(COFFEE)]}, "purchase_item_ids"),
        ({"purchase_item_ids": [COFFEE, COFFEE]}, "purchase_item_ids"),
        ({"purchase_item_ids": [DOG_FOOD]}, "purchase_item_ids"),  # not on this charge
        ({"subscription_ids": [COFFEE]}, "subscription_ids"),  # the older body shape
        ({"subscription_id": COFFEE, "purchase_item_ids": [COFFEE]}, "subscription_id"),
    ],
)
async def test_skip_refusals_change_nothing(
    client: httpx.AsyncClient, sim: RechargeSimulator, body: dict[str, Any], field: str
) -> None:
    before = (await get_json(client, f"/charges/{AVA_CHARGE}"))["charge"]
    response = await client.post(f"/charges/{AVA_CHARGE}/skip", json=body)
    assert_error(response, 422, field)
    assert sim.ledger == []
    assert (await get_json(client, f"/charges/{AVA_CHARGE}"))["charge"] == before


async def test_skip_without_body_is_refused(
    client: httpx.AsyncClient, sim: RechargeSimulator
) -> None:
    assert_error(await client.post(f"/charges/{AVA_CHARGE}/skip"), 422, "purchase_item_ids")
    assert sim.ledger == []


async def test_skip_a_prepaid_subscription_is_refused(
    client: httpx.AsyncClient, sim: RechargeSimulator
) -> None:
    before = await subscription(client, PREPAID_TEA)
    response = await client.post(
        f"/charges/{CARMEN_CHARGE}/skip", json={"purchase_item_ids": [PREPAID_TEA]}
    )
    assert_error(response, 422, "purchase_item_ids")
    assert sim.ledger == []
    assert await subscription(client, PREPAID_TEA) == before
    assert (await get_json(client, f"/charges/{CARMEN_CHARGE}"))["charge"]["status"] == "queued"


async def test_skip_a_non_queued_charge_or_unknown_charge(client: httpx.AsyncClient) -> None:
    past = await client.post(f"/charges/{AVA_PAST}/skip", json={"purchase_item_ids": [COFFEE]})
    assert_error(past, 422)
    assert_error(await client.post("/charges/1/skip", json={"purchase_item_ids": [COFFEE]}), 404)


async def test_no_queued_charge_for_the_horizon_subscription(client: httpx.AsyncClient) -> None:
    assert await queued(client, SLEEP_TEA) == []


# -- seed ---------------------------------------------------------------------------------------


def test_seed_table(today: date) -> None:
    rows = {r["subscription_id"]: r for r in seed_table(today)}
    assert set(rows) == {s.id for s in SEED_SUBSCRIPTIONS}
    assert rows[COFFEE]["queued_charge_id"] == AVA_CHARGE
    assert rows[SLEEP_TEA]["queued_charge_id"] is None
    assert rows[PREPAID_TEA]["is_skippable"] is False
    assert seed_table()[0]["next_charge_scheduled_at"] == "+5 days"
    charges = {r["charge_id"]: r for r in charge_table(today)}
    assert charges[AVA_CHARGE]["subscription_ids"] == f"{COFFEE}, {OAT_MILK}, {FILTERS}"
    # Every queued charge holds only active subscriptions due on its date.
    subs = {s.id: s for s in SEED_SUBSCRIPTIONS}
    for ch in SEED_CHARGES:
        if ch.status == "queued":
            assert all(subs[s].next_in_days == ch.in_days for s in ch.subscription_ids)


async def test_unseeded_simulator_is_empty() -> None:
    sim = RechargeSimulator(access_token=TOKEN, seed=False)
    async with httpx.AsyncClient(base_url=BASE, transport=sim.transport(), headers=HEADERS) as c:
        assert (await get_json(c, "/customers"))["customers"] == []


# -- faults -------------------------------------------------------------------------------------


async def test_http_status_faults(client: httpx.AsyncClient, sim: RechargeSimulator) -> None:
    sim.faults.http_status(503, headers={"Retry-After": "2"})
    sim.faults.http_status(500, operation="skipCharge")
    unavailable = await client.get(f"/customers/{AVA}")
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "2")
    assert_error(unavailable, 503)
    assert (await client.get(f"/customers/{AVA}")).status_code == 200  # the 500 waits for a skip
    failed = await client.post(f"/charges/{AVA_CHARGE}/skip", json={"purchase_item_ids": [COFFEE]})
    assert_error(failed, 500)
    assert sim.ledger == []


async def test_rate_limited_fault(client: httpx.AsyncClient, sim: RechargeSimulator) -> None:
    sim.faults.rate_limit(operation="POST /subscriptions/{subscription_id}/cancel")
    path, body = f"/subscriptions/{COFFEE}/cancel", {"cancellation_reason": "x"}
    assert_error(await client.post(path, json=body), 429)
    assert sim.ledger == []
    assert (await client.post(path, json=body)).status_code == 200


async def test_drop_before_does_not_execute(
    client: httpx.AsyncClient, sim: RechargeSimulator
) -> None:
    await assert_drop_before_does_not_execute(
        sim,
        "cancelSubscription",
        lambda: client.post(f"/subscriptions/{COFFEE}/cancel", json={"cancellation_reason": "x"}),
    )
    assert (await subscription(client, COFFEE))["status"] == "active"


async def test_drop_after_skip_executes_once(
    client: httpx.AsyncClient, sim: RechargeSimulator, today: date
) -> None:
    sim.faults.drop_after(operation="skipCharge", error=httpx.RemoteProtocolError)
    body = {"purchase_item_ids": [COFFEE]}
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(f"/charges/{AVA_CHARGE}/skip", json=body)
    assert [(e.operation, e.subscription_id) for e in sim.ledger] == [("charge.skip", COFFEE)]
    # Reconciliation: a re-read shows the effect, so the client must not skip again.
    moved = (today + timedelta(days=19)).isoformat()
    assert (await subscription(client, COFFEE))["next_charge_scheduled_at"] == moved
    source = (await get_json(client, f"/charges/{AVA_CHARGE}"))["charge"]
    assert COFFEE not in item_ids(source)
    # A blind retry against the same charge is refused: the subscription is no longer on it.
    retry = await client.post(f"/charges/{AVA_CHARGE}/skip", json=body)
    assert_error(retry, 422, "purchase_item_ids")
    assert len(sim.ledger) == 1


async def test_drop_after_cancel_executes_once(
    client: httpx.AsyncClient, sim: RechargeSimulator
) -> None:
    sim.faults.drop_after(operation="cancelSubscription")
    path, body = f"/subscriptions/{CHEWS}/cancel", {"cancellation_reason": "Dog is on a diet"}
    with pytest.raises(httpx.ReadError):
        await client.post(path, json=body)
    assert (await subscription(client, CHEWS))["status"] == "cancelled"
    assert_error(await client.post(path, json=body), 422)
    assert len(sim.ledger) == 1


async def test_random_faults_are_reproducible() -> None:
    await assert_seeded_faults_reproducible(
        RechargeSimulator, TOKEN, BASE, HEADERS, lambda c: c.get(f"/subscriptions/{COFFEE}")
    )


# -- set_next_charge_date -------------------------------------------------------------------------


async def set_date(client: httpx.AsyncClient, sub_id: int, body: Any) -> httpx.Response:
    return await client.post(f"/subscriptions/{sub_id}/set_next_charge_date", json=body)


async def test_set_next_charge_date_moves_only_that_subscription(
    client: httpx.AsyncClient, sim: RechargeSimulator, today: date
) -> None:
    before = await subscription(client, OAT_MILK)
    new_date = (today + timedelta(days=30)).isoformat()
    response = await set_date(client, OAT_MILK, {"date": new_date})
    assert response.status_code == 200, response.text
    moved = response.json()["subscription"]
    assert moved["next_charge_scheduled_at"] == new_date
    assert moved["updated_at"] == before["updated_at"]  # not bumped by a date change [§5.2]
    [charge] = await queued(client, OAT_MILK)
    assert (charge["scheduled_at"], item_ids(charge)) == (new_date, [OAT_MILK])
    [shared] = await queued(client, COFFEE)
    assert (shared["id"], item_ids(shared)) == (AVA_CHARGE, [COFFEE, FILTERS])
    [entry] = sim.ledger
    assert (entry.operation, entry.subscription_id, entry.next_date.isoformat()) == (
        "subscription.set_next_charge_date",
        OAT_MILK,
        new_date,
    )


async def test_two_subscriptions_set_to_one_date_merge_into_one_charge(
    client: httpx.AsyncClient, today: date
) -> None:
    new_date = (today + timedelta(days=20)).isoformat()
    for sub_id in (COFFEE, OAT_MILK):
        assert (await set_date(client, sub_id, {"date": new_date})).status_code == 200
    [coffee] = await queued(client, COFFEE)
    [oat] = await queued(client, OAT_MILK)
    assert coffee["id"] == oat["id"]
    assert item_ids(coffee) == [COFFEE, OAT_MILK]


@pytest.mark.parametrize(
    ("sub_id", "days", "body", "status", "field"),
    [
        (COFFEE, 0, None, 422, "date"),  # today
        (COFFEE, -1, None, 422, "date"),  # the past
        (PROTEIN, 10, None, 422, "date"),  # cancelled
        (MATCHA, 10, None, 422, "date"),  # expired
        (COFFEE, 10, {}, 422, "date"),
        (COFFEE, 10, {"date": "2027-1-5"}, 422, "date"),
        (COFFEE, 10, {"date": "soon"}, 422, "date"),
        (COFFEE, 10, {"next_charge_date": "2027-01-05"}, 422, "next_charge_date"),
        (99999999, 10, None, 404, None),
    ],
)
async def test_set_next_charge_date_refusals(
    client: httpx.AsyncClient,
    sim: RechargeSimulator,
    today: date,
    sub_id: int,
    days: int,
    body: Any,
    status: int,
    field: str | None,
) -> None:
    payload = body if body is not None else {"date": (today + timedelta(days=days)).isoformat()}
    assert_error(await set_date(client, sub_id, payload), status, field)
    assert sim.ledger == []
