"""Deterministic seed: Recharge customers linked by email to the Shopify sandbox's customers.

Ids are fixed: customers 881000NN, addresses 772000NN, subscriptions 663NNNxx, charges 554NNNxx
(NN / NNN from the Shopify sandbox id 74100NN). Dates are relative to the UTC day the store is
built, so the seed is the same for every run on a given day. A subscription's
`next_charge_scheduled_at` equals the `scheduled_at` of the queued charge holding it, except for
Carmen's herbal tea, whose next date is past the queued-charge horizon (no queued charge yet).

It covers: a queued charge holding three subscriptions (skip one, the other two stay), a
single-subscription charge, a prepaid non-skippable subscription, a cancelled one, an expired
one, an active one with no queued charge, and a past successful charge. `SEED_CUSTOMERS`,
`SEED_SUBSCRIPTIONS`, `SEED_CHARGES` / `seed_table()` describe it for the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from .state import (
    ACTIVE,
    CANCELLED,
    EXPIRED,
    QUEUED,
    SUCCESS,
    Address,
    Charge,
    Customer,
    LineItem,
    Subscription,
)


@dataclass(frozen=True)
class SeedCustomer:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    shopify_customer_id: str  # external_customer_id.ecommerce
    address_id: int
    city: str


@dataclass(frozen=True)
class SeedSubscription:
    id: int
    customer_id: int
    product_title: str
    variant_title: str
    sku: str
    external_product_id: str
    external_variant_id: str
    quantity: int
    price: Decimal
    every: int  # order_interval_frequency
    unit: str  # order_interval_unit
    status: str = ACTIVE
    next_in_days: int | None = None  # next_charge_scheduled_at = seed day + this
    charge_every: int | None = None  # charge_interval_frequency when prepaid (else = every)
    is_prepaid: bool = False
    is_skippable: bool = True
    expire_after: int | None = None
    cancelled_days_ago: int | None = None
    cancellation_reason: str | None = None
    comment: str = ""

    @property
    def charge_interval_frequency(self) -> int:
        return self.charge_every or self.every


@dataclass(frozen=True)
class SeedCharge:
    id: int
    customer_id: int
    in_days: int  # scheduled_at = seed day + this (negative: in the past)
    status: str
    subscription_ids: tuple[int, ...]
    comment: str = ""


SEED_CUSTOMERS = (
    SeedCustomer(88100001, "Ava", "Lindqvist", "ava.lindqvist@example.com", "+14155550101",
                 "7410001", 77200001, "San Francisco"),
    SeedCustomer(88100002, "Bo", "Wang", "bo.wang@example.com", "+16135551234",
                 "7410002", 77200002, "Ottawa"),
    SeedCustomer(88100003, "Carmen", "Ortiz", "carmen.ortiz@example.com", "+447700900123",
                 "7410003", 77200003, "London"),
    SeedCustomer(88100005, "Emeka", "Obi", "emeka.obi@example.com", "+61491570156",
                 "7410005", 77200005, "Sydney"),
)  # fmt: skip

_AVA, _BO, _CARMEN, _EMEKA = (c.id for c in SEED_CUSTOMERS)

SEED_SUBSCRIPTIONS = (
    SeedSubscription(66300101, _AVA, "Single-Origin Coffee Beans", "1 kg / Whole bean",
                     "SOC-1KG-WB", "8200101", "8300101", 2, Decimal("24.00"), 2, "week",
                     next_in_days=5, comment="shares charge 55400101 with 66300102 and 66300103"),
    SeedSubscription(66300102, _AVA, "Oat Milk Barista Edition", "6 x 1 L",
                     "OMB-6PK", "8200102", "8300102", 1, Decimal("18.50"), 2, "week",
                     next_in_days=5, comment="shares charge 55400101"),
    SeedSubscription(66300103, _AVA, "Paper Coffee Filters", "Pack of 100",
                     "PCF-100", "8200103", "8300103", 1, Decimal("6.00"), 1, "month",
                     next_in_days=5, comment="shares charge 55400101"),
    SeedSubscription(66300201, _BO, "Daily Multivitamin", "60 capsules",
                     "DMV-60", "8200201", "8300201", 1, Decimal("32.00"), 1, "month",
                     next_in_days=12, comment="alone in charge 55400201"),
    SeedSubscription(66300202, _BO, "Plant Protein Powder", "Vanilla / 1 kg",
                     "PPP-VAN-1KG", "8200202", "8300202", 1, Decimal("39.00"), 1, "month",
                     status=CANCELLED, cancelled_days_ago=20,
                     cancellation_reason="I have too much product", comment="already cancelled"),
    SeedSubscription(66300301, _CARMEN, "Loose-Leaf Tea Sampler", "Prepaid 3 months",
                     "LTS-PRE3", "8200301", "8300301", 1, Decimal("45.00"), 1, "month",
                     next_in_days=20, charge_every=3, is_prepaid=True, is_skippable=False,
                     comment="prepaid: Recharge refuses to skip it"),
    SeedSubscription(66300302, _CARMEN, "Herbal Sleep Tea", "20 sachets",
                     "HST-20", "8200302", "8300302", 1, Decimal("12.00"), 6, "week",
                     next_in_days=75, comment="active, no queued charge yet (beyond horizon)"),
    SeedSubscription(66300303, _CARMEN, "Matcha Starter Kit", "Ceremonial grade",
                     "MSK-CER", "8200303", "8300303", 1, Decimal("54.00"), 1, "month",
                     status=EXPIRED, expire_after=3, comment="expired after 3 charges"),
    SeedSubscription(66300501, _EMEKA, "Grain-Free Dog Food", "12 kg",
                     "GDF-12KG", "8200501", "8300501", 1, Decimal("64.00"), 4, "week",
                     next_in_days=3, comment="alone in charge 55400501"),
    SeedSubscription(66300502, _EMEKA, "Dental Chews", "Medium / 28 pack",
                     "DCH-M-28", "8200502", "8300502", 2, Decimal("12.00"), 2, "month",
                     next_in_days=33, comment="alone in charge 55400502"),
)  # fmt: skip

SEED_CHARGES = (
    SeedCharge(55400100, _AVA, -9, SUCCESS, (66300101, 66300102), comment="processed earlier"),
    SeedCharge(55400101, _AVA, 5, QUEUED, (66300101, 66300102, 66300103),
               comment="several subscriptions: a skip moves only one"),
    SeedCharge(55400201, _BO, 12, QUEUED, (66300201,)),
    SeedCharge(55400301, _CARMEN, 20, QUEUED, (66300301,), comment="prepaid, not skippable"),
    SeedCharge(55400501, _EMEKA, 3, QUEUED, (66300501,)),
    SeedCharge(55400502, _EMEKA, 33, QUEUED, (66300502,)),
)  # fmt: skip

FIRST_NEW_CHARGE_ID = 55409001  # charges created by skips count up from here


def seed_table(today: date | None = None) -> list[dict[str, str | int | bool | None]]:
    """One row per seeded subscription, with its customer and queued charge, for documentation.

    With `today`, dates are absolute; otherwise they read "+N days" from the seed day.
    """
    customers = {c.id: c for c in SEED_CUSTOMERS}
    queued = {s: ch for ch in SEED_CHARGES if ch.status == QUEUED for s in ch.subscription_ids}

    def day(offset: int | None) -> str | None:
        if offset is None:
            return None
        return (today + timedelta(days=offset)).isoformat() if today else f"{offset:+d} days"

    rows: list[dict[str, str | int | bool | None]] = []
    for s in SEED_SUBSCRIPTIONS:
        c = customers[s.customer_id]
        charge = queued.get(s.id)
        rows.append(
            {
                "subscription_id": s.id,
                "customer_id": c.id,
                "customer": f"{c.first_name} {c.last_name}",
                "email": c.email,
                "shopify_customer_id": c.shopify_customer_id,
                "product": f"{s.product_title} ({s.variant_title})",
                "quantity": s.quantity,
                "price": f"{s.price:.2f}",
                "every": f"{s.every} {s.unit}{'s' if s.every > 1 else ''}",
                "status": s.status,
                "is_prepaid": s.is_prepaid,
                "is_skippable": s.is_skippable,
                "next_charge_scheduled_at": day(s.next_in_days),
                "queued_charge_id": charge.id if charge else None,
                "note": s.comment,
            }
        )
    return rows


def charge_table(today: date | None = None) -> list[dict[str, str | int | None]]:
    """One row per seeded charge: id, customer, date, status and the subscriptions it holds."""
    return [
        {
            "charge_id": ch.id,
            "customer_id": ch.customer_id,
            "scheduled_at": (today + timedelta(days=ch.in_days)).isoformat()
            if today
            else f"{ch.in_days:+d} days",
            "status": ch.status,
            "subscription_ids": ", ".join(str(s) for s in ch.subscription_ids),
            "note": ch.comment,
        }
        for ch in SEED_CHARGES
    ]


def customers(now: datetime) -> list[Customer]:
    created = now - timedelta(days=200)
    return [
        Customer(c.id, c.email, c.first_name, c.last_name, c.phone, c.shopify_customer_id,
                 f"{c.id:x}rc{c.shopify_customer_id}", created, created)
        for c in SEED_CUSTOMERS
    ]  # fmt: skip


def addresses() -> list[Address]:
    return [
        Address(c.address_id, c.id, f"{100 + i} Market St", c.city, "", "00000", "US")
        for i, c in enumerate(SEED_CUSTOMERS)
    ]


def subscriptions(now: datetime) -> list[Subscription]:
    today = now.date()
    address_of = {c.id: c.address_id for c in SEED_CUSTOMERS}
    result = []
    for index, s in enumerate(SEED_SUBSCRIPTIONS):
        created = now - timedelta(days=150 - index)
        cancelled = (
            now - timedelta(days=s.cancelled_days_ago) if s.cancelled_days_ago is not None else None
        )
        result.append(
            Subscription(
                id=s.id,
                customer_id=s.customer_id,
                address_id=address_of[s.customer_id],
                product_title=s.product_title,
                variant_title=s.variant_title,
                sku=s.sku,
                external_product_id=s.external_product_id,
                external_variant_id=s.external_variant_id,
                quantity=s.quantity,
                price=s.price,
                order_interval_frequency=s.every,
                order_interval_unit=s.unit,
                charge_interval_frequency=s.charge_interval_frequency,
                status=s.status,
                next_charge=today + timedelta(days=s.next_in_days)
                if s.next_in_days is not None
                else None,
                created=created,
                updated=cancelled or created,
                is_prepaid=s.is_prepaid,
                is_skippable=s.is_skippable,
                expire_after=s.expire_after,
                cancelled_at=cancelled,
                cancellation_reason=s.cancellation_reason,
            )
        )
    return result


def line_item(s: Subscription) -> LineItem:
    return LineItem(
        s.id,
        s.product_title,
        s.variant_title,
        s.sku,
        s.quantity,
        s.price,
        s.external_product_id,
        s.external_variant_id,
    )


def charges(now: datetime, subs: dict[int, Subscription]) -> list[Charge]:
    today = now.date()
    result = []
    for ch in SEED_CHARGES:
        scheduled = today + timedelta(days=ch.in_days)
        created = now - timedelta(days=30)
        charge = Charge(
            ch.id,
            ch.customer_id,
            subs[ch.subscription_ids[0]].address_id,
            scheduled,
            ch.status,
            created,
            created,
            [line_item(subs[s]) for s in ch.subscription_ids],
        )
        if ch.status == SUCCESS:
            charge.processed_at = datetime.combine(scheduled, time(9, 0), tzinfo=UTC)
        result.append(charge)
    return result
