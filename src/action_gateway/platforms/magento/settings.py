"""What a Magento connection configures, and what an eligibility caller states of an order."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, StrictStr

from action_gateway.platforms.spec import PlatformSettings, ResourceFacts

ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
OFFLINE_REFUND_METHODS = ("checkmo", "banktransfer", "cashondelivery", "purchaseorder", "free")
"""Magento's own offline payment methods: they refund only offline (magento.md §4.4)."""
OAUTH_SECRETS = ("consumer_key", "consumer_secret", "access_token_secret")


class MagentoAuth(StrEnum):
    """How requests are authorised (magento.md §1.2)."""

    OAUTH1 = "oauth1"
    """An integration's four credentials, every request signed (OAuth 1.0a HMAC-SHA256)."""
    BEARER = "bearer"
    """The integration's access token alone, where the merchant allows it as a bearer token."""


class MagentoSettings(PlatformSettings):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    store_url: Annotated[
        str | None,
        Field(
            alias="base_url",
            description="Magento: the store's address (https://host, or https://host/index.php "
            "where URL rewrites are off).",
        ),
    ] = None
    store_code: Annotated[
        str,
        Field(
            pattern=r"^[a-z0-9_]+$",
            description="Magento: the store view code in the API path /rest/{store_code}/V1.",
        ),
    ] = "default"
    auth: Annotated[
        MagentoAuth,
        Field(
            description="Magento: `oauth1` (the default: the integration's consumer key and "
            "secret, access token and secret) or `bearer` (its access token only)."
        ),
    ] = MagentoAuth.OAUTH1
    consumer_key_env: Annotated[str | None, Field(pattern=ENV_NAME)] = None
    consumer_secret_env: Annotated[str | None, Field(pattern=ENV_NAME)] = None
    access_token_secret_env: Annotated[str | None, Field(pattern=ENV_NAME)] = None
    offline_refund_methods: Annotated[
        tuple[str, ...],
        Field(
            description="Magento: payment method codes refunded offline (a credit memo only; "
            "the money is returned outside Magento). Every other method is refunded online, "
            "through its invoice."
        ),
    ] = OFFLINE_REFUND_METHODS

    def check(self, *, sandbox: bool, api_base_url: str | None) -> None:
        if sandbox:
            if self.secret_env_vars():
                raise ValueError(
                    "a sandbox magento connection has no `*_env` credentials: its simulator "
                    "makes its own"
                )
            return
        if not self.store_url and not api_base_url:
            raise ValueError("a magento connection needs `base_url` (https://host)")
        if self.store_url and not self.store_url.startswith("https://"):
            raise ValueError("a magento `base_url` must start with https://")
        named = {name: getattr(self, f"{name}_env") for name in OAUTH_SECRETS}
        if self.auth is MagentoAuth.OAUTH1 and not all(named.values()):
            missing = ", ".join(f"`{name}_env`" for name, env in named.items() if not env)
            raise ValueError(
                "a magento connection with `auth: oauth1` (the default) signs each request "
                "with its integration's four credentials: `access_token_env` (the access "
                "token), `access_token_secret_env`, `consumer_key_env` and "
                f"`consumer_secret_env` each name an environment variable; missing: {missing}. "
                "With `auth: bearer` (where the store allows integration tokens as bearer "
                "tokens) `access_token_env` alone is needed"
            )
        if self.auth is MagentoAuth.BEARER and any(named.values()):
            raise ValueError(
                "a magento connection with `auth: bearer` needs `access_token_env` only; "
                "the consumer key and secret and the access token secret are for `auth: oauth1`"
            )

    def base_url(self) -> str:
        return f"{(self.store_url or '').rstrip('/')}/rest/{self.store_code}"

    def secret_env_vars(self) -> Mapping[str, str]:
        if self.auth is not MagentoAuth.OAUTH1:
            return {}
        named = {name: getattr(self, f"{name}_env") for name in OAUTH_SECRETS}
        return {name: env for name, env in named.items() if env}


class MagentoOrderFacts(ResourceFacts):
    type: Literal["order"]
    state: Annotated[
        StrictStr | None,
        Field(
            max_length=32,
            description="The order's state code (new, pending_payment, processing, complete, "
            "closed, canceled, holded, payment_review), never its renamable status.",
        ),
    ] = None
    uninvoiced: Annotated[
        StrictBool | None, Field(description="Some item still has a quantity to invoice.")
    ] = None
    paid: Annotated[
        StrictBool | None,
        Field(description="Money was paid and not all of it refunded (total_paid > refunded)."),
    ] = None
    shipped: Annotated[StrictBool | None, Field(description="Some item was shipped.")] = None
    has_shipping_address: Annotated[
        StrictBool | None,
        Field(description="The order ships somewhere (false for a virtual order)."),
    ] = None
