"""Timeline events: the one place that turns an action's outcome into what a helpdesk posts.

A timeline event is a normalized, human-readable record: what happened, to which order or
customer (as the customer knows it), by whom, in which conversation, with a one-sentence
summary and structured details (amounts as decimal strings with currency).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from action_gateway.domain.models import (
    ActionContext,
    ActionName,
    ActionOutcome,
    CancelOrderInput,
    CancelSubscriptionInput,
    CreateDiscountCodeInput,
    Customer,
    DiscountType,
    EditOrderNoteInput,
    Money,
    Order,
    PartialRefundOrderInput,
    Platform,
    RefundOrderInput,
    RefundSummary,
    ResourceType,
    ResponseModel,
    Subscription,
    SubscriptionChange,
)

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


class TimelineSubject(ResponseModel):
    type: ResourceType
    id: str
    name: str | None = Field(default=None, description="As the customer knows it, e.g. #1001.")
    admin_url: str | None = None


class TimelineActor(ResponseModel):
    agent_id: str | None = None
    agent_roles: list[str] = []
    caller: str | None = Field(
        default=None, description="The calling system (its configured caller id)."
    )


class TimelineEvent(ResponseModel):
    id: str
    type: str = Field(examples=["order.cancelled", "order.refunded", "discount_code.created"])
    occurred_at: datetime
    connection: str
    platform: Platform
    action: ActionName
    subject: TimelineSubject
    actor: TimelineActor
    conversation_id: str | None = None
    summary: str
    details: dict[str, Any]


def format_money(money: Money) -> str:
    """``$54.20`` for well-known currencies, ``54.20 SEK`` otherwise."""
    symbol = CURRENCY_SYMBOLS.get(money.currency)
    return f"{symbol}{money.amount}" if symbol else f"{money.amount} {money.currency}"


PLATFORMS_WITHOUT_NOTIFY_SWITCH = frozenset({Platform.BIGCOMMERCE})
"""BigCommerce has no per-request notification flag: its store's status-email settings decide."""


def _notified(flag: bool, platform: Platform) -> str:
    if platform in PLATFORMS_WITHOUT_NOTIFY_SWITCH:
        return "customer emails per the store's settings"
    return "customer notified" if flag else "customer not notified"


def _order_subject(order: Order) -> TimelineSubject:
    return TimelineSubject(type="order", id=order.id, name=order.name, admin_url=order.admin_url)


def _customer_subject(customer: Customer) -> TimelineSubject:
    return TimelineSubject(
        type="customer", id=customer.id, name=customer.display_name, admin_url=customer.admin_url
    )


def _subscription_subject(subscription: Subscription) -> TimelineSubject:
    return TimelineSubject(
        type="subscription",
        id=subscription.id,
        name=subscription.product,
        admin_url=subscription.admin_url,
    )


def _platform_name(platform: Platform) -> str:
    return {"shopify": "Shopify", "bigcommerce": "BigCommerce"}.get(
        platform.value, platform.value.capitalize()
    )


def _money_details(money: Money | None) -> dict[str, str] | None:
    return money.model_dump() if money else None


def build_timeline_event(
    *,
    connection: str,
    platform: Platform,
    action: ActionName,
    context: ActionContext,
    outcome: ActionOutcome,
    order: Order | None = None,
    customer: Customer | None = None,
    subscription: Subscription | None = None,
    data: Any = None,
    occurred_at: datetime | None = None,
    caller: str | None = None,
) -> TimelineEvent:
    """The timeline event for one executed action (never for a preview)."""
    if subscription is not None:
        event_type, subject, summary, details = _describe_subscription(
            action, outcome, subscription, data
        )
    else:
        event_type, subject, summary, details = _describe(
            action, outcome, order=order, customer=customer, data=data, platform=platform
        )
    if outcome.messages:
        # e.g. a lost answer settled by re-reading the platform: the event keeps the trace.
        details = {**details, "notes": list(outcome.messages)}
    return _event(
        event_type,
        connection=connection,
        platform=platform,
        action=action,
        context=context,
        caller=caller,
        subject=subject,
        summary=summary,
        details=details,
        occurred_at=occurred_at,
    )


def _event(
    event_type: str,
    *,
    connection: str,
    platform: Platform,
    action: ActionName,
    context: ActionContext,
    caller: str | None,
    subject: TimelineSubject,
    summary: str,
    details: dict[str, Any],
    occurred_at: datetime | None = None,
) -> TimelineEvent:
    return TimelineEvent(
        id=f"evt_{uuid.uuid4().hex}",
        type=event_type,
        occurred_at=occurred_at or datetime.now(UTC),
        connection=connection,
        platform=platform,
        action=action,
        subject=subject,
        actor=TimelineActor(
            agent_id=context.agent_id, agent_roles=list(context.agent_roles), caller=caller
        ),
        conversation_id=context.conversation_id,
        summary=summary,
        details=details,
    )


