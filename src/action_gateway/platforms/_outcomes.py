"""What every adapter does around a write whose answer may be lost: tell, budget, settle."""

from __future__ import annotations

from datetime import UTC, datetime

from action_gateway.errors import GatewayError, Outcome
from action_gateway.platforms.base import ActionCall


def utc_now() -> datetime:
    """The adapters' default clock: now, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def is_ambiguous(exc: GatewayError) -> bool:
    """The write failed after it may have reached the platform (read timeout, dropped
    connection, 5xx after sending, an answer without its result)."""
    return exc.extensions.get("outcome") is Outcome.UNKNOWN


def reconcile_reserve(call: ActionCall, margin: float) -> float:
    """Budget a write leaves unused for settling an ambiguous failure by re-reading."""
    return max(0.0, min(margin, call.remaining() / 3))


def still_unknown(exc: GatewayError, note: str) -> GatewayError:
    """The same failure (outcome still unknown), with what the re-read showed."""
    return _with_note(exc, note, exc.extensions)


def not_executed(exc: GatewayError, note: str) -> GatewayError:
    """The same failure, settled by a re-read as not having happened."""
    return _with_note(exc, note, {**exc.extensions, "outcome": Outcome.NOT_EXECUTED})


def _with_note(exc: GatewayError, note: str, extensions: dict[str, object]) -> GatewayError:
    detail = str(exc.detail or exc).rstrip()
    detail += " " if detail.endswith((".", "!", "?")) else ". "
    return type(exc)(detail + note, code=exc.instance_code, headers=exc.headers, **extensions)
