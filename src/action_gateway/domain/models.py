"""Platform-neutral models: what the API takes and what the adapters return.

Vendor payload shapes never appear here; each platform package translates to and from these.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    computed_field,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from action_gateway.domain.countries import is_country_code

DECIMAL_PATTERN = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$"
POSITIVE_DECIMAL_PATTERN = r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"


class NamedSchema:
    """Gives a constrained type its own JSON Schema definition (``$ref``) under ``name``.

    Generators then name it once instead of once per field that uses it (``AmountReceived``,
    ``AmountReceived1``, ...).
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema = dict(handler(source))
        schema["ref"] = self.name
        return cast(core_schema.CoreSchema, schema)


DecimalString = Annotated[
    str,
    Field(pattern=DECIMAL_PATTERN, description="A decimal number written as a string."),
    NamedSchema("DecimalString"),
]


Platform = Annotated[str, NamedSchema("Platform")]
"""A platform's id (``shopify``): one of the registered platforms (``platforms/registry.py``).

The OpenAPI document lists the registered ids as this schema's enum (``api/openapi.py``).
"""


class ActionName(StrEnum):
    """Normalized action names, the same on every platform."""

    CANCEL_ORDER = "cancel_order"
    CANCEL_AND_REFUND_ORDER = "cancel_and_refund_order"
    REFUND_ORDER = "refund_order"
    PARTIAL_REFUND_ORDER = "partial_refund_order"
    EDIT_ORDER_NOTE = "edit_order_note"
    CREATE_DISCOUNT_CODE = "create_discount_code"
    CANCEL_SUBSCRIPTION = "cancel_subscription"
    SKIP_SUBSCRIPTION_ORDER = "skip_subscription_order"
    ISSUE_STORE_CREDIT = "issue_store_credit"
    RESCHEDULE_SUBSCRIPTION_ORDER = "reschedule_subscription_order"
    CREATE_REPLACEMENT_ORDER = "create_replacement_order"
    EDIT_ORDER_TAGS = "edit_order_tags"
    UPDATE_SHIPPING_ADDRESS = "update_shipping_address"


class ResourceType(StrEnum):
    ORDER = "order"
    CUSTOMER = "customer"
    SUBSCRIPTION = "subscription"


class ResponseModel(BaseModel):
    """A model the API answers with: every field is always in the answer (``None`` as null), so
    the OpenAPI document, written in serialization mode, lists each one as required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class StrictModel(BaseModel):
    """Request models refuse unknown fields so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Money(ResponseModel):
    """An amount as a decimal string with its ISO 4217 currency code."""

    model_config = ConfigDict(frozen=True)

    amount: Annotated[str, Field(pattern=DECIMAL_PATTERN, examples=["54.20"])]
    currency: Annotated[str, Field(pattern=CURRENCY_PATTERN, examples=["USD"])]

    @classmethod
    def of(cls, amount: Decimal | str, currency: str) -> Money:
        return _money(cls, amount, currency)

    @property
    def value(self) -> Decimal:
        return Decimal(self.amount)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@functools.lru_cache(maxsize=4096)
def _money(cls: type[Money], amount: Decimal | str, currency: str) -> Money:
    """Validated once per amount and currency: a frozen Money is shared safely (a mapped order
    holds a dozen, most of them repeated from one read to the next)."""
    return cls(amount=format_decimal(Decimal(amount)), currency=currency)


def format_decimal(value: Decimal) -> str:
    """Two decimals at least (money as people read it), more only when the value has them."""
    quantized = (
        value.quantize(Decimal("0.01")) if value == value.quantize(Decimal("0.01")) else value
    )
    text = format(quantized, "f")
    return "0.00" if text in {"-0.00", "-0"} else text


# --- Request side ----------------------------------------------------------------------------


class CancelReason(StrEnum):
    """Why an order is cancelled (the reasons Shopify accepts, shared by every platform)."""

    CUSTOMER = "customer"
    INVENTORY = "inventory"
    FRAUD = "fraud"
    DECLINED = "declined"
    STAFF = "staff"
    OTHER = "other"


RefundReason = CancelReason


