"""The gateway's configuration file (YAML): connections, their actions, and global limits.

Credentials are never written in the file: each connection names the environment variable that
holds its token, and the token is read once, at load time, into a ``SecretStr``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from action_gateway.domain.models import (
    COMMERCE_PLATFORMS,
    MONEY_MOVING_ACTIONS,
    SUBSCRIPTION_PLATFORMS,
    ActionName,
    Platform,
)

DEFAULT_DEADLINE_SECONDS = 15.0
SHOPIFY_DEFAULT_API_VERSION = "2026-07"
RECHARGE_API_VERSION = "2021-11"
ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]*$"
_MYSHOPIFY_HOST = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")


class ConfigError(Exception):
    """A configuration that cannot be used; the message lists every problem, readably."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionsConfig(_Strict):
    """Which actions a connection offers, to whom, and how the platform matrix is narrowed."""

    enabled: bool = Field(
        default=True, description="Master switch: when false no action is offered or executable."
    )
    allowed: list[ActionName] | None = Field(
        default=None, description="Actions switched on; omitted means every supported action."
    )
    roles: dict[ActionName, list[str]] = Field(
        default_factory=dict,
        description="Roles allowed per action; an action not listed is open to every agent.",
    )
    narrowing: dict[ActionName, dict[str, list[str]]] = Field(
        default_factory=dict,
        description=(
            "Per action, per matrix dimension, the state classes still allowed "
            '(e.g. cancel_order: {fulfillment: ["unfulfilled"]}). Can only narrow.'
        ),
    )

    refund_ceilings: dict[ActionName, dict[str, Annotated[Decimal, Field(ge=0)]]] = Field(
        default_factory=dict,
        description=(
            'Per refunding action, per agent role (or "*" for any role), the largest amount in '
            "the order's currency an agent may refund without approval; the agent's highest "
            "ceiling applies. Once an action has ceilings, an agent with none of the listed "
            "roles gets approval_required for any amount. Dry runs are never limited."
        ),
    )

    @field_validator("refund_ceilings")
    @classmethod
    def _ceilings_on_refunds(
        cls, value: dict[ActionName, dict[str, Decimal]]
    ) -> dict[ActionName, dict[str, Decimal]]:
        wrong = [a.value for a in value if a not in MONEY_MOVING_ACTIONS]
        if wrong:
            raise ValueError(
                f"refund_ceilings apply to refunding actions only, not {', '.join(wrong)}"
            )
        return value

    def is_active(self, action: ActionName) -> bool:
        return self.enabled and (self.allowed is None or action in self.allowed)


CALLER_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
SHA256_HEX_PATTERN = r"^[0-9a-f]{64}$"
Wildcard = Literal["*"]


