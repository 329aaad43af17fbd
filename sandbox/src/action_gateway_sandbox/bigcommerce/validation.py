"""In-process request validation with BigCommerce's published rules (no spec files at runtime).

Each function returns the validated value or raises `ApiError` in the API family's shape.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from .state import (
    STATUS_NAMES,
    ApiError,
    promotions_error,
    refund_error,
    v2_error,
    v3_error,
)
from .store import RequestItem

_V3_INVALID = "JSON data is missing or invalid"  # [O3 422_UnprocessableEntity example]
_ORDER_SORT = ("id", "customer_id", "date_created", "date_modified", "status_id", "channel_id",
               "external_id")  # fmt: skip
_CODE = re.compile(r"^[A-Za-z0-9 _-]{1,50}$")  # letters, digits, spaces, _ and -, <= 50 [P3]
_MONEY = re.compile(r"^[0-9]+(\.[0-9]+)?$")  # [P3 Money pattern]
# Fields of order_Put the sandbox stores; other writable ones are refused as unmodelled.
_ORDER_WRITABLE = {"status_id", "staff_notes", "customer_message"}
# Read-only order fields (order_RespOnly) and renamed-status text [O2; bigcommerce-api-python #82].
_ORDER_READ_ONLY = {"id", "status", "custom_status", "date_modified", "date_shipped", "cart_id",
    "payment_status", "store_credit_amount", "gift_certificate_amount", "currency_id",
    "currency_code", "currency_exchange_rate", "default_currency_id", "default_currency_code",
    "store_default_currency_code", "coupon_discount", "shipping_address_count", "is_deleted",
    "total_tax", "products", "shipping_addresses", "coupons", "external_id"}  # fmt: skip
_PROMOTION_FIELDS = {"name", "display_name", "redemption_type", "channels", "customer", "rules",
    "max_uses", "status", "start_date", "end_date", "stop", "can_be_used_with_other_promotions",
    "currency_code", "notifications", "shipping_address", "schedule",
    "coupon_overrides_other_promotions",
    "coupon_overrides_automatic_when_offering_higher_discounts", "coupon_type"}  # fmt: skip


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decimal(value: int | float) -> Decimal:
    return Decimal(str(value))


# -- V2 orders ----------------------------------------------------------------------------


def v2_int(params: dict[str, str], name: str, *, minimum: int = 0) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"\d+", raw) or int(raw) < minimum:
        raise v2_error(400, f"The field '{name}' is invalid.")  # unverified wording
    return int(raw)


def order_sort(raw: str | None) -> tuple[str, bool]:
    """`sort=field[:asc|:desc]`, default id ascending [O2 GET /orders]."""
    if raw is None:
        return "id", False
    name, _, direction = raw.partition(":")
    if name not in _ORDER_SORT or direction not in ("", "asc", "desc"):
        raise v2_error(400, "The field 'sort' is invalid.")  # unverified wording
    return name, direction == "desc"


def order_update(body: object) -> dict[str, Any]:
    """PUT /v2/orders/{id}: a partial order_Put; read-only fields give V2 400s."""
    if not isinstance(body, dict) or not body:
        raise v2_error(400, "The request body must be a JSON object.")  # unverified wording
    for name in body:
        if name in _ORDER_READ_ONLY or name not in _ORDER_WRITABLE:
            # [bigcommerce-api-python #82] "The field 'custom_status' is not supported ..."
            raise v2_error(400, f"The field '{name}' is not supported by this resource.")
    if "status_id" in body and (
        not is_int(body["status_id"]) or body["status_id"] not in STATUS_NAMES
    ):
        raise v2_error(400, "The field 'status_id' is invalid.")  # unverified wording
    for text in ("staff_notes", "customer_message"):
        if text in body and not isinstance(body[text], str):
            raise v2_error(400, f"The field '{text}' is invalid.")
    if len(body.get("staff_notes", "")) > 65535:  # [O2 order_Put.staff_notes maxLength]
        raise v2_error(400, "The field 'staff_notes' is invalid.")
    return body


# Fields of order_Post the sandbox stores or accepts [O2 order_Post + order_Shared].
_ORDER_POST = {"products", "billing_address", "shipping_addresses", "customer_id", "status_id",
    "staff_notes", "customer_message", "external_source", "external_order_id", "payment_method",
    "shipping_cost_ex_tax", "shipping_cost_inc_tax"}  # fmt: skip


def order_create(body: object) -> dict[str, Any]:
    """POST /v2/orders: products and billing_address required, billing zip >= 2 [O2 359, 4189]."""
    if not isinstance(body, dict) or not body:
        raise v2_error(400, "The request body must be a JSON object.")  # unverified wording
    for name in body:
        if name not in _ORDER_POST:
            raise v2_error(400, f"The field '{name}' is not supported by this resource.")
    products = body.get("products")
    if not isinstance(products, list) or not products:
        raise v2_error(400, "The field 'products' is invalid.")
    for product in products:
        if (
            not isinstance(product, dict)
            or not is_int(product.get("product_id"))
            or not is_int(product.get("quantity"))
            or product["quantity"] < 1
            or ("variant_id" in product and not is_int(product["variant_id"]))
        ):
            raise v2_error(400, "The field 'products' is invalid.")
        for price in ("price_inc_tax", "price_ex_tax"):
            if price in product and (not is_number(product[price]) or product[price] < 0):
                raise v2_error(400, f"The field '{price}' is invalid.")
    billing = body.get("billing_address")
    if not isinstance(billing, dict):
        raise v2_error(400, "The required field 'billing_address' was not supplied.")
    if not isinstance(billing.get("zip"), str) or len(billing["zip"]) < 2:
        raise v2_error(400, "The field 'zip' is invalid.")
    shipping = body.get("shipping_addresses", [])
    if not isinstance(shipping, list) or not all(isinstance(a, dict) for a in shipping):
        raise v2_error(400, "The field 'shipping_addresses' is invalid.")
    if "status_id" in body and (
        not is_int(body["status_id"]) or body["status_id"] not in STATUS_NAMES
    ):
        raise v2_error(400, "The field 'status_id' is invalid.")
    if "customer_id" in body and not is_int(body["customer_id"]):
        raise v2_error(400, "The field 'customer_id' is invalid.")
    for text in ("staff_notes", "customer_message", "external_order_id"):
        if text in body and not isinstance(body[text], str):
            raise v2_error(400, f"The field '{text}' is invalid.")
    return body


_ADDRESS_WRITABLE = {"first_name", "last_name", "company", "street_1", "street_2", "city",
                     "state", "zip", "country", "country_iso2", "phone", "email",
                     "shipping_method"}  # fmt: skip
"""shippingAddress_Put: shippingAddress_Base + shipping_method (form_fields not modelled)."""


def shipping_address_update(body: object) -> dict[str, str]:
    """PUT /v2/orders/{id}/shipping_addresses/{id}: read-only fields give the spec's V2 400."""
    if not isinstance(body, dict) or not body:
        raise v2_error(400, "The request body must be a JSON object.")  # unverified wording
    for name, value in body.items():
        if name not in _ADDRESS_WRITABLE:
            # [O2 updateOrderShippingAddress 400 example], verbatim.
            raise v2_error(
                400,
                f"The field '{name}' cannot be written to. Please remove it from your request "
                "before trying again.",
            )
        if not isinstance(value, str):
            raise v2_error(400, f"The field '{name}' is invalid.")  # unverified wording
    return body


