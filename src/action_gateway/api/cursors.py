"""Opaque cursors for paging one customer's orders on one connection.

A cursor wraps the platform's own position (Shopify's ``endCursor``, BigCommerce's offset in the
merged order list) with the customer it belongs to, signed with a key derived from the
connection's credential: every replica can read it (nothing is stored), and a cursor that was
altered, or taken from another connection or customer, is refused before the platform sees it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from action_gateway.actions.services import Connection
from action_gateway.errors import FieldError, ValidationFailed

_VERSION = 1
_MAC_BYTES = 16


def _key(connection: Connection) -> bytes:
    secret = connection.config.token.get_secret_value().encode()
    return hashlib.sha256(
        b"action-gateway/orders-cursor\0" + connection.id.encode() + b"\0" + secret
    ).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_orders_cursor(connection: Connection, customer_id: str, position: str) -> str:
    payload = json.dumps([_VERSION, customer_id, position], separators=(",", ":")).encode()
    mac = hmac.digest(_key(connection), payload, "sha256")[:_MAC_BYTES]
    return f"{_b64(payload)}.{_b64(mac)}"


def decode_orders_cursor(connection: Connection, customer_id: str, cursor: str) -> str:
    """The platform position in ``cursor``; ``ValidationFailed`` (422) unless this connection
    issued it for this customer."""
    try:
        payload_text, mac_text = cursor.split(".")
        payload, mac = _unb64(payload_text), _unb64(mac_text)
    except (ValueError, binascii.Error):
        raise _invalid("it is not a cursor this gateway gave") from None
    expected = hmac.digest(_key(connection), payload, "sha256")[:_MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise _invalid(f"it was not given by connection {connection.id}, or it was altered")
    version, owner, position = json.loads(payload)
    if version != _VERSION or not isinstance(position, str):
        raise _invalid("it is from another version of the gateway")
    if owner != customer_id:
        raise _invalid(f"it belongs to another customer than {customer_id}")
    return position


def _invalid(why: str) -> ValidationFailed:
    message = f"The cursor cannot be used: {why}. Start again from the first page."
    return ValidationFailed(message, errors=[FieldError(loc=["query", "cursor"], message=message)])
