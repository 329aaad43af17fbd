"""The GraphQL Admin API documents the adapter sends, one named constant per operation.

Every document here is validated against the published schemas (2026-04 and 2026-07) in
``tests/platforms/shopify/test_operations.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from action_gateway.platforms._http import RequestKind


@dataclass(frozen=True)
class Operation:
    """A GraphQL document with its ``operationName`` and what it does to the shop."""

    name: str
    document: str
    kind: RequestKind


_MONEY_BAG = "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"

_ADDRESS = (
    "{ firstName lastName company address1 address2 city province provinceCode countryCodeV2 "
    "zip phone }"
)

_CUSTOMER_FIELDS = """
fragment CustomerFields on Customer {
  id legacyResourceId displayName numberOfOrders
  defaultEmailAddress { emailAddress }
  defaultPhoneNumber { phoneNumber }
}
"""

_ORDER_SUMMARY = f"""
fragment OrderSummary on Order {{
  id legacyResourceId name createdAt cancelledAt cancelReason note
  displayFinancialStatus displayFulfillmentStatus currencyCode presentmentCurrencyCode
  customer {{ id }}
  shippingAddress {_ADDRESS}
  totalPriceSet {_MONEY_BAG}
  totalReceivedSet {_MONEY_BAG}
  totalRefundedSet {_MONEY_BAG}
  totalOutstandingSet {_MONEY_BAG}
  totalShippingPriceSet {_MONEY_BAG}
}}
"""

_ORDER_DETAIL = (
    _ORDER_SUMMARY
    + f"""
fragment OrderDetail on Order {{
  ...OrderSummary
  closed refundable tags
  cancellation {{ staffNote }}
  netPaymentSet {_MONEY_BAG}
  totalRefundedShippingSet {_MONEY_BAG}
  lineItems(first: 100) {{
    pageInfo {{ hasNextPage }}
    nodes {{
      id name sku quantity currentQuantity refundableQuantity unfulfilledQuantity restockable
      originalUnitPriceSet {_MONEY_BAG}
      discountedUnitPriceAfterAllDiscountsSet {_MONEY_BAG}
    }}
  }}
  shippingLines(first: 10) {{
    nodes {{
      id title isRemoved
      originalPriceSet {_MONEY_BAG}
      discountedPriceSet {_MONEY_BAG}
    }}
  }}
  transactions(first: 50) {{
    id kind status gateway test parentTransaction {{ id }}
    amountSet {_MONEY_BAG}
  }}
}}
"""
)

_CUSTOMER_ORDERS = """
  orders(first: $ordersFirst, sortKey: PROCESSED_AT, reverse: true) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderSummary }
  }
"""

CUSTOMER_BY_IDENTIFIER = Operation(
    "CustomerByIdentifier",
    f"""
query CustomerByIdentifier($identifier: CustomerIdentifierInput!, $ordersFirst: Int!) {{
  customerByIdentifier(identifier: $identifier) {{
    ...CustomerFields
    {_CUSTOMER_ORDERS}
  }}
}}
{_CUSTOMER_FIELDS}{_ORDER_SUMMARY}""",
    RequestKind.READ,
)

CUSTOMERS_SEARCH = Operation(
    "CustomersSearch",
    """
query CustomersSearch($query: String!, $first: Int!) {
  customers(first: $first, query: $query, sortKey: UPDATED_AT, reverse: true) {
    nodes { id defaultEmailAddress { emailAddress } }
  }
}
""",
    RequestKind.READ,
)

CUSTOMER_WITH_ORDERS = Operation(
    "CustomerWithOrders",
    f"""
query CustomerWithOrders($id: ID!, $ordersFirst: Int!) {{
  customer(id: $id) {{
    ...CustomerFields
    {_CUSTOMER_ORDERS}
  }}
}}
{_CUSTOMER_FIELDS}{_ORDER_SUMMARY}""",
    RequestKind.READ,
)

CUSTOMER_ORDERS = Operation(
    "CustomerOrders",
    f"""
query CustomerOrders($id: ID!, $ordersFirst: Int!, $after: String) {{
  customer(id: $id) {{
    id
    orders(first: $ordersFirst, after: $after, sortKey: PROCESSED_AT, reverse: true) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ ...OrderSummary }}
    }}
  }}
}}
{_ORDER_SUMMARY}""",
    RequestKind.READ,
)

CUSTOMER = Operation(
    "Customer",
    f"""
query Customer($id: ID!) {{
  customer(id: $id) {{ ...CustomerFields }}
}}
{_CUSTOMER_FIELDS}""",
    RequestKind.READ,
)

ORDER = Operation(
    "OrderForAction",
    f"""