class ConversationStatus(StrEnum):
    """A helpdesk conversation's status, as Zendesk, Gorgias, Gladly, Kustomer, Freshdesk and
    Intercom send it (matched case-insensitively). Only ``open`` counts as open."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    WAITING = "waiting"
    ON_HOLD = "on_hold"
    SNOOZED = "snoozed"
    SOLVED = "solved"
    RESOLVED = "resolved"
    DONE = "done"
    CLOSED = "closed"


_CONVERSATION_STATUS_ALIASES = {"hold": ConversationStatus.ON_HOLD.value}  # Zendesk's spelling


def _normalize_conversation_status(value: object) -> object:
    """``OPEN``, ``On hold``, ``on-hold`` and Zendesk's ``hold`` as the enum's lower-case values."""
    if not isinstance(value, str):
        return value
    text = "_".join(value.strip().casefold().replace("-", " ").split())
    return _CONVERSATION_STATUS_ALIASES.get(text, text)


ConversationStatusInput = Annotated[
    ConversationStatus, BeforeValidator(_normalize_conversation_status)
]
CONVERSATION_STATUS_DESCRIPTION = (
    "The conversation's status in the helpdesk, case-insensitive (Zendesk's `hold` is "
    "`on_hold`); anything else is refused. Actions that need an open conversation "
    "(subscription cancel and skip; reschedule on Ordergroove) are offered only when it is "
    "`open`."
)


class ActionContext(StrictModel):
    """Who acts, from which conversation."""

    agent_id: Annotated[str | None, Field(max_length=200)] = None
    agent_roles: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)] = []
    conversation_id: Annotated[str | None, Field(max_length=200)] = None
    conversation_status: Annotated[
        ConversationStatusInput | None,
        Field(description=CONVERSATION_STATUS_DESCRIPTION, examples=["open"]),
    ] = None


PlatformId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:/#-]+$")]


class OrderTarget(StrictModel):
    order_id: PlatformId


class CustomerTarget(StrictModel):
    customer_id: PlatformId


class SubscriptionTarget(StrictModel):
    subscription_id: PlatformId


StaffNote = Annotated[str, Field(max_length=255)]
ReasonNote = Annotated[
    str,
    Field(max_length=255, description="Why, in the agent's words: told in the timeline."),
    NamedSchema("ReasonNote"),
]
"""The free-text reason of an action whose platform keeps none (one schema, one generated name)."""


class CancelOrderInput(StrictModel):
    reason: CancelReason
    staff_note: StaffNote | None = None
    notify_customer: bool = False
    restock: bool = False


class CancelAndRefundOrderInput(CancelOrderInput):
    pass


class RefundOrderInput(StrictModel):
    reason: RefundReason
    note: Annotated[str | None, Field(max_length=255)] = None
    notify_customer: bool = False


class PartialRefundLineItem(StrictModel):
    line_item_id: PlatformId
    quantity: Annotated[int, Field(ge=1, le=100_000)]
    restock: Annotated[
        bool,
        Field(
            description="Put the units back in stock (where the platform can; the answer says "
            "when it cannot)."
        ),
    ] = False


class PartialRefundOrderInput(StrictModel):
    """Refund part of an order: line items by quantity, some shipping, or a manual total."""

    reason: RefundReason
    note: Annotated[str | None, Field(max_length=255)] = None
    notify_customer: bool = False
    line_items: Annotated[list[PartialRefundLineItem], Field(max_length=250)] = []
    shipping_amount: Annotated[
        str | None,
        Field(
            pattern=POSITIVE_DECIMAL_PATTERN,
            description="Shipping to refund, never above what is still refundable.",
        ),
    ] = None
    amount: Annotated[
        str | None,
        Field(
            pattern=POSITIVE_DECIMAL_PATTERN,
            description="Manual override of the refund total, never above the maximum refundable.",
        ),
    ] = None
    cancel_unfulfilled: Annotated[
        bool,
        Field(
            description="Shopify: refund unfulfilled units with the CANCEL restock type, which "
            "removes them from the order (a partial cancel)."
        ),
    ] = False

    @model_validator(mode="after")
    def _something_to_refund(self) -> PartialRefundOrderInput:
        if not self.line_items and self.shipping_amount is None and self.amount is None:
            raise ValueError("name line items, a shipping amount or an amount to refund")
        ids = [item.line_item_id for item in self.line_items]
        if len(ids) != len(set(ids)):
            raise ValueError("each line item may appear once")
        if self.amount is not None and Decimal(self.amount) <= 0:
            raise ValueError("amount must be greater than zero")
        return self


class NoteMode(StrEnum):
    REPLACE = "replace"
    APPEND = "append"


class EditOrderNoteInput(StrictModel):
    note: Annotated[str, Field(max_length=5000)]
    mode: NoteMode = NoteMode.REPLACE


class DiscountType(StrEnum):
    FIXED_AMOUNT = "fixed_amount"
    PERCENTAGE = "percentage"


class DiscountExpiry(StrEnum):
    ONE_MONTH = "1_month"
    THREE_MONTHS = "3_months"
    SIX_MONTHS = "6_months"
    NINE_MONTHS = "9_months"
    NEVER = "never"

    @property
    def months(self) -> int | None:
        return None if self is DiscountExpiry.NEVER else int(self.value.split("_", 1)[0])


class CreateDiscountCodeInput(StrictModel):
    """A one-time discount code on line items (never shipping)."""

    code: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_-]+$")]
    type: DiscountType
    value: Annotated[
        str,
        Field(
            pattern=POSITIVE_DECIMAL_PATTERN,
            description="Fixed amount in the store's currency, or a percentage (30 means 30 %).",
            examples=["15"],
        ),
    ]
    collection_id: Annotated[
        PlatformId | None,
        Field(description="The one collection (category) it applies to; omitted means all."),
    ] = None
    expiry: DiscountExpiry
    title: Annotated[str | None, Field(max_length=255)] = None

    @model_validator(mode="after")
    def _value_in_range(self) -> CreateDiscountCodeInput:
        value = Decimal(self.value)
        if value <= 0:
            raise ValueError("value must be greater than zero")
        if self.type is DiscountType.PERCENTAGE and value > 100:
            raise ValueError("a percentage value must be between 0 and 100")
        return self


class CancelSubscriptionInput(StrictModel):
    reason: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            description="A reason code (Ordergroove: the merchant's cancel reason code).",
            examples=["too_much_product"],
        ),
    ]
    reason_details: Annotated[
        str | None, Field(max_length=1000, description="Free text the agent adds.")
    ] = None


class SkipSubscriptionOrderInput(StrictModel):
    pass


class IssueStoreCreditInput(StrictModel):
    """Store credit for the customer: a balance they spend at checkout, never cash."""

    amount: Annotated[
        str,
        Field(
            pattern=POSITIVE_DECIMAL_PATTERN,
            description="The credit to add, no finer than the currency allows.",
            examples=["15.00"],
        ),
    ]
    currency: Annotated[
        str,
        Field(
            pattern=CURRENCY_PATTERN,
            description="ISO 4217 code of the credit (BigCommerce: the store's default currency "
            "only; Shopify keeps one account per currency).",
            examples=["USD"],
        ),
    ]
    expires_at: Annotated[
        datetime | None,
        Field(description="Shopify only: when the credit expires (in the future, with a zone)."),
    ] = None
    notify_customer: bool = False
    reason: ReasonNote | None = None

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in _iso_currencies():
            raise ValueError(f"{value} is not an ISO 4217 currency in use")
        return value

    @field_validator("expires_at")
    @classmethod
    def _expires_in_the_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("expires_at needs a time zone (e.g. 2027-01-31T23:59:59Z)")
        if value <= datetime.now(value.tzinfo):
            raise ValueError("expires_at must be in the future")
        return value

    @model_validator(mode="after")
    def _positive(self) -> IssueStoreCreditInput:
        if Decimal(self.amount) <= 0:
            raise ValueError("amount must be greater than zero")
        return self


@functools.lru_cache(maxsize=1)
def _iso_currencies() -> frozenset[str]:
    """ISO 4217 codes legal tender somewhere today, from babel's CLDR data (as
    ``domain.currency`` reads minor units): no withdrawn (DEM) or non-money (XAU, XXX) codes."""
    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    return frozenset(
        code
        for territory in get_global("territory_currencies")
        for code in get_territory_currencies(territory, tender=True)
    )


RESCHEDULE_HORIZON_DAYS = 365
"""How far ahead a subscription's next order may be moved."""
_Date = date  # the input's field is named `date`


