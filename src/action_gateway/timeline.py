"""Timeline events: the one place that turns an action's outcome into what a helpdesk posts.

A timeline event is a normalized, human-readable record: what happened, to which order or
customer (as the customer knows it), by whom, in which conversation, with a one-sentence
summary and structured details (amounts as decimal strings with currency).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar

from babel.dates import format_date as babel_format_date
from pydantic import Field

from action_gateway.domain.models import (
    ActionContext,
    ActionName,
    ActionOutcome,
    Address,
    CancelOrderInput,
    CancelReason,
    CancelSubscriptionInput,
    CreateDiscountCodeInput,
    CreateReplacementOrderInput,
    CurrencySide,
    Customer,
    DiscountType,
    EditOrderNoteInput,
    EditOrderTagsInput,
    IssueStoreCreditInput,
    Money,
    Order,
    PartialRefundOrderInput,
    Platform,
    RefundOrderInput,
    RefundSummary,
    RescheduleSubscriptionOrderInput,
    ResourceType,
    ResponseModel,
    SkipSubscriptionOrderInput,
    Subscription,
    SubscriptionChange,
    UpdateShippingAddressInput,
    format_decimal,
    tags_after_edit,
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


TargetT = TypeVar("TargetT", bound=Order | Customer | Subscription)
InputT = TypeVar("InputT")


@dataclass(frozen=True, slots=True)
class Described(Generic[TargetT, InputT]):
    """The action being told: its target, its input, and what its wording may depend on."""

    target: TargetT
    data: InputT
    platform: PlatformProfile
    reason_labels: Mapping[str, str] | None = None
    """The merchant's subscription cancel reason codes and their labels."""
    value: Money | None = None
    """A compensating action's appraisal (what it gives the customer), when previewed."""
    foreseen: ActionOutcome | None = None
    """A dry run: what else the platform would do, with its values (``ActionSpec.foresee``)."""


class Description(NamedTuple):
    summary: str
    details: dict[str, Any]
    event_type: str | None = None
    """Another event type than the wording's own, for this outcome (e.g. still pending)."""


@dataclass(frozen=True, kw_only=True)
class ActionWording(Generic[TargetT, InputT]):
    """How the timeline tells one action; each action's ``ActionSpec`` names its wording."""

    event_type: str
    """The event type of the action done (``describe`` may name another for an outcome)."""
    words: str
    """The action as the subject of a sentence (``The refund``), for an unknown outcome."""
    describe: Callable[[Described[TargetT, InputT], ActionOutcome], Description]
    """The summary and details of the action done."""
    preview: Callable[[Described[TargetT, InputT], RefundSummary | None], str]
    """One sentence saying what a dry run would do (``refund``: the money it would move)."""


def _target(
    order: Order | None, customer: Customer | None, subscription: Subscription | None
) -> Order | Customer | Subscription:
    if subscription is not None:
        return subscription
    if order is not None:
        return order
    if customer is not None:
        return customer
    raise ValueError("an event needs the action's subject")


def _subject(target: Order | Customer | Subscription) -> TimelineSubject:
    if isinstance(target, Order):
        return _order_subject(target)
    if isinstance(target, Subscription):
        return _subscription_subject(target)
    return _customer_subject(target)


