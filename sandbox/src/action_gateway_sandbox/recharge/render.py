"""JSON bodies in Recharge's 2021-11 shapes: snake_case keys, ISO 8601 UTC dates, money as
strings, platform ids under `external_*` objects [§2.1]."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .state import CURRENCY, Charge, Customer, Subscription, iso
from .store import Store


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def _day(value: date | None) -> str | None:
    # Charge dates are calendar dates, e.g. "2021-12-17" [§2.3 next_charge_scheduled_at].
    return value.isoformat() if value else None


def customer(c: Customer, store: Store) -> dict[str, Any]:
    return {
        "id": c.id,
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "phone": c.phone,
        "external_customer_id": {"ecommerce": c.external_id},  # [§2.2]
        "hash": c.hash,
        "tax_exempt": False,
        "has_valid_payment_method": True,
        "has_payment_method_in_dunning": False,
        "subscriptions_active_count": store.subscriptions_count(c.id, active_only=True),
        "subscriptions_total_count": store.subscriptions_count(c.id, active_only=False),
        "created_at": iso(c.created),
        "updated_at": iso(c.updated),
    }


def subscription(s: Subscription, store: Store, status_case: str = "lower") -> dict[str, Any]:
    status = s.status.upper() if status_case == "upper" else s.status  # case unverified [§2.4]
    return {
        "id": s.id,
        "address_id": s.address_id,
        "customer_id": s.customer_id,
        "status": status,
        "next_charge_scheduled_at": _day(s.next_charge),
        "order_interval_frequency": s.order_interval_frequency,
        "order_interval_unit": s.order_interval_unit,
        "charge_interval_frequency": s.charge_interval_frequency,
        "order_day_of_month": None,
        "order_day_of_week": None,
        "quantity": s.quantity,
        "price": money(s.price),
        "presentment_currency": CURRENCY,
        "product_title": s.product_title,
        "variant_title": s.variant_title,
        "sku": s.sku,
        "external_product_id": {"ecommerce": s.external_product_id},
        "external_variant_id": {"ecommerce": s.external_variant_id},
        "is_prepaid": s.is_prepaid,
        "is_skippable": s.is_skippable,
        "is_swappable": s.is_swappable,
        "has_queued_charges": store.has_queued_charges(s.id),
        "expire_after_specific_number_of_charges": s.expire_after,
        "cancelled_at": iso(s.cancelled_at) if s.cancelled_at else None,
        "cancellation_reason": s.cancellation_reason,
        "cancellation_reason_comments": s.cancellation_reason_comments,
        "created_at": iso(s.created),
        "updated_at": iso(s.updated),
    }


def charge(ch: Charge, store: Store) -> dict[str, Any]:
    c = store.customers[ch.customer_id]
    subtotal = sum((i.total for i in ch.line_items), Decimal(0))
    return {
        "id": ch.id,
        "address_id": ch.address_id,
        # unverified: 2021-11 nests the customer instead of a top-level customer_id.
        "customer": {
            "id": c.id,
            "email": c.email,
            "external_customer_id": {"ecommerce": c.external_id},
            "hash": c.hash,
        },
        "status": ch.status,
        "type": "recurring",
        "scheduled_at": _day(ch.scheduled_at),
        "processed_at": iso(ch.processed_at) if ch.processed_at else None,
        "currency": CURRENCY,
        "subtotal_price": money(subtotal),
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "total_price": money(subtotal),
        "line_items": [
            {
                "purchase_item_id": i.purchase_item_id,
                "purchase_item_type": i.purchase_item_type,
                "title": i.title,
                "variant_title": i.variant_title,
                "sku": i.sku,
                "quantity": i.quantity,
                "unit_price": money(i.unit_price),
                "total_price": money(i.total),
                "external_product_id": {"ecommerce": i.external_product_id},
                "external_variant_id": {"ecommerce": i.external_variant_id},
            }
            for i in ch.line_items
        ],
        "created_at": iso(ch.created),
        "updated_at": iso(ch.updated),
    }
