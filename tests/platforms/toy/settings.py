"""What a toy connection configures (its store code), and what an eligibility caller states."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from action_gateway.platforms.spec import PlatformSettings, ResourceFacts


class ToySettings(PlatformSettings):
    store_code: Annotated[str, Field(pattern=r"^[a-z]+$", description="The toy store's code.")]

    def base_url(self) -> str:
        return f"https://{self.store_code}.toy.test"


class ToyOrderFacts(ResourceFacts):
    type: Literal["order"]
    fulfillment_status: Annotated[str | None, Field(max_length=32)] = None