query OrderForAction($id: ID!) {{
  order(id: $id) {{ ...OrderDetail }}
}}
{_ORDER_DETAIL}""",
    RequestKind.READ,
)

ORDER_BY_NAME = Operation(
    "OrderByName",
    f"""
query OrderByName($query: String!) {{
  orders(first: 1, query: $query) {{
    nodes {{ ...OrderDetail }}
  }}
}}
{_ORDER_DETAIL}""",
    RequestKind.READ,
)

# orderCancel: the deprecated `refund` argument is never sent (it conflicts with refundMethod),
# and the coded orderCancelUserErrors replace the deprecated userErrors.
ORDER_CANCEL = Operation(
    "OrderCancel",
    """
mutation OrderCancel(
  $orderId: ID!
  $reason: OrderCancelReason!
  $restock: Boolean!
  $refundMethod: OrderCancelRefundMethodInput
  $notifyCustomer: Boolean
  $staffNote: String
) {
  orderCancel(
    orderId: $orderId
    reason: $reason
    restock: $restock
    refundMethod: $refundMethod
    notifyCustomer: $notifyCustomer
    staffNote: $staffNote
  ) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
""",
    RequestKind.WRITE,
)

CANCEL_JOB_POLL = Operation(
    "CancelJobPoll",
    f"""
query CancelJobPoll($jobId: ID!, $orderId: ID!) {{
  job(id: $jobId) {{ id done }}
  order(id: $orderId) {{
    id cancelledAt displayFinancialStatus
    totalRefundedSet {_MONEY_BAG}
    totalRefundedShippingSet {_MONEY_BAG}
  }}
}}
""",
    RequestKind.READ,
)

_SUGGESTED_REFUND_SELECTION = f"""{{
      amountSet {_MONEY_BAG}
      maximumRefundableSet {_MONEY_BAG}
      shipping {{
        amountSet {_MONEY_BAG}
        maximumRefundableSet {_MONEY_BAG}
      }}
      refundLineItems {{
        lineItem {{ id name }}
        quantity restockType
        location {{ id }}
        subtotalSet {_MONEY_BAG}
      }}
      suggestedTransactions {{
        kind gateway
        parentTransaction {{ id kind gateway }}
        amountSet {_MONEY_BAG}
        maximumRefundableSet {_MONEY_BAG}
      }}
    }}"""

SUGGESTED_REFUND = Operation(
    "SuggestedRefund",
    f"""
query SuggestedRefund($id: ID!) {{
  order(id: $id) {{
    id currencyCode presentmentCurrencyCode
    suggestedRefund(suggestFullRefund: true, refundShipping: true) {_SUGGESTED_REFUND_SELECTION}
  }}
}}
""",
    RequestKind.READ,
)

# shippingAmount overrides refundShipping; both are variables so one document serves every case.
SUGGESTED_PARTIAL_REFUND = Operation(
    "SuggestedPartialRefund",
    f"""
query SuggestedPartialRefund(
  $id: ID!
  $refundLineItems: [RefundLineItemInput!]
  $shippingAmount: Money
  $refundShipping: Boolean
) {{
  order(id: $id) {{
    id currencyCode presentmentCurrencyCode
    suggestedRefund(
      refundLineItems: $refundLineItems
      shippingAmount: $shippingAmount
      refundShipping: $refundShipping
    ) {_SUGGESTED_REFUND_SELECTION}
  }}
}}
""",
    RequestKind.READ,
)

_REFUND_CREATE_SELECTION = f"""{{
    refund {{
      id createdAt note
      totalRefundedSet {_MONEY_BAG}
      refundLineItems(first: 100) {{
        nodes {{
          lineItem {{ id name }} quantity restockType restocked location {{ id }}
          subtotalSet {_MONEY_BAG}
        }}
      }}
      transactions(first: 10) {{
        nodes {{ id kind status gateway amountSet {_MONEY_BAG} }}
      }}
    }}
    order {{ id displayFinancialStatus }}
    userErrors {{ field message }}
  }}"""

REFUND_CREATE_IDEMPOTENT = Operation(
    "RefundCreate",
    f"""
mutation RefundCreate($input: RefundInput!, $idempotencyKey: String!) {{
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) {_REFUND_CREATE_SELECTION}
}}
""",
    RequestKind.WRITE_DEDUPLICATED,
)

REFUND_CREATE_LEGACY = Operation(
    "RefundCreate",
    f"""
