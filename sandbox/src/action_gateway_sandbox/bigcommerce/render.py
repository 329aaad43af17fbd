"""JSON renderings of the store's records, in the shapes of BigCommerce's published schemas."""

from __future__ import annotations

import math
from typing import Any

from .state import (
    STATUS_NAMES,
    STORE_CURRENCY,
    ZERO,
    Customer,
    Order,
    OrderProduct,
    Refund,
    ShippingAddress,
    iso,
    rfc2822,
    v2_money,
    v3_money,
)
from .store import Store

_API = "https://api.bigcommerce.com/stores/{store_hash}/v2"


def order(o: Order, store_hash: str) -> dict[str, Any]:
    """The V2 order (order_Resp): money as 4-decimal strings, dates RFC 2822 [O2]."""
    base = _API.format(store_hash=store_hash) + f"/orders/{o.id}"
    subtotal, shipping, handling, total = o.subtotal, o.shipping, o.handling, o.total
    return {
        "id": o.id,
        "customer_id": o.customer_id,
        "date_created": rfc2822(o.created),
        "date_modified": rfc2822(o.modified),
        "date_shipped": rfc2822(o.shipped),
        "status_id": o.status_id,
        "status": STATUS_NAMES[o.status_id],
        "subtotal_ex_tax": v2_money(subtotal),
        "subtotal_inc_tax": v2_money(subtotal),
        "subtotal_tax": v2_money(ZERO),
        "base_shipping_cost": v2_money(shipping),
        "shipping_cost_ex_tax": v2_money(shipping),
        "shipping_cost_inc_tax": v2_money(shipping),
        "shipping_cost_tax": v2_money(ZERO),
        "shipping_cost_tax_class_id": 0,
        "base_handling_cost": v2_money(handling),
        "handling_cost_ex_tax": v2_money(handling),
        "handling_cost_inc_tax": v2_money(handling),
        "handling_cost_tax": v2_money(ZERO),
        "handling_cost_tax_class_id": 0,
        "base_wrapping_cost": v2_money(ZERO),
        "wrapping_cost_ex_tax": v2_money(ZERO),
        "wrapping_cost_inc_tax": v2_money(ZERO),
        "wrapping_cost_tax": v2_money(ZERO),
        "wrapping_cost_tax_class_id": 0,
        "total_ex_tax": v2_money(total),
        "total_inc_tax": v2_money(total),
        "total_tax": v2_money(ZERO),
        "items_total": sum(p.quantity for p in o.products),
        "items_shipped": sum(p.quantity_shipped for p in o.products),
        "payment_method": o.gateway.payment_method,
        "payment_provider_id": f"pp-{o.id}" if o.payment_status else "",
        "payment_status": o.payment_status,
        "refunded_amount": v2_money(o.refunded_amount),
        "order_is_digital": False,
        "store_credit_amount": v2_money(ZERO),
        "gift_certificate_amount": v2_money(ZERO),
        "ip_address": "192.0.2.10",
        "geoip_country": "United States",
        "geoip_country_iso2": "US",
        "currency_id": 1,
        "currency_code": STORE_CURRENCY,
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": STORE_CURRENCY,
        "store_default_currency_code": STORE_CURRENCY,
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "staff_notes": o.staff_notes,
        "customer_message": o.customer_message,
        "discount_amount": v2_money(ZERO),
        "coupon_discount": v2_money(ZERO),
        "shipping_address_count": len(o.addresses),
        "is_deleted": False,
        "ebay_order_id": "0",
        "is_email_opt_in": False,
        "order_source": "www",
        "channel_id": 1,
        "external_source": o.external_source,
        "external_id": None,
        "external_merchant_id": None,
        "tax_provider_id": "BasicTaxProvider",
        "customer_locale": "en",
        "external_order_id": o.external_order_id,
        "is_tax_inclusive_pricing": False,
        "billing_address": {
            "first_name": o.first_name,
            "last_name": o.last_name,
            "company": "",
            "street_1": "666 Sussex St",
            "street_2": "",
            "city": "Austin",
            "state": "Texas",
            "zip": "78751",
            "country": "United States",
            "country_iso2": "US",
            "phone": o.addresses[0].phone if o.addresses else "",
            "email": o.email,
            "form_fields": [],
        },
        "products": {"url": f"{base}/products", "resource": f"/orders/{o.id}/products"},
        "shipping_addresses": {
            "url": f"{base}/shipping_addresses",
            "resource": f"/orders/{o.id}/shipping_addresses",
        },
        "coupons": {"url": f"{base}/coupons", "resource": f"/orders/{o.id}/coupons"},
    }


