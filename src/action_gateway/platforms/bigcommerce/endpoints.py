"""Every BigCommerce REST endpoint the adapter calls: operation name, method, path, request kind.

Paths are relative to the connection's base URL (``https://api.bigcommerce.com/stores/{hash}``).
"""

from __future__ import annotations

from dataclasses import dataclass

from action_gateway.errors import DiscountCodeTaken, PlatformRejected
from action_gateway.platforms._http import RequestKind
from action_gateway.platforms._rest import RestEndpoint


@dataclass(frozen=True)
class Endpoint(RestEndpoint):
    empty_list_on_204: bool = False
    """V2 lists answer 204 with an empty body when nothing matches."""
    on_conflict: type[PlatformRejected] = PlatformRejected
    """The error a 409 maps to."""


GET_ORDER = Endpoint("get_order", "GET", "/v2/orders/{order_id}", RequestKind.READ)
LIST_ORDERS = Endpoint("list_orders", "GET", "/v2/orders", RequestKind.READ, empty_list_on_204=True)
LIST_ORDER_PRODUCTS = Endpoint(
    "list_order_products",
    "GET",
    "/v2/orders/{order_id}/products",
    RequestKind.READ,
    empty_list_on_204=True,
)
LIST_ORDER_SHIPPING_ADDRESSES = Endpoint(
    "list_order_shipping_addresses",
    "GET",
    "/v2/orders/{order_id}/shipping_addresses",
    RequestKind.READ,
    empty_list_on_204=True,
)
# A PUT of absolute values (status_id, staff_notes) ends in the same state when sent twice.
UPDATE_ORDER = Endpoint(
    "update_order", "PUT", "/v2/orders/{order_id}", RequestKind.WRITE_DEDUPLICATED
)
LIST_CUSTOMERS = Endpoint("list_customers", "GET", "/v3/customers", RequestKind.READ)
# Sets the store credit balance (not added to): never re-sent by the chokepoint; the adapter
# settles a lost answer by re-reading and re-sends only the same absolute target.
UPDATE_CUSTOMERS = Endpoint("update_customers", "PUT", "/v3/customers", RequestKind.WRITE)
LIST_ORDER_REFUNDS = Endpoint(
    "list_order_refunds", "GET", "/v3/orders/{order_id}/payment_actions/refunds", RequestKind.READ
)
# A refund quote only calculates (tax, refundable total, methods); it changes nothing.
CREATE_REFUND_QUOTE = Endpoint(
    "create_refund_quote",
    "POST",
    "/v3/orders/{order_id}/payment_actions/refund_quotes",
    RequestKind.READ,
)
# No idempotency key exists for refunds: never re-sent once it may have reached BigCommerce.
CREATE_REFUND = Endpoint(
    "create_refund", "POST", "/v3/orders/{order_id}/payment_actions/refunds", RequestKind.WRITE
)
FIND_COUPON_CODES = Endpoint("find_coupon_codes", "GET", "/v3/promotions/codes", RequestKind.READ)
CREATE_PROMOTION = Endpoint("create_promotion", "POST", "/v3/promotions", RequestKind.WRITE)
CREATE_COUPON_CODE = Endpoint(
    "create_coupon_code",
    "POST",
    "/v3/promotions/{promotion_id}/codes",
    RequestKind.WRITE,
    on_conflict=DiscountCodeTaken,
)
# Deleting a promotion twice leaves it deleted either way.
DELETE_PROMOTION = Endpoint(
    "delete_promotion", "DELETE", "/v3/promotions/{promotion_id}", RequestKind.WRITE_DEDUPLICATED
)
# Order creation is never deduplicated: a replacement is marked (external_order_id) and looked
# for before it is sent and after an ambiguous failure, never re-sent.
CREATE_ORDER = Endpoint("create_order", "POST", "/v2/orders", RequestKind.WRITE)

GET_ORDER_SHIPPING_ADDRESS = Endpoint(
    "get_order_shipping_address",
    "GET",
    "/v2/orders/{order_id}/shipping_addresses/{id}",
    RequestKind.READ,
)
# An absolute overwrite, yet sent once: after a lost answer the address is re-read and compared.
UPDATE_ORDER_SHIPPING_ADDRESS = Endpoint(
    "update_order_shipping_address",
    "PUT",
    "/v2/orders/{order_id}/shipping_addresses/{id}",
    RequestKind.WRITE,
)
