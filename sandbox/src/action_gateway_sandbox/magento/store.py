"""The Magento simulator's state and its rules, after Magento's own (shared/platforms/magento.md).

Every effect is recorded in ``ledger`` when it happens; a refused request records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .seed import CUSTOMERS, SEED_ORDERS, Node, build_order

OFFLINE_METHODS = frozenset({"checkmo", "banktransfer", "cashondelivery", "purchaseorder", "free"})
NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."
COULD_NOT_SAVE_CREDITMEMO = "Could not save a Creditmemo, see error log for details"
CREDITMEMO_ERRORS = "Creditmemo Document Validation Error(s):\n"
_DEFAULT_STATUS = {"new": "pending", "holded": "holded"}


class ApiError(Exception):
    """An error answer in Magento's shape: ``{"message", "parameters"?}``."""

    def __init__(self, status: int, message: str, parameters: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: Node = {"message": message}
        if parameters is not None:
            self.body["parameters"] = parameters


@dataclass(frozen=True)
class LedgerEntry:
    operation: str  # "order.cancel", "creditmemo", "comment", "rule.create", "coupon.create", ...
    at: datetime
    order_id: int | None = None
    amount: Decimal | None = None
    online: bool | None = None
    reference: int | str | None = None


def dec(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _top(order: Node) -> list[Node]:
    return [i for i in order["items"] if not i.get("parent_item_id")]


def _to_invoice(item: Node) -> Decimal:
    return max(
        dec(item["qty_ordered"]) - dec(item["qty_invoiced"]) - dec(item["qty_canceled"]),
        Decimal(0),
    )


def _to_refund(item: Node) -> Decimal:
    return max(dec(item["qty_invoiced"]) - dec(item["qty_refunded"]), Decimal(0))


def _to_ship(item: Node) -> Decimal:
    return max(
        dec(item["qty_ordered"])
        - dec(item["qty_shipped"])
        - dec(item["qty_refunded"])
        - dec(item["qty_canceled"]),
        Decimal(0),
    )


def _refundable(order: Node) -> Decimal:
    return dec(order.get("base_total_paid")) - dec(order.get("base_total_refunded"))


class Store:
    def __init__(self) -> None:
        self.orders: dict[int, Node] = {}
        self.invoices: dict[int, Node] = {}
        self.creditmemos: dict[int, Node] = {}
        self.customers: dict[int, Node] = {}
        self.rules: dict[int, Node] = {}
        self.coupons: dict[int, Node] = {}
        self.ledger: list[LedgerEntry] = []
        self._ids: dict[str, int] = {}

    def next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 1000) + 1
        return self._ids[kind]

    @classmethod
    def seeded(cls, now: datetime) -> Store:
        store = cls()
        for customer in CUSTOMERS:
            store.customers[customer["id"]] = {**customer, "created_at": stamp(now)}
        for seed in SEED_ORDERS:
            order, invoices = build_order(seed, now)
            store.orders[order["entity_id"]] = order
            for invoice in invoices:
                store.invoices[invoice["entity_id"]] = invoice
        return store

    def order(self, raw: str) -> Node:
        order = self.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            raise ApiError(404, NOT_FOUND)
        return order

    # --- cancel: Order::canCancel() and registerCancellation() ---------------------------

    def cancel(self, order: Node, now: datetime) -> bool:
        if order["state"] in ("canceled", "holded", "payment_review", "complete", "closed"):
            return False
        if not any(_to_invoice(i) > 0 for i in _top(order)):
            return False
        for item in order["items"]:
            item["qty_canceled"] = _num(
                dec(item["qty_canceled"]) + min(_to_invoice(item), _to_ship(item))
            )
        for prefix in ("", "base_"):
            order[f"{prefix}total_canceled"] = _num(
                dec(order[f"{prefix}grand_total"]) - dec(order.get(f"{prefix}total_paid"))
            )
            order[f"{prefix}total_due"] = 0
        # Something invoiced and still refundable keeps the order open (processing/complete).
        open_refund = any(_to_refund(i) > 0 for i in _top(order))
        shipped = any(dec(i["qty_shipped"]) > 0 for i in order["items"])
        state = ("complete" if shipped else "processing") if open_refund else "canceled"
        order["state"], order["status"] = state, _DEFAULT_STATUS.get(state, state)
        order["updated_at"] = stamp(now)
        self.ledger.append(LedgerEntry("order.cancel", now, order_id=order["entity_id"]))
        return True

    # --- credit memos: RefundOrder / RefundInvoice and their validators ---------------------

    def refund(
        self, order: Node, body: Node, now: datetime, *, invoice: Node | None, online: bool
    ) -> int:
        problems: list[str] = []
        if order["state"] in ("payment_review", "holded", "canceled", "closed"):
            problems.append(
                f"A creditmemo can not be created when an order has a status of {order['status']}"
            )
        elif _refundable(order) <= 0:
            problems.append("The order does not allow a creditmemo to be created.")
        if invoice is not None:
            left = dec(invoice.get("base_grand_total")) - dec(invoice.get("base_total_refunded"))
            if (
                invoice.get("state") != 2
                or left <= 0
                or order["payment"]["method"] in (OFFLINE_METHODS)
            ):
                problems.append("We can't create creditmemo for the invoice.")
        rows = {i["item_id"]: i for i in order["items"]}
        asked = body.get("items") or []
        quantities: dict[int, Decimal] = {}
        if not asked:
            quantities = {i["item_id"]: _to_refund(i) for i in _top(order)}
        for item in asked:
            row = rows.get(item["order_item_id"])
            if row is None:
                problems.append(
                    "The creditmemo contains product item that is not part of the original order."
                )
                continue
            qty = dec(item["qty"])
            if qty > _to_refund(row):
                problems.append(
                    "The quantity to creditmemo must not be greater than the unrefunded quantity "
                    f'for product SKU "{row["sku"]}".'
                )
            quantities[row["item_id"]] = qty
        arguments = body.get("arguments") or {}
        shipping_left = dec(order.get("base_shipping_amount")) - dec(
            order.get("base_shipping_refunded")
        )
        shipping = (
            dec(arguments["shipping_amount"]) if "shipping_amount" in arguments else shipping_left
        )
        if shipping > shipping_left:
            # Thrown by the shipping total collector, before validation [M-CMShipping].
            raise ApiError(
                400, "Maximum shipping amount allowed to refund is: %1", [f"${shipping_left:.2f}"]
            )
        positive = dec(arguments.get("adjustment_positive"))
        negative = dec(arguments.get("adjustment_negative"))
        subtotal = sum(
            (self._unit(rows[item_id]) * qty for item_id, qty in quantities.items()),
            Decimal(0),
        ).quantize(Decimal("0.01"))
        total = subtotal + shipping + positive - negative
        if not problems:
            if total <= 0:
                problems.append("The credit memo's total must be positive.")
            elif total > _refundable(order):
                problems.append(f"The most money available to refund is {_refundable(order)}.")
        if problems:
            raise ApiError(400, CREDITMEMO_ERRORS + "\n".join(problems))
        memo_id = self.next_id("creditmemo")
        memo_items = []
        for item_id, qty in quantities.items():
            if qty <= 0:
                continue
            row = rows[item_id]
            row["qty_refunded"] = _num(dec(row["qty_refunded"]) + qty)
            amount = self._unit(row) * qty
            row["amount_refunded"] = row["base_amount_refunded"] = _num(
                dec(row.get("base_amount_refunded")) + amount
            )
            memo_items.append(
                {
                    "entity_id": self.next_id("creditmemo_item"),
                    "parent_id": memo_id,
                    "order_item_id": item_id,
                    "sku": row["sku"],
                    "qty": _num(qty),
                    "base_price": row["base_price"],
                    "base_cost": 0,
                    "base_row_total": _num(amount),
                }
            )
        kind = "online" if online else "offline"
        for prefix in ("", "base_"):
            order[f"{prefix}total_refunded"] = _num(
                dec(order.get(f"{prefix}total_refunded")) + total
            )
            order[f"{prefix}total_{kind}_refunded"] = _num(
                dec(order.get(f"{prefix}total_{kind}_refunded")) + total
            )
            order[f"{prefix}shipping_refunded"] = _num(
                dec(order.get(f"{prefix}shipping_refunded")) + shipping
            )
        if invoice is not None:
            invoice["base_total_refunded"] = _num(dec(invoice.get("base_total_refunded")) + total)
        # StateResolver: nothing left to invoice or ship and nothing refundable → closed.
        if (
            _refundable(order) <= 0
            and not any(_to_invoice(i) > 0 for i in _top(order))
            and not any(_to_ship(i) > 0 for i in _top(order))
        ) or (_refundable(order) <= 0 and order["state"] == "complete"):
            order["state"] = order["status"] = "closed"
        comment = body.get("comment") or {}
        memo: Node = {
            "entity_id": memo_id,
            "order_id": order["entity_id"],
            "invoice_id": invoice["entity_id"] if invoice else None,
            "state": 2,
            "created_at": stamp(now),
            "grand_total": _num(total),
            "base_grand_total": _num(total),
            "shipping_amount": _num(shipping),
            "base_shipping_amount": _num(shipping),
            "adjustment_positive": _num(positive),
            "adjustment_negative": _num(negative),
            "items": memo_items,
            "comments": [
                {
                    "entity_id": self.next_id("creditmemo_comment"),
                    "parent_id": memo_id,
                    "comment": comment["comment"],
                    "is_customer_notified": 0,
                    "is_visible_on_front": int(comment.get("is_visible_on_front") or 0),
                    "created_at": stamp(now),
                }
            ]
            if comment.get("comment")
            else [],
        }
        if memo["invoice_id"] is None:
            del memo["invoice_id"]
        self.creditmemos[memo_id] = memo
        order["updated_at"] = stamp(now)
        self.ledger.append(
            LedgerEntry(
                "creditmemo",
                now,
                order_id=order["entity_id"],
                amount=total,
                online=online,
                reference=memo_id,
            )
        )
        return memo_id

    @staticmethod
    def _unit(row: Node) -> Decimal:
        ordered = dec(row["qty_ordered"]) or Decimal(1)
        return (
            dec(row.get("base_row_total"))
            + dec(row.get("base_tax_amount"))
            - dec(row.get("base_discount_amount"))
        ) / ordered

    # --- comments: OrderService::addComment → Order::addStatusHistory ----------------------

    def add_comment(self, order: Node, history: Node, now: datetime) -> None:
        entry = {
            "entity_id": self.next_id("history"),
            "parent_id": order["entity_id"],
            "comment": history["comment"],
            "is_customer_notified": int(history["is_customer_notified"]),
            "is_visible_on_front": int(history["is_visible_on_front"]),
            "status": history.get("status"),
            "entity_name": history.get("entity_name", "order"),
            "created_at": stamp(now),
        }
        if entry["status"] is None:
            del entry["status"]
        # The history's status becomes the order's: omitted, it was set to NULL (2.3-2.4.6,
        # magento/magento2#34180), hiding the order from the grid.
        order["status"] = history.get("status")
        if order["status"] is None:
            del order["status"]
        order["status_histories"].insert(0, entry)
        self.ledger.append(
            LedgerEntry("comment", now, order_id=order["entity_id"], reference=entry["comment"])
        )

    # --- cart price rules and coupons ----------------------------------------------------

    def create_rule(self, rule: Node, now: datetime) -> Node:
        saved = {**rule, "rule_id": self.next_id("rule")}
        self.rules[saved["rule_id"]] = saved
        self.ledger.append(LedgerEntry("rule.create", now, reference=saved["rule_id"]))
        return saved

    def delete_rule(self, rule_id: int, now: datetime) -> None:
        if self.rules.pop(rule_id, None) is None:
            raise ApiError(404, NOT_FOUND)
        for coupon_id in [c for c, v in self.coupons.items() if v["rule_id"] == rule_id]:
            del self.coupons[coupon_id]
        self.ledger.append(LedgerEntry("rule.delete", now, reference=rule_id))

    def create_coupon(self, coupon: Node, now: datetime) -> Node:
        rule = self.rules.get(int(coupon["rule_id"]))
        if rule is None:
            raise ApiError(400, "Error occurred when saving coupon: %1", [NOT_FOUND])
        if rule.get("coupon_type") != "SPECIFIC_COUPON":
            raise ApiError(
                400,
                "Error occurred when saving coupon: %1",
                ["Specified rule does not allow coupons"],
            )
        code = str(coupon.get("code") or "")
        if any(c["code"].casefold() == code.casefold() for c in self.coupons.values()):
            raise ApiError(400, "%1 already exists.", ["Coupon with the same code"])
        saved = {
            **coupon,
            "coupon_id": self.next_id("coupon"),
            "code": code,
            # The repository overwrites these from the rule [M-CouponRepo].
            "usage_limit": rule["uses_per_coupon"],
            "usage_per_customer": rule["uses_per_customer"],
            "created_at": stamp(now),
        }
        if rule.get("to_date"):
            saved["expiration_date"] = f"{rule['to_date']} 00:00:00"
        self.coupons[saved["coupon_id"]] = saved
        self.ledger.append(LedgerEntry("coupon.create", now, reference=code))
        return saved

    # --- order addresses: OrderAddressRepository::save ---------------------------------------

    def save_address(self, entity: Any, now: datetime) -> Node:
        """The body's ``parent_id`` names the order (the path's does not); any validation
        failure becomes "Could not save order address" [M-AddrRepo]."""
        required = ("address_type", "city", "country_id", "firstname", "lastname", "postcode",
                    "telephone", "parent_id", "street", "email")  # fmt: skip
        if not isinstance(entity, dict) or any(not entity.get(k) for k in required):
            raise ApiError(400, "Could not save order address")
        if entity["address_type"] not in ("billing", "shipping") or "@" not in entity["email"]:
            raise ApiError(400, "Could not save order address")
        order = self.orders.get(int(entity["parent_id"]))
        if order is None:
            raise ApiError(400, "Could not save order address")
        shown = _shown_addresses(order)
        current = shown.get(entity.get("entity_id"))
        if current is None:
            # Without a known entity_id Magento inserts a new row; the order keeps showing its
            # own address (which one it then shows is unconfirmed: here, the old one).
            saved = {**entity, "entity_id": self.next_id("address")}
        else:
            current.clear()
            current.update(entity)
            saved = current
        order["updated_at"] = stamp(now)
        self.ledger.append(
            LedgerEntry(
                "address.save", now, order_id=order["entity_id"], reference=saved["street"][0]
            )
        )
        return saved


def _shown_addresses(order: Node) -> dict[Any, Node]:
    """The order's billing address and its shipping assignment's, by entity_id."""
    shown = {order["billing_address"]["entity_id"]: order["billing_address"]}
    for assignment in (order.get("extension_attributes") or {}).get("shipping_assignments") or []:
        address = assignment["shipping"]["address"]
        shown[address["entity_id"]] = address
    return shown
