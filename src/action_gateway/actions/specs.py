"""One spec per action: its facts, the adapter capability that performs it, how it previews and
how the timeline tells it. The flow (``actions/flow.py``) dispatches through this table.

The plain facts (resource type, request model, money, open conversation, ceiling) are
``domain.models.ACTION_FACTS``, which lower layers (config, eligibility) read too; a spec adds
what needs the platforms and the timeline. Adding an action: see CONTRIBUTING.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from action_gateway.domain.currency import check_precision
from action_gateway.domain.models import (
    ACTION_FACTS,
    ActionFacts,
    ActionName,
    ActionOutcome,
    CancelOrderInput,
    CancelSubscriptionInput,
    Ceiling,
    CreateDiscountCodeInput,
    CreateReplacementOrderInput,
    Customer,
    DiscountType,
    EditOrderNoteInput,
    EditOrderTagsInput,
    IssueStoreCreditInput,
    Money,
    Order,
    PartialRefundOrderInput,
    RefundOrderInput,
    RefundSummary,
    RescheduleSubscriptionOrderInput,
    SkipSubscriptionOrderInput,
    Subscription,
    UpdateShippingAddressInput,
)
from action_gateway.domain.refunds import check_partial_refund
from action_gateway.platforms.base import (
    ActionCall,
    CancelsAndRefundsOrders,
    CancelsOrders,
    CancelsSubscriptions,
    CreatesDiscountCodes,
    CreatesReplacementOrders,
    EditsOrderNotes,
    EditsOrderTags,
    IssuesStoreCredit,
    PartiallyRefundsOrders,
    PreviewsRefunds,
    RefundsOrders,
    ReschedulesSubscriptionOrders,
    SkipsSubscriptionOrders,
    UpdatesShippingAddresses,
)
from action_gateway.timeline import (
    CANCEL_AND_REFUND_ORDER,
    CANCEL_ORDER,
    CANCEL_SUBSCRIPTION,
    CREATE_DISCOUNT_CODE,
    CREATE_REPLACEMENT_ORDER,
    EDIT_ORDER_NOTE,
    EDIT_ORDER_TAGS,
    ISSUE_STORE_CREDIT,
    PARTIAL_REFUND_ORDER,
    REFUND_ORDER,
    RESCHEDULE_SUBSCRIPTION_ORDER,
    SKIP_SUBSCRIPTION_ORDER,
    UPDATE_SHIPPING_ADDRESS,
    ActionWording,
)

CapabilityT = TypeVar("CapabilityT")
TargetT = TypeVar("TargetT", bound=Order | Customer | Subscription)
InputT = TypeVar("InputT")


@dataclass(frozen=True, kw_only=True)
class ActionSpec(Generic[CapabilityT, TargetT, InputT]):
    """Everything the gateway knows about one action, declared once in ``ACTION_SPECS``."""

    facts: ActionFacts
    capability: Callable[..., CapabilityT]
    """The capability Protocol (``platforms/base.py``) an adapter implements to offer it."""
    perform: Callable[[CapabilityT, TargetT, InputT, ActionCall], Awaitable[ActionOutcome]]
    """Performs it through that capability."""
    wording: ActionWording[TargetT, InputT]
    """How the timeline tells it (event type, summary, preview sentence)."""
    quote: Callable[[CapabilityT, TargetT, InputT, ActionCall], Awaitable[RefundSummary]] | None = (
        None
    )
    """What a money-moving action would move, as the platform computes it (executes nothing):
    shown by a dry run and held against the action's ceiling."""
    check_quote: Callable[[TargetT, InputT, RefundSummary], None] | None = None
    """What a dry run checks of the quote, as the execution would."""
    check_amounts: Callable[[CapabilityT, TargetT, InputT, ActionCall], Awaitable[None]] | None = (
        None
    )
    """Refuses money inputs finer than their currency (``amount_precision``), previews too."""
    appraise: Callable[[CapabilityT, TargetT, InputT, ActionCall], Awaitable[Money]] | None = None
    """What a compensating action gives the customer (a replacement's items at the original's
    prices after discounts, a credit), executing nothing: shown by a dry run and held against
    the action's compensation ceiling."""
    foresee: (
        Callable[[CapabilityT, TargetT, InputT, ActionCall], Awaitable[ActionOutcome]] | None
    ) = None
    """What a dry run shows beyond its quote or appraisal, with the values the platform would
    use (e.g. the new store credit balance), reading only; told by the wording's preview."""

    def __post_init__(self) -> None:
        if not isinstance(self.capability, type):
            raise TypeError(f"{self.name}: the capability is a Protocol class")
        if self.facts.moves_money != (self.quote is not None):
            raise TypeError(f"{self.name}: an action that moves money has a quote, no other")
        if self.facts.compensates != (self.appraise is not None):
            raise TypeError(f"{self.name}: a compensating action is appraised, no other")
        if self.facts.ceiling is Ceiling.REFUND and self.quote is None:
            raise TypeError(f"{self.name}: a refund ceiling is held against a quote")
        if self.facts.ceiling is Ceiling.COMPENSATION and self.appraise is None:
            raise TypeError(f"{self.name}: a compensation ceiling is held against an appraisal")

    @property
    def name(self) -> ActionName:
        return self.facts.name

    def implemented_by(self, adapter: object) -> bool:
        """The adapter offers this action's capability (slow: once per connection, at start)."""
        return isinstance(adapter, self.capability)  # type: ignore[arg-type]  # a Protocol class