_ACTION_WORDS = {
    ActionName.CANCEL_ORDER: "The cancellation",
    ActionName.CANCEL_AND_REFUND_ORDER: "The cancellation and refund",
    ActionName.REFUND_ORDER: "The refund",
    ActionName.PARTIAL_REFUND_ORDER: "The partial refund",
    ActionName.EDIT_ORDER_NOTE: "The note change",
    ActionName.CREATE_DISCOUNT_CODE: "The discount code",
    ActionName.CANCEL_SUBSCRIPTION: "The subscription cancellation",
    ActionName.SKIP_SUBSCRIPTION_ORDER: "The skip",
}


def build_unknown_outcome_event(
    *,
    connection: str,
    platform: Platform,
    action: ActionName,
    context: ActionContext,
    order: Order | None = None,
    customer: Customer | None = None,
    subscription: Subscription | None = None,
    code: str,
    detail: str | None,
    caller: str | None = None,
) -> TimelineEvent:
    """The event to post when an action may have happened but the platform did not confirm it."""
    if order is not None:
        subject = _order_subject(order)
        what = f"of order {order.name}"
    elif subscription is not None:
        subject = _subscription_subject(subscription)
        what = f"of the subscription to {subscription.product or subscription.id}"
    elif customer is not None:
        subject = _customer_subject(customer)
        what = f"for {customer.display_name or customer.email or 'customer ' + customer.id}"
    else:
        raise ValueError("an unknown-outcome event needs the action's subject")
    platform_name = _platform_name(platform)
    summary = (
        f"{_ACTION_WORDS[action]} {what} may have happened: {platform_name} did not confirm it. "
        f"Check on {platform_name} before trying again."
    )
    return _event(
        "action.outcome_unknown",
        connection=connection,
        platform=platform,
        action=action,
        context=context,
        caller=caller,
        subject=subject,
        summary=summary,
        details={"outcome": "unknown", "code": code, "detail": detail},
    )