class CallerConfig(_Strict):
    """A system allowed to call the gateway (a helpdesk backend), identified by its API key.

    Only the SHA-256 of the key is configured (``action-gateway hash-key`` prints it); the key
    itself is never stored. Several hashes let a key be rotated without downtime.
    """

    id: Annotated[str, Field(pattern=CALLER_ID_PATTERN)]
    key_sha256: list[Annotated[str, Field(pattern=SHA256_HEX_PATTERN)]] = Field(
        default_factory=list,
        description="Hex SHA-256 of the caller's API key (a list while rotating keys).",
    )
    key_sha256_env: Annotated[str | None, Field(pattern=ENV_NAME_PATTERN)] = Field(
        default=None,
        description="An environment variable holding the hash(es), comma-separated, for "
        "deployments that keep them in a secret.",
    )
    connections: Wildcard | list[str] = Field(
        description='Connection ids this caller may use, or "*" for all.'
    )
    actions: Wildcard | list[ActionName] = Field(
        description='Actions this caller may perform (or preview), or "*"; an empty list makes '
        "a read-only caller (lookups and eligibility only)."
    )
    requests_per_minute: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=600, description="Rate limit of this caller, over every endpoint but health."
    )

    @field_validator("key_sha256", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [v.strip().lower() if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> CallerConfig:
        if bool(self.key_sha256) == bool(self.key_sha256_env):
            raise ValueError(
                f"caller {self.id!r}: give exactly one of `key_sha256` (the hex SHA-256 of its "
                "key, from `action-gateway hash-key`) or `key_sha256_env`"
            )
        return self


class ConnectionConfig(_Strict):
    """One store (or subscription account) the gateway can act on."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
    platform: Platform
    shop: str | None = Field(default=None, description="Shopify: the shop's myshopify.com host.")
    store_hash: str | None = Field(default=None, description="BigCommerce: the store hash.")
    api_version: str | None = None
    access_token_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)]
    api_base_url: str | None = Field(
        default=None, description="Overrides the platform's base URL (proxies, test doubles)."
    )
    currency: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$")] = Field(
        default=None,
        description="Ordergroove: the store currency its prices are in (its API does not say).",
    )
    cancel_reasons: dict[Annotated[str, Field(pattern=r"^[0-9]+$")], str] = Field(
        default_factory=dict,
        description="Ordergroove: the merchant's cancel reason codes and their labels, for "
        "summaries (its API lists the codes only, never their labels).",
    )
    linked_connection: str | None = Field(
        default=None,
        description="Subscription platforms: the commerce connection whose customers these "
        "subscriptions belong to (Ordergroove keys customers by that store's customer id).",
    )
    deadline_seconds: Annotated[float | None, Field(gt=0, le=120)] = None
    actions: ActionsConfig = ActionsConfig()
    access_token: SecretStr | None = Field(default=None, exclude=True, repr=False)
    """Filled from ``access_token_env`` at load time; never read from the file."""

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("api_base_url must start with http:// or https://")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _platform_fields(self) -> ConnectionConfig:
        if self.platform is Platform.SHOPIFY:
            if not self.shop:
                raise ValueError("a shopify connection needs `shop` (e.g. acme.myshopify.com)")
            if self.api_base_url is None and not _MYSHOPIFY_HOST.fullmatch(self.shop):
                # The token is sent to this host: a typo or an injected value must not send it
                # anywhere but Shopify. A proxy or test double is named with api_base_url.
                raise ValueError(
                    f"shop {self.shop!r} is not a *.myshopify.com host (e.g. acme.myshopify.com); "
                    "to reach Shopify through another host, set api_base_url explicitly"
                )
            if self.api_version is None:
                object.__setattr__(self, "api_version", SHOPIFY_DEFAULT_API_VERSION)
        if self.platform is Platform.BIGCOMMERCE and not self.store_hash:
            raise ValueError("a bigcommerce connection needs `store_hash`")
        if self.platform in SUBSCRIPTION_PLATFORMS and not self.linked_connection:
            raise ValueError(
                f"a {self.platform.value} connection needs `linked_connection`: the id of the "
                "commerce connection whose customers it serves"
            )
        if self.platform is Platform.RECHARGE and self.api_version is None:
            object.__setattr__(self, "api_version", RECHARGE_API_VERSION)
        return self

    @property
    def token(self) -> SecretStr:
        if self.access_token is None:
            raise ConfigError(f"connection {self.id!r}: its token was not loaded")
        return self.access_token


class GatewayConfig(_Strict):
    deadline_seconds: Annotated[float, Field(gt=0, le=120)] = DEFAULT_DEADLINE_SECONDS
    connections: list[ConnectionConfig] = Field(default_factory=list)
    callers: list[CallerConfig] | None = Field(
        default=None,
        description="Who may call the gateway. Without callers it answers unauthenticated "
        "requests, and only on a loopback address (the sandbox, local development).",
    )

    @model_validator(mode="after")
    def _unique_ids_and_links(self) -> GatewayConfig:
        platforms: dict[str, Platform] = {}
        for connection in self.connections:
            if connection.id in platforms:
                raise ValueError(f"connection id {connection.id!r} is used twice")
            platforms[connection.id] = connection.platform
        seen_callers: set[str] = set()
        seen_hashes: set[str] = set()
        for caller in self.callers or []:
            if caller.id in seen_callers:
                raise ValueError(f"caller id {caller.id!r} is used twice")
            seen_callers.add(caller.id)
            for digest in caller.key_sha256:
                if digest in seen_hashes:
                    raise ValueError(f"caller {caller.id!r}: its key hash is another caller's")
                seen_hashes.add(digest)
            if caller.connections != "*":
                unknown = [c for c in caller.connections if c not in platforms]
                if unknown:
                    raise ValueError(
                        f"caller {caller.id!r}: unknown connection(s) {', '.join(unknown)}"
                    )
        for connection in self.connections:
            link = connection.linked_connection
            if link is None:
                continue
            if platforms.get(link) not in COMMERCE_PLATFORMS:
                raise ValueError(
                    f"connection {connection.id!r}: linked_connection {link!r} is not a "
                    "configured commerce connection"
                )
        return self

    def linked_to(self, commerce_connection_id: str) -> list[ConnectionConfig]:
        """The subscription connections whose customers are this commerce connection's."""
        return [c for c in self.connections if c.linked_connection == commerce_connection_id]

    def connection(self, connection_id: str) -> ConnectionConfig | None:
        return next((c for c in self.connections if c.id == connection_id), None)

    def deadline_for(self, connection: ConnectionConfig) -> float:
        return connection.deadline_seconds or self.deadline_seconds


def _format_validation_error(source: str, error: ValidationError) -> str:
    lines = [f"{source}: {error.error_count()} problem(s)"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"  - {where}: {item['msg']}")
    return "\n".join(lines)


def parse_config(
    data: Any, *, source: str = "config", environ: Mapping[str, str] | None = None
) -> GatewayConfig:
    """Validate a parsed config document and load each connection's token from the environment.

    ``environ=None`` reads ``os.environ``; pass ``{}``-like mappings in tests. Set
    ``load_secrets=False`` semantics by passing ``environ`` that has the names you need.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping")
    for connection in data.get("connections") or []:
        if isinstance(connection, dict) and any(
            key in connection for key in ("access_token", "token", "api_key", "password")
        ):
            raise ConfigError(
                f"{source}: connection {connection.get('id')!r} has an inline secret; "
                "name the environment variable that holds it with `access_token_env`"
            )
    try:
        config = GatewayConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(source, exc)) from None
    env = os.environ if environ is None else environ
    missing = [c for c in config.connections if not env.get(c.access_token_env)]
    if missing:
        names = ", ".join(f"{c.id} (${c.access_token_env})" for c in missing)
        raise ConfigError(f"{source}: no token in the environment for: {names}")
    connections = [
        c.model_copy(update={"access_token": SecretStr(env[c.access_token_env])})
        for c in config.connections
    ]
    return config.model_copy(
        update={"connections": connections, "callers": _caller_hashes(config, env, source)}
    )


def _caller_hashes(
    config: GatewayConfig, env: Mapping[str, str], source: str
) -> list[CallerConfig] | None:
    """Callers with the key hashes named by ``key_sha256_env`` read from the environment."""
    if config.callers is None:
        return None
    callers: list[CallerConfig] = []
    for caller in config.callers:
        if caller.key_sha256_env is None:
            callers.append(caller)
            continue
        raw = env.get(caller.key_sha256_env, "")
        hashes = [part.strip().lower() for part in raw.split(",") if part.strip()]
        if not hashes or not all(re.fullmatch(SHA256_HEX_PATTERN, h) for h in hashes):
            raise ConfigError(
                f"{source}: caller {caller.id!r}: ${caller.key_sha256_env} must hold the hex "
                "SHA-256 of the caller's key (comma-separated while rotating)"
            )
        callers.append(caller.model_copy(update={"key_sha256": hashes}))
    return callers


def load_config(path: str | Path, *, environ: Mapping[str, str] | None = None) -> GatewayConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    return parse_config(data, source=str(path), environ=environ)


SandboxMode = Literal["sandbox"]
