"""A replacement order's lines and marker, the same on every platform."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from action_gateway.domain.models import CreateReplacementOrderInput, LineItem, Order
from action_gateway.errors import FieldError, ValidationFailed

MARKER_PREFIX = "gw-"
"""Marks what the gateway created for one Idempotency-Key (``gw-`` and 32 hex: 35 characters,
within Shopify's 40-character tags)."""


@dataclass(frozen=True)
class ReplacementLine:
    """One line of the original order, and how many of its units to send again."""

    line: LineItem
    quantity: int


def replacement_marker(idempotency_key: str) -> str:
    """A stable, searchable value derived from the caller's Idempotency-Key (its downstream key):
    the same key always marks the same replacement, so a later attempt can find it."""
    return MARKER_PREFIX + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def replacement_lines(
    order: Order, data: CreateReplacementOrderInput, line_ids: list[str] | None = None
) -> list[ReplacementLine]:
    """The original's lines the request names, each with at most what was ordered.

    ``line_ids`` are the request's ids as the neutral order spells them (a platform may accept
    other spellings, e.g. Shopify gids); default: as sent. Raises ValidationFailed naming every
    wrong line (an unknown id, more units than were ordered, a line named twice).
    """
    ids = line_ids if line_ids is not None else [item.line_item_id for item in data.line_items]
    lines = {line.id: line for line in order.line_items}
    problems: list[FieldError] = []
    out: list[ReplacementLine] = []
    seen: set[str] = set()
    for index, (item, line_id) in enumerate(zip(data.line_items, ids, strict=True)):
        loc = ["body", "input", "line_items", str(index)]
        line = lines.get(line_id)
        if line is None:
            problems.append(
                FieldError(
                    loc=[*loc, "line_item_id"],
                    message=f"order {order.name} has no line item {item.line_item_id}",
                )
            )
            continue
        if line_id in seen:
            problems.append(
                FieldError(
                    loc=[*loc, "line_item_id"],
                    message=f"line item {item.line_item_id} is named more than once",
                )
            )
            continue
        seen.add(line_id)
        if item.quantity > line.quantity:
            problems.append(
                FieldError(
                    loc=[*loc, "quantity"],
                    message=f"{item.quantity} units of {line.name} asked, but order "
                    f"{order.name} has {line.quantity}",
                )
            )
            continue
        out.append(ReplacementLine(line, item.quantity))
    if problems:
        raise ValidationFailed("; ".join(p.message for p in problems), errors=problems)
    return out
