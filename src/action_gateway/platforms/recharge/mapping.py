"""Recharge (API 2021-11) payloads to and from the neutral models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from action_gateway.domain.models import (
    CancelSubscriptionInput,
    Customer,
    Money,
    Subscription,
    SubscriptionState,
)

Node = dict[str, Any]
Period = Literal["day", "week", "month", "year"]

ACTIVE = "active"
CANCELLED = "cancelled"
QUEUED = "queued"
SKIPPED = "skipped"
DEFAULT_CANCELLATION_REASON = "Cancelled by a support agent"
MAX_REASON_COMMENTS = 1024
PERIODS: dict[str, Period] = {"day": "day", "week": "week", "month": "month", "year": "year"}


def to_recharge_id(value: str) -> int | None:
    """Recharge ids are integers; anything else cannot name a Recharge record."""
    text = value.strip()
    return int(text) if text.isdecimal() else None


def status_of(node: Node) -> str | None:
    # 2021-01 spells statuses in upper case ("ACTIVE"); the 2021-11 case is UNCONFIRMED.
    status = node.get("status")
    return str(status).strip().lower() if status else None


def date_of(value: Any) -> date | None:
    """The calendar date of a Recharge date or date-time, as Recharge wrote it (never shifted)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def datetime_of(value: Any) -> datetime | None:
    """A Recharge timestamp; one without an offset is UTC (Recharge dates are ISO 8601 UTC)."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int_of(value: Any) -> int | None:
    # 2021-11 answers some integers as strings (order_interval_frequency: "1").
    try:
        return int(str(value).strip()) if value is not None and str(value).strip() else None
    except ValueError:
        return None


def _external_id(value: Any) -> str | None:
    """2021-11 wraps platform ids as ``{"ecommerce": "123"}``; older versions sent the id."""
    if isinstance(value, dict):
        value = value.get("ecommerce")
    return str(value) if value not in (None, "") else None


def _period_of(value: Any) -> Period | None:
    unit = str(value or "").strip().lower().removesuffix("s")
    return PERIODS.get(unit)


def _money_of(amount: Any, currency: Any) -> Money | None:
    if amount in (None, "") or not isinstance(currency, str) or len(currency) != 3:
        return None
    try:
        return Money.of(Decimal(str(amount)), currency.upper())
    except (InvalidOperation, ValueError):
        return None


def is_prepaid(node: Node) -> bool:
    """``is_prepaid``, or a charge cadence longer than the delivery cadence (prepaid's shape)."""
    if node.get("is_prepaid") is True:
        return True
    charge_every = _int_of(node.get("charge_interval_frequency"))
    order_every = _int_of(node.get("order_interval_frequency"))
    return charge_every is not None and order_every is not None and charge_every > order_every


def from_recharge_subscription(node: Node, *, charge: Node | None = None) -> Subscription:
    """A 2021-11 subscription; ``charge`` is the earliest queued charge holding it, if known."""
    next_date = date_of(node.get("next_charge_scheduled_at"))
    subscription_id = str(node["id"])
    return Subscription(
        id=subscription_id,
        platform_id=subscription_id,
        customer_id=str(node["customer_id"]) if node.get("customer_id") is not None else None,
        state=SubscriptionState(
            live=None,
            status=status_of(node),
            prepaid=is_prepaid(node),
            # Missing is read as not skippable: offer skip only when Recharge says it may be.
            skippable=node.get("is_skippable") is True,
            # Skip works on a queued charge: a next date with no queued charge cannot be skipped.
            has_next_order=next_date is not None and charge is not None,
        ),
        product=node.get("product_title") or None,
        product_id=_external_id(node.get("external_product_id")),
        sku=node.get("sku") or None,
        quantity=_int_of(node.get("quantity")),
        every=_int_of(node.get("order_interval_frequency")),
        period=_period_of(node.get("order_interval_unit")),
        price=_money_of(node.get("price"), node.get("presentment_currency")),
        next_order_date=next_date,
        next_order_ref=str(charge["id"]) if charge and charge.get("id") is not None else None,
        created_at=datetime_of(node.get("created_at")),
        cancelled_at=datetime_of(node.get("cancelled_at")),
        # The notes document no merchant-portal URL pattern for a subscription.
        admin_url=None,
    )


# --- Customers --------------------------------------------------------------------------------


def matches_customer(node: Node, customer: Customer) -> bool:
    """Whether a Recharge customer found by email is the commerce connection's customer.

    The email filter's exactness is UNCONFIRMED, so the email is compared here too; a Recharge
    customer linked to a different store customer (``external_customer_id``) is never shown.
    """
    email = str(node.get("email") or "").strip().lower()
    if not customer.email or email != customer.email.strip().lower():
        return False
    linked = _external_id(node.get("external_customer_id"))
    if linked is None:
        return True
    ours = {customer.id, customer.platform_id, customer.platform_id.rsplit("/", 1)[-1]}
    return linked in ours


# --- Charges ----------------------------------------------------------------------------------


def charge_items(charge: Node) -> set[str]:
    """The purchase item (subscription or one-time) ids a charge holds."""
    ids: set[str] = set()
    for item in charge.get("line_items") or []:
        if not isinstance(item, dict):
            continue
        # 2021-11 names the line's subscription `purchase_item_id`; 2021-01 `subscription_id`.
        value = item.get("purchase_item_id", item.get("subscription_id"))
        if value is not None:
            ids.add(str(value))
    return ids


def charge_holds(charge: Node, subscription_id: str) -> bool:
    return subscription_id in charge_items(charge)


def charge_date(charge: Node) -> date | None:
    return date_of(charge.get("scheduled_at"))


def _charge_key(charge: Node) -> tuple[date, str]:
    return charge_date(charge) or date.max, str(charge.get("id"))


def earliest_charges(charges: Iterable[Node], *, status: str = QUEUED) -> dict[str, Node]:
    """For each purchase item, the earliest charge of ``status`` holding it.

    The list filters (``status``, ``purchase_item_id``) are matched here too, in case Recharge
    ignores one (their combination with the customer filter is UNCONFIRMED).
    """
    earliest: dict[str, Node] = {}
    for charge in sorted(charges, key=_charge_key):
        if status_of(charge) != status:
            continue
        for item_id in charge_items(charge):
            earliest.setdefault(item_id, charge)
    return earliest


# --- Cancel -----------------------------------------------------------------------------------


def to_recharge_cancel(data: CancelSubscriptionInput) -> dict[str, Any]:
    """The cancel body: Recharge requires ``cancellation_reason``; details go in the comments."""
    body: dict[str, Any] = {
        "cancellation_reason": data.reason.strip() or DEFAULT_CANCELLATION_REASON,
    }
    details = (data.reason_details or "").strip()
    if details:
        body["cancellation_reason_comments"] = details[:MAX_REASON_COMMENTS]
    return body
