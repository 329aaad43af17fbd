"""What an Ordergroove connection configures, and what an eligibility caller states of a
subscription."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, StrictBool

from action_gateway.platforms.spec import PlatformSettings, ResourceFacts


class OrdergrooveSettings(PlatformSettings):
    currency: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$")] = Field(
        default=None,
        description="Ordergroove: the store currency its prices are in (its API does not say).",
    )
    cancel_reasons: dict[Annotated[str, Field(pattern=r"^[0-9]+$")], str] = Field(
        default_factory=dict,
        description="Ordergroove: the merchant's cancel reason codes and their labels, for "
        "summaries (its API lists the codes only, never their labels).",
    )

    def base_url(self) -> str:
        return "https://restapi.ordergroove.com"

    def reason_labels(self) -> Mapping[str, str]:
        return self.cancel_reasons


class OrdergrooveSubscriptionFacts(ResourceFacts):
    type: Literal["subscription"]
    live: Annotated[StrictBool | None, Field(description="The subscription is live.")] = None
    prepaid: Annotated[
        StrictBool | None,
        Field(description="Has a prepaid_subscription_context (Ordergroove refuses to cancel)."),
    ] = None
    has_next_order: Annotated[
        StrictBool | None, Field(description="An unsent, unlocked order holds the subscription.")
    ] = None