def subscription_today() -> date:
    """Today, as a rescheduled date is held against it."""
    # UTC: Recharge's dates are UTC, and Ordergroove's API names no merchant time zone (its own
    # refusal of a date its clock calls past reaches the caller verbatim).
    return datetime.now(UTC).date()


class RescheduleSubscriptionOrderInput(StrictModel):
    date: Annotated[
        _Date,
        Field(
            description="The new date of the subscription's next order (YYYY-MM-DD): after "
            f"today (UTC) and at most {RESCHEDULE_HORIZON_DAYS} days ahead.",
            examples=["2027-01-15"],
        ),
    ]
    reason: ReasonNote | None = None

    @field_validator("date")
    @classmethod
    def _ahead_within_horizon(cls, value: _Date) -> _Date:
        today = subscription_today()
        if value <= today:
            raise ValueError(f"date must be after today ({today.isoformat()}, UTC)")
        latest = today + timedelta(days=RESCHEDULE_HORIZON_DAYS)
        if value > latest:
            raise ValueError(
                f"date must be at most {RESCHEDULE_HORIZON_DAYS} days ahead "
                f"({latest.isoformat()} at the latest)"
            )
        return value


ORDER_TAG_MAX_LENGTH = 40
"""Shopify keeps each order tag to 40 characters."""

