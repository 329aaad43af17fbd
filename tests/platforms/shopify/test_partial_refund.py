"""ShopifyAdapter partial refunds and refund previews: what is sent, what is refused first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from action_gateway.domain.models import (
    CancelReason,
    Money,
    Order,
    PartialRefundLineItem,
    PartialRefundOrderInput,
)
from action_gateway.errors import (
    PlatformMessage,
    PlatformRejected,
    RefundExceedsRefundable,
    ValidationFailed,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify import ShopifyAdapter
from action_gateway.platforms.shopify.mapping import from_shopify_order
from tests.platforms.shopify.helpers import ShopifyStub, order_node

ORDER_GID = "gid://shopify/Order/5501"
LINE_GID = "gid://shopify/LineItem/9001"
LOCATION_GID = "gid://shopify/Location/64880001"
CARD = ("shopify_payments", "gid://shopify/OrderTransaction/8001")
GIFT_CARD = ("gift_card", "gid://shopify/OrderTransaction/8002")


def call() -> ActionCall:
    return ActionCall.within(15.0, idempotency_key="idem-partial")


def bag(amount: str, currency: str = "USD", shop: str | None = None) -> dict[str, Any]:
    return {
        "shopMoney": {"amount": shop or amount, "currencyCode": "USD"},
        "presentmentMoney": {"amount": amount, "currencyCode": currency},
    }


def an_order(*, unfulfilled: int = 2, refundable: int = 2) -> Order:
    node = order_node()
    [line] = node["lineItems"]["nodes"]
    node["lineItems"]["nodes"] = [
        {**line, "unfulfilledQuantity": unfulfilled, "refundableQuantity": refundable}
    ]
    return from_shopify_order(node, handle="acme")


def suggestion(
    *,
    lines: Sequence[tuple[int, str]] = (),
    shipping: str = "0.0",
    shipping_max: str = "5.0",
    amount: str,
    maximum: str = "54.2",
    transactions: list[tuple[tuple[str, str], str, str]],
    currency: str = "USD",
) -> dict[str, Any]:
    return {
        "order": {
            "id": ORDER_GID,
            "currencyCode": "USD",
            "presentmentCurrencyCode": currency,
            "suggestedRefund": {
                "amountSet": bag(amount, currency),
                "maximumRefundableSet": bag(maximum, currency),
                "shipping": {
                    "amountSet": bag(shipping, currency),
                    "maximumRefundableSet": bag(shipping_max, currency),
                },
                "refundLineItems": [
                    {
                        "lineItem": {"id": LINE_GID, "name": "Ceramic mug - Blue"},
                        "quantity": quantity,
                        "restockType": restock,
                        "location": None if restock == "NO_RESTOCK" else {"id": LOCATION_GID},
                        "subtotalSet": bag(f"{24.6 * quantity:.1f}", currency),
                    }
                    for quantity, restock in lines
                ],
                "suggestedTransactions": [
                    {
                        "kind": "SUGGESTED_REFUND",
                        "gateway": gateway,
                        "parentTransaction": {"id": parent, "kind": "SALE", "gateway": gateway},
                        "amountSet": bag(share, currency),
                        "maximumRefundableSet": bag(most, currency),
                    }
                    for (gateway, parent), share, most in transactions
                ],
            },
        }
    }


def created(
    *,
    lines: Sequence[tuple[int, str]] = (),
    total: str,
    transactions: list[tuple[str, str]],
) -> dict[str, Any]:
    return {
        "refundCreate": {
            "refund": {
                "id": "gid://shopify/Refund/4402",
                "createdAt": "2026-11-23T10:15:03Z",
                "note": "Reason: customer",
                "totalRefundedSet": bag(total),
                "refundLineItems": {
                    "nodes": [
                        {
                            "lineItem": {"id": LINE_GID, "name": "Ceramic mug - Blue"},
                            "quantity": quantity,
                            "restockType": restock,
                            "restocked": restock != "NO_RESTOCK",
                            "location": None if restock == "NO_RESTOCK" else {"id": LOCATION_GID},
                            "subtotalSet": bag(f"{24.6 * quantity:.1f}"),
                        }
                        for quantity, restock in lines
                    ]
                },
                "transactions": {
                    "nodes": [
                        {
                            "id": f"gid://shopify/OrderTransaction/90{index}",
                            "kind": "REFUND",
                            "status": "SUCCESS",
                            "gateway": gateway,
                            "amountSet": bag(amount),
                        }
                        for index, (gateway, amount) in enumerate(transactions)
                    ]
                },
            },
            "order": {"id": ORDER_GID, "displayFinancialStatus": "PARTIALLY_REFUNDED"},
            "userErrors": [],
        }
    }


def partial(*items: tuple[str, int, bool], **changes: Any) -> PartialRefundOrderInput:
    changes.setdefault("reason", CancelReason.CUSTOMER)
    return PartialRefundOrderInput(
        line_items=[
            PartialRefundLineItem(line_item_id=i, quantity=q, restock=r) for i, q, r in items
        ],
        **changes,
    )


def refund_input(stub: ShopifyStub) -> dict[str, Any]:
    [body] = stub.bodies("RefundCreate")
    assert body["variables"]["idempotencyKey"] == "idem-partial"
    assert "@idempotent(key: $idempotencyKey)" in body["query"]
    result: dict[str, Any] = body["variables"]["input"]
    return result


class TestPartialRefund:
    async def test_lines_only_without_restock(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(1, "NO_RESTOCK")], amount="24.6", transactions=[(CARD, "24.6", "54.2")]
            ),
        )
        stub.reply(
            "RefundCreate",
            created(
                lines=[(1, "NO_RESTOCK")], total="24.6", transactions=[("shopify_payments", "24.6")]
            ),
        )
        data = partial(("9001", 1, False), note="Chipped", notify_customer=True)
        outcome = await adapter.partial_refund_order(an_order(), data, call=call())

        [suggest] = stub.bodies("SuggestedPartialRefund")
        assert suggest["variables"] == {
            "id": ORDER_GID,
            "refundLineItems": [
                {"lineItemId": LINE_GID, "quantity": 1, "restockType": "NO_RESTOCK"}
            ],
            "refundShipping": False,
        }
        assert refund_input(stub) == {
            "orderId": ORDER_GID,
            "notify": True,
            "note": "Reason: customer\nChipped",
            "refundLineItems": [
                {"lineItemId": LINE_GID, "quantity": 1, "restockType": "NO_RESTOCK"}
            ],
            "transactions": [
                {
                    "orderId": ORDER_GID,
                    "gateway": "shopify_payments",
                    "kind": "REFUND",
                    "amount": "24.60",
                    "parentId": CARD[1],
                }
            ],
        }
        assert outcome.status == "succeeded"
        assert outcome.platform_reference == "gid://shopify/Refund/4402"
        assert outcome.refund is not None
        assert outcome.refund.refund_id == "4402"
        assert outcome.refund.total == Money.of("24.6", "USD")
        assert outcome.refund.shipping is None
        [line] = outcome.refund.line_items
        assert (line.line_item_id, line.quantity, line.restock_type) == ("9001", 1, "no_restock")

    async def test_shipping_only(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(shipping="3.0", amount="3.0", transactions=[(CARD, "3.0", "54.2")]),
        )
        stub.reply("RefundCreate", created(total="3.0", transactions=[("shopify_payments", "3.0")]))
        outcome = await adapter.partial_refund_order(
            an_order(), partial(shipping_amount="3.00"), call=call()
        )
        [suggest] = stub.bodies("SuggestedPartialRefund")
        assert suggest["variables"] == {
            "id": ORDER_GID,
            "refundLineItems": [],
            "shippingAmount": "3.00",
        }
        sent = refund_input(stub)
        assert sent["shipping"] == {"amount": "3.00"}
        assert sent["refundLineItems"] == []
        assert [t["amount"] for t in sent["transactions"]] == ["3.00"]
        assert "discrepancyReason" not in sent
        assert outcome.refund is not None
        assert outcome.refund.shipping == Money.of("3", "USD")
        assert outcome.refund.total == Money.of("3", "USD")

    async def test_manual_amount_split_over_two_gateways(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        # Shopify suggests 49.2 on the gift card (max 20) and card; the agent overrides to 30.
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(2, "NO_RESTOCK")],
                amount="49.2",
                transactions=[(GIFT_CARD, "20.0", "20.0"), (CARD, "29.2", "34.2")],
            ),
        )
        stub.reply(
            "RefundCreate",
            created(
                lines=[(2, "NO_RESTOCK")],
                total="30.0",
                transactions=[("gift_card", "20.0"), ("shopify_payments", "10.0")],
            ),
        )
        data = partial(("9001", 2, False), amount="30", reason=CancelReason.OTHER)
        outcome = await adapter.partial_refund_order(an_order(), data, call=call())
        sent = refund_input(stub)
        assert [(t["gateway"], t["amount"], t["parentId"]) for t in sent["transactions"]] == [
            ("gift_card", "20.00", GIFT_CARD[1]),
            ("shopify_payments", "10.00", CARD[1]),
        ]
        # A manual amount differs from Shopify's calculation: the adjustment gets a reason.
        assert sent["discrepancyReason"] == "OTHER"
        assert outcome.refund is not None
        assert [(t.gateway, t.amount.amount) for t in outcome.refund.transactions] == [
            ("gift_card", "20.00"),
            ("shopify_payments", "10.00"),
        ]

    async def test_restock_splits_cancel_and_return_with_the_location(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(1, "CANCEL"), (1, "RETURN")],
                amount="49.2",
                transactions=[(CARD, "49.2", "54.2")],
            ),
        )
        stub.reply(
            "RefundCreate",
            created(
                lines=[(1, "CANCEL"), (1, "RETURN")],
                total="49.2",
                transactions=[("shopify_payments", "49.2")],
            ),
        )
        outcome = await adapter.partial_refund_order(
            an_order(unfulfilled=1), partial((LINE_GID, 2, True)), call=call()
        )
        [suggest] = stub.bodies("SuggestedPartialRefund")
        assert suggest["variables"]["refundLineItems"] == [
            {"lineItemId": LINE_GID, "quantity": 1, "restockType": "CANCEL"},
            {"lineItemId": LINE_GID, "quantity": 1, "restockType": "RETURN"},
        ]
        assert refund_input(stub)["refundLineItems"] == [
            {
                "lineItemId": LINE_GID,
                "quantity": 1,
                "restockType": "CANCEL",
                "locationId": LOCATION_GID,
            },
            {
                "lineItemId": LINE_GID,
                "quantity": 1,
                "restockType": "RETURN",
                "locationId": LOCATION_GID,
            },
        ]
        assert outcome.refund is not None
        assert [line.restock_type for line in outcome.refund.line_items] == ["cancel", "return"]

    async def test_restock_of_fulfilled_units_is_a_return(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(lines=[(1, "RETURN")], amount="24.6", transactions=[(CARD, "24.6", "54.2")]),
        )
        stub.reply("RefundCreate", created(lines=[(1, "RETURN")], total="24.6", transactions=[]))
        await adapter.partial_refund_order(
            an_order(unfulfilled=0), partial(("9001", 1, True)), call=call()
        )
        assert refund_input(stub)["refundLineItems"] == [
            {
                "lineItemId": LINE_GID,
                "quantity": 1,
                "restockType": "RETURN",
                "locationId": LOCATION_GID,
            }
        ]

    async def test_cancel_unfulfilled_cancels_whatever_restock_says(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(lines=[(1, "CANCEL")], amount="24.6", transactions=[(CARD, "24.6", "54.2")]),
        )
        stub.reply("RefundCreate", created(lines=[(1, "CANCEL")], total="24.6", transactions=[]))
        data = partial(("9001", 1, False), cancel_unfulfilled=True)
        await adapter.partial_refund_order(an_order(unfulfilled=1), data, call=call())
        assert refund_input(stub)["refundLineItems"] == [
            {
                "lineItemId": LINE_GID,
                "quantity": 1,
                "restockType": "CANCEL",
                "locationId": LOCATION_GID,
            }
        ]

    async def test_cancel_more_than_unfulfilled_is_refused_before_sending(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        data = partial(("9001", 2, True), cancel_unfulfilled=True)
        with pytest.raises(
            ValidationFailed, match="2 x Ceramic mug - Blue to cancel, 1 unfulfilled"
        ):
            await adapter.partial_refund_order(an_order(unfulfilled=1), data, call=call())
        assert stub.requests == []

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            (partial(("9001", 2, False)), "quantity"),
            (partial(shipping_amount="6.00"), "shipping_amount"),
            (partial(("9001", 1, False), amount="60"), "amount"),
        ],
        ids=["quantity", "shipping", "manual-amount"],
    )
    async def test_over_refund_is_refused_before_any_refund_create(
        self, adapter: ShopifyAdapter, stub: ShopifyStub, data: PartialRefundOrderInput, field: str
    ) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(1, "NO_RESTOCK")],
                amount="24.6",
                transactions=[(CARD, "24.6", "54.2")],
            ),
        )
        with pytest.raises(RefundExceedsRefundable) as caught:
            await adapter.partial_refund_order(an_order(refundable=1), data, call=call())
        assert stub.operations() == ["SuggestedPartialRefund"]
        [error] = caught.value.extensions["errors"]
        assert error.loc[-1] == field

    async def test_a_manual_amount_with_no_suggested_payment_uses_the_orders_payments(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        # No lines, no shipping: the partial suggestion may name no payment at all.
        stub.reply("SuggestedPartialRefund", suggestion(amount="0.0", transactions=[]))
        stub.reply(
            "SuggestedRefund",
            suggestion(
                amount="54.2", transactions=[(GIFT_CARD, "20.0", "20.0"), (CARD, "34.2", "34.2")]
            ),
        )
        stub.reply(
            "RefundCreate",
            created(
                total="25.0", transactions=[("gift_card", "20.0"), ("shopify_payments", "5.0")]
            ),
        )
        data = PartialRefundOrderInput(amount="25.00", reason=CancelReason.CUSTOMER)
        await adapter.partial_refund_order(an_order(), data, call=call())
        assert stub.operations() == ["SuggestedPartialRefund", "SuggestedRefund", "RefundCreate"]
        sent = refund_input(stub)
        assert [(t["gateway"], t["amount"], t["parentId"]) for t in sent["transactions"]] == [
            ("gift_card", "20.00", GIFT_CARD[1]),
            ("shopify_payments", "5.00", CARD[1]),
        ]

    async def test_manual_amount_above_what_the_suggested_payments_take(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        # The order could take 54.2, but Shopify routes this refund to the gift card only.
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(1, "NO_RESTOCK")], amount="10.0", transactions=[(GIFT_CARD, "10.0", "20.0")]
            ),
        )
        with pytest.raises(RefundExceedsRefundable, match=r"can take 20\.00"):
            await adapter.partial_refund_order(
                an_order(), partial(("9001", 1, False), amount="25"), call=call()
            )
        assert stub.operations() == ["SuggestedPartialRefund"]

    async def test_unknown_or_malformed_line_is_refused_before_sending(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        with pytest.raises(ValidationFailed, match="has no line item 42"):
            await adapter.partial_refund_order(an_order(), partial(("42", 1, False)), call=call())
        with pytest.raises(ValidationFailed, match="not a Shopify line item id"):
            await adapter.partial_refund_order(
                an_order(), partial(("gid://shopify/Order/1", 1, False)), call=call()
            )
        assert stub.requests == []

    async def test_presentment_currency(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(1, "NO_RESTOCK")],
                amount="22.14",
                maximum="48.78",
                transactions=[(CARD, "22.14", "48.78")],
                currency="EUR",
            ),
        )
        stub.reply(
            "RefundCreate", created(lines=[(1, "NO_RESTOCK")], total="24.6", transactions=[])
        )
        await adapter.partial_refund_order(an_order(), partial(("9001", 1, False)), call=call())
        sent = refund_input(stub)
        # Shop in USD, customer paid in EUR: currency is required, amounts are EUR.
        assert sent["currency"] == "EUR"
        assert [t["amount"] for t in sent["transactions"]] == ["22.14"]

    async def test_user_errors_verbatim(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        message = "Refund amount $60.00 is greater than net payment received $54.20"
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(1, "NO_RESTOCK")], amount="24.6", transactions=[(CARD, "24.6", "54.2")]
            ),
        )
        stub.reply(
            "RefundCreate",
            {
                "refundCreate": {
                    "refund": None,
                    "order": None,
                    "userErrors": [
                        {"field": None, "message": message},
                        {"field": ["refundLineItems", "0", "quantity"], "message": "Quantity bad"},
                    ],
                }
            },
        )
        with pytest.raises(PlatformRejected) as caught:
            await adapter.partial_refund_order(an_order(), partial(("9001", 1, False)), call=call())
        assert caught.value.extensions["platform_errors"] == [
            PlatformMessage(message=message),
            PlatformMessage(message="Quantity bad", field=["refundLineItems", "0", "quantity"]),
        ]
        assert message in str(caught.value)


class TestPreview:
    async def test_partial_preview(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(1, "CANCEL")],
                shipping="2.0",
                amount="26.6",
                transactions=[(GIFT_CARD, "20.0", "20.0"), (CARD, "6.6", "34.2")],
            ),
        )
        data = partial(("9001", 1, True), shipping_amount="2")
        summary = await adapter.preview_refund(an_order(), data, call=call())
        assert stub.operations() == ["SuggestedPartialRefund"]
        assert summary.total == Money.of("26.6", "USD")
        assert summary.shipping == Money.of("2", "USD")
        assert summary.shipping_refundable == Money.of("5", "USD")
        assert summary.maximum_refundable == Money.of("54.2", "USD")
        [line] = summary.line_items
        assert (line.name, line.quantity, line.restock_type) == ("Ceramic mug - Blue", 1, "cancel")
        assert line.amount == Money.of("24.6", "USD")
        assert [(t.gateway, t.amount.amount) for t in summary.transactions] == [
            ("gift_card", "20.00"),
            ("shopify_payments", "6.60"),
        ]

    async def test_manual_amount_preview(self, adapter: ShopifyAdapter, stub: ShopifyStub) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(2, "NO_RESTOCK")],
                amount="49.2",
                transactions=[(GIFT_CARD, "20.0", "20.0"), (CARD, "29.2", "34.2")],
            ),
        )
        summary = await adapter.preview_refund(
            an_order(), partial(("9001", 2, False), amount="25.5"), call=call()
        )
        assert summary.total == Money.of("25.5", "USD")
        assert summary.maximum_refundable == Money.of("54.2", "USD")
        assert [(t.gateway, t.amount.amount) for t in summary.transactions] == [
            ("gift_card", "20.00"),
            ("shopify_payments", "5.50"),
        ]

    async def test_preview_refuses_an_over_refund(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        stub.reply(
            "SuggestedPartialRefund",
            suggestion(
                lines=[(1, "NO_RESTOCK")], amount="24.6", transactions=[(CARD, "24.6", "54.2")]
            ),
        )
        with pytest.raises(RefundExceedsRefundable):
            await adapter.preview_refund(
                an_order(), partial(("9001", 1, False), amount="99"), call=call()
            )

    async def test_full_preview_shows_the_shipping_refundable(
        self, adapter: ShopifyAdapter, stub: ShopifyStub
    ) -> None:
        full = suggestion(lines=[(2, "NO_RESTOCK")], shipping="5.0", amount="54.2", transactions=[])
        stub.reply("SuggestedRefund", full)
        summary = await adapter.preview_refund(an_order(), None, call=call())
        assert stub.operations() == ["SuggestedRefund"]
        assert summary.shipping_refundable == Money.of("5", "USD")