async def _full_refund_quote(
    adapter: PreviewsRefunds, order: Order, data: object, call: ActionCall
) -> RefundSummary:
    """A full refund including shipping (refund_order, cancel_and_refund_order)."""
    return await adapter.preview_refund(order, None, call=call)


async def _partial_refund_quote(
    adapter: PartiallyRefundsOrders, order: Order, data: PartialRefundOrderInput, call: ActionCall
) -> RefundSummary:
    return await adapter.preview_refund(order, data, call=call)


async def _partial_refund_amounts(
    adapter: PartiallyRefundsOrders, order: Order, data: PartialRefundOrderInput, call: ActionCall
) -> None:
    check_precision(
        {"amount": data.amount, "shipping_amount": data.shipping_amount}, order.refund_currency
    )


async def _discount_amounts(
    adapter: CreatesDiscountCodes,
    customer: Customer,
    data: CreateDiscountCodeInput,
    call: ActionCall,
) -> None:
    if data.type is DiscountType.FIXED_AMOUNT:
        currency = await adapter.discount_currency(call=call)
        if currency is not None:
            check_precision({"value": data.value}, currency)


async def _store_credit_amounts(
    adapter: IssuesStoreCredit, customer: Customer, data: IssueStoreCreditInput, call: ActionCall
) -> None:
    check_precision({"amount": data.amount}, data.currency)


async def _store_credit_value(
    adapter: IssuesStoreCredit, customer: Customer, data: IssueStoreCreditInput, call: ActionCall
) -> Money:
    return Money.of(data.amount, data.currency)


async def _store_credit_preview(
    adapter: IssuesStoreCredit, customer: Customer, data: IssueStoreCreditInput, call: ActionCall
) -> ActionOutcome:
    credit = await adapter.preview_store_credit(customer, data, call=call)
    return ActionOutcome(status="preview", store_credit=credit)


