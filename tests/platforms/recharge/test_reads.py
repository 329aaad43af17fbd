"""Finding a store customer's Recharge subscriptions, and how Recharge's fields map."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from action_gateway.actions.specs import supported_actions
from action_gateway.domain.models import ActionName, Money, SubscriptionState
from action_gateway.platforms.recharge import RechargeAdapter, build_recharge_adapter
from action_gateway.platforms.recharge.endpoints import (
    GET_SUBSCRIPTION,
    LIST_CHARGES,
    LIST_CUSTOMERS,
    LIST_SUBSCRIPTIONS,
)
from action_gateway.platforms.recharge.mapping import from_recharge_subscription
from tests.platforms.recharge.helpers import (
    BASE_URL,
    CHARGE_ID,
    CUSTOMER_ID,
    EMAIL,
    SECOND_SUBSCRIPTION_ID,
    SUBSCRIPTION_ID,
    TOKEN,
    RechargeStub,
    call,
    cancelled_body,
    charge_body,
    charges_body,
    connection,
    customer_body,
    customers_body,
    error,
    ok,
    store_customer,
    subscription_body,
    subscriptions_body,
)


def customer_found_with(stub: RechargeStub, *subscription_pages: httpx.Response) -> None:
    """The customer is found by email, then her subscriptions listed as ``subscription_pages``."""
    stub.reply(LIST_CUSTOMERS, ok(customers_body(customer_body())))
    stub.reply(LIST_SUBSCRIPTIONS, *subscription_pages)


class TestFindSubscriptions:
    async def test_lookup_by_email_then_every_page_of_subscriptions(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        customer_found_with(
            stub,
            ok(subscriptions_body(subscription_body(), next_cursor="cur-2")),
            ok(subscriptions_body(cancelled_body(SECOND_SUBSCRIPTION_ID))),
        )
        stub.reply(
            LIST_CHARGES,
            ok(
                charges_body(
                    charge_body(CHARGE_ID, SUBSCRIPTION_ID),
                    charge_body(CHARGE_ID + 1, SUBSCRIPTION_ID, scheduled_at="2027-01-01"),
                )
            ),
        )
        found = await adapter.find_subscriptions(store_customer(), call=call())

        assert stub.calls() == [
            "GET /customers",
            "GET /subscriptions",
            "GET /subscriptions",
            "GET /charges",
        ]
        assert stub.queries(LIST_CUSTOMERS) == [{"email": EMAIL, "limit": "250"}]
        # Follow-up pages send only the cursor (filters alongside it are UNCONFIRMED).
        assert stub.queries(LIST_SUBSCRIPTIONS) == [
            {"customer_id": str(CUSTOMER_ID), "limit": "250"},
            {"cursor": "cur-2", "limit": "250"},
        ]
        assert stub.queries(LIST_CHARGES) == [
            {
                "customer_id": str(CUSTOMER_ID),
                "status": "queued",
                "sort_by": "scheduled_at-asc",
                "limit": "250",
            }
        ]
        for request in stub.requests:
            assert request.headers["X-Recharge-Version"] == "2021-11"
            assert request.headers["X-Recharge-Access-Token"] == TOKEN
            assert request.headers["Accept"] == "application/json"
            assert "Content-Type" not in request.headers
        assert (
            str(stub.requests[0].url) == f"{BASE_URL}/customers?email=jane%40example.com&limit=250"
        )

        active, cancelled = found
        assert active.id == active.platform_id == str(SUBSCRIPTION_ID)
        assert active.customer_id == str(CUSTOMER_ID)
        assert active.state == SubscriptionState(
            live=None, status="active", prepaid=False, skippable=True, has_next_order=True
        )
        assert (active.product, active.product_id, active.sku, active.quantity) == (
            "Cold brew concentrate",
            "8101",
            "CB-1L",
            2,
        )
        assert (active.every, active.period, active.frequency) == (1, "month", "every month")
        assert active.price == Money(amount="24.50", currency="USD")
        assert active.next_order_date == date(2026, 12, 1)
        # The earliest queued charge holding it is its next order.
        assert active.next_order_ref == str(CHARGE_ID)
        assert active.created_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

        assert cancelled.state.status == "cancelled"
        assert cancelled.state.has_next_order is False
        assert cancelled.next_order_ref is None
        assert cancelled.cancelled_at == datetime(2026, 11, 23, 10, 15, tzinfo=UTC)

    async def test_customer_pages_are_followed(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(
            LIST_CUSTOMERS,
            ok(customers_body(next_cursor="c2")),
            ok(customers_body(customer_body())),
        )
        stub.reply(LIST_SUBSCRIPTIONS, ok(subscriptions_body(cancelled_body())))
        found = await adapter.find_subscriptions(store_customer(), call=call())
        assert [s.id for s in found] == [str(SUBSCRIPTION_ID)]
        assert stub.queries(LIST_CUSTOMERS)[1] == {"cursor": "c2", "limit": "250"}
        # No active subscription has a next charge: the charges are not listed.
        assert stub.sent(LIST_CHARGES) == []

    async def test_no_recharge_customer(self, adapter: RechargeAdapter, stub: RechargeStub) -> None:
        stub.reply(LIST_CUSTOMERS, ok(customers_body()))
        assert await adapter.find_subscriptions(store_customer(), call=call()) == []
        assert stub.calls() == ["GET /customers"]

    async def test_a_customer_without_email_is_not_looked_up(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        assert await adapter.find_subscriptions(store_customer(None), call=call()) == []
        assert stub.requests == []

    async def test_another_store_customer_or_email_is_never_shown(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(
            LIST_CUSTOMERS,
            ok(
                customers_body(
                    customer_body(1, external_id="9999"),
                    customer_body(2, email="janet@example.com"),
                    customer_body(CUSTOMER_ID, email="JANE@example.com"),
                )
            ),
        )
        stub.reply(LIST_SUBSCRIPTIONS, ok(subscriptions_body(cancelled_body())))
        await adapter.find_subscriptions(store_customer(), call=call())
        assert stub.queries(LIST_SUBSCRIPTIONS) == [
            {"customer_id": str(CUSTOMER_ID), "limit": "250"}
        ]

    async def test_a_subscription_of_another_customer_is_dropped(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        other_customers = cancelled_body(1).copy() | {"customer_id": 2}
        customer_found_with(stub, ok(subscriptions_body(cancelled_body(), other_customers)))
        found = await adapter.find_subscriptions(store_customer(), call=call())
        assert [s.id for s in found] == [str(SUBSCRIPTION_ID)]


class TestGetSubscription:
    async def test_reads_it_with_its_queued_charge(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"subscription": subscription_body()}))
        stub.reply(
            LIST_CHARGES,
            ok(
                charges_body(
                    # A filter Recharge might ignore is matched locally too.
                    charge_body(CHARGE_ID + 5, SECOND_SUBSCRIPTION_ID, scheduled_at="2026-11-25"),
                    charge_body(CHARGE_ID, SUBSCRIPTION_ID, SECOND_SUBSCRIPTION_ID),
                )
            ),
        )
        subscription = await adapter.get_subscription(str(SUBSCRIPTION_ID), call=call())
        assert subscription is not None
        assert subscription.next_order_ref == str(CHARGE_ID)
        assert stub.calls() == [f"GET /subscriptions/{SUBSCRIPTION_ID}", "GET /charges"]
        assert stub.queries(LIST_CHARGES) == [
            {
                "status": "queued",
                "purchase_item_id": str(SUBSCRIPTION_ID),
                "sort_by": "scheduled_at-asc",
                "customer_id": str(CUSTOMER_ID),
                "limit": "250",
            }
        ]

    async def test_404_is_none(self, adapter: RechargeAdapter, stub: RechargeStub) -> None:
        stub.reply(GET_SUBSCRIPTION, error(404, "Not Found"))
        assert await adapter.get_subscription("404", call=call()) is None

    async def test_a_non_numeric_id_is_none_without_a_request(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        assert await adapter.get_subscription("abc", call=call()) is None
        assert stub.requests == []

    async def test_cancelled_needs_no_charge_lookup(
        self, adapter: RechargeAdapter, stub: RechargeStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"subscription": cancelled_body()}))
        subscription = await adapter.get_subscription(str(SUBSCRIPTION_ID), call=call())
        assert subscription is not None
        assert subscription.state.status == "cancelled"
        assert stub.sent(LIST_CHARGES) == []


class TestMapping:
    def test_prepaid_and_not_skippable(self) -> None:
        subscription = from_recharge_subscription(
            subscription_body(is_prepaid=True, is_skippable=False, charge_interval_frequency=3)
        )
        assert subscription.state.prepaid is True
        assert subscription.state.skippable is False
        assert subscription.state.has_next_order is False  # a next date, but no queued charge

    def test_prepaid_by_its_cadence_alone(self) -> None:
        # A charge interval longer than the delivery interval is how Recharge models prepaid.
        node = subscription_body(is_prepaid=None, charge_interval_frequency="3")
        assert from_recharge_subscription(node).state.prepaid is True

    def test_upper_case_status_strings_and_missing_fields(self) -> None:
        node = subscription_body(
            status="ACTIVE",
            order_interval_frequency="2",
            order_interval_unit="weeks",
            next_charge_scheduled_at="2026-12-01T00:00:00",
            price=None,
            presentment_currency=None,
            external_product_id="8101",
        )
        del node["is_skippable"]
        subscription = from_recharge_subscription(node)
        assert subscription.state.status == "active"
        # Missing is never read as skippable.
        assert subscription.state.skippable is False
        assert (subscription.every, subscription.period) == (2, "week")
        assert subscription.next_order_date == date(2026, 12, 1)
        assert subscription.price is None
        assert subscription.product_id == "8101"

    def test_expired_without_a_next_charge(self) -> None:
        node = subscription_body(status="expired", next_charge_scheduled_at=None)
        state = from_recharge_subscription(node).state
        assert (state.status, state.has_next_order) == ("expired", False)


async def test_build_recharge_adapter() -> None:
    async with httpx.AsyncClient(base_url=BASE_URL) as http:
        adapter = build_recharge_adapter(connection(), http)
    assert adapter.platform == "recharge"
    assert supported_actions(adapter) == {
        ActionName.CANCEL_SUBSCRIPTION,
        ActionName.SKIP_SUBSCRIPTION_ORDER,
        ActionName.RESCHEDULE_SUBSCRIPTION_ORDER,
    }
