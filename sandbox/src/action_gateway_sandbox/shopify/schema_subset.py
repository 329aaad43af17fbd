"""The slice of Shopify's Admin GraphQL schema (2026-07) that the simulator models.

Generated from the real SDL by keeping only the types, fields and arguments the simulator
implements, with Shopify's own names, nullability and defaults. Every document is validated
against it, so selecting a field the simulator does not model fails like an unknown field on
Shopify instead of silently resolving to null. A test checks it stays a faithful subset.
"""

MODEL_SDL = """
schema { query: QueryRoot mutation: Mutation }
directive @idempotent(key: String!) on FIELD
type QueryRoot {
  customerByIdentifier(identifier: CustomerIdentifierInput!): Customer
  customers(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
    sortKey: CustomerSortKeys
    query: String
  ): CustomerConnection!
  customer(id: ID!): Customer
  order(id: ID!): Order
  orders(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
    sortKey: OrderSortKeys
    query: String
  ): OrderConnection!
  job(id: ID!): Job
  codeDiscountNodeByCode(code: String!): DiscountCodeNode
  shop: Shop!
  collections(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
    query: String
  ): CollectionConnection!
}
type Mutation {
  orderCancel(
    orderId: ID!
    refund: Boolean
    refundMethod: OrderCancelRefundMethodInput
    restock: Boolean!
    reason: OrderCancelReason!
    notifyCustomer: Boolean
    staffNote: String
  ): OrderCancelPayload
  refundCreate(input: RefundInput!): RefundCreatePayload
  orderUpdate(input: OrderInput!): OrderUpdatePayload
  tagsAdd(id: ID!, tags: [String!]!): TagsAddPayload
  tagsRemove(id: ID!, tags: [String!]!): TagsRemovePayload
  discountCodeBasicCreate(
    basicCodeDiscount: DiscountCodeBasicInput!
  ): DiscountCodeBasicCreatePayload
  storeCreditAccountCredit(
    id: ID!
    creditInput: StoreCreditAccountCreditInput!
  ): StoreCreditAccountCreditPayload
  orderCreate(order: OrderCreateOrderInput!, options: OrderCreateOptionsInput): OrderCreatePayload
}
type Customer {
  id: ID!
  legacyResourceId: UnsignedInt64!
  displayName: String!
  firstName: String
  lastName: String
  defaultEmailAddress: CustomerEmailAddress
  defaultPhoneNumber: CustomerPhoneNumber
  numberOfOrders: UnsignedInt64!
  orders(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
    sortKey: OrderSortKeys
    query: String
  ): OrderConnection!
  createdAt: DateTime!
  updatedAt: DateTime!
  storeCreditAccounts(
    first: Int
    after: String
    last: Int
    before: String
    query: String
  ): StoreCreditAccountConnection!
}
type StoreCreditAccountConnection {
  nodes: [StoreCreditAccount!]!
  edges: [StoreCreditAccountEdge!]!
  pageInfo: PageInfo!
}
type StoreCreditAccountEdge {
  node: StoreCreditAccount!
  cursor: String!
}
type StoreCreditAccount {
  id: ID!
  balance: MoneyV2!
  transactions(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
    sortKey: TransactionSortKeys = CREATED_AT
    query: String
  ): StoreCreditAccountTransactionConnection!
}
type StoreCreditAccountTransactionConnection {
  nodes: [StoreCreditAccountTransaction!]!
  edges: [StoreCreditAccountTransactionEdge!]!
  pageInfo: PageInfo!
}
type StoreCreditAccountTransactionEdge {
  node: StoreCreditAccountTransaction!
  cursor: String!
}
interface StoreCreditAccountTransaction {
  account: StoreCreditAccount!
  amount: MoneyV2!
  balanceAfterTransaction: MoneyV2!
  createdAt: DateTime!
  event: StoreCreditSystemEvent!
}
type StoreCreditAccountCreditTransaction implements StoreCreditAccountTransaction {
  account: StoreCreditAccount!
  amount: MoneyV2!
  balanceAfterTransaction: MoneyV2!
  createdAt: DateTime!
  event: StoreCreditSystemEvent!
  expiresAt: DateTime
  id: ID!
  remainingAmount: MoneyV2!
}
type StoreCreditAccountCreditPayload {
  storeCreditAccountTransaction: StoreCreditAccountCreditTransaction
  userErrors: [StoreCreditAccountCreditUserError!]!
}
type StoreCreditAccountCreditUserError {
  code: StoreCreditAccountCreditUserErrorCode
  field: [String!]
  message: String!
}
input StoreCreditAccountCreditInput {
  creditAmount: MoneyInput!
  expiresAt: DateTime
  notify: Boolean = false
}
input MoneyInput {
  amount: Decimal!
  currencyCode: CurrencyCode!
}
enum StoreCreditAccountCreditUserErrorCode {
  ACCOUNT_NOT_FOUND OWNER_NOT_FOUND NEGATIVE_OR_ZERO_AMOUNT MISMATCHING_CURRENCY
  EXPIRES_AT_IN_PAST CREDIT_LIMIT_EXCEEDED UNSUPPORTED_CURRENCY
}
enum StoreCreditSystemEvent {
  ADJUSTMENT ORDER_PAYMENT ORDER_REFUND PAYMENT_FAILURE PAYMENT_RETURNED ORDER_CANCELLATION
  TAX_FINALIZATION
}
enum TransactionSortKeys {
  CREATED_AT EXPIRES_AT
}
type CustomerEmailAddress {
  emailAddress: String!
}
type CustomerPhoneNumber {
  phoneNumber: String!
}
type CustomerConnection {
  nodes: [Customer!]!
  edges: [CustomerEdge!]!
  pageInfo: PageInfo!
}
type CustomerEdge {
  node: Customer!
  cursor: String!
}
type OrderConnection {
  nodes: [Order!]!
  edges: [OrderEdge!]!
  pageInfo: PageInfo!
}
type OrderEdge {
  node: Order!
  cursor: String!
}
type LineItemConnection {
  nodes: [LineItem!]!
  edges: [LineItemEdge!]!
  pageInfo: PageInfo!
}
type LineItemEdge {
  node: LineItem!
  cursor: String!
}
type ShippingLineConnection {
  nodes: [ShippingLine!]!
  edges: [ShippingLineEdge!]!
  pageInfo: PageInfo!
}
type ShippingLineEdge {
  node: ShippingLine!
  cursor: String!
}
type RefundLineItemConnection {
  nodes: [RefundLineItem!]!
  edges: [RefundLineItemEdge!]!
  pageInfo: PageInfo!
}
type RefundLineItemEdge {
  node: RefundLineItem!
  cursor: String!
}
type OrderTransactionConnection {
  nodes: [OrderTransaction!]!
  edges: [OrderTransactionEdge!]!
  pageInfo: PageInfo!
}
type OrderTransactionEdge {
  node: OrderTransaction!
  cursor: String!
}
type CollectionConnection {
  nodes: [Collection!]!
  edges: [CollectionEdge!]!
  pageInfo: PageInfo!
}
type CollectionEdge {
  node: Collection!
  cursor: String!
}
type DiscountRedeemCodeConnection {
  nodes: [DiscountRedeemCode!]!
  edges: [DiscountRedeemCodeEdge!]!
  pageInfo: PageInfo!
}
type DiscountRedeemCodeEdge {
  node: DiscountRedeemCode!
  cursor: String!
}
type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}
interface Node {
  id: ID!
}
type TagsAddPayload {
  node: Node
  userErrors: [UserError!]!
}
type TagsRemovePayload {
  node: Node
  userErrors: [UserError!]!
}
type Order implements Node {
  id: ID!
  tags: [String!]!
  shippingAddress: MailingAddress
  legacyResourceId: UnsignedInt64!
  name: String!
  note: String
  email: String
  phone: String
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  cancelReason: OrderCancelReason
  cancellation: OrderCancellation
  closed: Boolean!
  closedAt: DateTime
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  refundable: Boolean!
  fullyPaid: Boolean!
  unpaid: Boolean!
  currencyCode: CurrencyCode!
  presentmentCurrencyCode: CurrencyCode!
  totalPriceSet: MoneyBag!
  currentTotalPriceSet: MoneyBag!
  subtotalPriceSet: MoneyBag
  currentSubtotalPriceSet: MoneyBag!
  totalTaxSet: MoneyBag
  totalReceivedSet: MoneyBag!
  totalRefundedSet: MoneyBag!
  netPaymentSet: MoneyBag!
  totalOutstandingSet: MoneyBag!
  totalShippingPriceSet: MoneyBag!
  totalRefundedShippingSet: MoneyBag!
  customer: Customer
  lineItems(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
  ): LineItemConnection!
  shippingLines(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
  ): ShippingLineConnection!
  transactions(first: Int): [OrderTransaction!]!
  refunds(first: Int): [Refund!]!
  suggestedRefund(
    shippingAmount: Money
    refundShipping: Boolean
    refundLineItems: [RefundLineItemInput!]
    suggestFullRefund: Boolean
  ): SuggestedRefund
  sourceIdentifier: String
}
type OrderCancellation {
  staffNote: String
}
type Shop {
  currencyCode: CurrencyCode!
}
type MoneyBag {
  shopMoney: MoneyV2!
  presentmentMoney: MoneyV2!
}
type MoneyV2 {
  amount: Decimal!
  currencyCode: CurrencyCode!
}
type LineItem {
  id: ID!
  name: String!
  title: String!
  sku: String
  quantity: Int!
  currentQuantity: Int!
  refundableQuantity: Int!
  unfulfilledQuantity: Int!
  restockable: Boolean!
  originalUnitPriceSet: MoneyBag!
  discountedUnitPriceAfterAllDiscountsSet: MoneyBag!
  originalTotalSet: MoneyBag!
  requiresShipping: Boolean!
  variant: ProductVariant
}
type ShippingLine {
  id: ID
  title: String!
  code: String
  isRemoved: Boolean!
  originalPriceSet: MoneyBag!
  discountedPriceSet: MoneyBag!
}
type OrderTransaction {
  id: ID!
  kind: OrderTransactionKind!
  status: OrderTransactionStatus!
  gateway: String
  test: Boolean!
  parentTransaction: OrderTransaction
  amountSet: MoneyBag!
  createdAt: DateTime!
  processedAt: DateTime
}
type Refund {
  id: ID!
  createdAt: DateTime
  note: String
  totalRefundedSet: MoneyBag!
  refundLineItems(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
  ): RefundLineItemConnection!
  transactions(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
  ): OrderTransactionConnection!
}
type RefundLineItem {
  lineItem: LineItem!
  quantity: Int!
  restockType: RefundLineItemRestockType!
  restocked: Boolean!
  location: Location
  priceSet: MoneyBag!
  subtotalSet: MoneyBag!
  totalTaxSet: MoneyBag!
}
type Location {
  id: ID!
  name: String!
}
type SuggestedRefund {
  amountSet: MoneyBag!
  maximumRefundableSet: MoneyBag!
  subtotalSet: MoneyBag!
  discountedSubtotalSet: MoneyBag!
  totalTaxSet: MoneyBag!
  totalCartDiscountAmountSet: MoneyBag!
  shipping: ShippingRefund!
  refundLineItems: [RefundLineItem!]!
  suggestedTransactions: [SuggestedOrderTransaction!]!
}
type ShippingRefund {
  amountSet: MoneyBag!
  maximumRefundableSet: MoneyBag!
  taxSet: MoneyBag!
}
type SuggestedOrderTransaction {
  kind: SuggestedOrderTransactionKind!
  gateway: String
  parentTransaction: OrderTransaction
  amountSet: MoneyBag!
  maximumRefundableSet: MoneyBag
}
type Job {
  id: ID!
  done: Boolean!
}
type DiscountCodeNode {
  id: ID!
  codeDiscount: DiscountCode!
}
union DiscountCode = DiscountCodeBasic
type DiscountCodeBasic {
  title: String!
  status: DiscountStatus!
  startsAt: DateTime!
  endsAt: DateTime
  usageLimit: Int
  appliesOncePerCustomer: Boolean!
  discountClasses: [DiscountClass!]!
  codes(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
  ): DiscountRedeemCodeConnection!
  customerGets: DiscountCustomerGets!
  createdAt: DateTime!
  updatedAt: DateTime!
}
type DiscountRedeemCode {
  id: ID!
  code: String!
}
type DiscountCustomerGets {
  value: DiscountCustomerGetsValue!
  items: DiscountItems!
  appliesOnOneTimePurchase: Boolean!
  appliesOnSubscription: Boolean!
}
union DiscountCustomerGetsValue = DiscountAmount | DiscountPercentage
type DiscountAmount {
  amount: MoneyV2!
  appliesOnEachItem: Boolean!
}
type DiscountPercentage {
  percentage: Float!
}
union DiscountItems = AllDiscountItems | DiscountCollections
type AllDiscountItems {
  allItems: Boolean!
}
type DiscountCollections {
  collections(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean
  ): CollectionConnection!
}
type Collection {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  handle: String!
}
type OrderCancelPayload {
  job: Job
  orderCancelUserErrors: [OrderCancelUserError!]!
  userErrors: [UserError!]!
}
type OrderCancelUserError {
  field: [String!]
  message: String!
  code: OrderCancelUserErrorCode
}
type UserError {
  field: [String!]
  message: String!
}
type RefundCreatePayload {
  refund: Refund
  order: Order
  userErrors: [UserError!]!
}
type OrderUpdatePayload {
  order: Order
  userErrors: [UserError!]!
}
type DiscountCodeBasicCreatePayload {
  codeDiscountNode: DiscountCodeNode
  userErrors: [DiscountUserError!]!
}
type DiscountUserError {
  field: [String!]
  message: String!
  code: DiscountErrorCode
  extraInfo: String
}
input CustomerIdentifierInput {
  id: ID
  emailAddress: String
  phoneNumber: String
}
input OrderCancelRefundMethodInput {
  originalPaymentMethodsRefund: Boolean
}
input RefundInput {
  orderId: ID!
  note: String
  notify: Boolean
  shipping: ShippingRefundInput
  refundLineItems: [RefundLineItemInput!]
  transactions: [OrderTransactionInput!]
  currency: CurrencyCode
  discrepancyReason: OrderAdjustmentInputDiscrepancyReason
  allowOverRefunding: Boolean
}
input ShippingRefundInput {
  amount: Money
  fullRefund: Boolean
}
input RefundLineItemInput {
  lineItemId: ID!
  quantity: Int!
  restockType: RefundLineItemRestockType
  locationId: ID
}
input OrderTransactionInput {
  orderId: ID!
  gateway: String!
  kind: OrderTransactionKind!
  amount: Money!
  parentId: ID
}
input OrderInput {
  id: ID!
  note: String
  shippingAddress: MailingAddressInput
}
input MailingAddressInput {
  address1: String
  address2: String
  city: String
  company: String
  countryCode: CountryCode
  firstName: String
  lastName: String
  phone: String
  provinceCode: String
  zip: String
}
type MailingAddress {
  address1: String
  address2: String
  city: String
  company: String
  countryCodeV2: CountryCode
  firstName: String
  lastName: String
  phone: String
  province: String
  provinceCode: String
  zip: String
}
enum CountryCode {
  AF AX AL DZ AD AO AI AG AR AM AW AC AU AT AZ BS BH BD BB BY BE BZ BJ BM
  BT BO BA BW BV BR IO BN BG BF BI KH CA CV BQ KY CF TD CL CN CX CC CO KM
  CG CD CK CR HR CU CW CY CZ CI DK DJ DM DO EC EG SV GQ ER EE SZ ET FK FO
  FJ FI FR GF PF TF GA GM GE DE GH GI GR GL GD GP GT GG GN GW GY HT HM VA
  HN HK HU IS IN ID IR IQ IE IM IL IT JM JP JE JO KZ KE KI KP XK KW KG LA
  LV LB LS LR LY LI LT LU MO MG MW MY MV ML MT MQ MR MU YT MX MD MC MN ME
  MS MA MZ MM NA NR NP NL AN NC NZ NI NE NG NU NF MK NO OM PK PS PA PG PY
  PE PH PN PL PT QA CM RE RO RU RW BL SH KN LC MF PM WS SM ST SA SN RS SC
  SL SG SX SK SI SB SO ZA GS KR SS ES LK VC SD SR SJ SE CH SY TW TJ TZ TH
  TL TG TK TO TT TA TN TR TM TC TV UG UA AE GB US UM UY UZ VU VE VN VG WF
  EH YE ZM ZW ZZ
}
input DiscountCodeBasicInput {
  title: String
  code: String
  startsAt: DateTime
  endsAt: DateTime
  context: DiscountContextInput
  customerSelection: DiscountCustomerSelectionInput
  customerGets: DiscountCustomerGetsInput
  usageLimit: Int
  appliesOncePerCustomer: Boolean
  combinesWith: DiscountCombinesWithInput
}
input DiscountContextInput {
  all: DiscountBuyerSelection
  customers: DiscountCustomersInput
}
input DiscountCustomerSelectionInput {
  all: Boolean
  customers: DiscountCustomersInput
}
input DiscountCustomersInput {
  add: [ID!]
  remove: [ID!]
}
input DiscountCustomerGetsInput {
  value: DiscountCustomerGetsValueInput
  items: DiscountItemsInput
  appliesOnOneTimePurchase: Boolean
  appliesOnSubscription: Boolean
}
input DiscountCustomerGetsValueInput {
  percentage: Float
  discountAmount: DiscountAmountInput
}
input DiscountAmountInput {
  amount: Decimal
  appliesOnEachItem: Boolean
}
input DiscountItemsInput {
  all: Boolean
  collections: DiscountCollectionsInput
}
input DiscountCollectionsInput {
  add: [ID!]
  remove: [ID!]
}
input DiscountCombinesWithInput {
  productDiscounts: Boolean
  orderDiscounts: Boolean
  shippingDiscounts: Boolean
}
enum CurrencyCode {
  USD EUR GBP CAD AFN ALL DZD AOA ARS AMD AWG AUD BBD AZN BDT BSD BHD BIF BYN BZD BMD BTN BAM
  BRL BOB BWP BND BGN MMK KHR CVE KYD XAF CLP CNY COP KMF CDF CRC HRK CZK DKK DJF DOP XCD EGP
  ERN ETB FKP XPF FJD GIP GMD GHS GTQ GYD GEL GNF HTG HNL HKD HUF ISK INR IDR ILS IRR IQD JMD
  JPY JEP JOD KZT KES KID KWD KGS LAK LVL LBP LSL LRD LYD LTL MGA MKD MOP MWK MVR MRU MXN MYR
  MUR MDL MAD MNT MZN NAD NPR ANG NZD NIO NGN NOK OMR PAB PKR PGK PYG PEN PHP PLN QAR RON RUB
  RWF WST SHP SAR RSD SCR SLL SGD SDG SOS SYP ZAR KRW SSP SBD LKR SRD SZL SEK CHF TWD THB TJS
  TZS TOP TTD TND TRY TMT UGX UAH AED UYU UZS VUV VES VND XOF YER ZMW USDC BYR STD STN VED
  VEF XXX
}
enum CustomerSortKeys {
  CREATED_AT ID LOCATION NAME RELEVANCE UPDATED_AT
}
scalar DateTime
scalar Decimal
enum DiscountBuyerSelection {
  ALL
}
enum DiscountClass {
  PRODUCT ORDER SHIPPING
}
enum DiscountErrorCode {
  BLANK PRESENT EQUAL_TO GREATER_THAN GREATER_THAN_OR_EQUAL_TO INVALID LESS_THAN_OR_EQUAL_TO
  LESS_THAN TAKEN TOO_LONG TOO_SHORT INTERNAL_ERROR TOO_MANY_ARGUMENTS MISSING_ARGUMENT
  ACTIVE_PERIOD_OVERLAP END_DATE_BEFORE_START_DATE EXCEEDED_MAX
  MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT VALUE_OUTSIDE_RANGE CONFLICT
  IMPLICIT_DUPLICATE DUPLICATE INCLUSION INVALID_COMBINES_WITH_FOR_DISCOUNT_CLASS
  INVALID_DISCOUNT_CLASS_FOR_PRICE_RULE DISCOUNT_NOT_COMPATIBLE_WITH_CONDITION_TYPES
  MAX_APP_DISCOUNTS APPLIES_ON_NOTHING RECURRING_CYCLE_LIMIT_NOT_A_VALID_INTEGER
  MULTIPLE_RECURRING_CYCLE_LIMIT_FOR_NON_SUBSCRIPTION_ITEMS MISSING_FUNCTION_IDENTIFIER
  MULTIPLE_FUNCTION_IDENTIFIERS INVALID_TAG_LENGTH TOO_MANY_TAGS
  TOO_MANY_PRODUCT_DISCOUNTS_WITH_TAGS_ON_SAME_CART_LINE
  INVALID_PRODUCT_DISCOUNTS_WITH_TAGS_ON_SAME_CART_LINE_FOR_DISCOUNT_CLASS
  INVALID_PRODUCT_DISCOUNTS_WITH_TAGS_ON_SAME_CART_LINE_WITHOUT_PRODUCT_DISCOUNTS
  INVALID_PRODUCT_DISCOUNTS_FALSE_WITH_EXISTING_TAGS_ON_SAME_CART_LINE
  PRODUCT_DISCOUNTS_WITH_TAGS_ON_SAME_CART_LINE_NOT_ENTITLED
}
enum DiscountStatus {
  ACTIVE EXPIRED SCHEDULED
}
scalar Money
enum OrderAdjustmentInputDiscrepancyReason {
  RESTOCK DAMAGE CUSTOMER OTHER
}
enum OrderCancelReason {
  CUSTOMER DECLINED FRAUD INVENTORY STAFF OTHER
}
enum OrderCancelUserErrorCode {
  NO_REFUND_PERMISSION NO_REFUND_TO_STORE_CREDIT_PERMISSION
  STORE_CREDIT_REFUND_EXPIRATION_IN_PAST STORE_CREDIT_REFUND_MISSING_CUSTOMER
  STORE_CREDIT_REFUND_B2B_NOT_SUPPORTED NOT_FOUND INVALID INTERNAL_ERROR
}
enum OrderDisplayFinancialStatus {
  PENDING AUTHORIZED PARTIALLY_PAID PARTIALLY_REFUNDED VOIDED PAID REFUNDED EXPIRED
}
enum OrderDisplayFulfillmentStatus {
  UNFULFILLED PARTIALLY_FULFILLED FULFILLED RESTOCKED PENDING_FULFILLMENT OPEN IN_PROGRESS
  ON_HOLD SCHEDULED REQUEST_DECLINED
}
enum OrderSortKeys {
  CREATED_AT CURRENT_TOTAL_PRICE CUSTOMER_NAME DESTINATION FINANCIAL_STATUS
  FULFILLMENT_STATUS ID ORDER_NUMBER PO_NUMBER PROCESSED_AT RELEVANCE TOTAL_ITEMS_QUANTITY
  TOTAL_PRICE UPDATED_AT
}
enum OrderTransactionKind {
  SALE CAPTURE AUTHORIZATION VOID REFUND CHANGE EMV_AUTHORIZATION SUGGESTED_REFUND
}
enum OrderTransactionStatus {
  SUCCESS FAILURE PENDING ERROR AWAITING_RESPONSE UNKNOWN
}
enum RefundLineItemRestockType {
  RETURN CANCEL LEGACY_RESTOCK NO_RESTOCK
}
enum SuggestedOrderTransactionKind {
  SUGGESTED_REFUND
}
scalar UnsignedInt64
type ProductVariant {
  id: ID!
}
type OrderCreatePayload {
  order: Order
  userErrors: [OrderCreateUserError!]!
}
type OrderCreateUserError {
  code: OrderCreateUserErrorCode
  field: [String!]
  message: String!
}
input OrderCreateOrderInput {
  billingAddress: MailingAddressInput
  customAttributes: [OrderCreateCustomAttributeInput!]
  customer: OrderCreateCustomerInput
  email: String
  financialStatus: OrderCreateFinancialStatus
  lineItems: [OrderCreateLineItemInput!]
  note: String
  shippingAddress: MailingAddressInput
  shippingLines: [OrderCreateShippingLineInput!]
  sourceIdentifier: String
  tags: [String!]
  test: Boolean = false
}
input OrderCreateOptionsInput {
  inventoryBehaviour: OrderCreateInputsInventoryBehavior = BYPASS
  sendReceipt: Boolean = false
  sendFulfillmentReceipt: Boolean = false
}
input OrderCreateLineItemInput {
  priceSet: MoneyBagInput
  quantity: Int!
  requiresShipping: Boolean = false
  sku: String
  taxable: Boolean = true
  title: String
  variantId: ID
}
input OrderCreateShippingLineInput {
  code: String
  priceSet: MoneyBagInput!
  title: String!
}
input OrderCreateCustomerInput {
  toAssociate: OrderCreateAssociateCustomerAttributesInput
}
input OrderCreateAssociateCustomerAttributesInput {
  id: ID
  email: String
}
input OrderCreateCustomAttributeInput {
  key: String!
  value: String!
}
input MoneyBagInput {
  shopMoney: MoneyInput!
  presentmentMoney: MoneyInput
}
enum OrderCreateFinancialStatus {
  PENDING AUTHORIZED PARTIALLY_PAID PAID PARTIALLY_REFUNDED REFUNDED VOIDED EXPIRED
}
enum OrderCreateInputsInventoryBehavior {
  BYPASS DECREMENT_IGNORING_POLICY DECREMENT_OBEYING_POLICY
}
enum OrderCreateUserErrorCode {
  INVALID FULFILLMENT_SERVICE_INVALID INVENTORY_CLAIM_FAILED PROCESSED_AT_INVALID
  TAX_LINE_RATE_MISSING REDUNDANT_CUSTOMER_FIELDS SHOP_DORMANT
}
"""
