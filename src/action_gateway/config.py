"""The gateway's configuration file (YAML): connections, their actions, and global limits.

Credentials are never written in the file: each connection names the environment variable that
holds its token, and the token is read once, at load time, into a ``SecretStr``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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
    SUBSCRIPTION_PLATFORMS,
    ActionName,
    Platform,
)

DEFAULT_DEADLINE_SECONDS = 15.0
SHOPIFY_DEFAULT_API_VERSION = "2026-07"
RECHARGE_API_VERSION = "2021-11"
ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]*$"


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

    def is_active(self, action: ActionName) -> bool:
        return self.enabled and (self.allowed is None or action in self.allowed)


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

    @model_validator(mode="after")
    def _unique_ids_and_links(self) -> GatewayConfig:
        platforms: dict[str, Platform] = {}
        for connection in self.connections:
            if connection.id in platforms:
                raise ValueError(f"connection id {connection.id!r} is used twice")
            platforms[connection.id] = connection.platform
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
    return config.model_copy(update={"connections": connections})


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