# -- V3 customers ---------------------------------------------------------------------------

CUSTOMER_PARAMS = {"page", "limit", "id:in", "email:in", "phone:in", "name:in", "include",
                   "sort"}  # fmt: skip
CUSTOMER_SORTS = ("date_created:asc", "date_created:desc", "last_name:asc", "last_name:desc",
                  "date_modified:asc", "date_modified:desc")  # fmt: skip


def customer_query(params: dict[str, str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    for name in params:
        if name not in CUSTOMER_PARAMS:
            errors[name] = "is not a supported filter"  # unverified: the safe reading
    query: dict[str, Any] = {}
    for name in ("page", "limit"):
        raw = params.get(name)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            errors[name] = "must be a positive integer"
        elif raw is not None:
            query[name] = int(raw)
    if query.get("limit", 0) > 250:
        errors["limit"] = "must be at most 250"
    if "id:in" in params:
        ids = params["id:in"].split(",")
        if not all(i.strip().isdigit() for i in ids):
            errors["id:in"] = "must be a comma separated list of integers"
        else:
            query["id:in"] = {int(i) for i in ids}
    for name in ("email:in", "phone:in", "name:in"):
        if name in params:
            values = [v.strip() for v in params[name].split(",") if v.strip()]
            if not values:
                errors[name] = "must not be empty"
            query[name] = values
    if "include" in params:
        allowed = {"addresses", "storecredit", "attributes", "formfields", "shopper_profile_id",
                   "segment_ids"}  # fmt: skip
        if not set(params["include"].split(",")) <= allowed:
            errors["include"] = "contains an unknown value"
        query["include"] = set(params["include"].split(","))
    if "sort" in params and params["sort"] not in CUSTOMER_SORTS:
        errors["sort"] = "is not a valid sort"
    query["sort"] = params.get("sort")
    if errors:
        raise v3_error(422, "The filter(s) provided are invalid.", errors)  # [C3 422]
    return query


# -- V3 refunds -----------------------------------------------------------------------------


def _amount(value: object, where: str, errors: dict[str, str]) -> Decimal | None:
    # Amount: a JSON number, non-negative, rounded to 2 decimals [O3 Amount].
    if not is_number(value):
        errors[where] = "must be a number"
        return None
    assert isinstance(value, int | float)
    amount = _decimal(value)
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        errors[where] = "must be a non-negative amount with at most 2 decimals"
        return None
    return amount


def refund_items(body: object, *, for_refund: bool) -> list[RequestItem]:
    """`items` of RefundQuote_Post / RefundRequest_Post (tax_adjustment_amount unmodelled)."""
    errors: dict[str, str] = {}
    allowed = {"items", "payments", "merchant_calculated_override"} if for_refund else {"items"}
    if not isinstance(body, dict):
        raise _invalid({"body": "must be a JSON object"}, for_refund)
    for name in body:
        if name not in allowed:
            errors[name] = "is not supported by this resource"
    if "merchant_calculated_override" in body:
        errors["merchant_calculated_override"] = "is not supported by the sandbox"
    raw_items = body.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        errors["items"] = "is required and must be a non-empty array"
        raise _invalid(errors, for_refund)
    items: list[RequestItem] = []
    for index, raw in enumerate(raw_items):
        item = _item(raw, f"items.{index}", errors)
        if item is not None:
            items.append(item)
    if errors:
        raise _invalid(errors, for_refund)
    return items


def _item(raw: object, where: str, errors: dict[str, str]) -> RequestItem | None:
    if not isinstance(raw, dict):
        errors[where] = "must be an object"
        return None
    kind = raw.get("item_type")
    quantity_bound = kind in ("PRODUCT", "GIFT_WRAPPING")  # [O3 QuantityBoundItem]
    if kind not in ("PRODUCT", "GIFT_WRAPPING", "ORDER", "SHIPPING", "HANDLING", "TAX", "FEE"):
        errors[f"{where}.item_type"] = "is not a valid item type"
        return None
    fields = {"item_type", "item_id", "reason"} | (
        {"quantity", "adjustments", "amount"} if quantity_bound else {"amount"}
    )
    for name in raw:
        if name not in fields:
            errors[f"{where}.{name}"] = "is not supported by this resource"
    item_id = raw.get("item_id")
    if not is_int(item_id):
        errors[f"{where}.item_id"] = "is required and must be an integer"
    reason = raw.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 1000:  # reason: 0-1000 chars [O3]
        errors[f"{where}.reason"] = "must be a string of at most 1000 characters"
        reason = ""
    if quantity_bound:
        quantity = raw.get("quantity")
        if not is_int(quantity):
            errors[f"{where}.quantity"] = "is required and must be an integer"
        adjustment = Decimal(0)
        for n, adj in enumerate(raw.get("adjustments", [])):
            amount = adj.get("amount") if isinstance(adj, dict) else None
            # Adjustments are negative numbers that reduce the refunded amount [O3].
            if not is_number(amount) or _decimal(amount) >= 0:  # type: ignore[arg-type]
                errors[f"{where}.adjustments.{n}.amount"] = "must be a negative number"
            else:
                adjustment += _decimal(amount)  # type: ignore[arg-type]
        # `amount` is ignored for PRODUCT / GIFT_WRAPPING [O3 Amount].
        if errors:
            return None
        return RequestItem(
            str(kind), int(str(item_id)), int(str(quantity)), None, reason, adjustment
        )
    if "amount" not in raw:
        errors[f"{where}.amount"] = "is required"
        return None
    amount = _amount(raw["amount"], f"{where}.amount", errors)
    if amount is None or not is_int(item_id):
        return None
    return RequestItem(str(kind), int(str(item_id)), None, amount, reason)


def refund_payments(body: dict[str, Any]) -> list[tuple[str, Decimal, bool]]:
    """`payments` of RefundRequest_Post: required; each {provider_id, amount, offline}."""
    errors: dict[str, str] = {}
    raw_payments = body.get("payments")
    if not isinstance(raw_payments, list) or not raw_payments:
        raise _invalid({"payments": "is required and must be a non-empty array"}, True)
    payments: list[tuple[str, Decimal, bool]] = []
    for index, raw in enumerate(raw_payments):
        where = f"payments.{index}"
        if not isinstance(raw, dict):
            errors[where] = "must be an object"
            continue
        for name in raw:
            if name not in ("provider_id", "amount", "offline", "provider_description"):
                errors[f"{where}.{name}"] = "is not supported by this resource"
        provider = raw.get("provider_id")
        offline = raw.get("offline", False)
        if not isinstance(provider, str) or not provider:
            errors[f"{where}.provider_id"] = "is required"  # unverified: spec marks none required
        if not isinstance(offline, bool):
            errors[f"{where}.offline"] = "must be a boolean"
        amount = _amount(raw.get("amount"), f"{where}.amount", errors)
        if amount is not None and isinstance(provider, str) and isinstance(offline, bool):
            payments.append((provider, amount, offline))
    if errors:
        raise _invalid(errors, True)
    return payments


def _invalid(errors: dict[str, str], for_refund: bool) -> ApiError:
    if for_refund:
        field, message = next(iter(errors.items()))
        return refund_error(422, f"{_V3_INVALID}: {field} {message}")
    return v3_error(422, _V3_INVALID, errors)


# -- promotions -----------------------------------------------------------------------------


def _money_string(value: object, name: str, *, maximum: Decimal | None = None) -> None:
    # Discount amounts are strings; fixed_amount matches [0-9]+(\.[0-9]+)? [P3 Money].
    if not isinstance(value, str) or not _MONEY.fullmatch(value):
        raise promotions_error(422, f'{name} must be a string amount such as "10.00".')
    amount = Decimal(value)
    if amount <= 0 or (maximum is not None and amount > maximum):
        raise promotions_error(422, f"{name} is out of range.")


def _discount(discount: object) -> None:
    # Discount is oneOf {percentage_amount} | {fixed_amount} [P3 Discount].
    if not isinstance(discount, dict) or len(discount) != 1:
        raise promotions_error(
            422, "A discount needs exactly one of percentage_amount, fixed_amount."
        )
    if "percentage_amount" in discount:
        _money_string(discount["percentage_amount"], "percentage_amount", maximum=Decimal(100))
    elif "fixed_amount" in discount:
        _money_string(discount["fixed_amount"], "fixed_amount")
    else:
        raise promotions_error(
            422, "A discount needs exactly one of percentage_amount, fixed_amount."
        )


def _action(action: object, categories: set[int]) -> None:
    if not isinstance(action, dict) or len(action) != 1:
        raise promotions_error(422, "A rule needs exactly one action.")
    if "cart_value" in action:  # order-level discount [P3 CartValueAction]
        value = action["cart_value"]
        if not isinstance(value, dict) or set(value) - {
            "discount",
            "maximum_allowed_discount_amount",
        }:
            raise promotions_error(422, "cart_value is invalid.")
        _discount(value.get("discount"))
        return
    if "cart_items" in action:  # [P3 CartItemsAction, CategoriesItemMatcher]
        value = action["cart_items"]
        known = {"discount", "maximum_allowed_discount_amount", "as_total", "items", "strategy",
                 "quantity", "exclude_items_on_sale", "include_items_considered_by_condition",
                 "add_free_item"}  # fmt: skip
        if not isinstance(value, dict) or set(value) - known:
            raise promotions_error(422, "cart_items is invalid.")
        _discount(value.get("discount"))
        items = value.get("items")
        if items is not None:
            ids = items.get("categories") if isinstance(items, dict) and len(items) == 1 else None
            if not isinstance(ids, list) or not ids or not all(is_int(i) for i in ids):
                raise promotions_error(422, 'items must be {"categories": [ids]} in the sandbox.')
            missing = [i for i in ids if i not in categories]
            if missing:
                raise promotions_error(422, f"Categories {missing} do not exist.")
        return
    raise promotions_error(422, "The sandbox models cart_value and cart_items actions only.")


def _date(value: object, name: str) -> datetime | None:
    if value is None and name == "end_date":
        return None  # end_date null = never expires [P3]
    try:
        moment = datetime.fromisoformat(str(value)) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        # ISO 8601 with an offset, e.g. 2026-12-31T23:59:59+00:00 [P3]
        raise promotions_error(422, f"{name} must be an ISO 8601 date with an offset.")
    return moment


def promotion(body: object, categories: set[int]) -> dict[str, Any]:
    """POST /v3/promotions: DraftCouponPromotion (or DraftAutomaticPromotion) [P3]."""
    if not isinstance(body, dict):
        raise promotions_error(422, "The request body must be a JSON object.")
    unknown = sorted(set(body) - _PROMOTION_FIELDS)
    if unknown:
        raise promotions_error(422, f"Unknown field(s): {', '.join(unknown)}.")
    for required in ("redemption_type", "name", "rules"):
        if required not in body:
            raise promotions_error(422, f"The field '{required}' is required.")
    if body["redemption_type"] not in ("COUPON", "AUTOMATIC"):
        raise promotions_error(422, "redemption_type must be COUPON or AUTOMATIC.")
    if not isinstance(body["name"], str) or not body["name"].strip():
        raise promotions_error(422, "name must be a non-empty string.")
    rules = body["rules"]
    if not isinstance(rules, list) or not rules:
        raise promotions_error(422, "rules must be a non-empty array.")
    for rule in rules:
        if not isinstance(rule, dict) or "action" not in rule:
            raise promotions_error(422, "Each rule needs an action.")  # [P3 Rule required]
        if set(rule) - {"action", "apply_once", "stop", "condition"}:
            raise promotions_error(422, "A rule has unknown fields.")
        for flag in ("apply_once", "stop"):
            if flag in rule and not isinstance(rule[flag], bool):
                raise promotions_error(422, f"{flag} must be a boolean.")
        _action(rule["action"], categories)
    if "status" in body and body["status"] not in ("ENABLED", "DISABLED"):
        raise promotions_error(422, "status must be ENABLED or DISABLED.")  # INVALID: read-only
    if "coupon_type" in body and body["coupon_type"] not in ("SINGLE", "BULK"):
        raise promotions_error(422, "coupon_type must be SINGLE or BULK.")
    if "max_uses" in body and (not is_int(body["max_uses"]) or body["max_uses"] < 0):
        raise promotions_error(422, "max_uses must be a non-negative integer.")
    start = _date(body["start_date"], "start_date") if "start_date" in body else None
    end = _date(body.get("end_date"), "end_date")
    if start and end and end <= start:
        raise promotions_error(422, "end_date must be after start_date.")
    for flag in ("stop", "can_be_used_with_other_promotions", "coupon_overrides_other_promotions"):
        if flag in body and not isinstance(body[flag], bool):
            raise promotions_error(422, f"{flag} must be a boolean.")
    if body.get("coupon_overrides_other_promotions") and body.get(
        "can_be_used_with_other_promotions", True
    ):
        # Only allowed when can_be_used_with_other_promotions is false [P3].
        raise promotions_error(
            422,
            "coupon_overrides_other_promotions requires can_be_used_with_other_promotions false.",
        )
    currency = body.get("currency_code", "USD")
    if currency not in ("USD", "*"):  # the sandbox store has one currency, USD
        raise promotions_error(422, "currency_code must be USD or *.")
    return body


def coupon_code(body: object) -> tuple[str, int, int]:
    """POST /v3/promotions/{id}/codes body: {code, max_uses?, max_uses_per_customer?} [P3]."""
    if not isinstance(body, dict):
        raise promotions_error(422, "The request body must be a JSON object.")
    unknown = sorted(set(body) - {"code", "max_uses", "max_uses_per_customer"})
    if unknown:
        raise promotions_error(422, f"Unknown field(s): {', '.join(unknown)}.")
    code = body.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise promotions_error(
            422,
            "code must be 1-50 letters, digits, spaces, underscores or hyphens.",
        )
    limits = []
    for name in ("max_uses", "max_uses_per_customer"):
        value = body.get(name, 0)  # 0 (the default) means unlimited [P3 CouponCode]
        if not is_int(value) or value < 0:
            raise promotions_error(422, f"{name} must be a non-negative integer.")
        limits.append(int(value))
    return code, limits[0], limits[1]


# -- V3 customers (PUT) -----------------------------------------------------------------------

MAX_CUSTOMERS_PER_PUT = 10  # 413 beyond [CU3 PUT /customers responses.413]


def customer_updates(body: object) -> list[dict[str, Any]]:
    """PUT /v3/customers: an array of customer_Put, ``id`` required [CU3]. Only the fields the
    simulator models are kept (``store_credit_amounts``); others are accepted and ignored."""
    if not isinstance(body, list):
        raise v3_error(422, "The request body must be an array of customers.")  # unverified
    if len(body) > MAX_CUSTOMERS_PER_PUT:
        raise ApiError(413, None)  # the spec documents no body
    updates: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index, item in enumerate(body):
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            errors[f"{index}.id"] = "id is required"  # unverified wording
            continue
        update: dict[str, Any] = {"id": item["id"]}
        if "store_credit_amounts" in item:
            amounts = item["store_credit_amounts"]
            if not isinstance(amounts, list) or not all(
                isinstance(a, dict) and is_number(a.get("amount")) for a in amounts
            ):
                errors[f"{index}.store_credit_amounts"] = "must be a list of {amount: number}"
                continue
            total = sum((_decimal(a["amount"]) for a in amounts), Decimal(0))
            if total < 0:
                errors[f"{index}.store_credit_amounts"] = "must not be negative"  # unverified
                continue
            update["store_credit"] = total
        updates.append(update)
    if errors:
        raise v3_error(422, "The customer was not valid.", errors)  # unverified title
    return updates
