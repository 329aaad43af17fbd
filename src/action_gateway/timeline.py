"""Timeline events: the one place that turns an action's outcome into what a helpdesk posts.

A timeline event is a normalized, human-readable record: what happened, to which order or
customer (as the customer knows it), by whom, in which conversation, with a one-sentence
summary and structured details (amounts as decimal strings with currency).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date as babel_format_date
from pydantic import Field

from action_gateway.domain.models import (
    ActionContext,
    ActionName,
    ActionOutcome,
    CancelOrderInput,
    CancelReason,
    CancelSubscriptionInput,
    CreateDiscountCodeInput,
    CurrencySide,
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
    format_decimal,
)
from action_gateway.domain.platforms import CustomerNotification, PlatformProfile

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


def format_date(value: date | datetime) -> str:
    """``Dec 8, 2026``: how people write a date in a conversation (ISO stays in details)."""
    return str(babel_format_date(value, "medium", locale="en_US"))


REASON_LABELS = {
    CancelReason.CUSTOMER: "customer request",
    CancelReason.INVENTORY: "items unavailable",
    CancelReason.FRAUD: "suspected fraud",
    CancelReason.DECLINED: "payment declined",
    CancelReason.STAFF: "staff error",
    CancelReason.OTHER: "other",
}
"""The order cancel and refund reasons, as an agent would say them."""

QUOTE_LIMIT = 80
"""A note quoted in a summary is shortened to this many characters."""


def _quote(text: str) -> str:
    """The text on one line, shortened, in quotes."""
    flat = " ".join(text.split())
    if len(flat) > QUOTE_LIMIT:
        flat = flat[: QUOTE_LIMIT - 1].rstrip() + "…"
    return f"“{flat}”"


def _lower_first(words: str) -> str:
    """``Overstocked`` → ``overstocked`` (mid-sentence), acronyms (``USPS``) kept."""
    return words if words[1:2].isupper() else words[:1].lower() + words[1:]


def subscription_reason(reason: str, labels: Mapping[str, str] | None = None) -> str:
    """A subscription cancel reason for people: the merchant's label of a code, or the words.

    Ordergroove takes the merchant's numeric codes (their labels come from the connection's
    configuration: its API lists codes only); Recharge takes free text such as
    ``too_much_product``, shown as "too much product".
    """
    code = reason.strip()
    label = (labels or {}).get(code)
    if label:
        return _lower_first(label)
    if code.isdigit():
        return f"reason code {code}"
    return _lower_first(" ".join(code.replace("_", " ").replace("-", " ").split()))


def _in_currency(refund: RefundSummary, order: Order | None) -> str:
    """Which of an order's two currencies a refund states, when the order has two."""
    if order is None or order.presentment_currency is None or refund.currency_side is None:
        return ""
    if refund.currency_side is CurrencySide.PRESENTMENT:
        return " (in the customer's currency)"
    return " (in the shop's currency)"


def _notified(flag: bool, platform: PlatformProfile) -> str:
    if platform.notification is CustomerNotification.STORE_SETTINGS:
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


def _platform_name(platform: PlatformProfile) -> str:
    return platform.name


def _money_details(money: Money | None) -> dict[str, str] | None:
    return money.model_dump() if money else None


