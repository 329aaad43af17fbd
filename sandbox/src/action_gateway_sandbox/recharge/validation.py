"""Request validation: list filters, cursors and action bodies, refused the strict way.

Recharge may ignore parameters it does not know; the simulator refuses them (422,
unverified) so that a filter the adapter believes it applied cannot silently be dropped.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from .state import CHARGE_STATUSES, SUBSCRIPTION_STATUSES, error, field_error

DEFAULT_LIMIT, MAX_LIMIT = 50, 250  # [§2.8]
MAX_COMMENTS = 1024  # cancellation_reason_comments [§2.5]

SORTS = ("id-asc", "id-desc", "created_at-asc", "created_at-desc",
          "updated_at-asc", "updated_at-desc")  # fmt: skip
CUSTOMER_FILTERS = frozenset({"email", "ids", "sort_by"})
SUBSCRIPTION_FILTERS = frozenset({"customer_id", "address_id", "status", "ids", "sort_by"})
CHARGE_FILTERS = frozenset({
    "customer_id", "address_id", "status", "ids", "purchase_item_id", "purchase_item_ids",
    "scheduled_at", "scheduled_at_min", "scheduled_at_max", "sort_by",
})  # fmt: skip
CHARGE_SORTS = (*SORTS, "scheduled_at-asc", "scheduled_at-desc")


@dataclass(frozen=True)
class ListQuery:
    resource: str  # "customers", "subscriptions", "charges"
    filters: dict[str, str]
    offset: int
    limit: int

    def sort(self, allowed: Collection[str]) -> tuple[str, bool]:
        value = self.filters.get("sort_by", "id-desc")  # id descending by default [§2.1]
        if value not in allowed:
            raise field_error("sort_by", f"Must be one of: {', '.join(allowed)}.")
        key, _, direction = value.rpartition("-")
        return key, direction == "desc"


def _single(items: list[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in items:
        if name in params:
            raise field_error(name, "Given more than once.")  # unverified
        params[name] = value
    return params


def encode_cursor(resource: str, filters: dict[str, str], offset: int) -> str:
    raw = json.dumps({"r": resource, "f": filters, "o": offset}, sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def list_query(resource: str, items: list[tuple[str, str]], allowed: frozenset[str]) -> ListQuery:
    params = _single(items)
    limit = DEFAULT_LIMIT
    if "limit" in params:
        limit = positive_int(params.pop("limit"), "limit")
        if limit > MAX_LIMIT:
            # Max 250 [§2.8]; refused rather than clamped (unverified).
            raise field_error("limit", f"Must be between 1 and {MAX_LIMIT}.")
    if "cursor" in params:
        cursor = params.pop("cursor")
        if params:
            # unverified [§2.8]: filters travel in the cursor; only `limit` may go with it.
            raise field_error("cursor", "Only `limit` may be combined with `cursor`.")
        return _decode_cursor(cursor, resource, limit)
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise field_error(unknown[0], "Unknown query parameter.")  # unverified
    return ListQuery(resource, params, 0, limit)


def _decode_cursor(cursor: str, resource: str, limit: int) -> ListQuery:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        filters, offset = raw["f"], raw["o"]
        valid = (
            raw["r"] == resource
            and isinstance(offset, int)
            and offset >= 0
            and isinstance(filters, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in filters.items())
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        valid = False
    if not valid:
        raise field_error("cursor", "Invalid cursor.")  # unverified
    return ListQuery(resource, dict(filters), offset, limit)


def positive_int(value: str, name: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise field_error(name, "Must be a positive integer.")
    return int(value)


def int_list(value: str, name: str) -> set[int]:
    parts = [p.strip() for p in value.split(",")]
    return {positive_int(p, name) for p in parts}


def status(value: str, name: str, allowed: Collection[str]) -> str:
    # Compared case-insensitively: the case of 2021-11 values is unverified [§2.4].
    lowered = value.lower()
    if lowered not in allowed:
        raise field_error(name, f"Must be one of: {', '.join(allowed)}.")
    return lowered


def subscription_status(value: str) -> str:
    return status(value, "status", SUBSCRIPTION_STATUSES)


def charge_status(value: str) -> str:
    return status(value, "status", CHARGE_STATUSES)


def day(value: str, name: str) -> date:
    """A date or an ISO 8601 date-time (its UTC date); anything else is refused."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise field_error(name, "Must be an ISO 8601 date.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def json_object(content: bytes, content_type: str) -> dict[str, Any]:
    """The JSON object body; an empty body reads as `{}` (so required fields are named)."""
    if not content:
        return {}
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise error(415, "Content-Type must be application/json.")  # unverified
    try:
        body = json.loads(content)
    except ValueError:
        raise error(400, "The request body is not valid JSON.") from None  # unverified
    if not isinstance(body, dict):
        raise error(400, "The request body must be a JSON object.")  # unverified
    return body


def _no_unknown(body: dict[str, Any], known: Collection[str]) -> None:
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise field_error(unknown[0], "Unknown field.")  # unverified: refused, not ignored


@dataclass(frozen=True)
class CancelBody:
    reason: str
    comments: str | None
    send_email: bool | None


def cancel_body(body: dict[str, Any]) -> CancelBody:
    """`cancellation_reason` required; `cancellation_reason_comments` (<= 1024 characters)
    and `send_email` optional [§2.5]."""
    _no_unknown(body, ("cancellation_reason", "cancellation_reason_comments", "send_email"))
    reason = body.get("cancellation_reason")
    if not isinstance(reason, str) or not reason.strip():
        raise field_error("cancellation_reason", "This field is required.")
    comments = body.get("cancellation_reason_comments")
    if comments is not None and (not isinstance(comments, str) or len(comments) > MAX_COMMENTS):
        raise field_error(
            "cancellation_reason_comments", f"Must be a string of at most {MAX_COMMENTS} chars."
        )
    send_email = body.get("send_email")
    if send_email is not None and not isinstance(send_email, bool):
        raise field_error("send_email", "Must be a boolean.")
    return CancelBody(reason, comments, send_email)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def skip_body(body: dict[str, Any]) -> list[int]:
    """`purchase_item_ids`: a non-empty list of distinct ids [§2.7].

    A body without it is refused: the strict reading of pitfall §3.4 (Recharge might skip
    the whole charge, every subscription at the address on that date).
    """
    _no_unknown(body, ("purchase_item_ids",))
    ids = body.get("purchase_item_ids")
    if not isinstance(ids, list) or not ids:
        raise field_error("purchase_item_ids", "This field is required (a non-empty list).")
    if not all(_is_id(v) for v in ids) or len(set(ids)) != len(ids):
        raise field_error("purchase_item_ids", "Must be distinct integer ids.")
    return [int(v) for v in ids]


def next_charge_date_body(body: dict[str, Any]) -> date:
    """`{"date": "YYYY-MM-DD"}` of `set_next_charge_date` [next-actions §5.2]."""
    _no_unknown(body, ("date",))
    value = body.get("date")
    if value is None:
        raise field_error("date", "This field is required.")  # unverified wording
    if isinstance(value, str) and len(value) == len("YYYY-MM-DD"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise field_error("date", "Must be a date (YYYY-MM-DD).")  # unverified wording
