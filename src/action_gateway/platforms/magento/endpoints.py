"""Every Magento REST endpoint the adapter calls: operation name, method, path, request kind.

Paths are relative to the connection's base URL (``https://host/rest/{store_code}``), as the
Admin schema names them under its basePath ``/rest/default``.
"""

from __future__ import annotations

from action_gateway.platforms._http import RequestKind
from action_gateway.platforms._rest import RestEndpoint as Endpoint

SEARCH_ORDERS = Endpoint("search_orders", "GET", "/V1/orders", RequestKind.READ)
GET_ORDER = Endpoint("get_order", "GET", "/V1/orders/{id}", RequestKind.READ)
# Answers true, or false when Magento refuses; not deduplicated (a second one answers false).
CANCEL_ORDER = Endpoint("cancel_order", "POST", "/V1/orders/{id}/cancel", RequestKind.WRITE)
LIST_COMMENTS = Endpoint("list_comments", "GET", "/V1/orders/{id}/comments", RequestKind.READ)
ADD_COMMENT = Endpoint("add_comment", "POST", "/V1/orders/{id}/comments", RequestKind.WRITE)
SEARCH_INVOICES = Endpoint("search_invoices", "GET", "/V1/invoices", RequestKind.READ)
SEARCH_CREDITMEMOS = Endpoint("search_creditmemos", "GET", "/V1/creditmemos", RequestKind.READ)
# No idempotency key exists for refunds: never re-sent once they may have reached Magento.
REFUND_ORDER = Endpoint("refund_order", "POST", "/V1/order/{orderId}/refund", RequestKind.WRITE)
REFUND_INVOICE = Endpoint(
    "refund_invoice", "POST", "/V1/invoice/{invoiceId}/refund", RequestKind.WRITE
)
SEARCH_CUSTOMERS = Endpoint("search_customers", "GET", "/V1/customers/search", RequestKind.READ)
GET_CUSTOMER = Endpoint("get_customer", "GET", "/V1/customers/{customerId}", RequestKind.READ)
CREATE_RULE = Endpoint("create_sales_rule", "POST", "/V1/salesRules", RequestKind.WRITE)
# Deleting a rule twice leaves it deleted either way.
DELETE_RULE = Endpoint(
    "delete_sales_rule", "DELETE", "/V1/salesRules/{ruleId}", RequestKind.WRITE_DEDUPLICATED
)
CREATE_COUPON = Endpoint("create_coupon", "POST", "/V1/coupons", RequestKind.WRITE)
SEARCH_COUPONS = Endpoint("search_coupons", "GET", "/V1/coupons/search", RequestKind.READ)
# OrderAddressRepository::save: the link to the order is the body's parent_id; not deduplicated.
SAVE_ORDER_ADDRESS = Endpoint(
    "save_order_address", "PUT", "/V1/orders/{parent_id}", RequestKind.WRITE
)