def product(o: Order, p: OrderProduct) -> dict[str, Any]:
    """An order product (orderProducts; additionalProperties false) [O2]."""
    total = p.price * p.quantity
    return {
        "id": p.id,
        "order_id": o.id,
        "product_id": p.product_id,
        "variant_id": p.variant_id,
        "order_address_id": p.order_address_id,
        "name": p.name,
        "name_customer": p.name,
        "name_merchant": p.name,
        "sku": p.sku,
        "upc": "",
        "type": "physical",
        "base_price": v2_money(p.price),
        "price_ex_tax": v2_money(p.price),
        "price_inc_tax": v2_money(p.price),
        "price_tax": v2_money(ZERO),
        "base_total": v2_money(total),
        "total_ex_tax": v2_money(total),
        "total_inc_tax": v2_money(total),
        "total_tax": v2_money(ZERO),
        "quantity": p.quantity,
        "base_cost_price": v2_money(ZERO),
        "cost_price_inc_tax": v2_money(ZERO),
        "cost_price_ex_tax": v2_money(ZERO),
        "cost_price_tax": v2_money(ZERO),
        "width": "0.0000",
        "height": "0.0000",
        "depth": "0.0000",
        "is_refunded": p.quantity_refunded > 0,
        "quantity_refunded": p.quantity_refunded,
        "refund_amount": v2_money(p.refund_amount),
        "return_id": 0,
        "wrapping_id": 0,
        "wrapping_name": None,
        "wrapping_cost_ex_tax": v2_money(ZERO),
        "wrapping_cost_inc_tax": v2_money(ZERO),
        "wrapping_cost_tax": v2_money(ZERO),
        "wrapping_message": "",
        "quantity_shipped": p.quantity_shipped,
        "event_name": None,
        "event_date": None,
        "fixed_shipping_cost": v2_money(ZERO),
        "ebay_item_id": "",
        "ebay_transaction_id": "",
        "option_set_id": None,
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "bin_picking_number": "",
        "external_id": None,
        "brand": "",
        "applied_discounts": [],
        "product_options": [],
        "configurable_fields": [],
        "gift_certificate_id": None,
        "discounted_total_inc_tax": v2_money(total),
    }


def address(o: Order, a: ShippingAddress, store_hash: str) -> dict[str, Any]:
    """An order shipping address (orderShippingAddress) [O2]."""
    url = _API.format(store_hash=store_hash) + f"/orders/{o.id}/shipping_addresses/{a.id}"
    return {
        "id": a.id,
        "order_id": o.id,
        "first_name": a.first_name,
        "last_name": a.last_name,
        "company": a.company,
        "street_1": a.street_1,
        "street_2": a.street_2,
        "city": a.city,
        "zip": a.zip,
        "country": a.country,
        "country_iso2": a.country_iso2,
        "state": a.state,
        "email": a.email,
        "phone": a.phone,
        "items_total": sum(p.quantity for p in o.products if p.order_address_id == a.id),
        "items_shipped": sum(p.quantity_shipped for p in o.products if p.order_address_id == a.id),
        "shipping_method": a.shipping_method,
        "base_cost": v2_money(a.cost),
        "cost_ex_tax": v2_money(a.cost),
        "cost_inc_tax": v2_money(a.cost),
        "cost_tax": v2_money(ZERO),
        "cost_tax_class_id": 0,
        "base_handling_cost": v2_money(a.handling),
        "handling_cost_ex_tax": v2_money(a.handling),
        "handling_cost_inc_tax": v2_money(a.handling),
        "handling_cost_tax": v2_money(ZERO),
        "handling_cost_tax_class_id": 0,
        "shipping_zone_id": 1,
        "shipping_zone_name": "United States",
        "form_fields": [],
        "shipping_quotes": {
            "url": f"{url}/shipping_quotes",
            "resource": f"/orders/{o.id}/shipping_addresses/{a.id}/shipping_quotes",
        },
    }