ACTION_SPECS: dict[ActionName, ActionSpec[Any, Any, Any]] = {
    spec.name: spec
    for spec in (
        ActionSpec[CancelsOrders, Order, CancelOrderInput](
            facts=ACTION_FACTS[ActionName.CANCEL_ORDER],
            capability=CancelsOrders,
            perform=lambda adapter, order, data, call: adapter.cancel_order(
                order, data, refund=False, call=call
            ),
            wording=CANCEL_ORDER,
        ),
        ActionSpec[CancelsAndRefundsOrders, Order, CancelOrderInput](
            facts=ACTION_FACTS[ActionName.CANCEL_AND_REFUND_ORDER],
            capability=CancelsAndRefundsOrders,
            perform=lambda adapter, order, data, call: adapter.cancel_order(
                order, data, refund=True, call=call
            ),
            wording=CANCEL_AND_REFUND_ORDER,
            quote=_full_refund_quote,
        ),
        ActionSpec[RefundsOrders, Order, RefundOrderInput](
            facts=ACTION_FACTS[ActionName.REFUND_ORDER],
            capability=RefundsOrders,
            perform=lambda adapter, order, data, call: adapter.refund_order(order, data, call=call),
            wording=REFUND_ORDER,
            quote=_full_refund_quote,
        ),
        ActionSpec[PartiallyRefundsOrders, Order, PartialRefundOrderInput](
            facts=ACTION_FACTS[ActionName.PARTIAL_REFUND_ORDER],
            capability=PartiallyRefundsOrders,
            perform=lambda adapter, order, data, call: adapter.partial_refund_order(
                order, data, call=call
            ),
            wording=PARTIAL_REFUND_ORDER,
            quote=_partial_refund_quote,
            check_quote=check_partial_refund,
            check_amounts=_partial_refund_amounts,
        ),
        ActionSpec[EditsOrderNotes, Order, EditOrderNoteInput](
            facts=ACTION_FACTS[ActionName.EDIT_ORDER_NOTE],
            capability=EditsOrderNotes,
            perform=lambda adapter, order, data, call: adapter.edit_order_note(
                order, data, call=call
            ),
            wording=EDIT_ORDER_NOTE,
        ),
        ActionSpec[CreatesDiscountCodes, Customer, CreateDiscountCodeInput](
            facts=ACTION_FACTS[ActionName.CREATE_DISCOUNT_CODE],
            capability=CreatesDiscountCodes,
            perform=lambda adapter, customer, data, call: adapter.create_discount_code(
                customer, data, call=call
            ),
            wording=CREATE_DISCOUNT_CODE,
            check_amounts=_discount_amounts,
        ),
        ActionSpec[CancelsSubscriptions, Subscription, CancelSubscriptionInput](
            facts=ACTION_FACTS[ActionName.CANCEL_SUBSCRIPTION],
            capability=CancelsSubscriptions,
            perform=lambda adapter, subscription, data, call: adapter.cancel_subscription(
                subscription, data, call=call
            ),
            wording=CANCEL_SUBSCRIPTION,
        ),
        ActionSpec[SkipsSubscriptionOrders, Subscription, SkipSubscriptionOrderInput](
            facts=ACTION_FACTS[ActionName.SKIP_SUBSCRIPTION_ORDER],
            capability=SkipsSubscriptionOrders,
            perform=lambda adapter, subscription, data, call: adapter.skip_subscription_order(
                subscription, data, call=call
            ),
            wording=SKIP_SUBSCRIPTION_ORDER,
        ),
        ActionSpec[IssuesStoreCredit, Customer, IssueStoreCreditInput](
            facts=ACTION_FACTS[ActionName.ISSUE_STORE_CREDIT],
            capability=IssuesStoreCredit,
            perform=lambda adapter, customer, data, call: adapter.issue_store_credit(
                customer, data, call=call
            ),
            wording=ISSUE_STORE_CREDIT,
            check_amounts=_store_credit_amounts,
            appraise=_store_credit_value,
            foresee=_store_credit_preview,
        ),
        ActionSpec[ReschedulesSubscriptionOrders, Subscription, RescheduleSubscriptionOrderInput](
            facts=ACTION_FACTS[ActionName.RESCHEDULE_SUBSCRIPTION_ORDER],
            capability=ReschedulesSubscriptionOrders,
            perform=lambda adapter, subscription, data, call: adapter.reschedule_subscription_order(
                subscription, data, call=call
            ),
            wording=RESCHEDULE_SUBSCRIPTION_ORDER,
        ),
        ActionSpec[CreatesReplacementOrders, Order, CreateReplacementOrderInput](
            facts=ACTION_FACTS[ActionName.CREATE_REPLACEMENT_ORDER],
            capability=CreatesReplacementOrders,
            perform=lambda adapter, order, data, call: adapter.create_replacement_order(
                order, data, call=call
            ),
            wording=CREATE_REPLACEMENT_ORDER,
            appraise=lambda adapter, order, data, call: adapter.appraise_replacement(
                order, data, call=call
            ),
        ),
        ActionSpec[EditsOrderTags, Order, EditOrderTagsInput](
            facts=ACTION_FACTS[ActionName.EDIT_ORDER_TAGS],
            capability=EditsOrderTags,
            perform=lambda adapter, order, data, call: adapter.edit_order_tags(
                order, data, call=call
            ),
            wording=EDIT_ORDER_TAGS,
        ),
        ActionSpec[UpdatesShippingAddresses, Order, UpdateShippingAddressInput](
            facts=ACTION_FACTS[ActionName.UPDATE_SHIPPING_ADDRESS],
            capability=UpdatesShippingAddresses,
            perform=lambda adapter, order, data, call: adapter.update_shipping_address(
                order, data, call=call
            ),
            wording=UPDATE_SHIPPING_ADDRESS,
        ),
    )
}
"""Every action's spec, keyed by its name."""


def supported_actions(adapter: object) -> frozenset[ActionName]:
    """The actions whose capability ``adapter`` implements, in no particular order.

    Computed once per connection when it is built (``Connection.supported_actions``).
    """
    return frozenset(name for name, spec in ACTION_SPECS.items() if spec.implemented_by(adapter))
