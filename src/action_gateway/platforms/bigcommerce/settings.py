"""What a BigCommerce connection configures, and what an eligibility caller states of an order."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt

from action_gateway.platforms.spec import PlatformSettings, ResourceFacts


class BigCommerceSettings(PlatformSettings):
    store_hash: str | None = Field(default=None, description="BigCommerce: the store hash.")

    def check(self, *, sandbox: bool, api_base_url: str | None) -> None:
        if not self.store_hash and not sandbox:
            raise ValueError("a bigcommerce connection needs `store_hash`")

    def base_url(self) -> str:
        return f"https://api.bigcommerce.com/stores/{self.store_hash}"


class BigCommerceOrderFacts(ResourceFacts):
    type: Literal["order"]
    status_id: Annotated[
        StrictInt | None, Field(description="0-14; the renamable status label is never used.")
    ] = None
    has_shipping_address: Annotated[
        StrictBool | None,
        Field(description="shipping_address_count > 0 (false: a pickup or digital order)."),
    ] = None
