"""The simulated store and BigCommerce's business rules on it (statuses, refunds, promotions)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import seed
from .state import (
    PARTIALLY_REFUNDED,
    REFUNDED,
    ZERO,
    ApiError,
    Category,
    CouponCode,
    Customer,
    Gateway,
    LedgerEntry,
    Order,
    OrderProduct,
    Promotion,
    Refund,
    RefundItem,
    RefundPayment,
    ShippingAddress,
    cents,
    iso,
    promotions_error,
    refund_error,
    v3_error,
    v3_money,
)

# The refund quote's offline reason for strictly offline providers [O3 RefundQuote_Full example].
OFFLINE_PROVIDER_REASON = "This is an offline payment provider."
NOT_CAPTURED_REASON = "The payment has not been captured."  # unverified wording
DECLINED_MESSAGE = "The payment gateway declined the refund."  # unverified wording
GUEST_STORE_CREDIT = "Unable to provide store credit for a guest customer."  # [O3 refunds 422]
NO_MATCHING_METHOD = "The refund payments do not match a refund method offered for this order."
EXCEEDS_REMAINING = "Refund amount exceeds remaining amount"  # [O3 history, batch endpoint]
_NOTHING_PAID = ("", "pending", "declined", "void", "void pending", "held for review")


@dataclass(frozen=True)
class RequestItem:
    """One validated refund item of a quote or refund request."""

    item_type: str
    item_id: int
    quantity: int | None = None
    amount: Decimal | None = None
    reason: str = ""
    adjustment: Decimal = ZERO  # sum of the item's (negative) adjustments


@dataclass(frozen=True)
class PaymentOption:
    provider_id: str
    provider_description: str
    amount: Decimal
    offline: bool
    offline_provider: bool
    offline_reason: str

    def json(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "provider_description": self.provider_description,
            "amount": v3_money(self.amount),
            "offline": self.offline,
            "offline_provider": self.offline_provider,
            "offline_reason": self.offline_reason,
        }


@dataclass(frozen=True)
class Quote:
    order_id: int
    requested: Decimal
    total: Decimal
    methods: list[list[PaymentOption]]

    @property
    def adjustment(self) -> Decimal:
        # Negative when more was asked than remains refundable [O3 RefundQuote_Full.adjustment].
        return self.total - self.requested

    def json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "total_refund_amount": v3_money(self.total),
            "total_refund_tax_amount": 0.0,  # the sandbox store charges no tax
            "order_level_refund_amount": 0.0,
            "rounding": 0.0,
            "adjustment": v3_money(self.adjustment),
            "tax_inclusive": False,
            "refund_methods": [[o.json() for o in method] for method in self.methods],
        }


MANUAL_PAYMENT = Gateway("manual", "Manual", "Manual")
"""How an order created through the API without a payment is paid."""


@dataclass
class Store:
    customers: dict[int, Customer] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    promotions: dict[int, Promotion] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    next_refund_id: int = 5001
    next_payment_id: int = 9001
    next_promotion_id: int = 301
    next_code_id: int = 701

    @classmethod
    def seeded(cls, now: datetime) -> Store:
        store = cls()
        store.customers = {c.id: c for c in seed.customers(now)}
        store.orders = {o.id: o for o in seed.orders(now)}
        store.categories = {c.id: c for c in seed.SEED_CATEGORIES}
        return store

    # -- orders ---------------------------------------------------------------------------

    def update_order(self, order: Order, changes: dict[str, Any], now: datetime) -> None:
        """A PUT's partial update: bookkeeping only, no money moves [O2 PUT][D-orders]."""
        if "status_id" in changes:
            order.status_id = changes["status_id"]
        if "staff_notes" in changes:
            order.staff_notes = changes["staff_notes"]
        if "customer_message" in changes:
            order.customer_message = changes["customer_message"]
        order.modified = now
        self.ledger.append(
            LedgerEntry("order.update", at=now, order_id=order.id, status_id=order.status_id)
        )

    # -- customers ------------------------------------------------------------------------

    def update_customers(self, updates: list[dict[str, Any]], now: datetime) -> list[Customer]:
        """PUT /v3/customers: store credit is the balance itself, replaced, not added to
        (next-actions.md §4.2). An unknown id refuses the whole batch (unverified)."""
        missing = [u["id"] for u in updates if u["id"] not in self.customers]
        if missing:
            raise v3_error(
                422,
                "The customer was not valid.",
                {str(i): f"Customer {i} does not exist" for i in missing},
            )  # unverified wording
        updated = []
        for update in updates:
            customer = self.customers[update["id"]]
            if "store_credit" in update:
                customer.store_credit = update["store_credit"]
                self.ledger.append(
                    LedgerEntry(
                        "customer.store_credit",
                        at=now,
                        amount=customer.store_credit,
                        customer_id=customer.id,
                    )
                )
            updated.append(customer)
        return updated

    def create_order(self, body: dict[str, Any], now: datetime) -> Order:
        """POST /v2/orders: a new order as sent, never deduplicated [O2 POST /orders]; priced as
        sent (overridden prices), status Pending unless told [D-orders 153]."""
        order_id = max(self.orders, default=99) + 1
        catalog = {
            (p.product_id, p.variant_id): p for o in self.orders.values() for p in o.products
        }
        billing = body["billing_address"]
        shipping = (body.get("shipping_addresses") or [billing])[0]
        address_id = order_id * 10 + 9
        products = []
        for index, item in enumerate(body["products"]):
            known = catalog.get((item["product_id"], item.get("variant_id", 0)))
            price = Decimal(str(item.get("price_inc_tax", known.price if known else 0)))
            products.append(
                OrderProduct(
                    id=order_id * 10 + index + 1,
                    product_id=item["product_id"],
                    variant_id=item.get("variant_id", 0),
                    name=known.name if known else f"Product {item['product_id']}",
                    sku=known.sku if known else "",
                    quantity=item["quantity"],
                    price=price,
                    order_address_id=address_id,
                )
            )
        address = ShippingAddress(
            id=address_id,
            first_name=str(shipping.get("first_name", "")),
            last_name=str(shipping.get("last_name", "")),
            street_1=str(shipping.get("street_1", "")),
            city=str(shipping.get("city", "")),
            state=str(shipping.get("state", "")),
            zip=str(shipping.get("zip", "")),
            email=str(shipping.get("email", billing.get("email", ""))),
            phone=str(shipping.get("phone", "")),
            shipping_method="Free Shipping",
            cost=Decimal(str(body.get("shipping_cost_inc_tax") or 0)),
        )
        order = Order(
            id=order_id,
            customer_id=body.get("customer_id", 0),
            email=str(billing.get("email", "")),
            first_name=str(billing.get("first_name", "")),
            last_name=str(billing.get("last_name", "")),
            status_id=body.get("status_id", 1),
            created=now,
            modified=now,
            gateway=MANUAL_PAYMENT,
            payment_status="",
            products=products,
            addresses=[address],
            staff_notes=body.get("staff_notes", ""),
            customer_message=body.get("customer_message", ""),
            external_source=body.get("external_source"),
            external_order_id=body.get("external_order_id", ""),
        )
        self.orders[order_id] = order
        self.ledger.append(LedgerEntry("order.create", at=now, order_id=order_id))
        return order

    def update_shipping_address(
        self, order: Order, address: ShippingAddress, changes: dict[str, str], now: datetime
    ) -> None:
        """An absolute overwrite of the fields sent; shipping cost and tax are not recalculated
        [O2 1043]."""
        for name, value in changes.items():
            if hasattr(address, name) and name not in ("id", "shipping_method"):
                setattr(address, name, value)
        order.modified = now
        self.ledger.append(
            LedgerEntry(
                "order.shipping_address",
                at=now,
                order_id=order.id,
                address_id=address.id,
                street_1=address.street_1,
            )
        )

    # -- refunds --------------------------------------------------------------------------

    def quote(self, order: Order, items: list[RequestItem]) -> Quote:
        if order.payment_status in _NOTHING_PAID and not order.gateway.offline_provider:
            raise v3_error(422, "The order has no captured payment to refund.")  # unverified
        seen: set[tuple[str, int]] = set()
        requested = ZERO
        for item in items:
            key = (item.item_type, item.item_id)
            if key in seen:
                raise v3_error(422, f"Duplicate refund item {item.item_type} {item.item_id}.")
            seen.add(key)
            requested += self._item_amount(order, item)
        if requested <= ZERO:
            raise v3_error(422, "The refund amount must be greater than zero.")  # unverified
        total = min(requested, order.refundable_amount)
        if total <= ZERO:
            raise v3_error(422, "The order has nothing left to refund.")  # unverified
        return Quote(order.id, requested, total, self._methods(order, total))

    def _item_amount(self, order: Order, item: RequestItem) -> Decimal:
        if item.item_type == "PRODUCT":
            product = next((p for p in order.products if p.id == item.item_id), None)
            if product is None:
                raise v3_error(422, f"Order product {item.item_id} was not found on the order.")
            quantity = item.quantity or 0
            if quantity < 1 or quantity > product.refundable_quantity:
                # Refundable quantity = quantity - quantity_refunded [O2 orderProducts].
                raise v3_error(
                    422,
                    f"Quantity {quantity} of order product {product.id} exceeds the "
                    f"refundable quantity {product.refundable_quantity}.",
                )
            amount = product.price * quantity + item.adjustment
            if amount < ZERO:
                raise v3_error(422, "Adjustments exceed the item's refund amount.")
            return amount
        amount = item.amount if item.amount is not None else ZERO
        if item.item_type in ("SHIPPING", "HANDLING"):
            # SHIPPING/HANDLING item_id is the order address id [O3 AmountBoundItem].
            address = next((a for a in order.addresses if a.id == item.item_id), None)
            if address is None:
                raise v3_error(422, f"Order address {item.item_id} was not found on the order.")
            if item.item_type == "SHIPPING":
                remaining = address.cost - address.refunded_shipping
            else:
                remaining = address.handling - address.refunded_handling
            if amount > remaining:
                raise v3_error(
                    422,
                    f"{item.item_type.title()} amount {amount} exceeds the remaining "
                    f"{remaining} for address {address.id}.",
                )
            return amount
        if item.item_type == "ORDER":
            # Order-level custom amount; tax is not recalculated [O3 TaxExemptItem].
            if item.item_id != order.id:  # unverified: item_id names the order
                raise v3_error(422, f"ORDER item_id must be the order id {order.id}.")
            return amount
        # GIFT_WRAPPING, TAX, FEE: the sandbox orders have no wrapping, tax or fees.
        raise v3_error(422, f"The order has no {item.item_type} to refund.")

    def _methods(self, order: Order, amount: Decimal) -> list[list[PaymentOption]]:
        gateway = order.gateway
        if gateway.offline_provider:
            primary = PaymentOption(
                gateway.provider_id,
                gateway.description,
                amount,
                True,
                True,
                OFFLINE_PROVIDER_REASON,
            )
        elif order.captured:
            primary = PaymentOption(
                gateway.provider_id, gateway.description, amount, False, False, ""
            )
        else:
            # Authorized only: a refund needs captured funds [D-refunds][KB-refunds].
            primary = PaymentOption(
                gateway.provider_id, gateway.description, amount, True, False, NOT_CAPTURED_REASON
            )
        methods = [
            [primary],
            [PaymentOption("custom", "Custom", amount, True, True, OFFLINE_PROVIDER_REASON)],
        ]
        if order.customer_id:
            # Store credit is not offered for guest orders [KB-refunds][O3 refunds 422].
            methods.append([PaymentOption("storecredit", "Store Credit", amount, False, False, "")])
        return methods

    def refund(
        self,
        order: Order,
        items: list[RequestItem],
        payments: list[tuple[str, Decimal, bool]],
        now: datetime,
    ) -> Refund:
        try:
            quote = self.quote(order, items)
        except ApiError as error:
            raise refund_error(422, str(error.body["title"])) from error
        if quote.adjustment < ZERO:
            raise refund_error(422, EXCEEDS_REMAINING)
        if not order.customer_id and any(p[0] == "storecredit" for p in payments):
            raise refund_error(422, GUEST_STORE_CREDIT)
        asked = Counter(
            (provider, cents(amount), offline) for provider, amount, offline in payments
        )
        # The payments must copy one quoted method, amounts included [O3 refund_quotes note].
        if not any(
            asked == Counter((o.provider_id, cents(o.amount), o.offline) for o in method)
            for method in quote.methods
        ):
            raise refund_error(422, NO_MATCHING_METHOD)
        refund_id = self.next_refund_id
        self.next_refund_id += 1
        refund_payments = []
        for provider, amount, offline in payments:
            declined = order.gateway.declines_refunds and not offline and provider != "storecredit"
            refund_payments.append(
                RefundPayment(
                    self.next_payment_id,
                    provider,
                    cents(amount),
                    offline,
                    declined,
                    DECLINED_MESSAGE if declined else "",
                    "" if offline else f"txn-{self.next_payment_id}",
                )
            )
            self.next_payment_id += 1
        reason = next((i.reason for i in items if i.reason), "")
        refund = Refund(
            refund_id,
            order.id,
            now,
            reason,
            quote.total,
            [RefundItem(i.item_type, i.item_id, i.quantity, i.amount, i.reason) for i in items],
            refund_payments,
        )
        order.refunds.append(refund)
        moved = [p for p in refund_payments if not p.is_declined]
        if moved:
            self._apply(order, items, moved, now)
        self.ledger.append(
            LedgerEntry(
                "refund",
                at=now,
                order_id=order.id,
                status_id=order.status_id,
                amount=quote.total,
                refund_id=refund_id,
                provider_id=",".join(p.provider_id for p in refund_payments),
                declined=not moved,
            )
        )
        return refund

    def _apply(
        self, order: Order, items: list[RequestItem], moved: list[RefundPayment], now: datetime
    ) -> None:
        for item in items:
            if item.item_type == "PRODUCT":
                product = next(p for p in order.products if p.id == item.item_id)
                product.quantity_refunded += item.quantity or 0
                product.refund_amount += product.price * (item.quantity or 0) + item.adjustment
            elif item.item_type in ("SHIPPING", "HANDLING"):
                address = next(a for a in order.addresses if a.id == item.item_id)
                if item.item_type == "SHIPPING":
                    address.refunded_shipping += item.amount or ZERO
                else:
                    address.refunded_handling += item.amount or ZERO
        for payment in moved:
            customer = self.customers.get(order.customer_id)
            if payment.provider_id == "storecredit" and customer is not None:
                customer.store_credit += payment.amount
        # The order moves to Refunded / Partially Refunded [D-refunds FAQ] (inferred).
        fully = order.refundable_amount <= ZERO
        order.status_id = REFUNDED if fully else PARTIALLY_REFUNDED
        if order.captured:
            order.payment_status = "refunded" if fully else "partially refunded"
        order.modified = now
        # Refunds never restock inventory [D-refunds FAQ][KB-refunds]: nothing else changes.

    # -- promotions -----------------------------------------------------------------------

    def create_promotion(self, body: dict[str, Any], now: datetime) -> Promotion:
        promotion_id = self.next_promotion_id
        self.next_promotion_id += 1
        saved = _saved_promotion(promotion_id, body, now)
        promotion = Promotion(promotion_id, saved)
        self.promotions[promotion_id] = promotion
        self.ledger.append(LedgerEntry("promotion.create", at=now, promotion_id=promotion_id))
        return promotion

    def find_code(self, code: str) -> CouponCode | None:
        wanted = code.casefold()  # unverified: uniqueness taken as case-insensitive
        for promotion in self.promotions.values():
            for existing in promotion.codes:
                if existing.code.casefold() == wanted:
                    return existing
        return None

    def add_code(
        self, promotion: Promotion, code: str, max_uses: int, per_customer: int, now: datetime
    ) -> CouponCode:
        if promotion.body["redemption_type"] != "COUPON":
            raise promotions_error(422, "Coupon codes can only be added to COUPON promotions.")
        if self.find_code(code) is not None:
            # Codes are unique in the store [P3 CouponCode]; 409 Conflict is unverified.
            raise promotions_error(409, f"Coupon code '{code}' already exists.")
        coupon = CouponCode(self.next_code_id, promotion.id, code, max_uses, per_customer, now)
        self.next_code_id += 1
        promotion.codes.append(coupon)
        self.ledger.append(
            LedgerEntry("promotion.code", at=now, promotion_id=promotion.id, code=code)
        )
        return coupon

    def delete_promotion(self, promotion_id: int, now: datetime) -> None:
        # 204 whether or not it existed [P3 DELETE /promotions/{id}]; its codes go with it.
        if self.promotions.pop(promotion_id, None) is not None:
            self.ledger.append(LedgerEntry("promotion.delete", at=now, promotion_id=promotion_id))