OrderTag = Annotated[
    str,
    Field(
        min_length=1,
        max_length=ORDER_TAG_MAX_LENGTH,
        # Shopify splits a tag at each comma: "a,b" would become two tags.
        pattern=r"^[^,]*$",
        description="One tag, 1-40 characters, no commas.",
        examples=["vip"],
    ),
]


def _strip_tags(value: object) -> object:
    """Tags as the platform keeps them: without surrounding spaces."""
    if not isinstance(value, list):
        return value
    return [tag.strip() if isinstance(tag, str) else tag for tag in value]


OrderTagList = Annotated[list[OrderTag], Field(max_length=100), BeforeValidator(_strip_tags)]


class EditOrderTagsInput(StrictModel):
    """Add and remove an order's tags; the other tags on it stay as they are."""

    add: Annotated[OrderTagList, Field(description="Tags to put on the order.")] = []
    remove: Annotated[
        OrderTagList,
        Field(description="Tags to take off the order (matched regardless of case)."),
    ] = []

    @model_validator(mode="after")
    def _something_to_change(self) -> EditOrderTagsInput:
        if not self.add and not self.remove:
            raise ValueError("name at least one tag to add or remove")
        added = {tag.casefold() for tag in self.add}
        both = [tag for tag in self.remove if tag.casefold() in added]
        if both:
            raise ValueError(f"a tag cannot be both added and removed: {', '.join(both)}")
        return self


def tags_after_edit(
    current: list[str], data: EditOrderTagsInput
) -> tuple[list[str], list[str], list[str]]:
    """The tags an edit adds and removes on an order tagged ``current``, and the tags then on it.

    Tags compare regardless of case (Shopify: adding ``red`` to ``Red`` keeps ``Red``); a
    removed tag is named with the order's own casing. Sorted as Shopify lists them.
    """
    present = {tag.casefold() for tag in current}
    dropping = {tag.casefold() for tag in data.remove}
    removed = [tag for tag in current if tag.casefold() in dropping]
    added: list[str] = []
    for tag in data.add:
        if tag.casefold() not in present and tag.casefold() not in {a.casefold() for a in added}:
            added.append(tag)
    kept = [tag for tag in current if tag.casefold() not in dropping]
    return added, removed, sorted(kept + added, key=str.casefold)


