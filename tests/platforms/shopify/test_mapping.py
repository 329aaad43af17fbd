"""Pure translations: ids, search values, month arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from action_gateway.platforms.shopify.mapping import (
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
