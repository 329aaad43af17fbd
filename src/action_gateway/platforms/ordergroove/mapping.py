"""Translation between the neutral models and Ordergroove's REST shapes (to_/from_ordergroove_*)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from action_gateway.domain.models import (
    CancelSubscriptionInput,
    Money,
    Subscription,
    SubscriptionState,
)
from action_gateway.errors import ValidationFailed

Node = Mapping[str, Any]
Period = Literal["day", "week", "month", "year"]

UNSENT = 1
"""Order status 1 (UNSENT): the only status whose orders are upcoming and skippable."""
PERIODS: dict[int, Period] = {1: "day", 2: "week", 3: "month", 4: "year"}
"""``every_period`` codes (``frequency_days`` is only a day-count approximation)."""
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")


# --- Values -----------------------------------------------------------------------------------


def calendar_date(value: Any) -> date | None:
    """The calendar date as written in an Ordergroove date or date-time (``place``,
    ``"YYYY-MM-DD HH:MM:SS"``): local to the merchant, no time zone, never shifted as if UTC."""
    match = _DATE.match(str(value)) if value else None
    if match is None:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def timestamp(value: Any) -> datetime | None:
    """``created``/``cancelled`` (``"YYYY-MM-DD HH:MM:SS"``).

    Their time zone is UNCONFIRMED; a value without an offset is read as UTC, because the
    gateway's timestamps always carry one. They are informational (never used for a decision).
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def is_live(node: Node) -> bool:
    """``live: true`` is the active flag (a string ``"True"`` is tolerated)."""
    live = node.get("live")
    return live is True or (isinstance(live, str) and live.strip().lower() == "true")


def is_prepaid(node: Node) -> bool:
    """Prepaid is marked only by a non-empty ``prepaid_subscription_context``."""
    return bool(node.get("prepaid_subscription_context"))


def price(value: Any, currency: str | None) -> Money | None:
    """Ordergroove prices are decimal strings without a currency: none is guessed."""
    if value in (None, "") or currency is None:
        return None
    try:
        return Money.of(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError):
        return None


def positive_int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


# --- Next order -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextOrder:
    """The earliest unsent order holding a subscription's items."""

    ref: str
    place: date | None
    locked: bool

    @property
    def skippable(self) -> bool:
        # A locked order is being placed: skip is not offered (refusal behaviour UNCONFIRMED).
        return not self.locked


def orders_holding(subscription_id: str, items: Iterable[Node]) -> set[str]:
    """Ids of the orders on which the subscription has an item."""
    return {
        str(item["order"])
        for item in items
        if item.get("order") is not None and str(item.get("subscription")) == subscription_id
    }


def next_order(
    subscription_id: str, orders: Iterable[Node], items: Iterable[Node]
) -> NextOrder | None:
    """The status-1 order with the earliest ``place`` that still holds an item of the subscription.

    One order can hold several subscriptions; an order a skip emptied may stay listed unsent
    with no items left, so the items (not the order list) say which orders hold it.
    """
    holding = orders_holding(subscription_id, items)
    candidates = [
        order
        for order in orders
        if str(order.get("public_id")) in holding and positive_int(order.get("status")) == UNSENT
    ]
    if not candidates:
        return None
    earliest = min(
        candidates,
        key=lambda o: (calendar_date(o.get("place")) or date.max, str(o.get("place") or "")),
    )
    return NextOrder(
        ref=str(earliest["public_id"]),
        place=calendar_date(earliest.get("place")),
        locked=earliest.get("locked") is True,
    )


# --- Subscriptions ----------------------------------------------------------------------------


def from_ordergroove_subscription(
    node: Node,
    *,
    upcoming: NextOrder | None = None,
    product_name: str | None = None,
    currency: str | None = None,
) -> Subscription:
    """A subscription (and its next order, derived elsewhere) as the neutral Subscription."""
    public_id = str(node["public_id"])
    live = is_live(node)
    # A cancelled subscription has no upcoming shipment, whatever an order list still shows.
    upcoming = upcoming if live else None
    product_id = node.get("product")
    return Subscription(
        id=public_id,
        platform_id=public_id,
        # `customer` is the merchant's own customer id (merchant_user_id).
        customer_id=str(node["customer"]) if node.get("customer") is not None else None,
        state=SubscriptionState(
            live=live,
            prepaid=is_prepaid(node),
            skippable=True,
            has_next_order=upcoming is not None and upcoming.skippable,
        ),
        product=product_name,
        product_id=str(product_id) if product_id is not None else None,
        quantity=positive_int(node.get("quantity")),
        every=positive_int(node.get("every")),
        period=PERIODS.get(positive_int(node.get("every_period")) or 0),
        price=price(node.get("price"), currency),
        next_order_date=upcoming.place if upcoming else None,
        next_order_ref=upcoming.ref if upcoming else None,
        created_at=timestamp(node.get("created")),
        cancelled_at=timestamp(node.get("cancelled")),
    )


def to_ordergroove_cancel_reason(data: CancelSubscriptionInput) -> str:
    """``"<code>|<details>"``: the merchant's reason code, a pipe, then free text (may be empty)."""
    code = data.reason.strip()
    # Ordergroove's cancel reason codes are the merchant's integers (GET /merchant/cancel_reason/).
    if not code.isdigit():
        raise ValidationFailed(
            'Ordergroove cancel reasons are the merchant\'s numeric reason codes (e.g. "1" for '
            f"Other); {code!r} is not one. Put the words in reason_details."
        )
    # Whether Ordergroove splits on the first pipe only is UNCONFIRMED; the code comes first either
    # way, so a pipe in the free text cannot change the code.
    return f"{code}|{(data.reason_details or '').strip()}"