def code_json(code: CouponCode) -> dict[str, Any]:
    return {
        "id": code.id,
        "code": code.code,
        "current_uses": code.current_uses,
        "max_uses": code.max_uses,
        "max_uses_per_customer": code.max_uses_per_customer,
        "created": iso(code.created),
    }


def _saved_promotion(promotion_id: int, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The stored promotion with the documented defaults filled in [P3 PromotionBase]."""
    rules = [
        {
            "action": r["action"],
            "apply_once": r.get("apply_once", True),
            "stop": r.get("stop", False),
        }
        | ({"condition": r["condition"]} if "condition" in r else {})
        for r in body["rules"]
    ]
    saved: dict[str, Any] = {
        "id": promotion_id,
        "redemption_type": body["redemption_type"],
        "name": body["name"],
        "display_name": body.get("display_name", ""),
        "channels": body.get("channels", []),
        "customer": body.get(
            "customer", {"group_ids": [], "excluded_group_ids": [], "minimum_order_count": 0}
        ),
        "rules": rules,
        "current_uses": 0,
        "max_uses": body.get("max_uses"),
        "status": body.get("status", "ENABLED"),
        "start_date": body.get("start_date", iso(now)),
        "end_date": body.get("end_date"),
        "stop": body.get("stop", False),
        "can_be_used_with_other_promotions": body.get("can_be_used_with_other_promotions", True),
        "currency_code": body.get("currency_code", "USD"),
        "notifications": body.get("notifications", []),
        "created_from": "api",
    }
    if body["redemption_type"] == "COUPON":
        saved["coupon_overrides_other_promotions"] = body.get(
            "coupon_overrides_other_promotions", False
        )
        saved["coupon_type"] = body.get("coupon_type", "SINGLE")
    for optional in ("shipping_address", "schedule"):
        if optional in body:
            saved[optional] = body[optional]
    return {k: v for k, v in saved.items() if v is not None}