mutation RefundCreate($input: RefundInput!) {{
  refundCreate(input: $input) {_REFUND_CREATE_SELECTION}
}}
""",
    RequestKind.WRITE,
)

IDEMPOTENT_SINCE = "2026-01"


def supports_idempotent(api_version: str) -> bool:
    """@idempotent exists from 2026-01 (required at runtime from 2026-04); versions sort as text."""
    return api_version == "unstable" or api_version >= IDEMPOTENT_SINCE


def refund_create(api_version: str) -> Operation:
    """refundCreate for this API version: undefined directive before 2026-01, required after."""
    return REFUND_CREATE_IDEMPOTENT if supports_idempotent(api_version) else REFUND_CREATE_LEGACY


# orderUpdate answers plain UserError: selecting `code` would fail the whole document.
ORDER_UPDATE_NOTE = Operation(
    "OrderUpdateNote",
    """
mutation OrderUpdateNote($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id note }
    userErrors { field message }
  }
}
""",
    RequestKind.WRITE,
)

# Discount amounts are in the shop's currency (DiscountAmountInput has no currency of its own).
SHOP_CURRENCY = Operation(
    "ShopCurrency",
    """
query ShopCurrency {
  shop { currencyCode }
}
""",
    RequestKind.READ,
)

CODE_DISCOUNT_BY_CODE = Operation(
    "CodeDiscountByCode",
    """
query CodeDiscountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id }
}
""",
    RequestKind.READ,
)

DISCOUNT_CODE_BASIC_CREATE = Operation(
    "DiscountCodeBasicCreate",
    """
mutation DiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode {
      id
      codeDiscount {
        __typename
        ... on DiscountCodeBasic {
          title status startsAt endsAt usageLimit appliesOncePerCustomer
          codes(first: 1) { nodes { id code } }
          customerGets {
            value {
              __typename
              ... on DiscountPercentage { percentage }
              ... on DiscountAmount { amount { amount currencyCode } appliesOnEachItem }
            }
            items {
              __typename
              ... on AllDiscountItems { allItems }
              ... on DiscountCollections { collections(first: 1) { nodes { id title } } }
            }
          }
        }
      }
    }
    userErrors { field message code extraInfo }
  }
}
""",
    RequestKind.WRITE,
)

# The refunds of one order, read only to settle a refundCreate whose answer was lost. Kept
# cheap: 10 refunds x (20 lines + 5 transactions) stays far below the 1,000-point query limit
# even if Shopify charged the list like a connection.
ORDER_REFUNDS = Operation(
    "OrderRefunds",
    f"""
query OrderRefunds($id: ID!) {{
  order(id: $id) {{
    id
    refunds(first: 10) {{
      id createdAt note
      totalRefundedSet {_MONEY_BAG}
      refundLineItems(first: 20) {{
        pageInfo {{ hasNextPage }}
        nodes {{ lineItem {{ id name }} quantity restockType }}
      }}
      transactions(first: 5) {{
        pageInfo {{ hasNextPage }}
        nodes {{ id kind status gateway amountSet {_MONEY_BAG} }}
      }}
    }}
  }}
}}
""",
    RequestKind.READ,
)

# Store credit: one account per currency, created by the first credit in that currency. The
# newest credits are read with the balance: after a lost answer, ours is the one not seen before.
_STORE_CREDIT_TRANSACTION = """
fragment StoreCreditTransactionFields on StoreCreditAccountTransaction {
  __typename createdAt event
  amount { amount currencyCode }
  balanceAfterTransaction { amount currencyCode }
  ... on StoreCreditAccountCreditTransaction { id expiresAt }
}
"""

CUSTOMER_STORE_CREDIT = Operation(
    "CustomerStoreCredit",
    _STORE_CREDIT_TRANSACTION
    + """
query CustomerStoreCredit($id: ID!, $accounts: String!) {
  customer(id: $id) {
    id
    storeCreditAccounts(first: 1, query: $accounts) {
      nodes {
        id
        balance { amount currencyCode }
        transactions(first: 10, sortKey: CREATED_AT, reverse: true, query: "type:credit") {
          nodes { ...StoreCreditTransactionFields }
        }
      }
    }
  }
}
""",
    RequestKind.READ,
)

# No @idempotent, no reference field: never re-sent; a lost answer is settled by re-reading.
STORE_CREDIT_ACCOUNT_CREDIT = Operation(
    "StoreCreditAccountCredit",
    _STORE_CREDIT_TRANSACTION
    + """
mutation StoreCreditAccountCredit($id: ID!, $creditInput: StoreCreditAccountCreditInput!) {
  storeCreditAccountCredit(id: $id, creditInput: $creditInput) {
    storeCreditAccountTransaction {
      ...StoreCreditTransactionFields
      account { id balance { amount currencyCode } }
    }
    userErrors { field message code }
  }
}
""",
    RequestKind.WRITE,
)


# What a free replacement needs of the original: its customer, shipping address, and each
# line's variant and price after all discounts (what the replacement is worth).
REPLACEMENT_SOURCE = Operation(
    "ReplacementSource",
    f"""