def build_timeline_event(
    *,
    connection: str,
    platform: PlatformProfile,
    action: ActionName,
    context: ActionContext,
    outcome: ActionOutcome,
    order: Order | None = None,
    customer: Customer | None = None,
    subscription: Subscription | None = None,
    data: Any = None,
    occurred_at: datetime | None = None,
    caller: str | None = None,
    reason_labels: Mapping[str, str] | None = None,
) -> TimelineEvent:
    """The timeline event for one executed action (never for a preview).

    ``reason_labels``: the merchant's subscription cancel reason codes and their labels.
    """
    if subscription is not None:
        event_type, subject, summary, details = _describe_subscription(
            action, outcome, subscription, data, reason_labels
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
    platform: PlatformProfile,
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
        platform=platform.id,
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
    platform: PlatformProfile,
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
    platform: PlatformProfile,
) -> tuple[str, TimelineSubject, str, dict[str, Any]]:
    platform_name = _platform_name(platform)
    if isinstance(data, CancelOrderInput) and order is not None:
        refund = outcome.refund
        details: dict[str, Any] = {
            "reason": data.reason.value,
            "reason_label": REASON_LABELS[data.reason],
            "notify_customer": data.notify_customer,
            "restock": data.restock,
            "staff_note": data.staff_note,
            "refund_requested": action is ActionName.CANCEL_AND_REFUND_ORDER,
            "refunded": _money_details(refund.total) if refund else None,
            "refunded_currency_side": refund.currency_side if refund else None,
            "job_id": outcome.job_id,
        }
        tail = _cancel_tail(data, platform)
        if outcome.status == "pending":
            summary = (
                f"Requested cancellation of order {order.name}"
                + (" with a full refund" if action is ActionName.CANCEL_AND_REFUND_ORDER else "")
                + f"; {platform_name} is still processing it; {tail}."
            )
            return "order.cancellation_requested", _order_subject(order), summary, details
        if refund and refund.total.value > 0:
            summary = (
                f"Cancelled order {order.name} and refunded {_refund_amount(refund, order)}"
                f"{' including shipping' if _includes_shipping(refund.shipping) else ''}; {tail}."
            )
        else:
            summary = f"Cancelled order {order.name}; {tail}."
        return "order.cancelled", _order_subject(order), summary, details
    if isinstance(data, RefundOrderInput) and order is not None:
        refund = outcome.refund or RefundSummary(total=Money.of("0", order.currency))
        details = {
            "reason": data.reason.value,
            "reason_label": REASON_LABELS[data.reason],
            "note": data.note,
            "notify_customer": data.notify_customer,
            "refund": refund.model_dump(mode="json"),
        }
        summary = f"Refunded {_full_refund_words(refund, order, data, platform)}."
        return "order.refunded", _order_subject(order), summary, details
    if isinstance(data, PartialRefundOrderInput) and order is not None:
        refund = outcome.refund or RefundSummary(total=Money.of("0", order.currency))
        details = {
            "reason": data.reason.value,
            "reason_label": REASON_LABELS[data.reason],
            "note": data.note,
            "notify_customer": data.notify_customer,
            "partial_cancel": data.cancel_unfulfilled,
            "manual_amount": data.amount,
            "refund": refund.model_dump(mode="json"),
        }
        words = _partial_refund_words(refund, order, data, platform)
        if data.cancel_unfulfilled:
            summary = f"Cancelled and refunded {words}"
            return "order.partially_cancelled", _order_subject(order), summary, details
        return "order.partially_refunded", _order_subject(order), f"Refunded {words}", details
    if isinstance(data, EditOrderNoteInput) and order is not None:
        details = {
            "mode": data.mode.value,
            "note": outcome.note,
            "previous_note": outcome.previous_note,
        }
        verb = "Added to" if data.mode.value == "append" else "Updated"
        summary = f"{verb} the note on order {order.name}: {_quote(data.note)}."
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
        expiry = f"expires {format_date(code.ends_at)}" if code.ends_at else "never expires"
        summary = (
            f"Created one-time discount code {code.code} "
            f"({value} {_discount_scope(code.collection_id, code.collection_title)}, {expiry}) "
            f"for {_customer_name(customer)}."
        )
        subject = _customer_subject(customer)
        return (
            "discount_code.created",
            subject,
            summary,
            {"discount_code": code.model_dump(mode="json")},
        )
    raise ValueError(f"no timeline description for {action}")


def _cancel_tail(data: CancelOrderInput, platform: PlatformProfile) -> str:
    tail = f"reason: {REASON_LABELS[data.reason]}; {_notified(data.notify_customer, platform)}"
    return tail + ("; items restocked" if data.restock else "")


def _refund_amount(refund: RefundSummary, order: Order) -> str:
    return f"{format_money(refund.total)}{_in_currency(refund, order)}"


def _full_refund_words(
    refund: RefundSummary, order: Order, data: RefundOrderInput, platform: PlatformProfile
) -> str:
    """``$54.20 on order #1001 including shipping; reason: …; customer not notified``."""
    shipping = " including shipping" if _includes_shipping(refund.shipping) else ""
    return (
        f"{_refund_amount(refund, order)} on order {order.name}{shipping}; "
        f"reason: {REASON_LABELS[data.reason]}; {_notified(data.notify_customer, platform)}"
    )


def _partial_refund_words(
    refund: RefundSummary, order: Order, data: PartialRefundOrderInput, platform: PlatformProfile
) -> str:
    """``$33.00 on order #1001 for 1 × Beanie and $5.00 of shipping; reason: …; …`` (with a
    full stop, and the platform's notes after it)."""
    names = {line.id: line.name for line in order.line_items}
    items = ", ".join(
        f"{line.quantity} × {line.name or names.get(line.line_item_id, line.line_item_id)}"
        for line in refund.line_items
    )
    parts = [f"for {items}"] if items else []
    if refund.shipping is not None and refund.shipping.value > 0:
        parts.append(f"{format_money(refund.shipping)} of shipping")
    what = f" {' and '.join(parts)}" if parts else ""
    restocked = [line for line in refund.line_items if line.restock_type in {"return", "cancel"}]
    tail = f"reason: {REASON_LABELS[data.reason]}"
    if restocked:
        tail += "; items restocked"
    tail += f"; {_notified(data.notify_customer, platform)}"
    notes = "".join(f" {note.rstrip('.')}." for note in refund.notes)
    return f"{_refund_amount(refund, order)} on order {order.name}{what}; {tail}.{notes}"


