"""Paging a customer's orders merged from several lists by an offset cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from action_gateway.domain.models import Customer, Order
from action_gateway.errors import ValidationFailed
from action_gateway.platforms._pages import MAX_ORDERS_OFFSET, merged_page, offset_of
from tests.fakes import make_order

AVA = Customer(id="7", platform_id="7")


def dated(order_id: str, day: int, customer_id: str | None) -> Order:
    created = datetime(2026, 11, day, tzinfo=UTC)
    return make_order(order_id).model_copy(
        update={"created_at": created, "customer_id": customer_id}
    )


def test_the_cursor_is_an_offset_this_connection_gave() -> None:
    assert offset_of(None) == 0
    assert offset_of("20") == 20
    for bad in ("-1", "x", str(MAX_ORDERS_OFFSET + 1)):
        with pytest.raises(ValidationFailed):
            offset_of(bad)


def test_lists_merge_newest_first_once_each_without_other_accounts() -> None:
    own, guest, again = dated("1", 1, "7"), dated("2", 3, None), dated("1", 1, "7")
    others = dated("3", 2, "8")  # an email match on another account
    first = merged_page(AVA, [own, guest, again, others], offset=0, limit=1, more=False)
    assert ([o.id for o in first.orders], first.next_orders_cursor) == (["2"], "1")
    last = merged_page(AVA, [own, guest, others], offset=1, limit=1, more=False)
    assert ([o.id for o in last.orders], last.has_more_orders) == (["1"], False)
    told = merged_page(AVA, [own], offset=0, limit=5, more=True)
    assert (told.has_more_orders, told.next_orders_cursor) == (True, "5")
