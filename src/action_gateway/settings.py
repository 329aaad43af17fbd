"""Process settings, from the environment (prefix ``ACTION_GATEWAY_``), validated once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from action_gateway.domain.phones import DEFAULT_PHONE_REGION, check_phone_region

APPROVAL_KEYS_ENV = "ACTION_GATEWAY_APPROVAL_KEYS"
MIN_APPROVAL_KEY_BYTES = 32


def split_approval_keys(raw: str) -> list[str]:
    """The keys of ``ACTION_GATEWAY_APPROVAL_KEYS``: comma-separated, the first signs."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def approval_keys_problem(raw: str | None) -> str | None:
    """What is wrong with a value of ``ACTION_GATEWAY_APPROVAL_KEYS`` (never quoting a key)."""
    keys = split_approval_keys(raw or "")
    if not keys:
        return f"${APPROVAL_KEYS_ENV} is not set"
    short = [i for i, key in enumerate(keys, start=1) if len(key.encode()) < MIN_APPROVAL_KEY_BYTES]
    if short:
        which = ", ".join(str(i) for i in short)
        return (
            f"${APPROVAL_KEYS_ENV}: key {which} is shorter than {MIN_APPROVAL_KEY_BYTES} bytes "
            "(e.g. `openssl rand -hex 32` makes one)"
        )
    return None


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACTION_GATEWAY_", extra="ignore", frozen=True)

    config: Path | None = Field(
        default=None, description="The YAML config file; without one the sandbox runs."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="uvicorn worker processes; more than one needs redis_url (each worker "
        "would otherwise keep its own idempotency keys).",
    )
    log_format: LogFormat = LogFormat.CONSOLE
    log_level: str = "info"
    deadline_seconds: float | None = Field(
        default=None, gt=0, le=120, description="Overrides the config file's deadline_seconds."
    )
    http_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    http_transport: Literal["httpx", "aiohttp"] = Field(
        default="aiohttp",
        description="What sends each connection's requests under the httpx API: `aiohttp` (an "
        "aiohttp connection pool; the faster, see BENCHMARKS.md) or `httpx` (httpx's own pool). "
        "Transports injected by tests and the sandbox are used as they are.",
    )
    http_max_connections: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Open connections per platform connection; requests beyond it wait for one "
        "(within their connect timeout).",
    )
    max_body_bytes: int = Field(
        default=65536,
        ge=1024,
        le=16 * 1024 * 1024,
        description="The largest request body accepted (413 above it); bodies are buffered "
        "whole to be checked, so this is also the most one request holds in memory.",
    )
    max_header_bytes: int = Field(
        default=16384,
        ge=1024,
        le=1024 * 1024,
        description="The largest sum of request header names and values accepted (431 above).",
    )
    shopify_schema: Path | None = Field(
        default=None,
        description="Shopify's Admin GraphQL SDL; when set, the Shopify sandbox validates "
        "every document against it.",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis URL (redis://[:password@]host:port/db) of the idempotency store "
        "shared by every replica; without one the store is in memory (one process). Secret: "
        "never logged.",
    )

    phone_region: str = Field(
        default=DEFAULT_PHONE_REGION,
        description="The region (ISO 3166-1 alpha-2, e.g. US, GB) whose numbering reads a phone "
        "number written without its country code, for connections that set no `phone_region`.",
    )

    approval_keys: SecretStr | None = Field(
        default=None,
        description="Keys that sign approval tokens, comma-separated for rotation: the first "
        "signs, every one verifies; at least 32 bytes each. Required once a connection has "
        "refund or compensation ceilings; the sandbox makes one per process. Secret: never "
        "logged.",
    )

    @field_validator("approval_keys", mode="before")
    @classmethod
    def _blank_approval_keys_are_none(cls, value: object) -> object:
        """An empty variable means none given. The keys' lengths are checked at start-up, where
        the problem is reported without the value (a validation error here would quote it)."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("phone_region")
    @classmethod
    def _known_phone_region(cls, value: str) -> str:
        return check_phone_region(value)

    @field_validator("redis_url", mode="before")
    @classmethod
    def _blank_redis_url_is_none(cls, value: object) -> object:
        """An empty variable (as templates often render it) means no Redis."""
        return None if isinstance(value, str) and not value.strip() else value