def _describe(
    action: ActionName,
    outcome: ActionOutcome,
    *,
    order: Order | None,
    customer: Customer | None,
    data: Any,
    platform: Platform,
) -> tuple[str, TimelineSubject, str, dict[str, Any]]:
    platform_name = _platform_name(platform)
    if isinstance(data, CancelOrderInput) and order is not None:
        refund = outcome.refund
        details: dict[str, Any] = {
            "reason": data.reason.value,
            "notify_customer": data.notify_customer,
            "restock": data.restock,
            "staff_note": data.staff_note,
            "refund_requested": action is ActionName.CANCEL_AND_REFUND_ORDER,
            "refunded": _money_details(refund.total) if refund else None,
            "job_id": outcome.job_id,
        }
        tail = f"reason: {data.reason.value}; {_notified(data.notify_customer, platform)}"
        if data.restock:
            tail += "; items restocked"
        if outcome.status == "pending":
            summary = (
                f"Requested cancellation of order {order.name}"
                + (" with a full refund" if action is ActionName.CANCEL_AND_REFUND_ORDER else "")
                + f"; {platform_name} is still processing it; {tail}."
            )
            return "order.cancellation_requested", _order_subject(order), summary, details
        if refund and refund.total.value > 0:
            summary = (
                f"Cancelled order {order.name} and refunded {format_money(refund.total)}"
                f"{' including shipping' if _includes_shipping(refund.shipping) else ''}; {tail}."
            )
        else:
            summary = f"Cancelled order {order.name}; {tail}."
        return "order.cancelled", _order_subject(order), summary, details
    if isinstance(data, RefundOrderInput) and order is not None:
        refund = outcome.refund or RefundSummary(total=Money.of("0", order.currency))
        details = {
            "reason": data.reason.value,
            "note": data.note,
            "notify_customer": data.notify_customer,
            "refund": refund.model_dump(mode="json"),
        }
        shipping = " including shipping" if _includes_shipping(refund.shipping) else ""
        summary = (
            f"Refunded {format_money(refund.total)} on order {order.name}{shipping}; "
            f"reason: {data.reason.value}; {_notified(data.notify_customer, platform)}."
        )
        return "order.refunded", _order_subject(order), summary, details
    if isinstance(data, PartialRefundOrderInput) and order is not None:
        refund = outcome.refund or RefundSummary(total=Money.of("0", order.currency))
        details = {
            "reason": data.reason.value,
            "note": data.note,
            "notify_customer": data.notify_customer,
            "partial_cancel": data.cancel_unfulfilled,
            "manual_amount": data.amount,
            "refund": refund.model_dump(mode="json"),
        }
        names = {line.id: line.name for line in order.line_items}
        items = ", ".join(
            f"{line.quantity} × {line.name or names.get(line.line_item_id, line.line_item_id)}"
            for line in refund.line_items
        )
        parts = [f"for {items}"] if items else []
        if refund.shipping is not None and refund.shipping.value > 0:
            parts.append(f"{format_money(refund.shipping)} of shipping")
        what = f" {' and '.join(parts)}" if parts else ""
        restocked = [
            line for line in refund.line_items if line.restock_type in {"return", "cancel"}
        ]
        tail = f"reason: {data.reason.value}"
        if restocked:
            tail += "; items restocked"
        tail += f"; {_notified(data.notify_customer, platform)}"
        notes = "".join(f" {note.rstrip('.')}." for note in refund.notes)
        if data.cancel_unfulfilled:
            summary = (
                f"Cancelled and refunded {format_money(refund.total)} on order {order.name}{what}; "
                f"{tail}.{notes}"
            )
            return "order.partially_cancelled", _order_subject(order), summary, details
        summary = (
            f"Refunded {format_money(refund.total)} on order {order.name}{what}; {tail}.{notes}"
        )
        return "order.partially_refunded", _order_subject(order), summary, details
    if isinstance(data, EditOrderNoteInput) and order is not None:
        details = {
            "mode": data.mode.value,
            "note": outcome.note,
            "previous_note": outcome.previous_note,
        }
        verb = "Added to" if data.mode.value == "append" else "Updated"
        summary = f"{verb} the note on order {order.name}."
        return "order.note_updated", _order_subject(order), summary, details
    if (
        isinstance(data, CreateDiscountCodeInput)
        and customer is not None
        and (code := outcome.discount_code) is not None
    ):
        if code.type is DiscountType.PERCENTAGE:
            value = f"{Decimal(code.value).normalize():f}% off"
        else:
            value = f"{format_money(Money.of(code.value, code.currency or 'USD'))} off"
        scope = "one collection" if code.collection_id else "all items"
        expiry = f"expires {code.ends_at.date().isoformat()}" if code.ends_at else "never expires"
        who = customer.display_name or customer.email or f"customer {customer.id}"
        summary = (
            f"Created one-time discount code {code.code} ({value} {scope}, {expiry}) for {who}."
        )
        subject = _customer_subject(customer)
        return (
            "discount_code.created",
            subject,
            summary,
            {"discount_code": code.model_dump(mode="json")},
        )
    raise ValueError(f"no timeline description for {action}")


def _describe_subscription(
    action: ActionName, outcome: ActionOutcome, subscription: Subscription, data: Any
) -> tuple[str, TimelineSubject, str, dict[str, Any]]:
    change = outcome.subscription or SubscriptionChange()
    product = subscription.product or f"subscription {subscription.id}"
    if subscription.quantity and subscription.quantity > 1:
        product = f"{subscription.quantity} × {product}"
    subject = _subscription_subject(subscription)
    details: dict[str, Any] = {
        "product": subscription.product,
        "quantity": subscription.quantity,
        "frequency": subscription.frequency,
        **change.model_dump(mode="json"),
    }
    if isinstance(data, CancelSubscriptionInput):
        details.update(reason=data.reason, reason_details=data.reason_details)
        every = f" ({subscription.frequency})" if subscription.frequency else ""
        summary = (
            f"Cancelled the subscription to {product}{every}; no later shipments will be sent; "
            f"reason: {data.reason}."
        )
        return "subscription.cancelled", subject, summary, details
    if action is ActionName.SKIP_SUBSCRIPTION_ORDER:
        skipped = change.skipped_order_date or subscription.next_order_date
        what = f"the {skipped.isoformat()} order" if skipped else "the next order"
        summary = f"Skipped {what} of {product}"
        summary += (
            f"; the next one is on {change.next_order_date.isoformat()}."
            if change.next_order_date
            else "."
        )
        return "subscription.skipped", subject, summary, details
    raise ValueError(f"no timeline description for {action}")


def _includes_shipping(shipping: Money | None) -> bool:
    return shipping is not None and shipping.value > 0