def _country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code that exists (pycountry's list), upper-cased."""
    code = value.strip().upper()
    if not is_country_code(code):
        raise ValueError(f"{value} is not an ISO 3166-1 alpha-2 country code")
    return code


CountryCode = Annotated[
    str,
    Field(
        min_length=2,
        max_length=2,
        description="ISO 3166-1 alpha-2 country code.",
        examples=["CA"],
    ),
    AfterValidator(_country_code),
]

AddressLine = Annotated[str, Field(min_length=1, max_length=255)]
AddressText = Annotated[str, Field(max_length=255), NamedSchema("AddressText")]
"""An optional part of an address, named once (generators would otherwise name its type after
the field, ``Address2``)."""
OptionalAddressLine = AddressText | None


class AddressInput(StrictModel):
    """A complete shipping address; it replaces the order's whole shipping address."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: AddressLine
    last_name: AddressLine
    company: OptionalAddressLine = None
    address1: AddressLine
    address2: OptionalAddressLine = None
    city: AddressLine
    province_code: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=10,
            pattern=r"^[A-Za-z0-9]+$",
            description="The state or province code, as in ISO 3166-2 without the country "
            "(`ON`, `NSW`); where the country has provinces.",
            examples=["ON"],
        ),
    ] = None
    postal_code: Annotated[str, Field(min_length=1, max_length=20)]
    country_code: CountryCode
    phone: Annotated[str | None, Field(max_length=50)] = None

    @field_validator("province_code")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class UpdateShippingAddressInput(StrictModel):
    address: AddressInput
    reason: Annotated[str | None, Field(max_length=255)] = None


class _ActionRequestBase(StrictModel):
    connection: Annotated[str, Field(min_length=1, max_length=100, examples=["sandbox-shopify"])]
    context: ActionContext = ActionContext()
    dry_run: Annotated[
        bool,
        Field(
            description="POST /v1/actions only: preview instead of performing (kept for "
            "compatibility; POST /v1/actions/preview is the preview operation and ignores it). "
            "The Idempotency-Key is still required, and is not recorded."
        ),
    ] = False


class CancelOrderRequest(_ActionRequestBase):
    action: Literal["cancel_order"]
    target: OrderTarget
    input: CancelOrderInput


class CancelAndRefundOrderRequest(_ActionRequestBase):
    action: Literal["cancel_and_refund_order"]
    target: OrderTarget
    input: CancelAndRefundOrderInput


class RefundOrderRequest(_ActionRequestBase):
    action: Literal["refund_order"]
    target: OrderTarget
    input: RefundOrderInput


class PartialRefundOrderRequest(_ActionRequestBase):
    action: Literal["partial_refund_order"]
    target: OrderTarget
    input: PartialRefundOrderInput


class EditOrderNoteRequest(_ActionRequestBase):
    action: Literal["edit_order_note"]
    target: OrderTarget
    input: EditOrderNoteInput


class CreateDiscountCodeRequest(_ActionRequestBase):
    action: Literal["create_discount_code"]
    target: CustomerTarget
    input: CreateDiscountCodeInput


class CancelSubscriptionRequest(_ActionRequestBase):
    action: Literal["cancel_subscription"]
    target: SubscriptionTarget
    input: CancelSubscriptionInput


class ReplacementReason(StrEnum):
    """Why the customer gets a replacement."""

    DAMAGED = "damaged"
    LOST_IN_TRANSIT = "lost_in_transit"
    WRONG_ITEM = "wrong_item"
    MISSING_ITEM = "missing_item"
    OTHER = "other"


class ReplacementLineItem(StrictModel):
    line_item_id: PlatformId
    quantity: Annotated[
        int,
        Field(ge=1, le=100_000, description="Units to send again: at most what was ordered."),
    ]


class CreateReplacementOrderInput(StrictModel):
    """A new order for the same customer, at no charge, shipped to the original's shipping
    address and linked to it both ways."""

    line_items: Annotated[list[ReplacementLineItem], Field(min_length=1, max_length=250)]
    reason: ReplacementReason
    note: Annotated[str | None, Field(max_length=255)] = None
    notify_customer: bool = False


class SkipSubscriptionOrderRequest(_ActionRequestBase):
    action: Literal["skip_subscription_order"]
    target: SubscriptionTarget
    input: SkipSubscriptionOrderInput = SkipSubscriptionOrderInput()


class IssueStoreCreditRequest(_ActionRequestBase):
    action: Literal["issue_store_credit"]
    target: CustomerTarget
    input: IssueStoreCreditInput


class RescheduleSubscriptionOrderRequest(_ActionRequestBase):
    action: Literal["reschedule_subscription_order"]
    target: SubscriptionTarget
    input: RescheduleSubscriptionOrderInput


class CreateReplacementOrderRequest(_ActionRequestBase):
    action: Literal["create_replacement_order"]
    target: OrderTarget
    input: CreateReplacementOrderInput


class EditOrderTagsRequest(_ActionRequestBase):
    action: Literal["edit_order_tags"]
    target: OrderTarget
    input: EditOrderTagsInput


class UpdateShippingAddressRequest(_ActionRequestBase):
    action: Literal["update_shipping_address"]
    target: OrderTarget
    input: UpdateShippingAddressInput


ActionRequest = Annotated[
    CancelOrderRequest
    | CancelAndRefundOrderRequest
    | RefundOrderRequest
    | PartialRefundOrderRequest
    | EditOrderNoteRequest
    | CreateDiscountCodeRequest
    | CancelSubscriptionRequest
    | SkipSubscriptionOrderRequest
    | IssueStoreCreditRequest
    | RescheduleSubscriptionOrderRequest
    | CreateReplacementOrderRequest
    | EditOrderTagsRequest
    | UpdateShippingAddressRequest,
    Field(discriminator="action"),
]


class Ceiling(StrEnum):
    """Which of a connection's per-role amount ceilings (its ``actions`` settings) limits an
    action; the value is the setting's name."""

    REFUND = "refund_ceilings"
    COMPENSATION = "compensation_ceilings"


@dataclass(frozen=True, kw_only=True)
class ActionFacts:
    """The plain facts of one action, which every layer may read.

    The actions layer's ``ActionSpec`` (``actions/specs.py``) adds how the action runs: the
    adapter capability that performs it, its preview and its timeline wording.
    """

    name: ActionName
    resource_type: ResourceType
    request_model: type[_ActionRequestBase]
    moves_money: bool = False
    """It moves the customer's money (a refund): dry runs and ceilings quote the amount first."""
    compensates: bool = False
    """It makes up to the customer for a problem (a replacement, store credit): dry runs and
    ceilings appraise what it gives first."""
    needs_open_conversation: bool = False
    """Offered only in an open helpdesk conversation: every matrix offering it must guard it so
    (``eligibility/loading.py`` checks)."""
    ceiling: Ceiling | None = None
    """The per-role amount ceiling that limits it, if any."""
    cancels: bool = False
    """It cancels an order or a subscription (cannot be undone by another action)."""

    @property
    def destructive(self) -> bool:
        """It cancels, or moves money or value to the customer: an agent host should confirm it
        (the MCP tool's ``destructiveHint``)."""
        return self.cancels or self.moves_money or self.compensates

    @property
    def input_model(self) -> type[BaseModel]:
        annotation = self.request_model.model_fields["input"].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise TypeError(f"{self.name} has no input model")
        return annotation


ACTION_FACTS: dict[ActionName, ActionFacts] = {
    facts.name: facts
    for facts in (
        ActionFacts(
            name=ActionName.CANCEL_ORDER,
            resource_type=ResourceType.ORDER,
            request_model=CancelOrderRequest,
            cancels=True,
        ),
        ActionFacts(
            name=ActionName.CANCEL_AND_REFUND_ORDER,
            resource_type=ResourceType.ORDER,
            request_model=CancelAndRefundOrderRequest,
            moves_money=True,
            ceiling=Ceiling.REFUND,
            cancels=True,
        ),
        ActionFacts(
            name=ActionName.REFUND_ORDER,
            resource_type=ResourceType.ORDER,
            request_model=RefundOrderRequest,
            moves_money=True,
            ceiling=Ceiling.REFUND,
        ),
        ActionFacts(
            name=ActionName.PARTIAL_REFUND_ORDER,
            resource_type=ResourceType.ORDER,
            request_model=PartialRefundOrderRequest,
            moves_money=True,
            ceiling=Ceiling.REFUND,
        ),
        ActionFacts(
            name=ActionName.EDIT_ORDER_NOTE,
            resource_type=ResourceType.ORDER,
            request_model=EditOrderNoteRequest,
        ),
        ActionFacts(
            name=ActionName.CREATE_DISCOUNT_CODE,
            resource_type=ResourceType.CUSTOMER,
            request_model=CreateDiscountCodeRequest,
        ),
        ActionFacts(
            name=ActionName.CANCEL_SUBSCRIPTION,
            resource_type=ResourceType.SUBSCRIPTION,
            request_model=CancelSubscriptionRequest,
            needs_open_conversation=True,
            cancels=True,
        ),
        ActionFacts(
            name=ActionName.SKIP_SUBSCRIPTION_ORDER,
            resource_type=ResourceType.SUBSCRIPTION,
            request_model=SkipSubscriptionOrderRequest,
            needs_open_conversation=True,
        ),
        ActionFacts(
            name=ActionName.ISSUE_STORE_CREDIT,
            resource_type=ResourceType.CUSTOMER,
            request_model=IssueStoreCreditRequest,
            compensates=True,
            ceiling=Ceiling.COMPENSATION,
        ),
        # Not every platform needs an open conversation for it: Ordergroove's matrix guards it.
        ActionFacts(
            name=ActionName.RESCHEDULE_SUBSCRIPTION_ORDER,
            resource_type=ResourceType.SUBSCRIPTION,
            request_model=RescheduleSubscriptionOrderRequest,
        ),
        ActionFacts(
            name=ActionName.CREATE_REPLACEMENT_ORDER,
            resource_type=ResourceType.ORDER,
            request_model=CreateReplacementOrderRequest,
            compensates=True,
            ceiling=Ceiling.COMPENSATION,
        ),
        ActionFacts(
            name=ActionName.EDIT_ORDER_TAGS,
            resource_type=ResourceType.ORDER,
            request_model=EditOrderTagsRequest,
        ),
        ActionFacts(
            name=ActionName.UPDATE_SHIPPING_ADDRESS,
            resource_type=ResourceType.ORDER,
            request_model=UpdateShippingAddressRequest,
        ),
    )
}
"""Every action's plain facts, declared once (``actions/specs.py`` builds on each)."""


# --- Resource side (what adapters return) -----------------------------------------------------


class OrderState(ResponseModel):
    """The status facts eligibility is decided on, in the platform's own vocabulary.

    Shopify: ``financial_status`` / ``fulfillment_status`` are the API enum values lower-cased
    (``financial_status`` may be null), ``amount_received`` disambiguates a null status.
    BigCommerce: ``status_id`` (0-14), never the renamable label.
    A platform's own facts beyond these travel as extra keys, named as its matrix declares them
    (Magento: ``state``, ``uninvoiced``, ``paid``, ``shipped``).
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    financial_status: str | None = None
    fulfillment_status: str | None = None
    cancelled: bool = False
    amount_received: DecimalString | None = None
    status_id: int | None = None
    status_label: str | None = None
    has_shipping_address: bool | None = None
    """The order ships somewhere (not a pickup or digital order); null where not read."""

    def as_facts(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class LineItem(ResponseModel):
    id: str
    name: str
    sku: str | None = None
    quantity: int
    refundable_quantity: int | None = None
    unfulfilled_quantity: int | None = None
    unit_price: Money | None = None


class OrderTotals(ResponseModel):
    total: Money
    received: Money | None = None
    refunded: Money | None = None
    outstanding: Money | None = None
    shipping: Money | None = None
    refunded_shipping: Money | None = None


class Address(ResponseModel):
    """A postal address as the platform keeps it."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    province: str | None = Field(default=None, description="The province's name, when given.")
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None


class Order(ResponseModel):
    """An order as a platform adapter reads it, before eligibility is attached."""

    id: str
    name: str
    platform_id: str
    customer_id: str | None = None
    created_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    state: OrderState
    currency: str = Field(description="The currency of `totals`: the shop's (store's) currency.")
    totals: OrderTotals
    presentment_currency: str | None = Field(
        default=None,
        description="The currency the customer saw and paid in (Shopify's presentment currency) "
        "when it differs from `currency`; refunds move in it.",
    )
    presentment_totals: OrderTotals | None = Field(
        default=None,
        description="The totals in the customer's (presentment) currency, when it differs.",
    )
    note: str | None = None
    line_items: list[LineItem] = []
    admin_url: str | None = None
    tags: list[str] | None = Field(
        default=None,
        description="The order's tags (Shopify), as read with the order; null where the "
        "platform has none or they were not read (order lists).",
    )
    shipping_address: Address | None = Field(
        default=None,
        description="Where the order ships; null when it ships nowhere (pickup, digital) or "
        "was not read.",
    )

    @property
    def refund_currency(self) -> str:
        """The currency refund amounts are stated and sent in (the customer's)."""
        return self.presentment_currency or self.currency


class Customer(ResponseModel):
    id: str
    platform_id: str
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None
    orders_count: int | None = None
    admin_url: str | None = None


class CustomerWithOrders(BaseModel):
    customer: Customer
    orders: list[Order]
    has_more_orders: bool = False
    next_orders_cursor: str | None = None
    """The platform's own position after these orders (None: no more), for ``list_customer_orders``;
    the API hands it out only wrapped and signed (``api/cursors.py``)."""


class OrderPage(BaseModel):
    """One page of a customer's orders, newest first."""

    orders: list[Order]
    has_more_orders: bool = False
    next_orders_cursor: str | None = None


class RefundLine(ResponseModel):
    line_item_id: str
    name: str | None = None
    quantity: int
    amount: Money | None = None
    restock_type: str | None = Field(
        default=None, description="no_restock, return, cancel (Shopify); null where not possible."
    )


class RefundTransaction(ResponseModel):
    gateway: str
    amount: Money
    kind: str = "refund"
    status: str | None = None


class RefundSummary(ResponseModel):
    """What a refund moved, or (as a preview) would move, as the platform computed it."""

    total: Money
    shipping: Money | None = None
    line_items: list[RefundLine] = []
    transactions: list[RefundTransaction] = []
    maximum_refundable: Money | None = None
    shipping_refundable: Money | None = Field(
        default=None, description="Shipping still refundable, when the platform says."
    )
    refund_id: str | None = None
    currency_side: CurrencySide | None = Field(
        default=None,
        description="Which of the order's currencies the amounts state: `presentment` (the "
        "customer's, Shopify) or `shop`; null where the platform has one currency per order.",
    )
    notes: list[str] = Field(
        default=[],
        description="What the platform could not do as asked (e.g. restock), in plain words.",
    )


class DiscountCode(ResponseModel):
    id: str
    code: str
    type: DiscountType
    value: str
    currency: str | None = None
    applies_to: str
    collection_id: str | None = None
    collection_title: str | None = Field(
        default=None, description="The collection's title, when the platform gives it."
    )
    starts_at: datetime
    ends_at: datetime | None = None
    usage_limit: int = 1
    status: str | None = None
    admin_url: str | None = None


class SubscriptionState(ResponseModel):
    """The facts subscription eligibility is decided on.

    Ordergroove: ``live``; Recharge: ``status`` lower-cased (active, cancelled, expired).
    ``prepaid``, ``skippable`` and ``has_next_order`` gate cancel and skip on both.
    """

    model_config = ConfigDict(frozen=True)

    live: bool | None = None
    status: str | None = None
    prepaid: bool = False
    skippable: bool = True
    has_next_order: bool = False

    def as_facts(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class CurrencySide(StrEnum):
    """Which of a two-currency order's currencies an amount states."""

    SHOP = "shop"
    PRESENTMENT = "presentment"


class SubscriptionPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Subscription(ResponseModel):
    """A subscription as a subscription-platform adapter reads it."""

    id: str
    platform_id: str
    customer_id: str | None = None
    state: SubscriptionState
    product: str | None = None
    product_id: str | None = None
    sku: str | None = None
    quantity: int | None = None
    every: int | None = None
    period: SubscriptionPeriod | None = None
    price: Money | None = None
    next_order_date: date | None = Field(
        default=None,
        description="Ordergroove: the earliest unsent order holding it; Recharge: the next charge.",
    )
    next_order_ref: str | None = Field(
        default=None, description="Ordergroove order id / Recharge queued charge id."
    )
    created_at: datetime | None = None
    cancelled_at: datetime | None = None
    admin_url: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def frequency(self) -> str | None:
        """``every 2 weeks``, for people."""
        if self.every is None or self.period is None:
            return None
        return f"every {self.period}" if self.every == 1 else f"every {self.every} {self.period}s"


class SubscriptionChange(ResponseModel):
    """What a subscription action changed, as the platform reports it after the action."""

    skipped_order_date: date | None = None
    next_order_date: date | None = None
    cancelled_at: datetime | None = None
    previous_order_date: date | None = Field(
        default=None, description="A rescheduled order's date before it moved."
    )


class StoreCredit(ResponseModel):
    """Store credit given (or, in a dry run, that would be given) and the balance it makes."""

    amount: Money
    balance: Money = Field(
        description="The customer's store credit balance in that currency "
        "after the credit (a dry run: what it would be)."
    )
    previous_balance: Money | None = Field(
        default=None, description="The balance read just before, when the platform gives it."
    )
    expires_at: datetime | None = None
    notified: bool = False
    transaction_id: str | None = Field(
        default=None, description="Shopify: the credit transaction's id."
    )
    account_id: str | None = Field(
        default=None, description="Shopify: the store credit account (one per currency)."
    )


class ReplacementOrder(ResponseModel):
    """The order a replacement created."""

    id: str
    name: str
    admin_url: str | None = None


class OrderTagsChange(ResponseModel):
    """What an edit of an order's tags did: the tags added, removed, and now on the order."""

    added: list[str]
    removed: list[str]
    tags: list[str]


class ShippingAddressChange(ResponseModel):
    """The order's shipping address before and after an update."""

    before: Address | None
    after: Address


class ActionStatus(StrEnum):
    """``pending``: the platform accepted the action and finishes it later (e.g. a job)."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    PREVIEW = "preview"


class ActionOutcome(BaseModel):
    """What an adapter reports after performing (or previewing) an action."""

    status: ActionStatus
    refund: RefundSummary | None = None
    discount_code: DiscountCode | None = None
    subscription: SubscriptionChange | None = None
    note: str | None = None
    previous_note: str | None = None
    job_id: str | None = None
    platform_reference: str | None = None
    messages: list[str] = []
    store_credit: StoreCredit | None = None
    replacement_order: ReplacementOrder | None = None
    tags: OrderTagsChange | None = None
    shipping_address: ShippingAddressChange | None = None

    @field_validator("messages")
    @classmethod
    def _strip(cls, value: list[str]) -> list[str]:
        return [m.strip() for m in value if m.strip()]
