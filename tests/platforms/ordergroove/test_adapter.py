"""OrdergrooveAdapter happy paths: what each read and action sends (spec-validated where the
shared spec covers it) and what it answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from action_gateway.actions.specs import supported_actions
from action_gateway.domain.models import (
    ActionName,
    CancelSubscriptionInput,
    Money,
    SkipSubscriptionOrderInput,
    Subscription,
)
from action_gateway.errors import PlatformRejected, ValidationFailed
from action_gateway.platforms.base import SubscriptionAdapter
from action_gateway.platforms.ordergroove import OrdergrooveAdapter, build_ordergroove_adapter
from action_gateway.platforms.ordergroove.endpoints import (
    CANCEL_SUBSCRIPTION,
    GET_PRODUCT,
    GET_SUBSCRIPTION,
    LIST_ITEMS,
    LIST_ORDERS,
    LIST_SUBSCRIPTIONS,
    SKIP_SUBSCRIPTION,
)
from tests.platforms.ordergroove.helpers import (
    BASE_URL,
    CUSTOMER_ID,
    NOW,
    ORDER_DEC,
    ORDER_FEB,
    ORDER_JAN,
    PREPAID_CONTEXT,
    PRODUCT_COFFEE,
    PRODUCT_FILTERS,
    SUB_COFFEE,
    SUB_FILTERS,
    SUB_OLD,
    TOKEN,
    OrdergrooveStub,
    call,
    cancelled_body,
    connection,
    customer,
    item_body,
    next_page_url,
    ok,
    order_body,
    page,
    product_body,
    subscription_body,
)

DEC = "2026-12-05 00:00:00"
JAN = "2027-01-05 00:00:00"
FEB = "2027-02-05 00:00:00"


def products(stub: OrdergrooveStub) -> None:
    stub.reply(GET_PRODUCT, ok(product_body()), path={"product_id": PRODUCT_COFFEE})


def sub_read(stub: OrdergrooveStub, **changes: Any) -> None:
    stub.reply(GET_SUBSCRIPTION, ok(subscription_body(**changes)))


def next_order_read(
    stub: OrdergrooveStub,
    orders: list[dict[str, object]],
    items: list[dict[str, object]],
    subscription: str = SUB_COFFEE,
) -> None:
    stub.reply(LIST_ORDERS, ok(page(*orders)))
    stub.reply(LIST_ITEMS, ok(page(*items)), subscription=subscription, status=1)


async def load(adapter: OrdergrooveAdapter, stub: OrdergrooveStub) -> Subscription:
    sub_read(stub)
    next_order_read(
        stub,
        [order_body(ORDER_DEC, DEC), order_body(ORDER_JAN, JAN)],
        [item_body("i-dec", ORDER_DEC), item_body("i-jan", ORDER_JAN)],
    )
    products(stub)
    subscription = await adapter.get_subscription(SUB_COFFEE, call=call())
    assert subscription is not None
    stub.requests.clear()
    return subscription


def test_it_is_a_subscription_adapter(adapter: OrdergrooveAdapter) -> None:
    typed: SubscriptionAdapter = adapter
    assert supported_actions(typed) == {
        ActionName.CANCEL_SUBSCRIPTION,
        ActionName.SKIP_SUBSCRIPTION_ORDER,
        ActionName.RESCHEDULE_SUBSCRIPTION_ORDER,
    }


async def test_the_builder_uses_the_apps_client(stub: OrdergrooveStub) -> None:
    stub.reply(GET_SUBSCRIPTION, ok(subscription_body(live=False)))
    products(stub)
    async with httpx.AsyncClient(base_url=BASE_URL) as http:
        adapter = build_ordergroove_adapter(connection(), http)
        found = await adapter.get_subscription(SUB_COFFEE, call=call())
    assert found is not None
    assert found.price is None  # no currency is guessed
    sent = stub.sent(GET_SUBSCRIPTION)[0]
    assert sent.headers["x-api-key"] == TOKEN
    assert sent.headers["Accept"] == "application/json"


class TestFindSubscriptions:
    async def test_pages_next_orders_and_mapping(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        second = next_page_url("/subscriptions/", "cD0yMDI2", customer=CUSTOMER_ID, page_size=100)
        stub.reply(
            LIST_SUBSCRIPTIONS,
            ok(page(subscription_body(SUB_COFFEE), next_url=second)),
            ok(
                page(
                    subscription_body(
                        SUB_FILTERS, product=PRODUCT_FILTERS, every=2, every_period=2, quantity=1
                    ),
                    cancelled_body(SUB_OLD),
                )
            ),
        )
        stub.reply(
            LIST_ORDERS,
            # Unsorted, as nothing promises an order; DEC also holds the filters' sibling.
            ok(
                page(
                    order_body(ORDER_JAN, JAN),
                    order_body(ORDER_DEC, "2026-12-05 23:30:00"),
                    order_body(ORDER_FEB, FEB),
                )
            ),
        )
        stub.reply(
            LIST_ITEMS,
            ok(page(item_body("i-jan", ORDER_JAN), item_body("i-dec", ORDER_DEC))),
            subscription=SUB_COFFEE,
        )
        stub.reply(
            LIST_ITEMS,
            ok(page(item_body("i-feb", ORDER_FEB, SUB_FILTERS, PRODUCT_FILTERS))),
            subscription=SUB_FILTERS,
        )
        stub.reply(GET_PRODUCT, ok(product_body()), path={"product_id": PRODUCT_COFFEE})
        stub.reply(
            GET_PRODUCT,
            ok(product_body(PRODUCT_FILTERS, "Paper Filters x100")),
            path={"product_id": PRODUCT_FILTERS},
        )

        found = await adapter.find_subscriptions(customer(), call=call())

        coffee, filters, old = found
        assert coffee.id == coffee.platform_id == SUB_COFFEE
        assert coffee.customer_id == CUSTOMER_ID
        assert coffee.product == "House Blend Coffee 12oz"
        assert coffee.product_id == PRODUCT_COFFEE
        assert (coffee.quantity, coffee.every, coffee.period) == (2, 1, "month")
        assert coffee.price == Money(amount="18.00", currency="USD")
        # The late-evening local date is the date as written, never shifted from UTC.
        assert coffee.next_order_date == date(2026, 12, 5)
        assert coffee.next_order_ref == ORDER_DEC
        assert coffee.state.live is True
        assert coffee.state.has_next_order is True
        assert coffee.state.skippable is True
        assert coffee.state.prepaid is False
        assert coffee.created_at == datetime(2026, 6, 5, 14, 2, 11, tzinfo=UTC)
        assert (filters.next_order_date, filters.next_order_ref) == (date(2027, 2, 5), ORDER_FEB)
        assert filters.frequency == "every 2 weeks"
        assert filters.product == "Paper Filters x100"
        assert old.state.live is False
        assert old.state.has_next_order is False
        assert old.next_order_date is None
        assert old.cancelled_at == datetime(2026, 11, 23, 5, 15, tzinfo=UTC)

        first, following = stub.sent(LIST_SUBSCRIPTIONS)
        assert dict(first.url.params) == {"customer": CUSTOMER_ID, "page_size": "100"}
        assert str(following.url) == second  # followed exactly as given
        for request in stub.requests:
            assert request.headers["x-api-key"] == TOKEN
        for request in stub.sent(LIST_ORDERS) + stub.sent(LIST_ITEMS) + [first, following]:
            assert request.headers["X-OG-API-VERSION"] == "2"
        assert dict(stub.sent(LIST_ORDERS)[0].url.params) == {
            "customer": CUSTOMER_ID,
            "status": "1",
            "page_size": "100",
        }
        # Only live subscriptions' items are read (no next order for the cancelled one).
        assert sorted(r.url.params["subscription"] for r in stub.sent(LIST_ITEMS)) == sorted(
            [SUB_COFFEE, SUB_FILTERS]
        )
        assert all(r.url.params["status"] == "1" for r in stub.sent(LIST_ITEMS))

    async def test_a_locked_next_order_is_shown_but_not_skippable(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        stub.reply(LIST_SUBSCRIPTIONS, ok(page(subscription_body())))
        next_order_read(
            stub,
            [order_body(ORDER_DEC, DEC, locked=True), order_body(ORDER_JAN, JAN)],
            [item_body("i-dec", ORDER_DEC), item_body("i-jan", ORDER_JAN)],
        )
        products(stub)
        (found,) = await adapter.find_subscriptions(customer(), call=call())
        assert (found.next_order_date, found.next_order_ref) == (date(2026, 12, 5), ORDER_DEC)
        assert found.state.has_next_order is False

    async def test_no_unsent_order_means_nothing_to_skip(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        stub.reply(LIST_SUBSCRIPTIONS, ok(page(subscription_body())))
        stub.reply(LIST_ORDERS, ok(page()))
        products(stub)
        (found,) = await adapter.find_subscriptions(customer(), call=call())
        assert found.next_order_date is None
        assert found.next_order_ref is None
        assert found.state.has_next_order is False
        assert stub.sent(LIST_ITEMS) == []  # no unsent order: nothing to join

    async def test_an_emptied_order_and_other_subscriptions_orders_are_ignored(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        stub.reply(LIST_SUBSCRIPTIONS, ok(page(subscription_body())))
        # DEC was emptied by an earlier skip but still lists as unsent; JAN holds only another
        # subscription's item (a foreign item in the answer is ignored too).
        next_order_read(
            stub,
            [order_body(ORDER_DEC, DEC), order_body(ORDER_JAN, JAN), order_body(ORDER_FEB, FEB)],
            [
                item_body("i-other", ORDER_JAN, SUB_FILTERS, PRODUCT_FILTERS),
                item_body("i-feb", ORDER_FEB),
            ],
        )
        products(stub)
        (found,) = await adapter.find_subscriptions(customer(), call=call())
        assert (found.next_order_date, found.next_order_ref) == (date(2027, 2, 5), ORDER_FEB)

    async def test_prepaid_and_other_customers_records(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        stub.reply(
            LIST_SUBSCRIPTIONS,
            ok(
                page(
                    subscription_body(prepaid_subscription_context=PREPAID_CONTEXT, live=False),
                    subscription_body(SUB_FILTERS, customer="someone-else", live=False),
                )
            ),
        )
        products(stub)
        (found,) = await adapter.find_subscriptions(customer(), call=call())
        assert found.id == SUB_COFFEE
        assert found.state.prepaid is True

    async def test_a_next_page_on_another_host_is_read_from_the_base_url(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        elsewhere = "https://elsewhere.example/subscriptions/?cursor=abc&customer=" + CUSTOMER_ID
        stub.reply(
            LIST_SUBSCRIPTIONS,
            ok(page(next_url=elsewhere)),
            ok(page(subscription_body(live=False))),
        )
        products(stub)
        (found,) = await adapter.find_subscriptions(customer(), call=call())
        assert found.id == SUB_COFFEE
        following = stub.sent(LIST_SUBSCRIPTIONS)[1]
        assert str(following.url) == f"{BASE_URL}/subscriptions/?cursor=abc&customer={CUSTOMER_ID}"

    async def test_a_missing_product_has_no_name(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        stub.reply(LIST_SUBSCRIPTIONS, ok(page(subscription_body(live=False))))
        stub.reply(GET_PRODUCT, ok({"detail": "Unable to find requested asset."}, 404))
        (found,) = await adapter.find_subscriptions(customer(), call=call())
        assert found.product is None
        assert found.product_id == PRODUCT_COFFEE


class TestGetSubscription:
    async def test_with_its_next_order(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        found = await load(adapter, stub)
        assert (found.next_order_date, found.next_order_ref) == (date(2026, 12, 5), ORDER_DEC)
        assert found.state.has_next_order is True

    async def test_the_orders_are_listed_for_the_subscriptions_customer(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        sub_read(stub)
        next_order_read(stub, [order_body(ORDER_DEC, DEC)], [item_body("i-dec", ORDER_DEC)])
        products(stub)
        await adapter.get_subscription(SUB_COFFEE, call=call())
        assert stub.calls() == [
            f"GET /subscriptions/{SUB_COFFEE}/",
            "GET /orders/",
            "GET /items/",
            f"GET /products/{PRODUCT_COFFEE}/",
        ]
        assert stub.sent(LIST_ORDERS)[0].url.params["customer"] == CUSTOMER_ID
        assert stub.sent(LIST_ITEMS)[0].url.params["subscription"] == SUB_COFFEE

    async def test_unknown_is_none(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok({"detail": "Unable to find requested asset."}, 404))
        assert await adapter.get_subscription("0" * 32, call=call()) is None

    async def test_a_cancelled_one_reads_no_orders(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        stub.reply(GET_SUBSCRIPTION, ok(cancelled_body()))
        products(stub)
        found = await adapter.get_subscription(SUB_COFFEE, call=call())
        assert found is not None
        assert found.state.live is False
        assert stub.sent(LIST_ORDERS) == []


class TestCancel:
    async def test_sends_the_reason_and_reports_when(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        sub_read(stub)
        stub.reply(CANCEL_SUBSCRIPTION, ok(cancelled_body()))
        outcome = await adapter.cancel_subscription(
            subscription,
            CancelSubscriptionInput(reason="4", reason_details="Overstocked"),
            call=call(),
        )
        assert outcome.status == "succeeded"
        assert outcome.subscription is not None
        assert outcome.subscription.cancelled_at == datetime(2026, 11, 23, 5, 15, tzinfo=UTC)
        assert outcome.platform_reference == SUB_COFFEE
        assert stub.calls() == [
            f"GET /subscriptions/{SUB_COFFEE}/",
            f"PATCH /subscriptions/{SUB_COFFEE}/cancel/",
        ]
        (sent,) = stub.sent(CANCEL_SUBSCRIPTION)
        assert json.loads(sent.content) == {"cancel_reason": "4|Overstocked"}
        assert sent.headers["Content-Type"] == "application/json"
        assert sent.headers["x-api-key"] == TOKEN

    async def test_without_details_the_text_half_is_empty(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        sub_read(stub)
        # An answer without `cancelled` is dated by the gateway's clock.
        stub.reply(CANCEL_SUBSCRIPTION, ok(subscription_body(live=False)))
        outcome = await adapter.cancel_subscription(
            subscription, CancelSubscriptionInput(reason="114"), call=call()
        )
        assert stub.bodies(CANCEL_SUBSCRIPTION) == [{"cancel_reason": "114|"}]
        assert outcome.subscription is not None
        assert outcome.subscription.cancelled_at == NOW

    async def test_an_already_cancelled_one_is_not_sent(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        stub.reply(GET_SUBSCRIPTION, ok(cancelled_body()))
        with pytest.raises(PlatformRejected, match="already cancelled"):
            await adapter.cancel_subscription(
                subscription, CancelSubscriptionInput(reason="4"), call=call()
            )
        assert stub.sent(CANCEL_SUBSCRIPTION) == []

    async def test_a_pipe_in_the_reason_code_is_refused(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        with pytest.raises(ValidationFailed):
            await adapter.cancel_subscription(
                subscription, CancelSubscriptionInput(reason="4|x"), call=call()
            )
        assert stub.requests == []


class TestSkip:
    async def test_skips_only_this_subscription_and_reads_the_new_date(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        # Before: DEC is next. After: DEC (now without our item) still lists; JAN is next.
        next_order_read(
            stub,
            [order_body(ORDER_DEC, DEC), order_body(ORDER_JAN, JAN)],
            [item_body("i-dec", ORDER_DEC), item_body("i-jan", ORDER_JAN)],
        )
        stub.reply(SKIP_SUBSCRIPTION, ok(order_body(ORDER_DEC, DEC)))
        next_order_read(
            stub,
            [order_body(ORDER_DEC, DEC), order_body(ORDER_JAN, JAN)],
            [item_body("i-jan", ORDER_JAN)],
        )
        outcome = await adapter.skip_subscription_order(
            subscription, SkipSubscriptionOrderInput(), call=call()
        )
        assert outcome.status == "succeeded"
        assert outcome.subscription is not None
        assert outcome.subscription.skipped_order_date == date(2026, 12, 5)
        assert outcome.subscription.next_order_date == date(2027, 1, 5)
        assert outcome.platform_reference == ORDER_DEC
        assert outcome.messages == []
        assert stub.calls() == [
            "GET /orders/",
            "GET /items/",
            f"PATCH /orders/{ORDER_DEC}/skip_subscription/",
            "GET /orders/",
            "GET /items/",
        ]
        (sent,) = stub.sent(SKIP_SUBSCRIPTION)
        assert json.loads(sent.content) == {"subscription": SUB_COFFEE}
        assert sent.headers["Content-Type"] == "application/json"
        assert not any(r.url.path.endswith("/cancel/") for r in stub.requests)

    async def test_a_locked_order_is_not_skipped(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        next_order_read(
            stub, [order_body(ORDER_DEC, DEC, locked=True)], [item_body("i-dec", ORDER_DEC)]
        )
        with pytest.raises(PlatformRejected, match="locked"):
            await adapter.skip_subscription_order(
                subscription, SkipSubscriptionOrderInput(), call=call()
            )
        assert stub.sent(SKIP_SUBSCRIPTION) == []

    async def test_no_upcoming_order(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        stub.reply(LIST_ORDERS, ok(page()))
        with pytest.raises(PlatformRejected, match="no upcoming"):
            await adapter.skip_subscription_order(
                subscription, SkipSubscriptionOrderInput(), call=call()
            )
        assert stub.sent(SKIP_SUBSCRIPTION) == []

    async def test_a_next_order_changed_since_it_was_read_is_not_skipped(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = await load(adapter, stub)
        # Someone skipped DEC meanwhile: skipping JAN now would skip a second cycle.
        next_order_read(stub, [order_body(ORDER_JAN, JAN)], [item_body("i-jan", ORDER_JAN)])
        with pytest.raises(PlatformRejected, match="changed"):
            await adapter.skip_subscription_order(
                subscription, SkipSubscriptionOrderInput(), call=call()
            )
        assert stub.sent(SKIP_SUBSCRIPTION) == []

    async def test_without_a_known_customer_the_subscription_is_read_first(
        self, adapter: OrdergrooveAdapter, stub: OrdergrooveStub
    ) -> None:
        subscription = (await load(adapter, stub)).model_copy(update={"customer_id": None})
        sub_read(stub)
        next_order_read(stub, [order_body(ORDER_DEC, DEC)], [item_body("i-dec", ORDER_DEC)])
        stub.reply(SKIP_SUBSCRIPTION, ok(order_body(ORDER_DEC, DEC)))
        next_order_read(stub, [order_body(ORDER_FEB, FEB)], [item_body("i-feb", ORDER_FEB)])
        outcome = await adapter.skip_subscription_order(
            subscription, SkipSubscriptionOrderInput(), call=call()
        )
        assert outcome.subscription is not None
        assert outcome.subscription.next_order_date == date(2027, 2, 5)
        assert stub.calls()[0] == f"GET /subscriptions/{SUB_COFFEE}/"
