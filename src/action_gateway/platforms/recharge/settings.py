"""What a Recharge connection configures, and what an eligibility caller states of a
subscription."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool

from action_gateway.platforms.spec import PlatformSettings, ResourceFacts

API_VERSION = "2021-11"
"""The one API version the adapter speaks (sent on every request)."""


class RechargeSettings(PlatformSettings):
    def base_url(self) -> str:
        return "https://api.rechargeapps.com"


class RechargeSubscriptionFacts(ResourceFacts):
    type: Literal["subscription"]
    status: Annotated[
        str | None, Field(max_length=32, description="active, cancelled or expired.")
    ] = None
    prepaid: Annotated[
        StrictBool | None,
        Field(description="Recharge's is_prepaid (prepaid subscriptions are not cancelled)."),
    ] = None
    skippable: Annotated[StrictBool | None, Field(description="Recharge's is_skippable.")] = None
    has_next_order: Annotated[
        StrictBool | None, Field(description="A queued charge holds the subscription.")
    ] = None

    def matrix_facts(self) -> dict[str, Any]:
        facts = super().matrix_facts()
        if self.status:
            facts["status"] = self.status.lower()  # Recharge's status case varies
        return facts