def order_statuses(store: Store) -> list[dict[str, Any]]:
    del store
    return [
        {"id": i, "name": n, "system_label": n, "custom_label": n, "system_description": "",
         "order": i}
        for i, n in STATUS_NAMES.items()
    ]  # fmt: skip


def refund(r: Refund) -> dict[str, Any]:
    """The V3 Refund object [O3 schemas/Refund]."""
    items = []
    for i in r.items:
        item: dict[str, Any] = {"item_type": i.item_type, "item_id": i.item_id, "reason": i.reason}
        if i.quantity is not None:
            item["quantity"] = i.quantity
        if i.requested_amount is not None:
            item["requested_amount"] = v3_money(i.requested_amount)
        items.append(item)
    return {
        "id": r.id,
        "order_id": r.order_id,
        "user_id": r.user_id,
        "created": iso(r.created),
        "reason": r.reason,
        "total_amount": v3_money(r.total_amount),
        "total_tax": 0.0,
        "uses_merchant_override_values": False,
        "items": items,
        "payments": [
            {
                "id": p.id,
                "provider_id": p.provider_id,
                "amount": v3_money(p.amount),
                "offline": p.offline,
                "is_declined": p.is_declined,
                "declined_message": p.declined_message,
                "transaction_id": p.transaction_id,
            }
            for p in r.payments
        ],
    }


def pagination(total: int, page: int, per_page: int) -> dict[str, Any]:
    """Collection meta {pagination: {total, count, per_page, current_page, ...}} [C3]."""
    pages = max(1, math.ceil(total / per_page))
    count = max(0, min(per_page, total - (page - 1) * per_page))
    links: dict[str, str] = {"current": f"?page={page}&limit={per_page}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={per_page}"
    if page < pages:
        links["next"] = f"?page={page + 1}&limit={per_page}"
    return {
        "pagination": {
            "total": total,
            "count": count,
            "per_page": per_page,
            "current_page": page,
            "total_pages": pages,
            "links": links,
        }
    }


def customers(store: Store, query: dict[str, Any]) -> dict[str, Any]:
    """GET /v3/customers with the in-list filters [C3]."""
    found = sorted(store.customers.values(), key=lambda c: c.id)
    if "id:in" in query:
        found = [c for c in found if c.id in query["id:in"]]
    if "email:in" in query:
        # unverified: email matching taken as case-insensitive
        emails = {e.casefold() for e in query["email:in"]}
        found = [c for c in found if c.email.casefold() in emails]
    if "phone:in" in query:
        # Phone matches the stored string exactly [§6].
        found = [c for c in found if c.phone in query["phone:in"]]
    if "name:in" in query:
        names = set(query["name:in"])
        found = [c for c in found if f"{c.first_name} {c.last_name}" in names]
    sort = query.get("sort")
    if sort:
        field, _, direction = sort.partition(":")
        attr = {"date_created": "created", "date_modified": "created", "last_name": "last_name"}
        found.sort(key=lambda c: getattr(c, attr[field]), reverse=direction == "desc")
    page, limit = query.get("page", 1), query.get("limit", 50)
    window = found[(page - 1) * limit : page * limit]
    include = query.get("include", set())
    data = [customer(c, include) for c in window]
    return {"data": data, "meta": pagination(len(found), page, limit)}


def customer(c: Customer, include: set[str]) -> dict[str, Any]:
    """One customer_Full; ``include`` as the GET's include values."""
    item: dict[str, Any] = {
        "id": c.id,
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company": c.company,
        "phone": c.phone,
        "notes": "",
        "tax_exempt_category": "",
        "customer_group_id": 0,
        "date_created": iso(c.created),
        "date_modified": iso(c.created),
        "address_count": 0,
        "attribute_count": 0,
        "authentication": {"force_password_reset": False},
        "registration_ip_address": "",
        "accepts_product_review_abandoned_cart_emails": False,
        "origin_channel_id": 1,
        "channel_ids": [1],
    }
    if "storecredit" in include:
        item["store_credit_amounts"] = [{"amount": v3_money(c.store_credit)}]
    if "addresses" in include:
        item["addresses"] = []
    return item
