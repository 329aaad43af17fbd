"""What a Shopify connection configures, and what an eligibility caller states of an order."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool

from action_gateway.domain.models import DecimalString
from action_gateway.platforms.spec import PlatformSettings, ResourceFacts

DEFAULT_API_VERSION = "2026-07"
"""The Admin API version a connection uses unless it sets ``api_version``."""
_MYSHOPIFY_HOST = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")


class ShopifySettings(PlatformSettings):
    shop: str | None = Field(default=None, description="Shopify: the shop's myshopify.com host.")

    def check(self, *, sandbox: bool, api_base_url: str | None) -> None:
        if sandbox:
            return
        if not self.shop:
            raise ValueError("a shopify connection needs `shop` (e.g. acme.myshopify.com)")
        if api_base_url is None and not _MYSHOPIFY_HOST.fullmatch(self.shop):
            # The token is sent to this host: a typo or an injected value must not send it
            # anywhere but Shopify. A proxy or test double is named with api_base_url.
            raise ValueError(
                f"shop {self.shop!r} is not a *.myshopify.com host (e.g. acme.myshopify.com); "
                "to reach Shopify through another host, set api_base_url explicitly"
            )

    def base_url(self) -> str:
        return f"https://{self.shop}"


class ShopifyOrderFacts(ResourceFacts):
    example = {
        "type": "order",
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "cancelled": False,
    }

    type: Literal["order"]
    financial_status: Annotated[
        str | None,
        Field(
            max_length=64,
            description="displayFinancialStatus lower-cased (pending, authorized, partially_paid, "
            "paid, partially_refunded, refunded, voided, expired) or null.",
        ),
    ] = None
    fulfillment_status: Annotated[
        str | None,
        Field(
            max_length=64,
            description="displayFulfillmentStatus lower-cased (unfulfilled, partially_fulfilled, "
            "fulfilled, in_progress, ...).",
        ),
    ] = None
    cancelled: StrictBool | None = None
    amount_received: Annotated[
        DecimalString | None, Field(description="Tells a null financial status apart.")
    ] = None
    has_shipping_address: Annotated[
        StrictBool | None,
        Field(description="The order ships somewhere (false: a pickup or digital order)."),
    ] = None

    def matrix_facts(self) -> dict[str, Any]:
        facts = super().matrix_facts()
        if "financial_status" in self.model_fields_set:
            # Shopify gives no financial status to an order without transactions: an explicit
            # null is a fact the matrix reads (with amount_received), not an unknown.
            facts["financial_status"] = self.financial_status
        return facts
