"""Ordergroove values as the neutral models read them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from action_gateway.domain.models import CancelSubscriptionInput
from action_gateway.errors import ValidationFailed
from action_gateway.platforms.ordergroove.mapping import (
    NextOrder,
    calendar_date,
    from_ordergroove_subscription,
    is_prepaid,
    next_order,
    timestamp,
    to_ordergroove_cancel_reason,
)
from tests.platforms.ordergroove.helpers import (
    ORDER_DEC,
    ORDER_JAN,
    PREPAID_CONTEXT,
    SUB_COFFEE,
    item_body,
    order_body,
    subscription_body,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-05 23:59:59", date(2026, 12, 5)),  # local: never shifted as if UTC
        ("2026-12-05 00:00:00", date(2026, 12, 5)),
        ("2026-12-05", date(2026, 12, 5)),
        ("2026-12-05T23:30:00-08:00", date(2026, 12, 5)),  # the date as written
        ("", None),
        (None, None),
        ("soon", None),
        ("2026-02-30 00:00:00", None),
    ],
)
def test_calendar_date(value: object, expected: date | None) -> None:
    assert calendar_date(value) == expected


def test_timestamps_keep_what_is_written() -> None:
    assert timestamp("2026-11-23 05:15:00") == datetime(2026, 11, 23, 5, 15, tzinfo=UTC)
    with_offset = timestamp("2026-11-23T05:15:00+01:00")
    assert with_offset == datetime(2026, 11, 23, 5, 15, tzinfo=timezone(timedelta(hours=1)))
    assert timestamp(None) is None
    assert timestamp("yesterday") is None


@pytest.mark.parametrize(
    ("context", "prepaid"), [(PREPAID_CONTEXT, True), ({}, False), (None, False)]
)
def test_prepaid_is_a_non_empty_context(context: object, prepaid: bool) -> None:
    body = subscription_body()
    if context is not None:
        body["prepaid_subscription_context"] = context
    assert is_prepaid(body) is prepaid


@pytest.mark.parametrize(
    ("every_period", "period"), [(1, "day"), (2, "week"), (3, "month"), (4, "year"), (9, None)]
)
def test_periods(every_period: int, period: str | None) -> None:
    mapped = from_ordergroove_subscription(subscription_body(every_period=every_period))
    assert mapped.period == period


def test_no_currency_no_price() -> None:
    assert from_ordergroove_subscription(subscription_body()).price is None
    assert (
        from_ordergroove_subscription(subscription_body(price=None), currency="EUR").price is None
    )


def test_a_cancelled_subscription_has_no_next_order() -> None:
    upcoming = NextOrder(ref=ORDER_DEC, place=date(2026, 12, 5), locked=False)
    mapped = from_ordergroove_subscription(subscription_body(live=False), upcoming=upcoming)
    assert mapped.next_order_ref is None
    assert mapped.state.has_next_order is False


def test_next_order_ignores_orders_not_unsent() -> None:
    orders = [
        order_body(ORDER_DEC, "2026-12-05 00:00:00", status=6),  # SEND_NOW: in flight
        order_body(ORDER_JAN, "2027-01-05 00:00:00"),
    ]
    items = [item_body("a", ORDER_DEC), item_body("b", ORDER_JAN)]
    found = next_order(SUB_COFFEE, orders, items)
    assert found == NextOrder(ref=ORDER_JAN, place=date(2027, 1, 5), locked=False)
    assert next_order(SUB_COFFEE, orders, []) is None


@pytest.mark.parametrize(
    ("reason", "details", "sent"),
    [
        ("4", "Overstocked", "4|Overstocked"),
        ("114", None, "114|"),
        (" 7 ", "  too much coffee ", "7|too much coffee"),
        ("1", "a | b", "1|a | b"),
    ],
)
def test_cancel_reason(reason: str, details: str | None, sent: str) -> None:
    data = CancelSubscriptionInput(reason=reason, reason_details=details)
    assert to_ordergroove_cancel_reason(data) == sent


def test_a_pipe_in_the_code_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        to_ordergroove_cancel_reason(CancelSubscriptionInput(reason="4|Overstocked"))
