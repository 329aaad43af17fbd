"""Pure translations: ids, search values, month arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from action_gateway.platforms.shopify.mapping import (
    add_months,
    legacy_id,
    normalize_order_name,
    search_value,
    shop_handle,
    to_shopify_gid,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5501", "gid://shopify/Order/5501"),
        (" 5501 ", "gid://shopify/Order/5501"),
        ("gid://shopify/Order/5501", "gid://shopify/Order/5501"),
        ("gid://shopify/Customer/5501", None),
        ("gid://shopify/Order/", None),
        ("#1001", None),
        ("", None),
    ],
)
def test_to_shopify_gid(value: str, expected: str | None) -> None:
    assert to_shopify_gid("Order", value) == expected


def test_legacy_id() -> None:
    assert legacy_id("gid://shopify/Order/5501") == "5501"
    assert legacy_id("gid://shopify/LineItem/9001?from=x") == "9001"


def test_shop_handle() -> None:
    assert shop_handle("acme.myshopify.com") == "acme"


@pytest.mark.parametrize(
    ("typed", "name"), [("1001", "#1001"), ("#1001", "#1001"), (" ACME-1001 ", "ACME-1001")]
)
def test_normalize_order_name(typed: str, name: str) -> None:
    assert normalize_order_name(typed) == name


def test_search_value_escapes_quotes_and_backslashes() -> None:
    assert search_value('a"b\\c') == '"a\\"b\\\\c"'


@given(st.text())
def test_search_value_stays_one_quoted_term(text: str) -> None:
    quoted = search_value(text)
    inner = quoted[1:-1]
    unescaped = inner.replace("\\\\", "").replace('\\"', "")
    assert quoted.startswith('"')
    assert quoted.endswith('"')
    assert '"' not in unescaped


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2027, 1, 31, 8, tzinfo=UTC), 1, datetime(2027, 2, 28, 8, tzinfo=UTC)),
        (datetime(2028, 1, 31, 8, tzinfo=UTC), 1, datetime(2028, 2, 29, 8, tzinfo=UTC)),
        (datetime(2026, 11, 23, tzinfo=UTC), 3, datetime(2027, 2, 23, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), 6, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2026, 5, 31, tzinfo=UTC), 9, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2026, 12, 15, tzinfo=UTC), 1, datetime(2027, 1, 15, tzinfo=UTC)),
    ],
)
def test_add_months(start: datetime, months: int, end: datetime) -> None:
    assert add_months(start, months) == end
