"""The simulated Recharge account and its business rules (cancel, per-subscription skip)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from . import seed
from .state import (
    ACTIVE,
    CANCELLED,
    QUEUED,
    SKIPPED,
    Address,
    Charge,
    Customer,
    LedgerEntry,
    Subscription,
    add_interval,
    error,
    field_error,
)


@dataclass
class Store:
    customers: dict[int, Customer] = field(default_factory=dict)
    addresses: dict[int, Address] = field(default_factory=dict)
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    charges: dict[int, Charge] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    next_charge_id: int = seed.FIRST_NEW_CHARGE_ID
    seeded_at: datetime | None = None

    @classmethod
    def seeded(cls, now: datetime) -> Store:
        store = cls(seeded_at=now)
        store.customers = {c.id: c for c in seed.customers(now)}
        store.addresses = {a.id: a for a in seed.addresses()}
        store.subscriptions = {s.id: s for s in seed.subscriptions(now)}
        store.charges = {c.id: c for c in seed.charges(now, store.subscriptions)}
        return store

    # -- reads ------------------------------------------------------------------------------

    def has_queued_charges(self, subscription_id: int) -> bool:
        return any(c.status == QUEUED and c.holds(subscription_id) for c in self.charges.values())

    def subscriptions_count(self, customer_id: int, active_only: bool) -> int:
        return sum(
            1
            for s in self.subscriptions.values()
            if s.customer_id == customer_id and (not active_only or s.status == ACTIVE)
        )

    # -- cancel -----------------------------------------------------------------------------

    def cancel(
        self,
        subscription: Subscription,
        reason: str,
        comments: str | None,
        send_email: bool | None,
        now: datetime,
    ) -> None:
        if subscription.status != ACTIVE:
            # Cancelling a cancelled (or expired) subscription: refused (unverified [§2.5]).
            raise error(422, f"Subscription is already {subscription.status}.")
        subscription.status = CANCELLED
        subscription.cancelled_at = now
        subscription.cancellation_reason = reason
        subscription.cancellation_reason_comments = comments
        subscription.next_charge = None  # unverified: no next charge once cancelled
        subscription.updated = now
        # Its lines leave every queued charge; a charge left empty is removed (unverified).
        for charge in list(self.charges.values()):
            if charge.status == QUEUED and charge.holds(subscription.id):
                self._remove_lines(charge, {subscription.id}, now)
        self.ledger.append(
            LedgerEntry(
                "subscription.cancel",
                now,
                subscription.id,
                cancellation_reason=reason,
                cancellation_reason_comments=comments,
                send_email=send_email,
            )
        )

    # -- skip -------------------------------------------------------------------------------

    def skip(self, charge: Charge, purchase_item_ids: list[int], now: datetime) -> Charge:
        """Skip these subscriptions' lines of a queued charge; the other lines stay.

        Each skipped subscription's `next_charge_scheduled_at` moves one charge interval on
        (calendar months for monthly ones) and a queued charge is regenerated for it at its
        address on that date (joined to an existing queued charge there, else a new one).
        Returns the charge now holding the skipped lines, in status `skipped`: the same charge
        when every line was skipped, else a new one split off it (unverified which one
        Recharge returns [§2.7]).
        """
        if charge.status != QUEUED:
            # Only queued charges can be skipped: 422 [§2.9 SECONDARY].
            raise error(422, f"Charge is {charge.status}; only queued charges can be skipped.")
        subs: list[Subscription] = []
        for item_id in purchase_item_ids:
            if not charge.holds(item_id):
                raise field_error("purchase_item_ids", f"{item_id} is not on charge {charge.id}.")
            sub = self.subscriptions[item_id]
            if sub.status != ACTIVE:
                raise field_error("purchase_item_ids", f"Subscription {item_id} is {sub.status}.")
            if sub.is_prepaid or not sub.is_skippable:
                # is_skippable false (prepaid) [§3.2]: refused (status and body unverified).
                raise field_error("purchase_item_ids", f"Subscription {item_id} is not skippable.")
            subs.append(sub)
        skipped_ids = {s.id for s in subs}
        if all(item.purchase_item_id in skipped_ids for item in charge.line_items):
            charge.status = SKIPPED
            charge.updated = now
            skipped = charge
        else:
            lines = [i for i in charge.line_items if i.purchase_item_id in skipped_ids]
            skipped = Charge(
                self._new_charge_id(),
                charge.customer_id,
                charge.address_id,
                charge.scheduled_at,
                SKIPPED,
                now,
                now,
                lines,
            )
            self.charges[skipped.id] = skipped
            self._remove_lines(charge, skipped_ids, now)
        for sub in subs:
            previous = charge.scheduled_at
            sub.next_charge = add_interval(
                previous, sub.charge_interval_frequency, sub.order_interval_unit
            )
            sub.updated = now
            queued = self._queue(sub, now)
            self.ledger.append(
                LedgerEntry(
                    "charge.skip",
                    now,
                    sub.id,
                    charge_id=charge.id,
                    skipped_charge_id=skipped.id,
                    queued_charge_id=queued.id,
                    previous_date=previous,
                    next_date=sub.next_charge,
                )
            )
        return skipped

    # -- next charge date -------------------------------------------------------------------

    def set_next_charge_date(self, sub: Subscription, day: date, now: datetime) -> None:
        """Move `sub`'s next charge to `day`: its line leaves its queued charge and joins a
        queued charge at its address on that date, else a new one ("their charges will get
        merged into a new charge" [next-actions §5.2]). Prepaid ones move too: the renewal
        charge is what moves (the gateway refuses them)."""
        if sub.status != ACTIVE:
            raise field_error("date", f"Subscription is {sub.status}.")  # unverified 422
        if day <= now.date():
            # Dates are UTC [§3.6]; today and past dates: refused (unverified [§5.2]).
            raise field_error("date", "Must be a date in the future.")
        previous = sub.next_charge
        for charge in list(self.charges.values()):
            if charge.status == QUEUED and charge.holds(sub.id):
                self._remove_lines(charge, {sub.id}, now)
        sub.next_charge = day  # updated_at is not bumped by a date change [next-actions §5.2]
        queued = self._queue(sub, now)
        self.ledger.append(
            LedgerEntry(
                "subscription.set_next_charge_date",
                now,
                sub.id,
                queued_charge_id=queued.id,
                previous_date=previous,
                next_date=day,
            )
        )

    # -- helpers ----------------------------------------------------------------------------

    def _new_charge_id(self) -> int:
        self.next_charge_id += 1
        return self.next_charge_id - 1

    def _remove_lines(self, charge: Charge, ids: set[int], now: datetime) -> None:
        charge.line_items = [i for i in charge.line_items if i.purchase_item_id not in ids]
        charge.updated = now
        if not charge.line_items:
            del self.charges[charge.id]

    def _queue(self, sub: Subscription, now: datetime) -> Charge:
        """Regenerate the subscription's queued charge on its next date [§3.11]."""
        assert sub.next_charge is not None
        for charge in self.charges.values():
            if (
                charge.status == QUEUED
                and charge.address_id == sub.address_id
                and charge.scheduled_at == sub.next_charge
            ):
                charge.line_items.append(seed.line_item(sub))
                charge.updated = now
                return charge
        charge = Charge(
            self._new_charge_id(),
            sub.customer_id,
            sub.address_id,
            sub.next_charge,
            QUEUED,
            now,
            now,
            [seed.line_item(sub)],
        )
        self.charges[charge.id] = charge
        return charge
