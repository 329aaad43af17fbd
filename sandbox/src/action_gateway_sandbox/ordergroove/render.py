"""Records as Ordergroove's JSON: field lists from the reference pages [§1.4][§1.6][§1.7]."""

from __future__ import annotations

from typing import Any

from .seed import MERCHANT_ID
from .state import (
    ZERO,
    Customer,
    Item,
    Order,
    Product,
    Subscription,
    frequency_days,
    money,
    og_date,
    og_datetime,
)


def customer(c: Customer) -> dict[str, Any]:
    return {
        "merchant": MERCHANT_ID,
        "merchant_user_id": c.merchant_user_id,
        "session_id": f"{MERCHANT_ID}.{c.merchant_user_id}",
        "user_token_id": "",
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "phone_number": c.phone_number,
        "phone_type": "mobile",
        "live": True,
        "created": og_datetime(c.created),
        "last_updated": og_datetime(c.created),
        "last_login": None,
        "extra_data": None,
        "locale": "en-US",
    }


def product(p: Product) -> dict[str, Any]:
    return {
        "merchant": MERCHANT_ID,
        "external_product_id": p.external_product_id,
        "name": p.name,
        "price": money(p.price),
        "autoship_enabled": True,
        "discontinued": False,
    }


def subscription(s: Subscription) -> dict[str, Any]:
    body: dict[str, Any] = {
        "public_id": s.public_id,
        "customer": s.customer,
        "merchant": MERCHANT_ID,
        "product": s.product,
        "payment": s.payment,
        "shipping_address": s.shipping_address,
        "offer": None,
        "offer_profile_public_id": None,
        "subscription_type": "Replenish",
        "components": [],
        "extra_data": None,
        "product_attribute": None,
        "quantity": s.quantity,
        "price": money(s.price),
        "frequency_days": frequency_days(s.every, s.every_period),
        "reminder_days": 3,
        "every": s.every,
        "every_period": s.every_period,
        "start_date": og_date(s.start_date),
        "cancelled": None if s.cancelled is None else og_datetime(s.cancelled),
        "cancel_reason": s.cancel_reason,
        "cancel_reason_code": s.cancel_reason_code,
        "merchant_order_id": None,
        "created": og_datetime(s.created),
        "updated": og_datetime(s.updated),
        "live": s.live,
    }
    if s.prepaid_context:
        # Present only for prepaid subscriptions [§1.6].
        body["prepaid_subscription_context"] = dict(s.prepaid_context)
    return body


def order(o: Order) -> dict[str, Any]:
    return {
        "public_id": o.public_id,
        "customer": o.customer,
        "merchant": MERCHANT_ID,
        "payment": o.payment,
        "shipping_address": o.shipping_address,
        "sub_total": money(o.sub_total),
        "tax_total": money(ZERO),
        "shipping_total": money(o.shipping_total if o.items else ZERO),
        "discount_total": money(ZERO),
        "total": money(o.total),
        "created": og_datetime(o.created),
        "updated": og_datetime(o.updated),
        "place": og_datetime(o.place),
        "cancelled": None if o.cancelled is None else og_datetime(o.cancelled),
        "tries": 0,
        "generic_error_count": 0,
        "status": o.status,
        "type": 1,
        "order_merchant_id": None,
        "merchant_order_id": None,
        "rejected_message": None,
        "extra_data": None,
        "locked": o.locked,
        "oos_free_shipping": False,
    }


def item(i: Item) -> dict[str, Any]:
    return {
        "public_id": i.public_id,
        "order": i.order,
        "subscription": i.subscription,
        "offer": None,
        "product": i.product,
        "quantity": i.quantity,
        "price": money(i.price),
        "total_price": money(i.total),
        "total_cost": money(i.total),
        "extra_cost": money(ZERO),
        "one_time": i.one_time,
        "components": [],
        "created": og_datetime(i.created),
    }
