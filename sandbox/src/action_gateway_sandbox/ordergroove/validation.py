"""In-process request validation with the documented rules (no spec files at runtime).

Each function returns the validated value or raises `ApiError` (400 `{"detail": ...}`). Where
Ordergroove documents no rule, the strict reading is taken and marked unverified: a body or
query the real API might refuse is refused here too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from .state import STATUS_NAMES, ApiError

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 10, 100  # [§1.11]
_REASON = re.compile(r"^\s*(\d+)\s*\|(.*)$", re.DOTALL)  # "<code>|<details>" [§1.8]
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}


def json_body(content_type: str, content: bytes, *, required: bool) -> Any:
    """The parsed JSON body; None when empty and not required."""
    if not content.strip():
        if required:
            raise ApiError(400, "A JSON request body is required.")  # unverified wording
        return None
    media = content_type.split(";")[0].strip().lower()
    if media != "application/json":
        # Django REST framework's 415 text (unverified for Ordergroove).
        raise ApiError(415, f'Unsupported media type "{media}" in request.')
    try:
        return json.loads(content)
    except ValueError as error:
        raise ApiError(400, f"JSON parse error - {error}") from None


def _object(body: Any, allowed: Iterable[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")  # unverified
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        # unverified: unknown fields are refused rather than ignored.
        raise ApiError(400, f"Unexpected field(s): {', '.join(unknown)}.")
    return body


def cancel_reason(body: Any) -> str | None:
    """The optional `cancel_reason` of a cancel body: `"<code>|<details>"` [§1.8]."""
    if body is None:
        return None
    fields = _object(body, ("cancel_reason",))
    if "cancel_reason" not in fields:
        return None
    reason = fields["cancel_reason"]
    if not isinstance(reason, str):
        raise ApiError(400, "cancel_reason must be a string.")  # unverified
    if not _REASON.match(reason):
        # unverified: the pipe-delimited form with a numeric code is required.
        raise ApiError(400, 'cancel_reason must look like "<code>|<details>".')
    return reason


def skip_subscription(body: Any) -> str:
    """The `subscription` public id of a skip body `{"subscription": "<public_id>"}` [§1.9]."""
    fields = _object(body, ("subscription",))
    value = fields.get("subscription")
    if not isinstance(value, str) or not value:
        raise ApiError(400, "subscription: this field is required.")  # unverified wording
    return value


def change_next_order_date(body: Any) -> date:
    """The `order_date` of `{"order_date": "YYYY-MM-DD"}` [next-actions §5.1].

    The schema marks it optional; what the API does without it is unknown, so it is required
    here (unverified).
    """
    fields = _object(body, ("order_date",))
    value = fields.get("order_date")
    if value is None:
        raise ApiError(400, "order_date: this field is required.")  # unverified wording
    if isinstance(value, str) and len(value) == len("YYYY-MM-DD"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ApiError(400, "order_date: enter a valid date (YYYY-MM-DD).")  # unverified wording


def page_size(params: Mapping[str, str]) -> int:
    raw = params.get("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, "page_size must be a positive integer.")  # unverified
    return min(int(raw), MAX_PAGE_SIZE)  # "caps at 100" [§1.11]


def boolean(params: Mapping[str, str], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ApiError(400, f"{name}: enter a valid boolean (True or False).")  # unverified


def status(params: Mapping[str, str]) -> int | None:
    raw = params.get("status")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) not in STATUS_NAMES:
        raise ApiError(400, f"status: {raw!r} is not a valid order status.")  # unverified
    return int(raw)


def _day(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name)
    if raw is None:
        return None
    for parse in (date.fromisoformat, lambda v: datetime.fromisoformat(v).date()):
        try:
            return parse(raw)
        except ValueError:
            continue
    raise ApiError(400, f"{name}: enter a valid date (YYYY-MM-DD).")  # unverified


def date_filter(params: Mapping[str, str], name: str) -> Callable[[datetime], bool]:
    """`name`, `name_start` and `name_end` (inclusive dates) as one predicate on a moment."""
    exact, start, end = (_day(params, n) for n in (name, f"{name}_start", f"{name}_end"))

    def keep(moment: datetime) -> bool:
        day = moment.date()
        return (
            (exact is None or day == exact)
            and (start is None or day >= start)
            and (end is None or day <= end)
        )

    return keep