def build_timeline_event(
    *,
    connection: str,
    platform: PlatformProfile,
    action: ActionName,
    wording: ActionWording[Any, Any],
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
    """The timeline event for one executed action (never for a preview), told by its wording.

    ``reason_labels``: the merchant's subscription cancel reason codes and their labels.
    """
    target = _target(order, customer, subscription)
    summary, details, event_type = wording.describe(
        Described(target, data, platform, reason_labels), outcome
    )
    if outcome.messages:
        # e.g. a lost answer settled by re-reading the platform: the event keeps the trace.
        details = {**details, "notes": list(outcome.messages)}
    return _event(
        event_type or wording.event_type,
        connection=connection,
        platform=platform,
        action=action,
        context=context,
        caller=caller,
        subject=_subject(target),
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


def build_unknown_outcome_event(
    *,
    connection: str,
    platform: PlatformProfile,
    action: ActionName,
    wording: ActionWording[Any, Any],
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
        f"{wording.words} {what} may have happened: {platform_name} did not confirm it. "
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


def build_preview_summary(
    *,
    platform: PlatformProfile,
    wording: ActionWording[Any, Any],
    data: Any,
    order: Order | None = None,
    customer: Customer | None = None,
    subscription: Subscription | None = None,
    refund: RefundSummary | None = None,
    value: Money | None = None,
    reason_labels: Mapping[str, str] | None = None,
    foreseen: ActionOutcome | None = None,
) -> str:
    """One sentence saying what a dry run's action would do (nothing has been done)."""
    target = _target(order, customer, subscription)
    return wording.preview(
        Described(target, data, platform, reason_labels, value, foreseen), refund
    )


# --- Each action's wording ---------------------------------------------------------------------


def _cancel_details(
    data: CancelOrderInput, outcome: ActionOutcome, *, refund_requested: bool
) -> dict[str, Any]:
    refund = outcome.refund
    return {
        "reason": data.reason.value,
        "reason_label": REASON_LABELS[data.reason],
        "notify_customer": data.notify_customer,
        "restock": data.restock,
        "staff_note": data.staff_note,
        "refund_requested": refund_requested,
        "refunded": _money_details(refund.total) if refund else None,
        "refunded_currency_side": refund.currency_side if refund else None,
        "job_id": outcome.job_id,
    }


def _cancel_wording(*, refund_requested: bool) -> ActionWording[Order, CancelOrderInput]:
    def describe(told: Described[Order, CancelOrderInput], outcome: ActionOutcome) -> Description:
        order, data = told.target, told.data
        details = _cancel_details(data, outcome, refund_requested=refund_requested)
        tail = _cancel_tail(data, told.platform)
        if outcome.status == "pending":
            summary = (
                f"Requested cancellation of order {order.name}"
                + (" with a full refund" if refund_requested else "")
                + f"; {_platform_name(told.platform)} is still processing it; {tail}."
            )
            return Description(summary, details, "order.cancellation_requested")
        refund = outcome.refund
        if refund and refund.total.value > 0:
            summary = (
                f"Cancelled order {order.name} and refunded {_refund_amount(refund, order)}"
                f"{' including shipping' if _includes_shipping(refund.shipping) else ''}; {tail}."
            )
        else:
            summary = f"Cancelled order {order.name}; {tail}."
        return Description(summary, details)

    return ActionWording(
        event_type="order.cancelled",
        words="The cancellation and refund" if refund_requested else "The cancellation",
        describe=describe,
        preview=_preview_cancel,
    )


def _preview_cancel(told: Described[Order, CancelOrderInput], refund: RefundSummary | None) -> str:
    order = told.target
    tail = _cancel_tail(told.data, told.platform)
    if refund is not None and refund.total.value > 0:
        shipping = " including shipping" if _includes_shipping(refund.shipping) else ""
        return (
            f"Would cancel order {order.name} and refund "
            f"{_refund_amount(refund, order)}{shipping}; {tail}."
        )
    return f"Would cancel order {order.name}; {tail}."


CANCEL_ORDER = _cancel_wording(refund_requested=False)
CANCEL_AND_REFUND_ORDER = _cancel_wording(refund_requested=True)


def _describe_refund(
    told: Described[Order, RefundOrderInput], outcome: ActionOutcome
) -> Description:
    order, data = told.target, told.data
    refund = outcome.refund or RefundSummary(total=Money.of("0", order.currency))
    details = {
        "reason": data.reason.value,
        "reason_label": REASON_LABELS[data.reason],
        "note": data.note,
        "notify_customer": data.notify_customer,
        "refund": refund.model_dump(mode="json"),
    }
    return Description(
        f"Refunded {_full_refund_words(refund, order, data, told.platform)}.", details
    )


def _preview_refund(told: Described[Order, RefundOrderInput], refund: RefundSummary | None) -> str:
    if refund is None:
        raise ValueError("a refund preview needs the platform's quote")
    return f"Would refund {_full_refund_words(refund, told.target, told.data, told.platform)}."


REFUND_ORDER = ActionWording(
    event_type="order.refunded",
    words="The refund",
    describe=_describe_refund,
    preview=_preview_refund,
)


def _describe_partial_refund(
    told: Described[Order, PartialRefundOrderInput], outcome: ActionOutcome
) -> Description:
    order, data = told.target, told.data
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
    words = _partial_refund_words(refund, order, data, told.platform)
    if data.cancel_unfulfilled:
        return Description(f"Cancelled and refunded {words}", details, "order.partially_cancelled")
    return Description(f"Refunded {words}", details)


def _preview_partial_refund(
    told: Described[Order, PartialRefundOrderInput], refund: RefundSummary | None
) -> str:
    if refund is None:
        raise ValueError("a refund preview needs the platform's quote")
    words = _partial_refund_words(refund, told.target, told.data, told.platform)
    verb = "cancel and refund" if told.data.cancel_unfulfilled else "refund"
    return f"Would {verb} {words}"


PARTIAL_REFUND_ORDER = ActionWording(
    event_type="order.partially_refunded",
    words="The partial refund",
    describe=_describe_partial_refund,
    preview=_preview_partial_refund,
)


def _describe_note(
    told: Described[Order, EditOrderNoteInput], outcome: ActionOutcome
) -> Description:
    data = told.data
    details = {
        "mode": data.mode.value,
        "note": outcome.note,
        "previous_note": outcome.previous_note,
    }
    verb = "Added to" if data.mode.value == "append" else "Updated"
    return Description(
        f"{verb} the note on order {told.target.name}: {_quote(data.note)}.", details
    )


def _preview_note(told: Described[Order, EditOrderNoteInput], refund: RefundSummary | None) -> str:
    data, order = told.data, told.target
    if data.mode.value == "append":
        return f"Would add {_quote(data.note)} to the note on order {order.name}."
    return f"Would replace the note on order {order.name} with {_quote(data.note)}."


EDIT_ORDER_NOTE = ActionWording(
    event_type="order.note_updated",
    words="The note change",
    describe=_describe_note,
    preview=_preview_note,
)


def _describe_discount(
    told: Described[Customer, CreateDiscountCodeInput], outcome: ActionOutcome
) -> Description:
    code = outcome.discount_code
    if code is None:
        raise ValueError("a created discount code event needs the code")
    if code.type is DiscountType.PERCENTAGE:
        value = f"{Decimal(code.value).normalize():f}% off"
    else:
        value = f"{format_money(Money.of(code.value, code.currency or 'USD'))} off"
    expiry = f"expires {format_date(code.ends_at)}" if code.ends_at else "never expires"
    summary = (
        f"Created one-time discount code {code.code} "
        f"({value} {_discount_scope(code.collection_id, code.collection_title)}, {expiry}) "
        f"for {_customer_name(told.target)}."
    )
    return Description(summary, {"discount_code": code.model_dump(mode="json")})


def _preview_discount(
    told: Described[Customer, CreateDiscountCodeInput], refund: RefundSummary | None
) -> str:
    data = told.data
    if data.type is DiscountType.PERCENTAGE:
        value = f"{Decimal(data.value).normalize():f}% off"
    else:
        value = f"{format_decimal(Decimal(data.value))} off in the store's currency"
    months = data.expiry.months
    expiry = "never expires" if months is None else f"expires in {months} months"
    scope = _discount_scope(data.collection_id, None)
    return (
        f"Would create one-time discount code {data.code} ({value} {scope}, {expiry}) "
        f"for {_customer_name(told.target)}."
    )


CREATE_DISCOUNT_CODE = ActionWording(
    event_type="discount_code.created",
    words="The discount code",
    describe=_describe_discount,
    preview=_preview_discount,
)


def _subscription_details(subscription: Subscription, outcome: ActionOutcome) -> dict[str, Any]:
    change = outcome.subscription or SubscriptionChange()
    return {
        "product": subscription.product,
        "quantity": subscription.quantity,
        "frequency": subscription.frequency,
        # Only a reschedule has a date before; its wording names it.
        **change.model_dump(mode="json", exclude={"previous_order_date"}),
    }


def _describe_subscription_cancel(
    told: Described[Subscription, CancelSubscriptionInput], outcome: ActionOutcome
) -> Description:
    subscription, data = told.target, told.data
    details = _subscription_details(subscription, outcome)
    reason = subscription_reason(data.reason, told.reason_labels)
    details.update(reason=data.reason, reason_label=reason, reason_details=data.reason_details)
    every = f" ({subscription.frequency})" if subscription.frequency else ""
    summary = (
        f"Cancelled the subscription to {_subscription_product(subscription)}{every}; no later "
        f"shipments will be sent; reason: {reason}."
    )
    return Description(summary, details)


def _preview_subscription_cancel(
    told: Described[Subscription, CancelSubscriptionInput], refund: RefundSummary | None
) -> str:
    subscription = told.target
    every = f" ({subscription.frequency})" if subscription.frequency else ""
    return (
        f"Would cancel the subscription to {_subscription_product(subscription)}{every}; no "
        f"later shipments would be sent; reason: "
        f"{subscription_reason(told.data.reason, told.reason_labels)}."
    )


CANCEL_SUBSCRIPTION = ActionWording(
    event_type="subscription.cancelled",
    words="The subscription cancellation",
    describe=_describe_subscription_cancel,
    preview=_preview_subscription_cancel,
)


def _describe_skip(
    told: Described[Subscription, SkipSubscriptionOrderInput], outcome: ActionOutcome
) -> Description:
    subscription = told.target
    change = outcome.subscription or SubscriptionChange()
    skipped = change.skipped_order_date or subscription.next_order_date
    what = f"the {format_date(skipped)} order" if skipped else "the next order"
    summary = f"Skipped {what} of {_subscription_product(subscription)}"
    summary += (
        f"; the next one is on {format_date(change.next_order_date)}."
        if change.next_order_date
        else "."
    )
    return Description(summary, _subscription_details(subscription, outcome))


def _preview_skip(
    told: Described[Subscription, SkipSubscriptionOrderInput], refund: RefundSummary | None
) -> str:
    upcoming = told.target.next_order_date
    what = f"the {format_date(upcoming)} order" if upcoming else "the next order"
    return f"Would skip {what} of {_subscription_product(told.target)}."


SKIP_SUBSCRIPTION_ORDER = ActionWording(
    event_type="subscription.skipped",
    words="The skip",
    describe=_describe_skip,
    preview=_preview_skip,
)


def _describe_reschedule(
    told: Described[Subscription, RescheduleSubscriptionOrderInput], outcome: ActionOutcome
) -> Description:
    subscription, data = told.target, told.data
    change = outcome.subscription or SubscriptionChange()
    before = change.previous_order_date or subscription.next_order_date
    after = change.next_order_date or data.date
    details = _subscription_details(subscription, outcome)
    details.update(
        previous_order_date=before.isoformat() if before else None,
        next_order_date=after.isoformat(),
        requested_date=data.date.isoformat(),
        reason=data.reason,
    )
    moved = f"from {format_date(before)} " if before else ""
    summary = (
        f"Moved the next order of {_subscription_product(subscription)} {moved}to "
        f"{format_date(after)}"
    )
    summary += f"; reason: {_quote(data.reason)}." if data.reason else "."
    return Description(summary, details)


def _preview_reschedule(
    told: Described[Subscription, RescheduleSubscriptionOrderInput], refund: RefundSummary | None
) -> str:
    before = told.target.next_order_date
    moved = f"from {format_date(before)} " if before else ""
    return (
        f"Would move the next order of {_subscription_product(told.target)} {moved}to "
        f"{format_date(told.data.date)}."
    )


RESCHEDULE_SUBSCRIPTION_ORDER = ActionWording(
    event_type="subscription.rescheduled",
    words="The reschedule",
    describe=_describe_reschedule,
    preview=_preview_reschedule,
)


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


def _includes_shipping(shipping: Money | None) -> bool:
    return shipping is not None and shipping.value > 0


# --- issue_store_credit ------------------------------------------------------------------------


def _credit_expiry(expires_at: datetime | None) -> str:
    return f"expires {format_date(expires_at)}" if expires_at else "does not expire"


def _describe_store_credit(
    told: Described[Customer, IssueStoreCreditInput], outcome: ActionOutcome
) -> Description:
    credit = outcome.store_credit
    if credit is None:
        raise ValueError("an issued store credit event needs the credit")
    data = told.data
    notified = "customer notified" if credit.notified else "customer not notified"
    reason = f"; reason: {data.reason}" if data.reason else ""
    summary = (
        f"Issued {format_money(credit.amount)} of store credit to {_customer_name(told.target)} "
        f"({_credit_expiry(credit.expires_at)}); new balance {format_money(credit.balance)}; "
        f"{notified}{reason}."
    )
    details = {**credit.model_dump(mode="json"), "reason": data.reason}
    return Description(summary, details)


def _preview_store_credit(
    told: Described[Customer, IssueStoreCreditInput], refund: RefundSummary | None
) -> str:
    data = told.data
    credit = told.foreseen.store_credit if told.foreseen is not None else None
    amount = credit.amount if credit is not None else Money.of(data.amount, data.currency)
    balance = (
        f"; the balance would go from {format_money(credit.previous_balance)} to "
        f"{format_money(credit.balance)}"
        if credit is not None and credit.previous_balance is not None
        else (f"; new balance {format_money(credit.balance)}" if credit is not None else "")
    )
    will_notify = credit.notified if credit is not None else data.notify_customer
    if will_notify:
        notified = "the customer would be notified"
    elif data.notify_customer:
        notified = f"no notification ({told.platform.name} sends no store credit email)"
    else:
        notified = "no notification"
    return (
        f"Would issue {format_money(amount)} of store credit to {_customer_name(told.target)} "
        f"({_credit_expiry(data.expires_at)}){balance}; {notified}."
    )


ISSUE_STORE_CREDIT = ActionWording(
    event_type="customer.store_credit_issued",
    words="The store credit",
    describe=_describe_store_credit,
    preview=_preview_store_credit,
)


REPLACEMENT_REASON_LABELS = {
    "damaged": "arrived damaged",
    "lost_in_transit": "lost in transit",
    "wrong_item": "wrong item sent",
    "missing_item": "item missing from the parcel",
    "other": "other",
}
"""The replacement reasons, as an agent would say them."""


def _replacement_items(order: Order, data: CreateReplacementOrderInput) -> list[dict[str, Any]]:
    names = {line.id: line.name for line in order.line_items}
    return [
        {
            "line_item_id": item.line_item_id,
            "name": names.get(item.line_item_id.rsplit("/", 1)[-1], item.line_item_id),
            "quantity": item.quantity,
        }
        for item in data.line_items
    ]


def _replacement_words(
    order: Order, data: CreateReplacementOrderInput, *, worth: str = "", address: bool = False
) -> str:
    """The items, free, and where they go: the address itself when a preview can say it."""
    items = ", ".join(
        f"{item['quantity']} × {item['name']}" for item in _replacement_items(order, data)
    )
    if address and order.shipping_address is not None:
        where = (
            f"to {_address_line(order.shipping_address)} "
            f"(the shipping address of order {order.name})"
        )
    else:
        where = f"to the shipping address of order {order.name}"
    return f"{items}, at no charge{worth}, {where}"


def _replacement_notice(data: CreateReplacementOrderInput, platform: PlatformProfile) -> str:
    if platform.notification is CustomerNotification.STORE_SETTINGS:
        # BigCommerce sends no order email for orders created through its API [D-orders 60].
        return "no order email is sent"
    return _notified(data.notify_customer, platform)


def _describe_replacement(
    told: Described[Order, CreateReplacementOrderInput], outcome: ActionOutcome
) -> Description:
    order, data = told.target, told.data
    replacement = outcome.replacement_order
    if replacement is None:
        raise ValueError("a replacement event needs the replacement order")
    summary = (
        f"Created replacement order {replacement.name} for order {order.name}: "
        f"{_replacement_words(order, data)}; reason: {REPLACEMENT_REASON_LABELS[data.reason]}; "
        f"{_replacement_notice(data, told.platform)}."
    )
    details = {
        "replacement_order": replacement.model_dump(mode="json"),
        "original_order": {"id": order.id, "name": order.name},
        "shipping_address": (
            order.shipping_address.model_dump(mode="json") if order.shipping_address else None
        ),
        "line_items": _replacement_items(order, data),
        "reason": data.reason.value,
        "note": data.note,
        "notify_customer": data.notify_customer,
    }
    return Description(summary, details)


def _tag_list(tags: list[str]) -> str:
    """``“vip”, “damaged”``: tags quoted, for a sentence."""
    return ", ".join(f"“{tag}”" for tag in tags)


def _tag_changes(added: list[str], removed: list[str], *, would: bool) -> str:
    add, remove = ("add", "remove") if would else ("added", "removed")
    parts = []
    if added:
        parts.append(f"{add} {_tag_list(added)}")
    if removed:
        parts.append(f"{remove} {_tag_list(removed)}")
    return " and ".join(parts)


def _now_tagged(tags: list[str]) -> str:
    return f"now tagged {_tag_list(tags)}" if tags else "no tags left"


def _describe_tags(
    told: Described[Order, EditOrderTagsInput], outcome: ActionOutcome
) -> Description:
    change = outcome.tags
    if change is None:
        raise ValueError("a tags event needs the tags")
    order = told.target
    changes = _tag_changes(change.added, change.removed, would=False)
    if changes:
        summary = f"Tags on order {order.name}: {changes}; {_now_tagged(change.tags)}."
    else:
        summary = (
            f"The tags on order {order.name} already matched the request; nothing changed "
            f"({_now_tagged(change.tags)})."
        )
    details = {
        "added": change.added,
        "removed": change.removed,
        "tags": change.tags,
        "requested_add": told.data.add,
        "requested_remove": told.data.remove,
    }
    return Description(summary, details)


def _preview_replacement(
    told: Described[Order, CreateReplacementOrderInput], refund: RefundSummary | None
) -> str:
    order, data = told.target, told.data
    worth = f" (worth {format_money(told.value)})" if told.value is not None else ""
    return (
        f"Would create a replacement order for order {order.name}: "
        f"{_replacement_words(order, data, worth=worth, address=True)}; reason: "
        f"{REPLACEMENT_REASON_LABELS[data.reason]}; "
        f"{_replacement_notice(data, told.platform)}."
    )


CREATE_REPLACEMENT_ORDER = ActionWording(
    event_type="order.replacement_created",
    words="The replacement order",
    describe=_describe_replacement,
    preview=_preview_replacement,
)


def _preview_tags(told: Described[Order, EditOrderTagsInput], refund: RefundSummary | None) -> str:
    order = told.target
    if order.tags is None:
        changes = _tag_changes(told.data.add, told.data.remove, would=True)
        return f"Would {changes} on order {order.name}."
    added, removed, tags = tags_after_edit(order.tags, told.data)
    changes = _tag_changes(added, removed, would=True)
    after = f"it would be tagged {_tag_list(tags)}" if tags else "it would have no tags"
    if not changes:
        return f"Would change nothing on order {order.name}: {_now_tagged(tags)} already."
    return f"Would {changes} on order {order.name}; {after}."


EDIT_ORDER_TAGS = ActionWording(
    event_type="order.tags_updated",
    words="The tag change",
    describe=_describe_tags,
    preview=_preview_tags,
)


def _address_line(address: Address | None) -> str:
    """``Ada Lovelace, 190 MacLaren, Sudbury ON K2P 0V6, CA``: one line, for a sentence."""
    if address is None:
        return "none"
    name = " ".join(part for part in (address.first_name, address.last_name) if part)
    place = " ".join(
        part for part in (address.city, address.province_code, address.postal_code) if part
    )
    parts = (name, address.company, address.address1, address.address2, place, address.country_code)
    return ", ".join(part for part in parts if part)


def _describe_shipping_address(
    told: Described[Order, UpdateShippingAddressInput], outcome: ActionOutcome
) -> Description:
    change = outcome.shipping_address
    if change is None:
        raise ValueError("a shipping address event needs the addresses")
    summary = (
        f"Changed the shipping address of order {told.target.name} to "
        f"{_address_line(change.after)} (was: {_address_line(change.before)})"
    )
    summary += f"; reason: {_quote(told.data.reason)}." if told.data.reason else "."
    details = {
        "before": change.before.model_dump(mode="json") if change.before else None,
        "after": change.after.model_dump(mode="json"),
        "reason": told.data.reason,
    }
    return Description(summary, details)


def _preview_shipping_address(
    told: Described[Order, UpdateShippingAddressInput], refund: RefundSummary | None
) -> str:
    order = told.target
    wanted = Address(**told.data.address.model_dump())
    now = f" (now: {_address_line(order.shipping_address)})" if order.shipping_address else ""
    return (
        f"Would change the shipping address of order {order.name} to {_address_line(wanted)}"
        f"{now}; shipping costs and taxes are not recalculated."
    )


UPDATE_SHIPPING_ADDRESS = ActionWording(
    event_type="order.shipping_address_updated",
    words="The shipping address change",
    describe=_describe_shipping_address,
    preview=_preview_shipping_address,
)