query ReplacementSource($id: ID!) {{
  order(id: $id) {{
    id name email currencyCode presentmentCurrencyCode
    customer {{ id }}
    shippingAddress {{
      firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone
    }}
    lineItems(first: 100) {{
      pageInfo {{ hasNextPage }}
      nodes {{
        id name title sku quantity requiresShipping
        variant {{ id }}
        discountedUnitPriceAfterAllDiscountsSet {_MONEY_BAG}
      }}
    }}
  }}
}}
""",
    RequestKind.READ,
)

# orderCreate is not @idempotent: the order carries our marker (a tag and its
# sourceIdentifier), which FIND_REPLACEMENT looks for before anything is re-sent.
REPLACEMENT_ORDER_CREATE = Operation(
    "ReplacementOrderCreate",
    """
mutation ReplacementOrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id legacyResourceId name tags sourceIdentifier }
    userErrors { field message code }
  }
}
""",
    RequestKind.WRITE,
)

FIND_REPLACEMENT = Operation(
    "FindReplacement",
    """
query FindReplacement($query: String!) {
  orders(first: 5, query: $query, sortKey: CREATED_AT, reverse: true) {
    nodes { id legacyResourceId name tags sourceIdentifier }
  }
}
""",
    RequestKind.READ,
)


# The tags alone: read fresh before tagsRemove (removal is case-sensitive on orders) and to
# settle a tagsAdd / tagsRemove whose answer was lost.
ORDER_TAGS = Operation(
    "OrderTags",
    """
query OrderTags($id: ID!) {
  order(id: $id) { id tags }
}
""",
    RequestKind.READ,
)

# tagsAdd / tagsRemove change only the named tags (orderUpdate(tags:) would overwrite them all);
# their payloads are plain UserError (no `code`). The node answers every tag on the order.
ORDER_TAGS_ADD = Operation(
    "OrderTagsAdd",
    """
mutation OrderTagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    node { id ... on Order { tags } }
    userErrors { field message }
  }
}
""",
    RequestKind.WRITE,
)

ORDER_TAGS_REMOVE = Operation(
    "OrderTagsRemove",
    """
mutation OrderTagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) {
    node { id ... on Order { tags } }
    userErrors { field message }
  }
}
""",
    RequestKind.WRITE,
)


# orderUpdate's shippingAddress "overwrites the existing shipping address": the whole address
# is sent. Plain UserError (no `code`).
ORDER_UPDATE_SHIPPING_ADDRESS = Operation(
    "OrderShippingAddressUpdate",
    f"""
mutation OrderShippingAddressUpdate($input: OrderInput!) {{
  orderUpdate(input: $input) {{
    order {{ id shippingAddress {_ADDRESS} }}
    userErrors {{ field message }}
  }}
}}
""",
    RequestKind.WRITE,
)

# The address alone, to settle an orderUpdate whose answer was lost.
ORDER_SHIPPING_ADDRESS = Operation(
    "OrderShippingAddress",
    f"""
query OrderShippingAddress($id: ID!) {{
  order(id: $id) {{ id shippingAddress {_ADDRESS} }}
}}
""",
    RequestKind.READ,
)


ALL_OPERATIONS: tuple[Operation, ...] = (
    ORDER_REFUNDS,
    CUSTOMER_BY_IDENTIFIER,
    CUSTOMERS_SEARCH,
    CUSTOMER_WITH_ORDERS,
    CUSTOMER_ORDERS,
    CUSTOMER,
    ORDER,
    ORDER_BY_NAME,
    ORDER_CANCEL,
    CANCEL_JOB_POLL,
    SUGGESTED_REFUND,
    SUGGESTED_PARTIAL_REFUND,
    REFUND_CREATE_IDEMPOTENT,
    REFUND_CREATE_LEGACY,
    ORDER_UPDATE_NOTE,
    SHOP_CURRENCY,
    CODE_DISCOUNT_BY_CODE,
    DISCOUNT_CODE_BASIC_CREATE,
    CUSTOMER_STORE_CREDIT,
    STORE_CREDIT_ACCOUNT_CREDIT,
    REPLACEMENT_SOURCE,
    REPLACEMENT_ORDER_CREATE,
    FIND_REPLACEMENT,
    ORDER_TAGS,
    ORDER_TAGS_ADD,
    ORDER_TAGS_REMOVE,
    ORDER_UPDATE_SHIPPING_ADDRESS,
    ORDER_SHIPPING_ADDRESS,
)