def _discount_scope(collection_id: str | None, collection_title: str | None) -> str:
    if collection_title:
        return f"the {collection_title} collection"
    return "one collection" if collection_id else "all items"


def _customer_name(customer: Customer) -> str:
    return customer.display_name or customer.email or f"customer {customer.id}"


def _subscription_product(subscription: Subscription) -> str:
    product = subscription.product or f"subscription {subscription.id}"
    if subscription.quantity and subscription.quantity > 1:
        product = f"{subscription.quantity} × {product}"
    return product


def _describe_subscription(
    action: ActionName,
    outcome: ActionOutcome,
    subscription: Subscription,
    data: Any,
    reason_labels: Mapping[str, str] | None,
) -> tuple[str, TimelineSubject, str, dict[str, Any]]:
    change = outcome.subscription or SubscriptionChange()
    product = _subscription_product(subscription)
    subject = _subscription_subject(subscription)
    details: dict[str, Any] = {
        "product": subscription.product,
        "quantity": subscription.quantity,
        "frequency": subscription.frequency,
        **change.model_dump(mode="json"),
    }
    if isinstance(data, CancelSubscriptionInput):
        reason = subscription_reason(data.reason, reason_labels)
        details.update(reason=data.reason, reason_label=reason, reason_details=data.reason_details)
        every = f" ({subscription.frequency})" if subscription.frequency else ""
        summary = (
            f"Cancelled the subscription to {product}{every}; no later shipments will be sent; "
            f"reason: {reason}."
        )
        return "subscription.cancelled", subject, summary, details
    if action is ActionName.SKIP_SUBSCRIPTION_ORDER:
        skipped = change.skipped_order_date or subscription.next_order_date
        what = f"the {format_date(skipped)} order" if skipped else "the next order"
        summary = f"Skipped {what} of {product}"
        summary += (
            f"; the next one is on {format_date(change.next_order_date)}."
            if change.next_order_date
            else "."
        )
        return "subscription.skipped", subject, summary, details
    raise ValueError(f"no timeline description for {action}")


def build_preview_summary(
    *,
    platform: PlatformProfile,
    action: ActionName,
    data: Any,
    order: Order | None = None,
    customer: Customer | None = None,
    subscription: Subscription | None = None,
    refund: RefundSummary | None = None,
    reason_labels: Mapping[str, str] | None = None,
) -> str:
    """One sentence saying what a dry run's action would do (nothing has been done)."""
    if subscription is not None:
        product = _subscription_product(subscription)
        if isinstance(data, CancelSubscriptionInput):
            every = f" ({subscription.frequency})" if subscription.frequency else ""
            return (
                f"Would cancel the subscription to {product}{every}; no later shipments would "
                f"be sent; reason: {subscription_reason(data.reason, reason_labels)}."
            )
        upcoming = subscription.next_order_date
        what = f"the {format_date(upcoming)} order" if upcoming else "the next order"
        return f"Would skip {what} of {product}."
    if order is not None:
        if isinstance(data, CancelOrderInput):
            tail = _cancel_tail(data, platform)
            if refund is not None and refund.total.value > 0:
                shipping = " including shipping" if _includes_shipping(refund.shipping) else ""
                return (
                    f"Would cancel order {order.name} and refund "
                    f"{_refund_amount(refund, order)}{shipping}; {tail}."
                )
            return f"Would cancel order {order.name}; {tail}."
        if isinstance(data, RefundOrderInput) and refund is not None:
            return f"Would refund {_full_refund_words(refund, order, data, platform)}."
        if isinstance(data, PartialRefundOrderInput) and refund is not None:
            words = _partial_refund_words(refund, order, data, platform)
            verb = "cancel and refund" if data.cancel_unfulfilled else "refund"
            return f"Would {verb} {words}"
        if isinstance(data, EditOrderNoteInput):
            if data.mode.value == "append":
                return f"Would add {_quote(data.note)} to the note on order {order.name}."
            return f"Would replace the note on order {order.name} with {_quote(data.note)}."
    if isinstance(data, CreateDiscountCodeInput) and customer is not None:
        if data.type is DiscountType.PERCENTAGE:
            value = f"{Decimal(data.value).normalize():f}% off"
        else:
            value = f"{format_decimal(Decimal(data.value))} off in the store's currency"
        months = data.expiry.months
        expiry = "never expires" if months is None else f"expires in {months} months"
        scope = _discount_scope(data.collection_id, None)
        return (
            f"Would create one-time discount code {data.code} ({value} {scope}, {expiry}) "
            f"for {_customer_name(customer)}."
        )
    raise ValueError(f"no preview description for {action}")


def _includes_shipping(shipping: Money | None) -> bool:
    return shipping is not None and shipping.value > 0
